"""A paa package's ``pyproject.toml`` content: the partial ``[project]`` table carried over
(``__package_metadata__``, ``.paa.config`` classifiers, license and docs URL, the
requirements the files' markers give, merged per distribution) and the
``[tool.packyard.import-map]`` entries taken from ``package_mapping.json``.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from packyard.errors import PackyardError
from packyard.gates.license_metadata import spdx_from_text
from packyard.inference.import_map import ImportMap
from packyard.names import distribution_name, validate_map
from packyard.paa import markers as paa_markers
from packyard.paa import source as paa_source
from packyard.paa.report import PackageImport
from packyard.repo import Repository
from packyard.stdlib import is_stdlib

#: ``__package_metadata__`` keys carried over.
METADATA_KEYS = (
    "name",
    "description",
    "author",
    "author_email",
    "url",
    "project_urls",
    "keywords",
    "classifiers",
    "license",
    "requires_python",
    "install_requires",
    "extras_require",
    "artifact_urls",
    "readme",
)


def project_table(
    repo: Repository,
    config: paa_source.PaaConfig,
    name: str,
    metadata: dict[str, Any],
    scans: list[tuple[str | None, paa_markers.MarkerScan, Path]],
    mapping: dict[str, str],
    scripts: dict[str, str],
    item: PackageImport,
) -> dict[str, Any]:
    """The partial PEP 621 ``[project]`` table carried over for paa package ``name``.

    Args:
        metadata: the module's ``__package_metadata__``.
        scans: the marker scans of the copied files, ``(extra or None, scan, path)`` (see
            :func:`packyard.paa.copying.mark_ignored`).
        mapping: ``package_mapping.json`` (import name -> distribution name).
        scripts: console script -> entry point (see :func:`packyard.paa.parts.cli_entry`).
        item: receives what was carried over and what was not.

    Returns:
        Description, authors, URLs, keywords, ``requires-python``, license (an SPDX
        expression, PEP 639), classifiers, the dependencies and extras the markers and
        ``install_requires``/``extras_require`` give, and scripts: the keys that have a value.
    """
    project: dict[str, Any] = {}
    unknown = sorted(k for k in metadata if k not in METADATA_KEYS)
    for key in unknown:
        item.not_carried.append(f"__package_metadata__[{key!r}]: packyard has no such field")
    wanted = metadata.get("name")
    if wanted and canonicalize_name(str(wanted)) != distribution_name(name):
        item.not_carried.append(
            f"__package_metadata__ name {wanted!r}: packyard names the distribution "
            f"{distribution_name(name)!r} after the folder; rename the package to keep it"
        )
    if metadata.get("readme"):
        item.not_carried.append(
            "__package_metadata__ readme: the long description is the docstring (or a "
            "README.md in the folder)"
        )
    if metadata.get("description"):
        project["description"] = " ".join(str(metadata["description"]).split())
    if metadata.get("author") or metadata.get("author_email"):
        author = {}
        if metadata.get("author"):
            author["name"] = str(metadata["author"])
        if metadata.get("author_email"):
            author["email"] = str(metadata["author_email"])
        project["authors"] = [author]
    urls = {}
    if metadata.get("url"):
        urls["Homepage"] = str(metadata["url"])
    if config.raw.get("docs_url"):
        urls["Documentation"] = str(config.raw["docs_url"])
    for label, url in dict(metadata.get("project_urls") or {}).items():
        urls[str(label)] = str(url)
    if urls:
        project["urls"] = urls
    keywords = metadata.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",")]
    keywords = [str(k) for k in keywords if str(k).strip() and str(k) != "aa-paa-tool"]
    if keywords:
        project["keywords"] = keywords
    if metadata.get("requires_python"):
        project["requires-python"] = str(metadata["requires_python"])

    label = metadata.get("license") or config.license_label
    license_expression = None
    if label:
        license_expression = spdx_from_text(str(label))
        if license_expression:
            project["license"] = license_expression
        else:
            item.not_carried.append(
                f"license {label!r} is not an SPDX expression packyard recognizes; set "
                "[project] license by hand"
            )
    classifiers = _classifiers(config.classifiers, list(metadata.get("classifiers") or []))
    if license_expression:
        dropped = [c for c in classifiers if c.startswith("License ::")]
        classifiers = [c for c in classifiers if not c.startswith("License ::")]
        if dropped:
            item.carried.append(
                f"license {license_expression} (License :: classifiers dropped, PEP 639)"
            )
    if classifiers:
        project["classifiers"] = classifiers

    dependencies, extras = _requirements(repo, name, scans, mapping, item)
    for text in metadata.get("install_requires") or []:
        dependencies = _merge(dependencies, str(text), item, "install_requires")
    for extra, texts in dict(metadata.get("extras_require") or {}).items():
        for text in texts or []:
            extras.setdefault(str(extra), [])
            extras[str(extra)] = _merge(extras[str(extra)], str(text), item, "extras_require")
    if dependencies:
        project["dependencies"] = dependencies
        item.carried.append(f"dependencies: {', '.join(dependencies)}")
    if extras:
        project["optional-dependencies"] = {k: extras[k] for k in sorted(extras)}
        item.carried.append(
            "optional dependencies: "
            + "; ".join(f"[{k}] {', '.join(v)}" for k, v in sorted(extras.items()))
        )
    if scripts:
        project["scripts"] = scripts
    return project


def _classifiers(baseline: list[str], own: list[str]) -> list[str]:
    """paa's merge: the package's classifiers win over the baseline's for the same
    ``Development Status``; duplicates dropped, order kept."""
    if any(c.startswith("Development Status") for c in own):
        baseline = [c for c in baseline if not c.startswith("Development Status")]
    return list(dict.fromkeys([*baseline, *own]))


def _requirements(
    repo: Repository,
    name: str,
    scans: list[tuple[str | None, paa_markers.MarkerScan, Path]],
    mapping: dict[str, str],
    item: PackageImport,
) -> tuple[list[str], dict[str, list[str]]]:
    """The pinned, manual and optional requirements the markers of the files give:
    (core dependencies, extras)."""
    overrides = {k: v for k, v in mapping.items() if _valid_map_entry(k, v)}
    import_map = ImportMap(package_overrides=overrides, repo_map=repo.config.import_map)
    dependencies: list[str] = []
    extras: dict[str, list[str]] = {}
    optional_all: list[str] = []
    for extra, scan, path in scans:
        for problem in scan.problems:
            item.not_carried.append(f"{path.name} {problem}")
        for pin in scan.pins:
            if pin.requirement:
                text = pin.requirement
            else:
                top = pin.module.split(".")[0]
                if top == name or is_stdlib(top) or top == "components":
                    continue
                distribution = import_map.resolve(pin.module).distribution
                extras_text = f"[{','.join(pin.extras)}]" if pin.extras else ""
                text = f"{distribution}{extras_text}{pin.specifier}"
            where = f"{path.name} line {pin.line}"
            if pin.optional:
                key = _extra_name(text)
                if key is None:
                    item.not_carried.append(f"{where}: cannot read {text!r} as a requirement")
                    continue
                extras[key] = _merge(extras.get(key, []), text, item, where)
                optional_all = _merge(optional_all, text, item, where)
            elif extra is not None:
                extras[extra] = _merge(extras.get(extra, []), text, item, where)
            else:
                dependencies = _merge(dependencies, text, item, where)
    if optional_all:
        extras["all"] = optional_all
    return dependencies, extras


def _valid_map_entry(key: str, value: str) -> bool:
    try:
        validate_map({key: value}, source="package_mapping.json")
    except PackyardError:
        return False
    return True


def _extra_name(text: str) -> str | None:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        return None


def _merge(existing: list[str], text: str, item: PackageImport, where: str) -> list[str]:
    """Add a requirement, joining its specifier and extras with those of the same
    distribution already listed."""
    try:
        new = Requirement(text)
    except InvalidRequirement as exc:
        item.not_carried.append(f"{where}: {text!r} is not a PEP 508 requirement ({exc})")
        return existing
    merged = []
    joined = False
    for line in existing:
        old = Requirement(line)
        if canonicalize_name(old.name) == canonicalize_name(new.name) and old.marker == new.marker:
            try:
                specifier = SpecifierSet(f"{old.specifier},{new.specifier}".strip(","))
            except InvalidSpecifier:
                specifier = old.specifier
            old.specifier = specifier
            old.extras = old.extras | new.extras
            joined = True
        merged.append(str(old))
    if not joined:
        merged.append(str(new))
    return merged


def import_map(name: str, folder: Path, mapping: dict[str, str]) -> dict[str, str]:
    """The ``package_mapping.json`` entries for the modules this package imports."""
    if not mapping:
        return {}
    imported: set[str] = set()
    for path in folder.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
    return {
        key: value
        for key, value in sorted(mapping.items())
        if key.split(".")[0] in imported - {name} and _valid_map_entry(key, value)
    }
