"""The test-install pipeline: assemble, build, check, install the wheel into a fresh
isolated venv, and test it there.

Steps, in order (each failure names its step):

``assemble``  infer requirements and write ``build/NAME/`` (see :mod:`packyard.building.assemble`);
              print the inference warnings; check guessed distribution names and the
              package's own name against the index (see :mod:`packyard.building.clashes`)
``build``     sdist and wheel into ``dist/NAME/`` (see :mod:`packyard.building.dists`)
``check``     ``twine check --strict`` on both, and the wheel's file list
``venv``      a fresh virtual environment (uv, or virtualenv) with the third-party
              requirements; fails when they pull in a project of the index that has the
              name of a repository package about to be installed
``install``   the wheel (never the source tree) with every extra it declares (``optional``,
              ``api``, ``app``, ``mcp``...), its dependencies, the wheels of sibling
              packages it needs (built the same way; a sibling pinned to a version that
              excludes the repository's is installed as pinned from the index instead,
              with a warning: see :mod:`packyard.building.siblings`), pytest and the
              tests' own needs
``import``    import the package from a temporary folder and check it came from the venv
              and that its ``__version__`` is the version built
``cli``       ``NAME --help`` for each console script
``tests``     pytest on a copy of the package's tests (by path, ``--import-mode=importlib``)
              in a temporary folder (the source is not on sys.path; a single-file
              package's ``test_NAME/`` folder is); the working directory is the folder
              holding the copied ``tests/`` (or ``test_NAME.py``), so paths relative to the
              package folder (``tests/data/x.json``) resolve as when pytest runs in
              ``packages/NAME``; then, in a second run, the doctests of the installed
              modules whose source has a ``>>>`` prompt (single-file packages; folder
              packages that set ``doctests = true``); extra pytest arguments go last
              (``nox -s test_install-NAME -- -k x``), and pytest's summary line
              (``12 passed in 0.41s``) is reported on success too (its whole output when
              pytest arguments were given)

With ``locked``, the venv gets exactly the pins of the package's lock file (see
:mod:`packyard.building.lockfile`; pip or uv reads it with ``-r``, and ``-c`` holds the wheel's
install to it), after checking it is not stale.

``twine check`` runs beside the venv, install, import and tests; the venv goes to a locked
slot path (see :mod:`packyard.building.venvslots`). With ``use_cache``, a run whose inputs passed
before is skipped (see :mod:`packyard.building.resultcache`).

This module runs the steps in order, times them and reports; what the venv gets and its
making are in :mod:`packyard.building.testvenv`, the ``import``, ``tests`` and doctests
runs in :mod:`packyard.building.testrun`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from packyard.building.assemble import BuildTree, assemble
from packyard.building.clashes import check_displacement, check_guessed_names, clash_warning
from packyard.building.dists import (
    Artifacts,
    build,
    check_wheel_contents,
    finish_twine_check,
    start_twine_check,
)
from packyard.building.resultcache import KeyMaker, ResultCache, cache_disabled, installed_versions
from packyard.building.testrun import check_import, pytest_summary, run_doctests, run_tests
from packyard.building.testvenv import plan_needs, prepare_venv, unique_requirements
from packyard.building.venvslots import venv_slot
from packyard.package.resolved import ResolvedPackage
from packyard.proc import run

Progress = Callable[[str], None]


@dataclass
class TestInstallReport:
    """What a test-install did.

    Attributes:
        package: the import name.
        version: the PEP 440 version built.
        artifacts: the sdist and wheel.
        wheel_files: the wheel's file list.
        steps: (step name, seconds) in order.
        tests_run: whether any pytest tests or doctests ran.
        warnings: what the user should look at (stale sibling pins), one line each.
        cached_at: when a cache hit's run passed (ISO 8601, UTC); None when it ran now.
    """

    package: str
    version: str
    artifacts: Artifacts | None = None
    wheel_files: list[str] = field(default_factory=list)
    steps: list[tuple[str, float]] = field(default_factory=list)
    tests_run: bool = False
    warnings: list[str] = field(default_factory=list)
    cached_at: str | None = None

    __test__ = False  # not a pytest test class

    @property
    def seconds(self) -> float:
        """The steps' seconds added up (the venv is made beside the build, so this can
        exceed the wall time)."""
        return sum(s for _, s in self.steps)


class _Timer:
    def __init__(self, report: TestInstallReport, progress: Progress) -> None:
        self.report = report
        self.progress = progress

    def step(self, name: str, message: str) -> _Step:
        self.progress(f"[{name}] {message}")
        return _Step(self, name)


class _Step:
    def __init__(self, timer: _Timer, name: str) -> None:
        self.timer = timer
        self.name = name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timer.report.steps.append((self.name, time.perf_counter() - self.start))


def build_and_check(
    resolved: ResolvedPackage, *, progress: Progress = print
) -> tuple[BuildTree, Artifacts, list[str]]:
    """Assemble, build and check one package (no install).

    Args:
        resolved: the package at the version to build (see
            :meth:`packyard.repo.Repository.resolve`).
        progress: called with one line per step.

    Returns:
        The build tree, the artifacts and the wheel's file list.

    Raises:
        PackyardError: a step failed (see the module docstring).
    """
    tree = assemble(resolved)
    artifacts = build(tree, resolved.config.dist_dir)
    twine = start_twine_check(artifacts)
    try:
        files = check_wheel_contents(tree, artifacts.wheel)
    finally:
        finish_twine_check(twine)
    return tree, artifacts, files


def test_install(
    resolved: ResolvedPackage,
    *,
    venv_dir: Path | None = None,
    index_url: str | None = None,
    progress: Progress = print,
    pytest_args: Sequence[str] = (),
    locked: bool = False,
    use_cache: bool = False,
    sibling_wheels: Mapping[str, Path] | None = None,
) -> TestInstallReport:
    """Run the whole test-install pipeline for one package.

    Args:
        resolved: the package at the version to build, with the siblings its venv gets
            (see :meth:`packyard.repo.Repository.resolve`); nothing here asks the
            repository again.
        venv_dir: where to create the venv; a temporary folder (removed after) when None.
        index_url: the index dependencies install from; the configured one when None.
        progress: called with one line per step.
        pytest_args: more arguments for pytest (``-k NAME``, ``-x``, ``-v``...).
        locked: install exactly the lock file's pins (see :mod:`packyard.building.lockfile`).
        use_cache: skip the run when it passed before with the same inputs, and record a
            pass (see :mod:`packyard.building.resultcache`; ``PACKYARD_NO_CACHE=1`` overrides).
            Only for the current version; releases never set it.
        sibling_wheels: import name -> wheel already built for siblings the package
            needs; the siblings not in it are assembled and built here.

    Returns:
        The report: artifacts, wheel file list, step timings (no steps on a cache hit).

    Raises:
        PackyardError: a step failed; :class:`~packyard.errors.CommandFailed` carries the
            step name and the output's tail; with ``locked``, the lock file is missing or
            stale (:class:`~packyard.errors.PackageError`).
    """
    package, config = resolved.package, resolved.config
    report = TestInstallReport(package=package.name, version=resolved.version)
    timer = _Timer(report, progress)
    index_url = index_url or config.index_url
    started = time.perf_counter()
    plan = plan_needs(resolved)
    first = plan.requirements
    key = None
    if use_cache and not cache_disabled():
        key = KeyMaker(index_url).key(resolved, requirements=first)
        hit = ResultCache.of(config).lookup(key) if key is not None else None
        if hit is not None and key is not None:
            report.cached_at = hit.passed_at
            progress(hit.message(key))
            return report
    given = dict(sibling_wheels or {})

    with timer.step("assemble", f"{package.dist_name} {report.version} -> build/{package.name}"):
        tree = assemble(resolved)
        sibling_trees = [assemble(s) for s in resolved.siblings if s.name not in given]
        for pin in resolved.stale:
            report.warnings.append(pin.message(index_url))
            progress(f"warning: {report.warnings[-1]}")
        for warning in resolved.warnings:
            progress(f"warning: {warning}")
        # Before anything installs: guessed names the index lacks, the package's own name
        # on the index (see packyard.building.clashes).
        check_guessed_names(plan.needs, index_url)
        clash = clash_warning(index_url, package.dist_name, resolved.shown(package.path))
        pinned: list[str] = []
        if locked:
            from packyard.building.lockfile import check_lock, input_lines, lock_path

            lock = lock_path(package)
            check_lock(lock, input_lines(resolved.inference, resolved.extra_inferences))
            first = [*unique_requirements(["pytest", *plan.test_requirements]), "-r", str(lock)]
            pinned = ["-c", str(lock)]
    twine = None
    try:
        with (
            tempfile.TemporaryDirectory(prefix=f"packyard-{package.name}-") as scratch,
            ThreadPoolExecutor(max_workers=1) as pool,
            venv_slot(config.state_dir) if venv_dir is None else nullcontext() as slot,
        ):
            scratch_path = Path(scratch)
            venv_path = venv_dir or (slot.venv if slot else scratch_path / "venv")
            prepared = pool.submit(prepare_venv, venv_path, first, index_url)
            with timer.step("build", f"sdist and wheel -> dist/{package.name}"):
                artifacts = build(tree, config.dist_dir)
                built = [build(t, config.dist_dir).wheel for t in sibling_trees]
            sibling_files = [given[s.name] for s in resolved.siblings if s.name in given] + built
            report.artifacts = artifacts
            twine = start_twine_check(artifacts)  # runs while the wheel is installed
            with timer.step("check", "wheel file list"):
                report.wheel_files = check_wheel_contents(tree, artifacts.wheel)
            # Made beside the build: its own duration counts, not the wait for it.
            progress(f"[venv] fresh venv at {venv_path}, with pytest and dependencies")
            venv, venv_seconds = prepared.result()
            report.steps.append(("venv", venv_seconds))
            if slot:  # bytecode compiled once, reused by the next fresh venvs
                venv = replace(venv, pycache_prefix=slot.pycache)
                slot.forget([artifacts.wheel, *sibling_files])
            check_displacement(
                venv,
                {
                    p.package.dist_name: resolved.shown(p.package.path)
                    for p in [resolved, *resolved.siblings]
                },
            )
            if clash:  # a warning only: nothing the environment installs needs that project
                progress(
                    f"warning: {clash}; none of the requirements of {package.name}, its "
                    "extras and its tests needs it"
                )
            # Every extra (optional, api, app, mcp...): the tests may exercise all of it.
            extras = ",".join(sorted(tree.project.get("optional-dependencies", {})))
            extras = f"[{extras}]" if extras else ""
            wheels = [f"{package.dist_name}{extras} @ {artifacts.wheel.resolve().as_uri()}"]
            wheels += [str(w) for w in sibling_files]
            with timer.step("install", f"{artifacts.wheel.name} with its dependencies"):
                venv.install([*wheels, *pinned], index_url=index_url)
            work = slot.work() if slot else scratch_path / "work"
            work.mkdir(exist_ok=True)
            with timer.step("import", f"import {package.name}"):
                module_file = check_import(venv, package.name, work, tree.version)
            scripts = sorted(tree.project.get("scripts", {}))
            if scripts:
                with timer.step("cli", ", ".join(f"{s} --help" for s in scripts)):
                    for script in scripts:
                        run(
                            [venv.bin_dir / script, "--help"],
                            step="cli",
                            cwd=work,
                            env=venv.env(),
                            timeout=120,
                            hint=f"'{script} --help' must exit 0",
                        )
            with timer.step("tests", "pytest against the installed wheel"):
                output = run_tests(resolved, venv, work, pytest_args)
                report.tests_run = output is not None
                report.tests_run |= run_doctests(resolved, venv, work, module_file)
            if output and pytest_args:  # asked for (-v, -rA...): pytest's whole report
                progress(output.rstrip("\n"))
            elif output:
                progress(f"[tests] {pytest_summary(output)}")
            # twine ran beside the install, import and tests: off the critical path.
            with timer.step("check", "twine check --strict"):
                finish_twine_check(twine)
                twine = None
            if key is not None:
                ResultCache.of(config).record(
                    key,
                    package=package.name,
                    version=report.version,
                    seconds=time.perf_counter() - started,
                    installed=installed_versions(venv.python),
                )
    finally:
        if twine is not None:
            twine.kill()
            twine.wait()
    progress(f"OK {package.dist_name} {report.version}: {format_timings(report.steps)}")
    return report


test_install.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def format_timings(steps: Sequence[tuple[str, float]]) -> str:
    """The steps' timings for the summary line: one entry per step name (a step run twice,
    like ``check``, is added up), in the order they first ran.

    >>> format_timings([("build", 1.5), ("check", 0.25), ("install", 2.0), ("check", 1.0)])
    'build 1.50s, check 1.25s, install 2.00s'
    """
    total: dict[str, float] = {}
    for step, seconds in steps:
        total[step] = total.get(step, 0.0) + seconds
    return ", ".join(f"{step} {seconds:.2f}s" for step, seconds in total.items())
