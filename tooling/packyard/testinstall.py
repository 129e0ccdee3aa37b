"""The test-install pipeline: assemble, build, check, install the wheel into a fresh
isolated venv, and test it there.

Steps, in order (each failure names its step):

``assemble``  infer requirements and write ``build/NAME/`` (see :mod:`packyard.assemble`)
``build``     sdist and wheel into ``dist/NAME/`` (see :mod:`packyard.building`)
``check``     ``twine check --strict`` on both, and the wheel's file list
``venv``      a fresh virtual environment (uv, or virtualenv)
``install``   the wheel (never the source tree) with every extra it declares (``optional``,
              ``api``, ``app``, ``mcp``...), its dependencies, the wheels of sibling
              packages it needs (built the same way), pytest and the tests' own needs
``import``    import the package from a temporary folder and check it came from the venv
``cli``       ``NAME --help`` for each console script
``tests``     pytest on a copy of the package's tests, plus the module's doctests for a
              single-file package, in a temporary folder (the source is not on sys.path)

``twine check`` runs beside the venv, install, import and tests; the venv goes to a locked
slot path (see :mod:`packyard.venvslots`). With ``use_cache``, a run whose inputs passed
before is skipped (see :mod:`packyard.resultcache`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from packyard.assemble import BuildTree, assemble
from packyard.building import (
    Artifacts,
    build,
    check_wheel_contents,
    finish_twine_check,
    start_twine_check,
)
from packyard.errors import CommandFailed, PackageError
from packyard.proc import run
from packyard.repo import Repository
from packyard.resultcache import KeyMaker, ResultCache, cache_disabled, installed_versions
from packyard.venvs import Venv, create_venv
from packyard.venvslots import venv_slot

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
        cached_at: when a cache hit's run passed (ISO 8601, UTC); None when it ran now.
    """

    package: str
    version: str
    artifacts: Artifacts | None = None
    wheel_files: list[str] = field(default_factory=list)
    steps: list[tuple[str, float]] = field(default_factory=list)
    tests_run: bool = False
    cached_at: str | None = None

    __test__ = False  # not a pytest test class

    @property
    def seconds(self) -> float:
        """Total wall time of all steps, in seconds."""
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
    repo: Repository, name: str, *, version: str | None = None, progress: Progress = print
) -> tuple[BuildTree, Artifacts, list[str]]:
    """Assemble, build and check one package (no install).

    Returns:
        The build tree, the artifacts and the wheel's file list.

    Raises:
        PackyardError: a step failed (see the module docstring).
    """
    tree = assemble(repo, name, version=version)
    artifacts = build(tree, repo.config.dist_dir)
    twine = start_twine_check(artifacts)
    try:
        files = check_wheel_contents(tree, artifacts.wheel)
    finally:
        finish_twine_check(twine)
    return tree, artifacts, files


def test_install(
    repo: Repository,
    name: str,
    *,
    version: str | None = None,
    venv_dir: Path | None = None,
    index_url: str | None = None,
    progress: Progress = print,
    use_cache: bool = False,
    sibling_wheels: Mapping[str, Path] | None = None,
) -> TestInstallReport:
    """Run the whole test-install pipeline for one package.

    Args:
        repo: the repository.
        name: the package (import or distribution name).
        version: the PEP 440 version to build; the current one when None.
        venv_dir: where to create the venv; a temporary folder (removed after) when None.
        index_url: the index dependencies install from; the configured one when None.
        progress: called with one line per step.
        use_cache: skip the run when it passed before with the same inputs, and record a
            pass (see :mod:`packyard.resultcache`; ``PACKYARD_NO_CACHE=1`` overrides).
            Only for the current version (``version`` None); releases never set it.
        sibling_wheels: import name -> wheel already built for siblings the package
            needs; the siblings not in it are assembled and built here.

    Returns:
        The report: artifacts, wheel file list, step timings (no steps on a cache hit).

    Raises:
        PackyardError: a step failed; :class:`~packyard.errors.CommandFailed` carries the
            step name and the output's tail.
    """
    package = repo.package(name)
    report = TestInstallReport(package=package.name, version=version or repo.version(name))
    timer = _Timer(report, progress)
    index_url = index_url or repo.config.index_url
    started = time.perf_counter()
    siblings, first = install_needs(repo, package.name)
    key = None
    if use_cache and version is None and not cache_disabled():
        key = KeyMaker(repo, index_url).key(package.name, siblings=siblings, requirements=first)
        hit = ResultCache.of(repo).lookup(key) if key is not None else None
        if hit is not None and key is not None:
            report.cached_at = hit.passed_at
            progress(hit.message(key))
            return report
    given = dict(sibling_wheels or {})

    with timer.step("assemble", f"{package.dist_name} {report.version} -> build/{package.name}"):
        tree = assemble(repo, package.name, version=version)
        sibling_trees = [assemble(repo, s) for s in siblings if s not in given]
    twine = None
    try:
        with (
            tempfile.TemporaryDirectory(prefix=f"packyard-{package.name}-") as scratch,
            ThreadPoolExecutor(max_workers=1) as pool,
            venv_slot(repo.config.state_dir) if venv_dir is None else nullcontext() as slot,
        ):
            scratch_path = Path(scratch)
            venv_path = venv_dir or (slot.venv if slot else scratch_path / "venv")
            prepared = pool.submit(_prepare_venv, venv_path, first, index_url)
            with timer.step("build", f"sdist and wheel -> dist/{package.name}"):
                artifacts = build(tree, repo.config.dist_dir)
                built = [build(t, repo.config.dist_dir).wheel for t in sibling_trees]
            sibling_files = [given[s] for s in siblings if s in given] + built
            report.artifacts = artifacts
            twine = start_twine_check(artifacts)  # runs while the wheel is installed
            with timer.step("check", "wheel file list"):
                report.wheel_files = check_wheel_contents(tree, artifacts.wheel)
            with timer.step("venv", f"fresh venv at {venv_path}, with pytest and dependencies"):
                venv = prepared.result()
            if slot:  # bytecode compiled once, reused by the next fresh venvs
                venv = replace(venv, pycache_prefix=slot.pycache)
                slot.forget([artifacts.wheel, *sibling_files])
            # Every extra (optional, api, app, mcp...): the tests may exercise all of it.
            extras = ",".join(sorted(tree.project.get("optional-dependencies", {})))
            extras = f"[{extras}]" if extras else ""
            wheels = [f"{package.dist_name}{extras} @ {artifacts.wheel.resolve().as_uri()}"]
            wheels += [str(w) for w in sibling_files]
            with timer.step("install", f"{artifacts.wheel.name} with its dependencies"):
                venv.install(wheels, index_url=index_url)
            work = slot.work() if slot else scratch_path / "work"
            work.mkdir(exist_ok=True)
            with timer.step("import", f"import {package.name}"):
                _check_import(venv, package.name, work)
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
                report.tests_run = _run_tests(repo, venv, package.name, work)
            # twine ran beside the install, import and tests: off the critical path.
            with timer.step("check", "twine check --strict"):
                finish_twine_check(twine)
                twine = None
            if key is not None:
                ResultCache.of(repo).record(
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
    progress(
        f"OK {package.dist_name} {report.version}: "
        + ", ".join(f"{n} {s:.2f}s" for n, s in report.steps)
    )
    return report


test_install.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def install_needs(repo: Repository, name: str) -> tuple[list[str], list[str]]:
    """What a package's test venv gets besides its wheel.

    Returns:
        The siblings (import names, each after those it needs), and the PEP 508
        requirements known before the wheel exists: pytest, the tests' needs and the
        package's own third-party requirements with every extra. These go into the venv
        while the wheel builds. Siblings are left out: they install from their freshly
        built wheels, never from the index.

    Raises:
        InferenceError: a sibling cycle or a syntax error; PackageError, ConfigError as in
            :meth:`packyard.repo.Repository.inference`.
    """
    test_needs = repo.test_inference(name)
    siblings = _siblings_needed(repo, name, test_needs.siblings)
    needs = [*test_needs.required, *repo.inference(name).requirements]
    for extra in repo.extra_inferences(name).values():
        needs += extra.requirements
    return siblings, ["pytest"] + [str(r.requirement) for r in needs if r.rule != "sibling"]


def _siblings_needed(repo: Repository, name: str, test_siblings: set[str]) -> list[str]:
    """The siblings a package and its tests need, each after the siblings it needs."""
    order = repo.sibling_closure(name)
    for sibling in sorted(test_siblings - {name}):
        for needed in [*repo.sibling_closure(sibling), sibling]:
            if needed not in order and needed != name:
                order.append(needed)
    return order


def _prepare_venv(path: Path, requirements: list[str], index_url: str) -> Venv:
    """Create a fresh venv and install ``requirements`` into it (runs in a worker thread)."""
    venv = create_venv(path)
    venv.install(requirements, index_url=index_url)
    return venv


def _check_import(venv: Venv, name: str, work: Path) -> None:
    code = (
        "import importlib, json, sys; m = importlib.import_module(sys.argv[1]); "
        "print(json.dumps({'file': m.__file__, 'prefix': sys.prefix}))"
    )
    output = run(
        [venv.python, "-c", code, name],
        step="import",
        cwd=work,
        env=venv.env(),
        timeout=120,
        hint="the package fails at import time in a clean environment; a dependency may be "
        "missing from the inferred requirements",
    )
    info = json.loads(output.strip().splitlines()[-1])
    module_file = Path(info["file"]).resolve()
    if not module_file.is_relative_to(Path(info["prefix"]).resolve()):
        raise PackageError(
            f"{name} was imported from {module_file}, not from the test environment",
            hint="the source tree leaked onto sys.path; report this as a packyard bug",
        )


def _run_tests(repo: Repository, venv: Venv, name: str, work: Path) -> bool:
    package = repo.package(name)
    targets: list[str] = []
    for path in package.test_paths:
        copy = work / ("tests" if path.is_dir() else path.name)
        if path.is_dir():
            shutil.copytree(path, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, copy)
        targets.append(copy.name)
    args: list[str | Path] = [
        venv.python,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        work,
        "--import-mode=importlib",
        "-q",
    ]
    if package.form == "module":
        args += ["--doctest-modules", "--pyargs", name]
    if not targets and package.form != "module":
        return False
    try:
        run(
            [*args, *targets],
            step="tests",
            cwd=work,
            env=venv.env(),
            hint=f"the tests of {name} fail against the installed wheel",
        )
    except CommandFailed as exc:
        if exc.returncode == 5 and not targets:  # no doctests in the module
            return False
        raise
    return True
