"""The license a module states about itself, as a PEP 639 license expression (SPDX).

Sources, first found wins:

1. a module-level ``__license__ = "..."`` string that is an SPDX expression or a common
   license name (``MIT License``, ``Apache 2.0``, ``BSD 3-Clause``...);
2. an ``SPDX-License-Identifier:`` line in the comments or docstring at the top of the file;
3. a recognisable license header there: the MIT, BSD-2-Clause, BSD-3-Clause or
   Apache-2.0 notice text.
"""

from __future__ import annotations

import ast
import re

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

#: Common names of licenses (lowercase, spaces and dashes collapsed) -> SPDX identifiers.
_NAMES = {
    "mit": "MIT",
    "mit license": "MIT",
    "the mit license": "MIT",
    "apache": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "bsd 2 clause": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "bsd 3 clause": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "isc": "ISC",
    "isc license": "ISC",
    "psf": "PSF-2.0",
    "unlicense": "Unlicense",
    "public domain": "Unlicense",
}
_SPDX_LINE = re.compile(r"SPDX-License-Identifier:\s*(?P<expr>[^\n*]+?)\s*(?:\*/|-->)?\s*$", re.M)
#: (SPDX identifier, phrases that must all appear in the header, whitespace-normalized,
#: lowercase), most specific first.
_HEADERS = (
    ("Apache-2.0", ("licensed under the apache license, version 2.0",)),
    (
        "BSD-3-Clause",
        ("redistribution and use in source and binary forms", "neither the name"),
    ),
    ("BSD-2-Clause", ("redistribution and use in source and binary forms",)),
    (
        "MIT",
        (
            "permission is hereby granted, free of charge, to any person obtaining a copy",
            "the above copyright notice and this permission notice shall be included",
        ),
    ),
)


def license_expression(text: str) -> str | None:
    """The SPDX license expression ``text`` names, canonicalized, or None: a valid
    expression (``MIT OR Apache-2.0``) or one of the common names in :data:`_NAMES`.

    >>> license_expression("mit"), license_expression("BSD 3-Clause"), license_expression("GPL?")
    ('MIT', 'BSD-3-Clause', None)
    """
    key = " ".join(text.replace("-", " ").replace("_", " ").lower().split())
    if key in _NAMES:
        return _NAMES[key]
    try:
        return canonicalize_license_expression(text.strip())
    except InvalidLicenseExpression:
        return None


def detect_license(source: str) -> str | None:
    """The license expression a module's source states, or None (see the module docstring).

    Args:
        source: the module's text (it must parse; callers have checked).

    >>> detect_license("# SPDX-License-Identifier: BSD-2-Clause\\nx = 1\\n")
    'BSD-2-Clause'
    >>> detect_license('__license__ = "MIT License"\\n')
    'MIT'
    """
    tree = ast.parse(source)
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__license__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found = license_expression(node.value.value)
            if found:
                return found
    header = _header(source, tree)
    for match in _SPDX_LINE.finditer(header):
        found = license_expression(match["expr"])
        if found:
            return found
    normalized = " ".join(re.sub(r"(?m)^\s*#", " ", header).lower().split())
    for spdx, phrases in _HEADERS:
        if all(phrase in normalized for phrase in phrases):
            return spdx
    return None


def _header(source: str, tree: ast.Module) -> str:
    """The comments before the first statement, and the module docstring."""
    first = tree.body[0] if tree.body else None
    docstring = ast.get_docstring(tree, clean=True)
    stop = first.lineno - 1 if first is not None else len(source.splitlines())
    if docstring is not None and first is not None and len(tree.body) > 1:
        stop = tree.body[1].lineno - 1
    head = [line for line in source.splitlines()[:stop] if line.lstrip().startswith("#")]
    return "\n".join(head) + "\n" + (docstring or "")
