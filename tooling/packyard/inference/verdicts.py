"""Judging a guard's condition against ``requires-python``: the import is dropped, kept
as a plain requirement, kept under a PEP 508 environment marker (``tomli; python_version <
"3.11"``, ``pywin32; sys_platform == "win32"``), or reported when no marker expresses it.

:func:`evaluate` fixes every version test that holds (or fails) for all the Pythons
``requires-python`` admits, checks that what is left can hold at all, and writes it as a
marker.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from packyard.inference.conditions import FALSE, FREE, TRUE, Condition, atoms, simplify, substitute

__all__ = ["Verdict", "evaluate"]

# Shannon expansion over at most this many unrelated sub-conditions; beyond, "always".
_MAX_FREE = 6


def _without_free(condition: Condition) -> Condition:
    """Whether some value of the unrelated sub-conditions makes it true (each ``free``
    occurrence is its own unknown): Shannon expansion."""
    count = 0

    def number(c: Condition) -> Condition:
        nonlocal count
        if c == FREE:
            count += 1
            return ("free", count)
        if c[0] in ("not", "and", "or"):
            return (c[0], *(number(x) for x in c[1:]))
        return c

    numbered = number(condition)
    if count == 0:
        return simplify(condition)
    if count > _MAX_FREE:
        return TRUE
    variants = []
    for values in itertools.product((TRUE, FALSE), repeat=count):
        mapping = {("free", i + 1): v for i, v in enumerate(values)}
        variants.append(substitute(numbered, mapping))
    return simplify(("or", *variants))


def _holds(atom: Condition, version: tuple[int, int, int]) -> bool:
    _, op, parts, n = atom
    value = (*version, "final", 0) if n == 0 else version[:n]
    try:
        return {
            "<": value < parts,
            "<=": value <= parts,
            ">": value > parts,
            ">=": value >= parts,
            "==": value == parts,
            "!=": value != parts,
        }[op]
    except TypeError:  # pragma: no cover - parts are ints, version ints then a string
        return True


@lru_cache(maxsize=64)
def _admitted(requires_python: str, micros: tuple[int, ...]) -> tuple[tuple[int, int, int], ...]:
    try:
        specifier = SpecifierSet(requires_python)
    except InvalidSpecifier:
        specifier = SpecifierSet()
    candidates = [(2, minor) for minor in range(8)] + [(3, minor) for minor in range(31)]
    return tuple(
        (major, minor, micro)
        for major, minor in candidates
        for micro in sorted({0, 99, *micros})
        if specifier.contains(f"{major}.{minor}.{micro}", prereleases=True)
    )


def _marker_of_version(atom: Condition) -> str | None:
    _, op, parts, n = atom
    dotted = ".".join(map(str, parts))
    if n == 0:
        if op in ("==", "!="):
            return None
        op = {">": ">=", "<=": "<"}.get(op, op)
        variable = "python_full_version" if len(parts) == 3 else "python_version"
        return f'{variable} {op} "{dotted}"' if len(parts) <= 3 else None
    if len(parts) != n or n > 3:
        return None
    if n == 1:
        (major,) = parts
        low, high = f'python_version >= "{major}"', f'python_version < "{major + 1}"'
        return {
            "<": f'python_version < "{major}"',
            ">=": low,
            ">": f'python_version >= "{major + 1}"',
            "<=": high,
            "==": f"{low} and {high}",
            "!=": f'python_version < "{major}" or python_version >= "{major + 1}"',
        }[op]
    variable = "python_full_version" if n == 3 else "python_version"
    return f'{variable} {op} "{dotted}"'


def _render(condition: Condition, top: bool = True) -> str:
    kind = condition[0]
    if kind == "py":
        text = _marker_of_version(condition) or ""
        return f"({text})" if not top and (" and " in text or " or " in text) else text
    if kind == "env":
        _, variable, op, value = condition
        if op == "in":
            return f'"{value}" in {variable}'
        return f'{variable} {op} "{value}"'
    if kind == "not":
        inner = condition[1]
        if inner[0] == "env":
            _, variable, op, value = inner
            if op == "in":
                return f'"{value}" not in {variable}'
            return f'{variable} {"!=" if op == "==" else "=="} "{value}"'
        if inner[0] == "py":
            _, op, parts, n = inner
            negated = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "==": "!=", "!=": "=="}[op]
            return _render(("py", negated, parts, n), top)
        if inner[0] in ("and", "or"):  # De Morgan: PEP 508 has no "not"
            flipped = "or" if inner[0] == "and" else "and"
            return _render((flipped, *(("not", c) for c in inner[1:])), top)
        return _render(inner, top)
    joined = f" {kind} ".join(_render(c, top=False) for c in condition[1:])
    return joined if top else f"({joined})"


@dataclass(frozen=True)
class Verdict:
    """Whether, and where, one guarded import runs.

    Attributes:
        runs: False when no Python admitted by ``requires-python`` (and no platform)
            runs it.
        marker: the PEP 508 environment marker it runs under (``python_version <
            "3.11"``, ``sys_platform == "win32"``), None when it runs everywhere.
        unknown: when the guard is a platform test no marker expresses, its source text
            (the import is then not a requirement: it is reported).
    """

    runs: bool
    marker: str | None = None
    unknown: str | None = None


ALWAYS = Verdict(runs=True)


def evaluate(condition: Condition, requires_python: str | None) -> Verdict:
    """Decide where an import guarded by ``condition`` runs.

    Args:
        condition: from :func:`packyard.inference.guards.import_conditions`.
        requires_python: the package's PEP 440 ``requires-python`` specifier
            (``">=3.9"``); None or an invalid one admits every Python.

    Returns:
        A :class:`Verdict`: ``runs`` False when the branch cannot run on any admitted
        Python (checked per minor version from 2.0 to 3.30); the version part of the
        marker is left out when it holds for every admitted Python.

    Raises:
        Nothing.
    """
    condition = _without_free(condition)
    versions = atoms(condition, "py")
    micros = tuple(sorted({a[2][2] for a in versions if len(a[2]) >= 3}))
    admitted = _admitted(requires_python or "", micros)
    if not admitted:
        return ALWAYS
    fixed = {}
    for atom in versions:
        values = {_holds(atom, v) for v in admitted}
        if len(values) == 1:
            fixed[atom] = TRUE if values.pop() else FALSE
    condition = simplify(substitute(condition, fixed))
    if condition == TRUE:
        return ALWAYS
    if condition == FALSE or not _satisfiable(condition, admitted):
        return Verdict(runs=False)
    unknown = sorted(a[1] for a in atoms(condition, "?"))
    if unknown:
        return Verdict(runs=True, unknown=" and ".join(unknown))
    if any(_marker_of_version(a) is None for a in atoms(condition, "py")):
        return ALWAYS  # a version test no marker expresses: keep the import, unmarked
    return Verdict(runs=True, marker=_render(condition))


def _satisfiable(condition: Condition, admitted: tuple[tuple[int, int, int], ...]) -> bool:
    others = sorted(atoms(condition, "env") | atoms(condition, "?"))
    versions = sorted(atoms(condition, "py"))
    if len(others) > _MAX_FREE:
        return True
    for version in admitted:
        fixed = {a: TRUE if _holds(a, version) else FALSE for a in versions}
        for values in itertools.product((TRUE, FALSE), repeat=len(others)):
            mapping = {**fixed, **dict(zip(others, values, strict=True))}
            if simplify(substitute(condition, mapping)) == TRUE:
                return True
    return False
