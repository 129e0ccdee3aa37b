"""A package's files, and what a rename and a removal do besides moving or deleting them.

A package's files are its sources (``packages/NAME.py`` or ``packages/NAME/``, with the
docs and tests inside a folder), its tests (``packages/test_NAME.py``), its release
tracking file (``.packyard/releases/NAME.json``) and what packyard generated for it
(``build/NAME``, ``dist/NAME``, ``build/docs/NAME``, ``site/NAME``). A rename
(:mod:`packyard.chores.rename`) or a removal (:mod:`packyard.chores.remove`) moves or
deletes all of them in one step: with ``git mv`` / ``git rm`` for what git tracks (so the
change is staged as a rename or a deletion), plainly otherwise.

Here: the paths a package owns and those packyard generated for it, their git state,
deleting the generated outputs, refreshing the README package table, and the
:class:`ChoreReport` both chores return.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packyard import gitutil
from packyard.building.lockfile import lock_path
from packyard.errors import ConfigError, PackageError, PackyardError
from packyard.package.discovery import Package
from packyard.repo import Repository

Progress = Callable[[str], None]


@dataclass
class ChoreReport:
    """What a rename or a removal did.

    Attributes:
        package: the import name after the chore (the new name of a rename).
        moved: (old path, new path) pairs, absolute.
        removed: paths deleted, absolute.
        rewritten: files whose references to the old name were rewritten.
        notes: what the user should know or do next (dependents, kept history, tags,
            mentions of the old name left).
        git: whether git recorded the moves and deletions (``git mv`` / ``git rm``).
        mentions: after a rename, the whole-word mentions of the old name left, as
            ``(file, line number, line text)``.
    """

    package: str
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    rewritten: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    git: bool = False
    mentions: list[tuple[Path, int, str]] = field(default_factory=list)


def owned_paths(repo: Repository, package: Package) -> list[Path]:
    """The package's sources, tests and lock file (not its tracking file or generated
    outputs)."""
    paths = [package.path]
    paths += [p for p in package.test_paths if not p.is_relative_to(package.path)]
    lock = lock_path(package)
    if not lock.is_relative_to(package.path) and lock.exists():
        paths.append(lock)
    return paths


def generated_paths(repo: Repository, name: str) -> list[Path]:
    """What packyard generated for a package: build tree, distributions, docs, site."""
    root = repo.config.root
    return [
        repo.config.build_dir / name,
        repo.config.dist_dir / name,
        repo.config.build_dir / "docs" / name,
        root / "site" / name,
    ]


# --- git ---------------------------------------------------------------------------


def git_top(root: Path) -> Path | None:
    """The top folder of the git work tree holding ``root``; None (not an error) when it is
    not in one or git is missing.
    """
    try:
        return gitutil.toplevel(root)
    except PackyardError:
        return None


def is_tracked(root: Path, path: Path) -> bool:
    """Whether git tracks ``path`` or, for a folder, a file under it (``git ls-files`` in
    ``root``).

    Raises:
        CommandFailed: git failed (``root`` is not in a git work tree, for example).
    """
    out = gitutil.git(root, "ls-files", "-z", "--", str(path))
    return bool(out.strip("\0").strip())


def dirty_paths(root: Path, paths: Iterable[Path]) -> list[str]:
    """Uncommitted changes under ``paths``: modified, staged or untracked files (none when
    git tracks nothing there: a package never committed has nothing to lose to git)."""
    existing = [str(p) for p in paths if p.exists()]
    if not existing or not any(is_tracked(root, Path(p)) for p in existing):
        return []
    out = gitutil.git(root, "status", "--porcelain=v1", "--untracked-files=all", "--", *existing)
    return [line[3:] for line in out.splitlines() if line.strip()]


def delete_generated(repo: Repository, name: str) -> list[Path]:
    """Delete the folders packyard generated for package ``name`` (:func:`generated_paths`);
    returns those that existed and were deleted (absolute paths).

    Raises:
        OSError: a folder could not be deleted (:func:`shutil.rmtree`).
    """
    removed = []
    for path in generated_paths(repo, name):
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(path)
    return removed


def refresh_readme(repo: Repository) -> tuple[bool, str | None]:
    """Regenerate the README package table when the README has its marker comments.

    Returns:
        ``(changed, problem)``: whether the file changed, and why it could not be updated
        (None when it was, or when the README has no table to update).
    """
    from packyard.release.readme_table import START, update_readme

    readme = repo.config.root / "README.md"
    if not readme.is_file() or START not in readme.read_text(encoding="utf-8", errors="replace"):
        return False, None
    try:
        return update_readme(repo), None
    except (ConfigError, PackageError) as exc:
        return False, f"README.md package table not updated: {exc.message}"


def update_readme_table(repo: Repository, report: ChoreReport, progress: Progress) -> bool:
    """Refresh the README table; whether README.md changed (a problem goes to the notes)."""
    changed, problem = refresh_readme(repo)
    if changed:
        progress("README.md package table updated")
    if problem:
        report.notes.append(problem)
    return changed
