"""How fast is change detection (`invoke changed`) on a big repository?

Builds a synthetic packaging repository with ``git fast-import``: 1,000 packages (four in
five single modules, one in five folders of three modules), each importing the standard
library, a third-party distribution and up to three lower-numbered siblings, then 10,000
commits that each edit one package (every 500th commit edits ``tooling/``). Then times
:func:`packyard.changes.detect_changes` in-process, and ``packyard changed`` and
``invoke changed`` as a user runs them (a new process: interpreter start, imports, the
work), with the import-scan cache cold (removed before each run: a fresh CI checkout) and
warm. Medians of ``--repeat`` runs.

    python benchmarks/bench_changed.py [--packages 1000] [--commits 10000] [--repeat 5]
                                       [--keep DIR]   # build once, reuse

Target: under 1 second on a 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TASKS_PY = (Path(__file__).resolve().parent.parent / "tasks.py").read_text(encoding="utf-8")


def _module(index: int, rng: random.Random, revision: int = 0) -> str:
    siblings = sorted({f"pkg{rng.randrange(index):04d}" for _ in range(3)}) if index else []
    imports = "\n".join(f"import {s}" for s in siblings[: rng.randrange(4)])
    return (
        f'"""Package {index}, revision {revision}."""\n\n'
        "import json\nimport os\n\nimport requests\n"
        f"{imports}\n\n\n"
        f"def value_{revision}() -> int:\n    return {revision}\n"
    )


def build_repo(root: Path, packages: int, commits: int, seed: int = 7) -> None:
    """Write the synthetic repository at ``root`` with one ``git fast-import`` run."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    chunks: list[bytes] = []

    def blob(path: str, text: str) -> None:
        data = text.encode()
        chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    def commit(number: int, message: str) -> None:
        data = message.encode()
        stamp = 1_700_000_000 + number * 60
        chunks.append(
            f"commit refs/heads/main\nmark :{number}\n"
            f"committer Bench <bench@example.org> {stamp} +0000\n"
            f"data {len(data)}\n".encode()
            + data
            + b"\n"
        )
        if number > 1:
            chunks.append(f"from :{number - 1}\n".encode())

    folders = {i for i in range(packages) if i % 5 == 0}
    commit(1, "initial: many packages")
    blob(
        "pyproject.toml",
        '[project]\nname = "bench"\nversion = "0"\n\n[tool.packyard]\npackages-dir = "packages"\n',
    )
    blob("tasks.py", TASKS_PY)
    blob("tooling/README.md", "tooling\n")
    for i in range(packages):
        name = f"pkg{i:04d}"
        if i in folders:
            blob(f"packages/{name}/__init__.py", _module(i, rng))
            blob(f"packages/{name}/core.py", "from . import helpers\n\nimport yaml\n")
            blob(f"packages/{name}/helpers.py", "import re\n")
        else:
            blob(f"packages/{name}.py", _module(i, rng))
            blob(f"packages/test_{name}.py", f"import {name}\n\n\ndef test_it():\n    pass\n")
    for number in range(2, commits + 1):
        if number % 500 == 250:
            commit(number, f"tooling change {number}")
            blob("tooling/README.md", f"tooling {number}\n")
            continue
        i = rng.randrange(packages)
        name = f"pkg{i:04d}"
        commit(number, f"fix({name}): change {number}")
        path = f"packages/{name}/__init__.py" if i in folders else f"packages/{name}.py"
        blob(path, _module(i, random.Random(i), revision=number))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=b"".join(chunks), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    subprocess.run(["git", "gc", "-q"], cwd=root, check=True)


def _time_in_process(root: Path, base: str, cold: bool, repeat: int) -> tuple[float, int, int]:
    from packyard.changes import detect_changes
    from packyard.repo import Repository

    times = []
    result = None
    for _ in range(repeat):
        if cold:
            shutil.rmtree(root / ".packyard" / "cache", ignore_errors=True)
        start = time.perf_counter()
        result = detect_changes(Repository.open(root), base)
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), len(result.changed), len(result.to_test)


def _time_cli(root: Path, program: str, base: str, cold: bool, repeat: int) -> float:
    found = Path(sys.executable).with_name(program)
    command = [str(found) if found.exists() else program, "changed", "--base", base, "--json"]
    times = []
    for _ in range(repeat):
        if cold:
            shutil.rmtree(root / ".packyard" / "cache", ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(command, cwd=root, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per row (median shown)")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the repository here")
    args = parser.parse_args()

    workdir = None
    if args.keep:
        root = args.keep
    else:
        workdir = tempfile.mkdtemp(prefix="bench-changed-")
        root = Path(workdir) / "repo"
    try:
        if not (root / ".git").exists():
            start = time.perf_counter()
            build_repo(root, args.packages, args.commits)
            print(
                f"built {args.packages} packages, {args.commits} commits "
                f"in {time.perf_counter() - start:.1f} s at {root}\n"
            )
        print(
            f"{'range':<22} {'cache':<6} {'changed':>7} {'tested':>7} "
            f"{'in-process s':>13} {'packyard s':>11} {'invoke s':>9}"
        )
        cases = [
            ("HEAD~1 (one package)", "HEAD~1"),
            ("HEAD~50", "HEAD~50"),
            ("HEAD~200 (no tooling)", "HEAD~200"),
            ("HEAD~1000 (tooling)", "HEAD~1000"),
            ("root (everything)", "0" * 40),
        ]
        for label, base in cases:
            for cold in (True, False):
                if not cold:
                    _time_in_process(root, base, False, 1)  # warm the cache
                seconds, changed, tested = _time_in_process(root, base, cold, args.repeat)
                runs = max(1, args.repeat // 2)
                packyard = _time_cli(root, "packyard", base, cold, runs)
                invoke = _time_cli(root, "invoke", base, cold, runs)
                print(
                    f"{label:<22} {'cold' if cold else 'warm':<6} {changed:>7} {tested:>7} "
                    f"{seconds:>13.3f} {packyard:>11.3f} {invoke:>9.3f}"
                )
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
