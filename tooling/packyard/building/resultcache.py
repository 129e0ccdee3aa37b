"""The test-install result cache: a package whose inputs have not changed since its
test-install last passed is not built, installed or tested again.

The key is a SHA-256 over everything the result depends on:

``files``      the content (not the mtimes) of every file of the package: the module or
               folder, its tests, and ``packages/conftest.py`` when there is one
``pyproject``  the generated ``pyproject.toml`` (inferred requirements, version, metadata)
``siblings``   the input keys (files, pyproject...) of the sibling packages it needs
``resolved``   the versions of every third-party distribution the venv would get: its
               requirements, its siblings', pytest and the tests' needs, resolved against
               the index with ``uv pip compile`` (with uv's cache warm, about 0.05 s
               against a local index, 0.3 s against PyPI)
``python``     the interpreter's version and implementation, and the platform
``packyard``   packyard's version and the content of its own files

Everything is known before anything is built, so a hit costs a dependency scan (cached),
one ``uv pip compile`` and one file read. The resolution is checked again after a passing
run: the result is recorded only when the venv holds exactly the resolved versions (a
release that landed on the index between the two is not mistaken for the old set).
Without uv (the virtualenv fallback) there is no cheap resolution, so nothing is cached.

A passing run writes ``.packyard/cache/test-install/KEY.json`` atomically; a failing run
writes nothing. The folder is safe to delete. ``PACKYARD_NO_CACHE=1`` (or ``--no-cache``)
bypasses the cache; releases never read it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from packyard import __version__
from packyard.building.venvs import clean_env, find_uv
from packyard.config import RepoConfig
from packyard.errors import CommandFailed
from packyard.fsutil import write_text_atomic
from packyard.package.discovery import is_ignored
from packyard.package.resolved import ResolvedPackage
from packyard.proc import run

#: Set to a non-empty value other than ``0`` to bypass the cache.
NO_CACHE_VARIABLE = "PACKYARD_NO_CACHE"
#: The format of a cache entry; bumped when it changes (older entries are misses).
ENTRY_FORMAT = 1


def cache_disabled(environ: dict[str, str] | None = None) -> bool:
    """Whether ``PACKYARD_NO_CACHE`` asks to bypass the cache (any value but ``""``/``0``).

    >>> cache_disabled({"PACKYARD_NO_CACHE": "1"}), cache_disabled({"PACKYARD_NO_CACHE": "0"})
    (True, False)
    """
    value = (os.environ if environ is None else environ).get(NO_CACHE_VARIABLE, "")
    return value.strip() not in ("", "0")


@dataclass(frozen=True)
class CacheKey:
    """The key of one test-install result.

    Attributes:
        digest: SHA-256 (hex) over ``parts``.
        parts: input name -> its own digest or value (``files``, ``pyproject``,
            ``siblings``, ``resolved``, ``python``, ``platform``, ``packyard``...).
        resolved: the pinned third-party distributions (``name==version``) in the key.
    """

    digest: str
    parts: dict[str, str]
    resolved: tuple[str, ...]

    @property
    def short(self) -> str:
        """The first 12 hex digits, as printed."""
        return self.digest[:12]


@dataclass(frozen=True)
class CachedPass:
    """A recorded passing test-install.

    Attributes:
        package: the import name.
        version: the PEP 440 version it was built at.
        passed_at: when it passed (ISO 8601, UTC, seconds).
        seconds: how long the passing run took.
    """

    package: str
    version: str
    passed_at: str
    seconds: float

    def message(self, key: CacheKey) -> str:
        """``cached: passed at <time> (key <short hash>)``."""
        return f"cached: passed at {self.passed_at} (key {key.short})"


def _digest(chunks: Iterable[bytes]) -> str:
    sha = hashlib.sha256()
    for chunk in chunks:
        sha.update(len(chunk).to_bytes(8, "big"))
        sha.update(chunk)
    return sha.hexdigest()


def files_digest(root: Path, paths: Sequence[Path]) -> str:
    """A digest of files and folders by content and path relative to ``root`` (never
    their mtimes); caches and compiled files inside folders are skipped.

    Args:
        root: what paths are named relative to.
        paths: files or folders; missing ones count as absent.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += [
                p for p in path.rglob("*") if p.is_file() and not is_ignored(p.relative_to(path))
            ]
        elif path.is_file():
            files.append(path)
    chunks: list[bytes] = []
    for file in sorted(set(files)):
        chunks += [file.relative_to(root).as_posix().encode(), file.read_bytes()]
    return _digest(chunks)


@lru_cache(maxsize=1)
def packyard_digest() -> str:
    """packyard's version and a digest of its own files (an edited checkout counts as a
    new version)."""
    own = Path(__file__).resolve().parent
    return f"{__version__}:{files_digest(own, [own])}"


def python_identity() -> dict[str, str]:
    """The interpreter and platform the test venvs are made from."""
    return {
        "python": f"{sys.implementation.name} {platform.python_version()} "
        f"({sys.implementation.cache_tag}, {sys.executable})",
        "platform": sysconfig.get_platform(),
    }


class KeyMaker:
    """Computes cache keys for the packages of one repository, remembering each
    package's input key (its siblings' keys reuse them).

    Args:
        index_url: the index the test-install resolves against.
    """

    def __init__(self, index_url: str) -> None:
        self.index_url = index_url
        self._inputs: dict[str, str] = {}

    def input_key(self, resolved: ResolvedPackage) -> str:
        """The digest of what a package's build depends on: its files (content), its
        generated ``pyproject.toml``, the Python and platform, packyard itself.

        Args:
            resolved: the package at its current version (see
                :meth:`packyard.repo.Repository.resolve`).
        """
        from tomli_w import dumps

        from packyard.building.assemble import pyproject_document

        package, config = resolved.package, resolved.config
        if package.name not in self._inputs:
            paths = [package.path, *package.test_paths]
            conftest = config.packages_dir / "conftest.py"
            pyproject = dumps(pyproject_document(resolved.project, package))
            parts = {
                "files": files_digest(config.root, [*paths, conftest]),
                "pyproject": hashlib.sha256(pyproject.encode()).hexdigest(),
                "packyard": packyard_digest(),
                **python_identity(),
            }
            self._inputs[package.name] = _digest(
                f"{k}={v}".encode() for k, v in sorted(parts.items())
            )
        return self._inputs[package.name]

    def key(self, resolved: ResolvedPackage, *, requirements: Sequence[str]) -> CacheKey | None:
        """The key of a package's test-install.

        Args:
            resolved: the package at its current version, with the siblings its venv
                gets (see :meth:`packyard.repo.Repository.resolve`).
            requirements: the PEP 508 third-party requirements the venv gets directly
                (pytest, the tests' needs, the package's own with every extra); the
                siblings' core requirements are added here.

        Returns:
            The key; None when the third-party versions cannot be resolved cheaply (no
            uv, or the resolution fails): the run then goes uncached.
        """
        wanted = list(requirements)
        for sibling in resolved.siblings:
            wanted += [
                str(r.requirement) for r in sibling.inference.required if r.rule != "sibling"
            ]
        pins = resolve(wanted, index_url=self.index_url)
        if pins is None:
            return None
        parts = {
            "package": self.input_key(resolved),
            "siblings": ",".join(f"{s.name}:{self.input_key(s)}" for s in resolved.siblings),
            "resolved": " ".join(pins),
            "index": self.index_url,
        }
        digest = _digest(f"{k}={v}".encode() for k, v in sorted(parts.items()))
        return CacheKey(digest=digest, parts=parts, resolved=tuple(pins))


def resolve(requirements: Sequence[str], *, index_url: str) -> list[str] | None:
    """Resolve PEP 508 requirements to pinned ``name==version`` lines (PEP 503 names,
    sorted) for the running interpreter, with ``uv pip compile`` against ``index_url``.

    Returns:
        The pins; None without uv or when the resolution fails (nothing is raised: the
        caller runs uncached, and the test-install reports the real problem).
    """
    uv = find_uv()
    if uv is None:
        return None
    try:
        output = run(
            [
                uv,
                "pip",
                "compile",
                "-",
                "--python",
                sys.executable,
                "--default-index",
                index_url,
                "--no-header",
                "--no-annotate",
                "--quiet",
            ],
            step="cache",
            env=clean_env(),
            input="\n".join(sorted(set(requirements))) + "\n",
            timeout=120,
        )
    except CommandFailed:
        return None
    pins = []
    for line in output.splitlines():
        line = line.split("#")[0].strip()
        if "==" in line and not line.startswith("-"):
            dist, _, version = line.partition("==")
            pins.append(f"{canonicalize_name(dist.split('[')[0].strip())}=={version.strip()}")
    return sorted(pins)


def installed_versions(python: Path) -> set[str] | None:
    """The ``name==version`` pins (PEP 503 names) installed in a venv, from
    ``uv pip freeze``; None without uv or when it fails."""
    uv = find_uv()
    if uv is None:
        return None
    try:
        output = run([uv, "pip", "freeze", "--python", python], step="cache", env=clean_env())
    except CommandFailed:
        return None
    pins = set()
    for line in output.splitlines():
        if "==" in line:
            dist, _, version = line.partition("==")
            pins.add(f"{canonicalize_name(dist.strip())}=={version.strip()}")
    return pins


class ResultCache:
    """The entries under ``.packyard/cache/test-install/``.

    Args:
        folder: the cache folder.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def of(cls, config: RepoConfig) -> ResultCache:
        """The cache of a repository (``.packyard/cache/test-install``)."""
        return cls(config.state_dir / "cache" / "test-install")

    def _path(self, key: CacheKey) -> Path:
        return self.folder / f"{key.digest}.json"

    def lookup(self, key: CacheKey) -> CachedPass | None:
        """The recorded pass for ``key``, or None (a missing, unreadable or foreign entry
        is a miss, never an error)."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            if data.get("format") != ENTRY_FORMAT or data.get("key") != key.digest:
                return None
            return CachedPass(
                package=str(data["package"]),
                version=str(data["version"]),
                passed_at=str(data["passed_at"]),
                seconds=float(data["seconds"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def record(
        self,
        key: CacheKey,
        *,
        package: str,
        version: str,
        seconds: float,
        installed: set[str] | None,
    ) -> bool:
        """Record a passing run, atomically.

        Args:
            key: its key.
            package: the import name.
            version: the version built.
            seconds: its wall time.
            installed: the venv's ``name==version`` pins after the run (see
                :func:`installed_versions`); when it lacks one of ``key.resolved`` (the
                index changed between the resolution and the install), nothing is
                recorded.

        Returns:
            Whether the entry was written.
        """
        if installed is None or not set(key.resolved) <= installed:
            return False
        entry: dict[str, Any] = {
            "format": ENTRY_FORMAT,
            "key": key.digest,
            "package": package,
            "version": version,
            "passed_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "seconds": round(seconds, 3),
            "inputs": key.parts,
        }
        try:
            write_text_atomic(self._path(key), json.dumps(entry, indent=2) + "\n")
        except OSError:
            return False  # a read-only checkout still tests; it only forgets the result
        return True
