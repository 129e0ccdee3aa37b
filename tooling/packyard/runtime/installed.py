"""An installed package, seen through ``importlib.metadata``: its name, version, summary,
requirements, import name and the entry points that say what it ships.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from packyard.errors import RunError
from packyard.package.extras import GROUPS, ExtraFile


@dataclass(frozen=True)
class InstalledPackage:
    """A distribution installed in the running environment.

    Attributes:
        distribution: its ``importlib.metadata`` distribution.
    """

    distribution: importlib.metadata.Distribution

    @property
    def name(self) -> str:
        """The distribution name as its metadata spells it (``word-stats``)."""
        return str(self.distribution.metadata["Name"])

    @property
    def version(self) -> str:
        """The installed version (PEP 440)."""
        return self.distribution.version

    @property
    def summary(self) -> str:
        """The one-line summary, or ``""``."""
        return str(self.distribution.metadata.get("Summary") or "")

    @property
    def requires(self) -> list[str]:
        """Its PEP 508 requirements, extras' ones included (with ``extra == ...``)."""
        return list(self.distribution.requires or [])

    @property
    def extras(self) -> list[str]:
        """The extras it declares (``Provides-Extra``)."""
        return list(self.distribution.metadata.get_all("Provides-Extra") or [])

    @cached_property
    def import_name(self) -> str:
        """The top-level module or package it installs (for packyard packages, the name
        its entry points use; otherwise ``top_level.txt`` or the files it installed)."""
        for point in self.distribution.entry_points:
            if point.group in GROUPS:
                return point.name
        names = _top_level_names(self.distribution)
        wanted = self.name.lower().replace("-", "_").replace(".", "_")
        if wanted in names or not names:
            return wanted
        return sorted(names)[0]

    @property
    def location(self) -> Path:
        """Where its import package or module is installed."""
        spec = importlib.util.find_spec(self.import_name)
        if spec is not None and spec.origin:
            origin = Path(spec.origin)
            return origin.parent if origin.name == "__init__.py" else origin
        return Path(str(self.distribution.locate_file(self.import_name)))

    def entry_points(self, group: str) -> list[importlib.metadata.EntryPoint]:
        """Its entry points in ``group``, sorted by name."""
        points = [p for p in self.distribution.entry_points if p.group == group]
        return sorted(points, key=lambda p: p.name)

    def entry_point(self, group: str) -> importlib.metadata.EntryPoint | None:
        """Its entry point in a ``packyard.*`` group: the one named after its import name,
        else the only one; None when it has none."""
        points = self.entry_points(group)
        for point in points:
            if point.name == self.import_name:
                return point
        return points[0] if len(points) == 1 else None

    def require_entry_point(self, group: str) -> importlib.metadata.EntryPoint:
        """Like :meth:`entry_point`, but a missing one is an error.

        Raises:
            RunError: the package does not ship this part; the hint says how to add it.
        """
        point = self.entry_point(group)
        if point is None:
            spec = GROUPS[group]
            raise RunError(
                f"{self.name} {self.version} ships no {spec.module} "
                f"(it has no {group!r} entry point)",
                hint=f"a packyard folder package ships one with {spec.module}.py defining "
                f"{spec.what}; `packyard show {self.import_name}` lists what it has",
            )
        return point

    def load(self, group: str) -> object:
        """Import and return the object of its entry point in a ``packyard.*`` group.

        Raises:
            RunError: no such entry point; the module cannot be imported (a missing
                extra names ``pip install 'NAME[extra]'``); importing it raised.
        """
        point = self.require_entry_point(group)
        spec: ExtraFile = GROUPS[group]
        try:
            return point.load()
        except ImportError as exc:
            raise RunError(
                f"cannot import {point.value} of {self.name}: {exc}",
                hint=f"{spec.module}.py needs the extra {spec.extra!r}: "
                f"pip install '{self.name}[{spec.extra}]'",
            ) from exc
        except Exception as exc:
            raise RunError(
                f"importing {point.value} of {self.name} failed: {type(exc).__name__}: {exc}"
            ) from exc


def find_installed(name: str) -> InstalledPackage:
    """Find an installed distribution by distribution or import name.

    Args:
        name: ``word-stats``, ``word_stats`` or the import name.

    Raises:
        RunError: nothing of that name is installed; the hint lists the installed packages
            that ship routes, an app or an MCP server.
    """
    try:
        return InstalledPackage(importlib.metadata.distribution(name))
    except importlib.metadata.PackageNotFoundError:
        pass
    owners = importlib.metadata.packages_distributions().get(name, [])
    if owners:
        return InstalledPackage(importlib.metadata.distribution(owners[0]))
    shipped = sorted(
        {point.name for group in GROUPS for point in importlib.metadata.entry_points(group=group)}
    )
    known = f"packages here with routes, an app or an MCP server: {', '.join(shipped)}; "
    raise RunError(
        f"no package named {name!r} is installed in this environment",
        hint=(known if shipped else "")
        + f"install it (pip install {name}) in the environment packyard runs from",
    )


def require_modules(modules: Sequence[str], *, command: str, extra: str = "serve") -> None:
    """Check that third-party modules a command needs are importable (without importing).

    Args:
        modules: top-level module names, e.g. ``["fastapi", "uvicorn"]``.
        command: the command, for the message (``packyard serve``).
        extra: packyard's extra that installs them.

    Raises:
        RunError: some are missing; the hint is ``pip install 'packyard[extra]'``.
    """
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise RunError(
            f"{command} needs {', '.join(missing)}, not installed in this environment",
            hint=f"pip install 'packyard[{extra}]'",
        )


def _top_level_names(distribution: importlib.metadata.Distribution) -> set[str]:
    text = distribution.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    names = set()
    for file in distribution.files or []:
        parts = file.parts
        if not parts or parts[0] == ".." or parts[0].endswith((".dist-info", ".data")):
            continue
        if len(parts) == 1:
            if parts[0].endswith(".py"):
                names.add(parts[0][:-3])
        elif parts[0] != "__pycache__":
            names.add(parts[0])
    return names
