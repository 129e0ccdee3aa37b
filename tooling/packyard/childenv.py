"""The environment of every child process packyard starts, built from an allow-list.

A child gets only what running a program needs: where things are (``PATH``, ``HOME``,
temporary and cache folders), the locale, proxies and certificate bundles, git's identity
and configuration variables, the CI system's descriptive variables (``CI``,
``GITHUB_*``, ``GITLAB_*``, Azure's ``BUILD_*``...), ``SOURCE_DATE_EPOCH``, ``NO_COLOR``
and, for a tool that should honour the user's configuration, ``PIP_*``/``UV_*``.
Anything else, and any credential even when its name matches the allow-list (see
:func:`is_secret_variable`), stays in packyard's own process.

Credentials are added back by the few callers that hand one child the credential it
needs, explicitly and by name: twine (:func:`packyard.index.credentials.twine_environment`),
the verification install from a private index that must be read with them
(:func:`packyard.release.publish.verify_install`), and a ``git push`` that reads
``PACKYARD_PUSH_TOKEN`` through the credential helper the GitLab pipeline configures.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

#: Variables a child keeps (compared upper-cased, as Windows treats them).
ALLOWED_NAMES = frozenset(
    {
        # where things are, who runs them, the terminal
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "COLUMNS", "LINES", "TZ",
        "TMPDIR", "TEMP", "TMP", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
        "XDG_RUNTIME_DIR", "LANG", "LANGUAGE", "NO_COLOR", "FORCE_COLOR",
        "PYTHONUTF8", "PYTHONIOENCODING", "SOURCE_DATE_EPOCH",
        # Windows
        "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "APPDATA",
        "LOCALAPPDATA", "USERPROFILE", "PROGRAMDATA", "PROGRAMFILES", "OS",
        "NUMBER_OF_PROCESSORS", "PROCESSOR_ARCHITECTURE",
        # network: proxies and certificate bundles
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE",
        "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        # CI systems that set a bare flag
        "CI", "TF_BUILD",
    }
)  # fmt: skip

#: Prefixes of variables a child keeps: the locale, git's identity and configuration
#: (``GIT_AUTHOR_NAME``, ``GIT_CONFIG_GLOBAL``, ``GIT_SSH_COMMAND``...), the CI systems'
#: descriptive variables, and the configuration of the tools packyard wires.
ALLOWED_PREFIXES = (
    "LC_", "GIT_", "GITHUB_", "GITLAB_", "CI_", "RUNNER_", "BUILD_", "SYSTEM_", "AGENT_",
    "PACKYARD_", "NOX_", "INVOKE_",
)  # fmt: skip

#: The user's pip and uv configuration: kept for the tools that should honour it (the
#: build's isolated environment, the gates), dropped for isolated installs.
TOOL_CONFIG_PREFIXES = ("PIP_", "UV_")

#: Kept even in isolated installs: they only say where caches are.
CACHE_VARIABLES = frozenset({"UV_CACHE_DIR", "PIP_CACHE_DIR"})

#: A variable whose upper-cased name contains one of these holds a credential
#: (``PYPI_API_TOKEN``, ``TWINE_PASSWORD``, ``GITHUB_TOKEN``, ``CI_JOB_TOKEN``,
#: ``SYSTEM_ACCESSTOKEN``, ``MY_SECRET``...): never passed on, allow-listed or not.
SECRET_MARKERS = ("TOKEN", "PASSWORD", "SECRET", "CREDENTIAL", "API_KEY", "PRIVATE_KEY")
#: Prefixes of credential variables: twine reads ``TWINE_USERNAME``/``TWINE_PASSWORD``;
#: ``ACTIONS_ID_TOKEN_REQUEST_URL`` lets any process ask GitHub for an identity token.
SECRET_PREFIXES = ("TWINE_", "ACTIONS_ID_TOKEN_")

_hidden: set[str] = set()


def hide_variables(names: Iterable[str]) -> None:
    """Treat these environment variables as credentials from now on, for this process:
    :func:`child_env` never passes them on, whatever their names.
    :mod:`packyard.index.repositories` registers every ``username-env`` and ``password-env`` of
    the configured repositories.

    Args:
        names: environment variable names.
    """
    _hidden.update(name.upper() for name in names if name)


def is_secret_variable(name: str) -> bool:
    """Whether the environment variable ``name`` holds (or leads to) a credential: a name
    containing TOKEN, PASSWORD, SECRET, CREDENTIAL, API_KEY or PRIVATE_KEY, starting with
    ``TWINE_`` or ``ACTIONS_ID_TOKEN_``, or registered with :func:`hide_variables`.
    Case-insensitive.

    >>> [is_secret_variable(n) for n in ("PYPI_API_TOKEN", "twine_username", "PATH")]
    [True, True, False]
    """
    upper = name.upper()
    return (
        upper in _hidden
        or upper.startswith(SECRET_PREFIXES)
        or any(marker in upper for marker in SECRET_MARKERS)
    )


def is_allowed_variable(name: str, *, isolated: bool = False) -> bool:
    """Whether a child process may see the variable ``name`` (its value aside): on the
    allow-list (:data:`ALLOWED_NAMES`, :data:`ALLOWED_PREFIXES`, and unless ``isolated``
    :data:`TOOL_CONFIG_PREFIXES`) and not a credential (:func:`is_secret_variable`).

    >>> [is_allowed_variable(n) for n in ("PATH", "GIT_AUTHOR_NAME", "GITHUB_TOKEN", "AWS_KEY")]
    [True, True, False, False]
    >>> is_allowed_variable("PIP_INDEX_URL"), is_allowed_variable("PIP_INDEX_URL", isolated=True)
    (True, False)
    """
    upper = name.upper()
    if is_secret_variable(upper):
        return False
    if upper in ALLOWED_NAMES or upper.startswith(ALLOWED_PREFIXES):
        return True
    if upper.startswith(TOOL_CONFIG_PREFIXES):
        return not isolated or upper in CACHE_VARIABLES
    return False


def child_env(
    *,
    isolated: bool = False,
    extra: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for a child process: the allowed variables of ``environ``
    (``os.environ`` when None, see :func:`is_allowed_variable`), then ``extra``.

    Args:
        isolated: for an install that must not read the user's or the machine's pip and
            uv configuration (the test-install, the verification, pip-compile, the docs
            toolchain): drops ``PIP_*``/``UV_*`` (caches aside) and sets
            ``PIP_CONFIG_FILE=/dev/null``, ``UV_NO_CONFIG=1``,
            ``PIP_DISABLE_PIP_VERSION_CHECK=1`` and ``PYTHONDONTWRITEBYTECODE=1``.
        extra: variables added as given, after the filtering: how a caller hands one
            child the one credential it needs (twine, a private index's verification).
        environ: the environment to start from.

    Returns:
        A complete environment (for ``subprocess``'s ``env``).
    """
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if is_allowed_variable(k, isolated=isolated)}
    if isolated:
        env["PIP_CONFIG_FILE"] = os.devnull
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["UV_NO_CONFIG"] = "1"
    env.update(extra or {})
    return env


#: git commands that talk to a remote: the only ones that may need a push credential.
NETWORK_COMMANDS = frozenset({"push", "fetch", "pull", "ls-remote", "clone"})

#: The push token variable of the GitLab pipelines (:mod:`packyard.ci.pipelines`).
PUSH_TOKEN_VARIABLE = "PACKYARD_PUSH_TOKEN"


def git_env(args: Sequence[str] = (), **extra: str) -> dict[str, str]:
    """The environment for ``git ARGS``: :func:`child_env` and ``SSH_AUTH_SOCK`` (git
    over ssh), never prompting (a push asking for a password would hang) and with
    English messages (packyard recognises some). git's hooks (``pre-commit``,
    ``pre-push``, ``reference-transaction``...) run the repository's code with it, so it
    holds no upload credential.

    Args:
        args: git's arguments; for a command that talks to a remote
            (:data:`NETWORK_COMMANDS`), ``PACKYARD_PUSH_TOKEN`` is added when set: the
            one variable the credential helper of packyard's GitLab pipeline reads (a
            token that may push to the repository, never one that uploads).
        extra: more variables (``GIT_EDITOR``, ``GIT_INDEX_FILE``...).

    >>> env = git_env(["commit", "-m", "x"], GIT_EDITOR="true")
    >>> env["GIT_TERMINAL_PROMPT"], env["LC_ALL"], env["GIT_EDITOR"]
    ('0', 'C', 'true')
    """
    env = child_env(extra={"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **extra})
    if "SSH_AUTH_SOCK" in os.environ:  # git over ssh, with the user's agent
        env["SSH_AUTH_SOCK"] = os.environ["SSH_AUTH_SOCK"]
    token = os.environ.get(PUSH_TOKEN_VARIABLE)
    if token and _subcommand(args) in NETWORK_COMMANDS:
        env[PUSH_TOKEN_VARIABLE] = token
    return env


def _subcommand(args: Sequence[str]) -> str | None:
    """git's command in ``args``, after its global options (``-C DIR``, ``-c KEY=VALUE``,
    ``--git-dir=...``)."""
    items = iter(args)
    for arg in items:
        if arg in ("-C", "-c"):
            next(items, None)
        elif not arg.startswith("-"):
            return arg
    return None


def release_env() -> dict[str, str]:
    """The environment for a child that is packyard's own release (the ``invoke release``
    steps of ``invoke ci --release``): :func:`child_env` plus the credential variables of
    this process (:func:`is_secret_variable`), which that release hands to twine alone."""
    return child_env(extra={k: v for k, v in os.environ.items() if is_secret_variable(k)})
