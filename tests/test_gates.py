"""Quality gates end to end: real pip-compile and pip downloads from a pypiserver on
127.0.0.1 serving wheels built here with known licenses, real pip-audit against an OSV
API on loopback (or against a port where nothing listens), real ruff, real nox."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from packyard import tomlcompat
from packyard.building.venvs import clean_env
from packyard.cli import main
from packyard.config import load_config
from packyard.errors import ConfigError, GateError
from packyard.gates import release_gates, run_gate, run_gates
from packyard.gates.license_metadata import license_of
from packyard.gates.license_policy import DEFAULT_ALLOWED, allowed_licenses, is_allowed
from packyard.index.local import LocalIndex, free_port
from packyard.release.pipeline import release
from packyard.release.planning import ReleaseOptions
from packyard.release.readme_table import END, START
from packyard.repo import Repository
from tests.conftest import ROOT, RepoFactory, ensure_wheelhouse, init_repo

pytestmark = pytest.mark.slow


def make_wheel(folder: Path, name: str, version: str, headers: str, meta: str = "2.1") -> Path:
    """A minimal pure-Python wheel whose METADATA carries ``headers``."""
    dist = f"{name}-{version}"
    files = {
        f"{name}/__init__.py": f'"""{name}, built by the tests."""\n',
        f"{dist}.dist-info/METADATA": (
            f"Metadata-Version: {meta}\nName: {name}\nVersion: {version}\n{headers}"
        ),
        f"{dist}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: packyard-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    """The test wheelhouse plus three wheels whose licenses the tests know."""
    folder = tmp_path_factory.mktemp("gates-index") / "packages"
    shutil.copytree(ensure_wheelhouse(), folder)
    make_wheel(folder, "gplthing", "1.0", "License-Expression: GPL-3.0-only\n", meta="2.4")
    make_wheel(folder, "mystery", "2.0", "Summary: says nothing of its license\n")
    # certifi's and pillow's licenses: what this repository's examples need allowed.
    make_wheel(folder, "mplthing", "1.0", "License: MPL-2.0\n")
    make_wheel(folder, "cmuthing", "1.0", "License-Expression: MIT-CMU\n", meta="2.4")
    make_wheel(
        folder,
        "classic",
        "3.1",
        "License: Copyright (c) the classic developers, all rights reserved.\n"
        "Classifier: License :: OSI Approved :: BSD License\n",
    )
    with LocalIndex(folder) as server:
        yield server


def script(*dependencies: str) -> str:
    """A single-file package importing ``dependencies`` (PEP 723 names them)."""
    listed = ", ".join(f'"{d}"' for d in dependencies)
    imports = "".join(f"import {d.lower().replace('pyyaml', 'yaml')}\n" for d in dependencies)
    return (
        f"# /// script\n# dependencies = [{listed}]\n# ///\n"
        f'"""Uses {", ".join(dependencies)}."""\n\n{imports}'
    )


def gate_json(root: Path, monkeypatch: pytest.MonkeyPatch, capsys, *argv: str) -> tuple[int, Any]:
    monkeypatch.chdir(root)
    status = main(["gate", *argv, "--json"])
    return status, json.loads(capsys.readouterr().out)


# --- licenses -------------------------------------------------------------------------


def test_license_gate_fails_on_a_dependency_whose_license_is_not_allowed(
    make_repo: RepoFactory,
    index: LocalIndex,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_repo(
        {"packages/uses_gpl.py": script("gplthing", "PyYAML")},
        packyard=f'index-url = "{index.simple_url}"\nallowed-licenses = ["MIT", "BSD-3-Clause"]\n',
    )
    status, reports = gate_json(root, monkeypatch, capsys, "licenses", "uses_gpl")
    assert status == 1
    [report] = reports
    findings = {f["name"]: f for f in report["data"]["findings"]}
    assert findings["gplthing"]["expression"] == "GPL-3.0-only"
    assert findings["gplthing"]["source"] == "License-Expression"
    assert findings["gplthing"]["verdict"] == "not allowed"
    assert findings["pyyaml"]["verdict"] == "allowed"
    # The failure names the file to change and the fix.
    assert report["problems"] == [
        "gplthing 1.0: GPL-3.0-only is not in allowed-licenses (License-Expression); if your "
        f'project accepts it, add "GPL-3.0-only" to [tool.packyard] allowed-licenses in '
        f"{root / 'pyproject.toml'}, or set [tool.packyard.license-overrides] "
        '"gplthing" = "<SPDX>" there when its metadata is wrong'
    ]
    with pytest.raises(GateError, match=r"licenses: gplthing 1\.0: GPL-3\.0-only"):
        run_gates(Repository.open(root), "uses_gpl", ["licenses"], progress=lambda _: None)


def test_this_repositorys_allowed_licenses_cover_its_examples_and_keep_the_defaults(
    make_repo: RepoFactory, index: LocalIndex
) -> None:
    """The root pyproject.toml allows what the examples' dependencies need (certifi:
    MPL-2.0, pillow: MIT-CMU) on top of the conservative default, which stays as it is."""
    root_config = load_config(ROOT)
    allowed = allowed_licenses(root_config)
    assert {a.upper() for a in DEFAULT_ALLOWED} <= allowed
    assert {"MPL-2.0", "MIT-CMU"} <= allowed
    assert not {"MPL-2.0", "MIT-CMU"} & {a.upper() for a in DEFAULT_ALLOWED}

    files = {"packages/uses_mpl.py": script("mplthing", "cmuthing")}
    default = make_repo(files, packyard=f'index-url = "{index.simple_url}"\n')
    report = run_gate(Repository.open(default), "uses_mpl", "licenses")
    assert [p.split(":")[0] for p in report.problems] == ["cmuthing 1.0", "mplthing 1.0"]
    assert all(f"allowed-licenses in {default / 'pyproject.toml'}" in p for p in report.problems)

    listed = tomlcompat.load(ROOT / "pyproject.toml")["tool"]["packyard"]["allowed-licenses"]
    settings = f'index-url = "{index.simple_url}"\nallowed-licenses = {json.dumps(listed)}\n'
    report = run_gate(Repository.open(make_repo(files, packyard=settings)), "uses_mpl", "licenses")
    assert report.ok, report.problems


def test_unknown_license_fails_until_overridden_and_classifiers_count(
    make_repo: RepoFactory, index: LocalIndex
) -> None:
    settings = f'index-url = "{index.simple_url}"\nallowed-licenses = ["MIT", "BSD-3-Clause"]\n'
    files = {"packages/odd.py": script("mystery", "classic")}
    root = make_repo(files, packyard=settings)
    report = run_gate(Repository.open(root), "odd", "licenses")
    assert not report.ok
    findings = {f["name"]: f for f in report.data["findings"]}
    assert findings["classic"]["source"] == "classifiers"
    assert findings["classic"]["verdict"] == "allowed"  # BSD License: 2- or 3-clause
    assert findings["mystery"]["verdict"] == "unknown"
    [problem] = report.problems
    assert "mystery 2.0: license unknown" in problem
    assert '"mystery" = "<SPDX>"' in problem  # the fix, once someone has checked

    root = make_repo(
        files, packyard=settings + '[tool.packyard.license-overrides]\nmystery = "MIT"\n'
    )
    report = run_gate(Repository.open(root), "odd", "licenses")
    assert report.ok, report.problems
    assert any("mystery 2.0" in line and "[override]" in line for line in report.lines)


def test_license_settings_must_be_spdx(make_repo: RepoFactory, index: LocalIndex) -> None:
    root = make_repo(
        {"packages/odd.py": script("classic")},
        packyard=f'index-url = "{index.simple_url}"\nallowed-licenses = ["MIT", "Totally Free"]\n',
    )
    with pytest.raises(ConfigError, match="'Totally Free' is not an SPDX identifier") as caught:
        run_gate(Repository.open(root), "odd", "licenses")
    assert caught.value.path == root / "pyproject.toml"


def test_license_expressions_and_metadata_fallbacks() -> None:
    allowed = {"MIT", "APACHE-2.0"}
    assert is_allowed("MIT", allowed) and is_allowed("mit", allowed)
    assert is_allowed("GPL-2.0-only OR (MIT AND Apache-2.0)", allowed)
    assert not is_allowed("MIT AND GPL-2.0-only", allowed)
    assert not is_allowed("MIT OR", allowed)  # malformed: never allowed
    metadata = Message()
    metadata["License"] = "Apache License, Version 2.0"
    assert license_of(metadata)[:2] == ("Apache-2.0", "License")
    metadata = Message()
    metadata["License"] = "Permission is hereby granted, free of charge, to any person..."
    metadata["Classifier"] = "License :: OSI Approved :: MIT License"
    metadata["Classifier"] = "License :: OSI Approved :: Apache Software License"
    assert license_of(metadata)[:2] == ("MIT OR Apache-2.0", "classifiers")
    assert license_of(Message())[:2] == (None, "none")


def test_a_release_stops_at_a_failed_gate_and_records_nothing(
    make_repo: RepoFactory, index: LocalIndex
) -> None:
    root = make_repo(
        {
            "packages/uses_gpl.py": script("gplthing"),
            "README.md": f"# demo\n\n{START}\n{END}\n",
            # as in any packyard repository: the dry run's import-scan cache is not a change
            ".gitignore": "build/\ndist/\n.packyard/cache/\n.packyard/index/\n",
        },
        packyard=f'index-url = "{index.simple_url}"\nallowed-licenses = ["MIT"]\n',
    )
    init_repo(root, "feat(uses_gpl): first")
    lines: list[str] = []
    [planned] = release(
        Repository.open(root), ["uses_gpl"], ReleaseOptions(dry_run=True), progress=lines.append
    )
    assert planned.status == "planned", planned.error and planned.error.render()
    assert "  dry run: would run the gates lint, licenses" in lines

    [result] = release(Repository.open(root), ["uses_gpl"], ReleaseOptions(), progress=print)
    assert result.status == "failed"
    assert [step for step, _ in result.steps] == ["plan", "index", "gates"]
    assert "GPL-3.0-only is not in allowed-licenses" in result.error.render()
    assert not (root / ".packyard" / "releases").exists()
    tags = subprocess.run(["git", "tag"], cwd=root, capture_output=True, text=True).stdout
    assert tags == ""


# --- audit ----------------------------------------------------------------------------


class FakeOsv:
    """An OSV-compatible query API on loopback: ``answers`` maps a distribution name to
    (HTTP status, JSON body); names not listed get ``{}`` (no vulnerability)."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, dict[str, Any]]] = {}
        self.queries: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.queries.append(body)
                status, answer = outer.answers.get(body["package"]["name"], (200, {}))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/query"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def osv() -> Iterator[FakeOsv]:
    server = FakeOsv()
    yield server
    server.close()


def audit_repo(make_repo: RepoFactory, index: LocalIndex, url: str) -> Path:
    settings = f'index-url = "{index.simple_url}"\naudit-service = "osv"\naudit-url = "{url}"\n'
    return make_repo({"packages/yamlish.py": script("PyYAML")}, packyard=settings)


def test_audit_fails_not_audited_when_the_service_cannot_be_reached(
    make_repo: RepoFactory, index: LocalIndex
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/v1/query"  # nothing listens there
    root = audit_repo(make_repo, index, nobody)
    shutil.copy(ROOT / "noxfile.py", root / "noxfile.py")
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-f", "noxfile.py", "-s", "audit-yamlish"],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "not audited: pip-audit could not query the vulnerability service" in output
    assert nobody in output
    assert "Session audit-yamlish aborted" in output


def test_audit_against_an_osv_service(
    make_repo: RepoFactory, index: LocalIndex, osv: FakeOsv
) -> None:
    root = audit_repo(make_repo, index, osv.url)
    report = run_gate(Repository.open(root), "yamlish", "audit")
    assert report.ok, report.problems  # looked up, nothing known
    assert [q["package"]["name"] for q in osv.queries] == ["pyyaml"]
    assert report.lines[0].endswith("no known vulnerability")

    osv.answers["pyyaml"] = (
        200,
        {
            "vulns": [
                {
                    "id": "PYSEC-0000-1",
                    "aliases": ["CVE-0000-1"],
                    "summary": "arbitrary code execution in load()",
                    "affected": [
                        {
                            "package": {"name": "pyyaml", "ecosystem": "PyPI"},
                            "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "99.0"}]}],
                        }
                    ],
                }
            ]
        },
    )
    report = run_gate(Repository.open(root), "yamlish", "audit")
    assert not report.ok
    assert "VULNERABLE: PYSEC-0000-1 (CVE-0000-1)" in report.lines[0]
    [problem] = report.problems
    assert "PYSEC-0000-1: arbitrary code execution in load() (fixed in: 99.0)" in problem

    osv.answers["pyyaml"] = (500, {"error": "overloaded"})
    report = run_gate(Repository.open(root), "yamlish", "audit")
    assert not report.ok and report.problems[0].startswith("not audited:")


def test_audit_settings_are_checked_and_audit_joins_the_release_gates(
    make_repo: RepoFactory,
) -> None:
    root = make_repo({"packages/plain.py": '"""Plain."""\n'}, packyard="audit = true\n")
    repo = Repository.open(root)
    assert release_gates(repo.config) == ("lint", "licenses", "audit")
    reports = run_gates(repo, "plain", progress=lambda _: None)  # nothing to resolve
    assert [r.gate for r in reports] == ["lint", "licenses", "audit"]
    assert reports[1].lines == ["plain needs no third-party distribution"]

    root = make_repo({"packages/plain.py": '"""Plain."""\n'}, packyard='audit = "yes"\n')
    with pytest.raises(ConfigError, match="audit must be true or false"):
        release_gates(Repository.open(root).config)
    root = make_repo(
        {"packages/plain.py": '"""Plain."""\n'}, packyard='audit-url = "https://osv.example"\n'
    )
    with pytest.raises(ConfigError, match='only used with audit-service = "osv"'):
        run_gate(Repository.open(root), "plain", "audit")


# --- lint -----------------------------------------------------------------------------


def test_lint_gate_reports_ruff_findings_in_the_package_only(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo(
        {
            "packages/messy.py": '"""Messy."""\n\nimport os\n',
            "packages/test_messy.py": "import messy\n\n\ndef test_it():\n    assert messy\n",
            "packages/tidy/__init__.py": '"""Tidy."""\n',
            "packages/tidy/tests/test_tidy.py": "import sys\n",
        }
    )
    status, reports = gate_json(root, monkeypatch, capsys, "lint", "messy,tidy")
    assert status == 1
    messy, tidy = reports
    assert messy["gate"] == "lint" and not messy["ok"]
    assert len(messy["problems"]) == 1
    assert messy["problems"][0].startswith("packages/messy.py:3:8: F401")
    assert messy["data"]["paths"] == ["packages/messy.py", "packages/test_messy.py"]
    assert not tidy["ok"] and "packages/tidy/tests/test_tidy.py:1:8: F401" in tidy["problems"][0]

    (root / "packages" / "messy.py").write_text('"""Messy no more."""\n')
    (root / "packages" / "tidy" / "tests" / "test_tidy.py").write_text("")
    status, reports = gate_json(root, monkeypatch, capsys, "lint", "messy,tidy")
    assert status == 0 and all(r["ok"] for r in reports)

    # Packages have lint settings of their own: ruff's classic rules by default; the root
    # [tool.ruff] (for the repository's tooling) never applies to them.
    (root / "packages" / "messy.py").write_text('"""Messy."""\n\nprint("hi")\n')
    assert gate_json(root, monkeypatch, capsys, "lint", "messy")[0] == 0
    with (root / "pyproject.toml").open("a") as stream:
        stream.write('\n[tool.ruff.lint]\nextend-select = ["T20"]\n')
    assert gate_json(root, monkeypatch, capsys, "lint", "messy")[0] == 0
    # [tool.packyard.lint] sets them ...
    with (root / "pyproject.toml").open("a") as stream:
        stream.write('\n[tool.packyard.lint]\nselect = ["F", "T20"]\n')
    status, [report] = gate_json(root, monkeypatch, capsys, "lint", "messy")
    assert status == 1 and "T201" in report["problems"][0]
    # ... and a packages/ruff.toml wins over it.
    (root / "packages" / "ruff.toml").write_text('[lint]\nselect = ["F"]\n')
    assert gate_json(root, monkeypatch, capsys, "lint", "messy")[0] == 0
    (root / "packages" / "ruff.toml").unlink()
    with (root / "pyproject.toml").open("a") as stream:
        stream.write('selct = ["F"]\n')
    assert main(["gate", "lint", "messy"]) == 1
    assert "unknown key 'selct' in [tool.packyard.lint]" in capsys.readouterr().err
