"""Documentation sites, for real: MkDocs builds of the example packages and of the
repository's site, a page rendered in headless Chromium, and publishing to a bare git
repository's gh-pages branch.

The expensive part (every site, notebooks executed in the package's own venv) is built
once per module; the error cases use small repositories of their own.
"""

from __future__ import annotations

import doctest
import json
import re
import shutil
import struct
import textwrap
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from conftest import ROOT, RepoFactory

from packyard import config
from packyard.building.venvs import create_venv
from packyard.docsite import build_all, build_package_site, check_links, mkdocs_hooks, pages
from packyard.docsite import links as links_module
from packyard.docsite.ghpages import publish
from packyard.docsite.toolchain import Toolchain, toolchain_requirements
from packyard.errors import CommandFailed, DocsError, PackageError
from packyard.index.local import LocalIndex
from packyard.proc import run
from packyard.repo import Repository
from packyard.versions.tracking import record_release

pytestmark = pytest.mark.slow

CONFSTACK_RELEASE = {
    "version": "0.1.0",
    "date": "2025-01-31T12:00:00+00:00",
    "tag": "confstack-v0.1.0",
    "repository": "local",
    "index_url": "http://127.0.0.1:8765/simple/",
    "notes": [
        {"kind": "feat", "description": "deep-merge YAML layers", "commit": "0123456789"},
        {"kind": "fix", "description": "coerce 'off' to False", "commit": "abcdef0123"},
    ],
}


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _pyproject(index: LocalIndex) -> str:
    return (
        '[project]\nname = "docs-demo"\nversion = "0"\n\n'
        f'[tool.packyard]\nindex-url = "{index.simple_url}"\n'
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, local_index: LocalIndex) -> SimpleNamespace:
    """A copy of the example packages (unitconv has pages, an SVG and a notebook in
    docs/), this repository's mkdocs.yml and docs/, and a recorded release of confstack;
    every site built with the notebooks executed."""
    root = tmp_path_factory.mktemp("docs") / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text(_pyproject(local_index), encoding="utf-8")
    shutil.copytree(
        ROOT / "packages", root / "packages", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copy2(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    repo = Repository.open(root)
    record_release(repo.config.state_dir, "confstack", CONFSTACK_RELEASE)
    before = _snapshot(root / "packages")
    log: list[str] = []
    reports = build_all(repo, execute=True, progress=log.append)
    return SimpleNamespace(
        root=root,
        site=root / "site",
        reports={r.name: r for r in reports},
        log=log,
        packages_before=before,
        packages_after=_snapshot(root / "packages"),
    )


def _html(built: SimpleNamespace, page: str) -> str:
    return (built.site / page).read_text(encoding="utf-8")


def test_every_site_is_built_and_nothing_is_written_in_packages(built: SimpleNamespace) -> None:
    packages = sorted(
        p.name.removesuffix(".py")
        for p in (built.root / "packages").iterdir()
        if (p.is_dir() or p.suffix == ".py") and not p.name.startswith(("test_", "_", "."))
    )
    assert {"confstack", "tripcost", "unitconv"} <= set(packages)
    assert set(built.reports) == {"", *packages}
    for name in packages:
        assert (built.site / name / "index.html").is_file()
        assert (built.root / "build" / "docs" / name / "mkdocs.yml").is_file()
    assert built.packages_after == built.packages_before
    assert built.reports["unitconv"].executed
    assert built.reports["unitconv"].notebooks == ["examples.ipynb"]


def test_api_reference_lists_the_public_api(built: SimpleNamespace) -> None:
    unitconv = _html(built, "unitconv/api/index.html")
    for anchor in (
        "unitconv.Quantity",
        "unitconv.Quantity.to",
        "unitconv.convert",
        "unitconv.load_registry",
        "unitconv.UnitError",
    ):
        assert f'id="{anchor}"' in unitconv, anchor
    # __all__ is the API: each public module has its section, without what the top
    # module exports (documented there once).
    assert 'id="unitconv.quantity"' in unitconv and 'id="unitconv.cli"' in unitconv
    assert 'id="unitconv.quantity.Quantity"' not in unitconv
    # Doctests in docstrings are code blocks, not nested block quotes.
    assert "&gt;&gt;&gt;" in unitconv and "<blockquote>" not in unitconv
    confstack = _html(built, "confstack/api/index.html")
    for anchor in ("confstack.load", "confstack.get", "confstack.deep_merge"):
        assert f'id="{anchor}"' in confstack, anchor


def test_home_usage_and_extra_pages(built: SimpleNamespace) -> None:
    home = _html(built, "unitconv/index.html")
    assert "Factors and offsets are kept as exact fractions" in home  # the README
    assert "At a glance" in home
    usage = _html(built, "unitconv/usage/index.html")
    assert "usage: unitconv" in usage and "--precision" in usage  # real --help output
    assert not (built.site / "confstack" / "usage").exists()  # no console script
    table = _html(built, "unitconv/unit-table/index.html")
    assert 'src="../images/conversion.svg"' in table
    assert (built.site / "unitconv" / "images" / "conversion.svg").is_file()
    assert "Estimate the fuel" in _html(built, "tripcost/index.html")  # module docstring


def test_notebook_is_executed_in_the_package_venv(built: SimpleNamespace) -> None:
    source = nbformat.read(ROOT / "packages/unitconv/docs/examples.ipynb", as_version=4)
    assert not any(c.get("outputs") for c in source.cells if c.cell_type == "code")
    page = _html(built, "unitconv/examples/index.html")
    assert "Quantity(3.1068559611866697, &#39;mi&#39;)" in page or (
        "Quantity(3.1068559611866697, 'mi')" in page
    )
    assert "[-40.0, 0.0, 100.0]" in page
    assert any("(executing)" in line for line in built.log)


def test_changelog_pages(built: SimpleNamespace) -> None:
    confstack = _html(built, "confstack/changelog/index.html")
    assert "0.1.0" in confstack and "2025-01-31" in confstack
    assert "deep-merge YAML layers" in confstack and "coerce" in confstack
    unitconv = _html(built, "unitconv/changelog/index.html")
    assert "No releases yet" in unitconv


def test_landing_page_links_every_package_and_all_links_resolve(built: SimpleNamespace) -> None:
    landing = _html(built, "index.html")
    for name in ("confstack", "tripcost", "unitconv"):
        assert f'href="{name}/"' in landing
    assert "confstack-v0.1.0" not in landing and "2025-01-31" in landing
    assert "--index-url http://127.0.0.1:8765/simple/" in landing  # released to local
    assert (built.site / "architecture" / "index.html").is_file()
    assert (built.site / "configuration" / "index.html").is_file()
    managing = _html(built, "managing-packages/index.html")
    assert "invoke rename OLD NEW" in managing and "--skip-gates" in managing
    assert "packyard serve NAME" in _html(built, "extras/index.html")
    assert 'href="managing-packages/"' in landing and 'href="extras/"' in landing
    assert check_links(built.site) == []


def test_configuration_reference_documents_every_key() -> None:
    """The key table of docs/configuration.md lists config.KNOWN_KEYS, no more, no less."""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = text.split("## `[tool.packyard]` in the root `pyproject.toml`", 1)[1]
    table = re.split(r"\n#{2,3} ", section, maxsplit=1)[0]
    documented = re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE)
    assert sorted(documented) == sorted(config.KNOWN_KEYS)
    assert len(documented) == len(set(documented))


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return path


def _chromium_args(binary: str, profile: Path) -> list[str]:
    return [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", "--window-size=1400,1000",
    ]  # fmt: skip


def test_page_renders_in_headless_chromium(built: SimpleNamespace, tmp_path: Path) -> None:
    binary = _chromium()
    page = (built.site / "unitconv" / "api" / "index.html").as_uri()
    dom = run(
        [*_chromium_args(binary, tmp_path / "profile1"), "--dump-dom", page],
        step="chromium",
        timeout=120,
    )
    # The DOM after the theme's scripts ran: the title, the navigation, the API entries.
    assert "<title>API reference - unitconv</title>" in dom
    for label in ("Usage", "The unit table", "Changelog"):
        assert label in dom
    assert 'id="unitconv.Quantity"' in dom
    shot = tmp_path / "page.png"
    run(
        [*_chromium_args(binary, tmp_path / "profile2"), f"--screenshot={shot}", page],
        step="chromium",
        timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1000)
    assert len(data) > 30_000  # a page of text and code, not a blank one


def _git(cwd: Path, *args: str) -> str:
    return run(["git", *args], step="git", cwd=cwd)


def test_publish_twice_keeps_both_packages(built: SimpleNamespace, tmp_path: Path) -> None:
    bare = tmp_path / "pages.git"
    run(["git", "init", "--quiet", "--bare", bare], step="git")
    if not (built.root / ".git").exists():
        _git(built.root, "init", "--quiet")
        _git(built.root, "config", "user.name", "Docs Test")
        _git(built.root, "config", "user.email", "docs@example.invalid")
    repo = Repository.open(built.root)
    lines: list[str] = []

    dry = publish(repo, ["unitconv"], remote=str(bare), dry_run=True, progress=lines.append)
    assert dry.changed and dry.commit is None
    assert any("unitconv/" in line and "added" in line for line in lines)
    assert _git(bare, "branch", "--list").strip() == ""  # nothing pushed

    first = publish(repo, ["unitconv"], remote=str(bare), progress=lines.append)
    assert first.commit and first.parent is None
    second = publish(repo, ["confstack"], remote=str(bare), progress=lines.append)
    assert second.parent == first.commit
    top = set(_git(bare, "ls-tree", "--name-only", "gh-pages").split())
    assert top == {".nojekyll", "confstack", "unitconv"}
    page = _git(bare, "show", "gh-pages:unitconv/api/index.html")
    assert 'id="unitconv.Quantity"' in page

    again = publish(repo, ["confstack"], remote=str(bare), progress=lines.append)
    assert not again.changed and again.commit is None
    assert "already up to date" in lines[-1]

    everything = publish(repo, remote=str(bare), progress=lines.append)
    top = set(_git(bare, "ls-tree", "--name-only", "gh-pages").split())
    assert {"index.html", "assets", "architecture", "tripcost", "confstack", "unitconv"} <= top
    assert everything.parent == second.commit
    log = _git(bare, "log", "--format=%s", "gh-pages").splitlines()
    assert log == [
        "docs: publish the repository site, " + ", ".join(sorted(repo.packages)),
        "docs: publish confstack",
        "docs: publish unitconv",
    ]
    # The local repository's branches and index are untouched.
    assert _git(built.root, "branch", "--list").strip() == ""
    assert not (built.root / ".git" / "index").exists()


def test_publish_refuses_unbuilt_sites(make_repo: RepoFactory) -> None:
    root = make_repo({"packages/tiny.py": '"""A tiny package."""\n'})
    _git(root, "init", "--quiet")
    repo = Repository.open(root)
    with pytest.raises(DocsError, match="not built") as info:
        publish(repo, ["tiny"], remote=str(root / "nowhere.git"))
    assert "nox -s docs-tiny" in info.value.render()
    with pytest.raises(DocsError, match="no built site"):
        publish(repo, remote=str(root / "nowhere.git"))
    with pytest.raises(PackageError, match="no package named 'nope'"):
        publish(repo, ["nope"], remote=str(root / "nowhere.git"))


BROKEN_PACKAGE = {
    "packages/brokenpkg/__init__.py": '"""A package whose docs have broken links."""\n',
    "packages/brokenpkg/docs/guide.md": """\
        # Guide

        See [the setup](setup.md) first.

        ![the flow](images/flow.png)
    """,
}


def test_broken_link_and_missing_image_fail_naming_the_page(
    make_repo: RepoFactory, local_index: LocalIndex
) -> None:
    root = make_repo(BROKEN_PACKAGE, packyard=f'index-url = "{local_index.simple_url}"\n')
    repo = Repository.open(root)
    with pytest.raises(DocsError) as info:
        build_package_site(repo, "brokenpkg", progress=lambda _: None)
    text = info.value.render()
    guide = root / "packages" / "brokenpkg" / "docs" / "guide.md"
    assert info.value.path == guide and info.value.line == 3
    assert f"{guide}:3: link" in text and "'setup.md'" in text
    assert f"{guide}:5: image" in text and "'images/flow.png'" in text
    assert not (root / "site" / "brokenpkg").exists()
    assert sorted(p.name for p in (root / "packages" / "brokenpkg").rglob("*")) == [
        "__init__.py", "docs", "guide.md",
    ]  # fmt: skip


def test_page_clashing_with_a_generated_one(make_repo: RepoFactory) -> None:
    root = make_repo({
        "packages/clash/__init__.py": '"""Clash."""\n',
        "packages/clash/docs/api.md": "# My API\n",
    })  # fmt: skip
    with pytest.raises(DocsError, match=r"clashes with the generated page 'api\.md'") as info:
        build_package_site(Repository.open(root), "clash", progress=lambda _: None)
    assert info.value.path == root / "packages" / "clash" / "docs" / "api.md"


def test_failing_notebook_cell_fails_the_build_naming_the_notebook(
    make_repo: RepoFactory, local_index: LocalIndex
) -> None:
    root = make_repo(
        {"packages/nbpkg/__init__.py": '"""Notebook demo."""\n\nVALUE = 41\n'},
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import nbpkg\nnbpkg.VALUE + 1"),
        nbformat.v4.new_code_cell("raise RuntimeError('cell two is broken')"),
    ]
    source = root / "packages" / "nbpkg" / "docs" / "demo.ipynb"
    source.parent.mkdir()
    nbformat.write(notebook, source)
    repo = Repository.open(root)
    # Without --execute the notebook is only converted: the build passes.
    report = build_package_site(repo, "nbpkg", progress=lambda _: None)
    assert report.notebooks == ["demo.ipynb"] and not report.executed
    with pytest.raises(CommandFailed) as info:
        build_package_site(repo, "nbpkg", execute=True, progress=lambda _: None)
    assert str(source) in info.value.message and "executed" in info.value.message
    assert "cell two is broken" in info.value.render()
    assert json.loads(source.read_text(encoding="utf-8"))["cells"][0]["outputs"] == []


def test_missing_toolchain_is_a_clear_error(tmp_path: Path) -> None:
    venv = create_venv(tmp_path / "bare")
    with pytest.raises(DocsError, match="docs toolchain is not installed") as info:
        Toolchain.find(venv.python)
    assert "pip install" in (info.value.hint or "")
    assert any(r.startswith("mkdocs>=") for r in toolchain_requirements())


def test_repo_site_needs_its_package_sites(make_repo: RepoFactory) -> None:
    root = make_repo({"packages/tiny.py": '"""A tiny package."""\n'})
    shutil.copytree(ROOT / "docs", root / "docs")
    shutil.copy2(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    from packyard.docsite import build_repo_site

    with pytest.raises(DocsError, match="not built: site/tiny/") as info:
        build_repo_site(Repository.open(root), progress=lambda _: None)
    assert "nox -s docs-tiny" in info.value.render()
    assert not (root / "site" / "index.html").exists()


def test_link_checker_on_a_handmade_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text("<p>a</p>", encoding="utf-8")
    (site / "index.html").write_text(
        textwrap.dedent("""\
            <a href="a/">ok</a> <a href="a/#x">ok</a> <a href="#top">ok</a>
            <a href="https://example.org/x">external</a> <a href="mailto:x@y">mail</a>
            <a href="b/">missing</a> <img src="img/none.png"> <a href="/abs/">abs</a>
            <a href="../outside.html">outside</a>
        """),
        encoding="utf-8",
    )
    broken = check_links(site)
    assert [(b.target, b.kind) for b in broken] == [
        ("b/", "link"), ("img/none.png", "image"), ("/abs/", "link"), ("../outside.html", "link"),
    ]  # fmt: skip
    assert "is not found" in str(broken[0]) and "absolute" in broken[2].reason


def test_generated_pages_and_doctests(make_repo: RepoFactory) -> None:
    for module in (pages, links_module, mkdocs_hooks):
        assert doctest.testmod(module).failed == 0
    lines = ["Text:", "", "    >>> f(1)", "    2", "", "```", ">>> not a doctest here", "```"]
    assert mkdocs_hooks.fence_doctests(lines) == [
        "Text:", "", "    ```pycon", "    >>> f(1)", "    2", "    ```", "",
        "```", ">>> not a doctest here", "```",
    ]  # fmt: skip
    root = make_repo({
        "packages/withdocs/__init__.py": '"""With docs."""\n',
        "packages/withdocs/README.md": "# withdocs\n\n![x](docs/x.png) [g](./docs/g.md)\n",
        "packages/plain/__init__.py": '"""No __all__."""\n',
    })  # fmt: skip
    repo = Repository.open(root)
    home = pages.home_page(repo, "withdocs")
    assert "![x](x.png)" in home and "[g](g.md)" in home
    assert pages.api_page(repo.package("plain")) == "# API reference\n\n::: plain\n"
    assert "No releases yet" in pages.changelog_page(repo, "plain")
    assert pages.render_release_notes(CONFSTACK_RELEASE["notes"]).startswith("### ")
    assert pages.landing_page("# Hi\n", "| t |\n").endswith("## Packages\n\n| t |\n")
