"""Discovery of packages in packages/, and the errors for bad layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from packyard.config import load_config
from packyard.errors import ConfigError, PackageError
from packyard.names import distribution_name, import_name_problem
from packyard.package.discovery import discover, get_package
from packyard.repo import Repository

DOC = '"""Summary line."""\n'


def test_finds_modules_and_folders_and_their_tests(make_repo) -> None:
    root = make_repo(
        {
            "packages/my_tool.py": DOC,
            "packages/test_my_tool.py": "def test_x():\n    pass\n",
            "packages/kit/__init__.py": DOC,
            "packages/kit/cli.py": "def main():\n    return 0\n",
            "packages/kit/tests/test_kit.py": "",
            "packages/kit/docs/index.md": "# kit\n",
            "packages/conftest.py": "",
            "packages/_private.py": DOC,
            "packages/notes.txt": "not a package",
        }
    )
    (root / "packages" / "__pycache__").mkdir()
    packages = discover(load_config(root))
    assert list(packages) == ["kit", "my_tool"]
    tool, kit = packages["my_tool"], packages["kit"]
    assert (tool.form, tool.dist_name) == ("module", "my-tool")
    assert tool.test_paths == [root / "packages" / "test_my_tool.py"]
    assert kit.form == "folder"
    assert kit.cli_file == root / "packages" / "kit" / "cli.py"
    assert [p.name for p in kit.source_files] == ["__init__.py", "cli.py"]
    assert kit.test_paths == [root / "packages" / "kit" / "tests"]


@pytest.mark.parametrize(
    ("files", "message", "where"),
    [
        ({"packages/my-tool.py": DOC}, "not a valid Python identifier", "my-tool.py"),
        ({"packages/2fast.py": DOC}, "not a valid Python identifier", "2fast.py"),
        ({"packages/class.py": DOC}, "keyword", "class.py"),
        ({"packages/json.py": DOC}, "shadows the standard-library module", "json.py"),
        ({"packages/tomllib/__init__.py": DOC}, "shadows the standard-library", "tomllib"),
        (
            {"packages/kit.py": DOC, "packages/kit/__init__.py": DOC},
            "defined twice",
            "kit.py",
        ),
        (
            {"packages/Data_Kit.py": DOC, "packages/data_kit.py": DOC},
            "same distribution name 'data-kit'",
            "data_kit.py",
        ),
        ({"packages/kit/helpers.py": DOC}, "no __init__.py", "kit"),
        ({"packages/a.py": DOC, "packages/test_b.py": ""}, "'b' that does not exist", "test_b.py"),
    ],
)
def test_bad_layouts_name_the_file_and_fix(make_repo, files, message, where) -> None:
    root = make_repo(files)
    with pytest.raises(PackageError) as info:
        discover(load_config(root))
    error = info.value
    assert message in error.message
    assert error.path is not None and error.path.name == Path(where).name
    assert error.hint


def test_empty_and_missing_packages_folder(make_repo) -> None:
    root = make_repo()
    with pytest.raises(PackageError, match="no packages found") as info:
        discover(load_config(root))
    assert "packages/my_tool.py" in (info.value.hint or "")
    (root / "packages").rmdir()
    with pytest.raises(PackageError, match="does not exist"):
        discover(load_config(root))


def test_unknown_name_lists_the_packages_and_suggests(make_repo) -> None:
    root = make_repo({"packages/unitconv.py": DOC, "packages/confstack.py": DOC})
    packages = discover(load_config(root))
    assert get_package(packages, "unitconv").name == "unitconv"
    with pytest.raises(PackageError) as info:
        get_package(packages, "unitcon")
    assert "did you mean 'unitconv'" in info.value.hint
    assert "confstack, unitconv" in info.value.hint


def test_distribution_name_finds_the_package(make_repo) -> None:
    root = make_repo({"packages/my_tool.py": DOC})
    assert get_package(discover(load_config(root)), "My-Tool").name == "my_tool"


def test_names() -> None:
    assert distribution_name("my_tool") == "my-tool"
    assert import_name_problem("ok_name") is None
    assert "identifier" in import_name_problem("no.dots")


def test_config_unknown_key_suggests(make_repo) -> None:
    root = make_repo(packyard='index_url = "x"\n')
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert "did you mean 'index-url'" in info.value.hint
    assert info.value.path == root / "pyproject.toml"


def test_config_bad_toml_names_line(make_repo) -> None:
    root = make_repo(packyard="index-url = \n")
    with pytest.raises(ConfigError) as info:
        load_config(root)
    assert info.value.line is not None


def test_repository_opens_from_a_subfolder(make_repo, monkeypatch) -> None:
    root = make_repo({"packages/my_tool.py": DOC})
    monkeypatch.chdir(root / "packages")
    assert Repository.open().config.root == root.resolve()
