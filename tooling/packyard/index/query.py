"""Asking a package index which files and versions of a project it holds.

Speaks the simple repository API: the JSON form (PEP 691) when the index offers it, the
HTML form (PEP 503) otherwise. A project the index has never seen is simply empty.

Credentials (HTTP basic authentication, for private indexes) go only to the index's own
origin: never to the public indexes of :data:`PUBLIC_INDEX_HOSTS`, and not along a
redirect to another scheme, host or port.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from packyard.errors import ReleaseError

#: Hosts of public simple indexes (PyPI, TestPyPI): they are read without credentials.
PUBLIC_INDEX_HOSTS = frozenset({"pypi.org", "test.pypi.org"})

_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
)


@dataclass(frozen=True)
class IndexFile:
    """One distribution file on an index.

    Attributes:
        filename: the file name, e.g. ``my_tool-0.1.0-py3-none-any.whl``.
        url: its absolute download URL.
        sha256: its SHA-256 hex digest when the index gives it, else ``""``.
        version: the PEP 440 version parsed from the file name, or None when the name is
            not a wheel or sdist name.
    """

    filename: str
    url: str
    sha256: str = ""
    version: Version | None = None


def version_of(filename: str) -> Version | None:
    """The version in a wheel or sdist file name, or None.

    >>> version_of("my_tool-0.2.0-py3-none-any.whl"), version_of("my_tool-0.2.0.tar.gz")
    (<Version('0.2.0')>, <Version('0.2.0')>)
    >>> version_of("notes.txt") is None
    True
    """
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def sends_auth_to(index_url: str) -> bool:
    """Whether :func:`project_files` sends credentials to ``index_url`` at all: not to a
    public index (:data:`PUBLIC_INDEX_HOSTS`).

    >>> sends_auth_to("https://pypi.org/simple/"), sends_auth_to("https://pkgs.example/simple/")
    (False, True)
    """
    return _origin(index_url)[1] not in PUBLIC_INDEX_HOSTS


class _SameOriginAuth(urllib.request.HTTPRedirectHandler):
    """Follows redirects, carrying the ``Authorization`` header only to the origin
    (scheme, host, port) it was meant for; a redirect elsewhere goes without it."""

    def __init__(self, origin: tuple[str, str, int | None], authorization: str) -> None:
        self.origin = origin
        self.authorization = authorization

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(new.full_url) == self.origin:
            new.add_unredirected_header("Authorization", self.authorization)
        return new


def project_files(
    index_url: str,
    project: str,
    *,
    auth: tuple[str, str] | None = None,
    timeout: float = 30.0,
) -> list[IndexFile]:
    """The files the index holds for ``project``.

    Args:
        index_url: the simple index URL, e.g. ``https://pypi.org/simple/``.
        project: the distribution name (normalized here, PEP 503).
        auth: user name and password for HTTP basic authentication, for private indexes;
            never sent to a public index (:func:`sends_auth_to`), nor along a redirect to
            another origin.
        timeout: seconds to wait for the index.

    Returns:
        The files, in the index's order; empty when the index does not know the project.

    Raises:
        ReleaseError: the index is unreachable, refuses access, or answers something that
            is not a simple index page.
    """
    url = urllib.parse.urljoin(index_url.rstrip("/") + "/", canonicalize_name(project) + "/")
    request = urllib.request.Request(url, headers={"Accept": _ACCEPT})
    handlers: list[urllib.request.BaseHandler] = []
    if auth is not None and sends_auth_to(url):
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        # Unredirected: urllib would copy a plain header to wherever a redirect points.
        request.add_unredirected_header("Authorization", f"Basic {token}")
        handlers.append(_SameOriginAuth(_origin(url), f"Basic {token}"))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout) as response:
            content_type = response.headers.get("Content-Type", "")
            body = response.read().decode("utf-8", errors="replace")
            final_url = response.geturl()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        hint = (
            "check the credentials for this repository"
            if exc.code in (401, 403)
            else "check the repository's index-url"
        )
        raise ReleaseError(
            f"the index at {index_url} answered HTTP {exc.code} for {project!r}", hint=hint
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ReleaseError(
            f"cannot reach the index at {index_url}: {reason}",
            hint="is the index running and the URL right? (for the local index: invoke index)",
        ) from None
    if "json" in content_type:
        return _from_json(body, final_url, index_url)
    return _from_html(body, final_url)


def project_versions(
    index_url: str, project: str, *, auth: tuple[str, str] | None = None
) -> set[Version]:
    """The versions of ``project`` the index holds files for (see :func:`project_files`)."""
    return {f.version for f in project_files(index_url, project, auth=auth) if f.version}


def folder_files(folder: Path, project: str) -> list[IndexFile]:
    """The files of ``project`` in a folder served as an index (pypiserver's layout: all
    files in one folder), without starting a server. Empty when the folder is missing."""
    if not folder.is_dir():
        return []
    wanted = canonicalize_name(project)
    found = []
    for path in sorted(folder.iterdir()):
        version = version_of(path.name)
        name = path.name.split("-", 1)[0]
        if version is not None and canonicalize_name(name) == wanted:
            found.append(IndexFile(path.name, path.resolve().as_uri(), "", version))
    return found


def _from_json(body: str, base: str, index_url: str) -> list[IndexFile]:
    try:
        data = json.loads(body)
        entries = data["files"]
    except (ValueError, KeyError, TypeError):
        raise ReleaseError(
            f"the index at {index_url} sent JSON that is not a PEP 691 project page"
        ) from None
    files = []
    for entry in entries:
        filename = str(entry.get("filename", ""))
        files.append(
            IndexFile(
                filename,
                urllib.parse.urljoin(base, str(entry.get("url", ""))),
                str((entry.get("hashes") or {}).get("sha256", "")),
                version_of(filename),
            )
        )
    return files


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def _from_html(body: str, base: str) -> list[IndexFile]:
    parser = _Anchors()
    parser.feed(body)
    files = []
    for href, text in parser.links:
        url, _, fragment = urllib.parse.urljoin(base, href).partition("#")
        filename = text or urllib.parse.unquote(url.rsplit("/", 1)[-1])
        sha256 = fragment.split("=", 1)[1] if fragment.startswith("sha256=") else ""
        files.append(IndexFile(filename, url, sha256, version_of(filename)))
    return files
