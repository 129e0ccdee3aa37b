"""A module's ``__version__``: reading the one it states, and writing the built one.

packyard owns a package's version (the release history, see :mod:`packyard.versions.tracking`), but
a real module often states one: ``__version__ = "1.17.0"``. Before its first release a
package builds with that version, and its first release takes it. Whatever the version, the
built copy of the module (or of a folder package's ``__init__.py``) is rewritten so that
``NAME.__version__`` equals the distribution's version: the value of each module-level
``__version__ = ...`` assignment is replaced by the version string; a module without one
gets ``__version__ = "X.Y.Z"`` after its docstring and ``from __future__`` imports; a
module that imports ``__version__`` gets the assignment at its end. The sources in
``packages/`` are never touched.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator


def _assignments(body: list[ast.stmt]) -> Iterator[ast.Assign | ast.AnnAssign]:
    """Module-level assignments to ``__version__``, also inside top-level ``if``/``try``."""
    for node in body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign) and node.value is not None
            else []
        )
        if any(_is_version(t) for t in targets):
            yield node  # type: ignore[misc]
        elif isinstance(node, ast.If):
            yield from _assignments(node.body)
            yield from _assignments(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _assignments(block)


def _is_version(target: ast.expr) -> bool:
    return isinstance(target, ast.Name) and target.id == "__version__"


def declared_version(source: str) -> tuple[str, int] | None:
    """The version a module states with a top-level ``__version__ = "..."`` string literal.

    Args:
        source: the module's text (it must parse).

    Returns:
        ``(version, line)``, the string as written and its 1-based line, or None.

    >>> declared_version("'Doc.'\\n__version__ = '1.17.0'\\n")
    ('1.17.0', 2)
    >>> declared_version("__version__ = get_version()\\n") is None
    True
    """
    for node in _assignments(ast.parse(source).body):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value, node.lineno
    return None


def with_version(source: str, version: str) -> str:
    """``source`` with ``__version__`` bound to ``version`` (see the module docstring).

    Args:
        source: the module's text (it must parse).
        version: the PEP 440 version the distribution is built with.

    >>> print(with_version("'Doc.'\\nfrom __future__ import annotations\\nx = 1\\n", "2.0"), end="")
    'Doc.'
    from __future__ import annotations
    __version__ = "2.0"
    x = 1
    >>> print(with_version("__version__ = '1.0'  # old\\nv = __version__\\n", "2.0"), end="")
    __version__ = "2.0"  # old
    v = __version__
    """
    tree = ast.parse(source)
    literal = f'"{version}"'
    lines = source.splitlines(keepends=True)
    found = sorted(_assignments(tree.body), key=lambda n: (n.lineno, n.col_offset), reverse=True)
    for node in found:
        value = node.value
        assert value is not None and value.end_lineno is not None
        start, end = value.lineno - 1, value.end_lineno - 1
        head = lines[start][: _column(lines[start], value.col_offset)]
        tail = lines[end][_column(lines[end], value.end_col_offset or 0) :]
        lines[start : end + 1] = [head + literal + tail]
    if found:
        return "".join(lines)
    assignment = f"__version__ = {literal}\n"
    if _imports_version(tree):
        text = "".join(lines)
        return text + ("" if not text or text.endswith("\n") else "\n") + assignment
    # After the docstring and __future__ imports; else before the first statement, so
    # a shebang, an encoding line and header comments stay first.
    after = tree.body[0].lineno - 1 if tree.body else len(lines)
    for index, node in enumerate(tree.body):
        is_docstring = (
            index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        )
        is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if not (is_docstring or is_future):
            break
        after = node.end_lineno or node.lineno
    if after and not lines[after - 1].endswith("\n"):
        lines[after - 1] += "\n"
    lines.insert(after, assignment)
    return "".join(lines)


def _column(line: str, byte_offset: int) -> int:
    """The character index of a UTF-8 byte offset in ``line`` (ast offsets are bytes)."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def _imports_version(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and any((a.asname or a.name) == "__version__" for a in node.names)
        for node in ast.walk(tree)
    )
