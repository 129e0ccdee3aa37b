"""Uploading built files to a repository with twine, and verifying the upload by installing
that exact version from the index into a fresh venv.

Credentials reach twine and uv only through their environment (``TWINE_USERNAME`` /
``TWINE_PASSWORD``, ``UV_INDEX_RELEASE_USERNAME`` / ``UV_INDEX_RELEASE_PASSWORD``), never
on a command line.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packyard.errors import ReleaseError
from packyard.index_query import project_files
from packyard.proc import run
from packyard.repositories import Credentials, RepositoryConfig, twine_environment
from packyard.venvs import clean_env, create_venv, find_uv


@dataclass(frozen=True)
class FileRecord:
    """A distribution file as the tracking file records it.

    Attributes:
        filename: the file name.
        sha256: its SHA-256 hex digest.
        size: its size in bytes.
    """

    filename: str
    sha256: str
    size: int

    @classmethod
    def of(cls, path: Path) -> FileRecord:
        """Hash and measure ``path``."""
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return cls(path.name, digest.hexdigest(), path.stat().st_size)

    def to_json(self) -> dict[str, object]:
        """``{"filename", "sha256", "size"}``."""
        return {"filename": self.filename, "sha256": self.sha256, "size": self.size}


def upload_command(repository: RepositoryConfig, files: Sequence[Path]) -> list[str]:
    """The twine command line (no credentials on it: they go in the environment)."""
    assert repository.url is not None
    return [
        sys.executable,
        "-m",
        "twine",
        "upload",
        "--non-interactive",
        "--disable-progress-bar",
        "--repository-url",
        repository.url,
        *map(str, files),
    ]


def upload(repository: RepositoryConfig, credentials: Credentials, files: Sequence[Path]) -> str:
    """Upload ``files`` (sdist first, then wheel) with ``twine upload``.

    Args:
        repository: where to (its ``url`` must be set).
        credentials: passed to twine as ``TWINE_USERNAME``/``TWINE_PASSWORD``.
        files: the distribution files.

    Returns:
        twine's output.

    Raises:
        CommandFailed: twine failed (step ``upload``): the repository is unreachable,
            refused the credentials, or rejected a file (for instance one it already has).
    """
    return run(
        upload_command(repository, files),
        step="upload",
        env=twine_environment(credentials),
        timeout=900,
        hint=f"nothing is recorded as released; if {repository.name!r} now holds some of "
        "these files, that version cannot be uploaded again: release the next one",
    )


def verify_on_index(
    repository: RepositoryConfig,
    dist_name: str,
    files: Sequence[FileRecord],
    *,
    auth: tuple[str, str] | None = None,
) -> None:
    """Check that the index lists every uploaded file, with the same SHA-256 when it
    gives one.

    Raises:
        ReleaseError: a file is missing or differs; the index is unreachable.
    """
    assert repository.index_url is not None
    listed = {f.filename: f for f in project_files(repository.index_url, dist_name, auth=auth)}
    for record in files:
        found = listed.get(record.filename)
        if found is None:
            raise ReleaseError(
                f"the index at {repository.index_url} does not list {record.filename} "
                "after the upload",
                hint="check that the repository's index-url serves what its url receives",
            )
        if found.sha256 and found.sha256 != record.sha256:
            raise ReleaseError(
                f"{record.filename} on the index has sha256 {found.sha256}, "
                f"not the uploaded {record.sha256}",
                hint="another file of that name was there already; release a new version",
            )


def verify_install(
    repository: RepositoryConfig,
    dist_name: str,
    import_name: str,
    version: str,
    *,
    deps_index_url: str,
    credentials: Credentials | None = None,
) -> None:
    """Install ``dist_name==version`` from the repository's index into a fresh venv,
    with its dependencies from ``deps_index_url``, then check the installed version and
    import the package.

    Args:
        repository: the repository (its ``index_url`` must be set).
        dist_name: the distribution name.
        import_name: the top-level import name.
        version: the exact PEP 440 version.
        deps_index_url: where dependencies missing from the repository's index come from.
        credentials: for an index that needs authentication (uv reads them from its
            environment).

    Raises:
        CommandFailed: the install or import failed (step ``verify``).
        ReleaseError: a different version was installed.
    """
    assert repository.index_url is not None
    uv = find_uv()
    with tempfile.TemporaryDirectory(prefix=f"packyard-verify-{import_name}-") as scratch:
        venv = create_venv(Path(scratch) / "venv")
        requirement = f"{dist_name}=={version}"
        extra: dict[str, str] = {}
        if uv and venv.backend == "uv":
            args: list[str | Path] = [uv, "pip", "install", "--python", venv.python]
            # The named index comes first: the package itself resolves only from it.
            args += ["--refresh-package", dist_name, "--index", f"release={repository.index_url}"]
            args += ["--default-index", deps_index_url]
            if credentials is not None and repository.needs_credentials:
                extra["UV_INDEX_RELEASE_USERNAME"] = credentials.username
                extra["UV_INDEX_RELEASE_PASSWORD"] = credentials.password
        else:
            if credentials is not None and repository.needs_credentials:
                raise ReleaseError(
                    "cannot verify an index that needs credentials without uv",
                    hint="pip install uv (packyard passes credentials to it through its "
                    "environment)",
                )
            args = [venv.python, "-m", "pip", "install", "--isolated", "--no-input"]
            args += ["--no-cache-dir", "--index-url", repository.index_url]
            if deps_index_url.rstrip("/") != repository.index_url.rstrip("/"):
                args += ["--extra-index-url", deps_index_url]
        run(
            [*args, requirement],
            step="verify",
            env=clean_env(**extra),
            timeout=900,
            hint=f"{requirement} was uploaded but does not install from "
            f"{repository.index_url}; nothing is recorded as released",
        )
        code = (
            "import importlib, importlib.metadata as m, json, sys; "
            "importlib.import_module(sys.argv[2]); "
            "print(json.dumps(m.version(sys.argv[1])))"
        )
        out = run(
            [venv.python, "-c", code, dist_name, import_name],
            step="verify",
            cwd=scratch,
            env=venv.env(),
            timeout=120,
        )
        installed = json.loads(out.strip().splitlines()[-1])
        if installed != version:
            raise ReleaseError(
                f"installing {requirement} from {repository.index_url} gave version {installed}"
            )
