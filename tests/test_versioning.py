"""Versions, release notes, tracking files, the README table, repositories and credentials,
index pages: the parts of a release that need no build (fast)."""

from __future__ import annotations

import doctest
import http.server
import json
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from packyard.config import load_config
from packyard.errors import ConfigError, ReleaseError
from packyard.index import credentials, repository_config
from packyard.index import query as index_query
from packyard.index.credentials import resolve_credentials, twine_environment
from packyard.index.query import project_files, version_of
from packyard.index.repositories import get_repository, load_repositories
from packyard.index.repository_config import Credentials
from packyard.release import readme_table
from packyard.release.readme_table import END, START, updated_text
from packyard.versions import tracking, versioning
from packyard.versions.tracking import (
    current_version,
    read_tracking,
    record_release,
    tracking_file,
    with_changelog,
)
from packyard.versions.versioning import (
    bump_level,
    changelog_markdown,
    changes_for,
    next_version,
    parse_message,
    parse_version,
    render_notes,
)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("fix(kit): handle empty input", [("fix", "patch", ("kit",), "handle empty input")]),
        ("feat(kit): add --json", [("feat", "minor", ("kit",), "add --json")]),
        ("feat(kit)!: drop old API", [("breaking", "major", ("kit",), "drop old API")]),
        (
            "refactor(a, b): share code\n\nBREAKING CHANGE: renamed",
            [("breaking", "major", ("a", "b"), "share code")],
        ),
        ("perf: faster", [("perf", "patch", (), "faster")]),
        ("docs(kit): typo", [("other", "patch", ("kit",), "typo")]),
        (
            "[kit] change one; change two",
            [
                ("other", "patch", ("kit",), "change one"),
                ("other", "patch", ("kit",), "change two"),
            ],
        ),
        ("[kit][minor] add x", [("feat", "minor", ("kit",), "add x")]),
        ("[a][b][MAJOR] rewrite", [("breaking", "major", ("a", "b"), "rewrite")]),
        ("Tidy things up", [("other", "patch", (), "Tidy things up")]),
        ("", []),
    ],
)
def test_parse_message(message: str, expected: list[tuple]) -> None:
    got = [(c.kind, c.level, c.scopes, c.description) for c in parse_message(message)]
    assert got == expected


def test_changes_reach_a_package_by_name_or_by_files() -> None:
    assert changes_for("fix(my-tool): x", "my_tool", touches_files=False)  # PEP 503 match
    assert changes_for("[my_tool] x", "my_tool", touches_files=False)
    assert not changes_for("fix(other): x", "my_tool", touches_files=False)
    assert changes_for("fix(other): x", "my_tool", touches_files=True)[0].kind == "fix"
    assert changes_for("update readme", "my_tool", touches_files=True)[0].level == "patch"
    # Only the changes naming the package count when the message names it.
    both = changes_for("[a][minor] one", "b", touches_files=True)
    assert [c.description for c in both] == ["one"]
    # The release commit records a release; it is not a change.
    assert changes_for("release(my_tool): v0.1.0", "my_tool", touches_files=True) == []


def test_bumps() -> None:
    changes = parse_message("fix: a") + parse_message("feat: b")
    assert bump_level(changes) == "minor"
    assert bump_level([]) is None
    assert next_version("0.1.0", "patch") == "0.1.1"
    assert next_version("0.1.1", "minor") == "0.2.0"
    assert next_version("0.2.0", "major") == "1.0.0"
    assert next_version("1.2", "patch") == "1.2.1"
    assert next_version("2.0.0rc1", "patch") == "2.0.0"
    assert next_version("1.0.0.post1", "patch") == "1.0.1"
    with pytest.raises(ReleaseError, match="not a valid PEP 440"):
        parse_version("one.two")


def test_notes_are_grouped_by_kind_in_a_fixed_order() -> None:
    notes = [
        c.note() for m in ("docs: d", "fix: f", "feat!: b", "feat: a") for c in parse_message(m)
    ]
    text = render_notes(notes)
    headings = [line for line in text.splitlines() if line.startswith("###")]
    assert headings == ["### Breaking changes", "### Features", "### Fixes", "### Other changes"]
    assert "- a" in text and "- d" in text
    log = changelog_markdown(
        [
            {"version": "0.1.0", "date": "2025-01-01T00:00:00+00:00", "notes": notes[:1]},
            {"version": "0.10.0", "date": "2025-02-01T00:00:00+00:00", "notes": []},
        ]
    )
    assert log.index("### 0.10.0 (2025-02-01)") < log.index("### 0.1.0 (2025-01-01)")
    assert "No recorded changes." in log


def _record(version: str, **extra: object) -> dict:
    return {"version": version, "date": "2025-01-01T00:00:00+00:00", "notes": [], **extra}


def test_tracking_file_is_atomic_sorted_and_refuses_reuse(tmp_path: Path) -> None:
    state = tmp_path / ".packyard"
    assert current_version(state, "kit") == tracking.UNRELEASED_VERSION
    path = record_release(state, "kit", _record("0.2.0", files=[{"sha256": "b", "filename": "a"}]))
    record_release(state, "kit", _record("0.1.0"))
    text = path.read_text()
    assert text.endswith("}\n")
    data = json.loads(text)
    assert list(data) == sorted(data)  # sorted keys
    assert data["schema"] == tracking.SCHEMA
    assert [r["version"] for r in data["releases"]] == ["0.1.0", "0.2.0"]
    assert list(data["releases"][1]["files"][0]) == ["filename", "sha256"]
    assert current_version(state, "kit") == "0.2.0"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    with pytest.raises(ConfigError, match="recorded already"):
        record_release(state, "kit", _record("0.2.0"))
    assert path.read_text() == text
    assert sorted(p.name for p in path.parent.iterdir()) == ["kit.json"]  # no temp file left
    path.write_text('{"schema": 99}')
    with pytest.raises(ConfigError, match="schema") as info:
        read_tracking(state, "kit")
    assert info.value.path == tracking_file(state, "kit")


def test_changelog_joins_the_long_description(tmp_path: Path) -> None:
    state = tmp_path / ".packyard"
    assert with_changelog("Text.\n", state, "kit", "0.0.0") == "Text.\n"
    record_release(
        state, "kit", _record("0.1.0", notes=[{"kind": "fix", "description": "old", "commit": ""}])
    )
    pending = _record("0.2.0", notes=[{"kind": "feat", "description": "new", "commit": "abc"}])
    text = with_changelog("Text.", state, "kit", "0.2.0", pending=pending)
    assert text.startswith("Text.\n\n## Changelog\n")
    assert text.index("### 0.2.0") < text.index("- new (abc)") < text.index("### 0.1.0")
    # Building an older version lists only the releases up to it.
    assert "0.2.0" not in with_changelog("Text.", state, "kit", "0.1.0", pending=pending)


def test_readme_section_is_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    text = f"# Top\n\nkeep\n\n{START}\nold table\n{END}\n\n## After\n"
    new = updated_text(text, "| t |\n", readme)
    assert new == f"# Top\n\nkeep\n\n{START}\n| t |\n{END}\n\n## After\n"
    with pytest.raises(ConfigError, match="exactly once") as info:
        updated_text("# no markers\n", "", readme)
    assert info.value.path == readme and START in (info.value.hint or "")
    with pytest.raises(ConfigError, match="comes before") as info:
        updated_text(f"a\n{END}\n{START}\n", "", readme)
    assert info.value.line == 2


def test_readme_table_rows(make_repo) -> None:
    from packyard.repo import Repository

    root = make_repo(
        {
            "packages/kit.py": '"""Kit | tools."""\n',
            "packages/zeta/__init__.py": '"""Zeta."""\n',
            "README.md": f"intro\n{START}\n{END}\n",
        }
    )
    state = root / ".packyard"
    record_release(
        state, "kit", _record("0.3.0", repository="local", index_url="http://127.0.0.1:1/simple/")
    )
    repo = Repository.open(root)
    assert readme_table.update_readme(repo, check=True)
    assert readme_table.update_readme(repo)
    assert not readme_table.update_readme(repo)
    lines = (root / "README.md").read_text().splitlines()
    assert lines[0] == "intro" and lines[-1] == END
    kit = next(line for line in lines if "`kit`" in line)
    assert "| 0.3.0 | Kit \\| tools. | 2025-01-01 |" in kit
    # The local index alone, at its fixed port: with --extra-index-url a public project of
    # the same name could win (`invoke index` redirects third-party projects instead).
    assert "`pip install --index-url http://127.0.0.1:8765/simple/ kit` |" in kit
    assert "extra-index-url" not in kit
    zeta = next(line for line in lines if "`zeta`" in line)
    assert "](packages/zeta/)" in zeta and "| unreleased |" in zeta


PYPROJECT = """
[tool.packyard.repositories.company]
url = "https://pkgs.example.com/feed/pypi/upload/"
username-env = "COMPANY_USER"
password-env = "COMPANY_TOKEN"

[tool.packyard.repositories.open]
url = "http://127.0.0.1:9/"

[tool.packyard.repositories.pypi]
password-env = "MY_PYPI_TOKEN"
"""


def test_repositories_from_presets_pypirc_and_pyproject(make_repo, tmp_path: Path) -> None:
    pypirc = tmp_path / "pypirc"
    pypirc.write_text(
        "[distutils]\nindex-servers = gitlab\n\n[gitlab]\n"
        "repository = https://gitlab.example.com/api/v4/projects/1/packages/pypi\n"
        "username = deploy\npassword = s3cr%t\n"
    )
    config = load_config(make_repo(packyard=PYPROJECT))
    found = load_repositories(config, pypirc=pypirc)
    assert {"local", "pypi", "testpypi", "company", "open", "gitlab"} <= set(found)
    company = found["company"]
    assert company.index_url == "https://pkgs.example.com/feed/pypi/simple/"
    assert company.needs_credentials
    assert not found["open"].needs_credentials
    assert found["open"].index_url == "http://127.0.0.1:9/simple/"
    assert found["pypi"].username == "__token__"  # the preset, with the password variable changed
    assert found["pypi"].password_env == "MY_PYPI_TOKEN"
    assert found["pypi"].index_url == "https://pypi.org/simple/"
    assert found["local"].is_local and found["local"].url is None
    # PyPI's simple index stays public with another token variable; the others are not.
    assert found["pypi"].public_index and not found["pypi"].index_needs_auth
    assert not company.public_index and company.index_needs_auth
    assert not found["gitlab"].public_index

    gitlab = resolve_credentials(found["gitlab"], environ={})
    assert (gitlab.username, gitlab.password) == ("deploy", "s3cr%t")
    assert "s3cr" not in repr(gitlab) and "s3cr" not in str(gitlab)

    creds = resolve_credentials(company, environ={"COMPANY_USER": "me", "COMPANY_TOKEN": "tok"})
    assert (creds.username, creds.password, creds.source) == ("me", "tok", "$COMPANY_TOKEN")
    with pytest.raises(ReleaseError, match="missing credentials for repository 'company'") as info:
        resolve_credentials(company, environ={"COMPANY_USER": "me", "UNRELATED": "x"})
    assert "$COMPANY_TOKEN" in (info.value.hint or "")
    assert resolve_credentials(found["open"], environ={}).username == credentials.ANONYMOUS_USER

    with pytest.raises(ReleaseError, match="unknown repository 'compnay'") as info:
        get_repository(config, "compnay", pypirc=pypirc)
    assert "did you mean 'company'" in (info.value.hint or "")


def test_twine_gets_credentials_only_through_its_environment(monkeypatch) -> None:
    from packyard.release.publish import upload_command

    monkeypatch.setenv("TWINE_REPOSITORY_URL", "https://elsewhere.example/")
    env = twine_environment(Credentials("user", "hunter2", "test"))
    assert (env["TWINE_USERNAME"], env["TWINE_PASSWORD"]) == ("user", "hunter2")
    assert "TWINE_REPOSITORY_URL" not in env
    command = upload_command(repository_config.PRESETS["pypi"], [Path("a.whl")])
    assert "hunter2" not in " ".join(command) and "-p" not in command and "-u" not in command


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[tool.packyard.repositories.x]\nurl = "https://h/"\npasword-env = "T"\n', "did you mean"),
        ('[tool.packyard.repositories.x]\nurl = "https://h/"\npassword = "T"\n', "secrets"),
        ("[tool.packyard.repositories.x]\nusername-env = 'U'\n", "has no url"),
        ('[tool.packyard.repositories.x]\nurl = "ftp://h/"\n', "https://"),
        ('[tool.packyard.repositories.local]\nurl = "https://h/"\n', "no fixed url"),
    ],
)
def test_bad_repository_tables_name_file_and_line(make_repo, table: str, message: str) -> None:
    root = make_repo(packyard='index-url = "https://pypi.org/simple"\n\n' + table)
    with pytest.raises(ConfigError) as info:
        load_repositories(load_config(root), pypirc=root / "none")
    assert message in info.value.render()
    assert info.value.path == root / "pyproject.toml"
    lines = (root / "pyproject.toml").read_text().splitlines()
    assert info.value.line is not None and "repositories." in lines[info.value.line - 1]


def test_file_names_give_versions() -> None:
    assert str(version_of("my_tool-1.0.0rc1-py3-none-any.whl")) == "1.0.0rc1"
    assert str(version_of("my-tool-2.0.tar.gz")) == "2.0"
    assert version_of("my_tool-1.0.exe") is None
    assert version_of("garbage.whl") is None


@pytest.fixture
def simple_server() -> Iterator[tuple[str, dict]]:
    """A real HTTP server on 127.0.0.1 answering PEP 691 JSON or PEP 503 HTML pages."""
    pages: dict[str, tuple[str, str]] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path not in pages:
                self.send_error(404)
                return
            content_type, body = pages[self.path]
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/", pages
    finally:
        server.shutdown()
        server.server_close()


def test_index_pages_json_and_html(simple_server) -> None:
    url, pages = simple_server
    pages["/simple/my-tool/"] = (
        "application/vnd.pypi.simple.v1+json",
        json.dumps(
            {
                "meta": {"api-version": "1.0"},
                "name": "my-tool",
                "files": [
                    {
                        "filename": "my_tool-0.1.0.tar.gz",
                        "url": "../../f/a.tar.gz",
                        "hashes": {"sha256": "aa"},
                    },
                    {"filename": "my_tool-0.2.0-py3-none-any.whl", "url": "/f/b.whl", "hashes": {}},
                ],
            }
        ),
    )
    pages["/simple/other/"] = (
        "text/html",
        '<html><body><a href="/f/other-1.0.tar.gz#sha256=bb">other-1.0.tar.gz</a></body></html>',
    )
    files = project_files(url, "My_Tool")
    assert [(f.filename, str(f.version), f.sha256) for f in files] == [
        ("my_tool-0.1.0.tar.gz", "0.1.0", "aa"),
        ("my_tool-0.2.0-py3-none-any.whl", "0.2.0", ""),
    ]
    assert files[0].url.endswith("/f/a.tar.gz")
    html = project_files(url, "other")
    assert [(f.filename, f.sha256) for f in html] == [("other-1.0.tar.gz", "bb")]
    assert project_files(url, "unknown") == []
    pages["/simple/bad/"] = ("application/vnd.pypi.simple.v1+json", "[1, 2]")
    with pytest.raises(ReleaseError, match="not a PEP 691"):
        project_files(url, "bad")


def test_unreachable_index_is_a_clear_error() -> None:
    from packyard.index.local import free_port

    with pytest.raises(ReleaseError, match="cannot reach the index"):
        project_files(f"http://127.0.0.1:{free_port()}/simple/", "x", timeout=5)


@pytest.mark.parametrize(
    "module", [versioning, index_query, readme_table, repository_config], ids=lambda m: m.__name__
)
def test_doctests(module) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried and not failures
