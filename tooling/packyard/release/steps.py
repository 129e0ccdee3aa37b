"""Releasing one package, step by step (:func:`release_package`; each failure names its step):

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

The preconditions that hold for every package of a run are checked before
(:func:`packyard.release.pipeline.release`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from packaging.utils import canonicalize_name
from packaging.version import Version

from packyard import gitutil
from packyard.building.siblings import check_siblings, verify_requirements
from packyard.building.testinstall import format_timings, test_install
from packyard.errors import NothingToRelease, PackyardError, ReleaseError
from packyard.gates import release_gates, run_gates
from packyard.index.query import folder_files, project_files
from packyard.index.repository_config import Credentials, RepositoryConfig
from packyard.release import state as release_state
from packyard.release.messages import print_dry_run, used_up, verify_failed
from packyard.release.oidc import trusted_publishing_credentials
from packyard.release.planning import Progress, ReleaseOptions, ReleasePlan, plan_release
from packyard.release.publish import FileRecord, upload, verify_install, verify_on_index
from packyard.release.readme_table import check_markers, local_index_url
from packyard.repo import Repository

Status = Literal["released", "planned", "nothing", "failed"]


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
    """Release one package (the preconditions of
    :func:`packyard.release.pipeline.release` are already checked).

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
            raise used_up(plan, where, same, on_index, rebuilt=False)
        rebuild_to_compare = True
        progress(
            f"  {plan.dist_name} {plan.version} is on the index already: rebuilding it to "
            "compare (identical files are adopted, others refused)"
        )
    if on_index and on_index[-1] > Version(plan.version):
        progress(f"  warning: the index has a newer {plan.dist_name} {on_index[-1]}")
    needs = repo.sibling_requirements(plan.package)
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
        print_dry_run(repo, plan, options, target, progress)
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
            resolved = repo.resolve(plan.package, version=plan.version)
            report = test_install(resolved, progress=progress)
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
            raise used_up(plan, where, same, on_index, rebuilt=True)
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
            raise verify_failed(exc, plan, target) from None
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
