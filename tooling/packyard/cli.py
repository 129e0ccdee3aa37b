"""The ``packyard`` command line; the only module that prints and exits.

Commands::

    packyard requirements PATH [--json] [--use-environment]
    packyard test-install NAME
    packyard build NAME
    packyard lock NAME
    packyard list [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from packyard import __version__
from packyard.errors import PackyardError


def _requirements(args: argparse.Namespace) -> int:
    from packyard.config import find_root
    from packyard.import_map import ImportMap
    from packyard.inference import infer, local_modules_of
    from packyard.repo import Repository

    path = Path(args.path)
    if not path.exists():
        raise PackyardError("no such file or folder", path=path)
    inference = None
    try:
        repo = Repository.open(
            find_root(path if path.is_dir() else path.parent), use_environment=args.use_environment
        )
        match = [p for p in repo.packages.values() if p.path == path.resolve()]
    except PackyardError:
        match = []
    if match:
        inference = repo.inference(match[0].name)
    else:
        files, local = local_modules_of(path)
        inference = infer(
            files,
            local_modules=local,
            import_map=ImportMap(use_environment=args.use_environment),
            relative_to=Path.cwd(),
        )
    for warning in inference.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_json() for r in inference.requirements], indent=2))
    else:
        for requirement in inference.requirements:
            print(requirement.pep508())
    return 0


def _open_repo():  # type: ignore[no-untyped-def]
    from packyard.repo import Repository

    return Repository.open()


def _test_install(args: argparse.Namespace) -> int:
    from packyard.testinstall import test_install

    test_install(_open_repo(), args.name, progress=print)
    return 0


def _build(args: argparse.Namespace) -> int:
    from packyard.testinstall import build_and_check

    _, artifacts, _ = build_and_check(_open_repo(), args.name)
    for path in artifacts.files:
        print(path)
    return 0


def _lock(args: argparse.Namespace) -> int:
    from packyard.lock import compile_requirements

    repo = _open_repo()
    print(compile_requirements(repo.inference(args.name), index_url=repo.config.index_url), end="")
    return 0


def _list(args: argparse.Namespace) -> int:
    repo = _open_repo()
    rows = []
    for name, package in repo.packages.items():
        source = repo.source(name)
        rows.append(
            {
                "name": name,
                "distribution": package.dist_name,
                "form": package.form,
                "version": repo.version(name),
                "summary": source.summary,
                "requirements": [r.pep508() for r in repo.inference(name).requirements],
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['name']:<24} {row['version']:<10} {row['form']:<7} {row['summary']}")
    return 0


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

    for command, func, text in (
        ("test-install", _test_install, "assemble, build, check, install and test a package"),
        ("build", _build, "assemble, build and check a package's sdist and wheel"),
        ("lock", _lock, "resolve a package's requirements with pip-compile"),
    ):
        sub = commands.add_parser(command, help=text)
        sub.add_argument("name", help="the package (import or distribution name)")
        sub.set_defaults(func=func)

    listing = commands.add_parser("list", help="list the repository's packages")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)
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


if __name__ == "__main__":
    raise SystemExit(main())
