"""The CI pipelines shipped with the repository: they validate against their published
schemas, every command they run exists, their detect steps run for real (bash, git, invoke)
in temporary repositories, `invoke ci` runs the same steps locally, release jobs racing to
push to one remote both land, and trusted publishing hands its token to the release only."""

from __future__ import annotations

import base64
import json
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from packyard.building.venvs import clean_env
from packyard.ci import localci, pipelines
from packyard.ci.changes import detect_changes
from packyard.cli import build_parser
from packyard.errors import CommandFailed, ReleaseError
from packyard.index.local import LocalIndex, free_port
from packyard.index.repositories import get_repository
from packyard.proc import run
from packyard.release.oidc import mint_upload_token
from packyard.release.pushing import backoff, push_release
from packyard.release.readme_table import END, START
from packyard.repo import Repository
from tests.conftest import (
    ROOT,
    RepoFactory,
    clone_repo,
    ensure_wheelhouse,
    init_repo,
    init_with_remote,
    loopback_server,
    with_tools,
    write_files,
)

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
        # After every release job by stage order, failed ones too: no needs (<= 50).
        assert "needs" not in data["publish"] and data["publish"]["when"] == "always"
        assert data["stages"] == ["release", "publish"]
        for job in expected:
            assert data[job]["script"][0].startswith("rc=0\ninvoke release ")
            assert data[job]["script"][0].endswith('\ninvoke push-release --branch '
                                                   '"$CI_COMMIT_BRANCH"\nexit "$rc"')  # fmt: skip
    else:
        scripts = [job["script"] for job in jobs.values()]
        expected = [["nox -s test_install-a"], ["nox -s test_install-b test_install-c"]]
        assert scripts == expected[: len(groups)]


def test_generated_child_pipelines_for_60_packages_stay_within_needs_limit(
    tmp_path: Path,
) -> None:
    names = [f"pkg{i:02d}" for i in range(60)]
    for release in (False, True):
        path = tmp_path / f"child-{release}.yml"
        pipeline = pipelines.gitlab_child_pipeline(names, release=release)
        pipelines.write_pipeline(path, pipeline)
        assert "ok -- validation done" in check_jsonschema("vendor.gitlab-ci", path)
        jobs = {k: v for k, v in load(path).items() if isinstance(v, dict) and "script" in v}
        assert len(jobs) == 60 + release  # one per package, and publish
        longest = max(len(job.get("needs", [])) for job in jobs.values())
        assert longest <= pipelines.GITLAB_MAX_NEEDS
    # The check above can fail: the old publish job needed every release job.
    assert len([*jobs][:-1]) > pipelines.GITLAB_MAX_NEEDS


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


_INVOKE_LINE = re.compile(r"\binvoke\s+([a-z][\w-]*)([^\n|;&)]*)")


def invoke_flags(scripts: list[str]) -> dict[str, set[str]]:
    """invoke task -> the ``--options`` the scripts give it (on the same line)."""
    found: dict[str, set[str]] = {}
    for script in scripts:
        for task, rest in _INVOKE_LINE.findall(script.replace("\\\n", " ")):
            found.setdefault(task, set()).update(re.findall(r"(?<!\S)--[a-z][\w-]*", rest))
    return found


def assert_flags_exist(flags: dict[str, set[str]]) -> None:
    for task, options in flags.items():
        usage = run([sys.executable, "-m", "invoke", "--help", task], step="help", cwd=ROOT)
        missing = {o for o in options if not re.search(rf"{re.escape(o)}\b", usage)}
        assert missing == set(), f"invoke {task}: no option {missing}"


def test_every_command_the_pipelines_run_exists(
    invoke_tasks: set[str], nox_sessions: set[str]
) -> None:
    scripts = [s for path in SCHEMAS for s in scripts_of(load(path))]
    found = commands_in(scripts)
    # What the pipelines are about: the scan must see it (else it checks nothing).
    assert {"changed", "release", "push-release", "readme", "docs-publish"} <= found["invoke"]
    assert {"test_install-$name", "docs"} <= found["nox"]
    assert_commands_exist(found, invoke_tasks, nox_sessions)
    # And every option they give an invoke task exists.
    flags = invoke_flags(scripts)
    assert {"--since-last-release", "--repository", "--azure-matrix"} <= flags["changed"]
    assert "--trusted-publishing" in flags["release"]
    assert_flags_exist(flags)
    with pytest.raises(AssertionError, match="no option"):
        assert_flags_exist(invoke_flags(['invoke changed --since-last-relase "$X"']))


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
    assert {"release", "push-release", "readme"} <= found["invoke"]  # docs: the pages job
    assert_commands_exist(found, invoke_tasks, nox_sessions)
    assert_flags_exist(invoke_flags(scripts))


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
    remote = tmp_path / "remote.git"
    init_with_remote(seed, remote, "initial")
    work = tmp_path / "work"
    clone_repo(remote, work)
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
        env=with_tools({**os.environ, **env}),
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


def bash_fails(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=with_tools({**os.environ, **env}),
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    return done


def tag_releases(work: Path, commit: str, *names: str, version: str = "0.1.0") -> None:
    for name in names:
        git(work, "tag", "-a", "-m", f"{name} {version}", f"{name}-v{version}", commit)


def test_github_release_detect_step(clone: tuple[Path, str], tmp_path: Path) -> None:
    work, before = clone
    detect = step(ROOT / ".github/workflows/release.yml", "detect", "changed")
    # No dependence on the push's "before" commit (cancelled pending runs, new branches).
    assert "github.event.before" not in json.dumps(load(ROOT / ".github/workflows/release.yml"))
    out = tmp_path / "out"
    env = {"BASE": "", "PACKAGES": "", "REPOSITORY": "pypi", "GITHUB_OUTPUT": str(out),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}  # fmt: skip
    bash(detect["run"], work, env)
    # never released; b imports a, so they share a job, a first
    assert json.loads(github_outputs(out)["packages"]) == ["a b", "c"]
    tag_releases(work, before, "a", "b", "c")
    bash(detect["run"], work, env)
    assert json.loads(github_outputs(out)["packages"]) == ["a"]  # b only imports a
    tag_releases(work, "HEAD", "a", version="0.1.1")
    bash(detect["run"], work, env)
    assert github_outputs(out)["packages"] == "[]"  # the release jobs are skipped
    # By hand: since a given ref, or the packages named.
    bash(detect["run"], work, {**env, "BASE": before})
    assert json.loads(github_outputs(out)["packages"]) == ["a"]
    bash(detect["run"], work, {**env, "PACKAGES": "c b"})
    assert json.loads(github_outputs(out)["packages"]) == ["b", "c"]
    # An unknown repository stops the run here, before any release job.
    done = bash_fails(detect["run"], work, {**env, "REPOSITORY": "pypj"})
    assert "unknown repository 'pypj'" in done.stderr and "did you mean 'pypi'?" in done.stderr


def test_azure_detect_step(clone: tuple[Path, str]) -> None:
    work, before = clone
    config = load(AZURE)
    jobs = {job["job"]: job for job in config["jobs"]}
    detect = next(s for s in jobs["detect"]["steps"] if s.get("name") == "changed")
    assert set(detect["env"]) == {"PACKAGES", "FEED", "BUILD_REASON", "TARGET_BRANCH"}
    # The default feed is one this repository knows (pypi, or one it defines).
    feed = next(p for p in config["parameters"] if p["name"] == "feed")
    assert get_repository(Repository.open(ROOT).config, feed["default"]).name == feed["default"]

    def matrix(**env: str) -> dict[str, Any]:
        out = bash(detect["bash"], work, {"FEED": feed["default"], **env})
        line = next(x for x in out.splitlines() if x.startswith("##vso[task.setvariable"))
        assert line.startswith("##vso[task.setvariable variable=matrix;isOutput=true]")
        return json.loads(line.split("]", 1)[1])

    pr = matrix(PACKAGES=" ", BUILD_REASON="PullRequest", TARGET_BRANCH="refs/heads/main")
    assert pr == {"a": {"PACKAGES": "a"}, "b": {"PACKAGES": "b"}}
    push = matrix(PACKAGES=" ", BUILD_REASON="IndividualCI", TARGET_BRANCH="")
    # never released; b imports a, so they share a job, a first
    assert push == {"group_1": {"PACKAGES": "a b"}, "c": {"PACKAGES": "c"}}
    tag_releases(work, before, "a", "b", "c")
    push = matrix(PACKAGES=" ", BUILD_REASON="IndividualCI", TARGET_BRANCH="")
    assert push == {"a": {"PACKAGES": "a"}}  # Azure has no "before" commit: none needed
    manual = matrix(PACKAGES="b c", BUILD_REASON="Manual", TARGET_BRANCH="")
    assert manual == {"b": {"PACKAGES": "b"}, "c": {"PACKAGES": "c"}}
    # An unknown feed fails fast, listing the known ones.
    env = {"PACKAGES": " ", "BUILD_REASON": "Manual", "TARGET_BRANCH": "", "FEED": "company"}
    done = bash_fails(detect["bash"], work, env)
    assert "unknown repository 'company'" in done.stderr
    assert "known: local, pypi, testpypi" in done.stderr
    assert "##vso[task.setvariable" not in done.stdout
    # The jobs read the matrix variable the step sets.
    assert (
        jobs["test"]["strategy"]["matrix"] == "$[ dependencies.detect.outputs['changed.matrix'] ]"
    )
    assert "PACKAGES" in jobs["release"]["steps"][-1]["bash"]


def test_gitlab_generate_job(clone: tuple[Path, str]) -> None:
    work, before = clone
    config = load(GITLAB)
    assert "CI_COMMIT_BEFORE_SHA" not in GITLAB.read_text().split("workflow:")[1]

    def generate(job: str, **env: str) -> dict[str, Any]:
        lines = [s for s in config[job]["script"] if not s.startswith("python -m pip install")]
        bash("\n".join(lines), work, {"PACKYARD_REPOSITORY": "pypi", **env})
        child = work / config[job]["artifacts"]["paths"][0]
        assert "ok -- validation done" in check_jsonschema("vendor.gitlab-ci", child)
        return load(child)

    tests = generate("generate-tests", CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", PACKAGES="")
    assert tests["test_install-a"]["script"] == ["nox -s test_install-a"]
    assert tests["test_install-b"]["script"] == ["nox -s test_install-b"]
    releases = generate("generate-releases", PACKAGES="")
    # never released; b imports a, so they share a job, a first
    assert {"release-group_1", "release-c"} <= set(releases)
    assert "invoke release a,b " in releases["release-group_1"]["script"][0]
    tag_releases(work, before, "a", "b", "c")
    releases = generate("generate-releases", PACKAGES="")
    assert releases["release-a"]["script"][0].splitlines()[1] == (
        'invoke release a --repository "$PACKYARD_REPOSITORY" || rc=$?'
    )
    assert "release-b" not in releases
    tag_releases(work, "HEAD", "a", version="0.1.1")
    assert "nothing-changed" in generate("generate-releases", PACKAGES="")
    lines = [s for s in config["generate-releases"]["script"] if "pip install" not in s]
    done = bash_fails("\n".join(lines), work, {"PACKYARD_REPOSITORY": "nope", "PACKAGES": ""})
    assert "unknown repository 'nope'" in done.stderr
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
    init_repo(root)
    write_files(
        root,
        {
            "packages/confstack.py": (root / "packages/confstack.py").read_text() + "\n# x\n",
            "packages/broken.py": '"""Broken."""\n\ndef f(:\n',
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change confstack, add broken")
    steps = localci.ci_steps(detect_changes(Repository.open(root), "HEAD~1"))
    assert [s.name for s in steps] == ["test_install-broken", "test_install-confstack"]
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "ci", "--base", "HEAD~1"],
        cwd=root,
        capture_output=True,
        text=True,
        env=with_tools(clean_env()),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[1/2] test_install-broken" in done.stdout
    assert "[2/2] test_install-confstack" in done.stdout  # ran after the failure
    assert "1 of 2 steps passed" in done.stdout
    assert "error: test_install-broken" in done.stderr
    # -j 2: one parallel step, with the result cache the nox sessions above filled
    changes = detect_changes(Repository.open(root), "HEAD~1")
    assert [s.name for s in localci.ci_steps(changes, jobs=2)] == ["test-install"]
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "ci", "--base", "HEAD~1", "-j", "2"],
        cwd=root,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^\| broken +\| failed +\| +[\d.]+ \| .*syntax error", done.stdout, re.M)
    assert re.search(r"^\| confstack +\| cached ", done.stdout, re.M)
    # The GitHub test job's step runs the same session, from the matrix value.
    test_step = step(
        ROOT / ".github/workflows/ci.yml", "test", "nox -s test_install-${{ matrix.packages }}"
    )
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", test_step["run"]],
        cwd=root,
        capture_output=True,
        text=True,
        env=with_tools(clean_env(PACKAGES="broken")),
    )
    assert done.returncode != 0
    assert "Running session test_install-broken" in done.stderr
    assert "broken.py:3: syntax error" in done.stderr
    # With --release, the releases and the README table follow the test-installs.
    changes = detect_changes(Repository.open(root), "HEAD~1")
    names = [s.name for s in localci.ci_steps(changes, release=True, repository="local")]
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
    remote = tmp_path / "remote.git"
    init_with_remote(seed, remote, "initial")
    clones = []
    for name in ("one", "two"):
        path = tmp_path / name
        clone_repo(remote, path)
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


def test_push_release_with_nothing_released_pushes_nothing(
    remote_and_clones: tuple[Path, Path, Path],
) -> None:
    remote, one, two = remote_and_clones
    fake_release(two, "b", "0.1.0")
    push_release(two, progress=lambda _: None)
    tip = git(remote, "rev-parse", "main")
    lines: list[str] = []
    report = push_release(one, progress=lines.append)  # behind the remote, nothing of its own
    assert (report.attempts, report.commits, report.tags) == (0, 0, [])
    assert lines == ["nothing to push to origin/main: no release commit or tag"]
    assert git(remote, "rev-parse", "main") == tip


def test_backoff_is_random_exponential_and_capped() -> None:
    rng = random.Random(5)
    for attempt in range(1, 12):
        step = min(8.0, 0.5 * 2 ** (attempt - 1))
        waits = [backoff(attempt, 0.5, 8.0, rng) for _ in range(50)]
        assert all(step / 2 <= w <= step for w in waits)
        assert len(set(waits)) == 50  # jitter: two jobs do not retry in lockstep
    assert backoff(3, 0.0, 8.0, rng) == 0.0


def test_push_release_gives_up_after_attempts_or_seconds(
    remote_and_clones: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Another job pushes right before each of our pushes: every push is rejected."""
    remote, one, two = remote_and_clones
    fake_release(one, "a", "0.1.0")
    pushes: list[str] = []

    def race(line: str) -> None:
        if line.startswith("push "):
            pushes.append(line)
            (two / "packages" / "c.py").write_text(f"# {len(pushes)}\n")
            git(two, "commit", "-q", "-am", f"other {len(pushes)}")
            git(two, "push", "-q", "origin", "HEAD:main")

    with pytest.raises(ReleaseError, match=r"still rejected after 3 pushes") as error:
        push_release(one, attempts=3, delay=0, progress=race)
    assert len(pushes) == 3 and "--timeout" in (error.value.hint or "")
    # Bounded in seconds: random waits (0.2-0.4 s, then 0.4-0.8 s...) stop at the timeout.
    pushes.clear()
    start = time.monotonic()
    with pytest.raises(ReleaseError, match=r"still rejected after \d+ pushes in \d+\.\d s"):
        push_release(one, attempts=100, delay=0.4, timeout=1.0, progress=race)
    assert time.monotonic() - start < 6 and 2 <= len(pushes) < 10
    assert git(remote, "tag", "--list") == ""  # nothing half-pushed


def test_push_release_processes_racing_all_land(make_repo: RepoFactory, tmp_path: Path) -> None:
    """Three jobs push at once (`packyard push-release`, separate processes): all land."""
    seed = make_repo(PACKAGES)
    (seed / "README.md").write_text(README)
    (seed / ".gitignore").write_text(".packyard/cache/\n")
    remote = tmp_path / "remote.git"
    init_with_remote(seed, remote, "initial")
    jobs = []
    for name in ("a", "b", "c"):
        clone = tmp_path / f"job-{name}"
        clone_repo(remote, clone)
        fake_release(clone, name, "1.0.0", README.replace(END, f"| {name} | 1.0.0 |\n" + END))
        jobs.append(clone)
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "packyard", "push-release", "--timeout", "120"],
            cwd=clone,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for clone in jobs
    ]
    logs = [job.communicate(timeout=300)[0] for job in running]
    assert [job.returncode for job in running] == [0, 0, 0], "\n".join(logs)
    assert sum("attempt 1/10" in log and "attempt 2/10" not in log for log in logs) >= 1
    assert any("waiting" in log for log in logs), "\n".join(logs)  # somebody retried
    assert git(remote, "tag", "--list").split() == ["a-v1.0.0", "b-v1.0.0", "c-v1.0.0"]
    tree = git(remote, "ls-tree", "-r", "--name-only", "main", ".packyard").split()
    assert tree == [f".packyard/releases/{n}.json" for n in ("a", "b", "c")]
    readme = git(remote, "show", "main:README.md")
    assert "<<<<<<<" not in readme and readme.count(START) == 1


# ---------------------------------------------------------------------------------------
# Documentation: GitLab Pages, an Azure artifact
# ---------------------------------------------------------------------------------------


def test_gitlab_pages_and_azure_docs_jobs_are_wired() -> None:
    config = load(GITLAB)
    pages = config["pages"]  # GitLab Pages deploys only a job named pages...
    assert pages["artifacts"]["paths"] == ["public"]  # ...and only its public/ artifact
    assert config["stages"].index(pages["stage"]) > config["stages"].index(
        config["release"]["stage"]
    )  # after the release child pipeline (strategy: depend), by stage order
    assert "needs" not in pages
    assert pages["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "when": "always"}]
    azure = load(AZURE)
    params = {p["name"]: p for p in azure["parameters"]}
    assert params["ghPages"]["type"] == "boolean" and params["ghPages"]["default"] == "false"
    publish = {job["job"]: job for job in azure["jobs"]}["publish"]["steps"]
    docs = next(s for s in publish if s.get("name") == "docs")
    artifact = next(s for s in publish if "publish" in s)
    ghpages = next(s for s in publish if s.get("name") == "ghpages")
    assert docs["bash"] == "nox -s docs" and artifact == {
        "publish": "site",
        "artifact": "docs",
        "displayName": "Publish site/ as the pipeline artifact docs",
    }
    assert publish.index(docs) < publish.index(artifact) < publish.index(ghpages)
    assert "parameters.ghPages" in ghpages["condition"] and ghpages["bash"] == "invoke docs-publish"


@pytest.mark.slow
def test_gitlab_pages_job_builds_every_site_into_public(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    """The pages job's script, for real (its pip install aside): the branch tip, every
    package's site and the repository's, copied to public/."""
    seed = make_repo(PACKAGES)
    for name in ("tasks.py", "noxfile.py"):
        shutil.copy(ROOT / name, seed / name)
    (seed / ".gitignore").write_text(".packyard/cache/\nbuild/\nsite/\npublic/\n")
    (seed / "mkdocs.yml").write_text(
        "site_name: demo\ndocs_dir: docs\nsite_dir: site\nstrict: true\n"
        "theme:\n  name: material\nnav:\n  - Home: index.md\n"
    )
    write_files(seed, {"docs/index.md": "# Demo\n\nThe packages.\n"})
    remote = tmp_path / "remote.git"
    init_with_remote(seed, remote, "initial", origin=True)
    work = tmp_path / "pages-job"
    git(tmp_path, "clone", "-q", str(remote), str(work))
    # The release jobs pushed after this pipeline's commit: the site shows their work.
    write_files(seed, {"packages/c.py": '"""Package c, released meanwhile."""\n'})
    git(seed, "commit", "-q", "-am", "release(c): v0.1.0")
    git(seed, "push", "-q", "origin", "main")
    script = [line for line in load(GITLAB)["pages"]["script"] if "pip install" not in line]
    bash("\n".join(script), work, {**clean_env(), "CI_COMMIT_BRANCH": "main"})
    public = work / "public"
    for page in ("index.html", "a/index.html", "b/index.html", "c/index.html"):
        assert (public / page).is_file(), page
    assert "released meanwhile" in (public / "c" / "index.html").read_text()


# ---------------------------------------------------------------------------------------
# A failed release does not stop the push of what was released
# ---------------------------------------------------------------------------------------


def run_github_job(steps: list[dict[str, Any]], cwd: Path, env: dict[str, str]) -> tuple[bool, str]:
    """Run a job's ``run`` steps as GitHub does: after a failure, only steps whose ``if``
    is ``${{ !cancelled() }}`` or ``${{ always() }}`` still run; the job fails if a step
    failed. Returns (passed, the output)."""
    passed, log = True, []
    for item in steps:
        if not passed and item.get("if") not in ("${{ !cancelled() }}", "${{ always() }}"):
            log.append(f"skipped: {item.get('name')}")
            continue
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", item["run"]],
            cwd=cwd, env=with_tools(env), capture_output=True, text=True,
        )  # fmt: skip
        log.append(f"ran: {item.get('name')} ({done.returncode})\n{done.stdout}{done.stderr}")
        passed = passed and done.returncode == 0
    return passed, "\n".join(log)


GITHUB_RELEASE_STEPS = (
    "invoke release ${{ matrix.packages }}",
    "Push the tag and tracking file (rebase and retry if main moved)",
)


def release_job_script(system: str) -> str:
    if system == "gitlab":
        child = pipelines.gitlab_child_pipeline(["gone"], release=True)
        return "\n".join(child["release-gone"]["script"])
    jobs = {job["job"]: job for job in load(AZURE)["jobs"]}
    return jobs["release"]["steps"][-1]["bash"]


@pytest.mark.parametrize("system", ["github", "gitlab", "azure"])
def test_a_failed_release_still_pushes_what_the_job_released(
    system: str, make_repo: RepoFactory, tmp_path: Path
) -> None:
    """A job of two packages: one released (its commit and tag are local), the other
    fails. The push still runs, the released one lands, and the job fails."""
    seed = make_repo(
        PACKAGES, packyard='[tool.packyard.repositories.nowhere]\nurl = "http://127.0.0.1:9/"\n'
    )
    shutil.copy(ROOT / "tasks.py", seed / "tasks.py")
    (seed / ".gitignore").write_text(".packyard/cache/\n")
    remote = tmp_path / "remote.git"
    init_with_remote(seed, remote, "initial")
    work = tmp_path / "job"
    clone_repo(remote, work)
    fake_release(work, "c", "0.2.0")  # the package of the job that did release
    env = {**os.environ, "PACKAGES": "gone", "GITHUB_REF_NAME": "main", "REPOSITORY": "nowhere",
           "TRUSTED_PUBLISHING": "", "CI_COMMIT_BRANCH": "main",
           "PACKYARD_REPOSITORY": "nowhere", "FEED": "nowhere", "BRANCH": "main"}  # fmt: skip
    if system == "github":
        workflow = ROOT / ".github/workflows/release.yml"
        steps = [step(workflow, "release", name) for name in GITHUB_RELEASE_STEPS]
        passed, log = run_github_job(steps, work, env)
    else:
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", release_job_script(system)],
            cwd=work, env=with_tools(env), capture_output=True, text=True,
        )  # fmt: skip
        passed, log = done.returncode == 0, done.stdout + done.stderr
    assert not passed, log
    assert "no package named 'gone'" in log
    assert "c-v0.2.0" in git(remote, "tag", "--list"), log
    git(remote, "merge-base", "--is-ancestor", "c-v0.2.0", "main")
    assert ".packyard/releases/c.json" in git(remote, "ls-tree", "-r", "--name-only", "main")


# ---------------------------------------------------------------------------------------
# The release race: two jobs of the GitHub matrix, for real
# ---------------------------------------------------------------------------------------

ALPHA = (
    '"""Alpha: say hello.\n\n>>> hello()\n\'hello\'\n"""\n\n\ndef hello():\n    return "hello"\n'
)
BETA = '"""Beta: count.\n\n>>> two()\n2\n"""\n\n\ndef two():\n    return 2\n'


ACORN = '"""Acorn: grow.\n\n>>> grow()\n2\n"""\n\n\ndef grow():\n    return 2\n'


@pytest.mark.slow
def test_two_release_jobs_race_to_push_and_both_land(
    make_repo: RepoFactory, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A merge changes alpha and beta and adds acorn, whose tests fail. Two jobs of the
    release matrix (acorn and alpha grouped, as over the job limit; beta) race to push: the
    failing acorn stops neither alpha's release nor its push, and its job fails."""
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
        remote = tmp_path / "remote.git"
        init_with_remote(seed, remote, "Add alpha and beta", origin=True)
        # A pull request that changes both packages and adds acorn, merged into main.
        git(seed, "checkout", "-q", "-b", "feature")
        write_files(seed, {"packages/alpha.py": ALPHA + "\n\nWORLD = 1\n"})
        git(seed, "commit", "-q", "-am", "feat(alpha): a world")
        write_files(seed, {"packages/beta.py": BETA + "\n\nTHREE = 3\n"})
        git(seed, "commit", "-q", "-am", "fix(beta): three")
        write_files(
            seed,
            {
                "packages/acorn.py": ACORN,
                "packages/test_acorn.py": "import acorn\n\n\ndef test():\n    assert acorn.grow() == 3\n",
            },
        )
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", "feat(acorn): new")
        git(seed, "checkout", "-q", "main")
        git(seed, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
        git(seed, "push", "-q", "origin", "main")

        workflow = ROOT / ".github/workflows/release.yml"
        env = clean_env(GITHUB_REF_NAME="main", REPOSITORY="race", TRUSTED_PUBLISHING="")
        out = tmp_path / "github-output"
        detect = step(workflow, "detect", "changed")["run"]
        bash(detect, seed, {**env, "BASE": "", "PACKAGES": "", "GITHUB_OUTPUT": str(out),
                            "GITHUB_STEP_SUMMARY": os.devnull})  # fmt: skip
        matrix = json.loads(github_outputs(out)["packages"])
        assert matrix == ["acorn", "alpha", "beta"]  # none released yet
        groups = pipelines.matrix_groups(matrix, 2)
        assert groups == ["acorn alpha", "beta"]

        # One clone per matrix job, all made before any pushes: one must retry.
        steps = [step(workflow, "release", name) for name in GITHUB_RELEASE_STEPS]
        clones = []
        for group in groups:
            clone = tmp_path / f"job-{group.replace(' ', '-')}"
            clone_repo(remote, clone)
            clones.append(clone)
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            jobs = list(
                pool.map(
                    lambda job: run_github_job(steps, job[0], {**env, "PACKAGES": job[1]}),
                    zip(clones, groups, strict=True),
                )
            )
        (grouped, grouped_log), (single, single_log) = jobs
        assert single, single_log
        assert not grouped, grouped_log  # acorn failed: the job fails...
        assert "FAILED    acorn" in grouped_log and "released  alpha 0.1.0" in grouped_log
        assert "ran: Push the tag and tracking file" in grouped_log  # ...after pushing alpha
        assert sum("attempt 2/10" in log for log in (grouped_log, single_log)) == 1

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
        clone_repo(remote, final)
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
        served = sorted(
            p.name for p in folder.iterdir() if p.name.startswith(("acorn", "alpha", "beta"))
        )
        assert served == [
            "alpha-0.1.0-py3-none-any.whl",
            "alpha-0.1.0.tar.gz",
            "beta-0.1.0-py3-none-any.whl",
            "beta-0.1.0.tar.gz",
        ]
        # The next push's detection: acorn (never released) only.
        bash(detect, final, {**env, "BASE": "", "PACKAGES": "", "GITHUB_OUTPUT": str(out),
                             "GITHUB_STEP_SUMMARY": os.devnull})  # fmt: skip
        assert json.loads(github_outputs(out)["packages"]) == ["acorn"]


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
    with loopback_server(_Exchange) as url:
        yield url


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


def test_release_jobs_keep_a_package_with_the_siblings_it_needs(tmp_path) -> None:
    from packyard.ci.pipelines import matrix_groups, release_units
    from packyard.repo import Repository

    root = tmp_path / "units"
    (root / "packages").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.packyard]\n")
    sources = {
        "base.py": '"""Base."""\n',
        "mid.py": '"""Mid."""\nimport base\n',
        "top.py": '"""Top."""\nimport mid\n',
        "solo.py": '"""Solo."""\nimport yaml\n',
    }
    for name, text in sources.items():
        (root / "packages" / name).write_text(text)
    repo = Repository.open(root)
    units = release_units(repo, ["top", "solo", "base"])
    # mid is not being released: top still needs base first, in the same job
    assert units == [["base", "top"], ["solo"]]
    assert matrix_groups([], units=units) == ["base top", "solo"]
    assert matrix_groups([], max_jobs=1, units=units) == ["base top solo"]
