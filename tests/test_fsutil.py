"""Atomic writes: the target is the old content or the new, never a mix or a leftover."""

from __future__ import annotations

from pathlib import Path

import pytest

from packyard.fsutil import replace_dir, write_text_atomic


def test_write_text_atomic_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "state.json"
    write_text_atomic(target, "one\n")
    assert target.read_text() == "one\n"
    target.chmod(0o600)
    write_text_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_text_atomic(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "bad \ud800 surrogate")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_replace_dir_swaps_whole_folders(tmp_path: Path) -> None:
    final = tmp_path / "site"
    first = tmp_path / ".staging-1"
    first.mkdir()
    (first / "a.html").write_text("a")
    replace_dir(first, final)
    second = tmp_path / ".staging-2"
    second.mkdir()
    (second / "b.html").write_text("b")
    replace_dir(second, final)
    assert sorted(p.name for p in final.iterdir()) == ["b.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
