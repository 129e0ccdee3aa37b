"""Find the imports of one Python source text, fast, with ast-grep (tree-sitter).

Sources are parsed with ``ast_grep_py`` rather than :mod:`ast`, so a file written for a
newer Python than the one running packyard still parses. The result is a list of rows
(:data:`Row`), or for a whole file's bytes a :data:`Payload` (rows or a failure) that the
scan cache stores as is.

What counts as an import:

* ``import a.b``, ``import a as b, c`` (one record per module), ``from x.y import z``,
  relative imports (``level`` > 0), ``from __future__ import ...`` and star imports,
  wherever they are: at module level or inside functions, classes and any block;
* ``importlib.import_module("literal")`` / ``import_module("literal")`` (a relative
  literal such as ``import_module(".sub", __name__)`` gives ``level`` 1) and
  ``__import__("literal")`` (with a literal ``level`` argument if any). Calls whose
  module argument is not a plain string literal are ignored.

What does not:

* anything in the body of ``if TYPE_CHECKING:`` / ``if typing.TYPE_CHECKING:`` (also
  ``elif TYPE_CHECKING:`` and the ``else:`` of ``if not TYPE_CHECKING:``); the
  ``else:`` branch of ``if TYPE_CHECKING:`` is scanned normally;
* a statement whose first or last line ends with the comment ``# packyard: ignore``;
* text in strings, docstrings and comments.

When an import is *optional* (guarded so that a missing module is tolerated): see
:mod:`packyard.inference.import_context`.

Version and platform guards (``if sys.version_info < (3, 11):``, ``if sys.platform ==
"win32":``, a standard-library ``try`` with a back-port in its ``except ImportError``...)
are recorded with each import as its ``condition`` (see :mod:`packyard.inference.guards`); whether
the import then runs is decided later, against the package's ``requires-python``.

Syntax errors: the line reported is that of the first ERROR or MISSING node of the
tree-sitter tree (the innermost, when ERROR nodes nest), of a Python 2 ``print``/``exec``
statement, or of a ``try`` with neither ``except`` nor ``finally``. Tree-sitter is more
lenient than CPython: an unexpected indent, an inconsistent dedent or a semantic error
(duplicate parameters...) parses, so such a file is scanned rather than rejected. The
grammar shipped with ast-grep-py 0.51 lacks PEP 696 type parameter defaults
(``def f[T = int]()``) and rejects them.
"""

from __future__ import annotations

import contextlib
import re
from ast import literal_eval

from ast_grep_py import Range, SgNode, SgRoot

from packyard.inference.guards import import_conditions, mentions_guards
from packyard.inference.import_context import context

__all__ = [
    "SYNTAX_HINT",
    "Failure",
    "Payload",
    "Row",
    "SyntaxProblem",
    "extract",
    "scan_bytes",
]

# One row per import: (module, names, level, line, optional, condition or None).
Row = tuple[str, tuple[str, ...], int, int, bool, tuple | None]
# A failed file: (error class name, message, line or None, hint or None).
Failure = tuple[str, str, int | None, str | None]
# What scanning one file's bytes gives, and what the cache stores per content hash.
Payload = tuple[Failure | None, tuple[Row, ...]]


class SyntaxProblem(Exception):
    """A source text that does not parse, raised by :func:`extract`; :func:`scan_bytes`
    returns it as an ``InferenceError`` failure and :mod:`packyard.inference.imports`
    raises it as an :class:`~packyard.errors.InferenceError`.

    Attributes:
        line: the 1-based line of the first problem.
        message: what is wrong, e.g. ``"syntax error: Python 2 print statement"``.
    """

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# ---------------------------------------------------------------------------------------
# Parsing one source text
# ---------------------------------------------------------------------------------------

_IMPORT_KINDS = frozenset({"import_statement", "import_from_statement", "future_import_statement"})
# One traversal finds the imports and everything that makes the file invalid: ERROR
# nodes, zero-width (MISSING) nodes and Python 2 statements the grammar still accepts.
_BASE_RULES: list[dict] = [
    {"kind": "import_statement"},
    {"kind": "import_from_statement"},
    {"kind": "future_import_statement"},
    {"kind": "ERROR"},
    {"kind": "print_statement"},
    {"kind": "exec_statement"},
    {"regex": "^$"},
    {
        "kind": "try_statement",
        "not": {
            "has": {
                "any": [
                    {"kind": "except_clause"},
                    {"kind": "finally_clause"},
                ]
            }
        },
    },
]
# Added only when the text mentions import_module or __import__.
_CALL_RULE: dict = {
    "kind": "call",
    "has": {"field": "function", "regex": r"(?:^|\.)\s*(?:import_module|__import__)$"},
}
_RULES_PLAIN: dict = {"rule": {"any": _BASE_RULES}}
_RULES_WITH_CALLS: dict = {"rule": {"any": [*_BASE_RULES, _CALL_RULE]}}

_IGNORE_RE = re.compile(r"#[ \t]*packyard[ \t]*:[ \t]*ignore[ \t]*\r?$", re.MULTILINE)
_COMMENT_RE = re.compile(r"#[^\n]*")
_FROM_RE = re.compile(r"from\b(.*?)\bimport\b(.*)", re.DOTALL)
_GUARD_WORDS = ("try", "suppress", "TYPE_CHECKING")


def _split_names(text: str) -> list[str]:
    """``"a.b as c, d"`` -> ``["a.b", "d"]`` (whitespace inside dotted names removed)."""
    out = []
    for item in text.split(","):
        tokens = item.split()
        if "as" in tokens:
            tokens = tokens[: tokens.index("as")]
        if tokens:
            out.append("".join(tokens))
    return out


def _statement_rows(kind: str, text: str) -> list[tuple[str, tuple[str, ...], int]]:
    """(module, names, level) for each module of one import statement's source text.

    Import statements hold no string literals, so a ``#`` always starts a comment and a
    backslash is always a line continuation.
    """
    if "#" in text:
        text = _COMMENT_RE.sub(" ", text)
    text = text.replace("\\", " ")
    if kind == "import_statement":
        return [(module, (), 0) for module in _split_names(text[len("import") :])]
    match = _FROM_RE.match(text)
    if match is None:  # pragma: no cover - the grammar guarantees the shape
        return []
    dotted = "".join(match.group(1).split())
    module = dotted.lstrip(".")
    level = len(dotted) - len(module)
    names = match.group(2).replace("(", " ").replace(")", " ")
    return [(module, tuple(_split_names(names)), level)]


def _call_row(node: SgNode) -> tuple[str, int] | None:
    """(module, level) of an ``import_module("...")``/``__import__("...")`` call, or None."""
    function = node.field("function")
    arguments = node.field("arguments")
    if function is None or arguments is None or arguments.kind() != "argument_list":
        return None
    is_dunder = function.text().rsplit(".", 1)[-1].strip() == "__import__"
    positional: list[SgNode] = []
    keywords: dict[str, SgNode] = {}
    for arg in arguments.named_children():
        kind = arg.kind()
        if kind == "keyword_argument":
            name, value = arg.field("name"), arg.field("value")
            if name is not None and value is not None:
                keywords[name.text()] = value
        elif kind != "comment":
            positional.append(arg)
    first = positional[0] if positional else keywords.get("name")
    if first is None or first.kind() != "string":
        return None
    try:
        value = literal_eval(first.text())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(value, str):
        return None
    module = value.lstrip(".")
    level = len(value) - len(module)
    if module and not all(part.isidentifier() for part in module.split(".")):
        return None
    if not module and not level:
        return None
    if is_dunder:
        level_node = keywords.get("level") or (positional[4] if len(positional) > 4 else None)
        if level_node is not None and level_node.kind() == "integer":
            with contextlib.suppress(ValueError):
                level = max(level, int(level_node.text(), 0))
    return module, level


def _first_problem(problems: list[tuple[Range, str, str]]) -> SyntaxProblem:
    """The innermost of the first nested problems (they come in document order).

    Tree-sitter often wraps a long stretch of valid code that it could not reduce in one
    ERROR node starting far above the mistake (an indentation error deep in a class can
    give an ERROR from line 1); the first problem nested inside it is closer to the
    place where Python's own parser would stop.
    """
    index = 0
    while index + 1 < len(problems):
        span, following = problems[index][0], problems[index + 1][0]
        if following.start.index >= span.end.index:
            break
        index += 1
    span, kind, text = problems[index]
    return SyntaxProblem(span.start.line + 1, _syntax_message(kind, text))


def _syntax_message(kind: str, text: str) -> str:
    if not text:
        return f"syntax error: missing {kind!r}"
    if kind == "print_statement":
        return "syntax error: Python 2 print statement"
    if kind == "exec_statement":
        return "syntax error: Python 2 exec statement"
    if kind == "try_statement":
        return "syntax error: 'try' without 'except' or 'finally'"
    snippet = text.strip().splitlines()[0] if text.strip() else text
    if len(snippet) > 40:
        snippet = snippet[:37] + "..."
    return f"syntax error: invalid syntax at {snippet!r}"


def _row_order(row: Row) -> tuple[int, str, int, tuple[str, ...], bool]:
    module, names, level, line, optional, _condition = row
    return line, module, level, names, optional


def extract(text: str) -> list[Row]:
    """The sorted rows of one decoded source text; raises SyntaxProblem."""
    if not text or text.isspace():
        return []
    has_calls = "import_module" in text or "__import__" in text
    root = SgRoot(text, "python").root()
    nodes = root.find_all(_RULES_WITH_CALLS if has_calls else _RULES_PLAIN)
    if not nodes:
        return []
    ignored: set[int] = set()
    if "packyard" in text:
        ignored = {text.count("\n", 0, m.start()) + 1 for m in _IGNORE_RE.finditer(text)}
    guarded = any(word in text for word in _GUARD_WORDS)
    rows: list[Row] = []
    problems: list[tuple[Range, str, str]] = []
    nested = False
    for node in nodes:
        kind = node.kind()
        node_text = node.text()
        if kind in _IMPORT_KINDS and node_text:
            found = _statement_rows(kind, node_text)
        elif kind == "call" and node_text:
            call = _call_row(node)
            if call is None:
                continue
            found = [(call[0], (), call[1])]
        elif kind == "module" or (
            kind == "print_statement" and node_text[5:].lstrip().startswith(">>")
        ):
            continue  # an empty module; `print >> f, x` is valid Python 3 syntax
        else:
            problems.append((node.range(), kind, node_text))
            continue
        span = node.range()
        line = span.start.line + 1
        if ignored and (line in ignored or span.end.line + 1 in ignored):
            continue
        optional: bool | None = False
        if not nested:  # only an import below the top level can be guarded
            top = node.parent()
            nested = top is not None and top.kind() != "module"
        if guarded:
            parent = node.parent()
            if parent is not None and parent.kind() != "module":
                optional = context(node)
                if optional is None:
                    continue
        rows.extend(
            (module, names, level, line, bool(optional), None) for module, names, level in found
        )
    if problems:
        raise _first_problem(problems)
    if nested and mentions_guards(text, optional=any(row[4] for row in rows)):
        rows = _with_conditions(rows, import_conditions(text))
    rows.sort(key=_row_order)
    return rows


def _with_conditions(rows: list[Row], conditions: dict) -> list[Row]:
    """Rows with the version/platform guard of each (see :mod:`packyard.inference.guards`)."""
    out: list[Row] = []
    for module, names, level, line, optional, _ in rows:
        condition, forced = conditions.get((line, module), (None, None))
        if forced is not None:
            optional = forced
        out.append((module, names, level, line, optional, condition))
    return out


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM); raises UnicodeDecodeError."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8")


SYNTAX_HINT = (
    "fix the syntax error (packyard parses sources with tree-sitter); if the file is "
    "valid Python, exclude it from the package or report a packyard bug"
)
_DECODE_HINT = "save the file as UTF-8; packyard does not honour other source encodings"


def scan_bytes(data: bytes) -> Payload:
    """Scan one file's content; failures are returned, not raised (picklable, cacheable)."""
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        message = f"cannot decode as UTF-8: {exc.reason} at byte {exc.start}"
        return ("PackageError", message, None, _DECODE_HINT), ()
    try:
        return None, tuple(extract(text))
    except SyntaxProblem as exc:
        return ("InferenceError", exc.message, exc.line, SYNTAX_HINT), ()
