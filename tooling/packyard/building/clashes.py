"""Distribution names checked against the index, before anything is installed.

Two ways a name goes wrong between a packaging repository and its index:

* a **guessed** distribution name (an import no import map knows, taken as its own
  distribution name: ``import StringIO`` -> ``stringio``) that the index does not have:
  the resolver's "not found" would name neither the file nor the fix, so
  :func:`check_guessed_names` asks the index first (one PEP 691/503 simple-API request
  per guessed name) and names ``file:line``, the import and the fix;
* a repository package whose distribution name the index also has (PEP 503 normalized):
  a **clash** (:func:`clash_warning`) is a warning, since nothing may need the index's
  project; but when the third-party requirements a test venv resolves to pull in the
  index's project of that name, installing the repository's wheel would **displace** it
  (and make the installer downgrade whatever needs it to a release the repository's
  version satisfies): :func:`check_displacement` makes that an error naming both. The
  venv the test-install fills with the third-party requirements alone, before any
  repository wheel, is that resolution: no extra resolver run, no network beyond the
  index the install uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from packaging.utils import canonicalize_name

from packyard.building.venvs import Venv
from packyard.errors import InferenceError, PackageError, ReleaseError
from packyard.index.query import IndexFile, project_files, version_of
from packyard.inference.requirements import InferredRequirement
from packyard.proc import run

__all__ = ["check_displacement", "check_guessed_names", "clash_warning", "index_projects"]

#: Seconds to wait for the index per request.
TIMEOUT = 10.0
_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")

# Lists the venv's distributions and their Requires-Dist, as JSON.
_LIST_SCRIPT = """\
import importlib.metadata as m, json
print(json.dumps([[d.metadata["Name"], d.version, d.requires or []] for d in m.distributions()]))
"""


def index_projects(
    index_url: str, names: Iterable[str], *, timeout: float = TIMEOUT
) -> dict[str, list[str]]:
    """The versions a simple index holds for each of ``names``.

    Args:
        index_url: the PEP 503 simple index URL (``https://pypi.org/simple``); a
            ``file:`` URL is read as a folder.
        names: distribution names (normalized here, PEP 503); one request each.
        timeout: seconds to wait per request.

    Returns:
        PEP 503 normalized name -> the versions the index has, newest first (an empty
        list when the index does not have the project).

    Raises:
        ReleaseError: the index is unreachable or answers an error other than 404.
    """
    found: dict[str, list[str]] = {}
    for name in sorted({canonicalize_name(n) for n in names}):
        if index_url.startswith("file:"):  # a PEP 503 folder: <root>/<name>/<files>
            folder = Path(url2pathname(urlparse(index_url).path)) / name
            files = [IndexFile(p.name, p.as_uri(), "", version_of(p.name)) for p in _files(folder)]
        else:
            files = project_files(index_url, name, timeout=timeout)
        versions = {f.version for f in files if f.version is not None}
        found[name] = [str(v) for v in sorted(versions, reverse=True)]
        if files and not versions:
            found[name] = ["(unknown version)"]
    return found


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def check_guessed_names(
    requirements: Iterable[InferredRequirement], index_url: str, *, timeout: float = TIMEOUT
) -> None:
    """Check that the index has every distribution name inference guessed.

    Args:
        requirements: inferred requirements; only those of the ``fallback`` rule (the
            import name taken as the distribution name) are looked up.
        index_url: the PEP 503 simple index the requirements install from.
        timeout: seconds to wait per request.

    Raises:
        InferenceError: the index lacks one or more guessed names; the message gives,
            for each, ``file:line``, the import and the distribution guessed, and the hint
            the two fixes (``# packyard: ignore``, an import-map entry).
        ReleaseError: the index cannot be reached.
    """
    guessed = {r.key: r for r in requirements if r.rule == "fallback"}
    if not guessed:
        return
    have = index_projects(index_url, guessed, timeout=timeout)
    missing = [r for key, r in sorted(guessed.items()) if not have.get(key)]
    if not missing:
        return
    lines = []
    for r in missing:
        where = ", ".join(r.locations[:3]) or "(listed explicitly)"
        imports = ", ".join(r.import_names) or r.distribution
        lines.append(
            f"{where}: import {imports!r} was taken for the distribution "
            f"{r.distribution!r} (no import map names it), which {index_url} does not have"
        )
    first = missing[0]
    example = first.import_names[0] if first.import_names else first.distribution
    raise InferenceError(
        "\n".join(lines),
        hint="if the import never runs where the package is installed (a Python 2 or "
        "other-platform module, a plugin of another program), end its line with "
        "'# packyard: ignore'; otherwise name its distribution in "
        f'[tool.packyard.import-map], e.g. "{example}" = "<distribution on the index>"',
    )


def clash_warning(
    index_url: str, distribution: str, where: str, *, timeout: float = TIMEOUT
) -> str | None:
    """A warning when the index has a project of a repository package's name.

    Args:
        index_url: the PEP 503 simple index.
        distribution: the repository package's distribution name.
        where: the package's path, for the message (``packages/mccabe.py``).
        timeout: seconds to wait for the index.

    Returns:
        The warning, or None when the index does not have the name. When the index
        cannot be reached, a warning saying the name was not checked.

    Raises:
        Nothing.
    """
    try:
        versions = index_projects(index_url, [distribution], timeout=timeout)
    except ReleaseError as exc:
        return f"{where}: the name {distribution!r} was not checked against the index: {exc}"
    found = versions[canonicalize_name(distribution)]
    if not found:
        return None
    return (
        f"{where}: the index at {index_url} has a project named {distribution!r} "
        f"(latest {found[0]}), the PEP 503 name of this package too: a project that "
        f"requires {distribution!r} would get this package in its place (dependency "
        "confusion); rename the package (invoke rename) unless it is that project"
    )


def installed(venv: Venv) -> dict[str, tuple[str, str, list[str]]]:
    """The distributions installed in a venv.

    Returns:
        PEP 503 normalized name -> (name, version, the names it requires, normalized;
        every Requires-Dist, whatever its marker).

    Raises:
        CommandFailed: the venv's Python failed.
    """
    output = run([venv.python, "-c", _LIST_SCRIPT], step="venv", env=venv.env(), timeout=120)
    found = {}
    for name, version, requires in json.loads(output.strip().splitlines()[-1]):
        needs = []
        for line in requires:
            match = _NAME_RE.match(line)
            if match:
                needs.append(canonicalize_name(match.group(1)))
        found[canonicalize_name(name)] = (name, version, needs)
    return found


def check_displacement(venv: Venv, repository: Mapping[str, str]) -> None:
    """Fail when a venv filled with third-party requirements holds a distribution that a
    repository package about to be installed would replace.

    Args:
        venv: the venv, holding the third-party requirements and nothing of the
            repository yet.
        repository: the distribution name of each repository package about to be
            installed -> its path for the message (``packages/mccabe.py``).

    Raises:
        PackageError: a third-party requirement needs a project of the index that has the
            name of a repository package; the message names both, and what requires it.
        CommandFailed: the venv's Python failed.
    """
    have = installed(venv)
    for dist, where in sorted(repository.items()):
        key = canonicalize_name(dist)
        if key not in have:
            continue
        name, version, _ = have[key]
        needs = sorted(f"{n} {v}" for k, (n, v, r) in have.items() if key in r and k != key)
        by = ", ".join(needs) or "a requirement of the test environment"
        raise PackageError(
            f"the repository's package {dist!r} has the name of the index's project "
            f"{name} {version}, which {by} requires: installing the package would replace "
            f"it, and make the installer downgrade or break {by}",
            path=where,
            hint=f"rename the repository's package (invoke rename {Path(where).stem} NEWNAME); "
            "a repository package must not share a PEP 503 name with a project its "
            "environment needs",
        )
