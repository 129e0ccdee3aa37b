"""The click commands."""

import json

from click.testing import CliRunner
from wordstats.cli import main, top


def test_stats_json_from_standard_input() -> None:
    result = CliRunner().invoke(main, ["stats", "--json"], input="One two. Three!")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["words"] == 3


def test_top_of_a_sample() -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["sample", "fox"]).output
    result = runner.invoke(main, ["top", "-n", "1"], input=text)
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["4", "fox"]


def test_top_alone_and_its_errors() -> None:
    runner = CliRunner()
    assert runner.invoke(top, ["-n", "1"], input="b a b").output.split() == ["2", "b"]
    bad = runner.invoke(top, ["-n", "0"], input="x")
    assert bad.exit_code == 2
    assert "at least 1" in bad.output
    assert runner.invoke(main, ["sample", "missing"]).exit_code == 2
