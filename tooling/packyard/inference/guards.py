"""Which imports can run, on which Pythons and platforms: the guard around each import.

An import inside ``if sys.version_info < (3, 11):`` only runs on Pythons older than 3.11,
one inside ``if sys.platform == "win32":`` only on Windows. This module finds such guards
around each import of a source text (:func:`import_conditions`, called by the import
scanner, so the result is cached with it), as a
:data:`~packyard.inference.conditions.Condition`; once the package's ``requires-python``
is known, :func:`packyard.inference.verdicts.evaluate` turns each into a verdict.

Guards understood (anything else in a condition is treated as "could be either"):

* the version and platform tests of
  :mod:`packyard.inference.guard_expressions` (``sys.version_info``, ``sys.platform``,
  ``os.name``, ``platform.system()``..., and module-level names assigned from them);
* ``if``/``elif``/``else`` branches and conditional expressions (``a if PY3 else b``),
  combined with ``and``/``or``/``not``;
* a function's body runs under the conditions of the places that refer to it: when every
  line of the module mentioning the function's name (a call, the function assigned or
  passed somewhere; also a mention in a string or comment, which errs on the side of
  "unconditional") sits under a guard, its imports get the union of those guards, and
  when every such line is guarded by ``try/except ImportError``, its imports are
  optional. A function the module never mentions (public API, a decorated callback) or
  lists in ``__all__`` runs unconditionally. This is an approximation: callers in other
  modules are not seen; methods are matched by name alone;
* ``try: import tomllib`` / ``except ImportError: import tomli``: when the ``try``
  imports only the standard library, the handler is a fallback for the Pythons that lack
  it, so its imports are *required* on exactly those Pythons (``python_version <
  "3.11"``), and never when ``requires-python`` excludes them (see
  :func:`packyard.stdlib.available_from`).

Sources the running Python's :mod:`ast` cannot parse (syntax newer than the running
interpreter) get no guard information: their imports are kept as the scanner found them.
The scanner asks only for files with an import below the top level that mention a version
or platform word, or have an import guarded by ``try/except ImportError``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from packyard.inference.conditions import FALSE, TRUE, Condition, simplify
from packyard.inference.guard_expressions import Converter, dotted_name, strings, symbols
from packyard.stdlib import available_from, is_python2_stdlib, is_stdlib

__all__ = ["import_conditions", "mentions_guards"]

# What makes a source worth a guard analysis (a cheap text test before parsing).
_TRIGGER_RE = re.compile(r"version_info|platform|os\.name|PY[23]|implementation")
_IMPORT_ERRORS_RE = re.compile(r"\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b")
_MAX_REFERENCES = 32


def mentions_guards(text: str, *, optional: bool = True) -> bool:
    """Whether a source text mentions anything :func:`import_conditions` looks for.

    Args:
        text: the source.
        optional: whether the scanner found an import guarded by ``try/except
            ImportError`` in it (a possible standard-library fallback); without one, only
            version and platform words count.
    """
    return optional or _TRIGGER_RE.search(text) is not None


@dataclass(frozen=True)
class _Context:
    conditions: tuple[Condition, ...] = ()
    guard: str | None = None  # "optional", "fallback" (stdlib fallback handler) or None
    function: str | None = None


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    return handler.type is None or bool(_IMPORT_ERRORS_RE.search(ast.unparse(handler.type)))


def _import_modules(node: ast.AST) -> list[tuple[str, tuple[str, ...]]] | None:
    """(module, names) imported by an import statement or call; None if not an import."""
    if isinstance(node, ast.Import):
        return [(alias.name, ()) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return [("." + (node.module or ""), ())]
        return [(node.module or "", tuple(a.name for a in node.names))]
    if isinstance(node, ast.Call) and node.args:
        func = dotted_name(node.func) or ""
        first = node.args[0]
        if (
            func.rsplit(".", 1)[-1] in ("import_module", "__import__")
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
        ):
            return [(first.value, ())]
    return None


def _availability(body: list[ast.stmt]) -> Condition | None:
    """When every import of a ``try`` body succeeds, if it imports the standard library
    only (and something); None otherwise."""
    found: list[Condition] = []
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                break
            modules = _import_modules(node)
            if modules is None:
                continue
            for module, names in modules:
                if module.startswith(".") or not (is_stdlib(module) or is_python2_stdlib(module)):
                    return None
                low, high = available_from(module, names)
                if low is not None:
                    found.append(("py", ">=", low, 0))
                if high is not None:
                    found.append(("py", "<", high, 0))
                if low is None and high is None:
                    found.append(TRUE)
    if not found:
        return None
    return ("and", *found)


_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BLOCKS = ("body", "orelse", "finalbody")


class _Walker:
    """Walks statements (not every expression: that would cost more than the scan),
    recording each import's context and, per line, the innermost statement's context
    (where a function name mentioned on that line is referred to)."""

    def __init__(self, converter: Converter, lines: int, calls: bool) -> None:
        self.converter = converter
        self.calls = calls  # the source mentions import_module/__import__
        self.imports: dict[tuple[int, str], _Context] = {}
        self.line_context: list[_Context | None] = [None] * (lines + 2)
        self.definitions: dict[str, set[int]] = {}  # function name -> its `def` lines

    def record(self, node: ast.AST, context: _Context) -> None:
        modules = _import_modules(node)
        for module, _names in modules or ():
            key = (node.lineno, module.lstrip("."))  # type: ignore[attr-defined]
            self.imports.setdefault(key, context)

    def expression(self, node: ast.AST, context: _Context) -> None:
        """Import calls in an expression, with conditional expressions' guards."""
        if isinstance(node, ast.IfExp):
            condition = self.converter.convert(node.test)
            self.expression(node.test, context)
            then = (*context.conditions, condition)
            self.expression(node.body, _Context(then, context.guard, context.function))
            negated = (*context.conditions, ("not", condition))
            self.expression(node.orelse, _Context(negated, context.guard, context.function))
            return
        if isinstance(node, ast.Call):
            self.record(node, context)
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt):
                self.expression(child, context)

    def statements(self, body: list[ast.stmt], context: _Context) -> None:
        for node in body:
            self.statement(node, context)

    def statement(self, node: ast.stmt, context: _Context) -> None:
        end = getattr(node, "end_lineno", None) or node.lineno
        for line in range(node.lineno, min(end, len(self.line_context) - 1) + 1):
            self.line_context[line] = context
        if isinstance(node, ast.Import | ast.ImportFrom):
            self.record(node, context)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.definitions.setdefault(node.name, set()).add(node.lineno)
            for decorator in node.decorator_list:
                self.definitions[node.name].add(decorator.lineno)
            self.statements(node.body, _Context(function=node.name))
            return
        if isinstance(node, ast.If):
            condition = self.converter.convert(node.test)
            then = _Context((*context.conditions, condition), context.guard, context.function)
            negated = (*context.conditions, ("not", condition))
            self.statements(node.body, then)
            self.statements(node.orelse, _Context(negated, context.guard, context.function))
            return
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.try_statement(node, context)  # type: ignore[arg-type]
            return
        compound = False
        for field in _BLOCKS:
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                compound = True
                self.statements(block, context)
        for case in getattr(node, "cases", ()):  # match statements
            compound = True
            self.statements(case.body, context)
        if not compound and self.calls:
            self.expression(node, context)

    def try_statement(self, node: ast.Try, context: _Context) -> None:
        catching = [h for h in node.handlers if _catches_import_error(h)]
        body_context = context
        if catching:
            body_context = _Context(context.conditions, "optional", context.function)
        self.statements(node.body, body_context)
        available = _availability(node.body) if catching else None
        for handler in node.handlers:
            handler_context = context
            if handler in catching and available is not None:
                negated = (*context.conditions, ("not", available))
                handler_context = _Context(negated, "fallback", context.function)
            elif handler in catching:
                handler_context = _Context(context.conditions, "optional", context.function)
            self.statements(handler.body, handler_context)
        self.statements([*node.orelse, *node.finalbody], context)

    def references(self, text: str) -> dict[str, list[_Context]]:
        """Function name -> the contexts of the lines mentioning it (not its ``def``)."""
        found: dict[str, list[_Context]] = {}
        line = 1
        position = 0
        for match in _IDENTIFIER_RE.finditer(text):
            name = match.group()
            if name not in self.definitions:
                continue
            line += text.count("\n", position, match.start())
            position = match.start()
            if line in self.definitions[name]:
                continue
            context = self.line_context[line] if line < len(self.line_context) else None
            found.setdefault(name, []).append(context or _Context())
        return found


def _exported(tree: ast.Module) -> set[str]:
    """The names listed in a module-level ``__all__``."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                names |= set(strings(node.value) or []) if node.value else set()
    return names


def import_conditions(text: str) -> dict[tuple[int, str], tuple[Condition, bool | None]]:
    """The guard around each import of a Python source text.

    Args:
        text: the source.

    Returns:
        ``(line, module) -> (condition, optional)`` for each import statement (one entry
        per module; ``module`` without leading dots) and literal
        ``import_module``/``__import__`` call whose condition is not "always";
        ``optional`` is True when the import only runs through functions that are only
        referred to under ``try/except ImportError``, False when it is a standard-library
        fallback (required where the standard library lacks the module), None when the
        scanner's own finding stands. Empty when the source does not parse with this
        Python's :mod:`ast`.

    Raises:
        Nothing.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    converter = symbols(tree)
    walker = _Walker(
        converter, text.count("\n") + 1, "import_module" in text or "__import__" in text
    )
    try:
        walker.statements(tree.body, _Context())
    except RecursionError:
        return {}
    if not walker.imports:
        return {}
    references: dict[str, list[_Context]] = {}
    if any(context.function for context in walker.imports.values()):
        references = walker.references(text)
    exported = _exported(tree)
    resolved: dict[str, tuple[Condition, bool]] = {}

    def function_context(name: str | None) -> tuple[Condition, bool]:
        """Where a function's body runs: the union of the places referring to it. Each
        function is worked out once; a reference from a function still being worked
        out (recursion) adds nothing."""
        if name is None:
            return TRUE, False
        if name in resolved:
            return resolved[name]
        sites = references.get(name, [])
        if name in exported or not sites or len(sites) > _MAX_REFERENCES:
            resolved[name] = (TRUE, False)
            return resolved[name]
        resolved[name] = (FALSE, True)  # in progress
        alternatives, optional = [], True
        for site in sites:
            condition, site_optional = site_context(site)
            alternatives.append(condition)
            optional = optional and site_optional
        resolved[name] = (simplify(("or", *alternatives)), optional)
        return resolved[name]

    def site_context(site: _Context) -> tuple[Condition, bool]:
        outer, outer_optional = function_context(site.function)
        condition = simplify(("and", *site.conditions, outer))
        return condition, site.guard in ("optional", "fallback") or outer_optional

    out: dict[tuple[int, str], tuple[Condition, bool | None]] = {}
    for key, context in walker.imports.items():
        condition, through_optional = site_context(context)
        optional: bool | None = None
        if context.guard == "fallback":
            optional = False
        elif context.guard is None and through_optional:
            optional = True
        if condition != TRUE or optional is not None:
            out[key] = (condition, optional)
    return out
