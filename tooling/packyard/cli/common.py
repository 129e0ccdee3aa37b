"""What the ``packyard`` subcommands share: opening the repository, splitting package names."""

from __future__ import annotations

from collections.abc import Sequence


def open_repo():  # type: ignore[no-untyped-def]
    """The :class:`~packyard.repo.Repository` found from the current directory.

    Raises:
        ConfigError: no ``[tool.packyard]`` configuration, or it is malformed.
    """
    from packyard.repo import Repository

    return Repository.open()


def names_from(values: Sequence[str]) -> list[str]:
    """Package names from command-line values, each holding one name or several separated by
    commas or whitespace (``["a,b", "c d"]`` gives ``["a", "b", "c", "d"]``).
    """
    return [name for value in values for name in value.replace(",", " ").split()]
