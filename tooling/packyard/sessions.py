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
    """The names of the repository's packages, for registering sessions: the good ones and
    the broken entries (see :class:`packyard.package.discovery.Broken`), whose sessions fail with
    their error, so one bad file never hides the other packages' sessions. Listing the
    sessions (``nox -l``) names each broken entry and its error on standard error.

    A repository that cannot be read at all (no configuration, no packages folder) is
    reported on standard error and exits with status 1: nox would otherwise list no
    package sessions and leave the user to guess why; so is a requested per-package
    session whose package does not exist (the message lists those there are).
    """
    from packyard.config import load_config
    from packyard.package.discovery import get_package, raise_no_packages, survey

    try:
        config = load_config(root)
        found = survey(config)  # no Repository: nox -l stays quick
        if not found.packages and not found.broken:
            raise_no_packages(config.packages_dir)
        names = sorted({*found.packages, *found.broken})
        if {"-l", "--list"} & set(sys.argv[1:]):
            for entry in found.broken.values():
                print(
                    f"packyard: broken: {entry.error.render().splitlines()[0]} "
                    f"(nox -s test_install-{entry.name} shows the fix)",
                    file=sys.stderr,
                )
        for requested in requested_sessions(sys.argv[1:]):
            prefix, _, package = requested.partition("-")
            if prefix in PER_PACKAGE and package and package not in found.broken:
                get_package(found.packages, package)  # raises, listing the packages there are
    except PackyardError as exc:
        print(f"packyard: error: {exc.render()}", file=sys.stderr)
        raise SystemExit(1) from None
    return names


#: The per-package session prefixes (``PREFIX-NAME``).
PER_PACKAGE = ("test_install", "check", "requirements", "docs", "licenses", "audit", "lint")


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
    """The ``test_install-NAME`` session: the lint gate's findings and a missing license as
    warnings (see :mod:`packyard.gates.advice`), then
    :func:`packyard.building.testinstall.test_install`.
    The arguments after ``--`` go to pytest, but for packyard's own (``--locked``, see
    :mod:`packyard.building.testargs`)."""
    from packyard.errors import CommandFailed, GateError
    from packyard.gates.advice import test_install_warnings

    def work() -> None:
        from packyard.repo import Repository

        repo = Repository.open(root)
        try:
            warnings = test_install_warnings(repo, name)
        except (GateError, CommandFailed) as exc:  # ruff missing or misconfigured
            warnings = [f"the lint gate could not run: {exc.render()}"]
        for warning in warnings:
            session.warn(warning)
        _run_test_install(session, repo, name, cache=True)

    _call(session, work)


def _run_test_install(session: Any, repo: Repository, name: str, *, cache: bool) -> None:
    """Run the test-install with the session's arguments. The result cache (see
    :mod:`packyard.building.resultcache`) serves only a plain run (``cache``, no ``--no-cache``,
    no pytest arguments, not ``--locked``): a ``-k`` selection is no proof of the whole."""
    from packyard.building.testargs import split_test_args
    from packyard.building.testinstall import test_install as run_pipeline

    args = split_test_args(session.posargs)
    run_pipeline(
        repo.resolve(name),
        progress=session.log,
        pytest_args=args.pytest,
        locked=args.locked,
        use_cache=cache and not (args.no_cache or args.pytest or args.locked),
    )


def check(session: Any, root: Path, name: str) -> None:
    """The ``check-NAME`` session: everything ``invoke release`` checks, without choosing
    a version, uploading or recording anything: the release's quality gates (lint and
    licenses, and audit with ``audit = true``; see :func:`packyard.gates.release_gates`),
    then the test-install at the current version. A failed gate does not stop the
    test-install; the session fails at the end, naming every failure. The arguments after
    ``--`` are the test-install's."""
    from packyard.errors import GateError
    from packyard.gates import run_gates
    from packyard.repo import Repository

    def work() -> None:
        repo = Repository.open(root)
        failed = None
        try:
            run_gates(repo, name, progress=session.log)
        except GateError as exc:
            failed = exc
            session.warn(exc.render())
        _run_test_install(session, repo, name, cache=False)
        if failed is not None:
            raise failed

    _call(session, work)


def sibling_wheels(repo: Repository, name: str, progress: Callable[[str], None]) -> dict[str, Path]:
    """Build the wheels of the sibling packages ``name`` needs (transitively), except
    those a stale pin takes from the index (see :mod:`packyard.building.siblings`).

    Returns:
        Distribution name -> wheel file, in dependency order.
    """
    from packyard.building.siblings import siblings_from_repository
    from packyard.building.testinstall import build_and_check

    wheels = {}
    for sibling in siblings_from_repository(repo, name)[0]:
        _, artifacts, _ = build_and_check(repo.resolve(sibling, tests=False), progress=progress)
        wheels[repo.package(sibling).dist_name] = artifacts.wheel
    return wheels


def requirements(session: Any, root: Path, name: str) -> None:
    """The ``requirements-NAME`` session: the inferred requirements, resolved with
    pip-compile against the configured index and written to the package's lock file (see
    :mod:`packyard.building.lockfile`); ``-- --check`` only checks that the lock file is there and
    made from the current requirements (offline; for CI), and fails when it is stale."""
    from packyard.building.lockfile import check_lock, input_lines, lock_path, write_lock
    from packyard.repo import Repository

    unknown = [arg for arg in session.posargs if arg != "--check"]
    if unknown:
        session.error(f"unknown argument {unknown[0]!r}: the session takes only --check")

    def work() -> None:
        repo = Repository.open(root)
        path = lock_path(repo.package(name))
        relative = path.relative_to(repo.config.root)
        if "--check" in session.posargs:
            check_lock(path, input_lines(repo.inference(name), repo.extra_inferences(name)))
            session.log(f"{relative} is up to date")
            return
        warnings = [*repo.inference(name).warnings]
        for found in repo.extra_inferences(name).values():
            warnings += found.warnings
        for warning in warnings:
            session.warn(warning)
        session.log("inferred:")
        _, lock = write_lock(
            repo,
            name,
            local_wheels=sibling_wheels(repo, name, progress=session.log),
            progress=session.log,
        )
        for section, pins in lock.sections.items():
            session.log(f"pinned ({section}): " + (", ".join(pins) or "nothing"))
        session.log(f"wrote {relative}")

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
