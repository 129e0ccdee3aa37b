"""Releasing packages: from ``packages/NAME`` to a verified upload, recorded in git.

For each package, in order (each failure names its step):

``plan``      the released versions (tracking file, git tags ``NAME-vX.Y.Z``), the commits
              since the last release that reach the package, the next version and the notes
``index``     the versions the target index already has (a version is never reused)
``siblings``  the target index has a version of every sibling the package requires
              (released before, or earlier in this run: siblings named together are
              released first); otherwise the package stops here, naming the sibling
``gates``     the quality gates (:mod:`packyard.gates`: lint, licenses, and audit when
              ``[tool.packyard] audit = true``), unless ``gates=False``
then the test-install pipeline with that version (``assemble``, ``build``, ``check``
(``twine check --strict``), ``venv``, ``install``, ``import``, ``cli``, ``tests``), then
``upload``    ``twine upload`` of the sdist and wheel (with ``trusted_publishing``, the
              upload token is minted here, right before twine runs)
``verify``    the index lists both files, and ``NAME==X.Y.Z`` installs from it into a
              fresh venv and imports, its siblings from that index only
``record``    the tracking file ``.packyard/releases/NAME.json``, the README table, the
              commit ``release(NAME): vX.Y.Z`` (unless ``commit=False``) and the tag
``push``      the commit and the tag (only with ``push=True``)

A release is a transaction that a re-run completes (:mod:`packyard.release.state`): its
intent (version, files, sha256) is written before the upload; the next run adopts files
of that version on the index that match it, tags an untagged release commit and rolls
back a half-written record step, printing a ``[recover]`` line for each.

Before the first package the run checks what holds for all of them: a git work tree
without changes, a known repository, credentials. Nothing is tagged, recorded, written
to the README or committed unless the upload succeeded and was verified. Packages are
independent: one failing does not stop or undo the others (but a package whose sibling
failed finds no version of it on the index, and says so). ``dry_run`` plans, asks the
index, prints every step and changes nothing; it needs no credentials.

Credentials reach only twine (and, for a private index that needs them to be read, the
index query and the verification install): every other child process runs without
them (:func:`packyard.building.venvs.clean_env`).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from packaging.utils import canonicalize_name
from packaging.version import Version

from packyard import gitutil
from packyard.building.siblings import (
    check_siblings,
    release_order,
    sibling_requirements,
    verify_requirements,
)
from packyard.building.testinstall import format_timings, test_install
from packyard.errors import CommandFailed, NothingToRelease, PackyardError, ReleaseError
from packyard.gates import release_gates, run_gates
from packyard.index.credentials import resolve_credentials
from packyard.index.local import LocalIndex
from packyard.index.query import folder_files, project_files
from packyard.index.repositories import get_repository
from packyard.index.repository_config import DEFAULT_REPOSITORY, Credentials, RepositoryConfig
from packyard.release import state as release_state
from packyard.release.oidc import check_trusted_publishing, trusted_publishing_credentials
from packyard.release.publish import (
    FileRecord,
    upload,
    upload_command,
    verify_install,
    verify_on_index,
)
from packyard.release.readme_table import check_markers, local_index_url
from packyard.repo import Repository
from packyard.versions.tracking import released_versions, releases, tracking_file
from packyard.versions.versioning import (
    Level,
    bump_level,
    changes_for,
    next_version,
    parse_version,
    release_subject,
)

Progress = Callable[[str], None]
Status = Literal["released", "planned", "nothing", "failed"]


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


@dataclass
class ReleaseResult:
    """The outcome for one package.

    Attributes:
        package: the name asked for.
        status: ``released``, ``planned`` (dry run), ``nothing`` (no change since the last
            release) or ``failed``.
        plan: the plan, once made.
        error: why it failed (or why there is nothing to release).
        record: the tracking-file record written.
        steps: (step name, seconds) in order.
        warnings: problems after the release was recorded (a failed push).
        verified: ``{distribution: version}`` the verification install got from the
            index: the package and its siblings.
    """

    package: str
    status: Status
    plan: ReleasePlan | None = None
    error: PackyardError | None = None
    record: dict[str, Any] | None = None
    steps: list[tuple[str, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    verified: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Total wall time of the steps, in seconds."""
        return sum(s for _, s in self.steps)


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


class _Steps:
    def __init__(self, result: ReleaseResult, progress: Progress) -> None:
        self.result = result
        self.progress = progress

    @contextmanager
    def step(self, name: str, message: str) -> Iterator[None]:
        self.progress(f"[{name}] {message}")
        start = time.perf_counter()
        try:
            yield
        finally:
            self.result.steps.append((name, time.perf_counter() - start))


def _index_files(target: RepositoryConfig, repo: Repository, dist_name: str, auth: Any) -> list:
    if target.index_url is None:  # local, not started (dry run): read its folder
        return folder_files(repo.config.state_dir / "index", dist_name)
    return project_files(target.index_url, dist_name, auth=auth)


def release_package(
    repo: Repository,
    name: str,
    options: ReleaseOptions,
    *,
    target: RepositoryConfig,
    credentials: Credentials | None,
    progress: Progress = print,
    earlier: Sequence[ReleaseResult] = (),
) -> ReleaseResult:
    """Release one package (the preconditions of :func:`release` are already checked).

    Args:
        repo: the repository.
        name: the package.
        options: the options.
        target: the repository to upload to, with its URLs set (``local`` started).
        credentials: for the upload (and reading a private index); None in a dry run
            without credentials, or with ``options.trusted_publishing`` (minted at the
            upload).
        progress: called with one line per step.
        earlier: the results of the packages before it in this run (a sibling planned
            in a dry run counts as on the index; one that failed is named).

    Returns:
        The result: ``released``, ``planned`` (dry run), ``nothing`` (with the
        :class:`~packyard.errors.NothingToRelease` as ``error``) or ``failed`` (with the
        :class:`~packyard.errors.PackyardError` that stopped it, and the steps done until
        then; nothing was recorded).
    """
    result = ReleaseResult(package=name, status="failed")
    try:
        _release_one(repo, name, options, target, credentials, progress, result, earlier)
    except NothingToRelease as exc:
        result.status, result.error = "nothing", exc
        progress(exc.message)
    except PackyardError as exc:
        result.status, result.error = "failed", exc
    return result


def _release_one(
    repo: Repository,
    name: str,
    options: ReleaseOptions,
    target: RepositoryConfig,
    credentials: Credentials | None,
    progress: Progress,
    result: ReleaseResult,
    earlier: Sequence[ReleaseResult],
) -> None:
    steps = _Steps(result, progress)
    auth = target.index_auth(credentials)
    with steps.step("plan", f"{name}: versions, commits and notes"):
        plan = plan_release(repo, name, bump=options.bump, version=options.version)
    result.plan = plan
    result.package = plan.package
    progress(
        f"  {plan.dist_name} {plan.previous or '(unreleased)'} -> {plan.version} "
        f"({plan.reason}; {len(plan.commits)} commit(s))"
    )
    for note in plan.notes:
        progress(f"    {note['kind']}: {note['description']}")
    where = target.index_url or f"{repo.config.state_dir / 'index'} (local, not started)"
    with steps.step("index", f"versions of {plan.dist_name} on {where}"):
        files = _index_files(target, repo, plan.dist_name, auth)
    on_index = sorted({f.version for f in files if f.version})
    intent = release_state.read_intent(repo.config.state_dir, plan.package)
    adopted = release_state.adoptable(intent, target.name, files)
    from_intent = adopted is not None
    if adopted is not None:
        assert intent is not None
        if str(intent["version"]) != plan.version:
            plan.reason = f"completing the interrupted release {intent['version']}"
        plan.version, plan.notes = str(intent["version"]), list(intent.get("notes", []))
        progress(
            f"[recover] {plan.dist_name} {plan.version} on {target.name} matches the intent "
            "of an interrupted release: adopting it (verify, record, commit, tag)"
        )
    elif intent is not None and intent["repository"] == target.name and not options.dry_run:
        release_state.clear_intent(repo.config.state_dir, plan.package)
        progress(
            f"[recover] the intent of an interrupted release of {plan.package} "
            f"{intent['version']} matches no file on {where}: removed it"
        )
    if adopted is None:
        plan.version = release_state.version_past_index(plan.version, options.bump, on_index)
    rebuild_to_compare = False
    if adopted is None and Version(plan.version) in on_index:
        same = [f for f in files if f.version == Version(plan.version)]
        if options.dry_run or not all(f.sha256 for f in same):  # nothing to compare with
            raise _used_up(plan, where, same, on_index, rebuilt=False)
        rebuild_to_compare = True
        progress(
            f"  {plan.dist_name} {plan.version} is on the index already: rebuilding it to "
            "compare (identical files are adopted, others refused)"
        )
    if on_index and on_index[-1] > Version(plan.version):
        progress(f"  warning: the index has a newer {plan.dist_name} {on_index[-1]}")
    needs = sibling_requirements(repo, plan.package)
    if needs:
        with steps.step("siblings", "on the index: " + ", ".join(map(str, needs))):
            check_siblings(
                plan.dist_name,
                needs,
                lambda dist: [
                    f.version for f in _index_files(target, repo, dist, auth) if f.version
                ],
                where=where,
                repository=target.name,
                planned={
                    canonicalize_name(r.plan.dist_name): Version(r.plan.version)
                    for r in earlier
                    if r.status == "planned" and r.plan
                },
                failed={
                    canonicalize_name(r.plan.dist_name if r.plan else r.package): (
                        r.error.message if r.error else "failed"
                    )
                    for r in earlier
                    if r.status == "failed"
                },
                repo_versions={
                    canonicalize_name(r.name): Version(repo.version(r.name)) for r in needs
                },
            )
    check_markers(repo.config.root / "README.md")
    if gitutil.resolve(repo.config.root, f"refs/tags/{plan.tag}"):
        raise ReleaseError(f"the tag {plan.tag} exists already", hint=f"git tag -d {plan.tag}")

    if options.dry_run:
        if options.gates:
            progress(f"  dry run: would run the gates {', '.join(release_gates(repo.config))}")
        _print_dry_run(repo, plan, options, target, progress)
        result.status = "planned"
        return
    if options.gates and adopted is None:
        with steps.step("gates", f"quality gates of {plan.package}"):
            run_gates(repo, plan.package, progress=progress)

    date = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    source_commit = gitutil.head(repo.config.root)
    if adopted is not None:
        assert intent is not None
        date, source_commit = str(intent["date"]), str(intent["commit"])
    listed = {f.filename for f in files if f.version == Version(plan.version)}
    missing = [f for f in adopted or [] if f["filename"] not in listed]
    artifacts: list[Path] = []
    if adopted is None or missing:
        repo.pending_releases[plan.package] = {
            "version": plan.version,
            "date": date,
            "notes": plan.notes,
        }
        try:
            report = test_install(repo, plan.package, version=plan.version, progress=progress)
        finally:
            repo.pending_releases.pop(plan.package, None)
        result.steps.extend(report.steps)
        assert report.artifacts is not None
        artifacts = report.artifacts.files
    records = [FileRecord.of(path) for path in artifacts]
    if rebuild_to_compare:
        adopted = release_state.matching_rebuild(files, plan.version, records)
        if adopted is None:
            same = [f for f in files if f.version == Version(plan.version)]
            raise _used_up(plan, where, same, on_index, rebuilt=True)
        progress(
            f"[recover] {plan.dist_name} {plan.version} on {target.name} is byte for byte "
            "this rebuild: adopting it (verify, record, commit, tag)"
        )
        listed = {f.filename for f in files if f.version == Version(plan.version)}
        missing = [f for f in adopted if f["filename"] not in listed]
    if adopted is not None:
        release_state.check_rebuild(adopted, records, package=plan.package)
        artifacts = [a for a in artifacts if a.name in {f["filename"] for f in missing}]
        records = [
            FileRecord(str(f["filename"]), str(f["sha256"]), int(f["size"])) for f in adopted
        ]
    if not from_intent:
        release_state.write_intent(
            repo.config.state_dir,
            plan.package,
            {
                "version": plan.version,
                "repository": target.name,
                "commit": source_commit,
                "date": date,
                "notes": plan.notes,
                "files": [r.to_json() for r in records],
            },
        )
    release_state.kill_point("intent")

    first_party = verify_requirements(repo, plan.package)
    if artifacts:
        with steps.step("upload", f"twine upload to {target.url}"):
            if options.trusted_publishing:  # minted now: valid for minutes, not the whole run
                uploader = trusted_publishing_credentials(target)
            else:
                assert credentials is not None
                uploader = credentials
            upload(target, uploader, artifacts, package=plan.package)
        release_state.kill_point("uploaded")
    with steps.step("verify", f"pip install {plan.dist_name}=={plan.version} from the index"):
        try:
            verify_on_index(target, plan.dist_name, records, auth=auth)
            result.verified = verify_install(
                target,
                plan.dist_name,
                plan.package,
                plan.version,
                deps_index_url=repo.config.index_url,
                siblings=first_party,
                credentials=credentials,
            )
        except PackyardError as exc:
            raise _verify_failed(exc, plan, target) from None
    release_state.kill_point("verified")
    record = {
        "version": plan.version,
        "date": date,
        "commit": source_commit,
        "tag": plan.tag,
        "repository": target.name,
        # The local index runs on a free port during the release; record where
        # `invoke index` serves it.
        "index_url": local_index_url() if target.is_local else target.index_url,
        "files": [r.to_json() for r in records],
        "notes": plan.notes,
    }
    with steps.step("record", f"tracking file, README table, commit and tag {plan.tag}"):
        release_state.record_transaction(
            repo,
            package=plan.package,
            dist_name=plan.dist_name,
            version=plan.version,
            tag=plan.tag,
            record=record,
            commit=options.commit,
        )
    result.record = record
    result.status = "released"
    if options.push:
        try:
            with steps.step("push", f"commit and {plan.tag} to {options.remote}"):
                gitutil.push(repo.config.root, options.remote, plan.tag, branch=options.commit)
        except PackyardError as exc:
            result.warnings.append(f"released, but the push failed: {exc.render()}")
    progress(
        f"released {plan.dist_name} {plan.version} to {target.name}: "
        + format_timings(result.steps)
    )


def _used_up(
    plan: ReleasePlan, where: str, same: Sequence[Any], on_index: Sequence[Version], rebuilt: bool
) -> ReleaseError:
    """The error for a version the index holds files of that this repository did not
    upload (no intent of an interrupted release names them; ``rebuilt``: a rebuild
    differs)."""
    names = ", ".join(f.filename for f in same)
    return ReleaseError(
        f"{plan.dist_name} {plan.version} is already on the index {where} ({names}), "
        "uploaded by no interrupted release of this repository"
        + ("; a rebuild at that version gives different files" if rebuilt else ""),
        hint=f"a version is never reused; the index has {', '.join(map(str, on_index))}: "
        f"pass --bump patch or --version with a newer one, or restore the tracking "
        "file and tags of the releases it holds",
    )


def _verify_failed(
    exc: PackyardError, plan: ReleasePlan, target: RepositoryConfig
) -> PackyardError:
    """The error for a failed verification: the files are on the index (the intent of
    the release is kept); what to do next."""
    message = (
        f"{plan.dist_name} {plan.version} was uploaded to {target.name!r} but did not "
        f"verify: {exc.message}"
    )
    hint = (
        f"its files are on the index; nothing was tagged, recorded or committed. Fix the "
        f"cause, then run invoke release {plan.package} --repository {target.name} again: "
        "it adopts those files (verifies, records, commits and tags); if they are broken, "
        f"release the next patch instead: invoke release {plan.package} --bump patch "
        f"--repository {target.name}"
        + (f" (the verification said: {exc.hint})" if exc.hint else "")
    )
    if isinstance(exc, CommandFailed):
        return CommandFailed(
            message, step="verify", returncode=exc.returncode, output=exc.output, hint=hint
        )
    return ReleaseError(message, hint=hint)


def _print_dry_run(
    repo: Repository,
    plan: ReleasePlan,
    options: ReleaseOptions,
    target: RepositoryConfig,
    progress: Progress,
) -> None:
    build = repo.config.build_dir / plan.package
    dist = repo.config.dist_dir / plan.package
    url = target.url or "http://127.0.0.1:PORT/"
    command = upload_command(target.with_urls(url, target.index_url or url), [dist / "*"])
    where = (
        "a token minted by trusted publishing right before it"
        if options.trusted_publishing
        else "credentials"
    )
    lines = [
        f"would assemble {build} and build {dist} at version {plan.version}",
        "would run twine check --strict and the test-install in a fresh venv",
        *(["would start the local index on a free port"] if target.url is None else []),
        "would upload: python " + " ".join(command[1:]) + f"  ({where} in its environment)",
        f"would install {plan.dist_name}=={plan.version} from the index into a fresh venv",
        f"would write {tracking_file(repo.config.state_dir, plan.package)} and the README table",
    ]
    if options.commit:
        lines.append(f"would commit '{release_subject(plan.package, plan.version)}'")
    lines.append(f"would tag {plan.tag}")
    if options.push:
        lines.append(
            f"would push the {'commit and ' if options.commit else ''}tag to {options.remote}"
        )
    for line in lines:
        progress(f"  dry run: {line}")


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


def split_names(names: Sequence[str]) -> list[str]:
    """Package names from arguments that may each hold several, separated by commas or
    spaces (``"a,b c"`` -> ``["a", "b", "c"]``), without duplicates, in order."""
    found: list[str] = []
    for argument in names:
        for name in argument.replace(",", " ").split():
            if name not in found:
                found.append(name)
    return found


def release(
    repo: Repository,
    names: Sequence[str],
    options: ReleaseOptions | None = None,
    *,
    progress: Progress = print,
) -> list[ReleaseResult]:
    """Release several packages, each independently.

    Args:
        repo: the repository.
        names: the packages (import or distribution names).
        options: how; the defaults (repository ``local``) when None.
        progress: called with one line per step.

    Returns:
        One result per package, in order; a failure is a result with ``status="failed"``
        and its error, and does not stop the others.

    Raises:
        ReleaseError: what stops every package: not a git repository, uncommitted
            changes, no git identity, an unknown repository, missing credentials (not
            in a dry run, nor with trusted publishing), trusted publishing to a
            repository without an upload URL, no package named.
        ConfigError: a malformed ``[tool.packyard.repositories]`` table or ``.pypirc``.
        CommandFailed: the local index did not start.
    """
    options = options or ReleaseOptions()
    wanted = split_names(names)
    if not wanted:
        raise ReleaseError("no package named", hint="invoke release NAME [NAME...]")
    unknown: dict[str, ReleaseResult] = {}
    for name in wanted:  # names first: an unknown one starts nothing
        try:
            package = repo.package(name).name
        except PackyardError as exc:
            unknown[name] = ReleaseResult(package=name, status="failed", error=exc)
            continue
        if not options.dry_run:
            release_state.recover(repo, package, progress)
    if len(unknown) == len(wanted):
        return [unknown[name] for name in wanted]
    check_work_tree(repo)
    if not options.dry_run:
        gitutil.check_identity(repo.config.root)
    target = get_repository(repo.config, options.repository, pypirc=options.pypirc)
    credentials = _credentials(target, options, progress)
    ordered = release_order(repo, wanted)
    if ordered != wanted:
        progress("order: " + ", ".join(ordered) + " (siblings first)")
    results: list[ReleaseResult] = []
    with _started(repo, target, options, progress) as live:
        for name in ordered:
            if name in unknown:
                results.append(unknown[name])
                continue
            results.append(
                release_package(
                    repo,
                    name,
                    options,
                    target=live,
                    credentials=credentials,
                    progress=progress,
                    earlier=list(results),
                )
            )
    return results


def _credentials(
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


@contextmanager
def _started(
    repo: Repository, target: RepositoryConfig, options: ReleaseOptions, progress: Progress
) -> Iterator[RepositoryConfig]:
    if not target.is_local or options.dry_run:
        yield target
        return
    with LocalIndex(repo.config.state_dir / "index") as index:
        progress(f"[index] local index on {index.url} (pid {index.pid})")
        yield target.with_urls(index.url, index.simple_url)


def error_text(result: ReleaseResult) -> str:
    """A failed result's whole error (:meth:`~packyard.errors.PackyardError.render`),
    led by the package's name unless the message starts with it already."""
    text = result.error.render() if result.error else "unknown error"
    return text if text.startswith(f"{result.package}:") else f"{result.package}: {text}"


def summary(results: Sequence[ReleaseResult], *, reasons: bool = True) -> str:
    """A plain-text summary: one line per package, failures with their reason (the first
    line of the message; without it when ``reasons`` is False, for a caller that prints
    :func:`error_text` after it)."""
    lines = []
    for r in results:
        version = r.plan.version if r.plan else ""
        if r.status == "released":
            line = f"released  {r.package} {version} ({r.seconds:.1f}s)"
        elif r.status == "planned":
            line = f"planned   {r.package} {version} (dry run: nothing changed)"
        elif r.status == "nothing":
            line = f"unchanged {r.package}: nothing to release"
        else:
            reason = (r.error.message if r.error else "unknown error").splitlines()[0]
            reason = reason.removeprefix(f"{r.package}: ")
            step = getattr(r.error, "step", None) or (r.steps[-1][0] if r.steps else None)
            line = f"FAILED    {r.package}" + (f" at {step}" if step else "")
            line += f": {reason}" if reasons else ""
        lines.append(line)
        lines.extend(f"  warning: {w}" for w in r.warnings)
    return "\n".join(lines)


def serve_local_index(repo: Repository, *, port: int | None, progress: Progress = print) -> None:
    """Serve the local repository (``.packyard/index/``) in the foreground until
    interrupted (Ctrl-C or SIGTERM), then stop the server by its PID.

    A project the folder does not hold (a third-party dependency) is redirected to the
    configured ``index-url``; a project it holds is served from the folder alone. So
    ``pip install --index-url http://127.0.0.1:PORT/simple/ NAME`` installs a package
    with its dependencies, and its own and its siblings' distributions never come from
    a public project of the same name.

    Args:
        repo: the repository.
        port: the TCP port on 127.0.0.1; a free one when None or 0.
        progress: receives the URL and the pip command that installs from it.

    Raises:
        CommandFailed: the server did not start (the port is taken...) or exited.
    """
    from packyard.release.readme_table import local_install_command

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    folder = repo.config.state_dir / "index"
    previous = signal.signal(signal.SIGTERM, interrupt)  # stop the server on SIGTERM too
    try:
        with LocalIndex(folder, port=port or None, fallback_url=repo.config.index_url) as index:
            progress(
                f"serving {folder} at {index.simple_url} (pid {index.pid}), other projects "
                f"from {repo.config.index_url}; Ctrl-C stops it"
            )
            assert index.port is not None
            progress(local_install_command("NAME", index.port))
            assert index.process is not None
            try:
                status = index.process.wait()
            except KeyboardInterrupt:
                return
            raise ReleaseError(f"the local index exited with status {status}")
    finally:
        signal.signal(signal.SIGTERM, previous)
