"""git, through :func:`packyard.proc.run`: the few questions and actions a release needs.

Every function takes the folder to run in (any folder inside the work tree) and raises
:class:`~packyard.errors.CommandFailed` (step ``git``) when git fails, or
:class:`~packyard.errors.ReleaseError` for a folder that is not in a git work tree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packyard.childenv import git_env
from packyard.errors import CommandFailed, ReleaseError
from packyard.proc import run

_RECORD = "\x1e"
_FIELD = "\x1f"


def git(
    cwd: Path,
    *args: str,
    step: str = "git",
    hint: str | None = None,
    timeout: float = 300,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run ``git ARGS`` in ``cwd`` and return its output: the one way packyard runs git.

    git and its hooks get :func:`packyard.childenv.git_env`: no upload credential.

    Args:
        cwd: a folder in the work tree (or any folder, with ``--git-dir``).
        args: git's arguments.
        step: the step a failure names (``git``, ``changes``, ``docs-publish``...).
        hint: how to fix a failure.
        timeout: seconds before git is stopped (a failure).
        input: text for git's standard input (``--stdin`` queries, ``hash-object``).
        env: more variables for git (``GIT_EDITOR``, ``GIT_INDEX_FILE``, an author...).

    Raises:
        CommandFailed: git exited non-zero or timed out (step ``step``).
    """
    environment = git_env(args, GIT_OPTIONAL_LOCKS="0", **(env or {}))
    return run(
        ["git", *args],
        step=step,
        cwd=cwd,
        env=environment,
        timeout=timeout,
        hint=hint,
        input=input,
    )


def toplevel(cwd: Path) -> Path:
    """The top folder of the git work tree holding ``cwd``.

    Raises:
        ReleaseError: ``cwd`` is not inside a git work tree (or git is missing).
    """
    try:
        out = git(cwd, "rev-parse", "--show-toplevel")
    except CommandFailed:
        raise ReleaseError(
            "not a git repository",
            path=cwd,
            hint="releases are recorded with git tags and commits: run 'git init' and commit "
            "the packages first",
        ) from None
    return Path(out.strip()).resolve()


def check_identity(cwd: Path) -> None:
    """Check that git can make commits and annotated tags here (a user name and e-mail).

    Raises:
        ReleaseError: git has no identity; the hint gives the commands that set one.
    """
    try:
        git(cwd, "var", "GIT_COMMITTER_IDENT")
        git(cwd, "var", "GIT_AUTHOR_IDENT")
    except CommandFailed:
        raise ReleaseError(
            "git has no user name and e-mail to record the release commit and tag with",
            path=cwd,
            hint='git config user.name "Your Name" && git config user.email you@example.com '
            "(add --global for every repository)",
        ) from None


def dirty_paths(cwd: Path) -> list[str]:
    """The paths ``git status`` reports: modified, staged, deleted or untracked (ignored
    files excluded), relative to the top of the work tree, sorted."""
    out = git(cwd, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    paths = []
    entries = out.split("\0")
    index = 0
    while index < len(entries):
        entry = entries[index]
        index += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC":  # a rename or copy is followed by its source path
            index += 1
    return sorted(paths)


def head(cwd: Path) -> str:
    """The full SHA-1 of ``HEAD``.

    Raises:
        ReleaseError: the repository has no commit yet.
    """
    try:
        return git(cwd, "rev-parse", "--verify", "HEAD^{commit}").strip()
    except CommandFailed:
        raise ReleaseError(
            "the git repository has no commit yet",
            path=cwd,
            hint="commit the packages first: git add -A && git commit -m 'initial commit'",
        ) from None


def tags(cwd: Path, pattern: str) -> list[str]:
    """Tag names matching the glob ``pattern`` (e.g. ``NAME-v*``), sorted."""
    return sorted(line for line in git(cwd, "tag", "--list", pattern).splitlines() if line)


def resolve(cwd: Path, ref: str) -> str | None:
    """The commit SHA-1 ``ref`` points to, or None when there is no such ref or commit."""
    try:
        return git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except CommandFailed:
        return None


@dataclass(frozen=True)
class Commit:
    """A commit.

    Attributes:
        sha: the full SHA-1.
        message: the whole message.
        files: the paths it changed, relative to the top of the work tree (POSIX).
    """

    sha: str
    message: str
    files: tuple[str, ...]


def commits(cwd: Path, since: str | None = None) -> list[Commit]:
    """The non-merge commits reachable from ``HEAD`` but not from ``since``, oldest first.

    Args:
        cwd: a folder in the work tree.
        since: a commit or ref; every commit from the root when None.
    """
    revision = f"{since}..HEAD" if since else "HEAD"
    out = git(
        cwd,
        "log",
        "--no-merges",
        "--reverse",
        "--no-renames",
        f"--format={_RECORD}%H{_FIELD}%B{_FIELD}",
        "--name-only",
        revision,
    )
    found = []
    for record in out.split(_RECORD)[1:]:
        sha, message, files = record.split(_FIELD, 2)
        found.append(
            Commit(
                sha=sha.strip(),
                message=message.strip(),
                files=tuple(line for line in files.splitlines() if line.strip()),
            )
        )
    return found


def commit_paths(cwd: Path, paths: list[Path], message: str) -> str:
    """Stage ``paths`` and commit exactly them with ``message``; return the new SHA-1.

    Raises:
        CommandFailed: git refused (no identity configured, a hook failed...).
    """
    names = [os.fspath(p) for p in paths]
    hint = "set your identity with git config user.name/user.email, or check the hooks"
    git(cwd, "add", "--", *names, hint=hint)
    git(cwd, "commit", "--quiet", "-m", message, "--", *names, hint=hint)
    return head(cwd)


def create_tag(cwd: Path, name: str, message: str, commit: str = "HEAD") -> None:
    """Create the annotated tag ``name`` on ``commit``.

    Raises:
        CommandFailed: the tag exists already, or git refused.
    """
    git(cwd, "tag", "--annotate", "-m", message, name, commit)


def delete_tag(cwd: Path, name: str) -> None:
    """Delete the local tag ``name`` (used to undo a step that failed)."""
    git(cwd, "tag", "--delete", name)


def push(cwd: Path, remote: str, tag: str, *, branch: bool = True) -> None:
    """Push the current branch (when ``branch``) and the tag ``tag`` to ``remote``, atomically.

    Raises:
        CommandFailed: the push was rejected or the remote is unreachable.
    """
    refs = (["HEAD"] if branch else []) + [f"refs/tags/{tag}"]
    git(
        cwd,
        "push",
        "--atomic",
        remote,
        *refs,
        step="push",
        hint=f"push by hand once the remote is reachable: git push {remote} HEAD {tag}",
    )
