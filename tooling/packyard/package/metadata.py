"""What a package says about itself, and the PEP 621 ``[project]`` table made from it.

Sources, lowest to highest precedence:

1. the repository defaults (``[tool.packyard.defaults]`` in the root ``pyproject.toml``);
2. what is inferred: name from the file or folder, summary and long description from the
   module docstring (or the folder's ``README.md``; see :mod:`packyard.package.longdesc`),
   dependencies from the imports, the license from ``__license__`` or a license header
   (see :mod:`packyard.package.license_detect`), the first version from ``__version__`` (see
   :mod:`packyard.package.module_version`);
3. what the package writes down: its PEP 723 block (``requires-python``, ``dependencies``
   and ``[tool.packyard]``), or for a folder its partial ``pyproject.toml`` (``[project]``
   and ``[tool.packyard]``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packyard import tomlcompat
from packyard.errors import ConfigError, PackageError
from packyard.package.discovery import Package
from packyard.package.license_detect import detect_license
from packyard.package.longdesc import MARKDOWN, long_description, summary_of
from packyard.package.module_version import declared_version
from packyard.package.pep723 import read_script_metadata

#: PEP 621 fields a package may set itself (in ``[tool.packyard]`` of its PEP 723 block,
#: or in ``[project]`` of its partial ``pyproject.toml``).
PROJECT_FIELDS = (
    "description",
    "requires-python",
    "license",
    "authors",
    "maintainers",
    "keywords",
    "classifiers",
    "urls",
    "dependencies",
    "optional-dependencies",
    "scripts",
    "gui-scripts",
    "entry-points",
)
#: Fields packyard owns: a package cannot set them.
OWNED_FIELDS = ("name", "dynamic", "readme", "license-files")
#: ``[tool.packyard]`` keys of a package that are not PEP 621 fields.
TOOL_KEYS = ("import-map", "test-dependencies", "doctests", "version")


@dataclass(frozen=True)
class PackageSource:
    """Everything a package says about itself.

    Attributes:
        package: the package.
        summary: the docstring's first sentence (see :func:`packyard.package.longdesc.summary_of`),
            or the explicit ``description``.
        description: the long description.
        description_type: its content type, ``text/markdown`` or ``text/x-rst``.
        project: PEP 621 fields the package sets explicitly, with their values.
        project_origin: the file those fields came from, for error messages.
        import_map: per-package import name -> distribution overrides.
        test_dependencies: extra PEP 508 requirements for running the package's tests.
        declared_version: the PEP 440 version the package states (``version`` in its
            metadata, else a module-level ``__version__`` string), or None; used until
            its first release and by that release.
        doctests: ``doctests`` from its ``[tool.packyard]``: whether the test-install runs
            its doctests; None when it does not say (the repository default applies).
        license: the license expression its source states (``__license__``, a license
            header), or None.
    """

    package: Package
    summary: str
    description: str
    project: dict[str, Any] = field(default_factory=dict)
    project_origin: Path | None = None
    import_map: dict[str, str] = field(default_factory=dict)
    test_dependencies: list[str] = field(default_factory=list)
    description_type: str = "text/markdown"
    declared_version: str | None = None
    doctests: bool | None = None
    license: str | None = None

    @property
    def explicit_dependencies(self) -> list[str]:
        """PEP 508 strings the package lists itself (their specifiers win)."""
        return list(self.project.get("dependencies", []))


def _table(value: Any, where: str, path: Path, line: int | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{where} must be a table, not {type(value).__name__}",
            path=path,
            line=line,
            hint=f"write {where} as a TOML table of keys and values",
        )
    return dict(value)


def _check_types(project: dict[str, Any], path: Path, line: int | None) -> None:
    """Check the fields packyard reads itself; validate-pyproject checks the rest later."""

    def strings(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    problems = []
    if "dependencies" in project and not strings(project["dependencies"]):
        problems.append(("dependencies", 'a list of PEP 508 strings: ["PyYAML>=6"]'))
    extras = project.get("optional-dependencies", {})
    if not isinstance(extras, dict) or not all(strings(v) for v in extras.values()):
        problems.append(("optional-dependencies", 'a table of lists: cli = ["click>=8"]'))
    for key in ("scripts", "gui-scripts"):
        value = project.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append((key, 'a table of "module:function" strings'))
    if "description" in project and not isinstance(project["description"], str):
        problems.append(("description", "a string"))
    if problems:
        key, shape = problems[0]
        raise ConfigError(
            f"{key} has the wrong type",
            path=path,
            line=line,
            hint=f"{key} must be {shape}",
        )


def read_source(path: Path) -> str:
    """Read a source file as UTF-8 text.

    Raises:
        PackageError: the file cannot be read or is not UTF-8.
    """
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PackageError(
            f"not valid UTF-8 (byte {exc.start})",
            path=path,
            hint="save the file as UTF-8",
        ) from None
    except OSError as exc:
        raise PackageError(f"cannot read file: {exc.strerror}", path=path) from None


def module_docstring(source: str, path: Path) -> str | None:
    """Return the module docstring of a Python source, or None.

    Raises:
        PackageError: the source has a syntax error (names the file and line).
    """
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise PackageError(
            f"syntax error: {exc.msg}",
            path=path,
            line=exc.lineno,
            hint="fix the syntax; the package cannot be built until it parses",
        ) from None
    return ast.get_docstring(tree)


def read_package(package: Package) -> PackageSource:
    """Read a package's docstring, README and explicit metadata.

    Raises:
        PackageError: a file cannot be read, has a syntax error, or the module has no
            docstring to take a summary from.
        ConfigError: the PEP 723 block or the partial ``pyproject.toml`` is malformed or
            sets a field packyard owns or does not know.
    """
    path = package.metadata_file
    source = read_source(path)
    docstring = module_docstring(source, path)
    project: dict[str, Any] = {}
    tool: dict[str, Any] = {}
    origin: Path | None = None
    line: int | None = None
    if package.form == "module":
        script = read_script_metadata(source, path)
        line = script.line or None
        tool = _table(script.tool.get("packyard", {}), "[tool.packyard]", path, line)
        where = "[tool.packyard] of the '# /// script' block"
        tomlcompat.check_keys(tool, PROJECT_FIELDS + TOOL_KEYS, path, where, line=line)
        project = {k: tool.pop(k) for k in list(tool) if k in PROJECT_FIELDS}
        if script.requires_python:
            project["requires-python"] = script.requires_python
        if script.dependencies:
            project["dependencies"] = list(script.dependencies)
        origin = path
    elif package.pyproject is not None:
        origin = package.pyproject
        data = tomlcompat.load(origin)
        project = _table(data.get("project", {}), "[project]", origin, None)
        version = project.pop("version", None)  # the first release's (_declared_version)
        tools = _table(data.get("tool", {}), "[tool]", origin, None)
        tool = _table(tools.get("packyard", {}), "[tool.packyard]", origin, None)
        if version is not None:
            tool.setdefault("version", version)
        if "scripts" in tool:  # the same as [project.scripts], for symmetry with PEP 723
            scripts = _table(tool.pop("scripts"), "[tool.packyard.scripts]", origin, None)
            project["scripts"] = {
                **_table(project.get("scripts", {}), "[project.scripts]", origin, None),
                **scripts,
            }
        for key in OWNED_FIELDS:
            if key in project:
                raise ConfigError(
                    f"[project] {key} is set by packyard and cannot be given here",
                    path=origin,
                    hint=f"remove {key!r}: the name comes from the folder, "
                    "the readme from README.md or the docstring, "
                    "license files from LICENSE* files in the folder",
                )
        tomlcompat.check_keys(project, PROJECT_FIELDS, origin, "[project]")
        tomlcompat.check_keys(tool, TOOL_KEYS, origin, "[tool.packyard]")

    _check_types(project, origin or path, line)
    if not docstring and "description" not in project:
        raise PackageError(
            "the module has no docstring to take the package summary from",
            path=path,
            line=1,
            hint='start the file with a docstring: """One-line summary.\n\nLonger text."""',
        )
    summary = project.get("description") or summary_of(docstring or "")
    description_type = MARKDOWN
    if package.readme is not None:
        description = read_source(package.readme)
    else:
        description, description_type = long_description(
            package.dist_name, docstring or "", summary
        )
    import_map = tool.get("import-map", {})
    from packyard.names import validate_map

    import_map = validate_map(import_map, source=f"{origin} [tool.packyard.import-map]")
    tests = tool.get("test-dependencies", [])
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        raise ConfigError("test-dependencies must be a list of PEP 508 strings", path=origin)
    doctests = tool.get("doctests")
    if doctests is not None and not isinstance(doctests, bool):
        raise ConfigError(
            "[tool.packyard] doctests must be true or false", path=origin or path, line=line
        )
    return PackageSource(
        package=package,
        summary=summary,
        description=description,
        project=project,
        project_origin=origin,
        import_map=import_map,
        test_dependencies=tests,
        description_type=description_type,
        declared_version=_declared_version(tool, source, origin or path, line),
        doctests=doctests,
        license=detect_license(source),
    )


def _declared_version(
    tool: dict[str, Any], source: str, path: Path, line: int | None
) -> str | None:
    """The version a package states: ``version`` in its metadata (must be PEP 440), else
    a module-level ``__version__`` string that is a PEP 440 version (others are ignored).

    Raises:
        ConfigError: the metadata's ``version`` is not a PEP 440 version string.
    """
    from packaging.version import InvalidVersion, Version

    if "version" in tool:
        value = tool["version"]
        try:
            return str(Version(value if isinstance(value, str) else ""))
        except InvalidVersion:
            raise ConfigError(
                f"version {value!r} is not a PEP 440 version",
                path=path,
                line=line,
                hint='write a version such as "1.2.0" (it is the first release\'s version)',
            ) from None
    found = declared_version(source)
    if found is not None:
        try:
            return str(Version(found[0]))
        except InvalidVersion:
            return None
    return None
