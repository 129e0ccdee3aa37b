"""PEP 723 inline script metadata: the ``# /// script`` ... ``# ///`` block.

Follows the reference implementation in PEP 723 (the block is a run of comment lines
between ``# /// TYPE`` and ``# ///``), and adds what a packaging repository needs: an
unterminated or duplicated block is an error naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packyard import tomlcompat
from packyard.errors import ConfigError

_OPEN = re.compile(r"^# /// (?P<type>[a-zA-Z0-9-]+)\s*$")
_CLOSE = "# ///"
_ALLOWED_KEYS = ("requires-python", "dependencies", "tool")


@dataclass(frozen=True)
class ScriptMetadata:
    """The ``script`` block of a file.

    Attributes:
        requires_python: the ``requires-python`` specifier, or None.
        dependencies: PEP 508 requirement strings, as written.
        tool: the ``[tool]`` table (packyard reads ``tool["packyard"]``).
        line: 1-based line of the opening ``# /// script``; 0 when the file has no block.
    """

    requires_python: str | None = None
    dependencies: list[str] = field(default_factory=list)
    tool: dict[str, Any] = field(default_factory=dict)
    line: int = 0


def read_script_metadata(source: str, path: str | Path) -> ScriptMetadata:
    """Find and parse the PEP 723 ``script`` block of a Python source.

    Args:
        source: the file's text.
        path: the file, for error messages.

    Returns:
        The parsed block, or an empty :class:`ScriptMetadata` when there is none.

    Raises:
        ConfigError: the block is not closed, appears twice, holds a line that is not a
            comment, is not valid TOML, or has values of the wrong type. The message names
            ``path`` and the line.
    """
    lines = source.splitlines()
    found: ScriptMetadata | None = None
    index = 0
    while index < len(lines):
        match = _OPEN.match(lines[index])
        if not match:
            index += 1
            continue
        start = index
        content: list[str] = []
        index += 1
        while index < len(lines) and lines[index].rstrip() != _CLOSE:
            line = lines[index]
            if not line.startswith("#"):
                raise ConfigError(
                    f"the '# /// {match['type']}' block opened on line {start + 1} "
                    "is not closed before this non-comment line",
                    path=path,
                    line=index + 1,
                    hint="end the block with a line '# ///'; every line inside starts with '#'",
                )
            if line not in ("#",) and not line.startswith("# "):
                raise ConfigError(
                    "a line in the metadata block must be '#' or start with '# '",
                    path=path,
                    line=index + 1,
                    hint="put a space after the '#'",
                )
            content.append(line[2:])
            index += 1
        if index >= len(lines):
            raise ConfigError(
                f"the '# /// {match['type']}' block is never closed",
                path=path,
                line=start + 1,
                hint="end the block with a line '# ///'",
            )
        index += 1
        if match["type"] != "script":
            continue
        if found is not None:
            raise ConfigError(
                f"a second '# /// script' block (the first is on line {found.line})",
                path=path,
                line=start + 1,
                hint="PEP 723 allows one script block per file: merge them",
            )
        found = _parse_block("\n".join(content), path, start + 1)
    return found or ScriptMetadata()


def _parse_block(text: str, path: str | Path, line: int) -> ScriptMetadata:
    data = tomlcompat.loads(text, source=path, line_offset=line)
    for key in data:
        if key not in _ALLOWED_KEYS:
            raise ConfigError(
                f"unknown key {key!r} in the '# /// script' block",
                path=path,
                line=line,
                hint="PEP 723 allows requires-python, dependencies and [tool.*]; "
                "put other metadata under [tool.packyard]",
            )
    requires_python = data.get("requires-python")
    if requires_python is not None and not isinstance(requires_python, str):
        raise ConfigError("requires-python must be a string", path=path, line=line)
    dependencies = data.get("dependencies", [])
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise ConfigError(
            "dependencies must be a list of PEP 508 strings",
            path=path,
            line=line,
            hint='e.g. dependencies = ["PyYAML>=6"]',
        )
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError("[tool] must be a table", path=path, line=line)
    return ScriptMetadata(
        requires_python=requires_python, dependencies=dependencies, tool=tool, line=line
    )
