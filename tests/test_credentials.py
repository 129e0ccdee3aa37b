"""Credentials reach twine and nothing else.

A repository with git hooks installed through ``core.hooksPath`` (pre-commit, post-commit,
pre-push, reference-transaction, post-rewrite) and a package whose tests run: each hook
and each test run dumps its whole environment to a file. With sentinel values in
``PYPI_API_TOKEN``, ``TWINE_USERNAME``/``TWINE_PASSWORD`` and the configured repository's
``username-env``/``password-env`` variables (names no pattern recognises), ``nox -s
test_install-NAME``, ``invoke release NAME --push``, ``invoke ci --release`` and ``invoke
push-release`` run for real (real git, a real bare remote, twine uploading to the real
pypiserver of the ``local_index`` fixture): no dump holds any sentinel, while the upload
went through (twine had them)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from packyard import childenv
from packyard.errors import CommandFailed
from packyard.index.local import LocalIndex
from packyard.proc import run
from packyard.release.readme_table import END, START
from tests.conftest import ROOT, RepoFactory, clone_repo, git, init_with_remote, write_files

SENTINELS = {
    "PYPI_API_TOKEN": "sentinel-pypi-api-token-41",
    "TWINE_USERNAME": "sentinel-twine-user-41",
    "TWINE_PASSWORD": "sentinel-twine-password-41",
    "LEAK_USER": "sentinel-username-env-41",  # the repository's username-env
    "INDEX_KEY": "sentinel-password-env-41",  # its password-env: no TOKEN/PASSWORD in it
}
HOOKS = ("pre-commit", "post-commit", "pre-push", "reference-transaction", "post-rewrite")

PACKAGE = '''"""Leakcheck: a package whose tests write down their environment.

>>> one()
1
"""


def one():
    return 1
'''
PACKAGE_TEST = """import os

import leakcheck


def test_dump_the_environment():
    path = os.path.join({dumps!r}, "pytest-%d.env" % os.getpid())
    with open(path, "w") as stream:
        stream.write("\\n".join(f"{{k}}={{v}}" for k, v in os.environ.items()))
    assert leakcheck.one() == 1
"""
HOOK = """#!/bin/sh
env > "{dumps}/hook-{name}-$$.env"
cat > /dev/null
exit 0
"""


def _install_hooks(root: Path, dumps: Path) -> None:
    hooks = root.parent / "hooks"
    hooks.mkdir()
    for name in HOOKS:
        path = hooks / name
        path.write_text(HOOK.format(dumps=dumps, name=name))
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    git(root, "config", "core.hooksPath", str(hooks))


def _run(root: Path, *argv: str) -> str:
    env = {**os.environ, **SENTINELS}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, "-m", *argv], cwd=root, env=env, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    return output


def _leaks(dumps: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(dumps.iterdir()):
        text = path.read_text(errors="replace")
        hits = [name for name, value in SENTINELS.items() if value in text]
        if hits:
            found[path.name] = hits
    return found


def _kinds(dumps: Path) -> set[str]:
    return {p.name.rsplit("-", 1)[0] for p in dumps.iterdir()}


@pytest.mark.slow
def test_no_child_but_twine_sees_a_credential(
    make_repo: RepoFactory, local_index: LocalIndex, tmp_path: Path
) -> None:
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    root = make_repo(
        {
            "packages/leakcheck.py": PACKAGE,
            "packages/test_leakcheck.py": PACKAGE_TEST.format(dumps=str(dumps)),
            "README.md": f"# demo\n\n{START}\n{END}\n",
        },
        packyard=f"""
        index-url = "{local_index.simple_url}"

        [tool.packyard.repositories.leaky]
        url = "{local_index.url}"
        index-url = "{local_index.simple_url}"
        username-env = "LEAK_USER"
        password-env = "INDEX_KEY"
        """,
    )
    shutil.copy(ROOT / "tasks.py", root / "tasks.py")
    shutil.copy(ROOT / "noxfile.py", root / "noxfile.py")
    shutil.copy(ROOT / ".gitignore", root / ".gitignore")
    remote = tmp_path / "remote.git"
    init_with_remote(root, remote, origin=True)
    _install_hooks(root, dumps)

    # 1. The test-install: build, twine check, venv, install, the package's tests.
    _run(root, "nox", "-s", "test_install-leakcheck")
    assert _kinds(dumps) == {"pytest"}, sorted(dumps.iterdir())

    # 2. A release pushed at once: commit and tag hooks, pre-push, the upload.
    out = _run(root, "invoke", "release", "leakcheck", "--repository", "leaky", "--push")
    assert "leakcheck-0.1.0.tar.gz" in {p.name for p in local_index.directory.iterdir()}, out
    assert "leakcheck-v0.1.0" in git(remote, "tag", "--list")
    assert {"hook-pre-commit", "hook-post-commit", "hook-pre-push"} <= _kinds(dumps)
    assert "hook-reference-transaction" in _kinds(dumps)

    # 3. CI on a change: its test step and its release step (recorded, not pushed).
    write_files(root, {"packages/leakcheck.py": PACKAGE + "\n\ndef two():\n    return 2\n"})
    git(root, "commit", "-qam", "feat(leakcheck): two")
    _run(root, "invoke", "ci", "--base", "HEAD~1", "--release", "--repository", "leaky")
    assert "leakcheck-0.2.0.tar.gz" in {p.name for p in local_index.directory.iterdir()}

    # 4. Another job pushed meanwhile: push-release rebases (post-rewrite), then pushes.
    other = clone_repo(remote, tmp_path / "other")
    write_files(other, {"notes.txt": "another job\n"})
    git(other, "add", "notes.txt")
    git(other, "commit", "-qm", "docs: notes")
    git(other, "push", "-q", "origin", "main")
    _run(root, "invoke", "push-release")
    assert "leakcheck-v0.2.0" in git(remote, "tag", "--list")
    assert "hook-post-rewrite" in _kinds(dumps)

    # Every hook ran, the package's tests ran more than once, and no dump holds a secret.
    assert {f"hook-{name}" for name in HOOKS} | {"pytest"} <= _kinds(dumps)
    assert len([p for p in dumps.iterdir() if p.name.startswith("pytest-")]) >= 3
    assert _leaks(dumps) == {}


@pytest.mark.parametrize("no_color", ["1", None])
def test_quoted_output_is_plain_text(no_color: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that colours its messages whatever NO_COLOR says (as twine's rich
    output does): the output packyard quotes holds no escape sequence."""
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    code = (
        "import sys; print('\\x1b[31mERROR\\x1b[0m HTTPError: 403 Forbidden "
        "\\x1b]8;;https://x\\x07link\\x1b]8;;\\x07'); sys.exit(1)"
    )
    with pytest.raises(CommandFailed) as info:
        run([sys.executable, "-c", code], step="upload")
    assert info.value.output.strip() == "ERROR HTTPError: 403 Forbidden link"
    assert "\x1b" not in info.value.render()


def test_git_gets_the_push_token_for_a_push_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PACKYARD_PUSH_TOKEN", "push-token-41")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent.sock")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Someone")
    for args, has_token in (
        (["push", "origin", "main"], True),
        (["-C", "x", "fetch", "origin"], True),
        (["commit", "-m", "push"], False),
        (["-c", "push.default=simple", "tag", "v1"], False),
    ):
        env = childenv.git_env(args)
        assert ("PACKYARD_PUSH_TOKEN" in env) is has_token, args
        assert env["GIT_AUTHOR_NAME"] == "Someone" and env["SSH_AUTH_SOCK"] == "/tmp/agent.sock"
        assert not set(SENTINELS) & set(env)
    # Other children get neither the push token nor the agent.
    plain = childenv.child_env()
    assert not {"PACKYARD_PUSH_TOKEN", "SSH_AUTH_SOCK", *SENTINELS} & set(plain)
    # The release steps of `invoke ci --release` get the credential variables.
    childenv.hide_variables(["LEAK_USER", "INDEX_KEY"])
    assert set(SENTINELS) <= set(childenv.release_env())
