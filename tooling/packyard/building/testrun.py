"""Checking the installed wheel in the test venv: its import, its tests, its doctests.

The import comes from the venv and has the version built; the package's tests run from a
copy in a work folder, the doctests of its installed modules in a second pytest run, each
with an empty pytest configuration; pytest's summary line is picked out for the report.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from packyard.building.venvs import Venv
from packyard.errors import CommandFailed, ConfigError, PackageError
from packyard.package.resolved import ResolvedPackage
from packyard.proc import run


def check_import(venv: Venv, name: str, work: Path, version: str) -> Path:
    """Import the installed package; return its module file (``__init__.py`` of a folder).

    Raises:
        CommandFailed: the import fails.
        PackageError: it came from outside the venv, or ``__version__`` is not ``version``.
    """
    code = (
        "import importlib, json, sys; m = importlib.import_module(sys.argv[1]); "
        "print(json.dumps({'file': m.__file__, 'prefix': sys.prefix, "
        "'version': getattr(m, '__version__', None)}))"
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
    if info["version"] != version:
        raise PackageError(
            f"{name}.__version__ is {info['version']!r} in the installed wheel, not the "
            f"distribution's version {version!r}",
            path=module_file,
            hint="packyard writes __version__ into the built module; a module that sets it "
            "again after import (e.g. from a file of its own) must not",
        )
    return module_file


def run_tests(
    resolved: ResolvedPackage, venv: Venv, work: Path, pytest_args: Sequence[str] = ()
) -> str | None:
    """Run the package's tests; pytest's output, or None when there was nothing to run."""
    package = resolved.package
    targets: list[str] = []
    for path in package.test_paths:
        copy = work / path.name  # tests/, test_NAME.py, test_NAME/
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
        "-c",
        _empty_pytest_config(work),
        "--import-mode=importlib",
        *([] if pytest_args else ["-q"]),  # the user's -v, -q... then mean what they say
    ]
    if not targets:
        return None
    # importlib mode puts nothing on sys.path: the test folder of a single-file package
    # goes there, for the helper modules its tests import (never the package's source).
    support = package.test_support_dir
    extra = {"PYTHONPATH": str(work / support.name)} if support is not None else {}
    return run(
        [*args, *targets, *pytest_args],
        step="tests",
        cwd=work,
        env=venv.env(**extra),
        hint=f"the tests of {package.name} fail against the installed wheel",
    )


def _empty_pytest_config(work: Path) -> Path:
    """An empty pytest configuration in ``work``, given with ``-c``: pytest would otherwise
    search upwards from the work folder (under ``.packyard/`` of the repository) and the
    installed files, and take the repository's own ``[tool.pytest.ini_options]`` (its
    ``addopts``, plugins...) for the package's tests."""
    config = work / ".packyard-pytest.ini"
    if not config.is_file():
        config.write_text("[pytest]\n", encoding="utf-8")
    return config


def doctests_wanted(resolved: ResolvedPackage) -> bool:
    """Whether the test-install runs a package's doctests: its own ``[tool.packyard]
    doctests``, else the repository's ``doctests``, else true for a single-file package
    and false for a folder package.

    Raises:
        ConfigError: the repository's ``doctests`` is not a boolean.
    """
    own = resolved.source.doctests
    if own is not None:
        return own
    default = resolved.config.raw.get("doctests")
    if default is None:
        return resolved.package.form == "module"
    if not isinstance(default, bool):
        raise ConfigError(
            "[tool.packyard] doctests must be true or false",
            path=resolved.config.root / "pyproject.toml",
        )
    return default


def run_doctests(resolved: ResolvedPackage, venv: Venv, work: Path, module_file: Path) -> bool:
    """Run the doctests of the installed modules whose text has a ``>>>`` prompt.

    Returns:
        Whether any doctest ran.
    """
    package = resolved.package
    if not doctests_wanted(resolved):
        return False
    if package.form == "module":
        candidates = [module_file]
    else:
        top = module_file.parent
        candidates = [top / p.relative_to(package.path) for p in package.source_files]
    files = [p for p in candidates if p.is_file() and ">>>" in p.read_text("utf-8", "replace")]
    if not files:
        return False
    args: list[str | Path] = [venv.python, "-m", "pytest", "-p", "no:cacheprovider"]
    args += ["--rootdir", work, "-c", _empty_pytest_config(work), "--import-mode=importlib"]
    args += ["-q", "--doctest-modules", *files]
    try:
        run(
            args,
            step="tests",
            cwd=work,
            env=venv.env(),
            hint=f"the doctests of {package.name} fail against the installed wheel; if a '>>>' "
            "example is an illustration, not a test, set doctests = false in the "
            "package's [tool.packyard]",
        )
    except CommandFailed as exc:
        if exc.returncode == 5:  # a '>>>' that is no doctest
            return False
        raise
    return True


_SUMMARY = re.compile(r"\b(no tests ran|\d+ (passed|failed|skipped|deselected|errors?)\b.*)")


def pytest_summary(output: str) -> str:
    """pytest's summary line in its output (``12 passed in 0.41s``), without the ``=``
    framing; the last line when there is none (``-qq`` drops it).

    >>> pytest_summary("..\\n==== 2 passed, 1 deselected in 0.05s ====\\n")
    '2 passed, 1 deselected in 0.05s'
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        match = _SUMMARY.search(line)
        if match:
            return match.group(1).strip("= ")
    return lines[-1] if lines else ""
