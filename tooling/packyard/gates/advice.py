"""Warnings a test-install prints without failing: what a release would refuse or regret.

``lint``     the lint gate's findings (:mod:`packyard.gates.lint`): ``invoke release`` stops
             on them, so the test-install shows them early
``license``  a package that declares no license (no ``license`` field, no ``LICENSE*`` file
             in its folder, no ``License ::`` classifier): twine accepts it, users cannot
             tell whether they may use it
``lock``     a committed lock file (``requirements.lock``) made from other requirements than
             the ones inferred now: ``-- --locked`` would refuse it, and what CI installs
             from it is no longer what the package imports
"""

from __future__ import annotations

from packyard.repo import Repository

#: How to give every package a license at once (the warning's hint).
DEFAULT_LICENSE_HINT = (
    'give it one with license = "MIT" (an SPDX expression) in its [tool.packyard] block '
    "(a single file) or its pyproject.toml [project] table (a folder), or give every "
    'package one in the root pyproject.toml: [tool.packyard] defaults = { license = "MIT" }'
)


def license_warning(repo: Repository, name: str) -> str | None:
    """A warning when a package declares no license, or None.

    Args:
        repo: the repository.
        name: the package.

    Returns:
        ``file: package 'NAME' declares no license; ...`` with the way to give one, or
        None when the package (or ``[tool.packyard] defaults``) gives a license.

    Raises:
        PackyardError: the package's metadata cannot be read.
    """
    package = repo.package(name)
    table = repo.project_table(name)
    classifiers = table.get("classifiers") or []
    if (
        table.get("license")
        or table.get("license-files")
        or any(str(c).startswith("License ::") for c in classifiers)
        or (package.form == "folder" and any(package.path.glob("LICENSE*")))
    ):
        return None
    where = package.path.relative_to(repo.config.root).as_posix()
    return f"{where}: package {package.name!r} declares no license; {DEFAULT_LICENSE_HINT}"


def lock_warning(repo: Repository, name: str) -> str | None:
    """A warning when a package's committed lock file is stale, or None (no lock file, or
    an up-to-date one). The check is offline: the lock's recorded inputs against the
    requirements inferred now (:func:`packyard.building.lockfile.check_lock`).

    Returns:
        ``file: the lock file is out of date: ... (+ added; - removed); regenerate it
        with nox -s requirements-NAME and commit it``, or None.

    Raises:
        PackyardError: the package cannot be read or its requirements inferred.
    """
    from packyard.building.lockfile import check_lock, input_lines, lock_path
    from packyard.errors import PackageError

    path = lock_path(repo.package(name))
    if not path.exists():
        return None
    try:
        check_lock(path, input_lines(repo.inference(name), repo.extra_inferences(name)))
    except PackageError as error:
        where = path.relative_to(repo.config.root).as_posix()
        return f"{where}: {error.message}; {error.hint}"
    return None


def test_install_warnings(repo: Repository, name: str) -> list[str]:
    """What the test-install warns about for a package: lint findings (``file:line:col:
    CODE message``, see :func:`packyard.gates.lint.check_lint`), a missing license and a
    stale lock file.

    Raises:
        GateError: ruff is not installed.
        PackyardError: the package cannot be read.
    """
    from packyard.gates.lint import check_lint

    found = [f"lint: {problem}" for problem in check_lint(repo, name).problems]
    others = [license_warning(repo, name), lock_warning(repo, name)]
    return [*found, *(warning for warning in others if warning)]


test_install_warnings.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
