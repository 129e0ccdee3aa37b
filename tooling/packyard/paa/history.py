"""A paa package's release history carried over: its tracking file staged with
:func:`packyard.versions.tracking.record_release`, the newest release recording the
destination's ``HEAD`` (:func:`base_commit`) so that the next release counts the import
commit as a change and continues the version line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packyard import gitutil
from packyard.errors import PackyardError
from packyard.paa import source as paa_source
from packyard.paa.report import PackageImport
from packyard.repo import Repository
from packyard.versions.tracking import record_release, tracking_file


def stage_history(
    config: paa_source.PaaConfig,
    name: str,
    state: Path,
    index_url: str,
    base: str | None,
    item: PackageImport,
) -> Path | None:
    """Write the package's tracking file under ``state`` with
    :func:`packyard.versions.tracking.record_release`; return it (None without history)."""
    history, problems = paa_source.read_history(config.root, name)
    item.not_carried += problems
    if not history:
        return None
    for number, release in enumerate(history):
        record: dict[str, Any] = {
            "version": release.version,
            "repository": "paa",
            "index_url": index_url,
            "files": [],
            "notes": [{"kind": "other", "description": note} for note in release.notes],
            "imported_from": "package-auto-assembler",
        }
        if release.date:
            record["date"] = release.date
        if base is not None and number == len(history) - 1:
            record["commit"] = base
        record_release(state, name, record)
        item.releases.append(release.version)
    noted = sum(1 for r in history if r.notes)
    item.carried.append(
        f"release history: {len(history)} version(s), {noted} with notes, last "
        f"{history[-1].version} (the next release continues after it)"
    )
    return tracking_file(state, name)


def base_commit(repo: Repository) -> str | None:
    """The full SHA-1 of the destination repository's ``HEAD``; None (not an error) when it
    has no commit yet or is not a git repository.
    """
    try:
        return gitutil.head(repo.config.root)
    except PackyardError:
        return None
