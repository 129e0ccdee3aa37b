"""A paa package's other modules (cli, API routes, streamlit app, MCP server): where each
goes in the packyard package and which extra its pins go to, the console script the cli
gives, and paa's ``mcp_server`` name kept for the MCP module.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packyard.names import distribution_name
from packyard.paa import source as paa_source
from packyard.paa.copying import write
from packyard.paa.report import PackageImport

#: paa file -> (packyard module, extra its pins go to; None: the core dependencies).
PARTS = {
    "cli_dir": ("cli", None),
    "api_routes_dir": ("routes", "api"),
    "streamlit_dir": ("app", "app"),
    "mcp_dir": ("mcp", "mcp"),
}


MCP_SERVER_SHIM = '''"""package-auto-assembler's name for this package's MCP module, ``mcp.py`` in
packyard: kept so that code importing or running ``{name}.mcp_server`` by name keeps
working (written by ``invoke import-paa``).
"""


def __getattr__(attribute):
    try:
        from . import mcp as module
    except ImportError as exc:  # the extra "mcp" is not installed
        raise ImportError(
            "{name}.mcp_server needs the extra 'mcp': pip install '{dist}[mcp]'"
        ) from exc
    return getattr(module, attribute)


if __name__ == "__main__":
    import runpy

    runpy.run_module("{name}.mcp", run_name="__main__")
'''


def keep_mcp_server_name(
    name: str, text: str, folder: Path, metadata: dict[str, Any], item: PackageImport
) -> None:
    """paa ships the MCP module as ``NAME/mcp_server.py``; packyard's is ``NAME/mcp.py``.
    Keep the old name importable and runnable (``mcp_server.py`` forwards to ``mcp.py``
    lazily, so the core install does not need the ``mcp`` extra), and pin ``mcp<2`` in
    the extra when the module uses the SDK 1.x ``FastMCP`` (renamed ``MCPServer`` in 2.x).
    """
    write(
        folder / "mcp_server.py",
        MCP_SERVER_SHIM.format(name=name, dist=distribution_name(name)),
    )
    item.carried.append(
        f"{name}/mcp_server.py added: paa's name for the MCP module stays importable and "
        f"runnable ({name}.mcp_server forwards to {name}.mcp)"
    )
    uses_fastmcp = any(
        re.search(r"\bmcp\.server\.fastmcp\b", line) and "#-" not in line
        for line in text.splitlines()
    )
    if uses_fastmcp:
        extras = metadata.setdefault("extras_require", {})
        extras.setdefault("mcp", [])
        extras["mcp"] = [*extras["mcp"], "mcp<2"]
        item.carried.append(
            "mcp.py uses FastMCP of the MCP SDK 1.x (renamed MCPServer in 2.x): the extra "
            "mcp requires mcp<2; move to `mcp = MCPServer(...)` to drop the pin"
        )


def cli_entry(
    text: str, path: Path, name: str, scripts: dict[str, str], item: PackageImport
) -> str:
    """A paa cli module's text as packyard's ``cli.py``: ``main = cli`` appended when it
    defines ``cli`` but no ``main`` (packyard's console script calls ``NAME.cli:main``).

    A ``__cli_metadata__`` script name other than ``name`` is added to ``scripts`` (script
    -> entry point, for ``[project.scripts]``); what is not carried over goes to
    ``item.not_carried``.

    Raises:
        PackageError: the module has a syntax error.
    """
    metadata, problem = paa_source.literal_assignment(text, path, "__cli_metadata__")
    if problem:
        item.not_carried.append(f"{path.name}: {problem}")
    has_main = paa_source.defines(text, "main")
    has_cli = paa_source.defines(text, "cli")
    target = "main" if has_main else "cli"
    if not has_main and has_cli:
        text = text.rstrip("\n") + (
            "\n\n\n# Added by `invoke import-paa`: packyard's console script calls cli.main.\n"
            "main = cli\n"
        )
        item.carried.append("cli.py: `main = cli` appended (paa's console script calls cli)")
    elif not has_main:
        item.not_carried.append(
            f"{path.name} defines neither main nor cli: the console script {name} needs cli.main"
        )
    script = str((metadata or {}).get("name") or "")
    if script and script != name:
        scripts[script] = f"{name}.cli:{target}"
        item.carried.append(
            f"__cli_metadata__ name {script!r} -> [project.scripts] {script} "
            f"(packyard also installs the script {name})"
        )
    return text
