"""Building a package's sdist and wheel from its build tree, and checking them.

The build backend makes the sdist and the wheel from the build tree in one process (see
:mod:`packyard.building.pep517`); the sdist's file list must hold every file the wheel ships, the
``README.md`` and the ``pyproject.toml``; ``twine check --strict`` checks both; and the
wheel's file list is compared with what the package should ship.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packyard.building.assemble import BuildTree
from packyard.childenv import child_env
from packyard.errors import CommandFailed, PackageError
from packyard.fsutil import replace_dir
from packyard.package.discovery import NOT_SHIPPED, is_ignored
from packyard.proc import run, strip_ansi


@dataclass(frozen=True)
class Artifacts:
    """A built sdist and wheel.

    Attributes:
        sdist: path of the ``.tar.gz``.
        wheel: path of the ``.whl``.
    """

    sdist: Path
    wheel: Path

    @property
    def files(self) -> list[Path]:
        """Both files, sdist first."""
        return [self.sdist, self.wheel]


def build(tree: BuildTree, dist_root: Path) -> Artifacts:
    """Build the sdist and wheel of an assembled tree into ``dist_root/NAME/``.

    The files are built into a temporary folder and moved into place only when both
    exist, replacing the folder's previous contents.

    Args:
        tree: the assembled build tree.
        dist_root: the ``dist`` folder of the repository.

    Raises:
        CommandFailed: ``python -m build`` failed (step ``build``).
    """
    dist_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{tree.package.name}-", dir=dist_root))
    try:
        # One interpreter calls the backend's build_sdist and build_wheel on the tree
        # (see packyard.building.pep517); the sdist's file list is checked below.
        run(
            [sys.executable, "-m", "packyard.building.pep517", tree.path, staging],
            step="build",
            cwd=staging,
            env=child_env(),
            hint="the build backend rejected the generated project; see the output above",
        )
        sdists = sorted(staging.glob("*.tar.gz"))
        wheels = sorted(staging.glob("*.whl"))
        if len(sdists) != 1 or len(wheels) != 1:
            raise CommandFailed(
                f"build produced {len(sdists)} sdists and {len(wheels)} wheels, not one of each",
                step="build",
                returncode=1,
            )
        check_sdist_contents(tree, sdists[0])
        final = dist_root / tree.package.name
        replace_dir(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Artifacts(sdist=final / sdists[0].name, wheel=final / wheels[0].name)


def twine_check_command(artifacts: Artifacts) -> list[str]:
    """The ``twine check --strict`` command line for both files (twine has no Python API)."""
    return [sys.executable, "-m", "twine", "check", "--strict", *map(str, artifacts.files)]


def twine_check(artifacts: Artifacts) -> None:
    """Run ``twine check --strict`` on the sdist and wheel.

    Raises:
        CommandFailed: twine found a problem (step ``check``), e.g. a long description that
            does not render.
    """
    run(
        twine_check_command(artifacts),
        step="check",
        env=child_env(),
        hint="fix the package's docstring or README.md so that it renders as Markdown",
    )


def start_twine_check(artifacts: Artifacts) -> subprocess.Popen[bytes]:
    """Start ``twine check --strict`` in the background; finish with
    :func:`finish_twine_check`."""
    return subprocess.Popen(
        twine_check_command(artifacts),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=child_env(extra={"NO_COLOR": "1"}),
    )


def finish_twine_check(process: subprocess.Popen[bytes]) -> None:
    """Wait for a background ``twine check``.

    Raises:
        CommandFailed: twine found a problem (step ``check``).
    """
    output, _ = process.communicate()
    if process.returncode != 0:
        raise CommandFailed(
            f"check failed: twine check --strict exited with status {process.returncode}",
            step="check",
            returncode=process.returncode,
            output=strip_ansi(output.decode("utf-8", "replace")),
            hint="fix the package's docstring or README.md so that it renders as Markdown",
        )


def check_wheel_contents(tree: BuildTree, wheel: Path) -> list[str]:
    """Compare the wheel's files with what the package should ship.

    Args:
        tree: the build tree (its ``shipped`` set is what must be there).
        wheel: the built wheel.

    Returns:
        The wheel's file list (POSIX paths), sorted.

    Raises:
        PackageError: a file is missing, or the wheel holds something that should not ship
            (tests, caches, compiled files, anything not in the package).
    """
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(n for n in archive.namelist() if not n.endswith("/"))
    dist_info = f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info/"
    payload = {n for n in names if not n.startswith(dist_info)}
    missing = sorted(tree.shipped - payload)
    extra = sorted(payload - tree.shipped)
    # The policy, applied to what the backend really wrote: no tests, docs, caches or
    # build leftovers, whatever the file list said.
    name = tree.package.name
    extra += sorted(
        path
        for path in payload & tree.shipped
        if is_ignored(path) or path.startswith(tuple(f"{name}/{d}/" for d in NOT_SHIPPED))
    )
    if missing or extra:
        details = []
        if missing:
            details.append("missing: " + ", ".join(missing))
        if extra:
            details.append("unexpected: " + ", ".join(extra))
        raise PackageError(
            f"the wheel does not hold exactly the package's files ({'; '.join(details)})",
            path=wheel,
            hint="report this as a packyard bug, with the package's file list",
        )
    return names


def check_sdist_contents(tree: BuildTree, sdist: Path) -> None:
    """Check that an sdist holds what a wheel built from it needs: every file the wheel
    ships (the links as their downloads), ``README.md``, ``pyproject.toml`` and
    ``PKG-INFO``, under one ``NAME-VERSION/`` folder.

    Raises:
        PackageError: a file is missing (names them).
    """
    with tarfile.open(sdist) as archive:
        names = {member.name for member in archive.getmembers() if member.isfile()}
    tops = {name.split("/", 1)[0] for name in names}
    prefix = f"{next(iter(tops))}/" if len(tops) == 1 else ""
    wanted = {*tree.shipped, "README.md", "pyproject.toml", "PKG-INFO"}
    missing = sorted(w for w in wanted if f"{prefix}{w}" not in names)
    if not prefix or missing:
        raise PackageError(
            "the sdist does not hold the package's files"
            + (f" (missing: {', '.join(missing)})" if missing else " under one folder"),
            path=sdist,
            hint="report this as a packyard bug, with the package's file list",
        )
