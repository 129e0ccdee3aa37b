"""Publishing the built sites to the ``gh-pages`` branch of a git remote.

``mkdocs gh-deploy`` replaces the whole branch; packyard's sites live side by side (the
repository's at the top, each package's in ``NAME/``), so publishing one package must keep
the others. The new branch commit is made with git plumbing on a temporary index, never
touching the work tree, the checked-out branch or the real index:

1. ``git fetch`` the branch from the remote (when it exists), its commit is the parent;
2. a temporary index (``GIT_INDEX_FILE``) is filled from the parent's tree;
3. the published folders are removed from it and added again from ``site/``
   (``git --work-tree=site add``), plus an empty ``.nojekyll``;
4. ``git write-tree``; nothing to do when the tree is the parent's;
5. ``git commit-tree`` and ``git push REMOTE COMMIT:refs/heads/BRANCH`` (a fast-forward:
   if someone published meanwhile the push is refused, and running again picks up theirs).

``--dry-run`` stops after step 4 and reports the changes. It still writes the site's files
into the repository's object database (unreferenced objects, which ``git gc`` removes) but
no ref, index or remote changes.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packyard import gitutil
from packyard.errors import CommandFailed, DocsError
from packyard.repo import Repository

DEFAULT_REMOTE = "origin"
DEFAULT_BRANCH = "gh-pages"
#: The identity of publish commits when git has none configured.
FALLBACK_IDENTITY = ("packyard", "packyard@localhost")


@dataclass
class PublishReport:
    """What a publish did (or, with ``dry_run``, would do).

    Attributes:
        remote: the remote name or URL.
        branch: the branch published to.
        folders: the top-level folders published (``"."`` stands for the repository site's
            own files at the top).
        parent: the branch's commit before, None when the branch did not exist.
        tree: the new tree's SHA-1.
        commit: the new commit's SHA-1; None when nothing changed or on a dry run.
        changes: ``(status, path)`` pairs, status ``A``/``M``/``D`` as in ``git diff``.
        dry_run: whether this was a dry run.
    """

    remote: str
    branch: str
    folders: list[str]
    parent: str | None
    tree: str
    commit: str | None = None
    changes: list[tuple[str, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """Whether the branch's content differs from what it was."""
        return bool(self.changes)

    def summary(self) -> list[str]:
        """Lines for a person: per top-level folder, how many files are added, modified
        and deleted, then what happened."""
        per_folder: dict[str, Counter[str]] = {}
        for status, path in self.changes:
            top = path.split("/", 1)[0] if "/" in path else "."
            per_folder.setdefault(top, Counter())[status] += 1
        lines = []
        for top in sorted(per_folder):
            counts = per_folder[top]
            parts = [
                f"{counts[s]} {word}"
                for s, word in (("A", "added"), ("M", "modified"), ("D", "deleted"))
                if counts[s]
            ]
            lines.append(f"  {top + '/' if top != '.' else '(top)':<24} {', '.join(parts)}")
        where = f"{self.remote} {self.branch}"
        if not self.changes:
            lines.append(f"{where}: already up to date, nothing to publish")
        elif self.dry_run:
            lines.append(f"{where}: would commit {len(self.changes)} changed files (dry run)")
        else:
            lines.append(f"{where}: pushed {self.commit} ({len(self.changes)} changed files)")
        return lines


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None, hint: str | None = None) -> str:
    return gitutil.git(cwd, *args, step="docs-publish", hint=hint, timeout=600, env=env)


def publish(
    repo: Repository,
    names: Sequence[str] | None = None,
    *,
    remote: str = DEFAULT_REMOTE,
    branch: str = DEFAULT_BRANCH,
    dry_run: bool = False,
    message: str | None = None,
    progress: Callable[[str], None] = print,
) -> PublishReport:
    """Commit built sites to ``branch`` of ``remote``, keeping every other folder there.

    Args:
        repo: the repository (a git work tree; its ``site/`` holds the built sites).
        names: packages whose ``site/NAME/`` to publish; when None or empty, everything in
            ``site/``: the repository site's files at the top (replacing the top-level
            files and folders there that are not package folders) and each package folder.
        remote: a remote name (``origin``) or any git URL or path.
        branch: the branch (created when the remote does not have it).
        dry_run: report the changes, commit and push nothing.
        message: the commit message; one naming what is published when None.
        progress: called with one line per step.

    Returns:
        The report.

    Raises:
        DocsError: not a git repository, a site that is not built, the push was refused.
        PackageError: a name is not a package.
        CommandFailed: git failed (the remote is unreachable...).
    """
    root = repo.config.root
    site = root / "site"
    try:
        git_dir = Path(_git(root, "rev-parse", "--absolute-git-dir").strip())
    except CommandFailed:
        raise DocsError(
            "not a git repository: the sites are published to a git branch",
            path=root,
            hint="run 'git init' and add a remote, or pass --remote with a repository URL",
        ) from None
    package_names = set(repo.packages)
    folders, top_entries = _what_to_publish(repo, site, names, package_names)
    shown = ", ".join("the repository site" if f == "." else f"{f}/" for f in folders)
    progress(f"[docs-publish] {shown} -> {remote} {branch}")

    parent = _remote_head(root, remote, branch)
    with tempfile.TemporaryDirectory(prefix="packyard-ghpages-") as scratch:
        index_env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        tree_git = ("--git-dir", str(git_dir), "--work-tree", str(site))
        if parent:
            _git(site, *tree_git, "read-tree", parent, env=index_env)
        else:
            _git(site, *tree_git, "read-tree", "--empty", env=index_env)
        replaced = [f for f in folders if f != "."]
        if "." in folders:
            existing = {
                line.split("/", 1)[0]
                for line in _git(site, *tree_git, "ls-files", "-z", env=index_env).split("\0")
                if line
            }
            replaced += sorted(e for e in existing if e not in package_names)
        if replaced:  # -f: the temporary index differs from HEAD and the files, on purpose
            _git(
                site,
                *tree_git,
                "rm",
                "-r",
                "-f",
                "-q",
                "--cached",
                "--ignore-unmatch",
                "--",
                *replaced,
                env=index_env,
            )
        to_add = [f for f in folders if f != "."] + top_entries
        if to_add:
            _git(site, *tree_git, "add", "-f", "--", *to_add, env=index_env)
        empty = _git(site, *tree_git, "hash-object", "-w", "--stdin", env=index_env).strip()
        _git(
            site,
            *tree_git,
            "update-index",
            "--add",
            "--cacheinfo",
            f"100644,{empty},.nojekyll",
            env=index_env,
        )
        tree = _git(site, *tree_git, "write-tree", env=index_env).strip()

    report = PublishReport(remote, branch, folders, parent, tree, dry_run=dry_run)
    report.changes = _changes(root, parent, tree)
    if not report.changes or dry_run:
        for line in report.summary():
            progress(line)
        return report
    report.commit = _commit(root, tree, parent, message or _message(folders, root))
    try:
        _git(root, "push", "--quiet", remote, f"{report.commit}:refs/heads/{branch}")
    except CommandFailed as exc:
        raise DocsError(
            f"the push to {remote} {branch} was refused: {exc.message}",
            hint="if someone published meanwhile, run again (their folders are kept); "
            "otherwise check the remote's URL and your access",
        ) from None
    for line in report.summary():
        progress(line)
    return report


def _what_to_publish(
    repo: Repository, site: Path, names: Sequence[str] | None, package_names: set[str]
) -> tuple[list[str], list[str]]:
    """(folders, top-level entries of the repository site) to publish."""
    if names:
        folders = []
        for name in names:
            package = repo.package(name)
            if not (site / package.name / "index.html").is_file():
                raise DocsError(
                    f"the site of {package.name} is not built",
                    path=site / package.name,
                    hint=f"build it first: nox -s docs-{package.name}",
                )
            folders.append(package.name)
        return sorted(set(folders)), []
    if not site.is_dir() or not any(site.iterdir()):
        raise DocsError(
            "there is no built site to publish",
            path=site,
            hint="build the sites first: nox -s docs",
        )
    entries = sorted(e.name for e in site.iterdir() if not e.name.startswith("."))
    packages = [e for e in entries if e in package_names and (site / e / "index.html").is_file()]
    top = [e for e in entries if e not in package_names]
    if not top:
        return packages, []
    if not (site / "index.html").is_file():
        raise DocsError(
            "site/ holds files but no index.html: the repository site is not built",
            path=site,
            hint="build it: nox -s docs",
        )
    return [".", *packages], top


def _remote_head(root: Path, remote: str, branch: str) -> str | None:
    out = _git(
        root,
        "ls-remote",
        "--heads",
        remote,
        f"refs/heads/{branch}",
        hint=f"check that the remote {remote!r} exists and is reachable (git remote -v)",
    )
    sha = next((line.split()[0] for line in out.splitlines() if line.strip()), None)
    if sha is None:
        return None
    _git(root, "fetch", "--quiet", "--no-tags", remote, f"refs/heads/{branch}")
    return sha


def _changes(root: Path, parent: str | None, tree: str) -> list[tuple[str, str]]:
    if parent is None:
        out = _git(root, "ls-tree", "-r", "--name-only", "-z", tree)
        return [("A", path) for path in out.split("\0") if path]
    out = _git(root, "diff-tree", "-r", "--no-renames", "--name-status", "-z", parent, tree)
    items = [item for item in out.split("\0") if item]
    return [(items[i][0], items[i + 1]) for i in range(0, len(items) - 1, 2)]


def _commit(root: Path, tree: str, parent: str | None, message: str) -> str:
    env: dict[str, str] = {}
    for key, fallback in zip(("user.name", "user.email"), FALLBACK_IDENTITY, strict=True):
        try:
            _git(root, "config", "--get", key)
        except CommandFailed:
            role = "NAME" if key == "user.name" else "EMAIL"
            env[f"GIT_AUTHOR_{role}"] = env[f"GIT_COMMITTER_{role}"] = fallback
    args = ["commit-tree", tree, "-m", message]
    if parent:
        args += ["-p", parent]
    return _git(root, *args, env=env).strip()


def _message(folders: list[str], root: Path) -> str:
    names = ["the repository site" if f == "." else f for f in folders]
    try:
        source = _git(root, "rev-parse", "--short", "HEAD").strip()
    except CommandFailed:
        source = ""
    return f"docs: publish {', '.join(names)}" + (f" (from {source})" if source else "")
