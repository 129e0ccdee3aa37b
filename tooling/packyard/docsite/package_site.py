"""Building one package's site into ``site/NAME/``.

The site is generated in ``build/docs/NAME/`` (pages, ``mkdocs.yml``, the HTML in ``site/``
there) and only moved to ``site/NAME/`` once ``mkdocs build --strict`` and the link check
passed, so a failed build leaves the previous site as it was. Nothing is ever written inside
``packages/``.
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import ExitStack
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
from packyard.docsite.notebooks import convert_notebook, find_notebooks, write_kernelspec
from packyard.docsite.packageenv import package_env, script_help
from packyard.docsite.toolchain import Toolchain
from packyard.errors import DocsError
from packyard.fsutil import replace_dir
from packyard.repo import Repository


def build_package_site(
    repo: Repository,
    name: str,
    *,
    python: str | os.PathLike[str] | None = None,
    execute: bool = False,
    index_url: str | None = None,
    progress: Progress = print,
) -> SiteReport:
    """Build one package's site into ``site/NAME/``.

    Pages: Home (README or module docstring, then an "At a glance" table), Usage (each
    console script's ``--help``, run from the package's wheel in a fresh venv), API
    reference (mkdocstrings, reading the source in ``packages/``), the pages, images and
    notebooks of ``packages/NAME/docs/``, and Changelog (from the release records).

    Args:
        repo: the repository.
        name: the package (import or distribution name).
        python: the interpreter of the docs toolchain; the running one when None.
        execute: run the notebooks before converting them (in the package's venv).
        index_url: where the package's dependencies install from (for ``--help`` and
            notebooks); the configured index when None.
        progress: called with one line per step.

    Returns:
        The report.

    Raises:
        DocsError: a broken link or missing image (naming the page and its source file),
            a page named like a generated one, a missing toolchain.
        CommandFailed: a notebook failed to execute, a ``--help`` failed, MkDocs failed.
        PackyardError: the package cannot be read or built.
    """
    started = time.perf_counter()
    package = repo.package(name)
    toolchain = Toolchain.find(python)
    work = docs_work_dir(repo, package.name)
    if work.exists():
        shutil.rmtree(work)
    docs_dir = work / "docs"
    docs_dir.mkdir(parents=True)
    # page (relative to docs_dir) -> the file a reader should fix when it is wrong
    sources: dict[str, Path] = {}
    own_docs = package.path / "docs" if package.form == "folder" else None
    if own_docs is not None and own_docs.is_dir():
        shutil.copytree(own_docs, docs_dir, ignore=IGNORED, dirs_exist_ok=True)
        for path in sorted(docs_dir.rglob("*.md")):
            relative = path.relative_to(docs_dir).as_posix()
            if relative in pages.GENERATED_PAGES:
                raise DocsError(
                    f"this page clashes with the generated page {relative!r}",
                    path=own_docs / relative,
                    hint="rename it: packyard writes "
                    + ", ".join(pages.GENERATED_PAGES)
                    + " itself (the home page comes from README.md or the docstring)",
                )
            sources[relative] = own_docs / relative
    extra_pages = sorted(sources)

    progress(f"[docs] {package.dist_name}: pages in {work.relative_to(repo.config.root)}")
    project = repo.project_table(package.name)
    scripts = sorted(project.get("scripts", {}))
    notebooks = find_notebooks(docs_dir)
    helps: dict[str, str] = {}
    run_notebooks = execute and bool(notebooks)
    with ExitStack() as stack:
        venv = None
        if scripts or run_notebooks:
            venv = stack.enter_context(
                package_env(
                    repo,
                    package.name,
                    kernel=run_notebooks,
                    index_url=index_url,
                    progress=progress,
                )
            )
        kernel = jupyter = None
        if venv is not None:
            scratch = work / "run"
            scratch.mkdir()
            for script in scripts:
                progress(f"[docs] {script} --help")
                helps[script] = script_help(venv, script, cwd=scratch)
            if run_notebooks:
                jupyter = work / "jupyter"
                kernel = write_kernelspec(
                    jupyter, f"packyard-{package.name}", venv.python, package.dist_name
                )
        notebook_pages = _convert(
            toolchain,
            notebooks,
            docs_dir,
            own_docs,
            sources,
            kernel=kernel,
            jupyter=jupyter,
            progress=progress,
        )

    origin = package.readme or package.metadata_file
    write(docs_dir / "index.md", pages.home_page(repo, package.name))
    sources["index.md"] = origin
    write(docs_dir / "api.md", pages.api_page(package))
    sources["api.md"] = package.metadata_file
    if helps:
        write(docs_dir / "usage.md", pages.usage_page(helps))
        sources["usage.md"] = package.cli_file or package.metadata_file
    write(docs_dir / "changelog.md", pages.changelog_page(repo, package.name))
    sources["changelog.md"] = repo.config.state_dir / "releases" / f"{package.name}.json"

    nav: list[object] = [{"Home": "index.md"}]
    if helps:
        nav.append({"Usage": "usage.md"})
    nav.append({"API reference": "api.md"})
    nav += [p for p in extra_pages if p not in notebook_pages]
    if notebook_pages:
        nav.append({"Notebooks": notebook_pages})
    nav.append({"Changelog": "changelog.md"})

    staging = work / "site"
    config = mkconfig.package_config(
        site_name=package.dist_name,
        description=repo.source(package.name).summary,
        docs_dir=docs_dir,
        site_dir=staging,
        source_paths=[package.path.parent],
        nav=nav,
    )
    config_file = mkconfig.write_config(work / "mkdocs.yml", config)
    progress(f"[docs] mkdocs build --strict -> site/{package.name}")
    mkdocs_build(toolchain, config_file, sources, docs_dir)
    raise_broken(check_links(staging), sources, what=f"the site of {package.dist_name}")

    target = site_root(repo) / package.name
    replace_dir(staging, target)
    report = SiteReport(
        name=package.name,
        site_dir=target,
        pages=sorted(sources),
        notebooks=[sources[p].name for p in notebook_pages],
        executed=run_notebooks,
        seconds=time.perf_counter() - started,
    )
    progress(
        f"OK {package.dist_name}: site/{package.name} ({len(report.pages)} pages, "
        f"{report.seconds:.1f}s)"
    )
    return report


def _convert(
    toolchain: Toolchain,
    notebooks: list[Path],
    docs_dir: Path,
    own_docs: Path | None,
    sources: dict[str, Path],
    *,
    kernel: str | None,
    jupyter: Path | None,
    progress: Progress,
) -> list[str]:
    converted = []
    for notebook in notebooks:
        relative = notebook.relative_to(docs_dir)
        original = (own_docs / relative) if own_docs else notebook
        page = relative.with_suffix(".md").as_posix()
        if page in sources or page in pages.GENERATED_PAGES:
            raise DocsError(
                f"the notebook would become the page {page!r}, which exists already",
                path=original,
                hint="rename the notebook or the page",
            )
        progress(f"[docs] notebook {relative}" + (" (executing)" if kernel else ""))
        convert_notebook(toolchain, notebook, source=original, kernel=kernel, jupyter_dir=jupyter)
        notebook.unlink()
        sources[page] = original
        converted.append(page)
    return converted
