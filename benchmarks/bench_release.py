"""How long does a whole release take, and where does the time go?

Makes a small git repository holding one single-file package with a test, then times
:func:`packyard.release.pipeline.release` of it to the default repository ``local`` (a pypiserver
started on 127.0.0.1 over ``.packyard/index/``): plan, index query, the test-install
(assemble, build, check, venv, install, import, tests), twine upload, verification
(install from the index into a fresh venv), record (tracking file, README, commit, tag).
Dependencies (pytest for the package's test) come from a local index over the test
wheelhouse, so no remote index is involved. Each run uses a fresh repository and releases
0.1.0; the table gives the median of each step and its share of the whole.

    python benchmarks/bench_release.py [--runs 3]

Target: a whole release of a small package in under 15 seconds on a 2-core machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import packyard  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT / "tooling"))
sys.path.insert(0, str(ROOT))

from packyard.index.local import LocalIndex  # noqa: E402
from packyard.release.pipeline import release  # noqa: E402
from packyard.release.planning import ReleaseOptions  # noqa: E402
from packyard.release.readme_table import END, START  # noqa: E402
from packyard.repo import Repository  # noqa: E402
from tests.conftest import ensure_wheelhouse  # noqa: E402

TARGET_SECONDS = 15.0
MODULE = '"""Add numbers.\n\n>>> add(2, 3)\n5\n"""\n\n\ndef add(a, b):\n    return a + b\n'
TEST = "import adder\n\n\ndef test_add():\n    assert adder.add(2, 2) == 4\n"


def make_repo(root: Path, deps_index: str) -> None:
    """A git repository with the package ``adder`` and one commit."""
    (root / "packages").mkdir(parents=True)
    (root / "packages" / "adder.py").write_text(MODULE)
    (root / "packages" / "test_adder.py").write_text(TEST)
    (root / "README.md").write_text(f"# bench\n\n{START}\n{END}\n")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "bench"\nversion = "0"\n\n[tool.packyard]\nindex-url = "{deps_index}"\n'
    )
    shutil.copy(ROOT / ".gitignore", root / ".gitignore")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Bench")
    git("config", "user.email", "bench@example.invalid")
    git("config", "commit.gpgsign", "false")
    git("config", "tag.gpgsign", "false")
    git("add", "-A")
    git("commit", "-q", "-m", "feat(adder): first")


def one_run(work: Path, deps_index: str) -> dict[str, float]:
    """Seconds per step of one release (steps of the same name summed), plus ``total``."""
    root = work / "repo"
    make_repo(root, deps_index)
    options = ReleaseOptions(pypirc=work / "no-pypirc")
    start = time.perf_counter()
    results = release(Repository.open(root), ["adder"], options, progress=lambda _: None)
    total = time.perf_counter() - start
    result = results[0]
    if result.status != "released":
        raise SystemExit(f"release failed: {result.error.render() if result.error else result}")
    steps: dict[str, float] = defaultdict(float)
    for name, seconds in result.steps:
        steps[name] += seconds
    steps["local index start/stop, other"] = total - sum(steps.values())
    steps["total"] = total
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    samples: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="bench-release-") as scratch:
        base = Path(scratch)
        shutil.copytree(ensure_wheelhouse(), base / "wheelhouse")
        with LocalIndex(base / "wheelhouse") as deps:
            for run in range(args.runs):
                work = base / f"run{run}"
                work.mkdir()
                for name, seconds in one_run(work, deps.simple_url).items():
                    samples[name].append(seconds)
    total = statistics.median(samples.pop("total"))
    print(f"release of a small package to the local index, median of {args.runs} run(s)\n")
    print(f"{'step':<32} {'seconds':>8} {'share':>7}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:<32} {median:>8.2f} {median / total:>7.0%}")
    print(f"{'total':<32} {total:>8.2f} {1:>7.0%}")
    verdict = "met" if total < TARGET_SECONDS else "MISSED"
    print(f"\ntarget: under {TARGET_SECONDS:.0f} s -> {verdict}")
    return 0 if total < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
