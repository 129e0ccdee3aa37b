"""How fast is change detection (`invoke changed`) on a big repository?

Builds a synthetic packaging repository with ``git fast-import``: 1,000 packages (four in
five single modules, one in five folders of three modules), each importing the standard
library, a third-party distribution and up to three lower-numbered siblings, then 10,000
commits that each edit one package (every 500th commit edits ``tooling/``). Nine packages
in ten are released once, at a random point of that history (not in the last 50 commits):
a release commit adding ``.packyard/releases/NAME.json`` (recording the source commit)
tagged ``NAME-v0.1.0``, as ``invoke release`` leaves them. By default each package is
released from its own source commit (the worst case: 900 distinct release commits);
``--release-runs N`` groups them into N release runs (one source commit each, as a CI
matrix run releases its packages).

Then times :func:`packyard.ci.changes.detect_changes` in-process, and ``packyard changed`` and
``invoke changed`` as a user runs them (a new process: interpreter start, imports, the
work), with the import-scan cache cold (removed before each run: a fresh CI checkout) and
warm; and the same for ``--release --since-last-release``
(:func:`packyard.ci.since_release.detect_since_last_release`), whose answer is checked against
one ``git diff --quiet`` per package (timed too, as the naive way). Medians of
``--repeat`` runs.

    python benchmarks/bench_changed.py [--packages 1000] [--commits 10000] [--repeat 5]
                                       [--release-runs N] [--keep DIR]   # build once, reuse

Target: under 1 second on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
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


def _tracking(name: str, source: str) -> str:
    """A tracking file as ``invoke release`` writes it, for version 0.1.0 of ``name``."""
    record = {
        "commit": source,
        "date": "2024-01-01T00:00:00+00:00",
        "files": [],
        "index_url": "https://pypi.org/simple/",
        "notes": [{"commit": source[:7], "description": "first", "kind": "fix"}],
        "repository": "pypi",
        "tag": f"{name}-v0.1.0",
        "version": "0.1.0",
    }
    data = {"package": name, "releases": [record], "schema": 1}
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def build_repo(
    root: Path, packages: int, commits: int, seed: int = 7, release_runs: int = 0
) -> None:
    """Write the synthetic repository at ``root`` with one ``git fast-import`` run (asked
    for the SHA of each released source commit on the way: ``get-mark``)."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    importer = subprocess.Popen(
        ["git", "fast-import", "--quiet"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert importer.stdin is not None and importer.stdout is not None
    chunks: list[bytes] = []
    mark = 0

    def flush() -> None:
        importer.stdin.write(b"".join(chunks))  # type: ignore[union-attr]
        chunks.clear()

    def blob(path: str, text: str) -> None:
        data = text.encode()
        chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    def commit(message: str) -> None:
        nonlocal mark
        mark += 1
        data = message.encode()
        stamp = 1_700_000_000 + mark * 60
        chunks.append(
            f"commit refs/heads/main\nmark :{mark}\n"
            f"committer Bench <bench@example.org> {stamp} +0000\n"
            f"data {len(data)}\n".encode()
            + data
            + b"\n"
        )
        if mark > 1:
            chunks.append(f"from :{mark - 1}\n".encode())

    def source_commit() -> str:
        chunks.append(f"get-mark :{mark}\n".encode())
        flush()
        importer.stdin.flush()  # type: ignore[union-attr]
        return importer.stdout.readline().decode().strip()  # type: ignore[union-attr]

    def release(name: str, source: str) -> None:
        commit(f"release({name}): v0.1.0")
        blob(f".packyard/releases/{name}.json", _tracking(name, source))
        message = f"{name} 0.1.0".encode()
        chunks.append(
            f"tag {name}-v0.1.0\nfrom :{mark}\n"
            f"tagger Bench <bench@example.org> {1_700_000_000 + mark * 60} +0000\n"
            f"data {len(message)}\n".encode()
            + message
            + b"\n"
        )

    folders = {i for i in range(packages) if i % 5 == 0}
    # Nine packages in ten are released once, after a random edit (not in the last 50):
    # each at its own point, or in one of release_runs runs.
    points = [rng.randrange(2, max(3, commits - 50)) for _ in range(release_runs)]
    released_after: dict[int, list[str]] = {}
    for i in range(packages):
        if i % 10 != 9:
            point = rng.choice(points) if points else rng.randrange(2, max(3, commits - 50))
            released_after.setdefault(point, []).append(f"pkg{i:04d}")
    commit("initial: many packages")
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
            commit(f"tooling change {number}")
            blob("tooling/README.md", f"tooling {number}\n")
        else:
            i = rng.randrange(packages)
            name = f"pkg{i:04d}"
            commit(f"fix({name}): change {number}")
            path = f"packages/{name}/__init__.py" if i in folders else f"packages/{name}.py"
            blob(path, _module(i, random.Random(i), revision=number))
        if number in released_after:
            source = source_commit()
            for name in released_after[number]:
                release(name, source)
    flush()
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    subprocess.run(["git", "gc", "-q"], cwd=root, check=True)


def _time_in_process(root: Path, base: str, cold: bool, repeat: int) -> tuple[float, int, int]:
    from packyard.ci.changes import detect_changes
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


def _time_since_release(root: Path, repeat: int) -> tuple[float, list[str]]:
    from packyard.ci.since_release import detect_since_last_release
    from packyard.repo import Repository

    times = []
    names: list[str] = []
    for _ in range(repeat):
        start = time.perf_counter()
        names = detect_since_last_release(Repository.open(root)).to_release
        times.append(time.perf_counter() - start)
    return statistics.median(times), names


def _naive_since_release(root: Path) -> tuple[float, list[str]]:
    """One ``git diff --quiet`` per released package (and a tag lookup each): the answer
    the one-pass detection must agree with, and how long the obvious way takes."""
    from packyard.ci.gitquery import packages_in_tree
    from packyard.ci.since_release import _own_paths

    start = time.perf_counter()
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "HEAD", "--", "packages/"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    names = []
    for name in sorted(packages_in_tree(listing, "packages")):
        tracking = root / ".packyard" / "releases" / f"{name}.json"
        if not tracking.is_file():
            names.append(name)
            continue
        source = json.loads(tracking.read_text())["releases"][-1]["commit"]
        diff = subprocess.run(
            ["git", "diff", "--quiet", source, "HEAD", "--", *_own_paths(name, "packages")],
            cwd=root,
        )
        if diff.returncode:
            names.append(name)
    return time.perf_counter() - start, names


def _time_cli(
    root: Path, program: str, base: str, cold: bool, repeat: int, args: tuple[str, ...] = ()
) -> float:
    found = Path(sys.executable).with_name(program)
    selection = list(args) or ["--base", base]
    command = [str(found) if found.exists() else program, "changed", *selection, "--json"]
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
    parser.add_argument(
        "--release-runs",
        type=int,
        default=0,
        help="release the packages in N runs (0: each from its own commit, the worst case)",
    )
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
            build_repo(root, args.packages, args.commits, release_runs=args.release_runs)
            print(
                f"built {args.packages} packages, {args.commits} commits, releases from "
                f"{args.release_runs or 'one commit per package'} run(s) "
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
        since = ("--release", "--since-last-release")
        seconds, names = _time_since_release(root, args.repeat)
        runs = max(1, args.repeat // 2)
        packyard = _time_cli(root, "packyard", "", False, runs, since)
        invoke = _time_cli(root, "invoke", "", False, runs, since)
        print(
            f"{'since last release':<22} {'-':<6} {len(names):>7} {'-':>7} "
            f"{seconds:>13.3f} {packyard:>11.3f} {invoke:>9.3f}"
        )
        naive, expected = _naive_since_release(root)
        print(
            f"{'  naive: git diff each':<22} {'-':<6} {len(expected):>7} {'-':>7} "
            f"{naive:>13.3f} {'':>11} {'':>9}"
        )
        if names != expected:
            raise SystemExit(
                f"since-last-release disagrees with git diff: {sorted(set(names) ^ set(expected))}"
            )
    finally:
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
