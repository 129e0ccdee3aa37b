"""End-to-end releases: a temporary git repository with real commits, real builds and venvs,
real uploads with twine to a real pypiserver on 127.0.0.1, installs back from it with pip.

The module has its own index (a copy of the test wheelhouse) so that its uploads do not
leak into other tests; a second repository, ``flaky``, is a server on a reserved port that
tests start, stop or pre-fill to inject failures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from packyard.building.venvs import clean_env
from packyard.errors import CommandFailed, PackageError, ReleaseError
from packyard.index.local import LocalIndex, free_port
from packyard.release.pipeline import release, summary
from packyard.release.planning import ReleaseOptions, plan_release
from packyard.release.readme_table import END, START
from packyard.release.steps import ReleaseResult
from packyard.repo import Repository
from packyard.versions.tracking import releases
from tests.conftest import ROOT, ensure_wheelhouse, git, init_release_repo

pytestmark = pytest.mark.slow

TOKEN_VAR = "PACKYARD_TEST_TOKEN_NEVER_SET"

ADDER = '''
"""Add numbers.

>>> add(2, 3)
5
"""


def add(a, b):
    return a + b
'''
TEST_ADDER = "import adder\n\n\ndef test_add():\n    assert adder.add(2, 2) == 4\n"
BROKEN = '"""Broken on purpose: its test fails."""\n\n\ndef one():\n    return 2\n'
TEST_BROKEN = "import broken\n\n\ndef test_one():\n    assert broken.one() == 1\n"
README = f"""# demo

The first screen, kept as it is.

## Packages

{START}
{END}

## Afterwards

Kept as well.
"""


def commit_change(root: Path, relative: str, text: str, message: str) -> None:
    path = root / relative
    path.write_text((path.read_text() if path.exists() else "") + text)
    git(root, "add", relative)
    git(root, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    """This module's own index: the wheelhouse plus whatever its tests upload."""
    folder = tmp_path_factory.mktemp("release-index") / "packages"
    shutil.copytree(ensure_wheelhouse(), folder)
    with LocalIndex(folder) as server:
        yield server


@pytest.fixture(scope="module")
def flaky_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, index: LocalIndex, flaky_port: int) -> Path:
    """A git repository with three single-file packages and one commit."""
    root = tmp_path_factory.mktemp("release-repo") / "repo"
    (root / "packages").mkdir(parents=True)
    for name in ("confstack.py", "test_confstack.py"):
        shutil.copy(ROOT / "packages" / name, root / "packages" / name)
    files = {
        "packages/adder.py": ADDER.lstrip(),
        "packages/test_adder.py": TEST_ADDER,
        "packages/broken.py": BROKEN,
        "packages/test_broken.py": TEST_BROKEN,
        "README.md": README,
        "pyproject.toml": textwrap.dedent(
            f"""\
            [project]
            name = "demo"
            version = "0"

            [tool.packyard]
            index-url = "{index.simple_url}"

            [tool.packyard.repositories.test]
            url = "{index.url}"

            [tool.packyard.repositories.flaky]
            url = "http://127.0.0.1:{flaky_port}/"

            [tool.packyard.repositories.secure]
            url = "{index.url}"
            username = "ci"
            password-env = "{TOKEN_VAR}"
            """
        ),
    }
    return init_release_repo(root, files, "Add confstack, adder and broken")


def run_release(root: Path, names: list[str], **options: Any) -> tuple[list[ReleaseResult], str]:
    lines: list[str] = []
    progress = options.pop("progress", lines.append)
    settings = {"repository": "test", "pypirc": root.parent / "no-pypirc", **options}
    results = release(Repository.open(root), names, ReleaseOptions(**settings), progress=progress)
    return results, "\n".join(lines)


def snapshot(root: Path, folder: Path) -> dict[str, Any]:
    """Everything a release may change: git, tracking files, README, the index's files."""
    state = root / ".packyard" / "releases"
    return {
        "head": git(root, "rev-parse", "HEAD"),
        "tags": git(root, "tag", "--list"),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
        "tracking": {p.name: p.read_text() for p in sorted(state.glob("*"))}
        if state.is_dir()
        else {},
        "readme": (root / "README.md").read_text(),
        "index": sorted(p.name for p in folder.iterdir()) if folder.is_dir() else [],
    }


def assert_released(root: Path, index: LocalIndex, name: str, versions: list[str]) -> dict:
    """The tracking file, tags, commit, README and index all say ``versions`` of ``name``."""
    records = releases(root / ".packyard", name)
    assert [r["version"] for r in records] == versions
    latest = records[-1]
    tag = f"{name}-v{versions[-1]}"
    assert git(root, "tag", "--list", f"{name}-v*").split() == [f"{name}-v{v}" for v in versions]
    assert latest["tag"] == tag and latest["repository"] == "test"
    assert latest["index_url"] == index.simple_url
    # The tag is on the release commit, which holds exactly the tracking file and README.
    assert git(root, "rev-parse", f"{tag}^{{commit}}") == git(root, "rev-parse", "HEAD")
    assert git(root, "log", "-1", "--format=%s").strip() == f"release({name}): v{versions[-1]}"
    changed = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == sorted(["README.md", f".packyard/releases/{name}.json"])
    assert git(root, "rev-parse", "HEAD~1").strip() == latest["commit"]
    assert git(root, "status", "--porcelain") == ""
    # The uploaded files are on the index, byte for byte.
    import hashlib

    for entry in latest["files"]:
        served = index.directory / entry["filename"]
        assert hashlib.sha256(served.read_bytes()).hexdigest() == entry["sha256"]
    # The README row, and only the section between the markers changed.
    readme = (root / "README.md").read_text()
    row = next(line for line in readme.splitlines() if f"[`{name}`]" in line)
    assert f"| {versions[-1]} |" in row and latest["date"][:10] in row
    assert f"pip install --index-url {index.simple_url} {name}" in row
    assert readme.startswith(README.split(START)[0]) and readme.endswith(README.split(END)[1])
    return latest


def long_description(index: LocalIndex, name: str, version: str) -> str:
    wheel = index.directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(f"{name}-{version}.dist-info/METADATA").decode()


def test_release_chain_then_pip_installs_the_latest(
    project: Path, index: LocalIndex, tmp_path: Path
) -> None:
    root = project
    remote = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(root, "remote", "add", "origin", str(remote))

    results, log = run_release(root, ["confstack"])
    assert [r.status for r in results] == ["released"], summary(results)
    first = assert_released(root, index, "confstack", ["0.1.0"])
    assert first["notes"][0]["description"] == "Add confstack, adder and broken"
    assert "first release" in log and "[upload]" in log and "[verify]" in log

    commit_change(
        root, "packages/confstack.py", "\n# fixed\n", "fix(confstack): handle empty files"
    )
    results, _ = run_release(root, ["confstack"])
    assert results[0].plan is not None and results[0].plan.reason == "commits say patch"
    second = assert_released(root, index, "confstack", ["0.1.0", "0.1.1"])
    assert second["notes"] == [
        {"kind": "fix", "description": "handle empty files", "commit": second["notes"][0]["commit"]}
    ]

    commit_change(root, "packages/confstack.py", "\n# more\n", "feat(confstack): add a helper")
    commit_change(root, "CONTRIBUTING.md", "notes\n", "docs: unrelated to any package")
    results, _ = run_release(root, ["confstack"], push=True)
    third = assert_released(root, index, "confstack", ["0.1.0", "0.1.1", "0.2.0"])
    assert [n["kind"] for n in third["notes"]] == ["feat"]  # the docs commit is not confstack's
    assert git(remote, "tag", "--list").split() == ["confstack-v0.2.0"]
    assert git(remote, "rev-parse", "main") == git(root, "rev-parse", "HEAD")

    # The long description of the new wheel carries the whole changelog, newest first.
    metadata = long_description(index, "confstack", "0.2.0")
    changelog = metadata[metadata.index("## Changelog") :]
    assert changelog.index("### 0.2.0") < changelog.index("add a helper")
    assert changelog.index("### 0.1.1") < changelog.index("handle empty files")
    assert "### 0.1.0" in changelog

    results, log = run_release(root, ["confstack"])
    assert results[0].status == "nothing" and "nothing to release for confstack" in log

    # pip, with no machine configuration and only the test index, installs 0.2.0; it works.
    # (The standard library's venv: its pip comes from ensurepip, offline.)
    subprocess.run([sys.executable, "-m", "venv", tmp_path / "venv"], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    env = clean_env(PIP_CONFIG_FILE="/dev/null")
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--index-url",
            index.simple_url,
            "confstack",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    code = (
        "import confstack, importlib.metadata as m, json; "
        "c = confstack.load(defaults={'db': {'port': 1}}, env_prefix='APP', "
        "environ={'APP_DB__PORT': '5433'}); "
        "print(json.dumps([m.version('confstack'), c['db']['port']]))"
    )
    out = subprocess.run(
        [python, "-c", code],
        check=True,
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert json.loads(out.stdout) == ["0.2.0", 5433]


def test_dry_run_changes_nothing(project: Path, index: LocalIndex) -> None:
    root = project
    commit_change(root, "packages/adder.py", "\n# dry\n", "[adder] a change; another change")
    expected = plan_release(Repository.open(root), "adder").version
    before = snapshot(root, index.directory)
    results, log = run_release(root, ["adder"], dry_run=True, push=True)
    assert [r.status for r in results] == ["planned"]
    assert results[0].plan is not None and results[0].plan.version == expected
    assert [n["description"] for n in results[0].plan.notes][-2:] == ["a change", "another change"]
    assert f"would tag adder-v{expected}" in log and "would push" in log
    assert "[assemble]" not in log and not (root / "dist" / "adder").exists()
    # The default repository, local, is not even started: its folder is read.
    results, log = run_release(root, ["adder"], dry_run=True, repository="local")
    assert results[0].status == "planned" and "local, not started" in log
    assert not (root / ".packyard" / "index").exists()
    # The invoke task is wired to the same code.
    run = subprocess.run(
        [sys.executable, "-m", "invoke", "release", "adder", "--dry-run", "--repository", "test"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert f"planned   adder {expected}" in run.stdout
    assert snapshot(root, index.directory) == before


def test_upload_failure_leaves_no_trace(project: Path, flaky_port: int, tmp_path: Path) -> None:
    root = project
    flaky = LocalIndex(tmp_path / "flaky", port=flaky_port).start()
    before = snapshot(root, flaky.directory)

    def stop_before_upload(line: str) -> None:
        if line.startswith("[upload]"):
            flaky.stop()

    try:
        results, _ = run_release(root, ["adder"], repository="flaky", progress=stop_before_upload)
    finally:
        flaky.stop()
    result = results[0]
    assert result.status == "failed"
    assert isinstance(result.error, CommandFailed) and result.error.step == "upload"
    assert "FAILED    adder at upload" in summary(results)
    assert snapshot(root, flaky.directory) == before


def test_a_version_the_index_has_is_never_reused(
    project: Path, flaky_port: int, tmp_path: Path
) -> None:
    root = project
    version = plan_release(Repository.open(root), "adder").version
    folder = tmp_path / "flaky"
    folder.mkdir()
    (folder / f"adder-{version}.tar.gz").write_bytes(b"uploaded from elsewhere")
    with LocalIndex(folder, port=flaky_port) as flaky:
        before = snapshot(root, flaky.directory)
        results, _ = run_release(root, ["adder"], repository="flaky")
        after = snapshot(root, flaky.directory)
    error = results[0].error
    assert isinstance(error, ReleaseError)
    assert f"adder {version} is already on the index" in error.message
    assert "--version" in (error.hint or "")
    assert "a rebuild at that version gives different files" in error.message
    assert "upload" not in [s for s, _ in results[0].steps]
    assert after == before


def test_what_stops_a_release_before_anything_is_built(
    project: Path, index: LocalIndex, make_repo
) -> None:
    root = project
    before = snapshot(root, index.directory)

    (root / "packages" / "adder.py").write_text("# edited, not committed\n" + ADDER)
    with pytest.raises(ReleaseError, match=r"uncommitted changes: packages/adder\.py"):
        run_release(root, ["adder"])
    git(root, "checkout", "--", "packages/adder.py")

    with pytest.raises(ReleaseError, match="missing credentials for repository 'secure'") as info:
        run_release(root, ["adder"], repository="secure", environ={})
    assert f"${TOKEN_VAR}" in (info.value.hint or "")

    with pytest.raises(ReleaseError, match="unknown repository 'tset'") as info:
        run_release(root, ["adder"], repository="tset")
    assert "did you mean 'test'" in (info.value.hint or "")

    home = root.parent / "no-identity-home"
    home.mkdir(exist_ok=True)
    saved = {k: os.environ.get(k) for k in ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL")}
    email = git(root, "config", "--local", "--get", "user.email").strip()
    name = git(root, "config", "--local", "--get", "user.name").strip()
    git(root, "config", "--local", "--unset", "user.email")
    git(root, "config", "--local", "--unset", "user.name")
    os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home), GIT_CONFIG_GLOBAL=os.devnull)
    try:
        with pytest.raises(ReleaseError, match="no user name and e-mail") as info:
            run_release(root, ["adder"])
        assert "git config user.email" in (info.value.hint or "")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        git(root, "config", "--local", "user.email", email)
        git(root, "config", "--local", "user.name", name)

    results, _ = run_release(root, ["nosuch"])
    assert isinstance(results[0].error, PackageError)
    assert "no package named 'nosuch'" in results[0].error.message

    assert snapshot(root, index.directory) == before

    plain = make_repo({"packages/solo.py": '"""Solo."""\n', "README.md": README})
    with pytest.raises(ReleaseError, match="not a git repository") as info:
        run_release(plain, ["solo"])
    assert "git init" in (info.value.hint or "")


def test_several_packages_are_independent(project: Path, index: LocalIndex) -> None:
    root = project
    version = plan_release(Repository.open(root), "adder").version
    results, _ = run_release(root, ["adder,broken", "nosuch"])
    by_name = {r.package: r for r in results}
    assert by_name["adder"].status == "released"
    assert by_name["broken"].status == "failed"
    assert isinstance(by_name["broken"].error, CommandFailed)
    assert by_name["broken"].error.step == "tests"
    assert by_name["nosuch"].status == "failed"
    text = summary(results)
    assert f"released  adder {version}" in text
    assert "FAILED    broken at tests" in text and "FAILED    nosuch" in text
    assert_released(root, index, "adder", [version])
    assert releases(root / ".packyard", "broken") == []
    assert git(root, "tag", "--list", "broken-v*") == ""
    assert not list(index.directory.glob("broken-*"))
    readme = (root / "README.md").read_text()
    assert "| [`broken`](packages/broken.py) | unreleased |" in readme


def test_no_commit_tags_the_source_and_leaves_the_record_to_commit(
    project: Path, index: LocalIndex
) -> None:
    # Last in the module: it leaves the work tree changed, as --no-commit means to.
    root = project
    commit_change(root, "packages/adder.py", "\n# again\n", "fix(adder): again")
    source = git(root, "rev-parse", "HEAD")
    results, _ = run_release(root, ["adder"], commit=False)
    result = results[0]
    assert result.status == "released" and result.plan is not None
    tag = result.plan.tag
    assert git(root, "rev-parse", f"{tag}^{{commit}}") == source == git(root, "rev-parse", "HEAD")
    assert sorted(git(root, "status", "--porcelain").split()) == sorted(
        ["M", "M", ".packyard/releases/adder.json", "README.md"]
    )
    assert releases(root / ".packyard", "adder")[-1]["version"] == result.plan.version
    with pytest.raises(ReleaseError, match="uncommitted changes"):
        run_release(root, ["confstack"])
