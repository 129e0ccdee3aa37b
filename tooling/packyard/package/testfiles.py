"""Which files of a package's tests pytest runs: the ones test requirements come from.

pytest collects ``test_*.py`` and ``*_test.py`` files and loads every ``conftest.py``
(its default ``python_files``); those import local helper modules, which import others.
Only these files say what the tests need. Any other ``.py`` file under ``tests/`` is data
to pytest (an input file a test reads as text, a sample module it parses): its imports
must not become test requirements.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

#: The file names pytest collects or loads by default (``python_files`` and conftest).
TEST_FILE_PATTERNS = ("test_*.py", "*_test.py", "conftest.py")


def is_collected(path: Path) -> bool:
    """Whether pytest collects or loads ``path`` by default.

    >>> [is_collected(Path(n)) for n in ("test_a.py", "a_test.py", "conftest.py", "data.py")]
    [True, True, True, False]
    """
    return any(path.match(pattern) for pattern in TEST_FILE_PATTERNS)


def collected_test_files(test_paths: Iterable[Path]) -> list[Path]:
    """The ``.py`` files a package's tests run: the files pytest collects or loads, and
    the local modules they import, transitively (a module is local when it is a file
    under the test folder the import reaches: beside the importing file, in a folder
    above it inside the test folder, or through a relative import).

    Args:
        test_paths: the package's test files and folders
            (:attr:`packyard.package.discovery.Package.test_paths`).

    Returns:
        Absolute paths, sorted; a file that cannot be parsed is kept (the inference that
        reads it reports the syntax error) but adds no imports.
    """
    chosen: set[Path] = set()
    pending: list[tuple[Path, Path]] = []
    for entry in test_paths:
        entry = entry.resolve()
        if entry.is_dir():
            for path in sorted(entry.rglob("*.py")):
                if "__pycache__" not in path.parts and is_collected(path):
                    pending.append((path, entry))
        elif entry.is_file():
            pending.append((entry, entry.parent))
    while pending:
        path, top = pending.pop()
        if path in chosen:
            continue
        chosen.add(path)
        for module in _local_imports(path, top):
            if module not in chosen:
                pending.append((module, top))
    return sorted(chosen)


def _local_imports(path: Path, top: Path) -> list[Path]:
    """The files under ``top`` that the imports of ``path`` reach."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return []
    bases = [path.parent, *[p for p in path.parent.parents if p.is_relative_to(top)]]
    found: list[Path] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found += _resolve(alias.name.split("."), bases, top)
        elif isinstance(node, ast.ImportFrom):
            parts = node.module.split(".") if node.module else []
            if node.level:
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                search = [base]
            else:
                search = bases
            found += _resolve(parts, search, top)
            for alias in node.names:  # from pkg import module
                found += _resolve([*parts, alias.name], search, top)
    return found


def _resolve(parts: list[str], bases: list[Path], top: Path) -> list[Path]:
    """The module files (and the ``__init__.py`` files on the way) that ``import
    a.b.c`` reaches from the first base where ``a`` exists."""
    if not parts or not all(parts):
        return []
    for base in bases:
        files: list[Path] = []
        folder = base
        for index, part in enumerate(parts):
            module = folder / f"{part}.py"
            package = folder / part
            if module.is_file():
                files.append(module)
                break
            if not package.is_dir():
                break
            if (package / "__init__.py").is_file():
                files.append(package / "__init__.py")
            folder = package
            if index == len(parts) - 1:
                break
        if files:
            return [f.resolve() for f in files if f.resolve().is_relative_to(top)]
    return []
