"""The ``lint-NAME`` gate: ``ruff check`` on a package's files.

Runs on the package's module or folder (its tests, docs and notebooks included) and its
test file. Packages have lint settings of their own, apart from the root ``[tool.ruff]``
(which is for the repository's own tooling):

1. the nearest ruff settings file inside the packages folder: ``ruff.toml``,
   ``.ruff.toml`` or a ``pyproject.toml`` with ``[tool.ruff]`` in the package's folder
   or in the packages folder itself (``packages/ruff.toml``), passed with ``--config``;
2. otherwise ``[tool.packyard.lint]`` of the root ``pyproject.toml`` (``select``,
   ``ignore``, ``line-length``), with ruff's own defaults for the rest (``--isolated``);
3. otherwise ruff's own defaults: :data:`DEFAULT_SELECT`, ruff's long-standing default
   rules (newer ruff releases enable more by default, which would fail code nobody asked
   to hold to them).

The root ``[tool.ruff]`` never applies to packages. Nothing is fixed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from packyard.childenv import child_env
from packyard.config import RepoConfig
from packyard.errors import CommandFailed, ConfigError, GateError
from packyard.gates.report import GateReport
from packyard.proc import run
from packyard.repo import Repository
from packyard.tomlcompat import check_keys

#: The rules checked when packages have no lint settings of their own: syntax errors and
#: pyflakes (ruff's defaults until 0.15).
DEFAULT_SELECT = "E4,E7,E9,F"
_CONFIG_FILES = ("ruff.toml", ".ruff.toml")


def find_ruff() -> str:
    """The path of the ``ruff`` executable.

    Raises:
        GateError: ruff is not installed.
    """
    try:
        from ruff.__main__ import find_ruff_bin

        return os.fspath(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        # Next to the running interpreter (its environment's scripts), never from PATH.
        beside = Path(sys.executable).parent / ("ruff.exe" if os.name == "nt" else "ruff")
        if beside.is_file():
            return str(beside)
    raise GateError("ruff is not installed", hint="pip install ruff (packyard depends on it)")


LINT_KEYS = ("select", "ignore", "line-length")


def ruff_config_file(folder: Path) -> Path | None:
    """The ruff settings file in ``folder``: ``ruff.toml``, ``.ruff.toml`` or a
    ``pyproject.toml`` with ``[tool.ruff]`` (ruff's order); None without one."""
    for name in _CONFIG_FILES:
        if (folder / name).is_file():
            return folder / name
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and "[tool.ruff" in pyproject.read_text(errors="replace"):
        return pyproject
    return None


def package_lint_settings(config: RepoConfig, package_path: Path) -> list[str]:
    """The ruff options that give a package its lint settings (see the module docstring):
    ``--config FILE`` for a settings file in the package's folder or the packages folder,
    else ``--isolated`` with ``[tool.packyard.lint]`` or :data:`DEFAULT_SELECT`.

    Args:
        config: the repository configuration.
        package_path: the package's module or folder (it need not exist yet: an import
            checks a staged copy with the settings it will have once in place).

    Raises:
        ConfigError: ``[tool.packyard.lint]`` is not a table of known keys with string
            lists (``select``, ``ignore``) and an integer ``line-length``.
    """
    packages_dir = config.packages_dir
    folders = [packages_dir]
    if package_path.suffix != ".py" and package_path.parent == packages_dir:
        folders.insert(0, package_path)
    for folder in folders:
        found = ruff_config_file(folder)
        if found is not None:
            return ["--config", str(found)]
    return ["--isolated", *_table_options(config)]


def _table_options(config: RepoConfig) -> list[str]:
    path = config.root / "pyproject.toml"
    table = config.raw.get("lint", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.packyard.lint] must be a table", path=path)
    check_keys(table, LINT_KEYS, path, "[tool.packyard.lint]")
    options = []
    for key in ("select", "ignore"):
        value = table.get(key, DEFAULT_SELECT.split(",") if key == "select" else [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(
                f"[tool.packyard.lint] {key} must be a list of rule codes",
                path=path,
                hint=f'e.g. {key} = ["E4", "E7", "E9", "F"]',
            )
        if value:
            options += [f"--{key}", ",".join(value)]
    if "line-length" in table:
        length = table["line-length"]
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            raise ConfigError(
                "[tool.packyard.lint] line-length must be a positive integer", path=path
            )
        options += ["--line-length", str(length)]
    return options


def check_lint(repo: Repository, name: str) -> GateReport:
    """Run the lint gate for one package.

    Returns:
        The report: ruff's findings as problems (``file:line:col: CODE message``).

    Raises:
        GateError: ruff is not installed.
        ConfigError: ``[tool.packyard.lint]`` is malformed.
        CommandFailed: ruff could not run (a broken configuration: exit status 2).
    """
    package = repo.package(name)
    root = repo.config.root
    paths = [package.path, *[p for p in package.test_paths if not p.is_relative_to(package.path)]]
    report = GateReport(gate="lint", package=package.name)
    report.problems += lint_paths(repo.config, package.path, paths, cwd=root)
    report.lines.append(
        f"ruff check {' '.join(os.path.relpath(p, root) for p in paths)}: "
        + ("no findings" if report.ok else f"{len(report.problems)} finding(s)")
    )
    report.data = {"paths": [os.path.relpath(p, root) for p in paths]}
    return report


def lint_paths(
    config: RepoConfig, package_path: Path, paths: Sequence[Path], *, cwd: Path
) -> list[str]:
    """``ruff check`` findings for a package's files, with the package's lint settings
    (:func:`package_lint_settings`). Also for a staged copy not in the repository yet (an
    import): ``package_path`` is then where it will be, ``paths`` where the copy is.

    Args:
        config: the repository configuration.
        package_path: the package's module or folder in the repository.
        paths: the files and folders to check (folders: their ``.py`` files and
            notebooks, as ruff finds them).
        cwd: where ruff runs; the findings' paths are relative to it.

    Returns:
        The findings, ``path:line:col: CODE message``; empty when there is none.

    Raises:
        GateError: ruff is not installed.
        ConfigError: ``[tool.packyard.lint]`` is malformed.
        CommandFailed: ruff could not run (a broken configuration: exit status 2).
    """
    if not paths:
        return []
    args = [
        find_ruff(),
        "check",
        "--no-fix",
        "--force-exclude",
        "--output-format",
        "concise",
        *package_lint_settings(config, package_path),
        *[os.path.relpath(p, cwd) for p in paths],
    ]
    return _findings(args, cwd)


def _findings(args: list[str], cwd: Path) -> list[str]:
    """Run ruff; its findings (none when it exits 0).

    Raises:
        CommandFailed: ruff exited with a status other than 0 and 1.
    """
    try:
        run(args, step="lint", cwd=cwd, env=child_env(), timeout=300)
    except CommandFailed as failure:
        if failure.returncode != 1:
            raise
        findings = [
            line
            for line in failure.output.splitlines()
            if line.strip() and not line.startswith(("Found ", "[*]", "No fixes"))
        ]
        return findings or ["ruff reported problems (see its output)"]
    return []
