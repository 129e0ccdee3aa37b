"""What both site builds share: the work folder, the report, and the strict build.

A site's pages are generated in ``build/docs/NAME/`` (:func:`docs_work_dir`) and its HTML
goes to ``site/`` (:func:`site_root`). :func:`mkdocs_build` runs ``mkdocs build --strict``
and :func:`raise_broken` reports what the link check found, each problem named at the file a
reader should fix (the package's page, README or notebook) and its line.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from packyard.docsite import pages
from packyard.docsite.links import BrokenLink
from packyard.docsite.toolchain import Toolchain
from packyard.errors import CommandFailed, DocsError
from packyard.proc import run
from packyard.repo import Repository

Progress = Callable[[str], None]
IGNORED = shutil.ignore_patterns(".*", "__pycache__", "*.pyc")
_MKDOCS_DOC_WARNING = re.compile(r"WARNING\s+-\s+Doc file '([^']+)' (.*)")
_QUOTED_TARGET = re.compile(r"link '([^']*)'")


@dataclass
class SiteReport:
    """What a site build did.

    Attributes:
        name: the package's import name, or ``""`` for the repository's site.
        site_dir: where the site is now.
        pages: the Markdown pages built (relative to the docs folder, POSIX).
        notebooks: the notebooks converted (relative to ``packages/NAME/docs``).
        executed: whether the notebooks were executed.
        seconds: wall time of the whole build.
    """

    name: str
    site_dir: Path
    pages: list[str] = field(default_factory=list)
    notebooks: list[str] = field(default_factory=list)
    executed: bool = False
    seconds: float = 0.0


def docs_work_dir(repo: Repository, name: str) -> Path:
    """``build/docs/NAME``: where a site's generated files go."""
    return repo.config.build_dir / "docs" / name


def site_root(repo: Repository) -> Path:
    """``site/``: the built sites (the repository's at the top, each package's in a
    folder named after its import name)."""
    return repo.config.root / "site"


def mkdocs_build(
    toolchain: Toolchain, config_file: Path, sources: dict[str, Path], docs_dir: Path
) -> None:
    """Run ``mkdocs build --strict`` on ``config_file`` with the docs toolchain (killed after
    1800 seconds).

    Args:
        toolchain: the interpreter that has mkdocs.
        config_file: the site's ``mkdocs.yml``; mkdocs runs in its folder.
        sources: page (relative to ``docs_dir``, POSIX) -> the file a reader should fix (a
            package's README, page or notebook); other pages are named in ``docs_dir``.
        docs_dir: the folder of the generated pages.

    Raises:
        DocsError: mkdocs warned about pages (broken links, missing images); names each at
            its source file and, when found, line.
        CommandFailed: mkdocs failed otherwise or timed out.
    """
    try:
        run(
            [toolchain.python, "-m", "mkdocs", "build", "--strict", "--config-file", config_file],
            step="mkdocs",
            cwd=config_file.parent,
            env=toolchain.env(),
            timeout=1800,
            hint="mkdocs --strict fails on any warning: fix each WARNING line of its output (a "
            "docstring's names its source file and line)",
        )
    except CommandFailed as exc:
        problems = []
        for line in exc.output.splitlines():
            match = _MKDOCS_DOC_WARNING.search(line)
            if match:
                problems.append((match.group(1), match.group(2)))
        if not problems:
            raise
        lines = []
        for page, text in problems:
            source = sources.get(page, docs_dir / page)
            target = _QUOTED_TARGET.search(text)
            line_no = _line_of(source, target.group(1)) if target else None
            kind = "image" if target and _is_image(source, target.group(1)) else "link"
            where = f"{source}:{line_no}" if line_no else str(source)
            lines.append(f"{where}: {kind} {text}" if target else f"{where}: {text}")
        first_page = problems[0][0]
        first_source = sources.get(first_page, docs_dir / first_page)
        first_target = _QUOTED_TARGET.search(problems[0][1])
        raise DocsError(
            f"the page {first_page!r} has a broken link or missing image "
            f"({len(problems)} problem{'s' if len(problems) > 1 else ''} in all):\n    "
            + "\n    ".join(lines),
            path=first_source,
            line=_line_of(first_source, first_target.group(1)) if first_target else None,
            hint="fix or remove each link; targets are relative to the page, and files must "
            "be in the package's docs/ folder (a README's docs/ prefix is dropped)",
        ) from None


def raise_broken(
    broken: list[BrokenLink],
    sources: dict[str, Path],
    *,
    what: str,
    ignore: Callable[[BrokenLink], bool] | None = None,
) -> None:
    """Raise if the link check found broken links or images.

    Args:
        broken: what :func:`packyard.docsite.links.check_links` found.
        sources: Markdown page (relative to the docs folder, POSIX) -> the file a reader
            should fix; each broken link is named with the source of its HTML page, if any.
        what: the site, for the message (``"the repository site"``).
        ignore: leaves out the broken links for which it returns True.

    Raises:
        DocsError: some remain; names the first one's source file and, when found, line.
    """
    if ignore is not None:
        broken = [b for b in broken if not ignore(b)]
    if not broken:
        return
    by_html = {pages.page_html(page): source for page, source in sources.items()}
    first = broken[0]
    source = by_html.get(first.page)
    raise DocsError(
        f"{what} has {len(broken)} broken link{'s' if len(broken) > 1 else ''} or image"
        f"{'s' if len(broken) > 1 else ''}:\n    "
        + "\n    ".join(
            f"{b} (page {by_html[b.page]})" if b.page in by_html else str(b) for b in broken
        ),
        path=source,
        line=_line_of(source, first.target) if source else None,
        hint="fix or remove each link (raw HTML and notebook outputs are checked too)",
    )


def write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, creating its parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _line_of(path: Path | None, needle: str) -> int | None:
    if path is None or not needle or not path.is_file() or path.suffix == ".ipynb":
        return None
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return number
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _is_image(path: Path, target: str) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return bool(re.search(r"!\[[^\]]*\]\(\s*<?" + re.escape(target), text)) or (
        f'src="{target}"' in text
    )
