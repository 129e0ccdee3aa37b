"""``invoke ci``: the steps the pipelines run for a change set, run locally, in sequence
(:func:`ci_steps` lists them, :func:`run_ci` runs them; a failing step does not stop the
next ones).
"""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packyard.childenv import child_env, release_env
from packyard.ci.changes import ChangeSet
from packyard.ci.pipelines import session_names
from packyard.errors import CommandFailed, PackyardError
from packyard.proc import run

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CiStep:
    """One command of a local CI run.

    Attributes:
        name: what it is, e.g. ``test_install-unitconv``.
        argv: the command (run in the repository root).
        releases: whether it is a release (``invoke release``): the only steps that
            get the credential variables, which the release hands to twine alone.
        show_output: print the command's output (its summary table), not only its tail
            on failure.
    """

    name: str
    argv: tuple[str, ...]
    releases: bool = False
    show_output: bool = False


@dataclass
class CiOutcome:
    """How a step went.

    Attributes:
        step: the step.
        seconds: its wall time.
        error: why it failed; None when it passed.
    """

    step: CiStep
    seconds: float
    error: PackyardError | None = None

    @property
    def ok(self) -> bool:
        """Whether the step passed."""
        return self.error is None


def ci_steps(
    changes: ChangeSet, *, release: bool = False, repository: str = "local", jobs: int = 0
) -> list[CiStep]:
    """The commands CI runs for a change set, in order.

    Args:
        changes: what changed.
        release: add the steps of a push to the default branch: ``invoke release NAME``
            for each package to release (to ``repository``, without pushing), then
            ``invoke readme``. ``invoke docs-publish`` and ``invoke push-release`` are
            left to CI: they push.
        repository: where releases go (a name of :mod:`packyard.index.repositories`).
        jobs: when not 0, the packages to test run in one step,
            ``packyard test-install NAME... -j JOBS`` (parallel, with the result cache:
            see :mod:`packyard.building.batch`).

    Returns:
        The steps: one ``nox -s test_install-NAME`` per package to test (or the one
        parallel step), then the release steps.
    """
    python = sys.executable
    steps = [
        CiStep(session, (python, "-m", "nox", "-s", session))
        for session in session_names(" ".join(changes.to_test))
    ]
    if jobs and changes.to_test:
        argv = (python, "-m", "packyard", "test-install", *changes.to_test, "-j", str(jobs))
        steps = [CiStep("test-install", argv, show_output=True)]
    if release and changes.to_release:
        steps.extend(
            CiStep(
                f"release {name}",
                (python, "-m", "invoke", "release", name, "--repository", repository),
                releases=True,
            )
            for name in changes.to_release
        )
        steps.append(CiStep("readme", (python, "-m", "invoke", "readme")))
    return steps


def run_ci(
    root: Path,
    steps: Sequence[CiStep],
    *,
    progress: Progress = print,
    env: dict[str, str] | None = None,
) -> list[CiOutcome]:
    """Run CI steps one after the other, like the pipelines' jobs: a failing step does
    not stop the next ones (``fail-fast: false``).

    Args:
        root: the repository root (where each command runs).
        steps: as :func:`ci_steps` returns.
        progress: called with a line before and after each step.
        env: the environment of the commands; when None,
            :func:`packyard.childenv.child_env` for the test steps (no credential) and
            :func:`packyard.childenv.release_env` for the release steps (which hand
            the credentials to twine alone).

    Returns:
        One outcome per step, in order.
    """
    outcomes = []
    for number, step in enumerate(steps, 1):
        progress(f"==> [{number}/{len(steps)}] {step.name}: {shlex.join(step.argv[1:])}")
        start = time.perf_counter()
        error: PackyardError | None = None
        try:
            default = release_env() if step.releases else child_env()
            output = run(step.argv, step=step.name, cwd=root, env=default if env is None else env)
        except CommandFailed as exc:
            error = exc
            output = exc.output
        if step.show_output and output.strip():
            progress(output.rstrip())
        outcome = CiOutcome(step, time.perf_counter() - start, error)
        outcomes.append(outcome)
        progress(f"    {'ok' if outcome.ok else 'FAILED'} ({outcome.seconds:.1f} s)")
    return outcomes
