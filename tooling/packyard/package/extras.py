"""Folder-package files that ship as extras: HTTP routes, a Streamlit app, an MCP server.

A folder package may hold, at its top level:

==============  ===========================================  =======  =====================
file            defines                                      extra    entry-point group
==============  ===========================================  =======  =====================
``routes.py``   ``router``, a FastAPI ``APIRouter``          ``api``  ``packyard.routes``
``app.py``      a Streamlit script (run top to bottom)       ``app``  ``packyard.apps``
``mcp.py``      ``mcp``, an MCP server (MCPServer, FastMCP)  ``mcp``  ``packyard.mcp``
==============  ===========================================  =======  =====================

Each entry point is named after the package's import name and points at the object
(``NAME.routes:router``, ``NAME.mcp:mcp``) or, for the app, the module (``NAME.app``).

The third-party imports of such a file are requirements of its extra, not of the core
install (``pip install NAME`` never pulls FastAPI, Streamlit or the MCP SDK unless a core
module imports them too); ``pip install 'NAME[api]'`` adds them. The entry points let
``packyard serve``, ``packyard app`` and ``packyard mcp`` find these parts in an installed
package (see :mod:`packyard.runtime`). Only files at the top of the package folder count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

from packyard.errors import PackageError
from packyard.inference.imports import ImportRecord
from packyard.package.discovery import Package
from packyard.package.metadata import read_source


@dataclass(frozen=True)
class ExtraFile:
    """One file convention.

    Attributes:
        module: the module name inside the package (``routes``).
        extra: the extra its imports go to (``api``).
        group: the entry-point group (``packyard.routes``).
        attribute: the object the entry point names, or None when it names the module.
        what: what the attribute must be, for messages.
    """

    module: str
    extra: str
    group: str
    attribute: str | None
    what: str

    def entry_point(self, package: str) -> str:
        """The entry point's value for a package (``NAME.routes:router``)."""
        target = f"{package}.{self.module}"
        return f"{target}:{self.attribute}" if self.attribute else target


#: The conventions, by module name.
EXTRA_FILES: dict[str, ExtraFile] = {
    "routes": ExtraFile("routes", "api", "packyard.routes", "router", "a FastAPI APIRouter"),
    "app": ExtraFile("app", "app", "packyard.apps", None, "a Streamlit script"),
    "mcp": ExtraFile("mcp", "mcp", "packyard.mcp", "mcp", "an MCP server (MCPServer, FastMCP)"),
}
#: Entry-point group -> the file convention, for the installed side.
GROUPS: dict[str, ExtraFile] = {spec.group: spec for spec in EXTRA_FILES.values()}


def extra_files(package: Package) -> dict[str, tuple[ExtraFile, Path]]:
    """The extra files a package has, by extra name (``{"api": (spec, path)}``).

    A single-file package has none.
    """
    if package.form != "folder":
        return {}
    found: dict[str, tuple[ExtraFile, Path]] = {}
    for spec in EXTRA_FILES.values():
        path = package.path / f"{spec.module}.py"
        if path.is_file():
            found[spec.extra] = (spec, path)
    return found


def extras_imported_by_core(
    package: Package, records: Iterable[ImportRecord]
) -> dict[str, ImportRecord]:
    """The extra files the package's core imports (not under ``except ImportError``),
    by extra name, each with the first import of it.

    Such an extra file is part of the core install: a core module that imports
    ``routes.py`` needs fastapi whenever it is imported.

    Args:
        package: the package.
        records: the imports of its core files (see :func:`packyard.inference.imports.scan_files`).
    """
    by_module = {spec.module: spec.extra for spec, _ in extra_files(package).values()}
    found: dict[str, ImportRecord] = {}
    if not by_module:
        return found
    for record in records:
        if record.optional:
            continue
        for module in _package_modules(package, record):
            extra = by_module.get(module)
            if extra is not None and extra not in found:
                found[extra] = record
    return found


def _package_modules(package: Package, record: ImportRecord) -> list[str]:
    """The top-level modules of ``package`` (``routes``...) an import names."""
    if record.level:
        here = Path(record.path).resolve().parent.relative_to(package.path.resolve()).parts
        base = [package.name, *here]
        if record.level - 1 > len(here):
            return []
        base = base[: len(base) - (record.level - 1)]
        absolute = [*base, *(record.module.split(".") if record.module else [])]
    else:
        absolute = record.module.split(".")
    if absolute[0] != package.name:
        return []
    if len(absolute) > 1:
        return [absolute[1]]
    return list(record.names)


def entry_points(package: Package) -> dict[str, dict[str, str]]:
    """The ``[project.entry-points]`` groups a package's extra files give
    (``{"packyard.routes": {"NAME": "NAME.routes:router"}}``)."""
    return {
        spec.group: {package.name: spec.entry_point(package.name)}
        for spec, _ in extra_files(package).values()
    }


def with_extra(requirement: Requirement, extra: str) -> str:
    """A PEP 508 line for a requirement of an extra.

    >>> with_extra(Requirement("fastapi>=0.110"), "api")
    'fastapi>=0.110; extra == "api"'
    >>> with_extra(Requirement("uvloop; sys_platform != 'win32'"), "api")
    'uvloop; (sys_platform != "win32") and extra == "api"'
    """
    bare = Requirement(str(requirement))
    marker, bare.marker = bare.marker, None
    condition = f'extra == "{extra}"'
    return f"{bare}; ({marker}) and {condition}" if marker else f"{bare}; {condition}"


def check_extra_files(package: Package) -> None:
    """Check that ``routes.py`` defines ``router`` and ``mcp.py`` defines ``mcp`` at module
    level (an assignment, a function or class definition, or an import under that name).

    Raises:
        PackageError: a file lacks its object (names the file and what to define), or has
            a syntax error (names the line).
    """
    for spec, path in extra_files(package).values():
        if spec.attribute is None:
            continue
        source = read_source(path)
        try:
            tree = ast.parse(source, filename=str(path))
        except SyntaxError as exc:
            raise PackageError(
                f"syntax error: {exc.msg}", path=path, line=exc.lineno, hint="fix the syntax"
            ) from None
        if spec.attribute not in module_level_names(tree):
            raise PackageError(
                f"{path.name} has no module-level {spec.attribute!r}: it must define "
                f"{spec.what} named {spec.attribute!r}",
                path=path,
                hint=f"add e.g. `{_EXAMPLES[spec.module]}`, or rename {path.name} if it is "
                f"not meant to be the package's {spec.module}",
            )


_EXAMPLES = {
    "routes": "router = APIRouter()",
    "mcp": 'mcp = MCPServer("NAME")',
}


def module_level_names(tree: ast.Module) -> set[str]:
    """The names a module defines at module level (assignments, functions, classes,
    imports; inside top-level ``if``/``try``/``with`` blocks too)."""
    names: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    names.update(_target_names(target))
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                names.update(_target_names(node.target))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    names.add((alias.asname or alias.name).split(".", 1)[0])
            elif isinstance(node, ast.If | ast.Try | ast.With):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []) or [])
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return names


def _target_names(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return {n for element in target.elts for n in _target_names(element)}
    return set()
