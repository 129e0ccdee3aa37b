"""What a named repository is: its URLs and authentication, the presets, and its credentials.

A repository has an upload URL (what twine uploads to) and a PEP 503 simple index URL (what
pip installs from and what packyard asks which versions exist). The presets are ``pypi`` and
``testpypi`` (user ``__token__``, the API token in ``PYPI_API_TOKEN`` /
``TESTPYPI_API_TOKEN``) and ``local``, the embedded default: a pypiserver that the release
starts on 127.0.0.1 over ``.packyard/index/``. Where the others come from:
:mod:`packyard.index.repositories`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

LOCAL = "local"
DEFAULT_REPOSITORY = LOCAL


@dataclass(frozen=True)
class RepositoryConfig:
    """A named repository.

    Attributes:
        name: its name (``local``, ``pypi``, ``testpypi`` or one of the configuration).
        url: the upload URL; None for ``local`` until its server starts.
        index_url: the PEP 503 simple index URL; None for ``local`` until it starts.
        username: a fixed user name (not secret), e.g. ``__token__``.
        username_env: the environment variable holding the user name.
        password_env: the environment variable holding the password or token.
        origin: where it was defined: ``preset``, a ``.pypirc`` path or a
            ``pyproject.toml`` path (for messages).
        pypirc: the ``.pypirc`` file with a section of this name, if any.
        public_index: whether its simple index is public (PyPI's, TestPyPI's): the index
            query and the verification install send it no credential.
    """

    name: str
    url: str | None
    index_url: str | None = None
    username: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    origin: str = "preset"
    pypirc: Path | None = field(default=None, compare=False)
    public_index: bool = False

    @property
    def is_local(self) -> bool:
        """Whether this is the embedded local index (started on demand)."""
        return self.name == LOCAL

    @property
    def needs_credentials(self) -> bool:
        """Whether uploads need a password: a user, a password variable or a ``.pypirc``
        section is configured. Other repositories are used without authentication."""
        return bool(self.username or self.username_env or self.password_env or self.pypirc)

    @property
    def index_needs_auth(self) -> bool:
        """Whether reading its simple index may need the upload credentials: a repository
        with credentials whose index is not public."""
        return self.needs_credentials and not self.public_index

    def index_auth(self, credentials: Credentials | None) -> tuple[str, str] | None:
        """``(username, password)`` for reading its simple index, or None: no credentials,
        a repository without authentication, or a public index (PyPI's simple index
        needs none, and an upload token must not travel with every page request)."""
        if credentials is None or not self.index_needs_auth:
            return None
        return credentials.as_basic_auth()

    def with_urls(self, url: str, index_url: str) -> RepositoryConfig:
        """A copy with the given upload and simple index URLs (for ``local`` once started)."""
        return replace(self, url=url, index_url=index_url)


PRESETS: dict[str, RepositoryConfig] = {
    LOCAL: RepositoryConfig(LOCAL, url=None),
    "pypi": RepositoryConfig(
        "pypi",
        url="https://upload.pypi.org/legacy/",
        index_url="https://pypi.org/simple/",
        username="__token__",
        password_env="PYPI_API_TOKEN",
        public_index=True,
    ),
    "testpypi": RepositoryConfig(
        "testpypi",
        url="https://test.pypi.org/legacy/",
        index_url="https://test.pypi.org/simple/",
        username="__token__",
        password_env="TESTPYPI_API_TOKEN",
        public_index=True,
    ),
}


def simple_url_for(upload_url: str) -> str:
    """Guess the simple index URL of an upload URL (see :mod:`packyard.index.repositories`).

    >>> simple_url_for("https://pkgs.dev.azure.com/o/_packaging/f/pypi/upload/")
    'https://pkgs.dev.azure.com/o/_packaging/f/pypi/simple/'
    >>> simple_url_for("http://127.0.0.1:8080")
    'http://127.0.0.1:8080/simple/'
    """
    base = upload_url.rstrip("/")
    if base.endswith("/upload"):
        return base[: -len("upload")] + "simple/"
    return base + "/simple/"


@dataclass(frozen=True)
class Credentials:
    """A user name and password for one repository. The password never appears in
    ``repr`` or ``str``.

    Attributes:
        username: the user name.
        password: the password or token.
        source: where the password came from (e.g. ``environment variable X``), for
            messages; never the value.
    """

    username: str
    password: str = field(repr=False)
    source: str = ""

    def __str__(self) -> str:
        return f"{self.username} (password from {self.source})"

    def as_basic_auth(self) -> tuple[str, str]:
        """``(username, password)`` for HTTP basic authentication in-process."""
        return self.username, self.password
