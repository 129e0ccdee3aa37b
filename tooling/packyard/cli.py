"""The ``packyard`` command line; the only module that prints and exits.

Commands::

    packyard requirements PATH [--json] [--use-environment]
    packyard test-install [NAME...] [--all] [-j N] [--no-cache]
    packyard build NAME
    packyard lock NAME
    packyard list [--json]
    packyard release NAME... [--repository R] [--bump L | --version V] [--dry-run]
                             [--no-commit] [--push] [--remote REMOTE] [--skip-gates]
                             [--trusted-publishing]
    packyard readme [--check]
    packyard index [--port PORT]
    packyard changed (--base REF [--head REF] [--release] | --release --since-last-release
                      [--head REF] | --packages NAMES) [--json] [--max-jobs N]
                     [--azure-matrix] [--gitlab-child FILE] [--repository R]
    packyard ci --base REF [--head REF] [--release] [--repository R] [-j N]
    packyard push-release [--remote R] [--branch B] [--attempts N] [--timeout SECONDS]
    packyard with-trusted-publishing [--repository R] -- COMMAND...
    packyard docs [NAME...] [--execute]
    packyard docs-publish [NAME...] [--remote R] [--branch B] [--dry-run] [--build]
    packyard new NAME [--folder] [--cli] [--api] [--app] [--summary TEXT]
    packyard rename OLD NEW
    packyard remove NAME [--purge] [--force]
    packyard gate (licenses|audit|lint|release) NAME... [--json]
    packyard import-paa PATH [--packages A,B] [--index-url URL] [--dry-run]

Running what an installed package ships (in the environment packyard runs from)::

    packyard serve NAME [NAME...] [--host 127.0.0.1] [--port 8000] [--max-body-bytes N]
    packyard app NAME [--host 127.0.0.1] [--port 8501]
    packyard mcp NAME [--transport stdio|streamable-http] [--host H] [--port P]
    packyard artifacts NAME [--only PATH]... [--extract DEST] [--json]
    packyard show NAME [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from packyard import __version__
from packyard.errors import ConfigError, PackyardError


def _requirements(args: argparse.Namespace) -> int:
    from packaging.requirements import Requirement

    from packyard.config import DEFAULT_REQUIRES_PYTHON, find_root
    from packyard.inference.import_map import ImportMap
    from packyard.inference.requirements import InferredRequirement, infer, local_modules_of
    from packyard.repo import Repository, listed_specifiers

    path = Path(args.path)
    if not path.exists():
        # A path given relative to the repository root (packages/NAME) works from any
        # folder inside the repository.
        try:
            from_root = find_root() / path
        except ConfigError:
            from_root = path
        if path.is_absolute() or not from_root.exists():
            raise PackyardError("no such file or folder", path=path)
        path = from_root
    inference = None
    extras = {}
    pins: dict[str, Requirement] = {}
    match = []
    repo_map: dict[str, str] = {}
    requires_python = DEFAULT_REQUIRES_PYTHON
    try:
        root = find_root(path if path.is_dir() else path.parent)
    except ConfigError:
        root = None  # outside any packaging repository: like pipreqs
    if root is not None:
        # Inside a repository, its errors (a broken packages folder) are the user's to see.
        repo = Repository.open(root, use_environment=args.use_environment)
        match = [p for p in repo.packages.values() if p.path == path.resolve()]
        repo_map = repo.config.import_map
        requires_python = repo.config.requires_python
    if match:
        inference = repo.inference(match[0].name)
        extras = repo.extra_inferences(match[0].name)
        pins = listed_specifiers(repo.source(match[0].name).project)
    else:
        files, local = local_modules_of(path)
        inference = infer(
            files,
            local_modules=local,
            import_map=ImportMap(repo_map=repo_map, use_environment=args.use_environment),
            relative_to=Path.cwd(),
            requires_python=requires_python,
        )
    from packyard.package.extras import with_extra

    def pinned(r: InferredRequirement) -> InferredRequirement:
        # One requirement, one specifier: what the package pins anywhere in its metadata.
        pin = pins.get(r.key)
        if pin is None or r.requirement.specifier:
            return r
        requirement = Requirement(str(r.requirement))
        requirement.specifier = pin.specifier
        return dataclasses.replace(r, requirement=requirement)

    found_rows = [pinned(r) for r in inference.requirements]
    rows = [(r, r.pep508(), "optional" if r.optional else None) for r in found_rows]
    for extra, found in extras.items():  # routes.py, app.py, mcp.py: their extras
        rows += [(r, with_extra(r.requirement, extra), extra) for r in map(pinned, found.required)]
        rows += [(r, r.pep508(), "optional") for r in map(pinned, found.optional)]
    for warning in [*inference.warnings, *(w for f in extras.values() for w in f.warnings)]:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(
            json.dumps(
                [{**r.to_json(), "requirement": line, "extra": e} for r, line, e in rows], indent=2
            )
        )
    else:
        for _, line, _ in rows:
            print(line)
    return 0


def _open_repo():  # type: ignore[no-untyped-def]
    from packyard.repo import Repository

    return Repository.open()


def _test_install(args: argparse.Namespace) -> int:
    from packyard.building.batch import FAILED, run_many, summary_table
    from packyard.building.testinstall import test_install

    repo = _open_repo()
    names = list(repo.packages) if args.all else _names(args.names)
    if not names:
        raise PackyardError(
            "no package to test-install", hint="name packages, or --all for every package"
        )
    if len(names) == 1 and args.jobs is None and not args.all:
        test_install(repo, names[0], progress=print, use_cache=not args.no_cache)
        return 0
    outcomes = run_many(repo, names, jobs=args.jobs, use_cache=not args.no_cache)
    print(summary_table(outcomes))
    failed = [o for o in outcomes if o.result == FAILED]
    if failed:
        print(f"logs: {', '.join(str(o.log) for o in failed)}", file=sys.stderr)
    return 1 if failed else 0


def _build(args: argparse.Namespace) -> int:
    from packyard.building.testinstall import build_and_check

    _, artifacts, _ = build_and_check(_open_repo(), args.name)
    for path in artifacts.files:
        print(path)
    return 0


def _lock(args: argparse.Namespace) -> int:
    from packyard.building.lock import compile_requirements

    repo = _open_repo()
    print(compile_requirements(repo.inference(args.name), index_url=repo.config.index_url), end="")
    return 0


def _list(args: argparse.Namespace) -> int:
    from packyard.chores.listing import format_list, list_packages

    rows = list_packages(_open_repo())
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_list(rows), end="")
    return 0


def _release(args: argparse.Namespace) -> int:
    from packyard.release.pipeline import ReleaseOptions, error_text, release, summary

    options = ReleaseOptions(
        repository=args.repository,
        bump=args.bump,
        version=args.version,
        dry_run=args.dry_run,
        commit=not args.no_commit,
        push=args.push,
        remote=args.remote,
        gates=not args.skip_gates,
        trusted_publishing=args.trusted_publishing,
    )
    results = release(_open_repo(), args.names, options, progress=print)
    print(summary(results, reasons=False))  # each error follows once, in full
    failed = [r for r in results if r.status == "failed" or r.warnings]
    for result in failed:
        if result.error is not None:
            print(f"error: {error_text(result)}", file=sys.stderr)
    return 1 if failed else 0


def _readme(args: argparse.Namespace) -> int:
    from packyard.release.readme_table import update_readme

    changed = update_readme(_open_repo(), check=args.check)
    if args.check:
        print("README.md package table is out of date" if changed else "README.md is up to date")
        return 1 if changed else 0
    print("README.md package table updated" if changed else "README.md package table unchanged")
    return 0


def _index(args: argparse.Namespace) -> int:
    from packyard.release.pipeline import serve_local_index

    serve_local_index(_open_repo(), port=args.port, progress=print)
    return 0


def _changed(args: argparse.Namespace) -> int:
    from packyard.ci import pipelines
    from packyard.ci.changes import detect_changes, detect_since_last_release, select_packages
    from packyard.index.repositories import get_repository

    repo = _open_repo()
    if args.repository:  # fail fast, before any job starts: the hint lists the known ones
        get_repository(repo.config, args.repository)
    since_release = args.since_last_release or (args.release and not args.base)
    if args.since_last_release and args.base:
        raise PackyardError(
            "--since-last-release compares each package with its own last release: "
            "it takes no --base",
            hint="invoke changed --release --since-last-release",
        )
    if args.packages:
        names = select_packages(repo, args.packages.replace(",", " ").split())
    elif since_release:
        args.release = True
        candidates = detect_since_last_release(repo, args.head)
        print(candidates.summary(), file=sys.stderr)
        names = candidates.to_release
    elif args.base:
        changes = detect_changes(repo, args.base, args.head)
        print(changes.summary(), file=sys.stderr)
        names = changes.select(release=args.release)
    else:
        raise PackyardError(
            "give --base REF, --release --since-last-release, or --packages NAMES",
            hint="invoke changed --base main (tests) or invoke changed --release "
            "--since-last-release (releases)",
        )
    # Releases: a package and the siblings it needs share a job, siblings first.
    units = pipelines.release_units(repo, names) if args.release else None
    groups = pipelines.matrix_groups(names, args.max_jobs, units=units)
    if args.gitlab_child:
        pipeline = pipelines.gitlab_child_pipeline(groups, release=args.release)
        pipelines.write_pipeline(Path(args.gitlab_child), pipeline)
        print(f"wrote {args.gitlab_child}: {len(groups)} job(s)", file=sys.stderr)
    if args.azure_matrix:
        print(json.dumps(pipelines.azure_matrix(groups), separators=(",", ":")))
    elif args.json:
        print(json.dumps(groups, separators=(",", ":")))
    elif not args.gitlab_child:
        for group in groups:
            print(group)
    return 0


def _ci(args: argparse.Namespace) -> int:
    from packyard.ci.changes import detect_changes
    from packyard.ci.pipelines import ci_steps, run_ci

    repo = _open_repo()
    changes = detect_changes(repo, args.base, args.head)
    print(changes.summary())
    steps = ci_steps(changes, release=args.release, repository=args.repository, jobs=args.jobs)
    if args.release:  # registers the credential variables the release steps are given
        from packyard.index.repositories import load_repositories

        load_repositories(repo.config)
    outcomes = run_ci(repo.config.root, steps, progress=print)
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        assert outcome.error is not None
        print(f"error: {outcome.step.name}: {outcome.error.render()}", file=sys.stderr)
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} steps passed")
    return 1 if failed else 0


def _push_release(args: argparse.Namespace) -> int:
    from packyard.release.pushing import push_release

    report = push_release(
        _open_repo().config.root,
        remote=args.remote,
        branch=args.branch,
        attempts=args.attempts,
        timeout=args.timeout,
        progress=print,
    )
    print(
        f"pushed {report.commits} commit(s) and {', '.join(report.tags) or 'no tag'} to "
        f"{args.remote}/{report.branch} in {report.attempts} attempt(s)"
    )
    return 0


def _with_trusted_publishing(args: argparse.Namespace) -> int:
    import os

    from packyard.index.repositories import get_repository
    from packyard.release.oidc import mint_upload_token

    command = args.command_line[1:] if args.command_line[:1] == ["--"] else args.command_line
    if not command:
        raise PackyardError(
            "no command to run", hint="packyard with-trusted-publishing -- invoke release NAME"
        )
    target = get_repository(_open_repo().config, args.repository)
    if target.url is None or target.password_env is None:
        raise PackyardError(
            f"repository {target.name!r} cannot take a trusted-publishing token: it has "
            + ("no upload URL" if target.url is None else "no password-env"),
            hint="use pypi or testpypi, or give the repository url and password-env",
        )
    token = mint_upload_token(target.url)
    sys.stdout.flush()
    sys.stderr.flush()
    # The token goes to the command's environment only (never its command line).
    os.execvpe(command[0], command, {**os.environ, target.password_env: token})
    return 0  # pragma: no cover - execvpe does not return


def _add_ci_commands(commands: argparse._SubParsersAction) -> None:
    from packyard.release.pushing import PUSH_ATTEMPTS, PUSH_TIMEOUT

    changed = commands.add_parser(
        "changed", help="the packages changed between two git refs, and their dependents"
    )
    changed.add_argument("--base", help="compare from this ref (branch, tag, commit)")
    changed.add_argument("--head", default="HEAD", help="to this ref (default: %(default)s)")
    changed.add_argument("--json", action="store_true", help="print a JSON array (a CI matrix)")
    changed.add_argument(
        "--release",
        action="store_true",
        help="the packages to release, not to test (without --base: since their last release)",
    )
    changed.add_argument(
        "--since-last-release",
        action="store_true",
        help="each package whose own files changed since its last release (tag NAME-vX.Y.Z "
        "or tracking file), or that was never released",
    )
    changed.add_argument(
        "--repository", help="check first that this repository is known (where releases go)"
    )
    changed.add_argument("--packages", help="skip detection: these packages ('a b' or 'a,b')")
    changed.add_argument(
        "--max-jobs", type=int, default=0, help="group packages into at most N jobs"
    )
    changed.add_argument(
        "--azure-matrix", action="store_true", help="print an Azure Pipelines matrix object"
    )
    changed.add_argument("--gitlab-child", metavar="FILE", help="write a GitLab child pipeline")
    changed.set_defaults(func=_changed)

    ci = commands.add_parser("ci", help="run the CI steps for a change, locally, in sequence")
    ci.add_argument("--base", required=True, help="compare from this ref")
    ci.add_argument("--head", default="HEAD", help="to this ref (default: %(default)s)")
    ci.add_argument("--release", action="store_true", help="also release and update the README")
    ci.add_argument("--repository", default="local", help="where releases go (default: local)")
    ci.add_argument(
        "-j", "--jobs", type=int, default=0, help="test the packages in N parallel workers"
    )
    ci.set_defaults(func=_ci)

    push = commands.add_parser(
        "push-release", help="push release commits and tags, rebasing and retrying"
    )
    push.add_argument("--remote", default="origin", help="default: %(default)s")
    push.add_argument("--branch", help="the remote branch (default: the checked-out one)")
    push.add_argument(
        "--attempts", type=int, default=PUSH_ATTEMPTS, help="pushes to try (default: %(default)s)"
    )
    push.add_argument(
        "--timeout",
        type=float,
        default=PUSH_TIMEOUT,
        help="give up after this many seconds of retrying (default: %(default)s)",
    )
    push.set_defaults(func=_push_release)

    trusted = commands.add_parser(
        "with-trusted-publishing",
        help="run a command with an upload token minted by trusted publishing (OIDC)",
    )
    trusted.add_argument("--repository", default="pypi", help="default: %(default)s")
    trusted.add_argument(
        "command_line", nargs=argparse.REMAINDER, help="-- then the command, e.g. invoke release"
    )
    trusted.set_defaults(func=_with_trusted_publishing)


def _names(values: Sequence[str]) -> list[str]:
    return [name for value in values for name in value.replace(",", " ").split()]


def _docs(args: argparse.Namespace) -> int:
    from packyard.docsite import build_all, build_package_site

    repo = _open_repo()
    names = _names(args.names)
    if names:
        for name in names:
            build_package_site(repo, name, execute=args.execute, progress=print)
    else:
        build_all(repo, execute=args.execute, progress=print)
    return 0


def _docs_publish(args: argparse.Namespace) -> int:
    from packyard.docsite import build_all, build_package_site
    from packyard.docsite.ghpages import publish

    repo = _open_repo()
    names = _names(args.names)
    if args.build:
        if names:
            for name in names:
                build_package_site(repo, name, execute=args.execute, progress=print)
        else:
            build_all(repo, execute=args.execute, progress=print)
    publish(
        repo, names, remote=args.remote, branch=args.branch, dry_run=args.dry_run, progress=print
    )
    return 0


def _add_docs_commands(commands: argparse._SubParsersAction) -> None:
    docs = commands.add_parser(
        "docs", help="build package sites (site/NAME/) and, without NAME, the repository's"
    )
    docs.add_argument("names", nargs="*", metavar="NAME", help="packages (default: all + site/)")
    docs.add_argument("--execute", action="store_true", help="run the notebooks first")
    docs.set_defaults(func=_docs)

    pub = commands.add_parser(
        "docs-publish", help="commit the built sites to the gh-pages branch of a remote"
    )
    pub.add_argument("names", nargs="*", metavar="NAME", help="packages (default: all of site/)")
    pub.add_argument("--remote", default="origin", help="name or URL (default: %(default)s)")
    pub.add_argument("--branch", default="gh-pages", help="default: %(default)s")
    pub.add_argument("--dry-run", action="store_true", help="show what would change, push nothing")
    pub.add_argument("--build", action="store_true", help="build the sites first")
    pub.add_argument("--execute", action="store_true", help="with --build: run the notebooks")
    pub.set_defaults(func=_docs_publish)


def _serve(args: argparse.Namespace) -> int:
    from packyard.runtime.serve import serve

    serve(
        _names(args.names),
        host=args.host,
        port=args.port,
        max_body_bytes=args.max_body_bytes,
        progress=print,
    )
    return 0


def _app(args: argparse.Namespace) -> int:
    from packyard.runtime.app import run_app

    run_app(args.name, host=args.host, port=args.port, progress=print)
    return 0  # pragma: no cover - run_app replaces the process


def _mcp(args: argparse.Namespace) -> int:
    from packyard.runtime.mcp_server import run_server

    # Standard output belongs to the protocol over stdio: messages go to standard error.
    run_server(
        args.name,
        transport=args.transport,
        host=args.host,
        port=args.port,
        progress=lambda line: print(line, file=sys.stderr),
    )
    return 0


def _artifacts(args: argparse.Namespace) -> int:
    from packyard.runtime.artifacts import extract_artifacts, list_artifacts

    if args.extract:
        for path in extract_artifacts(args.name, Path(args.extract), args.paths):
            print(path)
        return 0
    found = list_artifacts(args.name, args.paths)
    if not found:
        print(f"{args.name} ships no artifacts", file=sys.stderr)
    if args.json:
        print(json.dumps([{"path": a.path, "size": a.size} for a in found], indent=2))
    else:
        for artifact in found:
            print(f"{artifact.size:>12}  {artifact.path}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from packyard.runtime.show import describe, render

    description = describe(args.name)
    print(json.dumps(description, indent=2) if args.json else render(description))
    return 0


def _positive_int(text: str) -> int:
    """argparse type: a whole number above zero."""
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return int(text)


def _add_runtime_commands(commands: argparse._SubParsersAction) -> None:
    from packyard.runtime.bodylimit import DEFAULT_MAX_BODY_BYTES

    serve = commands.add_parser(
        "serve", help="serve the FastAPI routes of installed packages under /NAME, with uvicorn"
    )
    serve.add_argument("names", nargs="+", metavar="NAME", help="installed packages")
    serve.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    serve.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    serve.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help="refuse larger request bodies with HTTP 413 (default: %(default)s, 10 MiB)",
    )
    serve.set_defaults(func=_serve)

    app = commands.add_parser("app", help="run an installed package's Streamlit app (headless)")
    app.add_argument("name", metavar="NAME", help="an installed package")
    app.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    app.add_argument("--port", type=int, default=8501, help="default: %(default)s")
    app.set_defaults(func=_app)

    mcp = commands.add_parser("mcp", help="run an installed package's MCP server")
    mcp.add_argument("name", metavar="NAME", help="an installed package")
    mcp.add_argument(
        "--transport", choices=["stdio", "streamable-http"], default="stdio", help="default: stdio"
    )
    mcp.add_argument("--host", default="127.0.0.1", help="streamable-http only (%(default)s)")
    mcp.add_argument("--port", type=int, default=8000, help="streamable-http only (%(default)s)")
    mcp.set_defaults(func=_mcp)

    artifacts = commands.add_parser(
        "artifacts", help="list or extract the files under an installed package's artifacts/"
    )
    artifacts.add_argument("name", metavar="NAME", help="an installed package")
    artifacts.add_argument(
        "--only",
        dest="paths",
        action="append",
        default=[],
        metavar="PATH",
        help="only this file or folder, relative to artifacts/ (repeatable)",
    )
    artifacts.add_argument("--extract", metavar="DEST", help="copy them into this folder")
    artifacts.add_argument("--json", action="store_true", help="list as JSON")
    artifacts.set_defaults(func=_artifacts)

    show = commands.add_parser("show", help="what an installed package is and ships")
    show.add_argument("name", metavar="NAME", help="an installed package")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)


def _new(args: argparse.Namespace) -> int:
    from packyard.chores.scaffold import new_package

    made = new_package(
        _open_repo(),
        args.name,
        folder=args.folder,
        cli=args.cli,
        api=args.api,
        app=args.app,
        summary=args.summary,
    )
    root = made.path.parent.parent
    for path in made.files:
        print(f"created {path.relative_to(root)}")
    for note in made.notes:
        print(f"note: {note}")
    print(f"next: nox -s test_install-{made.name}")
    print(f"before a release: nox -s check-{made.name} (what invoke release checks)")
    return 0


def _print_chore(report) -> None:  # type: ignore[no-untyped-def]
    for path in report.rewritten:
        print(f"rewrote {path}")
    for note in report.notes:
        print(f"note: {note}")


def _rename(args: argparse.Namespace) -> int:
    from packyard.chores.rename import rename_package

    report = rename_package(_open_repo(), args.old, args.new, progress=print)
    _print_chore(report)
    staged = " (staged with git mv)" if report.git else ""
    print(f"renamed {args.old} to {report.package}{staged}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from packyard.chores.remove import remove_package

    report = remove_package(
        _open_repo(), args.name, purge=args.purge, force=args.force, progress=print
    )
    _print_chore(report)
    staged = " (staged with git rm)" if report.git else ""
    print(f"removed {report.package}{staged}")
    return 0


def _gate(args: argparse.Namespace) -> int:
    from packyard.gates import release_gates, run_gate

    repo = _open_repo()
    gates = release_gates(repo.config) if args.gate == "release" else (args.gate,)
    reports = []
    for name in _names(args.names):
        for gate in gates:
            report = run_gate(repo, name, gate)
            reports.append(report)
            if not args.json:
                print(f"[{gate}] {report.package}")
                print("".join(f"  {line}\n" for line in report.lines), end="")
                print("".join(f"  problem: {p}\n" for p in report.problems), end="")
                print(report.summary())
    if args.json:
        print(json.dumps([r.to_json() for r in reports], indent=2))
    return 0 if all(r.ok for r in reports) else 1


def _import_paa(args: argparse.Namespace) -> int:
    from packyard.paa.importer import DEFAULT_INDEX_URL, import_paa

    report = import_paa(
        _open_repo(),
        Path(args.path),
        names=_names(args.packages or []) or None,
        index_url=args.index_url or DEFAULT_INDEX_URL,
        dry_run=args.dry_run,
        progress=print,
    )
    print(report.render(), end="")
    return 0


def _add_chore_commands(commands: argparse._SubParsersAction) -> None:
    new = commands.add_parser("new", help="scaffold a package that passes its test-install")
    new.add_argument("name", help="the import name (my_tool)")
    new.add_argument("--folder", action="store_true", help="a folder package (default: one file)")
    new.add_argument("--cli", action="store_true", help="with cli.py (a console script)")
    new.add_argument("--api", action="store_true", help="with routes.py (FastAPI, extra api)")
    new.add_argument("--app", action="store_true", help="with app.py (Streamlit, extra app)")
    new.add_argument("--summary", help="the one-line summary")
    new.set_defaults(func=_new)

    rename = commands.add_parser("rename", help="rename a package and all its files")
    rename.add_argument("old", help="the package")
    rename.add_argument("new", help="its new import name")
    rename.set_defaults(func=_rename)

    remove = commands.add_parser("remove", help="remove a package and all its files")
    remove.add_argument("name", help="the package")
    remove.add_argument("--purge", action="store_true", help="also delete its release history")
    remove.add_argument(
        "--force", action="store_true", help="even if imported by others or not committed"
    )
    remove.set_defaults(func=_remove)

    gate = commands.add_parser("gate", help="run a quality gate (release: those a release runs)")
    gate.add_argument("gate", choices=["licenses", "audit", "lint", "release"])
    gate.add_argument("names", nargs="+", metavar="NAME", help="packages (or 'a,b')")
    gate.add_argument("--json", action="store_true", help="print the reports as JSON")
    gate.set_defaults(func=_gate)

    paa = commands.add_parser(
        "import-paa", help="import the packages of a package-auto-assembler repository"
    )
    paa.add_argument("path", help="the paa repository (holding .paa.config)")
    paa.add_argument("--packages", action="append", help="only these ('a,b'; repeatable)")
    paa.add_argument("--index-url", help="where the paa releases are (default: PyPI)")
    paa.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    paa.set_defaults(func=_import_paa)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``packyard`` command."""
    parser = argparse.ArgumentParser(
        prog="packyard", description="Build, test and publish the packages of a repository."
    )
    parser.add_argument("--version", action="version", version=f"packyard {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command run")
    commands = parser.add_subparsers(dest="command", required=True)

    req = commands.add_parser(
        "requirements", help="print the requirements inferred from a .py file or folder"
    )
    req.add_argument("path", help="a .py file, a folder, or a package of packages/")
    req.add_argument("--json", action="store_true", help="print details as JSON")
    req.add_argument(
        "--use-environment",
        action="store_true",
        help="also map import names through the distributions installed here",
    )
    req.set_defaults(func=_requirements)

    test = commands.add_parser(
        "test-install", help="assemble, build, check, install and test packages"
    )
    test.add_argument("names", nargs="*", help="packages (several, or 'a,b,c')")
    test.add_argument("--all", action="store_true", help="every package of the repository")
    test.add_argument("-j", "--jobs", type=int, help="worker processes (default: the CPU count)")
    test.add_argument(
        "--no-cache", action="store_true", help="run even when the same inputs passed before"
    )
    test.set_defaults(func=_test_install)
    for command, func, text in (
        ("build", _build, "assemble, build and check a package's sdist and wheel"),
        ("lock", _lock, "resolve a package's requirements with pip-compile"),
    ):
        sub = commands.add_parser(command, help=text)
        sub.add_argument("name", help="the package (import or distribution name)")
        sub.set_defaults(func=func)

    listing = commands.add_parser("list", help="list the repository's packages")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)

    from packyard.index.repositories import DEFAULT_REPOSITORY
    from packyard.release.readme_table import LOCAL_INDEX_PORT

    rel = commands.add_parser(
        "release", help="version, build, test, upload, verify and record packages"
    )
    rel.add_argument("names", nargs="+", help="packages (several, or 'a,b,c')")
    rel.add_argument(
        "--repository", "-r", default=DEFAULT_REPOSITORY, help="where to (default: %(default)s)"
    )
    which = rel.add_mutually_exclusive_group()
    which.add_argument("--bump", choices=["patch", "minor", "major"], help="force this bump")
    which.add_argument("--version", dest="version", help="force this exact version")
    rel.add_argument("--dry-run", action="store_true", help="print, change nothing")
    rel.add_argument("--no-commit", action="store_true", help="record, tag, but do not commit")
    rel.add_argument("--push", action="store_true", help="push the commit and tag")
    rel.add_argument("--remote", default="origin", help="the remote to push to")
    rel.add_argument(
        "--skip-gates", action="store_true", help="do not run the quality gates (lint, licenses...)"
    )
    rel.add_argument(
        "--trusted-publishing",
        action="store_true",
        help="mint the upload token by trusted publishing (OIDC) right before each upload",
    )
    rel.set_defaults(func=_release)

    readme = commands.add_parser("readme", help="regenerate the README's package table")
    readme.add_argument("--check", action="store_true", help="exit 1 if it is out of date")
    readme.set_defaults(func=_readme)

    index = commands.add_parser("index", help="serve .packyard/index/ on 127.0.0.1")
    index.add_argument(
        "--port", type=int, default=LOCAL_INDEX_PORT, help="0 for a free one (default: %(default)s)"
    )
    index.set_defaults(func=_index)
    _add_ci_commands(commands)
    _add_docs_commands(commands)
    _add_runtime_commands(commands)
    _add_chore_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    try:
        return args.func(args)
    except PackyardError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``packyard list | head``): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    raise SystemExit(main())
