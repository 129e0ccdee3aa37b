"""Where an import found by the scanner sits: guarded against the module being missing
(*optional*), or only run under type checking (then not an import at all).

An import is *optional* when it sits in the body of a ``try:`` that has a handler
catching ``ImportError`` or ``ModuleNotFoundError`` (also bare ``except:``,
``except Exception``/``BaseException``, dotted names, tuples, ``except*``), or in the body
of such a handler (a fallback import), or in the body of ``with suppress(ImportError):``
/ ``with contextlib.suppress(...)``. The guard may be any number of blocks up (an outer
guard still catches what an inner ``try`` lets through), but not beyond a function or
lambda body: a function defined inside a guarded block runs later, outside the guard, so
its imports are required unless guarded inside the function. Class bodies run in place,
so they do not stop the search. Parameter defaults of a function belong to the
enclosing block.

An import under ``if TYPE_CHECKING:`` only runs under type checking: the forms recognised
are listed in :mod:`packyard.inference.scanner`, which leaves such imports out.
"""

from __future__ import annotations

import re

from ast_grep_py import SgNode

__all__ = ["context"]

_CATCHES_IMPORT_ERROR_RE = re.compile(
    r"\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b"
)
_SUPPRESS_RE = re.compile(r"\bsuppress\s*\(([^()]*)\)")
_TYPE_CHECKING_RE = re.compile(r"(?:\w+\s*\.\s*)*TYPE_CHECKING")
_NOT_TYPE_CHECKING_RE = re.compile(r"not\s+\(?\s*(?:\w+\s*\.\s*)*TYPE_CHECKING\s*\)?")


def _handler_catches_import_error(clause: SgNode) -> bool:
    """Whether an ``except``/``except*`` clause catches ImportError (bare ``except:`` does)."""
    header = []
    for child in clause.children():
        kind = child.kind()
        if kind == "block":
            break
        if kind not in ("except", "except*", "*", ":", "comment"):
            header.append(child.text())
    if not header:
        return True
    return _CATCHES_IMPORT_ERROR_RE.search(" ".join(header)) is not None


def _try_catches_import_error(node: SgNode) -> bool:
    return any(
        child.kind() == "except_clause" and _handler_catches_import_error(child)
        for child in node.children()
    )


def _with_suppresses_import_error(node: SgNode) -> bool:
    for child in node.children():
        if child.kind() == "with_clause":
            return any(
                _CATCHES_IMPORT_ERROR_RE.search(match.group(1))
                for match in _SUPPRESS_RE.finditer(child.text())
            )
    return False


def _condition(node: SgNode) -> str:
    condition = node.field("condition")
    if condition is None:
        return ""
    text = condition.text().strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


def context(node: SgNode) -> bool | None:
    """None when the import only runs under type checking, else whether it is optional."""
    optional = False
    in_function = False
    previous = node.kind()
    for ancestor in node.ancestors():
        kind = ancestor.kind()
        if kind in ("if_statement", "elif_clause"):
            if previous == "block" and _TYPE_CHECKING_RE.fullmatch(_condition(ancestor)):
                return None
            if (
                kind == "if_statement"
                and previous == "else_clause"
                and _NOT_TYPE_CHECKING_RE.fullmatch(_condition(ancestor))
            ):
                return None
        elif not in_function and not optional and previous == "block":
            if kind == "try_statement":
                optional = _try_catches_import_error(ancestor)
            elif kind == "except_clause":  # also `except*`
                optional = _handler_catches_import_error(ancestor)
            elif kind == "with_statement":
                optional = _with_suppresses_import_error(ancestor)
        if (kind == "function_definition" and previous == "block") or (
            kind == "lambda" and previous != "lambda_parameters"
        ):
            in_function = True
        previous = kind
    return optional
