"""The staged packages checked, then moved into place: each one parses and reads back as a
valid packyard package, its lint findings and stale sibling pins (see
:mod:`packyard.building.siblings`) go to the report, and every staged path is renamed onto
its target, the renames undone when one fails.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from packaging.utils import canonicalize_name

from packyard import tomlcompat
from packyard.chores.checks import existing_packages
from packyard.errors import PackageError, PackyardError
from packyard.gates.lint import lint_paths
from packyard.names import distribution_name
from packyard.paa.report import ImportReport, stale_pin_lines
from packyard.package.discovery import Package
from packyard.package.metadata import read_package
from packyard.repo import Repository


def list_stale_pins(
    repo: Repository, report: ImportReport, staging: Path, chosen: list[str]
) -> None:
    """Each imported package's sibling pins that exclude the sibling's version here."""
    siblings = {
        canonicalize_name(package.dist_name): repo.version(package.name)
        for package in existing_packages(repo).values()
    }
    for item in report.packages:
        siblings[distribution_name(item.name)] = item.releases[-1] if item.releases else "0.0.0"
    prefix = os.path.relpath(repo.config.packages_dir, repo.config.root).replace(os.sep, "/")
    for item in report.packages:
        path = staging / "packages" / item.name / "pyproject.toml"
        project = tomlcompat.load(path).get("project", {})
        own = {distribution_name(item.name)}
        others = {k: v for k, v in siblings.items() if k not in own}
        item.stale_pins = stale_pin_lines(project, others, f"{prefix}/{item.name}/pyproject.toml")


def lint_staged(repo: Repository, staging: Path, folder: Path) -> list[str]:
    """The lint gate's findings for a staged package (its files, tests, docs and
    notebooks, with the settings it will have in place: see
    :func:`packyard.gates.lint.package_lint_settings`), its paths as they will be in the
    repository (``packages/NAME/...``); a note instead when ruff cannot run."""
    packages_dir = repo.config.packages_dir
    try:
        findings = lint_paths(
            repo.config, packages_dir / folder.name, [folder], cwd=staging / "packages"
        )
    except PackyardError as exc:
        return [f"lint not checked: {exc.message}"]
    prefix = os.path.relpath(packages_dir, repo.config.root).replace(os.sep, "/")
    return [f"{prefix}/{line}" for line in findings]


def check_staged(name: str, folder: Path) -> None:
    """The staged package parses and reads back as a valid packyard package.

    Raises:
        PackageError, ConfigError: a syntax error (names the paa file's copy) or invalid
            metadata.
    """
    for path in sorted(folder.rglob("*.py")):
        try:
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            raise PackageError(
                f"syntax error in {path.relative_to(folder.parent)}: {exc.msg}",
                line=exc.lineno,
                hint="fix it in the paa repository, then import again",
            ) from None
    read_package(Package(name, "folder", folder))


def move_into_place(staged: list[tuple[Path, Path]]) -> None:
    """Rename each staged path onto its target; undo the ones done when one fails."""
    done: list[tuple[Path, Path]] = []
    try:
        for source, target in staged:
            if target.exists():
                raise PackageError(f"{target} appeared during the import", path=target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            done.append((source, target))
    except BaseException:
        for source, target in reversed(done):
            os.replace(target, source)
        raise
