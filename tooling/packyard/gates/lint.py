"""The ``lint-NAME`` gate: ``ruff check`` on a package's files.

Runs on the package's module or folder (its tests and docs included) and its test file,
with the repository's ruff configuration (the nearest ``[tool.ruff]``, ``ruff.toml`` or
``.ruff.toml``, found by ruff; its excludes are honoured with ``--force-exclude``). A
repository without one is checked with :data:`DEFAULT_SELECT`, ruff's long-standing
default rules (newer ruff releases enable many more by default, which would fail code
nobody asked to hold to them). Nothing is fixed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from packyard.childenv import child_env
from packyard.errors import CommandFailed, GateError
from packyard.gates.report import GateReport
from packyard.proc import run
from packyard.repo import Repository

#: The rules checked when the repository has no ruff configuration: syntax errors and
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


def has_ruff_config(root: Path, package_path: Path) -> bool:
    """Whether ruff finds a configuration for a package: a ``ruff.toml``, ``.ruff.toml`` or
    a ``pyproject.toml`` with ``[tool.ruff]`` in the package's folder or above it, up to
    the repository root."""
    folder = package_path if package_path.is_dir() else package_path.parent
    for here in (folder, *folder.parents):
        if any((here / name).is_file() for name in _CONFIG_FILES):
            return True
        pyproject = here / "pyproject.toml"
        if pyproject.is_file() and "[tool.ruff" in pyproject.read_text(errors="replace"):
            return True
        if here == root:
            break
    return False


def check_lint(repo: Repository, name: str) -> GateReport:
    """Run the lint gate for one package.

    Returns:
        The report: ruff's findings as problems (``file:line:col: CODE message``).

    Raises:
        GateError: ruff is not installed.
        CommandFailed: ruff could not run (a broken configuration: exit status 2).
    """
    package = repo.package(name)
    root = repo.config.root
    paths = [package.path, *[p for p in package.test_paths if not p.is_relative_to(package.path)]]
    report = GateReport(gate="lint", package=package.name)
    args = [
        find_ruff(),
        "check",
        "--no-fix",
        "--force-exclude",
        "--output-format",
        "concise",
        *([] if has_ruff_config(root, package.path) else ["--select", DEFAULT_SELECT]),
        *[os.path.relpath(p, root) for p in paths],
    ]
    report.problems += _findings(args, root)
    report.lines.append(
        f"ruff check {' '.join(os.path.relpath(p, root) for p in paths)}: "
        + ("no findings" if report.ok else f"{len(report.problems)} finding(s)")
    )
    report.data = {"paths": [os.path.relpath(p, root) for p in paths]}
    return report


def root_ruff_config(root: Path) -> Path | None:
    """The repository's own ruff settings file: ``ruff.toml``, ``.ruff.toml`` or a
    ``pyproject.toml`` with ``[tool.ruff]`` in ``root``; None without one."""
    for name in _CONFIG_FILES:
        if (root / name).is_file():
            return root / name
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "[tool.ruff" in pyproject.read_text(errors="replace"):
        return pyproject
    return None


def lint_files(root: Path, files: Sequence[Path], *, cwd: Path) -> list[str]:
    """``ruff check`` findings for files that are not in the repository yet (a staged
    copy, e.g. of an import), with the repository's root ruff settings (``--config``) or,
    without any, :data:`DEFAULT_SELECT` (``--isolated``). What the lint gate would say once
    they are in place, for a package without ruff settings of its own.

    Args:
        root: the repository root (its settings apply).
        files: the ``.py`` files to check.
        cwd: where ruff runs; the findings' paths are relative to it.

    Returns:
        The findings, ``path:line:col: CODE message``; empty when there is none.

    Raises:
        GateError: ruff is not installed.
        CommandFailed: ruff could not run (a broken configuration: exit status 2).
    """
    if not files:
        return []
    config = root_ruff_config(root)
    settings = ["--config", str(config)] if config else ["--isolated", "--select", DEFAULT_SELECT]
    args = [find_ruff(), "check", "--no-fix", "--output-format", "concise", *settings]
    return _findings([*args, *[os.path.relpath(f, cwd) for f in files]], cwd)


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
