"""Rewriting a package-auto-assembler package's tests for the packyard layout.

paa runs a package's tests from the repository root, against ``python_modules/NAME.py``
and ``cli/NAME.py``. In packyard the module is ``NAME.NAME``, its CLI ``NAME.cli``, its
local components ``NAME.components...``, and test-install runs the tests with the folder
that holds the copied ``tests/`` as the working directory (paths relative to the package
folder, ``tests/data/x.json``, resolve there, as when pytest runs in ``packages/NAME``).

What :func:`rewrite_test_file` rewrites (safe: each names one thing in both layouts):

- ``python_modules.NAME`` / ``python_modules.<components>`` -> ``NAME.NAME`` /
  ``NAME.<components>``, and ``python_modules.OTHER`` (another paa package) ->
  ``OTHER.OTHER``: in import statements, in code (``python_modules.NAME.f``) and in string
  targets (``patch("python_modules.NAME.f")``, ``monkeypatch.setattr("...")``,
  ``mocker.patch("...")``);
- ``from python_modules import NAME`` -> ``from NAME import NAME`` (likewise for OTHER);
- ``cli.P`` of a paa package ``P`` with a CLI (``from cli.P import cli``,
  ``import cli.P``, ``patch("cli.P.x")``) -> ``P.cli``;
- string paths into the package's old test folder (``"tests/NAME/data.json"``,
  ``"./tests/NAME/"``) -> ``"tests/data.json"``, ``"./tests/"`` (the working directory
  holds the copied ``tests/``).

What it lists for a hand fix (``file:line``): every other string that is a path relative
to the old repository root (a path whose first part is a file or folder there:
``"mcp/NAME.py"``, ``"README.md"``, ``"python_modules/x.py"``, ``"artifacts/NAME/x"``),
and ``python_modules`` or ``cli`` imports it could not map.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

#: paa folders that hold one entry per package (``tests/NAME/``): a path into them is
#: from the old root only when its second part is a package's name.
PER_PACKAGE_DIRS = ("tests_dir", "artifacts_dir", "extra_docs_dir", "skills_dir")


@dataclass(frozen=True)
class RewriteContext:
    """What the rewrite needs to know about the paa repository.

    Attributes:
        name: the package whose tests these are.
        packages: every paa package's name.
        with_cli: the paa packages that have a CLI module.
        components: the components folder's dotted path under the module folder
            (``"components"``), or "" when it is not under it.
        root_entries: the names of the files and folders at the paa repository's top.
        per_package: the top-level folder names that hold one entry per package.
        tests_prefix: the package's old test folder relative to the root
            (``"tests/NAME"``).
    """

    name: str
    packages: frozenset[str]
    with_cli: frozenset[str]
    components: str
    root_entries: frozenset[str]
    per_package: frozenset[str]
    tests_prefix: str


@dataclass
class RewriteResult:
    """What the rewrite of one file did.

    Attributes:
        text: the new text.
        rewritten: what was rewritten, one short phrase per kind.
        hand_fix: ``LINE: what`` for each place left for a hand fix.
    """

    text: str
    rewritten: list[str] = field(default_factory=list)
    hand_fix: list[str] = field(default_factory=list)


def context_for(config: object, name: str, packages: list[str]) -> RewriteContext:
    """The :class:`RewriteContext` for package ``name`` of a paa repository.

    Args:
        config: the :class:`packyard.paa.source.PaaConfig`.
        name: the package.
        packages: every package of the paa repository.
    """
    from packyard.paa.source import PaaConfig

    assert isinstance(config, PaaConfig)
    root = config.root
    try:
        components = ".".join(config.dirs["dependencies_dir"].relative_to(config.module_dir).parts)
    except ValueError:
        components = ""
    per_package = set()
    for key in PER_PACKAGE_DIRS:
        try:
            per_package.add(config.dirs[key].relative_to(root).parts[0])
        except (ValueError, IndexError):
            continue
    try:
        tests_prefix = (config.dirs["tests_dir"] / name).relative_to(root).as_posix()
    except ValueError:
        tests_prefix = ""
    entries = {p.name for p in root.iterdir() if p.name != ".git"} if root.is_dir() else set()
    return RewriteContext(
        name=name,
        packages=frozenset(packages),
        with_cli=frozenset(p for p in packages if config.part("cli_dir", p).is_file()),
        components=components,
        root_entries=frozenset(entries),
        per_package=frozenset(per_package),
        tests_prefix=tests_prefix,
    )


def rewrite_test_file(text: str, context: RewriteContext) -> RewriteResult:
    """Rewrite one test file's references to the paa layout (see the module docstring).

    Args:
        text: the file's text.
        context: the repository facts (:func:`context_for`).

    Returns:
        The new text, what was rewritten and what is left for a hand fix.

    >>> ctx = RewriteContext("box", frozenset({"box", "db"}), frozenset({"box"}), "components",
    ...     frozenset({"tests", "README.md", "mcp"}), frozenset({"tests"}), "tests/box")
    >>> out = rewrite_test_file(
    ...     'from cli.box import cli\\n'
    ...     'patch("python_modules.box.f")\\n'
    ...     'open("tests/box/data.txt")\\n'
    ...     'open("README.md")\\n', ctx)
    >>> print(out.text, end="")
    from box.cli import cli
    patch("box.box.f")
    open("tests/data.txt")
    open("README.md")
    >>> out.hand_fix
    ["4: 'README.md' is a path relative to the old repository root"]
    """
    result = RewriteResult(text=text)
    kinds: set[str] = set()
    lines = text.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        result.hand_fix.append("1: cannot be tokenized; not rewritten")
        return result
    # Edits as (row, start col, end col, new text), applied from the end.
    edits: list[tuple[int, int, int, str]] = []
    for token in tokens:
        if token.type != tokenize.STRING or token.start[0] != token.end[0]:
            continue  # (a multi-line string is prose, not a target or a path)
        row, col = token.start
        new, kind, problem = _rewrite_string(token.string, context)
        if problem:
            result.hand_fix.append(f"{row}: {problem}")
        if new != token.string:
            edits.append((row, col, token.end[1], new))
            kinds.add(kind)
    # Dotted names in code: rewritten on each line's code outside strings and comments.
    code_rows = _code_spans(tokens)
    for row, spans in code_rows.items():
        line = lines[row - 1]
        for start, end in spans:
            segment = line[start:end]
            new, found, problems = _rewrite_code(segment, context)
            for problem in problems:
                result.hand_fix.append(f"{row}: {problem}")
            if new != segment:
                edits.append((row, start, end, new))
                kinds |= found
    for row, start, end, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    result.text = "".join(lines)
    result.rewritten = sorted(kinds)
    result.hand_fix.sort(key=lambda entry: int(entry.split(":", 1)[0]))
    return result


def _code_spans(tokens: list[tokenize.TokenInfo]) -> dict[int, list[tuple[int, int]]]:
    """Per row, the column spans of code (runs of NAME and OP tokens on one row)."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for token in tokens:
        if token.type not in (tokenize.NAME, tokenize.OP) or token.start[0] != token.end[0]:
            continue
        row = token.start[0]
        row_spans = spans.setdefault(row, [])
        # Tokens one space apart join a span ("from python_modules import x").
        if row_spans and token.start[1] - row_spans[-1][1] <= 1:
            row_spans[-1] = (row_spans[-1][0], token.end[1])
        else:
            row_spans.append(token.start[1:2] + token.end[1:2])
    return spans


def _module_target(module: str, context: RewriteContext) -> str | None:
    """The packyard module for a dotted path under ``python_modules``: ``NAME...`` ->
    ``NAME.NAME...``, ``components...`` -> ``NAME.components...``, ``OTHER...`` ->
    ``OTHER.OTHER...``; None when it is none of them."""
    head = module.split(".", 1)[0]
    if head == context.name or head in context.packages:
        return f"{head}.{module}"
    if context.components and (
        module == context.components or module.startswith(context.components + ".")
    ):
        return f"{context.name}.{module}"
    return None


_DOTTED = re.compile(r"(?<![\w.])(?P<root>python_modules|cli)\.(?P<rest>\w+(?:\.\w+)*)")
_FROM_PACKAGE = re.compile(
    r"^(?P<lead>\s*from\s+)python_modules(?P<mid>\s+import\s+)(?P<names>\w+)"
    r"(?P<alias>\s+as\s+\w+)?\s*$"
)


def _rewrite_dotted(text: str, context: RewriteContext) -> tuple[str, set[str], list[str]]:
    """``python_modules.X...`` and ``cli.P...`` in a piece of code or a string target."""
    kinds: set[str] = set()
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        rest = match.group("rest")
        if match.group("root") == "python_modules":
            target = _module_target(rest, context)
            if target is None:
                problems.append(f"python_modules.{rest}: no such module in the package")
                return match.group(0)
            kinds.add("python_modules.* -> the package's modules")
            return target
        package, _, tail = rest.partition(".")
        if package not in context.with_cli:
            return match.group(0)  # cli.<something else>: not paa's cli folder
        kinds.add("cli.NAME -> NAME.cli")
        return f"{package}.cli" + (f".{tail}" if tail else "")

    return _DOTTED.sub(replace, text), kinds, problems


def _rewrite_code(segment: str, context: RewriteContext) -> tuple[str, set[str], list[str]]:
    match = _FROM_PACKAGE.match(segment)
    if match:
        name = match.group("names")
        if name == context.name or name in context.packages:
            alias = match.group("alias") or ""
            new = f"{match.group('lead')}{name}{match.group('mid')}{name}{alias}"
            return new, {"python_modules.* -> the package's modules"}, []
        return segment, set(), [f"from python_modules import {name}: not a package here"]
    if re.match(r"^\s*(?:from\s+python_modules\s+import|import\s+python_modules\s*$)", segment):
        return segment, set(), ["an import of python_modules itself: import the package"]
    if re.match(r"^\s*from\s+cli\s+import\b", segment):
        return segment, set(), ["from cli import ...: import NAME.cli of the package instead"]
    return _rewrite_dotted(segment, context)


def _rewrite_string(token: str, context: RewriteContext) -> tuple[str, str, str]:
    """A string literal: (new literal, kind of rewrite, hand-fix problem)."""
    match = re.match(r"^(?P<prefix>[rRbBuU]{0,2})(?P<quote>'|\")(?P<body>.*)(?P=quote)$", token)
    if not match or "f" in match.group("prefix").lower():
        return token, "", ""
    body = match.group("body")
    if not body or any(c.isspace() for c in body) or "\\" in body:
        return token, "", ""
    if re.fullmatch(r"(?:python_modules|cli)\.\w+(?:\.\w+)*", body):
        new, _, problems = _rewrite_dotted(body, context)
        literal = token.replace(body, new, 1)
        kind = "string targets (patch, monkeypatch.setattr, mocker.patch)"
        return literal, kind, problems[0] if problems else ""
    path = body[2:] if body.startswith("./") else body
    prefix = context.tests_prefix
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        new_path = "tests" + path[len(prefix) :]
        new_body = ("./" if body.startswith("./") else "") + new_path
        return (
            token.replace(body, new_body, 1),
            f"paths into {prefix}/ -> tests/ (run from the folder holding tests/)",
            "",
        )
    parts = path.split("/")
    first = parts[0]
    if first in ("", ".", "..") or first not in context.root_entries:
        return token, "", ""
    if "/" not in path and "." not in first:
        return token, "", ""  # a bare word that happens to name a folder ("cli", "tests")
    if first in context.per_package and (len(parts) < 2 or parts[1] not in context.packages):
        return token, "", ""  # e.g. "artifacts/banner.txt": the package's own layout
    return token, "", f"{body!r} is a path relative to the old repository root"
