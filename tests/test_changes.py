"""Change detection against real temporary git repositories: adds, edits, renames,
deletions, sibling dependents, global paths, merges, and the ``invoke changed`` command
as the pipelines run it."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

import pytest

from packyard.ci.changes import ChangeSet, detect_changes, package_of, parse_name_status
from packyard.ci.dependents import reverse_closure
from packyard.ci.gitquery import packages_in_tree
from packyard.ci.since_release import ReleaseCandidates, detect_since_last_release
from packyard.errors import CommandFailed, ConfigError, PackageError
from packyard.proc import run
from packyard.repo import Repository
from packyard.versions.tracking import record_release
from tests.conftest import ROOT, RepoFactory, init_repo, write_files

# a <- b <- c (b imports a, c imports b), d alone, h imports d, e a folder with tests.
PACKAGES = {
    "packages/a.py": '"""Package a."""\n\nVALUE = 1\n',
    "packages/test_a.py": "import a\n\n\ndef test_a():\n    assert a.VALUE == 1\n",
    "packages/b/__init__.py": '"""Package b."""\n\nfrom a import VALUE\n',
    "packages/b/util.py": "import json\n",
    "packages/c.py": '"""Package c."""\n\ndef f():\n    import b\n    return b\n',
    "packages/d.py": '"""Package d."""\n',
    "packages/h.py": '"""Package h."""\n\nimport d\n',
    "packages/e/__init__.py": '"""Package e."""\n',
    "packages/e/tests/test_e.py": "import e\n",
}


def git(root: Path, *args: str) -> str:
    return run(["git", *args], step="test-git", cwd=root)


def commit(root: Path, message: str, files: dict[str, str] | None = None) -> str:
    write_files(root, files or {})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def init(root: Path) -> str:
    (root / ".gitignore").write_text(".packyard/cache/\n")
    return init_repo(root)


@pytest.fixture
def repo(make_repo: RepoFactory) -> Path:
    root = make_repo(PACKAGES)
    (root / "tooling").mkdir()
    (root / "tooling" / "helper.py").write_text("X = 1\n")
    (root / "noxfile.py").write_text("# nox\n")
    init(root)
    return root


def detect(root: Path, base: str, head: str = "HEAD") -> ChangeSet:
    return detect_changes(Repository.open(root), base, head)


def test_edit_marks_the_package_and_its_dependents_transitively(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    commit(repo, "fix(a): more", {"packages/a.py": '"""Package a."""\n\nVALUE = 2\n'})
    changes = detect(repo, base)
    assert changes.changed == ("a",)
    assert changes.dependents == ("b", "c")  # c imports b inside a function
    assert changes.to_test == ["a", "b", "c"]
    assert changes.to_release == ["a"]
    assert changes.deleted == () and changes.global_paths == ()
    assert [(f.status, f.path) for f in changes.files] == [("M", "packages/a.py")]


def test_test_file_and_folder_files_belong_to_their_package(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    commit(
        repo,
        "tests only",
        {
            "packages/test_a.py": "import a\n\n\ndef test_more():\n    pass\n",
            "packages/e/tests/test_e.py": "import e\n# more\n",
            "packages/e/README.md": "# e\n",
        },
    )
    changes = detect(repo, base)
    assert changes.changed == ("a", "e")
    assert changes.to_release == ["a", "e"]


def test_added_package(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    commit(repo, "feat(f): new", {"packages/f.py": '"""New."""\n\nimport c\n'})
    changes = detect(repo, base)
    assert changes.changed == ("f",)
    assert changes.dependents == ()  # nothing imports f
    assert changes.to_release == ["f"]


def test_renamed_package_is_deleted_then_added(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "mv", "packages/d.py", "packages/dee.py")
    commit(repo, "rename d to dee", {"packages/h.py": '"""Package h."""\n\nimport dee\n'})
    changes = detect(repo, base)
    rename = [f for f in changes.files if f.status == "R"]
    assert [(f.old_path, f.path) for f in rename] == [("packages/d.py", "packages/dee.py")]
    assert changes.deleted == ("d",)
    assert changes.changed == ("dee", "h")
    assert "d" not in changes.to_release and "d" not in changes.to_test


def test_renamed_file_inside_a_folder_package(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "mv", "packages/b/util.py", "packages/b/helpers.py")
    commit(repo, "refactor(b): rename a module")
    changes = detect(repo, base)
    assert changes.changed == ("b",)
    assert changes.dependents == ("c",)


def test_deleted_package_is_reported_apart_and_its_importers_are_tested(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "packages/d.py")
    commit(repo, "remove d")
    changes = detect(repo, base)
    assert changes.deleted == ("d",)
    assert changes.changed == ()
    assert changes.to_release == []
    assert changes.dependents == ("h",)  # h still imports d: its tests must show it
    assert changes.to_test == ["h"]
    assert "deleted (not tested, not released): d" in changes.summary()


def test_deleted_folder_package(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "-r", "packages/e")
    commit(repo, "remove e")
    changes = detect(repo, base)
    assert changes.deleted == ("e",)
    assert changes.to_test == [] and changes.to_release == []


@pytest.mark.parametrize(
    "path",
    ["tooling/helper.py", "noxfile.py", "tasks.py", "pyproject.toml", "packages/conftest.py"],
)
def test_global_paths_test_everything_but_release_nothing(repo: Path, path: str) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    target = repo / path
    text = target.read_text() if target.exists() else ""
    commit(repo, f"change {path}", {path: text + "\n# changed\n"})
    changes = detect(repo, base)
    assert changes.global_paths == (path,)
    assert changes.to_test == ["a", "b", "c", "d", "e", "h"]
    assert changes.to_release == []


def test_other_files_change_nothing(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    commit(repo, "docs", {"README.md": "# demo\n", "packages/NOTES.md": "notes\n"})
    changes = detect(repo, base)
    assert changes.to_test == [] and changes.to_release == []
    assert len(changes.files) == 2


def test_pull_request_compares_from_the_merge_base(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, "feat(a): x", {"packages/a.py": '"""Package a."""\n\nVALUE = 3\n'})
    git(repo, "checkout", "-q", "main")
    commit(repo, "fix(d): y", {"packages/d.py": '"""Package d, fixed."""\n'})
    git(repo, "checkout", "-q", "feature")
    # main moved on (d), but the pull request only changed a.
    assert detect(repo, "main").changed == ("a",)
    # Merged into main: the push compares from main before the merge.
    git(repo, "checkout", "-q", "main")
    before = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merged = detect(repo, before)
    assert merged.changed == ("a",)
    assert merged.to_release == ["a"]
    # Over both commits from the start: a and d.
    assert detect(repo, base).changed == ("a", "d")


def test_packyard_root_in_a_subfolder_of_the_git_repository(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    top = tmp_path / "monorepo"
    top.mkdir()
    root = make_repo(PACKAGES)
    shutil.move(root, top / "python")
    init(top)
    base = commit(top, "other", {"web/app.js": "x\n", "tooling/y.py": "# not ours\n"})
    commit(top, "fix(d): x", {"python/packages/d.py": '"""Package d, fixed."""\n'})
    changes = detect(top / "python", base)
    assert changes.changed == ("d",) and changes.dependents == ("h",)
    assert [f.path for f in changes.files] == ["packages/d.py"]  # relative to the root
    changes = detect(top / "python", "HEAD~2")  # top-level tooling/ is not ours
    assert changes.global_paths == () and changes.changed == ("d",)


def test_zero_base_means_every_package(repo: Path) -> None:
    changes = detect(repo, "0" * 40)
    assert changes.changed == ("a", "b", "c", "d", "e", "h")
    assert changes.to_release == list(changes.changed)


def test_unknown_ref_says_how_to_fetch(repo: Path) -> None:
    with pytest.raises(CommandFailed) as error:
        detect(repo, "no-such-branch")
    assert "no-such-branch" in error.value.message
    assert "fetch-depth: 0" in (error.value.hint or "")
    with pytest.raises(PackageError):
        detect(repo, "--output=/tmp/x")


def test_head_other_than_the_checkout_warns(repo: Path, caplog: pytest.LogCaptureFixture) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    head = commit(repo, "fix(a): z", {"packages/a.py": '"""Package a."""\n\nVALUE = 4\n'})
    git(repo, "checkout", "-q", base)
    with caplog.at_level(logging.WARNING, logger="packyard"):
        changes = detect(repo, base, head)
    assert changes.changed == ("a",)
    assert "is not checked out" in caplog.text


def test_unreadable_package_is_tested_rather_than_missed(
    repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # d mentions a, so it may import it; it cannot be parsed: it is tested, not missed.
    commit(repo, "broken d", {"packages/d.py": "import a\ndef broken(:\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    commit(repo, "fix(a): w", {"packages/a.py": '"""Package a."""\n\nVALUE = 5\n'})
    with caplog.at_level(logging.WARNING, logger="packyard"):
        changes = detect(repo, base)
    assert "d" in changes.dependents
    assert "d.py" in caplog.text


def test_sibling_graph_agrees_with_inference(examples_repo: Path) -> None:
    """The bulk scan gives the same siblings as Repository.inference, on the examples."""
    from packyard.ci.dependents import sibling_imports

    repo = Repository.open(examples_repo)
    forms = {name: package.form for name, package in repo.packages.items()}
    graph, broken = sibling_imports(repo, forms)
    assert broken == set()
    assert graph == {name: repo.inference(name).siblings for name in repo.packages}
    assert graph["tripcost"] == {"unitconv"}


def test_dependents_agree_with_the_full_sibling_graph(repo: Path) -> None:
    """The text-filtered rounds find what the reverse closure of the full graph finds."""
    from packyard.ci.dependents import dependents_of, sibling_imports

    repository = Repository.open(repo)
    forms = {name: package.form for name, package in repository.packages.items()}
    graph, _ = sibling_imports(repository, forms)
    assert graph["b"] == {"a"} and graph["c"] == {"b"} and graph["h"] == {"d"}
    for seeds in (["a"], ["b"], ["d"], ["a", "d"], ["e"], ["gone"]):
        assert dependents_of(repository, forms, seeds) == reverse_closure(graph, seeds)


def test_pure_helpers() -> None:
    assert parse_name_status("A\0x\0C100\0y\0z\0D\0w\0") == [
        *parse_name_status("A\0x\0"),
        *parse_name_status("C100\0y\0z\0"),
        *parse_name_status("D\0w\0"),
    ]
    with pytest.raises(ValueError):
        parse_name_status("R100\0only-one\0")
    with pytest.raises(ValueError):
        parse_name_status("X\0x\0")
    assert package_of("src/pkgs/a.py", "src/pkgs") == "a"
    assert package_of("packages/_private.py", "packages") is None
    assert package_of("packages/conftest.py", "packages") is None
    assert package_of("packagesx/a.py", "packages") is None
    assert packages_in_tree(["packages/conftest.py", "packages/.x/__init__.py"], "packages") == {}
    assert reverse_closure({"a": {"b"}, "b": {"a"}}, ["a"]) == {"b"}  # cycles end


# ---------------------------------------------------------------------------------------
# Since the last release
# ---------------------------------------------------------------------------------------


def release(
    root: Path, name: str, version: str = "0.1.0", *, record: bool = True, tag: bool = True
) -> str:
    """What ``invoke release`` leaves: the tracking file recording the source commit (HEAD),
    committed as ``release(NAME): vX``, tagged ``NAME-vX`` (annotated). Returns the source."""
    source = git(root, "rev-parse", "HEAD").strip()
    if record:
        record_release(
            root / ".packyard",
            name,
            {"version": version, "commit": source, "tag": f"{name}-v{version}", "notes": []},
        )
        commit(root, f"release({name}): v{version}")
    if tag:
        git(root, "tag", "-a", "-m", f"{name} {version}", f"{name}-v{version}")
    return source


def since(root: Path, head: str = "HEAD") -> ReleaseCandidates:
    return detect_since_last_release(Repository.open(root), head)


def test_never_released_packages_are_all_to_release(repo: Path) -> None:
    found = since(repo)
    assert found.unreleased == ("a", "b", "c", "d", "e", "h")
    assert found.to_release == list(found.unreleased)
    assert found.changed == () and found.unchanged == () and found.last == {}


def test_only_packages_whose_own_files_changed_since_their_release(repo: Path) -> None:
    for name in ("a", "b", "c", "d", "e", "h"):
        release(repo, name)
    assert since(repo).to_release == []
    assert since(repo).unchanged == ("a", "b", "c", "d", "e", "h")
    commit(repo, "fix(a): x", {"packages/a.py": '"""Package a."""\n\nVALUE = 9\n'})
    commit(repo, "test(e)", {"packages/e/tests/test_e.py": "import e\n# more\n"})
    commit(repo, "test(d)", {"packages/test_d.py": "import d\n"})  # a new test file
    commit(repo, "tooling", {"tooling/helper.py": "X = 2\n", "README.md": "# r\n"})
    found = since(repo)
    # Dependents (b imports a) and global paths do not make a release.
    assert found.changed == ("a", "d", "e") and found.to_release == ["a", "d", "e"]
    assert found.last["a"].version == "0.1.0" and found.last["a"].tag == "a-v0.1.0"
    # Released again: nothing left; a change undone counts as none (content, not history).
    release(repo, "a", "0.1.1")
    commit(repo, "fix(b): y", {"packages/b/util.py": "import json  # y\n"})
    commit(repo, "revert(b)", {"packages/b/util.py": "import json\n"})
    found = since(repo)
    assert found.changed == ("d", "e") and found.last["a"].version == "0.1.1"


def test_a_pending_run_never_compared_is_still_released(repo: Path) -> None:
    """Two pushes, the first run cancelled before it ran (GitHub's concurrency group):
    the second run releases the first push's change too; no "before" commit involved."""
    for name in ("a", "b", "c", "d", "e", "h"):
        release(repo, name)
    commit(repo, "fix(c): first push", {"packages/c.py": '"""Package c, 2."""\n'})
    commit(repo, "fix(h): second push", {"packages/h.py": '"""Package h, 2."""\n\nimport d\n'})
    assert since(repo).to_release == ["c", "h"]


def test_recorded_source_commit_wins_over_a_rebased_tag(repo: Path) -> None:
    """push-release rebases a release commit (and moves its tag) onto what another job
    pushed meanwhile: the tag's tree then holds changes that were never released."""
    source = release(repo, "a", record=False, tag=False)
    commit(repo, "fix(a): merged while the release ran",
           {"packages/a.py": '"""Package a."""\n\nVALUE = 7\n'})  # fmt: skip
    record_release(
        repo / ".packyard", "a", {"version": "0.1.0", "commit": source, "tag": "a-v0.1.0"}
    )
    commit(repo, "release(a): v0.1.0")
    git(repo, "tag", "-a", "-m", "a 0.1.0", "a-v0.1.0")  # on the rebased release commit
    found = since(repo)
    assert "a" in found.changed and found.last["a"].commit == source
    # Without a recorded commit, the tag is what there is: unchanged since it.
    (repo / ".packyard/releases/a.json").unlink()
    commit(repo, "drop the tracking file")
    found = since(repo)
    assert "a" in found.unchanged
    assert found.last["a"].commit == git(repo, "rev-parse", "a-v0.1.0^{commit}").strip()


def test_highest_version_of_tags_and_tracking_file_counts(repo: Path) -> None:
    release(repo, "d", "1.0.0")
    commit(repo, "fix(d)", {"packages/d.py": '"""Package d, 2."""\n'})
    git(repo, "tag", "d-v1.0.1")  # a lightweight tag, newer than the tracking file
    git(repo, "tag", "d-vnot-a-version")  # ignored
    found = since(repo)
    assert found.last["d"].version == "1.0.1" and "d" in found.unchanged


def test_release_commit_missing_from_the_clone_is_released_again(
    repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    record_release(repo / ".packyard", "e", {"version": "2.0.0", "commit": "ab" * 20})
    commit(repo, "imported history")
    with caplog.at_level(logging.WARNING, logger="packyard"):
        found = since(repo)
    assert found.unknown == ("e",) and "e" in found.to_release
    assert "git fetch --tags --unshallow" in caplog.text


def test_renamed_package_is_released_under_its_new_name(repo: Path) -> None:
    for name in ("a", "b", "c", "d", "e", "h"):
        release(repo, name)
    git(repo, "mv", "packages/d.py", "packages/dee.py")
    commit(repo, "rename d", {"packages/h.py": '"""Package h."""\n\nimport dee\n'})
    found = since(repo)
    assert found.unreleased == ("dee",) and found.changed == ("h",)
    assert "d" not in found.to_release  # gone: never released again


def test_merged_branch_and_subfolder_root(make_repo: RepoFactory, tmp_path: Path) -> None:
    top = tmp_path / "monorepo"
    top.mkdir()
    root = make_repo(PACKAGES)
    shutil.move(root, top / "python")
    init(top)
    for name in ("a", "b", "c", "d", "e", "h"):
        release(top / "python", name)
    git(top, "checkout", "-q", "-b", "feature")
    commit(top, "fix(e)", {"python/packages/e/__init__.py": '"""Package e, 2."""\n'})
    git(top, "checkout", "-q", "main")
    commit(top, "other", {"web/app.js": "x\n"})
    git(top, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    found = since(top / "python")
    assert found.to_release == ["e"] and len(found.unchanged) == 5


def test_malformed_tracking_file_names_the_file(repo: Path) -> None:
    tracking = repo / ".packyard" / "releases" / "a.json"
    tracking.parent.mkdir(parents=True)
    tracking.write_text('{"schema": 1, "package": "a", "releases": [{"version": "1.0",'
                        ' "commit": "--upload-pack=x"}]}')  # fmt: skip
    with pytest.raises(ConfigError) as error:
        since(repo)
    assert error.value.path == tracking and "not a SHA" in error.value.message
    tracking.write_text("{")
    with pytest.raises(ConfigError):
        since(repo)
    with pytest.raises(PackageError):
        since(repo, "--all")
    with pytest.raises(CommandFailed, match="cannot resolve 'nope'"):
        since(repo, "nope")


def test_since_last_release_agrees_with_git_diff_per_package(repo: Path) -> None:
    """A longer random history: the one-pass answer equals one git diff per package."""
    import random

    rng = random.Random(3)
    names = ["a", "b", "c", "d", "e", "h"]
    files = {"a": "packages/a.py", "b": "packages/b/util.py", "c": "packages/c.py",
             "d": "packages/d.py", "e": "packages/e/tests/test_e.py", "h": "packages/test_h.py"}  # fmt: skip
    for step in range(40):
        name = rng.choice(names)
        if rng.random() < 0.3:
            release(repo, name, f"0.{step}.0")
        else:
            commit(repo, f"fix({name}): {step}", {files[name]: f"# {step}\n"})
    found = since(repo)
    expected = []
    for name in names:
        source = found.last[name].commit if name in found.last else None
        paths = [f"packages/{name}.py", f"packages/test_{name}.py", f"packages/{name}"]
        if source is None or git_differs(repo, source, paths):
            expected.append(name)
    assert found.to_release == expected
    assert 0 < len(expected) < len(names)  # the history exercises both answers


def git_differs(root: Path, source: str, paths: list[str]) -> bool:
    import subprocess

    return (
        subprocess.run(
            ["git", "diff", "--quiet", source, "HEAD", "--", *paths], cwd=root
        ).returncode
        != 0
    )


# ---------------------------------------------------------------------------------------
# invoke changed, as the pipelines run it
# ---------------------------------------------------------------------------------------


def invoke(root: Path, *args: str) -> tuple[str, str]:
    """Run ``invoke ARGS`` in ``root``; return (stdout, stderr)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


@pytest.fixture
def tasks_repo(repo: Path) -> Path:
    shutil.copy(ROOT / "tasks.py", repo / "tasks.py")
    commit(repo, "tasks")
    return repo


def test_invoke_changed_json_text_and_release(tasks_repo: Path) -> None:
    base = git(tasks_repo, "rev-parse", "HEAD").strip()
    commit(tasks_repo, "fix(b): x", {"packages/b/util.py": "import json  # x\n"})
    out, err = invoke(tasks_repo, "changed", "--base", base, "--json")
    assert json.loads(out) == ["b", "c"]
    assert "changed: b" in err and "dependents (import a changed package): c" in err
    out, _ = invoke(tasks_repo, "changed", "--base", base, "--release", "--json")
    assert json.loads(out) == ["b"]
    out, _ = invoke(tasks_repo, "changed", "--base", base)
    assert out.split() == ["b", "c"]
    out, _ = invoke(tasks_repo, "changed", "--base", base, "--azure-matrix")
    assert json.loads(out) == {"b": {"PACKAGES": "b"}, "c": {"PACKAGES": "c"}}
    out, _ = invoke(tasks_repo, "changed", "--base", base, "--json", "--max-jobs", "1")
    assert json.loads(out) == ["b c"]
    out, _ = invoke(tasks_repo, "changed", "--packages", "d,a", "--json")
    assert json.loads(out) == ["a", "d"]


def test_invoke_changed_since_last_release(tasks_repo: Path) -> None:
    for name in ("a", "b", "c", "d", "e"):
        release(tasks_repo, name)
    commit(tasks_repo, "fix(a): x", {"packages/a.py": '"""Package a."""\n\nVALUE = 8\n'})
    out, err = invoke(tasks_repo, "changed", "--release", "--since-last-release", "--json")
    assert json.loads(out) == ["a", "h"]  # h was never released
    assert "changed since their last release: a" in err and "never released: h" in err
    # --release without --base means the same; --repository checks the name first.
    out, _ = invoke(tasks_repo, "changed", "--release", "--repository", "pypi", "--azure-matrix")
    assert json.loads(out) == {"a": {"PACKAGES": "a"}, "h": {"PACKAGES": "h"}}


def test_invoke_changed_nothing_is_an_empty_matrix(tasks_repo: Path) -> None:
    out, _ = invoke(tasks_repo, "changed", "--base", "HEAD", "--json")
    assert json.loads(out) == []
    out, _ = invoke(tasks_repo, "changed", "--base", "HEAD", "--azure-matrix")
    assert json.loads(out) == {}


def test_invoke_changed_bad_input_fails_clearly(tasks_repo: Path) -> None:
    import subprocess

    for args, expected in (
        (["--base", "nope"], "cannot resolve 'nope'"),
        (["--packages", "zz"], "no package named 'zz'"),
        ([], "give --base REF"),
        (["--since-last-release", "--base", "HEAD"], "it takes no --base"),
        (["--release", "--repository", "pypj"], "did you mean 'pypi'?"),
        (["--release", "--repository", "nope"], "known: local, pypi, testpypi"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "invoke", "changed", *args],
            cwd=tasks_repo,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1
        assert expected in done.stderr
        assert "Traceback" not in done.stderr


def test_docstring_examples() -> None:
    import doctest

    from packyard.ci import changes, dependents, gitquery, pipelines
    from packyard.release import pushing

    for module in (changes, dependents, gitquery, pipelines, pushing):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
