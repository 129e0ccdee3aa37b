"""The exceptions packyard raises.

One flat family, in the manner of twine's ``exceptions`` module: every error is a
:class:`PackyardError` whose message says what went wrong, where (file and line when
there is one) and what to do next. The command-line entry points catch the base class
once, print the message and exit non-zero.
"""

from __future__ import annotations

from pathlib import Path


class PackyardError(Exception):
    """Base class of every error packyard raises on purpose.

    Args:
        message: what went wrong, one sentence.
        path: the file the error is about, if any.
        line: the 1-based line in ``path``, if known.
        hint: what the user can do to fix it, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """Return the full message: ``file:line: message`` then the hint on its own line."""
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(PackyardError):
    """A configuration file (root ``pyproject.toml``, a package's ``pyproject.toml`` or a
    PEP 723 block) is malformed or holds a value packyard cannot use."""


class PackageError(PackyardError):
    """A package in ``packages/`` is invalid: bad name, shadows the standard library or
    another package, cannot be read or parsed, or does not exist."""


class InferenceError(PackyardError):
    """Dependencies could not be inferred: a source file cannot be parsed, or sibling
    packages import each other in a cycle."""


class CommandFailed(PackyardError):
    """An external command (build, twine, uv, pip, pytest, pip-compile...) exited non-zero.

    Attributes:
        step: the name of the pipeline step that ran the command, e.g. ``"build"``.
        returncode: the command's exit status.
        output: the command's combined standard output and error.
    """

    def __init__(
        self,
        message: str,
        *,
        step: str,
        returncode: int,
        output: str = "",
        hint: str | None = None,
    ) -> None:
        self.step = step
        self.returncode = returncode
        self.output = output
        super().__init__(message, hint=hint)

    def render(self) -> str:
        text = super().render()
        tail = tail_lines(getattr(self, "output", ""), 30)
        if tail:
            text += "\n  last lines of output:\n" + "\n".join(f"    {line}" for line in tail)
        return text


class ReleaseError(PackyardError):
    """A release cannot go ahead or did not complete: not a git repository, a dirty work
    tree, an unknown repository, missing credentials, an unreachable index, a version the
    index already has, a failed verification."""


class NothingToRelease(ReleaseError):
    """No commit has reached the package since its last release (not a failure: the
    command line reports it and exits 0)."""


class DocsError(PackyardError):
    """A documentation site cannot be built or published: a broken link or a missing image
    (naming the page), a page that clashes with a generated one, a missing ``mkdocs.yml``
    or docs toolchain, a site that was never built, a rejected push to ``gh-pages``."""


class GateError(PackyardError):
    """A quality gate failed: a dependency's license is not allowed or unknown, a
    vulnerability was found or a dependency could not be audited, lint findings."""


class LinkError(PackyardError):
    """An ``artifacts/*.link`` file cannot be turned into the file it names at build time:
    the URL is unreachable or answers an error, the download exceeds its size limit, or its
    sha256 does not match the one the link gives."""


class RunError(PackyardError):
    """An installed package's routes, app, MCP server or artifacts cannot be run or read:
    the package is not installed or does not ship that part, an extra it needs (its own or
    packyard's ``serve``) is missing, or an artifact path leaves the package."""


def tail_lines(text: str, count: int) -> list[str]:
    """Return the last ``count`` non-empty lines of ``text`` (a list of str, oldest first)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-count:]
