"""The ``licenses-NAME`` gate: every distribution a package installs, with an allowed license.

The pinned set (:mod:`packyard.gates.resolve`) is downloaded without dependencies (``pip
download --no-deps`` from the configured index) and each file's metadata is read, in this
order:

1. ``[tool.packyard.license-overrides]`` for the distribution (the repository's word);
2. ``License-Expression`` (core metadata 2.4, an SPDX expression);
3. ``License``, when it is an SPDX expression or a well-known name (``MIT License``);
4. the ``License ::`` trove classifiers (several are alternatives: ``OR``).

The expression is then compared with ``[tool.packyard] allowed-licenses`` (SPDX
identifiers; :data:`DEFAULT_ALLOWED` when unset): ``A OR B`` passes when one side is
allowed, ``A AND B`` when both are, ``A WITH exception`` when ``A`` is. A distribution whose
license cannot be read is *unknown*, and fails the gate: it is listed with the text found,
and the hint names the override to add once someone has checked it.
"""

from __future__ import annotations

import re
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from packyard.building.venvs import clean_env
from packyard.config import RepoConfig
from packyard.errors import ConfigError
from packyard.gates.report import GateReport
from packyard.gates.resolve import Pin, resolve_pins
from packyard.proc import run
from packyard.repo import Repository

#: The licenses allowed when ``allowed-licenses`` is not set: common permissive ones.
DEFAULT_ALLOWED = (
    "0BSD",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "CC0-1.0",
    "HPND",
    "ISC",
    "MIT",
    "MIT-0",
    "PSF-2.0",
    "Python-2.0",
    "Unlicense",
    "Zlib",
)

#: ``License ::`` trove classifiers -> SPDX expressions.
CLASSIFIERS: dict[str, str] = {
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "BSD License": "BSD-2-Clause OR BSD-3-Clause",
    "Apache Software License": "Apache-2.0",
    "ISC License (ISCL)": "ISC",
    "Python Software Foundation License": "PSF-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "The Unlicense (Unlicense)": "Unlicense",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "zlib/libpng License": "Zlib",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "Historical Permission Notice and Disclaimer (HPND)": "HPND",
}

#: Free-text license names (lowercase, as found in ``License`` fields) -> SPDX.
NAMES: dict[str, str] = {
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit license (mit)": "MIT",
    "expat": "MIT",
    "apache": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "bsd": "BSD-2-Clause OR BSD-3-Clause",
    "bsd license": "BSD-2-Clause OR BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd-3": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "2-clause bsd": "BSD-2-Clause",
    "isc license": "ISC",
    "psf": "PSF-2.0",
    "psf license": "PSF-2.0",
    "psf-2": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "mpl 2.0": "MPL-2.0",
    "mpl-2": "MPL-2.0",
    "mozilla public license 2.0": "MPL-2.0",
    "public domain": "LicenseRef-Public-Domain",
}

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def spdx_from_text(text: str) -> str | None:
    """An SPDX expression for a license label, or None when it is not recognized.

    Accepts SPDX expressions in any case and the common free-text names.

    >>> spdx_from_text("mit")
    'MIT'
    >>> spdx_from_text("Apache License, Version 2.0")
    'Apache-2.0'
    >>> spdx_from_text("Copyright (c) someone, all rights reserved") is None
    True
    """
    label = " ".join(text.split())
    if not label or len(label) > 100:
        return None
    try:
        return canonicalize_license_expression(label)
    except InvalidLicenseExpression:
        pass
    return NAMES.get(label.lower().rstrip("."))


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


def license_of(metadata: Message, override: str | None = None) -> tuple[str | None, str, str]:
    """Read a distribution's license from its core metadata.

    Args:
        metadata: the parsed ``METADATA`` / ``PKG-INFO`` headers.
        override: an SPDX expression that wins over the metadata.

    Returns:
        ``(expression or None, source, raw text)`` (see :class:`LicenseFinding`).
    """
    if override:
        return override, "override", override
    expression = (metadata.get("License-Expression") or "").strip()
    if expression:
        return spdx_from_text(expression) or None, "License-Expression", expression
    text = (metadata.get("License") or "").strip()
    first = next((line for line in text.splitlines() if line.strip()), "")
    found = spdx_from_text(text) or (spdx_from_text(first) if first != text else None)
    if found:
        return found, "License", text
    classifiers = [
        c.split("::")[-1].strip()
        for c in metadata.get_all("Classifier") or []
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    mapped = [CLASSIFIERS[c] for c in classifiers if c in CLASSIFIERS]
    if mapped:
        expression = " OR ".join(f"({m})" if " " in m else m for m in dict.fromkeys(mapped))
        return expression, "classifiers", "; ".join(classifiers)
    raw = "; ".join(part for part in (first[:80], *classifiers) if part)
    return None, "none", raw


def is_allowed(expression: str, allowed: set[str]) -> bool:
    """Whether an SPDX expression is satisfied by the allowed identifiers.

    Args:
        expression: e.g. ``"MIT OR GPL-3.0-only"``.
        allowed: upper-cased SPDX identifiers (``{"MIT", "APACHE-2.0"}``).

    >>> is_allowed("MIT OR GPL-3.0-only", {"MIT"})
    True
    >>> is_allowed("MIT AND GPL-3.0-only", {"MIT"})
    False
    >>> is_allowed("(Apache-2.0 WITH LLVM-exception) OR GPL-2.0-only", {"APACHE-2.0"})
    True
    """
    tokens = _TOKEN.findall(expression)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise ValueError("unexpected end of the expression")
        position += 1
        return tokens[position - 1]

    def either() -> bool:
        result = both()
        while (peek() or "").upper() == "OR":
            take()
            right = both()
            result = result or right
        return result

    def both() -> bool:
        result = single()
        while (peek() or "").upper() == "AND":
            take()
            right = single()
            result = result and right
        return result

    def single() -> bool:
        token = take()
        if token == "(":
            result = either()
            if take() != ")":
                raise ValueError("unbalanced parentheses")
            return result
        ok = token.upper() in allowed
        if (peek() or "").upper() == "WITH":
            take()
            exception = take()
            ok = ok or f"{token} WITH {exception}".upper() in allowed
        return ok

    try:
        result = either()
    except ValueError:
        return False
    return result and position == len(tokens)


def not_allowed(expression: str, allowed: set[str]) -> list[str]:
    """The license identifiers of an SPDX expression that are not allowed, in order
    (``WITH`` exceptions kept with their license): what a repository would add to
    ``allowed-licenses`` to accept it.

    Args:
        expression: e.g. ``"MIT AND (MPL-2.0 OR GPL-3.0-only)"``.
        allowed: upper-cased SPDX identifiers.

    >>> not_allowed("MIT AND (MPL-2.0 OR GPL-3.0-only)", {"MIT"})
    ['MPL-2.0', 'GPL-3.0-only']
    >>> not_allowed("GPL-2.0-only WITH Classpath-exception-2.0", set())
    ['GPL-2.0-only WITH Classpath-exception-2.0']
    """
    tokens = _TOKEN.findall(expression)
    found: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token in ("(", ")") or token.upper() in ("AND", "OR", "WITH"):
            continue
        if index + 1 < len(tokens) and tokens[index].upper() == "WITH":
            if token.upper() in allowed:
                index += 2
                continue
            token = f"{token} WITH {tokens[index + 1]}"
            index += 2
        if token.upper() not in allowed and token not in found:
            found.append(token)
    return found


def allowed_licenses(config: RepoConfig) -> set[str]:
    """The allowed SPDX identifiers, upper-cased: ``[tool.packyard] allowed-licenses`` or
    :data:`DEFAULT_ALLOWED`.

    Raises:
        ConfigError: the key is not a list of SPDX identifiers.
    """
    path = config.root / "pyproject.toml"
    value = config.raw.get("allowed-licenses", list(DEFAULT_ALLOWED))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            "[tool.packyard] allowed-licenses must be a list of SPDX identifiers",
            path=path,
            hint='e.g. allowed-licenses = ["MIT", "BSD-3-Clause", "Apache-2.0"]',
        )
    found = set()
    for item in value:
        try:
            found.add(canonicalize_license_expression(item).upper())
        except InvalidLicenseExpression:
            raise ConfigError(
                f"[tool.packyard] allowed-licenses: {item!r} is not an SPDX identifier",
                path=path,
                hint="use the identifiers of https://spdx.org/licenses/ (MIT, Apache-2.0, ...)",
            ) from None
    return found


def license_overrides(config: RepoConfig) -> dict[str, str]:
    """``[tool.packyard.license-overrides]``: normalized distribution name -> SPDX expression.

    Raises:
        ConfigError: not a table of strings, or a value is not an SPDX expression.
    """
    path = config.root / "pyproject.toml"
    table = config.raw.get("license-overrides", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.packyard.license-overrides] must be a table", path=path)
    result = {}
    for name, value in table.items():
        try:
            result[canonicalize_name(name)] = canonicalize_license_expression(str(value))
        except InvalidLicenseExpression:
            raise ConfigError(
                f"[tool.packyard.license-overrides] {name}: {value!r} is not an SPDX expression",
                path=path,
                hint=f'e.g. "{name}" = "MIT"',
            ) from None
    return result


def read_metadata(path: Path) -> Message:
    """The core metadata headers of a wheel (``*.dist-info/METADATA``) or an sdist
    (``PKG-INFO``, ``.tar.gz`` or ``.zip``).

    Raises:
        ConfigError: the file holds no metadata (names the file).
    """
    text = None
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                parts = member.split("/")
                if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                    text = archive.read(member).decode("utf-8", errors="replace")
                    break
    elif path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.count("/") == 1 and member.endswith("/PKG-INFO"):
                    text = archive.read(member).decode("utf-8", errors="replace")
                    break
    else:
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                if member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                    stream = archive.extractfile(member)
                    if stream is not None:
                        text = stream.read().decode("utf-8", errors="replace")
                    break
    if text is None:
        raise ConfigError("no core metadata (METADATA or PKG-INFO) in this file", path=path)
    return HeaderParser().parsestr(text)


def download(pins: list[Pin], index_url: str, folder: Path, *, timeout: float = 900) -> dict:
    """Download one file of each pinned distribution (no dependencies) from the index.

    Returns:
        Normalized name -> the downloaded file.

    Raises:
        CommandFailed: pip could not download them (index unreachable, file missing).
    """
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--isolated",
            "--no-deps",
            "--disable-pip-version-check",
            "--quiet",
            "--index-url",
            index_url,
            "--dest",
            folder,
            *[p.requirement() for p in pins],
        ],
        step="licenses",
        env=clean_env(),
        timeout=timeout,
        hint="check that the index is reachable and has these versions",
    )
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        try:
            if path.suffix == ".whl":
                name = parse_wheel_filename(path.name)[0]
            else:
                name = parse_sdist_filename(path.name)[0]
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
        files.setdefault(canonicalize_name(name), path)
    return files


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
