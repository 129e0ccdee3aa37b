"""PEP 723 blocks, docstrings, partial pyproject files and the generated [project] table."""

from __future__ import annotations

import pytest

from packyard.errors import ConfigError, PackageError
from packyard.package.pep723 import read_script_metadata
from packyard.repo import Repository

SCRIPT = '''\
"""Merge layered configuration.

Longer text.
"""
# /// script
# requires-python = ">=3.11"
# dependencies = ["PyYAML>=6.0"]
# [tool.packyard]
# license = "MIT"
# keywords = ["config"]
# authors = [{ name = "Ada" }]
# [tool.packyard.import-map]
# "special" = "special-dist"
# ///
import yaml
import special
'''


def test_pep723_block_is_read() -> None:
    meta = read_script_metadata(SCRIPT, "x.py")
    assert meta.requires_python == ">=3.11"
    assert meta.dependencies == ["PyYAML>=6.0"]
    assert meta.tool["packyard"]["license"] == "MIT"
    assert meta.line == 5


def test_no_block() -> None:
    assert read_script_metadata('"""Doc."""\n', "x.py").line == 0


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# /// script\n# dependencies = []\n", 1, "never closed"),
        ("# /// script\n# dependencies = [\n# ///\n", 2, "invalid TOML"),
        ("# /// script\nimport os\n# ///\n", 2, "not closed before"),
        ("# /// script\n#dependencies = []\n# ///\n", 2, "must be '#' or start with '# '"),
        ("# /// script\n# ///\n# /// script\n# ///\n", 3, "second"),
        ("# /// script\n# dependencies = 'x'\n# ///\n", 1, "list of PEP 508"),
        ("# /// script\n# name = 'x'\n# ///\n", 1, "unknown key 'name'"),
    ],
)
def test_malformed_pep723_names_line(text, line, message) -> None:
    with pytest.raises(ConfigError) as info:
        read_script_metadata(text, "pkg.py")
    assert message in info.value.message
    assert info.value.line == line
    assert str(info.value.path) == "pkg.py"


def test_project_table_from_single_file(make_repo) -> None:
    root = make_repo(
        {"packages/confmerge.py": SCRIPT},
        packyard='[tool.packyard.defaults]\nlicense = "Apache-2.0"\nkeywords = ["x"]\n',
    )
    repo = Repository.open(root)
    table = repo.project_table("confmerge")
    assert table["name"] == "confmerge"
    assert table["version"] == "0.0.0"
    assert table["description"] == "Merge layered configuration."
    assert table["requires-python"] == ">=3.11"
    assert table["license"] == "MIT"  # the package beats the repository default
    assert table["keywords"] == ["config"]
    assert table["dependencies"] == ["PyYAML>=6.0", "special-dist"]
    source = repo.source("confmerge")
    assert "Longer text." in source.description


def test_folder_partial_pyproject_wins(make_repo) -> None:
    root = make_repo(
        {
            "packages/kit/__init__.py": '"""Kit summary."""\nimport requests\n',
            "packages/kit/cli.py": "def main():\n    return 0\n",
            "packages/kit/README.md": "# Kit\n\nReadme text.\n",
            "packages/kit/pyproject.toml": """
                [project]
                description = "Explicit summary"
                dependencies = ["requests>=2.30"]
                classifiers = ["Topic :: Utilities"]
                [project.scripts]
                kit-extra = "kit.cli:main"
            """,
        }
    )
    repo = Repository.open(root)
    table = repo.project_table("kit")
    assert table["description"] == "Explicit summary"
    assert table["dependencies"] == ["requests>=2.30"]
    assert table["scripts"] == {"kit-extra": "kit.cli:main", "kit": "kit.cli:main"}
    assert repo.source("kit").description.startswith("# Kit")


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ('[project]\nname = "other"\n', "set by packyard"),
        ('[project]\nversion = "one"\n', "not a PEP 440 version"),
        ('[project]\ndescriptoin = "x"\n', "did you mean 'description'"),
        ("[project\n", "invalid TOML"),
    ],
)
def test_folder_pyproject_errors(make_repo, pyproject, message) -> None:
    root = make_repo(
        {"packages/kit/__init__.py": '"""Kit."""\n', "packages/kit/pyproject.toml": pyproject}
    )
    with pytest.raises(ConfigError) as info:
        Repository.open(root).source("kit")
    assert message in info.value.render()
    assert info.value.path.name == "pyproject.toml"


def test_missing_docstring_and_syntax_error(make_repo) -> None:
    root = make_repo({"packages/nodoc.py": "x = 1\n", "packages/broken.py": '"""D."""\ndef f(:\n'})
    repo = Repository.open(root)
    with pytest.raises(PackageError, match="no docstring"):
        repo.source("nodoc")
    with pytest.raises(PackageError) as info:
        repo.source("broken")
    assert info.value.line == 2 and "syntax error" in info.value.message


def test_unreadable_file(make_repo) -> None:
    root = make_repo({"packages/latin.py": ""})
    (root / "packages" / "latin.py").write_bytes(b'"""Caf\xe9."""\n')
    with pytest.raises(PackageError, match="not valid UTF-8"):
        Repository.open(root).source("latin")
