"""``invoke import-paa PATH``: move a package-auto-assembler repository's packages over.

Each paa package ``NAME`` (see :mod:`packyard.paa.source` for paa's layout) becomes a
packyard folder package ``packages/NAME/`` holding the same code, laid out as paa's own
wheels are, so that ``import NAME`` and ``from NAME.NAME import X`` keep working:

=================================  =====================================================
paa                                packyard
=================================  =====================================================
``python_modules/NAME.py``         ``NAME/NAME.py``; ``NAME/__init__.py`` holds its
                                   docstring and ``from .NAME import *``
local components it imports        ``NAME/components/...`` (its relative imports hold)
``cli/NAME.py``                    ``NAME/cli.py`` (``main = cli`` added when it defines
                                   only paa's ``cli``)
``api_routes/NAME.py``             ``NAME/routes.py`` (extra ``api``)
``streamlit/NAME.py``              ``NAME/app.py`` (extra ``app``)
``mcp/NAME.py``                    ``NAME/mcp.py`` (extra ``mcp``), and ``NAME/mcp_server.py``
                                   (paa's name) forwarding to it
``artifacts/NAME/``                ``NAME/artifacts/``; ``artifact_urls`` -> ``*.link``
``extra_docs/NAME/``, notebook     ``NAME/docs/``
``tests/NAME/``                    ``NAME/tests/`` (rewritten: :mod:`packyard.paa.rewrite`)
``.paa/docs``, ``.paa/pyproject``  linked files, ``requires-python``
                                   (:mod:`packyard.paa.leftovers`)
``LICENSE`` (``license_path``)     ``NAME/LICENSE``
``__package_metadata__``, pins     ``NAME/pyproject.toml`` (partial ``[project]``), with
and markers, package mapping       ``[tool.packyard.import-map]``
``.paa/tracking``, release notes   ``.packyard/releases/NAME.json``
=================================  =====================================================

``#-`` import lines get ``# packyard: ignore`` appended (the line itself is unchanged).
Release history is written with :func:`packyard.versions.tracking.record_release`; the newest
release records the destination's ``HEAD`` as its commit, so the next ``invoke release``
counts the import commit as a change and continues the version line (``1.2.3`` ->
``1.2.4``). Whatever cannot be carried over is listed in the report.

Everything is written under ``.packyard/`` first and moved into place only when every
package was assembled and reads back as a valid packyard package: a failure writes
nothing, and a dry run (staged in the system's temporary folder) creates nothing. Each
staged package goes through the lint gate's ruff check; its findings are a warning in the
report (the import proceeds), as are sibling pins that exclude the sibling's version here
(stale pins, see :mod:`packyard.building.siblings`). After an import the README package
table is regenerated when the README has its marker comments.

This module runs the steps in order; each lives in its own module:
:mod:`packyard.paa.assemble` stages one package (with :mod:`packyard.paa.copying`,
:mod:`packyard.paa.parts` and :mod:`packyard.paa.project`), :mod:`packyard.paa.history`
stages its release history, and :mod:`packyard.paa.staging` checks what was staged and
moves it into place.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from packyard.chores.checks import check_new_name
from packyard.chores.files import refresh_readme
from packyard.errors import PackageError
from packyard.gates.license_metadata import spdx_from_text
from packyard.paa import source as paa_source
from packyard.paa.assemble import assemble
from packyard.paa.history import base_commit, stage_history
from packyard.paa.report import ImportReport, PackageImport
from packyard.paa.staging import check_staged, lint_staged, list_stale_pins, move_into_place
from packyard.repo import Repository
from packyard.versions.tracking import tracking_file

Progress = Callable[[str], None]

DEFAULT_INDEX_URL = "https://pypi.org/simple/"


def import_paa(
    repo: Repository,
    source: Path,
    *,
    names: Sequence[str] | None = None,
    index_url: str = DEFAULT_INDEX_URL,
    dry_run: bool = False,
    progress: Progress = print,
) -> ImportReport:
    """Import the packages of a paa repository into this repository.

    Args:
        repo: the destination (a packyard repository).
        source: the paa repository's top folder (holding ``.paa.config``).
        names: the packages to import; all of them when None.
        index_url: where the paa releases were published (recorded in the tracking files).
        dry_run: assemble and check everything, write nothing.
        progress: called with one line per package.

    Returns:
        The report.

    Raises:
        PackageError: not a paa repository; an unknown package; a name that is invalid or
            taken here, or that has release history here already; a source file with a
            syntax error; an imported package that would not read back as a valid
            packyard package (nothing written in every case).
        ConfigError: a paa settings or tracking file is malformed.
    """
    config = paa_source.read_config(source)
    available = paa_source.package_names(config)
    chosen = list(names) if names else available
    unknown = [n for n in chosen if n not in available]
    if unknown or not chosen:
        raise PackageError(
            f"no paa package named {', '.join(map(repr, unknown))}"
            if unknown
            else "the paa repository has no package",
            path=config.module_dir,
            hint=f"packages there: {', '.join(available) or '(none)'}",
        )
    for name in chosen:
        check_new_name(repo, name)
        if tracking_file(repo.config.state_dir, name).exists():
            raise PackageError(
                f"{name!r} has release history here already",
                path=tracking_file(repo.config.state_dir, name),
                hint="import it under its own name only into a repository that never had it",
            )
    mapping = paa_source.read_json_mapping(source / ".paa" / "package_mapping.json")
    report = ImportReport(source=config.root, dry_run=dry_run)
    report.notes += _repository_notes(config, source)
    base = base_commit(repo)
    if base is None:
        report.notes.append(
            "this repository has no git commit yet: the newest imported release of each "
            "package records no commit, so `invoke release` cannot tell what changed since; "
            "commit the import, then tag it: git tag NAME-vX.Y.Z for each package's last version"
        )

    root = repo.config.root
    state = repo.config.state_dir
    if not dry_run:
        state.mkdir(parents=True, exist_ok=True)
    # A real import stages beside its targets (the moves are renames on one file system);
    # a dry run stages in the system's temporary folder and creates nothing here.
    with tempfile.TemporaryDirectory(
        prefix=".import-paa-" if not dry_run else "packyard-import-paa-",
        dir=state if not dry_run else None,
    ) as scratch:
        staging = Path(scratch)
        staged: list[tuple[Path, Path]] = []
        for name in chosen:
            progress(f"[import-paa] {name}")
            item = PackageImport(name=name)
            folder = staging / "packages" / name
            assemble(repo, config, name, folder, mapping, item, available)
            check_staged(name, folder)
            item.files = sorted(
                p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
            )
            item.lint = lint_staged(repo, staging, folder)
            history = stage_history(config, name, staging / "state", index_url, base, item)
            staged.append((folder, repo.config.packages_dir / name))
            if history is not None:
                staged.append((history, tracking_file(state, name)))
            report.packages.append(item)
        list_stale_pins(repo, report, staging, chosen)
        if not dry_run:
            move_into_place(staged)
    if not dry_run:
        changed, problem = refresh_readme(Repository.open(root))
        if changed:
            report.notes.append("README.md package table updated")
        if problem:
            report.notes.append(problem)
    return report


def _repository_notes(config: paa_source.PaaConfig, source: Path) -> list[str]:
    notes = []
    if config.allowed_licenses:
        found = []
        for label in config.allowed_licenses:
            spdx = spdx_from_text(label) if label.strip() not in ("-", "") else None
            if spdx:
                found.append(spdx)
        if found:
            items = ", ".join(f'"{s}"' for s in dict.fromkeys(found))
            notes.append(
                f".paa.config allowed_licenses -> add to [tool.packyard]: "
                f"allowed-licenses = [{items}]"
            )
        if "-" in [label.strip() for label in config.allowed_licenses]:
            notes.append(
                ".paa.config allows '-' (no license label): packyard reports an unknown "
                "license as a failure; add [tool.packyard.license-overrides] after checking"
            )
    overrides = paa_source.read_json_mapping(source / ".paa" / "package_licenses.json")
    readable = {k: spdx_from_text(v) for k, v in overrides.items()}
    if any(readable.values()):
        notes.append(
            ".paa/package_licenses.json -> add to [tool.packyard.license-overrides]: "
            + ", ".join(f'"{k}" = "{v}"' for k, v in sorted(readable.items()) if v)
        )
    for key in ("check_vulnerabilities", "check_dependencies_licenses"):
        if config.raw.get(key):
            notes.append(
                f".paa.config {key}: set [tool.packyard] audit = true to run pip-audit on "
                "release (licenses and lint run on every release)"
                if key == "check_vulnerabilities"
                else f".paa.config {key}: packyard's licenses gate runs on every release"
            )
    return notes


__all__ = ["ImportReport", "PackageImport", "import_paa"]
