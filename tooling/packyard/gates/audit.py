"""The ``audit-NAME`` gate: pip-audit on the pinned set a package installs.

pip-audit reads the pins (``--no-deps --disable-pip``: nothing is installed) and asks a
vulnerability service about each: PyPI's JSON API (``audit-service = "pypi"``, the
default) or an OSV API (``audit-service = "osv"``, at ``audit-url`` when set). The gate
fails when

- a pinned version has a known vulnerability (listed with its IDs and fixed versions);
- the service could not be reached, or answered with an error: the set is *not audited*;
- a dependency could not be looked up (pip-audit "skips" it and would exit 0): that
  dependency is *not audited*.

A pass therefore means every pinned distribution was looked up and none has a known
vulnerability.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from packyard.building.venvs import clean_env
from packyard.config import RepoConfig
from packyard.errors import CommandFailed, ConfigError, tail_lines
from packyard.gates.report import GateReport
from packyard.gates.resolve import Pin, resolve_pins
from packyard.proc import run
from packyard.repo import Repository

SERVICES = ("pypi", "osv")


def audit_settings(config: RepoConfig) -> tuple[str, str | None]:
    """``(service, OSV URL or None)`` from ``[tool.packyard] audit-service`` and
    ``audit-url``.

    Raises:
        ConfigError: an unknown service, or a URL that is not http(s).
    """
    path = config.root / "pyproject.toml"
    service = config.raw.get("audit-service", "pypi")
    if service not in SERVICES:
        raise ConfigError(
            f"[tool.packyard] audit-service must be one of {', '.join(SERVICES)}, not {service!r}",
            path=path,
        )
    url = config.raw.get("audit-url")
    if url is not None and (
        not isinstance(url, str) or not url.startswith(("http://", "https://"))
    ):
        raise ConfigError(
            "[tool.packyard] audit-url must be an http(s) URL of an OSV query API",
            path=path,
            hint='e.g. audit-url = "https://api.osv.dev/v1/query"',
        )
    if url is not None and service != "osv":
        raise ConfigError(
            '[tool.packyard] audit-url is only used with audit-service = "osv"',
            path=path,
            hint='add audit-service = "osv", or remove audit-url',
        )
    return service, url


def audit_enabled(config: RepoConfig) -> bool:
    """Whether ``invoke release`` runs the audit: ``[tool.packyard] audit = true``.

    Raises:
        ConfigError: the value is not a boolean.
    """
    value = config.raw.get("audit", False)
    if not isinstance(value, bool):
        raise ConfigError(
            "[tool.packyard] audit must be true or false", path=config.root / "pyproject.toml"
        )
    return value


def run_pip_audit(
    pins: list[Pin],
    *,
    service: str,
    osv_url: str | None,
    cache_dir: Path,
    timeout: float = 30,
) -> tuple[dict[str, Any] | None, str]:
    """Run pip-audit on exact pins.

    Args:
        pins: the distributions and versions.
        service: ``pypi`` or ``osv``.
        osv_url: the OSV query URL (``osv`` only); pip-audit's default when None.
        cache_dir: pip-audit's HTTP cache.
        timeout: seconds pip-audit waits for each answer.

    Returns:
        ``(pip-audit's JSON report or None, its output)``: None when it wrote no report
        (the service could not be reached, or pip-audit failed).
    """
    with tempfile.TemporaryDirectory(prefix="packyard-audit-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text("".join(f"{p.requirement()}\n" for p in pins), encoding="utf-8")
        report = Path(scratch) / "audit.json"
        args = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            requirements,
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--output",
            report,
            "--progress-spinner",
            "off",
            "--cache-dir",
            cache_dir,
            "--timeout",
            str(int(timeout)),
            "--vulnerability-service",
            service,
        ]
        if osv_url:
            args += ["--osv-url", osv_url]
        try:
            output = run(args, step="audit", env=clean_env(), timeout=timeout * (len(pins) + 4))
        except CommandFailed as failure:
            output = failure.output
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
    return data, output


def check_audit(repo: Repository, name: str) -> GateReport:
    """Run the audit gate for one package.

    Returns:
        The report: one line per distribution; not ``ok`` when a vulnerability is known
        or anything was not audited.

    Raises:
        ConfigError: ``audit-service`` or ``audit-url`` is malformed.
        InferenceError, CommandFailed: the requirements could not be resolved.
    """
    package = repo.package(name)
    service, osv_url = audit_settings(repo.config)
    report = GateReport(gate="audit", package=package.name)
    pins = resolve_pins(repo, package.name)
    if not pins:
        report.lines.append(f"{package.dist_name} needs no third-party distribution")
        return report
    where = osv_url or service
    data, output = run_pip_audit(
        pins,
        service=service,
        osv_url=osv_url,
        cache_dir=repo.config.state_dir / "cache" / "pip-audit",
    )
    if data is None:
        reason = _reason(output)
        report.problems.append(
            f"not audited: pip-audit could not query the vulnerability service ({where}): {reason}"
        )
        report.lines += [f"{p.name} {p.version}  not audited" for p in pins]
        report.data = {"service": service, "url": osv_url, "audited": False, "reason": reason}
        return report
    entries = {str(d.get("name", "")).lower(): d for d in data.get("dependencies", [])}
    for pin in pins:
        entry = entries.get(pin.name)
        label = f"{pin.name} {pin.version}"
        if entry is None:
            report.lines.append(f"{label}  not audited")
            report.problems.append(f"not audited: {label}: pip-audit did not report on it")
        elif entry.get("skip_reason"):
            report.lines.append(f"{label}  not audited")
            report.problems.append(f"not audited: {label}: {entry['skip_reason']}")
        elif entry.get("vulns"):
            ids = []
            for vuln in entry["vulns"]:
                fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
                aliases = [a for a in vuln.get("aliases") or [] if a != vuln.get("id")]
                ids.append(f"{vuln.get('id')}" + (f" ({', '.join(aliases)})" if aliases else ""))
                report.problems.append(
                    f"{label}: {vuln.get('id')}: {_short(vuln.get('description'))} "
                    f"(fixed in: {fixes})"
                )
            report.lines.append(f"{label}  VULNERABLE: {', '.join(ids)}")
        else:
            report.lines.append(f"{label}  no known vulnerability")
    report.data = {"service": service, "url": osv_url, "audited": True, "pip-audit": data}
    return report


def _short(text: Any, limit: int = 120) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reason(output: str) -> str:
    """The most telling line of a failed pip-audit run."""
    lines = tail_lines(output, 40)
    for marker in ("ConnectionError", "Could not connect", "ServiceError", "HTTPError", "Error"):
        for line in reversed(lines):
            if marker in line:
                return _short(line.strip(), 300)
    return _short(lines[-1].strip(), 300) if lines else "no output"
