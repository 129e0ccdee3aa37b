"""Dependency inference: from the imports of a package's files to PEP 508 requirements.

The pipeline: scan every import (:mod:`packyard.inference.imports`), drop the standard library,
relative imports and the package's own modules, turn an import of a sibling package into a
requirement on the sibling's distribution, map every other import name to a distribution
(:mod:`packyard.inference.import_map`), merge in the requirements the package lists itself (their
specifiers and markers win), and mark the ones only imported under
``try/except ImportError`` as the extra ``optional``.

Imports under version or platform guards (:mod:`packyard.inference.guards`) are judged against the
package's ``requires-python`` (:mod:`packyard.inference.verdicts`): one in a branch no
admitted Python runs is dropped, one that runs on some Pythons or platforms only gets the
PEP 508 environment marker saying where
(``tomli; python_version < "3.11"``, ``pywin32; sys_platform == "win32"``), and one under a
platform test no marker expresses is reported in :attr:`Inference.warnings` instead of
becoming a requirement. Python 2 standard-library names never become requirements.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from packyard.errors import ConfigError, InferenceError
from packyard.inference.import_map import ImportMap
from packyard.inference.imports import ImportRecord, scan_files
from packyard.inference.scan_cache import ScanCache
from packyard.inference.verdicts import evaluate
from packyard.stdlib import is_python2_stdlib, is_stdlib

OPTIONAL_EXTRA = "optional"
#: A valid distribution name (PEP 508 / core metadata "Name").
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


@dataclass
class InferredRequirement:
    """One dependency of a package.

    Attributes:
        distribution: the distribution name as the mapping rule gives it (``PyYAML``).
        requirement: the PEP 508 requirement (name, specifier and marker; no extra marker).
        import_names: the import names that led to it, sorted.
        locations: ``file:line`` of every import that led to it.
        optional: True when every import of it is guarded by ``except ImportError``.
        rule: how it was found: ``sibling``, ``package-override``, ``repo-import-map``,
            ``builtin-table``, ``environment``, ``fallback``, or ``explicit`` (listed by the
            package, not imported).
    """

    distribution: str
    requirement: Requirement
    import_names: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    optional: bool = False
    rule: str = "explicit"

    @property
    def key(self) -> str:
        """The PEP 503 normalized distribution name."""
        return canonicalize_name(self.distribution)

    def pep508(self) -> str:
        """The requirement line, with ``extra == "optional"`` added for optional ones."""
        if not self.optional:
            return str(self.requirement)
        req = Requirement(str(self.requirement))
        marker = f'extra == "{OPTIONAL_EXTRA}"'
        if req.marker is not None:
            marker = f"({req.marker}) and {marker}"
        req.marker = None
        return f"{req}; {marker}"

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict: distribution, requirement, import names, locations,
        optional, rule."""
        return {
            "distribution": self.distribution,
            "requirement": self.pep508(),
            "import_names": self.import_names,
            "locations": self.locations,
            "optional": self.optional,
            "rule": self.rule,
        }


@dataclass
class Inference:
    """The result of inferring a set of files' requirements.

    Attributes:
        requirements: required ones first, then optional; each group sorted by name.
        warnings: things a user should look at (an import mapped by the fallback rule).
        siblings: import names of sibling packages imported (required or optional).
    """

    requirements: list[InferredRequirement]
    warnings: list[str] = field(default_factory=list)
    siblings: set[str] = field(default_factory=set)

    @property
    def required(self) -> list[InferredRequirement]:
        return [r for r in self.requirements if not r.optional]

    @property
    def optional(self) -> list[InferredRequirement]:
        return [r for r in self.requirements if r.optional]


def infer(
    files: Sequence[Path],
    *,
    local_modules: Iterable[str],
    import_map: ImportMap,
    siblings: Mapping[str, str] | None = None,
    explicit: Sequence[str] = (),
    explicit_source: str | Path = "<explicit>",
    relative_to: Path | None = None,
    cache: ScanCache | None = None,
    requires_python: str | None = None,
) -> Inference:
    """Infer the requirements of a set of Python files.

    Args:
        files: the ``.py`` files to scan.
        local_modules: top-level import names that belong to the code itself (dropped).
        import_map: maps import names to distributions.
        siblings: import name -> distribution name of the other packages of the repository.
        explicit: PEP 508 strings the package lists itself; they are always included and
            their specifiers and markers win over inferred ones.
        explicit_source: where ``explicit`` came from, for error messages.
        relative_to: ``file:line`` locations are shown relative to this folder.
        cache: the scan cache, or None to scan without one.
        requires_python: the package's PEP 440 ``requires-python`` specifier; version
            guards are judged against it (None: every Python).

    Raises:
        InferenceError: a file has a syntax error (names file and line).
        PackageError: a file cannot be read.
        ConfigError: an explicit requirement is not valid PEP 508.
    """
    local = set(local_modules)
    siblings = dict(siblings or {})
    records = scan_files(files, cache=cache)
    found: dict[str, InferredRequirement] = {}
    inference = Inference(requirements=[])
    warned: set[str] = set()
    markers: dict[str, set[str | None]] = {}
    for record in records:
        top = record.module.split(".", 1)[0]
        if record.level or not top or top in local or top == "__main__" or is_stdlib(top):
            continue
        if is_python2_stdlib(top):
            continue
        location = _location(record, relative_to)
        marker = None
        if record.condition is not None:
            verdict = evaluate(record.condition, requires_python)
            if not verdict.runs:
                continue
            if verdict.unknown is not None:
                inference.warnings.append(
                    f"{location}: import {record.module!r} only runs when "
                    f"{verdict.unknown}, which no PEP 508 environment marker expresses; not "
                    "made a requirement. If it is needed, list it with a marker in the "
                    "package's dependencies; else end the line with '# packyard: ignore'"
                )
                continue
            marker = verdict.marker
        if top in siblings:
            distribution, rule, names = siblings[top], "sibling", top
            inference.siblings.add(top)
        else:
            mapped = import_map.resolve(record.module, record.names)
            distribution, rule, names = mapped.distribution, mapped.rule, mapped.key
            if rule == "fallback" and not _PROJECT_NAME.match(distribution):
                if mapped.key not in warned:
                    warned.add(mapped.key)
                    inference.warnings.append(
                        f"{location}: import {mapped.key!r} cannot name a distribution (a "
                        "private or Python 2 module?); skipped. Map it in "
                        "[tool.packyard.import-map] or end the line with '# packyard: ignore'"
                    )
                continue
            if rule == "fallback" and mapped.key not in warned:
                warned.add(mapped.key)
                inference.warnings.append(
                    f"{location}: import {mapped.key!r} is not in any import map; assuming "
                    f"distribution {distribution!r}. If that is wrong, add it to "
                    "[tool.packyard.import-map]"
                )
        key = canonicalize_name(distribution)
        entry = found.get(key)
        if entry is None:
            entry = found[key] = InferredRequirement(
                distribution=distribution,
                requirement=Requirement(distribution),
                optional=True,
                rule=rule,
            )
        if names not in entry.import_names:
            entry.import_names.append(names)
        entry.locations.append(location)
        entry.optional = entry.optional and record.optional
        markers.setdefault(key, set()).add(marker)
    for key, where in markers.items():
        if None not in where:
            found[key].requirement = Requirement(f"{found[key].distribution}; {_any_of(where)}")
    for text in explicit:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            raise ConfigError(
                f"invalid requirement {text!r}: {exc}",
                path=explicit_source,
                hint='write a PEP 508 requirement, e.g. "PyYAML>=6"',
            ) from None
        key = canonicalize_name(requirement.name)
        entry = found.get(key)
        if entry is None:
            found[key] = InferredRequirement(
                distribution=requirement.name, requirement=requirement, rule="explicit"
            )
        else:
            entry.requirement = requirement
            entry.distribution = requirement.name
            # Listed explicitly without an extra marker: it is required, whatever the guard.
            if not (requirement.marker and "extra" in str(requirement.marker)):
                entry.optional = False
    for entry in found.values():
        entry.import_names.sort()
    inference.requirements = sorted(found.values(), key=lambda r: (r.optional, r.key))
    return inference


def _any_of(markers: set[str | None]) -> str:
    """One PEP 508 marker true where any of ``markers`` is (all not None)."""
    texts = sorted(m for m in markers if m)
    if len(texts) == 1:
        return texts[0]
    return " or ".join(f"({m})" if " and " in m or " or " in m else m for m in texts)


def _location(record: ImportRecord, relative_to: Path | None) -> str:
    path = record.path
    if relative_to is not None:
        with contextlib.suppress(ValueError):  # another drive, on Windows
            path = os.path.relpath(path, relative_to)
    return f"{path}:{record.line}"


def local_modules_of(path: Path) -> tuple[list[Path], set[str]]:
    """For a file or folder outside a packaging repository, list its ``.py`` files and the
    import names that are its own (like pipreqs does).

    For a folder: the folder's name, and its top-level modules and packages. For a file:
    its own name and the modules beside it (the script's folder is on ``sys.path``).

    Raises:
        InferenceError: ``path`` does not exist or is neither a ``.py`` file nor a folder.
    """
    if path.is_file():
        if path.suffix != ".py":
            raise InferenceError("not a Python file", path=path, hint="give a .py file or a folder")
        local = {p.stem for p in path.parent.glob("*.py")} | {path.stem}
        return [path], local
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*.py")
            if not any(
                part.startswith(".") or part in {"__pycache__", "build", "dist", ".venv", "venv"}
                for part in p.relative_to(path).parts[:-1]
            )
        )
        local = {path.resolve().name}
        for child in path.iterdir():
            if child.suffix == ".py":
                local.add(child.stem)
            elif child.is_dir() and not child.name.startswith("."):
                local.add(child.name)
        return files, local
    raise InferenceError("no such file or folder", path=path)
