"""Uploading built files to a repository with twine, and verifying the upload by installing
that exact version from the index into a fresh venv.

Credentials reach twine and uv only through their environment (``TWINE_USERNAME`` /
``TWINE_PASSWORD``, ``UV_INDEX_RELEASE_USERNAME`` / ``UV_INDEX_RELEASE_PASSWORD``), never
on a command line; every other child process runs without them
(:func:`packyard.building.venvs.clean_env`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

from packyard.building.venvs import Venv, clean_env, create_venv, find_uv
from packyard.errors import CommandFailed, ReleaseError
from packyard.index.credentials import twine_environment
from packyard.index.query import project_files
from packyard.index.repository_config import Credentials, RepositoryConfig
from packyard.proc import run


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


def upload(
    repository: RepositoryConfig,
    credentials: Credentials,
    files: Sequence[Path],
    *,
    package: str = "NAME",
) -> str:
    """Upload ``files`` (sdist first, then wheel) with ``twine upload``.

    Args:
        repository: where to (its ``url`` must be set).
        credentials: passed to twine as ``TWINE_USERNAME``/``TWINE_PASSWORD``, in its
            environment only.
        files: the distribution files.
        package: the package's name, for the hints.

    Returns:
        twine's output.

    Raises:
        CommandFailed: twine failed (step ``upload``); the message says why when twine's
            output does: the repository refused the credentials (HTTP 401/403), already
            has a file of this version (HTTP 400/409), or is unreachable.
    """
    try:
        return run(
            upload_command(repository, files),
            step="upload",
            env=twine_environment(credentials),
            timeout=900,
        )
    except CommandFailed as exc:
        message, hint = _upload_failure(exc.output, repository, credentials, files, package)
        raise CommandFailed(
            message, step="upload", returncode=exc.returncode, output=exc.output, hint=hint
        ) from None


def _upload_failure(
    output: str,
    repository: RepositoryConfig,
    credentials: Credentials,
    files: Sequence[Path],
    package: str,
) -> tuple[str, str]:
    """The message and hint for a failed ``twine upload``, from its output."""
    where = f"repository {repository.name!r} ({repository.url})"
    names = ", ".join(Path(f).name for f in files)
    used_up = (
        f"nothing is recorded as released; whatever {repository.name!r} now holds of this "
        "version cannot be uploaded again: fix the cause and release the next version "
        f"(invoke release {package} --bump patch)"
    )
    status = re.search(r"HTTPError:\s*(\d{3})", output) or re.search(
        r"\b(4\d\d) (?:Conflict|Unauthorized|Forbidden|Bad Request)", output
    )
    code = status.group(1) if status else ""
    if code in ("401", "403"):
        source = credentials.source or "the configured credentials"
        return (
            f"upload: {where} refused the credentials (HTTP {code})",
            f"check the user name and the password from {source} (neither is printed); a "
            "token must be allowed to upload this project; nothing was uploaded or recorded",
        )
    if code == "409" or (code == "400" and "exist" in output.lower()):
        return (
            f"upload: {where} already has a file of this release (HTTP {code}): {names}",
            used_up,
        )
    if code == "400":
        return (
            f"upload: {where} rejected a file (HTTP 400, most often: it already has a file "
            f"of that name): {names}",
            used_up,
        )
    if re.search(r"connection|refused|unreachable|timed out|name or service", output, re.I):
        return (
            f"upload: cannot reach {where}",
            "is the index running and its url right? nothing was uploaded or recorded",
        )
    return f"upload: twine upload to {where} failed", used_up


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


_VERSIONS = (
    "import importlib.metadata as m, json, sys\n"
    "found = {}\n"
    "for name in sys.argv[1:]:\n"
    "    try:\n"
    "        found[name] = m.version(name)\n"
    "    except m.PackageNotFoundError:\n"
    "        pass\n"
    "print(json.dumps(found))\n"
)


def verify_install(
    repository: RepositoryConfig,
    dist_name: str,
    import_name: str,
    version: str,
    *,
    deps_index_url: str,
    siblings: Sequence[str] = (),
    credentials: Credentials | None = None,
    prefer_uv: bool = True,
) -> dict[str, str]:
    """Install ``dist_name==version`` from the repository's index into a fresh venv, its
    sibling distributions from that index only, its third-party dependencies from
    ``deps_index_url``; then check the versions and import the package.

    Siblings are this repository's own distributions: a public index may hold an
    unrelated project of the same name (and a higher version), so they never resolve
    from ``deps_index_url``. Two installs make sure of it, with uv and with pip alike:

    1. the package and its siblings with ``--no-deps`` from the repository's index
       alone (each sibling: the highest version there that satisfies ``siblings``);
    2. the package again, now with its dependencies, from both indexes, the first-party
       distributions constrained (``-c``) to the versions step 1 installed. uv also
       takes the repository's index first (``--index-strategy first-index``).

    Args:
        repository: the repository (its ``index_url`` must be set).
        dist_name: the distribution name.
        import_name: the top-level import name.
        version: the exact PEP 440 version.
        deps_index_url: where third-party dependencies come from.
        siblings: PEP 508 requirements of the sibling distributions the package needs,
            directly or through other siblings (e.g. ``["unitconv>=0.1.0"]``).
        credentials: for an index that needs authentication (uv reads them from its
            environment, never its command line).
        prefer_uv: install with uv when it is available; False uses virtualenv and pip.

    Returns:
        ``{distribution name: installed version}`` of the package and its siblings.

    Raises:
        CommandFailed: an install or the import failed (step ``verify``).
        ReleaseError: a different version was installed, or a sibling was replaced by
            one from another index; an index that needs credentials without uv.
    """
    assert repository.index_url is not None
    release_index = repository.index_url
    names = [dist_name, *(Requirement(s).name for s in siblings)]
    uv = find_uv() if prefer_uv else None
    with tempfile.TemporaryDirectory(prefix=f"packyard-verify-{import_name}-") as scratch:
        venv = create_venv(Path(scratch) / "venv", prefer_uv=prefer_uv)
        requirement = f"{dist_name}=={version}"
        extra: dict[str, str] = {}
        if credentials is not None and repository.index_needs_auth:
            if not (uv and venv.backend == "uv"):
                raise ReleaseError(
                    "cannot verify an index that needs credentials without uv",
                    hint="pip install uv (packyard passes credentials to it through its "
                    "environment)",
                )
            extra["UV_INDEX_RELEASE_USERNAME"] = credentials.username
            extra["UV_INDEX_RELEASE_PASSWORD"] = credentials.password

        def install(args: list[str | Path], requirements: Sequence[str]) -> None:
            run(
                [*args, *requirements],
                step="verify",
                env=clean_env(**extra),
                timeout=900,
                hint=f"{requirement} was uploaded but does not install from {release_index}",
            )

        if uv and venv.backend == "uv":
            base: list[str | Path] = [uv, "pip", "install", "--python", venv.python]
            for name in names:  # see new uploads, not a cached page
                base += ["--refresh-package", name]
            only_release = [*base, "--no-deps", "--default-index", f"release={release_index}"]
            both = [*base, "--index-strategy", "first-index"]
            both += ["--index", f"release={release_index}", "--default-index", deps_index_url]
        else:
            base = [venv.python, "-m", "pip", "install", "--isolated", "--no-input"]
            base += ["--no-cache-dir", "--index-url", release_index]
            only_release = [*base, "--no-deps"]
            both = list(base)
            if deps_index_url.rstrip("/") != release_index.rstrip("/"):
                both += ["--extra-index-url", deps_index_url]
        install(only_release, [requirement, *siblings])
        first = _installed(venv, names, scratch)
        constraints = Path(scratch) / "first-party.txt"
        constraints.write_text(
            "".join(f"{n}=={v}\n" for n, v in sorted(first.items())), encoding="utf-8"
        )
        install([*both, "-c", constraints], [requirement])
        code = "import importlib, sys; importlib.import_module(sys.argv[1]); print('imported')"
        run(
            [venv.python, "-c", code, import_name],
            step="verify",
            cwd=scratch,
            env=venv.env(),
            timeout=120,
            hint=f"{requirement} installs from {release_index} but does not import",
        )
        final = _installed(venv, names, scratch)
        if final.get(dist_name) != version:
            raise ReleaseError(
                f"installing {requirement} from {release_index} gave version {final.get(dist_name)}"
            )
        for name, found in first.items():
            if final.get(name) != found:
                raise ReleaseError(
                    f"the sibling {name} {found} from {release_index} was replaced by "
                    f"{final.get(name)} from another index",
                    hint="the repository's own distributions must come from the release index",
                )
        return final


def _installed(venv: Venv, names: Sequence[str], cwd: str) -> dict[str, str]:
    out = run([venv.python, "-c", _VERSIONS, *names], step="verify", cwd=cwd, env=venv.env())
    return dict(json.loads(out.strip().splitlines()[-1]))
