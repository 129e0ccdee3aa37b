"""Requirements inferred from imports: rules, precedence, and the ``packyard
requirements`` command on code outside a packaging repository."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from packyard.inference.import_map import ImportMap
from packyard.inference.requirements import infer, local_modules_of
from packyard.repo import Repository

TRICKY = '''\
"""Tricky imports."""
from __future__ import annotations

import os, sys
import importlib
from typing import TYPE_CHECKING
from . import sibling_module
from .helpers import thing
import yaml
from google.cloud import storage
import google.protobuf.message
from sklearn.linear_model import LinearRegression
import PIL.Image as Image

if TYPE_CHECKING:
    import pandas

try:
    import ujson as json
except ImportError:
    import json

with __import__("contextlib").suppress(ImportError):
    import orjson

def lazy():
    import requests
    return importlib.import_module("bs4")

plugin = __import__("cv2")
import numpy  # packyard: ignore
text = "import flask"  # a string, not an import
'''


def test_tricky_imports(tmp_path: Path) -> None:
    source = tmp_path / "tricky.py"
    source.write_text(TRICKY)
    result = infer([source], local_modules={"tricky"}, import_map=ImportMap())
    required = {r.distribution: r for r in result.required}
    optional = {r.distribution: r for r in result.optional}
    assert set(required) == {
        "PyYAML",
        "google-cloud-storage",
        "protobuf",
        "scikit-learn",
        "pillow",
        "requests",
        "beautifulsoup4",
        "opencv-python",
    }
    assert set(optional) == {"ujson", "orjson"}
    assert required["PyYAML"].locations == ["tricky.py:9"] or required["PyYAML"].locations[
        0
    ].endswith("tricky.py:9")
    assert required["google-cloud-storage"].rule == "builtin-table"
    assert optional["ujson"].pep508() == 'ujson; extra == "optional"'
    # required first, then optional, each sorted by normalized name
    keys = [(r.optional, r.key) for r in result.requirements]
    assert keys == sorted(keys)


def test_explicit_specifier_wins_and_makes_required(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("try:\n    import yaml\nexcept ImportError:\n    yaml = None\n")
    result = infer(
        [source],
        local_modules={"m"},
        import_map=ImportMap(),
        explicit=["pyyaml>=6; python_version >= '3.8'"],
    )
    (only,) = result.requirements
    assert not only.optional
    assert str(only.requirement) == 'pyyaml>=6; python_version >= "3.8"'


def test_fallback_warns_and_overrides_take_precedence(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import acme_widgets\nimport yaml\n")
    result = infer([source], local_modules={"m"}, import_map=ImportMap())
    assert [r.distribution for r in result.requirements] == ["acme-widgets", "PyYAML"]
    assert len(result.warnings) == 1 and "acme_widgets" in result.warnings[0]
    mapped = infer(
        [source],
        local_modules={"m"},
        import_map=ImportMap(
            package_overrides={"yaml": "ruamel.yaml"},
            repo_map={"acme_widgets": "acme-widgets-core"},
        ),
    )
    by_rule = {r.distribution: r.rule for r in mapped.requirements}
    assert by_rule == {"acme-widgets-core": "repo-import-map", "ruamel.yaml": "package-override"}
    assert mapped.warnings == []


def test_repo_package_with_sibling_and_import_map(make_repo) -> None:
    root = make_repo(
        {
            "packages/base_tools.py": '"""Base."""\n',
            "packages/app.py": '"""App."""\nimport base_tools\nimport acme\ntry:\n    import yaml\nexcept ImportError:\n    pass\n',
        },
        packyard='[tool.packyard.import-map]\n"acme" = "acme-sdk"\n',
    )
    repo = Repository.open(root)
    result = repo.inference("app")
    assert [(r.distribution, r.rule, r.optional) for r in result.requirements] == [
        ("acme-sdk", "repo-import-map", False),
        ("base-tools", "sibling", False),
        ("PyYAML", "builtin-table", True),
    ]
    table = repo.project_table("app")
    assert table["dependencies"] == ["acme-sdk", "base-tools"]
    assert table["optional-dependencies"] == {"optional": ["PyYAML"]}


def test_local_modules_of_a_folder(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "sub").mkdir(parents=True)
    (project / "main.py").write_text("import helpers\nimport sub.x\nimport proj\nimport requests\n")
    (project / "helpers.py").write_text("import attr\n")
    (project / "sub" / "__init__.py").write_text("")
    files, local = local_modules_of(project)
    assert {"proj", "helpers", "main", "sub"} <= local
    assert [f.name for f in files] == ["helpers.py", "main.py", "__init__.py"]


def _packyard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "packyard", *args], cwd=cwd, capture_output=True, text=True
    )


def test_requirements_command_outside_a_repo(tmp_path: Path) -> None:
    project = tmp_path / "scripts"
    project.mkdir()
    (project / "a.py").write_text("import yaml\nfrom dateutil import parser\nimport b\n")
    (project / "b.py").write_text("try:\n    import ujson\nexcept ImportError:\n    ujson = None\n")
    run = _packyard("requirements", str(project), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["python-dateutil", "PyYAML", 'ujson; extra == "optional"']
    run = _packyard("requirements", str(project), "--json", cwd=tmp_path)
    data = json.loads(run.stdout)
    assert data[1]["distribution"] == "PyYAML"
    assert data[1]["import_names"] == ["yaml"]
    assert data[1]["locations"] == ["scripts/a.py:1"]
    assert data[1]["rule"] == "builtin-table" and data[1]["optional"] is False


def test_requirements_command_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("import yaml\ndef f(:\n")
    run = _packyard("requirements", "bad.py", cwd=tmp_path)
    assert run.returncode == 1
    assert "bad.py:2" in run.stderr and "syntax error" in run.stderr
    run = _packyard("requirements", "missing.py", cwd=tmp_path)
    assert run.returncode == 1 and "no such file or folder" in run.stderr


@pytest.mark.parametrize("package", ["confstack", "tripcost", "unitconv"])
def test_requirements_command_on_an_example(package: str) -> None:
    root = Path(__file__).resolve().parent.parent
    path = root / "packages" / (package if package == "unitconv" else f"{package}.py")
    run = _packyard("requirements", str(path), cwd=root)
    assert run.returncode == 0, run.stderr
    expected = {"confstack": ["PyYAML>=6"], "tripcost": ["unitconv"], "unitconv": []}[package]
    assert run.stdout.splitlines() == expected


def test_import_that_cannot_name_a_distribution_is_skipped_with_a_warning(tmp_path: Path) -> None:
    source = tmp_path / "legacy.py"
    source.write_text("import __private__\nimport _speedups\nimport yaml\n")
    result = infer([source], local_modules={"legacy"}, import_map=ImportMap())
    assert [r.distribution for r in result.requirements] == ["PyYAML"]
    assert len(result.warnings) == 2
    assert all("cannot name a distribution" in w for w in result.warnings)
