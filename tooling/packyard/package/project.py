"""The PEP 621 ``[project]`` table of a package: what it states about itself, its inferred
PEP 508 requirements (each extra's too), its console script and entry points.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from packyard.config import RepoConfig
from packyard.errors import ConfigError
from packyard.inference.requirements import Inference, InferredRequirement
from packyard.package.discovery import Package
from packyard.package.extras import entry_points
from packyard.package.metadata import PackageSource


def listed_specifiers(project: dict[str, Any]) -> dict[str, Requirement]:
    """PEP 503 name -> the first requirement with a version specifier a package lists in
    its ``[project]`` dependencies or optional dependencies (malformed entries are left
    to the validation that reports them)."""
    texts: list[object] = list(project.get("dependencies") or [])
    extras = project.get("optional-dependencies") or {}
    if isinstance(extras, dict):
        for listed in extras.values():
            texts += list(listed) if isinstance(listed, list) else []
    found: dict[str, Requirement] = {}
    for text in texts:
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement:
            continue
        if requirement.specifier:
            found.setdefault(canonicalize_name(requirement.name), requirement)
    return found


def requirement_names(texts: object, origin: Path | None, extra: str) -> set[str]:
    """The PEP 503 names of the PEP 508 strings a package lists for an extra.

    Raises:
        ConfigError: not a list of strings, or one is not valid PEP 508 (names ``origin``).
    """
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ConfigError(
            f"[project.optional-dependencies] {extra} must be a list of PEP 508 strings",
            path=origin,
            hint=f'e.g. {extra} = ["fastapi>=0.110"]',
        )
    names = set()
    for text in texts:
        try:
            names.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement as exc:
            raise ConfigError(
                f"invalid requirement {text!r} in [project.optional-dependencies]: {exc}",
                path=origin,
                hint='write a PEP 508 requirement, e.g. "fastapi>=0.110"',
            ) from None
    return names


def project_table(
    package: Package,
    source: PackageSource,
    config: RepoConfig,
    *,
    version: str,
    inference: Inference,
    extra_inferences: dict[str, Inference],
    sibling_release: Callable[[str], str | None],
) -> dict[str, Any]:
    """The PEP 621 ``[project]`` table of a package.

    Args:
        package: the package.
        source: what it states about itself (its explicit ``[project]`` keys win).
        config: the repository's configuration (``[tool.packyard]`` defaults,
            ``requires-python``).
        version: the PEP 440 version to build.
        inference: the inferred requirements of its core install.
        extra_inferences: extra name -> what that extra's file adds.
        sibling_release: a sibling's import name -> its latest released version, None
            before its first release (see :func:`requirement_text`).

    Raises:
        ConfigError: an extra's listed requirements are not PEP 508 strings.
    """
    pins = listed_specifiers(source.project)
    dependencies = [requirement_text(r, pins, sibling_release) for r in inference.required]
    optional = [requirement_text(r, pins, sibling_release) for r in inference.optional]
    table: dict[str, Any] = {}
    table.update(config.defaults)
    table.update(
        {
            "name": package.dist_name,
            "version": version,
            "description": source.summary,
            "readme": {"file": "README.md", "content-type": source.description_type},
            "requires-python": config.requires_python,
        }
    )
    if source.license:
        table["license"] = source.license
    explicit = {k: v for k, v in source.project.items() if k != "dependencies"}
    table.update(explicit)
    table["dependencies"] = dependencies
    extras = dict(explicit.get("optional-dependencies", {}))
    for extra, extra_inference in extra_inferences.items():
        # What the package lists for the extra itself wins, name by name.
        own = extras.get(extra, [])
        listed = requirement_names(own, source.project_origin, extra)
        inferred = [
            requirement_text(r, pins, sibling_release)
            for r in extra_inference.required
            if r.key not in listed
        ]
        extras[extra] = sorted({*own, *inferred})
        optional += [requirement_text(r, pins, sibling_release) for r in extra_inference.optional]
    if optional:
        extras["optional"] = sorted({*extras.get("optional", []), *optional})
    if extras:
        table["optional-dependencies"] = extras
    scripts = dict(explicit.get("scripts", {}))
    if package.cli_file is not None:
        scripts.setdefault(package.name, f"{package.name}.cli:main")
    if scripts:
        table["scripts"] = scripts
    groups = {
        group: dict(points) if isinstance(points, dict) else points  # validated later
        for group, points in dict(explicit.get("entry-points", {})).items()
    }
    for group, points in entry_points(package).items():
        if isinstance(groups.setdefault(group, {}), dict):
            for point, value in points.items():
                groups[group].setdefault(point, value)
    if groups:
        table["entry-points"] = groups
    return table


def requirement_text(
    requirement: InferredRequirement,
    pins: dict[str, Requirement] | None = None,
    sibling_release: Callable[[str], str | None] = lambda _: None,
) -> str:
    """A requirement as written into the metadata: one without a specifier takes the
    one the package lists for the same distribution anywhere in its ``[project]``
    table (``pins``, see :func:`listed_specifiers`: one requirement, one specifier,
    wherever it appears); a sibling without either requires at least its latest
    release (``sibling_release``: its import name -> that PEP 440 version, None
    before its first release)."""
    pinned = (pins or {}).get(requirement.key)
    if pinned is not None and not requirement.requirement.specifier:
        with_pin = Requirement(str(requirement.requirement))
        with_pin.specifier = pinned.specifier
        return str(with_pin)
    text = str(requirement.requirement)
    if requirement.rule == "sibling" and not requirement.requirement.specifier:
        released = sibling_release(requirement.import_names[0])
        if released is not None:
            text = f"{requirement.distribution}>={released}"
            if requirement.requirement.marker is not None:  # a guarded import
                text += f"; {requirement.requirement.marker}"
    return text
