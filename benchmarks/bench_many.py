"""Many packages at once: ``packyard test-install --all -j N`` on a generated repository,
cold, then unchanged (all cache hits), then after touching one package.

    python benchmarks/bench_many.py [--packages 100] [--jobs 2]

The repository has ``--packages`` single-file packages, each with a pytest file, in
groups of five: one base package and four that import it (a sibling each). Touching a
base package re-runs it and its four dependents; everything else stays a cache hit.
Every install comes from a local pypiserver on 127.0.0.1 serving the test wheelhouse.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tooling"))
sys.path.insert(0, str(ROOT))

from packyard.index.local import LocalIndex  # noqa: E402
from tests.conftest import ensure_wheelhouse  # noqa: E402

GROUP = 5


def make_repo(base: Path, index_url: str, count: int) -> Path:
    """A repository of ``count`` packages ``pkg000``...: every fifth is a base, the four
    after it import it."""
    root = base / "repo"
    packages = root / "packages"
    packages.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "bench"\nversion = "0"\n[tool.packyard]\nindex-url = "{index_url}"\n'
    )
    for number in range(count):
        name = f"pkg{number:03d}"
        base_name = f"pkg{number - number % GROUP:03d}"
        if name == base_name:
            body = f'"""Package {number}."""\n\n\ndef value():\n    return {number}\n'
            check = f"{name}.value() == {number}"
        else:
            body = (
                f'"""Package {number}."""\n\nimport {base_name}\n\n\n'
                f"def value():\n    return {base_name}.value() + 1\n"
            )
            check = f"{name}.value() == {number - number % GROUP + 1}"
        (packages / f"{name}.py").write_text(body)
        (packages / f"test_{name}.py").write_text(
            f"import {name}\n\n\ndef test_value():\n    assert {check}\n"
        )
    return root


def run_all(root: Path, jobs: int) -> tuple[float, dict[str, int], int]:
    """Run ``packyard test-install --all -j JOBS``; returns (seconds, results, status)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "packyard", "test-install", "--all", "-j", str(jobs)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    counts: dict[str, int] = {}
    for line in done.stdout.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 2:
            counts[cells[1]] = counts.get(cells[1], 0) + 1
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
    return seconds, counts, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=100, help="how many packages")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (-j)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="packyard-bench-many-") as tmp:
        base = Path(tmp)
        index_dir = base / "index"
        shutil.copytree(ensure_wheelhouse(), index_dir)
        with LocalIndex(index_dir) as index:
            root = make_repo(base, index.simple_url, args.packages)
            os.environ["UV_CACHE_DIR"] = str(base / "uv-cache")
            rows = [("cold", *run_all(root, args.jobs))]
            rows.append(("unchanged", *run_all(root, args.jobs)))
            touched = root / "packages" / "pkg000.py"
            touched.write_text(touched.read_text() + "# touched\n")
            rows.append(("pkg000 touched", *run_all(root, args.jobs)))
    cold = rows[0][1]
    print(f"packyard test-install --all -j {args.jobs}, {args.packages} packages\n")
    print(f"| {'run':<15} | {'seconds':>8} | {'/ cold':>6} | results |")
    print(f"| {'-' * 15} | {'-' * 7}:| {'-' * 5}:| --- |")
    for name, seconds, counts, status in rows:
        results = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
        flag = "" if status == 0 else f" (exit {status})"
        print(f"| {name:<15} | {seconds:8.1f} | {seconds / cold:6.2f} | {results}{flag} |")


if __name__ == "__main__":
    main()
