"""The generated Markdown pages of a package's site, and the package table of the
repository's landing page.

Each function returns the page's text; nothing here writes files or runs programs.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packyard.docsite.apimembers import members_options
from packyard.package.discovery import Package
from packyard.package.longdesc import RST, rst_as_html
from packyard.release.readme_table import release_install_command, render_table, table_cell
from packyard.repo import Repository
from packyard.versions.tracking import latest_release, releases

#: The pages packyard writes into every package site (a page in ``packages/NAME/docs/``
#: may not use these names).
GENERATED_PAGES = ("index.md", "api.md", "usage.md", "changelog.md")
#: The marker in the repository's ``docs/index.md`` that the package table replaces.
PACKAGE_TABLE_MARKER = "<!-- packyard:package-table -->"

_DOCS_PREFIX = re.compile(r"""(\]\(\s*<?|\b(?:src|href)\s*=\s*["'])(?:\./)?docs/""")


def home_page(repo: Repository, name: str) -> str:
    """The home page: the package's long description (its ``README.md``, or its module
    docstring under a ``# DIST`` title), then a short "At a glance" table.

    Links and images written relative to the package folder (``docs/diagram.png``, as a
    README shows them on a forge) are rewritten relative to the site (``diagram.png``).

    Raises:
        PackageError, ConfigError, InferenceError: the package cannot be read (see
        :meth:`packyard.repo.Repository.project_table`).
    """
    package = repo.package(name)
    source = repo.source(name)
    text = source.description.strip("\n")
    if source.description_type == RST:  # the HTML the index shows, under a Markdown title
        text = f"# {package.dist_name}\n\n{rst_as_html(text)}"
    if package.form == "folder":
        text = _DOCS_PREFIX.sub(r"\1", text)
    if not text.lstrip().startswith("# "):
        text = f"# {package.dist_name}\n\n{text}"
    project = repo.project_table(name)
    rows = [
        ("distribution", f"`{package.dist_name}`"),
        ("import name", f"`{package.name}`"),
        ("version", f"`{project['version']}`"),
        ("Python", f"`{project.get('requires-python', '')}`"),
    ]
    dependencies = project.get("dependencies", [])
    rows.append(
        ("requires", ", ".join(f"`{d}`" for d in dependencies) if dependencies else "nothing")
    )
    for extra, items in sorted(project.get("optional-dependencies", {}).items()):
        rows.append((f"extra `{extra}`", ", ".join(f"`{d}`" for d in items)))
    scripts = sorted(project.get("scripts", {}))
    if scripts:
        rows.append(("commands", ", ".join(f"[`{s}`](usage.md)" for s in scripts)))
    if project.get("license"):
        rows.append(("license", f"`{project['license']}`"))
    release = latest_release(repo.config.state_dir, package.name)
    if release is not None:
        rows.append(("install", f"`{release_install_command(repo, package, release)}`"))
    (key, value), *rest = rows  # the first row heads the table: no empty header row
    table = [
        f"| {key} | {table_cell(value)} |",
        "| --- | --- |",
        *(f"| {k} | {table_cell(v)} |" for k, v in rest),
    ]
    return f"{text}\n\n## At a glance\n\n" + "\n".join(table) + "\n"


def exports_all(package: Package) -> bool:
    """Whether the package's top module defines ``__all__`` (then its API reference shows
    just what it exports; otherwise every public submodule too)."""
    try:
        tree = ast.parse(package.metadata_file.read_text(encoding="utf-8-sig"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return False
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AnnAssign, ast.AugAssign))
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return True
    return False


def api_page(package: Package) -> str:
    """The API reference page: one mkdocstrings block (Python handler) for the package's
    top module; for a folder package, a section for each of its public modules after it
    (``routes.py``, ``cli.py``...; see :mod:`packyard.docsite.apimodules`); for a
    single-file package, every name of its ``__all__`` (else every public name), with or
    without a docstring (see :mod:`packyard.docsite.apimembers`)."""
    from packyard.docsite.apimodules import module_sections

    lines = ["# API reference", "", f"::: {package.name}"]
    if package.form == "module" and members_options(package.path):
        lines += ["    options:", *members_options(package.path)]
    for block in module_sections(package):
        lines += ["", block]
    return "\n".join(lines) + "\n"


def usage_page(helps: Mapping[str, str]) -> str:
    """The usage page: each console script's ``--help`` output.

    Args:
        helps: script name -> the text ``SCRIPT --help`` printed.
    """
    parts = ["# Usage", ""]
    if len(helps) > 1:
        parts += ["Commands: " + ", ".join(f"`{s}`" for s in helps) + ".", ""]
    for script, text in helps.items():
        fence = "````" if "```" in text else "```"
        parts += [
            f"## `{script}`",
            "",
            f"{fence}console",
            f"$ {script} --help",
            text.rstrip("\n"),
            fence,
            "",
        ]
    return "\n".join(parts)


def changelog_page(repo: Repository, name: str) -> str:
    """The changelog page: every recorded release, newest first, with its date and notes;
    an honest "no releases yet" page before the first release.

    Raises:
        ConfigError: the package's tracking file is malformed.
    """
    package = repo.package(name)
    records = list(reversed(releases(repo.config.state_dir, package.name)))
    parts = ["# Changelog", ""]
    if not records:
        parts += [
            f"No releases yet: `{package.dist_name}` has not been released. Until its first "
            f"release it builds as version `{repo.version(package.name)}`; "
            f"`invoke release {package.name}` publishes it and records the release here.",
            "",
        ]
        return "\n".join(parts)
    for record in records:
        parts += [f"## {record['version']}", ""]
        details = []
        date = str(record.get("date", ""))[:10]
        if date:
            details.append(f"Released {date}")
        if record.get("tag"):
            details.append(f"tag `{record['tag']}`")
        if record.get("index_url"):
            details.append(f"on {record['index_url']}")
        if details:
            parts += [", ".join(details) + ".", ""]
        parts += [render_release_notes(record.get("notes")), ""]
    return "\n".join(parts)


def render_release_notes(notes: Any) -> str:
    """Release notes as Markdown: the tracking files' list of ``{"kind", "description",
    "commit"}`` entries grouped by kind, or a plain string as it is.

    >>> render_release_notes("Fixed the parser.")
    'Fixed the parser.'
    >>> render_release_notes(None)
    'No recorded changes.'
    """
    if isinstance(notes, str) and notes.strip():
        return notes.strip()
    if isinstance(notes, Sequence) and not isinstance(notes, str) and notes:
        from packyard.versions.versioning import render_notes

        entries = [n if isinstance(n, Mapping) else {"description": str(n)} for n in notes]
        text = render_notes(entries, heading_level=3)
        if text:
            return text.rstrip("\n")
    return "No recorded changes."


def package_table(repo: Repository) -> str:
    """The landing page's package table, with the README table's data (name, version,
    summary, last release, install command), each name linking to ``NAME/``, the
    package's site beside the landing page. Inline HTML links, which MkDocs leaves as
    they are; packyard checks that they resolve after the build.

    Raises:
        PackageError, ConfigError: a package or its tracking file cannot be read.
    """
    return render_table(repo, link=_site_link)


def _site_link(repo: Repository, package: Package) -> str:
    return f'<a href="{package.name}/"><code>{html.escape(package.dist_name)}</code></a>'


def landing_page(template: str, table: str) -> str:
    """The landing page: ``template`` (the repository's ``docs/index.md``) with
    :data:`PACKAGE_TABLE_MARKER` replaced by ``table``, or the table appended under a
    ``## Packages`` heading when the marker is missing."""
    if PACKAGE_TABLE_MARKER in template:
        return template.replace(PACKAGE_TABLE_MARKER, table.rstrip("\n"))
    return template.rstrip("\n") + "\n\n## Packages\n\n" + table


def page_html(page: str) -> str:
    """The site path MkDocs (``use_directory_urls``) writes a Markdown page to.

    >>> page_html("index.md"), page_html("guide.md"), page_html("a/index.md")
    ('index.html', 'guide/index.html', 'a/index.html')
    """
    path = Path(page)
    if path.stem in ("index", "README"):
        return (path.parent / "index.html").as_posix()
    return (path.with_suffix("") / "index.html").as_posix()
