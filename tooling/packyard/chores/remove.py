"""``invoke remove NAME``: a package's files deleted, and what packyard generated for it.

What git tracks is deleted with ``git rm`` (so the change is staged as a deletion); when a
step fails, the files are put back. A removal keeps the release history (the tracking
file, the git tags) unless ``purge``: a package created later under the same name then
continues the version line instead of reusing a version an index already has.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from packyard import gitutil
from packyard.chores.checks import importers_of
from packyard.chores.files import (
    ChoreReport,
    Progress,
    delete_generated,
    dirty_paths,
    git_top,
    is_tracked,
    owned_paths,
    update_readme_table,
)
from packyard.errors import CommandFailed, PackageError
from packyard.fsutil import relative_path
from packyard.repo import Repository
from packyard.versions.tracking import latest_release, tracking_file


def remove_package(
    repo: Repository,
    name: str,
    *,
    purge: bool = False,
    force: bool = False,
    progress: Progress = print,
) -> ChoreReport:
    """Remove a package: its sources, tests and docs, and what packyard generated for it.

    Its release history (tracking file; git tags are never deleted) is kept unless
    ``purge``. The README package table is regenerated when the README has its markers;
    in a git work tree the change is staged with the deletions (``git add README.md``),
    unless the README had uncommitted changes already (then a note says so).

    Args:
        repo: the repository.
        name: the package (import or distribution name).
        purge: also delete the tracking file ``.packyard/releases/NAME.json``.
        force: remove even when other packages import it or its files have uncommitted
            changes.
        progress: called with one line per step.

    Returns:
        The report.

    Raises:
        PackageError: no such package; other packages import it, or its files have
            uncommitted changes (without ``force``; nothing removed).
        CommandFailed: ``git rm`` failed (the files are put back).
    """
    package = repo.package(name)
    name = package.name
    root = repo.config.root
    state = repo.config.state_dir
    top = git_top(root)
    report = ChoreReport(package=name, git=top is not None)
    targets = owned_paths(repo, package)
    history = tracking_file(state, name)
    last = latest_release(state, name) if history.exists() else None
    if purge and history.exists():
        targets.append(history)
    dependents = importers_of(repo, name)
    if dependents and not force:
        raise PackageError(
            f"{', '.join(repr(d) for d in dependents)} import{'s' if len(dependents) == 1 else ''}"
            f" {name!r}: removing it would break them",
            hint="change them first, or pass --force",
        )
    if top is not None and not force:
        dirty = dirty_paths(root, targets)
        if dirty:
            raise PackageError(
                f"{name} has uncommitted changes: {', '.join(dirty[:5])}",
                hint="commit or discard them first, or pass --force",
            )

    tracked = {t: top is not None and is_tracked(root, t) for t in targets}
    readme = root / "README.md"
    # The README's table is staged with the deletions, unless it has changes of its own.
    stage_readme = top is not None and is_tracked(root, readme) and not dirty_paths(root, [readme])
    with tempfile.TemporaryDirectory(prefix=".remove-", dir=state if state.is_dir() else root) as t:
        trash = Path(t)
        moved: list[tuple[Path, Path]] = []
        try:
            for index, path in enumerate(targets):
                progress(f"remove {relative_path(path, root)}")
                holder = trash / f"{index}-{path.name}"
                path.rename(holder)
                moved.append((path, holder))
            staged = [str(p) for p in targets if tracked[p]]
            if staged:
                gitutil.git(root, "rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", *staged)
        except (OSError, CommandFailed) as exc:
            for path, holder in reversed(moved):
                holder.rename(path)
            if isinstance(exc, CommandFailed):
                raise
            raise PackageError(f"cannot remove {name}: {exc}", path=package.path) from None
    report.removed = [*targets, *delete_generated(repo, name)]

    if update_readme_table(Repository.open(root), report, progress) and top is not None:
        if stage_readme:
            gitutil.git(root, "add", "--", str(readme))
        else:
            report.notes.append(
                "README.md had changes of its own: its updated package table is not staged"
            )
    if last is not None and not purge:
        report.notes.append(
            f"release history kept in {relative_path(history, root)} "
            f"(last release {last['version']}): "
            f"a new package named {name} continues after it; --purge deletes it"
        )
    if top is not None:
        tags = gitutil.tags(root, f"{name}-v*")
        if tags:
            report.notes.append(
                f"git tags kept: {', '.join(tags)} (git tag -d TAG deletes one locally)"
            )
    for dependent in dependents:
        report.notes.append(f"package {dependent!r} still imports {name!r}")
    return report
