"""``packyard artifacts NAME``: list or copy out the files an installed package ships under
its ``artifacts/`` folder, read with ``importlib.resources`` (so it works for any
installed form of the package, not only a folder on disk).

Paths are POSIX paths relative to ``artifacts/``. A path given to select files, and
every path written, must stay inside: absolute paths and ``..`` are refused, and a file is
written only if it resolves inside the destination folder (no escape through a symlink).
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packyard.errors import RunError
from packyard.runtime.installed import InstalledPackage, find_installed

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover - Python 3.10
    from importlib.abc import Traversable

ARTIFACTS_DIR = "artifacts"
_SKIPPED = {"__pycache__"}


@dataclass(frozen=True)
class Artifact:
    """One shipped file.

    Attributes:
        path: its POSIX path relative to ``artifacts/`` (``samples/zen.txt``).
        size: its size in bytes.
    """

    path: str
    size: int


def safe_relative(text: str) -> PurePosixPath:
    """A path relative to ``artifacts/``, refusing anything that could leave it.

    >>> safe_relative("samples/zen.txt")
    PurePosixPath('samples/zen.txt')

    Raises:
        RunError: the path is empty, absolute, or has a ``..`` part.
    """
    path = PurePosixPath(text.replace("\\", "/"))
    if (
        not text.strip()
        or not path.parts
        or path.is_absolute()
        or ".." in path.parts
        or ":" in path.parts[0]
    ):
        raise RunError(
            f"{text!r} is not a path inside the package's artifacts",
            hint="give paths relative to artifacts/ as `packyard artifacts NAME` lists them, "
            "without '..' or a leading '/'",
        )
    return path


def _root(package: InstalledPackage) -> Traversable | None:
    try:
        root = importlib.resources.files(package.import_name) / ARTIFACTS_DIR
    except (ImportError, TypeError) as exc:
        raise RunError(f"cannot import {package.import_name} of {package.name}: {exc}") from exc
    return root if root.is_dir() else None


def _walk(
    folder: Traversable, prefix: PurePosixPath
) -> Iterator[tuple[PurePosixPath, Traversable]]:
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.name in _SKIPPED:
            continue
        relative = prefix / item.name
        if item.is_dir():
            yield from _walk(item, relative)
        elif item.is_file():
            yield relative, item


def _files(name: str) -> tuple[InstalledPackage, list[tuple[PurePosixPath, Traversable]]]:
    package = find_installed(name)
    root = _root(package)
    return package, (list(_walk(root, PurePosixPath())) if root is not None else [])


def _select(
    package: InstalledPackage,
    files: list[tuple[PurePosixPath, Traversable]],
    selection: Sequence[str],
) -> list[tuple[PurePosixPath, Traversable]]:
    """The files equal to or under the selected paths (all when none is selected).

    Raises:
        RunError: a selected path is unsafe or matches nothing.
    """
    wanted = [safe_relative(text) for text in selection]
    for path in wanted:
        if not any(relative == path or path in relative.parents for relative, _ in files):
            listed = ", ".join(r.as_posix() for r, _ in files[:10]) or "none"
            raise RunError(
                f"{package.name} has no artifact {path.as_posix()!r}",
                hint=f"`packyard artifacts {package.import_name}` lists them: {listed}",
            )
    return [
        (relative, item)
        for relative, item in files
        if not wanted or any(relative == p or p in relative.parents for p in wanted)
    ]


def list_artifacts(name: str, selection: Sequence[str] = ()) -> list[Artifact]:
    """The files under an installed package's ``artifacts/``, sorted by path.

    Args:
        name: the installed package (distribution or import name).
        selection: paths relative to ``artifacts/`` (files or folders) to list; all when
            empty.

    Raises:
        RunError: the package is not installed or cannot be imported; a selected path is
            unsafe or matches nothing.
    """
    package, files = _files(name)
    found = []
    for relative, item in _select(package, files, selection):
        with item.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
        found.append(Artifact(relative.as_posix(), size))
    return found


def extract_artifacts(name: str, dest: Path, selection: Sequence[str] = ()) -> list[Path]:
    """Copy an installed package's artifacts into ``dest``, keeping their relative paths.

    Each file is written to a temporary name and renamed into place; an existing file of
    the same path is replaced.

    Args:
        name: the installed package (distribution or import name).
        dest: the destination folder (created if missing).
        selection: paths relative to ``artifacts/`` (files or folders) to copy; all when
            empty.

    Returns:
        The files written, in order.

    Raises:
        RunError: the package is not installed, ships no artifacts, a selected path is
            unsafe or matches nothing, or a file would land outside ``dest``.
    """
    package, files = _files(name)
    if not files:
        raise RunError(
            f"{package.name} {package.version} ships no artifacts",
            hint="a folder package ships files from its artifacts/ folder",
        )
    chosen = _select(package, files, selection)
    # Every path is checked before any folder is created: a symlink already in the
    # destination must not lead a mkdir (or a file) anywhere else.
    base = dest.resolve()
    targets = []
    for relative, item in chosen:
        target = base.joinpath(*safe_relative(relative.as_posix()).parts)
        if not target.resolve().is_relative_to(base):
            raise RunError(
                f"{relative.as_posix()} would be written outside {dest}",
                path=target,
                hint="a symlink in the destination points elsewhere; extract to another folder",
            )
        targets.append((item, target))
    written = []
    for item, target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy(item, target)
        written.append(target)
    return written


def _copy(item: Traversable, target: Path) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, item.open("rb") as source:
            shutil.copyfileobj(source, out)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
