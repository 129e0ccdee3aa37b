"""Bad metadata types, build leftovers, core imports of extra files, and the requirements
command inside a broken repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from packyard.building.testinstall import build_and_check
from packyard.errors import ConfigError, PackageError
from packyard.package.metadata import read_source
from packyard.repo import Repository


@pytest.mark.parametrize(
    ("files", "message", "line"),
    [
        (
            {"packages/m.py": '# /// script\n# [tool]\n# packyard = 5\n# ///\n"""M."""\n'},
            "[tool.packyard] must be a table",
            1,
        ),
        (
            {
                "packages/m.py": '# /// script\n# [tool.packyard]\n# scripts = "m:main"\n# ///\n"""M."""\n'
            },
            "scripts has the wrong type",
            1,
        ),
        (
            {
                "packages/m.py": '# /// script\n# [tool.packyard]\n# licence = "MIT"\n# ///\n"""M."""\n'
            },
            "unknown key 'licence'",
            1,
        ),
        (
            {"packages/k/__init__.py": '"""K."""\n', "packages/k/pyproject.toml": "project = 3\n"},
            "[project] must be a table",
            None,
        ),
        (
            {
                "packages/k/__init__.py": '"""K."""\n',
                "packages/k/pyproject.toml": '[project]\ndependencies = "requests"\n',
            },
            "dependencies has the wrong type",
            None,
        ),
    ],
)
def test_metadata_of_the_wrong_type_is_a_clear_error(make_repo, files, message, line) -> None:
    root = make_repo(files)
    name = "m" if "packages/m.py" in files else "k"
    with pytest.raises(ConfigError) as info:
        Repository.open(root).source(name)
    assert message in info.value.message
    assert info.value.line == line
    assert info.value.path is not None and info.value.hint
    if "licence" in message:
        assert "did you mean 'license'" in info.value.hint


def test_build_leftovers_are_neither_shipped_nor_scanned(make_repo) -> None:
    root = make_repo(
        {
            "packages/kit/__init__.py": '"""Kit."""\n',
            "packages/kit/data.json": "{}\n",
            "packages/kit/build/lib/old.py": "import leftover_dependency\n",
            "packages/kit/kit.egg-info/PKG-INFO": "Name: kit\n",
            "packages/kit/notes.orig": "merge leftover\n",
            "packages/kit/dist/kit-0.1.tar.gz": "",
        }
    )
    repo = Repository.open(root)
    assert [p.name for p in repo.package("kit").source_files] == ["__init__.py"]
    assert repo.inference("kit").requirements == []
    _, artifacts, _ = build_and_check(repo.resolve("kit"), progress=lambda _: None)
    with zipfile.ZipFile(artifacts.wheel) as wheel:
        payload = sorted(n for n in wheel.namelist() if not n.startswith("kit-0.0.0.dist-info"))
    assert payload == ["kit/__init__.py", "kit/data.json"]


def test_core_that_imports_an_extra_file_makes_its_needs_core(make_repo) -> None:
    root = make_repo(
        {
            "packages/web/__init__.py": '"""Web."""\n\nfrom .routes import router\n',
            "packages/web/routes.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
            "packages/web/app.py": "import streamlit as st\n",
        }
    )
    repo = Repository.open(root)
    table = repo.project_table("web")
    assert table["dependencies"] == ["fastapi"]
    assert table["optional-dependencies"] == {"app": ["streamlit"]}
    (warning,) = repo.inference("web").warnings
    assert "packages/web/__init__.py:3" in warning and "'api'" in warning


def test_lazy_import_of_an_extra_file_keeps_it_an_extra(make_repo) -> None:
    root = make_repo(
        {
            "packages/web/__init__.py": '"""Web."""\n\ntry:\n    from . import routes\nexcept ImportError:\n    routes = None\n',
            "packages/web/routes.py": "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        }
    )
    table = Repository.open(root).project_table("web")
    assert table["dependencies"] == []
    assert table["optional-dependencies"] == {"api": ["fastapi"]}


def test_requirements_command_works_beside_a_broken_package(make_repo) -> None:
    root = make_repo(
        {"packages/user.py": '"""U."""\nimport yaml\n', "packages/json.py": '"""J."""\n'}
    )
    run = subprocess.run(
        [sys.executable, "-m", "packyard", "requirements", "packages/user.py"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["PyYAML"]


def test_requirements_command_outside_packages_uses_the_repo_import_map(make_repo) -> None:
    root = make_repo(
        {"packages/a.py": '"""A."""\n', "scripts/tool.py": "import acme\n"},
        packyard='[tool.packyard.import-map]\n"acme" = "acme-sdk"\n',
    )
    run = subprocess.run(
        [sys.executable, "-m", "packyard", "requirements", "scripts/tool.py"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["acme-sdk"]


def test_unreadable_source_file_names_the_file(make_repo) -> None:
    root = make_repo(
        {"packages/kit/__init__.py": '"""Kit."""\n', "packages/kit/real.py": "import yaml\n"}
    )
    broken = root / "packages" / "kit" / "broken.py"
    broken.symlink_to(root / "packages" / "kit" / "missing-target.py")
    repo = Repository.open(root)
    with pytest.raises(PackageError) as info:
        repo.inference("kit")
    assert "broken.py" in info.value.render()
    with pytest.raises(PackageError, match="cannot read file") as info:
        read_source(root / "packages")  # a folder where a file is expected
    assert info.value.path == root / "packages"
