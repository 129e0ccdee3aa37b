"""A package's summary and long description from its module docstring.

The summary (core metadata ``Summary``, PEP 621 ``description``) is the docstring's first
paragraph, whitespace-normalized and cut after its first sentence, so a sentence that
wraps across lines stays whole. The long description is the docstring under a title; a
docstring written in reStructuredText (it uses RST constructs and renders with docutils
without a warning, as ``twine check --strict`` requires) is published as ``text/x-rst``,
anything else as ``text/markdown``.
"""

from __future__ import annotations

import io
import re

MARKDOWN = "text/markdown"
RST = "text/x-rst"

#: Words ending with a period that do not end a sentence.
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "incl.", "no.", "mr.", "dr.")
_SENTENCE_END = re.compile(r"[.!?](?=\s+\S)")

#: Constructs only reStructuredText uses (each a multiline regex).
_RST_MARKS = (
    re.compile(r"::\s*$", re.M),  # a literal block follows
    re.compile(r"^\s*\.\. [A-Za-z][\w-]*::", re.M),  # a directive
    re.compile(r"^\s*\.\. _[^:]+:", re.M),  # a hyperlink target
    re.compile(r"``[^`\n]+``"),  # inline literal
    re.compile(r":[a-z][\w:+-]*:`[^`]+`"),  # a role
    re.compile(r"`[^`\n]+ <[^>\n]+>`_"),  # an inline hyperlink
    re.compile(r"^(\S.*)\n([=\-~^\"'`#*+])\2{2,}\s*$", re.M),  # an underlined title
)
#: Constructs Markdown uses and reStructuredText does not.
_MARKDOWN_MARKS = (
    re.compile(r"^\s*```", re.M),  # a fenced code block
    re.compile(r"^#{1,6} \S", re.M),  # an ATX heading
    re.compile(r"\[[^\]\n]+\]\([^)\n]+\)"),  # an inline link
)


def summary_of(docstring: str) -> str:
    """The one-line summary of a docstring: its first paragraph with whitespace
    normalized, cut after the first sentence (a period, ``!`` or ``?`` followed by more
    text; common abbreviations such as ``e.g.`` do not end one).

    Args:
        docstring: the cleaned docstring (``ast.get_docstring``).

    >>> summary_of("Decorator module, see\\nhttps://example.org/docs.md\\nfor the docs.\\n\\nMore.")
    'Decorator module, see https://example.org/docs.md for the docs.'
    >>> summary_of("Parse dates, e.g. 2024-01-01. Also times.")
    'Parse dates, e.g. 2024-01-01.'
    """
    paragraph = re.split(r"\n\s*\n", docstring.strip(), maxsplit=1)[0]
    text = " ".join(paragraph.split())
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        words = text[:end].split()
        if words and words[-1].lower() in _ABBREVIATIONS:
            continue
        return text[:end]
    return text


def renders_as_rst(text: str) -> bool:
    """Whether ``text`` renders with docutils without a warning (what ``twine check
    --strict`` requires of a ``text/x-rst`` long description; readme_renderer is the
    renderer twine and PyPI use)."""
    from readme_renderer.rst import render

    warnings = io.StringIO()
    return render(text, stream=warnings) is not None and not warnings.getvalue().strip()


def is_restructuredtext(text: str) -> bool:
    """Whether a docstring is reStructuredText: it uses RST constructs (``::`` literal
    blocks, ``.. directive::``, underlined titles, ````literal````, ``:role:`x```...), no
    Markdown-only ones (fences, ``#`` headings, ``[text](url)`` links), and renders with
    docutils cleanly.

    >>> is_restructuredtext("Title\\n=====\\n\\nUse ``f()``::\\n\\n    f()\\n")
    True
    >>> is_restructuredtext("Use `f()`:\\n\\n```python\\nf()\\n```\\n")
    False
    """
    if not any(mark.search(text) for mark in _RST_MARKS):
        return False
    if any(mark.search(text) for mark in _MARKDOWN_MARKS):
        return False
    return renders_as_rst(text)


#: Sphinx roles (``:func:`name```...), unknown to docutils and so to the index's renderer.
_SPHINX_ROLE = re.compile(
    r":(?:py:)?(?:func|class|meth|mod|attr|exc|data|obj|const|ref|doc|term|envvar|option|"
    r"program|file|any):`~?(?P<text>[^`<]+?)\s*(?:<[^`>]*>)?`"
)


def without_sphinx_roles(text: str) -> str:
    """``text`` with Sphinx cross-reference roles turned into inline literals (what the
    index can render; there is nothing to link to there).

    >>> without_sphinx_roles("Call :func:`~pkg.greet` or :ref:`the guide <guide>`.")
    'Call ``pkg.greet`` or ``the guide``.'
    """
    return _SPHINX_ROLE.sub(lambda m: f"``{m['text']}``", text)


def long_description(title: str, docstring: str, summary: str) -> tuple[str, str]:
    """The long description of a package described by its docstring.

    Args:
        title: the heading (the distribution name).
        docstring: the module docstring (may be empty).
        summary: used as the body when the docstring is empty.

    Returns:
        ``(text, content_type)``: Markdown (``text/markdown``) with a ``# title`` heading,
        or reStructuredText (``text/x-rst``) under an over- and underlined title.
    """
    body = docstring.strip() or summary
    if docstring and is_restructuredtext(without_sphinx_roles(body)):
        body = without_sphinx_roles(body)
        rule = "#" * len(title)
        text = f"{rule}\n{title}\n{rule}\n\n{body}\n"
        if renders_as_rst(text):
            return text, RST
    return f"# {title}\n\n{body}\n", MARKDOWN


def changelog_as_rst(markdown: str) -> str:
    """The ``## Changelog`` Markdown section (see
    :func:`packyard.versions.versioning.changelog_markdown`) as reStructuredText for an RST long
    description: headings become rubrics (no section levels to clash with the
    docstring's), group titles bold paragraphs, and note text is escaped.

    >>> md = "\\n## Changelog\\n\\n### 1.0 (2026-01-02)\\n\\n#### Fixes\\n\\n- a_b *c*"
    >>> print(changelog_as_rst(md))
    <BLANKLINE>
    .. rubric:: Changelog
    <BLANKLINE>
    .. rubric:: 1.0 (2026-01-02)
    <BLANKLINE>
    **Fixes**
    <BLANKLINE>
    - a\\_b \\*c\\*
    """
    lines = []
    for line in markdown.split("\n"):
        heading = re.match(r"^(#{2,6}) (.*)$", line)
        if heading and len(heading[1]) < 4:
            lines.append(f".. rubric:: {_escape_rst(heading[2])}")
        elif heading:
            lines.append(f"**{_escape_rst(heading[2])}**")
        elif line.startswith("- "):
            lines.append(f"- {_escape_rst(line[2:])}")
        else:
            lines.append(_escape_rst(line))
    return "\n".join(lines)


def _escape_rst(text: str) -> str:
    return re.sub(r"([\\*`|_:<>\[\]])", r"\\\1", text)


def rst_as_html(text: str) -> str:
    """An RST long description as the HTML the index shows (readme_renderer), without its
    first title: for a Markdown page that has its own (the package site's home page).

    Raises:
        ValueError: the text does not render (it was not detected as RST, then).
    """
    from readme_renderer.rst import render

    html = render(text)
    if html is None:
        raise ValueError("the text does not render as reStructuredText")
    return re.sub(r"<h1>.*?</h1>\n?", "", html, count=1, flags=re.S)
