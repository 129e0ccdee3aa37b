"""Which top-level module names belong to the Python standard library.

An import of a standard-library module never becomes a dependency. The answer must not
depend on the interpreter packyard happens to run on: a package that still imports
``distutils`` (gone in 3.12) or already imports ``tomllib`` (new in 3.11) is inferred the
same way everywhere. So :data:`STDLIB_MODULES` is this interpreter's
:data:`sys.stdlib_module_names` united with every top-level name that some other CPython
release from 3.8 to 3.14 ships and this one may lack (:data:`VERSION_DEPENDENT_MODULES`).
"""

from __future__ import annotations

import sys

#: Top-level standard-library modules that exist in some, but not all, CPython releases
#: from 3.8 to 3.14, by the release that removed or added them. Compiled from
#: ``sys.stdlib_module_names`` of 3.10 to 3.13, the installed ``Lib/`` and extension
#: modules of 3.8 and 3.9, and the generated 3.14 list (``Python/stdlib_module_names.h``).
#: Like ``sys.stdlib_module_names`` it leaves out CPython's own test modules (``test``,
#: ``_test*``, ``_xx*``, ``xx*``, ``__hello__``/``__phello__``) and the per-platform
#: ``_sysconfigdata_*`` modules. Windows- or macOS-only modules present in every release
#: (``msvcrt``, ``winreg``, ``_scproxy``...) are already in ``sys.stdlib_module_names``.
VERSION_DEPENDENT_MODULES: frozenset[str] = frozenset(
    {
        # Removed in 3.9.
        "_dummy_thread",
        "dummy_threading",
        # Removed in 3.10.
        "_bootlocale",
        "_peg_parser",  # 3.9 only
        "formatter",
        "parser",
        "symbol",
        # Removed in 3.11.
        "binhex",
        # Removed in 3.12.
        "_bootsubprocess",  # 3.9 to 3.11
        "_sha256",  # merged into _sha2
        "_sha512",
        "asynchat",
        "asyncore",
        "distutils",
        "imp",
        "smtpd",
        # Removed in 3.13 (PEP 594 "dead batteries" and lib2to3).
        "_crypt",
        "_msi",
        "aifc",
        "audioop",
        "cgi",
        "cgitb",
        "chunk",
        "crypt",
        "imghdr",
        "lib2to3",
        "mailcap",
        "msilib",
        "nis",
        "nntplib",
        "ossaudiodev",
        "pipes",
        "sndhdr",
        "spwd",
        "sunau",
        "telnetlib",
        "uu",
        "xdrlib",
        # Removed in 3.14 (moved to compression._common).
        "_compression",
        # Added in 3.9.
        "_aix_support",
        "_zoneinfo",
        "graphlib",
        "zoneinfo",
        # Added in 3.10 (first listed in sys.stdlib_module_names).
        "_frozen_importlib",
        "_frozen_importlib_external",
        # Added in 3.11.
        "_tokenize",
        "_typing",
        "tomllib",
        # Added in 3.12.
        "_pydatetime",
        "_pylong",
        "_sha2",
        "_wmi",  # listed from 3.13
        # Added in 3.13.
        "_android_support",
        "_colorize",
        "_interpchannels",
        "_interpqueues",
        "_interpreters",
        "_ios_support",
        "_opcode_metadata",
        "_pyrepl",
        "_suggestions",
        "_sysconfig",
        # Added in 3.14.
        "_apple_support",
        "_ast_unparse",
        "_hmac",
        "_py_warnings",
        "_remote_debugging",
        "_types",
        "_zstd",
        "annotationlib",
        "compression",
    }
)

#: Every top-level module name treated as standard library (see the module docstring).
STDLIB_MODULES: frozenset[str] = (
    frozenset(sys.stdlib_module_names) | VERSION_DEPENDENT_MODULES | {"__future__"}
)


def is_stdlib(module: str) -> bool:
    """Tell whether ``module`` belongs to the standard library.

    Args:
        module: an absolute dotted module name such as ``"os.path"`` or ``"distutils.core"``;
            only its top-level part (before the first dot) is looked up.

    Returns:
        True when the top-level name is in :data:`STDLIB_MODULES`. False for anything
        else, including the empty string and relative names (a leading dot), which
        always refer to the importing package itself.

    Raises:
        Nothing.
    """
    return module.partition(".")[0] in STDLIB_MODULES
