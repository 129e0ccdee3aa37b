"""The docs toolchain: the Python environment that runs MkDocs, mkdocs-material,
mkdocstrings and nbconvert.

It is packyard's own environment by default (the ``docs`` extra, which ``dev`` includes), or
any interpreter given as ``python``. The package being documented never runs in it: its
console scripts and notebooks run in a fresh venv holding its wheel (see
:mod:`packyard.docsite.packageenv`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from packyard.building.venvs import clean_env
from packyard.errors import CommandFailed, DocsError
from packyard.proc import run

#: The extra of the ``packyard`` distribution that lists the docs toolchain.
DOCS_EXTRA = "docs"
#: Modules the toolchain must be able to import.
REQUIRED_MODULES = ("mkdocs", "material", "mkdocstrings_handlers.python", "nbconvert")


def toolchain_requirements() -> list[str]:
    """The PEP 508 requirements of the docs toolchain, read from the installed
    ``packyard`` distribution's ``docs`` extra (markers dropped).

    Returns:
        e.g. ``["mkdocs>=1.6", "mkdocs-material>=9.5", ...]``; empty when packyard's
        metadata is not installed.
    """
    try:
        requires = metadata.requires("packyard") or []
    except metadata.PackageNotFoundError:
        return []
    found = []
    for text in requires:
        requirement = Requirement(text)
        if requirement.marker is not None and requirement.marker.evaluate({"extra": DOCS_EXTRA}):
            requirement.marker = None
            found.append(str(requirement))
    return found


@dataclass(frozen=True)
class Toolchain:
    """A Python interpreter whose environment has the docs toolchain.

    Attributes:
        python: the interpreter (absolute path).
    """

    python: Path

    @classmethod
    def find(cls, python: str | os.PathLike[str] | None = None) -> Toolchain:
        """Check that ``python`` (the running interpreter when None) can import the
        toolchain.

        Raises:
            DocsError: a module is missing; the hint says what to install.
        """
        interpreter = Path(python or sys.executable)
        code = (
            "import importlib.util, sys\n"
            "def absent(name):\n"
            "    try:\n"
            "        return importlib.util.find_spec(name) is None\n"
            "    except ImportError:\n"
            "        return True\n"
            "print(' '.join(m for m in sys.argv[1:] if absent(m)))\n"
        )
        try:
            out = run(
                [interpreter, "-c", code, *REQUIRED_MODULES],
                step="docs-toolchain",
                env=clean_env(),
                timeout=120,
            )
        except CommandFailed as exc:
            raise DocsError(
                f"cannot run the docs toolchain's Python {interpreter}: {exc.message}",
                hint="pass the interpreter of an environment with packyard's docs extra",
            ) from None
        missing = out.split()
        if missing:
            wanted = " ".join(f"'{r}'" for r in toolchain_requirements()) or "'packyard[docs]'"
            raise DocsError(
                f"the docs toolchain is not installed for {interpreter} "
                f"(cannot import {', '.join(missing)})",
                hint=f"pip install -e '.[docs]' (or: {interpreter} -m pip install {wanted})",
            )
        return cls(interpreter)

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment for the toolchain's programs: its ``bin`` folder first on
        PATH, MkDocs' banner about its successor silenced, ``extra`` on top."""
        return clean_env(
            PATH=os.pathsep.join([str(self.python.parent), os.environ.get("PATH", "")]),
            NO_MKDOCS_2_WARNING="1",
            JUPYTER_PLATFORM_DIRS="1",
            **extra,
        )
