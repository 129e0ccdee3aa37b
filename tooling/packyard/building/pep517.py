"""Calling a build tree's PEP 517 backend: the sdist and the wheel in one process.

``python -m build`` starts a fresh interpreter for every hook (two ``get_requires_for_*``
and two ``build_*`` calls, each importing the backend) and builds the wheel from the
unpacked sdist: about four interpreter starts per package. Here one child process imports
the backend once and calls ``build_sdist`` then ``build_wheel`` on the tree, with the
tree as working directory, as PEP 517 prescribes. That the sdist is complete is checked
on its file list instead (:func:`packyard.building.dists.check_sdist_contents`).

Run as ``python -m packyard.building.pep517 TREE OUTDIR``: prints ``{"sdist": NAME, "wheel":
NAME}`` as JSON on its last line.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from packyard import tomlcompat


def load_backend(tree: Path) -> object:
    """Import the backend ``[build-system] build-backend`` names (``module`` or
    ``module:object``, PEP 517).

    Raises:
        KeyError: the tree's ``pyproject.toml`` names no backend.
        ImportError: the backend is not installed.
    """
    document = tomlcompat.load(tree / "pyproject.toml")
    module_name, _, attribute = document["build-system"]["build-backend"].partition(":")
    backend: object = importlib.import_module(module_name)
    for part in filter(None, attribute.split(".")):
        backend = getattr(backend, part)
    return backend


def build_both(tree: Path, outdir: Path) -> dict[str, str]:
    """Build the sdist and the wheel of ``tree`` into ``outdir`` in this process.

    Returns:
        ``{"sdist": file name, "wheel": file name}``.

    Raises:
        Exception: whatever the backend raises.
    """
    backend = load_backend(tree)
    outdir = outdir.resolve()
    os.chdir(tree)
    sdist = backend.build_sdist(str(outdir))  # type: ignore[attr-defined]
    wheel = backend.build_wheel(str(outdir))  # type: ignore[attr-defined]
    return {"sdist": sdist, "wheel": wheel}


def main(argv: list[str]) -> int:
    """``python -m packyard.building.pep517 TREE OUTDIR``."""
    tree, outdir = (Path(a).resolve() for a in argv)
    print(json.dumps(build_both(tree, outdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
