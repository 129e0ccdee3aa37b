"""nox sessions: one set per package found in packages/, plus the repository's own.

Thin wiring only; the work is done by the ``packyard`` library (tooling/packyard/).

    nox -l                          list every session
    nox -s test_install-NAME [-- [--locked] [--no-cache] PYTEST-ARGS]
                                    assemble, build, check, install in a fresh venv, test;
                                    lint findings and a missing license as warnings
                                    (skipped when it passed with the same inputs;
                                    -- --no-cache runs it anyway)
    nox -s check-NAME               what a release checks (gates + test-install), no upload
    nox -t check                    every package's check
    nox -s requirements-NAME [-- --check]
                                    pin with pip-compile into the package's lock file
    nox -t test_install             every package's test-install
    nox -s docs-NAME [-- --execute] the package's documentation site in site/NAME/
    nox -s docs [-- --execute]      every package's site and the repository's, in site/
    nox -s licenses-NAME            the licenses of everything the package installs
    nox -s audit-NAME               pip-audit on the package's pinned dependencies
    nox -s lint-NAME                ruff check on the package's files
    nox -s tests                    packyard's own test suite
    nox -s lint                     ruff over the repository
"""

from __future__ import annotations

from pathlib import Path

import nox

from packyard import sessions

ROOT = Path(__file__).parent
nox.options.default_venv_backend = "uv|virtualenv"

for _name in sessions.package_names(ROOT):

    @nox.session(name=f"test_install-{_name}", python=False, tags=["test_install"])
    def _test_install(session: nox.Session, name: str = _name) -> None:
        """Assemble, build, check, install in a fresh venv and test the package."""
        sessions.test_install(session, ROOT, name)

    @nox.session(name=f"check-{_name}", python=False, tags=["check"])
    def _check(session: nox.Session, name: str = _name) -> None:
        """What a release checks: the gates and the test-install (no version, no upload)."""
        sessions.check(session, ROOT, name)

    @nox.session(name=f"requirements-{_name}", python=False, tags=["requirements"])
    def _requirements(session: nox.Session, name: str = _name) -> None:
        """Pin the requirements with pip-compile into the lock file (-- --check: is it stale?)."""
        sessions.requirements(session, ROOT, name)

    @nox.session(name=f"docs-{_name}", python=False, tags=["docs"])
    def _docs(session: nox.Session, name: str = _name) -> None:
        """The package's documentation site in site/NAME/ (-- --execute runs notebooks)."""
        sessions.docs_package(session, ROOT, name)

    @nox.session(name=f"licenses-{_name}", python=False, tags=["licenses", "gates"])
    def _licenses(session: nox.Session, name: str = _name) -> None:
        """Every distribution the package installs has an allowed license."""
        sessions.gate(session, ROOT, name, "licenses")

    @nox.session(name=f"audit-{_name}", python=False, tags=["audit", "gates"])
    def _audit(session: nox.Session, name: str = _name) -> None:
        """pip-audit on the pinned dependencies; fails when anything was not audited."""
        sessions.gate(session, ROOT, name, "audit")

    @nox.session(name=f"lint-{_name}", python=False, tags=["lint", "gates"])
    def _lint(session: nox.Session, name: str = _name) -> None:
        """ruff check on the package's files."""
        sessions.gate(session, ROOT, name, "lint")


@nox.session(python=False)
def docs(session: nox.Session) -> None:
    """Every package's site, then the repository's site in site/ linking them all."""
    sessions.docs(session, ROOT)


@nox.session
def tests(session: nox.Session) -> None:
    """packyard's own test suite."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
