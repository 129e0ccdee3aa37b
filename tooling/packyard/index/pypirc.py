"""Reading ``~/.pypirc``: its repositories (URL, user name) and, for uploads, a section's
password.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from packyard.errors import ConfigError
from packyard.index.repository_config import PRESETS, RepositoryConfig, simple_url_for


def default_pypirc() -> Path:
    """``~/.pypirc``."""
    return Path.home() / ".pypirc"


def read_pypirc(path: Path) -> dict[str, RepositoryConfig]:
    """The repositories of a ``.pypirc`` file (twine's format), by section name; empty when
    the file is missing.

    ``[distutils]`` is skipped, and so is a section without a ``repository`` URL unless it
    is named after a preset that has one (``pypi``, ``testpypi``); a preset's section
    takes its user name and password variable as defaults. A URL other than a preset's
    gets a guessed simple index URL (:func:`~packyard.index.repository_config.simple_url_for`).
    Passwords are not read here (see :func:`pypirc_section`).

    Raises:
        ConfigError: the file cannot be read or parsed.
    """
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


def pypirc_section(repository: RepositoryConfig) -> dict[str, str]:
    """The keys and values of ``repository``'s section of the ``.pypirc`` it came from
    (``username``, ``password``...): empty, never an error, when it came from none, or
    the file is gone, unreadable or lacks the section.
    """
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
