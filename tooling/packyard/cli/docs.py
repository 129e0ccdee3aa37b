"""The documentation commands: ``docs`` and ``docs-publish``."""

from __future__ import annotations

import argparse

from packyard.cli.common import names_from, open_repo


def _docs(args: argparse.Namespace) -> int:
    from packyard.docsite import build_all, build_package_site

    repo = open_repo()
    names = names_from(args.names)
    if names:
        for name in names:
            build_package_site(repo, name, execute=args.execute, progress=print)
    else:
        build_all(repo, execute=args.execute, progress=print)
    return 0


def _docs_publish(args: argparse.Namespace) -> int:
    from packyard.docsite import build_all, build_package_site
    from packyard.docsite.ghpages import publish

    repo = open_repo()
    names = names_from(args.names)
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


def add_docs_commands(commands: argparse._SubParsersAction) -> None:
    """Add the documentation subcommands to ``commands`` (the subparsers of
    :func:`packyard.cli.build_parser`), each with its handler as ``func``: ``docs``,
    ``docs-publish``.
    """
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
