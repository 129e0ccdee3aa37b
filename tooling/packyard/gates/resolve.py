"""The pinned set a package installs: what the license and audit gates look at.

The package's requirements (core and every extra) and those of the sibling packages it
needs, minus the siblings themselves (they are this repository's own code), resolved
with pip-compile (:func:`packyard.building.lock.compile_requirements`) against the configured
index.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from packyard.building.lock import compile_requirements
from packyard.building.siblings import siblings_from_repository
from packyard.inference.requirements import Inference
from packyard.repo import Repository


@dataclass(frozen=True)
class Pin:
    """One resolved distribution.

    Attributes:
        name: the PEP 503 normalized distribution name.
        version: the exact version pip-compile chose.
    """

    name: str
    version: str

    def requirement(self) -> str:
        """``name==version``."""
        return f"{self.name}=={self.version}"


def requirement_lines(repo: Repository, name: str) -> list[str]:
    """The PEP 508 requirements a package can pull: its dependencies, every extra's, and
    the dependencies of the siblings it needs; sibling packages themselves left out.

    Raises:
        PackyardError: the package cannot be read or its requirements inferred.
    """
    local, stale = siblings_from_repository(repo, name)
    # A sibling a stale pin names comes from the index as pinned: its requirement stays.
    siblings = {canonicalize_name(p.dist_name) for p in repo.packages.values()} - {
        canonicalize_name(pin.requirement.name) for pin in stale
    }
    table = repo.project_table(name)
    lines = list(table.get("dependencies", []))
    for extra in table.get("optional-dependencies", {}).values():
        lines += list(extra)
    for sibling in local:
        lines += list(repo.project_table(sibling).get("dependencies", []))
    kept = []
    for line in lines:
        try:
            if canonicalize_name(Requirement(line).name) in siblings:
                continue
        except InvalidRequirement:
            pass  # pip-compile reports it with its own message
        if line not in kept:
            kept.append(line)
    return kept


def resolve_pins(repo: Repository, name: str) -> list[Pin]:
    """Resolve a package's requirements (see :func:`requirement_lines`) to exact versions.

    Returns:
        The pins, sorted by name; empty when the package needs no third-party distribution.

    Raises:
        InferenceError: a distribution is not on the index (with the import that led to it).
        CommandFailed: pip-compile failed (conflicts, index unreachable).
    """
    lines = requirement_lines(repo, name)
    if not lines:
        return []
    inference = repo.inference(name)
    own = Inference(requirements=[r for r in inference.requirements if r.rule != "sibling"])
    text = compile_requirements(own, index_url=repo.config.index_url, extra_requirements=lines)
    return parse_pins(text)


def parse_pins(text: str) -> list[Pin]:
    """The ``name==version`` lines of a pip-compile output, sorted by name.

    >>> parse_pins("pyyaml==6.0.2\\n    # via demo\\nidna==3.10 ; python_version >= '3'\\n")
    [Pin(name='idna', version='3.10'), Pin(name='pyyaml', version='6.0.2')]
    """
    pins = {}
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or raw[:1].isspace() or line.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        specs = list(requirement.specifier)
        if requirement.url or len(specs) != 1 or specs[0].operator != "==":
            continue
        key = canonicalize_name(requirement.name)
        pins[key] = Pin(key, specs[0].version)
    return [pins[k] for k in sorted(pins)]
