"""The git reads both change detections share: git run at the repository root (a failure
says how to fetch the history a shallow clone lacks), refs resolved to commits, the packages
folder as git names it, and the packages a tree's file list holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from packyard import gitutil
from packyard.errors import CommandFailed, PackageError
from packyard.repo import Repository

_FETCH_HINT = (
    "fetch the history of both refs: with actions/checkout use fetch-depth: 0, on GitLab "
    "set GIT_DEPTH: 0, on Azure fetchDepth: 0; locally run git fetch origin"
)


def run_git(root: Path, *args: str) -> str:
    """Run ``git ARGS`` at ``root`` (:func:`packyard.gitutil.git`, step ``changes``) and
    return its output.

    Raises:
        CommandFailed: git exited non-zero; the hint says how to fetch the history a shallow
            clone lacks.
    """
    return gitutil.git(root, *args, step="changes", hint=_FETCH_HINT)


def run_git_input(root: Path, text: str, *args: str) -> str:
    """:func:`run_git` with ``text`` on git's standard input (the queries of ``--stdin`` or
    ``--batch-check``, one per line).

    Raises:
        CommandFailed: as :func:`run_git`.
    """
    return gitutil.git(root, *args, step="changes", hint=_FETCH_HINT, input=text)


def rev_parse(root: Path, refs: list[str], what: str) -> list[str]:
    """Resolve git refs to full commit SHAs with one ``git rev-parse``.

    Args:
        root: a folder in the work tree.
        refs: the refs, in order.
        what: how the error names them (e.g. ``"'main' and 'HEAD~2' to commits"``).

    Raises:
        PackageError: a ref is empty or starts with ``-`` (it would be read as an option).
        CommandFailed: git cannot resolve one; the hint says to fetch.
    """
    for ref in refs:
        if not ref or ref.startswith("-"):
            raise PackageError(f"not a git ref: {ref!r}", hint="give a branch, tag or commit")
    try:
        return run_git(root, "rev-parse", *[f"{ref}^{{commit}}" for ref in refs]).split()
    except CommandFailed as exc:
        raise CommandFailed(
            f"cannot resolve {what} in {root}",
            step="changes",
            returncode=exc.returncode,
            output=exc.output,
            hint=_FETCH_HINT,
        ) from None


def relative_packages_dir(repo: Repository) -> str:
    """The packages folder relative to the packyard root, ``/``-separated.

    Raises:
        PackageError: it is not inside the root.
    """
    try:
        return repo.config.packages_dir.relative_to(repo.config.root).as_posix()
    except ValueError:
        raise PackageError(
            "the packages folder is outside the repository root",
            path=repo.config.packages_dir,
            hint="set [tool.packyard] packages-dir to a folder inside the repository",
        ) from None


def packages_in_tree(paths: Iterable[str], packages_dir: str) -> dict[str, str]:
    """The packages a list of file paths holds, by the discovery rules: a
    ``packages/NAME.py`` (not ``test_*``/``conftest``) or a ``packages/NAME/__init__.py``.

    Args:
        paths: ``/``-separated file paths relative to the repository root (for example
            the output of ``git ls-tree -r --name-only``).
        packages_dir: the packages folder, relative to the root.

    Returns:
        import name -> form (``"module"`` or ``"folder"``).

    >>> packages_in_tree(["packages/a.py", "packages/test_a.py", "packages/b/__init__.py",
    ...                   "packages/b/tests/test_b.py", "packages/c/x.py"], "packages")
    {'a': 'module', 'b': 'folder'}
    """
    prefix = packages_dir.rstrip("/") + "/"
    found: dict[str, str] = {}
    for path in paths:
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        if parts[0].startswith((".", "_")) or parts[0] in ("build", "dist"):
            continue
        if len(parts) == 1:
            stem, dot, suffix = parts[0].rpartition(".")
            if dot and suffix == "py" and not stem.startswith("test_") and stem != "conftest":
                found[stem] = "module"
        elif len(parts) == 2 and parts[1] == "__init__.py":
            found[parts[0]] = "folder"
    return found
