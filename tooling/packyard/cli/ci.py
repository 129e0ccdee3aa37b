"""The commands CI jobs run: ``changed``, ``ci``, ``push-release`` and
``with-trusted-publishing``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from packyard.cli.common import open_repo
from packyard.errors import PackyardError


def _changed(args: argparse.Namespace) -> int:
    from packyard.ci import pipelines
    from packyard.ci.changes import detect_changes, select_packages
    from packyard.ci.since_release import detect_since_last_release
    from packyard.index.repositories import get_repository

    repo = open_repo()
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
    from packyard.ci.localci import ci_steps, run_ci

    repo = open_repo()
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
        open_repo().config.root,
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
    target = get_repository(open_repo().config, args.repository)
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


def add_ci_commands(commands: argparse._SubParsersAction) -> None:
    """Add the CI subcommands to ``commands`` (the subparsers of :func:`packyard.cli.build_parser`),
    each with its handler as ``func``: ``changed``, ``ci``, ``push-release``,
    ``with-trusted-publishing``.
    """
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
