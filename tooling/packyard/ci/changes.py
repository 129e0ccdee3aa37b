"""Which packages a range of commits touches: what CI must test, and what it may release.

One ``git diff --name-status -M`` between the two refs (its cost grows with the size of the
diff, not with the length of the history) gives the changed files; each file under the
packages folder belongs to one package. Then:

* **changed**: packages present at ``head`` whose files (source, tests, docs, README,
  partial ``pyproject.toml``) were added, modified, renamed to or from, or deleted;
* **dependents**: packages present at ``head`` that import a changed or deleted package,
  directly or through other siblings, by the rule of the inferred sibling requirements
  (:func:`packyard.ci.dependents.dependents_of`);
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
What the release pipelines run instead, each package compared with its own last release, is
:mod:`packyard.ci.since_release`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from packyard.ci.dependents import dependents_of
from packyard.ci.gitquery import packages_in_tree, relative_packages_dir, rev_parse, run_git
from packyard.repo import Repository

log = logging.getLogger("packyard")

#: Paths (relative to the repository root) whose change affects how every package is
#: built or tested; a folder ends with ``/``.
GLOBAL_PATHS = ("tooling/", "noxfile.py", "tasks.py", "pyproject.toml")
#: Files directly in the packages folder that affect every package's tests.
GLOBAL_PACKAGE_FILES = ("conftest.py",)
#: What CI systems send as the "before" commit of a branch's first push.
_ZERO_SHA = frozenset({"0" * 40, "0" * 64})


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


def _resolve(root: Path, base: str, head: str) -> tuple[str, str, str]:
    """Resolve base, head and HEAD to full SHAs with one ``git rev-parse``."""
    refs = [head, "HEAD"] if base in _ZERO_SHA else [base, head, "HEAD"]
    named = " and ".join(repr(r) for r in refs[:-1])
    lines = rev_parse(root, refs, f"{named} to commits")
    if base in _ZERO_SHA:
        empty = run_git(root, "hash-object", "-t", "tree", os.devnull).strip()
        return empty, lines[0], lines[1]
    return lines[0], lines[1], lines[2]


def detect_changes(repo: Repository, base: str, head: str = "HEAD") -> ChangeSet:
    """Find the packages that changed between two git refs, and those that depend on them.

    Runs ``git rev-parse`` once, ``git diff --name-status -M BASE...HEAD`` once and
    ``git ls-tree`` once at ``head`` (to tell deleted packages from present ones); then,
    only when a package changed and no global path did, finds the dependents with
    :func:`~packyard.ci.dependents.dependents_of`.

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
    packages_dir = relative_packages_dir(repo)
    base_sha, head_sha, checked_out = _resolve(root, base, head)
    range_args = [base_sha, head_sha] if base in _ZERO_SHA else [f"{base_sha}...{head_sha}"]
    diff = run_git(
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
        run_git(
            root, "ls-tree", "-r", "--name-only", "-z", head_sha, "--", packages_dir + "/"
        ).split("\0"),
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
