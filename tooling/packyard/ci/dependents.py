"""The sibling dependents graph: which sibling packages each package imports, and which
packages import a given set of packages, directly or through other siblings.

The rule is that of the inferred sibling requirements
(:attr:`packyard.inference.requirements.Inference.siblings`), applied to every package at
once. Only files whose text names a target package can import it, so only those are parsed,
through the repository's import-scan cache: a cold run parses a few files, a warm one none.
"""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from collections.abc import Iterable, Mapping

from packyard.errors import PackyardError
from packyard.inference.imports import scan_files
from packyard.package.discovery import Package
from packyard.repo import Repository

log = logging.getLogger("packyard")


def reverse_closure(imports: Mapping[str, Iterable[str]], start: Iterable[str]) -> set[str]:
    """Every package that imports one of ``start``, directly or through others.

    Args:
        imports: import name -> the sibling import names it imports.
        start: the packages whose importers are wanted.

    Returns:
        The importers, excluding the ``start`` packages themselves.

    >>> sorted(reverse_closure({"a": [], "b": ["a"], "c": ["b"], "d": []}, ["a"]))
    ['b', 'c']
    """
    importers: dict[str, set[str]] = {}
    for name, imported in imports.items():
        for target in imported:
            importers.setdefault(target, set()).add(name)
    seeds = set(start)
    seen: set[str] = set()
    queue = deque(seeds)
    while queue:
        for importer in importers.get(queue.popleft(), ()):
            if importer not in seen and importer not in seeds:
                seen.add(importer)
                queue.append(importer)
    return seen


def _owners(repo: Repository, forms: Mapping[str, str]) -> dict[str, str]:
    """Every shipped ``.py`` file of the packages (as a path string) -> its package."""
    owner: dict[str, str] = {}
    for name, form in forms.items():
        path = repo.config.packages_dir / (f"{name}.py" if form == "module" else name)
        for file in Package(name, form, path).source_files:  # type: ignore[arg-type]
            owner[os.fspath(file)] = name
    return owner


def _scan_siblings(
    repo: Repository, owner: Mapping[str, str], siblings: set[str], paths: Iterable[str]
) -> tuple[dict[str, set[str]], set[str]]:
    """Scan ``paths`` (one :func:`~packyard.inference.imports.scan_files` call, so one read of the
    cache and one process pool for what it lacks): package -> the ``siblings`` it imports
    (the rule of :attr:`packyard.inference.requirements.Inference.siblings`: an absolute
    import whose top-level name is another package), and the packages with an unreadable file."""
    broken: set[str] = set()

    def unreadable(error: PackyardError) -> None:
        log.warning("cannot read the imports (counted as a dependent): %s", error.render())
        if error.path is not None and os.fspath(error.path) in owner:
            broken.add(owner[os.fspath(error.path)])

    graph: dict[str, set[str]] = {}
    for record in scan_files(paths, cache=repo.scan_cache, on_error=unreadable):
        if record.level:
            continue
        top = record.module.split(".", 1)[0]
        name = owner[record.path]
        if top in siblings and top != name:
            graph.setdefault(name, set()).add(top)
    return graph, broken


def sibling_imports(
    repo: Repository, forms: Mapping[str, str], extra: Iterable[str] = ()
) -> tuple[dict[str, set[str]], set[str]]:
    """The sibling packages each package imports, by the rule of dependency inference.

    The rule of :attr:`packyard.inference.requirements.Inference.siblings`, applied to every package
    at once, without the package metadata or the import maps, which siblings do not need.

    Args:
        repo: the repository (its working tree is read; its scan cache used and saved).
        forms: import name -> ``"module"`` or ``"folder"`` of the packages to read.
        extra: import names that are not packages any more (deleted ones) but count as
            siblings when a package still imports them.

    Returns:
        (import name -> the sibling import names it imports, the packages whose files
        could not be scanned; a warning is logged for each).
    """
    owner = _owners(repo, forms)
    graph, broken = _scan_siblings(repo, owner, set(forms) | set(extra), list(owner))
    return {name: graph.get(name, set()) for name in forms}, broken


def dependents_of(repo: Repository, forms: Mapping[str, str], targets: Iterable[str]) -> set[str]:
    """The packages that import one of ``targets``, directly or through other packages.

    Only files that mention a target's name (a whole word, found in their bytes) can
    import it, so only those are parsed, round after round (the importers found become
    the next targets): a cold scan cache costs what the candidates cost, not the whole
    repository. Equal to ``reverse_closure(sibling_imports(...))``, plus the packages with
    an unreadable candidate file (counted as dependents, so that they are tested rather
    than missed; a warning is logged).

    Args:
        repo: the repository (its working tree is read; its scan cache used and saved).
        forms: import name -> ``"module"`` or ``"folder"``: the packages that may depend.
        targets: import names (packages of ``forms``, or deleted ones).

    Returns:
        The dependents, not including the targets.
    """
    owner = _owners(repo, forms)
    contents: dict[str, bytes | None] = {}
    for path in owner:
        try:
            with open(path, "rb") as handle:
                contents[path] = handle.read()
        except OSError:
            contents[path] = None  # scan_files reports it
    seeds = set(targets)
    found: set[str] = set()
    frontier = set(seeds)
    while frontier:
        words = b"|".join(re.escape(name.encode("ascii")) for name in sorted(frontier))
        pattern = re.compile(rb"\b(?:" + words + rb")\b")
        candidates = [
            path
            for path, data in contents.items()
            if owner[path] not in seeds
            and owner[path] not in found
            and (data is None or pattern.search(data))
        ]
        graph, broken = _scan_siblings(repo, owner, frontier, candidates)
        frontier = ({name for name, imported in graph.items() if imported} | broken) - found
        found |= frontier
    return found
