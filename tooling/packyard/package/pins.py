"""Sibling pins: a package's requirements on its siblings, and the ones that exclude the
repository's version of the sibling (stale pins: such a sibling installs as pinned, from the
index). PEP 508 requirements, PEP 440 versions, PEP 503 names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version


@dataclass(frozen=True)
class StalePin:
    """A sibling requirement that excludes the repository's version of the sibling.

    Attributes:
        package: the import name of the package that has the requirement.
        requirement: the requirement as the metadata states it (``store-db==0.1.1``).
        sibling: the sibling's import name.
        version: the sibling's version in the repository (PEP 440).
        where: where the pin is written (the package's ``pyproject.toml``, its PEP 723
            block or its source), for the hint.
    """

    package: str
    requirement: Requirement
    sibling: str
    version: str
    where: str

    def message(self, index_url: str) -> str:
        """The warning: the pin, the repository's version, where the sibling comes from
        and how to update the pin."""
        name = self.requirement.name
        return (
            f"{self.package} pins its sibling {self.requirement}, which excludes the "
            f"repository's {name} {self.version}: {name} is installed as pinned from "
            f"{index_url}, not built from the repository; to test against the repository's "
            f"code, update the pin in {self.where} (e.g. {name}>={self.version})"
        )


def excludes(requirement: Requirement, version: str) -> bool:
    """Whether ``requirement``'s specifier excludes ``version`` (pre-releases count as
    any version: the repository's version is what it is).

    >>> excludes(Requirement("store-db==0.1.1"), "0.3.0"), excludes(Requirement("s>=0.1"), "0.3")
    (True, False)
    """
    try:
        return not requirement.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def sibling_requirements_in(
    project: dict[str, Any], siblings: Iterable[str], own: str
) -> list[Requirement]:
    """The PEP 508 requirements on sibling distributions in a PEP 621 ``[project]``
    table: its dependencies and every extra's, one per distribution, sorted by name.

    Args:
        project: the table.
        siblings: the distribution names of the repository's packages.
        own: the package's own distribution name (never its own sibling).
    """
    names = {canonicalize_name(s) for s in siblings} - {canonicalize_name(own)}
    texts = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        texts += list(extra)
    found: dict[str, Requirement] = {}
    for text in texts:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue  # the build reports it
        key = canonicalize_name(requirement.name)
        if key in names:
            found.setdefault(key, requirement)
    return [found[k] for k in sorted(found)]


def stale_pins_in(
    package: str,
    requirements: Iterable[Requirement],
    repository_version: Callable[[str], tuple[str, str]],
    where: str,
) -> list[StalePin]:
    """The sibling ``requirements`` of ``package`` that exclude the repository's version.

    Args:
        package: the import name.
        requirements: its requirements on siblings (:func:`sibling_requirements_in`).
        repository_version: a sibling's distribution name -> (import name, PEP 440
            version in the repository).
        where: the file the pins are written in, for the hint.
    """
    found = []
    for requirement in requirements:
        sibling, version = repository_version(requirement.name)
        if excludes(requirement, version):
            found.append(StalePin(package, requirement, sibling, version, where))
    return found


def without_stale(
    package: str, order: Sequence[str], pins_of: Callable[[str], list[StalePin]]
) -> tuple[list[str], list[StalePin]]:
    """The siblings a package gets from the repository's code, and the stale pins whose
    siblings come from the index as pinned instead.

    Args:
        package: the package's import name.
        order: the siblings it needs (import names), each after those it needs.
        pins_of: a package's import name -> its stale pins (:func:`stale_pins_in`).

    Returns:
        ``(order without the stale-pinned siblings, the stale pins of the package and of
        every sibling in order)``.
    """
    stale = [pin for name in [package, *order] for pin in pins_of(name)]
    pinned = {pin.sibling for pin in stale}
    return [s for s in order if s not in pinned], stale
