"""The one place packyard runs external programs.

Every command is an argument list (never a shell string), is logged quoted before it
runs, and on a non-zero exit raises :class:`~packyard.errors.CommandFailed` naming the
pipeline step and carrying the output, so the caller can show its tail.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packyard.errors import CommandFailed

log = logging.getLogger("packyard")


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    step: str,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    hint: str | None = None,
    input: str | None = None,
) -> str:
    """Run a command and return its combined stdout and stderr as text.

    Args:
        args: the program and its arguments; the first item is looked up on ``PATH``.
        step: the pipeline step this command belongs to (used in the error message).
        cwd: working directory; the current one when None.
        env: the complete environment for the child; the current one when None.
        timeout: seconds before the command is killed; no limit when None.
        hint: what to tell the user if the command fails.
        input: text (UTF-8) written to the command's standard input; when None, the
            command reads an empty one (``/dev/null``), never the caller's.

    Returns:
        The command's output (stdout and stderr interleaved), decoded as UTF-8.

    Raises:
        CommandFailed: the command exited non-zero, timed out, or could not be started.
    """
    argv = [os.fspath(a) for a in args]
    log.info("$ %s", shlex.join(argv))
    stdin: dict[str, Any] = (
        {"stdin": subprocess.DEVNULL} if input is None else {"input": input.encode("utf-8")}
    )
    try:
        completed = subprocess.run(
            argv,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            **stdin,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise CommandFailed(
            f"{step}: cannot run {argv[0]!r}: {exc.strerror}",
            step=step,
            returncode=127,
            hint=hint or f"install {Path(argv[0]).name} or put it on PATH",
        ) from None
    except subprocess.TimeoutExpired as exc:
        output = _decode(exc.output)
        raise CommandFailed(
            f"{step}: {shlex.join(argv)} did not finish within {timeout} seconds",
            step=step,
            returncode=-1,
            output=output,
            hint=hint,
        ) from None
    output = _decode(completed.stdout)
    if completed.returncode != 0:
        raise CommandFailed(
            f"{step} failed: {shlex.join(argv)} exited with status {completed.returncode}",
            step=step,
            returncode=completed.returncode,
            output=output,
            hint=hint,
        )
    return output


def _decode(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")
