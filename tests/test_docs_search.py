"""A folder package's site: an API section for each public module, no external fonts or
scripts, and the search box working in headless Chromium with the network off (the site
served by a loopback HTTP server)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RepoFactory, loopback_server

from packyard.docsite import build_package_site
from packyard.docsite.apimodules import public_modules
from packyard.index.local import LocalIndex
from packyard.repo import Repository

pytestmark = pytest.mark.slow

KIT = {
    "packages/kit/__init__.py": '"""Kit: a folder package."""\n\nfrom .tools import frobnicate_widgets\n\n__all__ = ["frobnicate_widgets"]\n',
    "packages/kit/tools.py": '"""Tools."""\n\n\ndef frobnicate_widgets(count: int) -> int:\n    """Frobnicate ``count`` widgets.\n\n    Args:\n        count: how many.\n    """\n    return count\n\n\ndef polish_gadgets() -> str:\n    """Polish the gadgets."""\n    return "shiny"\n',
    "packages/kit/extra/__init__.py": '"""Extra helpers."""\n',
    "packages/kit/extra/measure.py": '"""Measuring."""\n\n\ndef measure_sprockets() -> float:\n    """Measure sprockets."""\n    return 1.0\n',
    "packages/kit/_private.py": '"""Private."""\n\n\ndef hidden_helper() -> None:\n    """Hidden."""\n',
    "packages/kit/loose/notes.py": '"""Not in a subpackage."""\n',
}
#: What a page loads from another host (a script, style sheet, font, image or frame): nothing
#: may be (the links of its text, <a href>, may point anywhere).
_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+"""
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, local_index: LocalIndex) -> Path:
    root = tmp_path_factory.mktemp("kitdocs") / "repo"
    (root / "packages").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "d"\nversion = "0"\n\n'
        f'[tool.packyard]\nindex-url = "{local_index.simple_url}"\n'
    )
    for relative, text in KIT.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    build_package_site(Repository.open(root), "kit", progress=lambda _: None)
    return root / "site" / "kit"


def test_every_public_module_has_an_api_section(site: Path, make_repo: RepoFactory) -> None:
    api = (site / "api" / "index.html").read_text()
    for anchor in ("kit.frobnicate_widgets", "kit.tools", "kit.tools.polish_gadgets"):
        assert f'id="{anchor}"' in api, anchor
    assert 'id="kit.extra.measure.measure_sprockets"' in api
    assert 'id="kit.tools.frobnicate_widgets"' not in api  # documented at the top once
    assert "hidden_helper" not in api and "kit.loose" not in api
    root = make_repo(KIT)
    assert public_modules(Repository.open(root).package("kit")) == [
        "kit.extra",
        "kit.extra.measure",
        "kit.tools",
    ]


def test_no_external_fonts_or_scripts_and_no_empty_header(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, page
        assert not _EXTERNAL.findall(text), page
    home = (site / "index.html").read_text()
    header = re.search(r"<thead>(.*?)</thead>", home, re.S)
    assert header is not None
    assert re.sub(r"<[^>]+>|\s", "", header.group(1)) != ""


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    with loopback_server(handler) as url:
        yield f"{url}/"


class PipeBrowser:
    """Headless Chromium driven over the DevTools protocol on a pipe
    (``--remote-debugging-pipe``: commands on its fd 3, replies on its fd 4, each JSON
    message ended by a NUL byte), with the standard library alone."""

    def __init__(self, args: list[str]) -> None:
        theirs_in, self.commands = os.pipe()
        self.replies, theirs_out = os.pipe()

        def setup() -> None:  # in the child, before exec
            os.dup2(theirs_in, 3)
            os.dup2(theirs_out, 4)

        self.process = subprocess.Popen(
            [*args, "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4),
            preexec_fn=setup,  # os.dup2 only: safe beside the server thread
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(theirs_in)
        os.close(theirs_out)
        self.pending = b""
        self.last_id = 0

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Send one command; its result (raises on a protocol error or after 30 seconds)."""
        self.last_id += 1
        message: dict[str, Any] = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            while b"\0" in self.pending:
                raw, self.pending = self.pending.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.last_id:
                    assert "error" not in reply, reply
                    return reply["result"]
            left = deadline - time.monotonic()
            assert left > 0, f"no reply to {method}"
            if select.select([self.replies], [], [], left)[0]:
                chunk = os.read(self.replies, 1 << 16)
                assert chunk, "the browser exited"
                self.pending += chunk

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.commands)
        os.close(self.replies)


def test_search_finds_a_function_offline_in_headless_chromium(served: str, tmp_path: Path) -> None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    browser = PipeBrowser([
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1000",
        # Network off: every host but the loopback server resolves nowhere and any proxied
        # request goes to a closed port.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
    ])  # fmt: skip
    try:
        target = browser.send("Target.createTarget", {"url": served})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]

        def evaluate(expression: str) -> Any:
            params = {"expression": expression, "returnByValue": True}
            return browser.send("Runtime.evaluate", params, session)["result"].get("value")

        deadline = time.monotonic() + 180  # a loaded 2-core machine is slow to start it
        box = "document.querySelector('input.md-search__input')"
        while not evaluate(f"document.readyState == 'complete' && !!{box}"):
            assert time.monotonic() < deadline, "the page never loaded"
            time.sleep(0.1)
        # The search box is in the header, visible.
        assert (
            evaluate("document.querySelector('.md-search__form').getBoundingClientRect().width") > 0
        )
        found: list[str] = []
        loaded = time.monotonic()
        while not found:  # typed again until the search index (a web worker) is ready
            assert time.monotonic() < deadline, "no search result for polish_gadgets"
            if time.monotonic() - loaded > 8:
                # In headless Chromium the search worker sometimes never gets ready on a
                # page's load (no error, nothing fetched from outside: the query stays
                # typed, "Type to start searching" stays shown). A reload, as a reader
                # would do, starts it again.
                browser.send("Page.reload", {}, session)
                time.sleep(0.5)
                while not evaluate(f"document.readyState == 'complete' && !!{box}"):
                    assert time.monotonic() < deadline, "the page never loaded again"
                    time.sleep(0.1)
                loaded = time.monotonic()
            evaluate(f"{box}.value = ''; {box}.focus(); true")
            browser.send("Input.insertText", {"text": "polish_gadgets"}, session)
            retry = time.monotonic() + 2
            while not found and time.monotonic() < retry:
                found = evaluate(
                    "Array.from(document.querySelectorAll('.md-search-result__item a'))"
                    ".map(a => a.getAttribute('href'))"
                )
                time.sleep(0.2)
    finally:
        browser.close()
    assert any(href.endswith("api/#kit.tools.polish_gadgets") for href in found), found
