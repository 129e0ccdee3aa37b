"""The repository as a whole: configuration, packages, and what each package needs.

:class:`Repository` is the one object the nox sessions, the invoke tasks and the command
line start from. It reads lazily and remembers what it read, so a session that touches one
package never parses the others.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from packyard.config import RepoConfig, load_config
from packyard.errors import InferenceError
from packyard.fsutil import relative_path
from packyard.inference.import_map import ImportMap
from packyard.inference.imports import ImportRecord, scan_files
from packyard.inference.requirements import Inference, infer
from packyard.inference.scan_cache import ScanCache
from packyard.package import project
from packyard.package.discovery import (
    Broken,
    Package,
    Survey,
    get_package,
    raise_no_packages,
    survey,
)
from packyard.package.extras import extra_files, extras_imported_by_core
from packyard.package.metadata import PackageSource, read_package
from packyard.package.pins import StalePin, sibling_requirements_in, stale_pins_in, without_stale
from packyard.package.resolved import ResolvedPackage
from packyard.package.testfiles import collected_test_files
from packyard.versions.tracking import UNRELEASED_VERSION, current_version


class Repository:
    """A packaging repository.

    Args:
        config: its configuration (see :func:`packyard.config.load_config`).
        use_environment: also map import names through the current environment's
            ``importlib.metadata.packages_distributions()``.
    """

    def __init__(self, config: RepoConfig, *, use_environment: bool = False) -> None:
        self.config = config
        self.use_environment = use_environment
        self._sources: dict[str, PackageSource] = {}
        self._inferences: dict[str, Inference] = {}
        self._extra_inferences: dict[str, dict[str, Inference]] = {}
        self._core_extras: dict[str, dict[str, ImportRecord]] = {}
        #: Releases being built, by import name: ``{"version", "date", "notes"}`` records
        #: (see :mod:`packyard.versions.tracking`) whose notes join the long description's
        #: changelog.
        self.pending_releases: dict[str, dict[str, Any]] = {}

    @classmethod
    def open(cls, root: Path | None = None, **kwargs: Any) -> Repository:
        """Open the repository at ``root`` (found from the current directory when None).

        Raises:
            ConfigError: no ``[tool.packyard]`` configuration, or it is malformed.
        """
        return cls(load_config(root), **kwargs)

    @cached_property
    def survey(self) -> Survey:
        """The packages and the broken entries of ``packages/`` (see
        :func:`packyard.package.discovery.survey`).

        Raises:
            PackageError: the packages folder is missing, or holds neither a package nor a
                broken entry.
        """
        found = survey(self.config)
        if not found.packages and not found.broken:
            raise_no_packages(self.config.packages_dir)
        return found

    @cached_property
    def packages(self) -> dict[str, Package]:
        """Every good package, by import name; the broken entries are in :attr:`broken`."""
        return self.survey.packages

    @property
    def broken(self) -> dict[str, Broken]:
        """The entries of ``packages/`` that cannot be packages, by name, each with its
        error (see :class:`packyard.package.discovery.Broken`)."""
        return self.survey.broken

    @cached_property
    def scan_cache(self) -> ScanCache:
        """The import-scan cache under ``.packyard/cache/imports``."""
        return ScanCache(self.config.state_dir / "cache" / "imports")

    def package(self, name: str) -> Package:
        """The package called ``name`` (import or distribution name).

        Raises:
            PackageError: ``name`` is a broken entry (its own error: file, line, fix), or
                no such package (the message lists those there are).
        """
        if name in self.broken and name not in self.packages:
            raise self.broken[name].error
        return get_package(self.packages, name)

    def source(self, name: str) -> PackageSource:
        """What the package says about itself (docstring, README, explicit metadata)."""
        package = self.package(name)
        if package.name not in self._sources:
            self._sources[package.name] = read_package(package)
        return self._sources[package.name]

    def version(self, name: str) -> str:
        """The version the package builds with now: its latest release; before its first,
        the version it states (``__version__``, ``version`` in its metadata), else 0.0.0."""
        released = current_version(self.config.state_dir, self.package(name).name)
        if released == UNRELEASED_VERSION:
            return self.source(name).declared_version or released
        return released

    def import_map(self, name: str) -> ImportMap:
        """The import map for a package: its overrides, then the repository's, then the
        built-in table."""
        return ImportMap(
            package_overrides=self.source(name).import_map,
            repo_map=self.config.import_map,
            use_environment=self.use_environment,
        )

    @cached_property
    def distributions(self) -> dict[str, str]:
        """Import name -> distribution name of every package. A package's own name is
        among them: inference drops it first, as a local module."""
        return {n: p.dist_name for n, p in self.packages.items()}

    def requires_python(self, name: str) -> str:
        """A package's PEP 440 ``requires-python``: its own (PEP 723 block or partial
        ``pyproject.toml``), else the repository's default."""
        return str(self.source(name).project.get("requires-python", self.config.requires_python))

    def inference(self, name: str) -> Inference:
        """The inferred requirements of a package's shipped files: its core install, so
        without ``routes.py``, ``app.py`` and ``mcp.py`` (see :meth:`extra_inferences`).

        Raises:
            InferenceError, PackageError, ConfigError: see
                :func:`packyard.inference.requirements.infer`.
        """
        package = self.package(name)
        if package.name not in self._inferences:
            source = self.source(name)
            self._inferences[package.name] = infer(
                self.core_files(name),
                local_modules={package.name},
                import_map=self.import_map(name),
                siblings=self.distributions,
                explicit=source.explicit_dependencies,
                explicit_source=source.project_origin or package.path,
                relative_to=self.config.root,
                cache=self.scan_cache,
                requires_python=self.requires_python(name),
            )
            for extra, record in self._core_extras.get(package.name, {}).items():
                where = f"{Path(record.path).relative_to(self.config.root)}:{record.line}"
                self._inferences[package.name].warnings.append(
                    f"{where}: the core imports the {extra!r} extra's file, so its "
                    f"requirements are core requirements; import it inside a function, or "
                    "under try/except ImportError, to keep them in the extra"
                )
        return self._inferences[package.name]

    def core_files(self, name: str) -> list[Path]:
        """The files of a package's core install: every shipped ``.py`` file except the
        extra files (``routes.py``, ``app.py``, ``mcp.py``), unless the core imports one,
        which then belongs to the core (with a warning in :meth:`inference`)."""
        package = self.package(name)
        extras = extra_files(package)
        core = [p for p in package.source_files if p not in {f for _, f in extras.values()}]
        if extras:
            imported = extras_imported_by_core(package, scan_files(core, cache=self.scan_cache))
            self._core_extras[package.name] = imported
            core += sorted(extras[extra][1] for extra in imported)
        return core

    def extra_inferences(self, name: str) -> dict[str, Inference]:
        """The requirements each extra file adds to the core install, by extra name
        (``{"api": ...}`` for ``routes.py``, see :mod:`packyard.package.extras`): its inferred
        requirements minus those the core already has.

        Raises:
            InferenceError, PackageError, ConfigError: see
                :func:`packyard.inference.requirements.infer`.
        """
        package = self.package(name)
        if package.name not in self._extra_inferences:
            core = {r.key for r in self.inference(name).requirements}
            found: dict[str, Inference] = {}
            in_core = self._core_extras.get(package.name, {})
            for extra, (_, path) in extra_files(package).items():
                if extra in in_core:
                    continue
                inference = infer(
                    [path],
                    local_modules={package.name},
                    import_map=self.import_map(name),
                    siblings=self.distributions,
                    relative_to=self.config.root,
                    cache=self.scan_cache,
                    requires_python=self.requires_python(name),
                )
                inference.requirements = [r for r in inference.requirements if r.key not in core]
                found[extra] = inference
            self._extra_inferences[package.name] = found
        return self._extra_inferences[package.name]

    def test_inference(self, name: str) -> Inference:
        """The requirements of a package's tests beyond the package itself (third-party
        test helpers such as ``hypothesis``; pytest is always installed): the imports of
        the files pytest runs (:func:`packyard.package.testfiles.collected_test_files`), not of
        every ``.py`` file under ``tests/`` (input files the tests read are data)."""
        package = self.package(name)
        local = {package.name, "conftest"}
        for path in package.test_paths:
            if path.is_dir():
                # Its modules and the folders holding them (helper packages).
                modules = list(path.rglob("*.py"))
                local |= {p.stem for p in modules} | {p.parent.name for p in modules}
                local.add(path.name)
            else:
                local.add(path.stem)
        files = collected_test_files(package.test_paths)
        return infer(
            files,
            local_modules=local,
            import_map=self.import_map(name),
            siblings=self.distributions,
            explicit=self.source(name).test_dependencies,
            relative_to=self.config.root,
            cache=self.scan_cache,
            requires_python=self.requires_python(name),
        )

    def sibling_closure(self, name: str) -> list[str]:
        """The sibling packages ``name`` needs, directly or through other siblings, in an
        order where each comes after the siblings it needs.

        Raises:
            InferenceError: siblings import each other in a cycle; the message names it.
        """
        start = self.package(name).name
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(node: str, trail: list[str]) -> None:
            if state.get(node) == "done":
                return
            if state.get(node) == "active":
                cycle = [*trail[trail.index(node) :], node]
                raise InferenceError(
                    "sibling packages import each other in a cycle: " + " -> ".join(cycle),
                    path=self.package(node).path,
                    hint="move the shared code into a package of its own that both import",
                )
            state[node] = "active"
            siblings = set(self.inference(node).siblings)
            for inference in self.extra_inferences(node).values():
                siblings |= inference.siblings
            for sibling in sorted(siblings):
                visit(sibling, [*trail, node])
            state[node] = "done"
            if node != start:
                order.append(node)

        visit(start, [])
        return order

    def sibling_requirements(self, name: str) -> list[Requirement]:
        """The PEP 508 requirements on sibling distributions in a package's metadata: its
        dependencies and every extra's, as :meth:`project_table` writes them (a released
        sibling as ``NAME>=LATEST``), one per distribution, sorted by name.

        Raises:
            PackyardError: the package cannot be read or its requirements inferred.
        """
        dists = [p.dist_name for p in self.packages.values()]
        return sibling_requirements_in(
            self.project_table(name), dists, self.package(name).dist_name
        )

    def stale_pins(self, name: str) -> list[StalePin]:
        """The sibling requirements of a package's metadata that exclude the repository's
        version of the sibling (see :mod:`packyard.building.siblings`).

        Raises:
            PackyardError: the package cannot be read or its requirements inferred.
        """
        package = self.package(name)
        origin = self.source(name).project_origin or package.path
        where = relative_path(origin.resolve(), self.config.root.resolve())
        pins = self.sibling_requirements(name)

        def repository_version(dist: str) -> tuple[str, str]:
            sibling = self.package(dist).name
            return sibling, self.version(sibling)

        return stale_pins_in(package.name, pins, repository_version, where)

    def resolve(
        self, name: str, *, version: str | None = None, tests: bool = True
    ) -> ResolvedPackage:
        """Everything the build and the test-install of a package read, asked once (see
        :class:`packyard.package.resolved.ResolvedPackage`): the front doors call this and
        pass the result down the pipeline.

        Args:
            name: the package (import or distribution name).
            version: the PEP 440 version to build; the current one when None. Its pending
                release (:attr:`pending_releases`) is read now: set it first.
            tests: False to resolve only what building the sdist and wheel reads (no test
                inference, no siblings, no stale pins): a test file that cannot be read
                never stops a build.

        Raises:
            InferenceError: a sibling cycle, a syntax error; PackageError, ConfigError as
            in :meth:`source`, :meth:`inference` and :meth:`project_table`.
        """
        if not tests:
            return self._resolved(name, version)
        package = self.package(name)
        tests_inference = self.test_inference(name)
        needed = self.sibling_closure(name)  # then the tests' siblings, with theirs
        for sibling in sorted(tests_inference.siblings - {package.name}):
            for other in [*self.sibling_closure(sibling), sibling]:
                if other not in needed and other != package.name:
                    needed.append(other)
        # A stale pin's sibling comes from the index as pinned, not from the repository.
        local, stale = without_stale(package.name, needed, self.stale_pins)
        siblings = tuple(self._resolved(s) for s in local)
        return self._resolved(name, version, tests_inference, siblings, tuple(stale))

    def _resolved(
        self,
        name: str,
        version: str | None = None,
        tests: Inference | None = None,
        siblings: tuple[ResolvedPackage, ...] = (),
        stale: tuple[StalePin, ...] = (),
    ) -> ResolvedPackage:
        package = self.package(name)
        return ResolvedPackage(
            package=package,
            source=self.source(name),
            config=self.config,
            version=version or self.version(name),
            project=self.project_table(name, version=version),
            inference=self.inference(name),
            extra_inferences=dict(self.extra_inferences(name)),
            test_inference=tests,
            sibling_closure=tuple(self.sibling_closure(name)),
            siblings=siblings,
            stale=stale,
            pending=self.pending_releases.get(package.name),
        )

    def project_table(self, name: str, *, version: str | None = None) -> dict[str, Any]:
        """The PEP 621 ``[project]`` table of a package (see
        :func:`packyard.package.project.project_table`).

        Args:
            name: the package.
            version: the PEP 440 version to build; the current one when None.

        Raises:
            InferenceError: a sibling cycle, a syntax error; PackageError, ConfigError as
            in :meth:`source` and :meth:`inference`.
        """
        package = self.package(name)
        source = self.source(name)
        inference = self.inference(name)
        self.sibling_closure(name)
        return project.project_table(
            package,
            source,
            self.config,
            version=version or self.version(name),
            inference=inference,
            extra_inferences=self.extra_inferences(name),
            sibling_release=self._sibling_release,
        )

    def _sibling_release(self, import_name: str) -> str | None:
        """A sibling's latest released version, None before its first release."""
        released = current_version(self.config.state_dir, self.package(import_name).name)
        return None if released == UNRELEASED_VERSION else released
