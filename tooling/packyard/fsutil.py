"""Writing files and folders so that a reader never sees them half-written.

A file is written to a temporary file in the same folder, flushed to disk and renamed over
the target (:func:`os.replace`, atomic on POSIX and Windows); a folder is built beside its
final place and renamed into it. On any error the temporary file or folder is removed and
the target is left as it was. Paths in messages are shown relative to the repository
(:func:`relative_path`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def write_text_atomic(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically.

    Args:
        path: the file; its folder is created if missing.
        text: the whole new content.
        mode: permission bits; the existing file's, or 0o644 for a new file, when None.

    Raises:
        OSError: the folder cannot be written (the target is unchanged).
    """
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode)


def write_bytes_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically; see :func:`write_text_atomic`.

    Raises:
        OSError: the folder cannot be written (the target is unchanged).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temp, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def replace_dir(staging: Path, final: Path) -> None:
    """Put the folder ``staging`` at ``final``, replacing what was there.

    ``final`` is first renamed aside and removed only once ``staging`` is in place, so at
    every moment ``final`` is either the old folder or the new one. ``staging`` should be
    on the same file system (a sibling of ``final``).

    Raises:
        OSError: a rename failed; ``final`` still holds the old folder when it had one.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}-{staging.name}")
        os.replace(final, old)
    try:
        os.replace(staging, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form, for messages; ``path`` as it is when it
    is not under ``root`` (symbolic links are not resolved).

    >>> relative_path(Path("/repo/packages/kit.py"), Path("/repo"))
    'packages/kit.py'
    >>> relative_path(Path("/elsewhere/kit.py"), Path("/repo"))
    '/elsewhere/kit.py'
    """
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
