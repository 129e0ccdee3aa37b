"""A real package index on loopback: pypiserver serving a folder on ``127.0.0.1``.

Used as the default repository ``local`` (no account needed) and by the tests. The server
runs as a child process on a free port, accepts uploads without authentication (twine still
sends a user name and password; any will do), and is stopped by its PID. It dies with the
process that started it, whatever ends that process (SIGKILL included): a small watchdog
wrapper holds the read end of a pipe whose write end only the starting process has, and
stops the server when it reads end-of-file. Its output goes to an anonymous temporary
file (read back when it fails to start), so no log file is left behind. It never falls
back to another index, unless given ``fallback_url`` (``invoke index`` does): then a
project it does not hold is redirected there, and one it holds is served only from its
folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

from packyard.childenv import child_env
from packyard.errors import CommandFailed

HOST = "127.0.0.1"

#: Runs ``argv[1:]`` (the server) and stops it when standard input reaches end-of-file,
#: that is when the process holding the pipe's write end (the one that started the index)
#: has exited or been killed; exits with the server's status.
_WATCHDOG = """\
import subprocess, sys, threading
server = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
def watch():
    sys.stdin.buffer.read()
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
threading.Thread(target=watch, daemon=True).start()
sys.exit(server.wait())
"""


def free_port(host: str = HOST) -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LocalIndex:
    """pypiserver over a folder, on loopback.

    Use as a context manager, or call :meth:`start` and :meth:`stop`::

        with LocalIndex(Path(".packyard/index")) as index:
            print(index.simple_url)   # http://127.0.0.1:PORT/simple/

    Args:
        directory: the folder of distribution files it serves and stores uploads in
            (created if missing).
        port: the TCP port; a free one when None.
        startup_timeout: seconds to wait for the server to answer.
        fallback_url: a simple index URL to redirect projects the folder does not hold
            to; None: answer 404 for them.
    """

    def __init__(
        self,
        directory: Path,
        *,
        port: int | None = None,
        startup_timeout: float = 30.0,
        fallback_url: str | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.port = port
        self.startup_timeout = startup_timeout
        self.fallback_url = fallback_url
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's root URL, ``http://127.0.0.1:PORT/`` (the upload URL)."""
        return f"http://{HOST}:{self.port}/"

    @property
    def simple_url(self) -> str:
        """The PEP 503 simple index URL, ``http://127.0.0.1:PORT/simple/``."""
        return f"{self.url}simple/"

    @property
    def pid(self) -> int | None:
        """The server's process ID while it runs."""
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        """The pypiserver command line (no authentication; no fallback to another index
        unless ``fallback_url``)."""
        fallback = (
            ["--fallback-url", self.fallback_url] if self.fallback_url else ["--disable-fallback"]
        )
        return [
            sys.executable,
            "-m",
            "pypiserver",
            "run",
            "-p",
            str(self.port),
            "-i",
            HOST,
            "-a",
            ".",
            "-P",
            ".",
            *fallback,
            str(self.directory),
        ]

    def start(self) -> LocalIndex:
        """Start the server and wait until its simple index answers.

        Raises:
            CommandFailed: the server exited or did not answer within ``startup_timeout``
                seconds (step ``index``); carries its output.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        attempts = 1 if self.port else 3
        for attempt in range(attempts):
            if attempt or self.port is None:
                self.port = free_port()
            # Anonymous (gone with its last holder); closed by stop().
            self._log = tempfile.TemporaryFile()  # noqa: SIM115
            self.process = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG, *self.command()],
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.PIPE,  # its end-of-file stops the server
                env=child_env(),  # no credential reaches the server
                start_new_session=True,
            )
            if self._wait_ready():
                return self
            output = self._output()
            self.stop()
            if attempt == attempts - 1:
                raise CommandFailed(
                    f"index: pypiserver did not start on {HOST}:{self.port}",
                    step="index",
                    returncode=1,
                    output=output,
                    hint="is the port taken? is pypiserver installed?",
                )
        return self  # pragma: no cover

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.simple_url, timeout=2) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        return False

    def _output(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL after 10 s). Idempotent."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LocalIndex:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
