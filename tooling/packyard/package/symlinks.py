"""Symbolic links in a package: followed when they stay inside it, refused otherwise.

A package ships what is under ``packages/NAME/`` (or the file ``packages/NAME.py``) and
nothing else. A symbolic link whose target lies outside (``artifacts/passwd ->
/etc/passwd``, ``env.txt -> /proc/self/environ``, ``data -> ../../secrets``) would copy
that file into the build tree, the sdist, the wheel and the index: it is refused before
anything is written. A link inside the package is followed: a file link ships as the file
it points to, a folder link as the files under it. A link that points to nothing, or a
folder link that leads back to one of its own parents, is refused too.

Paths that packyard never reads (hidden files and folders, caches: see
:func:`packyard.package.discovery.is_ignored`) are not looked at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from packyard.errors import PackageError
from packyard.package.discovery import is_ignored


def check_link(link: Path, root: Path) -> Path:
    """Where the symbolic link ``link`` leads, after checking that it stays in ``root``.

    Args:
        link: a path that is a symbolic link, at or under ``root``.
        root: the package (its folder, or its single file for a module package).

    Returns:
        The link's final target (resolved, absolute).

    Raises:
        PackageError: the target is outside ``root`` or does not exist; the message names
            the link and its target, the hint the fix.
    """
    target = Path(os.path.realpath(link))
    inside = root.resolve()
    shown = os.readlink(link)
    if not target.is_relative_to(inside):
        raise PackageError(
            f"symbolic link {link.name} -> {shown} points outside the package "
            f"(to {target}): packyard ships nothing from outside a package",
            path=link,
            hint="replace the link with a copy of the file (or a .link file for a download), "
            f"or point it at a file inside {root}",
        )
    if not target.exists():
        raise PackageError(
            f"symbolic link {link.name} -> {shown} points to nothing",
            path=link,
            hint="remove the link or point it at an existing file inside the package",
        )
    return target


def package_files(root: Path) -> Iterator[Path]:
    """Every file of a folder package, as seen through it (a link's own path, never its
    target's), sorted per folder; symbolic links are followed when they stay inside
    ``root`` (see :func:`check_link`).

    Args:
        root: the package's folder.

    Yields:
        Paths under ``root`` of regular files, or of links to them.

    Raises:
        PackageError: ``root`` is a symbolic link; a symbolic link points outside
            ``root`` or to nothing, or a folder link leads back to a folder it is in (a
            loop).
    """
    check_package_path(root)
    yield from _walk(root, root, (root.resolve(),))


def _walk(folder: Path, root: Path, seen: tuple[Path, ...]) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if is_ignored(path.relative_to(root)):
            continue
        if path.is_symlink():
            target = check_link(path, root)
            if target.is_dir():
                if target in seen:  # a parent of this folder (all are in seen)
                    raise PackageError(
                        f"symbolic link {path.name} -> {os.readlink(path)} leads back to a "
                        "folder it is in (a loop)",
                        path=path,
                        hint="point it at a folder that is not one of its parents",
                    )
                yield from _walk(path, root, (*seen, target))
            elif target.is_file():
                yield path
        elif path.is_dir():
            yield from _walk(path, root, (*seen, path.resolve()))
        elif path.is_file():
            yield path


def check_package_path(path: Path) -> None:
    """Refuse a package (``packages/NAME.py`` or ``packages/NAME/``) that is itself a
    symbolic link, wherever it points: ``packages/`` holds the packages themselves.

    Raises:
        PackageError: ``path`` is a symbolic link.
    """
    if path.is_symlink():
        kind = "folder" if path.is_dir() else "file"
        raise PackageError(
            f"{path.name} is a symbolic link (-> {os.readlink(path)}): a package ships "
            f"the {kind} in packages/ itself",
            path=path,
            hint=f"replace the link with the {kind} (move it into packages/)",
        )
