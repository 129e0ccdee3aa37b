"""The ``licenses-NAME`` gate: every distribution a package installs, with an allowed license.

The pinned set (:mod:`packyard.gates.resolve`) is downloaded without dependencies (``pip
download --no-deps`` from the configured index) and each file's license is read
(:mod:`packyard.gates.license_metadata`): the override, ``License-Expression``, ``License``,
then the ``License ::`` trove classifiers.

The expression is then compared with ``[tool.packyard] allowed-licenses``
(:mod:`packyard.gates.license_policy`). A distribution whose license cannot be read is
*unknown*, and fails the gate: it is listed with the text found, and the hint names the
override to add once someone has checked it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from packyard.gates.license_metadata import download, license_of, read_metadata
from packyard.gates.license_policy import (
    allowed_licenses,
    is_allowed,
    license_overrides,
    not_allowed,
)
from packyard.gates.report import GateReport
from packyard.gates.resolve import Pin, resolve_pins
from packyard.repo import Repository


@dataclass(frozen=True)
class LicenseFinding:
    """The license of one distribution.

    Attributes:
        name: the normalized distribution name.
        version: its version.
        expression: the SPDX expression, or None when unknown.
        source: where it came from: ``override``, ``License-Expression``, ``License``,
            ``classifiers`` or ``none``.
        raw: the text found (for an unknown license, what a person should look at).
        verdict: ``allowed``, ``not allowed`` or ``unknown``.
    """

    name: str
    version: str
    expression: str | None
    source: str
    raw: str
    verdict: str


def check_licenses(repo: Repository, name: str) -> GateReport:
    """Run the license gate for one package.

    Returns:
        The report: one line per distribution (name, version, license, source, verdict);
        not ``ok`` when a license is not allowed or unknown.

    Raises:
        ConfigError: ``allowed-licenses`` or ``license-overrides`` is malformed.
        InferenceError, CommandFailed: the requirements could not be resolved or
            downloaded.
    """
    package = repo.package(name)
    allowed = allowed_licenses(repo.config)
    overrides = license_overrides(repo.config)
    report = GateReport(gate="licenses", package=package.name)
    pins = resolve_pins(repo, package.name)
    if not pins:
        report.lines.append(f"{package.dist_name} needs no third-party distribution")
        return report
    with tempfile.TemporaryDirectory(prefix="packyard-licenses-") as scratch:
        files = download(pins, repo.config.index_url, Path(scratch))
        findings = [_finding(pin, files.get(pin.name), overrides, allowed) for pin in pins]
    settings = repo.config.root / "pyproject.toml"
    width = max(len(f"{f.name} {f.version}") for f in findings)
    for finding in findings:
        label = f"{finding.name} {finding.version}"
        shown = finding.expression or f"unknown ({finding.raw or 'no license metadata'})"
        report.lines.append(f"{label:<{width}}  {finding.verdict:<11}  {shown}  [{finding.source}]")
        if finding.verdict == "not allowed":
            missing = ", ".join(f'"{i}"' for i in not_allowed(finding.expression or "", allowed))
            report.problems.append(
                f"{label}: {finding.expression} is not in allowed-licenses ({finding.source}); "
                f"if your project accepts it, add {missing} to [tool.packyard] "
                f"allowed-licenses in {settings}, or set [tool.packyard.license-overrides] "
                f'"{finding.name}" = "<SPDX>" there when its metadata is wrong'
            )
        elif finding.verdict == "unknown":
            report.problems.append(
                f"{label}: license unknown (found: {finding.raw or 'nothing'}); once checked, "
                f'add "{finding.name}" = "<SPDX>" to [tool.packyard.license-overrides] '
                f"in {settings}"
            )
    report.data = {"findings": [f.__dict__ for f in findings], "allowed": sorted(allowed)}
    return report


def _finding(
    pin: Pin, file: Path | None, overrides: dict[str, str], allowed: set[str]
) -> LicenseFinding:
    if file is None and pin.name not in overrides:
        return LicenseFinding(pin.name, pin.version, None, "none", "not downloaded", "unknown")
    metadata: Any = read_metadata(file) if file is not None else Message()
    expression, source, raw = license_of(metadata, overrides.get(pin.name))
    if expression is None:
        verdict = "unknown"
    else:
        verdict = "allowed" if is_allowed(expression, allowed) else "not allowed"
    return LicenseFinding(pin.name, pin.version, expression, source, raw, verdict)
