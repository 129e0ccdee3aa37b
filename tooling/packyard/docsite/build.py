"""Building the sites: one per package (``site/NAME/``) and the repository's (``site/``).

A package site is generated in ``build/docs/NAME/`` (pages, ``mkdocs.yml``, the HTML in
``site/`` there) and only moved to ``site/NAME/`` once ``mkdocs build --strict`` and the
link check passed, so a failed build leaves the previous site as it was. Nothing is ever
written inside ``packages/``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from packyard.docsite import mkconfig, pages
from packyard.docsite.links import BrokenLink, check_links
from packyard.docsite.notebooks import convert_notebook, find_notebooks, write_kernelspec
from packyard.docsite.packageenv import package_env, script_help
from packyard.docsite.toolchain import Toolchain
from packyard.errors import CommandFailed, DocsError
from packyard.fsutil import replace_dir
from packyard.proc import run
from packyard.repo import Repository

Progress = Callable[[str], None]
#: The folder (under ``build/docs/``) of the repository site's generated files; package
#: names cannot start with ``_``, so it never clashes with one.
REPO_WORK = "_repo"
_IGNORED = shutil.ignore_patterns(".*", "__pycache__", "*.pyc")
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
        shutil.copytree(own_docs, docs_dir, ignore=_IGNORED, dirs_exist_ok=True)
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
    _write(docs_dir / "index.md", pages.home_page(repo, package.name))
    sources["index.md"] = origin
    _write(docs_dir / "api.md", pages.api_page(package))
    sources["api.md"] = package.metadata_file
    if helps:
        _write(docs_dir / "usage.md", pages.usage_page(helps))
        sources["usage.md"] = package.cli_file or package.metadata_file
    _write(docs_dir / "changelog.md", pages.changelog_page(repo, package.name))
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
    _mkdocs_build(toolchain, config_file, sources, docs_dir)
    _raise_broken(check_links(staging), sources, what=f"the site of {package.dist_name}")

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
    shutil.copytree(source_docs, docs_dir, ignore=_IGNORED)
    sources = {
        p.relative_to(docs_dir).as_posix(): source_docs / p.relative_to(docs_dir)
        for p in docs_dir.rglob("*.md")
    }
    index = docs_dir / "index.md"
    _write(index, pages.landing_page(index.read_text(encoding="utf-8"), pages.package_table(repo)))
    staging = work / "site"
    config_file = mkconfig.write_config(
        work / "mkdocs.yml",
        mkconfig.repo_config(inherit=config_path, docs_dir=docs_dir, site_dir=staging),
    )
    progress("[docs] mkdocs build --strict -> site/")
    _mkdocs_build(toolchain, config_file, sources, docs_dir)

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
    _raise_broken(
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
    _raise_broken(broken, sources, what="the repository site")
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


def _mkdocs_build(
    toolchain: Toolchain, config_file: Path, sources: dict[str, Path], docs_dir: Path
) -> None:
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


def _raise_broken(
    broken: list[BrokenLink],
    sources: dict[str, Path],
    *,
    what: str,
    ignore: Callable[[BrokenLink], bool] | None = None,
) -> None:
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


def _write(path: Path, text: str) -> None:
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
