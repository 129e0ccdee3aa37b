"""What package-auto-assembler keeps for a package under ``.paa/`` besides its tracking
files, and what ``invoke import-paa`` does with it.

- ``.paa/docs/``: paa's generated documentation pages, and files the pages link to
  (``NAME-logo.png``). packyard generates the pages itself; a file that a carried page
  (``NAME/docs/*.md``) links to and that is not beside it is copied into ``NAME/docs/``
  (:func:`carry_linked_files`); the package's other entries there are listed as not
  carried over.
- ``.paa/pyproject/NAME.toml``: the ``pyproject.toml`` paa generated for the package; its
  ``[project] requires-python`` is kept (:func:`requires_python`).
- ``.paa/history/``: paa's checkpoint history (a git repository per package); the release
  history comes from ``.paa/tracking`` instead, so it is listed as not carried over
  (:func:`history_entries`).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packyard import tomlcompat
from packyard.errors import ConfigError

_MARKDOWN_TARGET = re.compile(r"!?\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_TARGET = re.compile(
    r"""<(?:img|a|source)\b[^>]*?\b(?:src|href)\s*=\s*["'](?P<target>[^"']+)"""
)


def paa_docs_dir(root: Path) -> Path:
    """paa's generated documentation folder, ``.paa/docs``."""
    return root / ".paa" / "docs"


def linked_targets(text: str) -> list[str]:
    """The relative file targets a Markdown page links to or shows (``![](x.png)``,
    ``[a](b.pdf)``, ``<img src="x.png">``), without anchors and queries; URLs, absolute
    paths and anchors alone are left out.

    >>> linked_targets('![logo](box-logo.png) [x](https://e.invalid) <img src="a/b.svg">')
    ['box-logo.png', 'a/b.svg']
    """
    found = []
    for pattern in (_MARKDOWN_TARGET, _HTML_TARGET):
        for match in pattern.finditer(text):
            parts = urlsplit(match.group("target"))
            if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
                continue
            target = unquote(parts.path)
            if target not in found:
                found.append(target)
    return found


def carry_linked_files(root: Path, name: str, docs: Path) -> tuple[list[str], list[str]]:
    """Copy into ``docs`` the files in ``.paa/docs/`` that its Markdown pages link to and
    that are not beside them already.

    Args:
        root: the paa repository.
        name: the package.
        docs: the package's staged ``docs/`` folder.

    Returns:
        ``(carried, not_carried)``: report lines. ``not_carried`` names the package's
        other entries in ``.paa/docs/`` (names starting with ``name``), and links that
        reach nothing in either place.
    """
    source = paa_docs_dir(root)
    carried: list[str] = []
    missing: list[str] = []
    used: set[Path] = set()
    pages = sorted(docs.rglob("*.md")) if docs.is_dir() else []
    for page in pages:
        for target in linked_targets(page.read_text(encoding="utf-8", errors="replace")):
            here = (page.parent / target).resolve()
            if here.exists() or target.endswith(".md"):
                continue
            candidate = (source / target).resolve()
            if not candidate.is_relative_to(source.resolve()) or not candidate.is_file():
                where = f"docs/{page.relative_to(docs).as_posix()}"
                missing.append(
                    f"{where} links to {target}, which is neither beside it nor in .paa/docs/"
                )
                continue
            if not here.is_relative_to(docs.resolve()):
                continue
            here.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(candidate, here)
            used.add(candidate)
            carried.append(
                f".paa/docs/{target} -> {name}/docs/{here.relative_to(docs.resolve()).as_posix()} "
                f"(linked from docs/{page.relative_to(docs).as_posix()})"
            )
    not_carried = list(missing)
    if source.is_dir():
        for entry in sorted(source.iterdir()):
            if entry.name.startswith(name) and entry.resolve() not in used:
                not_carried.append(
                    f".paa/docs/{entry.name}: paa's generated documentation; packyard "
                    "generates the pages (nox -s docs-NAME), and no carried page links to it"
                )
    return carried, not_carried


def requires_python(root: Path, name: str) -> str | None:
    """``[project] requires-python`` of ``.paa/pyproject/NAME.toml``; None without it.

    Raises:
        ConfigError: the file is not valid TOML (names the file and line).
    """
    path = root / ".paa" / "pyproject" / f"{name}.toml"
    if not path.is_file():
        return None
    project = tomlcompat.load(path).get("project", {})
    value = project.get("requires-python") if isinstance(project, dict) else None
    if value is not None and not isinstance(value, str):
        raise ConfigError("[project] requires-python must be a string", path=path)
    return value or None


def history_entries(root: Path, name: str) -> list[str]:
    """The package's entries in ``.paa/history/`` (paa's checkpoint history), as report
    lines for "not carried over"."""
    folder = root / ".paa" / "history"
    if not folder.is_dir():
        return []
    return [
        f".paa/history/{entry.name}: paa's checkpoint history is not carried over (the "
        "release history comes from .paa/tracking; the code's history is in git)"
        for entry in sorted(folder.iterdir())
        if entry.name == name or entry.name.startswith(f"{name}.")
    ]
