"""Fresh, isolated virtual environments for installing and testing built wheels.

uv creates and fills them when it is available (it is a dependency of packyard, so it
normally is); otherwise ``virtualenv`` and pip. Neither reads the user's or the machine's
configuration files: the index is always the one packyard is told to use.

Their programs run with :func:`clean_env` (:func:`packyard.childenv.child_env`, isolated):
an allow-list of variables, never a credential.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packyard.childenv import child_env
from packyard.proc import run


def find_uv() -> str | None:
    """Return the path of the ``uv`` executable, or None when there is none."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        # Next to the running interpreter (its environment's scripts), never from PATH.
        beside = Path(sys.executable).parent / ("uv.exe" if os.name == "nt" else "uv")
        return str(beside) if beside.is_file() else None


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for an isolated install or a run inside a fresh venv:
    :func:`packyard.childenv.child_env` with ``isolated=True`` (the allow-list, no
    credential, no pip or uv configuration), plus ``extra`` (kept as given, so a caller
    can hand one child the credential it needs)."""
    return child_env(isolated=True, extra=extra)


@dataclass(frozen=True)
class Venv:
    """A virtual environment.

    Attributes:
        path: its folder.
        backend: ``"uv"`` or ``"virtualenv"``.
        pycache_prefix: where its programs write and find bytecode
            (``PYTHONPYCACHEPREFIX``); None: they write none (``PYTHONDONTWRITEBYTECODE``).
    """

    path: Path
    backend: str
    pycache_prefix: Path | None = None

    @property
    def bin_dir(self) -> Path:
        """The folder holding its executables (``bin`` or ``Scripts``)."""
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        """Its Python interpreter."""
        return self.bin_dir / ("python.exe" if os.name == "nt" else "python")

    def env(self, **extra: str) -> dict[str, str]:
        """An environment for running its programs: clean, with its ``bin`` first on PATH."""
        env = clean_env(
            VIRTUAL_ENV=str(self.path),
            PATH=os.pathsep.join([str(self.bin_dir), os.environ.get("PATH", "")]),
            **extra,
        )
        if self.pycache_prefix is not None:
            del env["PYTHONDONTWRITEBYTECODE"]
            env["PYTHONPYCACHEPREFIX"] = str(self.pycache_prefix)
        return env

    def install(
        self,
        requirements: Sequence[str | os.PathLike[str]],
        *,
        index_url: str | None = None,
        find_links: Sequence[Path] = (),
        step: str = "install",
    ) -> str:
        """Install requirements (PEP 508 strings or wheel paths) with their dependencies.

        Args:
            requirements: what to install.
            index_url: the PEP 503 simple index to resolve from; uv's or pip's default
                (PyPI) when None.
            find_links: folders of wheels to consider too.
            step: the step name for errors.

        Returns:
            The installer's output.

        Raises:
            CommandFailed: the install failed (a dependency does not resolve, the index is
                unreachable...).
        """
        uv = find_uv() if self.backend == "uv" else None
        if uv:
            args: list[str | os.PathLike[str]] = [uv, "pip", "install", "--python", self.python]
            if index_url:
                args += ["--default-index", index_url]
        else:
            args = [self.python, "-m", "pip", "install", "--isolated", "--no-input"]
            if index_url:
                args += ["--index-url", index_url]
        for link in find_links:
            args += ["--find-links", link]
        args += list(requirements)
        return run(
            args,
            step=step,
            env=clean_env(),
            hint="check that every dependency exists on the index and supports this Python; "
            "map a wrongly guessed import in [tool.packyard.import-map]",
        )


def create_venv(path: Path, *, python: str | None = None, prefer_uv: bool = True) -> Venv:
    """Create a fresh virtual environment at ``path`` (replacing anything there).

    Args:
        path: the folder to create.
        python: the interpreter to base it on; the running one when None.
        prefer_uv: use uv when available (fast); False forces virtualenv.

    Returns:
        The new environment. With virtualenv it has pip; with uv it has no pip (installs
        go through uv).

    Raises:
        CommandFailed: the environment could not be created.
    """
    python = python or sys.executable
    if path.exists():
        shutil.rmtree(path)
    uv = find_uv() if prefer_uv else None
    if uv:
        run(
            [uv, "venv", "--quiet", "--no-config", "--python", python, path],
            step="venv",
            env=clean_env(),
        )
        return Venv(path=path, backend="uv")
    run(
        [sys.executable, "-m", "virtualenv", "--quiet", "--python", python, path],
        step="venv",
        env=clean_env(),
    )
    return Venv(path=path, backend="virtualenv")
