"""One paa package assembled as a packyard folder package in the staging folder: its module
and ``__init__.py``, components and other modules, artifacts, docs, tests (rewritten for the
packyard layout), license, leftovers and ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import tomli_w

from packyard.fsutil import relative_path
from packyard.paa import leftovers as paa_leftovers
from packyard.paa import markers as paa_markers
from packyard.paa import project as paa_project
from packyard.paa import rewrite as paa_rewrite
from packyard.paa import source as paa_source
from packyard.paa.copying import copy, copy_components, copy_tree, mark_ignored, write
from packyard.paa.parts import PARTS, cli_entry, keep_mcp_server_name
from packyard.paa.report import PackageImport
from packyard.package.testfiles import collected_test_files
from packyard.repo import Repository


def assemble(
    repo: Repository,
    config: paa_source.PaaConfig,
    name: str,
    folder: Path,
    mapping: dict[str, str],
    item: PackageImport,
    packages: list[str],
) -> None:
    """Assemble paa package ``name`` as a packyard folder package in ``folder`` (created
    here), noting in ``item`` what was carried over and what was not.

    Args:
        config: the paa repository.
        mapping: its ``package_mapping.json`` (import name -> distribution name).
        packages: every package of the paa repository (for rewriting the tests' imports).

    Raises:
        FileExistsError: ``folder`` exists already.
        PackageError: the module or its cli has a syntax error.
        ConfigError: ``.paa/pyproject/NAME.toml`` is not valid TOML or its
            ``requires-python`` is not a string.
    """
    folder.mkdir(parents=True)
    module_path = config.module_dir / f"{name}.py"
    module_text = module_path.read_text(encoding="utf-8")
    metadata, problem = paa_source.literal_assignment(
        module_text, module_path, "__package_metadata__"
    )
    if problem:
        item.not_carried.append(f"{module_path.name}: {problem}")
    metadata = dict(metadata or {})
    scans: list[tuple[str | None, paa_markers.MarkerScan, Path]] = []

    write(folder / f"{name}.py", mark_ignored(module_text, module_path, scans, None))
    item.carried.append(f"{relative_path(module_path, config.root)} -> {name}/{name}.py")
    docstring = ast.get_docstring(ast.parse(module_text)) or ""
    summary_source = docstring or str(metadata.get("description") or "")
    if not summary_source:
        summary_source = f"{name} (imported from package-auto-assembler)."
        item.not_carried.append(
            f"{module_path.name} has no docstring and no description: the summary is a "
            "placeholder; write a module docstring"
        )
    init = f'"""{_docstring_text(summary_source)}"""\n\nfrom .{name} import *  # noqa: F403\n'
    write(folder / "__init__.py", init)

    copy_components(config, name, module_text, module_path, folder, scans, item)

    scripts: dict[str, str] = {}
    for key, (module, _extra) in PARTS.items():
        path = config.part(key, name)
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        text = mark_ignored(text, path, scans, _extra)
        if module == "cli":
            text = cli_entry(text, path, name, scripts, item)
        write(folder / f"{module}.py", text)
        item.carried.append(f"{relative_path(path, config.root)} -> {name}/{module}.py")
        if module == "mcp":
            keep_mcp_server_name(name, text, folder, metadata, item)

    copy_tree(config.part("artifacts_dir", name, ""), folder / "artifacts", config, item)
    for key, url in dict(metadata.get("artifact_urls") or {}).items():
        link = folder / "artifacts" / f"{key}.link"
        write(link, f"{url}\n")
        item.carried.append(f"artifact_urls[{key!r}] -> {name}/artifacts/{key}.link")
    copy_tree(config.part("extra_docs_dir", name, ""), folder / "docs", config, item)
    notebook = config.part("example_notebooks_path", name, ".ipynb")
    if notebook.is_file():
        target = folder / "docs" / "example.ipynb"
        if target.exists():
            item.not_carried.append(
                f"{relative_path(notebook, config.root)}: docs/example.ipynb is taken"
            )
        else:
            copy(notebook, target)
            item.carried.append(
                f"{relative_path(notebook, config.root)} -> {name}/docs/example.ipynb"
            )
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
        copy(config.license_path, folder / config.license_path.name)
        item.carried.append(f"{relative_path(config.license_path, config.root)} -> {name}/")

    for key, what in (("drawio_dir", ".drawio"), ("skills_dir", "")):
        path = config.part(key, name, what)
        if path.exists():
            item.not_carried.append(
                f"{relative_path(path, config.root)}: packyard has no place for it"
            )

    project = paa_project.project_table(repo, config, name, metadata, scans, mapping, scripts, item)
    import_map = paa_project.import_map(name, folder, mapping)
    data: dict[str, Any] = {"project": project}
    if import_map:
        data["tool"] = {"packyard": {"import-map": import_map}}
        item.carried.append(f"package_mapping.json entries: {', '.join(sorted(import_map))}")
    header = (
        "# Partial [project] table carried over from package-auto-assembler by\n"
        "# `invoke import-paa`: packyard fills in the name, version, readme and the\n"
        "# dependencies it infers from the imports; what is set here wins.\n"
    )
    write(folder / "pyproject.toml", header + tomli_w.dumps(data))


def _docstring_text(text: str) -> str:
    text = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return text + ("\n" if "\n" in text or text.endswith('"') else "")


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
            copy_tree(source, folder / "tests", config, item)
        else:
            copy(source, target)
            item.carried.append(
                f"{relative_path(source, config.root)} -> {name}/tests/{source.name}"
            )
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
