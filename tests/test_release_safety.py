"""Releases that must not go wrong quietly: siblings, credentials, trusted publishing, and the
messages of each failure.

Everything is real and on loopback: a temporary git repository, builds, venvs, pypiserver
indexes (with htpasswd authentication where a test needs it; passlib), twine uploads, pip and
uv installs. A "public" index plays PyPI: the wheelhouse plus an unrelated project called
``unitconv`` at a higher version than the repository's own sibling ``unitconv``, so a test
can prove which one an install takes. A small HTTP server plays GitHub's identity-token
endpoint and PyPI's OIDC exchange for trusted publishing, and forwards uploads to a
pypiserver that accepts only the minted token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
import warnings
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from packyard.building.siblings import check_siblings
from packyard.building.venvs import clean_env
from packyard.childenv import child_env, hide_variables
from packyard.config import load_config
from packyard.errors import CommandFailed, ReleaseError
from packyard.index.local import LocalIndex, free_port
from packyard.index.query import project_files, sends_auth_to
from packyard.index.repositories import get_repository, load_repositories
from packyard.index.repository_config import PRESETS, Credentials
from packyard.release.pipeline import release, summary
from packyard.release.planning import ReleaseOptions
from packyard.release.publish import verify_install
from packyard.release.readme_table import END, START
from packyard.release.steps import ReleaseResult
from packyard.repo import Repository
from packyard.versions.tracking import releases
from tests.conftest import (
    ensure_wheelhouse,
    git,
    init_release_repo,
    init_repo,
    set_identity,
)

pytestmark = pytest.mark.slow

GUARD_PASSWORD = "guard-password-value"
PRIVATE_PASSWORD = "private-password-value"
MINTED = "pypi-minted-token-value"
IDENTITY = ".".join(
    base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
    for part in ({"alg": "none"}, {"aud": "test-audience", "sub": "repo:demo"}, "sig")
)
#: Every variable a child process must not see during a release (values are decoys).
SECRETS = {
    "TWINE_USERNAME": "decoy-user",
    "TWINE_PASSWORD": "decoy-twine-password",
    "GUARD_USER": "ci",  # a username-env: no pattern matches it, the configuration does
    "GUARD_TOKEN": "decoy-guard-token",
    "TP_TOKEN": "decoy-tp-token",
    "PYPI_API_TOKEN": "decoy-pypi-token",
    "TESTPYPI_API_TOKEN": "decoy-testpypi-token",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
    "MY_APP_SECRET": "decoy-secret",
    "DB_PASSWORD": "decoy-db-password",
}

UNITCONV = '''"""Convert lengths.

>>> km(1500)
1.5
"""


def km(metres):
    return metres / 1000
'''
TRIPCOST = '''"""The cost of a trip described in YAML, in kilometres.

>>> cost("{distance_m: 150000, price_per_km: 0.2}")
30.0
"""

import yaml

import unitconv


def cost(text):
    trip = yaml.safe_load(text)
    return round(unitconv.km(trip["distance_m"]) * trip["price_per_km"], 2)
'''
SIMPLE = '''"""{summary}

>>> one()
1
"""


def one():
    return 1
'''
ENVPROBE_TEST = """import json
import os
import time

import envprobe


def test_probe():
    with open({path!r}, "w") as stream:
        json.dump({{"time": time.time(), "keys": sorted(os.environ)}}, stream)
    assert envprobe.one() == 1
"""
README = f"# demo\n\nKept.\n\n{START}\n{END}\n\nKept too.\n"


def fake_wheel(folder: Path, name: str, version: str, module: str) -> Path:
    """A real, installable wheel of an unrelated project (what a public index may hold)."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": module,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


class AuthIndex(LocalIndex):
    """pypiserver with htpasswd authentication for ``actions`` (``update``, or
    ``list,download,update``)."""

    def __init__(self, directory: Path, htpasswd: Path, actions: str) -> None:
        super().__init__(directory)
        self.htpasswd = htpasswd
        self.actions = actions

    def command(self) -> list[str]:
        command = super().command()
        at = command.index("-a")
        command[at : at + 4] = ["-a", self.actions, "-P", str(self.htpasswd)]
        return command

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.simple_url, timeout=2).close()
                return True
            except urllib.error.HTTPError:
                return True  # answering, and asking for credentials
            except OSError:
                time.sleep(0.1)
        return False


def htpasswd(path: Path, users: dict[str, str]) -> Path:
    with warnings.catch_warnings():  # passlib imports the deprecated crypt module
        warnings.simplefilter("ignore", DeprecationWarning)
        from passlib.apache import HtpasswdFile

    file = HtpasswdFile(str(path), new=True, default_scheme="sha256_crypt")
    for user, password in users.items():
        file.set_password(user, password)
    file.save()
    return path


class _Exchange(BaseHTTPRequestHandler):
    """GitHub's identity-token endpoint and PyPI's OIDC exchange, on loopback; any other
    request (twine's upload) is forwarded to ``upstream``."""

    upstream: ClassVar[str] = ""
    mints: ClassVar[list[float]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/_/oidc/audience":
            self._reply(200, json.dumps({"audience": "test-audience"}).encode())
        elif self.path.startswith("/ci-token") and "audience=test-audience" in self.path:
            ok = self.headers["Authorization"] == "bearer request-token"
            self._reply(200 if ok else 403, json.dumps({"value": IDENTITY}).encode())
        else:
            self._reply(404, b"{}")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/_/oidc/mint-token":
            self.mints.append(time.time())
            ok = json.loads(body)["token"] == IDENTITY
            self._reply(200 if ok else 422, json.dumps({"token": MINTED}).encode())
            return
        request = urllib.request.Request(self.upstream + self.path.lstrip("/"), data=body)
        for header in ("Content-Type", "Authorization"):
            if self.headers[header]:
                request.add_header(header, self.headers[header])
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                self._reply(response.status, response.read(), "text/plain")
        except urllib.error.HTTPError as exc:
            self._reply(exc.code, exc.read(), "text/plain")


class _Recorder(BaseHTTPRequestHandler):
    """Records the Authorization header of each request; ``/hop/...`` redirects to the
    same path without ``/hop`` on the same origin; anything else is an empty project."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.path.startswith("/hop/"):
            self.send_response(302)
            self.send_header("Location", self.path[len("/hop") :])
            self.end_headers()
            return
        body = b"<!DOCTYPE html><html><body></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The public index, the authenticated indexes and the OIDC exchange."""
    base = tmp_path_factory.mktemp("safety-servers")
    public_dir = base / "public"
    shutil.copytree(ensure_wheelhouse(), public_dir)
    fake_wheel(public_dir, "unitconv", "9.0.0", 'raise ImportError("the public unitconv")\n')
    passwords = htpasswd(
        base / "htpasswd",
        {"ci": GUARD_PASSWORD, "vault": PRIVATE_PASSWORD, "__token__": MINTED},
    )
    public = LocalIndex(public_dir)
    guarded = AuthIndex(base / "guarded", passwords, "update")
    private = AuthIndex(base / "private", passwords, "list,download,update")
    started: list[LocalIndex] = []
    exchange = None
    try:
        for index in (public, guarded, private):
            started.append(index.start())
        _Exchange.upstream = guarded.url
        exchange = serve(_Exchange)
        yield {
            "public": public,
            "guarded": guarded,
            "private": private,
            "exchange": f"http://127.0.0.1:{exchange.server_address[1]}",
            "plain_port": free_port(),
        }
    finally:
        if exchange is not None:
            exchange.shutdown()
            exchange.server_close()
        for index in started:
            index.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, servers: dict[str, Any]) -> Path:
    root = tmp_path_factory.mktemp("safety-repo") / "repo"
    (root / "packages").mkdir(parents=True)
    probe = root.parent / "envprobe.json"
    guarded, private = servers["guarded"], servers["private"]
    files = {
        "packages/unitconv.py": UNITCONV,
        "packages/test_unitconv.py": "import unitconv\n\n\ndef test_km():\n"
        "    assert unitconv.km(2000) == 2\n",
        "packages/tripcost.py": TRIPCOST,
        "packages/test_tripcost.py": "import tripcost\n\n\ndef test_cost():\n"
        '    assert tripcost.cost("{distance_m: 1000, price_per_km: 2}") == 2\n',
        "packages/solo.py": SIMPLE.format(summary="Solo: fails on purpose in the tests."),
        "packages/vault.py": SIMPLE.format(summary="Vault: goes to a private index."),
        "packages/envprobe.py": SIMPLE.format(summary="Envprobe: what the tests' env holds."),
        "packages/test_envprobe.py": ENVPROBE_TEST.format(path=str(probe)),
        "README.md": README,
        "pyproject.toml": textwrap.dedent(
            f"""\
            [project]
            name = "demo"
            version = "0"

            [tool.packyard]
            index-url = "{servers["public"].simple_url}"

            [tool.packyard.repositories.plain]
            url = "http://127.0.0.1:{servers["plain_port"]}/"

            [tool.packyard.repositories.guarded]
            url = "{guarded.url}"
            username-env = "GUARD_USER"
            password-env = "GUARD_TOKEN"

            [tool.packyard.repositories.private]
            url = "{private.url}"
            username = "vault"
            password-env = "PRIVATE_TOKEN"

            [tool.packyard.repositories.tp]
            url = "{servers["exchange"]}/"
            index-url = "{guarded.simple_url}"
            username = "__token__"
            password-env = "TP_TOKEN"

            [tool.packyard.repositories.pypi]
            index-url = "{guarded.simple_url}"
            """
        ),
    }
    return init_release_repo(root, files, "Add the packages")


def run_release(
    root: Path, names: list[str], **options: Any
) -> tuple[list[ReleaseResult], list[str]]:
    lines: list[str] = []
    progress = options.pop("progress", lines.append)
    settings = {"pypirc": root.parent / "no-pypirc", "gates": False, **options}
    results = release(Repository.open(root), names, ReleaseOptions(**settings), progress=progress)
    return results, lines


def state(root: Path) -> dict[str, Any]:
    """What a failed release must leave as it was."""
    folder = root / ".packyard" / "releases"
    return {
        "head": git(root, "rev-parse", "HEAD"),
        "tags": git(root, "tag", "--list"),
        "status": git(root, "status", "--porcelain"),
        "tracking": sorted(p.name for p in folder.glob("*")) if folder.is_dir() else [],
        "readme": (root / "README.md").read_text(),
    }


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    env.update(extra)
    return env


# -- dry runs: no credentials needed; siblings planned earlier in the run count --------


def test_dry_run_to_pypi_needs_no_token_and_orders_siblings(project: Path) -> None:
    before = state(project)
    env = cli_env()
    done = subprocess.run(
        [sys.executable, "-m", "packyard", "release", "tripcost", "unitconv", "solo",
         "--dry-run", "--repository", "pypi", "--skip-gates"],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "order: unitconv, tripcost, solo (siblings first)" in out
    assert "missing credentials for repository 'pypi'" in out and "$PYPI_API_TOKEN" in out
    assert "upload.pypi.org/legacy/" in out  # what it would do, without doing it
    for name in ("unitconv", "tripcost", "solo"):
        assert f"planned   {name} 0.1.0" in out
    # Alone, tripcost finds no unitconv on the index: stopped before anything is built.
    done = subprocess.run(
        [sys.executable, "-m", "packyard", "release", "tripcost", "--dry-run", "-r", "pypi"],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1
    assert "FAILED    tripcost at siblings" in done.stdout
    assert "tripcost needs its sibling unitconv" in done.stderr  # the error, once
    assert (done.stdout + done.stderr).count("needs its sibling unitconv") == 1
    assert "release unitconv to 'pypi' first" in done.stderr
    assert state(project) == before


def test_check_siblings_names_what_is_missing() -> None:
    needs = [Requirement("unitconv>=0.2")]
    on_index = {"unitconv": [Version("0.1.0")]}

    def lookup(name: str) -> list[Version]:
        return on_index.get(name, [])

    with pytest.raises(ReleaseError, match=r"has: 0\.1\.0\); its release failed") as info:
        check_siblings(
            "tripcost", needs, lookup, where="X", repository="r", failed={"unitconv": "tests"}
        )
    assert 'invoke release "unitconv tripcost" --repository r' in (info.value.hint or "")
    check_siblings("tripcost", needs, lookup, where="X", repository="r", planned={
        "unitconv": Version("0.2.0")
    })  # fmt: skip
    on_index["unitconv"].append(Version("0.3.0"))
    check_siblings("tripcost", needs, lookup, where="X", repository="r")


# -- siblings: released first, verified from the release index only --------------------


def test_siblings_come_first_and_only_from_the_release_index(
    project: Path, servers: dict[str, Any], tmp_path: Path
) -> None:
    root = project
    before = state(root)
    results, lines = run_release(root, ["tripcost"], repository="local")
    error = results[0].error
    assert isinstance(error, ReleaseError), summary(results)
    assert "tripcost needs its sibling unitconv" in error.message
    assert "release unitconv to 'local' first" in (error.hint or "")
    assert [s for s, _ in results[0].steps] == ["plan", "index", "siblings"]
    assert not (root / "dist" / "tripcost").exists() and state(root) == before

    # Named in the wrong order: unitconv goes first, then tripcost finds it.
    results, lines = run_release(root, ["tripcost", "unitconv"], repository="local")
    assert "order: unitconv, tripcost (siblings first)" in lines
    assert [(r.package, r.status) for r in results] == [
        ("unitconv", "released"),
        ("tripcost", "released"),
    ], summary(results)
    # The public index has an unrelated unitconv 9.0.0 (it raises on import): the
    # verification took the repository's own 0.1.0 from the release index.
    assert results[1].verified == {"tripcost": "0.1.0", "unitconv": "0.1.0"}
    wheel = next((root / ".packyard" / "index").glob("tripcost-0.1.0-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("tripcost-0.1.0.dist-info/METADATA").decode()
    assert "Requires-Dist: unitconv>=0.1.0" in metadata

    # The README: the local index alone, never --extra-index-url.
    readme = (root / "README.md").read_text()
    row = next(line for line in readme.splitlines() if "[`tripcost`]" in line)
    command = "pip install --index-url http://127.0.0.1:8765/simple/ tripcost"
    assert f"`{command}`" in row and "extra-index-url" not in readme

    # pip without uv takes the same, through the same two steps.
    with LocalIndex(root / ".packyard" / "index") as local:
        target = get_repository(load_config(root), "local").with_urls(local.url, local.simple_url)
        got = verify_install(
            target,
            "tripcost",
            "tripcost",
            "0.1.0",
            deps_index_url=servers["public"].simple_url,
            siblings=["unitconv>=0.1.0"],
            prefer_uv=False,
        )
    assert got == {"tripcost": "0.1.0", "unitconv": "0.1.0"}

    # The README's command works against `invoke index`: PyYAML comes through its
    # redirect to the configured index, unitconv from the local index.
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "invoke", "index", "--port", str(port)],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/simple/"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        subprocess.run([sys.executable, "-m", "venv", tmp_path / "venv"], check=True)
        python = tmp_path / "venv" / "bin" / "python"
        env = clean_env(PIP_CONFIG_FILE=os.devnull)
        args = command.replace("http://127.0.0.1:8765/", f"http://127.0.0.1:{port}/").split()
        done = subprocess.run(
            [python, "-m", *args], env=env, capture_output=True, text=True, cwd=tmp_path
        )
        assert done.returncode == 0, done.stdout + done.stderr
        code = (
            "import json, tripcost, importlib.metadata as m; print(json.dumps("
            "[tripcost.cost('{distance_m: 150000, price_per_km: 0.2}'), m.version('unitconv')]))"
        )
        out = subprocess.run(
            [python, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path
        )
        assert json.loads(out.stdout) == [30.0, "0.1.0"], out.stderr
    finally:
        os.kill(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert f"pip install --index-url {url} NAME" in output


# -- credentials: only twine gets them; trusted publishing mints at the upload ---------


def test_clean_env_drops_credentials(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = {"PACKYARD_PROBE_MARKER": "visible", "OTHER_USER": "x", "UNLISTED_VARIABLE": "x"}
    for key, value in {**SECRETS, **extra}.items():
        monkeypatch.setenv(key, value)
    load_repositories(load_config(project))  # registers GUARD_USER, a username-env
    hide_variables(["other_user"])
    code = "import json, os; print(json.dumps(sorted(os.environ)))"
    for env in (clean_env(), child_env()):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        keys = set(json.loads(done.stdout))
        assert "PACKYARD_PROBE_MARKER" in keys
        # An allow-list: a variable nobody named does not pass either.
        absent = {*SECRETS, "OTHER_USER", "UNLISTED_VARIABLE"}
        assert not keys & absent, keys & absent


def test_trusted_publishing_mints_at_the_upload_and_no_child_sees_a_secret(
    project: Path, servers: dict[str, Any]
) -> None:
    root = project
    probe = root.parent / "envprobe.json"
    _Exchange.mints.clear()
    env = cli_env(
        **SECRETS,
        PACKYARD_PROBE_MARKER="visible",
        GITHUB_ACTIONS="true",
        ACTIONS_ID_TOKEN_REQUEST_URL=f"{servers['exchange']}/ci-token?x=1",
    )
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "release", "envprobe", "--repository", "tp",
         "--trusted-publishing"],
        cwd=root, env=env, capture_output=True, text=True,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "released  envprobe 0.1.0" in done.stdout
    # The upload went through with the minted token: the index accepts only that one.
    assert (servers["guarded"].directory / "envprobe-0.1.0.tar.gz").is_file()
    seen = json.loads(probe.read_text())
    assert "PACKYARD_PROBE_MARKER" in seen["keys"]
    assert not set(seen["keys"]) & set(SECRETS), set(seen["keys"]) & set(SECRETS)
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" not in seen["keys"]
    # Minted once, after the tests ran (right before the upload), and never printed.
    assert len(_Exchange.mints) == 1 and _Exchange.mints[0] > seen["time"]
    assert MINTED not in output
    assert all(value not in output for value in SECRETS.values() if len(value) > 3)


# -- failures: each stops the package with a message that says what to do -------------


def test_upload_refused_credentials(project: Path, servers: dict[str, Any]) -> None:
    before = state(project)
    files = sorted(p.name for p in servers["guarded"].directory.iterdir())
    results, _ = run_release(
        project,
        ["solo"],
        repository="guarded",
        environ={"GUARD_USER": "unknown-user-name", "GUARD_TOKEN": "wrong-guard-password"},
    )
    error = results[0].error
    assert isinstance(error, CommandFailed) and error.step == "upload", summary(results)
    assert "refused the credentials (HTTP 403)" in error.message
    assert "$GUARD_TOKEN" in (error.hint or "")
    # Neither the password nor the user name is printed; twine's quote is plain text.
    assert "wrong-guard-password" not in error.render() + error.output
    assert "unknown-user-name" not in error.render()
    assert "\x1b" not in error.render() + error.output
    assert state(project) == before
    assert sorted(p.name for p in servers["guarded"].directory.iterdir()) == files


def test_upload_of_an_existing_file_is_rejected(project: Path, servers: dict[str, Any]) -> None:
    folder = project.parent / "plain-existing"
    before = state(project)
    with LocalIndex(folder, port=servers["plain_port"]) as plain:

        def race(line: str) -> None:  # another upload lands between the check and ours
            if line.startswith("[upload]"):
                for sdist in (project / "dist" / "solo").glob("*.tar.gz"):
                    shutil.copy(sdist, plain.directory / sdist.name)

        results, _ = run_release(project, ["solo"], repository="plain", progress=race)
    error = results[0].error
    assert isinstance(error, CommandFailed) and error.step == "upload", summary(results)
    assert "HTTP 400" in error.message and "solo-0.1.0.tar.gz" in error.message
    assert "invoke release solo --bump patch" in (error.hint or "")
    assert state(project) == before


def test_verify_failure_says_a_rerun_adopts(project: Path, servers: dict[str, Any]) -> None:
    folder = project.parent / "plain-verify"
    before = state(project)
    plain = LocalIndex(folder, port=servers["plain_port"]).start()

    def stop_at_verify(line: str) -> None:
        if line.startswith("[verify]"):
            plain.stop()

    try:
        results, _ = run_release(project, ["solo"], repository="plain", progress=stop_at_verify)
    finally:
        plain.stop()
    result = results[0]
    assert result.status == "failed" and [s for s, _ in result.steps][-2:] == ["upload", "verify"]
    error = result.error
    assert isinstance(error, ReleaseError)
    assert "solo 0.1.0 was uploaded to 'plain' but did not verify" in error.message
    hint = error.hint or ""
    assert "run invoke release solo --repository plain again: it adopts those files" in hint
    assert "invoke release solo --bump patch" in hint
    assert sorted(p.name for p in folder.glob("solo-*")) == [
        "solo-0.1.0-py3-none-any.whl",
        "solo-0.1.0.tar.gz",
    ]
    assert state(project) == before


def test_unreachable_index_at_the_query(project: Path) -> None:
    results, _ = run_release(project, ["solo"], repository="plain")
    error = results[0].error
    assert isinstance(error, ReleaseError) and "cannot reach the index" in error.message
    assert "is the index running" in (error.hint or "")
    assert [s for s, _ in results[0].steps] == ["plan", "index"]


def test_private_index_read_with_credentials(project: Path, servers: dict[str, Any]) -> None:
    private = servers["private"]
    with pytest.raises(ReleaseError, match="answered HTTP 401"):
        project_files(private.simple_url, "vault")  # it does need them
    results, _ = run_release(
        project, ["vault"], repository="private", environ={"PRIVATE_TOKEN": PRIVATE_PASSWORD}
    )
    assert results[0].status == "released", summary(results)
    assert results[0].verified == {"vault": "0.1.0"}
    assert releases(project / ".packyard", "vault")[-1]["repository"] == "private"


# -- the index query: no credentials to public indexes or to other hosts ---------------


def test_index_query_keeps_credentials_on_their_origin(project: Path, tmp_path: Path) -> None:
    config = load_config(project)
    credentials = Credentials("__token__", "pypi-token", "$PYPI_API_TOKEN")
    # PyPI's and TestPyPI's simple indexes are public: read without the upload token.
    assert PRESETS["pypi"].index_auth(credentials) is None
    assert PRESETS["testpypi"].index_auth(credentials) is None
    assert get_repository(config, "testpypi", pypirc=tmp_path / "none").public_index
    # This project points pypi at another index: not known to be public any more.
    assert get_repository(config, "pypi", pypirc=tmp_path / "none").index_auth(credentials)
    assert get_repository(config, "guarded").index_auth(credentials) == ("__token__", "pypi-token")
    assert not sends_auth_to("https://pypi.org/simple/")
    assert not sends_auth_to("https://test.pypi.org/simple/")

    _Recorder.seen.clear()
    other = serve(_Recorder, host="127.0.0.2")
    try:
        other_url = f"http://127.0.0.2:{other.server_address[1]}"
        with LocalIndex(tmp_path / "empty", fallback_url=f"{other_url}/simple/") as index:
            # 127.0.0.1 redirects a project it lacks to 127.0.0.2: no credentials follow.
            assert project_files(index.simple_url, "elsewhere", auth=("u", "secret")) == []
        assert _Recorder.seen == [("/simple/elsewhere/", None)]
        # A redirect on the same origin keeps them.
        _Recorder.seen.clear()
        project_files(f"{other_url}/hop/simple/", "here", auth=("u", "secret"))
        expected = "Basic " + base64.b64encode(b"u:secret").decode()
        assert _Recorder.seen == [("/hop/simple/here/", expected), ("/simple/here/", expected)]
    finally:
        other.shutdown()
        other.server_close()


def test_git_hooks_never_see_credentials(tmp_path, monkeypatch) -> None:
    from packyard import gitutil

    repo = tmp_path / "hooked"
    repo.mkdir()
    gitutil.git(repo, "init", "-q")
    set_identity(repo)
    seen = tmp_path / "hook-env.txt"
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nenv > {seen}\n")
    hook.chmod(0o755)
    monkeypatch.setenv("PYPI_API_TOKEN", "pypi-decoy-secret")
    monkeypatch.setenv("TWINE_PASSWORD", "decoy-password")
    (repo / "a.txt").write_text("a\n")
    gitutil.commit_paths(repo, [repo / "a.txt"], "add a")
    env = seen.read_text()
    assert "GIT_TERMINAL_PROMPT=0" in env  # the hook ran with packyard's environment
    assert "decoy" not in env


def test_packyards_own_outputs_do_not_make_the_tree_dirty(make_repo) -> None:
    from packyard.errors import ReleaseError
    from packyard.release.planning import check_work_tree

    root = make_repo({"packages/solo.py": '"""Solo."""\n'})
    init_repo(root)
    for generated in ("build/solo/x.py", "dist/solo/x.whl", ".packyard/cache/imports.marshal"):
        (root / generated).parent.mkdir(parents=True, exist_ok=True)
        (root / generated).write_text("x")
    check_work_tree(Repository.open(root))  # no .gitignore, still clean
    (root / "packages" / "solo.py").write_text('"""Solo, edited."""\n')
    with pytest.raises(ReleaseError, match=r"uncommitted changes: packages/solo\.py\n"):
        check_work_tree(Repository.open(root))
