"""routes.py, app.py and mcp.py: their imports go to extras, and they become entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from packyard.building.assemble import assemble
from packyard.errors import ConfigError, PackageError
from packyard.package.extras import check_extra_files
from packyard.repo import Repository

WEB_PACKAGE = {
    "packages/web/__init__.py": '"""A package with every extra file."""\n\nfrom .core import VALUE\n',
    "packages/web/core.py": "import yaml\n\nVALUE = 1\n",
    "packages/web/cli.py": "import click\n\n@click.group()\ndef main():\n    pass\n",
    "packages/web/routes.py": (
        "from fastapi import APIRouter\nimport yaml\nfrom .core import VALUE\n\n"
        "router = APIRouter()\n"
    ),
    "packages/web/app.py": "import streamlit as st\nimport pandas\n\nst.write('hi')\n",
    "packages/web/mcp.py": (
        "from mcp.server.mcpserver import MCPServer\n\nmcp = MCPServer('web')\n"
    ),
}


def test_core_dependencies_leave_out_what_only_extra_files_import(make_repo) -> None:
    repo = Repository.open(make_repo(WEB_PACKAGE))
    table = repo.project_table("web")
    # cli.py is core: click is a dependency; yaml is imported by core.py and routes.py.
    assert table["dependencies"] == ["click", "PyYAML"]
    assert table["optional-dependencies"] == {
        "api": ["fastapi"],  # not PyYAML again: the core has it
        "app": ["pandas", "streamlit"],
        "mcp": ["mcp"],
    }
    assert table["scripts"] == {"web": "web.cli:main"}
    assert table["entry-points"] == {
        "packyard.routes": {"web": "web.routes:router"},
        "packyard.apps": {"web": "web.app"},
        "packyard.mcp": {"web": "web.mcp:mcp"},
    }
    assert "fastapi" not in {r.key for r in repo.inference("web").requirements}


def test_explicit_extra_specifiers_win_and_entry_points_merge(make_repo) -> None:
    files = dict(WEB_PACKAGE)
    files["packages/web/pyproject.toml"] = """
        [project.optional-dependencies]
        api = ["FastAPI>=0.110", "uvicorn"]
        [project.entry-points."packyard.routes"]
        web = "web.routes:other"
        [project.entry-points."myapp.plugins"]
        web = "web.core"
    """
    table = Repository.open(make_repo(files)).project_table("web")
    assert table["optional-dependencies"]["api"] == ["FastAPI>=0.110", "uvicorn"]
    assert table["entry-points"]["packyard.routes"] == {"web": "web.routes:other"}
    assert table["entry-points"]["myapp.plugins"] == {"web": "web.core"}
    assert table["entry-points"]["packyard.mcp"] == {"web": "web.mcp:mcp"}


def test_invalid_explicit_extra_names_the_file(make_repo) -> None:
    files = dict(WEB_PACKAGE)
    files["packages/web/pyproject.toml"] = '[project.optional-dependencies]\napi = ["fast api!"]\n'
    with pytest.raises(ConfigError, match="invalid requirement") as info:
        Repository.open(make_repo(files)).project_table("web")
    assert info.value.path is not None and info.value.path.name == "pyproject.toml"


def test_a_sibling_imported_by_routes_is_an_extra_requirement_built_with_it(make_repo) -> None:
    root = make_repo(
        {
            "packages/helper.py": '"""Helper."""\n',
            "packages/svc/__init__.py": '"""Service."""\n',
            "packages/svc/routes.py": "import helper\nfrom fastapi import APIRouter\nrouter = APIRouter()\n",
        }
    )
    repo = Repository.open(root)
    table = repo.project_table("svc")
    assert table["dependencies"] == []
    assert table["optional-dependencies"]["api"] == ["fastapi", "helper"]
    assert repo.sibling_closure("svc") == ["helper"]  # its wheel is built for test-install


def test_single_file_packages_have_no_extra_files(make_repo) -> None:
    repo = Repository.open(make_repo({"packages/routes.py": '"""Named routes."""\nimport yaml\n'}))
    table = repo.project_table("routes")
    assert table["dependencies"] == ["PyYAML"]
    assert "entry-points" not in table and "optional-dependencies" not in table


@pytest.mark.parametrize(
    ("file", "text", "missing"),
    [
        ("routes.py", "from fastapi import APIRouter\nroutes = APIRouter()\n", "'router'"),
        ("mcp.py", "from mcp.server.mcpserver import MCPServer\nserver = MCPServer()\n", "'mcp'"),
    ],
)
def test_extra_file_without_its_object_is_refused(make_repo, file, text, missing) -> None:
    root = make_repo({"packages/web/__init__.py": '"""Web."""\n', f"packages/web/{file}": text})
    repo = Repository.open(root)
    with pytest.raises(PackageError, match=f"no module-level {missing}") as info:
        assemble(repo.resolve("web"))
    assert info.value.path == root / "packages" / "web" / file
    assert info.value.hint
    assert not (root / "build" / "web").exists()


def test_objects_defined_by_import_function_or_in_a_branch_count(make_repo) -> None:
    root = make_repo(
        {
            "packages/a/__init__.py": '"""A."""\n',
            "packages/a/routes.py": "from ._impl import router\n",
            "packages/a/mcp.py": "try:\n    mcp = make()\nexcept ImportError:\n    mcp = None\n",
        }
    )
    check_extra_files(Repository.open(root).package("a"))


def test_requirements_command_shows_the_extras(make_repo) -> None:
    root = make_repo(WEB_PACKAGE)
    run = subprocess.run(
        [sys.executable, "-m", "packyard", "requirements", "packages/web", "--json"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    rows = {(r["distribution"], r["extra"]): r["requirement"] for r in json.loads(run.stdout)}
    assert rows[("fastapi", "api")] == 'fastapi; extra == "api"'
    assert rows[("click", None)] == "click"
    assert ("fastapi", None) not in rows


def test_the_example_wordstats_core_is_click_only() -> None:
    root = Path(__file__).resolve().parent.parent
    repo = Repository.open(root)
    table = repo.project_table("wordstats")
    assert table["dependencies"] == ["click"]
    assert table["optional-dependencies"] == {
        "api": ["fastapi", "pydantic"],
        "app": ["streamlit"],
        "mcp": ["mcp>=2"],
    }
    assert table["scripts"] == {
        "wordstats": "wordstats.cli:main",
        "wordstats-top": "wordstats.cli:top",
    }


def test_a_single_file_package_names_its_scripts_in_pep723(make_repo) -> None:
    # No packyard-level scripts table is needed: [tool.packyard] scripts of the PEP 723 block
    # (and [project.scripts] of a folder's pyproject.toml) are PEP 621 scripts already.
    source = (
        "# /// script\n"
        "# [tool.packyard]\n"
        '# scripts = { tidy = "tidy_up:main", tidy-all = "tidy_up:all_files" }\n'
        "# ///\n"
        '"""Tidy things."""\n\nimport click\n\n@click.group()\ndef main():\n    pass\n'
    )
    table = Repository.open(make_repo({"packages/tidy_up.py": source})).project_table("tidy_up")
    assert table["scripts"] == {"tidy": "tidy_up:main", "tidy-all": "tidy_up:all_files"}
    assert table["dependencies"] == ["click"]


def test_explicit_extra_that_is_not_a_list_is_refused(make_repo) -> None:
    files = dict(WEB_PACKAGE)
    files["packages/web/pyproject.toml"] = '[project.optional-dependencies]\napi = "fastapi"\n'
    with pytest.raises(ConfigError, match="optional-dependencies has the wrong type"):
        Repository.open(make_repo(files)).project_table("web")
