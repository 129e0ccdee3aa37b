"""Finding the packages of a repository: one per ``packages/NAME.py`` or ``packages/NAME/``.

Discovery only lists folders and file names (no parsing), so it is cheap enough to run
every time ``noxfile.py`` is imported.

Conventions:

- ``packages/NAME.py``: a single-file package; its tests are ``packages/test_NAME.py``
  and/or the folder ``packages/test_NAME/`` (tests, ``conftest.py``, helper modules, data;
  never a package); ``packages/NAME.LICENSE`` (or ``packages/LICENSE.NAME``) is its
  license file.
- ``packages/NAME/``: a folder package (it has ``__init__.py``); ``tests/`` and ``docs/``
  inside it are not shipped; ``cli.py`` becomes the console script ``NAME``; ``artifacts/``
  ships as package data; ``README.md`` is the long description; ``pyproject.toml`` may hold
  a partial PEP 621 ``[project]`` table. ``routes.py``, ``app.py`` and ``mcp.py`` ship as
  extras (see :mod:`packyard.package.extras`), ``artifacts/*.link`` as downloads (see
  :mod:`packyard.package.links`).
- Names starting with ``.`` or ``_``, ``__pycache__`` and ``conftest.py`` are ignored.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packyard.config import RepoConfig
from packyard.errors import PackageError
from packyard.names import TEST_PREFIX, distribution_name, import_name_problem, suggest_name
from packyard.stdlib import is_stdlib

NOT_SHIPPED = ("tests", "docs")
#: Folders that are never part of a package, at any depth: caches and build leftovers.
_IGNORED_DIRS = frozenset(
    {"__pycache__", "build", "dist", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox"}
)
#: File endings that are never part of a package: compiled files, merge and editor leftovers.
_IGNORED_SUFFIXES = (".pyc", ".pyo", ".orig", ".rej", ".swp", "~")


@dataclass(frozen=True)
class Package:
    """One package of the repository.

    Attributes:
        name: the import name (``my_tool``).
        form: ``"module"`` for ``packages/NAME.py``, ``"folder"`` for ``packages/NAME/``.
        path: the module file or the package folder (absolute).
    """

    name: str
    form: Literal["module", "folder"]
    path: Path

    @property
    def dist_name(self) -> str:
        """The PEP 503 normalized distribution name (``my-tool``)."""
        return distribution_name(self.name)

    @property
    def source_files(self) -> list[Path]:
        """The ``.py`` files that ship, sorted: the module itself, or every ``.py`` under
        the folder except those in ``tests/`` and ``docs/``."""
        if self.form == "module":
            return [self.path]
        return sorted(p for p in self.path.rglob("*.py") if not _excluded(p.relative_to(self.path)))

    @property
    def test_paths(self) -> list[Path]:
        """The package's pytest files or folders (possibly none)."""
        if self.form == "module":
            base = self.path.with_name(f"{TEST_PREFIX}{self.name}")
            candidates = [base.with_name(f"{base.name}.py"), base]
        else:
            candidates = [self.path / "tests"]
        return [c for c in candidates if c.exists()]

    @property
    def test_support_dir(self) -> Path | None:
        """``packages/test_NAME/`` of a single-file package (tests, ``conftest.py``,
        helpers, data), if present. The test-install puts it on ``sys.path``."""
        if self.form == "module":
            folder = self.path.with_name(f"{TEST_PREFIX}{self.name}")
            if folder.is_dir():
                return folder
        return None

    @property
    def license_file(self) -> Path | None:
        """The license file of a single-file package: ``packages/NAME.LICENSE`` or
        ``packages/LICENSE.NAME``, if present (a folder package ships its ``LICENSE*``)."""
        if self.form == "module":
            for candidate in (f"{self.name}.LICENSE", f"LICENSE.{self.name}"):
                if self.path.with_name(candidate).is_file():
                    return self.path.with_name(candidate)
        return None

    @property
    def readme(self) -> Path | None:
        """``README.md`` of a folder package, if present."""
        if self.form == "folder" and (self.path / "README.md").is_file():
            return self.path / "README.md"
        return None

    @property
    def pyproject(self) -> Path | None:
        """The partial ``pyproject.toml`` of a folder package, if present."""
        if self.form == "folder" and (self.path / "pyproject.toml").is_file():
            return self.path / "pyproject.toml"
        return None

    @property
    def metadata_file(self) -> Path:
        """The file whose docstring gives the summary: the module or ``__init__.py``."""
        return self.path if self.form == "module" else self.path / "__init__.py"

    @property
    def cli_file(self) -> Path | None:
        """``cli.py`` of a folder package, whose ``main`` becomes the console script."""
        if self.form == "folder" and (self.path / "cli.py").is_file():
            return self.path / "cli.py"
        return None


def is_ignored(relative: Path | str) -> bool:
    """Whether a path inside a package is never part of it, wherever it is: hidden files
    and folders, caches (``__pycache__``, ``.pytest_cache``...), build leftovers
    (``build/``, ``dist/``, ``*.egg-info``), compiled, merge and editor files.

    >>> is_ignored("pkg/build/lib/old.py"), is_ignored("pkg/kit.egg-info/PKG-INFO")
    (True, True)
    >>> is_ignored("pkg/artifacts/table.json")
    False
    """
    parts = Path(relative).parts
    if any(
        part in _IGNORED_DIRS or part.startswith(".") or part.endswith(".egg-info")
        for part in parts[:-1]
    ):
        return True
    name = parts[-1]
    return name.startswith(".") or name.endswith(_IGNORED_SUFFIXES)


def _excluded(relative: Path) -> bool:
    return relative.parts[0] in NOT_SHIPPED or is_ignored(relative)


@dataclass(frozen=True)
class Broken:
    """A file or folder of ``packages/`` that cannot be a package as it is.

    Attributes:
        name: what the commands call it: the file's stem or the folder's name
            (``my-tool`` for ``packages/my-tool.py``), or the package a stray test file
            names; the per-package sessions ``test_install-NAME`` etc. exist under it and
            fail with ``error``.
        path: the offending file or folder (absolute).
        error: what is wrong, naming the file and the fix.
    """

    name: str
    path: Path
    error: PackageError


@dataclass
class Survey:
    """What :func:`survey` found: the good packages and the broken entries, each by name,
    sorted."""

    packages: dict[str, Package]
    broken: dict[str, Broken]


def survey(config: RepoConfig) -> Survey:
    """List the packages of the repository, and the entries that cannot be packages.

    One bad file never hides the others: a name that is not an identifier, shadows a
    standard-library module or starts with ``test_``, a name used twice (as a file and a
    folder, or two names with one PEP 503 distribution name: both are broken), a folder
    without ``__init__.py`` and a test file without its package each become a
    :class:`Broken` entry, and every other package is listed as usual.

    Args:
        config: the repository configuration (gives ``packages_dir``).

    Returns:
        The packages and the broken entries (both possibly empty).

    Raises:
        PackageError: the packages folder is missing.
    """
    folder = config.packages_dir
    if not folder.is_dir():
        raise PackageError(
            "the packages folder does not exist",
            path=folder,
            hint=f"create it and add a module: mkdir {folder.name} && touch {folder.name}/NAME.py",
        )
    found: dict[str, Package] = {}
    by_dist: dict[str, Package] = {}
    broken: dict[str, Broken] = {}
    tests: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")) or entry.name in _IGNORED_DIRS:
            continue
        if entry.is_file():
            if entry.suffix != ".py" or entry.name == "conftest.py":
                continue
            if entry.name.startswith(TEST_PREFIX):
                tests.append(entry)
                continue
            package = Package(entry.stem, "module", entry)
        elif entry.is_dir():
            if entry.name.startswith(TEST_PREFIX):
                tests.append(entry)
                continue
            if not (entry / "__init__.py").is_file():
                broken[entry.name] = Broken(
                    entry.name,
                    entry,
                    PackageError(
                        "this folder is not a Python package: it has no __init__.py",
                        path=entry,
                        hint=f"add {entry.name}/__init__.py with a module docstring, "
                        "or move the folder out of the packages folder",
                    ),
                )
                continue
            package = Package(entry.name, "folder", entry)
        else:
            continue
        try:
            _check_name(package, found, by_dist)
        except PackageError as error:
            # Both sides of a clash are broken: neither can be built unambiguously.
            for other in (found.pop(package.name, None), by_dist.get(package.dist_name)):
                if other is not None:
                    found.pop(other.name, None)
                    broken.setdefault(other.name, Broken(other.name, other.path, error))
            broken.setdefault(package.name, Broken(package.name, package.path, error))
            continue
        found[package.name] = package
        by_dist[package.dist_name] = package
    for test in tests:
        owner = test.stem[len(TEST_PREFIX) :]
        kind = "test folder" if test.is_dir() else "test file"
        if owner not in found and owner not in broken:
            broken[owner] = Broken(
                owner,
                test,
                PackageError(
                    f"{kind} for a package {owner!r} that does not exist",
                    path=test,
                    hint=f"add {folder.name}/{owner}.py, or rename the {kind} to "
                    f"test_<package> of an existing package",
                ),
            )
        elif owner in found and test.is_dir() and found[owner].form == "folder":
            found.pop(owner)
            broken[owner] = Broken(
                owner,
                test,
                PackageError(
                    f"a test folder beside the folder package {owner!r}",
                    path=test,
                    hint=f"move it to {folder.name}/{owner}/tests/ (test_NAME/ folders are "
                    "for single-file packages)",
                ),
            )
    return Survey(dict(sorted(found.items())), dict(sorted(broken.items())))


def discover(config: RepoConfig) -> dict[str, Package]:
    """List the packages of the repository, by import name, sorted; strict: the first
    broken entry raises (see :func:`survey` for the forgiving listing).

    Args:
        config: the repository configuration (gives ``packages_dir``).

    Raises:
        PackageError: the packages folder is missing or empty; a name is not a valid
            identifier, shadows a standard-library module, or is used twice (as a file and
            a folder, or two names that normalize to one distribution name); a folder has
            no ``__init__.py``; a test file has no package.
    """
    found = survey(config)
    for entry in found.broken.values():
        raise entry.error
    if not found.packages:
        raise_no_packages(config.packages_dir)
    return found.packages


def raise_no_packages(folder: Path) -> None:
    """Raise the error for a packages folder that holds no package.

    Raises:
        PackageError: always, naming ``folder`` and what to add.
    """
    raise PackageError(
        "no packages found",
        path=folder,
        hint="add a module such as packages/my_tool.py (with a docstring), "
        "or a folder packages/my_tool/ with __init__.py",
    )


def _check_name(package: Package, found: dict[str, Package], by_dist: dict[str, Package]) -> None:
    problem = import_name_problem(package.name)
    if problem:
        raise PackageError(
            f"invalid package name: {problem}",
            path=package.path,
            hint=f"rename it to {suggest_name(package.name)!r}",
        )
    if is_stdlib(package.name):
        raise PackageError(
            f"package {package.name!r} shadows the standard-library module of that name",
            path=package.path,
            hint=f"rename it, e.g. to {suggest_name(package.name)!r}",
        )
    if package.name.startswith(TEST_PREFIX):
        raise PackageError("package names may not start with 'test_'", path=package.path)
    if package.name in found:
        raise PackageError(
            f"package {package.name!r} is defined twice: as {found[package.name].path.name} "
            f"and as {package.path.name}",
            path=package.path,
            hint="keep either the single file or the folder",
        )
    other = by_dist.get(package.dist_name)
    if other is not None:
        raise PackageError(
            f"package {package.name!r} and package {other.name!r} have the same "
            f"distribution name {package.dist_name!r} (PEP 503)",
            path=package.path,
            hint="rename one of them",
        )


def get_package(packages: dict[str, Package], name: str) -> Package:
    """Return the package named ``name`` (import name or distribution name).

    Raises:
        PackageError: no such package; the message lists the packages there are and the
            closest match.
    """
    if name in packages:
        return packages[name]
    wanted = distribution_name(name)
    for package in packages.values():
        if package.dist_name == wanted:
            return package
    close = difflib.get_close_matches(name, list(packages), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    shown = list(packages)[:_LISTED]
    more = f" and {len(packages) - _LISTED} more" if len(packages) > _LISTED else ""
    raise PackageError(
        f"no package named {name!r}",
        hint=f"{hint}packages: {', '.join(shown) or '(none)'}{more}",
    )


#: How many package names an unknown-name error lists.
_LISTED = 30
