"""Documentation sites, built with MkDocs and mkdocs-material.

Each package gets its own site in ``site/NAME/`` (``nox -s docs-NAME``), generated in
``build/docs/NAME/``; the repository's site (``mkdocs.yml`` and ``docs/``) goes to the top
of ``site/`` and links them all (``nox -s docs``). :mod:`packyard.docsite.ghpages` publishes them.

Modules: :mod:`~packyard.docsite.package_site` and :mod:`~packyard.docsite.repo_site` (the
two builds), :mod:`~packyard.docsite.build` (what they share: the strict build),
:mod:`~packyard.docsite.pages` (generated Markdown), :mod:`~packyard.docsite.mkconfig`
(generated ``mkdocs.yml``), :mod:`~packyard.docsite.notebooks` (nbconvert),
:mod:`~packyard.docsite.packageenv` (the package's venv for ``--help`` and notebooks),
:mod:`~packyard.docsite.links` (the HTML link check), :mod:`~packyard.docsite.toolchain` (the
environment running MkDocs) and :mod:`~packyard.docsite.mkdocs_hooks` (loaded by MkDocs
itself).
"""

from __future__ import annotations

from packyard.docsite.build import SiteReport
from packyard.docsite.links import BrokenLink, check_links
from packyard.docsite.package_site import build_package_site
from packyard.docsite.repo_site import build_all, build_repo_site

__all__ = [
    "BrokenLink",
    "SiteReport",
    "build_all",
    "build_package_site",
    "build_repo_site",
    "check_links",
]
