"""Where releases go: the named repositories, from the presets, ``.pypirc`` and ``pyproject.toml``.

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

The variables a repository names are registered with :func:`packyard.childenv.hide_variables`
when the repositories are loaded (the credentials themselves:
:mod:`packyard.index.credentials`).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from packyard.childenv import hide_variables
from packyard.config import RepoConfig
from packyard.errors import ConfigError, ReleaseError
from packyard.index.pypirc import default_pypirc, read_pypirc
from packyard.index.repository_config import LOCAL, PRESETS, RepositoryConfig, simple_url_for
from packyard.tomlcompat import check_keys

_KEYS = ("url", "index-url", "username", "username-env", "password-env")


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
    for name, section in read_pypirc(pypirc or default_pypirc()).items():
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
