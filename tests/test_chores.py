"""Chores end to end in temporary repositories: ``new`` (scaffolds that pass their own
test-install in a real venv), ``rename`` and ``remove`` (real git: staged renames and
deletions, history kept or purged), ``list --json``."""

from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import pytest
import tomli_w

from packyard import tomlcompat
from packyard.building.testinstall import build_and_check, test_install
from packyard.chores.listing import list_packages
from packyard.chores.references import rewrite_notebook, rewrite_references, rewrite_words
from packyard.chores.remove import remove_package
from packyard.chores.rename import rename_package
from packyard.chores.scaffold import new_package
from packyard.cli import main
from packyard.errors import PackageError
from packyard.gates import run_gate
from packyard.index.local import LocalIndex
from packyard.release.readme_table import END, START, update_readme
from packyard.repo import Repository
from packyard.versions.tracking import read_tracking, record_release, tracking_file
from tests.conftest import ROOT, RepoFactory, git, init_repo

ALPHA = '"""Alpha: says hello.\n\n>>> alpha.hello()\n\'hi\'\n"""\n\nimport alpha\n\n\ndef hello():\n    return "hi"\n'
TEST_ALPHA = "import alpha\nfrom alpha import hello\n\n\ndef test_hello():\n    assert alpha.hello() == hello() == 'hi'\n"
BETA_INIT = '"""Beta: uses alpha."""\n\nfrom alpha import hello\n\n__all__ = ["hello"]\n'
README = f"# demo\n\n{START}\n{END}\n"


def staged(root: Path) -> list[str]:
    """What the index holds: ``git status --porcelain`` lines whose first column is set,
    as ``"X path"`` (the work-tree column dropped)."""
    return sorted(
        f"{line[0]} {line[3:]}"
        for line in git(root, "status", "--porcelain").splitlines()
        if line[0] not in " ?"
    )


def released(root: Path, name: str, version: str = "1.2.0") -> Path:
    return record_release(
        root / ".packyard",
        name,
        {"version": version, "date": "2025-01-01T00:00:00+00:00", "notes": [], "files": []},
    )


def run_cli(root: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.chdir(root)
    return main(list(argv))


def tree(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if ".git" not in p.parts and "__pycache__" not in p.parts
    )


# --- new ------------------------------------------------------------------------------


@pytest.mark.slow
def test_new_module_package_passes_its_own_test_install(
    make_repo: RepoFactory,
    local_index: LocalIndex,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_repo(packyard=f'index-url = "{local_index.simple_url}"\n')
    assert run_cli(root, monkeypatch, "new", "greeter", "--summary", "Greets people.") == 0
    assert "created packages/greeter.py" in capsys.readouterr().out
    assert (root / "packages" / "test_greeter.py").is_file()
    text = (root / "packages" / "greeter.py").read_text()
    assert text.startswith("# /// script\n") and '"""Greets people.' in text

    repo = Repository.open(root)
    assert repo.source("greeter").summary == "Greets people."
    report = test_install(repo.resolve("greeter"), progress=lambda line: None)
    assert report.tests_run
    assert [name for name, _ in report.steps][-2:] == ["tests", "check"]  # twine last


@pytest.mark.slow
def test_new_folder_package_with_cli_passes_its_own_test_install(
    make_repo: RepoFactory, local_index: LocalIndex
) -> None:
    root = make_repo(packyard=f'index-url = "{local_index.simple_url}"\n')
    repo = Repository.open(root)
    made = new_package(repo, "hello_cli", cli=True)
    assert made.form == "folder"
    names = [p.relative_to(root / "packages" / "hello_cli").as_posix() for p in made.files]
    assert names == [
        "README.md",
        "__init__.py",
        "cli.py",
        "pyproject.toml",
        "tests/test_cli.py",
        "tests/test_greet.py",
    ]
    report = test_install(Repository.open(root).resolve("hello_cli"), progress=lambda line: None)
    steps = [name for name, _ in report.steps]
    assert "cli" in steps and report.tests_run  # hello_cli --help ran, and the tests
    assert "hello_cli/cli.py" in report.wheel_files


@pytest.mark.slow
def test_new_api_package_passes_its_own_test_install(
    make_repo: RepoFactory, local_index: LocalIndex
) -> None:
    # The extra "api" (FastAPI) and the test dependency httpx (FastAPI's TestClient needs
    # it) install from the local index: tests/wheelhouse.txt lists both.
    root = make_repo(packyard=f'index-url = "{local_index.simple_url}"\n')
    new_package(Repository.open(root), "greet_api", api=True)
    repo = Repository.open(root)
    assert repo.source("greet_api").test_dependencies == ["httpx"]
    assert "httpx" in [r.key for r in repo.test_inference("greet_api").required]
    report = test_install(repo.resolve("greet_api"), progress=lambda line: None)
    assert report.tests_run
    assert "greet_api/routes.py" in report.wheel_files
    # The route test is not skipped when a dependency is missing: it imports them plainly.
    test = (root / "packages" / "greet_api" / "tests" / "test_routes.py").read_text()
    assert "importorskip" not in test and "from fastapi.testclient import TestClient" in test


@pytest.mark.slow
def test_new_api_and_app_scaffold_builds_with_routes_and_app(make_repo: RepoFactory) -> None:
    # Streamlit (the extra "app") is ~100 MB of wheels: the --app scaffold is built and
    # checked here, its test-install is left to a machine that has Streamlit's index.
    root = make_repo()
    made = new_package(Repository.open(root), "webby", api=True, app=True)
    folder = root / "packages" / "webby"
    routes = ast.parse((folder / "routes.py").read_text())
    assigned = [
        t.id
        for n in routes.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if hasattr(t, "id")
    ]
    assert assigned == ["router"]
    assert (folder / "app.py").is_file() and folder / "tests" / "test_routes.py" in made.files
    _, artifacts, files = build_and_check(
        Repository.open(root).resolve("webby"), progress=lambda _: None
    )
    assert {"webby/routes.py", "webby/app.py", "webby/__init__.py"} <= set(files)
    with zipfile.ZipFile(artifacts.wheel) as wheel:
        assert not any("/tests/" in name for name in wheel.namelist())


def test_scaffolds_pass_the_lint_gate_with_this_repositorys_ruff_settings(
    make_repo: RepoFactory,
) -> None:
    root = make_repo()
    settings = tomlcompat.load(ROOT / "pyproject.toml")["tool"]["ruff"]
    (root / "ruff.toml").write_text(tomli_w.dumps(settings))  # isort, pyupgrade, bugbear...
    new_package(Repository.open(root), "every_part", cli=True, api=True, app=True)
    new_package(Repository.open(root), "one_file")
    for name in ("every_part", "one_file"):
        report = run_gate(Repository.open(root), name, "lint")
        assert report.ok, report.problems
    (root / "packages" / "one_file.py").write_text('"""One file."""\n\nimport os\n')
    assert not run_gate(Repository.open(root), "one_file", "lint").ok  # the gate does look


@pytest.mark.parametrize(
    ("name", "message", "hint"),
    [
        ("1tool", "not a valid Python identifier", "e.g. 'tool'"),
        ("my-tool", "not a valid Python identifier", "e.g. 'my_tool'"),
        ("class", "keyword", "e.g. 'class_tool'"),
        ("match", "keyword", "e.g. 'match_tool'"),  # a soft keyword
        ("json", "standard-library module", "e.g. 'json_tool'"),
        ("test_things", "may not start with 'test_'", "e.g. 'things_tool'"),
        ("alpha", "is taken", "rename or remove that package"),
        ("Alpha", "is taken", "rename or remove that package"),  # same distribution name
    ],
)
def test_new_refuses_invalid_and_taken_names(
    make_repo: RepoFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    message: str,
    hint: str,
) -> None:
    root = make_repo({"packages/alpha.py": ALPHA})
    before = tree(root)
    assert run_cli(root, monkeypatch, "new", name, "--folder") == 1
    err = capsys.readouterr().err
    assert message in err and hint in err
    assert tree(root) == before  # nothing written
    suggested = hint.split("'")[1] if hint.startswith("e.g.") else None
    if suggested:  # the suggestion is a name `invoke new` accepts
        new_package(Repository.open(root), suggested)
        assert (root / "packages" / f"{suggested}.py").is_file()


def test_new_under_a_removed_released_name_continues_its_history(make_repo: RepoFactory) -> None:
    root = make_repo({"README.md": README})
    released(root, "phoenix", "2.0.1")
    made = new_package(Repository.open(root), "phoenix")
    assert any("2.0.1" in note for note in made.notes)
    assert Repository.open(root).version("phoenix") == "2.0.1"
    assert "README.md package table updated" in made.notes
    assert "[`phoenix`](packages/phoenix.py) | 2.0.1" in (root / "README.md").read_text()


# --- rename ---------------------------------------------------------------------------


def test_rename_in_git_moves_every_file_and_rewrites_references(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "packages/alpha.py": ALPHA,
            "packages/test_alpha.py": TEST_ALPHA,
            "packages/beta/__init__.py": BETA_INIT,
            "README.md": README,
        }
    )
    released(root, "alpha")
    (root / "build" / "alpha").mkdir(parents=True)
    (root / "build" / "alpha" / "stale.txt").write_text("old build")
    init_repo(root)

    assert run_cli(root, monkeypatch, "rename", "alpha", "gamma") == 0
    out = capsys.readouterr().out
    packages = root / "packages"
    assert not (packages / "alpha.py").exists() and not (packages / "test_alpha.py").exists()
    assert staged(root) == [
        "R .packyard/releases/alpha.json -> .packyard/releases/gamma.json",
        "R packages/alpha.py -> packages/gamma.py",
        "R packages/test_alpha.py -> packages/test_gamma.py",
    ]
    assert (packages / "test_gamma.py").read_text() == TEST_ALPHA.replace("alpha", "gamma")
    assert ">>> gamma.hello()" in (packages / "gamma.py").read_text()
    assert read_tracking(root / ".packyard", "gamma")["package"] == "gamma"
    assert not tracking_file(root / ".packyard", "alpha").exists()
    assert not (root / "build" / "alpha").exists()
    assert "package 'beta' imports 'alpha'" in out
    readme = (root / "README.md").read_text()
    assert "[`gamma`](packages/gamma.py) | 1.2.0" in readme and "`alpha`" not in readme
    assert Repository.open(root).version("gamma") == "1.2.0"
    # The other package's import is left for the user (reported above).
    assert (packages / "beta" / "__init__.py").read_text() == BETA_INIT


@pytest.mark.slow
def test_renamed_folder_package_outside_git_still_passes_its_test_install(
    make_repo: RepoFactory, local_index: LocalIndex
) -> None:
    root = make_repo(packyard=f'index-url = "{local_index.simple_url}"\n')
    new_package(Repository.open(root), "old_name", cli=True)
    folder = root / "packages" / "old_name"
    (folder / "artifacts").mkdir()
    (folder / "artifacts" / "words.txt").write_text("hello\n")
    (folder / "data.py").write_text(
        '"""Shipped data."""\n\nfrom importlib.resources import files\n\nimport old_name\n\n\n'
        'def words() -> str:\n    return files("old_name").joinpath("artifacts/words.txt")'
        ".read_text() + old_name.greet()\n"
    )
    (folder / "tests" / "test_data.py").write_text(
        "from old_name.data import words\n\n\ndef test_words():\n"
        "    assert words() == 'hello\\nHello, world!'\n"
    )

    report = rename_package(Repository.open(root), "old_name", "new_name", progress=lambda _: None)
    assert not report.git and not folder.exists()
    new = root / "packages" / "new_name"
    assert 'files("new_name")' in (new / "data.py").read_text()
    assert new / "cli.py" in report.rewritten and new / "tests" / "test_data.py" in report.rewritten
    result = test_install(Repository.open(root).resolve("new_name"), progress=lambda _: None)
    assert result.tests_run and "cli" in [name for name, _ in result.steps]


@pytest.mark.slow
def test_renamed_example_unitconv_passes_its_test_install_and_lists_what_is_left(
    examples_repo: Path,
) -> None:
    root = examples_repo
    init_repo(root)
    notebook = root / "packages" / "unitconv" / "docs" / "examples.ipynb"
    cells_before = json.loads(notebook.read_text())["cells"]

    report = rename_package(Repository.open(root), "unitconv", "metric_conv", progress=print)
    folder = root / "packages" / "metric_conv"
    # Notebook: code cells rewritten (JSON-aware), Markdown cells left as they were.
    cells = json.loads((folder / "docs" / "examples.ipynb").read_text())["cells"]
    assert len(cells) == len(cells_before)
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert code[0].startswith("from metric_conv import Quantity, convert\n")
    assert not any("unitconv" in c for c in code)
    assert [c["source"] for c in cells if c["cell_type"] == "markdown"] == [
        c["source"] for c in cells_before if c["cell_type"] == "markdown"
    ]
    assert folder / "docs" / "examples.ipynb" in report.rewritten
    # The tests' expectations about the command name follow the rename.
    cli_test = (folder / "tests" / "test_unitconv_cli.py").read_text()
    assert '"usage: metric_conv"' in cli_test and "unitconv" not in cli_test
    # What is left is listed as file:line: prose in the package, the sibling that imports it.
    assert "packages/metric_conv/README.md:1: # unitconv" in report.notes
    assert any(
        n.endswith("mention(s) of 'unitconv' left (prose, messages, other files): check them")
        for n in report.notes
    )
    mentioned = {(p.relative_to(root).as_posix(), text) for p, _, text in report.mentions}
    assert ("packages/tripcost.py", "from unitconv import Quantity, UnitError") in mentioned
    assert (
        "packages/metric_conv/cli.py",
        'print(f"unitconv: error: {exc}", file=sys.stderr)',
    ) in mentioned
    assert not any(path.startswith(".packyard/") for path, _ in mentioned)

    result = test_install(Repository.open(root).resolve("metric_conv"), progress=lambda _: None)
    assert result.tests_run and "cli" in [name for name, _ in result.steps]


def test_rename_refuses_a_taken_or_invalid_name_and_moves_nothing(
    make_repo: RepoFactory,
) -> None:
    root = make_repo({"packages/alpha.py": ALPHA, "packages/beta/__init__.py": BETA_INIT})
    before = tree(root)
    repo = Repository.open(root)
    with pytest.raises(PackageError, match="'beta' is taken"):
        rename_package(repo, "alpha", "beta")
    with pytest.raises(PackageError, match="not a valid Python identifier"):
        rename_package(repo, "alpha", "9lives")
    with pytest.raises(PackageError, match="no package named 'omega'"):
        rename_package(repo, "omega", "delta")
    assert tree(root) == before


def test_rewrite_references_leaves_other_names_alone() -> None:
    text = "import alpha as a\nfrom alpha.core import x\nalphabet = 1\nself.alpha.x\n'alpha-x'\n"
    assert rewrite_references(text, "alpha", "omega") == (
        "import omega as a\nfrom omega.core import x\nalphabet = 1\nself.alpha.x\n'alpha-x'\n"
    )
    # In tests every whole word: command names in expected output, too.
    assert rewrite_words(text + 'assert "usage: alpha" in err\n', "alpha", "omega") == (
        "import omega as a\nfrom omega.core import x\nalphabet = 1\nself.alpha.x\n'omega-x'\n"
        'assert "usage: omega" in err\n'
    )


def test_rewrite_notebook_keeps_its_layout_and_refuses_what_is_not_one() -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["Use `alpha`: ünïcode\n"]},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["alpha\n"]}],
            "source": ["import alpha\n", "alpha.hello()"],
        },
    ]
    text = json.dumps({"cells": cells, "nbformat": 4}, indent=1, ensure_ascii=False) + "\n"
    updated = rewrite_notebook(text, "alpha", "omega")
    assert updated == text.replace('"import alpha', '"import omega').replace(
        '"alpha.hello', '"omega.hello'
    )
    assert rewrite_notebook(updated, "alpha", "omega") == updated  # nothing left to change
    with pytest.raises(ValueError, match="not valid JSON"):
        rewrite_notebook("{oops", "alpha", "omega")
    with pytest.raises(ValueError, match="not a Jupyter notebook"):
        rewrite_notebook("[]", "alpha", "omega")


# --- remove ---------------------------------------------------------------------------


def test_remove_keeps_release_history_unless_purged(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "packages/alpha.py": ALPHA,
            "packages/test_alpha.py": TEST_ALPHA,
            "packages/solo/__init__.py": '"""Solo."""\n',
            "packages/solo/tests/test_solo.py": "import solo\n\ndef test_doc():\n    assert solo.__doc__\n",
            "packages/solo/docs/index.md": "# Solo\n",
            "README.md": README,
        }
    )
    released(root, "alpha", "0.3.0")
    released(root, "solo", "1.0.0")
    init_repo(root)
    git(root, "tag", "-a", "alpha-v0.3.0", "-m", "alpha 0.3.0")

    assert run_cli(root, monkeypatch, "remove", "alpha") == 0
    out = capsys.readouterr().out
    # The README's table change is staged with the deletions: one commit holds both.
    assert staged(root) == ["D packages/alpha.py", "D packages/test_alpha.py", "M README.md"]
    assert git(root, "diff", "--name-only") == ""
    assert tracking_file(root / ".packyard", "alpha").is_file()
    assert "release history kept" in out and "0.3.0" in out and "alpha-v0.3.0" in out
    assert "`alpha`" not in (root / "README.md").read_text()

    git(root, "commit", "-q", "-am", "remove alpha")
    assert run_cli(root, monkeypatch, "remove", "solo", "--purge") == 0
    assert staged(root) == [
        "D .packyard/releases/solo.json",
        "D packages/solo/__init__.py",
        "D packages/solo/docs/index.md",
        "D packages/solo/tests/test_solo.py",
    ]
    assert not (root / "packages" / "solo").exists()
    assert not tracking_file(root / ".packyard", "solo").exists()
    assert not list((root / ".packyard").glob(".remove-*"))  # the trash is gone


def test_remove_leaves_a_readme_with_changes_of_its_own_unstaged(make_repo: RepoFactory) -> None:
    root = make_repo({"packages/alpha.py": ALPHA, "packages/omega.py": '"""Omega."""\n'})
    (root / "README.md").write_text(README)
    update_readme(Repository.open(root))
    init_repo(root)
    with (root / "README.md").open("a") as stream:
        stream.write("\nA paragraph being written.\n")
    report = remove_package(Repository.open(root), "alpha", progress=lambda _: None)
    assert staged(root) == ["D packages/alpha.py"]
    assert "README.md had changes of its own: its updated package table is not staged" in (
        report.notes
    )
    readme = (root / "README.md").read_text()
    assert "`alpha`" not in readme and "A paragraph being written." in readme


def test_remove_refuses_a_package_others_import_or_with_uncommitted_changes(
    make_repo: RepoFactory,
) -> None:
    root = make_repo({"packages/alpha.py": ALPHA, "packages/beta/__init__.py": BETA_INIT})
    init_repo(root)
    repo = Repository.open(root)
    with pytest.raises(PackageError, match="'beta' imports 'alpha'"):
        remove_package(repo, "alpha")
    (root / "packages" / "beta" / "extra.py").write_text("X = 1\n")
    with pytest.raises(PackageError, match=r"uncommitted changes: packages/beta/extra\.py"):
        remove_package(repo, "beta")
    assert (root / "packages" / "alpha.py").is_file() and (root / "packages" / "beta").is_dir()

    report = remove_package(repo, "alpha", force=True, progress=lambda _: None)
    assert "package 'beta' still imports 'alpha'" in report.notes
    assert not (root / "packages" / "alpha.py").exists()


# --- list -----------------------------------------------------------------------------


def test_list_json_gives_form_version_last_release_summary_and_requirements(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "packages/alpha.py": ALPHA,
            "packages/beta/__init__.py": BETA_INIT + "\nimport yaml  # noqa: E402\n",
        }
    )
    released(root, "beta", "0.4.2")
    assert run_cli(root, monkeypatch, "list", "--json") == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["alpha"]["form"] == "module" and rows["alpha"]["last_release"] is None
    assert rows["alpha"]["version"] == "0.0.0" and rows["alpha"]["requirements"] == []
    beta = rows["beta"]
    assert beta["form"] == "folder" and beta["version"] == "0.4.2"
    assert beta["last_release"]["version"] == "0.4.2"
    assert beta["last_release"]["date"].startswith("2025-01-01")
    assert beta["summary"] == "Beta: uses alpha."
    assert beta["requirements"] == ["alpha", "PyYAML"]
    assert list_packages(Repository.open(root))[1]["path"] == "packages/beta"

    assert run_cli(root, monkeypatch, "list") == 0
    text = capsys.readouterr().out
    assert "beta" in text and "0.4.2" in text and "2025-01-01" in text
    assert "requires: alpha, PyYAML" in text


def test_doctests_of_the_chore_gate_and_import_modules() -> None:
    import doctest

    from packyard.chores import references
    from packyard.gates import license_metadata, license_policy, resolve
    from packyard.paa import leftovers as paa_leftovers
    from packyard.paa import markers as paa_markers
    from packyard.paa import report as paa_report
    from packyard.paa import rewrite as paa_rewrite

    for module in (
        references,
        paa_leftovers,
        paa_report,
        paa_rewrite,
        paa_markers,
        license_metadata,
        license_policy,
        resolve,
    ):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
