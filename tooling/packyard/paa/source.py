"""Reading a package-auto-assembler (paa) repository: what ``invoke import-paa`` carries over.

paa's conventions (read from its documentation and source, not copied):

- ``.paa.config`` (YAML): the folders (``module_dir``, ``dependencies_dir``, ``cli_dir``,
  ``api_routes_dir``, ``streamlit_dir``, ``mcp_dir``, ``artifacts_dir``,
  ``extra_docs_dir``, ``tests_dir``, ``example_notebooks_path``, ``drawio_dir``), the
  ``license_path`` / ``license_label``, baseline ``classifiers``, ``allowed_licenses``;
  missing keys take paa's default folders;
- a package is ``<module_dir>/NAME.py``; its parts are ``<cli_dir>/NAME.py``,
  ``<api_routes_dir>/NAME.py`` (a FastAPI ``router``), ``<streamlit_dir>/NAME.py``,
  ``<mcp_dir>/NAME.py``, ``<artifacts_dir>/NAME/``, ``<extra_docs_dir>/NAME/``,
  ``<tests_dir>/NAME/``, ``<example_notebooks_path>/NAME.ipynb``, and local components
  under ``<dependencies_dir>`` that the module imports relatively (``from .components.x``);
- ``__package_metadata__ = {...}`` in the module (author, author_email, description, url,
  project_urls, keywords, classifiers, license, requires_python, install_requires,
  extras_require, artifact_urls, name) and ``__cli_metadata__ = {"name": ...}`` in the
  CLI module; the console script calls ``NAME.cli:cli``;
- markers on import lines (``#==1.2``, ``#-``, ``#@``, ``#!``): read by
  :mod:`packyard.paa.markers`;
- ``.paa/tracking/lsts_package_versions.yml`` (name -> latest version),
  ``.paa/tracking/version_logs.csv`` (``Timestamp,Package,Version`` rows) and
  ``.paa/release_notes/NAME.md`` (``### VERSION`` headings, ``- note`` bullets);
- ``.paa/package_mapping.json`` (import name -> distribution) and
  ``.paa/package_licenses.json`` (license label overrides).
"""

from __future__ import annotations

import ast
import csv
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from packyard.errors import ConfigError, PackageError

CONFIG_FILE = ".paa.config"

#: paa's default folders, used for keys ``.paa.config`` does not set.
DEFAULT_DIRS = {
    "module_dir": "python_modules",
    "dependencies_dir": "python_modules/components",
    "cli_dir": "cli",
    "api_routes_dir": "api_routes",
    "streamlit_dir": "streamlit",
    "mcp_dir": "mcp",
    "artifacts_dir": "artifacts",
    "extra_docs_dir": "extra_docs",
    "tests_dir": "tests",
    "example_notebooks_path": "example_notebooks",
    "drawio_dir": "drawio",
    "skills_dir": "skills",
}


@dataclass(frozen=True)
class PaaConfig:
    """A paa repository's settings.

    Attributes:
        root: the repository's top folder.
        dirs: folder key (see :data:`DEFAULT_DIRS`) -> absolute path.
        license_path: the repository's license file, if it names one that exists.
        license_label: the license label for packages that do not set one.
        classifiers: baseline trove classifiers for every package.
        allowed_licenses: paa's allowed license labels (lowercase, as written).
        raw: the whole ``.paa.config`` mapping.
    """

    root: Path
    dirs: dict[str, Path]
    license_path: Path | None = None
    license_label: str | None = None
    classifiers: list[str] = field(default_factory=list)
    allowed_licenses: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def module_dir(self) -> Path:
        """Where the packages' modules are."""
        return self.dirs["module_dir"]

    def part(self, key: str, name: str, suffix: str = ".py") -> Path:
        """The file (or, with ``suffix=""``, the folder) of package ``name`` under the
        folder ``key`` (``part("cli_dir", "x")`` -> ``cli/x.py``)."""
        return self.dirs[key] / f"{name}{suffix}"


def read_config(root: Path) -> PaaConfig:
    """Read ``.paa.config`` of a paa repository (defaults when it has none).

    Raises:
        PackageError: ``root`` is not a paa repository (no ``.paa.config`` and no
            module folder).
        ConfigError: ``.paa.config`` is not a YAML mapping.
    """
    import yaml

    root = root.resolve()
    path = root / CONFIG_FILE
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ConfigError(
                f"not valid YAML: {getattr(exc, 'problem', exc)}",
                path=path,
                line=mark.line + 1 if mark else None,
            ) from None
        if not isinstance(loaded, dict):
            raise ConfigError("must be a YAML mapping of settings", path=path)
        raw = loaded
    dirs = {}
    for key, default in DEFAULT_DIRS.items():
        value = raw.get(key) or default
        dirs[key] = (root / str(value)).resolve()
    if not path.is_file() and not dirs["module_dir"].is_dir():
        raise PackageError(
            "not a package-auto-assembler repository: no .paa.config and no python_modules/",
            path=root,
            hint="give the folder that holds .paa.config",
        )
    license_path = None
    if raw.get("license_path"):
        candidate = (root / str(raw["license_path"])).resolve()
        license_path = candidate if candidate.is_file() else None
    labels = raw.get("allowed_licenses") or []
    return PaaConfig(
        root=root,
        dirs=dirs,
        license_path=license_path,
        license_label=str(raw["license_label"]) if raw.get("license_label") else None,
        classifiers=[str(c) for c in raw.get("classifiers") or []],
        allowed_licenses=[str(label) for label in labels] if isinstance(labels, list) else [],
        raw=raw,
    )


def package_names(config: PaaConfig) -> list[str]:
    """The paa packages: the ``.py`` files directly in the module folder, sorted."""
    folder = config.module_dir
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.py") if p.is_file() and not p.name.startswith("_"))


def literal_assignment(text: str, path: Path, variable: str) -> tuple[dict[str, Any] | None, str]:
    """The value of a module-level ``variable = {...}`` that is a literal dict.

    Returns:
        ``(dict or None, problem)``: None and "" when there is no such assignment; None and
        a description when it is not a literal dict.

    Raises:
        PackageError: the source has a syntax error (names the file and line).
    """
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise PackageError(
            f"syntax error: {exc.msg}", path=path, line=exc.lineno, hint="fix it in the paa repo"
        ) from None
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == variable for t in targets):
            value = node.value
            try:
                result = ast.literal_eval(value) if value is not None else None
            except (ValueError, SyntaxError):
                return None, f"{variable} (line {node.lineno}) is not a literal; not read"
            if not isinstance(result, dict):
                return None, f"{variable} (line {node.lineno}) is not a dict; not read"
            return result, ""
    return None, ""


def defines(text: str, name: str) -> bool:
    """Whether a module defines ``name`` at its top level (function, class, assignment or
    import)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                return True
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return True
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (a.asname or a.name.split(".")[0]) == name for a in node.names
        ):
            return True
    return False


@dataclass
class PaaRelease:
    """One version of a package in paa's records.

    Attributes:
        version: the PEP 440 version, normalized.
        date: UTC ISO 8601 (paa's timestamps carry no zone: read as UTC), or None.
        notes: the release-note bullets, in order.
    """

    version: str
    date: str | None = None
    notes: list[str] = field(default_factory=list)


def read_history(root: Path, name: str) -> tuple[list[PaaRelease], list[str]]:
    """A package's release history from paa's tracking and release-notes files.

    Versions come from ``version_logs.csv``, the release notes' headings and
    ``lsts_package_versions.yml``; dates from the CSV.

    Returns:
        ``(releases oldest first, problems)``: problems name what was skipped (an invalid
        version, version 0.0.0 which packyard uses for "unreleased").

    Raises:
        ConfigError: a tracking file is unreadable.
    """
    import yaml

    tracking = root / ".paa" / "tracking"
    found: dict[Version, PaaRelease] = {}
    problems: list[str] = []

    def add(text: str, where: str) -> PaaRelease | None:
        try:
            version = Version(str(text).strip().lstrip("vV"))
        except InvalidVersion:
            problems.append(f"{where}: {text!r} is not a PEP 440 version; skipped")
            return None
        if version == Version("0"):
            problems.append(
                f"{where}: version {text} skipped (packyard builds unreleased packages as 0.0.0)"
            )
            return None
        return found.setdefault(version, PaaRelease(str(version)))

    logs = tracking / "version_logs.csv"
    if logs.is_file():
        with logs.open(encoding="utf-8", newline="") as stream:
            for number, row in enumerate(csv.reader(stream), start=1):
                if len(row) < 3 or row[1].strip() != name:
                    continue
                release = add(row[2], f"{logs.name} line {number}")
                if release is not None:
                    release.date = _utc(row[0]) or release.date
    latest = tracking / "lsts_package_versions.yml"
    if latest.is_file():
        try:
            data = yaml.safe_load(latest.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"not valid YAML: {exc}", path=latest) from None
        if isinstance(data, dict) and data.get(name) is not None:
            add(str(data[name]), latest.name)
    notes = root / ".paa" / "release_notes" / f"{name}.md"
    if notes.is_file():
        current: PaaRelease | None = None
        for number, line in enumerate(notes.read_text(encoding="utf-8").splitlines(), start=1):
            heading = re.match(r"^#{2,6}\s+v?(\S+)\s*$", line.strip())
            if heading and heading.group(1)[:1].isdigit():
                current = add(heading.group(1), f"{notes.name} line {number}")
                continue
            bullet = re.match(r"^\s*[-*]\s+(.*\S)\s*$", line)
            if bullet and current is not None and bullet.group(1) not in current.notes:
                current.notes.append(bullet.group(1))
    return [found[v] for v in sorted(found)], problems


def _utc(text: str) -> str | None:
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text.strip(), form)
        except ValueError:
            continue
        return moment.replace(tzinfo=timezone.utc).isoformat()
    return None


def read_json_mapping(path: Path) -> dict[str, str]:
    """A JSON object of strings (``package_mapping.json``, ``package_licenses.json``);
    empty when the file is missing.

    Raises:
        ConfigError: the file is not a JSON object of strings.
    """
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"not valid JSON: {exc}", path=path) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError("must be a JSON object of strings", path=path)
    return {str(k): v for k, v in data.items()}
