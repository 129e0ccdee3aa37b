"""Quality gates: per-package checks that run as nox sessions and before a release.

``licenses``  every distribution the package installs has an allowed license
              (:mod:`packyard.gates.licenses`)
``audit``     pip-audit finds no known vulnerability, and every distribution was looked
              up (:mod:`packyard.gates.audit`)
``lint``      ``ruff check`` on the package's files (:mod:`packyard.gates.lint`)

Each gate returns a :class:`GateReport`; :func:`run_gates` runs several and raises one
:class:`~packyard.errors.GateError` naming every failure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from packyard.config import RepoConfig
from packyard.errors import GateError
from packyard.gates.report import GateReport
from packyard.repo import Repository

Progress = Callable[[str], None]

#: The gates, in the order they run.
GATES = ("lint", "licenses", "audit")


def run_gate(repo: Repository, name: str, gate: str) -> GateReport:
    """Run one gate for one package.

    Args:
        repo: the repository.
        name: the package (import or distribution name).
        gate: ``licenses``, ``audit`` or ``lint``.

    Returns:
        The report (check ``ok``); a gate that fails does not raise.

    Raises:
        GateError: an unknown gate, or ruff missing.
        ConfigError: the gate's settings are malformed.
        PackyardError: the package cannot be read or its requirements resolved.
    """
    if gate == "licenses":
        from packyard.gates.licenses import check_licenses

        return check_licenses(repo, name)
    if gate == "audit":
        from packyard.gates.audit import check_audit

        return check_audit(repo, name)
    if gate == "lint":
        from packyard.gates.lint import check_lint

        return check_lint(repo, name)
    raise GateError(f"unknown gate {gate!r}", hint=f"gates: {', '.join(GATES)}")


def release_gates(config: RepoConfig) -> tuple[str, ...]:
    """The gates ``invoke release`` runs: ``lint`` and ``licenses``, plus ``audit`` when
    ``[tool.packyard] audit = true``.

    Raises:
        ConfigError: ``audit`` is not a boolean.
    """
    from packyard.gates.audit import audit_enabled

    return ("lint", "licenses", "audit") if audit_enabled(config) else ("lint", "licenses")


def run_gates(
    repo: Repository,
    name: str,
    gates: Sequence[str] | None = None,
    *,
    progress: Progress = print,
) -> list[GateReport]:
    """Run several gates for one package, all of them even when one fails.

    Args:
        repo: the repository.
        name: the package.
        gates: which gates; :func:`release_gates` when None.
        progress: called with each report's lines and summary.

    Returns:
        The reports, all passed.

    Raises:
        GateError: a gate failed; the message lists every problem of every failed gate.
        PackyardError: a gate could not run (see :func:`run_gate`).
    """
    chosen = tuple(gates) if gates is not None else release_gates(repo.config)
    reports = []
    for gate in chosen:
        progress(f"[{gate}] {name}")
        report = run_gate(repo, name, gate)
        for line in report.lines:
            progress(f"  {line}")
        progress(report.summary())
        reports.append(report)
    failed = [r for r in reports if not r.ok]
    if failed:
        package = failed[0].package
        raise GateError(
            f"{package}: quality gate{'s' if len(failed) > 1 else ''} failed: "
            + ", ".join(r.gate for r in failed)
            + "".join(f"\n  {r.gate}: {p}" for r in failed for p in r.problems),
            hint="fix the problems above; nox -s GATE-NAME runs one gate alone",
        )
    return reports


__all__ = ["GATES", "GateReport", "release_gates", "run_gate", "run_gates"]
