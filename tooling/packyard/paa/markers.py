"""paa's markers on import lines: what a source file's comments say about its requirements.

- ``import x #==1.2`` (or ``>=``, ``<=``, ``>``, ``<``, with ``#[extra]==1.2`` for extras of
  ``x``) pins the requirement;
- ``#-`` drops the import from the requirements;
- a line ``#@ requirement`` adds a requirement;
- a commented ``#! import x #==1.2`` is an optional requirement (paa puts each in an extra
  of its own and all of them in ``all``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_OPERATORS = r"(?:==|>=|<=|~=|!=|>|<)"
_VERSION = r"[A-Za-z0-9_.*+!-]+"
_SPEC = rf"{_OPERATORS}\s*{_VERSION}(?:\s*,\s*{_OPERATORS}\s*{_VERSION})*"
_IMPORT = (
    r"(?:import\s+(?P<imp>[\w.]+)(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*"
    r"|from\s+(?P<frm>[\w.]+)\s+import\s+[^#]+?)"
)
_IMPORT_LINE = re.compile(rf"^[ \t]*{_IMPORT}\s*#(?P<comment>.*)$")
_OPTIONAL_LINE = re.compile(rf"^[ \t]*#!\s*{_IMPORT}\s*(?:#(?P<comment>.*))?$")
_MANUAL_LINE = re.compile(r"^[ \t]*#@\s*(?P<requirement>\S.*?)\s*$")
_PIN_COMMENT = re.compile(rf"^\s*(?:\[(?P<extras>[\w\s,.-]+)\])?\s*(?P<spec>{_SPEC})?\s*$")


@dataclass(frozen=True)
class Pin:
    """A requirement written with a paa marker.

    Attributes:
        module: the imported module (``yaml``), or "" for a ``#@`` line.
        requirement: for ``#@``, the PEP 508 text; otherwise "".
        extras: extras of the distribution (``#[extra]``).
        specifier: the version specifier (``==1.2``), possibly "".
        optional: written as ``#! import ...``.
        line: the 1-based line.
    """

    module: str
    requirement: str = ""
    extras: tuple[str, ...] = ()
    specifier: str = ""
    optional: bool = False
    line: int = 0


@dataclass
class MarkerScan:
    """What a source file's markers say.

    Attributes:
        pins: pinned imports, optional imports and ``#@`` requirements.
        excluded: 1-based lines of imports marked ``#-``.
        problems: markers that could not be read (``line N: ...``).
    """

    pins: list[Pin] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def scan_markers(text: str) -> MarkerScan:
    """Read the paa markers of a source file.

    >>> text = "import yaml #>=6.0\\nimport tf #-\\n#@ extra-dist==1\\n#! import h #==0.8\\n"
    >>> scan = scan_markers(text)
    >>> [(p.module or p.requirement, p.specifier, p.optional) for p in scan.pins]
    [('yaml', '>=6.0', False), ('extra-dist==1', '', False), ('h', '==0.8', True)]
    >>> scan.excluded
    [2]
    """
    scan = MarkerScan()
    for number, line in enumerate(text.splitlines(), start=1):
        manual = _MANUAL_LINE.match(line)
        if manual:
            scan.pins.append(Pin("", requirement=manual.group("requirement"), line=number))
            continue
        optional = _OPTIONAL_LINE.match(line)
        match = optional or _IMPORT_LINE.match(line)
        if not match:
            continue
        module = match.group("imp") or match.group("frm") or ""
        comment = match.group("comment") or ""
        if not optional and "#-" in line:
            scan.excluded.append(number)
            continue
        if module.startswith("."):
            continue
        parsed = _PIN_COMMENT.match(comment)
        if optional:
            if parsed is None:
                scan.problems.append(f"line {number}: cannot read the pin {comment.strip()!r}")
                parsed = _PIN_COMMENT.match("")
            assert parsed is not None
            scan.pins.append(_pin(module, parsed, number, optional=True))
        elif parsed is not None and (parsed.group("extras") or parsed.group("spec")):
            scan.pins.append(_pin(module, parsed, number, optional=False))
    return scan


def _pin(module: str, match: re.Match[str], line: int, *, optional: bool) -> Pin:
    extras = tuple(e.strip() for e in (match.group("extras") or "").split(",") if e.strip())
    specifier = re.sub(r"\s+", "", match.group("spec") or "")
    return Pin(module, extras=extras, specifier=specifier, optional=optional, line=line)
