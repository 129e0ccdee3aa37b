"""invoke tasks for repository-level work. Thin wiring only: the work is done by the
``packyard`` library (tooling/packyard/).

    invoke list [--json]            every package: form, version, last release, summary,
                                    requirements
    invoke new NAME [--folder] [--cli] [--api] [--app] [--summary TEXT]
                                    scaffold a package that passes its test-install
    invoke rename OLD NEW           rename a package: files, tests, history, references
    invoke remove NAME [--purge] [--force]
                                    remove a package (its release history unless --purge)
    invoke gate GATE NAME           licenses, audit, lint, or release (what a release runs)
    invoke import-paa PATH [--packages A,B] [--index-url URL] [--dry-run]
                                    move a package-auto-assembler repository's packages
    invoke build NAME               assemble, build and check one package
    invoke release NAME [--repository R] [--bump patch|minor|major] [--version X.Y.Z]
                   [--dry-run] [--no-commit] [--push] [--skip-gates] [--trusted-publishing]
                                    release packages to an index; several: "a,b" or "a b"
                                    (quoted: invoke takes one name; packyard release a b)
    invoke readme [--check]         regenerate the README's package table
    invoke index [--port PORT]      serve the local index (.packyard/index/) until Ctrl-C
    invoke changed --base REF [--head REF] [--json] [--release]
                                    packages changed since REF, and their dependents
    invoke changed --release --since-last-release [--json] [--repository R]
                                    packages changed since their own last release
    invoke ci --base REF [--release] [-j N]
                                    the CI steps for those packages, locally, in sequence
                                    (-j N: the test-installs in N parallel workers)
    invoke push-release [--branch B] [--attempts N] [--timeout SECONDS]
                                    push release commits and tags, rebasing and retrying
    invoke docs-publish [-n NAME ...] [--remote origin] [--branch gh-pages] [--dry-run]
                   [--build]        commit built sites to gh-pages, keeping other folders
"""

from __future__ import annotations

from invoke import Context, task

from packyard.cli import main as packyard
from packyard.release.pushing import PUSH_ATTEMPTS, PUSH_TIMEOUT


def _run(*argv: str) -> None:
    status = packyard(list(argv))
    if status:
        raise SystemExit(status)


@task(name="list", help={"json": "print JSON"})
def list_(c: Context, json: bool = False) -> None:
    """List the packages: form, version, last release, summary and requirements."""
    _run("list", *(["--json"] if json else []))


@task(
    help={
        "name": "the import name (my_tool)",
        "folder": "a folder package (default: a single file)",
        "cli": "with cli.py, the console script NAME",
        "api": "with routes.py, FastAPI routes (extra api)",
        "app": "with app.py, a Streamlit app (extra app)",
        "summary": "the one-line summary",
    }
)
def new(
    c: Context,
    name: str,
    folder: bool = False,
    cli: bool = False,
    api: bool = False,
    app: bool = False,
    summary: str = "",
) -> None:
    """Scaffold a package that passes its own test-install."""
    flags = (("--folder", folder), ("--cli", cli), ("--api", api), ("--app", app))
    _run(
        "new",
        name,
        *[flag for flag, on in flags if on],
        *(["--summary", summary] if summary else []),
    )


@task(help={"old": "the package", "new": "its new import name"})
def rename(c: Context, old: str, new: str) -> None:
    """Rename a package: sources, tests, tracking file, references (git mv when tracked)."""
    _run("rename", old, new)


@task(
    help={
        "name": "the package",
        "purge": "also delete its release history (.packyard/releases/NAME.json)",
        "force": "remove even when other packages import it or it has uncommitted changes",
    }
)
def remove(c: Context, name: str, purge: bool = False, force: bool = False) -> None:
    """Remove a package and every file of it (git rm when tracked)."""
    _run("remove", name, *(["--purge"] if purge else []), *(["--force"] if force else []))


@task(
    help={
        "gate": "licenses, audit, lint, or release (the gates a release runs)",
        "name": 'the package, or several: "a,b"',
        "json": "print the reports as JSON",
    }
)
def gate(c: Context, gate: str, name: str, json: bool = False) -> None:
    """Run a quality gate for packages."""
    _run("gate", gate, name, *(["--json"] if json else []))


@task(
    name="import-paa",
    help={
        "path": "the package-auto-assembler repository (holding .paa.config)",
        "packages": 'only these packages: "a,b"',
        "index_url": "where the paa releases were published (default: PyPI)",
        "dry_run": "check and report, write nothing",
    },
)
def import_paa(
    c: Context, path: str, packages: str = "", index_url: str = "", dry_run: bool = False
) -> None:
    """Import a package-auto-assembler repository's packages, with their release history."""
    _run(
        "import-paa",
        path,
        *(["--packages", packages] if packages else []),
        *(["--index-url", index_url] if index_url else []),
        *(["--dry-run"] if dry_run else []),
    )


@task
def build(c: Context, name: str) -> None:
    """Assemble, build and check one package's sdist and wheel."""
    _run("build", name)


@task(
    help={
        "name": 'the package, or several in one argument: "a,b,c" or "a b c"',
        "repository": "local (default), pypi, testpypi or [tool.packyard.repositories.R]",
        "bump": "force patch, minor or major",
        "version": "force this exact version",
        "dry_run": "print what would happen, change nothing",
        "no_commit": "record and tag, but do not commit",
        "push": "push the release commit and tag",
        "skip_gates": "do not run the quality gates (lint, licenses, audit)",
        "trusted_publishing": "mint the upload token by trusted publishing (OIDC) at the upload",
    }
)
def release(
    c: Context,
    name: str,
    repository: str = "local",
    bump: str = "",
    version: str = "",
    dry_run: bool = False,
    no_commit: bool = False,
    push: bool = False,
    skip_gates: bool = False,
    trusted_publishing: bool = False,
) -> None:
    """Version, build, test, upload, verify and record packages."""
    argv = ["release", name, "--repository", repository]
    argv += ["--bump", bump] if bump else []
    argv += ["--version", version] if version else []
    argv += [
        flag
        for flag, on in (
            ("--dry-run", dry_run),
            ("--no-commit", no_commit),
            ("--push", push),
            ("--skip-gates", skip_gates),
            ("--trusted-publishing", trusted_publishing),
        )
        if on
    ]
    _run(*argv)


@task(help={"check": "exit 1 if the table is out of date, write nothing"})
def readme(c: Context, check: bool = False) -> None:
    """Regenerate the package table between the README's marker comments."""
    _run("readme", *(["--check"] if check else []))


@task(help={"port": "TCP port on 127.0.0.1 (0: a free one)"})
def index(c: Context, port: int = 8765) -> None:
    """Serve .packyard/index/ in the foreground and print the pip command."""
    _run("index", "--port", str(port))


@task(
    help={
        "base": "compare from this git ref (the merge base with it)",
        "head": "to this ref (default HEAD)",
        "json": "print a JSON array, for a CI matrix",
        "release": "the packages to release (own files changed), not to test",
        "since_last_release": "with --release: each package changed since its own last release",
        "repository": "check first that this repository (where releases go) is known",
        "packages": "skip detection, take these ('a b' or 'a,b')",
        "max_jobs": "group the packages into at most N jobs (0: one job each)",
        "azure_matrix": "print an Azure Pipelines strategy.matrix object",
        "gitlab_child": "write a GitLab child pipeline to this file",
    }
)
def changed(
    c: Context,
    base: str = "",
    head: str = "HEAD",
    json: bool = False,
    release: bool = False,
    packages: str = "",
    max_jobs: int = 0,
    azure_matrix: bool = False,
    gitlab_child: str = "",
    since_last_release: bool = False,
    repository: str = "",
) -> None:
    """Print the packages changed between two refs, plus those that import them."""
    argv = ["changed", "--head", head, "--max-jobs", str(max_jobs)]
    argv += ["--base", base] if base else []
    argv += ["--since-last-release"] if since_last_release else []
    argv += ["--repository", repository] if repository else []
    argv += ["--packages", packages] if packages else []
    argv += ["--gitlab-child", gitlab_child] if gitlab_child else []
    argv += [
        flag
        for flag, on in (("--json", json), ("--release", release), ("--azure-matrix", azure_matrix))
        if on
    ]
    _run(*argv)


@task(
    help={
        "base": "compare from this git ref",
        "head": "to this ref (default HEAD)",
        "release": "also release the changed packages and regenerate the README table",
        "repository": "where releases go (default: local)",
        "jobs": "test the packages in N parallel workers, with the result cache (0: one by one)",
    }
)
def ci(
    c: Context,
    base: str,
    head: str = "HEAD",
    release: bool = False,
    repository: str = "local",
    jobs: int = 0,
) -> None:
    """Run what CI runs for a change (test-installs, optionally releases), in sequence."""
    _run(
        "ci",
        "--base",
        base,
        "--head",
        head,
        "--repository",
        repository,
        *(["--release"] if release else []),
        *(["--jobs", str(jobs)] if jobs else []),
    )


@task(
    name="push-release",
    help={
        "remote": "the git remote (default origin)",
        "branch": "the remote branch (default: the checked-out one)",
        "attempts": f"pushes to try before giving up (default {PUSH_ATTEMPTS})",
        "timeout": f"seconds of retrying before giving up (default {PUSH_TIMEOUT:g})",
    },
)
def push_release(
    c: Context,
    remote: str = "origin",
    branch: str = "",
    attempts: int = PUSH_ATTEMPTS,
    timeout: float = PUSH_TIMEOUT,
) -> None:
    """Push release commits and tags; rebase and retry when another job pushed first."""
    _run(
        "push-release",
        "--remote",
        remote,
        "--attempts",
        str(attempts),
        "--timeout",
        str(timeout),
        *(["--branch", branch] if branch else []),
    )


@task(
    name="docs-publish",
    iterable=["name"],
    help={
        "name": "a package whose site/NAME/ to publish (repeat, or 'a,b'); default: all of site/",
        "remote": "the git remote, name or URL (default origin)",
        "branch": "the branch (default gh-pages)",
        "dry_run": "show what would change, commit and push nothing",
        "build": "build the sites first (nox -s docs-NAME / nox -s docs)",
        "execute": "with --build: run the notebooks",
    },
)
def docs_publish(
    c: Context,
    name: list[str],
    remote: str = "origin",
    branch: str = "gh-pages",
    dry_run: bool = False,
    build: bool = False,
    execute: bool = False,
) -> None:
    """Commit the built sites to the gh-pages branch, keeping the other packages' folders."""
    _run(
        "docs-publish",
        *name,
        "--remote",
        remote,
        "--branch",
        branch,
        *[
            flag
            for flag, on in (("--dry-run", dry_run), ("--build", build), ("--execute", execute))
            if on
        ],
    )
