"""The scan cache: scan results on disk, keyed on each file's content, so that an unchanged
file is not parsed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sys
import tempfile
from pathlib import Path

from packyard.inference.scanner import Payload

__all__ = ["ScanCache", "StrPath"]

log = logging.getLogger("packyard")

StrPath = str | os.PathLike[str]

#: Bump when the scanning rules (:mod:`packyard.inference.scanner`) change, so that old cache
#: entries are ignored.
_SCANNER_VERSION = 2


def _grammar_stamp() -> tuple[int, int]:
    """Changes when ast-grep-py (and so the tree-sitter grammar) is reinstalled."""
    from ast_grep_py import ast_grep_py as native

    try:
        stat = os.stat(native.__file__)
    except (OSError, AttributeError, TypeError):
        return (0, 0)
    return (stat.st_size, stat.st_mtime_ns)


class ScanCache:
    """An on-disk cache of scan results, keyed on each file's content.

    The key is a SHA-256 digest of the file's bytes, so a file that is touched but not
    changed stays cached, an edited file is rescanned, and identical files share one
    entry. Failures (syntax and decoding errors) are cached too and raised again. All
    entries live in one ``marshal`` file, ``<directory>/imports.marshal``, read once on
    first use and rewritten atomically (a temporary file in the same directory, then
    :func:`os.replace`) by :meth:`save` when something was added. Beyond
    ``MAX_ENTRIES`` entries, the least recently used quarter is dropped. The file is tied
    to the scanner version, the Python version and the installed ast-grep-py; on any
    mismatch or damage it is ignored and rebuilt. Concurrent writers are safe: the last
    complete write wins (and the other writer's new entries are lost).

    Args:
        directory: the cache directory (str or path-like), for example
            ``<repo>/.packyard/cache/imports``; created when first saved.

    Raises:
        Nothing: an unreadable, damaged or outdated cache file is ignored, and a cache
        that cannot be written is logged and skipped; the next run is merely slower.
    """

    FILE_NAME = "imports.marshal"
    #: How many file contents to keep (about 250 bytes each on disk).
    MAX_ENTRIES = 20_000

    def __init__(self, directory: StrPath) -> None:
        self.directory = Path(directory)
        #: The cache file.
        self.path = self.directory / self.FILE_NAME
        self._entries: dict[bytes, tuple[int, Payload]] | None = None
        self._generation = 0
        self._dirty = False

    def _stamp(self) -> tuple:
        return (_SCANNER_VERSION, tuple(sys.version_info[:2]), _grammar_stamp())

    def _load(self) -> dict[bytes, tuple[int, Payload]]:
        if self._entries is not None:
            return self._entries
        self._entries = {}
        try:
            with open(self.path, "rb") as handle:
                blob = handle.read()
            stamp, generation, entries = marshal.loads(blob)
        except FileNotFoundError:
            return self._entries
        except (OSError, EOFError, ValueError, TypeError) as exc:
            log.debug("ignoring unreadable import cache %s: %s", self.path, exc)
            return self._entries
        if stamp != self._stamp() or not isinstance(entries, dict):
            log.debug("ignoring import cache %s written by another version", self.path)
            return self._entries
        self._entries = entries
        self._generation = generation + 1
        return self._entries

    @staticmethod
    def _key(data: bytes) -> bytes:
        # SHA-256 rather than BLAKE2b: with the SHA extensions of current x86 and ARM
        # CPUs it is about twice as fast, and hashing dominates a warm run.
        return hashlib.sha256(data).digest()

    def _get(self, key: bytes) -> Payload | None:
        entries = self._load()
        entry = entries.get(key)
        if entry is None:
            return None
        if entry[0] != self._generation:
            entries[key] = (self._generation, entry[1])
        return entry[1]

    def _put(self, key: bytes, payload: Payload) -> None:
        self._load()[key] = (self._generation, payload)
        self._dirty = True

    def __len__(self) -> int:
        """The number of cached file contents (loads the cache file if not yet read)."""
        return len(self._load())

    def save(self) -> None:
        """Write the cache file if entries were added since it was read.

        Raises:
            Nothing: a cache that cannot be written is logged and skipped (the next run
            is merely slower).
        """
        if not self._dirty or self._entries is None:
            return
        entries = self._entries
        if len(entries) > self.MAX_ENTRIES:
            # Each entry holds the generation (count of rewrites) it was last used in.
            newest = sorted(entries.items(), key=lambda item: item[1][0], reverse=True)
            entries = dict(newest[: self.MAX_ENTRIES * 3 // 4])
        blob = marshal.dumps((self._stamp(), self._generation, entries))
        temp = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".imports-", suffix=".tmp", dir=self.directory)
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(temp, self.path)
            temp = None
        except OSError as exc:
            log.warning("cannot write import cache %s: %s", self.path, exc)
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
        self._entries = entries
        self._dirty = False
