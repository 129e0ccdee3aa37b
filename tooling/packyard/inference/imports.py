"""Find the imports of Python source files, fast, with ast-grep (tree-sitter).

Dependency inference starts here: every module a package's files import, with the line
it is imported on and whether the import is *optional* (guarded so that a missing module
is tolerated). Sources are parsed with ``ast_grep_py`` rather than :mod:`ast`, so a file
written for a newer Python than the one running packyard still parses.

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

When an import is *optional*: it sits in the body of a ``try:`` that has a handler
catching ``ImportError`` or ``ModuleNotFoundError`` (also bare ``except:``,
``except Exception``/``BaseException``, dotted names, tuples, ``except*``), or in the body
of such a handler (a fallback import), or in the body of ``with suppress(ImportError):``
/ ``with contextlib.suppress(...)``. The guard may be any number of blocks up (an outer
guard still catches what an inner ``try`` lets through), but not beyond a function or
lambda body: a function defined inside a guarded block runs later, outside the guard, so
its imports are required unless guarded inside the function. Class bodies run in place,
so they do not stop the search. Parameter defaults of a function belong to the
enclosing block.

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
import gc
import hashlib
import logging
import marshal
import multiprocessing
import os
import re
import sys
import tempfile
from ast import literal_eval
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from ast_grep_py import Range, SgNode, SgRoot

from packyard.errors import InferenceError, PackageError, PackyardError
from packyard.inference.guards import import_conditions, mentions_guards

__all__ = ["ImportRecord", "ScanCache", "scan_file", "scan_files", "scan_source"]

log = logging.getLogger("packyard")

StrPath = str | os.PathLike[str]

#: Bump when the scanning rules change, so that old cache entries are ignored.
_SCANNER_VERSION = 2
#: Below this many files to parse, scan in-process: starting workers costs ~0.05 s
#: (fork) to ~0.3 s (spawn), more than parsing a small package.
_POOL_MIN_FILES = 200
_POOL_MAX_WORKERS = 8

# One row per import: (module, names, level, line, optional, condition or None).
_Row = tuple[str, tuple[str, ...], int, int, bool, tuple | None]
# A failed file: (error class name, message, line or None, hint or None).
_Failure = tuple[str, str, int | None, str | None]
# What scanning one file's bytes gives, and what the cache stores per content hash.
_Payload = tuple[_Failure | None, tuple[_Row, ...]]


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One imported module, as written in one file.

    Attributes:
        module: the dotted module as written, without leading dots (``""`` for
            ``from . import x``).
        names: for ``from M import a, b as c``: ``("a", "b")``; ``()`` for ``import M`` and
            for ``import_module``/``__import__`` calls; ``("*",)`` for a star import.
        level: the number of leading dots of a relative import; 0 for an absolute one.
        path: the file, exactly as given to the scanner (``"<string>"`` by default for
            :func:`scan_source`).
        line: the 1-based line the import statement or call starts on.
        optional: True when the import is guarded against the module being missing (see
            the module docstring for the exact rules).
        condition: the version or platform guard the import runs under, as
            :func:`packyard.inference.guards.import_conditions` gives it; None when it always runs.
            :func:`packyard.inference.verdicts.evaluate` turns it into a verdict for a
            ``requires-python``.
    """

    module: str
    names: tuple[str, ...]
    level: int
    path: str
    line: int
    optional: bool
    condition: tuple | None = None


class _SyntaxProblem(Exception):
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
_CATCHES_IMPORT_ERROR_RE = re.compile(
    r"\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b"
)
_SUPPRESS_RE = re.compile(r"\bsuppress\s*\(([^()]*)\)")
_TYPE_CHECKING_RE = re.compile(r"(?:\w+\s*\.\s*)*TYPE_CHECKING")
_NOT_TYPE_CHECKING_RE = re.compile(r"not\s+\(?\s*(?:\w+\s*\.\s*)*TYPE_CHECKING\s*\)?")
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


def _context(node: SgNode) -> bool | None:
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


def _first_problem(problems: list[tuple[Range, str, str]]) -> _SyntaxProblem:
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
    return _SyntaxProblem(span.start.line + 1, _syntax_message(kind, text))


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


def _row_order(row: _Row) -> tuple[int, str, int, tuple[str, ...], bool]:
    module, names, level, line, optional, _condition = row
    return line, module, level, names, optional


def _extract(text: str) -> list[_Row]:
    """The sorted rows of one decoded source text; raises _SyntaxProblem."""
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
    rows: list[_Row] = []
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
                optional = _context(node)
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


def _with_conditions(rows: list[_Row], conditions: dict) -> list[_Row]:
    """Rows with the version/platform guard of each (see :mod:`packyard.inference.guards`)."""
    out: list[_Row] = []
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


_SYNTAX_HINT = (
    "fix the syntax error (packyard parses sources with tree-sitter); if the file is "
    "valid Python, exclude it from the package or report a packyard bug"
)
_DECODE_HINT = "save the file as UTF-8; packyard does not honour other source encodings"


def _scan_bytes(data: bytes) -> _Payload:
    """Scan one file's content; failures are returned, not raised (picklable, cacheable)."""
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        message = f"cannot decode as UTF-8: {exc.reason} at byte {exc.start}"
        return ("PackageError", message, None, _DECODE_HINT), ()
    try:
        return None, tuple(_extract(text))
    except _SyntaxProblem as exc:
        return ("InferenceError", exc.message, exc.line, _SYNTAX_HINT), ()


def _scan_batch(batch: list[bytes]) -> list[_Payload]:
    return [_scan_bytes(data) for data in batch]


def _failure_error(failure: _Failure, path: str) -> PackyardError:
    kind, message, line, hint = failure
    cls = InferenceError if kind == "InferenceError" else PackageError
    return cls(message, path=path, line=line, hint=hint)


def _records(rows: Iterable[_Row], path: str) -> list[ImportRecord]:
    return [
        ImportRecord(module, names, level, path, line, optional, condition)
        for module, names, level, line, optional, condition in rows
    ]


def scan_source(source: str | bytes, path: str = "<string>") -> list[ImportRecord]:
    """Find the imports in one piece of Python source.

    Args:
        source: the source text; bytes are decoded as UTF-8 (a leading BOM is dropped, a
            PEP 263 coding declaration is not honoured).
        path: the name recorded in each :class:`ImportRecord` and in error messages.

    Returns:
        The imports (see the module docstring for the rules), sorted by line then
        module; an empty list for a file without any.

    Raises:
        InferenceError: the source has a syntax error; ``line`` is the 1-based line of the
            first one.
        PackageError: ``source`` is bytes that are not valid UTF-8.
    """
    if isinstance(source, bytes):
        failure, rows = _scan_bytes(source)
        if failure is not None:
            raise _failure_error(failure, path)
        return _records(rows, path)
    try:
        rows = _extract(source.removeprefix("\ufeff"))
    except _SyntaxProblem as exc:
        raise InferenceError(exc.message, path=path, line=exc.line, hint=_SYNTAX_HINT) from None
    return _records(rows, path)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise PackageError(
            f"cannot read source file: {exc.strerror or exc}",
            path=path,
            hint="check that the file exists and is readable",
        ) from exc


def scan_file(path: StrPath) -> list[ImportRecord]:
    """Find the imports in one Python file (no cache, no pool).

    Args:
        path: the file (str or path-like); recorded as ``os.fspath(path)``.

    Returns:
        The file's imports, sorted by line then module.

    Raises:
        PackageError: the file cannot be read, or is not valid UTF-8.
        InferenceError: the file has a syntax error (``line`` is the first one's).
    """
    name = os.fspath(path)
    return scan_source(_read(name), name)


# ---------------------------------------------------------------------------------------
# Many files: cache and process pool
# ---------------------------------------------------------------------------------------


def _grammar_stamp() -> tuple[int, int]:
    """Changes when ast-grep-py (and so the tree-sitter grammar) is reinstalled."""
    from ast_grep_py import ast_grep_py as native

    try:
        stat = os.stat(native.__file__)
    except (OSError, AttributeError, TypeError):
        return (0, 0)
    return (stat.st_size, stat.st_mtime_ns)


class ScanCache:
    """An on-disk cache of scan results, keyed on each file's content.

    The key is a SHA-256 digest of the file's bytes, so a file that is touched but not
    changed stays cached, an edited file is rescanned, and identical files share one
    entry. Failures (syntax and decoding errors) are cached too and raised again. All
    entries live in one ``marshal`` file, ``<directory>/imports.marshal``, read once on
    first use and rewritten atomically (a temporary file in the same directory, then
    :func:`os.replace`) by :meth:`save` when something was added. Beyond
    ``MAX_ENTRIES`` entries, the least recently used quarter is dropped. The file is tied
    to the scanner version, the Python version and the installed ast-grep-py; on any
    mismatch or damage it is ignored and rebuilt. Concurrent writers are safe: the last
    complete write wins (and the other writer's new entries are lost).

    Args:
        directory: the cache directory (str or path-like), for example
            ``<repo>/.packyard/cache/imports``; created when first saved.

    Raises:
        Nothing: an unreadable, damaged or outdated cache file is ignored, and a cache
        that cannot be written is logged and skipped; the next run is merely slower.
    """

    FILE_NAME = "imports.marshal"
    #: How many file contents to keep (about 250 bytes each on disk).
    MAX_ENTRIES = 20_000

    def __init__(self, directory: StrPath) -> None:
        self.directory = Path(directory)
        #: The cache file.
        self.path = self.directory / self.FILE_NAME
        self._entries: dict[bytes, tuple[int, _Payload]] | None = None
        self._generation = 0
        self._dirty = False

    def _stamp(self) -> tuple:
        return (_SCANNER_VERSION, tuple(sys.version_info[:2]), _grammar_stamp())

    def _load(self) -> dict[bytes, tuple[int, _Payload]]:
        if self._entries is not None:
            return self._entries
        self._entries = {}
        try:
            with open(self.path, "rb") as handle:
                blob = handle.read()
            stamp, generation, entries = marshal.loads(blob)
        except FileNotFoundError:
            return self._entries
        except (OSError, EOFError, ValueError, TypeError) as exc:
            log.debug("ignoring unreadable import cache %s: %s", self.path, exc)
            return self._entries
        if stamp != self._stamp() or not isinstance(entries, dict):
            log.debug("ignoring import cache %s written by another version", self.path)
            return self._entries
        self._entries = entries
        self._generation = generation + 1
        return self._entries

    @staticmethod
    def _key(data: bytes) -> bytes:
        # SHA-256 rather than BLAKE2b: with the SHA extensions of current x86 and ARM
        # CPUs it is about twice as fast, and hashing dominates a warm run.
        return hashlib.sha256(data).digest()

    def _get(self, key: bytes) -> _Payload | None:
        entries = self._load()
        entry = entries.get(key)
        if entry is None:
            return None
        if entry[0] != self._generation:
            entries[key] = (self._generation, entry[1])
        return entry[1]

    def _put(self, key: bytes, payload: _Payload) -> None:
        self._load()[key] = (self._generation, payload)
        self._dirty = True

    def __len__(self) -> int:
        """The number of cached file contents (loads the cache file if not yet read)."""
        return len(self._load())

    def save(self) -> None:
        """Write the cache file if entries were added since it was read.

        Raises:
            Nothing: a cache that cannot be written is logged and skipped (the next run
            is merely slower).
        """
        if not self._dirty or self._entries is None:
            return
        entries = self._entries
        if len(entries) > self.MAX_ENTRIES:
            # Each entry holds the generation (count of rewrites) it was last used in.
            newest = sorted(entries.items(), key=lambda item: item[1][0], reverse=True)
            entries = dict(newest[: self.MAX_ENTRIES * 3 // 4])
        blob = marshal.dumps((self._stamp(), self._generation, entries))
        temp = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".imports-", suffix=".tmp", dir=self.directory)
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(temp, self.path)
            temp = None
        except OSError as exc:
            log.warning("cannot write import cache %s: %s", self.path, exc)
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
        self._entries = entries
        self._dirty = False


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while allocating many small, acyclic objects
    (cache entries, records): its passes would find nothing to free (~10% of a warm run).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _worker_count(files: int) -> int:
    if files < _POOL_MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _POOL_MAX_WORKERS))


def _start_method() -> str:
    """``fork`` (instant start) when this process has a single thread, else ``spawn``.

    Forking a multi-threaded process can deadlock the child, and Python 3.12+ warns
    about it; spawning re-imports ``__main__`` in each worker, so scripts calling
    :func:`scan_files` at top level need an ``if __name__ == "__main__":`` guard then.
    """
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        try:
            if len(os.listdir("/proc/self/task")) == 1:
                return "fork"
        except OSError:
            pass
    return "spawn"


def _scan_many(datas: list[bytes]) -> list[_Payload]:
    """Scan contents, in a process pool when there are many of them."""
    workers = _worker_count(len(datas))
    if workers < 2:
        return _scan_batch(datas)
    # Biggest first, in batches of about equal size: no worker is left with a long tail.
    order = sorted(range(len(datas)), key=lambda i: len(datas[i]), reverse=True)
    target = max(1, sum(map(len, datas)) // (workers * 8))
    batches: list[list[int]] = []
    size = target
    for index in order:
        if size >= target:
            batches.append([])
            size = 0
        batches[-1].append(index)
        size += len(datas[index])
    results: list[_Payload | None] = [None] * len(datas)
    try:
        context = multiprocessing.get_context(_start_method())
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            jobs = pool.map(_scan_batch, [[datas[i] for i in batch] for batch in batches])
            for batch, payloads in zip(batches, jobs, strict=True):
                for index, payload in zip(batch, payloads, strict=True):
                    results[index] = payload
    except (BrokenProcessPool, OSError) as exc:
        log.warning("import scan pool failed (%s); scanning in-process", exc)
        return _scan_batch(datas)
    return results  # type: ignore[return-value]


def scan_files(
    paths: Iterable[StrPath],
    *,
    cache: ScanCache | None = None,
    on_error: Callable[[PackyardError], None] | None = None,
) -> list[ImportRecord]:
    """Find the imports of many Python files.

    Files whose content is in ``cache`` are not parsed again. When more than a couple of
    hundred files need parsing, they are parsed in a process pool (one worker per CPU,
    at most 8); otherwise in this process.

    Args:
        paths: the files (str or path-like); each is recorded as ``os.fspath(path)``.
            Repeated paths are scanned once.
        cache: where to look up and store results; no caching when None. Saved before
            this function returns or raises.
        on_error: called with the error of each file that cannot be read, decoded or
            parsed, which is then skipped; when None the first such error (in path
            order) is raised once all files are scanned.

    Returns:
        All imports, sorted by (path, line, module).

    Raises:
        PackageError: a file cannot be read or is not valid UTF-8 (without ``on_error``).
        InferenceError: a file has a syntax error (without ``on_error``).
    """
    names = sorted({os.fspath(path) for path in paths})
    payloads: dict[str, _Payload] = {}
    read_errors: dict[str, PackyardError] = {}
    misses: list[tuple[str, bytes, bytes | None]] = []
    with _gc_paused():
        for name in names:
            try:
                data = _read(name)
            except PackageError as exc:
                read_errors[name] = exc
                continue
            key = None
            if cache is not None:
                key = cache._key(data)
                hit = cache._get(key)
                if hit is not None:
                    payloads[name] = hit
                    continue
            misses.append((name, data, key))
    if misses:
        scanned = _scan_many([data for _name, data, _key in misses])
        for (name, _data, key), payload in zip(misses, scanned, strict=True):
            payloads[name] = payload
            if cache is not None and key is not None:
                cache._put(key, payload)
    if cache is not None:
        cache.save()
    records: list[ImportRecord] = []
    errors: list[PackyardError] = []
    with _gc_paused():
        for name in names:
            error = read_errors.get(name)
            if error is None:
                failure, rows = payloads[name]
                if failure is None:
                    records.extend(_records(rows, name))
                    continue
                error = _failure_error(failure, name)
            errors.append(error)
    if errors and on_error is None:
        raise errors[0]
    for error in errors:
        on_error(error)  # type: ignore[misc]
    return records
