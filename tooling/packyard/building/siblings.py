"""Sibling requirements of a release: the repository's own distributions a package needs.

A package that imports a sibling (``tripcost`` imports ``unitconv``) requires its
distribution (``unitconv>=0.1.0``). A release of the package is only installable when the
index it goes to already has a sibling version that satisfies the requirement, so:

- :func:`release_order` puts the siblings named in one run before the packages that need
  them (``invoke release "tripcost unitconv"`` releases ``unitconv`` first);
- :func:`check_siblings` stops a package before anything is built or uploaded when the
  target index lacks a sibling, naming it and saying to release it first;
- :func:`verify_requirements` lists what the verification install takes from the target
  index only (never from a public index, which may hold an unrelated project of the same
  name, see :func:`packyard.release.publish.verify_install`).

The sibling rule: a sibling requirement that the repository's version of the sibling
satisfies is tested against the repository's code (test-install builds the sibling's
wheel and installs it); one that excludes it is a *stale pin*
(:meth:`Repository.stale_pins`): the sibling is installed as pinned from the configured
index, with a warning naming the pin, the repository's version and how to update the pin,
and a release checks that the target index has the pinned version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from packyard.errors import PackyardError, ReleaseError
from packyard.package.pins import StalePin, excludes, without_stale
from packyard.repo import Repository


def release_order(repo: Repository, names: Sequence[str]) -> list[str]:
    """``names`` reordered so that each comes after the siblings it needs that are also
    named (:meth:`Repository.sibling_closure`); otherwise in the order given. A name
    that is not a package, or whose siblings cannot be worked out, keeps its place (its
    release reports the error).

    Args:
        repo: the repository.
        names: package names (import or distribution names), without duplicates.

    Returns:
        The same names, siblings first.
    """
    by_import: dict[str, str] = {}
    for name in names:
        try:
            by_import.setdefault(repo.package(name).name, name)
        except PackyardError:
            continue
    ordered: list[str] = []
    visiting: set[str] = set()

    def add(name: str) -> None:
        if name in ordered or name in visiting:
            return
        visiting.add(name)
        try:
            closure = repo.sibling_closure(name) if name in by_import.values() else []
        except PackyardError:
            closure = []
        for sibling in closure:
            if sibling in by_import:
                add(by_import[sibling])
        ordered.append(name)

    for name in names:
        add(name)
    return ordered


def siblings_from_repository(
    repo: Repository, name: str, order: Sequence[str] | None = None
) -> tuple[list[str], list[StalePin]]:
    """The siblings a package is built, installed and resolved with from the repository's
    code, and the stale pins whose siblings come from the index as pinned instead.

    Args:
        repo: the repository.
        name: the package.
        order: the siblings needed, each after those it needs; the package's
            :meth:`Repository.sibling_closure` when None.

    Returns:
        ``(order without the stale-pinned siblings, the stale pins)``.

    Raises:
        PackyardError: a package cannot be read, its requirements inferred, or a sibling
            cycle.
    """
    order = list(repo.sibling_closure(name) if order is None else order)
    return without_stale(repo.package(name).name, order, repo.stale_pins)


def verify_requirements(repo: Repository, name: str) -> list[str]:
    """What the verification install takes from the release index only: the direct
    sibling requirements (with their specifiers), then every other sibling the package
    needs through them (by name).

    Raises:
        PackyardError: as in :meth:`Repository.sibling_requirements`, or a sibling cycle.
    """
    direct = repo.sibling_requirements(name)
    have = {canonicalize_name(r.name) for r in direct}
    texts = [str(r) for r in direct]
    for sibling in repo.sibling_closure(name):
        dist = repo.package(sibling).dist_name
        if canonicalize_name(dist) not in have:
            have.add(canonicalize_name(dist))
            texts.append(dist)
    return texts


def satisfying(requirement: Requirement, versions: Iterable[Version]) -> list[Version]:
    """The versions that satisfy ``requirement``'s specifier, as pip picks them
    (pre-releases only when nothing else does), sorted ascending.

    >>> [str(v) for v in satisfying(Requirement("u>=0.2"), map(Version, ["0.1", "0.2", "1.0"]))]
    ['0.2', '1.0']
    """
    return sorted(requirement.specifier.filter(sorted(set(versions))))


def check_siblings(
    dist_name: str,
    requirements: Sequence[Requirement],
    versions_on_index: Callable[[str], Iterable[Version]],
    *,
    where: str,
    repository: str,
    planned: Mapping[str, Version] | None = None,
    failed: Mapping[str, str] | None = None,
    repo_versions: Mapping[str, Version] | None = None,
) -> None:
    """Check that the target index can satisfy every sibling requirement of a release.

    Args:
        dist_name: the distribution being released.
        requirements: its sibling requirements (:func:`sibling_requirements`).
        versions_on_index: a distribution name -> the versions the target index holds.
        where: the index, for the message.
        repository: the repository's name, for the hint.
        planned: PEP 503 name -> version planned earlier in this run (a dry run, where
            nothing was uploaded); counts as on the index.
        failed: PEP 503 name -> why its release failed earlier in this run.
        repo_versions: PEP 503 name -> the sibling's version in the repository; a
            requirement that excludes it is a stale pin, and the hint says to publish the
            pinned version or update the pin (not to release the repository's version).

    Raises:
        ReleaseError: a sibling has no satisfying version there; the message names it
            and the hint says to release it first (or, for a stale pin, to publish the
            pinned version or update the pin).
    """
    planned = planned or {}
    failed = failed or {}
    repo_versions = repo_versions or {}
    for requirement in requirements:
        key = canonicalize_name(requirement.name)
        versions = list(versions_on_index(requirement.name))
        if key in planned:
            versions.append(planned[key])
        if satisfying(requirement, versions):
            continue
        has = ", ".join(str(v) for v in sorted(set(versions))) or "none"
        why = f"; its release failed earlier in this run: {failed[key]}" if key in failed else ""
        mine = repo_versions.get(key)
        if mine is not None and excludes(requirement, str(mine)):
            raise ReleaseError(
                f"{dist_name} pins its sibling {requirement}, which excludes the "
                f"repository's {requirement.name} {mine}, and the index {where} has no "
                f"version that satisfies the pin (it has: {has})",
                hint=f"publish the pinned {requirement.name} version to {repository!r}, or "
                f"update the pin to the repository's version (e.g. {requirement.name}>={mine}) "
                f"and release {requirement.name} first",
            )
        raise ReleaseError(
            f"{dist_name} needs its sibling {requirement} and the index {where} has no "
            f"{requirement.name} version that satisfies it (it has: {has}){why}",
            hint=f"release {requirement.name} to {repository!r} first: invoke release "
            f"{requirement.name} --repository {repository} (or both in one run, which "
            f'releases siblings first: invoke release "{requirement.name} '
            f'{dist_name}" --repository {repository})',
        )
