"""TOML reading that works on Python 3.10 (tomli) and 3.11+ (tomllib), with errors that
name the file and line."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path
from typing import Any

from packyard.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError

_LINE = re.compile(r"at line (\d+)")


def loads(text: str, *, source: str | Path, line_offset: int = 0) -> dict[str, Any]:
    """Parse TOML text.

    Args:
        text: the TOML document.
        source: the file it came from, for the error message.
        line_offset: added to the parser's line number (for TOML embedded in another file,
            such as a PEP 723 block).

    Raises:
        ConfigError: the text is not valid TOML; names ``source`` and the line.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _LINE.search(str(exc))
        if match:
            line: int | None = int(match.group(1)) + line_offset
        elif "end of document" in str(exc):
            line = max(len(text.splitlines()), 1) + line_offset
        else:
            line = None
        reason = _LINE.split(str(exc))[0].strip().rstrip("(").strip()
        raise ConfigError(
            f"invalid TOML: {reason}",
            path=source,
            line=line,
            hint="fix the TOML syntax (strings need quotes, tables [name], arrays [a, b])",
        ) from None


def check_keys(
    table: dict[str, Any],
    known: tuple[str, ...],
    path: Path,
    where: str,
    *,
    line: int | None = None,
) -> None:
    """Check that a TOML table holds only known keys.

    Args:
        table: the parsed table.
        known: the keys it may hold.
        path: the file, for the message.
        where: the table's name in the message, e.g. ``"[tool.packyard]"``.
        line: the 1-based line of the table in ``path``, if known.

    Raises:
        ConfigError: a key is unknown; the hint gives the closest known key, or all of them.
    """
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            raise ConfigError(
                f"unknown key {key!r} in {where}",
                path=path,
                line=line,
                hint=f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}",
            )


def load(path: Path) -> dict[str, Any]:
    """Read and parse a TOML file.

    Raises:
        ConfigError: the file cannot be read or is not valid TOML.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read file: {exc}", path=path) from None
    return loads(text, source=path)
