"""The one place packyard runs external programs.

Every command is an argument list (never a shell string), is logged quoted before it
runs, and on a non-zero exit raises :class:`~packyard.errors.CommandFailed` naming the
pipeline step and carrying the output, so the caller can show its tail. The output is
plain text: terminal escape sequences (ANSI colours, cursor moves) are removed, whatever
the program thought of ``NO_COLOR``.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packyard.childenv import child_env
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
        args: the program and its arguments; the first item is looked up on ``PATH``
            when it is a bare name (packyard passes full paths or ``sys.executable``).
        step: the pipeline step this command belongs to (used in the error message).
        cwd: working directory; the current one when None.
        env: the complete environment for the child; when None,
            :func:`packyard.childenv.child_env` (an allow-list, never a credential).
        timeout: seconds before the command is killed; no limit when None.
        hint: what to tell the user if the command fails.
        input: text (UTF-8) written to the command's standard input; when None, the
            command reads an empty one (``/dev/null``), never the caller's.

    Returns:
        The command's output (stdout and stderr interleaved), decoded as UTF-8, without
        terminal escape sequences (:func:`strip_ansi`).

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
            env=dict(env) if env is not None else child_env(),
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


#: ECMA-48 escape sequences: CSI (``ESC [ ... final``, colours and cursor moves), OSC
#: (``ESC ] ... BEL`` or ``ESC \\``, hyperlinks and titles) and two-byte ``ESC X``.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def strip_ansi(text: str) -> str:
    r"""``text`` without terminal escape sequences (ECMA-48 CSI, OSC and two-byte ones).

    >>> strip_ansi("\x1b[31mERROR\x1b[0m HTTPError: 403 \x1b]8;;http://x\x07link\x1b]8;;\x07")
    'ERROR HTTPError: 403 link'
    """
    return _ESCAPES.sub("", text)


def _decode(data: bytes | str | None) -> str:
    if data is None:
        return ""
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    return strip_ansi(text)
