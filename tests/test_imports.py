"""Tests for packyard.inference.imports (import scanning) and packyard.stdlib."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from packyard.errors import InferenceError, PackageError, PackyardError
from packyard.inference import imports, scan_cache
from packyard.inference.imports import ImportRecord, scan_file, scan_files, scan_source
from packyard.inference.scan_cache import ScanCache
from packyard.stdlib import STDLIB_MODULES, VERSION_DEPENDENT_MODULES, is_stdlib


def found(source: str) -> set[tuple[str, bool]]:
    return {(r.module, r.optional) for r in scan_source(textwrap.dedent(source))}


# (id, source, expected {(module, optional)})
CASES: list[tuple[str, str, set[tuple[str, bool]]]] = [
    ("plain", "import os\n", {("os", False)}),
    ("dotted", "import a.b.c\n", {("a.b.c", False)}),
    ("alias", "import numpy as np\n", {("numpy", False)}),
    ("multi", "import a as b, c, d.e as f\n", {("a", False), ("c", False), ("d.e", False)}),
    ("two on a line", "import a; import b\n", {("a", False), ("b", False)}),
    ("from", "from x.y import z\n", {("x.y", False)}),
    ("from alias", "from x import y as z, w\n", {("x", False)}),
    ("from parens", "from x import (\n    a,  # why\n    b as c,\n)\n", {("x", False)}),
    ("continuation", "import a, \\\n    b\n", {("a", False), ("b", False)}),
    ("spaced dots", "import a . b\nfrom . c . d import e\n", {("a.b", False), ("c.d", False)}),
    ("relative dot", "from . import x\n", {("", False)}),
    ("relative two", "from ..a import b\n", {("a", False)}),
    ("relative three", "from ...a.b import c\n", {("a.b", False)}),
    ("star", "from m import *\n", {("m", False)}),
    ("future", "from __future__ import annotations\n", {("__future__", False)}),
    ("in function", "def f():\n    import lazy\n", {("lazy", False)}),
    ("in async function", "async def f():\n    import lazy\n", {("lazy", False)}),
    ("in method", "class C:\n    def m(self):\n        import lazy\n", {("lazy", False)}),
    ("in class", "class C:\n    import attr\n", {("attr", False)}),
    ("if else", "if x:\n    import a\nelse:\n    import b\n", {("a", False), ("b", False)}),
    ("elif", "if x:\n    import a\nelif y:\n    import b\n", {("a", False), ("b", False)}),
    (
        "for while with",
        "for i in x:\n    import a\nwhile y:\n    import b\nwith z:\n    import c\n",
        {("a", False), ("b", False), ("c", False)},
    ),
    ("match", "match x:\n    case 1:\n        import a\n", {("a", False)}),
    ("one-line if", "if x: import a\n", {("a", False)}),
    # importlib / __import__ with literal arguments only
    (
        "import_module",
        "import importlib\nimportlib.import_module('pkg.mod')\n",
        {("importlib", False), ("pkg.mod", False)},
    ),
    (
        "bare import_module",
        'from importlib import import_module\nm = import_module("plug")\n',
        {("importlib", False), ("plug", False)},
    ),
    ("import_module relative", "import_module('.sub', __name__)\n", {("sub", False)}),
    ("import_module package kw", "import_module('..up', package=__package__)\n", {("up", False)}),
    ("__import__", "m = __import__('dunder.mod')\n", {("dunder.mod", False)}),
    ("import_module name kw", "importlib.import_module(name='kw')\n", {("kw", False)}),
    (
        "non literal",
        "importlib.import_module(name)\nimport_module('a' + b)\n"
        "import_module(f'p.{x}')\n__import__(mods[0])\n",
        set(),
    ),
    ("not a module name", "import_module('not a module')\nimport_module('')\n", set()),
    ("bytes literal", "import_module(b'x')\n", set()),
    ("other call", "load_module('x')\nimportlib.reload(m)\n", set()),
    # TYPE_CHECKING
    (
        "type checking",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n",
        {("typing", False)},
    ),
    (
        "typing.TYPE_CHECKING",
        "import typing\nif typing.TYPE_CHECKING:\n    from a import b\n",
        {("typing", False)},
    ),
    (
        "type checking else",
        "if TYPE_CHECKING:\n    import a\nelse:\n    import b\n",
        {("b", False)},
    ),
    (
        "type checking elif",
        "if TYPE_CHECKING:\n    import a\nelif x:\n    import b\n",
        {("b", False)},
    ),
    (
        "not type checking",
        "if not TYPE_CHECKING:\n    import a\nelse:\n    import b\n",
        {("a", False)},
    ),
    (
        "type checking nested",
        "if TYPE_CHECKING:\n    try:\n        import a\n"
        "    except ImportError:\n        pass\n    def f():\n        import b\n",
        set(),
    ),
    (
        "type checking in function",
        "def f():\n    if TYPE_CHECKING:\n        import a\n    import b\n",
        {("b", False)},
    ),
    # optional imports
    ("try ImportError", "try:\n    import a\nexcept ImportError:\n    a = None\n", {("a", True)}),
    (
        "try ModuleNotFoundError",
        "try:\n    import a\nexcept ModuleNotFoundError:\n    pass\n",
        {("a", True)},
    ),
    (
        "fallback",
        "try:\n    import simplejson as json\nexcept ImportError:\n    import json\n",
        {("simplejson", True), ("json", True)},
    ),
    (
        "tuple",
        "try:\n    import a\nexcept (ImportError, AttributeError):\n    pass\n",
        {("a", True)},
    ),
    (
        "tuple second",
        "try:\n    import a\nexcept (OSError, builtins.ModuleNotFoundError):\n    pass\n",
        {("a", True)},
    ),
    (
        "dotted",
        "try:\n    import a\nexcept builtins.ImportError as exc:\n    raise\n",
        {("a", True)},
    ),
    ("bare except", "try:\n    import a\nexcept:\n    pass\n", {("a", True)}),
    ("except Exception", "try:\n    import a\nexcept Exception:\n    pass\n", {("a", True)}),
    (
        "second handler",
        "try:\n    import a\nexcept ValueError:\n    pass\nexcept ImportError:\n    pass\n",
        {("a", True)},
    ),
    ("except star", "try:\n    import a\nexcept* ImportError:\n    pass\n", {("a", True)}),
    (
        "not import error",
        "try:\n    import a\nexcept ValueError:\n    import b\n",
        {("a", False), ("b", False)},
    ),
    (
        "similar names",
        "try:\n    import a\nexcept MyImportError:\n    pass\n"
        "try:\n    import b\nexcept ImportWarning:\n    pass\n",
        {("a", False), ("b", False)},
    ),
    (
        "try else finally",
        "try:\n    pass\nexcept ImportError:\n    pass\nelse:\n    import a\n"
        "finally:\n    import b\n",
        {("a", False), ("b", False)},
    ),
    ("try finally only", "try:\n    import a\nfinally:\n    pass\n", {("a", False)}),
    (
        "nested inner guard",
        "try:\n    try:\n        import a\n    except ImportError:\n"
        "        pass\nexcept ValueError:\n    pass\n",
        {("a", True)},
    ),
    (
        "nested outer guard",
        "try:\n    try:\n        import a\n    except ValueError:\n"
        "        import b\nexcept ImportError:\n    pass\n",
        {("a", True), ("b", True)},
    ),
    (
        "function in try",
        "try:\n    def f():\n        import later\n    import now\nexcept ImportError:\n    pass\n",
        {("later", False), ("now", True)},
    ),
    (
        "try in function",
        "def f():\n    try:\n        import a\n    except ImportError:\n        return None\n",
        {("a", True)},
    ),
    (
        "class in try",
        "try:\n    class C:\n        import a\nexcept ImportError:\n    pass\n",
        {("a", True)},
    ),
    (
        "lambda in try",
        "try:\n    f = lambda: import_module('later')\n"
        "    g = import_module('now')\nexcept ImportError:\n    pass\n",
        {("later", False), ("now", True)},
    ),
    (
        "import_module optional",
        "try:\n    mod = importlib.import_module('plugin')\n"
        "except ModuleNotFoundError:\n    mod = None\n",
        {("plugin", True)},
    ),
    (
        "suppress",
        "import contextlib\nwith contextlib.suppress(ImportError):\n    import a\n",
        {("contextlib", False), ("a", True)},
    ),
    ("bare suppress", "with suppress(ModuleNotFoundError):\n    import a\n", {("a", True)}),
    ("suppress tuple", "with suppress(OSError, ImportError):\n    import a\n", {("a", True)}),
    ("suppress other", "with suppress(KeyError):\n    import a\n", {("a", False)}),
    (
        "suppress among items",
        "with open(p) as f, suppress(ImportError):\n    import a\n",
        {("a", True)},
    ),
    # not imports at all
    ("string", "x = 'import os'\ny = \"from a import b\"\n", set()),
    ("comment", "# import os\nx = 1  # from a import b\n", set()),
    ("docstring", '"""Usage:\n\n    import fake\n    from fake import thing\n"""\n', set()),
    ("function docstring", 'def f():\n    """Call import_module("fake") or import x."""\n', set()),
    ("f-string", 'x = f"import {os}"\n', set()),
    ("identifier", "important = imported = 1\nimport_module = None\n", set()),
    # the ignore comment
    ("ignore", "import a  # packyard: ignore\nimport b\n", {("b", False)}),
    ("ignore spacing", "import a #packyard:ignore   \nimport b  #  packyard :  ignore\n", set()),
    ("ignore last line", "from a import (\n    b,\n)  # packyard: ignore\n", set()),
    ("ignore call", "m = import_module('x')  # packyard: ignore\n", set()),
    ("ignore must end line", "import a  # packyard: ignore this\n", {("a", False)}),
    ("empty", "", set()),
    ("only comments", "# nothing\n\n# here\n", set()),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_imports_found(source: str, expected: set[tuple[str, bool]]) -> None:
    assert found(source) == expected


def test_records_fields_names_and_levels() -> None:
    source = textwrap.dedent(
        """\
        import a.b as c, d
        from . import x
        from ..pkg.mod import (y as z,
            w)
        from m import *
        from __future__ import annotations
        importlib.import_module(".sub", __name__)
        __import__("up", globals(), locals(), [], 2)
        """
    )
    assert scan_source(source, "pkg/f.py") == [
        ImportRecord("a.b", (), 0, "pkg/f.py", 1, False),
        ImportRecord("d", (), 0, "pkg/f.py", 1, False),
        ImportRecord("", ("x",), 1, "pkg/f.py", 2, False),
        ImportRecord("pkg.mod", ("y", "w"), 2, "pkg/f.py", 3, False),
        ImportRecord("m", ("*",), 0, "pkg/f.py", 5, False),
        ImportRecord("__future__", ("annotations",), 0, "pkg/f.py", 6, False),
        ImportRecord("sub", (), 1, "pkg/f.py", 7, False),
        ImportRecord("up", (), 2, "pkg/f.py", 8, False),
    ]


def test_line_numbers_and_sorting() -> None:
    source = '"""Doc.\n\nimport fake\n"""\n\nimport z\nimport a\n\n\ndef f():\n    import m\n'
    records = scan_source(source)
    assert [(r.line, r.module) for r in records] == [(6, "z"), (7, "a"), (11, "m")]
    assert scan_source("import b, a\n")[0].module == "a"  # same line: by module
    assert all(r.path == "<string>" for r in records)


def test_record_is_frozen() -> None:
    record = scan_source("import os\n")[0]
    with pytest.raises(AttributeError):
        record.module = "sys"  # type: ignore[misc]


def test_bytes_source_and_bom() -> None:
    expected = [ImportRecord("os", (), 0, "<string>", 2, False)]
    assert scan_source(b"# coding: utf-8\nimport os\n") == expected
    assert scan_source(b"\xef\xbb\xbf# bom\nimport os\n") == expected
    assert scan_source("\ufeff# bom\nimport os\n") == expected
    assert scan_source("# caf\u00e9\nimport os\n".encode()) == expected
    assert scan_source(b"import os\r\nimport sys\r\n")[1].line == 2


def test_undecodable_bytes() -> None:
    with pytest.raises(PackageError) as info:
        scan_source(b"# caf\xe9\nimport os\n", "latin.py")
    assert info.value.path == Path("latin.py")
    assert "UTF-8" in info.value.message


# (source, 1-based line of the first error)
SYNTAX_ERRORS = [
    ("def f(:\n    pass\n", 1),
    ("import os\nx = (1,\ny = 2\n", 2),
    ("import\n", 1),
    ("x = 1\nfor x in :\n    pass\n", 2),
    ("x = 1\nif x\n    pass\n", 2),
    ("x = 1\nprint('a'\n", 2),
    ("x = 1\nclass\n", 2),
    ("x = 1\nfrom . import\n", 2),
    ("import os\n\ndef f():\n    x = [1, 2\n    return x\n", 4),
    ("a = 1\nb = 2 +\nc = 3\n", 2),
    ("x = {'a': 1,, 'b': 2}\n", 1),
    ("x = 1\ny = 'unterminated\n", 2),
    ("x = [i for i in]\n", 1),
    ("import os\nprint 'python 2'\n", 2),
    ("exec 'code'\n", 1),
    ("x = 1\ntry:\n    pass\ny = 2\n", 2),
    # an error deep inside a long valid stretch is reported where it is, not at line 1
    (
        "import os\n\nclass A:\n    def f(self):\n        (bar.\n    baz)\n\n    def g(self):\n"
        "        pass\n",
        5,
    ),
]


@pytest.mark.parametrize(("source", "line"), SYNTAX_ERRORS)
def test_syntax_error_line(source: str, line: int) -> None:
    with pytest.raises(InferenceError) as info:
        scan_source(source, "bad.py")
    error = info.value
    assert error.line == line
    assert error.path == Path("bad.py")
    assert error.message.startswith("syntax error")
    assert error.hint
    assert f"bad.py:{line}: syntax error" in str(error)


MODERN_SYNTAX = {
    "match": """\
        match command.split():
            case [action]:
                pass
            case ["go", direction] | ["move", direction]:
                pass
            case {"x": x, **rest} if x > 0:
                pass
            case Point(x=0, y=0):
                pass
            case _:
                pass
        match = case = type = 1
        """,
    "walrus": "if (n := len(a)) > 10:\n    print(n)\nxs = [y for x in z if (y := f(x))]\n",
    "fstrings": """\
        name = "x"
        a = f"{name!r:>{width}} {{literal}}"
        b = f"{'a' + "b"}"
        c = f"{f"{f"{1}"}"}"
        d = f"{"\\n".join(lines)}"
        e = f'{a["k"]}' rf"\\d{x}" fR'''{y}
        '''
        """,
    "type alias": "type Point = tuple[float, float]\ntype ListOrSet[T] = list[T] | set[T]\n",
    "generics": """\
        def first[T](xs: list[T]) -> T:
            return xs[0]

        class Box[T: (int, str), *Ts, **P]:
            def get[S](self, s: S) -> T: ...
        """,
    "decorators": "@a.b(c)\n@d[0].e\n@(lambda f: f)\ndef g(): pass\n",
    "async": """\
        async def f():
            async with a as b, c:
                async for x in b:
                    await x
            return [y async for y in z]
        """,
    "except star": "try:\n    pass\nexcept* (A, B) as eg:\n    raise\n",
    "parenthesized with": "with (\n    open(a) as b,\n    open(c) as d,\n):\n    pass\n",
    "misc": """\
        def f(a, /, b, *, c=1, **kw): ...
        x = [*a, *b]; y = {**c}
        print >> sys.stderr, "valid Python 3, if useless"
        lambda: (yield)
        global_ = not_ = 0
        del x[0], y
        assert x, "msg"
        raise E from None
        nums = 1_000 + 0x_ff + 1e-3j
        """,
    "tstrings": "greeting = t'Hello {name}'\n",
    "unparenthesized except": "try:\n    pass\nexcept A, B:\n    pass\n",
}


@pytest.mark.parametrize("source", MODERN_SYNTAX.values(), ids=list(MODERN_SYNTAX))
def test_modern_syntax_is_valid(source: str) -> None:
    assert scan_source(textwrap.dedent(source) + "import os\n")[-1].module == "os"


@pytest.mark.xfail(reason="ast-grep-py's tree-sitter-python has no PEP 696 type defaults")
def test_type_parameter_defaults() -> None:
    scan_source("def f[T = int](x: T) -> T: ...\n")


def write(root: Path, name: str, text: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def test_scan_file(tmp_path: Path) -> None:
    path = write(tmp_path, "m.py", "import os\n")
    assert scan_file(path) == [ImportRecord("os", (), 0, str(path), 1, False)]
    with pytest.raises(PackageError) as info:
        scan_file(tmp_path / "missing.py")
    assert info.value.path == tmp_path / "missing.py"
    with pytest.raises(InferenceError) as info:
        scan_file(write(tmp_path, "bad.py", "x = 1\ndef (\n"))
    assert info.value.line == 2


def test_scan_files_sorted_and_deduplicated(tmp_path: Path) -> None:
    b = write(tmp_path, "b.py", "import zeta\nimport alpha\n")
    a = write(tmp_path, "a.py", "import beta\n")
    records = scan_files([str(b), a, b])
    assert [(Path(r.path).name, r.line, r.module) for r in records] == [
        ("a.py", 1, "beta"),
        ("b.py", 1, "zeta"),
        ("b.py", 2, "alpha"),
    ]
    assert records[0].path == str(a)
    assert scan_files([]) == []


def test_scan_files_errors(tmp_path: Path) -> None:
    good = write(tmp_path, "good.py", "import os\n")
    bad = write(tmp_path, "bad.py", "import os\nx = (\n")
    latin = write(tmp_path, "latin.py", b"# \xe9\nimport os\n")
    missing = tmp_path / "missing.py"
    with pytest.raises(InferenceError) as info:
        scan_files([good, bad])
    assert info.value.path == bad
    errors: list[PackyardError] = []
    records = scan_files([good, bad, latin, missing], on_error=errors.append)
    assert [r.path for r in records] == [str(good)]
    assert sorted((type(e).__name__, e.path) for e in errors) == [
        ("InferenceError", bad),
        ("PackageError", latin),
        ("PackageError", missing),
    ]


def test_scan_files_in_a_process_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [write(tmp_path, f"m{i}.py", f"import mod{i}\n") for i in range(30)]
    paths.append(write(tmp_path, "bad.py", "def (\n"))
    serial_errors: list[PackyardError] = []
    serial = scan_files(paths, on_error=serial_errors.append)
    monkeypatch.setattr(imports, "_POOL_MIN_FILES", 10)
    monkeypatch.setattr(imports, "_worker_count", lambda files: 2)
    pooled_errors: list[PackyardError] = []
    pooled = scan_files(paths, on_error=pooled_errors.append)
    assert pooled == serial
    assert len(pooled) == 30
    assert [str(e) for e in pooled_errors] == [str(e) for e in serial_errors]


def cache_leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != ScanCache.FILE_NAME)


def no_parsing(datas: list[bytes]) -> list:
    raise AssertionError(f"parsed {len(datas)} files despite the cache")


def test_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    one = write(src, "one.py", "import os\n")
    two = write(src, "two.py", "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n")
    bad = write(src, "bad.py", "def (\n")
    cache_dir = tmp_path / ".packyard" / "cache" / "imports"

    errors: list[PackyardError] = []
    first = scan_files([one, two, bad], cache=ScanCache(cache_dir), on_error=errors.append)
    assert {(r.module, r.optional) for r in first} == {("os", False), ("yaml", True)}
    cache_file = cache_dir / ScanCache.FILE_NAME
    assert cache_file.is_file()
    assert cache_leftovers(cache_dir) == []  # written atomically, no temporary file left
    stamp = cache_file.stat().st_mtime_ns

    # Second run: everything comes from the cache, nothing is parsed, nothing rewritten.
    monkeypatch.setattr(imports, "_scan_many", no_parsing)
    cache = ScanCache(cache_dir)
    again_errors: list[PackyardError] = []
    assert scan_files([one, two, bad], cache=cache, on_error=again_errors.append) == first
    assert len(cache) == 3
    assert [str(e) for e in again_errors] == [str(e) for e in errors]  # failures are cached
    assert cache_file.stat().st_mtime_ns == stamp
    with pytest.raises(InferenceError):
        scan_files([bad], cache=cache)
    monkeypatch.undo()

    # Touching a file without changing it keeps it cached: the key is the content.
    os.utime(one, (1, 1))
    monkeypatch.setattr(imports, "_scan_many", no_parsing)
    assert scan_files([one], cache=ScanCache(cache_dir)) == first[:1]
    monkeypatch.undo()

    # Editing a file changes the result, and the new content is cached.
    one.write_text("import sys\nimport json\n", encoding="utf-8")
    edited = scan_files([one, two], cache=ScanCache(cache_dir))
    assert [r.module for r in edited] == ["sys", "json", "yaml"]
    assert cache_leftovers(cache_dir) == []
    monkeypatch.setattr(imports, "_scan_many", no_parsing)
    assert scan_files([one, two], cache=ScanCache(cache_dir)) == edited


def test_cache_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    path = write(tmp_path, "m.py", "import os\n")
    scan_files([path], cache=ScanCache(cache_dir))
    cache_file = cache_dir / ScanCache.FILE_NAME
    inode = cache_file.stat().st_ino
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        replaced.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(scan_cache.os, "replace", spy)
    path.write_text("import sys\n", encoding="utf-8")
    scan_files([path], cache=ScanCache(cache_dir))
    assert len(replaced) == 1
    temp, target = replaced[0]
    assert Path(target) == cache_file
    assert Path(temp).parent == cache_dir and not Path(temp).exists()
    assert cache_file.stat().st_ino != inode  # a new file, not rewritten in place
    assert cache_leftovers(cache_dir) == []


def test_cache_failed_write_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    path = write(tmp_path, "m.py", "import os\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(scan_cache.os, "replace", broken_replace)
    assert [r.module for r in scan_files([path], cache=ScanCache(cache_dir))] == ["os"]
    assert list(cache_dir.iterdir()) == []


def test_cache_drops_least_recently_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ScanCache, "MAX_ENTRIES", 4)
    cache_dir = tmp_path / "cache"
    keep = write(tmp_path, "keep.py", "import keep\n")
    for i in range(6):
        other = write(tmp_path, f"o{i}.py", f"import o{i}\n")
        scan_files([keep, other], cache=ScanCache(cache_dir))
        assert len(ScanCache(cache_dir)) <= 4
    monkeypatch.setattr(imports, "_scan_many", no_parsing)
    records = scan_files([keep, other], cache=ScanCache(cache_dir))
    assert [r.module for r in records] == ["keep", "o5"]
    with pytest.raises(AssertionError, match="parsed 1 files"):
        scan_files([tmp_path / "o0.py"], cache=ScanCache(cache_dir))


@pytest.mark.parametrize("content", [b"", b"garbage", b"\xe3\x00\x00\x00\x00"])
def test_damaged_cache_is_ignored(tmp_path: Path, content: bytes) -> None:
    cache_dir = tmp_path / "cache"
    write(cache_dir, ScanCache.FILE_NAME, content)
    path = write(tmp_path, "m.py", "import os\n")
    assert [r.module for r in scan_files([path], cache=ScanCache(cache_dir))] == ["os"]
    assert len(ScanCache(cache_dir)) == 1


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("os", True),
        ("os.path", True),
        ("__future__", True),
        ("importlib.metadata", True),
        ("distutils.core", True),  # removed in 3.12
        ("imp", True),
        ("asynchat", True),
        ("telnetlib", True),  # removed in 3.13
        ("tomllib", True),  # added in 3.11
        ("annotationlib", True),  # added in 3.14
        ("compression.zstd", True),
        ("_interpreters", True),
        ("requests", False),
        ("packyard", False),
        ("", False),
        (".relative", False),
        ("osx", False),
    ],
)
def test_is_stdlib(module: str, expected: bool) -> None:
    assert is_stdlib(module) is expected


def test_stdlib_modules_cover_this_python() -> None:
    import sys

    assert set(sys.stdlib_module_names) <= STDLIB_MODULES
    assert VERSION_DEPENDENT_MODULES <= STDLIB_MODULES
    assert all(name.isidentifier() for name in STDLIB_MODULES)
