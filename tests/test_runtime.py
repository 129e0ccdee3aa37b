"""packyard serve, app, mcp, artifacts and show, run as real processes on 127.0.0.1 against
the example package ``wordstats`` installed from its built wheel into a venv.

The venv: FastAPI, uvicorn, Streamlit (with pandas, pyarrow...) and the MCP SDK would make
the test index's wheelhouse about 100 MB, so the venv reaches packyard's own environment
(which has them through the ``serve`` extra, part of ``test``) with a ``.pth`` file that
adds its site-packages, and the wheel installs with ``--no-deps``. What the tests exercise
is the installed wheel: its metadata, entry points, console scripts and package data. That
its dependencies resolve from an index is what ``nox -s test_install-wordstats`` proves.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import shutil
import signal
import subprocess
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from packyard.building.testinstall import build_and_check
from packyard.building.venvs import create_venv, find_uv
from packyard.cli import build_parser
from packyard.index.local import free_port
from packyard.repo import Repository

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "packages" / "wordstats"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """wordstats built from a copy of the example and installed in a fresh venv that also
    sees packyard's environment."""
    base = tmp_path_factory.mktemp("runtime")
    root = base / "repo"
    (root / "packages").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "r"\nversion = "0"\n[tool.packyard]\n')
    shutil.copytree(
        EXAMPLE, root / "packages" / "wordstats", ignore=shutil.ignore_patterns("__pycache__")
    )
    _, artifacts, _ = build_and_check(
        Repository.open(root).resolve("wordstats"), progress=lambda _: None
    )
    venv = create_venv(base / "venv")
    site = subprocess.run(
        [venv.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    parent = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    # "import" lines of a .pth run at startup: addsitedir also reads the parent's .pth files
    # (packyard's own editable install among them).
    (Path(site) / "_packyard_parent.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in parent)
    )
    uv = find_uv() if venv.backend == "uv" else None
    install = (
        [uv, "pip", "install", "--python", str(venv.python), "--offline"]
        if uv
        else [str(venv.python), "-m", "pip", "install", "--no-index"]
    )
    subprocess.run(
        [*install, "--no-deps", str(artifacts.wheel)],
        env=venv.env(),
        capture_output=True,
        check=True,
    )
    work = base / "work"
    work.mkdir()
    yield SimpleNamespace(venv=venv, wheel=artifacts.wheel, work=work, env=venv.env())


def _packyard(
    installed: SimpleNamespace, *args: str, code: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m packyard ARGS`` in the venv (``code`` runs first, in the same process)."""
    program = f"{code}\nfrom packyard.cli import main\nraise SystemExit(main({list(args)!r}))"
    return subprocess.run(
        [installed.venv.python, "-c", program],
        cwd=installed.work,
        env=installed.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class _Server:
    """A command started in its own process group, stopped by its PID."""

    def __init__(self, installed: SimpleNamespace, args: list[str], log: Path) -> None:
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [installed.venv.python, "-m", "packyard", *args],
                cwd=installed.work,
                env=installed.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_for(self, url: str, timeout: float = 60.0) -> bytes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    return response.read()
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        pytest.fail(f"{url} did not answer within {timeout} s:\n{self.log.read_text()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def _json(url: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _closed(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.URLError as exc:
        return isinstance(exc.reason, ConnectionRefusedError)
    return False


def test_wheel_core_needs_click_only_and_names_its_parts(installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        metadata = wheel.read("wordstats-0.0.0.dist-info/METADATA").decode()
        points = wheel.read("wordstats-0.0.0.dist-info/entry_points.txt").decode()
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert [r for r in requires if "extra ==" not in r] == ["Requires-Dist: click"]
    assert "Requires-Dist: fastapi; extra == 'api'" in requires
    assert "Requires-Dist: streamlit; extra == 'app'" in requires
    assert "Requires-Dist: mcp>=2; extra == 'mcp'" in requires
    assert "[packyard.routes]\nwordstats = wordstats.routes:router" in points
    assert "[packyard.apps]\nwordstats = wordstats.app" in points
    assert "[packyard.mcp]\nwordstats = wordstats.mcp:mcp" in points


def test_console_scripts_of_the_click_group(installed) -> None:
    bin_dir = installed.venv.bin_dir
    run = {"cwd": installed.work, "env": installed.env, "capture_output": True, "text": True}
    text = subprocess.run([bin_dir / "wordstats", "sample", "fox"], check=True, **run).stdout
    assert text == (EXAMPLE / "artifacts/samples/fox.txt").read_text()
    top = subprocess.run([bin_dir / "wordstats-top", "-n", "1"], input=text, check=True, **run)
    assert top.stdout.split() == ["4", "fox"]
    usage = subprocess.run([bin_dir / "wordstats", "--help"], check=True, **run).stdout
    assert {"stats", "top", "sample"} <= set(usage.split())
    bad = subprocess.run([bin_dir / "wordstats", "top", "-n", "0"], input="x", **run)
    assert bad.returncode == 2 and "at least 1" in bad.stderr


def test_serve_routes_over_http_then_stop_by_pid(installed) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _Server(
        installed, ["serve", "wordstats", "--port", str(port)], installed.work / "serve.log"
    )
    try:
        index = json.loads(server.wait_for(f"{base}/"))
        assert index["packages"]["wordstats"] == {
            "distribution": "wordstats",
            "version": "0.0.0",
            "prefix": "/wordstats",
        }
        stats = _json(f"{base}/wordstats/stats", {"text": "One two. Three!"})
        assert stats["words"] == 3 and stats["sentences"] == 2  # type: ignore[index]
        top = _json(f"{base}/wordstats/top?n=1", {"text": "b a b the the"})
        assert top == [{"word": "b", "count": 2}]
        schema = _json(f"{base}/openapi.json")
        assert {"/wordstats/stats", "/wordstats/top", "/wordstats/samples/{name}"} <= set(
            schema["paths"]  # type: ignore[index]
        )
        with urllib.request.urlopen(f"{base}/docs", timeout=10) as page:
            assert "swagger-ui" in page.read().decode()
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert _closed(f"{base}/")


def _post(port: int, path: str, body: bytes, *, chunked: bool = False) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"}
        if chunked:  # no Content-Length: the size shows only while reading
            pieces = (body[i : i + 1000] for i in range(0, len(body), 1000))
            connection.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
        else:
            connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_serve_refuses_a_body_over_the_limit_with_413(installed) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _Server(
        installed,
        ["serve", "wordstats", "--port", str(port), "--max-body-bytes", "4096"],
        installed.work / "serve-limit.log",
    )
    try:
        server.wait_for(f"{base}/")
        small = json.dumps({"text": "one two"}).encode()
        large = json.dumps({"text": "word " * 2000}).encode()  # 10,000+ bytes
        for chunked in (False, True):
            status, body = _post(port, "/wordstats/stats", small, chunked=chunked)
            assert status == 200 and json.loads(body)["words"] == 2
            status, body = _post(port, "/wordstats/stats", large, chunked=chunked)
            assert status == 413, body
            assert "limit of 4096 bytes" in json.loads(body)["detail"]
        # Still serving after refusing.
        assert json.loads(server.wait_for(f"{base}/"))["packages"]
    finally:
        server.stop()
    # The default, without the option: 10 MiB.
    parser = build_parser()
    args = parser.parse_args(["serve", "wordstats"])
    assert args.max_body_bytes == 10 * 1024 * 1024


def test_streamlit_app_health_then_stop_by_pid(installed) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _Server(
        installed, ["app", "wordstats", "--port", str(port)], installed.work / "app.log"
    )
    try:
        assert server.wait_for(f"{base}/_stcore/health") == b"ok"
        with urllib.request.urlopen(f"{base}/", timeout=10) as page:
            assert "<title>Streamlit</title>" in page.read().decode()
    finally:
        server.stop()
    assert _closed(f"{base}/_stcore/health")
    assert "wordstats/app.py" in server.log.read_text()


def test_mcp_server_over_stdio_lists_and_calls_its_tools(installed) -> None:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(
        command=str(installed.venv.python),
        args=["-m", "packyard", "mcp", "wordstats"],
        env=installed.env,
        cwd=installed.work,
    )

    async def talk() -> tuple[set[str], object]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            called = await session.call_tool("text_stats", {"text": "One two. Three!"})
            return {tool.name for tool in tools.tools}, called

    names, called = asyncio.run(asyncio.wait_for(talk(), timeout=60))
    assert names == {"text_stats", "frequent_words"}
    assert not called.is_error  # type: ignore[attr-defined]
    assert called.structured_content["words"] == 3  # type: ignore[attr-defined]


def test_artifacts_extract_the_same_bytes_and_refuse_escapes(installed, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    run = _packyard(installed, "artifacts", "wordstats", "--extract", str(dest))
    assert run.returncode == 0, run.stderr
    source = EXAMPLE / "artifacts"
    expected = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert got == expected == ["samples/fox.txt", "samples/garden.txt", "stopwords/en.txt"]
    for relative in expected:
        assert (dest / relative).read_bytes() == (source / relative).read_bytes()
    assert run.stdout.split() == [str(dest.resolve() / r) for r in expected]

    listing = _packyard(installed, "artifacts", "wordstats", "--json", "--only", "samples")
    assert json.loads(listing.stdout) == [
        {"path": f"samples/{n}.txt", "size": (source / f"samples/{n}.txt").stat().st_size}
        for n in ("fox", "garden")
    ]
    escape = tmp_path / "escape"
    bad = _packyard(
        installed, "artifacts", "wordstats", "--only", "../__init__.py", "--extract", str(escape)
    )
    assert bad.returncode == 1
    assert "'../__init__.py' is not a path inside the package's artifacts" in bad.stderr
    assert not escape.exists()
    # A symlink in the destination leads out: refused before any folder or file is made.
    trap = tmp_path / "trap"
    trap.mkdir()
    (trap / "stopwords").symlink_to(tmp_path / "elsewhere" / "deeper")
    bad = _packyard(installed, "artifacts", "wordstats", "--extract", str(trap))
    assert bad.returncode == 1
    assert "stopwords/en.txt would be written outside" in bad.stderr
    assert not (tmp_path / "elsewhere").exists()
    assert [p.name for p in trap.iterdir()] == ["stopwords"]  # no samples/ either


def test_show_describes_the_installed_package(installed) -> None:
    run = _packyard(installed, "show", "wordstats", "--json")
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout)
    assert shown["version"] == "0.0.0"
    assert shown["scripts"] == {
        "wordstats": "wordstats.cli:main",
        "wordstats-top": "wordstats.cli:top",
    }
    assert "POST /wordstats/stats" in shown["routes"]["paths"]
    assert shown["app"] == {"entry_point": "wordstats.app", "extra": "app"}
    assert shown["mcp"]["tools"] == ["frequent_words", "text_stats"]
    assert shown["artifacts"][0]["path"] == "samples/fox.txt"
    assert Path(shown["location"]).is_relative_to(installed.venv.path)
    text = _packyard(installed, "show", "wordstats").stdout
    assert "routes: wordstats.routes:router  (extra api; run: packyard serve wordstats)" in text


def test_missing_extras_are_named(installed) -> None:
    # sys.modules[name] = None makes a module not importable, as if not installed.
    serve = _packyard(
        installed, "serve", "wordstats", code="import sys; sys.modules['fastapi'] = None"
    )
    assert serve.returncode == 1
    assert "packyard serve needs fastapi" in serve.stderr
    assert "pip install 'packyard[serve]'" in serve.stderr
    show = _packyard(
        installed, "show", "wordstats", "--json", code="import sys; sys.modules['mcp'] = None"
    )
    assert show.returncode == 0, show.stderr
    mcp = json.loads(show.stdout)["mcp"]
    assert mcp["tools"] is None
    assert "pip install 'wordstats[mcp]'" in mcp["note"]


def test_unknown_package_and_missing_parts(installed) -> None:
    missing = _packyard(installed, "serve", "nosuchpkg")
    assert missing.returncode == 1
    assert "no package named 'nosuchpkg' is installed" in missing.stderr
    assert "wordstats" in missing.stderr  # the hint lists what can be served
    no_app = _packyard(installed, "app", "pytest")
    assert no_app.returncode == 1
    assert "ships no app" in no_app.stderr
