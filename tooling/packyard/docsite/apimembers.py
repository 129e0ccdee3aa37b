"""Which names the API page of a single-file package documents.

Every name in the module's ``__all__``, in its order; when the module has no ``__all__``,
every public name it defines at the top level (functions, classes, assignments; not
imports, not names starting with ``_``), in source order. With or without a docstring:
the page passes them to mkdocstrings as an explicit ``members`` list, which shows each one
whatever the filters and docstrings.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path


def api_members(module: Path) -> list[str] | None:
    """The names the API page documents for the module file ``module``.

    Returns:
        The names; None when the file cannot be read or parsed, or ``__all__`` is not a
        literal list or tuple of strings (mkdocstrings then decides).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.py"
    >>> _ = path.write_text("import os\\nX = 1\\ndef f(): pass\\ndef _g(): pass\\nclass C: pass\\n")
    >>> api_members(path)
    ['X', 'f', 'C']
    >>> _ = path.write_text("__all__ = ['f']\\ndef f(): pass\\ndef h(): pass\\n")
    >>> api_members(path)
    ['f']
    """
    try:
        tree = ast.parse(module.read_text(encoding="utf-8-sig"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            targets: list[str] = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            found = node.targets if isinstance(node, ast.Assign) else [node.target]
            targets = [t.id for t in found if isinstance(t, ast.Name)]
            if "__all__" in targets:
                return _literal_names(node.value)
        else:
            continue
        names += [n for n in targets if not n.startswith("_") and n not in names]
    return names


def _literal_names(value: ast.expr | None) -> list[str] | None:
    try:
        names = ast.literal_eval(value) if value is not None else None
    except ValueError:
        return None
    if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
        return list(dict.fromkeys(names))
    return None


def members_options(module: Path) -> list[str]:
    """The mkdocstrings option lines (indented for a ``::: NAME`` block) that show exactly
    :func:`api_members` on the page, documented or not; empty when it returns None."""
    names = api_members(module)
    if names is None:
        return []
    return [
        f"      members: {json.dumps(names)}",
        "      show_if_no_docstring: true",
        # Below the module: public methods and attributes, not dunders or private ones.
        '      filters: ["!^_"]',
    ]
