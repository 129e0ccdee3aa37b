"""Which packages a range of commits touches: what CI must test, and what it may release.

One ``git diff --name-status -M`` between the two refs (its cost grows with the size of the
diff, not with the length of the history) gives the changed files; each file under the
packages folder belongs to one package. Then:

* **changed**: packages present at ``head`` whose files (source, tests, docs, README,
  partial ``pyproject.toml``) were added, modified, renamed to or from, or deleted;
* **dependents**: packages present at ``head`` that import a changed or deleted package,
  directly or through other siblings, by the rule of the inferred sibling requirements.
  Only files whose text names a changed package can import it, so only those are parsed,
  through the repository's import-scan cache: a cold run parses a few files, a warm one
  none;
* **deleted**: packages of the diff that no longer exist at ``head``: reported apart,
  never tested, never released;
* **global paths**: ``tooling/``, ``noxfile.py``, ``tasks.py``, the root ``pyproject.toml``
  and the packages folder's ``conftest.py``. A change to one of them puts every package in
  the test set; the release set still follows the packages' own files.

The refs are compared from their merge base (``git diff BASE...HEAD``): for a pull request
that is exactly what the branch changes, whatever happened on the target branch since; for a
push, what the push added. A base of all zeros (a branch's first push, as GitHub and GitLab
report it) compares against the empty tree: every package is new.

Packages and their imports are read from the working tree, which CI checks out at ``head``.

**Since the last release** (:func:`detect_since_last_release`, what the release pipelines
run): a push's "before" commit is no basis for a release (a CI system may cancel a pending
run, so its commits are never compared; Azure Pipelines has none; a branch's first push has
all zeros). Instead each package at ``head`` is compared with its own last release: the
tree of its own files (``packages/NAME.py``, ``packages/test_NAME.py``, ``packages/NAME/``)
at the released source commit (``.packyard/releases/NAME.json``, else the commit of the
tag ``NAME-vX.Y.Z``) against the same at ``head``, by object ids. Six git processes
answer it for every package at once, the main one a single ``git diff-tree --stdin`` over
the chain of release commits, whatever the number of packages or commits. A package never
released counts as changed.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from packaging.version import InvalidVersion, Version

from packyard.childenv import git_env
from packyard.errors import CommandFailed, ConfigError, PackageError, PackyardError
from packyard.inference.imports import scan_files
from packyard.package.discovery import Package
from packyard.proc import run
from packyard.repo import Repository
from packyard.versions.tracking import read_tracking, tracking_file

log = logging.getLogger("packyard")

#: Paths (relative to the repository root) whose change affects how every package is
#: built or tested; a folder ends with ``/``.
GLOBAL_PATHS = ("tooling/", "noxfile.py", "tasks.py", "pyproject.toml")
#: Files directly in the packages folder that affect every package's tests.
GLOBAL_PACKAGE_FILES = ("conftest.py",)
#: What CI systems send as the "before" commit of a branch's first push.
_ZERO_SHA = frozenset({"0" * 40, "0" * 64})
_FETCH_HINT = (
    "fetch the history of both refs: with actions/checkout use fetch-depth: 0, on GitLab "
    "set GIT_DEPTH: 0, on Azure fetchDepth: 0; locally run git fetch origin"
)


@dataclass(frozen=True)
class FileChange:
    """One changed file, as ``git diff --name-status`` reports it.

    Attributes:
        status: ``A`` added, ``M`` modified, ``D`` deleted, ``R`` renamed, ``C`` copied,
            ``T`` type changed (the similarity score of ``R``/``C`` is dropped).
        path: the file at ``head`` (for ``D``: where it was), relative to the repository
            root, ``/``-separated.
        old_path: for ``R`` and ``C``, the path it had at ``base``; otherwise None.
    """

    status: str
    path: str
    old_path: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path the change touches: the old one (if any), then the new one."""
        return (self.old_path, self.path) if self.old_path else (self.path,)


@dataclass(frozen=True)
class ChangeSet:
    """What a range of commits changed, package by package.

    Attributes:
        base: the base commit (full SHA), or the empty tree's for a zero base.
        head: the head commit (full SHA).
        files: every changed file under the repository root, in ``git diff`` order.
        changed: import names of packages present at ``head`` whose own files changed,
            sorted.
        dependents: import names of packages present at ``head`` that import a changed or
            deleted package, directly or transitively, and did not change themselves;
            sorted. Empty when a global path changed (everything is tested anyway).
        deleted: import names of packages in the diff that do not exist at ``head``,
            sorted. Never tested, never released.
        global_paths: changed paths that affect every package (see :data:`GLOBAL_PATHS`).
        packages: import names of every package at ``head``, sorted.
    """

    base: str
    head: str
    files: tuple[FileChange, ...]
    changed: tuple[str, ...]
    dependents: tuple[str, ...]
    deleted: tuple[str, ...]
    global_paths: tuple[str, ...]
    packages: tuple[str, ...] = field(repr=False)

    @property
    def to_test(self) -> list[str]:
        """The packages CI tests: every one when a global path changed, otherwise the
        changed ones and their dependents; sorted import names."""
        if self.global_paths:
            return list(self.packages)
        return sorted({*self.changed, *self.dependents})

    @property
    def to_release(self) -> list[str]:
        """The packages CI releases: those whose own files changed and that still
        exist (never a deleted one, never one that is only a dependent); sorted."""
        return list(self.changed)

    def select(self, release: bool = False) -> list[str]:
        """:attr:`to_release` when ``release`` is true, else :attr:`to_test`."""
        return self.to_release if release else self.to_test

    def to_json(self) -> dict[str, object]:
        """A JSON-ready summary: refs, the four package lists, the two selections and
        the changed files (``{"status", "path", "old_path"}``)."""
        return {
            "base": self.base,
            "head": self.head,
            "changed": list(self.changed),
            "dependents": list(self.dependents),
            "deleted": list(self.deleted),
            "global_paths": list(self.global_paths),
            "to_test": self.to_test,
            "to_release": self.to_release,
            "files": [
                {"status": f.status, "path": f.path, "old_path": f.old_path} for f in self.files
            ],
        }

    def summary(self) -> str:
        """One human line per fact, e.g. ``changed: a, b`` / ``deleted (not released): c``."""
        lines = [f"comparing {self.base[:12]}...{self.head[:12]}: {len(self.files)} files"]

        def names(items: Iterable[str]) -> str:
            return ", ".join(items) or "(none)"

        lines.append(f"changed: {names(self.changed)}")
        if self.dependents:
            lines.append(f"dependents (import a changed package): {names(self.dependents)}")
        if self.deleted:
            lines.append(f"deleted (not tested, not released): {names(self.deleted)}")
        if self.global_paths:
            lines.append(
                f"every package is tested: {names(self.global_paths)} changed "
                "(releases still follow each package's own files)"
            )
        return "\n".join(lines)


def parse_name_status(output: str) -> list[FileChange]:
    """Parse the output of ``git diff --name-status -z``.

    Args:
        output: NUL-separated fields: a status, then one path (two for ``R``/``C``).

    Returns:
        The changes, in order.

    Raises:
        ValueError: the output is truncated or has an unknown status letter.

    >>> [(c.status, c.path, c.old_path) for c in parse_name_status("M\\0a\\0R087\\0b\\0c\\0")]
    [('M', 'a', None), ('R', 'c', 'b')]
    """
    fields = output.split("\0")
    if fields and fields[-1] == "":
        fields.pop()
    changes: list[FileChange] = []
    index = 0
    while index < len(fields):
        status = fields[index][:1]
        if status in ("R", "C"):
            if index + 2 >= len(fields):
                raise ValueError(f"truncated git diff output after {fields[index]!r}")
            changes.append(FileChange(status, fields[index + 2], fields[index + 1]))
            index += 3
        elif status in ("A", "M", "D", "T", "U"):
            if index + 1 >= len(fields):
                raise ValueError(f"truncated git diff output after {fields[index]!r}")
            changes.append(FileChange(status, fields[index + 1]))
            index += 2
        else:
            raise ValueError(f"unknown git diff status {fields[index]!r}")
    return changes


def package_of(path: str, packages_dir: str) -> str | None:
    """The import name of the package a repository path belongs to, or None.

    Args:
        path: a ``/``-separated path relative to the repository root.
        packages_dir: the packages folder, relative to the root (``packages``).

    Follows the discovery rules: ``packages/NAME.py``, ``packages/test_NAME.py`` and
    ``packages/NAME.LICENSE`` belong to ``NAME``, every file under ``packages/NAME/`` and
    ``packages/test_NAME/`` too; names starting with ``.`` or ``_`` and other files
    directly in the packages folder belong to none.

    >>> package_of("packages/tripcost.py", "packages")
    'tripcost'
    >>> package_of("packages/test_tripcost.py", "packages")
    'tripcost'
    >>> package_of("packages/unitconv/tests/test_x.py", "packages")
    'unitconv'
    >>> package_of("packages/test_tripcost/data/a.json", "packages")
    'tripcost'
    >>> package_of("packages/README.md", "packages") is None
    True
    """
    prefix = packages_dir.rstrip("/") + "/"
    if not path.startswith(prefix):
        return None
    parts = PurePosixPath(path[len(prefix) :]).parts
    if not parts or parts[0].startswith((".", "_")) or parts[0] in ("build", "dist"):
        return None
    if len(parts) > 1:
        return parts[0].removeprefix("test_")
    name = parts[0]
    if name.endswith(".LICENSE"):
        return name[: -len(".LICENSE")] or None
    if not name.endswith(".py") or name in GLOBAL_PACKAGE_FILES:
        return None
    stem = name[: -len(".py")]
    return stem[len("test_") :] if stem.startswith("test_") else stem


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


def reverse_closure(imports: Mapping[str, Iterable[str]], start: Iterable[str]) -> set[str]:
    """Every package that imports one of ``start``, directly or through others.

    Args:
        imports: import name -> the sibling import names it imports.
        start: the packages whose importers are wanted.

    Returns:
        The importers, excluding the ``start`` packages themselves.

    >>> sorted(reverse_closure({"a": [], "b": ["a"], "c": ["b"], "d": []}, ["a"]))
    ['b', 'c']
    """
    importers: dict[str, set[str]] = {}
    for name, imported in imports.items():
        for target in imported:
            importers.setdefault(target, set()).add(name)
    seeds = set(start)
    seen: set[str] = set()
    queue = deque(seeds)
    while queue:
        for importer in importers.get(queue.popleft(), ()):
            if importer not in seen and importer not in seeds:
                seen.add(importer)
                queue.append(importer)
    return seen


def _owners(repo: Repository, forms: Mapping[str, str]) -> dict[str, str]:
    """Every shipped ``.py`` file of the packages (as a path string) -> its package."""
    owner: dict[str, str] = {}
    for name, form in forms.items():
        path = repo.config.packages_dir / (f"{name}.py" if form == "module" else name)
        for file in Package(name, form, path).source_files:  # type: ignore[arg-type]
            owner[os.fspath(file)] = name
    return owner


def _scan_siblings(
    repo: Repository, owner: Mapping[str, str], siblings: set[str], paths: Iterable[str]
) -> tuple[dict[str, set[str]], set[str]]:
    """Scan ``paths`` (one :func:`~packyard.inference.imports.scan_files` call, so one read of the
    cache and one process pool for what it lacks): package -> the ``siblings`` it imports
    (the rule of :attr:`packyard.inference.requirements.Inference.siblings`: an absolute
    import whose top-level name is another package), and the packages with an unreadable file."""
    broken: set[str] = set()

    def unreadable(error: PackyardError) -> None:
        log.warning("cannot read the imports (counted as a dependent): %s", error.render())
        if error.path is not None and os.fspath(error.path) in owner:
            broken.add(owner[os.fspath(error.path)])

    graph: dict[str, set[str]] = {}
    for record in scan_files(paths, cache=repo.scan_cache, on_error=unreadable):
        if record.level:
            continue
        top = record.module.split(".", 1)[0]
        name = owner[record.path]
        if top in siblings and top != name:
            graph.setdefault(name, set()).add(top)
    return graph, broken


def sibling_imports(
    repo: Repository, forms: Mapping[str, str], extra: Iterable[str] = ()
) -> tuple[dict[str, set[str]], set[str]]:
    """The sibling packages each package imports, by the rule of dependency inference.

    The rule of :attr:`packyard.inference.requirements.Inference.siblings`, applied to every package
    at once, without the package metadata or the import maps, which siblings do not need.

    Args:
        repo: the repository (its working tree is read; its scan cache used and saved).
        forms: import name -> ``"module"`` or ``"folder"`` of the packages to read.
        extra: import names that are not packages any more (deleted ones) but count as
            siblings when a package still imports them.

    Returns:
        (import name -> the sibling import names it imports, the packages whose files
        could not be scanned; a warning is logged for each).
    """
    owner = _owners(repo, forms)
    graph, broken = _scan_siblings(repo, owner, set(forms) | set(extra), list(owner))
    return {name: graph.get(name, set()) for name in forms}, broken


def dependents_of(repo: Repository, forms: Mapping[str, str], targets: Iterable[str]) -> set[str]:
    """The packages that import one of ``targets``, directly or through other packages.

    Only files that mention a target's name (a whole word, found in their bytes) can
    import it, so only those are parsed, round after round (the importers found become
    the next targets): a cold scan cache costs what the candidates cost, not the whole
    repository. Equal to ``reverse_closure(sibling_imports(...))``, plus the packages with
    an unreadable candidate file (counted as dependents, so that they are tested rather
    than missed; a warning is logged).

    Args:
        repo: the repository (its working tree is read; its scan cache used and saved).
        forms: import name -> ``"module"`` or ``"folder"``: the packages that may depend.
        targets: import names (packages of ``forms``, or deleted ones).

    Returns:
        The dependents, not including the targets.
    """
    owner = _owners(repo, forms)
    contents: dict[str, bytes | None] = {}
    for path in owner:
        try:
            with open(path, "rb") as handle:
                contents[path] = handle.read()
        except OSError:
            contents[path] = None  # scan_files reports it
    seeds = set(targets)
    found: set[str] = set()
    frontier = set(seeds)
    while frontier:
        words = b"|".join(re.escape(name.encode("ascii")) for name in sorted(frontier))
        pattern = re.compile(rb"\b(?:" + words + rb")\b")
        candidates = [
            path
            for path, data in contents.items()
            if owner[path] not in seeds
            and owner[path] not in found
            and (data is None or pattern.search(data))
        ]
        graph, broken = _scan_siblings(repo, owner, frontier, candidates)
        frontier = ({name for name, imported in graph.items() if imported} | broken) - found
        found |= frontier
    return found


def _git(root: Path, *args: str) -> str:
    return run(["git", *args], step="changes", cwd=root, env=git_env(args), hint=_FETCH_HINT)


def _rev_parse(root: Path, refs: list[str], what: str) -> list[str]:
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
        return _git(root, "rev-parse", *[f"{ref}^{{commit}}" for ref in refs]).split()
    except CommandFailed as exc:
        raise CommandFailed(
            f"cannot resolve {what} in {root}",
            step="changes",
            returncode=exc.returncode,
            output=exc.output,
            hint=_FETCH_HINT,
        ) from None


def _resolve(root: Path, base: str, head: str) -> tuple[str, str, str]:
    """Resolve base, head and HEAD to full SHAs with one ``git rev-parse``."""
    refs = [head, "HEAD"] if base in _ZERO_SHA else [base, head, "HEAD"]
    named = " and ".join(repr(r) for r in refs[:-1])
    lines = _rev_parse(root, refs, f"{named} to commits")
    if base in _ZERO_SHA:
        empty = _git(root, "hash-object", "-t", "tree", os.devnull).strip()
        return empty, lines[0], lines[1]
    return lines[0], lines[1], lines[2]


def _packages_dir(repo: Repository) -> str:
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


def detect_changes(repo: Repository, base: str, head: str = "HEAD") -> ChangeSet:
    """Find the packages that changed between two git refs, and those that depend on them.

    Runs ``git rev-parse`` once, ``git diff --name-status -M BASE...HEAD`` once and
    ``git ls-tree`` once at ``head`` (to tell deleted packages from present ones); then,
    only when a package changed and no global path did, finds the dependents with
    :func:`dependents_of`.

    Args:
        repo: the repository; must be inside a git work tree (possibly in a subfolder of
            it), checked out at ``head`` (imports are read from the working tree; a
            warning is logged otherwise).
        base: the base ref (branch, tag, SHA; all zeros for "nothing before").
        head: the head ref.

    Returns:
        The :class:`ChangeSet`.

    Raises:
        CommandFailed: git failed: not a repository, an unknown ref, or history missing
            (a shallow clone); the hint says how to fetch it.
        PackageError: a ref is empty or starts with ``-``; the packages folder is not
            inside the repository root.
    """
    root = repo.config.root
    packages_dir = _packages_dir(repo)
    base_sha, head_sha, checked_out = _resolve(root, base, head)
    range_args = [base_sha, head_sha] if base in _ZERO_SHA else [f"{base_sha}...{head_sha}"]
    diff = _git(
        root,
        "-c",
        "core.quotePath=false",
        "diff",
        "--name-status",
        "-z",
        "-M",
        "--relative",
        "--no-ext-diff",
        "--no-textconv",
        *range_args,
        "--",
    )
    files = tuple(parse_name_status(diff))
    touched: set[str] = set()
    global_paths: list[str] = []
    for change in files:
        for path in change.paths:
            name = package_of(path, packages_dir)
            if name is not None:
                touched.add(name)
            elif _is_global(path, packages_dir) and path not in global_paths:
                global_paths.append(path)
    at_head = packages_in_tree(
        _git(root, "ls-tree", "-r", "--name-only", "-z", head_sha, "--", packages_dir + "/").split(
            "\0"
        ),
        packages_dir,
    )
    changed = sorted(touched & at_head.keys())
    deleted = sorted(touched - at_head.keys())
    dependents: list[str] = []
    if (changed or deleted) and not global_paths:
        if checked_out != head_sha:
            log.warning(
                "head %s is not checked out (HEAD is %s): imports are read from the working tree",
                head_sha[:12],
                checked_out[:12],
            )
        dependents = sorted(dependents_of(repo, at_head, [*changed, *deleted]))
    return ChangeSet(
        base=base_sha,
        head=head_sha,
        files=files,
        changed=tuple(changed),
        dependents=tuple(dependents),
        deleted=tuple(deleted),
        global_paths=tuple(global_paths),
        packages=tuple(sorted(at_head)),
    )


# ---------------------------------------------------------------------------------------
# Since the last release
# ---------------------------------------------------------------------------------------

#: A release tag: ``NAME-vVERSION`` (an import name has no ``-``).
_RELEASE_TAG = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)-v(?P<version>[^\s/]+)$")
_HEX_SHA = re.compile(r"^[0-9a-f]{7,64}$")
#: Commit pairs below which one ``git diff-tree`` process does the whole chain.
_PAIRS_PER_PROCESS = 64


@dataclass(frozen=True)
class LastRelease:
    """The newest release of a package, as the tracking file and the tags know it.

    Attributes:
        version: the PEP 440 version (the highest of the tracking file and the tags).
        commit: the full SHA of the commit its files are compared with: the released
            source commit the tracking file records (exact even when the release commit
            was later rebased), else the commit of the tag ``NAME-vVERSION``; None when
            neither is in the repository (a shallow clone, tags not fetched, an import).
        tag: the tag name, when the tag exists.
    """

    version: str
    commit: str | None
    tag: str | None = None


@dataclass(frozen=True)
class ReleaseCandidates:
    """The packages at ``head`` that a release run should release: those whose own files
    differ from their last release, and those never released.

    Attributes:
        head: the head commit (full SHA).
        changed: import names of released packages whose own files changed since, sorted.
        unreleased: import names of packages with no release yet, sorted.
        unknown: import names of packages whose last release's commit is not in the
            repository, sorted: released again rather than missed (the release then
            says how to fetch the history it needs).
        unchanged: import names of packages identical to their last release, sorted.
        last: import name -> its :class:`LastRelease` (released packages only).
    """

    head: str
    changed: tuple[str, ...]
    unreleased: tuple[str, ...]
    unknown: tuple[str, ...]
    unchanged: tuple[str, ...]
    last: Mapping[str, LastRelease] = field(repr=False, default_factory=dict)

    @property
    def to_release(self) -> list[str]:
        """Changed, never released and unknown packages, sorted import names."""
        return sorted({*self.changed, *self.unreleased, *self.unknown})

    def to_json(self) -> dict[str, object]:
        """A JSON-ready summary: head, the four lists, ``to_release`` and each released
        package's last release (``{"version", "commit", "tag"}``)."""
        return {
            "head": self.head,
            "changed": list(self.changed),
            "unreleased": list(self.unreleased),
            "unknown": list(self.unknown),
            "unchanged": list(self.unchanged),
            "to_release": self.to_release,
            "last": {
                name: {"version": r.version, "commit": r.commit, "tag": r.tag}
                for name, r in sorted(self.last.items())
            },
        }

    def summary(self) -> str:
        """One human line per fact, e.g. ``changed since their last release: a, b``."""

        def names(items: Iterable[str]) -> str:
            return ", ".join(items) or "(none)"

        total = sum(map(len, (self.changed, self.unreleased, self.unknown, self.unchanged)))
        lines = [
            f"comparing each of {total} packages at {self.head[:12]} with its last release",
            f"changed since their last release: {names(self.changed)}",
        ]
        if self.unreleased:
            lines.append(f"never released: {names(self.unreleased)}")
        if self.unknown:
            lines.append(
                f"last release's commit not in this clone (released again): {names(self.unknown)}"
            )
        lines.append(f"unchanged: {len(self.unchanged)} package(s)")
        return "\n".join(lines)


def _release_tags(root: Path, names: Iterable[str]) -> dict[str, dict[Version, tuple[str, str]]]:
    """Every release tag of the given packages, with one ``git for-each-ref``:
    import name -> version -> (tag name, commit SHA it points to, peeled)."""
    wanted = set(names)
    found: dict[str, dict[Version, tuple[str, str]]] = {}
    out = _git(
        root,
        "for-each-ref",
        "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)",
        "refs/tags",
    )
    for line in out.splitlines():
        tag, _, shas = line.partition("\0")
        match = _RELEASE_TAG.match(tag)
        if not match or match["name"] not in wanted:
            continue
        try:
            version = Version(match["version"])
        except InvalidVersion:
            continue
        target, _, peeled = shas.partition("\0")
        found.setdefault(match["name"], {})[version] = (tag, peeled or target)
    return found


def _recorded_releases(state_dir: Path, name: str) -> dict[Version, str | None]:
    """version -> the recorded source commit (None when none is recorded) of a package's
    tracking file in the working tree (read once).

    Raises:
        ConfigError: the tracking file is malformed: not JSON, an unknown schema, a
            release without a valid version, a commit that is not a SHA.
    """
    path = tracking_file(state_dir, name)
    found: dict[Version, str | None] = {}
    for record in read_tracking(state_dir, name).get("releases", []):
        try:
            version = Version(str(record["version"]))
        except (KeyError, TypeError, InvalidVersion):
            raise ConfigError(
                f"a release without a valid PEP 440 version: {record!r}", path=path
            ) from None
        commit = record.get("commit")
        if commit is not None and not (isinstance(commit, str) and _HEX_SHA.match(commit)):
            raise ConfigError(
                f"release {version} records {commit!r} as its commit, not a SHA",
                path=path,
                hint="a release's commit is the full SHA-1 of the source it was built from",
            )
        found[version] = commit
    return found


def _batch_check(root: Path, queries: list[str]) -> list[str | None]:
    """Ask one ``git cat-file --batch-check`` for the object id of each query
    (``REV``, ``REV:PATH``...); None for a missing or ambiguous one."""
    if not queries:
        return []
    out = _git_input(root, "\n".join(queries) + "\n", "cat-file", "--batch-check")
    answers: list[str | None] = []
    for line in out.splitlines():
        oid = line.split(" ", 1)[0]
        answers.append(None if line.endswith((" missing", " ambiguous")) else oid)
    if len(answers) != len(queries):
        raise CommandFailed(
            f"git cat-file answered {len(answers)} of {len(queries)} queries",
            step="changes",
            output=out,
        )
    return answers


def _snapshots(
    root: Path,
    head: str,
    packages_dir: str,
    at_head: Mapping[str, str],
    wanted: Mapping[str, Iterable[str]],
) -> dict[str, dict[str, str]]:
    """The object ids of some paths at some commits, from ``git diff-tree --stdin`` (one
    process, or one per core for a long chain).

    The commits are sorted newest first (``git rev-list --no-walk``) and chained from
    ``head``: each is diffed with the next newer one, and walking the chain back from the
    ids at ``head`` gives the ids at every commit (a path absent from a diff has the same
    id on both sides). Any order is exact; sorted by date, the diffs stay small.

    Args:
        root: where git runs (paths are relative to it: ``--relative``).
        head: the head commit (full SHA).
        packages_dir: the packages folder (the only paths diffed).
        at_head: path -> object id at ``head`` (files and folders).
        wanted: commit (full SHA) -> the paths whose ids are wanted there.

    Returns:
        commit -> {path: object id} for the wanted paths present at that commit.
    """
    if not wanted:
        return {}
    order = _git_input(root, "\n".join(wanted) + "\n", "rev-list", "--no-walk", "--stdin")
    chain = [head, *(c for c in order.split() if c != head)]
    pairs = [f"{older} {newer}\n" for newer, older in itertools.pairwise(chain)]
    # Long chains are split between the cores (reading the trees is what costs).
    parts = max(1, min(os.cpu_count() or 1, 4, len(pairs) // _PAIRS_PER_PROCESS))
    size = -(-len(pairs) // parts) if pairs else 1
    chunks = ["".join(pairs[i : i + size]) for i in range(0, len(pairs), size)]
    command = ["diff-tree", "--stdin", "-r", "-t", "--raw", "-z", "--no-renames", "--relative"]
    command += ["--", packages_dir + "/"]
    with ThreadPoolExecutor(max_workers=len(chunks) or 1) as pool:
        diffs = list(pool.map(lambda text: _git_input(root, text, *command), chunks))
    # A line "OLDER NEWER" is read as the commit OLDER with the parent NEWER: each raw
    # entry goes from NEWER to OLDER, after a header naming OLDER (none for no change).
    # older commit -> [(path, its id there, or None when absent)]
    changes: dict[str, list[tuple[str, str | None]]] = {}
    current: list[tuple[str, str | None]] = []
    fields = iter("\0".join(diffs).split("\0"))
    for item in fields:
        if item.startswith(":"):
            then = item.split(" ")[3]
            current.append((next(fields), then if then.strip("0") else None))
        elif item.strip():
            current = changes.setdefault(item.strip(), [])
    state: dict[str, str | None] = dict(at_head)
    found: dict[str, dict[str, str]] = {}
    if head in wanted:
        found[head] = {p: at_head[p] for p in wanted[head] if p in at_head}
    for older in chain[1:]:
        for path, old_id in changes.get(older, []):
            state[path] = old_id
        found[older] = {p: i for p in wanted[older] if (i := state.get(p)) is not None}
    return found


def _git_input(root: Path, text: str, *args: str) -> str:
    return run(
        ["git", *args], step="changes", cwd=root, env=git_env(args), hint=_FETCH_HINT, input=text
    )


def _own_paths(name: str, packages_dir: str) -> tuple[str, ...]:
    """The paths (relative to the packyard root) that hold a package's own files: the
    module, its test module, its folder, its test folder and license file (single-file
    packages). A package has one of the module and the folder."""
    return (
        f"{packages_dir}/{name}.py",
        f"{packages_dir}/test_{name}.py",
        f"{packages_dir}/{name}",
        f"{packages_dir}/test_{name}",
        f"{packages_dir}/{name}.LICENSE",
        f"{packages_dir}/LICENSE.{name}",
    )


def detect_since_last_release(repo: Repository, head: str = "HEAD") -> ReleaseCandidates:
    """Find the packages whose own files changed since their last release.

    For each package present at ``head``, its last release is the highest version among
    its tracking file (``.packyard/releases/NAME.json``, read from the working tree) and
    its tags ``NAME-vX.Y.Z``; the commit compared is the source commit the tracking file
    records for that version, else the tag's commit. The package is *changed* when the
    object ids of ``packages/NAME.py``, ``packages/test_NAME.py`` and the tree
    ``packages/NAME/`` at that commit differ from those at ``head`` (content, not
    history: a change undone since counts as none). Global paths (``tooling/``...) do not
    count: releases follow each package's own files.

    Runs six git processes in all, whatever the number of packages: ``rev-parse``,
    ``ls-tree`` (the ids at ``head``), ``for-each-ref`` (the tags), ``cat-file
    --batch-check`` (which release commits exist), ``rev-list --no-walk`` (their order)
    and one ``diff-tree --stdin`` over the chain of release commits (see
    :func:`_snapshots`): its cost grows with the number of distinct release commits, not
    with the history's length.

    Args:
        repo: the repository, inside a git work tree (possibly a subfolder of it),
            checked out at ``head`` (tracking files are read from the working tree; a
            warning is logged otherwise).
        head: the ref to release from.

    Returns:
        The :class:`ReleaseCandidates`.

    Raises:
        CommandFailed: git failed (not a repository, an unknown ``head``).
        PackageError: ``head`` is empty or starts with ``-``; the packages folder is not
            inside the repository root.
        ConfigError: a tracking file is malformed.
    """
    root = repo.config.root
    packages_dir = _packages_dir(repo)
    head_sha, checked_out = _rev_parse(root, [head, "HEAD"], f"{head!r} to a commit")
    if checked_out != head_sha:
        log.warning(
            "head %s is not checked out (HEAD is %s): tracking files are read from the "
            "working tree",
            head_sha[:12],
            checked_out[:12],
        )
    # Every file and folder under the packages folder at head, with its object id.
    at_head: dict[str, str] = {}
    listing = _git(root, "ls-tree", "-r", "-t", "-z", head_sha, "--", packages_dir + "/")
    for entry in listing.split("\0"):
        meta, tab, path = entry.partition("\t")
        if tab:
            at_head[path] = meta.rsplit(" ", 1)[-1]
    forms = packages_in_tree(at_head, packages_dir)
    tags = _release_tags(root, forms)
    last: dict[str, LastRelease] = {}
    candidates: dict[str, list[str]] = {}  # name -> commits to try, in order
    unreleased: list[str] = []
    state_dir = repo.config.state_dir
    try:
        tracked = {f[:-5] for f in os.listdir(state_dir / "releases") if f.endswith(".json")}
    except OSError:  # no release recorded yet
        tracked = set()
    for name in sorted(forms):
        recorded = _recorded_releases(state_dir, name) if name in tracked else {}
        versions = set(recorded) | set(tags.get(name, {}))
        if not versions:
            unreleased.append(name)
            continue
        version = max(versions)
        tag = tags.get(name, {}).get(version)
        tries = [c for c in (recorded.get(version), tag[1] if tag else None) if c]
        candidates[name] = list(dict.fromkeys(tries))
        last[name] = LastRelease(str(version), None, tag[0] if tag else None)
    # Which candidate commits exist (one cat-file), then the own paths' object ids at
    # each commit used (one diff-tree over the chain of those commits).
    commits = sorted({c for tries in candidates.values() for c in tries})
    answers = _batch_check(root, [f"{c}^{{commit}}" for c in commits])
    exists = dict(zip(commits, answers, strict=True))
    chosen: dict[str, str] = {}
    unknown: list[str] = []
    for name, tries in candidates.items():
        found = next((exists[c] for c in tries if exists[c]), None)
        if found is None:
            unknown.append(name)
            log.warning(
                "%s %s: neither its recorded commit nor its tag is in this clone: released "
                "again (fetch the tags and the history: git fetch --tags --unshallow)",
                name,
                last[name].version,
            )
            continue
        chosen[name] = found
        last[name] = LastRelease(last[name].version, found, last[name].tag)
    wanted: dict[str, set[str]] = {}
    for name, commit in chosen.items():
        wanted.setdefault(commit, set()).update(_own_paths(name, packages_dir))
    snapshots = _snapshots(root, head_sha, packages_dir, at_head, wanted)
    changed: list[str] = []
    unchanged: list[str] = []
    for name, commit in chosen.items():
        paths = _own_paths(name, packages_dir)
        then = tuple(snapshots[commit].get(p) for p in paths)
        now = tuple(at_head.get(p) for p in paths)
        (changed if then != now else unchanged).append(name)
    return ReleaseCandidates(
        head=head_sha,
        changed=tuple(changed),
        unreleased=tuple(unreleased),
        unknown=tuple(unknown),
        unchanged=tuple(unchanged),
        last=last,
    )


def _is_global(path: str, packages_dir: str) -> bool:
    if any(path.startswith(g) if g.endswith("/") else path == g for g in GLOBAL_PATHS):
        return True
    return any(path == f"{packages_dir}/{name}" for name in GLOBAL_PACKAGE_FILES)


def select_packages(repo: Repository, names: Iterable[str]) -> list[str]:
    """Check a list of packages given by hand (import or distribution names) and return
    their import names, sorted, without duplicates.

    Raises:
        PackageError: a name is not a package of the repository (with a did-you-mean hint).
    """
    return sorted({repo.package(name).name for name in names})
