"""Checking a built site's links and images: every relative ``href``/``src`` must reach a
file of the site.

MkDocs' strict mode already checks the links written in Markdown; this check runs on the
HTML, so it also covers raw HTML in pages, notebook outputs, the theme's own assets and the
landing page's links to the per-package sites.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: (tag, attribute) pairs whose values are URLs the page needs.
_URL_ATTRIBUTES = {
    ("a", "href"): "link",
    ("link", "href"): "link",
    ("img", "src"): "image",
    ("script", "src"): "script",
    ("source", "src"): "image",
    ("iframe", "src"): "link",
    ("video", "src"): "image",
}


@dataclass(frozen=True)
class BrokenLink:
    """A link or image that does not resolve.

    Attributes:
        page: the HTML page holding it, relative to the site folder (POSIX).
        target: the URL as written.
        kind: ``"link"``, ``"image"`` or ``"script"``.
        reason: why it does not resolve.
    """

    page: str
    target: str
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind} {self.target!r} {self.reason}"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            kind = _URL_ATTRIBUTES.get((tag, name))
            if kind and value:
                self.urls.append((kind, value))


def page_urls(html_text: str) -> list[tuple[str, str]]:
    """The ``(kind, url)`` pairs of an HTML page, in document order.

    >>> page_urls('<a href="x/">x</a><img src="a.png">')
    [('link', 'x/'), ('image', 'a.png')]
    """
    collector = _Collector()
    collector.feed(html_text)
    collector.close()
    return collector.urls


def check_links(
    site_dir: Path, *, pages: Iterable[Path] | None = None, root: Path | None = None
) -> list[BrokenLink]:
    """Find the relative links and images of a site's pages that reach no file.

    Links with a scheme (``https:``, ``mailto:``, ``data:``...) or a host are not
    checked (no network); a bare ``#anchor`` is not checked; a path starting with ``/``
    is reported, as it breaks when the site is served from a sub-folder (GitHub Pages).
    A link to a folder needs its ``index.html``.

    Args:
        site_dir: the built site (its ``404.html`` is skipped: MkDocs writes it with
            absolute links on purpose).
        pages: the HTML files to check; every ``*.html`` under ``site_dir`` when None.
        root: the folder links may reach (``site_dir`` when None); a link resolving
            outside it is reported.

    Returns:
        The broken links, sorted by page then order of appearance; empty when all resolve.
    """
    site_dir = site_dir.resolve()
    root = (root or site_dir).resolve()
    if pages is None:
        pages = sorted(p for p in site_dir.rglob("*.html") if p.name != "404.html")
    broken: list[BrokenLink] = []
    for page in pages:
        page = page.resolve()
        relative_page = page.relative_to(root).as_posix()
        text = page.read_text(encoding="utf-8", errors="replace")
        seen: set[str] = set()
        for kind, url in page_urls(text):
            if url in seen:
                continue
            seen.add(url)
            reason = _problem(page, url, root)
            if reason:
                broken.append(BrokenLink(relative_page, url, kind, reason))
    return broken


def _problem(page: Path, url: str, root: Path) -> str | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return "is an absolute path (it breaks when the site is served from a sub-folder)"
    target = Path(posixpath.normpath((page.parent / path).as_posix()))
    if not target.is_relative_to(root):
        return "points outside the site"
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return "is not found"
    return None
