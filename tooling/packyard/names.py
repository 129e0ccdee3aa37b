"""Package names: import names, PEP 503 normalized distribution names, and their checks."""

from __future__ import annotations

import keyword
import re

from packaging.utils import canonicalize_name

_IMPORT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
