"""``packyard app NAME``: run an installed package's Streamlit app, headless, on loopback.

The package's ``packyard.apps`` entry point names its ``app`` module (``NAME.app``, from
the package's ``app.py``); Streamlit runs that file. The command replaces the packyard
process with ``python -m streamlit run FILE ...`` (same PID, so signals and a supervisor
reach Streamlit directly); Streamlit's health check answers on ``/_stcore/health``.

Streamlit runs ``app.py`` as a script with its folder (the installed package) first on
``sys.path``: the app imports its package absolutely (``from NAME import ...``), and in that
process a module of the package such as ``mcp.py`` hides a top-level module of that name.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

from packyard.errors import RunError
from packyard.runtime.installed import find_installed, require_modules

APPS_GROUP = "packyard.apps"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501


def app_file(name: str) -> Path:
    """The Streamlit script of an installed package (its ``app.py``), without running it.

    Raises:
        RunError: the package is not installed, ships no app, or its package cannot be
            imported.
    """
    package = find_installed(name)
    point = package.require_entry_point(APPS_GROUP)
    module = point.value.split(":", 1)[0].strip()
    try:
        spec = importlib.util.find_spec(module)
    except ImportError as exc:  # importing the parent package failed
        raise RunError(f"cannot import the package of {module}: {exc}") from exc
    if spec is None or not spec.origin:
        raise RunError(
            f"the module {module} of {package.name} is not installed",
            hint=f"reinstall {package.name}",
        )
    return Path(spec.origin)


def streamlit_command(script: Path, *, host: str, port: int) -> list[str]:
    """The ``python -m streamlit run`` command line: headless, no usage statistics, no
    file watcher, listening on ``host:port``."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless=true",
        f"--server.address={host}",
        f"--server.port={port}",
        "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false",
        "--global.developmentMode=false",
    ]


def run_app(
    name: str,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    progress: Callable[[str], None] = print,
) -> None:
    """Replace this process with Streamlit running the package's app (never returns).

    Args:
        name: the installed package (distribution or import name).
        host: the address to listen on; loopback by default.
        port: the TCP port.
        progress: called with the URL before Streamlit starts.

    Raises:
        RunError: streamlit is missing (``packyard[serve]``), or see :func:`app_file`.
    """
    require_modules(["streamlit"], command="packyard app")
    script = app_file(name)
    command = streamlit_command(script, host=host, port=port)
    progress(f"{name}: http://{host}:{port}/ (Streamlit, {script})")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
