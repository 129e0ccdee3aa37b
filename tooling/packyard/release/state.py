"""A release as a transaction that a re-run completes.

A release changes three places that cannot be changed together: the index (an upload
cannot be taken back), git (the tracking file, the README table, the release commit and
its tag) and the work tree. So :mod:`packyard.release.steps` writes down what it is about to
upload before the upload, and the next ``invoke release NAME`` finishes whatever an
interruption (a crash, ``kill -9``, a failing hook) left half done:

- the **intent** ``.packyard/pending/NAME.json`` (git-ignored, written atomically) holds
  the version, the target repository, the source commit, the release notes and the file
  name, size and sha256 of the sdist and wheel, before ``twine upload`` runs; it is
  removed once the release is tagged;
- files on the index for a version that match the intent (same names, same sha256), or,
  with no intent (a CI runner that is gone), match a rebuild at that version, are
  **adopted**: uploaded again only where missing (builds are reproducible: a rebuild at
  that version gives the same bytes, which is checked), verified by an install from the
  index, then recorded, committed and tagged. A file on the index that neither the
  intent nor the rebuild holds is still refused: a version someone else uploaded is never reused;
- a tracking file or README table changed but not committed by an interrupted record
  step is **rolled back** to ``HEAD`` (the release then completes by adoption);
- a release commit ``release(NAME): vX.Y.Z`` of the intent's version without its tag
  **gets its tag**;
- a failing ``git commit`` or ``git tag`` (a hook, a refused tag) during the record step
  leaves the work tree, the git index and ``HEAD`` as they were before that step
  (:func:`record_transaction`).

Every recovery prints one line saying what it found and what it did.

:func:`kill_point` is a testing hook: with ``PACKYARD_TEST_KILL_AT=STEP`` in the
environment the process kills itself with SIGKILL at that step boundary, so a test can
interrupt a release at an exact moment.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from packyard import gitutil
from packyard.errors import ConfigError, PackyardError, ReleaseError
from packyard.fsutil import write_text_atomic
from packyard.index.query import IndexFile
from packyard.release.publish import FileRecord
from packyard.release.readme_table import update_readme
from packyard.repo import Repository
from packyard.versions.tracking import record_release, releases, tracking_file
from packyard.versions.versioning import Level, next_version, release_subject

Progress = Callable[[str], None]

#: Schema version of the intent files.
INTENT_SCHEMA = 1
#: The environment variable naming the step boundary :func:`kill_point` dies at.
KILL_VARIABLE = "PACKYARD_TEST_KILL_AT"


def kill_point(step: str) -> None:
    """Testing hook: kill this process with SIGKILL when ``$PACKYARD_TEST_KILL_AT`` is
    ``step`` (a step boundary of a release: ``intent``, ``uploaded``, ``verified``,
    ``tracking``, ``readme``, ``committed``, ``tagged``). Does nothing otherwise."""
    if os.environ.get(KILL_VARIABLE) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def intent_file(state_dir: Path, name: str) -> Path:
    """The intent of a package's release in progress: ``STATE_DIR/pending/NAME.json``."""
    return state_dir / "pending" / f"{name}.json"


def write_intent(state_dir: Path, name: str, intent: dict[str, Any]) -> Path:
    """Write the intent of a release atomically (temporary file, then ``os.replace``).

    Args:
        state_dir: the ``.packyard`` folder.
        name: the package's import name.
        intent: ``{"version", "repository", "commit", "date", "notes", "files"}``, files
            as ``[{"filename", "sha256", "size"}]`` (size in bytes).

    Returns:
        The intent file's path.
    """
    path = intent_file(state_dir, name)
    data = {"schema": INTENT_SCHEMA, "package": name, **intent}
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode=0o644)
    return path


def read_intent(state_dir: Path, name: str) -> dict[str, Any] | None:
    """The intent of a package's release in progress, or None when there is none.

    Raises:
        ConfigError: the file is not JSON, has an unknown schema or no valid version.
    """
    path = intent_file(state_dir, name)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        Version(str(data["version"]))
        ok = data.get("schema") == INTENT_SCHEMA and isinstance(data.get("files"), list)
    except (OSError, ValueError, KeyError, TypeError, InvalidVersion, AttributeError):
        ok = False
    if not ok:
        raise ConfigError(
            "cannot read the intent of an interrupted release",
            path=path,
            hint="delete it if nothing of that release reached the index; otherwise "
            "release that version by hand",
        )
    return data


def clear_intent(state_dir: Path, name: str) -> None:
    """Remove a package's intent (its release is recorded and tagged, or abandoned)."""
    intent_file(state_dir, name).unlink(missing_ok=True)


def _rel(root: Path, path: Path) -> str:
    top = gitutil.toplevel(root)
    return Path(os.path.relpath(path.resolve(), top)).as_posix()


def _restore(root: Path, commit: str, paths: Sequence[Path]) -> None:
    """Put ``paths`` back as they are in ``commit``, in the git index and the work tree
    (a path ``commit`` does not hold is removed)."""
    for path in paths:
        relative = _rel(root, path)
        gitutil.git(root, "reset", "--quiet", commit, "--", relative)
        if gitutil.git(root, "ls-tree", "--name-only", commit, "--", relative).strip():
            gitutil.git(root, "checkout", commit, "--", relative)
        else:
            path.unlink(missing_ok=True)


def record_transaction(
    repo: Repository,
    *,
    package: str,
    dist_name: str,
    version: str,
    tag: str,
    record: dict[str, Any],
    commit: bool,
) -> None:
    """The record step, all or nothing: add ``record`` to the tracking file, regenerate
    the README table, commit both as ``release(NAME): vX.Y.Z`` (when ``commit``), tag,
    then remove the intent.

    Args:
        repo: the repository.
        package: the import name.
        dist_name: the distribution name (the tag's message).
        version: the PEP 440 version.
        tag: the tag ``NAME-vX.Y.Z``.
        record: the tracking-file record (see :mod:`packyard.versions.tracking`).
        commit: commit the tracking file and README (else tag ``HEAD``, leave them changed).

    Raises:
        ReleaseError: a step failed (a hook refused the commit, the tag was refused...):
            ``HEAD``, the git index, the tracking file and the README are back as before
            the step and the intent is kept, so a re-run adopts the files on the index.
    """
    root = repo.config.root
    before = gitutil.head(root)
    readme = root / "README.md"
    tracking = tracking_file(repo.config.state_dir, package)
    try:
        record_release(repo.config.state_dir, package, record)
        kill_point("tracking")
        update_readme(repo, readme=readme)
        kill_point("readme")
        if commit:
            gitutil.commit_paths(root, [tracking, readme], release_subject(package, version))
            kill_point("committed")
        gitutil.create_tag(root, tag, f"{dist_name} {version}")
        kill_point("tagged")
    except PackyardError as exc:
        if gitutil.head(root) != before:
            gitutil.git(root, "reset", "--soft", "--quiet", before)
        _restore(root, before, [tracking, readme])
        raise ReleaseError(
            f"{dist_name} {version} is uploaded and verified, but recording it failed: "
            f"{exc.message}; the tracking file, README and git are as they were before",
            hint=f"fix the cause ({exc.hint or 'see above'}), then run invoke release "
            f"{package} again: it finds the files on the index and completes the release",
        ) from exc
    clear_intent(repo.config.state_dir, package)


def _release_commit(root: Path, package: str, version: str) -> str | None:
    """The newest commit whose subject is ``release(NAME): vX.Y.Z``, or None."""
    subject = release_subject(package, version)
    out = gitutil.git(root, "log", "--format=%H %s", "--fixed-strings", f"--grep={subject}", "HEAD")
    for line in out.splitlines():
        sha, _, found = line.partition(" ")
        if found == subject:
            return sha
    return None


def recover(repo: Repository, package: str, progress: Progress) -> None:
    """Finish or undo what an interrupted release of ``package`` left in git and the work
    tree (run before the work tree is checked for changes):

    - an intent whose version is tagged (the record step's last step) is removed;
    - with an intent left: a tracking file or README changed since ``HEAD`` (an
      interrupted record step) is restored from ``HEAD``;
    - the intent's version recorded by a release commit without its tag: that commit is
      tagged, and the intent removed (without an intent nothing is tagged: a clone that
      lacks the tags is not an interrupted release).

    Args:
        repo: the repository.
        package: the import name.
        progress: receives one line per recovery: what it found, what it did.

    Raises:
        ConfigError: the intent or tracking file is malformed.
        CommandFailed: git refused a step.
    """
    root = repo.config.root
    state_dir = repo.config.state_dir
    gitutil.toplevel(root)  # a clear error outside a git work tree
    intent = read_intent(state_dir, package)
    tracking = tracking_file(state_dir, package)
    readme = root / "README.md"
    if intent is not None and _tagged(root, package, str(intent["version"])):
        # Tagged is the last step (with --no-commit the record stays uncommitted).
        clear_intent(state_dir, package)
        progress(
            f"[recover] {package} {intent['version']} is tagged: its release is complete, "
            "removed its intent"
        )
        return
    if intent is None:
        return
    wanted = {_rel(root, tracking), _rel(root, readme)}
    dirty = [p for p in gitutil.dirty_paths(root) if p in wanted]
    if dirty:
        _restore(root, "HEAD", [tracking, readme])
        progress(
            f"[recover] {', '.join(dirty)} changed by an interrupted record of "
            f"{package} {intent['version']}: restored from HEAD"
        )
    version = str(intent["version"])
    if any(Version(str(r["version"])) == Version(version) for r in releases(state_dir, package)):
        # Recorded and committed, not tagged: killed inside or right after git commit.
        # (Only with the intent: a clone that merely lacks the tags is not retagged.)
        sha = _release_commit(root, package, version)
        if sha is not None:
            tag = f"{package}-v{version}"
            dist_name = repo.package(package).dist_name
            gitutil.create_tag(root, tag, f"{dist_name} {version}", sha)
            clear_intent(state_dir, package)
            progress(
                f"[recover] the release commit {sha[:12]} of {package} {version} has no tag: "
                f"tagged it {tag}, removed its intent"
            )


def _tagged(root: Path, package: str, version: str) -> bool:
    return gitutil.resolve(root, f"refs/tags/{package}-v{version}") is not None


def adoptable(
    intent: dict[str, Any] | None, repository: str, files: Sequence[IndexFile]
) -> list[dict[str, Any]] | None:
    """Whether the index holds files of the interrupted release ``intent`` describes,
    and only files it uploaded: each file of the intent's version on the index has a
    name and sha256 the intent records.

    Args:
        intent: the intent (:func:`read_intent`), or None.
        repository: the target repository's name.
        files: the project's files on the index (all versions).

    Returns:
        The intent's file records (``{"filename", "sha256", "size"}``) when the index has
        files of its version and every one matches; None when there is no intent for this
        repository, the index has no file of its version, or a file differs (it was not
        uploaded by that release: the version stays refused).
    """
    if intent is None or intent.get("repository") != repository:
        return None
    version = Version(str(intent["version"]))
    found = [f for f in files if f.version == version]
    recorded = {str(f["filename"]): str(f["sha256"]) for f in intent["files"]}
    if not found or any(recorded.get(f.filename) != f.sha256 for f in found):
        return None
    return list(intent["files"])


def matching_rebuild(
    files: Sequence[IndexFile], version: str, rebuilt: Sequence[FileRecord]
) -> list[dict[str, Any]] | None:
    """Whether the files the index holds for ``version`` are byte for byte the ones just
    built (builds are reproducible, so a release interrupted where its intent was lost,
    on a CI runner that is gone, is recognised by a rebuild).

    Args:
        files: the project's files on the index (all versions).
        version: the version built.
        rebuilt: the files just built at ``version``.

    Returns:
        The built files' records when the index has files of ``version``, each with a
        sha256 equal to the built file of its name; None otherwise.
    """
    built = {r.filename: r.sha256 for r in rebuilt}
    found = [f for f in files if f.version == Version(version)]
    if not found or any(not f.sha256 or built.get(f.filename) != f.sha256 for f in found):
        return None
    return [r.to_json() for r in rebuilt]


def check_rebuild(
    adopted: Sequence[dict[str, Any]], rebuilt: Sequence[FileRecord], *, package: str
) -> None:
    """Check that a rebuild gave the bytes an interrupted release recorded (builds are
    reproducible), before uploading the files that did not reach the index.

    Args:
        adopted: the intent's file records (:func:`adoptable`).
        rebuilt: the files just built.
        package: the import name, for the hint.

    Raises:
        ReleaseError: a rebuilt file's sha256 differs from the recorded one.
    """
    recorded = {str(f["filename"]): str(f["sha256"]) for f in adopted}
    for record in rebuilt:
        if recorded.get(record.filename, record.sha256) != record.sha256:
            raise ReleaseError(
                f"the rebuild of {record.filename} has sha256 {record.sha256}, not the "
                f"{recorded[record.filename]} the interrupted release recorded",
                hint="the build is not reproducible here; release a newer version: "
                f"invoke release {package} --bump patch",
            )


def version_past_index(chosen: str, bump: Level | None, on_index: Sequence[Version]) -> str:
    """The version a ``--bump`` picks when the index already holds the planned one or a
    newer one (a version used up by a release that was never recorded): the bump of the
    newest version on the index; ``chosen`` otherwise, or without ``bump``.

    >>> version_past_index("0.1.0", "patch", [Version("0.1.0")])
    '0.1.1'
    >>> version_past_index("0.2.0", "minor", [Version("0.1.0")])
    '0.2.0'
    """
    if bump is None or not on_index or max(on_index) < Version(chosen):
        return chosen
    return next_version(max(on_index), bump)
