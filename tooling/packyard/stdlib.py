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


#: Top-level modules of Python 2.7's standard library that Python 3 renamed or removed
#: (``StringIO`` -> ``io``, ``urllib2`` -> ``urllib.request``, ``_winreg`` -> ``winreg``...).
#: Code still importing them does so for Python 2 (usually under a version guard or
#: ``try/except ImportError``): they never become requirements, whatever PyPI holds
#: under such a name. Compiled from the Python 2.7 library reference and PEP 3108.
PYTHON2_MODULES: frozenset[str] = frozenset(
    {
        "__builtin__", "_winreg", "anydbm", "BaseHTTPServer", "Bastion", "bsddb",
        "CGIHTTPServer", "commands", "compiler", "ConfigParser", "Cookie", "cookielib",
        "copy_reg", "cPickle", "cStringIO", "dbhash", "dircache", "dl",
        "DocXMLRPCServer", "dumbdbm", "dummy_thread", "exceptions", "fpformat",
        "future_builtins", "gdbm", "htmlentitydefs", "htmllib", "HTMLParser", "httplib",
        "ihooks", "imageop", "imputil", "markupbase", "md5", "mhlib", "MimeWriter",
        "mimetools", "mimify", "multifile", "mutex", "new", "popen2", "posixfile",
        "Queue", "repr", "rexec", "rfc822", "robotparser", "ScrolledText", "sets",
        "sgmllib", "sha", "SimpleHTTPServer", "SimpleXMLRPCServer", "SocketServer",
        "statvfs", "StringIO", "thread", "Tix", "Tkconstants", "Tkdnd", "Tkinter",
        "tkColorChooser", "tkCommonDialog", "tkFileDialog", "tkFont", "tkMessageBox",
        "tkSimpleDialog", "ttk", "urllib2", "urlparse", "user", "UserDict", "UserList",
        "UserString", "whichdb", "xmlrpclib",
    }
)  # fmt: skip

#: When standard-library modules (top-level or dotted) appeared in CPython 3, for the
#: ones a package may still back-port (``try: import tomllib`` / ``except ImportError:
#: import tomli``): module -> (major, minor) of the first release that has it.
MODULE_ADDED: dict[str, tuple[int, int]] = {
    "concurrent": (3, 2), "concurrent.futures": (3, 2), "faulthandler": (3, 3),
    "ipaddress": (3, 3), "lzma": (3, 3), "unittest.mock": (3, 3), "venv": (3, 3),
    "asyncio": (3, 4), "enum": (3, 4), "pathlib": (3, 4), "selectors": (3, 4),
    "statistics": (3, 4), "tracemalloc": (3, 4), "typing": (3, 5), "zipapp": (3, 5),
    "secrets": (3, 6), "contextvars": (3, 7), "dataclasses": (3, 7),
    "importlib.resources": (3, 7), "importlib.metadata": (3, 8), "graphlib": (3, 9),
    "zoneinfo": (3, 9), "tomllib": (3, 11), "annotationlib": (3, 14), "compression": (3, 14),
}  # fmt: skip

#: Names of standard-library modules that appeared after the module itself (the usual
#: subjects of ``try: from typing import X`` / ``except ImportError: from
#: typing_extensions import X``): (module, name) -> (major, minor).
NAME_ADDED: dict[tuple[str, str], tuple[int, int]] = {
    ("functools", "lru_cache"): (3, 2), ("functools", "singledispatch"): (3, 4),
    ("functools", "cached_property"): (3, 8), ("functools", "cache"): (3, 9),
    ("contextlib", "nullcontext"): (3, 7), ("contextlib", "chdir"): (3, 11),
    ("shlex", "join"): (3, 8), ("math", "isqrt"): (3, 8), ("math", "prod"): (3, 8),
    ("typing", "Literal"): (3, 8), ("typing", "Protocol"): (3, 8),
    ("typing", "TypedDict"): (3, 8), ("typing", "Final"): (3, 8), ("typing", "final"): (3, 8),
    ("typing", "runtime_checkable"): (3, 8), ("typing", "Annotated"): (3, 9),
    ("typing", "ParamSpec"): (3, 10), ("typing", "TypeAlias"): (3, 10),
    ("typing", "TypeGuard"): (3, 10), ("typing", "Concatenate"): (3, 10),
    ("typing", "Self"): (3, 11), ("typing", "LiteralString"): (3, 11),
    ("typing", "Never"): (3, 11), ("typing", "TypeVarTuple"): (3, 11),
    ("typing", "Unpack"): (3, 11), ("typing", "NotRequired"): (3, 11),
    ("typing", "Required"): (3, 11), ("typing", "assert_never"): (3, 11),
    ("typing", "dataclass_transform"): (3, 11), ("typing", "reveal_type"): (3, 11),
    ("typing", "override"): (3, 12), ("typing", "TypeAliasType"): (3, 12),
    ("typing", "TypeIs"): (3, 13), ("typing", "ReadOnly"): (3, 13),
    ("importlib.resources", "files"): (3, 9),
    ("importlib.metadata", "packages_distributions"): (3, 10),
    ("itertools", "pairwise"): (3, 10), ("itertools", "batched"): (3, 12),
    ("datetime", "UTC"): (3, 11), ("enum", "StrEnum"): (3, 11),
    ("asyncio", "TaskGroup"): (3, 11), ("asyncio", "timeout"): (3, 11),
}  # fmt: skip

#: When modules left the standard library: module -> (major, minor) of the first
#: CPython release without it (PEP 594, PEP 632...).
MODULE_REMOVED: dict[str, tuple[int, int]] = {
    "_dummy_thread": (3, 9), "dummy_threading": (3, 9), "formatter": (3, 10),
    "parser": (3, 10), "symbol": (3, 10), "binhex": (3, 11), "asynchat": (3, 12),
    "asyncore": (3, 12), "distutils": (3, 12), "imp": (3, 12), "smtpd": (3, 12),
    "aifc": (3, 13), "audioop": (3, 13), "cgi": (3, 13), "cgitb": (3, 13), "chunk": (3, 13),
    "crypt": (3, 13), "imghdr": (3, 13), "lib2to3": (3, 13), "mailcap": (3, 13),
    "msilib": (3, 13), "nis": (3, 13), "nntplib": (3, 13), "ossaudiodev": (3, 13),
    "pipes": (3, 13), "sndhdr": (3, 13), "spwd": (3, 13), "sunau": (3, 13),
    "telnetlib": (3, 13), "uu": (3, 13), "xdrlib": (3, 13),
}  # fmt: skip


def is_python2_stdlib(module: str) -> bool:
    """Tell whether ``module``'s top-level name is Python 2's standard library only
    (:data:`PYTHON2_MODULES`, e.g. ``"StringIO"``, ``"urllib2.urlopen"``).

    Raises:
        Nothing.
    """
    return module.partition(".")[0] in PYTHON2_MODULES


def available_from(
    module: str, names: tuple[str, ...] = ()
) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """The CPython releases in which ``from module import names`` succeeds.

    Args:
        module: an absolute dotted module name (``"tomllib"``, ``"importlib.metadata"``).
        names: the names imported from it (``("lru_cache",)``); () for ``import module``.

    Returns:
        ``(first, end)``: the first (major, minor) release that has all of them, or None
        when every CPython 3 has them; the first release that no longer has the module,
        or None when it is still there. A Python 2-only module gives ``(None, (3,))``.

    Raises:
        Nothing.
    """
    if is_python2_stdlib(module):
        return None, (3,)
    parts = module.split(".")
    prefixes = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    found = [MODULE_ADDED[prefix] for prefix in prefixes if prefix in MODULE_ADDED]
    found += [NAME_ADDED[(module, name)] for name in names if (module, name) in NAME_ADDED]
    first = max(found) if found else None
    return first, MODULE_REMOVED.get(parts[0])
