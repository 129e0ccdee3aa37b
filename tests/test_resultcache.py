"""The test-install result cache: what its key depends on, what it records, and the
many-packages command that uses it. Real repositories, a real pypiserver, real venvs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from packyard.building import resultcache
from packyard.building.resultcache import KeyMaker, ResultCache
from packyard.building.testinstall import test_install
from packyard.building.testvenv import install_needs
from packyard.errors import CommandFailed
from packyard.index.local import LocalIndex
from packyard.repo import Repository
from tests.conftest import ensure_wheelhouse
from tests.test_release_safety import fake_wheel

pytestmark = pytest.mark.slow

BASE = {
    "packages/alpha.py": '"""Alpha."""\n\n\ndef one():\n    return 1\n',
    "packages/test_alpha.py": "import alpha\n\n\ndef test_one():\n    assert alpha.one() == 1\n",
    "packages/beta.py": '"""Beta."""\n\nimport alpha\n\n\ndef two():\n    return alpha.one() + 1\n',
    "packages/test_beta.py": "import beta\n\n\ndef test_two():\n    assert beta.two() == 2\n",
}


def _key(root: Path, name: str) -> str:
    resolved = Repository.open(root).resolve(name)
    _, requirements = install_needs(resolved)
    key = KeyMaker(resolved.config.index_url).key(resolved, requirements=requirements)
    assert key is not None
    return key.digest


def _quiet(_: str) -> None:
    pass


def test_key_changes_with_each_input(make_repo, local_index, monkeypatch) -> None:
    root = make_repo(BASE, packyard=f'index-url = "{local_index.simple_url}"\n')
    first = _key(root, "beta")
    assert _key(root, "beta") == first  # stable while nothing changes
    seen = {first}

    def changed(edit) -> None:  # type: ignore[no-untyped-def]
        edit()
        key = _key(root, "beta")
        assert key not in seen
        seen.add(key)

    pyproject = root / "pyproject.toml"
    # the package's own file; its tests; the sibling's file; packages/conftest.py
    changed(lambda: (root / "packages/beta.py").write_text(BASE["packages/beta.py"] + "# x\n"))
    changed(lambda: (root / "packages/test_beta.py").write_text(BASE["packages/test_beta.py"] * 2))
    changed(lambda: (root / "packages/alpha.py").write_text(BASE["packages/alpha.py"] + "# y\n"))
    changed(lambda: (root / "packages/conftest.py").write_text("# shared fixtures\n"))
    # the generated pyproject.toml alone (a repository default), files untouched
    changed(
        lambda: pyproject.write_text(
            pyproject.read_text().replace("[tool.packyard]\n", "[tool.packyard]\n")
            + '[tool.packyard.defaults]\nkeywords = ["demo"]\n'
        )
    )
    # a third-party requirement (resolved to a pinned set)
    changed(
        lambda: (root / "packages/beta.py").write_text(BASE["packages/beta.py"] + "import yaml\n")
    )
    # the Python version, the platform, packyard's version
    monkeypatch.setattr(resultcache.platform, "python_version", lambda: "3.99.0")
    changed(lambda: None)
    monkeypatch.setattr(resultcache.sysconfig, "get_platform", lambda: "other-os")
    changed(lambda: None)
    monkeypatch.setattr(resultcache, "__version__", "99.0")
    resultcache.packyard_digest.cache_clear()
    changed(lambda: None)
    resultcache.packyard_digest.cache_clear()


def test_key_changes_when_the_index_resolves_a_new_version(make_repo, tmp_path) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    for dist in ("pytest", "iniconfig", "pluggy", "packaging", "pygments"):
        for wheel in ensure_wheelhouse().glob(f"{dist}-*.whl"):
            (index_dir / wheel.name).write_bytes(wheel.read_bytes())
    fake_wheel(index_dir, "depdist", "1.0", "V = 1\n")
    with LocalIndex(index_dir) as index:
        root = make_repo(
            {
                "packages/gamma.py": '"""Gamma."""\n\nimport depdist\n',
                "packages/test_gamma.py": "import gamma\n\n\ndef test():\n    pass\n",
            },
            packyard=f'index-url = "{index.simple_url}"\n',
        )
        before = _key(root, "gamma")
        fake_wheel(index_dir, "depdist", "1.1", "V = 2\n")  # same requirement text, a newer release
        after = _key(root, "gamma")
    assert before != after


def test_a_pass_is_cached_a_failure_never(make_repo, local_index, monkeypatch) -> None:
    root = make_repo(
        {
            "packages/adder.py": '"""Add."""\n\n\ndef add(a, b):\n    return a - b\n',
            "packages/test_adder.py": "import adder\n\n\ndef test():\n    assert adder.add(2, 2) == 4\n",
        },
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    cache = ResultCache.of(Repository.open(root).config).folder
    with pytest.raises(CommandFailed):
        test_install(Repository.open(root).resolve("adder"), progress=_quiet, use_cache=True)
    assert not cache.exists() or not list(cache.glob("*.json"))
    with pytest.raises(CommandFailed):  # still not cached: it runs (and fails) again
        test_install(Repository.open(root).resolve("adder"), progress=_quiet, use_cache=True)

    (root / "packages/adder.py").write_text('"""Add."""\n\n\ndef add(a, b):\n    return a + b\n')
    report = test_install(Repository.open(root).resolve("adder"), progress=_quiet, use_cache=True)
    assert report.cached_at is None and report.tests_run
    assert len(list(cache.glob("*.json"))) == 1

    lines: list[str] = []
    hit = test_install(
        Repository.open(root).resolve("adder"), progress=lines.append, use_cache=True
    )
    assert hit.cached_at is not None and hit.steps == [] and hit.artifacts is None
    assert lines[-1].startswith(f"cached: passed at {hit.cached_at} (key ")
    # releases (use_cache False) and PACKYARD_NO_CACHE always run
    assert test_install(Repository.open(root).resolve("adder"), progress=_quiet).steps
    monkeypatch.setenv("PACKYARD_NO_CACHE", "1")
    bypassed = test_install(Repository.open(root).resolve("adder"), progress=_quiet, use_cache=True)
    assert bypassed.cached_at is None and bypassed.steps


def test_many_packages_at_once(make_repo, local_index) -> None:
    files = dict(BASE)
    files["packages/gamma.py"] = '"""Gamma."""\n\n\ndef three():\n    return 4\n'
    files["packages/test_gamma.py"] = (
        "import gamma\n\n\ndef test_three():\n    assert gamma.three() == 3\n"
    )
    root = make_repo(files, packyard=f'index-url = "{local_index.simple_url}"\n')

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "packyard", "test-install", "--all", "-j", "2"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def rows(output: str) -> dict[str, list[str]]:
        table = [line.strip("|").split("|") for line in output.splitlines() if line[:1] == "|"]
        return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in table[2:]}

    first = run()
    assert first.returncode == 1, first.stdout + first.stderr
    table = rows(first.stdout)
    assert list(table) == ["alpha", "beta", "gamma"]
    assert [table[n][0] for n in table] == ["passed", "passed", "failed"]
    assert "assert 4 == 3" in table["gamma"][2]
    assert table["alpha"][2] == table["beta"][2] == ""
    log = root / ".packyard/logs/test-install/gamma.log"
    assert "assert 4 == 3" in log.read_text()
    assert str(log) in first.stderr
    # beta installed the alpha wheel alpha's own job built: built once
    assert "[build]" in (root / ".packyard/logs/test-install/beta.log").read_text()
    assert not (root / ".packyard/logs/test-install/alpha.build.log").exists()

    second = run()
    assert second.returncode == 1, second.stdout + second.stderr
    table = rows(second.stdout)
    assert [table[n][0] for n in table] == ["cached", "cached", "failed"], (
        second.stdout + second.stderr
    )

    (root / "packages/gamma.py").write_text(files["packages/gamma.py"].replace("4", "3"))
    (root / "packages/alpha.py").write_text(files["packages/alpha.py"] + "# touched\n")
    third = run()
    assert third.returncode == 0, third.stdout + third.stderr
    table = rows(third.stdout)
    # alpha changed: it and its dependent beta run again; gamma now passes
    assert [table[n][0] for n in table] == ["passed", "passed", "passed"]
