"""``invoke rename OLD NEW``: a package's files moved to the new name, its references rewritten.

The sources, tests, lock file and release tracking file move with ``git mv`` for what git
tracks (so the change is staged as a rename), plainly otherwise; when a step fails, the
moves before it are undone. The references are rewritten with
:mod:`packyard.chores.references`.
"""

from __future__ import annotations

from pathlib import Path

from packyard import gitutil
from packyard.building.lockfile import LOCK_FILE, lock_path
from packyard.chores.checks import check_new_name, importers_of
from packyard.chores.files import (
    ChoreReport,
    Progress,
    delete_generated,
    git_top,
    is_tracked,
    update_readme_table,
)
from packyard.chores.references import leftover_mentions, rewrite_file, text_files
from packyard.errors import PackageError, PackyardError
from packyard.fsutil import relative_path
from packyard.names import TEST_PREFIX, distribution_name
from packyard.repo import Repository
from packyard.versions.tracking import (
    latest_release,
    read_tracking,
    tracking_file,
    write_json_atomic,
)

#: How many mentions of the old name a rename lists in its notes.
MAX_MENTIONS = 40


class _Moves:
    """Moves done so far, undone in reverse order when a later step fails."""

    def __init__(self, root: Path, use_git: bool) -> None:
        self.root = root
        self.use_git = use_git
        self.done: list[tuple[Path, Path, bool]] = []

    def move(self, source: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with_git = self.use_git and is_tracked(self.root, source)
        if with_git:
            gitutil.git(self.root, "mv", "--", str(source), str(target))
        else:
            source.rename(target)
        self.done.append((source, target, with_git))

    def undo(self) -> None:
        for source, target, with_git in reversed(self.done):
            try:
                if with_git:
                    gitutil.git(self.root, "mv", "--", str(target), str(source))
                else:
                    target.rename(source)
            except (OSError, PackyardError):
                continue
        self.done.clear()


def rename_package(
    repo: Repository, old: str, new: str, *, progress: Progress = print
) -> ChoreReport:
    """Rename a package: its module or folder, its tests, its tracking file, and the
    references to its import (and distribution) name inside its own files.

    References are rewritten with
    :func:`~packyard.chores.references.rewrite_references` in ``.py``, ``.md`` and
    ``.toml`` files and in the code cells of notebooks
    (:func:`~packyard.chores.references.rewrite_notebook`); in the package's tests every
    whole-word mention is (:func:`~packyard.chores.references.rewrite_words`: strings
    such as ``"usage: OLD"`` are expectations about the package). The mentions left
    (prose, messages, other files of the repository) are listed in the report's notes
    as ``file:line`` and in ``mentions``. Imports of the package by other packages are
    not changed: they are listed in the notes too. Generated outputs under the old name
    are deleted. The README package table is regenerated when the README has its
    marker comments.

    Args:
        repo: the repository.
        old: the package (import or distribution name).
        new: the new import name.
        progress: called with one line per step.

    Returns:
        The report.

    Raises:
        PackageError: no such package; the new name is invalid or taken (nothing moved).
        CommandFailed: git failed (the moves done until then are undone).
    """
    package = repo.package(old)
    old = package.name
    if new == old:
        raise PackageError(f"{old!r} is the package's name already")
    check_new_name(repo, new, replacing=old)
    root = repo.config.root
    folder = repo.config.packages_dir
    state = repo.config.state_dir
    top = git_top(root)
    report = ChoreReport(package=new, git=top is not None)
    dependents = importers_of(repo, old)

    if package.form == "module":
        plan = [(package.path, folder / f"{new}.py")]
        plan += [(t, folder / f"{TEST_PREFIX}{new}.py") for t in package.test_paths]
        test_paths = [target for _, target in plan[1:]]
        if lock_path(package).exists():
            plan.append((lock_path(package), folder / f"{new}.{LOCK_FILE}"))
    else:
        plan = [(package.path, folder / new)]
        test_paths = [folder / new / p.relative_to(package.path) for p in package.test_paths]
    old_tracking = tracking_file(state, old)
    new_tracking = tracking_file(state, new)
    if new_tracking.exists():
        raise PackageError(
            f"{new!r} has release history already ({new_tracking.name}): a package by that "
            "name was released and removed",
            path=new_tracking,
            hint="choose another name, or delete that history with "
            f"invoke remove {new} --purge after restoring it",
        )
    if old_tracking.exists():
        plan.append((old_tracking, new_tracking))
    for _, target in plan:
        if target.exists():
            raise PackageError(f"{target.name} exists already", path=target)

    moves = _Moves(root, use_git=top is not None)
    try:
        for source, target in plan:
            progress(f"move {relative_path(source, root)} -> {relative_path(target, root)}")
            moves.move(source, target)
        if new_tracking.exists():
            data = read_tracking(state, new)
            data["package"] = new
            write_json_atomic(new_tracking, data)
    except (OSError, PackyardError) as exc:
        moves.undo()
        if isinstance(exc, PackyardError):
            raise
        raise PackageError(f"cannot move the package's files: {exc}", path=package.path) from None
    report.moved = [(s, t) for s, t, _ in moves.done]

    renamed_paths = [t for s, t in plan if t != new_tracking]
    for path in text_files(renamed_paths):
        in_tests = any(path == t or path.is_relative_to(t) for t in test_paths)
        try:
            if rewrite_file(path, old, new, words=in_tests):
                report.rewritten.append(path)
        except ValueError as exc:
            report.notes.append(f"{relative_path(path, root)} not rewritten: {exc}")
    if report.rewritten:
        progress(f"rewrote references to {old} in {len(report.rewritten)} file(s)")
    report.removed = delete_generated(repo, old)

    fresh = Repository.open(root)
    update_readme_table(fresh, report, progress)
    report.mentions = leftover_mentions(root, renamed_paths, old, git=top is not None)
    if report.mentions:
        shown = report.mentions[:MAX_MENTIONS]
        report.notes.append(
            f"{len(report.mentions)} mention(s) of {old!r} left (prose, messages, other "
            "files): check them"
            + (f"; the first {len(shown)} follow" if len(shown) < len(report.mentions) else "")
        )
        report.notes += [
            f"{relative_path(path, root)}:{line}: {text}" for path, line, text in shown
        ]
    if new_tracking.exists():
        last = latest_release(state, new)
        if last is not None:
            report.notes.append(
                f"release history moved to {relative_path(new_tracking, root)}: "
                "the next release of "
                f"{distribution_name(new)} continues after {last['version']}; it is a new "
                "distribution name on the index"
            )
    if top is not None:
        tags = gitutil.tags(root, f"{old}-v*")
        if tags:
            report.notes.append(
                f"the git tags {', '.join(tags)} keep their names; the tracking file's "
                "commits anchor the next release"
            )
    for dependent in dependents:
        report.notes.append(f"package {dependent!r} imports {old!r}: change its imports to {new!r}")
    return report
