"""artifacts/*.link: files downloaded at build time, from an HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from packyard.building.assemble import assemble
from packyard.building.testinstall import build_and_check
from packyard.errors import ConfigError, LinkError, PackageError
from packyard.index.local import free_port
from packyard.package.links import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES, read_link
from packyard.repo import Repository

DATA = bytes(range(256)) * 40  # 10,240 bytes, not text
DATA_SHA256 = hashlib.sha256(DATA).hexdigest()


class _Files(BaseHTTPRequestHandler):
    """Serves ``server.files`` (path -> bytes) and counts the requests per path."""

    def do_GET(self) -> None:
        body = self.server.files.get(self.path)  # type: ignore[attr-defined]
        self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1  # type: ignore[attr-defined]
        if body is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if not self.path.startswith("/chunked"):  # no Content-Length: the limit acts mid-stream
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    httpd.files = {"/data.bin": DATA, "/big.bin": b"x" * 5000, "/chunked.bin": b"y" * 5000}  # type: ignore[attr-defined]
    httpd.hits = {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def _repo(make_repo, link: str, **more: str) -> Path:
    return make_repo(
        {
            "packages/geo/__init__.py": '"""Geo data."""\n',
            "packages/geo/artifacts/readme.txt": "kept in git\n",
            "packages/geo/artifacts/data/table.bin.link": link,
            **more,
        }
    )


def test_link_is_downloaded_checked_and_shipped_under_its_name(make_repo, server) -> None:
    link = f"# a binary table\n{_url(server, '/data.bin')}\nsha256 = {DATA_SHA256}  # checked\n"
    root = _repo(make_repo, link)
    repo = Repository.open(root)
    tree, artifacts, files = build_and_check(repo.resolve("geo"), progress=lambda _: None)
    assert "geo/artifacts/data/table.bin" in tree.shipped
    assert not any(name.endswith(".link") for name in files)
    with zipfile.ZipFile(artifacts.wheel) as wheel:
        assert wheel.read("geo/artifacts/data/table.bin") == DATA
    with tarfile.open(artifacts.sdist) as sdist:  # the sdist builds the wheel offline
        member = next(m for m in sdist.getmembers() if m.name.endswith("table.bin"))
        extracted = sdist.extractfile(member)
        assert extracted is not None and extracted.read() == DATA
    assert (root / "packages/geo/artifacts/data/table.bin.link").read_text() == link
    # With a sha256 the download is cached: the next build does not ask the server.
    hits = server.hits["/data.bin"]
    assemble(repo.resolve("geo"))
    assert server.hits["/data.bin"] == hits
    assert (root / "build/geo/geo/artifacts/data/table.bin").read_bytes() == DATA


def test_wrong_checksum_fails_and_leaves_no_build_tree(make_repo, server) -> None:
    wrong = "0" * 64
    root = _repo(make_repo, f"{_url(server, '/data.bin')}\n\nsha256={wrong}\n")
    with pytest.raises(LinkError, match="does not match the sha256") as info:
        assemble(Repository.open(root).resolve("geo"))
    assert info.value.line == 3
    assert info.value.path == root / "packages/geo/artifacts/data/table.bin.link"
    assert DATA_SHA256 in info.value.message and "new sha256" in (info.value.hint or "")
    assert not (root / "build" / "geo").exists()
    assert not list((root / "build").glob(".geo-*"))  # no staging folder left behind
    assert not (root / ".packyard/cache/links" / wrong).exists()


def test_unreachable_url_names_the_link(make_repo) -> None:
    closed = free_port()  # nothing listens there
    root = _repo(make_repo, f"http://127.0.0.1:{closed}/data.bin\n")
    with pytest.raises(LinkError, match="cannot download") as info:
        assemble(Repository.open(root).resolve("geo"))
    assert info.value.line == 1
    assert "reach" in (info.value.hint or "")
    assert not (root / "build" / "geo").exists()


def test_http_error_status(make_repo, server) -> None:
    root = _repo(make_repo, _url(server, "/missing.bin"))
    with pytest.raises(LinkError, match="answered HTTP 404"):
        assemble(Repository.open(root).resolve("geo"))


@pytest.mark.parametrize("path", ["/big.bin", "/chunked.bin"])
def test_size_limit(make_repo, server, path: str) -> None:
    root = _repo(make_repo, f"{_url(server, path)}\nmax-bytes = 4096\n")
    with pytest.raises(LinkError, match="larger than the limit of 4096 bytes") as info:
        assemble(Repository.open(root).resolve("geo"))
    assert "max-bytes" in (info.value.hint or "")


def test_file_and_link_of_the_same_name_are_refused(make_repo, server) -> None:
    root = _repo(
        make_repo, _url(server, "/data.bin"), **{"packages/geo/artifacts/data/table.bin": "x"}
    )
    with pytest.raises(PackageError, match=r"both artifacts/data/table\.bin and"):
        assemble(Repository.open(root).resolve("geo"))


def test_a_link_outside_artifacts_ships_as_it_is(make_repo, server) -> None:
    root = _repo(make_repo, _url(server, "/data.bin"), **{"packages/geo/notes.link": "not a URL"})
    tree = assemble(Repository.open(root).resolve("geo"))
    assert "geo/notes.link" in tree.shipped
    assert (tree.path / "geo/notes.link").read_text() == "not a URL"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# only a comment\n\n", None, "holds no URL"),
        ("ftp://example.org/x\n", 1, "not an http or https URL"),
        ("\nhttps://example.org/x\nsha256 = abc\n", 3, "64 hexadecimal digits"),
        ("https://example.org/x\nmax-bytes = lots\n", 2, "positive whole number"),
        ("https://example.org/x\nhttps://example.org/y\n", 2, "unknown line"),
        ("https://example.org/x\nchecksum = 1\n", 2, "unknown line"),
    ],
)
def test_malformed_links(tmp_path: Path, text: str, line: int | None, message: str) -> None:
    path = tmp_path / "x.csv.link"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        read_link(path)
    assert info.value.line == line
    assert info.value.path == path


def test_link_defaults_and_url_fragment(tmp_path: Path) -> None:
    path = tmp_path / "cities.csv.link"
    path.write_text("https://example.org/c.csv#frag   # the file\nSHA256 = " + "A" * 64 + "\n")
    with pytest.raises(ConfigError):  # keys are lower case
        read_link(path)
    path.write_text("https://example.org/c.csv#frag   # the file\nsha256 = " + "A" * 64 + "\n")
    link = read_link(path)
    assert link.url == "https://example.org/c.csv#frag"
    assert link.sha256 == "a" * 64
    assert link.max_bytes == DEFAULT_MAX_BYTES
    assert link.target_name == "cities.csv"


# -- a server that trickles: an overall deadline, and no partial file ------------------


class _Trickle(BaseHTTPRequestHandler):
    """Announces 1,000 bytes, then sends one byte every 0.2 seconds (each one resets a
    socket timeout, so only an overall deadline stops the download)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:  # the client gave up
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trickle() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/slow.bin"
    httpd.shutdown()
    httpd.server_close()


def test_a_trickling_server_meets_the_deadline(make_repo, trickle: str) -> None:
    root = _repo(make_repo, f"{trickle}\ntimeout = 1.5\n")
    start = time.monotonic()
    with pytest.raises(LinkError, match=r"did not finish within 1\.5 seconds") as info:
        build_and_check(Repository.open(root).resolve("geo"), progress=lambda _: None)
    assert time.monotonic() - start < 10
    assert info.value.line == 1 and "timeout = SECONDS" in (info.value.hint or "")
    assert not (root / "build" / "geo").exists()
    assert not list((root / "build").rglob("*.part"))


def test_the_deadline_defaults_and_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "x.bin.link"
    path.write_text("https://example.org/x\n")
    assert read_link(path).deadline == DEFAULT_DEADLINE == 300
    path.write_text("https://example.org/x\ntimeout = 12.5\n")
    assert read_link(path).deadline == 12.5
    for bad in ("0", "-3", "soon", "1e3"):
        path.write_text(f"https://example.org/x\ntimeout = {bad}\n")
        with pytest.raises(ConfigError, match="positive number of seconds") as info:
            read_link(path)
        assert info.value.line == 2


def test_an_interrupted_download_leaves_no_partial_file(tmp_path: Path, trickle: str) -> None:
    """SIGINT (Ctrl-C) in the middle of a download: KeyboardInterrupt, no ``.part``."""
    link = tmp_path / "slow.bin.link"
    link.write_text(f"{trickle}\n")
    dest = tmp_path / "out"
    dest.mkdir()
    code = (
        "import sys; from pathlib import Path; from packyard.package.links import fetch, read_link\n"
        "fetch(read_link(Path(sys.argv[1])), Path(sys.argv[2]) / 'slow.bin')\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(link), str(dest)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not list(dest.glob("*.part")):  # the download has started
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.05)
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    output, _ = child.communicate(timeout=30)
    assert child.returncode != 0 and "KeyboardInterrupt" in output, output
    assert list(dest.iterdir()) == []
