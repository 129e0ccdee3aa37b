"""The modules a folder package's API reference documents: each public module gets its own
mkdocstrings block (a section), read statically by griffe.

A module is public when no part of its dotted name starts with ``_`` (``kit.routes``,
``kit.cli``, ``kit.sub.tool``; not ``kit._impl`` or ``kit.sub._x``); ``tests/`` and
``docs/`` are not part of the package, and a folder without ``__init__.py`` is not a
subpackage. When the top module defines ``__all__``, what it exports is documented there,
so a submodule's section leaves those names out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from packyard.package.discovery import Package

#: mkdocstrings' member filter packyard uses everywhere: no private members.
PRIVATE_FILTER = "!^_[^_]"


def public_modules(package: Package) -> list[str]:
    """The dotted names of a folder package's public modules besides the top one, sorted
    (a single-file package has none).

    Args:
        package: the package.

    Returns:
        ``["kit.cli", "kit.routes", "kit.sub", "kit.sub.tool"]``-like names.
    """
    if package.form != "folder":
        return []
    names = []
    for path in package.source_files:
        relative = path.relative_to(package.path)
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if not parts or any(p.startswith("_") for p in parts):
            continue
        if not _in_subpackages(package, path):
            continue
        names.append(".".join([package.name, *parts]))
    return sorted(names)


def _in_subpackages(package: Package, path: Path) -> bool:
    """Whether every folder between the package folder and ``path`` has ``__init__.py``."""
    folder = path.parent
    while folder != package.path:
        if not (folder / "__init__.py").is_file():
            return False
        folder = folder.parent
    return True


def exported_names(package: Package) -> list[str]:
    """The string names of the top module's ``__all__`` (a list or tuple of literals),
    sorted; empty without one or when it is not literal."""
    try:
        tree = ast.parse(package.metadata_file.read_text(encoding="utf-8-sig"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return []
    for node in tree.body:
        names_all = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        )
        if names_all and isinstance(node.value, (ast.List, ast.Tuple)):
            return sorted(
                e.value
                for e in node.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
    return []


def module_sections(package: Package) -> list[str]:
    """The Markdown of one mkdocstrings block per public submodule (see
    :func:`public_modules`), each titled with its full dotted name; blank-line separated
    blocks, in name order."""
    exported = exported_names(package)
    filters = [PRIVATE_FILTER, *(f"!^{name}$" for name in exported)]
    blocks = []
    for module in public_modules(package):
        blocks.append(
            "\n".join(
                [
                    f"::: {module}",
                    "    options:",
                    "      show_root_full_path: true",
                    "      show_submodules: false",
                    f"      filters: [{', '.join(repr(f) for f in filters)}]",
                ]
            )
        )
    return blocks
