"""The commands that run what an installed package ships: ``serve``, ``app``, ``mcp``,
``artifacts`` and ``show``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from packyard.cli.common import names_from


def _serve(args: argparse.Namespace) -> int:
    from packyard.runtime.serve import serve

    serve(
        names_from(args.names),
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


def add_runtime_commands(commands: argparse._SubParsersAction) -> None:
    """Add the runtime subcommands to ``commands`` (the subparsers of
    :func:`packyard.cli.build_parser`), each with its handler as ``func``: ``serve``, ``app``,
    ``mcp``, ``artifacts``, ``show``.
    """
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
