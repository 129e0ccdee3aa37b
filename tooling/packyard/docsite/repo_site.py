"""Building the repository's site into ``site/``, and every site at once (:func:`build_all`).

The repository's site comes from the root ``mkdocs.yml`` and ``docs/``; it is staged in
``build/docs/_repo/`` and swapped into the top of ``site/`` entry by entry, keeping the
package sites' folders, once ``mkdocs build --strict`` and the link check passed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from packyard.docsite import mkconfig, pages
from packyard.docsite.build import (
    IGNORED,
    Progress,
    SiteReport,
    docs_work_dir,
    mkdocs_build,
    raise_broken,
    site_root,
    write,
)
from packyard.docsite.links import check_links
from packyard.docsite.package_site import build_package_site
from packyard.docsite.toolchain import Toolchain
from packyard.errors import DocsError
from packyard.repo import Repository

#: The folder (under ``build/docs/``) of the repository site's generated files; package
#: names cannot start with ``_``, so it never clashes with one.
REPO_WORK = "_repo"


def build_repo_site(
    repo: Repository,
    *,
    python: str | os.PathLike[str] | None = None,
    progress: Progress = print,
) -> SiteReport:
    """Build the repository's site into ``site/`` from the root ``mkdocs.yml`` and
    ``docs/``, with the package table (the README table's data, each name linking to
    ``site/NAME/``) at the marker ``<!-- packyard:package-table -->`` of ``docs/index.md``.

    The package folders already in ``site/`` are kept; everything else at the top of
    ``site/`` is replaced. The landing page's links to the package sites must resolve:
    build those first (:func:`build_all` does).

    Raises:
        DocsError: no ``mkdocs.yml`` or ``docs/index.md``, a broken link (naming the page),
            a page whose output would take a package's folder, a package site not built.
        CommandFailed: MkDocs failed.
    """
    started = time.perf_counter()
    root = repo.config.root
    config_path = root / "mkdocs.yml"
    source_docs = root / "docs"
    if not config_path.is_file():
        raise DocsError(
            "the repository has no mkdocs.yml for its site",
            path=config_path,
            hint="add one (site_name, theme: material, nav) with the user guide in docs/",
        )
    if not (source_docs / "index.md").is_file():
        raise DocsError(
            "the repository site has no landing page",
            path=source_docs / "index.md",
            hint=f"add docs/index.md with the line {pages.PACKAGE_TABLE_MARKER} where the "
            "package table goes",
        )
    toolchain = Toolchain.find(python)
    work = docs_work_dir(repo, REPO_WORK)
    if work.exists():
        shutil.rmtree(work)
    docs_dir = work / "docs"
    shutil.copytree(source_docs, docs_dir, ignore=IGNORED)
    sources = {
        p.relative_to(docs_dir).as_posix(): source_docs / p.relative_to(docs_dir)
        for p in docs_dir.rglob("*.md")
    }
    index = docs_dir / "index.md"
    write(index, pages.landing_page(index.read_text(encoding="utf-8"), pages.package_table(repo)))
    staging = work / "site"
    config_file = mkconfig.write_config(
        work / "mkdocs.yml",
        mkconfig.repo_config(inherit=config_path, docs_dir=docs_dir, site_dir=staging),
    )
    progress("[docs] mkdocs build --strict -> site/")
    mkdocs_build(toolchain, config_file, sources, docs_dir)

    names = set(repo.packages)
    clash = sorted(p.name for p in staging.iterdir() if p.name in names)
    if clash:
        raise DocsError(
            f"the repository site writes site/{clash[0]}/, the folder of package {clash[0]!r}",
            path=source_docs,
            hint="rename that page or folder of docs/ so that it does not take a package's name",
        )
    site = site_root(repo)
    missing = sorted(n for n in names if not (site / n / "index.html").is_file())
    raise_broken(
        check_links(staging, root=staging),
        sources,
        what="the repository site",
        ignore=lambda b: b.target.rstrip("/").split("/")[0] in names,
    )
    if missing:
        raise DocsError(
            "the landing page links to package sites that are not built: "
            + ", ".join(f"site/{n}/" for n in missing),
            path=source_docs / "index.md",
            hint="build them first: "
            + ", ".join(f"nox -s docs-{n}" for n in missing)
            + " (or nox -s docs for everything)",
        )
    _merge_repo_site(staging, site, keep=names)
    broken = check_links(site, pages=[p for p in site.glob("*.html") if p.name != "404.html"])
    raise_broken(broken, sources, what="the repository site")
    report = SiteReport(
        name="",
        site_dir=site,
        pages=sorted(sources),
        seconds=time.perf_counter() - started,
    )
    progress(f"OK repository site: site/ ({len(report.pages)} pages, {report.seconds:.1f}s)")
    return report


def build_all(
    repo: Repository,
    names: Iterable[str] | None = None,
    *,
    python: str | os.PathLike[str] | None = None,
    execute: bool = False,
    index_url: str | None = None,
    progress: Progress = print,
) -> list[SiteReport]:
    """Build the sites of ``names`` (every package when None), then the repository's.

    Raises:
        PackyardError: as :func:`build_package_site` and :func:`build_repo_site`; the first
            failure stops the run.
    """
    reports = [
        build_package_site(
            repo, name, python=python, execute=execute, index_url=index_url, progress=progress
        )
        for name in (list(names) if names is not None else list(repo.packages))
    ]
    reports.append(build_repo_site(repo, python=python, progress=progress))
    return reports


def _merge_repo_site(staging: Path, site: Path, *, keep: set[str]) -> None:
    site.mkdir(parents=True, exist_ok=True)
    trash = Path(tempfile.mkdtemp(prefix=".old-", dir=site))
    try:
        for entry in site.iterdir():
            if entry.name not in keep and entry != trash:
                os.replace(entry, trash / entry.name)
        for entry in staging.iterdir():
            os.replace(entry, site / entry.name)
    finally:
        shutil.rmtree(trash, ignore_errors=True)
