"""Resolving a package's inferred requirements to a pinned set with pip-compile.

Runs pip-tools' ``pip-compile`` against the configured index only (no machine or user pip
configuration, no index URLs or find-links written into the output). When the resolution
fails, each inferred distribution is looked up on the index, and the ones it does not have
are reported with the import that led to them and the import-map entry that would fix it.
"""

from __future__ import annotations

import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from packaging.utils import canonicalize_name

from packyard.building.clashes import check_guessed_names
from packyard.building.venvs import clean_env
from packyard.errors import CommandFailed, InferenceError
from packyard.inference.requirements import Inference, InferredRequirement
from packyard.proc import run


def compile_requirements(
    inference: Inference,
    *,
    index_url: str,
    extra_requirements: list[str] | None = None,
    find_links: list[Path] | None = None,
    local_wheels: dict[str, Path] | None = None,
    timeout: float = 600,
) -> str:
    """Resolve requirements to pinned versions.

    Args:
        inference: the inferred requirements (required and optional ones are resolved
            together).
        index_url: the PEP 503 simple index to resolve against.
        extra_requirements: further PEP 508 lines to resolve with them.
        find_links: folders of local wheels pip may also use.
        local_wheels: PEP 503 normalized distribution name -> wheel file, for sibling
            packages: they are pinned to that file (a direct reference), so a project of
            the same name on the index is never taken instead.
        timeout: seconds before pip-compile is stopped.

    Returns:
        pip-compile's output file: pinned ``name==version`` lines with ``# via`` comments.

    Raises:
        InferenceError: a distribution is not on the index; names the import, its
            ``file:line`` and the ``[tool.packyard.import-map]`` entry to add (a guessed
            name is looked up before pip-compile runs:
            :func:`packyard.building.clashes.check_guessed_names`).
        ReleaseError: the index cannot be reached to check a guessed name.
        CommandFailed: pip-compile failed for another reason (conflicting specifiers,
            index unreachable).
    """
    check_guessed_names(inference.requirements, index_url)
    local = {canonicalize_name(k): v for k, v in (local_wheels or {}).items()}
    lines = []
    for r in inference.requirements:
        wheel = local.get(r.key)
        lines.append(f"{r.key} @ {wheel.resolve().as_uri()}" if wheel else str(r.requirement))
    lines += list(extra_requirements or [])
    with tempfile.TemporaryDirectory(prefix="packyard-lock-") as scratch:
        source = Path(scratch) / "requirements.in"
        output = Path(scratch) / "requirements.txt"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        args = [
            sys.executable,
            "-m",
            "piptools",
            "compile",
            "--quiet",
            "--no-header",
            "--no-emit-index-url",
            "--no-emit-find-links",
            "--no-emit-trusted-host",
            "--strip-extras",
            "--cache-dir",
            str(Path(scratch) / "cache"),
            "--index-url",
            index_url,
            "--output-file",
            output.name,
        ]
        for link in find_links or []:
            args += ["--find-links", str(link)]
        args.append(source.name)
        try:
            run(args, step="lock", env=clean_env(), timeout=timeout, cwd=scratch)
        except CommandFailed as failure:
            missing = [
                r
                for r in inference.requirements
                if r.rule != "sibling" and not distribution_exists(index_url, r.distribution)
            ]
            if missing:
                raise InferenceError(
                    "\n".join(_missing_message(r, index_url) for r in missing),
                    hint="add the entries above to [tool.packyard.import-map] in the root "
                    "pyproject.toml (or the package's own import-map), with the right "
                    "distribution name",
                ) from None
            raise failure from None
        return output.read_text(encoding="utf-8")


def distribution_exists(index_url: str, distribution: str, *, timeout: float = 30) -> bool:
    """Whether a PEP 503 simple index has a project page for ``distribution``.

    Args:
        index_url: the index's simple URL (``.../simple``).
        distribution: the distribution name (normalized here, per PEP 503).
        timeout: seconds to wait for the index.

    Returns:
        True when the index answers 200 for ``<index>/<normalized name>/``; False on 404.

    Raises:
        CommandFailed: the index could not be reached (step ``lock``).
    """
    url = f"{index_url.rstrip('/')}/{canonicalize_name(distribution)}/"
    if url.startswith("file:"):
        return Path(urllib.request.url2pathname(url[len("file://") :])).is_dir()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise CommandFailed(
            f"lock: the index answered {exc.code} for {url}", step="lock", returncode=1
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise CommandFailed(
            f"lock: cannot reach the index at {index_url}: {getattr(exc, 'reason', exc)}",
            step="lock",
            returncode=1,
        ) from None


def _missing_message(requirement: InferredRequirement, index_url: str) -> str:
    where = ", ".join(requirement.locations[:3]) or "(listed explicitly)"
    imports = ", ".join(requirement.import_names) or requirement.distribution
    entry = (
        f'"{requirement.import_names[0]}" = "<distribution>"' if requirement.import_names else ""
    )
    text = (
        f"{where}: import {imports!r} maps to distribution {requirement.distribution!r} "
        f"(rule: {requirement.rule}), which {index_url} does not have"
    )
    if entry:
        text += f"; fix: {entry}"
    return text
