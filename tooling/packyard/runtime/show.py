"""``packyard show NAME``: what an installed package is and ships: version, summary,
requirements, console scripts, routes, app, MCP tools and artifacts.

Routes and MCP tools are listed by importing the package's ``routes`` and ``mcp`` modules;
when that fails (their extra is not installed), the entry point is still shown, with the
reason and the ``pip install`` that would add the extra.
"""

from __future__ import annotations

from typing import Any

from packyard.errors import RunError
from packyard.package.extras import GROUPS
from packyard.runtime.artifacts import list_artifacts
from packyard.runtime.installed import InstalledPackage, find_installed


def describe(name: str) -> dict[str, Any]:
    """Describe an installed package.

    Args:
        name: distribution or import name.

    Returns:
        A JSON-ready dict: ``name``, ``version``, ``summary``, ``import_name``,
        ``location``, ``requires`` (PEP 508 strings), ``extras``, ``scripts`` (name ->
        entry point), ``routes``, ``app``, ``mcp`` (None when not shipped; otherwise the
        ``entry_point``, the ``extra`` it needs, and ``paths`` (``"GET /NAME/x"``) or
        ``tools``, None with a ``note`` when they cannot be listed), ``artifacts`` (a list
        of ``{"path", "size"}``, sizes in bytes).

    Raises:
        RunError: the package is not installed.
    """
    package = find_installed(name)
    return {
        "name": package.name,
        "version": package.version,
        "summary": package.summary,
        "import_name": package.import_name,
        "location": str(package.location),
        "requires": package.requires,
        "extras": package.extras,
        "scripts": {p.name: p.value for p in package.entry_points("console_scripts")},
        "routes": _part(package, "packyard.routes", _route_paths),
        "app": _part(package, "packyard.apps", None),
        "mcp": _part(package, "packyard.mcp", _tool_names),
        "artifacts": [{"path": a.path, "size": a.size} for a in list_artifacts(name)],
    }


def _part(package: InstalledPackage, group: str, lister: Any) -> dict[str, Any] | None:
    point = package.entry_point(group)
    if point is None:
        return None
    spec = GROUPS[group]
    part: dict[str, Any] = {"entry_point": point.value, "extra": spec.extra}
    if lister is None:
        return part
    key = "paths" if group == "packyard.routes" else "tools"
    try:
        part[key] = lister(package, package.load(group))
    except RunError as exc:
        part[key] = None
        part["note"] = exc.render()
    return part


def _route_paths(package: InstalledPackage, router: Any) -> list[str]:
    paths = []
    for route in getattr(router, "routes", []):
        methods = ",".join(sorted(getattr(route, "methods", None) or [])) or "*"
        paths.append(f"{methods} /{package.import_name}{route.path}")
    return paths


def _tool_names(package: InstalledPackage, server: Any) -> list[str]:
    from packyard.runtime.mcp_server import tool_names

    return tool_names(server)


def render(description: dict[str, Any]) -> str:
    """The text ``packyard show`` prints for a :func:`describe` result."""
    d = description
    lines = [f"{d['name']} {d['version']}"]
    if d["summary"]:
        lines.append(f"  {d['summary']}")
    lines.append(f"  import name: {d['import_name']}  ({d['location']})")
    lines.append("  requires: " + (", ".join(d["requires"]) or "nothing"))
    if d["extras"]:
        lines.append("  extras: " + ", ".join(d["extras"]))
    for script, value in d["scripts"].items():
        lines.append(f"  script: {script} -> {value}")
    name = d["import_name"]
    for key, command, items in (
        ("routes", f"packyard serve {name}", "paths"),
        ("app", f"packyard app {name}", None),
        ("mcp", f"packyard mcp {name}", "tools"),
    ):
        part = d[key]
        if part is None:
            continue
        lines.append(f"  {key}: {part['entry_point']}  (extra {part['extra']}; run: {command})")
        if items and part.get(items) is not None:
            lines.extend(f"    {item}" for item in part[items])
        elif items:
            lines.append(f"    cannot list {items}: " + part["note"].replace("\n", "\n    "))
    if d["artifacts"]:
        lines.append(f"  artifacts ({len(d['artifacts'])} files):")
        lines.extend(f"    {a['path']}  {a['size']} bytes" for a in d["artifacts"])
    return "\n".join(lines)
