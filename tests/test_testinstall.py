"""End-to-end: real builds, real venvs, installs from a real pypiserver on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from packyard.building.testinstall import build_and_check, test_install
from packyard.errors import CommandFailed, InferenceError, PackageError
from packyard.repo import Repository

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _quiet(_: str) -> None:
    pass


@pytest.mark.parametrize("name", ["confstack", "unitconv", "tripcost"])
def test_examples_test_install(examples_repo: Path, name: str) -> None:
    repo = Repository.open(examples_repo)
    lines: list[str] = []
    report = test_install(repo.resolve(name), progress=lines.append)
    steps = [step for step, _ in report.steps]
    assert steps[:3] == ["assemble", "build", "check"]
    assert {"venv", "install", "import", "tests"} <= set(steps)
    assert report.tests_run
    assert report.artifacts is not None
    assert report.artifacts.wheel.parent == examples_repo / "dist" / name
    assert report.version == "0.0.0"
    assert not any("tests/" in f or f.endswith(".pyc") for f in report.wheel_files)
    assert lines[-1].startswith(f"OK {repo.package(name).dist_name} 0.0.0")


def test_folder_package_wheel_holds_exactly_its_files(examples_repo: Path) -> None:
    repo = Repository.open(examples_repo)
    tree, artifacts, files = build_and_check(repo.resolve("unitconv"), progress=_quiet)
    payload = sorted(f for f in files if not f.startswith("unitconv-0.0.0.dist-info/"))
    source = examples_repo / "packages" / "unitconv"
    expected = sorted(
        f"unitconv/{p.relative_to(source).as_posix()}"
        for p in source.rglob("*")
        if p.is_file()
        and p.relative_to(source).parts[0] not in {"tests", "docs"}
        and p.name not in {"README.md", "pyproject.toml"}
        and "__pycache__" not in p.parts
    )
    assert payload == expected
    assert "unitconv/artifacts/units.json" in payload
    with zipfile.ZipFile(artifacts.wheel) as wheel:
        entry_points = wheel.read("unitconv-0.0.0.dist-info/entry_points.txt").decode()
        metadata = wheel.read("unitconv-0.0.0.dist-info/METADATA").decode()
    assert "unitconv = unitconv.cli:main" in entry_points
    assert "Name: unitconv" in metadata and "Version: 0.0.0" in metadata
    with tarfile.open(artifacts.sdist) as sdist:
        names = sdist.getnames()
    assert "unitconv-0.0.0/pyproject.toml" in names
    assert not any("/tests/" in n for n in names)
    assert tree.path == examples_repo / "build" / "unitconv"


def test_sibling_becomes_a_requirement(examples_repo: Path) -> None:
    repo = Repository.open(examples_repo)
    table = repo.project_table("tripcost")
    assert "unitconv" in table["dependencies"]
    assert repo.sibling_closure("tripcost") == ["unitconv"]


def test_failing_tests_name_the_step(make_repo, local_index) -> None:
    root = make_repo(
        {
            "packages/adder.py": '"""Add numbers."""\n\ndef add(a, b):\n    return a - b\n',
            "packages/test_adder.py": "import adder\n\ndef test_add():\n    assert adder.add(2, 2) == 4\n",
        },
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    with pytest.raises(CommandFailed) as info:
        test_install(Repository.open(root).resolve("adder"), progress=_quiet)
    assert info.value.step == "tests"
    assert "1 failed" in info.value.render()


def test_failing_doctest_fails(make_repo, local_index) -> None:
    root = make_repo(
        {
            "packages/halver.py": '"""Halve.\n\n>>> half(4)\n3\n"""\n\ndef half(x):\n    return x // 2\n'
        },
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    with pytest.raises(CommandFailed) as info:
        test_install(Repository.open(root).resolve("halver"), progress=_quiet)
    assert info.value.step == "tests"


def test_unknown_dependency_fails_at_install(make_repo, local_index) -> None:
    root = make_repo(
        {"packages/needy.py": '"""Needs a missing distribution."""\nimport zzz_not_there_qq\n'},
        # Mapped, so not a guessed name (those are checked before the install:
        # tests/test_clashes.py): the installer is the one to find it missing.
        packyard=f'index-url = "{local_index.simple_url}"\n'
        'import-map = { zzz_not_there_qq = "zzz-not-there-qq" }\n',
    )
    with pytest.raises(CommandFailed) as info:
        test_install(Repository.open(root).resolve("needy"), progress=_quiet)
    assert info.value.step == "install"
    assert "zzz-not-there-qq" in info.value.render()


def test_import_failure_names_the_step(make_repo, local_index) -> None:
    root = make_repo(
        {"packages/boom.py": '"""Fails at import."""\nraise RuntimeError("boom at import")\n'},
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    with pytest.raises(CommandFailed) as info:
        test_install(Repository.open(root).resolve("boom"), progress=_quiet)
    assert info.value.step == "import"
    assert "boom at import" in info.value.render()


def test_sibling_cycle_is_an_error(make_repo) -> None:
    root = make_repo(
        {
            "packages/alpha.py": '"""A."""\nimport beta\n',
            "packages/beta.py": '"""B."""\nimport gamma\n',
            "packages/gamma.py": '"""C."""\nimport alpha\n',
        }
    )
    with pytest.raises(InferenceError) as info:
        build_and_check(Repository.open(root).resolve("alpha"), progress=_quiet)
    assert "alpha -> beta -> gamma -> alpha" in info.value.message
    assert not (root / "build" / "alpha").exists()


def test_syntax_error_leaves_nothing_built(make_repo) -> None:
    root = make_repo({"packages/bad.py": '"""Bad."""\nif True\n    pass\n'})
    with pytest.raises((InferenceError, PackageError)) as info:
        build_and_check(Repository.open(root).resolve("bad"), progress=_quiet)
    assert info.value.line == 2
    assert not (root / "build" / "bad").exists()
    assert not (root / "dist" / "bad").exists()


def test_cli_without_main_is_refused(make_repo) -> None:
    root = make_repo(
        {
            "packages/kit/__init__.py": '"""Kit."""\n',
            "packages/kit/cli.py": "def run():\n    pass\n",
        }
    )
    with pytest.raises(PackageError, match="no module-level 'main'"):
        build_and_check(Repository.open(root).resolve("kit"), progress=_quiet)


def test_nox_lists_and_runs_a_package_session(examples_repo: Path) -> None:
    (examples_repo / "noxfile.py").write_text((ROOT / "noxfile.py").read_text())
    listing = subprocess.run(
        [sys.executable, "-m", "nox", "-l", "--json"],
        cwd=examples_repo,
        capture_output=True,
        text=True,
        check=True,
    )
    names = {s["session"] for s in json.loads(listing.stdout)}
    for package in ("confstack", "unitconv", "tripcost"):
        assert {f"test_install-{package}", f"requirements-{package}"} <= names
    assert {"tests", "lint"} <= names
    run = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "test_install-unitconv"],
        cwd=examples_repo,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Session test_install-unitconv was successful" in run.stderr
    assert (examples_repo / "dist" / "unitconv").is_dir()


def test_nox_lists_a_broken_package_beside_the_others(examples_repo: Path) -> None:
    (examples_repo / "noxfile.py").write_text((ROOT / "noxfile.py").read_text())
    (examples_repo / "packages" / "json.py").write_text('"""Shadows json."""\n')
    run = subprocess.run(
        [sys.executable, "-m", "nox", "-l"], cwd=examples_repo, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "test_install-json" in run.stdout and "test_install-unitconv" in run.stdout
    run = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "test_install-json"],
        cwd=examples_repo,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "shadows the standard-library module" in run.stderr


def test_nox_unknown_package_lists_the_known_ones(examples_repo: Path) -> None:
    (examples_repo / "noxfile.py").write_text((ROOT / "noxfile.py").read_text())
    run = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "test_install-unitcon"],
        cwd=examples_repo,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert "did you mean 'unitconv'?" in run.stderr
    assert "packages: confstack, tripcost, unitconv" in run.stderr


def test_lock_pins_and_uses_the_local_sibling_wheel(examples_repo: Path) -> None:
    from packyard.building.lock import compile_requirements
    from packyard.sessions import sibling_wheels

    repo = Repository.open(examples_repo)
    pinned = compile_requirements(repo.inference("confstack"), index_url=repo.config.index_url)
    # A pin of whatever version the index has today: never a version number in a test.
    assert re.search(r"^pyyaml==\d+(\.\d+)*\b", pinned.lower(), re.M), pinned
    wheels = sibling_wheels(repo, "tripcost", progress=_quiet)
    pinned = compile_requirements(
        repo.inference("tripcost"), index_url=repo.config.index_url, local_wheels=wheels
    )
    assert f"unitconv @ {wheels['unitconv'].resolve().as_uri()}" in pinned
    assert "index-url" not in pinned and "find-links" not in pinned


def test_lock_names_the_import_that_does_not_resolve(make_repo, local_index) -> None:
    from packyard.building.lock import compile_requirements

    root = make_repo(
        {
            "packages/needy.py": '"""Needs a missing distribution."""\nimport os\nimport zzz_not_there_qq\n'
        },
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    repo = Repository.open(root)
    with pytest.raises(InferenceError) as info:
        compile_requirements(repo.inference("needy"), index_url=repo.config.index_url)
    text = info.value.render()
    assert "packages/needy.py:3" in text
    assert "'zzz_not_there_qq'" in text
    # A guessed name: looked up before pip-compile runs (packyard.building.clashes).
    assert '"zzz_not_there_qq" = "<distribution on the index>"' in text
    assert "[tool.packyard.import-map]" in text and "# packyard: ignore" in text


def test_virtualenv_fallback_installs_from_the_index(tmp_path: Path, local_index) -> None:
    from packyard.building.venvs import create_venv

    venv = create_venv(tmp_path / "venv", prefer_uv=False)
    assert venv.backend == "virtualenv"
    venv.install(["PyYAML"], index_url=local_index.simple_url)
    out = subprocess.run(
        [venv.python, "-c", "import yaml, sys; print(yaml.__file__.startswith(sys.prefix))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"
