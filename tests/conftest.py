"""Shared fixtures: temporary packaging repositories and a real local index.

The index is a real pypiserver on 127.0.0.1 (a free port, stopped by its PID) serving a
wheelhouse of the few distributions the tests install (``tests/wheelhouse.txt``), so no
test talks to a remote index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from packyard.index.local import LocalIndex

ROOT = Path(__file__).resolve().parent.parent
# One wheelhouse per Python version: binary wheels (PyYAML) are built for one.
WHEELHOUSE = Path(
    os.environ.get(
        "PACKYARD_TEST_WHEELHOUSE",
        ROOT / ".packyard" / "wheelhouse" / f"py{sys.version_info[0]}{sys.version_info[1]}",
    )
)


def _wheelhouse_incomplete(folder: Path) -> bool:
    """Whether a distribution listed in tests/wheelhouse.txt has no wheel in ``folder``."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    have = {canonicalize_name(p.name.split("-")[0]) for p in folder.glob("*.whl")}
    listed = (ROOT / "tests" / "wheelhouse.txt").read_text(encoding="utf-8").splitlines()
    wanted = [line.split("#")[0].strip() for line in listed]
    return any(canonicalize_name(Requirement(w).name) not in have for w in wanted if w)


def ensure_wheelhouse(folder: Path = WHEELHOUSE) -> Path:
    """Download the test wheelhouse once (an install step; .ci/run does it up front), and
    again when tests/wheelhouse.txt lists a distribution it lacks."""
    if _wheelhouse_incomplete(folder):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--only-binary=:all:",
                "-d",
                str(folder),
                "-r",
                str(ROOT / "tests" / "wheelhouse.txt"),
            ],
            check=True,
        )
    return folder


@pytest.fixture(scope="session")
def local_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    """A pypiserver on loopback serving a copy of the test wheelhouse."""
    folder = tmp_path_factory.mktemp("index") / "packages"
    shutil.copytree(ensure_wheelhouse(), folder)
    with LocalIndex(folder) as index:
        yield index


#: tests/fixtures/ holds input repositories with tests of their own: not collected here.
collect_ignore_glob = ["fixtures/*"]

RepoFactory = Callable[..., Path]


#: The running interpreter's scripts folder (``invoke``, ``nox``, ``twine``...): tests find
#: the project's tools there, never on whatever ``PATH`` this machine has.
TOOLS_BIN = str(Path(sys.executable).parent)


def with_tools(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (``os.environ`` when None) with :data:`TOOLS_BIN` first on ``PATH``: for
    shell snippets (the CI pipelines' steps) that call ``invoke`` or ``nox`` by name."""
    env = dict(os.environ if env is None else env)
    env["PATH"] = os.pathsep.join([TOOLS_BIN, env.get("PATH", os.defpath)])
    return env


@contextmanager
def loopback_server(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 (a free port) in a thread, answering with ``handler``;
    yields its base URL (no trailing slash) and stops it after."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def git(root: Path, *args: str) -> str:
    """Run ``git ARGS`` in ``root`` and return its standard output (raises on failure)."""
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def set_identity(root: Path) -> None:
    """Give the repository at ``root`` a test identity, with commit and tag signing off."""
    for key, value in (
        ("user.name", "packyard tests"),
        ("user.email", "tests@example.invalid"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ):
        git(root, "config", key, value)


def init_with_remote(
    seed: Path, remote: Path, message: str = "initial", *, origin: bool = False
) -> None:
    """:func:`init_repo` in ``seed``, then push its main branch to a new bare repository
    at ``remote`` (added as ``origin`` when ``origin``)."""
    init_repo(seed, message)
    git(remote.parent, "init", "-q", "--bare", "-b", "main", str(remote))
    if origin:
        git(seed, "remote", "add", "origin", str(remote))
    git(seed, "push", "-q", "origin" if origin else str(remote), "main")


def clone_repo(remote: Path, path: Path) -> Path:
    """Clone ``remote`` to ``path`` and give the clone :func:`set_identity`."""
    git(path.parent, "clone", "-q", str(remote), str(path))
    set_identity(path)
    return path


def init_repo(root: Path, message: str = "initial") -> str:
    """``git init`` on branch main with :func:`set_identity`, then commit every file;
    returns the commit's SHA."""
    git(root, "init", "-q", "-b", "main")
    set_identity(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def init_release_repo(root: Path, files: dict[str, str], message: str) -> Path:
    """Write ``{relative path: text}`` under ``root`` as they are, copy this repository's
    ``.gitignore`` and ``tasks.py`` (so ``invoke release`` runs there), then
    :func:`init_repo` with ``message``; returns ``root``."""
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    shutil.copy(ROOT / ".gitignore", root / ".gitignore")
    shutil.copy(ROOT / "tasks.py", root / "tasks.py")
    init_repo(root, message)
    return root


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write ``{relative path: text}`` under ``root`` (text is dedented)."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def make_repo(tmp_path: Path) -> RepoFactory:
    """Return ``make(files, *, packyard="")``: a packaging repository in a temp folder.

    ``files`` maps paths (``packages/x.py``) to their text; ``packyard`` is extra TOML put
    under ``[tool.packyard]`` of the root ``pyproject.toml``.
    """

    def make(files: dict[str, str] | None = None, *, packyard: str = "") -> Path:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        (root / "packages").mkdir(exist_ok=True)
        (root / "pyproject.toml").write_text(
            '[project]\nname = "demo-repo"\nversion = "0"\n\n[tool.packyard]\n'
            + textwrap.dedent(packyard),
            encoding="utf-8",
        )
        write_files(root, files or {})
        return root

    return make


@pytest.fixture
def examples_repo(make_repo: RepoFactory, local_index: LocalIndex) -> Path:
    """A copy of this repository's example packages, resolving against the local index."""
    root = make_repo(packyard=f'index-url = "{local_index.simple_url}"\n')
    shutil.rmtree(root / "packages")
    shutil.copytree(
        ROOT / "packages", root / "packages", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root
