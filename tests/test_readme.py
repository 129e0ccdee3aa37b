"""The README's first-screen commands are the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _first_screen_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "the README must open with a bash block of commands"
    assert text.index(block.group(0)) < 1500, "the commands must be on the first screen"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_gives_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _first_screen_commands()
    assert len(commands) == 2
    main, tests = commands
    assert "nox -s test_install-" in main or "invoke " in main
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci, ".ci/run must run exactly the README's test command"
    # ... with PATH reduced to the system folders, after checking no global tool is there.
    reduce = ci.index("export PATH=/usr/local/bin:/usr/bin:/bin")
    check = next(i for i, line in enumerate(ci) if "invoke nox twine pypi-server" in line)
    assert reduce < check < ci.index(tests)


def test_readme_main_command_names_a_real_package() -> None:
    main = _first_screen_commands()[0]
    match = re.search(r"(?:test_install-|invoke release )(\w+)", main)
    assert match, "the main command releases or test-installs a named package"
    name = match.group(1)
    assert (ROOT / "packages" / name).is_dir() or (ROOT / "packages" / f"{name}.py").is_file()
