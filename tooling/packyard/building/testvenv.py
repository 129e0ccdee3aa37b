"""What a package's test venv gets besides its wheel, and making that venv.

The siblings built from the repository (each after those it needs; a stale-pinned one
comes from the index instead), pytest, the tests' needs and the package's own third-party
requirements with every extra, each distribution once: all known before the wheel exists,
so the venv is made while the wheel builds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packyard.building.venvs import Venv, create_venv
from packyard.inference.requirements import Inference, InferredRequirement
from packyard.package.resolved import ResolvedPackage


@dataclass(frozen=True)
class _Needs:
    needs: list[InferredRequirement]  # every inferred requirement, siblings included
    requirements: list[str]  # PEP 508: pytest, the tests' needs, third-party ones
    test_requirements: list[str]  # PEP 508: the tests' own third-party needs


def plan_needs(resolved: ResolvedPackage) -> _Needs:
    """Everything a package's test venv needs besides its wheel, known before the wheel exists.

    Args:
        resolved: the package (see :meth:`packyard.repo.Repository.resolve`).

    Returns:
        Every inferred requirement (the tests', the core's and every extra's, siblings
        included), the PEP 508 lines to install (pytest, the tests' needs and the
        third-party requirements, each distribution once: :func:`unique_requirements`) and
        the tests' own third-party lines. The siblings and stale pins are the resolved
        package's (``resolved.siblings``, ``resolved.stale``).
    """
    test_needs = resolved.test_inference or Inference([])
    # The tests' optional imports (try: import hypothesis...) are installed too.
    needs = [*test_needs.requirements, *resolved.inference.requirements]
    for extra in resolved.extra_inferences.values():
        needs += extra.requirements
    third_party = [str(r.requirement) for r in needs if r.rule != "sibling"]
    tests_only = [str(r.requirement) for r in test_needs.requirements if r.rule != "sibling"]
    return _Needs(
        needs=needs,
        requirements=unique_requirements(["pytest", *third_party]),
        test_requirements=tests_only,
    )


def install_needs(resolved: ResolvedPackage) -> tuple[list[str], list[str]]:
    """What a package's test venv gets besides its wheel.

    Args:
        resolved: the package (see :meth:`packyard.repo.Repository.resolve`).

    Returns:
        The siblings built from the repository (import names, each after those it needs;
        a stale-pinned sibling comes from the index instead, see
        :mod:`packyard.building.siblings`), and the PEP 508 requirements known before the
        wheel exists: pytest, the tests' needs (their optional imports too) and the
        package's own third-party requirements with every extra. These go into the venv
        while the wheel builds.
    """
    return [s.name for s in resolved.siblings], plan_needs(resolved).requirements


def prepare_venv(path: Path, requirements: list[str], index_url: str) -> tuple[Venv, float]:
    """Create a fresh venv and install ``requirements`` into it (runs in a worker thread);
    returns it and the seconds it took."""
    start = time.perf_counter()
    venv = create_venv(path)
    venv.install(requirements, index_url=index_url)
    return venv, time.perf_counter() - start


def unique_requirements(requirements: Sequence[str]) -> list[str]:
    """PEP 508 requirements without repeats of a distribution (PEP 503 names): a later
    line with a specifier or marker replaces a bare earlier one, so ``pytest`` and the
    tests' ``pytest>=8`` install once.

    >>> unique_requirements(["pytest", "PyYAML", "pytest>=8", "pyyaml"])
    ['pytest>=8', 'PyYAML']
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    def bare(line: str) -> bool:
        parsed = Requirement(line)
        return not (parsed.specifier or parsed.marker or parsed.extras or parsed.url)

    chosen: dict[str, str] = {}
    for line in requirements:
        key = canonicalize_name(Requirement(line).name)
        if key not in chosen or (bare(chosen[key]) and not bare(line)):
            chosen[key] = line
    return list(chosen.values())
