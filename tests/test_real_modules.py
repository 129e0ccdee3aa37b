"""Real modules dropped into ``packages/`` (issue #15): what a module already states
(``__version__``, ``__license__`` or a license header, an RST docstring, a wrapped first
sentence, scripts in its PEP 723 block) ends up in the wheel; its tests bring their own
folder, helpers, data and test-only needs; doctests run only where there are prompts and
can be turned off; a broken test module is an ordinary collection error.

The end-to-end tests build real wheels, install them into fresh venvs from the local
pypiserver (``local_index``) and run pytest there.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import RepoFactory, init_repo

from packyard.building.testinstall import build_and_check, test_install
from packyard.docsite import pages
from packyard.errors import CommandFailed, PackageError
from packyard.index.local import LocalIndex
from packyard.package.discovery import discover
from packyard.release.planning import plan_release
from packyard.repo import Repository

MIT = """\
Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction. The above copyright notice and this permission notice shall be
included in all copies or substantial portions of the Software.
"""

#: A single-file package the way real ones come: a shebang, an SPDX header, a PEP 723
#: block declaring a script, a test dependency and no doctests, an RST docstring whose
#: first sentence wraps, a ``>>>`` illustration that is not a doctest, ``__version__``.
GREETKIT = '''\
#!/usr/bin/env python
# SPDX-License-Identifier: MIT
# /// script
# [tool.packyard]
# doctests = false
# test-dependencies = ["PyYAML"]
# [tool.packyard.scripts]
# greetkit = "greetkit:main"
# [tool.packyard.entry-points."greetkit.greeters"]
# plain = "greetkit:greet"
# ///
"""Greeting helpers for command-line tools, see
https://example.org/greetkit for the documentation. They are small.

Usage::

    >>> greet("Ada")   # an illustration: the real output differs
    Hello Ada!!!

The ``greet`` function returns a string; see :func:`greet`.
"""

__version__ = "1.17.0"


def greet(name):
    return f"Hello {name}!"


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="greetkit")
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("name", nargs="?", default="world")
    print(greet(parser.parse_args(argv).name))
    return 0
'''

GREETKIT_TESTS = {
    "packages/test_greetkit/test_greetkit.py": """\
        import importlib.metadata
        from pathlib import Path

        import greetkit
        from helper import shout

        try:
            import click
        except ImportError:
            click = None

        DATA = Path(__file__).parent / "resources" / "names.txt"


        def test_greets_every_name_in_the_data_file(prefix):
            names = DATA.read_text().split()
            assert [shout(greetkit.greet(n)) for n in names] == [f"{prefix} ADA!", f"{prefix} GRACE!"]


        def test_optional_import_is_installed():
            assert click is not None


        def test_test_dependency_is_installed():
            assert importlib.metadata.version("PyYAML")


        def test_version_is_the_distributions():
            assert greetkit.__version__ == importlib.metadata.version("greetkit")
        """,
    "packages/test_greetkit/helper.py": "def shout(text):\n    return text.upper()\n",
    "packages/test_greetkit/conftest.py": """\
        import pytest


        @pytest.fixture
        def prefix():
            return "HELLO"
        """,
    "packages/test_greetkit/resources/names.txt": "Ada Grace\n",
}


def _quiet(_: str) -> None:
    pass


def _index(local_index: LocalIndex) -> str:
    return f'index-url = "{local_index.simple_url}"\n'


def _greetkit(make_repo: RepoFactory, packyard: str = "") -> Path:
    return make_repo(
        {"packages/greetkit.py": GREETKIT, "packages/greetkit.LICENSE": MIT, **GREETKIT_TESTS},
        packyard=packyard,
    )


def test_what_a_module_states_becomes_its_metadata(make_repo: RepoFactory) -> None:
    root = _greetkit(make_repo)
    repo = Repository.open(root)
    table = repo.project_table("greetkit")
    assert table["version"] == "1.17.0"
    assert table["description"] == (
        "Greeting helpers for command-line tools, see https://example.org/greetkit for the "
        "documentation."
    )
    assert table["readme"]["content-type"] == "text/x-rst"
    assert table["license"] == "MIT"
    assert table["scripts"] == {"greetkit": "greetkit:main"}
    assert table["entry-points"] == {"greetkit.greeters": {"plain": "greetkit:greet"}}
    # test_greetkit/ is the package's test folder, never a package of its own.
    assert list(discover(repo.config)) == ["greetkit"]
    package = repo.package("greetkit")
    assert package.test_paths == [root / "packages" / "test_greetkit"]
    assert package.license_file == root / "packages" / "greetkit.LICENSE"


def test_markdown_stays_markdown_and_main_alone_is_no_script(make_repo: RepoFactory) -> None:
    root = make_repo(
        {
            "packages/mdmod.py": '"""Markdown module.\n\n```python\nx = ``1``\n```\n"""\n'
            "def main():\n    pass\n",
            "packages/plainmod.py": '"""Plain text; no markup at all.\n\nMore words."""\n'
            '__license__ = "Apache 2.0"\n',
        }
    )
    repo = Repository.open(root)
    table = repo.project_table("mdmod")
    assert table["readme"]["content-type"] == "text/markdown"
    assert "scripts" not in table
    assert repo.project_table("plainmod")["readme"]["content-type"] == "text/markdown"
    assert repo.project_table("plainmod")["license"] == "Apache-2.0"
    assert repo.version("mdmod") == "0.0.0"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("# SPDX-License-Identifier: BSD-3-Clause\n", "BSD-3-Clause"),
        ("".join(f"# {line}\n" for line in MIT.splitlines()), "MIT"),
        (
            '# Licensed under the Apache License, Version 2.0 (the "License");\n',
            "Apache-2.0",
        ),
        ("# Copyright nobody in particular\n", None),
    ],
)
def test_license_header(make_repo: RepoFactory, header: str, expected: str | None) -> None:
    root = make_repo({"packages/lic.py": header + '"""Licensed module."""\n'})
    assert Repository.open(root).project_table("lic").get("license") == expected


def test_first_release_takes_the_stated_version(make_repo: RepoFactory) -> None:
    root = _greetkit(make_repo)
    (root / "packages" / "plain.py").write_text('"""No version stated."""\n', "utf-8")
    init_repo(root)
    repo = Repository.open(root)
    plan = plan_release(repo, "greetkit")
    assert (plan.version, plan.previous) == ("1.17.0", None)
    assert "states" in plan.reason
    assert plan_release(repo, "plain").version == repo.config.first_version


def test_single_file_api_page_lists_all_and_only_all(make_repo: RepoFactory) -> None:
    root = make_repo(
        {
            "packages/withall.py": '"""W."""\n__all__ = ["b", "a"]\ndef a(): pass\n'
            "def b(): pass\ndef helper(): pass\n",
            "packages/noall.py": '"""N."""\nimport os\ndef f(): pass\ndef _g(): pass\n',
        }
    )
    repo = Repository.open(root)
    page = pages.api_page(repo.package("withall"))
    assert 'members: ["b", "a"]' in page and "show_if_no_docstring: true" in page
    assert "helper" not in page
    assert 'members: ["f"]' in pages.api_page(repo.package("noall"))


def test_test_folder_without_its_package_is_an_error(make_repo: RepoFactory) -> None:
    root = make_repo({"packages/a.py": '"""A."""\n', "packages/test_b/test_b.py": ""})
    with pytest.raises(PackageError) as info:
        discover(Repository.open(root).config)
    assert "test folder for a package 'b'" in info.value.render()


@pytest.mark.slow
def test_real_module_with_test_folder_installs_and_passes(
    make_repo: RepoFactory, local_index: LocalIndex, tmp_path: Path
) -> None:
    root = _greetkit(make_repo, _index(local_index))
    repo = Repository.open(root)
    venv = tmp_path / "venv"
    report = test_install(repo.resolve("greetkit"), venv_dir=venv, progress=_quiet)
    assert report.version == "1.17.0" and report.tests_run
    assert "cli" in [step for step, _ in report.steps]
    assert report.artifacts is not None
    with zipfile.ZipFile(report.artifacts.wheel) as wheel:
        metadata = wheel.read("greetkit-1.17.0.dist-info/METADATA").decode()
        names = wheel.namelist()
        entry_points = wheel.read("greetkit-1.17.0.dist-info/entry_points.txt").decode()
    assert "[greetkit.greeters]\nplain = greetkit:greet" in entry_points
    assert "Description-Content-Type: text/x-rst" in metadata
    assert "License-Expression: MIT" in metadata
    assert "greetkit-1.17.0.dist-info/licenses/LICENSE" in names
    script = subprocess.run(
        [venv / "bin" / "greetkit", "--version"], capture_output=True, text=True, check=True
    )
    assert script.stdout.strip() == "1.17.0"
    # The source keeps what its author wrote; only the built copy is rewritten.
    assert (root / "packages" / "greetkit.py").read_text("utf-8") == GREETKIT


@pytest.mark.slow
def test_doctests_follow_the_settings(make_repo: RepoFactory, local_index: LocalIndex) -> None:
    illustration = '"""Illustrated.\n\n>>> twice(2)\n5\n"""\n\ndef twice(x):\n    return 2 * x\n'
    root = make_repo(
        {
            "packages/illus.py": illustration,
            "packages/ondoc.py": "# /// script\n# [tool.packyard]\n# doctests = true\n# ///\n"
            + illustration,
            # A folder package's doctests run when it asks for them (none run otherwise).
            "packages/fdoc/__init__.py": '"""Folder with doctests."""\n',
            "packages/fdoc/core.py": '"""Core.\n\n>>> 2 + 2\n4\n"""\n',
            "packages/fdoc/pyproject.toml": "[tool.packyard]\ndoctests = true\n",
        },
        packyard=_index(local_index) + "doctests = false\n",
    )
    repo = Repository.open(root)
    assert not test_install(repo.resolve("illus"), progress=_quiet).tests_run
    assert test_install(repo.resolve("fdoc"), progress=_quiet).tests_run
    with pytest.raises(CommandFailed) as info:
        test_install(repo.resolve("ondoc"), progress=_quiet)
    assert info.value.step == "tests" and "1 failed" in info.value.render()


@pytest.mark.slow
def test_lazy_module_and_broken_test_module(
    make_repo: RepoFactory, local_index: LocalIndex
) -> None:
    root = make_repo(
        {
            # Lazy attributes and no doctests: nothing to collect from the module.
            "packages/lazy.py": '"""Lazy attributes."""\nimport importlib\n\n'
            "def __getattr__(name):\n    return importlib.import_module('lazy_part_' + name)\n",
            "packages/test_lazy.py": "import lazy\n\ndef test_doc():\n    assert lazy.__doc__\n",
            "packages/badtest.py": '"""Fine module."""\n',
            "packages/test_badtest.py": "import badtest\n\nraise ValueError('fixture data missing')\n",
        },
        packyard=_index(local_index),
    )
    repo = Repository.open(root)
    assert test_install(repo.resolve("lazy"), progress=_quiet).tests_run
    with pytest.raises(CommandFailed) as info:
        test_install(repo.resolve("badtest"), progress=_quiet)
    text = info.value.render()
    assert info.value.step == "tests"
    assert "test_badtest.py:3" in text and "fixture data missing" in text
    assert "INTERNALERROR" not in text


def test_build_writes_the_version_into_the_built_module(make_repo: RepoFactory) -> None:
    root = make_repo({"packages/nover.py": '#!/usr/bin/env python\n"""No version."""\nX = 1\n'})
    repo = Repository.open(root)
    tree, artifacts, _ = build_and_check(repo.resolve("nover"), progress=_quiet)
    built = (tree.path / "nover.py").read_text("utf-8")
    assert built.splitlines()[:3] == [
        "#!/usr/bin/env python",
        '"""No version."""',
        '__version__ = "0.0.0"',
    ]
    with zipfile.ZipFile(artifacts.wheel) as wheel:
        assert '__version__ = "0.0.0"' in wheel.read("nover.py").decode()


@pytest.mark.slow
def test_single_file_site_shows_all_of_all_and_renders_rst(
    make_repo: RepoFactory, local_index: LocalIndex
) -> None:
    from packyard.docsite import build_package_site

    root = make_repo(
        {
            "packages/shapes.py": '"""Shapes and their areas.\n\nUse ``area``::\n\n'
            '    area(2)\n"""\n__all__ = ["area", "Square"]\n\ndef area(side):\n'
            "    return side * side\n\nclass Square:\n    pass\n\n"
            "def helper():\n    return 1\n",
        },
        packyard=_index(local_index),
    )
    build_package_site(Repository.open(root), "shapes", progress=_quiet)
    api = (root / "site" / "shapes" / "api" / "index.html").read_text("utf-8")
    assert 'id="shapes.area"' in api and 'id="shapes.Square"' in api
    assert 'id="shapes.helper"' not in api
    home = (root / "site" / "shapes" / "index.html").read_text("utf-8")
    assert "literal-block" in home and "``area``" not in home
