"""``import-paa`` on a package-auto-assembler repository with one case of each problem a
real move met (tests/fixtures/paa_repo/): the imported packages pass their test-install in
real venvs, a stale sibling pin installs from a real pypiserver on loopback, and the report
lists what needs a hand fix with ``file:line``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from packyard.building.siblings import check_siblings
from packyard.building.testinstall import build_and_check, test_install
from packyard.cli import main
from packyard.errors import ReleaseError
from packyard.gates import run_gate
from packyard.index.local import LocalIndex
from packyard.paa.importer import import_paa
from packyard.paa.rewrite import RewriteContext, rewrite_test_file
from packyard.package.testfiles import collected_test_files
from packyard.repo import Repository
from tests.conftest import RepoFactory, init_repo, write_files

FIXTURE = Path(__file__).parent / "fixtures" / "paa_repo"


def destination(make_repo: RepoFactory, index_url: str) -> Path:
    """A packaging repository whose root [tool.ruff] selects every rule: it is for the
    repository's own tooling and must not apply to packages/."""
    root = make_repo({"packages/existing.py": '"""Already here."""\n'})
    (root / "pyproject.toml").write_text(
        '[project]\nname = "dest"\nversion = "0"\n\n[tool.ruff.lint]\nselect = ["ALL"]\n\n'
        f'[tool.packyard]\nindex-url = "{index_url}"\n'
    )
    init_repo(root)
    return root


def section(out: str, name: str) -> str:
    """The report's section of one package."""
    return out.split(f"\n{name}: ", 1)[1].split("\n\n", 1)[0]


@pytest.mark.slow
def test_a_paa_repository_moves_over_and_its_packages_pass(
    make_repo: RepoFactory,
    local_index: LocalIndex,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = destination(make_repo, local_index.simple_url)
    monkeypatch.chdir(root)
    assert main(["import-paa", str(FIXTURE), "--index-url", local_index.simple_url]) == 0
    out = capsys.readouterr().out
    db, cli = section(out, "store_db"), section(out, "store_cli")

    # 3. Tests rewritten; what is not rewritable is listed as file:line.
    assert (
        "needs a hand fix (1):\n    packages/store_db/tests/test_store_db.py:35: 'mcp/store_db.py'"
        in db
    )
    assert "packages/store_cli/tests/test_store_cli.py:26: 'README.md' is a path" in cli
    tests = (root / "packages/store_cli/tests/test_store_cli.py").read_text()
    assert "import store_cli.cli\n" in tests
    assert "from store_cli.cli import cli as run\n" in tests
    assert 'monkeypatch.setattr("store_cli.store_cli.GREETING", "kept")' in tests
    assert 'monkeypatch.setattr("store_cli.cli.GREETING", "kept")' in tests
    assert "python_modules" not in tests
    db_tests = (root / "packages/store_db/tests/test_store_db.py").read_text()
    assert 'patch("store_db.store_db.PREFIX", "mock")' in db_tests
    assert 'Path("./tests/other/sample_module.py")' in db_tests
    # ... and the input file the tests read is left as it was.
    sample = root / "packages/store_db/tests/other/sample_module.py"
    assert sample.read_bytes() == (FIXTURE / "tests/store_db/other/sample_module.py").read_bytes()

    # 2. The stale sibling pin is listed.
    assert "stale pin: store-db==0.1.1 (packages/store_cli/pyproject.toml) excludes " in cli
    assert "store-db 0.3.0 here" in cli

    # 5. mcp_server keeps its name; 6. linked image, requires-python, what is left.
    assert (root / "packages/store_db/mcp_server.py").is_file()
    assert "store_db/mcp_server.py added" in db
    logo = root / "packages/store_db/docs/store_db-logo.png"
    assert logo.read_bytes() == (FIXTURE / ".paa/docs/store_db-logo.png").read_bytes()
    assert "NOT CARRIED: .paa/docs/store_db.md" in db
    assert "NOT CARRIED: .paa/history/store_db" in db
    repo = Repository.open(root)
    assert repo.project_table("store_db")["requires-python"] == ">=3.8"

    # 8. One requirement, one specifier: the optional import keeps its pin everywhere.
    extras = repo.project_table("store_cli")["optional-dependencies"]
    assert extras["optional"] == extras["all"] == extras["pyyaml"] == ["PyYAML>=5.1"]

    # 9. The findings under the packages' settings (the root [tool.ruff] selects ALL),
    # notebooks included: the same the gate finds.
    for name, text in (("store_db", db), ("store_cli", cli)):
        gate = run_gate(repo, name, "lint")
        assert f"fails the lint gate ({len(gate.problems)} finding(s))" in text
        assert all(f"  lint: {p}" in text for p in gate.problems)
    assert any(".ipynb" in p for p in run_gate(repo, "store_cli", "lint").problems)

    # 1. The root is found the same from inside a package folder (whose pyproject.toml
    # holds [tool.packyard.import-map]), and from the root.
    assert "[tool.packyard.import-map]" in (root / "packages/store_cli/pyproject.toml").read_text()
    for where in (root, root / "packages/store_cli", root / "packages/store_db/tests"):
        monkeypatch.chdir(where)
        assert main(["requirements", "packages/store_cli"]) == 0
        assert capsys.readouterr().out.splitlines() == [
            "store-db==0.1.1",
            'PyYAML>=5.1; extra == "optional"',
        ]
        assert main(["list"]) == 0
        assert "store_db" in capsys.readouterr().out
    monkeypatch.chdir(root / "packages/store_cli")
    assert main(["requirements", "."]) == 0
    assert "store-db==0.1.1" in capsys.readouterr().out
    monkeypatch.chdir(root)

    # 7. Test requirements: the tests' conftest needs PyYAML; the input file's imports
    # (tensorflow, scikit-learn, google-cloud) are not requirements.
    assert [r.key for r in repo.test_inference("store_db").requirements] == ["pytest", "pyyaml"]

    # The stale pin installs as pinned from the index: put store-db 0.1.1 there.
    _, artifacts, _ = build_and_check(
        repo.resolve("store_db", version="0.1.1"), progress=lambda _: None
    )
    shutil.copy2(artifacts.wheel, local_index.directory / artifacts.wheel.name)
    for name in ("store_db", "store_cli"):
        lines: list[str] = []
        report = test_install(Repository.open(root).resolve(name), progress=lines.append)
        assert report.tests_run
        if name == "store_cli":
            [warning] = report.warnings
            assert warning.startswith("store_cli pins its sibling store-db==0.1.1, which ")
            assert "excludes the repository's store-db 0.3.0" in warning
            assert "update the pin in packages/store_cli/pyproject.toml" in warning
            assert f"warning: {warning}" in lines
        else:
            assert report.warnings == []


def test_a_release_with_a_stale_pin_checks_the_pinned_version_on_the_index() -> None:
    needs = [Requirement("store-db==0.1.1")]
    on_index = {"store-db": [Version("0.3.1")]}
    with pytest.raises(ReleaseError) as info:
        check_siblings(
            "store-cli",
            needs,
            lambda name: on_index.get(name, []),
            where="http://127.0.0.1:1/simple",
            repository="local",
            repo_versions={"store-db": Version("0.3.0")},
        )
    message = info.value.message
    assert "pins its sibling store-db==0.1.1, which excludes the repository's store-db " in message
    assert "(it has: 0.3.1)" in message
    assert "release store-db to" not in (info.value.hint or "")
    assert "publish the pinned store-db version to 'local'" in (info.value.hint or "")
    on_index["store-db"].append(Version("0.1.1"))
    check_siblings(
        "store-cli",
        needs,
        lambda name: on_index.get(name, []),
        where="X",
        repository="local",
        repo_versions={"store-db": Version("0.3.0")},
    )


def test_outside_any_repository_commands_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["list"]) == 1
    assert "not inside a packaging repository" in capsys.readouterr().err
    assert main(["requirements", "packages/nope"]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_test_requirements_come_from_what_pytest_runs(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    root = make_repo(
        {
            "packages/kit/__init__.py": '"""Kit."""\n',
            "packages/kit/tests/test_kit.py": "import support.helpers\n",
            "packages/kit/tests/support/__init__.py": "",
            "packages/kit/tests/support/helpers.py": "from . import deeper\n",
            "packages/kit/tests/support/deeper.py": "import yaml\n",
            "packages/kit/tests/checks_test.py": "import click\n",
            "packages/kit/tests/conftest.py": "import httpx\n",
            "packages/kit/tests/data/sample.py": "import tensorflow\n",
            "packages/lone.py": '"""Lone."""\n',
            "packages/test_lone.py": "import click\n",
        }
    )
    repo = Repository.open(root)
    assert [r.key for r in repo.test_inference("kit").requirements] == [
        "click",
        "httpx",
        "pyyaml",
    ]
    tests = root / "packages/kit/tests"
    assert [p.relative_to(tests).as_posix() for p in collected_test_files([tests])] == [
        "checks_test.py",
        "conftest.py",
        "support/__init__.py",
        "support/deeper.py",
        "support/helpers.py",
        "test_kit.py",
    ]
    assert [r.key for r in repo.test_inference("lone").requirements] == ["click"]


def test_pins_hold_in_every_extra_and_fastmcp_pins_the_sdk(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    paa = tmp_path / "paa"
    write_files(
        paa,
        {
            ".paa.config": "module_dir: ./python_modules\n",
            "python_modules/opt.py": (
                '"""Opt."""\n'
                "#! import somelib #==0.8.0\n"
                "#! import otherlib #>=3.11.2\n"
                "try:\n    import somelib\n    import otherlib\n"
                "except ImportError:\n    somelib = otherlib = None\n"
            ),
            "mcp/opt.py": ("from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP('opt')\n"),
        },
    )
    root = destination(make_repo, "https://pypi.org/simple")
    report = import_paa(Repository.open(root), paa, progress=lambda _: None)
    table = Repository.open(root).project_table("opt")
    extras = table["optional-dependencies"]
    assert extras["optional"] == ["otherlib>=3.11.2", "somelib==0.8.0"]
    assert extras["all"] == ["somelib==0.8.0", "otherlib>=3.11.2"]
    assert extras["somelib"] == ["somelib==0.8.0"]
    assert extras["otherlib"] == ["otherlib>=3.11.2"]
    assert extras["mcp"] == ["mcp<2"]
    assert "the extra mcp requires mcp<2" in report.render()


def test_rewrite_lists_what_it_cannot_map() -> None:
    context = RewriteContext(
        "box",
        frozenset({"box"}),
        frozenset(),
        "components",
        frozenset({"python_modules", "README.md", "tests", "artifacts"}),
        frozenset({"tests", "artifacts"}),
        "tests/box",
    )
    text = (
        "from python_modules.gone import x\n"
        "from cli import box\n"
        'DATA = "artifacts/banner.txt"\n'
        'OLD = "artifacts/box/banner.txt"\n'
        'DOC = """README.md"""\n'
        "import cli.box\n"
    )
    result = rewrite_test_file(text, context)
    assert result.text == text  # box has no CLI in paa: cli.box is left alone
    assert result.hand_fix == [
        "1: python_modules.gone: no such module in the package",
        "2: from cli import ...: import NAME.cli of the package instead",
        "4: 'artifacts/box/banner.txt' is a path relative to the old repository root",
    ]


def test_a_dry_run_into_an_empty_repository_lists_the_stale_pin(make_repo: RepoFactory) -> None:
    root = make_repo()
    report = import_paa(Repository.open(root), FIXTURE, dry_run=True, progress=lambda _: None)
    [cli] = [item for item in report.packages if item.name == "store_cli"]
    [pin] = cli.stale_pins
    assert pin.startswith("store-db==0.1.1 (packages/store_cli/pyproject.toml) excludes ")
    assert "STALE SIBLING PIN(S) (1)" in report.render()
    assert not (root / "packages" / "store_cli").exists()
