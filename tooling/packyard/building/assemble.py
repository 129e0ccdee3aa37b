"""Assembling a package's build tree: ``build/NAME/`` with a generated PEP 621
``pyproject.toml``, the module or package, its data files, and ``README.md``.

The tree is written to a temporary folder beside its final place and renamed into place,
so an error never leaves a half-written tree. The generated ``pyproject.toml`` is checked
with validate-pyproject before anything is built from it.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tomli_w import dumps

from packyard.building.lockfile import LOCK_FILE
from packyard.errors import ConfigError, PackageError
from packyard.fsutil import replace_dir
from packyard.package.discovery import NOT_SHIPPED, Package, is_ignored
from packyard.package.extras import check_extra_files
from packyard.package.links import Link, fetch, link_target, read_link
from packyard.package.longdesc import RST
from packyard.package.metadata import read_source
from packyard.package.module_version import with_version
from packyard.package.resolved import ResolvedPackage
from packyard.package.symlinks import check_package_path, package_files
from packyard.versions.tracking import with_changelog

#: The build backend of generated projects (installed with packyard, so builds need no
#: network access).
BUILD_SYSTEM = {"requires": ["hatchling>=1.26"], "build-backend": "hatchling.build"}
_PACKAGE_LEVEL_FILES = {"README.md", "pyproject.toml", LOCK_FILE}


@dataclass(frozen=True)
class BuildTree:
    """An assembled build tree.

    Attributes:
        package: the package it was made from.
        path: the folder (``build/NAME``).
        version: the PEP 440 version it builds.
        project: the ``[project]`` table written to its ``pyproject.toml``.
        shipped: paths (POSIX, relative to the wheel's root) of the files the wheel must
            hold besides its ``.dist-info``.
    """

    package: Package
    path: Path
    version: str
    project: dict[str, Any]
    shipped: frozenset[str]


def shipped_files(package: Package) -> dict[str, Path]:
    """Map each file the wheel must hold (path inside the wheel, POSIX) to its source.

    A single-file package ships ``NAME.py`` (and its license file as ``LICENSE`` in the
    ``.dist-info``). A folder package ships every file under its
    folder except ``tests/``, ``docs/``, its ``README.md`` and ``pyproject.toml``, caches
    and compiled files, and hidden files. An ``artifacts/NAME.link`` file ships as
    ``artifacts/NAME``, downloaded at build time (see :mod:`packyard.package.links`).

    A symbolic link inside the package ships as the file (or the files of the folder) it
    points to; one that points outside the package, anywhere in it (the ``README.md``
    and ``LICENSE`` files too), is refused (:mod:`packyard.package.symlinks`).

    Raises:
        PackageError: both ``artifacts/NAME`` and ``artifacts/NAME.link`` exist; a
            symbolic link points outside the package or to nothing.
    """
    if package.form == "module":
        check_package_path(package.path)
        return {f"{package.name}.py": package.path}
    files: dict[str, Path] = {}
    for path in package_files(package.path):
        relative = path.relative_to(package.path)
        parts = relative.parts
        if len(parts) == 1 and (parts[0] in _PACKAGE_LEVEL_FILES or parts[0].startswith("LICENSE")):
            continue
        if (parts[0] in NOT_SHIPPED and len(parts) > 1) or is_ignored(relative):
            continue
        inside = relative.as_posix()
        target = link_target(inside)
        if target is not None:
            if (package.path / target).exists():
                raise PackageError(
                    f"both {target} and {inside} exist: the link would replace the file",
                    path=path,
                    hint="keep either the file or the link",
                )
            inside = target
        files[f"{package.name}/{inside}"] = path
    return files


def pyproject_document(project: dict[str, Any], package: Package) -> dict[str, Any]:
    """The whole generated ``pyproject.toml`` as a dict: build system, ``[project]`` and
    the hatch settings that ship exactly the assembled files."""
    target = f"{package.name}.py" if package.form == "module" else package.name
    return {
        "build-system": BUILD_SYSTEM,
        "project": project,
        "tool": {
            "hatch": {
                "build": {
                    "targets": {
                        "wheel": {"only-include": [target]},
                        "sdist": {"only-include": [target, "README.md", "pyproject.toml"]},
                    }
                }
            }
        },
    }


def validate_pyproject(document: dict[str, Any], *, origin: Path) -> None:
    """Check a pyproject document against the PEP 517/518/621 schemas (validate-pyproject).

    Args:
        document: the parsed document.
        origin: the file whose values went into it, named in the error.

    Raises:
        ConfigError: the document is invalid; the message names the field and ``origin``.
    """
    from validate_pyproject import errors

    try:
        _validator()(document)
    except errors.ValidationError as exc:
        field = getattr(exc, "name", "") or ""
        raise ConfigError(
            f"the generated pyproject.toml is invalid: {exc.message}"
            + (f" ({field})" if field else ""),
            path=origin,
            hint="fix the metadata this field came from (PEP 723 [tool.packyard] or the "
            "package's pyproject.toml [project])",
        ) from None


_VALIDATOR = None


def _validator():  # type: ignore[no-untyped-def]
    global _VALIDATOR
    if _VALIDATOR is None:
        import logging

        from validate_pyproject import api

        # It logs each schema it loads at INFO ("... defines `tool.distutils` schema"):
        # noise on every build under nox, whose logging shows INFO.
        logging.getLogger("validate_pyproject").setLevel(logging.WARNING)
        _VALIDATOR = api.Validator()
    return _VALIDATOR


def assemble(resolved: ResolvedPackage) -> BuildTree:
    """Write ``build/NAME/`` for a package.

    Args:
        resolved: the package at the version to build, with its PEP 621 table and its
            pending release (see :meth:`packyard.repo.Repository.resolve`).

    Returns:
        The assembled tree.

    Raises:
        PackageError: a file cannot be read, ``cli.py`` has no ``main``, ``routes.py``
            no ``router``, ``mcp.py`` no ``mcp``.
        ConfigError: its metadata or an ``artifacts/*.link`` file is invalid.
        LinkError: a link's download failed or does not match its sha256.
    """
    package, source, config = resolved.package, resolved.source, resolved.config
    project = resolved.project
    origin = source.project_origin or package.metadata_file
    document = pyproject_document(project, package)
    validate_pyproject(document, origin=origin)
    if package.cli_file is not None:
        _check_cli(package.cli_file)
    check_extra_files(package)
    files = shipped_files(package)
    # A link ships under its own name without ".link" (see shipped_files).
    links: dict[str, Link] = {
        inside: read_link(src) for inside, src in files.items() if Path(inside).name != src.name
    }

    build_root = config.build_dir
    build_root.mkdir(parents=True, exist_ok=True)
    final = build_root / package.name
    staging = Path(tempfile.mkdtemp(prefix=f".{package.name}-", dir=build_root))
    try:
        for inside, src in files.items():
            target = staging / inside
            target.parent.mkdir(parents=True, exist_ok=True)
            if inside in links:
                fetch(links[inside], target, cache_dir=config.state_dir / "cache" / "links")
            elif src == package.metadata_file:  # NAME.__version__ is the built version
                shutil.copy2(src, target)
                target.write_text(with_version(read_source(src), project["version"]), "utf-8")
            else:
                shutil.copy2(src, target)
        if package.form == "folder":
            for license_file in sorted(package.path.glob("LICENSE*")):
                shutil.copy2(license_file, staging / license_file.name)
        elif package.license_file is not None:  # found by hatchling's LICEN[CS]E* default
            shutil.copy2(package.license_file, staging / "LICENSE")
        description = with_changelog(
            source.description,
            config.state_dir,
            package.name,
            project["version"],
            pending=resolved.pending,
            rst=source.description_type == RST,
        )
        (staging / "README.md").write_text(description, encoding="utf-8")
        (staging / "pyproject.toml").write_text(dumps(document), encoding="utf-8")
        replace_dir(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildTree(
        package=package,
        path=final,
        version=project["version"],
        project=project,
        shipped=frozenset(files),
    )


def _check_cli(cli: Path) -> None:
    from packyard.package.extras import module_level_names

    source = read_source(cli)
    try:
        tree = ast.parse(source, filename=str(cli))
    except SyntaxError as exc:
        raise PackageError(f"syntax error: {exc.msg}", path=cli, line=exc.lineno) from None
    if "main" not in module_level_names(tree):
        raise PackageError(
            "cli.py has no module-level 'main' callable for the console script",
            path=cli,
            hint="define def main(argv=None) -> int; for a click or typer app, name it main "
            "(or add main = app); or rename cli.py if it is not a CLI",
        )
