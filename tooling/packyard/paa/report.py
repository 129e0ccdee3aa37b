"""What ``invoke import-paa`` reports: per package, what was carried over, what not, what
needs a hand fix (``file:line``), stale sibling pins and lint findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from packyard.package.pins import excludes

#: How many lint findings the report shows per package.
MAX_LINT_SHOWN = 20


@dataclass
class PackageImport:
    """What the import did for one package.

    Attributes:
        name: the import name.
        files: the files written, relative to the package folder (POSIX), sorted.
        carried: what was carried over, one line each.
        not_carried: what could not be carried over (or needs a look), one line each.
        releases: the versions recorded, oldest first.
        lint: what the lint gate (ruff, with the settings packages have: see
            :mod:`packyard.gates.lint`) finds in the imported code, notebooks included,
            ``packages/NAME/FILE:LINE:COL: CODE message``; empty when it passes.
            ``invoke release`` stops at these until they are fixed.
        hand_fix: what the import could not rewrite, ``packages/NAME/FILE:LINE: what``
            (paths relative to the old repository root, imports it could not map).
        stale_pins: sibling requirements that exclude the sibling's version here, one
            line each (see :mod:`packyard.building.siblings`).
    """

    name: str
    files: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)
    lint: list[str] = field(default_factory=list)
    hand_fix: list[str] = field(default_factory=list)
    stale_pins: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What ``import-paa`` did.

    Attributes:
        source: the paa repository.
        packages: one entry per package imported.
        notes: repository-level findings (settings to add to the root ``pyproject.toml``).
        dry_run: nothing was written.
    """

    source: Path
    packages: list[PackageImport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def render(self) -> str:
        """The report as text, one section per package."""
        lines = [
            ("would import" if self.dry_run else "imported")
            + f" {len(self.packages)} package(s) from {self.source}"
        ]
        for item in self.packages:
            released = ""
            if len(item.releases) == 1:
                released = f", release {item.releases[0]}"
            elif item.releases:
                released = f", releases {item.releases[0]} .. {item.releases[-1]}"
            lines.append(f"\n{item.name}: {len(item.files)} file(s){released}")
            lines += [f"  carried: {c}" for c in item.carried]
            lines += [f"  NOT CARRIED: {n}" for n in item.not_carried]
            if item.stale_pins:
                lines.append(
                    f"  STALE SIBLING PIN(S) ({len(item.stale_pins)}): test-install installs "
                    "these as pinned from the index, not from this repository's code"
                )
                lines += [f"  stale pin: {pin}" for pin in item.stale_pins]
            if item.hand_fix:
                lines.append(f"  needs a hand fix ({len(item.hand_fix)}):")
                lines += [f"    {entry}" for entry in item.hand_fix]
            if item.lint:
                lines.append(
                    f"  WARNING: the imported code fails the lint gate ({len(item.lint)} "
                    f"finding(s)): invoke release stops there; fix them (ruff check --fix "
                    f"packages/{item.name} fixes some) or release with --skip-gates"
                )
                lines += [f"  lint: {finding}" for finding in item.lint[:MAX_LINT_SHOWN]]
                if len(item.lint) > MAX_LINT_SHOWN:
                    lines.append(
                        f"  lint: ... and {len(item.lint) - MAX_LINT_SHOWN} more "
                        f"(nox -s lint-{item.name} lists them all)"
                    )
        if self.notes:
            lines.append("")
            lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def stale_pin_lines(project: dict[str, Any], siblings: dict[str, str], where: str) -> list[str]:
    """The sibling requirements of an imported package that exclude the sibling's
    version in the repository (stale pins, see :mod:`packyard.building.siblings`), one report line
    each.

    Args:
        project: the package's partial ``[project]`` table as written.
        siblings: PEP 503 name -> version here of every sibling (packages already in the
            repository and those imported with it).
        where: the file the pins are in, for the line.

    >>> [line] = stale_pin_lines(
    ...     {"dependencies": ["store-db==0.1.1", "x>=1"]}, {"store-db": "0.3.0"}, "f"
    ... )
    >>> line.split(" here:")[0]
    'store-db==0.1.1 (f) excludes store-db 0.3.0'
    """
    texts = list(project.get("dependencies") or [])
    for listed in dict(project.get("optional-dependencies") or {}).values():
        texts += list(listed)
    lines = []
    for text in dict.fromkeys(texts):
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        version = siblings.get(canonicalize_name(requirement.name))
        if version is None or not excludes(requirement, version):
            continue
        lines.append(
            f"{requirement} ({where}) excludes {requirement.name} {version} here: test-install "
            "installs it as pinned from the index, not from this repository; update the pin "
            f"to test the repository's code (e.g. {requirement.name}>={version})"
        )
    return lines


__all__ = ["ImportReport", "PackageImport", "stale_pin_lines"]
