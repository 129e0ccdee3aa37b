"""Planning a release, before anything changes: how (:class:`ReleaseOptions`); what holds
for every package of a run, a git work tree without changes (:func:`check_work_tree`) and
credentials (:func:`run_credentials`); and for each package the next version and its notes
(:func:`plan_release`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from packyard import gitutil
from packyard.errors import NothingToRelease, ReleaseError
from packyard.index.credentials import resolve_credentials
from packyard.index.repository_config import DEFAULT_REPOSITORY, Credentials, RepositoryConfig
from packyard.release.oidc import check_trusted_publishing
from packyard.repo import Repository
from packyard.versions.tracking import released_versions, releases, tracking_file
from packyard.versions.versioning import (
    Level,
    bump_level,
    changes_for,
    next_version,
    parse_version,
)

Progress = Callable[[str], None]


def tag_name(name: str, version: str) -> str:
    """The git tag of a release: ``NAME-vX.Y.Z`` (NAME the import name)."""
    return f"{name}-v{version}"


@dataclass(frozen=True)
class ReleaseOptions:
    """How to release.

    Attributes:
        repository: the repository name (``local``, ``pypi``, ``testpypi`` or one of
            ``[tool.packyard.repositories]``).
        bump: force this bump instead of what the commits say.
        version: force this exact PEP 440 version.
        dry_run: plan and print, change nothing.
        commit: commit the tracking file and README (and tag that commit); False leaves
            them changed in the work tree and tags ``HEAD``.
        push: push the commit and tag to ``remote``.
        remote: the git remote to push to.
        gates: run the quality gates first (:func:`packyard.gates.release_gates`: lint,
            licenses, and audit when ``[tool.packyard] audit = true``).
        pypirc: the ``.pypirc`` to read; ``~/.pypirc`` when None.
        environ: where credentials are read from; ``os.environ`` when None.
        trusted_publishing: get the upload token by trusted publishing (OpenID Connect,
            :mod:`packyard.release.oidc`) inside the upload step, right before twine, instead of
            reading credentials.
    """

    repository: str = DEFAULT_REPOSITORY
    bump: Level | None = None
    version: str | None = None
    dry_run: bool = False
    commit: bool = True
    push: bool = False
    remote: str = "origin"
    gates: bool = True
    pypirc: Path | None = None
    environ: Mapping[str, str] | None = None
    trusted_publishing: bool = False


@dataclass
class ReleasePlan:
    """What a release of one package will be.

    Attributes:
        package: the import name.
        dist_name: the distribution name.
        previous: the latest released version, or None before the first release.
        version: the version to release.
        reason: why this version (``first release``, ``fix -> patch``, ``--bump minor``...).
        since: the commit the notes start after (None: from the first commit).
        notes: release-note entries ``{"kind", "description", "commit"}``.
        commits: the SHA-1s of the commits that reach the package.
    """

    package: str
    dist_name: str
    previous: str | None
    version: str
    reason: str
    since: str | None
    notes: list[dict[str, str]]
    commits: list[str]

    @property
    def tag(self) -> str:
        """The tag this release gets."""
        return tag_name(self.package, self.version)


def known_versions(repo: Repository, name: str) -> list[Version]:
    """The released versions of a package from its tracking file and its git tags,
    sorted ascending.

    Raises:
        ConfigError: the tracking file is malformed.
    """
    found = set(released_versions(repo.config.state_dir, name))
    prefix = f"{name}-v"
    for tag in gitutil.tags(repo.config.root, f"{prefix}*"):
        try:
            found.add(Version(tag[len(prefix) :]))
        except ValueError:
            continue
    return sorted(found)


def _last_release_commit(repo: Repository, name: str, version: Version) -> str | None:
    """The commit the release ``version`` was built from: the one its tracking record
    names, else the commit its tag points at. The record comes first: push-release may
    rebase a release commit (and move its tag) over other changes, which the tag's commit
    then contains although they were never released. Release commits themselves reach no
    package (:func:`packyard.versions.versioning.changes_for`), so starting before one is safe."""
    root = repo.config.root
    for record in releases(repo.config.state_dir, name):
        if Version(str(record["version"])) == version and record.get("commit"):
            commit = gitutil.resolve(root, str(record["commit"]))
            if commit:
                return commit
    return gitutil.resolve(root, f"refs/tags/{tag_name(name, str(version))}")


def _touches(package_paths: Sequence[str], files: Sequence[str]) -> bool:
    for path in files:
        for owned in package_paths:
            if path == owned or path.startswith(owned.rstrip("/") + "/"):
                return True
    return False


def _package_paths(repo: Repository, name: str) -> list[str]:
    """The package's files, as paths relative to the top of the git work tree."""
    top = gitutil.toplevel(repo.config.root)
    package = repo.package(name)
    paths = [package.path, *package.test_paths]
    return [Path(os.path.relpath(p.resolve(), top)).as_posix() for p in paths]


def plan_release(
    repo: Repository, name: str, *, bump: Level | None = None, version: str | None = None
) -> ReleasePlan:
    """Decide the next version of a package and its release notes.

    Args:
        repo: the repository (in a git work tree).
        name: the package (import or distribution name).
        bump: force this bump.
        version: force this exact version (must be newer than every release).

    Raises:
        NothingToRelease: no commit reached the package since its last release.
        ReleaseError: a forced version is invalid or not newer than the latest release.
        PackageError: no such package.
    """
    package = repo.package(name)
    versions = known_versions(repo, package.name)
    latest = versions[-1] if versions else None
    since = _last_release_commit(repo, package.name, latest) if latest else None
    if latest is not None and since is None:
        raise ReleaseError(
            f"{package.name} {latest} is recorded as released but neither its tag "
            f"{tag_name(package.name, str(latest))} nor its recorded commit is in this "
            "repository",
            path=tracking_file(repo.config.state_dir, package.name),
            hint="fetch the tags (git fetch --tags) or the history the release was made from",
        )
    owned = _package_paths(repo, package.name)
    changes = []
    commits = []
    for commit in gitutil.commits(repo.config.root, since):
        found = changes_for(
            commit.message,
            package.name,
            touches_files=_touches(owned, commit.files),
            commit=commit.sha,
        )
        if found:
            commits.append(commit.sha)
            changes.extend(found)
    if not changes:
        since_text = f"its last release {latest}" if latest else "the first commit"
        raise NothingToRelease(
            f"nothing to release for {package.name}: no commit since {since_text} changes "
            "its files or names it",
            hint="commit a change first (e.g. 'fix(NAME): ...'), then release",
        )
    level = bump_level(changes)
    assert level is not None
    if version is not None:
        chosen = str(parse_version(version, what="--version"))
        reason = "--version"
        if latest is not None and Version(chosen) <= latest:
            raise ReleaseError(
                f"--version {chosen} is not newer than the latest release {latest} of "
                f"{package.name}",
                hint=f"use a version above {latest}, e.g. {next_version(latest, 'patch')}",
            )
    elif latest is None:
        # The version the package states (__version__, metadata "version") wins.
        declared = repo.source(package.name).declared_version
        chosen = declared or str(parse_version(repo.config.first_version, what="first-version"))
        reason = "first release" + (", the version the package states" if declared else "")
    else:
        chosen = next_version(latest, bump or level)
        reason = f"--bump {bump}" if bump else f"commits say {level}"
    return ReleasePlan(
        package=package.name,
        dist_name=package.dist_name,
        previous=str(latest) if latest else None,
        version=chosen,
        reason=reason,
        since=since,
        notes=[c.note() for c in changes],
        commits=commits,
    )


#: What packyard itself writes into a repository (build trees, artifacts, sites, caches,
#: the local index): never a reason to call the work tree dirty, even where a repository
#: has not put them in .gitignore.
GENERATED_PATHS = (
    "build/",
    "dist/",
    "site/",
    ".packyard/cache/",
    ".packyard/venvs/",
    ".packyard/logs/",
    ".packyard/index/",
    ".packyard/wheelhouse/",
    ".packyard/.pypiserver-",
    ".packyard/pending/",
)


def check_work_tree(repo: Repository) -> None:
    """Check that the repository is a git work tree with a commit and no changes
    (packyard's own outputs, :data:`GENERATED_PATHS`, do not count).

    Raises:
        ReleaseError: not a git repository, no commit yet, or uncommitted changes (the
            message lists some).
    """
    root = repo.config.root
    top = gitutil.toplevel(root)
    gitutil.head(root)
    inside = root.resolve().relative_to(top).as_posix()
    generated = tuple(p if inside == "." else f"{inside}/{p}" for p in GENERATED_PATHS)
    dirty = [p for p in gitutil.dirty_paths(root) if not p.startswith(generated)]
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise ReleaseError(
            f"the work tree has uncommitted changes: {shown}",
            path=root,
            hint="a release must be built from a commit: commit or stash them first",
        )


def run_credentials(
    target: RepositoryConfig, options: ReleaseOptions, progress: Progress
) -> Credentials | None:
    """The credentials a run reads before its first package: None with trusted
    publishing (a token is minted at each upload; the index is read anonymously) and in
    a dry run that finds none (it uploads nothing; the index is read anonymously)."""
    if options.trusted_publishing:
        check_trusted_publishing(target)
        return None
    try:
        return resolve_credentials(target, options.environ)
    except ReleaseError as exc:
        if not options.dry_run:
            raise
        progress(f"  dry run: {exc.message} (an upload would need them: {exc.hint})")
        return None
