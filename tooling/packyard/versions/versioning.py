"""Versions and release notes from commit messages.

Two message forms are understood:

- Conventional Commits: ``type(scope)!: description`` with an optional body and footers.
  ``fix`` is a patch, ``feat`` a minor change, ``!`` after the type or scope, or a
  ``BREAKING CHANGE:`` footer, a major one; every other type (``docs``, ``perf``,
  ``refactor``...) is a patch. The scope may list several packages: ``fix(a,b): ...``.
- The bracket form: ``[NAME] change one; change two`` (a patch), ``[NAME][minor] ...``,
  ``[NAME][major] ...``; several packages may be named: ``[a][b] ...``. Each
  ``;``-separated part is one change.

A message in neither form is one change of kind ``other`` (a patch). Every change that
reaches a package bumps it at least by a patch: its files changed, so they ship in a new
version.

>>> changes = parse_message("feat(confstack)!: drop Python 3.9\\n\\nBody.")
>>> [(c.kind, c.level, c.scopes, c.description) for c in changes]
[('breaking', 'major', ('confstack',), 'drop Python 3.9')]
>>> [(c.level, c.description) for c in parse_message("[kit][minor] add x; fix y")]
[('minor', 'add x'), ('minor', 'fix y')]
>>> next_version("1.4.2", "minor")
'1.5.0'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from packaging.version import InvalidVersion, Version

from packyard.errors import ReleaseError

Level = Literal["patch", "minor", "major"]
LEVELS: tuple[Level, ...] = ("patch", "minor", "major")

_CONVENTIONAL = re.compile(
    r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()]*)\))?(?P<bang>!)?:\s*(?P<description>\S.*)$"
)
_BRACKETS = re.compile(r"^(?P<groups>(?:\[[^\[\]]+\]\s*)+)(?P<rest>.*)$")
_BREAKING_FOOTER = re.compile(r"^BREAKING[ -]CHANGE:\s*(?P<text>.*)$", re.MULTILINE)

#: The subject of the commit that records a release (see :mod:`packyard.release.steps`).
RELEASE_COMMIT = re.compile(r"^release\((?P<name>[^()]*)\): v(?P<version>\S+)")


def release_subject(name: str, version: str) -> str:
    """The message of a release commit: ``release(NAME): vX.Y.Z``."""
    return f"release({name}): v{version}"


#: Release-note groups, in the order they are shown: kind -> heading.
GROUPS: dict[str, str] = {
    "breaking": "Breaking changes",
    "feat": "Features",
    "fix": "Fixes",
    "perf": "Performance",
    "other": "Other changes",
}


@dataclass(frozen=True)
class Change:
    """One change described by a commit message.

    Attributes:
        kind: the release-note group: ``breaking``, ``feat``, ``fix``, ``perf`` or
            ``other`` (see :data:`GROUPS`).
        level: how much it bumps the version: ``patch``, ``minor`` or ``major``.
        description: one line for the release notes.
        scopes: the package names the message names (empty when it names none).
        commit: the commit's full SHA-1, when known.
    """

    kind: str
    level: Level
    description: str
    scopes: tuple[str, ...] = ()
    commit: str = ""

    def note(self) -> dict[str, str]:
        """The change as a release-note entry for the tracking file:
        ``{"kind", "description", "commit"}`` (commit shortened to 10 hex digits)."""
        return {"kind": self.kind, "description": self.description, "commit": self.commit[:10]}


def parse_message(message: str, *, commit: str = "") -> list[Change]:
    """Parse a commit message into its changes.

    Args:
        message: the whole message (subject, body, footers).
        commit: the commit's SHA-1, copied into each change.

    Returns:
        One change for a Conventional Commit or a message in no known form, one per
        ``;``-separated part for the bracket form. Empty for an empty message.
    """
    lines = message.strip().splitlines()
    if not lines:
        return []
    subject = lines[0].strip()
    body = "\n".join(lines[1:])
    footer_breaking = _BREAKING_FOOTER.search(body) is not None

    bracket = _BRACKETS.match(subject)
    if bracket:
        words = re.findall(r"\[([^\[\]]+)\]", bracket.group("groups"))
        level: Level = "patch"
        scopes: list[str] = []
        for word in (w.strip() for w in words):
            if word.lower() in LEVELS:
                level = word.lower()  # type: ignore[assignment]
            else:
                scopes.append(word)
        if footer_breaking:
            level = "major"
        kind = {"major": "breaking", "minor": "feat", "patch": "other"}[level]
        parts = [p.strip() for p in bracket.group("rest").split(";") if p.strip()]
        return [Change(kind, level, part, tuple(scopes), commit) for part in parts or [subject]]

    conventional = _CONVENTIONAL.match(subject)
    if conventional:
        type_ = conventional.group("type").lower()
        scope_text = conventional.group("scope") or ""
        scopes = [s.strip() for s in re.split(r"[,\s]+", scope_text) if s.strip()]
        breaking = bool(conventional.group("bang")) or footer_breaking
        if breaking:
            level, kind = "major", "breaking"
        elif type_ == "feat":
            level, kind = "minor", "feat"
        else:
            level, kind = "patch", (type_ if type_ in ("fix", "perf") else "other")
        return [Change(kind, level, conventional.group("description"), tuple(scopes), commit)]
    return [Change("other", "patch", subject, (), commit)]


def changes_for(
    message: str, package: str, *, touches_files: bool, commit: str = ""
) -> list[Change]:
    """The changes a commit brings to one package.

    A commit reaches a package when its message names the package (a scope or a bracket,
    compared after PEP 503 normalization, so ``my_tool`` and ``my-tool`` match) or when it
    changes the package's files. A message naming several packages contributes its
    changes to each of them. Release commits (``release(NAME): vX.Y.Z``) reach none.

    Args:
        message: the commit message.
        package: the package's import name.
        touches_files: whether the commit changes the package's files.
        commit: the commit's SHA-1.

    Returns:
        The changes, empty when the commit does not reach the package.
    """
    if RELEASE_COMMIT.match(message):
        return []
    changes = parse_message(message, commit=commit)
    wanted = _normal(package)
    named = [c for c in changes if any(_normal(s) == wanted for s in c.scopes)]
    if named:
        return named
    return changes if touches_files else []


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def bump_level(changes: Iterable[Change]) -> Level | None:
    """The largest level among ``changes``; None when there are none."""
    levels = [LEVELS.index(c.level) for c in changes]
    return LEVELS[max(levels)] if levels else None


def parse_version(text: str, *, what: str = "version") -> Version:
    """Parse a PEP 440 version.

    Raises:
        ReleaseError: ``text`` is not a valid PEP 440 version.
    """
    try:
        return Version(text)
    except InvalidVersion:
        raise ReleaseError(
            f"{what} {text!r} is not a valid PEP 440 version",
            hint="use a version such as 1.2.3",
        ) from None


def next_version(latest: str | Version, level: Level) -> str:
    """Bump ``latest`` by ``level``.

    A pre-release is finished by a patch bump (``1.0.0rc1`` -> ``1.0.0``); otherwise the
    release segment is padded to three numbers and bumped, and pre/post/dev parts dropped.

    >>> next_version("0.1.0", "patch"), next_version("0.1.9", "minor"), next_version("2", "major")
    ('0.1.1', '0.2.0', '3.0.0')
    >>> next_version("1.0.0rc1", "patch")
    '1.0.0'
    """
    version = latest if isinstance(latest, Version) else parse_version(str(latest))
    major, minor, patch = (*version.release, 0, 0)[:3]
    if version.is_prerelease and level == "patch":
        return ".".join(str(n) for n in (major, minor, patch))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def render_notes(notes: Sequence[dict[str, Any]], *, heading_level: int = 3) -> str:
    """Render release-note entries as Markdown grouped by kind (see :data:`GROUPS`).

    Args:
        notes: entries ``{"kind", "description", "commit"}`` as stored in tracking files.
        heading_level: the Markdown heading level of the group titles.

    Returns:
        Markdown text ending in a newline; empty for no notes.

    >>> print(render_notes([{"kind": "fix", "description": "x", "commit": "abc"}]), end="")
    ### Fixes
    <BLANKLINE>
    - x (abc)
    """
    blocks = []
    for kind, title in GROUPS.items():
        entries = [n for n in notes if _group(n) == kind]
        if not entries:
            continue
        lines = [f"{'#' * heading_level} {title}", ""]
        for entry in entries:
            commit = f" ({entry['commit']})" if entry.get("commit") else ""
            lines.append(f"- {entry['description']}{commit}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _group(note: dict[str, Any]) -> str:
    kind = str(note.get("kind", "other"))
    return kind if kind in GROUPS else "other"


def changelog_markdown(releases: Sequence[dict[str, Any]]) -> str:
    """A ``## Changelog`` section for a long description: the releases newest first, each
    with its notes grouped by kind.

    Args:
        releases: release records ``{"version", "date", "notes"}``, in any order.

    Returns:
        Markdown text starting with a blank line; empty when there are no releases.
    """
    if not releases:
        return ""
    ordered = sorted(releases, key=lambda r: Version(str(r["version"])), reverse=True)
    parts = ["", "## Changelog", ""]
    for release in ordered:
        date = str(release.get("date", ""))[:10]
        parts.append(f"### {release['version']}" + (f" ({date})" if date else ""))
        parts.append("")
        notes = render_notes(release.get("notes", []), heading_level=4)
        parts.append(notes.rstrip("\n") if notes else "No recorded changes.")
        parts.append("")
    return "\n".join(parts)
