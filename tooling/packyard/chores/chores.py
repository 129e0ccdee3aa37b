"""Chores around packages: checking a new name, renaming, removing and listing packages.

A package's files are its sources (``packages/NAME.py`` or ``packages/NAME/``, with the
docs and tests inside a folder), its tests (``packages/test_NAME.py``), its release
tracking file (``.packyard/releases/NAME.json``) and what packyard generated for it
(``build/NAME``, ``dist/NAME``, ``build/docs/NAME``, ``site/NAME``). A rename or a removal
moves or deletes all of them in one step: with ``git mv`` / ``git rm`` for what git tracks
(so the change is staged as a rename or a deletion), plainly otherwise. When a step fails,
the steps before it are undone.

A removal keeps the release history (the tracking file, the git tags) unless ``purge``: a
package created later under the same name then continues the version line instead of
reusing a version an index already has.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packyard import gitutil
from packyard.building.lockfile import LOCK_FILE, lock_path
from packyard.errors import (
    CommandFailed,
    ConfigError,
    InferenceError,
    PackageError,
    PackyardError,
)
from packyard.fsutil import write_text_atomic
from packyard.names import distribution_name, import_name_problem, suggest_name
from packyard.package.discovery import TEST_PREFIX, Package, survey
from packyard.repo import Repository
from packyard.stdlib import is_stdlib
from packyard.versions.tracking import (
    UNRELEASED_LABEL,
    UNRELEASED_VERSION,
    latest_release,
    read_tracking,
    tracking_file,
    write_json_atomic,
)

Progress = Callable[[str], None]

#: File suffixes whose references to the package's name a rename rewrites (notebooks:
#: their code cells only, see :func:`rewrite_notebook`).
REWRITTEN_SUFFIXES = (".py", ".md", ".toml", ".ipynb")
#: How many mentions of the old name a rename lists in its notes.
MAX_MENTIONS = 40
#: Files larger than this (in bytes) are not searched for mentions of the old name.
MAX_SCANNED_BYTES = 2_000_000


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


def existing_packages(repo: Repository) -> dict[str, Package]:
    """The repository's good packages, by import name, read afresh; empty (not an error)
    when the packages folder is missing or holds no package yet. Broken entries (see
    :func:`packyard.package.discovery.survey`) are left out.
    """
    if not repo.config.packages_dir.is_dir():
        return {}
    return survey(repo.config).packages


def check_new_name(repo: Repository, name: str, *, replacing: str | None = None) -> None:
    """Check that ``name`` can be given to a new package (or to ``replacing`` in a rename).

    Args:
        repo: the repository.
        name: the wanted import name.
        replacing: the package being renamed (its own name does not count as taken).

    Raises:
        PackageError: the name is not a valid import name, is a keyword, shadows a
            standard-library module, starts with ``test_``, is used by another package
            (also as a PEP 503 distribution name), or a file or folder of that name is in
            the way.
    """
    folder = repo.config.packages_dir
    problem = import_name_problem(name)
    if problem:
        raise PackageError(
            f"invalid package name: {problem}",
            hint=f"use lowercase letters, digits and _, e.g. {suggest_name(name)!r}",
        )
    if is_stdlib(name):
        raise PackageError(
            f"{name!r} is the name of a standard-library module; the package would shadow it",
            hint=f"choose another name, e.g. {suggest_name(name)!r}",
        )
    if name.startswith(TEST_PREFIX):
        raise PackageError(
            f"package names may not start with {TEST_PREFIX!r}: packyard reads such files as tests",
            hint=f"e.g. {suggest_name(name)!r}",
        )
    wanted = distribution_name(name)
    for other in existing_packages(repo).values():
        if other.name == replacing:
            continue
        if other.name == name or other.dist_name == wanted:
            raise PackageError(
                f"the name {name!r} is taken: package {other.name!r} "
                f"(distribution {other.dist_name!r}) is at {other.path}",
                path=other.path,
                hint="choose another name, or rename or remove that package first",
            )
    for path in (folder / f"{name}.py", folder / name, folder / f"{TEST_PREFIX}{name}.py"):
        if path.exists() and replacing is None:
            raise PackageError(
                f"{path.name} is in the way of a package named {name!r}",
                path=path,
                hint="move or delete it first",
            )


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


def _git_top(root: Path) -> Path | None:
    try:
        return gitutil.toplevel(root)
    except PackyardError:
        return None


def _tracked(root: Path, path: Path) -> bool:
    out = gitutil.git(root, "ls-files", "-z", "--", str(path))
    return bool(out.strip("\0").strip())


def _dirty(root: Path, paths: Iterable[Path]) -> list[str]:
    """Uncommitted changes under ``paths``: modified, staged or untracked files (none when
    git tracks nothing there: a package never committed has nothing to lose to git)."""
    existing = [str(p) for p in paths if p.exists()]
    if not existing or not any(_tracked(root, Path(p)) for p in existing):
        return []
    out = gitutil.git(root, "status", "--porcelain=v1", "--untracked-files=all", "--", *existing)
    return [line[3:] for line in out.splitlines() if line.strip()]


# --- rename --------------------------------------------------------------------------


class _Moves:
    """Moves done so far, undone in reverse order when a later step fails."""

    def __init__(self, root: Path, use_git: bool) -> None:
        self.root = root
        self.use_git = use_git
        self.done: list[tuple[Path, Path, bool]] = []

    def move(self, source: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with_git = self.use_git and _tracked(self.root, source)
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

    References are rewritten with :func:`rewrite_references` in ``.py``, ``.md`` and
    ``.toml`` files and in the code cells of notebooks (:func:`rewrite_notebook`); in
    the package's tests every whole-word mention is (:func:`rewrite_words`: strings
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
    top = _git_top(root)
    report = ChoreReport(package=new, git=top is not None)
    dependents = _dependents(repo, old)

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
            progress(f"move {_rel(source, root)} -> {_rel(target, root)}")
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
    for path in _text_files(renamed_paths):
        in_tests = any(path == t or path.is_relative_to(t) for t in test_paths)
        try:
            if _rewrite_file(path, old, new, words=in_tests):
                report.rewritten.append(path)
        except ValueError as exc:
            report.notes.append(f"{_rel(path, root)} not rewritten: {exc}")
    if report.rewritten:
        progress(f"rewrote references to {old} in {len(report.rewritten)} file(s)")
    report.removed = _delete_generated(repo, old)

    fresh = Repository.open(root)
    _update_readme(fresh, report, progress)
    report.mentions = _mentions(root, renamed_paths, old, git=top is not None)
    if report.mentions:
        shown = report.mentions[:MAX_MENTIONS]
        report.notes.append(
            f"{len(report.mentions)} mention(s) of {old!r} left (prose, messages, other "
            "files): check them"
            + (f"; the first {len(shown)} follow" if len(shown) < len(report.mentions) else "")
        )
        report.notes += [f"{_rel(path, root)}:{line}: {text}" for path, line, text in shown]
    if new_tracking.exists():
        last = latest_release(state, new)
        if last is not None:
            report.notes.append(
                f"release history moved to {_rel(new_tracking, root)}: the next release of "
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


def _dependents(repo: Repository, name: str) -> list[str]:
    found = []
    for other in existing_packages(repo):
        if other == name:
            continue
        try:
            if name in repo.inference(other).siblings:
                found.append(other)
        except PackyardError:
            continue
    return found


def _files(paths: Iterable[Path]) -> list[Path]:
    """The files at or under ``paths``, sorted per path, ``__pycache__`` left out."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            )
        elif path.is_file():
            files.append(path)
    return files


def _text_files(paths: Iterable[Path]) -> list[Path]:
    return [p for p in _files(paths) if p.suffix in REWRITTEN_SUFFIXES]


def rewrite_references(text: str, old: str, new: str) -> str:
    """Rewrite references to a package's import name (and its distribution name) in
    source text: import statements (also in doctests), qualified names ``old.x``, and
    string literals that are exactly the name.

    >>> print(rewrite_references("import old\\nold.f()\\nfiles('old')\\nbold.x", "old", "new"))
    import new
    new.f()
    files('new')
    bold.x
    >>> rewrite_references(">>> from old.core import f", "old", "new")
    '>>> from new.core import f'
    """
    name = re.escape(old)
    text = re.sub(
        rf"^(?P<lead>[ \t]*(?:(?:>>>|\.\.\.)[ \t]+)?(?:from|import)[ \t]+){name}(?=[\s.,;]|$)",
        lambda m: m.group("lead") + new,
        text,
        flags=re.MULTILINE,
    )
    text = re.sub(rf"(?<![\w.]){name}(?=\.[A-Za-z_])", new, text)
    text = re.sub(rf"(?P<q>[\"']){name}(?P=q)", lambda m: m.group("q") + new + m.group("q"), text)
    old_dist, new_dist = distribution_name(old), distribution_name(new)
    if old_dist != old:
        text = re.sub(
            rf"(?P<q>[\"']){re.escape(old_dist)}(?P=q)",
            lambda m: m.group("q") + new_dist + m.group("q"),
            text,
        )
    return text


def rewrite_words(text: str, old: str, new: str) -> str:
    """Rewrite every whole-word mention of a package's import name (and its distribution
    name): what :func:`rewrite_references` does plus prose and strings such as
    ``"usage: old"``. A rename applies it to the package's tests only, where such strings
    are expectations about the renamed package; an attribute ``x.old`` is left alone.

    >>> rewrite_words('assert "usage: old" in err  # old.exe, bold, x.old', "old", "new")
    'assert "usage: new" in err  # new.exe, bold, x.old'
    """
    text = rewrite_references(text, old, new)
    pairs = [(old, new)]
    if distribution_name(old) != old:
        pairs.append((distribution_name(old), distribution_name(new)))
    for before, after in pairs:
        text = re.sub(rf"(?<![\w.]){re.escape(before)}(?!\w)", after, text)
    return text


def rewrite_notebook(text: str, old: str, new: str) -> str:
    """Rewrite the references to a package in the code cells of a Jupyter notebook (the
    nbformat 4 JSON text) with :func:`rewrite_references`; Markdown cells and outputs
    are left as they are. The JSON is written back with the notebook's own indentation,
    non-ASCII text kept; the text comes back unchanged when no cell changed.

    Raises:
        ValueError: the text is not a notebook (not JSON, or no ``cells`` list).

    >>> cell = {"cell_type": "code", "source": ["import old\\n", "old.f()"], "outputs": []}
    >>> doc = json.dumps({"cells": [cell, {"cell_type": "markdown", "source": "old"}]})
    >>> [c["source"] for c in json.loads(rewrite_notebook(doc, "old", "new"))["cells"]]
    [['import new\\n', 'new.f()'], 'old']
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    changed = False
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        joined = "".join(source) if isinstance(source, list) else source
        if not isinstance(joined, str):
            continue
        updated = rewrite_references(joined, old, new)
        if updated != joined:
            cell["source"] = (
                updated.splitlines(keepends=True) if isinstance(source, list) else updated
            )
            changed = True
    if not changed:
        return text
    indent = re.search(r"\n( +)\S", text)
    dumped = json.dumps(data, indent=len(indent.group(1)) if indent else 1, ensure_ascii=False)
    return dumped + ("\n" if text.endswith("\n") else "")


def _rewrite_file(path: Path, old: str, new: str, *, words: bool = False) -> bool:
    """Rewrite one file in place (atomically); whether it changed.

    Raises:
        ValueError: a notebook that is not valid notebook JSON (left as it is).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if path.suffix == ".ipynb":
        updated = rewrite_notebook(text, old, new)
    elif words:
        updated = rewrite_words(text, old, new)
    else:
        updated = rewrite_references(text, old, new)
    if updated == text:
        return False
    write_text_atomic(path, updated)
    return True


def _mentions(root: Path, paths: list[Path], old: str, *, git: bool) -> list[tuple[Path, int, str]]:
    """Whole-word mentions of ``old`` (or its distribution name) left after a rename: in
    the package's own text files, and, in a git work tree, in the other tracked files
    (``git grep``; ``.packyard/`` left out: release records name what was released).

    Returns:
        ``(file, line number, the line stripped and cut to 100 characters)``, by file.
    """
    names = {old, distribution_name(old)}
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(names)))
    found: list[tuple[Path, int, str]] = []
    for path in _files(paths):
        try:
            if path.stat().st_size > MAX_SCANNED_BYTES:
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                found.append((path, number, line.strip()[:100]))
    if not git:
        return found
    args = ["grep", "-n", "-I", "-w", "-z", "--full-name"]
    for name in sorted(names):
        args += ["-e", name]
    excluded = [f":(exclude){_rel(p, root)}" for p in paths] + [":(exclude).packyard"]
    try:
        out = gitutil.git(root, *args, "--", ".", *excluded)
    except CommandFailed:  # status 1: no match (or no commit/files to search)
        return found
    top = _git_top(root) or root
    for entry in out.splitlines():
        parts = entry.split("\0", 2)
        if len(parts) == 3 and parts[1].isdigit():
            found.append((top / parts[0], int(parts[1]), parts[2].strip()[:100]))
    return found


def _delete_generated(repo: Repository, name: str) -> list[Path]:
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


def _update_readme(repo: Repository, report: ChoreReport, progress: Progress) -> bool:
    """Refresh the README table; whether README.md changed (a problem goes to the notes)."""
    changed, problem = refresh_readme(repo)
    if changed:
        progress("README.md package table updated")
    if problem:
        report.notes.append(problem)
    return changed


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# --- remove --------------------------------------------------------------------------


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
    top = _git_top(root)
    report = ChoreReport(package=name, git=top is not None)
    targets = owned_paths(repo, package)
    history = tracking_file(state, name)
    last = latest_release(state, name) if history.exists() else None
    if purge and history.exists():
        targets.append(history)
    dependents = _dependents(repo, name)
    if dependents and not force:
        raise PackageError(
            f"{', '.join(repr(d) for d in dependents)} import{'s' if len(dependents) == 1 else ''}"
            f" {name!r}: removing it would break them",
            hint="change them first, or pass --force",
        )
    if top is not None and not force:
        dirty = _dirty(root, targets)
        if dirty:
            raise PackageError(
                f"{name} has uncommitted changes: {', '.join(dirty[:5])}",
                hint="commit or discard them first, or pass --force",
            )

    tracked = {t: top is not None and _tracked(root, t) for t in targets}
    readme = root / "README.md"
    # The README's table is staged with the deletions, unless it has changes of its own.
    stage_readme = top is not None and _tracked(root, readme) and not _dirty(root, [readme])
    with tempfile.TemporaryDirectory(prefix=".remove-", dir=state if state.is_dir() else root) as t:
        trash = Path(t)
        moved: list[tuple[Path, Path]] = []
        try:
            for index, path in enumerate(targets):
                progress(f"remove {_rel(path, root)}")
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
    report.removed = [*targets, *_delete_generated(repo, name)]

    if _update_readme(Repository.open(root), report, progress) and top is not None:
        if stage_readme:
            gitutil.git(root, "add", "--", str(readme))
        else:
            report.notes.append(
                "README.md had changes of its own: its updated package table is not staged"
            )
    if last is not None and not purge:
        report.notes.append(
            f"release history kept in {_rel(history, root)} (last release {last['version']}): "
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


# --- list ----------------------------------------------------------------------------


def list_packages(repo: Repository) -> list[dict[str, Any]]:
    """Every package with its form, version, last release, summary and requirements, and
    every broken entry with its error: one bad package never hides the others.

    Returns:
        One dict per package, sorted by name: ``name``, ``distribution``, ``form``
        (``module`` or ``folder``), ``path`` (relative to the root, POSIX), ``version``
        (the latest release, or ``0.0.0``), ``last_release`` (``{"version", "date",
        "repository", "tag"}`` or None), ``summary``, ``requirements`` (PEP 508 strings,
        optional ones with their ``extra`` marker) and ``error`` (None, or the rendered
        error of a package that cannot be read: a bad name, a syntax error...; then
        ``summary`` is empty and ``requirements`` too).

    Raises:
        PackageError, ConfigError: the packages folder is missing, or the configuration
            cannot be read.
    """
    rows = []
    root = repo.config.root
    found = survey(repo.config) if repo.config.packages_dir.is_dir() else None
    packages = found.packages if found else {}
    for entry in found.broken.values() if found else ():
        rows.append(
            {
                "name": entry.name,
                "distribution": None,
                "form": "broken",
                "path": _rel(entry.path, root),
                "version": UNRELEASED_VERSION,
                "last_release": None,
                "summary": "",
                "requirements": [],
                "error": entry.error.render(),
            }
        )
    for name, package in packages.items():
        last = latest_release(repo.config.state_dir, name)
        row: dict[str, Any] = {
            "name": name,
            "distribution": package.dist_name,
            "form": package.form,
            "path": _rel(package.path, root),
            "version": UNRELEASED_VERSION,  # until its source is read, below
            "last_release": None
            if last is None
            else {
                "version": str(last["version"]),
                "date": last.get("date"),
                "repository": last.get("repository"),
                "tag": last.get("tag"),
            },
            "summary": "",
            "requirements": [],
            "error": None,
        }
        try:
            row["version"] = repo.version(name)
            row["summary"] = repo.source(name).summary
            row["requirements"] = [r.pep508() for r in repo.inference(name).requirements]
        except (PackageError, InferenceError, ConfigError) as exc:
            row["form"] = "broken"
            row["error"] = exc.render()
        rows.append(row)
    return sorted(rows, key=lambda r: r["name"])


def format_list(rows: list[dict[str, Any]]) -> str:
    """The text table of :func:`list_packages` rows: one line per package, then its
    requirements (or, for a broken one, its error) indented below it; ends with a newline
    (empty for no rows). A version never released shows as ``unreleased``, as in the
    README table."""
    lines = []
    for row in rows:
        last = row["last_release"]
        released = "—" if last is None else str(last.get("date") or "")[:10] or last["version"]
        version = UNRELEASED_LABEL if last is None else row["version"]
        lines.append(
            f"{row['name']:<24} {version:<10} {row['form']:<7} {released:<10} {row['summary']}"
        )
        if row.get("error"):
            lines += [f"{'':<24} {line}" for line in row["error"].splitlines()]
        elif row["requirements"]:
            lines.append(f"{'':<24} requires: {', '.join(row['requirements'])}")
    return "\n".join(lines) + ("\n" if lines else "")
