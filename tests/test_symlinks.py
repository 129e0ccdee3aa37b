"""Symbolic links in a package: one inside the package ships as what it points to; one
that leads outside (``/etc/passwd``, ``/proc/self/environ``, a folder elsewhere) is refused
before anything reaches ``build/``, ``dist/`` or an index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from packyard.building.testinstall import build_and_check
from packyard.errors import PackageError
from packyard.release.readme_table import END, START
from packyard.repo import Repository
from tests.conftest import ROOT, RepoFactory, git, init_repo

PACKAGE = {
    "packages/probe/__init__.py": '"""A package with links."""\n\nVALUE = 1\n',
    "packages/probe/artifacts/real.txt": "inside the package\n",
    "packages/probe/data/table.csv": "a,b\n1,2\n",
}


def _quiet(_: str) -> None:
    pass


def test_links_inside_the_package_ship_as_their_targets(make_repo: RepoFactory) -> None:
    root = make_repo(PACKAGE)
    package = root / "packages" / "probe"
    (package / "artifacts" / "alias.txt").symlink_to("real.txt")
    (package / "tables").symlink_to("data", target_is_directory=True)  # a folder link
    _, artifacts, files = build_and_check(Repository.open(root).resolve("probe"), progress=_quiet)
    assert {"probe/artifacts/alias.txt", "probe/tables/table.csv", "probe/data/table.csv"} <= set(
        files
    )
    with zipfile.ZipFile(artifacts.wheel) as wheel:
        assert wheel.read("probe/artifacts/alias.txt") == b"inside the package\n"
        assert wheel.read("probe/tables/table.csv") == b"a,b\n1,2\n"
    # The build tree holds copies, never links.
    built = root / "build" / "probe" / "probe"
    assert not (built / "artifacts" / "alias.txt").is_symlink()
    assert not (built / "tables").is_symlink() and (built / "tables" / "table.csv").is_file()


def _outside(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """link path (in the package) -> (target, what the error must name)."""
    secrets = tmp_path / "elsewhere"
    secrets.mkdir(exist_ok=True)
    (secrets / "key.txt").write_text("private\n")
    return {
        "passwd": ("artifacts/passwd", "/etc/passwd"),
        "environ": ("artifacts/env.txt", "/proc/self/environ"),
        "folder": ("artifacts/more", str(secrets)),
        "readme": ("README.md", str(secrets / "key.txt")),
        "relative": ("data/up.txt", "../../../elsewhere/key.txt"),
    }


@pytest.mark.parametrize("case", ["passwd", "environ", "folder", "readme", "relative"])
def test_a_link_leading_outside_is_refused_and_nothing_is_built(
    case: str, make_repo: RepoFactory, tmp_path: Path
) -> None:
    root = make_repo(PACKAGE)
    link, target = _outside(tmp_path)[case]
    path = root / "packages" / "probe" / link
    path.symlink_to(target)
    with pytest.raises(PackageError) as info:
        build_and_check(Repository.open(root).resolve("probe"), progress=_quiet)
    error = info.value
    assert error.path == path
    assert f"{path.name} -> {target}" in error.message and "outside the package" in error.message
    assert "copy of the file" in (error.hint or "")
    assert not (root / "build" / "probe").exists()
    assert not (root / "dist" / "probe").exists()


def test_a_dangling_link_and_a_loop_are_refused(make_repo: RepoFactory) -> None:
    root = make_repo(PACKAGE)
    package = root / "packages" / "probe"
    (package / "artifacts" / "gone.txt").symlink_to("missing.txt")
    with pytest.raises(PackageError, match="points to nothing"):
        build_and_check(Repository.open(root).resolve("probe"), progress=_quiet)
    (package / "artifacts" / "gone.txt").unlink()
    (package / "data" / "again").symlink_to("..", target_is_directory=True)
    with pytest.raises(PackageError, match="a loop"):
        build_and_check(Repository.open(root).resolve("probe"), progress=_quiet)
    assert not (root / "build" / "probe").exists()


@pytest.mark.parametrize("form", ["tool.py", "tool"])
def test_a_package_that_is_itself_a_link_is_refused(form: str, make_repo: RepoFactory) -> None:
    root = make_repo({"other/tool.py": '"""Tool."""\n', "other/tool/__init__.py": '"""Tool."""\n'})
    (root / "packages" / form).symlink_to(root / "other" / form)
    with pytest.raises(PackageError, match="is a symbolic link") as info:
        build_and_check(Repository.open(root).resolve("tool"), progress=_quiet)
    assert info.value.path == root / "packages" / form
    assert not (root / "build" / "tool").exists()


@pytest.mark.slow
@pytest.mark.parametrize("target", ["/etc/passwd", "/proc/self/environ"])
def test_a_release_with_a_link_outside_uploads_nothing(
    target: str, make_repo: RepoFactory, tmp_path: Path
) -> None:
    """``invoke release`` to the default local index: refused at assembly, so the index,
    ``build/`` and ``dist/`` hold nothing of the package, and git records nothing."""
    root = make_repo(PACKAGE)
    shutil.copy(ROOT / "tasks.py", root / "tasks.py")
    (root / "README.md").write_text(f"# Demo\n\n{START}\n{END}\n")
    (root / ".gitignore").write_text("build/\ndist/\n.packyard/cache/\n.packyard/index/\n")
    (root / "packages" / "probe" / "artifacts" / "leak.txt").symlink_to(target)
    init_repo(root)
    head = git(root, "rev-parse", "HEAD")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYPI_API_TOKEN"] = "sentinel-not-to-ship"
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "release", "probe"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert f"leak.txt -> {target}" in output and "outside the package" in output
    index = root / ".packyard" / "index"
    assert not index.exists() or not any(index.iterdir()), list(index.iterdir())
    assert not (root / "build" / "probe").exists()
    assert not (root / "dist" / "probe").exists()
    assert "sentinel-not-to-ship" not in output
    assert git(root, "rev-parse", "HEAD") == head
    assert git(root, "tag", "--list") == ""
