"""``invoke list``: one row per package (form, version, last release, summary,
requirements, or the error of a broken one), and the text table of those rows.
"""

from __future__ import annotations

from typing import Any

from packyard.errors import ConfigError, InferenceError, PackageError
from packyard.fsutil import relative_path
from packyard.package.discovery import survey
from packyard.repo import Repository
from packyard.versions.tracking import UNRELEASED_LABEL, UNRELEASED_VERSION, latest_release


def list_packages(repo: Repository) -> list[dict[str, Any]]:
    """Every package with its form, version, last release, summary and requirements, and
    every broken entry with its error: one bad package never hides the others.

    Returns:
        One dict per package, sorted by name: ``name``, ``distribution``, ``form``
        (``module`` or ``folder``), ``path`` (relative to the root, POSIX), ``version``
        (the latest release, or ``0.0.0``), ``last_release`` (``{"version", "date",
        "repository", "tag"}`` or None), ``summary``, ``requirements`` (PEP 508 strings,
        optional ones with their ``extra`` marker) and ``error`` (None, or the rendered
        error of a package that cannot be read: a bad name, a syntax error...; then
        ``summary`` is empty and ``requirements`` too).

    Raises:
        PackageError, ConfigError: the packages folder is missing, or the configuration
            cannot be read.
    """
    rows = []
    root = repo.config.root
    found = survey(repo.config) if repo.config.packages_dir.is_dir() else None
    packages = found.packages if found else {}
    for entry in found.broken.values() if found else ():
        rows.append(
            {
                "name": entry.name,
                "distribution": None,
                "form": "broken",
                "path": relative_path(entry.path, root),
                "version": UNRELEASED_VERSION,
                "last_release": None,
                "summary": "",
                "requirements": [],
                "error": entry.error.render(),
            }
        )
    for name, package in packages.items():
        last = latest_release(repo.config.state_dir, name)
        row: dict[str, Any] = {
            "name": name,
            "distribution": package.dist_name,
            "form": package.form,
            "path": relative_path(package.path, root),
            "version": UNRELEASED_VERSION,  # until its source is read, below
            "last_release": None
            if last is None
            else {
                "version": str(last["version"]),
                "date": last.get("date"),
                "repository": last.get("repository"),
                "tag": last.get("tag"),
            },
            "summary": "",
            "requirements": [],
            "error": None,
        }
        try:
            row["version"] = repo.version(name)
            row["summary"] = repo.source(name).summary
            row["requirements"] = [r.pep508() for r in repo.inference(name).requirements]
        except (PackageError, InferenceError, ConfigError) as exc:
            row["form"] = "broken"
            row["error"] = exc.render()
        rows.append(row)
    return sorted(rows, key=lambda r: r["name"])


def format_list(rows: list[dict[str, Any]]) -> str:
    """The text table of :func:`list_packages` rows: one line per package, then its
    requirements (or, for a broken one, its error) indented below it; ends with a newline
    (empty for no rows). A version never released shows as ``unreleased``, as in the
    README table."""
    lines = []
    for row in rows:
        last = row["last_release"]
        released = "—" if last is None else str(last.get("date") or "")[:10] or last["version"]
        version = UNRELEASED_LABEL if last is None else row["version"]
        lines.append(
            f"{row['name']:<24} {version:<10} {row['form']:<7} {released:<10} {row['summary']}"
        )
        if row.get("error"):
            lines += [f"{'':<24} {line}" for line in row["error"].splitlines()]
        elif row["requirements"]:
            lines.append(f"{'':<24} requires: {', '.join(row['requirements'])}")
    return "\n".join(lines) + ("\n" if lines else "")
