"""The ``wordstats`` command (a click group) and ``wordstats-top`` (one of its commands,
installed under its own name by ``[project.scripts]`` in ``pyproject.toml``)::

    wordstats stats essay.txt            counts and reading time
    wordstats top essay.txt -n 5         the five most frequent words
    cat essay.txt | wordstats-top -n 5   the same, reading standard input
    wordstats sample fox                 print a shipped sample text
"""

from __future__ import annotations

import json

import click

from .core import analyze, sample, sample_names, top_words

_TEXT = click.argument("source", type=click.File("r", encoding="utf-8"), default="-")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wordstats")
def main() -> None:
    """Word statistics for plain text files (or standard input)."""


@main.command()
@_TEXT
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(source: click.utils.LazyFile, as_json: bool) -> None:
    """Counts, distinct words, sentences and reading time of SOURCE."""
    result = analyze(source.read())
    if as_json:
        click.echo(json.dumps(result.to_dict()))
        return
    for key, value in result.to_dict().items():
        click.echo(f"{key.replace('_', ' '):<20} {value}")


@main.command()
@_TEXT
@click.option("-n", "count", default=10, show_default=True, help="How many words.")
@click.option("--keep-stopwords", is_flag=True, help="Count 'the', 'and'... too.")
def top(source: click.utils.LazyFile, count: int, keep_stopwords: bool) -> None:
    """The most frequent words of SOURCE, with their counts."""
    if count < 1:
        raise click.BadParameter("must be at least 1", param_hint="-n")
    for word, times in top_words(source.read(), count, keep_stopwords=keep_stopwords):
        click.echo(f"{times:>6}  {word}")


@main.command(name="sample")
@click.argument("name", type=click.Choice(sample_names()))
def sample_command(name: str) -> None:
    """Print the shipped sample text NAME."""
    click.echo(sample(name), nl=False)


if __name__ == "__main__":
    main()
