"""A package resolved once: everything its build and its test-install read.

:meth:`packyard.repo.Repository.resolve` asks the repository its per-package questions
(source, inferred requirements, sibling order, PEP 621 table, versions) once and returns a
:class:`ResolvedPackage`; the build and the test-install read that object and never the
repository again. The helpers here need no repository: they read PEP 621 tables and
PEP 508 requirements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from packyard.config import RepoConfig
from packyard.errors import ConfigError
from packyard.inference.requirements import Inference
from packyard.package.discovery import Package
from packyard.package.metadata import PackageSource


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


@dataclass(frozen=True, eq=False)
class ResolvedPackage:
    """One package as its build and its test-install read it, resolved once by
    :meth:`packyard.repo.Repository.resolve`.

    Attributes:
        package: the package (name, form, files, tests).
        source: what it says about itself (docstring, README, explicit metadata).
        config: the repository's configuration (build, dist and state folders, index).
        version: the PEP 440 version to build.
        project: the PEP 621 ``[project]`` table at ``version``, as the generated
            ``pyproject.toml`` holds it (requirements as PEP 508 strings).
        inference: the inferred requirements of its core install.
        extra_inferences: extra name (``api``, ``app``, ``mcp``) -> the requirements that
            extra's file adds to the core's.
        test_inference: the requirements of its tests beyond the package; None for a
            sibling (its tests are not run).
        sibling_closure: the import names of the siblings it needs (not its tests),
            directly or through other siblings, each after those it needs.
        siblings: the siblings its test venv gets from the repository's code, resolved at
            their repository version, each after those it needs: the closure of the
            package and of its tests, without the stale-pinned ones (see ``stale``);
            empty for a sibling (the package's list is already the whole closure).
        stale: the sibling requirements of the package and those siblings that exclude
            the repository's version (such a sibling installs as pinned, from the index).
        pending: the release being built (``{"version", "date", "notes"}``, see
            :mod:`packyard.versions.tracking`) whose notes join the changelog, or None.
    """

    package: Package
    source: PackageSource
    config: RepoConfig
    version: str
    project: dict[str, Any]
    inference: Inference
    extra_inferences: dict[str, Inference]
    test_inference: Inference | None = None
    sibling_closure: tuple[str, ...] = ()
    siblings: tuple[ResolvedPackage, ...] = ()
    stale: tuple[StalePin, ...] = ()
    pending: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """The import name."""
        return self.package.name

    @property
    def warnings(self) -> list[str]:
        """The inference warnings of its core, its tests and its extras, each once."""
        found = [*self.inference.warnings]
        found += self.test_inference.warnings if self.test_inference else []
        for extra in self.extra_inferences.values():
            found += extra.warnings
        return list(dict.fromkeys(found))

    def shown(self, path: Path) -> str:
        """``path`` relative to the repository root, for messages."""
        try:
            return str(path.relative_to(self.config.root))
        except ValueError:
            return str(path)


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


def relative_to_root(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX, symbolic links resolved), else as it is."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def listed_specifiers(project: dict[str, Any]) -> dict[str, Requirement]:
    """PEP 503 name -> the first requirement with a version specifier a package lists in
    its ``[project]`` dependencies or optional dependencies (malformed entries are left
    to the validation that reports them)."""
    texts: list[object] = list(project.get("dependencies") or [])
    extras = project.get("optional-dependencies") or {}
    if isinstance(extras, dict):
        for listed in extras.values():
            texts += list(listed) if isinstance(listed, list) else []
    found: dict[str, Requirement] = {}
    for text in texts:
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement:
            continue
        if requirement.specifier:
            found.setdefault(canonicalize_name(requirement.name), requirement)
    return found


def requirement_names(texts: object, origin: Path | None, extra: str) -> set[str]:
    """The PEP 503 names of the PEP 508 strings a package lists for an extra.

    Raises:
        ConfigError: not a list of strings, or one is not valid PEP 508 (names ``origin``).
    """
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ConfigError(
            f"[project.optional-dependencies] {extra} must be a list of PEP 508 strings",
            path=origin,
            hint=f'e.g. {extra} = ["fastapi>=0.110"]',
        )
    names = set()
    for text in texts:
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement as exc:
            raise ConfigError(
                f"invalid requirement {text!r} in [project.optional-dependencies]: {exc}",
                path=origin,
                hint='write a PEP 508 requirement, e.g. "fastapi>=0.110"',
            ) from None
    return names
