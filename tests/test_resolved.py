"""A package resolved once: the test-install reads the resolved object, never the
repository. Real example packages, a real pypiserver, a real venv."""

from __future__ import annotations

import inspect
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from packyard.building.testinstall import test_install
from packyard.repo import Repository
from packyard.tomlcompat import tomllib

pytestmark = pytest.mark.slow


def _count_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Wrap every public method and property of :class:`Repository` (the real ones, still
    called) so that each call is counted by name."""
    calls: Counter[str] = Counter()

    def counted(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    for name, value in list(vars(Repository).items()):
        if name.startswith("_"):
            continue
        if inspect.isfunction(value):
            monkeypatch.setattr(Repository, name, counted(name, value))
        elif isinstance(value, classmethod):
            monkeypatch.setattr(Repository, name, classmethod(counted(name, value.__func__)))
        elif isinstance(value, (property, cached_property)):
            getter = value.fget if isinstance(value, property) else value.func
            monkeypatch.setattr(Repository, name, property(counted(name, getter)))
    return calls


def test_test_install_never_asks_the_repository(
    examples_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Repository.open(examples_repo)
    resolved = repo.resolve("tripcost")  # a sibling (unitconv) and tests of its own
    assert resolved.project == Repository.open(examples_repo).project_table("tripcost")
    assert [s.name for s in resolved.siblings] == ["unitconv"]
    assert resolved.siblings[0].project == repo.project_table("unitconv")

    calls = _count_calls(monkeypatch)
    report = test_install(resolved, progress=lambda _: None)
    assert report.tests_run
    assert calls == Counter()  # zero calls to Repository during the test-install

    generated = examples_repo / "build" / "tripcost" / "pyproject.toml"
    assert tomllib.loads(generated.read_text("utf-8"))["project"] == resolved.project
    repo.package("tripcost")  # the wrappers do count
    assert calls["package"] == 1


def test_resolve_at_a_release_version(examples_repo: Path) -> None:
    repo = Repository.open(examples_repo)
    repo.pending_releases["unitconv"] = {"version": "1.2.3", "date": "2026-01-01", "notes": []}
    resolved = repo.resolve("unitconv", version="1.2.3")
    assert resolved.version == "1.2.3"
    assert resolved.project == repo.project_table("unitconv", version="1.2.3")
    assert resolved.pending == repo.pending_releases["unitconv"]
    assert resolved.test_inference is not None and not resolved.siblings


def test_a_build_never_reads_the_tests(make_repo: Any) -> None:
    from packyard.building.testinstall import build_and_check
    from packyard.errors import PackyardError

    root = make_repo({
        "packages/kit.py": '"""Kit."""\n\n\ndef one() -> int:\n    return 1\n',
        "packages/test_kit.py": "import kit\n\ndef test_one(:\n",  # a syntax error
    })  # fmt: skip
    repo = Repository.open(root)
    with pytest.raises(PackyardError, match=r"test_kit\.py"):
        repo.resolve("kit")  # the test-install needs the tests' imports
    resolved = repo.resolve("kit", tests=False)
    assert resolved.test_inference is None and not resolved.siblings
    _, artifacts, _ = build_and_check(resolved, progress=lambda _: None)
    assert artifacts.wheel.name.startswith("kit-0.0.0-") and artifacts.sdist.exists()
