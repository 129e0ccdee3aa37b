"""Which imports can run, on which Pythons and platforms: version and platform guards.

An import inside ``if sys.version_info < (3, 11):`` only runs on Pythons older than 3.11,
one inside ``if sys.platform == "win32":`` only on Windows. This module finds such guards
around each import of a source text (:func:`import_conditions`, called by the import
scanner, so the result is cached with it) and, once the package's ``requires-python`` is
known, turns each into a verdict (:func:`evaluate`): the import never runs (dropped), it
always runs (a plain requirement), it runs under a PEP 508 environment marker
(``tomli; python_version < "3.11"``, ``pywin32; sys_platform == "win32"``), or it runs
under a condition no marker can express (reported, never guessed).

Guards understood (anything else in a condition is treated as "could be either"):

* ``sys.version_info`` compared with a tuple of ints (``<``, ``<=``, ``>``, ``>=``,
  ``==``, ``!=``, chained), ``sys.version_info[:2]``, ``sys.version_info[0]`` and
  ``sys.version_info.major`` compared with an int;
* ``sys.platform`` (``==``, ``!=``, ``in``/``not in`` a tuple or list of strings,
  ``"x" in sys.platform``, ``.startswith(...)``), ``os.name``, ``platform.system()``
  (also ``.lower()``), ``platform.python_implementation()``, ``platform.machine()`` and
  ``sys.implementation.name``; ``sys.platform.startswith("java")`` means Jython
  (``platform_python_implementation == "Jython"``);
* module-level names assigned from such an expression (``PY2 = sys.version_info[0] ==
  2``, ``WINDOWS = os.name == "nt"``), a module-level name assigned ``sys.platform`` (or
  another platform value) anywhere in the module, which then stands for it, and the
  conventional ``PY2``/``PY3`` (bare, or as an attribute such as ``six.PY2``) when the
  module does not assign them;
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
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from packyard.stdlib import available_from, is_python2_stdlib, is_stdlib

__all__ = ["Condition", "Verdict", "evaluate", "import_conditions", "mentions_guards"]

#: A condition, as nested tuples (marshal-friendly, so it is cached with the scan):
#: ``("true",)``, ``("false",)``, ``("free",)`` (anything: not a guard),
#: ``("py", op, parts, n)`` (``sys.version_info[:n] op parts``; n = 0 for the whole
#: ``sys.version_info``), ``("env", variable, op, value)`` (a PEP 508 marker atom; op is
#: ``==``, ``!=`` or ``in``, the latter meaning ``value in variable``), ``("?", text)``
#: (a platform guard no marker expresses), ``("not", c)``, ``("and", c, ...)``,
#: ``("or", c, ...)``.
Condition = tuple

TRUE: Condition = ("true",)
FALSE: Condition = ("false",)
FREE: Condition = ("free",)

# What makes a source worth a guard analysis (a cheap text test before parsing).
_TRIGGER_RE = re.compile(r"version_info|platform|os\.name|PY[23]|implementation")
_IMPORT_ERRORS_RE = re.compile(r"\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_OPS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
}
# Platform values and the PEP 508 marker variable each corresponds to.
_PLATFORM_VALUES = {
    "sys.platform": "sys_platform",
    "os.name": "os_name",
    "platform.system()": "platform_system",
    "platform.python_implementation()": "platform_python_implementation",
    "platform.machine()": "platform_machine",
    "sys.implementation.name": "implementation_name",
}
# sys.platform values a ``startswith`` prefix stands for exactly (Python 3).
_WHOLE_PLATFORMS = frozenset(
    {"win32", "linux", "darwin", "cygwin", "aix", "emscripten", "wasi", "ios", "android"}
)
_PREFIX_PLATFORMS = {"win": "win32", "linux": "linux", "darwin": "darwin", "cygwin": "cygwin"}
_SYSTEM_NAMES = {"windows": "Windows", "linux": "Linux", "darwin": "Darwin", "java": "Java"}
_CONVENTIONAL: dict[str, Condition] = {
    "PY2": ("py", "<", (3,), 0),
    "PY3": ("py", ">=", (3,), 0),
}
# Shannon expansion over at most this many unrelated sub-conditions; beyond, "always".
_MAX_FREE = 6
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


# ---------------------------------------------------------------------------------------
# From source to conditions
# ---------------------------------------------------------------------------------------


def _dotted(node: ast.AST) -> str | None:
    """``sys.platform`` for an attribute chain, ``platform.system()`` for a bare call."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        base = _dotted(node.func)
        return f"{base}()" if base else None
    return None


def _int_tuple(node: ast.AST) -> tuple[int, ...] | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return (node.value,)
    if isinstance(node, ast.Tuple) and node.elts:
        parts = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(parts) == len(node.elts) and all(type(p) is int for p in parts):
            return tuple(parts)
    return None


def _strings(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(values) == len(node.elts) and all(isinstance(v, str) for v in values):
            return values
    return None


class _Converter:
    """Turns guard expressions into conditions, knowing the module's constants."""

    def __init__(self, symbols: dict[str, Condition], aliases: dict[str, str]) -> None:
        self.symbols = symbols
        self.aliases = aliases

    def version(self, node: ast.AST) -> int | None:
        """n for ``sys.version_info[:n]`` (0: the whole tuple), or None."""
        if _dotted(node) == "sys.version_info":
            return 0
        if _dotted(node) in ("sys.version_info.major",):
            return 1
        if isinstance(node, ast.Subscript) and _dotted(node.value) == "sys.version_info":
            index = node.slice
            if isinstance(index, ast.Constant) and index.value == 0:
                return 1
            if (
                isinstance(index, ast.Slice)
                and index.step is None
                and (index.lower is None or _int_tuple(index.lower) == (0,))
                and index.upper is not None
                and _int_tuple(index.upper) is not None
            ):
                upper = _int_tuple(index.upper)
                return upper[0] if upper and 0 < upper[0] <= 3 else None
        return None

    def platform(self, node: ast.AST) -> tuple[str, bool] | None:
        """(marker variable, lowered) for a platform value expression, or None."""
        lowered = False
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "lower"
            and not node.args
        ):
            node, lowered = node.func.value, True
        name = _dotted(node)
        if name is None:
            return None
        name = self.aliases.get(name, name)
        variable = _PLATFORM_VALUES.get(name)
        return (variable, lowered) if variable else None

    def platform_prefix(self, node: ast.AST) -> str | None:
        """The marker variable of ``sys.platform[:n]`` (a prefix of a platform value)."""
        if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Slice):
            return None
        index = node.slice
        if index.lower is not None or index.step is not None or index.upper is None:
            return None
        target = self.platform(node.value)
        return target[0] if target is not None and not target[1] else None

    def mentions_platform(self, node: ast.AST) -> bool:
        return any(
            self.platform(sub) is not None or (isinstance(sub, ast.Name) and sub.id in self.aliases)
            for sub in ast.walk(node)
        )

    def convert(self, node: ast.AST) -> Condition:
        if isinstance(node, ast.BoolOp):
            kind = "and" if isinstance(node.op, ast.And) else "or"
            return (kind, *(self.convert(v) for v in node.values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ("not", self.convert(node.operand))
        if isinstance(node, ast.Constant) and isinstance(node.value, bool | int):
            return TRUE if node.value else FALSE
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id]
            return _CONVENTIONAL.get(node.id, FREE)
        if isinstance(node, ast.Attribute) and node.attr in _CONVENTIONAL:
            return _CONVENTIONAL[node.attr]
        if isinstance(node, ast.Compare):
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                parts.append(self.compare(left, _OPS.get(type(op), ""), right))
                left = right
            return parts[0] if len(parts) == 1 else ("and", *parts)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "startswith"
            and len(node.args) == 1
            and not node.keywords
        ):
            target = self.platform(node.func.value)
            prefixes = _strings(node.args[0])
            if target is not None and prefixes is not None and not target[1]:
                return ("or", *(self.prefix(target[0], p) for p in prefixes))
        if self.mentions_platform(node):
            return ("?", ast.unparse(node))
        return FREE

    def prefix(self, variable: str, prefix: str) -> Condition:
        if variable == "sys_platform":
            if prefix == "java":
                return ("env", "platform_python_implementation", "==", "Jython")
            if prefix in _PREFIX_PLATFORMS:
                return ("env", variable, "==", _PREFIX_PLATFORMS[prefix])
            if prefix in _WHOLE_PLATFORMS:
                return ("env", variable, "==", prefix)
        if not prefix:
            return TRUE
        # "freebsd" in sys_platform: a substring test, the nearest PEP 508 has to a prefix.
        return ("env", variable, "in", prefix)

    def compare(self, left: ast.AST, op: str, right: ast.AST) -> Condition:
        if self.version(right) is not None and op in _FLIP:
            left, right, op = right, left, _FLIP[op]
        n = self.version(left)
        if n is not None:
            parts = _int_tuple(right)
            if parts is None or op not in _FLIP:
                return FREE
            return _whole_version(op, parts, n)
        if self.platform(right) is not None and op in ("==", "!="):
            left, right = right, left
        sliced = self.platform_prefix(left)
        values = _strings(right)
        if sliced is not None and op in ("==", "!=") and values and len(values) == 1:
            atom = self.prefix(sliced, values[0])  # sys.platform[:3] == "win"
            return atom if op == "==" else ("not", atom)
        target = self.platform(left)
        if target is not None:
            variable, lowered = target
            values = _strings(right)
            if values is None:
                return ("?", ast.unparse(ast.Compare(left, [_op_node(op)], [right])))
            if lowered:
                if variable != "platform_system" or any(v not in _SYSTEM_NAMES for v in values):
                    return ("?", f"{ast.unparse(left)} {op} {ast.unparse(right)}")
                values = [_SYSTEM_NAMES[v] for v in values]
            if op in ("==", "!=") and isinstance(right, ast.Constant):
                atom = ("env", variable, "==", values[0])  # != is the negation of ==
                return atom if op == "==" else ("not", atom)
            if op in ("in", "not in") and not isinstance(right, ast.Constant):
                atoms = [("env", variable, "==", v) for v in values]
                return ("or", *atoms) if op == "in" else ("not", ("or", *atoms))
            return ("?", f"{ast.unparse(left)} {op} {ast.unparse(right)}")
        other = self.platform(right)
        if other is not None and op in ("in", "not in"):
            values = _strings(left)
            if values and len(values) == 1 and not other[1]:
                atom = ("env", other[0], "in", values[0])
                return atom if op == "in" else ("not", atom)
            return ("?", f"{ast.unparse(left)} {op} {ast.unparse(right)}")
        if self.mentions_platform(left) or self.mentions_platform(right):
            return ("?", f"{ast.unparse(left)} {op} {ast.unparse(right)}")
        return FREE


def _whole_version(op: str, parts: tuple[int, ...], n: int) -> Condition:
    """``sys.version_info[:n] op parts`` as tests on the whole ``sys.version_info`` where
    one exists (``[0] == 2`` -> ``>= (2,)`` and ``< (3,)``), so each folds on its own."""
    if n == 0 or n != len(parts) or n > 2:
        return ("py", op, parts, n)
    following = (*parts[:-1], parts[-1] + 1)
    return {
        "<": ("py", "<", parts, 0),
        ">=": ("py", ">=", parts, 0),
        ">": ("py", ">=", following, 0),
        "<=": ("py", "<", following, 0),
        "==": ("and", ("py", ">=", parts, 0), ("py", "<", following, 0)),
        "!=": ("or", ("py", "<", parts, 0), ("py", ">=", following, 0)),
    }[op]


def _op_node(op: str) -> ast.cmpop:
    for cls, text in _OPS.items():
        if text == op:
            return cls()
    return ast.Eq()  # pragma: no cover - every op comes from _OPS


def _module_scope(tree: ast.Module) -> Iterator[ast.stmt]:
    """Module-level statements, also inside module-level if/try/with blocks."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
            blocks = [node.body, node.orelse] if hasattr(node, "orelse") else [node.body]
            if isinstance(node, ast.Try):
                blocks += [h.body for h in node.handlers] + [node.finalbody]
            for block in blocks:
                stack.extend(reversed(block))
        elif type(node).__name__ == "TryStar":
            stack.extend(reversed(node.body))  # type: ignore[attr-defined]


def _symbols(tree: ast.Module) -> _Converter:
    """The module's guard constants and platform-value aliases."""
    converter = _Converter({}, {})
    assigned: dict[str, list[ast.AST]] = {}
    for node in _module_scope(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            assigned.setdefault(node.target.id, []).append(node.value)
    for name, values in assigned.items():
        for value in values:
            dotted = _dotted(value)
            if dotted in _PLATFORM_VALUES:
                converter.aliases[name] = dotted
    for name, values in assigned.items():
        if name in converter.aliases:
            continue
        conditions = {converter.convert(value) for value in values}
        if len(conditions) == 1:
            condition = conditions.pop()
            if condition != FREE and not _has(condition, "?"):
                converter.symbols[name] = condition
    return converter


def _has(condition: Condition, kind: str) -> bool:
    if condition[0] == kind:
        return True
    if condition[0] in ("not", "and", "or"):
        return any(_has(c, kind) for c in condition[1:])
    return False


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
        func = _dotted(node.func) or ""
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

    def __init__(self, converter: _Converter, lines: int, calls: bool) -> None:
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
                names |= set(_strings(node.value) or []) if node.value else set()
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
    converter = _symbols(tree)
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
        resolved[name] = (_simplify(("or", *alternatives)), optional)
        return resolved[name]

    def site_context(site: _Context) -> tuple[Condition, bool]:
        outer, outer_optional = function_context(site.function)
        condition = _simplify(("and", *site.conditions, outer))
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


# ---------------------------------------------------------------------------------------
# From a condition and requires-python to a verdict
# ---------------------------------------------------------------------------------------


def _simplify(condition: Condition) -> Condition:
    kind = condition[0]
    if kind == "not":
        inner = _simplify(condition[1])
        if inner == TRUE:
            return FALSE
        if inner == FALSE:
            return TRUE
        if inner == FREE:
            return FREE
        if inner[0] == "not":
            return inner[1]
        return ("not", inner)
    if kind in ("and", "or"):
        absorbing, neutral = (FALSE, TRUE) if kind == "and" else (TRUE, FALSE)
        parts: list[Condition] = []
        for part in map(_simplify, condition[1:]):
            if part == absorbing:
                return absorbing
            if part == neutral or part in parts:
                continue
            parts.extend(part[1:] if part[0] == kind else [part])
        if any(("not", part) in parts for part in parts):  # x and not x, x or not x
            return absorbing
        if kind == "and":
            parts = _narrow(parts)
            if parts == [FALSE]:
                return FALSE
        if not parts:
            return neutral
        return parts[0] if len(parts) == 1 else (kind, *parts)
    return condition


def _narrow(parts: list[Condition]) -> list[Condition]:
    """In a conjunction, ``v == "a"`` makes ``v != "b"`` redundant and ``v == "b"`` false."""
    equal = {(p[1], p[3]) for p in parts if p[0] == "env" and p[2] == "=="}
    variables: dict[str, str] = {}
    for variable, value in equal:
        if variables.setdefault(variable, value) != value:
            return [FALSE]

    def redundant(part: Condition) -> bool:
        if part[0] == "not" and part[1][0] == "env" and part[1][2] == "==":
            _, variable, _, value = part[1]
        elif part[0] == "env" and part[2] == "!=":
            _, variable, _, value = part
        else:
            return False
        if variables.get(variable) == value:
            return False
        return variable in variables

    return [p for p in parts if not redundant(p)]


def _substitute(condition: Condition, values: dict[Condition, Condition]) -> Condition:
    if condition in values:
        return values[condition]
    if condition[0] in ("not", "and", "or"):
        return (condition[0], *(_substitute(c, values) for c in condition[1:]))
    return condition


def _without_free(condition: Condition) -> Condition:
    """Whether some value of the unrelated sub-conditions makes it true (each ``free``
    occurrence is its own unknown): Shannon expansion."""
    count = 0

    def number(c: Condition) -> Condition:
        nonlocal count
        if c == FREE:
            count += 1
            return ("free", count)
        if c[0] in ("not", "and", "or"):
            return (c[0], *(number(x) for x in c[1:]))
        return c

    numbered = number(condition)
    if count == 0:
        return _simplify(condition)
    if count > _MAX_FREE:
        return TRUE
    variants = []
    for values in itertools.product((TRUE, FALSE), repeat=count):
        mapping = {("free", i + 1): v for i, v in enumerate(values)}
        variants.append(_substitute(numbered, mapping))
    return _simplify(("or", *variants))


def _atoms(condition: Condition, kind: str) -> set[Condition]:
    if condition[0] == kind:
        return {condition}
    if condition[0] in ("not", "and", "or"):
        return set().union(*(_atoms(c, kind) for c in condition[1:]))
    return set()


def _holds(atom: Condition, version: tuple[int, int, int]) -> bool:
    _, op, parts, n = atom
    value = (*version, "final", 0) if n == 0 else version[:n]
    try:
        return {
            "<": value < parts,
            "<=": value <= parts,
            ">": value > parts,
            ">=": value >= parts,
            "==": value == parts,
            "!=": value != parts,
        }[op]
    except TypeError:  # pragma: no cover - parts are ints, version ints then a string
        return True


@lru_cache(maxsize=64)
def _admitted(requires_python: str, micros: tuple[int, ...]) -> tuple[tuple[int, int, int], ...]:
    try:
        specifier = SpecifierSet(requires_python)
    except InvalidSpecifier:
        specifier = SpecifierSet()
    candidates = [(2, minor) for minor in range(8)] + [(3, minor) for minor in range(31)]
    return tuple(
        (major, minor, micro)
        for major, minor in candidates
        for micro in sorted({0, 99, *micros})
        if specifier.contains(f"{major}.{minor}.{micro}", prereleases=True)
    )


def _marker_of_version(atom: Condition) -> str | None:
    _, op, parts, n = atom
    dotted = ".".join(map(str, parts))
    if n == 0:
        if op in ("==", "!="):
            return None
        op = {">": ">=", "<=": "<"}.get(op, op)
        variable = "python_full_version" if len(parts) == 3 else "python_version"
        return f'{variable} {op} "{dotted}"' if len(parts) <= 3 else None
    if len(parts) != n or n > 3:
        return None
    if n == 1:
        (major,) = parts
        low, high = f'python_version >= "{major}"', f'python_version < "{major + 1}"'
        return {
            "<": f'python_version < "{major}"',
            ">=": low,
            ">": f'python_version >= "{major + 1}"',
            "<=": high,
            "==": f"{low} and {high}",
            "!=": f'python_version < "{major}" or python_version >= "{major + 1}"',
        }[op]
    variable = "python_full_version" if n == 3 else "python_version"
    return f'{variable} {op} "{dotted}"'


def _render(condition: Condition, top: bool = True) -> str:
    kind = condition[0]
    if kind == "py":
        text = _marker_of_version(condition) or ""
        return f"({text})" if not top and (" and " in text or " or " in text) else text
    if kind == "env":
        _, variable, op, value = condition
        if op == "in":
            return f'"{value}" in {variable}'
        return f'{variable} {op} "{value}"'
    if kind == "not":
        inner = condition[1]
        if inner[0] == "env":
            _, variable, op, value = inner
            if op == "in":
                return f'"{value}" not in {variable}'
            return f'{variable} {"!=" if op == "==" else "=="} "{value}"'
        if inner[0] == "py":
            _, op, parts, n = inner
            negated = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "==": "!=", "!=": "=="}[op]
            return _render(("py", negated, parts, n), top)
        if inner[0] in ("and", "or"):  # De Morgan: PEP 508 has no "not"
            flipped = "or" if inner[0] == "and" else "and"
            return _render((flipped, *(("not", c) for c in inner[1:])), top)
        return _render(inner, top)
    joined = f" {kind} ".join(_render(c, top=False) for c in condition[1:])
    return joined if top else f"({joined})"


@dataclass(frozen=True)
class Verdict:
    """Whether, and where, one guarded import runs.

    Attributes:
        runs: False when no Python admitted by ``requires-python`` (and no platform)
            runs it.
        marker: the PEP 508 environment marker it runs under (``python_version <
            "3.11"``, ``sys_platform == "win32"``), None when it runs everywhere.
        unknown: when the guard is a platform test no marker expresses, its source text
            (the import is then not a requirement: it is reported).
    """

    runs: bool
    marker: str | None = None
    unknown: str | None = None


ALWAYS = Verdict(runs=True)


def evaluate(condition: Condition, requires_python: str | None) -> Verdict:
    """Decide where an import guarded by ``condition`` runs.

    Args:
        condition: from :func:`import_conditions`.
        requires_python: the package's PEP 440 ``requires-python`` specifier
            (``">=3.9"``); None or an invalid one admits every Python.

    Returns:
        A :class:`Verdict`: ``runs`` False when the branch cannot run on any admitted
        Python (checked per minor version from 2.0 to 3.30); the version part of the
        marker is left out when it holds for every admitted Python.

    Raises:
        Nothing.
    """
    condition = _without_free(condition)
    versions = _atoms(condition, "py")
    micros = tuple(sorted({a[2][2] for a in versions if len(a[2]) >= 3}))
    admitted = _admitted(requires_python or "", micros)
    if not admitted:
        return ALWAYS
    fixed = {}
    for atom in versions:
        values = {_holds(atom, v) for v in admitted}
        if len(values) == 1:
            fixed[atom] = TRUE if values.pop() else FALSE
    condition = _simplify(_substitute(condition, fixed))
    if condition == TRUE:
        return ALWAYS
    if condition == FALSE or not _satisfiable(condition, admitted):
        return Verdict(runs=False)
    unknown = sorted(a[1] for a in _atoms(condition, "?"))
    if unknown:
        return Verdict(runs=True, unknown=" and ".join(unknown))
    if any(_marker_of_version(a) is None for a in _atoms(condition, "py")):
        return ALWAYS  # a version test no marker expresses: keep the import, unmarked
    return Verdict(runs=True, marker=_render(condition))


def _satisfiable(condition: Condition, admitted: tuple[tuple[int, int, int], ...]) -> bool:
    others = sorted(_atoms(condition, "env") | _atoms(condition, "?"))
    versions = sorted(_atoms(condition, "py"))
    if len(others) > _MAX_FREE:
        return True
    for version in admitted:
        fixed = {a: TRUE if _holds(a, version) else FALSE for a in versions}
        for values in itertools.product((TRUE, FALSE), repeat=len(others)):
            mapping = {**fixed, **dict(zip(others, values, strict=True))}
            if _simplify(_substitute(condition, mapping)) == TRUE:
                return True
    return False
