"""Conditions: the form a version or platform guard takes, and its algebra.

A guard is read from source (:mod:`packyard.inference.guard_expressions`), found around
each import (:mod:`packyard.inference.guards`) and judged against ``requires-python``
(:mod:`packyard.inference.verdicts`) as a :data:`Condition`; this module holds that form,
its constants and the operations on it: simplification, substitution of known parts, and
the atoms it is made of.
"""

from __future__ import annotations

__all__ = ["FALSE", "FREE", "TRUE", "Condition", "atoms", "has", "simplify", "substitute"]

#: A condition, as nested tuples (marshal-friendly, so it is cached with the scan):
#: ``("true",)``, ``("false",)``, ``("free",)`` (anything: not a guard),
#: ``("py", op, parts, n)`` (``sys.version_info[:n] op parts``; n = 0 for the whole
#: ``sys.version_info``), ``("env", variable, op, value)`` (a PEP 508 marker atom; op is
#: ``==``, ``!=`` or ``in``, the latter meaning ``value in variable``), ``("?", text)``
#: (a platform guard no marker expresses), ``("not", c)``, ``("and", c, ...)``,
#: ``("or", c, ...)``.
Condition = tuple

TRUE: Condition = ("true",)
FALSE: Condition = ("false",)
FREE: Condition = ("free",)


def simplify(condition: Condition) -> Condition:
    """``condition`` simplified: ``not`` of a constant folded and double negations removed;
    ``and``/``or`` flattened, with :data:`TRUE`/:data:`FALSE` absorbing or dropped and
    repeats and ``x``/``not x`` pairs reduced; in a conjunction, two ``env`` equalities of
    one variable that contradict give :data:`FALSE`, and an equality drops the
    inequalities of its variable it implies. Atoms come back as they are.
    """
    kind = condition[0]
    if kind == "not":
        inner = simplify(condition[1])
        if inner == TRUE:
            return FALSE
        if inner == FALSE:
            return TRUE
        if inner == FREE:
            return FREE
        if inner[0] == "not":
            return inner[1]
        return ("not", inner)
    if kind in ("and", "or"):
        absorbing, neutral = (FALSE, TRUE) if kind == "and" else (TRUE, FALSE)
        parts: list[Condition] = []
        for part in map(simplify, condition[1:]):
            if part == absorbing:
                return absorbing
            if part == neutral or part in parts:
                continue
            parts.extend(part[1:] if part[0] == kind else [part])
        if any(("not", part) in parts for part in parts):  # x and not x, x or not x
            return absorbing
        if kind == "and":
            parts = _narrow(parts)
            if parts == [FALSE]:
                return FALSE
        if not parts:
            return neutral
        return parts[0] if len(parts) == 1 else (kind, *parts)
    return condition


def _narrow(parts: list[Condition]) -> list[Condition]:
    """In a conjunction, ``v == "a"`` makes ``v != "b"`` redundant and ``v == "b"`` false."""
    equal = {(p[1], p[3]) for p in parts if p[0] == "env" and p[2] == "=="}
    variables: dict[str, str] = {}
    for variable, value in equal:
        if variables.setdefault(variable, value) != value:
            return [FALSE]

    def redundant(part: Condition) -> bool:
        if part[0] == "not" and part[1][0] == "env" and part[1][2] == "==":
            _, variable, _, value = part[1]
        elif part[0] == "env" and part[2] == "!=":
            _, variable, _, value = part
        else:
            return False
        if variables.get(variable) == value:
            return False
        return variable in variables

    return [p for p in parts if not redundant(p)]


def substitute(condition: Condition, values: dict[Condition, Condition]) -> Condition:
    """``condition`` with each part that is a key of ``values`` replaced by its value (atoms
    by :data:`TRUE` or :data:`FALSE`, say), through ``not``, ``and`` and ``or``; not
    simplified (see :func:`simplify`).
    """
    if condition in values:
        return values[condition]
    if condition[0] in ("not", "and", "or"):
        return (condition[0], *(substitute(c, values) for c in condition[1:]))
    return condition


def atoms(condition: Condition, kind: str) -> set[Condition]:
    """The atoms of kind ``kind`` (``"py"``, ``"env"`` or ``"?"``) anywhere in ``condition``."""
    if condition[0] == kind:
        return {condition}
    if condition[0] in ("not", "and", "or"):
        return set().union(*(atoms(c, kind) for c in condition[1:]))
    return set()


def has(condition: Condition, kind: str) -> bool:
    """Whether ``condition`` holds an atom of kind ``kind`` anywhere (``"?"``: a platform
    guard no PEP 508 marker expresses).
    """
    if condition[0] == kind:
        return True
    if condition[0] in ("not", "and", "or"):
        return any(has(c, kind) for c in condition[1:])
    return False
