"""Where releases go: named repositories, and their credentials.

A repository has an upload URL (what twine uploads to) and a PEP 503 simple index URL
(what pip installs from and what packyard asks which versions exist). They come from,
the later winning:

1. the presets ``pypi`` and ``testpypi`` (user ``__token__``, the API token in
   ``PYPI_API_TOKEN`` / ``TESTPYPI_API_TOKEN``), and ``local``, the embedded default: a
   pypiserver that the release starts on 127.0.0.1 over ``.packyard/index/``;
2. ``~/.pypirc`` (its ``repository`` URL, user name and password), read in-process;
3. ``[tool.packyard.repositories.NAME]`` in the root ``pyproject.toml``::

       [tool.packyard.repositories.company]
       url = "https://pkgs.dev.azure.com/ORG/_packaging/FEED/pypi/upload/"
       index-url = "https://pkgs.dev.azure.com/ORG/_packaging/FEED/pypi/simple/"  # optional
       username-env = "COMPANY_INDEX_USER"   # names of environment variables,
       password-env = "COMPANY_INDEX_TOKEN"  # never the secrets themselves
       # username = "__token__"              # or a fixed, non-secret user name

   Without ``index-url``, an upload URL ending in ``/upload`` maps to ``.../simple/``
   (Azure Artifacts), and any other to ``URL/simple/`` (pypiserver, GitLab).

Credentials come only from the environment variables named there, ``.pypirc``, the
``TWINE_USERNAME``/``TWINE_PASSWORD`` variables or the keyring, in that order. They
reach twine only as ``TWINE_USERNAME``/``TWINE_PASSWORD`` in its environment: never on
its command line (visible in ``ps``), never printed, logged or written to a file. The
variables a repository names are registered with :func:`packyard.childenv.hide_variables`
when the repositories are loaded, so no other child process (build, tests, gates) sees
them. The simple indexes of ``pypi`` and ``testpypi`` are public: no credential is ever
sent to them (:meth:`RepositoryConfig.index_auth`).
"""

from __future__ import annotations

import configparser
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packyard.childenv import child_env, hide_variables
from packyard.config import RepoConfig
from packyard.errors import ConfigError, ReleaseError
from packyard.tomlcompat import check_keys

LOCAL = "local"
DEFAULT_REPOSITORY = LOCAL
_KEYS = ("url", "index-url", "username", "username-env", "password-env")
#: The user name twine is given for a repository without authentication (pypiserver
#: with authentication off still wants one).
ANONYMOUS_USER = "packyard"


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
    """Guess the simple index URL of an upload URL (see the module docstring).

    >>> simple_url_for("https://pkgs.dev.azure.com/o/_packaging/f/pypi/upload/")
    'https://pkgs.dev.azure.com/o/_packaging/f/pypi/simple/'
    >>> simple_url_for("http://127.0.0.1:8080")
    'http://127.0.0.1:8080/simple/'
    """
    base = upload_url.rstrip("/")
    if base.endswith("/upload"):
        return base[: -len("upload")] + "simple/"
    return base + "/simple/"


def default_pypirc() -> Path:
    """``~/.pypirc``."""
    return Path.home() / ".pypirc"


def load_repositories(
    config: RepoConfig, *, pypirc: Path | None = None
) -> dict[str, RepositoryConfig]:
    """Every repository known: presets, then ``.pypirc``, then ``pyproject.toml``.

    Args:
        config: the repository configuration (``raw["repositories"]`` is read).
        pypirc: the ``.pypirc`` to read; ``~/.pypirc`` when None (a missing file is fine).

    Raises:
        ConfigError: a ``[tool.packyard.repositories.NAME]`` table is malformed (unknown
            key, missing ``url``, a value of the wrong type), or ``.pypirc`` is unreadable.
    """
    found = dict(PRESETS)
    for name, section in _read_pypirc(pypirc or default_pypirc()).items():
        found[name] = section
    pyproject = config.root / "pyproject.toml"
    tables = config.raw.get("repositories", {})
    if not isinstance(tables, dict):
        raise ConfigError("[tool.packyard.repositories] must be a table", path=pyproject)
    for name, table in tables.items():
        found[name] = _from_table(name, table, pyproject, found.get(name))
    hide_variables(
        name
        for repository in found.values()
        for name in (repository.username_env, repository.password_env)
        if name
    )
    return found


def get_repository(
    config: RepoConfig, name: str, *, pypirc: Path | None = None
) -> RepositoryConfig:
    """The repository called ``name``.

    Raises:
        ReleaseError: no such repository (the message lists the known ones).
        ConfigError: as in :func:`load_repositories`.
    """
    known = load_repositories(config, pypirc=pypirc)
    if name in known:
        return known[name]
    close = difflib.get_close_matches(name, list(known), n=1)
    raise ReleaseError(
        f"unknown repository {name!r}",
        path=config.root / "pyproject.toml",
        hint=(f"did you mean {close[0]!r}? " if close else "")
        + f"known: {', '.join(sorted(known))}; add [tool.packyard.repositories.{name}] "
        'with url = "..."',
    )


def _line_of(path: Path, needle: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return number
    except OSError:
        return None
    return None


def _from_table(
    name: str, table: Any, path: Path, base: RepositoryConfig | None
) -> RepositoryConfig:
    header = f"[tool.packyard.repositories.{name}]"
    line = _line_of(path, f"repositories.{name}]") or _line_of(path, "repositories]")
    if not isinstance(table, dict):
        raise ConfigError(f"{header} must be a table", path=path, line=line)
    for key, value in table.items():
        if key in ("password", "token"):
            raise ConfigError(
                f"{header} {key}: secrets do not belong in pyproject.toml",
                path=path,
                line=line,
                hint='remove it, and name the environment variable instead: password-env = "VAR"',
            )
        check_keys({key: value}, _KEYS, path, header, line=line)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{header} {key} must be a non-empty string", path=path, line=line)
    if name == LOCAL and "url" in table:
        raise ConfigError(
            f"{header}: the local repository has no fixed url",
            path=path,
            line=line,
            hint="name the repository differently to upload to a server of your own",
        )
    url = table.get("url", base.url if base else None)
    if url is None and name != LOCAL:
        raise ConfigError(
            f"{header} has no url",
            path=path,
            line=line,
            hint='add url = "https://host/path/" (the upload URL)',
        )
    if url is not None and not url.startswith(("https://", "http://")):
        raise ConfigError(
            f"{header} url must start with https:// or http://: {url!r}", path=path, line=line
        )
    index_url = table.get("index-url")
    if index_url is None and url is not None:
        index_url = base.index_url if base and base.url == url else simple_url_for(url)
    merged = {
        "username": base.username if base else None,
        "username_env": base.username_env if base else None,
        "password_env": base.password_env if base else None,
    }
    if "username" in table or "username-env" in table:
        merged["username"] = table.get("username")
        merged["username_env"] = table.get("username-env")
    if "password-env" in table:
        merged["password_env"] = table["password-env"]
    return RepositoryConfig(
        name,
        url=url,
        index_url=index_url,
        origin=str(path),
        pypirc=base.pypirc if base else None,
        public_index=bool(base and base.public_index and base.index_url == index_url),
        **merged,
    )


def _read_pypirc(path: Path) -> dict[str, RepositoryConfig]:
    if not path.is_file():
        return {}
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error) as exc:
        raise ConfigError(f"cannot read .pypirc: {exc}", path=path) from None
    found = {}
    for section in parser.sections():
        if section == "distutils":
            continue
        base = PRESETS.get(section)
        url = parser.get(section, "repository", fallback=None) or (base.url if base else None)
        if not url:
            continue
        same = base is not None and base.url == url
        found[section] = RepositoryConfig(
            section,
            url=url,
            index_url=base.index_url if base and same else simple_url_for(url),
            public_index=bool(base and same and base.public_index),
            username=parser.get(section, "username", fallback=None)
            or (base.username if base else None),
            password_env=base.password_env if base else None,
            origin=str(path),
            pypirc=path,
        )
    return found


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


def resolve_credentials(
    repository: RepositoryConfig, environ: Mapping[str, str] | None = None
) -> Credentials:
    """Find the credentials for uploading to ``repository``.

    Args:
        repository: the repository.
        environ: the environment to read; ``os.environ`` when None.

    Returns:
        The credentials; for a repository without authentication, a placeholder user
        name and password (twine insists on them).

    Raises:
        ReleaseError: the repository needs a password and none was found; the message
            names the environment variable to set (never a value).
    """
    env = os.environ if environ is None else environ
    if not repository.needs_credentials:
        return Credentials(ANONYMOUS_USER, "unused", "no authentication")
    section = _pypirc_section(repository)
    username = (
        (env.get(repository.username_env) if repository.username_env else None)
        or repository.username
        or section.get("username")
        or env.get("TWINE_USERNAME")
    )
    password, source = None, ""
    if repository.password_env and env.get(repository.password_env):
        password, source = env[repository.password_env], f"${repository.password_env}"
    elif section.get("password"):
        password, source = section["password"], str(repository.pypirc)
    elif env.get("TWINE_PASSWORD"):
        password, source = env["TWINE_PASSWORD"], "$TWINE_PASSWORD"
    elif username and repository.url:
        password, source = _keyring_password(repository.url, username), "keyring"
    wanted = [v for v in (repository.username_env, repository.password_env) if v]
    if not username or not password:
        missing = "user name" if not username else "password"
        where = " and ".join(f"${v}" for v in wanted) or "$TWINE_USERNAME and $TWINE_PASSWORD"
        raise ReleaseError(
            f"missing credentials for repository {repository.name!r}: no {missing} found",
            path=repository.origin if repository.origin != "preset" else None,
            hint=f"set {where} in the environment (or put them in ~/.pypirc or the keyring); "
            "packyard never prints them",
        )
    return Credentials(username, password, source)


def _pypirc_section(repository: RepositoryConfig) -> dict[str, str]:
    if repository.pypirc is None or not repository.pypirc.is_file():
        return {}
    parser = configparser.RawConfigParser()
    try:
        parser.read(repository.pypirc, encoding="utf-8")
    except (OSError, configparser.Error):
        return {}
    if not parser.has_section(repository.name):
        return {}
    return dict(parser.items(repository.name))


def _keyring_password(url: str, username: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - keyring comes with twine
        return None
    try:
        return keyring.get_password(url, username)
    except (KeyringError, RuntimeError, OSError):
        return None


def twine_environment(
    credentials: Credentials, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for a twine child process, the only one that gets credentials:
    :func:`packyard.childenv.child_env` of ``base`` (``os.environ`` when None: the
    allow-list, no credential), twine's certificate settings (``TWINE_CERT``,
    ``TWINE_CLIENT_CERT``) when set, plus ``TWINE_USERNAME`` and ``TWINE_PASSWORD`` (and
    ``NO_COLOR``, for plain text in the messages that quote twine's output)."""
    source = os.environ if base is None else base
    certificates = {k: source[k] for k in ("TWINE_CERT", "TWINE_CLIENT_CERT") if k in source}
    return child_env(
        environ=source,
        extra={
            **certificates,
            "TWINE_USERNAME": credentials.username,
            "TWINE_PASSWORD": credentials.password,
            "TWINE_NON_INTERACTIVE": "1",
            "NO_COLOR": "1",
        },
    )
