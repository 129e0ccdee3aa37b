"""What the nox sessions of ``noxfile.py`` call: each takes the nox session (for logging
and failing) and the repository root, and runs a packyard pipeline.

A :class:`~packyard.errors.PackyardError` becomes ``session.error(message)``, so nox shows
the message (file, line, hint, tail of output) and exits non-zero.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from packyard.errors import PackyardError

if TYPE_CHECKING:  # imported where used: nox -l needs only the package names
    from packyard.repo import Repository

T = TypeVar("T")


def package_names(root: Path) -> list[str]:
    """The import names of the repository's packages, for registering sessions.

    A broken ``packages/`` folder (invalid name, shadowed module...) is reported on
    standard error and exits with status 1: nox would otherwise list no package sessions
    and leave the user to guess why.
    """
    from packyard.config import load_config
    from packyard.discovery import discover, get_package

    try:
        packages = discover(load_config(root))
        names = list(packages)
        for requested in requested_sessions(sys.argv[1:]):
            prefix, _, package = requested.partition("-")
            if prefix in PER_PACKAGE and package:
                get_package(packages, package)  # raises, listing the packages there are
    except PackyardError as exc:
        print(f"packyard: error: {exc.render()}", file=sys.stderr)
        raise SystemExit(1) from None
    return names


#: The per-package session prefixes (``PREFIX-NAME``).
PER_PACKAGE = ("test_install", "requirements", "docs", "licenses", "audit", "lint")


def requested_sessions(argv: list[str]) -> list[str]:
    """The session names given to nox with ``-s``/``--session``/``--sessions``/``-e``.

    >>> requested_sessions(["-s", "test_install-a", "lint", "-r", "--session=docs-b"])
    ['test_install-a', 'lint', 'docs-b']
    """
    found: list[str] = []
    taking = False
    for arg in argv:
        if arg in ("-s", "-e", "--session", "--sessions"):
            taking = True
            continue
        if arg.startswith(("--session=", "--sessions=")):
            found.append(arg.split("=", 1)[1])
            continue
        if arg.startswith("-"):
            taking = False
            continue
        if taking:
            found.append(arg)
    return found


@contextmanager
def _errors_fail(session: Any) -> Iterator[None]:
    try:
        yield
    except PackyardError as exc:
        session.error(exc.render())


def _call(session: Any, func: Callable[[], T]) -> T | None:
    with _errors_fail(session):
        return func()
    return None  # pragma: no cover - session.error raises


def test_install(session: Any, root: Path, name: str) -> None:
    """The ``test_install-NAME`` session: see :func:`packyard.testinstall.test_install`.
    With the result cache (see :mod:`packyard.resultcache`); ``-- --no-cache`` or
    ``PACKYARD_NO_CACHE=1`` runs it anyway."""
    from packyard.repo import Repository
    from packyard.testinstall import test_install as run_pipeline

    unknown = [arg for arg in session.posargs if arg != "--no-cache"]
    if unknown:
        session.error(f"unknown argument {unknown[0]!r}: test_install takes only --no-cache")
    use_cache = "--no-cache" not in session.posargs
    _call(
        session,
        lambda: run_pipeline(
            Repository.open(root), name, progress=session.log, use_cache=use_cache
        ),
    )


def sibling_wheels(repo: Repository, name: str, progress: Callable[[str], None]) -> dict[str, Path]:
    """Build the wheels of the sibling packages ``name`` needs (transitively).

    Returns:
        Distribution name -> wheel file, in dependency order.
    """
    from packyard.testinstall import build_and_check

    wheels = {}
    for sibling in repo.sibling_closure(name):
        _, artifacts, _ = build_and_check(repo, sibling, progress=progress)
        wheels[repo.package(sibling).dist_name] = artifacts.wheel
    return wheels


def requirements(session: Any, root: Path, name: str) -> None:
    """The ``requirements-NAME`` session: the inferred requirements, then the pinned set
    pip-compile resolves them to against the configured index."""
    from packyard.extras import with_extra
    from packyard.inference import Inference
    from packyard.lock import compile_requirements
    from packyard.repo import Repository

    def work() -> None:
        repo = Repository.open(root)
        core = repo.inference(name)
        extras = repo.extra_inferences(name)
        # Core, optional and every extra's requirements resolve together: one pinned set
        # in which all of them fit.
        rows = [(r, r.pep508()) for r in core.requirements]
        rows += [
            (r, with_extra(r.requirement, extra) if not r.optional else r.pep508())
            for extra, found in extras.items()
            for r in found.requirements
        ]
        warnings = [*core.warnings, *(w for found in extras.values() for w in found.warnings)]
        for warning in warnings:
            session.warn(warning)
        session.log("inferred:")
        for requirement, line in rows:
            where = ", ".join(requirement.locations[:2])
            session.log(f"  {line:<40} {requirement.rule:<16} {where}")
        merged: dict[str, Any] = {}
        for requirement, _ in rows:
            merged.setdefault(requirement.key, requirement)
        pinned = compile_requirements(
            Inference(requirements=list(merged.values())),
            index_url=repo.config.index_url,
            local_wheels=sibling_wheels(repo, name, progress=session.log),
        )
        session.log("pinned:")
        print(pinned, end="")

    _call(session, work)


def _docs_execute(session: Any) -> bool:
    """``--execute`` from the session's arguments (``nox -s docs-NAME -- --execute``)."""
    unknown = [arg for arg in session.posargs if arg != "--execute"]
    if unknown:
        session.error(f"unknown argument {unknown[0]!r}: the docs sessions take only --execute")
    return "--execute" in session.posargs


def docs_package(session: Any, root: Path, name: str) -> None:
    """The ``docs-NAME`` session: the package's site in ``site/NAME/`` (see
    :func:`packyard.docsite.build_package_site`); ``-- --execute`` runs its notebooks."""
    from packyard.docsite import build_package_site
    from packyard.repo import Repository

    execute = _docs_execute(session)
    _call(
        session,
        lambda: build_package_site(
            Repository.open(root), name, execute=execute, progress=session.log
        ),
    )


def docs(session: Any, root: Path) -> None:
    """The ``docs`` session: every package's site, then the repository's site in ``site/``
    (see :func:`packyard.docsite.build_all`); ``-- --execute`` runs the notebooks."""
    from packyard.docsite import build_all
    from packyard.repo import Repository

    execute = _docs_execute(session)
    _call(
        session,
        lambda: build_all(Repository.open(root), execute=execute, progress=session.log),
    )


def gate(session: Any, root: Path, name: str, which: str) -> None:
    """The ``licenses-NAME``, ``audit-NAME`` and ``lint-NAME`` sessions: one quality gate
    (see :mod:`packyard.gates`); its lines are logged, its problems fail the session."""
    from packyard.gates import run_gates
    from packyard.repo import Repository

    _call(session, lambda: run_gates(Repository.open(root), name, [which], progress=session.log))
