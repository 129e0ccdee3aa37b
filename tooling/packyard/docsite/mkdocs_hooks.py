"""MkDocs hooks for the generated package sites (loaded by MkDocs from this file's path, in
the docs toolchain's environment: it imports nothing from packyard).

Docstrings in this repository carry doctests (``>>> expression`` then its output) outside
any fenced block; Markdown would read the ``>>>`` as nested block quotes. The hook adds a
Markdown preprocessor, used for the pages and for the docstrings mkdocstrings renders,
that fences each doctest run as a ``pycon`` code block.
"""

from __future__ import annotations

from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

_FENCES = ("```", "~~~")


def fence_doctests(lines: list[str]) -> list[str]:
    """Wrap each run of doctest lines (a line starting ``>>> `` up to the next blank line,
    at the same indentation) in a ``pycon`` fence; text inside fences is left alone.

    >>> fence_doctests(["Text.", "", ">>> 1 + 1", "2", "", "More."])
    ['Text.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'More.']
    """
    out: list[str] = []
    fence: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        if fence is None and stripped.startswith(_FENCES):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        elif fence is None and stripped.startswith(">>> "):
            indent = line[: len(line) - len(stripped)]
            block = []
            while index < len(lines) and lines[index].strip() and lines[index].startswith(indent):
                block.append(lines[index])
                index += 1
            out += [f"{indent}```pycon", *block, f"{indent}```"]
            continue
        out.append(line)
        index += 1
    return out


class _DoctestPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return fence_doctests(lines)


class DoctestExtension(Extension):
    """The Markdown extension registering the doctest preprocessor (before the fenced
    code preprocessors, which then highlight the new fences)."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(_DoctestPreprocessor(md), "packyard_doctests", 40)


def on_config(config: Any) -> Any:
    """MkDocs ``on_config`` event: add :class:`DoctestExtension` to the Markdown
    extensions (the pages' and mkdocstrings')."""
    config.markdown_extensions.append(DoctestExtension())
    return config
