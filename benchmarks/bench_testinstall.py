"""Wall time of a test-install of a small package, cold and warm, beside plain venv + pip.

    python benchmarks/bench_testinstall.py [--repeat N]

The package is the example ``confstack`` (pure Python, one dependency: PyYAML). Both
variants install from the same local pypiserver on 127.0.0.1 (serving the test wheelhouse),
so the network is not measured. "cold" uses an empty installer cache, "warm" the cache the
cold run filled. The baseline does the same steps by hand: ``python -m build``,
``twine check --strict``, ``python -m venv``, ``pip install`` of the wheel and pytest,
import, pytest.

Target (issue "test-install"): warm packyard test-install under 3 s on a 2-core machine.
Compare ratios within one run; the machine is small and noisy.
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

from packyard.localindex import LocalIndex  # noqa: E402
from packyard.repo import Repository  # noqa: E402
from packyard.testinstall import test_install  # noqa: E402
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


def packyard_run(root: Path) -> float:
    start = time.perf_counter()
    test_install(Repository.open(root), PACKAGE, progress=lambda _: None)
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
            rows = []
            os.environ["UV_CACHE_DIR"] = str(base / "uv-cache")
            cold = packyard_run(root)
            warm = statistics.median(packyard_run(root) for _ in range(args.repeat))
            rows.append(("packyard test-install (uv)", cold, warm))
            os.environ["PIP_CACHE_DIR"] = str(base / "pip-cache")
            scratch = base / "baseline"
            scratch.mkdir()
            cold_b = baseline_run(root, index.simple_url, scratch)
            warm_b = statistics.median(
                baseline_run(root, index.simple_url, scratch) for _ in range(args.repeat)
            )
            rows.append(("python -m venv + pip, same steps", cold_b, warm_b))
    print(f"test-install of {PACKAGE!r} (1 dependency), median of {args.repeat} warm runs\n")
    print(f"| {'variant':<34} | {'cold s':>7} | {'warm s':>7} |")
    print(f"| {'-' * 34} | {'-' * 7}:| {'-' * 7}:|")
    for name, c, w in rows:
        print(f"| {name:<34} | {c:7.2f} | {w:7.2f} |")
    print(f"\nwarm ratio packyard / baseline: {rows[0][2] / rows[1][2]:.2f}")
    print(f"target: warm packyard under 3 s -> {'met' if rows[0][2] < 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
