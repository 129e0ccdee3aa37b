"""Package names: import names, PEP 503 normalized distribution names, and their checks."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping

from packaging.utils import canonicalize_name

from packyard.errors import ConfigError
from packyard.stdlib import is_stdlib

_DISTRIBUTION_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_IMPORT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: The file-name prefix of test files: ``packages/test_NAME.py`` tests ``NAME``.
TEST_PREFIX = "test_"


def distribution_name(import_name: str) -> str:
    """Return the PEP 503 normalized distribution name for an import name.

    >>> distribution_name("my_tool")
    'my-tool'
    >>> distribution_name("Data.Kit")
    'data-kit'
    """
    return canonicalize_name(import_name)


def import_name_problem(name: str) -> str | None:
    """Say why ``name`` is not a valid top-level import name, or return None if it is.

    A valid name is a Python identifier (ASCII letters, digits, ``_``; not starting with a
    digit) and not a keyword.

    >>> import_name_problem("my_tool") is None
    True
    >>> import_name_problem("my-tool").split(" (")[0]
    "'my-tool' is not a valid Python identifier"
    """
    if not _IMPORT_NAME.match(name):
        return (
            f"{name!r} is not a valid Python identifier "
            "(use letters, digits and _; do not start with a digit)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{name!r} is a Python keyword"
    return None


def _name_problem(name: str) -> bool:
    return bool(import_name_problem(name)) or is_stdlib(name) or name.startswith(TEST_PREFIX)


def suggest_name(name: str) -> str:
    """A valid package name close to ``name``, for the hint of a refused one (``invoke
    new`` and the error for a bad file in ``packages/`` both use it): lowercase
    ASCII letters, digits and ``_``, no leading digit or ``test_``, and ``_tool`` appended
    to a keyword or a standard-library module's name.

    >>> suggest_name("class"), suggest_name("json"), suggest_name("My-Tool")
    ('class_tool', 'json_tool', 'my_tool')
    >>> suggest_name("test_things"), suggest_name("2fast"), suggest_name("---")
    ('things_tool', 'fast', 'my_tool')
    """
    candidate = re.sub(r"[^a-z0-9_]+", "_", name.lower())
    candidate = re.sub(r"_{2,}", "_", candidate).lstrip("0123456789_").rstrip("_")
    tested = candidate.startswith(TEST_PREFIX)
    candidate = candidate.removeprefix(TEST_PREFIX)
    if candidate and (tested or _name_problem(candidate)):
        candidate += "_tool"
    return candidate if candidate and not _name_problem(candidate) else "my_tool"


def validate_map(entries: object, *, source: str) -> dict[str, str]:
    """Check a user-supplied import map and return it as a plain dict.

    Args:
        entries: the parsed value of a ``[tool.packyard.import-map]`` table.
        source: where it came from, for messages, e.g. ``"pyproject.toml"``.

    Returns:
        ``{module: distribution}``, keys and values unchanged.

    Raises:
        ConfigError: ``entries`` is not a table, a key is not a dotted module name, or a
            value is not a bare distribution name. The message names ``source`` and the
            key, and the hint says how to fix it.
    """
    if not isinstance(entries, Mapping):
        raise ConfigError(
            f"{source}: the import map must be a table of module = distribution, "
            f"not {type(entries).__name__}",
            hint='write it as a table, e.g. [tool.packyard.import-map] then yaml = "PyYAML"',
        )
    result: dict[str, str] = {}
    for key, value in entries.items():
        problem = dotted_name_problem(key)
        if problem is not None:
            raise ConfigError(
                f"{source}: import-map key {key!r} {problem}",
                hint='use the dotted module name you import, e.g. "google.cloud.storage"',
            )
        if not isinstance(value, str) or not _DISTRIBUTION_NAME.match(value):
            raise ConfigError(
                f"{source}: import-map value {value!r} for {key!r} is not a distribution name",
                hint=(
                    f'write only the PyPI project name, e.g. "{key}" = "PyYAML": '
                    "letters, digits, '.', '_' and '-', with no version, extras or markers"
                ),
            )
        result[key] = value
    return result


def dotted_name_problem(key: object) -> str | None:
    """Say why ``key`` is not a dotted module name, or return None."""
    if not isinstance(key, str) or not key:
        return "is not a module name"
    for part in key.split("."):
        if not part.isidentifier():
            return (
                f"is not a dotted module name: {part!r} is not a Python identifier"
                if part
                else "is not a dotted module name: it has an empty part"
            )
        if keyword.iskeyword(part):
            return f"is not a dotted module name: {part!r} is a Python keyword"
    return None
