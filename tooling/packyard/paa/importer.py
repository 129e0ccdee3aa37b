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
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import tomli_w
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from packyard import gitutil, tomlcompat
from packyard.chores.checks import check_new_name, existing_packages
from packyard.chores.files import refresh_readme
from packyard.errors import PackageError, PackyardError
from packyard.gates.licenses import spdx_from_text
from packyard.gates.lint import lint_paths
from packyard.inference.import_map import ImportMap
from packyard.names import distribution_name, validate_map
from packyard.paa import leftovers as paa_leftovers
from packyard.paa import rewrite as paa_rewrite
from packyard.paa import source as paa_source
from packyard.paa.report import ImportReport, PackageImport, stale_pin_lines
from packyard.package.discovery import Package
from packyard.package.metadata import read_package
from packyard.package.testfiles import collected_test_files
from packyard.repo import Repository
from packyard.stdlib import is_stdlib
from packyard.versions.tracking import record_release, tracking_file

Progress = Callable[[str], None]

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
IGNORE_MARKER = "# packyard: ignore"
#: paa file -> (packyard module, extra its pins go to; None: the core dependencies).
PARTS = {
    "cli_dir": ("cli", None),
    "api_routes_dir": ("routes", "api"),
    "streamlit_dir": ("app", "app"),
    "mcp_dir": ("mcp", "mcp"),
}
#: ``__package_metadata__`` keys carried over.
METADATA_KEYS = (
    "name",
    "description",
    "author",
    "author_email",
    "url",
    "project_urls",
    "keywords",
    "classifiers",
    "license",
    "requires_python",
    "install_requires",
    "extras_require",
    "artifact_urls",
    "readme",
)


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
    base = _base_commit(repo)
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
            _assemble(repo, config, name, folder, mapping, item, available)
            _check_staged(name, folder)
            item.files = sorted(
                p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
            )
            item.lint = _lint_staged(repo, staging, folder)
            history = _stage_history(config, name, staging / "state", index_url, base, item)
            staged.append((folder, repo.config.packages_dir / name))
            if history is not None:
                staged.append((history, tracking_file(state, name)))
            report.packages.append(item)
        _list_stale_pins(repo, report, staging, chosen)
        if not dry_run:
            _move_into_place(staged)
    if not dry_run:
        changed, problem = refresh_readme(Repository.open(root))
        if changed:
            report.notes.append("README.md package table updated")
        if problem:
            report.notes.append(problem)
    return report


def _list_stale_pins(
    repo: Repository, report: ImportReport, staging: Path, chosen: list[str]
) -> None:
    """Each imported package's sibling pins that exclude the sibling's version here."""
    siblings = {
        canonicalize_name(package.dist_name): repo.version(package.name)
        for package in existing_packages(repo).values()
    }
    for item in report.packages:
        siblings[distribution_name(item.name)] = item.releases[-1] if item.releases else "0.0.0"
    prefix = os.path.relpath(repo.config.packages_dir, repo.config.root).replace(os.sep, "/")
    for item in report.packages:
        path = staging / "packages" / item.name / "pyproject.toml"
        project = tomlcompat.load(path).get("project", {})
        own = {distribution_name(item.name)}
        others = {k: v for k, v in siblings.items() if k not in own}
        item.stale_pins = stale_pin_lines(project, others, f"{prefix}/{item.name}/pyproject.toml")


def _lint_staged(repo: Repository, staging: Path, folder: Path) -> list[str]:
    """The lint gate's findings for a staged package (its files, tests, docs and
    notebooks, with the settings it will have in place: see
    :func:`packyard.gates.lint.package_lint_settings`), its paths as they will be in the
    repository (``packages/NAME/...``); a note instead when ruff cannot run."""
    packages_dir = repo.config.packages_dir
    try:
        findings = lint_paths(
            repo.config, packages_dir / folder.name, [folder], cwd=staging / "packages"
        )
    except PackyardError as exc:
        return [f"lint not checked: {exc.message}"]
    prefix = os.path.relpath(packages_dir, repo.config.root).replace(os.sep, "/")
    return [f"{prefix}/{line}" for line in findings]


# --- assembling one package ------------------------------------------------------------


def _assemble(
    repo: Repository,
    config: paa_source.PaaConfig,
    name: str,
    folder: Path,
    mapping: dict[str, str],
    item: PackageImport,
    packages: list[str],
) -> None:
    folder.mkdir(parents=True)
    module_path = config.module_dir / f"{name}.py"
    module_text = module_path.read_text(encoding="utf-8")
    metadata, problem = paa_source.literal_assignment(
        module_text, module_path, "__package_metadata__"
    )
    if problem:
        item.not_carried.append(f"{module_path.name}: {problem}")
    metadata = dict(metadata or {})
    scans: list[tuple[str | None, paa_source.MarkerScan, Path]] = []

    _write(folder / f"{name}.py", _mark_ignored(module_text, module_path, scans, None))
    item.carried.append(f"{_rel(module_path, config.root)} -> {name}/{name}.py")
    docstring = ast.get_docstring(ast.parse(module_text)) or ""
    summary_source = docstring or str(metadata.get("description") or "")
    if not summary_source:
        summary_source = f"{name} (imported from package-auto-assembler)."
        item.not_carried.append(
            f"{module_path.name} has no docstring and no description: the summary is a "
            "placeholder; write a module docstring"
        )
    init = f'"""{_docstring_text(summary_source)}"""\n\nfrom .{name} import *  # noqa: F403\n'
    _write(folder / "__init__.py", init)

    _copy_components(config, name, module_text, module_path, folder, scans, item)

    scripts: dict[str, str] = {}
    for key, (module, _extra) in PARTS.items():
        path = config.part(key, name)
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        text = _mark_ignored(text, path, scans, _extra)
        if module == "cli":
            text = _cli_entry(text, path, name, scripts, item)
        _write(folder / f"{module}.py", text)
        item.carried.append(f"{_rel(path, config.root)} -> {name}/{module}.py")
        if module == "mcp":
            _keep_mcp_server_name(name, text, folder, metadata, item)

    _copy_tree(config.part("artifacts_dir", name, ""), folder / "artifacts", config, item)
    for key, url in dict(metadata.get("artifact_urls") or {}).items():
        link = folder / "artifacts" / f"{key}.link"
        _write(link, f"{url}\n")
        item.carried.append(f"artifact_urls[{key!r}] -> {name}/artifacts/{key}.link")
    _copy_tree(config.part("extra_docs_dir", name, ""), folder / "docs", config, item)
    notebook = config.part("example_notebooks_path", name, ".ipynb")
    if notebook.is_file():
        target = folder / "docs" / "example.ipynb"
        if target.exists():
            item.not_carried.append(f"{_rel(notebook, config.root)}: docs/example.ipynb is taken")
        else:
            _copy(notebook, target)
            item.carried.append(f"{_rel(notebook, config.root)} -> {name}/docs/example.ipynb")
    prefix = os.path.relpath(repo.config.packages_dir, repo.config.root).replace(os.sep, "/")
    _copy_tests(config, name, folder, item, packages, prefix)
    carried, not_carried = paa_leftovers.carry_linked_files(config.root, name, folder / "docs")
    item.carried += carried
    item.not_carried += not_carried + paa_leftovers.history_entries(config.root, name)
    if not metadata.get("requires_python"):
        value = paa_leftovers.requires_python(config.root, name)
        if value:
            metadata["requires_python"] = value
            item.carried.append(f".paa/pyproject/{name}.toml requires-python {value!r}")
    if config.license_path is not None:
        _copy(config.license_path, folder / config.license_path.name)
        item.carried.append(f"{_rel(config.license_path, config.root)} -> {name}/")

    for key, what in (("drawio_dir", ".drawio"), ("skills_dir", "")):
        path = config.part(key, name, what)
        if path.exists():
            item.not_carried.append(f"{_rel(path, config.root)}: packyard has no place for it")

    project = _project_table(repo, config, name, metadata, scans, mapping, scripts, item)
    import_map = _import_map(name, folder, mapping)
    data: dict[str, Any] = {"project": project}
    if import_map:
        data["tool"] = {"packyard": {"import-map": import_map}}
        item.carried.append(f"package_mapping.json entries: {', '.join(sorted(import_map))}")
    header = (
        "# Partial [project] table carried over from package-auto-assembler by\n"
        "# `invoke import-paa`: packyard fills in the name, version, readme and the\n"
        "# dependencies it infers from the imports; what is set here wins.\n"
    )
    _write(folder / "pyproject.toml", header + tomli_w.dumps(data))


MCP_SERVER_SHIM = '''"""package-auto-assembler's name for this package's MCP module, ``mcp.py`` in
packyard: kept so that code importing or running ``{name}.mcp_server`` by name keeps
working (written by ``invoke import-paa``).
"""


def __getattr__(attribute):
    try:
        from . import mcp as module
    except ImportError as exc:  # the extra "mcp" is not installed
        raise ImportError(
            "{name}.mcp_server needs the extra 'mcp': pip install '{dist}[mcp]'"
        ) from exc
    return getattr(module, attribute)


if __name__ == "__main__":
    import runpy

    runpy.run_module("{name}.mcp", run_name="__main__")
'''


def _keep_mcp_server_name(
    name: str, text: str, folder: Path, metadata: dict[str, Any], item: PackageImport
) -> None:
    """paa ships the MCP module as ``NAME/mcp_server.py``; packyard's is ``NAME/mcp.py``.
    Keep the old name importable and runnable (``mcp_server.py`` forwards to ``mcp.py``
    lazily, so the core install does not need the ``mcp`` extra), and pin ``mcp<2`` in
    the extra when the module uses the SDK 1.x ``FastMCP`` (renamed ``MCPServer`` in 2.x).
    """
    _write(
        folder / "mcp_server.py",
        MCP_SERVER_SHIM.format(name=name, dist=distribution_name(name)),
    )
    item.carried.append(
        f"{name}/mcp_server.py added: paa's name for the MCP module stays importable and "
        f"runnable ({name}.mcp_server forwards to {name}.mcp)"
    )
    uses_fastmcp = any(
        re.search(r"\bmcp\.server\.fastmcp\b", line) and "#-" not in line
        for line in text.splitlines()
    )
    if uses_fastmcp:
        extras = metadata.setdefault("extras_require", {})
        extras.setdefault("mcp", [])
        extras["mcp"] = [*extras["mcp"], "mcp<2"]
        item.carried.append(
            "mcp.py uses FastMCP of the MCP SDK 1.x (renamed MCPServer in 2.x): the extra "
            "mcp requires mcp<2; move to `mcp = MCPServer(...)` to drop the pin"
        )


def _docstring_text(text: str) -> str:
    text = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return text + ("\n" if "\n" in text or text.endswith('"') else "")


def _mark_ignored(
    text: str,
    path: Path,
    scans: list[tuple[str | None, paa_source.MarkerScan, Path]],
    extra: str | None,
) -> str:
    """Scan a file's markers (kept in ``scans``) and add ``# packyard: ignore`` to its
    ``#-`` import lines."""
    scan = paa_source.scan_markers(text)
    scans.append((extra, scan, path))
    if not scan.excluded:
        return text
    lines = text.splitlines(keepends=True)
    for number in scan.excluded:
        line = lines[number - 1]
        ending = line[len(line.rstrip("\r\n")) :]
        lines[number - 1] = f"{line.rstrip()}  {IGNORE_MARKER}{ending}"
    return "".join(lines)


def _cli_entry(
    text: str, path: Path, name: str, scripts: dict[str, str], item: PackageImport
) -> str:
    metadata, problem = paa_source.literal_assignment(text, path, "__cli_metadata__")
    if problem:
        item.not_carried.append(f"{path.name}: {problem}")
    has_main = paa_source.defines(text, "main")
    has_cli = paa_source.defines(text, "cli")
    target = "main" if has_main else "cli"
    if not has_main and has_cli:
        text = text.rstrip("\n") + (
            "\n\n\n# Added by `invoke import-paa`: packyard's console script calls cli.main.\n"
            "main = cli\n"
        )
        item.carried.append("cli.py: `main = cli` appended (paa's console script calls cli)")
    elif not has_main:
        item.not_carried.append(
            f"{path.name} defines neither main nor cli: the console script {name} needs cli.main"
        )
    script = str((metadata or {}).get("name") or "")
    if script and script != name:
        scripts[script] = f"{name}.cli:{target}"
        item.carried.append(
            f"__cli_metadata__ name {script!r} -> [project.scripts] {script} "
            f"(packyard also installs the script {name})"
        )
    return text


def _copy_components(
    config: paa_source.PaaConfig,
    name: str,
    module_text: str,
    module_path: Path,
    folder: Path,
    scans: list[tuple[str | None, paa_source.MarkerScan, Path]],
    item: PackageImport,
) -> None:
    """Copy the local components the module imports relatively (``from .components.x``)."""
    module_dir = config.module_dir
    dependencies = config.dirs["dependencies_dir"]
    copied: set[Path] = set()
    for node in ast.walk(ast.parse(module_text)):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        parts = (node.module or "").split(".") if node.module else []
        names = [a.name for a in node.names]
        if node.level != 1:
            item.not_carried.append(
                f"{module_path.name} line {node.lineno}: relative import "
                f"{'.' * node.level}{node.module or ''} reaches outside the module folder"
            )
            continue
        candidates = [parts] if parts else [[n] for n in names]
        for candidate in candidates:
            source = module_dir.joinpath(*candidate)
            inside = source.resolve().is_relative_to(dependencies.resolve())
            top = _component_root(module_dir, dependencies, candidate) if inside else None
            if top is None:
                item.not_carried.append(
                    f"{module_path.name} line {node.lineno}: from {'.' + '.'.join(candidate)} "
                    f"import ...: {_rel(source, config.root)} is not a local component"
                )
                continue
            if top in copied:
                continue
            copied.add(top)
            target = folder / top.relative_to(module_dir)
            if top.is_dir():
                shutil.copytree(top, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                _copy(top, target)
            item.carried.append(
                f"component {_rel(top, config.root)} -> {name}/{target.relative_to(folder)}"
            )
    for path in sorted(copied):
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            target = folder / file.relative_to(module_dir)
            target.write_text(
                _mark_ignored(target.read_text(encoding="utf-8"), file, scans, None),
                encoding="utf-8",
            )
    # Each folder between the package and a component becomes a regular package.
    for path in sorted({p for p in folder.rglob("*.py") if p.parent != folder}):
        parent = path.parent
        while parent != folder:
            init = parent / "__init__.py"
            if not init.exists():
                _write(init, "")
                item.carried.append(f"{init.relative_to(folder)}: empty, added")
            parent = parent.parent


def _component_root(module_dir: Path, dependencies: Path, parts: list[str]) -> Path | None:
    """The file or folder to copy for an import of ``module_dir/<parts>``: the first path
    below the components folder (a component file, or a component's folder)."""
    depth = len(dependencies.relative_to(module_dir).parts)
    if len(parts) <= depth:
        return None
    base = module_dir.joinpath(*parts[: depth + 1])
    if base.is_dir():
        return base
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _copy_tree(source: Path, target: Path, config: paa_source.PaaConfig, item: PackageImport):
    if not source.is_dir():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True
    )
    item.carried.append(f"{_rel(source, config.root)}/ -> {item.name}/{target.name}/")


def _copy_tests(
    config: paa_source.PaaConfig,
    name: str,
    folder: Path,
    item: PackageImport,
    packages: list[str],
    packages_prefix: str,
) -> None:
    sources = [config.part("tests_dir", name, ""), config.part("tests_dir", f"test_{name}")]
    for source in sources:
        if not source.exists():
            continue
        target = folder / "tests" / (source.name if source.is_file() else "")
        if source.is_dir():
            _copy_tree(source, folder / "tests", config, item)
        else:
            _copy(source, target)
            item.carried.append(f"{_rel(source, config.root)} -> {name}/tests/{source.name}")
    tests = folder / "tests"
    if not tests.is_dir():
        return
    context = paa_rewrite.context_for(config, name, packages)
    kinds: set[str] = set()
    rewritten = []
    # Only the files pytest runs: other files under tests/ are data the tests read.
    for path in collected_test_files([tests]):
        relative = path.relative_to(folder.resolve()).as_posix()
        text = path.read_text(encoding="utf-8")
        result = paa_rewrite.rewrite_test_file(text, context)
        if result.text != text:
            path.write_text(result.text, encoding="utf-8")
            rewritten.append(relative)
            kinds.update(result.rewritten)
        where = f"{packages_prefix}/{name}/{relative}"
        item.hand_fix += [f"{where}:{entry}" for entry in result.hand_fix]
    if rewritten:
        item.carried.append(
            f"tests rewritten for the packyard layout ({'; '.join(sorted(kinds))}) in "
            f"{', '.join(rewritten)}"
        )


# --- metadata ----------------------------------------------------------------------------


def _project_table(
    repo: Repository,
    config: paa_source.PaaConfig,
    name: str,
    metadata: dict[str, Any],
    scans: list[tuple[str | None, paa_source.MarkerScan, Path]],
    mapping: dict[str, str],
    scripts: dict[str, str],
    item: PackageImport,
) -> dict[str, Any]:
    project: dict[str, Any] = {}
    unknown = sorted(k for k in metadata if k not in METADATA_KEYS)
    for key in unknown:
        item.not_carried.append(f"__package_metadata__[{key!r}]: packyard has no such field")
    wanted = metadata.get("name")
    if wanted and canonicalize_name(str(wanted)) != distribution_name(name):
        item.not_carried.append(
            f"__package_metadata__ name {wanted!r}: packyard names the distribution "
            f"{distribution_name(name)!r} after the folder; rename the package to keep it"
        )
    if metadata.get("readme"):
        item.not_carried.append(
            "__package_metadata__ readme: the long description is the docstring (or a "
            "README.md in the folder)"
        )
    if metadata.get("description"):
        project["description"] = " ".join(str(metadata["description"]).split())
    if metadata.get("author") or metadata.get("author_email"):
        author = {}
        if metadata.get("author"):
            author["name"] = str(metadata["author"])
        if metadata.get("author_email"):
            author["email"] = str(metadata["author_email"])
        project["authors"] = [author]
    urls = {}
    if metadata.get("url"):
        urls["Homepage"] = str(metadata["url"])
    if config.raw.get("docs_url"):
        urls["Documentation"] = str(config.raw["docs_url"])
    for label, url in dict(metadata.get("project_urls") or {}).items():
        urls[str(label)] = str(url)
    if urls:
        project["urls"] = urls
    keywords = metadata.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",")]
    keywords = [str(k) for k in keywords if str(k).strip() and str(k) != "aa-paa-tool"]
    if keywords:
        project["keywords"] = keywords
    if metadata.get("requires_python"):
        project["requires-python"] = str(metadata["requires_python"])

    label = metadata.get("license") or config.license_label
    license_expression = None
    if label:
        license_expression = spdx_from_text(str(label))
        if license_expression:
            project["license"] = license_expression
        else:
            item.not_carried.append(
                f"license {label!r} is not an SPDX expression packyard recognizes; set "
                "[project] license by hand"
            )
    classifiers = _classifiers(config.classifiers, list(metadata.get("classifiers") or []))
    if license_expression:
        dropped = [c for c in classifiers if c.startswith("License ::")]
        classifiers = [c for c in classifiers if not c.startswith("License ::")]
        if dropped:
            item.carried.append(
                f"license {license_expression} (License :: classifiers dropped, PEP 639)"
            )
    if classifiers:
        project["classifiers"] = classifiers

    dependencies, extras = _requirements(repo, name, scans, mapping, item)
    for text in metadata.get("install_requires") or []:
        dependencies = _merge(dependencies, str(text), item, "install_requires")
    for extra, texts in dict(metadata.get("extras_require") or {}).items():
        for text in texts or []:
            extras.setdefault(str(extra), [])
            extras[str(extra)] = _merge(extras[str(extra)], str(text), item, "extras_require")
    if dependencies:
        project["dependencies"] = dependencies
        item.carried.append(f"dependencies: {', '.join(dependencies)}")
    if extras:
        project["optional-dependencies"] = {k: extras[k] for k in sorted(extras)}
        item.carried.append(
            "optional dependencies: "
            + "; ".join(f"[{k}] {', '.join(v)}" for k, v in sorted(extras.items()))
        )
    if scripts:
        project["scripts"] = scripts
    return project


def _classifiers(baseline: list[str], own: list[str]) -> list[str]:
    """paa's merge: the package's classifiers win over the baseline's for the same
    ``Development Status``; duplicates dropped, order kept."""
    if any(c.startswith("Development Status") for c in own):
        baseline = [c for c in baseline if not c.startswith("Development Status")]
    return list(dict.fromkeys([*baseline, *own]))


def _requirements(
    repo: Repository,
    name: str,
    scans: list[tuple[str | None, paa_source.MarkerScan, Path]],
    mapping: dict[str, str],
    item: PackageImport,
) -> tuple[list[str], dict[str, list[str]]]:
    """The pinned, manual and optional requirements the markers of the files give:
    (core dependencies, extras)."""
    overrides = {k: v for k, v in mapping.items() if _valid_map_entry(k, v)}
    import_map = ImportMap(package_overrides=overrides, repo_map=repo.config.import_map)
    dependencies: list[str] = []
    extras: dict[str, list[str]] = {}
    optional_all: list[str] = []
    for extra, scan, path in scans:
        for problem in scan.problems:
            item.not_carried.append(f"{path.name} {problem}")
        for pin in scan.pins:
            if pin.requirement:
                text = pin.requirement
            else:
                top = pin.module.split(".")[0]
                if top == name or is_stdlib(top) or top == "components":
                    continue
                distribution = import_map.resolve(pin.module).distribution
                extras_text = f"[{','.join(pin.extras)}]" if pin.extras else ""
                text = f"{distribution}{extras_text}{pin.specifier}"
            where = f"{path.name} line {pin.line}"
            if pin.optional:
                key = _extra_name(text)
                if key is None:
                    item.not_carried.append(f"{where}: cannot read {text!r} as a requirement")
                    continue
                extras[key] = _merge(extras.get(key, []), text, item, where)
                optional_all = _merge(optional_all, text, item, where)
            elif extra is not None:
                extras[extra] = _merge(extras.get(extra, []), text, item, where)
            else:
                dependencies = _merge(dependencies, text, item, where)
    if optional_all:
        extras["all"] = optional_all
    return dependencies, extras


def _valid_map_entry(key: str, value: str) -> bool:
    try:
        validate_map({key: value}, source="package_mapping.json")
    except PackyardError:
        return False
    return True


def _extra_name(text: str) -> str | None:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        return None


def _merge(existing: list[str], text: str, item: PackageImport, where: str) -> list[str]:
    """Add a requirement, joining its specifier and extras with those of the same
    distribution already listed."""
    try:
        new = Requirement(text)
    except InvalidRequirement as exc:
        item.not_carried.append(f"{where}: {text!r} is not a PEP 508 requirement ({exc})")
        return existing
    merged = []
    joined = False
    for line in existing:
        old = Requirement(line)
        if canonicalize_name(old.name) == canonicalize_name(new.name) and old.marker == new.marker:
            try:
                specifier = SpecifierSet(f"{old.specifier},{new.specifier}".strip(","))
            except InvalidSpecifier:
                specifier = old.specifier
            old.specifier = specifier
            old.extras = old.extras | new.extras
            joined = True
        merged.append(str(old))
    if not joined:
        merged.append(str(new))
    return merged


def _import_map(name: str, folder: Path, mapping: dict[str, str]) -> dict[str, str]:
    """The ``package_mapping.json`` entries for the modules this package imports."""
    if not mapping:
        return {}
    imported: set[str] = set()
    for path in folder.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
    return {
        key: value
        for key, value in sorted(mapping.items())
        if key.split(".")[0] in imported - {name} and _valid_map_entry(key, value)
    }


# --- history, repository notes, checks, moving ---------------------------------------------


def _stage_history(
    config: paa_source.PaaConfig,
    name: str,
    state: Path,
    index_url: str,
    base: str | None,
    item: PackageImport,
) -> Path | None:
    """Write the package's tracking file under ``state`` with
    :func:`packyard.versions.tracking.record_release`; return it (None without history)."""
    history, problems = paa_source.read_history(config.root, name)
    item.not_carried += problems
    if not history:
        return None
    for number, release in enumerate(history):
        record: dict[str, Any] = {
            "version": release.version,
            "repository": "paa",
            "index_url": index_url,
            "files": [],
            "notes": [{"kind": "other", "description": note} for note in release.notes],
            "imported_from": "package-auto-assembler",
        }
        if release.date:
            record["date"] = release.date
        if base is not None and number == len(history) - 1:
            record["commit"] = base
        record_release(state, name, record)
        item.releases.append(release.version)
    noted = sum(1 for r in history if r.notes)
    item.carried.append(
        f"release history: {len(history)} version(s), {noted} with notes, last "
        f"{history[-1].version} (the next release continues after it)"
    )
    return tracking_file(state, name)


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


def _base_commit(repo: Repository) -> str | None:
    try:
        return gitutil.head(repo.config.root)
    except PackyardError:
        return None


def _check_staged(name: str, folder: Path) -> None:
    """The staged package parses and reads back as a valid packyard package.

    Raises:
        PackageError, ConfigError: a syntax error (names the paa file's copy) or invalid
            metadata.
    """
    for path in sorted(folder.rglob("*.py")):
        try:
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            raise PackageError(
                f"syntax error in {path.relative_to(folder.parent)}: {exc.msg}",
                line=exc.lineno,
                hint="fix it in the paa repository, then import again",
            ) from None
    read_package(Package(name, "folder", folder))


def _move_into_place(staged: list[tuple[Path, Path]]) -> None:
    """Rename each staged path onto its target; undo the ones done when one fails."""
    done: list[tuple[Path, Path]] = []
    try:
        for source, target in staged:
            if target.exists():
                raise PackageError(f"{target} appeared during the import", path=target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
            done.append((source, target))
    except BaseException:
        for source, target in reversed(done):
            os.replace(target, source)
        raise


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


__all__ = ["ImportReport", "PackageImport", "import_paa"]
