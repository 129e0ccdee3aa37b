"""The chore commands: ``new``, ``rename``, ``remove``, ``gate`` and ``import-paa``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from packyard.cli.common import names_from, open_repo


def _new(args: argparse.Namespace) -> int:
    from packyard.chores.scaffold import new_package

    made = new_package(
        open_repo(),
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

    report = rename_package(open_repo(), args.old, args.new, progress=print)
    _print_chore(report)
    staged = " (staged with git mv)" if report.git else ""
    print(f"renamed {args.old} to {report.package}{staged}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from packyard.chores.remove import remove_package

    report = remove_package(
        open_repo(), args.name, purge=args.purge, force=args.force, progress=print
    )
    _print_chore(report)
    staged = " (staged with git rm)" if report.git else ""
    print(f"removed {report.package}{staged}")
    return 0


def _gate(args: argparse.Namespace) -> int:
    from packyard.gates import release_gates, run_gate

    repo = open_repo()
    gates = release_gates(repo.config) if args.gate == "release" else (args.gate,)
    reports = []
    for name in names_from(args.names):
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
        open_repo(),
        Path(args.path),
        names=names_from(args.packages or []) or None,
        index_url=args.index_url or DEFAULT_INDEX_URL,
        dry_run=args.dry_run,
        progress=print,
    )
    print(report.render(), end="")
    return 0


def add_chore_commands(commands: argparse._SubParsersAction) -> None:
    """Add the chore subcommands to ``commands`` (the subparsers of
    :func:`packyard.cli.build_parser`), each with its handler as ``func``: ``new``, ``rename``,
    ``remove``, ``gate``, ``import-paa``.
    """
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
