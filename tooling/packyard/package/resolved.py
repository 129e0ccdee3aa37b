"""A package resolved once: everything its build and its test-install read.

:meth:`packyard.repo.Repository.resolve` asks the repository its per-package questions
(source, inferred requirements, sibling order, PEP 621 table, versions) once and returns a
:class:`ResolvedPackage`; the build and the test-install read that object and never the
repository again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packyard.config import RepoConfig
from packyard.fsutil import relative_path
from packyard.inference.requirements import Inference
from packyard.package.discovery import Package
from packyard.package.metadata import PackageSource
from packyard.package.pins import StalePin


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
        return relative_path(path, self.config.root)
