"""Credentials for an upload, and the environment of twine, the only process that gets them.

Credentials come only from the environment variables a repository names, ``.pypirc``, the
``TWINE_USERNAME``/``TWINE_PASSWORD`` variables or the keyring, in that order. They reach
twine only as ``TWINE_USERNAME``/``TWINE_PASSWORD`` in its environment: never on its command
line (visible in ``ps``), never printed, logged or written to a file. The variables a
repository names are registered with :func:`packyard.childenv.hide_variables` when the
repositories are loaded (:func:`packyard.index.repositories.load_repositories`), so no other
child process (build, tests, gates) sees them. The simple indexes of ``pypi`` and
``testpypi`` are public: no credential is ever sent to them
(:meth:`packyard.index.repository_config.RepositoryConfig.index_auth`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from packyard.childenv import child_env
from packyard.errors import ReleaseError
from packyard.index.pypirc import pypirc_section
from packyard.index.repository_config import Credentials, RepositoryConfig

#: The user name twine is given for a repository without authentication (pypiserver
#: with authentication off still wants one).
ANONYMOUS_USER = "packyard"


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
    section = pypirc_section(repository)
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
