"""Benchmark import scanning (packyard.inference.imports) against the ``ast.parse`` floor.

Usage::

    python benchmarks/bench_inference.py [--root DIR] [--repeat N] [--warm-runs N] [--check]

Collects every ``.py`` file under ``--root`` (default: this Python's standard library,
without ``site-packages``), then times

1. the *parse floor*: reading each file and ``ast.parse`` of its bytes, in this process;
2. ``scan_files`` with an empty cache (a fresh temporary directory): the first run;
3. ``scan_files`` again over the unchanged files with the warm cache (a new
   :class:`~packyard.inference.scan_cache.ScanCache` object, so the cache file is read from disk);

and prints files, MB, seconds, files/s and MB/s for each, with the ratio of the first
scan to the floor. Files that fail to decode or parse are skipped and counted. The
targets are a ratio of at most 1.5 and a warm run under 0.2 s; ``--check`` exits with
status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import sys
import sysconfig
import tempfile
import time
import warnings
from pathlib import Path

try:
    import packyard  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tooling"))

from packyard.errors import PackyardError
from packyard.inference.import_map import ImportMap
from packyard.inference.imports import scan_files
from packyard.inference.scan_cache import ScanCache
from packyard.stdlib import is_stdlib

SKIP_DIRS = {"__pycache__", "site-packages", "dist-packages"}
RATIO_TARGET = 1.5
WARM_TARGET = 0.2


def collect(root: Path) -> list[str]:
    """Every ``.py`` file under ``root`` (sorted), skipping caches and site-packages."""
    files = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS)
        files.extend(os.path.join(directory, n) for n in sorted(names) if n.endswith(".py"))
    return files


def parse_floor(files: list[str]) -> tuple[float, int]:
    """Seconds to read and ``ast.parse`` every file, and how many failed."""
    failed = 0
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning: invalid escape sequences...
        for name in files:
            try:
                with open(name, "rb") as handle:
                    ast.parse(handle.read(), name)
            except (SyntaxError, ValueError, UnicodeDecodeError, OSError):
                failed += 1
    return time.perf_counter() - start, failed


def scan(files: list[str], cache_dir: str) -> tuple[float, int]:
    """Seconds for one ``scan_files`` run with the cache in ``cache_dir``, and failures."""
    errors: list[PackyardError] = []
    start = time.perf_counter()
    scan_files(files, cache=ScanCache(cache_dir), on_error=errors.append)
    return time.perf_counter() - start, len(errors)


def infer_all(files: list[str], cache_dir: str) -> tuple[float, int]:
    """Seconds for the whole inference over ``files``: scan (with the cache in
    ``cache_dir``), drop the standard library and relative imports, map every other
    import name to a distribution."""
    errors: list[PackyardError] = []
    start = time.perf_counter()
    mapper = ImportMap()
    for record in scan_files(files, cache=ScanCache(cache_dir), on_error=errors.append):
        top = record.module.split(".", 1)[0]
        if record.level or not top or is_stdlib(top):
            continue
        mapper.resolve(record.module, record.names)
    return time.perf_counter() - start, len(errors)


def row(label: str, files: int, skipped: int, megabytes: float, seconds: float) -> str:
    return (
        f"{label:<30} {files:>7} {skipped:>8} {megabytes:>8.1f} {seconds:>9.3f}"
        f" {files / seconds:>10.0f} {megabytes / seconds:>8.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(sysconfig.get_paths()["stdlib"]),
        help="directory to scan (default: this Python's standard library)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of the floor and first scan; best is shown"
    )
    parser.add_argument(
        "--warm-runs", type=int, default=5, help="warm-cache runs; the median is shown"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    files = collect(args.root)
    if not files:
        parser.error(f"no .py files under {args.root}")
    megabytes = sum(os.path.getsize(f) for f in files) / 1e6
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"root: {args.root}")
    print(f"python {sys.version.split()[0]}, {cpus} CPUs, {len(files)} files, {megabytes:.1f} MB")

    # Alternate floor and scan runs, so that a load spike on a shared machine does not
    # land on one side only; the best of each is shown.
    floor_runs, cold_runs = [], []
    for _ in range(args.repeat):
        floor_runs.append(parse_floor(files))
        with tempfile.TemporaryDirectory(prefix="packyard-bench-") as cache_dir:
            cold_runs.append(scan(files, cache_dir))
    floor, floor_failed = min(floor_runs)
    with tempfile.TemporaryDirectory(prefix="packyard-bench-") as cache_dir:
        first_infer = infer_all(files, cache_dir)
        warm_runs = [scan(files, cache_dir) for _ in range(args.warm_runs)]
        warm_infer = statistics.median(
            infer_all(files, cache_dir)[0] for _ in range(args.warm_runs)
        )
    cold, cold_failed = min(cold_runs)
    warm = statistics.median(seconds for seconds, _ in warm_runs)
    warm_failed = warm_runs[0][1]

    print()
    print(
        f"{'step':<30} {'files':>7} {'skipped':>8} {'MB':>8} {'seconds':>9}"
        f" {'files/s':>10} {'MB/s':>8}"
    )
    print(row("ast.parse floor", len(files), floor_failed, megabytes, floor))
    print(row("scan, empty cache", len(files), cold_failed, megabytes, cold))
    label = f"scan, warm cache (median of {len(warm_runs)})"
    print(row(label, len(files), warm_failed, megabytes, warm))
    print(
        row("inference (scan + map), first", len(files), first_infer[1], megabytes, first_infer[0])
    )
    print(row("inference, warm cache", len(files), first_infer[1], megabytes, warm_infer))
    ratio = cold / floor
    print()
    print(f"scan/floor ratio: {ratio:.2f} (target <= {RATIO_TARGET})")
    print(f"warm re-run: {warm:.3f} s (target < {WARM_TARGET} s)")
    missed = ratio > RATIO_TARGET or warm >= WARM_TARGET
    if missed:
        print("TARGET MISSED")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
