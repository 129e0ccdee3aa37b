"""Distribution names against a real index (pypiserver on loopback): guessed names it
lacks, repository packages named like its projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from packyard.building.clashes import check_guessed_names, clash_warning, index_projects
from packyard.building.lock import compile_requirements
from packyard.building.testinstall import test_install
from packyard.chores.scaffold import new_package
from packyard.errors import InferenceError, PackageError
from packyard.index.local import LocalIndex
from packyard.repo import Repository

LEGACY = '''\
"""A module with one import no map knows."""
import sys
import notonthetestindex
import iniconfig

if sys.version_info < (3,):
    import neveronpython3
'''


def _legacy_repo(make_repo, local_index: LocalIndex) -> Path:
    return make_repo(
        {"packages/legacy.py": LEGACY},
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )


def test_a_guessed_name_the_index_lacks_is_an_error_naming_file_and_line(
    make_repo, local_index: LocalIndex
) -> None:
    repo = Repository.open(_legacy_repo(make_repo, local_index))
    requirements = repo.inference("legacy").requirements
    assert {r.key for r in requirements} == {"notonthetestindex", "iniconfig"}
    with pytest.raises(InferenceError) as caught:
        check_guessed_names(requirements, local_index.simple_url)
    text = caught.value.render()
    assert "packages/legacy.py:3" in text and "'notonthetestindex'" in text
    assert "iniconfig" not in str(caught.value)  # the index has it
    assert "# packyard: ignore" in text and "[tool.packyard.import-map]" in text
    # The requirements step says the same, before pip-compile's resolver runs.
    with pytest.raises(InferenceError, match=r"packages/legacy\.py:3"):
        compile_requirements(repo.inference("legacy"), index_url=local_index.simple_url)


def test_test_install_checks_guessed_names_and_prints_the_warnings(
    make_repo, local_index: LocalIndex
) -> None:
    repo = Repository.open(_legacy_repo(make_repo, local_index))
    lines: list[str] = []
    with pytest.raises(InferenceError, match="notonthetestindex"):
        test_install(repo.resolve("legacy"), progress=lines.append)
    warnings = [line for line in lines if line.startswith("warning: ")]
    assert any("packages/legacy.py:3" in w and "not in any import map" in w for w in warnings)
    assert not any(line.startswith("[build]") for line in lines)  # nothing built


def test_index_projects_lists_versions(local_index: LocalIndex) -> None:
    found = index_projects(local_index.simple_url, ["Click", "not-there-at-all"])
    assert found["not-there-at-all"] == []
    assert found["click"] and all(v[0].isdigit() for v in found["click"])


def test_new_package_named_like_an_index_project_gets_a_warning(
    make_repo, local_index: LocalIndex
) -> None:
    root = make_repo(packyard=f'index-url = "{local_index.simple_url}"\n')
    made = new_package(Repository.open(root), "click")
    warning = [n for n in made.notes if "dependency confusion" in n]
    assert len(warning) == 1
    assert "packages/click.py" in warning[0] and "'click'" in warning[0]
    assert local_index.simple_url in warning[0]
    # The test-install says it again, and that nothing the package installs needs it.
    lines: list[str] = []
    test_install(Repository.open(root).resolve("click"), progress=lines.append)
    (warning,) = [line for line in lines if "dependency confusion" in line]
    assert warning.startswith("warning: packages/click.py:")
    assert "none of the requirements of click, its extras and its tests needs it" in warning
    other = new_package(Repository.open(root), "surely_unique_name")
    assert not [n for n in other.notes if "dependency confusion" in n]
    assert clash_warning(local_index.simple_url, "surely-unique-name", "x") is None


def test_a_package_that_would_displace_a_requirement_fails_the_test_install(
    make_repo, local_index: LocalIndex
) -> None:
    # The repository's `idna` while its tests need httpx, which requires the index's idna:
    # installing the repository's wheel would replace it (and force a downgrade).
    root = make_repo(
        {
            "packages/idna.py": '"""Not the IDNA codec."""\n\n\ndef encode(s):\n    return s\n',
            "packages/test_idna.py": (
                "import httpx\n\nimport idna\n\n\ndef test_encode():\n"
                "    assert idna.encode('a') == 'a' and httpx\n"
            ),
        },
        packyard=f'index-url = "{local_index.simple_url}"\n',
    )
    lines: list[str] = []
    with pytest.raises(PackageError) as caught:
        test_install(Repository.open(root).resolve("idna"), progress=lines.append)
    text = caught.value.render()
    assert "packages/idna.py" in text
    assert "'idna'" in text and "httpx" in text and "downgrade" in text
    assert "invoke rename idna" in text
    assert not any(line.startswith("[install]") for line in lines)  # stopped before it
