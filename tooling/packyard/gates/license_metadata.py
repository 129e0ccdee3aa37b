"""Reading a distribution's license: its file's core metadata, mapped to an SPDX expression.

The pinned distributions are downloaded without dependencies (:func:`download`), each file's
``METADATA`` / ``PKG-INFO`` headers are read (:func:`read_metadata`) and the license is taken,
in this order (:func:`license_of`):

1. ``[tool.packyard.license-overrides]`` for the distribution (the repository's word);
2. ``License-Expression`` (core metadata 2.4, an SPDX expression);
3. ``License``, when it is an SPDX expression or a well-known name (``MIT License``);
4. the ``License ::`` trove classifiers (several are alternatives: ``OR``).
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from packyard.building.venvs import clean_env
from packyard.errors import ConfigError
from packyard.gates.resolve import Pin
from packyard.proc import run

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


def license_of(metadata: Message, override: str | None = None) -> tuple[str | None, str, str]:
    """Read a distribution's license from its core metadata.

    Args:
        metadata: the parsed ``METADATA`` / ``PKG-INFO`` headers.
        override: an SPDX expression that wins over the metadata.

    Returns:
        ``(expression or None, source, raw text)`` (see
        :class:`~packyard.gates.licenses.LicenseFinding`).
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
