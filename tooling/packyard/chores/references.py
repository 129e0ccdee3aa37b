"""Finding and rewriting the references to a package's name, for a rename.

Imports and qualified names in source text, doctests and the code cells of notebooks
(:func:`rewrite_references`, :func:`rewrite_notebook`), every whole-word mention in the
package's tests (:func:`rewrite_words`), and the mentions a rename leaves for the user to
check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from packyard import gitutil
from packyard.chores.files import git_top
from packyard.errors import CommandFailed
from packyard.fsutil import relative_path, write_text_atomic
from packyard.names import distribution_name

#: File suffixes whose references to the package's name a rename rewrites (notebooks:
#: their code cells only, see :func:`rewrite_notebook`).
REWRITTEN_SUFFIXES = (".py", ".md", ".toml", ".ipynb")
#: Files larger than this (in bytes) are not searched for mentions of the old name.
MAX_SCANNED_BYTES = 2_000_000


def _files(paths: Iterable[Path]) -> list[Path]:
    """The files at or under ``paths``, sorted per path, ``__pycache__`` left out."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            )
        elif path.is_file():
            files.append(path)
    return files


def text_files(paths: Iterable[Path]) -> list[Path]:
    """The files at or under ``paths`` whose references a rename rewrites (a suffix in
    :data:`REWRITTEN_SUFFIXES`), sorted per path, ``__pycache__`` left out.
    """
    return [p for p in _files(paths) if p.suffix in REWRITTEN_SUFFIXES]


def rewrite_references(text: str, old: str, new: str) -> str:
    """Rewrite references to a package's import name (and its distribution name) in
    source text: import statements (also in doctests), qualified names ``old.x``, and
    string literals that are exactly the name.

    >>> print(rewrite_references("import old\\nold.f()\\nfiles('old')\\nbold.x", "old", "new"))
    import new
    new.f()
    files('new')
    bold.x
    >>> rewrite_references(">>> from old.core import f", "old", "new")
    '>>> from new.core import f'
    """
    name = re.escape(old)
    text = re.sub(
        rf"^(?P<lead>[ \t]*(?:(?:>>>|\.\.\.)[ \t]+)?(?:from|import)[ \t]+){name}(?=[\s.,;]|$)",
        lambda m: m.group("lead") + new,
        text,
        flags=re.MULTILINE,
    )
    text = re.sub(rf"(?<![\w.]){name}(?=\.[A-Za-z_])", new, text)
    text = re.sub(rf"(?P<q>[\"']){name}(?P=q)", lambda m: m.group("q") + new + m.group("q"), text)
    old_dist, new_dist = distribution_name(old), distribution_name(new)
    if old_dist != old:
        text = re.sub(
            rf"(?P<q>[\"']){re.escape(old_dist)}(?P=q)",
            lambda m: m.group("q") + new_dist + m.group("q"),
            text,
        )
    return text


def rewrite_words(text: str, old: str, new: str) -> str:
    """Rewrite every whole-word mention of a package's import name (and its distribution
    name): what :func:`rewrite_references` does plus prose and strings such as
    ``"usage: old"``. A rename applies it to the package's tests only, where such strings
    are expectations about the renamed package; an attribute ``x.old`` is left alone.

    >>> rewrite_words('assert "usage: old" in err  # old.exe, bold, x.old', "old", "new")
    'assert "usage: new" in err  # new.exe, bold, x.old'
    """
    text = rewrite_references(text, old, new)
    pairs = [(old, new)]
    if distribution_name(old) != old:
        pairs.append((distribution_name(old), distribution_name(new)))
    for before, after in pairs:
        text = re.sub(rf"(?<![\w.]){re.escape(before)}(?!\w)", after, text)
    return text


def rewrite_notebook(text: str, old: str, new: str) -> str:
    """Rewrite the references to a package in the code cells of a Jupyter notebook (the
    nbformat 4 JSON text) with :func:`rewrite_references`; Markdown cells and outputs
    are left as they are. The JSON is written back with the notebook's own indentation,
    non-ASCII text kept; the text comes back unchanged when no cell changed.

    Raises:
        ValueError: the text is not a notebook (not JSON, or no ``cells`` list).

    >>> cell = {"cell_type": "code", "source": ["import old\\n", "old.f()"], "outputs": []}
    >>> doc = json.dumps({"cells": [cell, {"cell_type": "markdown", "source": "old"}]})
    >>> [c["source"] for c in json.loads(rewrite_notebook(doc, "old", "new"))["cells"]]
    [['import new\\n', 'new.f()'], 'old']
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a Jupyter notebook (no list of cells)")
    changed = False
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        joined = "".join(source) if isinstance(source, list) else source
        if not isinstance(joined, str):
            continue
        updated = rewrite_references(joined, old, new)
        if updated != joined:
            cell["source"] = (
                updated.splitlines(keepends=True) if isinstance(source, list) else updated
            )
            changed = True
    if not changed:
        return text
    indent = re.search(r"\n( +)\S", text)
    dumped = json.dumps(data, indent=len(indent.group(1)) if indent else 1, ensure_ascii=False)
    return dumped + ("\n" if text.endswith("\n") else "")


def rewrite_file(path: Path, old: str, new: str, *, words: bool = False) -> bool:
    """Rewrite one file in place (atomically); whether it changed.

    Raises:
        ValueError: a notebook that is not valid notebook JSON (left as it is).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if path.suffix == ".ipynb":
        updated = rewrite_notebook(text, old, new)
    elif words:
        updated = rewrite_words(text, old, new)
    else:
        updated = rewrite_references(text, old, new)
    if updated == text:
        return False
    write_text_atomic(path, updated)
    return True


def leftover_mentions(
    root: Path, paths: list[Path], old: str, *, git: bool
) -> list[tuple[Path, int, str]]:
    """Whole-word mentions of ``old`` (or its distribution name) left after a rename: in
    the package's own text files, and, in a git work tree, in the other tracked files
    (``git grep``; ``.packyard/`` left out: release records name what was released).

    Returns:
        ``(file, line number, the line stripped and cut to 100 characters)``, by file.
    """
    names = {old, distribution_name(old)}
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(names)))
    found: list[tuple[Path, int, str]] = []
    for path in _files(paths):
        try:
            if path.stat().st_size > MAX_SCANNED_BYTES:
                continue
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                found.append((path, number, line.strip()[:100]))
    if not git:
        return found
    args = ["grep", "-n", "-I", "-w", "-z", "--full-name"]
    for name in sorted(names):
        args += ["-e", name]
    excluded = [f":(exclude){relative_path(p, root)}" for p in paths] + [":(exclude).packyard"]
    try:
        out = gitutil.git(root, *args, "--", ".", *excluded)
    except CommandFailed:  # status 1: no match (or no commit/files to search)
        return found
    top = git_top(root) or root
    for entry in out.splitlines():
        parts = entry.split("\0", 2)
        if len(parts) == 3 and parts[1].isdigit():
            found.append((top / parts[0], int(parts[1]), parts[2].strip()[:100]))
    return found
