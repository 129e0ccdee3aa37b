"""``artifacts/*.link`` files: a file a package ships that is downloaded at build time.

A large or third-party data file need not live in git: put a ``.link`` file under the
package's ``artifacts/`` folder and the build (:func:`packyard.building.assemble.assemble`)
downloads it and ships it under the link's name without ``.link``::

    packages/my_tool/artifacts/cities.csv.link   ->  my_tool/artifacts/cities.csv

The format: blank lines and ``#`` comments are ignored; the first other line is the URL
(``http`` or ``https``); then optional ``key = value`` lines::

    # GeoNames cities over 15,000 inhabitants, 2024-05 extract
    https://example.org/data/cities15000.csv
    sha256 = 0b5e5c1f...        # 64 hex digits: the download must match
    max-bytes = 20000000        # refuse larger downloads (default: 100 MiB)
    timeout = 600               # give up after this many seconds in all (default: 300)

The ``timeout`` is a deadline for the whole download: a server that keeps sending a
byte now and then cannot hold the build forever. An interrupted or failed download
leaves no partial file behind.

The ``.link`` file itself is not shipped, and the sdist holds the downloaded file, so
building the wheel from the sdist needs no network. With a ``sha256``, a download is kept
in ``.packyard/cache/links/`` and reused by later builds; without one, every build
downloads again (and the build is only as reproducible as the URL).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from packyard import __version__
from packyard.errors import ConfigError, LinkError
from packyard.package.metadata import read_source

log = logging.getLogger("packyard")

LINK_SUFFIX = ".link"
#: The folder of a folder package under which ``.link`` files are downloaded.
ARTIFACTS_DIR = "artifacts"
#: The size limit of a download without ``max-bytes``, in bytes (100 MiB).
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
#: Seconds to wait for the server to connect or to send more data.
TIMEOUT = 30.0
#: Seconds a whole download may take without a ``timeout`` line (5 minutes).
DEFAULT_DEADLINE = 300.0
_KEYS = ("sha256", "max-bytes", "timeout")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 16
_COMMENT = re.compile(r"\s#")


@dataclass(frozen=True)
class Link:
    """A parsed ``.link`` file.

    Attributes:
        path: the ``.link`` file.
        url: the URL to download (http or https).
        url_line: the 1-based line of the URL, for messages.
        sha256: the expected SHA-256 of the download (64 lowercase hex digits), or None.
        sha256_line: the line of ``sha256``, or None.
        max_bytes: the largest download accepted, in bytes.
        deadline: the longest a whole download may take, in seconds (``timeout``).
    """

    path: Path
    url: str
    url_line: int
    sha256: str | None = None
    sha256_line: int | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    deadline: float = DEFAULT_DEADLINE

    @property
    def target_name(self) -> str:
        """The name the downloaded file ships under (the link's name without ``.link``)."""
        return self.path.name[: -len(LINK_SUFFIX)]


def link_target(relative: str) -> str | None:
    """The shipped path of a package file, when it is a link under ``artifacts/``.

    Args:
        relative: the file's POSIX path inside the package folder.

    Returns:
        The path without ``.link``, or None when the file is not a link to download.

    >>> link_target("artifacts/data/cities.csv.link")
    'artifacts/data/cities.csv'
    >>> link_target("notes.link") is None
    True
    """
    path = PurePosixPath(relative)
    if path.parts[0] != ARTIFACTS_DIR or path.suffix != LINK_SUFFIX or path.name == LINK_SUFFIX:
        return None
    return str(path.with_name(path.name[: -len(LINK_SUFFIX)]))


def read_link(path: Path) -> Link:
    """Parse a ``.link`` file.

    Raises:
        ConfigError: no URL, a URL that is not http(s), a second URL, an unknown key, a
            malformed ``sha256``, ``max-bytes`` or ``timeout`` (names the file and line).
        PackageError: the file cannot be read.
    """
    url: str | None = None
    url_line = 0
    values: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(read_source(path).splitlines(), start=1):
        # A comment starts a line or follows a space (a URL's #fragment does not).
        line = _COMMENT.split(raw, maxsplit=1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if url is None:
            url, url_line = line, number
            scheme = urllib.parse.urlsplit(url).scheme
            if scheme not in ("http", "https") or not urllib.parse.urlsplit(url).netloc:
                raise ConfigError(
                    f"{url!r} is not an http or https URL",
                    path=path,
                    line=number,
                    hint="the first line (after comments) of a .link file is the URL to "
                    "download, e.g. https://example.org/data.csv",
                )
            continue
        key, sep, value = (part.strip() for part in line.partition("="))
        if not sep or key not in _KEYS:
            raise ConfigError(
                f"unknown line {line!r}: a .link file holds one URL, then key = value lines",
                path=path,
                line=number,
                hint=f"known keys: {', '.join(_KEYS)}",
            )
        values[key] = (value, number)
    if url is None:
        raise ConfigError(
            "the .link file holds no URL",
            path=path,
            hint="write the URL of the file to download on its first line",
        )
    sha256, sha256_line = values.get("sha256", (None, None))
    if sha256 is not None:
        sha256 = sha256.lower()
        if not _SHA256.fullmatch(sha256):
            raise ConfigError(
                "sha256 must be 64 hexadecimal digits",
                path=path,
                line=sha256_line,
                hint="compute it with `sha256sum FILE` (or `shasum -a 256 FILE`)",
            )
    max_bytes = int(
        _positive(values, "max-bytes", r"[0-9][0-9_]*", "whole number of bytes", path)
        or DEFAULT_MAX_BYTES
    )
    deadline = (
        _positive(values, "timeout", r"[0-9]+(\.[0-9]+)?", "number of seconds", path)
        or DEFAULT_DEADLINE
    )
    return Link(path, url, url_line, sha256, sha256_line, max_bytes, deadline)


def _positive(
    values: dict[str, tuple[str, int]], key: str, pattern: str, what: str, path: Path
) -> float | None:
    """The value of ``key`` (matching ``pattern``, above zero), or None when absent.

    Raises:
        ConfigError: the value is malformed or not positive (names the file and line).
    """
    if key not in values:
        return None
    text, number = values[key]
    if not re.fullmatch(pattern, text) or float(text.replace("_", "")) <= 0:
        raise ConfigError(
            f"{key} must be a positive {what}, not {text!r}",
            path=path,
            line=number,
        )
    return float(text.replace("_", ""))


def fetch(
    link: Link, dest: Path, *, cache_dir: Path | None = None, timeout: float = TIMEOUT
) -> None:
    """Download a link's file to ``dest``, checking its size and sha256.

    The file is written to a temporary name beside ``dest`` and renamed into place only
    when complete and checked. With a ``sha256`` and a ``cache_dir``, a cached copy is used
    when present, and a new download is cached.

    Args:
        link: the parsed link.
        dest: where the file goes (its folder must exist).
        cache_dir: the download cache (``.packyard/cache/links``), or None for none.
        timeout: seconds to wait for the connection or for more data (each wait is
            also cut to what is left of the link's ``deadline``).

    Raises:
        LinkError: the URL is unreachable, answers an HTTP error, sends more than
            ``max_bytes``, takes longer than the link's ``deadline`` in all, or the
            download does not match the link's sha256. On any error or interruption
            (``KeyboardInterrupt`` too) no partial file is left.
    """
    cached = cache_dir / link.sha256 if cache_dir is not None and link.sha256 else None
    if cached is not None and cached.is_file() and _file_sha256(cached) == link.sha256:
        log.info("%s: using the cached download %s", link.path, cached)
        shutil.copyfile(cached, dest)
        return
    if link.sha256 is None:
        log.warning("%s: no sha256 line, so the download is not checked", link.path)
    fd, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _download(link, out, timeout)
        if link.sha256 is not None and digest != link.sha256:
            raise LinkError(
                f"the download of {link.url} does not match the sha256 of the link: "
                f"expected {link.sha256}, got {digest}",
                path=link.path,
                line=link.sha256_line,
                hint="if the file changed on purpose, put the new sha256 in the .link file; "
                "otherwise the URL serves something else than it used to",
            )
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if cached is not None:
        part = cached.with_name(f".{cached.name}.{os.getpid()}.part")
        try:
            with contextlib.suppress(OSError):  # a cache that cannot be written costs time
                cached.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(dest, part)
                os.replace(part, cached)
        finally:
            part.unlink(missing_ok=True)


def _download(link: Link, out: BinaryIO, timeout: float) -> str:
    """Stream the URL into ``out`` (a binary file); return the hex SHA-256."""
    request = urllib.request.Request(link.url, headers={"User-Agent": f"packyard/{__version__}"})
    too_big = LinkError(
        f"{link.url} is larger than the limit of {link.max_bytes} bytes",
        path=link.path,
        line=link.url_line,
        hint="raise the limit with a 'max-bytes = N' line in the .link file, or link a "
        "smaller file",
    )
    too_slow = LinkError(
        f"the download of {link.url} did not finish within {link.deadline:g} seconds",
        path=link.path,
        line=link.url_line,
        hint="raise the limit with a 'timeout = SECONDS' line in the .link file if the "
        "server is slow but sound; otherwise link a faster source",
    )
    digest = hashlib.sha256()
    end = time.monotonic() + link.deadline

    def left() -> float:
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise too_slow
        return min(timeout, remaining)

    try:
        with urllib.request.urlopen(request, timeout=left()) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > link.max_bytes:
                raise too_big
            size = 0
            # read1 returns what has arrived (read would wait for a whole chunk), so the
            # deadline is checked between any two pieces, and each wait is cut to it.
            while True:
                _set_read_timeout(response, left())
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > link.max_bytes:
                    raise too_big
                digest.update(chunk)
                out.write(chunk)
            left()
    except urllib.error.HTTPError as exc:
        raise LinkError(
            f"{link.url} answered HTTP {exc.code} {exc.reason}",
            path=link.path,
            line=link.url_line,
            hint="check the URL in the .link file (open it in a browser)",
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        if time.monotonic() >= end:
            raise too_slow from None
        reason = getattr(exc, "reason", None) or exc
        raise LinkError(
            f"cannot download {link.url}: {reason}",
            path=link.path,
            line=link.url_line,
            hint="check the URL and that this machine can reach its host (proxy, firewall); "
            "building this package needs the download",
        ) from None
    return digest.hexdigest()


def _set_read_timeout(response: http.client.HTTPResponse, seconds: float) -> None:
    """Cut the socket's wait for more data to ``seconds`` (when the socket is reachable:
    ``http.client`` exposes it only as ``response.fp.raw._sock``)."""
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(seconds)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
