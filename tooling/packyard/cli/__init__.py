"""The ``packyard`` command line; the only package that prints and exits.

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
import logging
import os
import sys
from collections.abc import Sequence

from packyard import __version__
from packyard.cli.chores import add_chore_commands
from packyard.cli.ci import add_ci_commands
from packyard.cli.docs import add_docs_commands
from packyard.cli.packages import add_package_commands
from packyard.cli.releases import add_release_commands
from packyard.cli.runtime import add_runtime_commands
from packyard.errors import PackyardError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``packyard`` command."""
    parser = argparse.ArgumentParser(
        prog="packyard", description="Build, test and publish the packages of a repository."
    )
    parser.add_argument("--version", action="version", version=f"packyard {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command run")
    commands = parser.add_subparsers(dest="command", required=True)

    add_package_commands(commands)
    add_release_commands(commands)
    add_ci_commands(commands)
    add_docs_commands(commands)
    add_runtime_commands(commands)
    add_chore_commands(commands)
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
