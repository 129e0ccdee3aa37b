"""The CI pipelines shipped with the repository: they validate against their published
schemas, every command they run exists, their detect steps run for real (bash, git, invoke)
in temporary repositories, `invoke ci` runs the same steps locally, release jobs racing to
push to one remote both land, and trusted publishing hands its token to the release only."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from packyard import pipelines
from packyard.changes import detect_changes
from packyard.cli import build_parser
from packyard.errors import CommandFailed, ReleaseError
from packyard.localindex import LocalIndex, free_port
from packyard.oidc import mint_upload_token
from packyard.proc import run
from packyard.pushing import push_release
from packyard.readme_table import END, START
from packyard.repo import Repository
from packyard.venvs import clean_env
from tests.conftest import ROOT, RepoFactory, ensure_wheelhouse, write_files

GITHUB = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
GITLAB = ROOT / ".gitlab-ci.yml"
AZURE = ROOT / "azure-pipelines.yml"
SCHEMAS = {
    **{path: "vendor.github-workflows" for path in GITHUB},
    GITLAB: "vendor.gitlab-ci",
    AZURE: "vendor.azure-pipelines",
}


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def git(root: Path, *args: str) -> str:
    return run(["git", *args], step="test-git", cwd=root)


def identity(root: Path) -> None:
    for key, value in (
        ("user.name", "Pipeline Test"),
        ("user.email", "ci@example.invalid"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ):
        git(root, "config", key, value)


def check_jsonschema(schema: str, *files: Path) -> str:
    # The vendored Azure schema holds a pattern that the default (unicode) ECMAScript
    # regex engine rejects; the non-unicode variant reads it.
    return run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--regex-variant",
            "nonunicode",
            "--builtin-schema",
            schema,
            *files,
        ],
        step="check-jsonschema",
    )


# ---------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------


def test_the_pipeline_files_exist() -> None:
    assert [p.name for p in GITHUB] == ["ci.yml", "release.yml"]
    assert GITLAB.is_file() and AZURE.is_file()


@pytest.mark.parametrize("path", list(SCHEMAS), ids=lambda p: p.name)
def test_pipeline_validates_against_its_schema(path: Path) -> None:
    assert "ok -- validation done" in check_jsonschema(SCHEMAS[path], path)


def test_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    with pytest.raises(CommandFailed):
        check_jsonschema("vendor.github-workflows", broken)


@pytest.mark.parametrize("release", [False, True])
@pytest.mark.parametrize("groups", [[], ["a"], ["a", "b c"]])
def test_generated_gitlab_child_pipelines_validate(
    tmp_path: Path, groups: list[str], release: bool
) -> None:
    path = tmp_path / "child.yml"
    pipelines.write_pipeline(path, pipelines.gitlab_child_pipeline(groups, release=release))
    assert "ok -- validation done" in check_jsonschema("vendor.gitlab-ci", path)
    data = load(path)
    jobs = {k: v for k, v in data.items() if isinstance(v, dict) and "script" in v}
    if not groups:
        assert list(jobs) == ["nothing-changed"]
    elif release:
        expected = ["release-a", "release-group_2"][: len(groups)]
        assert sorted(jobs) == sorted([*expected, "publish"])
        assert data["publish"]["needs"] == expected
    else:
        scripts = [job["script"] for job in jobs.values()]
        expected = [["nox -s test_install-a"], ["nox -s test_install-b test_install-c"]]
        assert scripts == expected[: len(groups)]


# ---------------------------------------------------------------------------------------
# Every command the pipelines run exists
# ---------------------------------------------------------------------------------------


def scripts_of(data: Any) -> Iterator[str]:
    """Every shell script in a pipeline: GitHub ``run``, GitLab ``script`` and
    ``before_script``, Azure ``script`` and ``bash``."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("run", "bash") and isinstance(value, str):
                yield value
            elif key in ("script", "before_script"):
                yield from (value if isinstance(value, list) else [value])
            else:
                yield from scripts_of(value)
    elif isinstance(data, list):
        for item in data:
            yield from scripts_of(item)


_INVOKE = re.compile(r"\binvoke\s+([a-z][\w-]*)")
_PACKYARD = re.compile(r"\bpackyard\s+([a-z][\w-]*)")
_NOX = re.compile(r"\bnox\s+-s\s+([^\s;|&)]+(?:\s+[^\s;|&)-][^\s;|&)]*)*)")
_SESSION = re.compile(r"\b(test_install|requirements)-(\S+?)[\"')\s]")


def commands_in(scripts: list[str]) -> dict[str, set[str]]:
    """{"invoke": task names, "packyard": subcommands, "nox": session names (with
    ``$VAR`` where a script builds them)}."""
    found: dict[str, set[str]] = {"invoke": set(), "packyard": set(), "nox": set()}
    for script in scripts:
        text = script.replace("\\\n", " ") + "\n"
        found["invoke"].update(_INVOKE.findall(text))
        found["packyard"].update(_PACKYARD.findall(text))
        for match in _NOX.finditer(text):
            found["nox"].update(s for s in match.group(1).split() if not s.startswith('"${'))
        found["nox"].update(f"{kind}-{name}" for kind, name in _SESSION.findall(text))
    return found


@pytest.fixture(scope="module")
def invoke_tasks() -> set[str]:
    out = run(
        [sys.executable, "-m", "invoke", "--list", "--list-format", "json"],
        step="invoke --list",
        cwd=ROOT,
    )
    return {task["name"] for task in json.loads(out)["tasks"]}


@pytest.fixture(scope="module")
def nox_sessions() -> set[str]:
    out = run([sys.executable, "-m", "nox", "-l", "--json"], step="nox -l", cwd=ROOT)
    return {session["session"] for session in json.loads(out)}


def assert_commands_exist(found: dict[str, set[str]], tasks: set[str], sessions: set[str]) -> None:
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    packages = list(Repository.open(ROOT).packages)
    assert found["invoke"] - tasks == set(), "pipelines run invoke tasks that do not exist"
    assert found["packyard"] - subcommands == set()
    for session in found["nox"]:
        kind, _, name = session.partition("-")
        if name.startswith("$"):  # built from the matrix: every package must have one
            missing = {f"{kind}-{p}" for p in packages} - sessions
            assert missing == set(), f"{session}: no session {missing}"
        else:
            assert session in sessions, session


def test_every_command_the_pipelines_run_exists(
    invoke_tasks: set[str], nox_sessions: set[str]
) -> None:
    scripts = [s for path in SCHEMAS for s in scripts_of(load(path))]
    found = commands_in(scripts)
    # What the pipelines are about: the scan must see it (else it checks nothing).
    assert {"changed", "release", "push-release", "readme", "docs-publish"} <= found["invoke"]
    assert "with-trusted-publishing" in found["packyard"]
    assert "test_install-$name" in found["nox"]
    assert_commands_exist(found, invoke_tasks, nox_sessions)


def test_every_command_of_the_generated_child_pipelines_exists(
    invoke_tasks: set[str], nox_sessions: set[str]
) -> None:
    names = list(Repository.open(ROOT).packages)
    scripts = []
    for release in (False, True):
        pipeline = pipelines.gitlab_child_pipeline(
            pipelines.matrix_groups(names, 2), release=release
        )
        scripts.extend(scripts_of(pipeline))
    found = commands_in(scripts)
    assert {f"test_install-{n}" for n in names} <= found["nox"]
    assert {"release", "push-release", "readme", "docs-publish"} <= found["invoke"]
    assert_commands_exist(found, invoke_tasks, nox_sessions)


def test_the_command_check_catches_a_missing_one(
    invoke_tasks: set[str], nox_sessions: set[str]
) -> None:
    for script in ("invoke relase a", "nox -s test_instal-a", "packyard chnaged"):
        with pytest.raises(AssertionError):
            assert_commands_exist(commands_in([script]), invoke_tasks, nox_sessions)


# ---------------------------------------------------------------------------------------
# Matrices
# ---------------------------------------------------------------------------------------


def test_matrix_groups_respect_the_job_limit() -> None:
    names = [f"p{i:03d}" for i in range(1000)]
    groups = pipelines.matrix_groups(names, pipelines.GITHUB_MAX_JOBS)
    assert len(groups) == 256
    assert " ".join(groups).split() == names  # every package once, in order
    assert {len(g.split()) for g in groups} == {3, 4}
    assert pipelines.matrix_groups(names[:5], 256) == names[:5]
    assert pipelines.matrix_groups([], 10) == []
    with pytest.raises(ValueError):
        pipelines.matrix_groups(names, -1)
    assert pipelines.session_names("a b") == ["test_install-a", "test_install-b"]


# ---------------------------------------------------------------------------------------
# The detect steps, run for real as each CI system would
# ---------------------------------------------------------------------------------------

PACKAGES = {
    "packages/a.py": '"""Package a."""\n\nVALUE = 1\n',
    "packages/b.py": '"""Package b."""\n\nimport a\n',
    "packages/c.py": '"""Package c."""\n',
}


@pytest.fixture
def clone(make_repo: RepoFactory, tmp_path: Path) -> tuple[Path, str]:
    """A clone of a bare remote, on a feature branch that changed ``a``; returns the clone
    and the commit main was at."""
    seed = make_repo(PACKAGES)
    shutil.copy(ROOT / "tasks.py", seed / "tasks.py")
    (seed / ".gitignore").write_text(".packyard/cache/\nchild-pipeline.yml\n")
    git(seed, "init", "-q", "-b", "main")
    identity(seed)
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "initial")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(seed, "push", "-q", str(remote), "main")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(remote), str(work))
    identity(work)
    before = git(work, "rev-parse", "HEAD").strip()
    git(work, "checkout", "-q", "-b", "feature")
    write_files(work, {"packages/a.py": '"""Package a."""\n\nVALUE = 2\n'})
    git(work, "commit", "-q", "-am", "fix(a): two")
    return work, before


def step(workflow: Path, job: str, name_or_id: str) -> dict[str, Any]:
    steps = load(workflow)["jobs"][job]["steps"]
    return next(s for s in steps if name_or_id in (s.get("id"), s.get("name")))


def bash(script: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def github_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_github_pull_request_detect_step(clone: tuple[Path, str], tmp_path: Path) -> None:
    work, _ = clone
    detect = step(ROOT / ".github/workflows/ci.yml", "detect", "changed")
    out, summary = tmp_path / "out", tmp_path / "summary"
    env = {"TARGET": "main", "PACKAGES": "", "GITHUB_OUTPUT": str(out),
           "GITHUB_STEP_SUMMARY": str(summary)}  # fmt: skip
    bash(detect["run"], work, env)
    assert json.loads(github_outputs(out)["packages"]) == ["a", "b"]
    # Given by hand (workflow_dispatch):
    bash(detect["run"], work, {**env, "PACKAGES": "c"})
    assert json.loads(github_outputs(out)["packages"]) == ["c"]


def test_github_release_detect_step(clone: tuple[Path, str], tmp_path: Path) -> None:
    work, before = clone
    detect = step(ROOT / ".github/workflows/release.yml", "detect", "changed")
    out = tmp_path / "out"
    env = {"BEFORE": before, "BASE": "", "PACKAGES": "", "GITHUB_OUTPUT": str(out),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}  # fmt: skip
    bash(detect["run"], work, env)
    assert json.loads(github_outputs(out)["packages"]) == ["a"]  # b only imports a
    bash(detect["run"], work, {**env, "BEFORE": "0" * 40})  # a branch's first push
    assert json.loads(github_outputs(out)["packages"]) == ["a", "b", "c"]
    bash(detect["run"], work, {**env, "BEFORE": git(work, "rev-parse", "HEAD").strip()})
    assert github_outputs(out)["packages"] == "[]"  # the release jobs are skipped


def test_azure_detect_step(clone: tuple[Path, str]) -> None:
    work, _ = clone
    jobs = {job["job"]: job for job in load(AZURE)["jobs"]}
    detect = next(s for s in jobs["detect"]["steps"] if s.get("name") == "changed")
    assert set(detect["env"]) == {"PACKAGES", "BUILD_REASON", "TARGET_BRANCH"}

    def matrix(**env: str) -> dict[str, Any]:
        out = bash(detect["bash"], work, env)
        line = next(x for x in out.splitlines() if x.startswith("##vso[task.setvariable"))
        assert line.startswith("##vso[task.setvariable variable=matrix;isOutput=true]")
        return json.loads(line.split("]", 1)[1])

    pr = matrix(PACKAGES=" ", BUILD_REASON="PullRequest", TARGET_BRANCH="refs/heads/main")
    assert pr == {"a": {"PACKAGES": "a"}, "b": {"PACKAGES": "b"}}
    push = matrix(PACKAGES=" ", BUILD_REASON="IndividualCI", TARGET_BRANCH="")
    assert push == {"a": {"PACKAGES": "a"}}
    manual = matrix(PACKAGES="b c", BUILD_REASON="Manual", TARGET_BRANCH="")
    assert manual == {"b": {"PACKAGES": "b"}, "c": {"PACKAGES": "c"}}
    # The jobs read the matrix variable the step sets.
    assert (
        jobs["test"]["strategy"]["matrix"] == "$[ dependencies.detect.outputs['changed.matrix'] ]"
    )
    assert "PACKAGES" in jobs["release"]["steps"][-1]["bash"]


def test_gitlab_generate_job(clone: tuple[Path, str]) -> None:
    work, before = clone
    config = load(GITLAB)

    def generate(job: str, **env: str) -> dict[str, Any]:
        lines = [s for s in config[job]["script"] if not s.startswith("python -m pip install")]
        bash("\n".join(lines), work, env)
        child = work / config[job]["artifacts"]["paths"][0]
        assert "ok -- validation done" in check_jsonschema("vendor.gitlab-ci", child)
        return load(child)

    tests = generate("generate-tests", CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", PACKAGES="")
    assert tests["test_install-a"]["script"] == ["nox -s test_install-a"]
    assert tests["test_install-b"]["script"] == ["nox -s test_install-b"]
    releases = generate("generate-releases", CI_COMMIT_BEFORE_SHA=before, PACKAGES="")
    assert (
        releases["release-a"]["script"][0] == 'invoke release a --repository "$PACKYARD_REPOSITORY"'
    )
    assert "release-b" not in releases
    nothing = generate(
        "generate-releases", CI_COMMIT_BEFORE_SHA=git(work, "rev-parse", "HEAD").strip(),
        PACKAGES="",
    )  # fmt: skip
    assert "nothing-changed" in nothing
    # The trigger jobs include what the generate jobs write.
    assert config["test"]["trigger"]["include"][0]["job"] == "generate-tests"
    assert config["release"]["trigger"]["include"][0]["job"] == "generate-releases"


# ---------------------------------------------------------------------------------------
# invoke ci: the same steps, locally
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_invoke_ci_runs_each_test_install_without_stopping(examples_repo: Path) -> None:
    root = examples_repo
    shutil.copy(ROOT / "tasks.py", root / "tasks.py")
    shutil.copy(ROOT / "noxfile.py", root / "noxfile.py")
    (root / ".gitignore").write_text((ROOT / ".gitignore").read_text())
    git(root, "init", "-q", "-b", "main")
    identity(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    write_files(
        root,
        {
            "packages/confstack.py": (root / "packages/confstack.py").read_text() + "\n# x\n",
            "packages/broken.py": '"""Broken."""\n\ndef f(:\n',
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change confstack, add broken")
    steps = pipelines.ci_steps(detect_changes(Repository.open(root), "HEAD~1"))
    assert [s.name for s in steps] == ["test_install-broken", "test_install-confstack"]
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "ci", "--base", "HEAD~1"],
        cwd=root,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[1/2] test_install-broken" in done.stdout
    assert "[2/2] test_install-confstack" in done.stdout  # ran after the failure
    assert "1 of 2 steps passed" in done.stdout
    assert "error: test_install-broken" in done.stderr
    # The GitHub test job's step runs the same session, from the matrix value.
    test_step = step(
        ROOT / ".github/workflows/ci.yml", "test", "nox -s test_install-${{ matrix.packages }}"
    )
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", test_step["run"]],
        cwd=root,
        capture_output=True,
        text=True,
        env=clean_env(PACKAGES="broken"),
    )
    assert done.returncode != 0
    assert "Running session test_install-broken" in done.stderr
    assert "broken.py:3: syntax error" in done.stderr
    # With --release, the releases and the README table follow the test-installs.
    changes = detect_changes(Repository.open(root), "HEAD~1")
    names = [s.name for s in pipelines.ci_steps(changes, release=True, repository="local")]
    assert names == [
        "test_install-broken", "test_install-confstack",
        "release broken", "release confstack", "readme",
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------
# push-release: rebase and retry
# ---------------------------------------------------------------------------------------

README = f"# demo\n\nFirst screen.\n\n{START}\n{END}\n\nAfterwards.\n"


@pytest.fixture
def remote_and_clones(make_repo: RepoFactory, tmp_path: Path) -> tuple[Path, Path, Path]:
    seed = make_repo(PACKAGES)
    (seed / "README.md").write_text(README)
    git(seed, "init", "-q", "-b", "main")
    identity(seed)
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "initial")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(seed, "push", "-q", str(remote), "main")
    clones = []
    for name in ("one", "two"):
        path = tmp_path / name
        git(tmp_path, "clone", "-q", str(remote), str(path))
        identity(path)
        clones.append(path)
    return remote, clones[0], clones[1]


def fake_release(root: Path, name: str, version: str, readme: str | None = None) -> None:
    """What a release job leaves: a tracking file (and README) commit, tagged."""
    tracking = root / ".packyard" / "releases" / f"{name}.json"
    tracking.parent.mkdir(parents=True, exist_ok=True)
    tracking.write_text(json.dumps({"schema": 1, "package": name, "releases": []}) + "\n")
    if readme is not None:
        (root / "README.md").write_text(readme)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"release({name}): v{version}")
    git(root, "tag", "-a", "-m", f"{name} {version}", f"{name}-v{version}")


def test_push_release_rebases_moves_the_tag_and_retries(
    remote_and_clones: tuple[Path, Path, Path],
) -> None:
    remote, one, two = remote_and_clones
    fake_release(one, "a", "0.1.0")
    fake_release(two, "b", "0.1.0")
    first = push_release(one, branch="main", progress=lambda _: None)
    assert (first.attempts, first.tags, first.commits) == (1, ["a-v0.1.0"], 1)
    lines: list[str] = []
    second = push_release(two, progress=lines.append, delay=0)  # the checked-out branch
    assert second.attempts == 2 and second.tags == ["b-v0.1.0"]
    assert any("moved: rebasing 1 commit" in line for line in lines)
    tree = git(remote, "ls-tree", "-r", "--name-only", "main", ".packyard").split()
    assert tree == [".packyard/releases/a.json", ".packyard/releases/b.json"]
    # Both tags are on the branch; b's moved onto its rebased commit, message kept.
    for tag in ("a-v0.1.0", "b-v0.1.0"):
        git(remote, "merge-base", "--is-ancestor", tag, "main")
    assert git(remote, "rev-parse", "b-v0.1.0^{commit}") == git(remote, "rev-parse", "main")
    assert git(remote, "for-each-ref", "--format=%(contents)", "refs/tags/b-v0.1.0").strip() == (
        "b 0.1.0"
    )


def test_push_release_regenerates_a_conflicting_readme_table(
    remote_and_clones: tuple[Path, Path, Path],
) -> None:
    remote, one, two = remote_and_clones
    fake_release(one, "a", "0.1.0", README.replace(END, "| a | 0.1.0 |\n" + END))
    fake_release(two, "b", "0.1.0", README.replace(END, "| b | 0.1.0 |\n" + END))
    push_release(one, progress=lambda _: None)
    report = push_release(two, progress=lambda _: None, delay=0)
    assert report.attempts == 2
    readme = git(remote, "show", "main:README.md")
    assert "<<<<<<<" not in readme and readme.startswith("# demo\n\nFirst screen.")
    assert readme.count(START) == 1 and readme.endswith("Afterwards.\n")


def test_push_release_stops_on_other_conflicts_and_leaves_the_clone_clean(
    remote_and_clones: tuple[Path, Path, Path],
) -> None:
    _, one, two = remote_and_clones
    for clone, text in ((one, "one\n"), (two, "two\n")):
        (clone / "packages" / "c.py").write_text(text)
        git(clone, "commit", "-q", "-am", "conflicting")
    push_release(one, progress=lambda _: None)
    before = git(two, "rev-parse", "HEAD")
    with pytest.raises(ReleaseError, match=r"conflict in packages/c\.py"):
        push_release(two, progress=lambda _: None, delay=0)
    assert git(two, "status", "--porcelain") == "" and git(two, "rev-parse", "HEAD") == before


def test_push_release_needs_a_branch_when_detached(
    remote_and_clones: tuple[Path, Path, Path],
) -> None:
    _, one, _ = remote_and_clones
    git(one, "checkout", "-q", "--detach")
    with pytest.raises(ReleaseError, match="detached"):
        push_release(one, progress=lambda _: None)


# ---------------------------------------------------------------------------------------
# The release race: two jobs of the GitHub matrix, for real
# ---------------------------------------------------------------------------------------

ALPHA = (
    '"""Alpha: say hello.\n\n>>> hello()\n\'hello\'\n"""\n\n\ndef hello():\n    return "hello"\n'
)
BETA = '"""Beta: count.\n\n>>> two()\n2\n"""\n\n\ndef two():\n    return 2\n'


@pytest.mark.slow
def test_two_release_jobs_race_to_push_and_both_land(
    make_repo: RepoFactory, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("race-index") / "packages"
    shutil.copytree(ensure_wheelhouse(), folder)
    with LocalIndex(folder) as index:
        seed = make_repo(
            {
                "packages/alpha.py": ALPHA,
                "packages/test_alpha.py": "import alpha\n\n\ndef test():\n    assert alpha.hello()\n",
                "packages/beta.py": BETA,
                "packages/test_beta.py": "import beta\n\n\ndef test():\n    assert beta.two() == 2\n",
                "README.md": README,
            },
            packyard=textwrap.dedent(
                f"""\
                index-url = "{index.simple_url}"
                [tool.packyard.repositories.race]
                url = "{index.url}"
                """
            ),
        )
        shutil.copy(ROOT / "tasks.py", seed / "tasks.py")
        shutil.copy(ROOT / ".gitignore", seed / ".gitignore")
        git(seed, "init", "-q", "-b", "main")
        identity(seed)
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "Add alpha and beta")
        remote = tmp_path / "remote.git"
        git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
        git(seed, "remote", "add", "origin", str(remote))
        git(seed, "push", "-q", "origin", "main")
        # A pull request that changes both packages, merged into main.
        git(seed, "checkout", "-q", "-b", "feature")
        write_files(seed, {"packages/alpha.py": ALPHA + "\n\nWORLD = 1\n"})
        git(seed, "commit", "-q", "-am", "feat(alpha): a world")
        write_files(seed, {"packages/beta.py": BETA + "\n\nTHREE = 3\n"})
        git(seed, "commit", "-q", "-am", "fix(beta): three")
        git(seed, "checkout", "-q", "main")
        before = git(seed, "rev-parse", "HEAD").strip()
        git(seed, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
        git(seed, "push", "-q", "origin", "main")

        workflow = ROOT / ".github/workflows/release.yml"
        env = clean_env(GITHUB_REF_NAME="main", REPOSITORY="race", TRUSTED_PUBLISHING="")
        out = tmp_path / "github-output"
        detect = step(workflow, "detect", "changed")["run"]
        bash(detect, seed, {**env, "BEFORE": before, "BASE": "", "PACKAGES": "",
                            "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": os.devnull})  # fmt: skip
        matrix = json.loads(github_outputs(out)["packages"])
        assert matrix == ["alpha", "beta"]

        # One clone per matrix job, both made before either pushes: one must retry.
        job_script = "\n".join(
            step(workflow, "release", name)["run"]
            for name in (
                "invoke release ${{ matrix.packages }}",
                "Push the tag and tracking file (rebase and retry if main moved)",
            )
        )
        jobs = []
        for package in matrix:
            clone = tmp_path / f"job-{package}"
            git(tmp_path, "clone", "-q", str(remote), str(clone))
            identity(clone)
            jobs.append(
                subprocess.Popen(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", job_script],
                    cwd=clone,
                    env={**env, "PACKAGES": package},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
        logs = [job.communicate(timeout=900)[0] for job in jobs]
        for job, log in zip(jobs, logs, strict=True):
            assert job.returncode == 0, log
        assert sum("attempt 2/5" in log for log in logs) == 1, "\n".join(logs)

        # Both releases are on the remote branch: tracking files, tags on it, README rows.
        tree = git(remote, "ls-tree", "-r", "--name-only", "main", ".packyard/releases").split()
        assert tree == [".packyard/releases/alpha.json", ".packyard/releases/beta.json"]
        tags = git(remote, "tag", "--list").split()
        assert tags == ["alpha-v0.1.0", "beta-v0.1.0"]
        for tag in tags:
            git(remote, "merge-base", "--is-ancestor", tag, "main")
        for name in ("alpha", "beta"):
            record = json.loads(git(remote, "show", f"main:.packyard/releases/{name}.json"))
            assert [r["version"] for r in record["releases"]] == ["0.1.0"]
        readme = git(remote, "show", "main:README.md")
        assert "[`alpha`]" in readme and "[`beta`]" in readme and "<<<<<<<" not in readme
        # The final job, in a fresh checkout of the branch: the README table is already
        # right (nothing to commit); the released packages' sites go to gh-pages.
        final = tmp_path / "publish"
        git(tmp_path, "clone", "-q", str(remote), str(final))
        identity(final)
        head = git(remote, "rev-parse", "main")
        for name in (
            "invoke readme",
            "invoke docs-publish (the released packages' sites, to gh-pages)",
        ):
            publish = step(workflow, "publish", name)
            bash(publish["run"], final, {**env, "PACKAGES": " ".join(matrix)})
        assert git(remote, "rev-parse", "main") == head
        site = git(remote, "ls-tree", "--name-only", "gh-pages").split()
        assert {"alpha", "beta"} <= set(site)
        served = sorted(p.name for p in folder.iterdir() if p.name.startswith(("alpha", "beta")))
        assert served == [
            "alpha-0.1.0-py3-none-any.whl",
            "alpha-0.1.0.tar.gz",
            "beta-0.1.0-py3-none-any.whl",
            "beta-0.1.0.tar.gz",
        ]


# ---------------------------------------------------------------------------------------
# Trusted publishing
# ---------------------------------------------------------------------------------------

MINTED = "pypi-minted-token-value"
# A JWT-shaped identity token for the audience the exchange asks for (unsigned: the
# stand-in below checks it by value, as PyPI would by signature).
IDENTITY = ".".join(
    base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
    for part in ({"alg": "none"}, {"aud": "test-audience", "sub": "repo:demo"}, "sig")
)


class _Exchange(BaseHTTPRequestHandler):
    """A loopback stand-in for the CI system's token endpoint and the index's OIDC
    exchange (the real ones are GitHub's and PyPI's)."""

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/_/oidc/audience":
            self._reply(200, {"audience": "test-audience"})
        elif self.path.startswith("/ci-token") and "audience=test-audience" in self.path:
            assert self.headers["Authorization"] == "bearer request-token"
            self._reply(200, {"value": IDENTITY})
        else:
            self._reply(404, {})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["token"] == IDENTITY:
            self._reply(200, {"success": True, "token": MINTED})
        else:
            self._reply(422, {"errors": [{"code": "invalid-publisher", "description": "no"}]})


@pytest.fixture
def exchange() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Exchange)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_mint_upload_token(exchange: str) -> None:
    assert mint_upload_token(f"{exchange}/legacy/", detect=lambda aud: IDENTITY) == MINTED
    with pytest.raises(ReleaseError, match="invalid-publisher"):
        mint_upload_token(f"{exchange}/legacy/", detect=lambda aud: "forged")
    with pytest.raises(ReleaseError, match="none was found"):
        mint_upload_token(f"{exchange}/legacy/", detect=lambda aud: None)
    with pytest.raises(ReleaseError, match="asking the audience failed"):
        mint_upload_token(f"http://127.0.0.1:{free_port()}/legacy/", detect=lambda aud: "x")


def test_with_trusted_publishing_hands_the_token_to_the_command_only(
    exchange: str, make_repo: RepoFactory
) -> None:
    root = make_repo(
        PACKAGES,
        packyard=f'[tool.packyard.repositories.tp]\nurl = "{exchange}/legacy/"\n'
        'username = "__token__"\npassword-env = "TP_TOKEN"\n',
    )
    check = f"import os, sys; sys.exit(0 if os.environ['TP_TOKEN'] == {MINTED!r} else 3)"
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"{exchange}/ci-token?x=1",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
    }
    env.pop("TP_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "packyard", "with-trusted-publishing", "--repository", "tp",
         "--", sys.executable, "-c", check],
        cwd=root, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert MINTED not in done.stdout + done.stderr
    # Not on a CI system: a clear error, and the command does not run.
    env.pop("GITHUB_ACTIONS")
    done = subprocess.run(
        [sys.executable, "-m", "packyard", "with-trusted-publishing", "--repository", "tp",
         "--", "false"],
        cwd=root, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1 and "none was found" in done.stderr
    assert "id-token: write" in done.stderr
