"""Releasing packages: a run of one or more, each from ``packages/NAME`` to a verified
upload, recorded in git (:func:`release`), and the run's summary (:func:`summary`).

Before the first package the run checks what holds for all of them
(:mod:`packyard.release.planning`): a git work tree without changes, a known repository,
credentials; for the repository ``local`` it starts the local index for the run
(:mod:`packyard.release.local_index`). Then it releases each package, siblings first, through
its steps (:mod:`packyard.release.steps`). Nothing is tagged, recorded, written
to the README or committed unless the upload succeeded and was verified. Packages are
independent: one failing does not stop or undo the others (but a package whose sibling
failed finds no version of it on the index, and says so). ``dry_run`` plans, asks the
index, prints every step and changes nothing; it needs no credentials.

Credentials reach only twine (and, for a private index that needs them to be read, the
index query and the verification install): every other child process runs without
them (:func:`packyard.building.venvs.clean_env`).
"""

from __future__ import annotations

from collections.abc import Sequence

from packyard import gitutil
from packyard.building.siblings import release_order
from packyard.errors import PackyardError, ReleaseError
from packyard.index.repositories import get_repository
from packyard.release import state as release_state
from packyard.release.local_index import started_index
from packyard.release.planning import Progress, ReleaseOptions, check_work_tree, run_credentials
from packyard.release.steps import ReleaseResult, release_package
from packyard.repo import Repository


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
    credentials = run_credentials(target, options, progress)
    ordered = release_order(repo, wanted)
    if ordered != wanted:
        progress("order: " + ", ".join(ordered) + " (siblings first)")
    results: list[ReleaseResult] = []
    with started_index(repo, target, options, progress) as live:
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
