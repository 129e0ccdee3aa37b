"""Warnings a test-install prints without failing: what a release would refuse or regret.

``lint``     the lint gate's findings (:mod:`packyard.gates.lint`): ``invoke release`` stops
             on them, so the test-install shows them early
``license``  a package that declares no license (no ``license`` field, no ``LICENSE*`` file
             in its folder, no ``License ::`` classifier): twine accepts it, users cannot
             tell whether they may use it
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


def test_install_warnings(repo: Repository, name: str) -> list[str]:
    """What the test-install warns about for a package: lint findings (``file:line:col:
    CODE message``, see :func:`packyard.gates.lint.check_lint`) and a missing license.

    Raises:
        GateError: ruff is not installed.
        PackyardError: the package cannot be read.
    """
    from packyard.gates.lint import check_lint

    found = [f"lint: {problem}" for problem in check_lint(repo, name).problems]
    missing = license_warning(repo, name)
    return [*found, *([missing] if missing else [])]


test_install_warnings.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
