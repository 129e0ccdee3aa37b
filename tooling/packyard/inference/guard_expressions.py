"""Reading a guard's test expression (``sys.version_info < (3, 11)``, ``sys.platform ==
"win32"``, ``PY2``) into a :data:`~packyard.inference.conditions.Condition`.

Expressions understood (anything else in a condition is treated as "could be either"):

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
  module does not assign them.

Conditions that mention a platform value in a way no PEP 508 marker expresses become
``("?", text)``: reported, never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from packyard.inference.conditions import FALSE, FREE, TRUE, Condition, has

__all__ = ["Converter", "dotted_name", "strings", "symbols"]

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


def dotted_name(node: ast.AST) -> str | None:
    """``sys.platform`` for an attribute chain, ``platform.system()`` for a bare call."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        base = dotted_name(node.func)
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


def strings(node: ast.AST) -> list[str] | None:
    """The values of a string literal (one) or of a tuple, list or set of string literals;
    None for any other node.
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
        if len(values) == len(node.elts) and all(isinstance(v, str) for v in values):
            return values
    return None


class Converter:
    """Turns guard expressions into conditions, knowing the module's constants."""

    def __init__(self, symbols: dict[str, Condition], aliases: dict[str, str]) -> None:
        self.symbols = symbols
        self.aliases = aliases

    def version(self, node: ast.AST) -> int | None:
        """n for ``sys.version_info[:n]`` (0: the whole tuple), or None."""
        if dotted_name(node) == "sys.version_info":
            return 0
        if dotted_name(node) in ("sys.version_info.major",):
            return 1
        if isinstance(node, ast.Subscript) and dotted_name(node.value) == "sys.version_info":
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
        name = dotted_name(node)
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
            prefixes = strings(node.args[0])
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
        values = strings(right)
        if sliced is not None and op in ("==", "!=") and values and len(values) == 1:
            atom = self.prefix(sliced, values[0])  # sys.platform[:3] == "win"
            return atom if op == "==" else ("not", atom)
        target = self.platform(left)
        if target is not None:
            variable, lowered = target
            values = strings(right)
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
            values = strings(left)
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


def symbols(tree: ast.Module) -> Converter:
    """The module's guard constants and platform-value aliases."""
    converter = Converter({}, {})
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
            dotted = dotted_name(value)
            if dotted in _PLATFORM_VALUES:
                converter.aliases[name] = dotted
    for name, values in assigned.items():
        if name in converter.aliases:
            continue
        conditions = {converter.convert(value) for value in values}
        if len(conditions) == 1:
            condition = conditions.pop()
            if condition != FREE and not has(condition, "?"):
                converter.symbols[name] = condition
    return converter
