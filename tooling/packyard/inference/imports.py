"""Find the imports of Python source files: one source text, one file, or many files at
once (each parsed once, through the scan cache, in a process pool when there are many).

Dependency inference starts here: every module a package's files import, with the line
it is imported on and whether the import is *optional* (guarded so that a missing module
is tolerated), as :class:`ImportRecord` objects. The parsing itself and its rules are in
:mod:`packyard.inference.scanner`, the cache in :mod:`packyard.inference.scan_cache`.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from packyard.errors import InferenceError, PackageError, PackyardError
from packyard.inference.scan_cache import ScanCache, StrPath
from packyard.inference.scanner import (
    SYNTAX_HINT,
    Failure,
    Payload,
    Row,
    SyntaxProblem,
    extract,
    scan_bytes,
)

__all__ = ["ImportRecord", "scan_file", "scan_files", "scan_source"]

log = logging.getLogger("packyard")

#: Below this many files to parse, scan in-process: starting workers costs ~0.05 s
#: (fork) to ~0.3 s (spawn), more than parsing a small package.
_POOL_MIN_FILES = 200
_POOL_MAX_WORKERS = 8


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One imported module, as written in one file.

    Attributes:
        module: the dotted module as written, without leading dots (``""`` for
            ``from . import x``).
        names: for ``from M import a, b as c``: ``("a", "b")``; ``()`` for ``import M`` and
            for ``import_module``/``__import__`` calls; ``("*",)`` for a star import.
        level: the number of leading dots of a relative import; 0 for an absolute one.
        path: the file, exactly as given to the scanner (``"<string>"`` by default for
            :func:`scan_source`).
        line: the 1-based line the import statement or call starts on.
        optional: True when the import is guarded against the module being missing (see
            :mod:`packyard.inference.import_context` for the exact rules).
        condition: the version or platform guard the import runs under, as
            :func:`packyard.inference.guards.import_conditions` gives it; None when it always runs.
            :func:`packyard.inference.verdicts.evaluate` turns it into a verdict for a
            ``requires-python``.
    """

    module: str
    names: tuple[str, ...]
    level: int
    path: str
    line: int
    optional: bool
    condition: tuple | None = None


def _scan_batch(batch: list[bytes]) -> list[Payload]:
    return [scan_bytes(data) for data in batch]


def _failure_error(failure: Failure, path: str) -> PackyardError:
    kind, message, line, hint = failure
    cls = InferenceError if kind == "InferenceError" else PackageError
    return cls(message, path=path, line=line, hint=hint)


def _records(rows: Iterable[Row], path: str) -> list[ImportRecord]:
    return [
        ImportRecord(module, names, level, path, line, optional, condition)
        for module, names, level, line, optional, condition in rows
    ]


def scan_source(source: str | bytes, path: str = "<string>") -> list[ImportRecord]:
    """Find the imports in one piece of Python source.

    Args:
        source: the source text; bytes are decoded as UTF-8 (a leading BOM is dropped, a
            PEP 263 coding declaration is not honoured).
        path: the name recorded in each :class:`ImportRecord` and in error messages.

    Returns:
        The imports (see :mod:`packyard.inference.scanner` for the rules), sorted by line then
        module; an empty list for a file without any.

    Raises:
        InferenceError: the source has a syntax error; ``line`` is the 1-based line of the
            first one.
        PackageError: ``source`` is bytes that are not valid UTF-8.
    """
    if isinstance(source, bytes):
        failure, rows = scan_bytes(source)
        if failure is not None:
            raise _failure_error(failure, path)
        return _records(rows, path)
    try:
        rows = extract(source.removeprefix("\ufeff"))
    except SyntaxProblem as exc:
        raise InferenceError(exc.message, path=path, line=exc.line, hint=SYNTAX_HINT) from None
    return _records(rows, path)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise PackageError(
            f"cannot read source file: {exc.strerror or exc}",
            path=path,
            hint="check that the file exists and is readable",
        ) from exc


def scan_file(path: StrPath) -> list[ImportRecord]:
    """Find the imports in one Python file (no cache, no pool).

    Args:
        path: the file (str or path-like); recorded as ``os.fspath(path)``.

    Returns:
        The file's imports, sorted by line then module.

    Raises:
        PackageError: the file cannot be read, or is not valid UTF-8.
        InferenceError: the file has a syntax error (``line`` is the first one's).
    """
    name = os.fspath(path)
    return scan_source(_read(name), name)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while allocating many small, acyclic objects
    (cache entries, records): its passes would find nothing to free (~10% of a warm run).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _worker_count(files: int) -> int:
    if files < _POOL_MIN_FILES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _POOL_MAX_WORKERS))


def _start_method() -> str:
    """``fork`` (instant start) when this process has a single thread, else ``spawn``.

    Forking a multi-threaded process can deadlock the child, and Python 3.12+ warns
    about it; spawning re-imports ``__main__`` in each worker, so scripts calling
    :func:`scan_files` at top level need an ``if __name__ == "__main__":`` guard then.
    """
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        try:
            if len(os.listdir("/proc/self/task")) == 1:
                return "fork"
        except OSError:
            pass
    return "spawn"


def _scan_many(datas: list[bytes]) -> list[Payload]:
    """Scan contents, in a process pool when there are many of them."""
    workers = _worker_count(len(datas))
    if workers < 2:
        return _scan_batch(datas)
    # Biggest first, in batches of about equal size: no worker is left with a long tail.
    order = sorted(range(len(datas)), key=lambda i: len(datas[i]), reverse=True)
    target = max(1, sum(map(len, datas)) // (workers * 8))
    batches: list[list[int]] = []
    size = target
    for index in order:
        if size >= target:
            batches.append([])
            size = 0
        batches[-1].append(index)
        size += len(datas[index])
    results: list[Payload | None] = [None] * len(datas)
    try:
        context = multiprocessing.get_context(_start_method())
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            jobs = pool.map(_scan_batch, [[datas[i] for i in batch] for batch in batches])
            for batch, payloads in zip(batches, jobs, strict=True):
                for index, payload in zip(batch, payloads, strict=True):
                    results[index] = payload
    except (BrokenProcessPool, OSError) as exc:
        log.warning("import scan pool failed (%s); scanning in-process", exc)
        return _scan_batch(datas)
    return results  # type: ignore[return-value]


def scan_files(
    paths: Iterable[StrPath],
    *,
    cache: ScanCache | None = None,
    on_error: Callable[[PackyardError], None] | None = None,
) -> list[ImportRecord]:
    """Find the imports of many Python files.

    Files whose content is in ``cache`` are not parsed again. When more than a couple of
    hundred files need parsing, they are parsed in a process pool (one worker per CPU,
    at most 8); otherwise in this process.

    Args:
        paths: the files (str or path-like); each is recorded as ``os.fspath(path)``.
            Repeated paths are scanned once.
        cache: where to look up and store results; no caching when None. Saved before
            this function returns or raises.
        on_error: called with the error of each file that cannot be read, decoded or
            parsed, which is then skipped; when None the first such error (in path
            order) is raised once all files are scanned.

    Returns:
        All imports, sorted by (path, line, module).

    Raises:
        PackageError: a file cannot be read or is not valid UTF-8 (without ``on_error``).
        InferenceError: a file has a syntax error (without ``on_error``).
    """
    names = sorted({os.fspath(path) for path in paths})
    payloads: dict[str, Payload] = {}
    read_errors: dict[str, PackyardError] = {}
    misses: list[tuple[str, bytes, bytes | None]] = []
    with _gc_paused():
        for name in names:
            try:
                data = _read(name)
            except PackageError as exc:
                read_errors[name] = exc
                continue
            key = None
            if cache is not None:
                key = cache._key(data)
                hit = cache._get(key)
                if hit is not None:
                    payloads[name] = hit
                    continue
            misses.append((name, data, key))
    if misses:
        scanned = _scan_many([data for _name, data, _key in misses])
        for (name, _data, key), payload in zip(misses, scanned, strict=True):
            payloads[name] = payload
            if cache is not None and key is not None:
                cache._put(key, payload)
    if cache is not None:
        cache.save()
    records: list[ImportRecord] = []
    errors: list[PackyardError] = []
    with _gc_paused():
        for name in names:
            error = read_errors.get(name)
            if error is None:
                failure, rows = payloads[name]
                if failure is None:
                    records.extend(_records(rows, name))
                    continue
                error = _failure_error(failure, name)
            errors.append(error)
    if errors and on_error is None:
        raise errors[0]
    for error in errors:
        on_error(error)  # type: ignore[misc]
    return records
