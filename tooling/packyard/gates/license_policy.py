"""The license policy: the allowed set, the overrides, and whether an SPDX expression passes.

``[tool.packyard] allowed-licenses`` holds SPDX identifiers (:data:`DEFAULT_ALLOWED` when
unset): ``A OR B`` passes when one side is allowed, ``A AND B`` when both are,
``A WITH exception`` when ``A`` is (:func:`is_allowed`). ``[tool.packyard.license-overrides]``
gives the license of a distribution whose metadata is wrong or missing.
"""

from __future__ import annotations

import re

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.utils import canonicalize_name

from packyard.config import RepoConfig
from packyard.errors import ConfigError

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

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


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
