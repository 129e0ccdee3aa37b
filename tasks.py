"""invoke tasks for repository-level work. Thin wiring only: the work is done by the
``packyard`` library (tooling/packyard/).

    invoke list [--json]            every package with its version, form and summary
    invoke build NAME               assemble, build and check one package
"""

from __future__ import annotations

from invoke import Context, task

from packyard.cli import main as packyard


def _run(*argv: str) -> None:
    status = packyard(list(argv))
    if status:
        raise SystemExit(status)


@task(name="list", help={"json": "print JSON"})
def list_(c: Context, json: bool = False) -> None:
    """List the repository's packages."""
    _run("list", *(["--json"] if json else []))


@task
def build(c: Context, name: str) -> None:
    """Assemble, build and check one package's sdist and wheel."""
    _run("build", name)
