"""The release commands: ``release``, ``readme`` and ``index`` (the local index)."""

from __future__ import annotations

import argparse
import sys

from packyard.cli.common import open_repo


def _release(args: argparse.Namespace) -> int:
    from packyard.release.pipeline import error_text, release, summary
    from packyard.release.planning import ReleaseOptions

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
    results = release(open_repo(), args.names, options, progress=print)
    print(summary(results, reasons=False))  # each error follows once, in full
    failed = [r for r in results if r.status == "failed" or r.warnings]
    for result in failed:
        if result.error is not None:
            print(f"error: {error_text(result)}", file=sys.stderr)
    return 1 if failed else 0


def _readme(args: argparse.Namespace) -> int:
    from packyard.release.readme_table import update_readme

    changed = update_readme(open_repo(), check=args.check)
    if args.check:
        print("README.md package table is out of date" if changed else "README.md is up to date")
        return 1 if changed else 0
    print("README.md package table updated" if changed else "README.md package table unchanged")
    return 0


def _index(args: argparse.Namespace) -> int:
    from packyard.release.local_index import serve_local_index

    serve_local_index(open_repo(), port=args.port, progress=print)
    return 0


def add_release_commands(commands: argparse._SubParsersAction) -> None:
    """Add the release subcommands to ``commands`` (the subparsers of
    :func:`packyard.cli.build_parser`), each with its handler as ``func``: ``release``, ``readme``,
    ``index``.
    """
    from packyard.index.repository_config import DEFAULT_REPOSITORY
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
