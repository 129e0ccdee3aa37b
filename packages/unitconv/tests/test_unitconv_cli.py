"""The unitconv command line, in-process and as a subprocess."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from unitconv.cli import main


def test_convert(capsys):
    assert main(["5", "km", "mi"]) == 0
    assert capsys.readouterr().out == "5 km = 3.10686 mi\n"


def test_negative_value_and_precision(capsys):
    assert main(["-40", "C", "F"]) == 0
    assert capsys.readouterr().out == "-40 C = -40 F\n"
    assert main(["1", "mi", "km", "-p", "3", "--quiet"]) == 0
    assert capsys.readouterr().out == "1.61\n"


def test_list(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "length (base: m)" in out and "temperature (base: K)" in out
    assert main(["--list", "data"]) == 0
    out = capsys.readouterr().out
    assert "KiB" in out and "length" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["3", "parsec", "km"], "unknown unit 'parsec'"),
        (["1", "kg", "m"], "cannot convert kg (mass) to m (length)"),
        (["1", "mb", "kB"], "ambiguous unit 'mb'"),
        (["--list", "colour"], "unknown dimension 'colour'"),
    ],
)
def test_conversion_errors_exit_1(capsys, argv, message):
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


@pytest.mark.parametrize("argv", [[], ["5", "km"], ["five", "km", "mi"], ["1", "m", "ft", "-p0"]])
def test_usage_errors_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage: unitconv" in capsys.readouterr().err


def test_custom_table(tmp_path, capsys):
    path = tmp_path / "units.json"
    spec = {"base": "s", "units": {"s": {}, "fortnight": {"factor": 1209600}}}
    path.write_text(json.dumps({"dimensions": {"time": spec}}), encoding="utf-8")
    assert main(["1", "fortnight", "s", "--table", str(path)]) == 0
    assert capsys.readouterr().out == "1 fortnight = 1.2096e+06 s\n"


def test_module_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "unitconv.cli", "1.5", "GiB", "MB", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1610.61\n"
    help_result = subprocess.run(
        [sys.executable, "-m", "unitconv.cli", "--help"], capture_output=True, text=True
    )
    assert help_result.returncode == 0
    assert "Convert a value between units" in help_result.stdout


def _console_script() -> str | None:
    """The installed ``unitconv`` script: beside this interpreter (a venv), else on PATH."""
    for folder in (
        Path(sys.executable).parent,
        Path(sys.prefix) / "bin",
        Path(sys.prefix) / "Scripts",
    ):
        for name in ("unitconv", "unitconv.exe"):
            if (folder / name).is_file():
                return str(folder / name)
    return shutil.which("unitconv")


def test_console_script():
    script = _console_script()
    if script is None:
        pytest.skip("the unitconv console script is not installed on PATH")
    result = subprocess.run([script, "12", "in", "cm"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "12 in = 30.48 cm\n"
    bad = subprocess.run([script, "1", "furlong", "m"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "unknown unit 'furlong'" in bad.stderr
