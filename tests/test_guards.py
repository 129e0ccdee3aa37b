"""Version and platform guards: which imports become requirements, with which markers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from packaging.markers import Marker

from packyard.inference.guards import import_conditions
from packyard.inference.import_map import ImportMap
from packyard.inference.requirements import infer
from packyard.inference.verdicts import evaluate
from packyard.repo import Repository

# A module written like the single-file projects of the 2010s: Python 2 and 3, Windows,
# Jython, backports.
COMPAT = '''\
"""Compat module."""
import os
import platform
import sys

PY2 = sys.version_info[0] == 2
PY3 = sys.version_info >= (3,)
WINDOWS = os.name == "nt"

if PY3:
    from io import StringIO
else:
    import StringIO
    import urllib2

if sys.version_info < (2, 7):
    import unittest2

if sys.version_info < (3, 11):
    import tomli
else:
    import tomllib

try:
    import tomllib as toml
except ImportError:
    import tomli as toml

try:
    from functools import lru_cache
except ImportError:
    from backports.functools_lru_cache import lru_cache

if sys.platform == "win32":
    import win32api
elif sys.platform.startswith("linux"):
    import pyinotify
elif sys.platform.startswith("java"):
    from com.sun import jna
else:
    import fsevents

if WINDOWS:
    import _winreg
    import colorama

if platform.system() == "Darwin" and not PY2:
    import appnope

if sys.platform in SUPPORTED:
    import oddity

encoder = __import__("simplejson") if PY2 else __import__("json")


def _shell_folder():
    from win32com.shell import shell
    return shell


def _jna_folder():
    import jnius
    return jnius


if sys.platform == "win32":
    try:
        import win32com.shell
        folder = _shell_folder
    except ImportError:
        folder = _jna_folder


def public():
    import requests
    return requests
'''


def _infer(tmp_path: Path, source: str, requires_python: str) -> dict[str, str]:
    path = tmp_path / "compat.py"
    path.write_text(source, encoding="utf-8")
    result = infer(
        [path], local_modules={"compat"}, import_map=ImportMap(), requires_python=requires_python
    )
    return {r.key: r.pep508() for r in result.requirements}, result.warnings


def test_guarded_imports_on_python_3_10(tmp_path: Path) -> None:
    found, warnings = _infer(tmp_path, COMPAT, ">=3.10")
    assert found == {
        "tomli": 'tomli; python_version < "3.11"',
        "pywin32": 'pywin32; sys_platform == "win32"',
        "pyinotify": 'pyinotify; sys_platform == "linux"',
        # Only referred to in the ImportError fallback of a Windows-only block.
        "pyjnius": 'pyjnius; (sys_platform == "win32") and extra == "optional"',
        "com": (
            'com; sys_platform != "win32" and sys_platform != "linux" and '
            'platform_python_implementation == "Jython"'
        ),
        "fsevents": (
            'fsevents; sys_platform != "win32" and sys_platform != "linux" and '
            'platform_python_implementation != "Jython"'
        ),
        "colorama": 'colorama; os_name == "nt"',
        "appnope": 'appnope; platform_system == "Darwin"',
        "requests": "requests",
    }
    # No Python 2 name, no backport for what 3.10 has, no unittest2.
    assert not {"stringio", "urllib2", "unittest2", "backports-functools-lru-cache"} & set(found)
    assert "simplejson" not in found
    unknown = [w for w in warnings if "no PEP 508 environment marker" in w]
    assert len(unknown) == 1
    assert "compat.py:51" in unknown[0] and "'oddity'" in unknown[0]
    assert "sys.platform in SUPPORTED" in unknown[0]
    # Every marker is valid PEP 508 and combines with the extra.
    for line in found.values():
        if ";" in line:
            Marker(line.split(";", 1)[1])


def test_requires_python_decides_the_version_branches(tmp_path: Path) -> None:
    found, _ = _infer(tmp_path, COMPAT, ">=3.11")
    assert "tomli" not in found
    found, _ = _infer(tmp_path, COMPAT, ">=2.6")
    assert found["unittest2"] == 'unittest2; python_version < "2.7"'
    assert found["tomli"] == 'tomli; python_version < "3.11"'
    assert found["simplejson"] == 'simplejson; python_version < "3"'
    assert found["backports-functools-lru-cache"] == (
        'backports.functools-lru-cache; python_version < "3.2"'
    )
    assert "appnope" in found and 'python_version >= "3"' in found["appnope"]


def test_stdlib_fallback_is_required_where_the_stdlib_lacks_it(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        try:
            import tomllib
        except ImportError:
            import tomli as tomllib
        try:
            from typing import Self
        except ImportError:
            from typing_extensions import Self
        try:
            import ujson as json
        except ImportError:
            import simplejson as json
        """
    )
    found, _ = _infer(tmp_path, source, ">=3.9")
    assert found == {
        "tomli": 'tomli; python_version < "3.11"',
        "typing-extensions": 'typing-extensions; python_version < "3.11"',
        # Not a standard-library fallback: the optional extra, as before.
        "simplejson": 'simplejson; extra == "optional"',
        "ujson": 'ujson; extra == "optional"',
    }
    found, _ = _infer(tmp_path, source, ">=3.11")
    assert set(found) == {"simplejson", "ujson"}


def test_python2_standard_library_names_never_become_requirements(tmp_path: Path) -> None:
    source = "import StringIO\nimport cStringIO\nimport ConfigParser\nimport urllib2\n"
    source += "from HTMLParser import HTMLParser\nimport Queue, cPickle, httplib, __builtin__\n"
    found, warnings = _infer(tmp_path, source, ">=3.8")
    assert found == {}
    assert warnings == []


@pytest.mark.parametrize(
    ("test", "marker"),
    [
        ('sys.platform == "darwin"', 'sys_platform == "darwin"'),
        ('sys.platform != "win32"', 'sys_platform != "win32"'),
        ('os.name != "nt"', 'os_name != "nt"'),
        ('platform.system().lower() == "windows"', 'platform_system == "Windows"'),
        (
            'sys.platform in ("win32", "cygwin")',
            'sys_platform == "win32" or sys_platform == "cygwin"',
        ),
        ('"bsd" in sys.platform', '"bsd" in sys_platform'),
        ('sys.platform[:3] == "win"', 'sys_platform == "win32"'),
        (
            'sys.platform == "win32" and sys.version_info < (3, 11)',
            'sys_platform == "win32" and python_version < "3.11"',
        ),
        (
            'not (sys.platform == "win32" or sys.version_info >= (3, 11))',
            'sys_platform != "win32" and python_version < "3.11"',
        ),
        ('os.name == "nt" or os.name != "nt"', None),
        ("sys.version_info[:2] == (3, 10)", 'python_version >= "3.10" and python_version < "3.11"'),
        ("sys.version_info[:2] <= (3, 10)", 'python_version < "3.11"'),
        ("sys.version_info >= (3, 10, 2)", 'python_full_version >= "3.10.2"'),
        ("sys.version_info.major == 3 and sys.platform == 'win32'", 'sys_platform == "win32"'),
        ("(3, 9) <= sys.version_info < (3, 12)", 'python_version < "3.12"'),
    ],
)
def test_one_guard_gives_one_marker(test: str, marker: str | None) -> None:
    source = f"import os, platform, sys\nif {test}:\n    import thing\n"
    conditions = import_conditions(source)
    if marker is None:  # always true: no condition recorded
        assert conditions == {}
        return
    ((condition, _),) = conditions.values()
    verdict = evaluate(condition, ">=3.9")
    assert verdict.runs and verdict.marker == marker


def test_imports_of_one_distribution_under_several_guards_join_their_markers(
    tmp_path: Path,
) -> None:
    source = textwrap.dedent(
        """\
        import sys
        if sys.platform == "win32":
            import colorama
        elif sys.platform == "darwin" and sys.version_info < (3, 11):
            from colorama import Fore
        if sys.platform == "linux":
            import yaml
        import yaml.loader
        """
    )
    found, _ = _infer(tmp_path, source, ">=3.9")
    assert found == {
        "colorama": (
            'colorama; (sys_platform == "darwin" and python_version < "3.11") or '
            'sys_platform == "win32"'
        ),
        "pyyaml": "PyYAML",  # one unguarded import: no marker
    }
    marker = Marker(found["colorama"].split(";", 1)[1])
    assert marker.evaluate({"sys_platform": "win32", "python_version": "3.12"})
    assert not marker.evaluate({"sys_platform": "darwin", "python_version": "3.12"})


def test_a_branch_no_admitted_python_runs_is_dropped() -> None:
    source = "import sys\nif sys.version_info >= (3, 12) and sys.version_info < (3, 11):\n"
    source += "    import thing\n"
    ((condition, _),) = import_conditions(source).values()
    assert not evaluate(condition, ">=3.8").runs


def test_markers_reach_the_package_metadata(make_repo) -> None:
    root = make_repo(
        {
            "packages/winpaths.py": '''\
                """Paths on every platform."""
                # /// script
                # requires-python = ">=3.9"
                # ///
                import sys

                if sys.platform == "win32":
                    import win32api
                try:
                    import tomllib
                except ImportError:
                    import tomli as tomllib
                try:
                    import colorama
                except ImportError:
                    colorama = None
                if sys.platform == "win32":
                    try:
                        import winshell
                    except ImportError:
                        winshell = None
                ''',
        },
        packyard='import-map = { winshell = "winshell-dist" }\n',
    )
    table = Repository.open(root).project_table("winpaths")
    assert table["requires-python"] == ">=3.9"
    assert table["dependencies"] == [
        'pywin32; sys_platform == "win32"',
        'tomli; python_version < "3.11"',
    ]
    assert table["optional-dependencies"]["optional"] == [
        "colorama",
        'winshell-dist; sys_platform == "win32"',
    ]


def test_conditions_are_cached_with_the_scan(tmp_path: Path) -> None:
    from packyard.inference.imports import scan_files
    from packyard.inference.scan_cache import ScanCache

    path = tmp_path / "compat.py"
    path.write_text(COMPAT, encoding="utf-8")
    fresh = scan_files([path], cache=ScanCache(tmp_path / "cache"))
    again = scan_files([path], cache=ScanCache(tmp_path / "cache"))
    assert again == fresh
    by_module = {r.module: r for r in again}
    assert by_module["win32api"].condition == ("env", "sys_platform", "==", "win32")
    assert by_module["requests"].condition is None


APPDIRS_LIKE = '''\
"""Per-platform folders, the way appdirs finds them."""
import os
import sys

PY3 = sys.version_info[0] == 3
if sys.platform.startswith("java"):
    import platform
    os_name = platform.java_ver()[3][0]
    if os_name.startswith("Windows"):
        system = "win32"
    else:
        system = "linux2"
else:
    system = sys.platform


def _get_win_folder_from_registry(csidl_name):
    if PY3:
        import winreg as _winreg
    else:
        import _winreg
    return _winreg


def _get_win_folder_with_pywin32(csidl_name):
    from win32com.shell import shellcon, shell
    return shell, shellcon


def _get_win_folder_with_jna(csidl_name):
    import array
    from com.sun import jna
    return array, jna


if system == "win32":
    try:
        import win32com.shell
        _get_win_folder = _get_win_folder_with_pywin32
    except ImportError:
        try:
            from ctypes import windll
            _get_win_folder = windll
        except ImportError:
            try:
                import com.sun.jna
                _get_win_folder = _get_win_folder_with_jna
            except ImportError:
                _get_win_folder = _get_win_folder_from_registry
'''


def test_helpers_only_used_under_a_platform_check_get_its_marker(tmp_path: Path) -> None:
    found, warnings = _infer(tmp_path, APPDIRS_LIKE, ">=3.8")
    # win32com only under `system == "win32"` (system stands for sys.platform), and only
    # under try/except ImportError; the Jython fallback sits behind `from ctypes import
    # windll`, which every admitted CPython has, so it never runs there.
    assert found == {"pywin32": 'pywin32; (sys_platform == "win32") and extra == "optional"'}
    assert not [w for w in warnings if "com" in w]
