"""``import-paa`` on a repository written here with package-auto-assembler's conventions:
the imported package passes its test-install in a real venv, and its next release (real
git) continues the paa version line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from packyard import tomlcompat
from packyard.building.testinstall import test_install
from packyard.cli import main
from packyard.errors import PackageError
from packyard.gates import run_gate
from packyard.index.local import LocalIndex
from packyard.paa.importer import import_paa
from packyard.release.planning import plan_release
from packyard.release.readme_table import END, START
from packyard.repo import Repository
from packyard.versions.tracking import read_tracking, tracking_file
from tests.conftest import RepoFactory, git, init_repo, write_files

SHOUTBOX = '''\
"""Shoutbox: frame messages in a box of stars.

Reads its banner from the package's artifacts.
"""

import logging
import yaml #>=5.1
from importlib.resources import files
try:
    import tensorflow #-
except ImportError:
    tensorflow = None
from .components.shoutbox_deps.formatter import frame

__package_metadata__ = {
    "author": "Paa Person",
    "author_email": "paa@example.invalid",
    "description": "Frame messages in a box of stars.",
    "keywords": ["shout", "aa-paa-tool"],
    "url": "https://example.invalid/shoutbox",
    "license": "mit",
    "classifiers": ["Development Status :: 4 - Beta"],
    "flavour": "vanilla",
}


def shout(message: str) -> str:
    """Frame ``message``."""
    logging.getLogger(__name__).debug("shouting")
    return frame(message.upper())


def banner() -> str:
    """The shipped banner."""
    return files("shoutbox").joinpath("artifacts/banner.txt").read_text()


def settings(text: str) -> dict:
    """Parse YAML settings."""
    return yaml.safe_load(text)
'''

FORMATTER = """\
def frame(text: str) -> str:
    line = "*" * (len(text) + 4)
    return f"{line}\\n* {text} *\\n{line}"
"""

CLI = '''\
import argparse
from shoutbox.shoutbox import shout

__cli_metadata__ = {"name": "shout"}


def cli(argv=None):
    """Shout a message."""
    parser = argparse.ArgumentParser(prog="shout", description="Shout a message.")
    parser.add_argument("message")
    args = parser.parse_args(argv)
    print(shout(args.message))
    return 0
'''

TESTS = """\
from python_modules.shoutbox import banner, settings, shout
from shoutbox.cli import cli


def test_shout():
    assert shout("hi") == "******\\n* HI *\\n******"


def test_banner_and_settings():
    assert banner() == "BANNER\\n"
    assert settings("a: 1") == {"a": 1}


def test_cli(capsys):
    assert cli(["hey"]) == 0
    assert "* HEY *" in capsys.readouterr().out
"""

TALLYHO = '''\
"""Tallyho: count things, with optional extras."""

import numpy as np #[extra]==1.26.4
#@ requests>=2.31
#! import shoutlib #==1.0
#! from ujson import dumps #>=5

try:
    import shoutlib
except ImportError:
    shoutlib = None

__package_metadata__ = {
    "extras_require": {"plots": ["matplotlib>=3"]},
    "install_requires": ["attrs>=23"],
    "artifact_urls": {"guide": "https://example.invalid/guide.pdf"},
    "name": "tally-ho-dist",
}


def count(items):
    return len(items)
'''

ROUTES = """\
from fastapi import APIRouter #==0.110.0
from tallyho.tallyho import count

router = APIRouter(prefix="/tallyho")


@router.get("/count")
def get_count(items: str = ""):
    return {"count": count(items.split(","))}
"""

STREAMLIT = """\
import streamlit as st #>=1.30
from tallyho.tallyho import count

st.write(count([1, 2]))
"""

PAA_CONFIG = """\
module_dir: ./python_modules
dependencies_dir: ./python_modules/components
example_notebooks_path: ./example_notebooks/
artifacts_dir: ./artifacts
cli_dir: ./cli
extra_docs_dir: ./extra_docs
api_routes_dir: ./api_routes
streamlit_dir: ./streamlit
drawio_dir: ./drawio
tests_dir: ./tests
license_path: './LICENSE'
allowed_licenses: ['mit', 'apache-2.0',
 'bsd-3-clause', '-']
classifiers:
- 'Development Status :: 3 - Alpha'
- 'Programming Language :: Python :: 3'
- 'License :: OSI Approved :: MIT License'
check_vulnerabilities: True
"""

NOTES = """\
# Release notes

### 0.2.1

    - fix for empty messages

### 0.2.0

    - banner from artifacts

    - yaml settings

### 0.1.0

    - initial version
"""


def write_paa_repo(root: Path) -> Path:
    """A package-auto-assembler repository with two packages, shoutbox and tallyho."""
    files = {
        ".paa.config": PAA_CONFIG,
        "LICENSE": "MIT License\n\nCopyright (c) Paa Person\n",
        "python_modules/shoutbox.py": SHOUTBOX,
        "python_modules/components/shoutbox_deps/formatter.py": FORMATTER,
        "python_modules/tallyho.py": TALLYHO,
        "cli/shoutbox.py": CLI,
        "api_routes/tallyho.py": ROUTES,
        "streamlit/tallyho.py": STREAMLIT,
        "artifacts/shoutbox/banner.txt": "BANNER\n",
        "extra_docs/shoutbox/usage.md": "# Usage\n\nShout.\n",
        "example_notebooks/shoutbox.ipynb": json.dumps(
            {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        ),
        "tests/shoutbox/test_shoutbox.py": TESTS,
        "drawio/shoutbox.drawio": "<mxfile/>\n",
        ".paa/tracking/lsts_package_versions.yml": "shoutbox: 0.2.1\ntallyho: 0.0.3\n",
        ".paa/tracking/version_logs.csv": textwrap.dedent(
            """\
            Timestamp,Package,Version

            2024-01-20 02:11:45,shoutbox,0.0.0
            2024-02-01 10:00:00,shoutbox,0.1.0
            2024-03-01 10:00:00,tallyho,0.0.3
            2024-04-01 10:00:00,shoutbox,0.2.0
            2024-05-01 12:30:00,shoutbox,0.2.1
            """
        ),
        ".paa/release_notes/shoutbox.md": NOTES,
        ".paa/package_mapping.json": json.dumps({"shoutlib": "shout-lib", "np": "numpy"}),
        ".paa/package_licenses.json": json.dumps({"shout-lib": "mit"}),
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def destination(make_repo: RepoFactory, index_url: str = "https://pypi.org/simple") -> Path:
    root = make_repo({"packages/existing.py": '"""Already here."""\n'})
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "dest"\nversion = "0"\n\n[tool.packyard]\nindex-url = "{index_url}"\n'
    )
    init_repo(root)
    return root


def every_path(root: Path) -> list[str]:
    """Every file and folder under ``root`` (``.git`` left out)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if ".git" not in p.parts)


def files_under(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


@pytest.mark.slow
def test_imported_package_passes_its_test_install_and_continues_the_version_line(
    make_repo: RepoFactory,
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paa = write_paa_repo(tmp_path / "paa")
    root = destination(make_repo, local_index.simple_url)
    base = git(root, "rev-parse", "HEAD").strip()
    monkeypatch.chdir(root)
    assert main(["import-paa", str(paa), "--packages", "shoutbox"]) == 0
    out = capsys.readouterr().out

    folder = root / "packages" / "shoutbox"
    assert files_under(folder) == [
        "LICENSE",
        "__init__.py",
        "artifacts/banner.txt",
        "cli.py",
        "components/__init__.py",
        "components/shoutbox_deps/__init__.py",
        "components/shoutbox_deps/formatter.py",
        "docs/example.ipynb",
        "docs/usage.md",
        "pyproject.toml",
        "shoutbox.py",
        "tests/test_shoutbox.py",
    ]
    assert not (root / "packages" / "tallyho").exists()  # not asked for
    # The same code; the #- line only gains packyard's ignore marker.
    assert (folder / "shoutbox.py").read_text() == SHOUTBOX.replace(
        "    import tensorflow #-\n", "    import tensorflow #-  # packyard: ignore\n"
    )
    assert (folder / "components/shoutbox_deps/formatter.py").read_text() == FORMATTER
    assert (folder / "__init__.py").read_text().endswith("from .shoutbox import *  # noqa: F403\n")
    assert "from shoutbox.shoutbox import banner" in (folder / "tests/test_shoutbox.py").read_text()
    assert (folder / "cli.py").read_text().endswith("main = cli\n")

    project = tomlcompat.load(folder / "pyproject.toml")["project"]
    assert project["description"] == "Frame messages in a box of stars."
    assert project["authors"] == [{"name": "Paa Person", "email": "paa@example.invalid"}]
    assert project["license"] == "MIT"
    assert project["keywords"] == ["shout"]
    assert project["classifiers"] == [
        "Programming Language :: Python :: 3",
        "Development Status :: 4 - Beta",
    ]
    assert project["urls"] == {"Homepage": "https://example.invalid/shoutbox"}
    assert project["dependencies"] == ["PyYAML>=5.1"]
    assert project["scripts"] == {"shout": "shoutbox.cli:cli"}

    tracking = read_tracking(root / ".packyard", "shoutbox")
    assert [r["version"] for r in tracking["releases"]] == ["0.1.0", "0.2.0", "0.2.1"]
    last = tracking["releases"][-1]
    assert last["date"] == "2024-05-01T12:30:00+00:00"
    assert last["commit"] == base
    assert [n["description"] for n in tracking["releases"][1]["notes"]] == [
        "banner from artifacts",
        "yaml settings",
    ]

    assert "NOT CARRIED: drawio/shoutbox.drawio" in out
    assert "NOT CARRIED: __package_metadata__['flavour']" in out
    assert "version 0.0.0 skipped" in out
    assert 'allowed-licenses = ["MIT", "Apache-2.0", "BSD-3-Clause"]' in out
    assert 'license-overrides]: "shout-lib" = "MIT"' in out

    repo = Repository.open(root)
    assert repo.version("shoutbox") == "0.2.1"
    assert "tensorflow" not in json.dumps(repo.project_table("shoutbox"))  # the #- import
    report = test_install(repo.resolve("shoutbox"), progress=lambda _: None)
    assert report.tests_run
    assert "shoutbox/artifacts/banner.txt" in report.wheel_files
    assert "shoutbox/components/shoutbox_deps/formatter.py" in report.wheel_files

    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Import shoutbox from package-auto-assembler")
    plan = plan_release(Repository.open(root), "shoutbox")
    assert (plan.previous, plan.version) == ("0.2.1", "0.2.2")


def test_markers_metadata_and_parts_become_standard_metadata(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    paa = write_paa_repo(tmp_path / "paa")
    root = destination(make_repo)
    (root / "README.md").write_text(f"# dest\n\n{START}\n{END}\n")
    report = import_paa(Repository.open(root), paa, names=["tallyho"], progress=lambda _: None)
    # The README's package table lists the imported package, like new/rename/remove do.
    readme = (root / "README.md").read_text()
    assert "[`tallyho`](packages/tallyho/) | 0.0.3 |" in readme
    assert "README.md package table updated" in report.notes
    # `import numpy as np #[extra]==1.26.4` is unused: the lint gate would stop a release.
    [item] = report.packages
    assert item.lint == ["packages/tallyho/tallyho.py:3:17: F401 [*] `numpy` imported but unused"]
    rendered = report.render()
    assert "WARNING: the imported code fails the lint gate (1 finding(s))" in rendered
    assert "  lint: packages/tallyho/tallyho.py:3:17: F401" in rendered
    assert run_gate(Repository.open(root), "tallyho", "lint").problems == item.lint
    folder = root / "packages" / "tallyho"
    assert files_under(folder) == [
        "LICENSE",
        "__init__.py",
        "app.py",
        "artifacts/guide.link",
        "pyproject.toml",
        "routes.py",
        "tallyho.py",
    ]
    assert (folder / "routes.py").read_text() == ROUTES
    assert (folder / "artifacts/guide.link").read_text() == "https://example.invalid/guide.pdf\n"
    data = tomlcompat.load(folder / "pyproject.toml")
    project = data["project"]
    assert project["dependencies"] == ["numpy[extra]==1.26.4", "requests>=2.31", "attrs>=23"]
    assert project["optional-dependencies"] == {
        "all": ["shout-lib==1.0", "ujson>=5"],
        "api": ["fastapi==0.110.0"],
        "app": ["streamlit>=1.30"],
        "plots": ["matplotlib>=3"],
        "shout-lib": ["shout-lib==1.0"],
        "ujson": ["ujson>=5"],
    }
    assert "license" not in project  # no label: paa's MIT classifier is kept
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]
    assert data["tool"]["packyard"]["import-map"] == {"shoutlib": "shout-lib"}
    assert item.releases == ["0.0.3"]
    assert any("'tally-ho-dist'" in line for line in item.not_carried)
    assert Repository.open(root).source("tallyho").summary == (
        "Tallyho: count things, with optional extras."
    )


def test_a_failed_or_refused_import_writes_nothing(make_repo: RepoFactory, tmp_path: Path) -> None:
    paa = write_paa_repo(tmp_path / "paa")
    root = destination(make_repo)
    repo = Repository.open(root)
    before = files_under(root)

    paths_before = every_path(root)
    assert not (root / ".packyard").exists()
    report = import_paa(repo, paa, dry_run=True, progress=lambda _: None)
    assert [p.name for p in report.packages] == ["shoutbox", "tallyho"]
    assert every_path(root) == paths_before  # a dry run creates nothing, not even .packyard/
    assert report.render().startswith("would import 2 package(s)")
    assert [len(p.lint) for p in report.packages] == [0, 1]  # checked in the dry run too

    write_files(root, {"packages/tallyho.py": '"""Taken."""\n'})
    with pytest.raises(PackageError, match="'tallyho' is taken"):
        import_paa(Repository.open(root), paa, progress=lambda _: None)
    (root / "packages" / "tallyho.py").unlink()

    (paa / "cli" / "tallyho.py").write_text("def cli(:\n")
    with pytest.raises(PackageError, match="syntax error") as caught:
        import_paa(Repository.open(root), paa, progress=lambda _: None)
    assert (caught.value.path, caught.value.line) == (paa / "cli" / "tallyho.py", 1)
    assert files_under(root) == before  # shoutbox, staged first, was not moved in either
    assert not tracking_file(root / ".packyard", "shoutbox").exists()

    with pytest.raises(PackageError, match="no paa package named 'nope'"):
        import_paa(Repository.open(root), paa, names=["nope"])
    with pytest.raises(PackageError, match="not a package-auto-assembler repository"):
        import_paa(Repository.open(root), tmp_path / "empty")
