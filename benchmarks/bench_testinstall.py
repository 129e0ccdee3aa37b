"""Wall time of a test-install of a small package: packyard uncached, the naive pipeline,
and packyard's cache hit, side by side in one run.

    python benchmarks/bench_testinstall.py [--repeat N]

The package is the example ``confstack`` (pure Python, one dependency: PyYAML; a pytest
file and doctests). Every variant installs from the same local pypiserver on 127.0.0.1
(serving the test wheelhouse), so the network is not measured. "cold" is the first run
(empty installer cache, no bytecode yet), "warm" the median of ``--repeat`` later runs.

* packyard uncached: ``test_install`` without the result cache: assemble, sdist and
  wheel, twine check and the file lists, a fresh venv, install the wheel, import, tests;
* naive: the same steps by hand, each tool in turn: ``python -m build``,
  ``twine check --strict``, ``python -m venv``, ``pip install`` of the wheel and pytest,
  import, pytest;
* packyard cache hit: ``test_install`` with the result cache, inputs unchanged since a
  pass (no build, no venv).

Compare ratios within one run: the machine is small and shared, so absolute numbers vary.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tooling"))
sys.path.insert(0, str(ROOT))

from packyard.building.testinstall import test_install  # noqa: E402
from packyard.index.local import LocalIndex  # noqa: E402
from packyard.repo import Repository  # noqa: E402
from tests.conftest import ensure_wheelhouse  # noqa: E402

PACKAGE = "confstack"


def make_repo(base: Path, index_url: str) -> Path:
    root = base / "repo"
    (root / "packages").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "bench"\nversion = "0"\n[tool.packyard]\nindex-url = "{index_url}"\n'
    )
    for name in (f"{PACKAGE}.py", f"test_{PACKAGE}.py"):
        shutil.copy2(ROOT / "packages" / name, root / "packages" / name)
    return root


def packyard_run(root: Path, *, use_cache: bool = False) -> float:
    start = time.perf_counter()
    test_install(
        Repository.open(root).resolve(PACKAGE), progress=lambda _: None, use_cache=use_cache
    )
    return time.perf_counter() - start


def baseline_run(root: Path, index_url: str, scratch: Path) -> float:
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    start = time.perf_counter()
    out = scratch / "dist"
    shutil.rmtree(out, ignore_errors=True)

    def run(*args: str | Path, cwd: Path | None = None) -> None:
        subprocess.run(
            [str(a) for a in args],
            check=True,
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, root / "build" / PACKAGE)
    files = sorted(out.iterdir())
    run(sys.executable, "-m", "twine", "check", "--strict", *files)
    venv = scratch / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    run(sys.executable, "-m", "venv", venv)
    wheel = next(f for f in files if f.suffix == ".whl")
    run(
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--index-url",
        index_url,
        wheel,
        "pytest",
    )
    work = scratch / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    shutil.copy2(root / "packages" / f"test_{PACKAGE}.py", work)
    run(venv / "bin" / "python", "-c", f"import {PACKAGE}", cwd=work)
    run(
        venv / "bin" / "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--doctest-modules",
        "--pyargs",
        PACKAGE,
        f"test_{PACKAGE}.py",
        cwd=work,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs to take the median of")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="packyard-bench-") as tmp:
        base = Path(tmp)
        index_dir = base / "index"
        shutil.copytree(ensure_wheelhouse(), index_dir)
        with LocalIndex(index_dir) as index:
            root = make_repo(base, index.simple_url)
            os.environ["UV_CACHE_DIR"] = str(base / "uv-cache")
            os.environ["PIP_CACHE_DIR"] = str(base / "pip-cache")
            scratch = base / "baseline"
            scratch.mkdir()
            cold = packyard_run(root)
            cold_b = baseline_run(root, index.simple_url, scratch)
            warm, warm_b = [], []
            for _ in range(args.repeat):  # alternated, so both see the same machine load
                warm.append(packyard_run(root))
                warm_b.append(baseline_run(root, index.simple_url, scratch))
            packyard_run(root, use_cache=True)  # a pass to remember
            hits = [packyard_run(root, use_cache=True) for _ in range(args.repeat)]
    naive = statistics.median(warm_b)
    rows = [
        ("naive: build, venv, pip, pytest", cold_b, naive),
        ("packyard test-install, uncached", cold, statistics.median(warm)),
        ("packyard test-install, cache hit", None, statistics.median(hits)),
    ]
    print(f"test-install of {PACKAGE!r} (1 dependency), median of {args.repeat} warm runs\n")
    print(f"| {'variant':<34} | {'cold s':>7} | {'warm s':>7} | {'warm / naive':>12} |")
    print(f"| {'-' * 34} | {'-' * 6}:| {'-' * 6}:| {'-' * 11}:|")
    for name, c, w in rows:
        cold_text = f"{c:7.2f}" if c is not None else f"{'—':>7}"
        print(f"| {name:<34} | {cold_text} | {w:7.2f} | {w / naive:12.3f} |")


if __name__ == "__main__":
    main()
