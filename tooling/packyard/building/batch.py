"""Many test-installs at once: ``packyard test-install [NAME ...] [--all] [-j N]``.

Each package's test-install (:func:`packyard.building.testinstall.test_install`, with the result
cache) runs in a worker process; one failing package never stops the others. Siblings
are built once: a package starts only when the wheels of the siblings it needs exist,
made by the sibling's own test-install in this run or, when that did not build one (a
cache hit, a failure, a sibling not asked for), by one build-only job (assemble, build,
check). No two jobs ever write the same ``build/NAME`` or ``dist/NAME``.

Each job's lines go to ``.packyard/logs/test-install/NAME.log`` (a build-only job's to
``NAME.build.log``). On a terminal one status line shows what runs; otherwise nothing is
printed until the summary table.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from packyard.building.resultcache import KeyMaker, ResultCache, cache_disabled
from packyard.building.testvenv import install_needs
from packyard.building.venvs import find_uv
from packyard.errors import CommandFailed, PackyardError
from packyard.package.resolved import ResolvedPackage
from packyard.repo import Repository

#: The results a package can have.
PASSED, FAILED, CACHED = "passed", "failed", "cached"


@dataclass(frozen=True)
class Outcome:
    """How one package's test-install went.

    Attributes:
        name: the import name.
        result: ``"passed"``, ``"failed"`` or ``"cached"``.
        seconds: wall time of its job (0 when it never started).
        error: the first line that says why it failed ("" otherwise).
        log: its log file.
        wheel: the wheel it built in this run, if any (siblings reuse it).
    """

    name: str
    result: str
    seconds: float
    error: str
    log: Path
    wheel: Path | None = None


def log_dir(root: Path) -> Path:
    """Where the per-package logs go: ``.packyard/logs/test-install/``."""
    return root / ".packyard" / "logs" / "test-install"


def first_error_line(exc: BaseException) -> str:
    """The most telling line of an error: pytest's first ``FAILED``/``ERROR`` summary
    line, else its first ``E`` line, else the first line naming an error in the output,
    else the message's first line; prefixed with the step.

    >>> first_error_line(PackyardError("no such package 'x'\\nmore"))
    "no such package 'x'"
    """
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, CommandFailed) or not exc.output:
        return message
    lines = [line.strip() for line in exc.output.splitlines() if line.strip()]
    for test in (
        lambda line: line.startswith(("FAILED ", "ERROR ")),
        lambda line: line.startswith("E "),
        lambda line: "error" in line.lower(),
    ):
        found = next((line for line in lines if test(line)), None)
        if found:
            return f"{exc.step}: {found}"
    return message


def _job(
    kind: str, root: str, name: str, wheels: dict[str, str], use_cache: bool, log: str
) -> Outcome:
    """One job, in a worker process: ``kind`` is ``"test"`` (a test-install) or
    ``"build"`` (assemble, build and check only). Never raises."""
    from packyard.building.testinstall import build_and_check, test_install

    start = time.perf_counter()
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as stream:

        def progress(line: str) -> None:
            stream.write(line + "\n")
            stream.flush()

        try:
            resolved = Repository.open(Path(root)).resolve(name, tests=kind != "build")
            if kind == "build":
                _, artifacts, _ = build_and_check(resolved, progress=progress)
                wheel, result = artifacts.wheel, PASSED
            else:
                report = test_install(
                    resolved,
                    progress=progress,
                    use_cache=use_cache,
                    sibling_wheels={k: Path(v) for k, v in wheels.items()},
                )
                wheel = report.artifacts.wheel if report.artifacts else None
                result = CACHED if report.cached_at else PASSED
            return Outcome(name, result, time.perf_counter() - start, "", Path(log), wheel)
        except Exception as exc:  # a worker reports every failure, never dies of one
            if isinstance(exc, CommandFailed) and exc.output:
                stream.write(exc.output.rstrip() + "\n")
            if isinstance(exc, PackyardError):
                stream.write(f"error: {exc.render()}\n")
            else:
                stream.write(traceback.format_exc())
            error = first_error_line(exc)
            return Outcome(name, FAILED, time.perf_counter() - start, error, Path(log))


def default_jobs() -> int:
    """The number of worker processes by default: the CPUs this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class _Status:
    """The live status line (a terminal only)."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.live = stream.isatty()

    def show(self, done: list[Outcome], running: dict[str, float]) -> None:
        if not self.live:
            return
        now = time.perf_counter()
        counts = {r: sum(o.result == r for o in done) for r in (PASSED, FAILED, CACHED)}
        jobs = ", ".join(f"{n} {now - t:.0f}s" for n, t in running.items())
        line = (
            f"[{len(done)}/{self.total}] {counts[PASSED]} passed, {counts[FAILED]} failed, "
            f"{counts[CACHED]} cached | running: {jobs or '-'}"
        )
        width = shutil.get_terminal_size((200, 24)).columns - 1
        self.stream.write("\r\033[K" + line[:width])
        self.stream.flush()

    def clear(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


def run_many(
    repo: Repository,
    names: Sequence[str],
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    stream: TextIO | None = None,
) -> list[Outcome]:
    """Test-install packages in parallel worker processes.

    Args:
        repo: the repository.
        names: the packages (import or distribution names); each once, in this order
            where siblings allow.
        jobs: worker processes; :func:`default_jobs` when None or 0.
        use_cache: use the result cache (``PACKYARD_NO_CACHE=1`` overrides).
        stream: where the live status line goes (only when it is a terminal);
            ``sys.stdout`` when None.

    Returns:
        One outcome per package, in the order of ``names``.

    Raises:
        PackageError: an unknown package name (before anything runs).
    """
    wanted = list(dict.fromkeys(repo.package(n).name for n in names))
    root = repo.config.root
    logs = log_dir(root)
    needs: dict[str, list[str]] = {}
    plans: dict[str, ResolvedPackage] = {}
    for name in wanted:
        try:
            plans[name] = repo.resolve(name)
            needs[name] = [s.name for s in plans[name].siblings]
        except PackyardError:
            needs[name] = []  # the job itself reports the error, with its log
    workers = jobs or default_jobs()
    done = _cache_hits(plans, workers, logs) if use_cache and not cache_disabled() else {}
    pending = [name for name in _ordered(wanted, needs) if name not in done]
    built: dict[str, Path] = {}  # sibling -> wheel made in this run
    broken: dict[str, str] = {}  # sibling -> why no wheel could be made
    building: set[str] = set()
    running: dict[Future[Outcome], tuple[str, str]] = {}
    started: dict[str, float] = {}
    status = _Status(stream or sys.stdout, len(wanted))

    def submit(kind: str, name: str, wheels: dict[str, str]) -> None:
        log = logs / (f"{name}.build.log" if kind == "build" else f"{name}.log")
        future = pool.submit(_job, kind, str(root), name, wheels, use_cache, str(log))
        running[future] = (kind, name)
        started[f"{name} (build)" if kind == "build" else name] = time.perf_counter()

    def start_ready() -> None:
        wanted_siblings = {s for p in pending for s in needs[p]}
        for sibling in sorted(wanted_siblings):
            if len(running) >= workers:
                return
            own_job_over = sibling not in pending and not _is_running(running, "test", sibling)
            if (
                sibling not in built
                and sibling not in broken
                and sibling not in building
                and (sibling not in wanted or (own_job_over and sibling in done))
            ):
                building.add(sibling)
                submit("build", sibling, {})
        for name in list(pending):
            if len(running) >= workers:
                return
            if not all(s in built or s in broken for s in needs[name]):
                continue
            pending.remove(name)
            failed = [s for s in needs[name] if s in broken]
            if failed:
                error = f"sibling {failed[0]} did not build: {broken[failed[0]]}"
                done[name] = Outcome(name, FAILED, 0.0, error, logs / f"{name}.log")
                continue
            submit("test", name, {s: str(built[s]) for s in needs[name]})

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        start_ready()
        while running:
            finished, _ = wait(list(running), timeout=0.25, return_when=FIRST_COMPLETED)
            for future in finished:
                kind, name = running.pop(future)
                started.pop(f"{name} (build)" if kind == "build" else name, None)
                outcome = future.result()
                if kind == "build":
                    building.discard(name)
                    if outcome.wheel is not None:
                        built[name] = outcome.wheel
                    else:
                        broken[name] = outcome.error
                else:
                    done[name] = outcome
                    if outcome.wheel is not None:
                        built[name] = outcome.wheel
            start_ready()
            status.show(list(done.values()), started)
    status.clear()
    for name in pending:  # never startable: should not happen, but never hang or hide it
        done[name] = Outcome(name, FAILED, 0.0, "not run", logs / f"{name}.log")
    return [done[name] for name in wanted]


def _cache_hits(plans: dict[str, ResolvedPackage], workers: int, logs: Path) -> dict[str, Outcome]:
    """The packages whose test-install is a cache hit, found here, without starting a
    worker: their keys' input parts one after the other (shared between packages), then
    the resolutions, ``workers`` at a time."""
    if not plans:
        return {}
    config = next(iter(plans.values())).config
    maker = KeyMaker(config.index_url)
    usable = {}
    for name, resolved in plans.items():
        try:
            for member in [resolved, *resolved.siblings]:
                maker.input_key(member)
            usable[name] = resolved
        except PackyardError:
            continue  # its job reports the error

    def check(name: str) -> Outcome | None:
        start = time.perf_counter()
        key = maker.key(usable[name], requirements=install_needs(usable[name])[1])
        hit = ResultCache.of(config).lookup(key) if key is not None else None
        if hit is None or key is None:
            return None
        log = logs / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(hit.message(key) + "\n", encoding="utf-8")
        return Outcome(name, CACHED, time.perf_counter() - start, "", log)

    find_uv()  # sysconfig's first use is not thread-safe: it happens here, before the threads
    with ThreadPoolExecutor(max_workers=workers) as threads:
        found = dict(zip(usable, threads.map(check, usable), strict=True))
    return {name: outcome for name, outcome in found.items() if outcome is not None}


def _is_running(running: dict[Future[Outcome], tuple[str, str]], kind: str, name: str) -> bool:
    return (kind, name) in running.values()


def _ordered(names: list[str], needs: dict[str, list[str]]) -> list[str]:
    """``names`` with each package after the ones among them it needs (stable)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for sibling in needs.get(name, []):
            if sibling in needs:
                visit(sibling)
        order.append(name)

    for name in names:
        visit(name)
    return order


def summary_table(outcomes: Sequence[Outcome]) -> str:
    """The closing table: package, result, seconds, first error line (Markdown)."""
    rows = [("package", "result", "seconds", "first error")]
    rows += [(o.name, o.result, f"{o.seconds:.1f}", o.error) for o in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2])]
        lines.append(f"| {' | '.join(cells)} | {row[3]} |".replace(" |  |", " | |"))
        if index == 0:
            lines.append(f"| {'-' * widths[0]} | {'-' * widths[1]} | {'-' * widths[2]}: | --- |")
    return "\n".join(lines)
