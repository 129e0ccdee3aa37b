"""The layout of ``tooling/packyard/``: imports go one way, from later stages to earlier ones.

The order of the stages is written here and nowhere else (``docs/architecture.md`` points
here). A module may import the shared plumbing, its own stage and earlier stages; the shared
plumbing imports only itself. Every import counts: module level, inside functions, and under
``TYPE_CHECKING``, since each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import packyard

ROOT = Path(packyard.__file__).parent

#: Top-level modules every stage may import; they import only each other.
PLUMBING = (
    "__init__",
    "errors",
    "proc",
    "childenv",
    "fsutil",
    "config",
    "names",
    "tomlcompat",
    "stdlib",
    "gitutil",
)

#: The stages, earliest first: a subpackage or a top-level module each. A module imports
#: the plumbing, its own stage and the stages before it, never one after it.
STAGES = (
    "inference",  # source code -> imports, guards, import map, PEP 508 requirements
    "package",  # packages/ -> Package, metadata, PEP 723, extras, links, test files
    "versions",  # tracking files, Conventional Commits -> next version, notes
    "index",  # simple-index queries, repositories and credentials, the local index
    "repo",  # Repository: the facade over the three stages above
    "building",  # build tree, sdist + wheel, venvs, test-install, result cache, locks
    "gates",  # lint, licenses, audit, test-install warnings
    "release",  # publish, trusted publishing, the release pipeline and record, push
    "ci",  # change detection, CI pipelines
    "docsite",  # documentation sites, gh-pages
    "chores",  # new, rename, remove, list
    "paa",  # moving a package-auto-assembler repository over
    "runtime",  # what installed packages ship: serve, app, mcp, artifacts
    "sessions",  # the nox sessions' entry points
    "cli",  # the packyard command
    "__main__",
)


def _layer(module: str) -> str:
    """The plumbing module or stage a ``packyard...`` module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(module: str, path: Path, known: dict[str, Path]) -> list[tuple[int, str]]:
    """``(line, module)`` for every ``packyard`` import in ``path``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.append((node.lineno, sub if sub in known else target))
    return [(line, name) for line, name in out if name.split(".")[0] == "packyard"]


def test_every_module_has_a_place_in_the_order() -> None:
    unplaced = sorted(
        {_layer(name) for name in _modules()} - set(PLUMBING) - set(STAGES),
    )
    assert not unplaced, (
        f"tooling/packyard/ holds {unplaced}, which is neither plumbing nor a stage: "
        "add it to PLUMBING or STAGES in tests/test_layers.py and to docs/architecture.md"
    )


def test_no_stage_imports_a_later_one() -> None:
    known = _modules()
    upward = []
    for module, path in known.items():
        layer = _layer(module)
        for line, target in _imports(module, path, known):
            other = _layer(target)
            if other in PLUMBING:
                continue
            if layer in PLUMBING:
                upward.append(f"{path}:{line}: plumbing {module} imports {target}")
            elif STAGES.index(other) > STAGES.index(layer):
                upward.append(
                    f"{path}:{line}: {module} (stage {layer!r}) imports {target} "
                    f"(stage {other!r}, later)"
                )
    assert not upward, "imports against the stage order:\n" + "\n".join(upward)


def test_the_top_level_holds_about_a_dozen_modules() -> None:
    top = sorted(p.stem for p in ROOT.glob("*.py"))
    assert len(top) <= 14, top


def test_the_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import packyard.errors\n"
        "from packyard import names\n"
        "from . import pipeline\n"
        "from ..building.venvs import clean_env\n"
        "if TYPE_CHECKING:\n"
        "    from packyard.repo import Repository\n"
        "def later():\n"
        "    from packyard.cli import main\n",
        encoding="utf-8",
    )
    known = {"packyard.names": source, "packyard.release.pipeline": source}
    found = _imports("packyard.release.mod", source, known)
    assert [name for _, name in found] == [
        "packyard.errors",
        "packyard.names",
        "packyard.release.pipeline",
        "packyard.building.venvs",
        "packyard.repo",
        "packyard.cli",
    ]
    assert [_layer(name) for _, name in found] == [
        "errors",
        "names",
        "release",
        "building",
        "repo",
        "cli",
    ]


def _top_level_names(path: Path) -> tuple[set[str], set[str]]:
    """The names a module defines, and the ``packyard`` names it only imports."""
    defined: set[str] = set()
    imported: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("packyard"):
            imported |= {alias.asname or alias.name for alias in node.names}
    return defined, imported - defined


def test_names_are_imported_from_the_module_that_defines_them() -> None:
    """No module passes on a name it imported (a compatibility shim in disguise); a
    subpackage's ``__init__.py`` may, as that is its public face."""
    known = _modules()
    sources = [*known.values(), *Path(ROOT.parents[1], "tests").glob("*.py")]
    sources += [ROOT.parents[1] / "tasks.py", ROOT.parents[1] / "noxfile.py"]
    relayed = []
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level:
                continue
            origin = known.get(node.module or "")
            if origin is None or origin.name == "__init__.py":
                continue
            _, passed_on = _top_level_names(origin)
            relayed += [
                f"{path}:{node.lineno}: {alias.name} is imported from {node.module}, "
                "which imports it from elsewhere"
                for alias in node.names
                if alias.name in passed_on
            ]
    assert not relayed, "\n".join(relayed)
