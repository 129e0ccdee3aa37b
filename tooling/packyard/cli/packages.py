"""The package commands: ``requirements``, ``test-install``, ``build``, ``lock`` and ``list``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from packyard.cli.common import names_from, open_repo
from packyard.errors import ConfigError, PackyardError


def _requirements(args: argparse.Namespace) -> int:
    from packaging.requirements import Requirement

    from packyard.config import DEFAULT_REQUIRES_PYTHON, find_root
    from packyard.inference.import_map import ImportMap
    from packyard.inference.requirements import InferredRequirement, infer, local_modules_of
    from packyard.package.project import listed_specifiers
    from packyard.repo import Repository

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


def _test_install(args: argparse.Namespace) -> int:
    from packyard.building.batch import FAILED, run_many, summary_table
    from packyard.building.testinstall import test_install

    repo = open_repo()
    names = list(repo.packages) if args.all else names_from(args.names)
    if not names:
        raise PackyardError(
            "no package to test-install", hint="name packages, or --all for every package"
        )
    if len(names) == 1 and args.jobs is None and not args.all:
        test_install(repo.resolve(names[0]), progress=print, use_cache=not args.no_cache)
        return 0
    outcomes = run_many(repo, names, jobs=args.jobs, use_cache=not args.no_cache)
    print(summary_table(outcomes))
    failed = [o for o in outcomes if o.result == FAILED]
    if failed:
        print(f"logs: {', '.join(str(o.log) for o in failed)}", file=sys.stderr)
    return 1 if failed else 0


def _build(args: argparse.Namespace) -> int:
    from packyard.building.testinstall import build_and_check

    _, artifacts, _ = build_and_check(open_repo().resolve(args.name, tests=False))
    for path in artifacts.files:
        print(path)
    return 0


def _lock(args: argparse.Namespace) -> int:
    from packyard.building.lock import compile_requirements

    repo = open_repo()
    print(compile_requirements(repo.inference(args.name), index_url=repo.config.index_url), end="")
    return 0


def _list(args: argparse.Namespace) -> int:
    from packyard.chores.listing import format_list, list_packages

    rows = list_packages(open_repo())
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_list(rows), end="")
    return 0


def add_package_commands(commands: argparse._SubParsersAction) -> None:
    """Add the package subcommands to ``commands`` (the subparsers of
    :func:`packyard.cli.build_parser`), each with its handler as ``func``: ``requirements``,
    ``test-install``, ``build``, ``lock``, ``list``.
    """
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
