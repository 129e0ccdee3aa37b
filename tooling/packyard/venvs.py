"""Fresh, isolated virtual environments for installing and testing built wheels.

uv creates and fills them when it is available (it is a dependency of packyard, so it
normally is); otherwise ``virtualenv`` and pip. Neither reads the user's or the machine's
configuration files: the index is always the one packyard is told to use.

No child process started through :func:`clean_env` or :func:`without_secrets` sees a
credential: build, test-install, tests, gates, pip-compile and the verification install
run without ``TWINE_*``, ``*TOKEN*``, ``*PASSWORD*``, ``*SECRET*`` variables and the
variables the configured repositories name; only the upload gets them.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packyard.proc import run


def find_uv() -> str | None:
    """Return the path of the ``uv`` executable, or None when there is none."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


#: Variables that only say where caches are: kept, as they change no resolution.
_KEPT = {"UV_CACHE_DIR", "PIP_CACHE_DIR"}

#: A variable whose upper-cased name contains one of these holds a credential
#: (``PYPI_API_TOKEN``, ``TWINE_PASSWORD``, ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``,
#: ``MY_SECRET``...).
SECRET_MARKERS = ("TOKEN", "PASSWORD", "SECRET")
#: Prefixes of credential variables: twine reads ``TWINE_USERNAME``/``TWINE_PASSWORD``;
#: ``ACTIONS_ID_TOKEN_REQUEST_URL`` lets any process ask GitHub for an identity token.
SECRET_PREFIXES = ("TWINE_", "ACTIONS_ID_TOKEN_")
_hidden: set[str] = set()


def hide_variables(names: Iterable[str]) -> None:
    """Treat these environment variables as credentials from now on, for this process:
    :func:`clean_env` and :func:`without_secrets` drop them. :mod:`packyard.repositories`
    registers every ``username-env`` and ``password-env`` of the configured repositories.

    Args:
        names: environment variable names.
    """
    _hidden.update(name.upper() for name in names if name)


def is_secret_variable(name: str) -> bool:
    """Whether the environment variable ``name`` holds (or leads to) a credential: a name
    containing TOKEN, PASSWORD or SECRET, starting with ``TWINE_`` or
    ``ACTIONS_ID_TOKEN_``, or registered with :func:`hide_variables`. Case-insensitive.

    >>> [is_secret_variable(n) for n in ("PYPI_API_TOKEN", "twine_username", "PATH")]
    [True, True, False]
    """
    upper = name.upper()
    return (
        upper in _hidden
        or upper.startswith(SECRET_PREFIXES)
        or any(marker in upper for marker in SECRET_MARKERS)
    )


def without_secrets(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (``os.environ`` when None) without credential variables (see
    :func:`is_secret_variable`): the environment for every child process except the
    upload (twine gets its credentials explicitly, see
    :func:`packyard.repositories.twine_environment`)."""
    source = os.environ if environ is None else environ
    return {key: value for key, value in source.items() if not is_secret_variable(key)}


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without variables that would leak configuration into an
    isolated install (pip and uv config, an active virtualenv, PYTHONPATH) and without
    credentials (see :func:`is_secret_variable`), plus ``extra`` (kept as given, so a
    caller can hand one child the credential it needs).
    """
    env = {
        key: value
        for key, value in without_secrets().items()
        if key in _KEPT
        or (
            not key.startswith(("PIP_", "UV_", "PYTHON"))
            and key not in {"VIRTUAL_ENV", "CONDA_PREFIX", "__PYVENV_LAUNCHER__"}
        )
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["UV_NO_CONFIG"] = "1"
    env.update(extra)
    return env


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
