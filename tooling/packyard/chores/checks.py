"""Whether a name can go to a new package; which packages there are, and which import one.

What a chore looks at before it changes anything: ``invoke new`` and a rename check the
new name (:func:`check_new_name`); a rename and a removal name the packages that import
the one they change.
"""

from __future__ import annotations

from packyard.errors import PackageError, PackyardError
from packyard.names import TEST_PREFIX, distribution_name, import_name_problem, suggest_name
from packyard.package.discovery import Package, survey
from packyard.repo import Repository
from packyard.stdlib import is_stdlib


def existing_packages(repo: Repository) -> dict[str, Package]:
    """The repository's good packages, by import name, read afresh; empty (not an error)
    when the packages folder is missing or holds no package yet. Broken entries (see
    :func:`packyard.package.discovery.survey`) are left out.
    """
    if not repo.config.packages_dir.is_dir():
        return {}
    return survey(repo.config).packages


def check_new_name(repo: Repository, name: str, *, replacing: str | None = None) -> None:
    """Check that ``name`` can be given to a new package (or to ``replacing`` in a rename).

    Args:
        repo: the repository.
        name: the wanted import name.
        replacing: the package being renamed (its own name does not count as taken).

    Raises:
        PackageError: the name is not a valid import name, is a keyword, shadows a
            standard-library module, starts with ``test_``, is used by another package
            (also as a PEP 503 distribution name), or a file or folder of that name is in
            the way.
    """
    folder = repo.config.packages_dir
    problem = import_name_problem(name)
    if problem:
        raise PackageError(
            f"invalid package name: {problem}",
            hint=f"use lowercase letters, digits and _, e.g. {suggest_name(name)!r}",
        )
    if is_stdlib(name):
        raise PackageError(
            f"{name!r} is the name of a standard-library module; the package would shadow it",
            hint=f"choose another name, e.g. {suggest_name(name)!r}",
        )
    if name.startswith(TEST_PREFIX):
        raise PackageError(
            f"package names may not start with {TEST_PREFIX!r}: packyard reads such files as tests",
            hint=f"e.g. {suggest_name(name)!r}",
        )
    wanted = distribution_name(name)
    for other in existing_packages(repo).values():
        if other.name == replacing:
            continue
        if other.name == name or other.dist_name == wanted:
            raise PackageError(
                f"the name {name!r} is taken: package {other.name!r} "
                f"(distribution {other.dist_name!r}) is at {other.path}",
                path=other.path,
                hint="choose another name, or rename or remove that package first",
            )
    for path in (folder / f"{name}.py", folder / name, folder / f"{TEST_PREFIX}{name}.py"):
        if path.exists() and replacing is None:
            raise PackageError(
                f"{path.name} is in the way of a package named {name!r}",
                path=path,
                hint="move or delete it first",
            )


def importers_of(repo: Repository, name: str) -> list[str]:
    """The packages that import package ``name`` (import names, in the order of
    :func:`existing_packages`), ``name`` itself left out.

    A package whose requirements cannot be inferred (a syntax error, an unreadable file:
    any :class:`~packyard.errors.PackyardError`) is skipped, not reported.
    """
    found = []
    for other in existing_packages(repo):
        if other == name:
            continue
        try:
            if name in repo.inference(other).siblings:
                found.append(other)
        except PackyardError:
            continue
    return found
