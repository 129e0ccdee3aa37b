"""Copying a paa package's files into its staged folder: files and folders, the local
components its module imports (``from .components.x``), and every source file's markers
scanned on the way (:func:`packyard.paa.markers.scan_markers`), its ``#-`` import lines
marked ``# packyard: ignore``.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from packyard.fsutil import relative_path
from packyard.paa import markers as paa_markers
from packyard.paa import source as paa_source
from packyard.paa.report import PackageImport

IGNORE_MARKER = "# packyard: ignore"


def mark_ignored(
    text: str,
    path: Path,
    scans: list[tuple[str | None, paa_markers.MarkerScan, Path]],
    extra: str | None,
) -> str:
    """Scan a file's markers (kept in ``scans``) and add ``# packyard: ignore`` to its
    ``#-`` import lines."""
    scan = paa_markers.scan_markers(text)
    scans.append((extra, scan, path))
    if not scan.excluded:
        return text
    lines = text.splitlines(keepends=True)
    for number in scan.excluded:
        line = lines[number - 1]
        ending = line[len(line.rstrip("\r\n")) :]
        lines[number - 1] = f"{line.rstrip()}  {IGNORE_MARKER}{ending}"
    return "".join(lines)


def copy_components(
    config: paa_source.PaaConfig,
    name: str,
    module_text: str,
    module_path: Path,
    folder: Path,
    scans: list[tuple[str | None, paa_markers.MarkerScan, Path]],
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
                    f"import ...: {relative_path(source, config.root)} is not a local component"
                )
                continue
            if top in copied:
                continue
            copied.add(top)
            target = folder / top.relative_to(module_dir)
            if top.is_dir():
                shutil.copytree(top, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                copy(top, target)
            item.carried.append(
                f"component {relative_path(top, config.root)} -> "
                f"{name}/{target.relative_to(folder)}"
            )
    for path in sorted(copied):
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            target = folder / file.relative_to(module_dir)
            target.write_text(
                mark_ignored(target.read_text(encoding="utf-8"), file, scans, None),
                encoding="utf-8",
            )
    # Each folder between the package and a component becomes a regular package.
    for path in sorted({p for p in folder.rglob("*.py") if p.parent != folder}):
        parent = path.parent
        while parent != folder:
            init = parent / "__init__.py"
            if not init.exists():
                write(init, "")
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


def copy_tree(source: Path, target: Path, config: paa_source.PaaConfig, item: PackageImport):
    """Copy the folder ``source`` into ``target`` (merged with what is there, ``__pycache__``
    and ``*.pyc`` left out) and note it in ``item.carried``; nothing when ``source`` is not
    a folder.
    """
    if not source.is_dir():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True
    )
    item.carried.append(f"{relative_path(source, config.root)}/ -> {item.name}/{target.name}/")


def write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, creating its parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def copy(source: Path, target: Path) -> None:
    """Copy the file ``source`` to ``target`` with its metadata (:func:`shutil.copy2`),
    creating the parent folders.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
