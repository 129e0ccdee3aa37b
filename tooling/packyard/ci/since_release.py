"""Which packages changed since their own last release: what the release pipelines release.

A push's "before" commit is no basis for a release (a CI system may cancel a pending run,
so its commits are never compared; Azure Pipelines has none; a branch's first push has all
zeros). Instead each package at ``head`` is compared with its own last release: the tree of
its own files (``packages/NAME.py``, ``packages/test_NAME.py``, ``packages/NAME/``) at the
released source commit (``.packyard/releases/NAME.json``, else the commit of the tag
``NAME-vX.Y.Z``) against the same at ``head``, by object ids. Six git processes answer it
for every package at once, the main one a single ``git diff-tree --stdin`` over the chain of
release commits, whatever the number of packages or commits. A package never released
counts as changed.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from packyard.ci.gitquery import (
    packages_in_tree,
    relative_packages_dir,
    rev_parse,
    run_git,
    run_git_input,
)
from packyard.errors import CommandFailed, ConfigError
from packyard.repo import Repository
from packyard.versions.tracking import read_tracking, tracking_file

log = logging.getLogger("packyard")

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
    out = run_git(
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
    out = run_git_input(root, "\n".join(queries) + "\n", "cat-file", "--batch-check")
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
    order = run_git_input(root, "\n".join(wanted) + "\n", "rev-list", "--no-walk", "--stdin")
    chain = [head, *(c for c in order.split() if c != head)]
    pairs = [f"{older} {newer}\n" for newer, older in itertools.pairwise(chain)]
    # Long chains are split between the cores (reading the trees is what costs).
    parts = max(1, min(os.cpu_count() or 1, 4, len(pairs) // _PAIRS_PER_PROCESS))
    size = -(-len(pairs) // parts) if pairs else 1
    chunks = ["".join(pairs[i : i + size]) for i in range(0, len(pairs), size)]
    command = ["diff-tree", "--stdin", "-r", "-t", "--raw", "-z", "--no-renames", "--relative"]
    command += ["--", packages_dir + "/"]
    with ThreadPoolExecutor(max_workers=len(chunks) or 1) as pool:
        diffs = list(pool.map(lambda text: run_git_input(root, text, *command), chunks))
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
    packages_dir = relative_packages_dir(repo)
    head_sha, checked_out = rev_parse(root, [head, "HEAD"], f"{head!r} to a commit")
    if checked_out != head_sha:
        log.warning(
            "head %s is not checked out (HEAD is %s): tracking files are read from the "
            "working tree",
            head_sha[:12],
            checked_out[:12],
        )
    # Every file and folder under the packages folder at head, with its object id.
    at_head: dict[str, str] = {}
    listing = run_git(root, "ls-tree", "-r", "-t", "-z", head_sha, "--", packages_dir + "/")
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
