"""The arguments after ``--`` of ``nox -s test_install-NAME`` and ``check-NAME``.

packyard's own options come first and are recognised by name (:data:`OPTIONS`); every
other argument goes to pytest, in order. A second ``--`` ends packyard's options: what
follows goes to pytest as it is, even a word packyard knows::

    nox -s test_install-NAME -- -k parse -x -v        # pytest: -k parse -x -v
    nox -s test_install-NAME -- --locked -k parse     # packyard: --locked; pytest: -k parse
    nox -s test_install-NAME -- --locked -- --locked  # pytest gets --locked
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

#: packyard's options of the test-install, and what each does.
OPTIONS = {
    "--locked": "install exactly the package's lock file (see packyard.building.lockfile)",
    "--no-cache": "run even when the same inputs passed before (see packyard.building.resultcache)",
}


@dataclass(frozen=True)
class TestArgs:
    """The test-install's arguments, split.

    Attributes:
        locked: ``--locked``: install the pins of the lock file.
        no_cache: ``--no-cache``: run even when the result cache has a pass.
        pytest: the arguments pytest gets, in order.
    """

    locked: bool = False
    no_cache: bool = False
    pytest: list[str] = field(default_factory=list)

    __test__ = False  # not a pytest test class


def split_test_args(posargs: Sequence[str]) -> TestArgs:
    """Split the session's arguments between packyard and pytest.

    >>> split_test_args(["--locked", "-k", "name", "-x"])
    TestArgs(locked=True, no_cache=False, pytest=['-k', 'name', '-x'])
    >>> split_test_args(["-k", "a", "--", "--locked"])
    TestArgs(locked=False, no_cache=False, pytest=['-k', 'a', '--locked'])
    """
    given: set[str] = set()
    pytest: list[str] = []
    args = list(posargs)
    for index, arg in enumerate(args):
        if arg == "--":
            pytest += args[index + 1 :]
            break
        if arg in OPTIONS:
            given.add(arg)
        else:
            pytest.append(arg)
    return TestArgs(locked="--locked" in given, no_cache="--no-cache" in given, pytest=pytest)
