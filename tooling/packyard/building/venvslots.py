"""Fixed places for the test-install's fresh venvs, so that bytecode is compiled once.

A fresh venv compiles every module it imports (pytest alone is about 0.4 s of it), and
the next fresh venv compiles them again: their paths differ, so no ``.pyc`` can be
reused. Here a test-install takes a *slot*, ``.packyard/venvs/test-install/slot-N/``,
locked for its duration (several test-installs at once take different slots). The venv
is still made from nothing each time (``slot-N/venv`` is removed first), but at the same
path, and Python writes the bytecode under one prefix per interpreter
(``PYTHONPYCACHEPREFIX=.packyard/venvs/pycache/TAG``), where the next run finds it.

A ``.pyc`` is reused only when its source's path, mtime and size match. Third-party
files come out of uv's cache, so they match only for the same distribution version.
The package's own files and its siblings' are another matter: a rebuilt wheel could
bring a different file of the same size within the same second. Their bytecode, and
that of the tests (copied to ``slot-N/work``), is deleted before each run
(:meth:`Slot.forget`), so they always compile from their sources.

Without ``fcntl`` (Windows) there are no slots: each venv goes to a temporary folder.
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: The most test-installs that can hold a slot at once; more fall back to temporary venvs.
MAX_SLOTS = 64


@dataclass(frozen=True)
class Slot:
    """A locked place for one test-install's venv and work folder.

    Attributes:
        path: ``.packyard/venvs/test-install/slot-N``.
        pycache: the bytecode prefix for this interpreter (``PYTHONPYCACHEPREFIX``).
    """

    path: Path
    pycache: Path

    @property
    def venv(self) -> Path:
        """Where the venv goes (removed and made afresh by each run)."""
        return self.path / "venv"

    def _mirror(self, path: Path) -> Path:
        """Where Python puts the bytecode of files under ``path``."""
        absolute = path.absolute()
        return self.pycache.joinpath(*absolute.parts[1:])

    def work(self) -> Path:
        """An empty work folder (where the tests are copied), with no bytecode left."""
        work = self.path / "work"
        for folder in (work, self._mirror(work)):
            shutil.rmtree(folder, ignore_errors=True)
        work.mkdir(parents=True)
        return work

    def forget(self, wheels: Sequence[Path]) -> None:
        """Delete the cached bytecode of the modules these wheels install (the package's
        own and its siblings'): they always compile from their sources."""
        tops: set[str] = set()
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    top = name.split("/", 1)[0]
                    if not top.endswith((".dist-info", ".data")):
                        tops.add(top.removesuffix(".py"))
        for site in self._mirror(self.venv).glob("**/site-packages"):
            for top in tops:
                shutil.rmtree(site / top, ignore_errors=True)
                # Under a PYTHONPYCACHEPREFIX a single-file module's bytecode sits beside
                # where its source would be (site/NAME.TAG.pyc), not in __pycache__/.
                for pattern in (f"{top}.*.pyc", f"__pycache__/{top}.*.pyc"):
                    for compiled in site.glob(pattern):
                        compiled.unlink(missing_ok=True)


@contextmanager
def venv_slot(state_dir: Path) -> Iterator[Slot | None]:
    """Hold a free slot under ``state_dir/venvs/`` for the ``with`` block.

    Yields:
        The slot; None without ``fcntl`` or when all :data:`MAX_SLOTS` are taken (the
        caller then uses a temporary folder).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield None
        return
    root = state_dir / "venvs" / "test-install"
    root.mkdir(parents=True, exist_ok=True)
    pycache = state_dir / "venvs" / "pycache" / (sys.implementation.cache_tag or "python")
    for index in range(MAX_SLOTS):
        lock = open(root / f"slot-{index}.lock", "a")  # noqa: SIM115 - held across the yield
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        try:
            yield Slot(path=root / f"slot-{index}", pycache=pycache)
        finally:
            lock.close()  # releases the lock
        return
    yield None
