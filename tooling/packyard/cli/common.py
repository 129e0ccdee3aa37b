"""What the ``packyard`` subcommands share: opening the repository, splitting package names."""

from __future__ import annotations

from collections.abc import Sequence


def open_repo():  # type: ignore[no-untyped-def]
    from packyard.repo import Repository

    return Repository.open()


def names_from(values: Sequence[str]) -> list[str]:
    return [name for value in values for name in value.replace(",", " ").split()]
