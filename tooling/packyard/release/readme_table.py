"""The package table of the root ``README.md`` (``invoke readme``).

The table lives between two marker comments; everything outside them is left exactly as
it is::

    <!-- packyard:packages:start -->
    | package | version | summary | last release | install |
    ...
    <!-- packyard:packages:end -->

Columns: the distribution name (linking to its source), the latest released version, the
summary (the docstring's first line), the date of the last release, and the command that
installs it from the index it was released to.

For a release to ``local`` the command names the local index alone, as ``invoke index``
serves it (``pip install --index-url http://127.0.0.1:8765/simple/ NAME``): never
``--extra-index-url``, with which pip takes the highest version from either index, so a
public project of the same name (PyPI has an unrelated ``unitconv``) could win over the
package or one of its siblings. Third-party dependencies still install: ``invoke index``
redirects every project the local index does not hold to the configured ``index-url``
(see :func:`packyard.release.local_index.serve_local_index`), while the projects it holds are served
only from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from packyard.errors import ConfigError, PackageError
from packyard.fsutil import write_text_atomic
from packyard.index.repository_config import LOCAL
from packyard.package.discovery import Package
from packyard.repo import Repository
from packyard.versions.tracking import UNRELEASED_LABEL, latest_release

START = "<!-- packyard:packages:start -->"
END = "<!-- packyard:packages:end -->"
#: The port ``invoke index`` serves the local index on by default, and so the one the
#: table's install commands name for packages released to ``local``.
LOCAL_INDEX_PORT = 8765
PYPI_SIMPLE = "https://pypi.org/simple/"


def local_index_url(port: int = LOCAL_INDEX_PORT) -> str:
    """The simple index URL ``invoke index`` serves on ``port``."""
    return f"http://127.0.0.1:{port}/simple/"


def install_command(dist_name: str, index_url: str, deps_index_url: str) -> str:
    """The pip command installing ``dist_name`` from ``index_url``, with dependencies from
    ``deps_index_url`` when that is a different index.

    >>> install_command("my-tool", "https://pypi.org/simple/", "https://pypi.org/simple")
    'pip install my-tool'
    >>> install_command("x", "http://127.0.0.1:8765/simple/", "https://pypi.org/simple").split()
    ['pip', 'install', '--index-url', 'http://127.0.0.1:8765/simple/', '--extra-index-url', \
'https://pypi.org/simple', 'x']
    """
    if index_url.rstrip("/") == PYPI_SIMPLE.rstrip("/"):
        return f"pip install {dist_name}"
    extra = (
        f" --extra-index-url {deps_index_url}"
        if deps_index_url.rstrip("/") != index_url.rstrip("/")
        else ""
    )
    return f"pip install --index-url {index_url}{extra} {dist_name}"


def table_cell(text: str) -> str:
    """``text`` made fit for one Markdown table cell: whitespace folded, ``|`` escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def local_install_command(dist_name: str, port: int = LOCAL_INDEX_PORT) -> str:
    """The pip command installing ``dist_name`` from the local index as ``invoke index``
    serves it: that index alone (it redirects the projects it does not hold, the
    third-party dependencies, to the configured ``index-url``).

    >>> local_install_command("unitconv")
    'pip install --index-url http://127.0.0.1:8765/simple/ unitconv'
    """
    return f"pip install --index-url {local_index_url(port)} {dist_name}"


def release_install_command(repo: Repository, package: Package, release: Mapping[str, Any]) -> str:
    """The pip command that installs a recorded release from the index it went to (for
    releases to ``local``, :func:`local_install_command`)."""
    if release.get("repository") == LOCAL:
        return local_install_command(package.dist_name)
    index_url = str(release.get("index_url", PYPI_SIMPLE))
    return install_command(package.dist_name, index_url, repo.config.index_url)


def readme_link(repo: Repository, package: Package) -> str:
    """The README's link for a package: its name, linking to its source in the repository."""
    relative = package.path.relative_to(repo.config.root).as_posix()
    return f"[`{package.dist_name}`]({relative}{'/' if package.form == 'folder' else ''})"


def render_table(repo: Repository, link: Callable[[Repository, Package], str] = readme_link) -> str:
    """The Markdown table of every package, sorted by name, ending with a newline.

    Args:
        repo: the repository.
        link: makes the first cell of a package's row (the README links to the source;
            the documentation site to the package's site).

    Raises:
        PackageError, ConfigError: a package or its tracking file cannot be read.
    """
    lines = [
        "| package | version | summary | last release | install |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, package in sorted(repo.packages.items()):
        release = latest_release(repo.config.state_dir, name)
        cell = link(repo, package)
        try:
            summary = table_cell(repo.source(name).summary)
        except PackageError as exc:  # one unreadable package never blocks the table
            summary = f"cannot be read: {table_cell(exc.message)}"
        if release is None:
            lines.append(f"| {cell} | {UNRELEASED_LABEL} | {summary} | — | — |")
            continue
        command = release_install_command(repo, package, release)
        date = str(release.get("date", ""))[:10] or "—"
        lines.append(f"| {cell} | {release['version']} | {summary} | {date} | `{command}` |")
    return "\n".join(lines) + "\n"


def _markers(text: str, readme: Path) -> tuple[int, int]:
    for marker in (START, END):
        count = text.count(marker)
        if count != 1:
            raise ConfigError(
                f"README.md must hold the marker {marker} exactly once (found {count})",
                path=readme,
                hint=f"add the two lines {START} and {END} where the package table goes",
            )
    start, end = text.index(START), text.index(END)
    if end < start:
        raise ConfigError(
            f"{END} comes before {START}",
            path=readme,
            line=text[:end].count("\n") + 1,
            hint="put the start marker first",
        )
    return start + len(START), end


def updated_text(text: str, table: str, readme: Path) -> str:
    """``text`` with the section between the markers replaced by ``table``.

    Raises:
        ConfigError: a marker is missing, repeated or out of order.
    """
    start, end = _markers(text, readme)
    return text[:start] + "\n" + table + text[end:]


def check_markers(readme: Path) -> None:
    """Check, without writing, that ``readme`` can take the table.

    Raises:
        ConfigError: the file is missing or its markers are missing, repeated or out of
            order.
    """
    _markers(_read(readme), readme)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read the README: {exc.strerror}",
            path=path,
            hint=f"create it with the two lines {START} and {END} where the package table goes",
        ) from None


def update_readme(repo: Repository, *, readme: Path | None = None, check: bool = False) -> bool:
    """Regenerate the package table of ``README.md``.

    Args:
        repo: the repository.
        readme: the file; ``README.md`` at the repository root when None.
        check: only compare, write nothing.

    Returns:
        Whether the file changed (or, with ``check``, would change).

    Raises:
        ConfigError: the file is missing or its markers are wrong (nothing is written).
    """
    path = readme or repo.config.root / "README.md"
    text = _read(path)
    new = updated_text(text, render_table(repo), path)
    if new == text:
        return False
    if not check:
        write_text_atomic(path, new)
    return True
