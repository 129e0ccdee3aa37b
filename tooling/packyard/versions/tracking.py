"""Release tracking: which versions of a package have been released.

Each package has its own file, ``.packyard/releases/NAME.json`` (NAME the import name), so
that several packages can be released at once without two jobs writing the same file.
Until a package has a release, its version is :data:`UNRELEASED_VERSION`.

Layout (schema 1; keys sorted, two-space indent, written atomically)::

    {
      "package": "my_tool",
      "releases": [                       # oldest first
        {
          "commit": "<sha1 of the released source>",
          "date": "2025-01-31T12:00:00+00:00",   # UTC, ISO 8601
          "files": [{"filename": "...", "sha256": "...", "size": 1234}],
          "index_url": "https://pypi.org/simple/",
          "notes": [{"commit": "<short sha1>", "description": "...", "kind": "fix"}],
          "repository": "pypi",
          "tag": "my_tool-v0.1.0",
          "version": "0.1.0"
        }
      ],
      "schema": 1
    }
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from packyard.errors import ConfigError
from packyard.fsutil import write_text_atomic

#: The version a package builds with before its first release (the only place it is set).
UNRELEASED_VERSION = "0.0.0"
#: What listings show for a package with no release (``invoke list``, the README table).
UNRELEASED_LABEL = "unreleased"
#: Schema version of the tracking files.
SCHEMA = 1


def tracking_file(state_dir: Path, name: str) -> Path:
    """Return the path of a package's tracking file under ``state_dir`` (``.packyard``)."""
    return state_dir / "releases" / f"{name}.json"


def read_tracking(state_dir: Path, name: str) -> dict[str, Any]:
    """Read a package's tracking file; an empty record when there is none.

    Returns:
        ``{"schema": 1, "package": NAME, "releases": [...]}``, releases oldest first.

    Raises:
        ConfigError: the file is not valid JSON or has an unknown schema.
    """
    path = tracking_file(state_dir, name)
    if not path.is_file():
        return {"schema": SCHEMA, "package": name, "releases": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the tracking file: {exc}", path=path) from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema != SCHEMA:
        raise ConfigError(
            f"unknown tracking-file schema {schema!r}",
            path=path,
            hint=f"this packyard reads schema {SCHEMA}",
        )
    return data


def released_versions(state_dir: Path, name: str) -> list[Version]:
    """The versions recorded as released, sorted ascending (PEP 440 ordering).

    Raises:
        ConfigError: the tracking file is malformed or holds an invalid version.
    """
    data = read_tracking(state_dir, name)
    versions = []
    for release in data.get("releases", []):
        try:
            versions.append(Version(str(release["version"])))
        except (KeyError, TypeError, InvalidVersion):
            raise ConfigError(
                f"a release without a valid PEP 440 version: {release!r}",
                path=tracking_file(state_dir, name),
            ) from None
    return sorted(versions)


def current_version(state_dir: Path, name: str) -> str:
    """The version a package builds with now: its latest release, or
    :data:`UNRELEASED_VERSION` when it has none."""
    versions = released_versions(state_dir, name)
    return str(versions[-1]) if versions else UNRELEASED_VERSION


def releases(state_dir: Path, name: str) -> list[dict[str, Any]]:
    """The release records of a package, oldest first (PEP 440 order).

    Raises:
        ConfigError: the tracking file is malformed.
    """
    released_versions(state_dir, name)  # validates every version
    return sorted(
        read_tracking(state_dir, name).get("releases", []),
        key=lambda r: Version(str(r["version"])),
    )


def latest_release(state_dir: Path, name: str) -> dict[str, Any] | None:
    """The newest release record of a package, or None before its first release."""
    found = releases(state_dir, name)
    return found[-1] if found else None


def record_release(state_dir: Path, name: str, release: dict[str, Any]) -> Path:
    """Add one release to a package's tracking file, atomically.

    The file is written to a temporary file beside it and renamed over it, so a reader
    sees either the old or the new content, never a part.

    Args:
        state_dir: the ``.packyard`` folder.
        name: the package's import name.
        release: the record (see the module docstring); must hold a ``version``.

    Returns:
        The tracking file's path.

    Raises:
        ConfigError: the existing file is malformed, the version is invalid, or the
            version is recorded already.
    """
    path = tracking_file(state_dir, name)
    data = read_tracking(state_dir, name)
    try:
        version = Version(str(release["version"]))
    except (KeyError, InvalidVersion):
        raise ConfigError(f"cannot record a release without a valid version: {release!r}") from None
    existing = released_versions(state_dir, name)
    if version in existing:
        raise ConfigError(
            f"version {version} of {name} is recorded already",
            path=path,
            hint="a released version is never reused; release a newer one",
        )
    data["releases"] = sorted(
        [*data.get("releases", []), release], key=lambda r: Version(str(r["version"]))
    )
    data["schema"] = SCHEMA
    data["package"] = name
    write_json_atomic(path, data)
    return path


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON (sorted keys, two-space indent, final newline) to ``path``
    through a temporary file in the same folder and ``os.replace``."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_text_atomic(path, text, mode=0o644)


def with_changelog(
    description: str,
    state_dir: Path,
    name: str,
    version: str,
    *,
    pending: dict[str, Any] | None = None,
    rst: bool = False,
) -> str:
    """A long description with a ``## Changelog`` section appended: the recorded releases
    up to ``version`` and, when ``pending`` is the release of ``version`` being built, its
    notes too. Unchanged when there is nothing to list (an unreleased package).

    Args:
        description: the package's long description (Markdown).
        state_dir: the ``.packyard`` folder.
        name: the package's import name.
        version: the PEP 440 version being built.
        pending: ``{"version", "date", "notes"}`` of a release not yet recorded.
        rst: the description is reStructuredText: the section is written in RST too.

    Raises:
        ConfigError: the tracking file is malformed.
    """
    from packyard.versions.versioning import changelog_markdown

    target = Version(version)
    records = [r for r in releases(state_dir, name) if Version(str(r["version"])) <= target]
    if pending and Version(str(pending["version"])) == target:
        records = [r for r in records if Version(str(r["version"])) != target] + [pending]
    if not records:
        return description
    changelog = changelog_markdown(records)
    if rst:
        from packyard.package.longdesc import changelog_as_rst

        changelog = changelog_as_rst(changelog)
    return description.rstrip("\n") + "\n" + changelog
