"""``packyard mcp NAME``: run an installed package's MCP server.

The package's ``packyard.mcp`` entry point names its server object (``NAME.mcp:mcp``, from
the package's ``mcp.py``): an ``MCPServer`` of the ``mcp`` SDK 2.x, or a ``FastMCP`` of
1.x. Over ``stdio`` (the default, what MCP clients spawn) nothing but the protocol goes
to standard output; over ``streamable-http`` it listens on ``host:port`` at ``/mcp``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from packyard.errors import RunError
from packyard.runtime.installed import InstalledPackage, find_installed, require_modules

MCP_GROUP = "packyard.mcp"
TRANSPORTS = ("stdio", "streamable-http")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def load_server(name: str) -> tuple[InstalledPackage, Any]:
    """The installed package and its MCP server object.

    Raises:
        RunError: the ``mcp`` SDK is missing, the package is not installed or ships no
            server, its ``mcp`` extra is missing, or the object has no ``run`` method.
    """
    require_modules(["mcp"], command="packyard mcp")
    package = find_installed(name)
    server = package.load(MCP_GROUP)
    if not callable(getattr(server, "run", None)) or not hasattr(server, "list_tools"):
        point = package.require_entry_point(MCP_GROUP)
        raise RunError(
            f"{point.value} of {package.name} is a {type(server).__name__}, not an MCP server",
            hint='define mcp = MCPServer("NAME") (mcp.server.mcpserver) in mcp.py',
        )
    return package, server


def tool_names(server: Any) -> list[str]:
    """The names of the tools an MCP server object exposes, sorted."""
    return sorted(tool.name for tool in asyncio.run(server.list_tools()))


def run_server(
    name: str,
    *,
    transport: str = "stdio",
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    progress: Callable[[str], None] = print,
) -> None:
    """Run the package's MCP server until its client disconnects or it is interrupted.

    Args:
        name: the installed package (distribution or import name).
        transport: ``stdio`` or ``streamable-http``.
        host: with ``streamable-http``, the address to listen on (loopback by default).
        port: with ``streamable-http``, the TCP port.
        progress: called with the URL before an HTTP server starts (never for stdio,
            whose standard output belongs to the protocol).

    Raises:
        RunError: an unknown transport, or see :func:`load_server`.
    """
    if transport not in TRANSPORTS:
        raise RunError(
            f"unknown MCP transport {transport!r}", hint=f"use one of: {', '.join(TRANSPORTS)}"
        )
    _, server = load_server(name)
    if transport == "stdio":
        server.run("stdio")
        return
    progress(f"{name}: MCP over streamable HTTP at http://{host}:{port}/mcp")
    settings = getattr(server, "settings", None)
    if settings is not None and hasattr(settings, "host") and hasattr(settings, "port"):
        settings.host, settings.port = host, port  # mcp 1.x: FastMCP reads them from settings
        server.run("streamable-http")
    else:
        server.run("streamable-http", host=host, port=port)  # mcp 2.x
