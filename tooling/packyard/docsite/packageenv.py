"""The package's own environment for its docs: a fresh venv holding its built wheel (and
the wheels of the sibling packages it needs), where its console scripts print their
``--help`` and its notebooks run.

Why the wheel and not ``python -c`` with the source on ``sys.path`` in the docs toolchain's
environment: the usage page should show what a user who installs the package sees, which
needs the console-script entry point that only the built metadata defines, and the
package's dependencies, which the toolchain's environment does not have (and must not
provide by accident). The test-install pipeline already proves this install works; it is
the same build.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from packyard.building.assemble import assemble
from packyard.building.dists import build
from packyard.building.siblings import siblings_from_repository
from packyard.building.venvs import Venv, create_venv
from packyard.proc import run
from packyard.repo import Repository

#: What the venv gets besides the package when notebooks are executed in it.
KERNEL_REQUIREMENT = "ipykernel"


@contextmanager
def package_env(
    repo: Repository,
    name: str,
    *,
    kernel: bool,
    index_url: str | None = None,
    progress: Callable[[str], None] = print,
) -> Iterator[Venv]:
    """Build the package's wheel and install it in a fresh venv, removed on exit.

    Args:
        repo: the repository.
        name: the package.
        kernel: also install :data:`KERNEL_REQUIREMENT` (to execute notebooks).
        index_url: where dependencies come from; the configured index when None.
        progress: called with one line per step.

    Yields:
        The environment.

    Raises:
        PackyardError: assembling, building or installing failed (see
            :mod:`packyard.building.testinstall` for the same steps).
    """
    package = repo.package(name)
    progress(f"[docs] build {package.dist_name} and install it in a fresh venv")
    tree = assemble(repo.resolve(package.name, tests=False))
    wheel = build(tree, repo.config.dist_dir).wheel
    siblings = [  # (a sibling a stale pin names comes from the index, as pinned)
        build(assemble(repo.resolve(s, tests=False)), repo.config.dist_dir).wheel
        for s in siblings_from_repository(repo, name)[0]
    ]
    extras = "[optional]" if "optional" in tree.project.get("optional-dependencies", {}) else ""
    requirements = [f"{package.dist_name}{extras} @ {wheel.resolve().as_uri()}"]
    requirements += [str(w) for w in siblings]
    if kernel:
        requirements.append(KERNEL_REQUIREMENT)
    with tempfile.TemporaryDirectory(prefix=f"packyard-docs-{package.name}-") as scratch:
        venv = create_venv(Path(scratch) / "venv")
        venv.install(
            requirements, index_url=index_url or repo.config.index_url, step="docs-install"
        )
        yield venv


def script_help(venv: Venv, script: str, *, cwd: Path) -> str:
    """Run ``SCRIPT --help`` from the venv and return what it printed (80 columns wide).

    Raises:
        CommandFailed: the script is missing or exits non-zero (step ``usage``).
    """
    return run(
        [venv.bin_dir / script, "--help"],
        step="usage",
        cwd=cwd,
        env=venv.env(COLUMNS="80"),
        timeout=120,
        hint=f"'{script} --help' must exit 0 in a clean environment",
    )
