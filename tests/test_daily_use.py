"""Daily use (issue #13): a broken package never blocks the others, the whole pre-release
check in one session, pytest options, committed lock files, warnings of the test-install.

Real nox and invoke (from this interpreter's environment), real builds and venvs, installs
from the test pypiserver on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from packyard.building.lockfile import CORE, lock_path, read_lock, sections_from_compiled
from packyard.building.testargs import split_test_args
from packyard.building.testinstall import test_install
from packyard.chores.listing import format_list, list_packages
from packyard.config import load_config
from packyard.errors import PackageError
from packyard.gates.advice import license_warning, lock_warning, test_install_warnings
from packyard.names import suggest_name
from packyard.package.discovery import survey
from packyard.repo import Repository

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOC = '"""Summary line."""\n'

GOOD = '''"""Add numbers."""
import os


def add(a, b):
    """Add.

    >>> add(1, 2)
    3
    """
    return a + b
'''
GOOD_TESTS = """import good


def test_one():
    assert good.add(1, 1) == 2


def test_two():
    assert good.add(2, 2) == 4
"""


def _tool(name: str, *args: str, root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOX")}
    return subprocess.run(
        [str(BIN / name), *args], cwd=root, capture_output=True, text=True, env=env
    )


def _front_doors(root: Path) -> None:
    for name in ("noxfile.py", "tasks.py"):
        shutil.copy(ROOT / name, root / name)


@pytest.fixture
def mixed_repo(make_repo, local_index) -> Path:
    """Good packages beside a badly named one, one shadowing the standard library and one
    with a syntax error."""
    root = make_repo(
        {
            "packages/good.py": GOOD,
            "packages/test_good.py": GOOD_TESTS,
            "packages/other.py": '"""Other."""\nimport yaml\n',
            "packages/my-tool.py": DOC,
            "packages/json.py": DOC,
            "packages/synt.py": '"""Broken."""\ndef f(:\n    pass\n',
        },
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    _front_doors(root)
    return root


# --- one bad file never blocks the repository -------------------------------------------


def test_survey_lists_good_packages_and_broken_entries(make_repo) -> None:
    root = make_repo(
        {
            "packages/good.py": DOC,
            "packages/good.requirements.lock": "pyyaml==6.0.3\n",
            "packages/my-tool.py": DOC,
            "packages/json.py": DOC,
            "packages/kit.py": DOC,
            "packages/kit/__init__.py": DOC,
            "packages/loose/helpers.py": DOC,
            "packages/test_gone.py": "",
        }
    )
    found = survey(load_config(root))
    assert list(found.packages) == ["good"]
    assert sorted(found.broken) == ["gone", "json", "kit", "loose", "my-tool"]
    assert found.broken["my-tool"].error.path == root / "packages" / "my-tool.py"
    assert "'my_tool'" in (found.broken["my-tool"].error.hint or "")
    # One suggestion function: invoke new json and the error for packages/json.py agree.
    assert f"{suggest_name('json')!r}" in (found.broken["json"].error.hint or "")
    repo = Repository.open(root)
    assert repo.package("good").name == "good"
    assert lock_path(repo.package("good")) == root / "packages" / "good.requirements.lock"
    with pytest.raises(PackageError, match="not a valid Python identifier") as info:
        repo.package("my-tool")
    assert info.value.path == root / "packages" / "my-tool.py"


def test_invoke_list_shows_broken_and_unreleased(make_repo) -> None:
    root = make_repo(
        {"packages/good.py": DOC, "packages/synt.py": '"""S."""\nx = (\n', "packages/2x.py": DOC}
    )
    rows = {row["name"]: row for row in list_packages(Repository.open(root))}
    assert rows["good"]["error"] is None and rows["good"]["form"] == "module"
    assert rows["synt"]["form"] == "broken"
    assert f"{root / 'packages' / 'synt.py'}:2:" in rows["synt"]["error"]
    assert rows["2x"]["form"] == "broken" and "hint: rename it to" in rows["2x"]["error"]
    text = format_list(list(rows.values()))
    good_line = next(line for line in text.splitlines() if line.startswith("good "))
    assert "unreleased" in good_line and "0.0.0" not in good_line


def test_readme_table_lists_a_package_with_a_syntax_error(make_repo) -> None:
    from packyard.release.readme_table import render_table

    root = make_repo({"packages/good.py": DOC, "packages/synt.py": '"""S."""\nx = (\n'})
    table = render_table(Repository.open(root))
    assert "| [`good`](packages/good.py) | unreleased | Summary line. |" in table
    assert "| [`synt`](packages/synt.py) | unreleased | cannot be read: syntax error" in table


@pytest.mark.slow
def test_broken_packages_do_not_block_the_others(mixed_repo: Path) -> None:
    root = mixed_repo
    listing = _tool("nox", "-l", "--json", root=root)
    assert listing.returncode == 0, listing.stderr
    sessions = {s["session"] for s in json.loads(listing.stdout)}
    for name in ("good", "other", "my-tool", "json", "synt"):
        assert {f"test_install-{name}", f"check-{name}"} <= sessions
    assert "packyard: broken: " in listing.stderr and "packages/my-tool.py" in listing.stderr

    listed = _tool("invoke", "list", root=root)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert any(line.startswith("synt ") and " broken " in line for line in lines)
    assert any(line.startswith("my-tool ") and " broken " in line for line in lines)
    assert "requires: PyYAML" in listed.stdout

    requirements = _tool("packyard", "requirements", "packages/other.py", root=root)
    assert requirements.returncode == 0, requirements.stderr
    assert requirements.stdout.split() == ["PyYAML"]

    # pytest options after --: -k deselects; the summary line shows on success.
    good = _tool("nox", "-s", "test_install-good", "--", "-k", "one", "-v", root=root)
    assert good.returncode == 0, good.stderr[-3000:]
    assert "1 passed, 1 deselected in" in good.stderr
    assert "test_good.py::test_one PASSED" in good.stdout + good.stderr
    # Lint findings and the missing license are warnings, not failures.
    assert "lint: packages/good.py:2:8: F401" in good.stderr
    assert "declares no license" in good.stderr
    assert 'defaults = { license = "MIT" }' in good.stderr
    assert "validate_pyproject" not in good.stderr
    ok = next(line for line in good.stderr.splitlines() if "OK good 0.0.0:" in line)
    assert ok.count(" check ") == 1 and " venv " in ok

    broken = _tool("nox", "-s", "test_install-synt", root=root)
    assert broken.returncode != 0
    assert "packages/synt.py:2: syntax error" in broken.stderr
    misnamed = _tool("nox", "-s", "test_install-my-tool", root=root)
    assert misnamed.returncode != 0
    assert "packages/my-tool.py: invalid package name" in misnamed.stderr
    assert "rename it to 'my_tool'" in misnamed.stderr


@pytest.mark.slow
def test_check_session_runs_the_gates_and_the_test_install(mixed_repo: Path) -> None:
    run = _tool("nox", "-s", "check-good", root=mixed_repo)
    assert run.returncode != 0
    assert "quality gate failed: lint" in run.stderr
    assert "F401" in run.stderr
    assert "licenses-good: passed" in run.stderr
    assert "OK good 0.0.0" in run.stderr  # the test-install ran all the same
    assert not (mixed_repo / ".packyard" / "releases").exists()
    (mixed_repo / "packages" / "good.py").write_text(GOOD.replace("import os\n", ""))
    run = _tool("nox", "-t", "check", "--", "-k", "one", root=mixed_repo)
    assert "Session check-good was successful" in run.stderr, run.stderr[-3000:]
    assert "Session check-synt aborted" in run.stderr or "Session check-synt failed" in run.stderr


def test_posargs_split_between_packyard_and_pytest() -> None:
    assert split_test_args(["-k", "name", "-x", "-v"]).pytest == ["-k", "name", "-x", "-v"]
    args = split_test_args(["--locked", "-k", "a", "--", "--locked", "-x"])
    assert args.locked and args.pytest == ["-k", "a", "--locked", "-x"]
    assert not split_test_args([]).locked


def test_license_warning_and_the_repository_default(make_repo) -> None:
    root = make_repo({"packages/tool.py": DOC})
    warning = license_warning(Repository.open(root), "tool")
    assert warning is not None and warning.startswith("packages/tool.py: ")
    assert "[tool.packyard] defaults" in warning
    root = make_repo({"packages/tool.py": DOC}, packyard='defaults = { license = "MIT" }\n')
    assert license_warning(Repository.open(root), "tool") is None


# --- lock files -----------------------------------------------------------------------


def test_sections_follow_the_via_annotations() -> None:
    compiled = """anyio==4.0.0
    # via starlette
fastapi==0.115.0
    # via -r requirements.in
kit @ file:///tmp/kit.whl
    # via -r requirements.in
pyyaml==6.0.3
    # via
    #   -r requirements.in
    #   kit
starlette==0.40.0
    # via fastapi
"""
    sections = sections_from_compiled(
        compiled, {"fastapi": "api", "pyyaml": CORE, "kit": CORE}, {"kit"}
    )
    assert sections == {
        CORE: ["pyyaml==6.0.3"],
        "api": ["anyio==4.0.0", "fastapi==0.115.0", "starlette==0.40.0"],
    }


@pytest.mark.slow
def test_requirements_session_writes_checks_and_installs_the_lock(
    make_repo, local_index, tmp_path: Path
) -> None:
    root = make_repo(
        {
            "packages/web/__init__.py": '"""Web."""\nimport yaml\n',
            "packages/web/routes.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
            "packages/web/tests/test_web.py": "import web\n\n\ndef test_it():\n    assert web\n",
        },
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    _front_doors(root)
    run = _tool("nox", "-s", "requirements-web", root=root)
    assert run.returncode == 0, run.stderr[-3000:]
    path = root / "packages" / "web" / "requirements.lock"
    text = path.read_text()
    assert "index-url" not in text and "find-links" not in text
    lock = read_lock(path)
    assert [pin.split("==")[0] for pin in lock.sections[CORE]] == ["pyyaml"]
    assert "fastapi" in {pin.split("==")[0] for pin in lock.sections["api"]}
    assert 'fastapi; extra == "api"' in lock.inputs
    check = _tool("nox", "-s", "requirements-web", "--", "--check", root=root)
    assert check.returncode == 0, check.stderr[-3000:]
    assert lock_warning(Repository.open(root), "web") is None

    # Exactly the lock's versions in the venv.
    repo = Repository.open(root)
    assert lock_path(repo.package("web")) == path
    venv = tmp_path / "venv"
    test_install(repo.resolve("web"), venv_dir=venv, locked=True, progress=lambda _: None)
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:  # a uv venv has no pip: ask importlib.metadata
        code = (
            "import json, importlib.metadata as m; print(json.dumps([{'name': d.metadata"
            "['Name'], 'version': d.version} for d in m.distributions()]))"
        )
        listed = subprocess.run(
            [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True
        )
    from packaging.utils import canonicalize_name

    installed = {canonicalize_name(d["name"]): d["version"] for d in json.loads(listed.stdout)}
    for dist, version in lock.pins().items():
        assert installed.get(dist) == version, dist

    # A changed import makes the lock stale: --check fails, and so does --locked.
    (root / "packages" / "web" / "__init__.py").write_text(
        '"""Web."""\nimport yaml\nimport click\n'
    )
    stale = _tool("nox", "-s", "requirements-web", "--", "--check", root=root)
    assert stale.returncode != 0
    assert "requirements.lock: the lock file is out of date" in stale.stderr
    assert "+ click" in stale.stderr
    # Every test-install warns about it (without failing), naming the fix.
    warnings = test_install_warnings(Repository.open(root), "web")
    stale_lock = [w for w in warnings if w.startswith("packages/web/requirements.lock: ")]
    assert len(stale_lock) == 1 and "+ click" in stale_lock[0]
    assert "nox -s requirements-web" in stale_lock[0]
    locked = _tool("nox", "-s", "test_install-web", "--", "--locked", root=root)
    assert locked.returncode != 0 and "out of date" in locked.stderr
    # The lock never ships in the wheel.
    wheel = next((root / "dist" / "web").glob("*.whl"))
    import zipfile

    assert not any("requirements.lock" in n for n in zipfile.ZipFile(wheel).namelist())


def test_a_single_file_lock_moves_and_goes_with_its_package(make_repo) -> None:
    from packyard.chores.remove import remove_package
    from packyard.chores.rename import rename_package

    root = make_repo({"packages/tool.py": DOC, "packages/tool.requirements.lock": "# x\n"})
    rename_package(Repository.open(root), "tool", "gadget", progress=lambda _: None)
    assert (root / "packages" / "gadget.requirements.lock").is_file()
    assert not (root / "packages" / "tool.requirements.lock").exists()
    remove_package(Repository.open(root), "gadget", progress=lambda _: None)
    assert not (root / "packages" / "gadget.requirements.lock").exists()


def test_invoke_new_names_the_check_session(make_repo, monkeypatch, capsys) -> None:
    from packyard.cli import main

    root = make_repo({"packages/good.py": DOC})
    monkeypatch.chdir(root)
    assert main(["new", "tiny"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("before a release: nox -s check-tiny")
    assert main(["new", "json"]) == 1
    assert f"e.g. {suggest_name('json')!r}" in capsys.readouterr().err
