"""What a release of one package says besides its step lines: the dry run's list of what it
would do (:func:`print_dry_run`), and the errors for a version the index holds already
(:func:`used_up`) and for an upload that did not verify (:func:`verify_failed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from packaging.version import Version

from packyard.errors import CommandFailed, PackyardError, ReleaseError
from packyard.index.repository_config import RepositoryConfig
from packyard.release.planning import Progress, ReleaseOptions, ReleasePlan
from packyard.release.publish import upload_command
from packyard.repo import Repository
from packyard.versions.tracking import tracking_file
from packyard.versions.versioning import release_subject


def used_up(
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


def verify_failed(exc: PackyardError, plan: ReleasePlan, target: RepositoryConfig) -> PackyardError:
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


def print_dry_run(
    repo: Repository,
    plan: ReleasePlan,
    options: ReleaseOptions,
    target: RepositoryConfig,
    progress: Progress,
) -> None:
    """Report through ``progress`` what releasing ``plan`` would do, one ``  dry run: ...``
    line per step: assemble and build, check and test-install, start the local index (for
    ``local``), upload (the twine command), verify, record, commit, tag and push, as
    ``options`` and ``target`` say. Changes nothing.
    """
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
