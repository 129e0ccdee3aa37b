"""A release is a transaction that a plain re-run completes.

``invoke release`` runs as a real process (the venv's ``invoke``) and is killed with
SIGKILL at each step boundary of the upload, verify and record steps (through the testing
hook ``PACKYARD_TEST_KILL_AT``) and from inside ``git commit`` (a pre-commit hook that
kills it); a plain re-run must then end with the tag, the tracking file, the README table
and the index agreeing, a clean work tree, no index server left running and no log file
left behind. Also: a failing hook or a refused tag leaves the work tree as before, a
``--bump`` past a used-up first version, and push-release refusing an untagged release
commit. Everything is real: git, builds, venvs, pypiserver on loopback, twine, pip.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from packyard.errors import GateError, ReleaseError
from packyard.index.local import LocalIndex
from packyard.release.pipeline import error_text, release
from packyard.release.planning import ReleaseOptions, plan_release
from packyard.release.pushing import push_release
from packyard.release.readme_table import END, START
from packyard.release.state import intent_file
from packyard.release.steps import ReleaseResult
from packyard.repo import Repository
from packyard.versions.tracking import releases
from tests.conftest import git, init_release_repo, init_repo

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ADDER = '"""Add numbers.\n\n>>> add(2, 3)\n5\n"""\n\n\ndef add(a, b):\n    return a + b\n'
TEST_ADDER = "import adder\n\n\ndef test_add():\n    assert adder.add(2, 2) == 4\n"
SOLO = '"""Solo.\n\n>>> one()\n1\n"""\n\n\ndef one():\n    return 1\n'
README = f"# demo\n\n## Packages\n\n{START}\n{END}\n"
#: Where a release is killed: each step boundary of upload, verify and record.
BOUNDARIES = ["intent", "uploaded", "verified", "tracking", "readme", "committed", "tagged"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, local_index: LocalIndex) -> Path:
    """A git repository with two single-file packages, releasing to ``local``."""
    root = tmp_path_factory.mktemp("recovery") / "repo"
    (root / "packages").mkdir(parents=True)
    files = {
        "packages/adder.py": ADDER,
        "packages/test_adder.py": TEST_ADDER,
        "packages/solo.py": SOLO,
        "README.md": README,
        # Third-party distributions (pytest...) come from the test wheelhouse's index.
        "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n\n'
        f'[tool.packyard]\nindex-url = "{local_index.simple_url}"\n',
    }
    return init_release_repo(root, files, "Add adder and solo")


def invoke_release(root: Path, *args: str, kill_at: str = "") -> subprocess.Popen[str]:
    """Start ``invoke release adder`` (the venv's invoke) in ``root``."""
    env = dict(os.environ, PIP_CONFIG_FILE="/dev/null", PACKYARD_TEST_KILL_AT=kill_at)
    return subprocess.Popen(
        [str(BIN / "invoke"), "release", "adder", "--skip-gates", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def servers_of(root: Path) -> list[int]:
    """PIDs of processes whose command line names this repository's local index."""
    folder = str(root / ".packyard" / "index")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if folder.encode() in argv:
            found.append(int(entry.name))
    return found


def wait_until(condition: Any, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def assert_consistent(root: Path, version: str) -> None:
    """Tag, tracking file, README table and the index's files agree on ``version``."""
    tag = f"adder-v{version}"
    record = releases(root / ".packyard", "adder")[-1]
    assert record["version"] == version and record["tag"] == tag
    assert git(root, "rev-parse", f"{tag}^{{commit}}") == git(root, "rev-parse", "HEAD")
    assert git(root, "log", "-1", "--format=%s").strip() == f"release(adder): v{version}"
    committed = json.loads(git(root, "show", "HEAD:.packyard/releases/adder.json"))
    assert committed["releases"][-1]["version"] == version
    on_index = sorted((root / ".packyard" / "index").glob(f"adder-{version}[-.]*"))
    assert len(on_index) == 2
    hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in on_index}
    assert hashes == {f["filename"]: f["sha256"] for f in record["files"]}
    row = next(line for line in (root / "README.md").read_text().splitlines() if "`adder`" in line)
    assert f"| {version} |" in row
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert not intent_file(root / ".packyard", "adder").exists()
    assert wait_until(lambda: not servers_of(root)), servers_of(root)
    assert list((root / ".packyard").glob(".pypiserver-*")) == []


def next_change(root: Path, label: str) -> str:
    """Commit a fix to adder; return the version its release will get."""
    path = root / "packages" / "adder.py"
    path.write_text(path.read_text() + f"\n# {label}\n")
    git(root, "commit", "-q", "-am", f"fix(adder): {label}")
    return plan_release(Repository.open(root), "adder").version


KILLER = """#!/bin/sh
kill -9 "$(cat {pidfile})"
exit {status}
"""


@pytest.mark.parametrize(
    "boundary",
    [
        *BOUNDARIES,
        "uploaded-partly",
        "uploaded-intent-lost",
        "in-git-commit",
        "in-failing-git-commit",
    ],
)
def test_a_killed_release_completes_on_a_plain_rerun(project: Path, boundary: str) -> None:
    root = project
    version = next_change(root, boundary)
    hook = root / ".git" / "hooks" / "pre-commit"
    if boundary.startswith("in-"):
        pidfile = root.parent / "invoke.pid"
        status = 1 if "failing" in boundary else 0
        hook.write_text(KILLER.format(pidfile=pidfile, status=status))
        hook.chmod(0o755)
        killed = invoke_release(root)
        pidfile.write_text(str(killed.pid))
    else:
        killed = invoke_release(root, kill_at=boundary.split("-")[0])
    out, _ = killed.communicate(timeout=300)
    if boundary == "uploaded-partly":  # as if killed between the sdist and the wheel
        (wheel,) = (root / ".packyard" / "index").glob(f"adder-{version}-*.whl")
        wheel.unlink()
    if boundary == "uploaded-intent-lost":  # as on a CI runner that is gone
        intent_file(root / ".packyard", "adder").unlink()
    hook.unlink(missing_ok=True)
    assert killed.returncode == -signal.SIGKILL, out
    # git outlives the killed process: wait for it to let go of the index.
    assert wait_until(lambda: not (root / ".git" / "index.lock").exists())
    assert wait_until(lambda: not servers_of(root)), "the local index outlived its release"
    assert list((root / ".packyard").glob(".pypiserver-*")) == []

    rerun = invoke_release(root)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    assert_consistent(root, version)
    recoveries = [line for line in out.splitlines() if line.startswith("[recover]")]
    assert recoveries, out  # each recovery says what it found and did
    if boundary in ("uploaded", "verified", "tracking", "readme", "in-failing-git-commit"):
        assert any("adopting it" in line for line in recoveries), out
        assert "[upload]" not in out
    if boundary == "uploaded-partly":  # rebuilt (the same bytes), only the wheel uploaded
        assert any("adopting it" in line for line in recoveries), out
        assert "[upload]" in out and "[build]" in out
    if boundary == "uploaded-intent-lost":  # recognised by a rebuild: nothing uploaded
        assert any("byte for byte this rebuild: adopting it" in r for r in recoveries), out
        assert "[upload]" not in out
    if boundary in ("committed", "in-git-commit"):
        assert any(f"tagged it adder-v{version}" in line for line in recoveries), out


def run_release(root: Path, name: str, **options: Any) -> tuple[ReleaseResult, list[str]]:
    lines: list[str] = []
    settings = {"gates": False, "pypirc": root.parent / "no-pypirc", **options}
    (result,) = release(
        Repository.open(root), [name], ReleaseOptions(**settings), progress=lines.append
    )
    return result, lines


def tree_state(root: Path) -> dict[str, Any]:
    return {
        "head": git(root, "rev-parse", "HEAD"),
        "tags": git(root, "tag", "--list"),
        "status": git(root, "status", "--porcelain", "--untracked-files=all"),
        "staged": git(root, "diff", "--cached", "--name-only"),
        "tracking": [p.read_text() for p in (root / ".packyard" / "releases").glob("adder.*")],
        "readme": (root / "README.md").read_text(),
    }


@pytest.mark.parametrize("refusal", ["pre-commit hook", "tag"])
def test_a_refused_commit_or_tag_leaves_the_tree_as_before(
    project: Path, refusal: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    version = next_change(root, f"refused {refusal}")
    before = tree_state(root)
    hook = root / ".git" / "hooks" / "pre-commit"
    if refusal == "tag":  # signing a tag with a program that fails
        git(root, "config", "tag.gpgSign", "true")
        git(root, "config", "gpg.program", "false")
    else:
        hook.write_text("#!/bin/sh\necho 'the hook says no' >&2\nexit 1\n")
        hook.chmod(0o755)
    try:
        result, _ = run_release(root, "adder")
    finally:
        hook.unlink(missing_ok=True)
        git(root, "config", "--unset", "tag.gpgSign") if refusal == "tag" else None
    assert result.status == "failed" and isinstance(result.error, ReleaseError)
    assert "recording it failed" in result.error.message
    assert "run invoke release adder again" in (result.error.hint or "")
    assert tree_state(root) == before
    assert intent_file(root / ".packyard", "adder").exists()

    result, lines = run_release(root, "adder")
    assert result.status == "released", result.error
    assert any("adopting it" in line for line in lines)
    assert "upload" not in [step for step, _ in result.steps]
    assert_consistent(root, version)


def test_bump_past_a_used_up_first_version(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """solo 0.1.0 is on the index, uploaded from elsewhere (no intent, nothing recorded)."""
    root = project
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    folder = root / ".packyard" / "index"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "solo-0.1.0.tar.gz").write_bytes(b"uploaded from elsewhere")

    result, _ = run_release(root, "solo")
    assert isinstance(result.error, ReleaseError)
    assert "solo 0.1.0 is already on the index" in result.error.message
    hint = result.error.hint or ""
    assert "--bump patch" in hint
    assert (folder / "solo-0.1.0.tar.gz").read_bytes() == b"uploaded from elsewhere"

    result, _ = run_release(root, "solo", bump="patch")
    assert result.status == "released", result.error
    assert [r["version"] for r in releases(root / ".packyard", "solo")] == ["0.1.1"]
    assert git(root, "tag", "--list", "solo-v*").split() == ["solo-v0.1.1"]
    assert git(root, "status", "--porcelain") == ""


def test_push_release_refuses_a_release_commit_without_its_tag(
    project: Path, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    for key, value in (("user.name", "t"), ("user.email", "t@example.invalid")):
        git(clone, "config", key, value)
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(clone), str(remote))
    git(clone, "remote", "set-url", "origin", str(remote))
    git(clone, "commit", "-q", "--allow-empty", "-m", "release(adder): v9.9.9")
    before = git(remote, "rev-parse", "main")
    with pytest.raises(ReleaseError, match=r"has no tag adder-v9\.9\.9") as info:
        push_release(clone, progress=lambda line: None)
    assert "invoke release adder" in (info.value.hint or "")
    assert git(remote, "rev-parse", "main") == before


def test_an_unknown_name_starts_nothing_and_errors_print_once(
    make_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from packyard.cli import main

    root = make_repo({"packages/solo.py": SOLO, "README.md": README})
    init_repo(root)
    (root / "README.md").write_text("dirty\n")  # not even the work tree is looked at
    cwd = Path.cwd()
    os.chdir(root)
    try:
        status = main(["release", "nosuch"])
    finally:
        os.chdir(cwd)
    assert status == 1
    assert not (root / ".packyard" / "index").exists()  # the local index never started
    captured = capsys.readouterr()
    assert (captured.out + captured.err).count("no package named 'nosuch'") == 1
    assert "FAILED    nosuch" in captured.out

    gate = ReleaseResult(
        "csvsummary", "failed", error=GateError("csvsummary: quality gate failed: lint")
    )
    assert error_text(gate) == "csvsummary: quality gate failed: lint"
