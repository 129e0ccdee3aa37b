"""``invoke new NAME``: a new package that passes its own test-install as it is.

A single-file package (the default)::

    packages/NAME.py         PEP 723 block, docstring (summary + doctest), greet()
    packages/test_NAME.py    a pytest test of greet()

A folder package (``folder=True``, implied by ``cli``, ``api`` and ``app``)::

    packages/NAME/__init__.py     docstring, greet()
    packages/NAME/pyproject.toml  a partial [project] table to fill in
    packages/NAME/README.md       the long description
    packages/NAME/tests/          pytest tests
    packages/NAME/cli.py          (cli) argparse main() -> the console script NAME
    packages/NAME/routes.py       (api) a FastAPI APIRouter named router -> extra "api";
                                  its test uses FastAPI's TestClient, which needs httpx:
                                  the pyproject.toml declares it as a test dependency
    packages/NAME/app.py          (app) a Streamlit app -> extra "app"

The tests import FastAPI and Streamlit directly (no ``importorskip``): the test-install
installs every extra, so a missing dependency fails the tests instead of skipping them.
They import the package inside the test functions, so their import blocks pass ruff's
isort rules whether the repository counts the package as first- or third-party: the
scaffold passes the lint gate too.

The files are written to a temporary name beside their final place and renamed into it,
so a failure leaves nothing behind. The README package table is regenerated when the
README has its marker comments. The new distribution name is looked up on the configured
index: a project of that name there is a warning among the notes (see
:mod:`packyard.building.clashes`).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from packyard.building.clashes import clash_warning
from packyard.chores.checks import check_new_name
from packyard.chores.files import refresh_readme
from packyard.names import distribution_name
from packyard.repo import Repository
from packyard.versions.tracking import latest_release


@dataclass
class Scaffold:
    """A package written by :func:`new_package`.

    Attributes:
        name: its import name.
        form: ``module`` or ``folder``.
        path: the module file or the folder.
        files: every file written, absolute, sorted.
        notes: what the user should know (the README table updated, release history it
            continues).
    """

    name: str
    form: str
    path: Path
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def new_package(
    repo: Repository,
    name: str,
    *,
    folder: bool = False,
    cli: bool = False,
    api: bool = False,
    app: bool = False,
    summary: str | None = None,
) -> Scaffold:
    """Write a new package into the packages folder.

    Args:
        repo: the repository.
        name: the import name (a valid identifier, not a standard-library module).
        folder: a folder package instead of a single file.
        cli: add ``cli.py`` with ``main`` (implies ``folder``).
        api: add ``routes.py`` with a FastAPI ``router`` (implies ``folder``).
        app: add ``app.py``, a Streamlit app (implies ``folder``).
        summary: the one-line summary; a placeholder naming the package when None.

    Returns:
        What was written.

    Raises:
        PackageError: the name is invalid or taken (nothing written).
        OSError: the files could not be written (nothing left behind).
    """
    check_new_name(repo, name)
    folder = folder or cli or api or app
    summary = " ".join((summary or f"{name}: a new package (edit this summary).").split())
    # It goes inside a triple-quoted docstring: no backslashes, no closing quotes.
    summary = summary.replace("\\", "/").replace('"', "'")
    packages = repo.config.packages_dir
    packages.mkdir(parents=True, exist_ok=True)
    if folder:
        files = _folder_files(name, summary, cli=cli, api=api, app=app)
        target = packages / name
        _write_folder(target, files)
        written = sorted(target / relative for relative in files)
    else:
        requires = repo.config.requires_python
        files = {
            f"{name}.py": _module_text(name, summary, requires),
            f"test_{name}.py": _module_test_text(name),
        }
        target = packages / f"{name}.py"
        _write_files(packages, files)
        written = sorted(packages / relative for relative in files)
    scaffold = Scaffold(name=name, form="folder" if folder else "module", path=target)
    scaffold.files = written
    reopened = Repository.open(repo.config.root)
    changed, problem = refresh_readme(reopened)
    shown = (
        target.relative_to(repo.config.root) if target.is_relative_to(repo.config.root) else target
    )
    clash = clash_warning(
        repo.config.index_url, reopened.package(name).dist_name, str(shown), timeout=5
    )
    if clash:
        scaffold.notes.append(f"warning: {clash}")
    if changed:
        scaffold.notes.append("README.md package table updated")
    if problem:
        scaffold.notes.append(problem)
    last = latest_release(repo.config.state_dir, name)
    if last is not None:
        scaffold.notes.append(
            f"{name} has release history (last release {last['version']}): its next release "
            "continues after it"
        )
    return scaffold


def _write_files(folder: Path, files: dict[str, str]) -> None:
    """Write files into ``folder``: all to temporary names first, then renamed."""
    temps: list[tuple[Path, Path]] = []
    done: list[Path] = []
    try:
        for relative, text in files.items():
            handle, temp = tempfile.mkstemp(prefix=f".{relative}.", suffix=".tmp", dir=folder)
            with open(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            Path(temp).chmod(0o644)
            temps.append((Path(temp), folder / relative))
        for temp, final in temps:
            temp.replace(final)
            done.append(final)
    except BaseException:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
        for final in done:
            final.unlink(missing_ok=True)
        raise


def _write_folder(target: Path, files: dict[str, str]) -> None:
    """Write a folder under a temporary name beside ``target``, then rename it."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        staging.chmod(0o755)
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


_GREET = '''

def greet(who: str = "world") -> str:
    """Return a greeting for ``who``.

    >>> greet("Ada")
    'Hello, Ada!'
    """
    return f"Hello, {who}!"
'''


def _module_text(name: str, summary: str, requires_python: str) -> str:
    return f'''# /// script
# requires-python = "{requires_python}"
# dependencies = []
# ///
"""{summary}

Describe {name} here: this text is the package's long description on the index.

>>> greet()
'Hello, world!'
"""

from __future__ import annotations

__all__ = ["greet"]
{_GREET}'''


def _module_test_text(name: str) -> str:
    return f'''"""Tests of {name}, run against its installed wheel."""

from {name} import greet


def test_greet_names_who_it_greets() -> None:
    assert greet("Ada") == "Hello, Ada!"
    assert greet() == "Hello, world!"
'''


#: What a scaffold's tests need beyond the package and pytest, by option: FastAPI's
#: TestClient imports httpx, which FastAPI does not depend on.
TEST_DEPENDENCIES = {"api": ("httpx",)}


def _pyproject_text(*, api: bool) -> str:
    text = """# Partial PEP 621 [project] table: packyard fills in the name, the
# version, the readme and the dependencies it infers from the imports; what is set
# here wins.
[project]
keywords = []
# license = "MIT"
# authors = [{ name = "Your team" }]
"""
    if api:
        listed = ", ".join(f'"{d}"' for d in TEST_DEPENDENCIES["api"])
        text += (
            "\n# What the tests need beyond the package, its extras and pytest (installed\n"
            "# into the test-install's venv): FastAPI's TestClient imports httpx.\n"
            f"[tool.packyard]\ntest-dependencies = [{listed}]\n"
        )
    return text


def _folder_files(name: str, summary: str, *, cli: bool, api: bool, app: bool) -> dict[str, str]:
    dist = distribution_name(name)
    files = {
        "__init__.py": f'''"""{summary}

Describe {name} here, or in README.md (the long description on the index).
"""

from __future__ import annotations

__all__ = ["greet"]
{_GREET}''',
        "pyproject.toml": _pyproject_text(api=api),
        "README.md": f"# {dist}\n\n{summary}\n\n```python\nfrom {name} import greet\n\n"
        "greet(\"Ada\")  # 'Hello, Ada!'\n```\n",
        "tests/test_greet.py": f'''"""Tests of {name}, run against its installed wheel."""

from {name} import greet


def test_greet_names_who_it_greets() -> None:
    assert greet("Ada") == "Hello, Ada!"
''',
    }
    if cli:
        files["cli.py"] = f'''"""The command line of {name}: ``{name} [WHO]`` prints a greeting."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from {name} import greet


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="{name}", description="Print a greeting.")
    parser.add_argument("who", nargs="?", default="world", help="who to greet")
    args = parser.parse_args(argv)
    print(greet(args.who))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
'''
        files["tests/test_cli.py"] = f'''"""The console script's entry point, called in-process."""

import pytest


def test_main_prints_the_greeting(capsys: pytest.CaptureFixture[str]) -> None:
    from {name}.cli import main

    assert main(["Ada"]) == 0
    assert capsys.readouterr().out == "Hello, Ada!\\n"
'''
    if api:
        files["routes.py"] = f'''"""HTTP routes of {name}: ``packyard serve {name}`` serves them.

FastAPI is a dependency of the extra ``api`` only: ``pip install '{dist}[api]'``.
"""

from __future__ import annotations

from fastapi import APIRouter

from {name} import greet

router = APIRouter(tags=["{name}"])


@router.get("/greet")
def get_greeting(who: str = "world") -> dict[str, str]:
    """A greeting, as JSON."""
    return {{"message": greet(who)}}
'''
        files["tests/test_routes.py"] = f'''"""The routes, through FastAPI's test client.

The test client needs httpx: pyproject.toml lists it in test-dependencies.
"""

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_greet_route_answers_json() -> None:
    from {name}.routes import router

    app = FastAPI()
    app.include_router(router)
    response = TestClient(app).get("/greet", params={{"who": "Ada"}})
    assert response.status_code == 200
    assert response.json() == {{"message": "Hello, Ada!"}}
'''
    if app:
        files["app.py"] = f'''"""The Streamlit app of {name}: ``packyard app {name}`` runs it.

Streamlit is a dependency of the extra ``app`` only: ``pip install '{dist}[app]'``.
"""

import streamlit as st

from {name} import greet

st.title("{dist}")
who = st.text_input("Who", value="world")
st.write(greet(who))
'''
        files["tests/test_app.py"] = f'''"""The app, run by Streamlit's test harness."""

from importlib.resources import files

from streamlit.testing.v1 import AppTest


def test_app_greets() -> None:
    script = files("{name}").joinpath("app.py")
    app = AppTest.from_file(str(script)).run()
    assert not app.exception
    assert "Hello, world!" in [m.value for m in app.markdown]
'''
    return files
