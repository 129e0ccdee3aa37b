"""Pushing a release from a CI job when other jobs push to the same branch at once.

In a CI matrix every release job commits its own tracking file and tags its own release,
then pushes. All but the first find the branch moved: :func:`push_release` then fetches,
rebases its commits onto the new tip (the tracking files never conflict: one per package;
a conflict in the README's package table is resolved by regenerating the table from all
tracking files), moves its tags onto the rebased commits, and pushes again, atomically
(branch and tags together, or nothing), up to ``attempts`` times within ``timeout``
seconds.

Between two pushes it waits a random time (:func:`backoff`: exponential, with jitter):
jobs that collided once do not collide again in lockstep.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packyard import gitutil
from packyard.errors import CommandFailed, ReleaseError
from packyard.versions.versioning import RELEASE_COMMIT

log = logging.getLogger("packyard")
Progress = Callable[[str], None]

#: How many pushes :func:`push_release` tries by default.
PUSH_ATTEMPTS = 10
#: How long :func:`push_release` keeps retrying by default, in seconds.
PUSH_TIMEOUT = 300.0
#: Files whose rebase conflicts :func:`push_release` resolves by regenerating them.
REGENERATED = ("README.md",)
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "stale info", "cannot lock ref")


@dataclass
class PushReport:
    """What :func:`push_release` did.

    Attributes:
        branch: the remote branch pushed to.
        tags: the tags pushed.
        attempts: how many pushes it took (1: nobody pushed in between; 0: there was
            nothing to push).
        commits: how many local commits were pushed.
        waited: seconds spent waiting between pushes.
    """

    branch: str
    tags: list[str]
    attempts: int
    commits: int
    waited: float = 0.0


def backoff(attempt: int, delay: float, cap: float, rng: random.Random) -> float:
    """The wait before push number ``attempt + 1``, in seconds: a random time between half
    and all of ``delay * 2 ** (attempt - 1)``, capped at ``cap`` ("equal jitter").

    Args:
        attempt: the push that was just rejected (1 for the first).
        delay: the base wait, in seconds (0: no wait).
        cap: the longest wait, in seconds.
        rng: the random source.

    >>> rng = random.Random(1)
    >>> [round(backoff(n, 1.0, 5.0, rng), 2) for n in (1, 2, 3, 4)]
    [0.57, 1.85, 3.53, 3.14]
    """
    step = min(cap, delay * 2 ** (attempt - 1))
    return rng.uniform(step / 2, step)


def _git(root: Path, *args: str, step: str = "git") -> str:
    # English messages (the rejection is recognised by them), never a prompt, never an
    # editor (rebase --continue keeps each commit's message).
    return gitutil.git(root, *args, step=step, env={"GIT_EDITOR": "true"})


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def current_branch(root: Path) -> str | None:
    """The checked-out branch, or None for a detached ``HEAD`` (as in most CI checkouts)."""
    try:
        return _git(root, "symbolic-ref", "--quiet", "--short", "HEAD").strip() or None
    except CommandFailed:
        return None


def _local_commits(root: Path, upstream: str) -> list[str]:
    return _lines(_git(root, "rev-list", "--reverse", f"{upstream}..HEAD"))


def _tags_at(root: Path, commits: list[str]) -> dict[str, list[str]]:
    """commit -> the tags pointing at it (one ``for-each-ref`` call)."""
    wanted = set(commits)
    found: dict[str, list[str]] = {}
    out = _git(
        root,
        "for-each-ref",
        "--format=%(refname:strip=2) %(objectname) %(*objectname)",
        "refs/tags",
    )
    for line in _lines(out):
        name, *shas = line.split()
        for sha in shas:  # the tag object and, for an annotated tag, its commit
            if sha in wanted:
                found.setdefault(sha, []).append(name)
    return found


def _fetch(root: Path, remote: str, branch: str) -> str:
    _git(root, "fetch", "--quiet", remote, f"refs/heads/{branch}")
    return _git(root, "rev-parse", "FETCH_HEAD^{commit}").strip()


def _conflicts(root: Path) -> list[str]:
    return _lines(_git(root, "diff", "--name-only", "--diff-filter=U"))


def _regenerate(root: Path, path: str) -> None:
    from packyard.release.readme_table import update_readme
    from packyard.repo import Repository

    _git(root, "checkout", "--ours", "--", path)  # the upstream side, in a rebase
    update_readme(Repository.open(root), readme=root / path)
    _git(root, "add", "--", path)


def _rebase(root: Path, onto: str) -> None:
    """Rebase the local commits onto ``onto``, regenerating :data:`REGENERATED` files
    that conflict; abort and raise on any other conflict."""
    options = ["-c", "rebase.autoStash=false"]
    try:
        _git(root, *options, "rebase", "--quiet", onto)
        return
    except CommandFailed as exc:
        failure = exc
    for _ in range(100):
        conflicts = _conflicts(root)
        if not conflicts:
            raise ReleaseError(
                f"cannot rebase the release commit onto {onto[:12]}: {failure.message}",
                path=root,
                hint="see git status; finish or abort the rebase, then push by hand",
            ) from failure
        others = [path for path in conflicts if path not in REGENERATED]
        if others:
            _git(root, "rebase", "--abort")
            raise ReleaseError(
                "cannot rebase the release commit onto the branch another job pushed: "
                f"conflict in {', '.join(others) or 'the rebase'}",
                path=root,
                hint="release jobs should only change .packyard/releases/NAME.json and the "
                "README table; merge by hand, then push",
            )
        for path in conflicts:
            _regenerate(root, path)
        try:
            _git(root, *options, "rebase", "--continue")
            return
        except CommandFailed as exc:
            failure = exc
    _git(root, "rebase", "--abort")  # pragma: no cover - 100 conflicting commits
    raise ReleaseError("the rebase did not finish", path=root)  # pragma: no cover


def _move_tags(root: Path, old: list[str], new: list[str], tags: dict[str, list[str]]) -> None:
    if len(old) != len(new):
        raise ReleaseError(
            f"rebasing turned {len(old)} local commits into {len(new)}: cannot move the tags "
            f"{', '.join(t for ts in tags.values() for t in ts)}",
            path=root,
            hint="check the history, move the tags by hand (git tag -f), then push",
        )
    for before, after in zip(old, new, strict=True):
        for tag in tags.get(before, []):
            message = _git(root, "for-each-ref", "--format=%(contents)", f"refs/tags/{tag}").strip()
            if message:
                _git(root, "tag", "--force", "--annotate", "-m", message, tag, after)
            else:
                _git(root, "tag", "--force", tag, after)


def check_release_tags(root: Path, commits: list[str]) -> None:
    """Check that every release commit (subject ``release(NAME): vX.Y.Z``) among
    ``commits`` carries its tag ``NAME-vX.Y.Z``: a release commit pushed without it would
    say the release happened while no tag marks it.

    Raises:
        ReleaseError: a release commit has no tag; the hint is the command that tags it.
    """
    if not commits:
        return
    tagged = _tags_at(root, commits)
    for commit in commits:
        subject = _git(root, "log", "-1", "--format=%s", commit).strip()
        found = RELEASE_COMMIT.match(subject)
        if not found:
            continue
        tag = f"{found['name']}-v{found['version']}"
        if tag not in tagged.get(commit, []):
            raise ReleaseError(
                f"the release commit {commit[:12]} '{subject}' has no tag {tag}: an "
                "interrupted release; nothing was pushed",
                path=root,
                hint=f"run invoke release {found['name']} (it tags the commit), then "
                "invoke push-release again",
            )


def push_release(
    root: Path,
    *,
    remote: str = "origin",
    branch: str | None = None,
    attempts: int = PUSH_ATTEMPTS,
    delay: float = 1.0,
    max_delay: float = 30.0,
    timeout: float = PUSH_TIMEOUT,
    progress: Progress = print,
    rng: random.Random | None = None,
) -> PushReport:
    """Push the local commits of ``HEAD`` and the tags on them to ``remote``, rebasing and
    retrying when the branch moved in between.

    With no local commit and no tag on ``HEAD`` (every release of the job failed, or
    there was nothing to release) it pushes nothing and returns at once.

    Args:
        root: a folder in the git work tree.
        remote: the remote to push to.
        branch: the remote branch; the checked-out branch when None.
        attempts: how many pushes to try before giving up (at least 1).
        delay: the base wait between pushes, in seconds: the wait after the n-th
            rejected push is random, between half and all of ``delay * 2 ** (n - 1)``
            (see :func:`backoff`).
        max_delay: the longest single wait, in seconds.
        timeout: the most time spent retrying, in seconds, from the first push: no wait
            goes past it, and no push starts after it.
        progress: called with one line per push.
        rng: the random source of the waits; a fresh one (seeded by the system) when None.

    Returns:
        The :class:`PushReport`.

    Raises:
        ReleaseError: no branch (detached ``HEAD`` and ``branch`` not given); a release
            commit without its tag (:func:`check_release_tags`); a conflict
            the rebase cannot resolve; still rejected after ``attempts`` pushes or
            ``timeout`` seconds.
        CommandFailed: git failed otherwise (remote unreachable, no permission).
    """
    branch = branch or current_branch(root)
    if not branch:
        raise ReleaseError(
            "HEAD is detached: which branch should the release be pushed to?",
            path=root,
            hint="pass --branch main (CI checkouts are often detached)",
        )
    rng = rng or random.Random()
    attempts = max(1, attempts)
    upstream = _fetch(root, remote, branch)
    check_release_tags(root, _local_commits(root, upstream))
    start = time.monotonic()
    waited = 0.0
    for attempt in range(1, attempts + 1):
        commits = _local_commits(root, upstream)
        head = gitutil.head(root)
        tagged = _tags_at(root, [*commits, head])
        tags = sorted({tag for names in tagged.values() for tag in names})
        if not commits and not tags:
            progress(f"nothing to push to {remote}/{branch}: no release commit or tag")
            return PushReport(branch, [], 0, 0)
        refs = [f"HEAD:refs/heads/{branch}", *(f"refs/tags/{tag}" for tag in tags)]
        progress(
            f"push {len(commits)} commit(s) and {', '.join(tags) or 'no tag'} to "
            f"{remote}/{branch} (attempt {attempt}/{attempts})"
        )
        try:
            _git(root, "push", "--atomic", "--porcelain", remote, *refs, step="push")
            return PushReport(branch, tags, attempt, len(commits), round(waited, 3))
        except CommandFailed as exc:
            if not any(marker in exc.output for marker in _REJECTED):
                raise
            left = timeout - (time.monotonic() - start)
            if attempt >= attempts or left <= 0:
                raise ReleaseError(
                    f"{remote}/{branch} kept moving: still rejected after {attempt} pushes "
                    f"in {time.monotonic() - start:.1f} s",
                    path=root,
                    hint="run invoke push-release again, or raise --attempts / --timeout",
                ) from exc
        pause = min(backoff(attempt, delay, max_delay, rng), left)
        progress(f"{remote}/{branch} moved: waiting {pause:.1f} s before rebasing")
        time.sleep(pause)
        waited += pause
        upstream = _fetch(root, remote, branch)
        old = _local_commits(root, upstream)
        old_tags = _tags_at(root, old)
        progress(f"{remote}/{branch} moved: rebasing {len(old)} commit(s) onto it")
        _rebase(root, upstream)
        _move_tags(root, old, _local_commits(root, upstream), old_tags)
    raise AssertionError("unreachable")  # pragma: no cover
