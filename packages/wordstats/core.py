"""Text statistics, with the stop-word list and sample texts read from ``artifacts/``."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import asdict, dataclass
from importlib.resources import files

#: Reading speed used for :attr:`TextStats.reading_minutes`, in words per minute.
WORDS_PER_MINUTE = 200
_APOSTROPHE = "\u2019"  # typographic apostrophe, read as '
_WORD = re.compile(r"[^\W\d_]+(?:['" + _APOSTROPHE + r"][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


@dataclass(frozen=True)
class TextStats:
    """Statistics of a text.

    Attributes:
        characters: characters, spaces included.
        words: words (runs of letters, with inner apostrophes).
        unique_words: distinct words, ignoring case.
        sentences: sentences (ended by ``.``, ``!`` or ``?``; a trailing fragment counts).
        average_word_length: mean letters per word (0.0 for no words).
        reading_minutes: ``words / WORDS_PER_MINUTE``, rounded to 0.1 minute.
    """

    characters: int
    words: int
    unique_words: int
    sentences: int
    average_word_length: float
    reading_minutes: float

    def to_dict(self) -> dict[str, float | int]:
        """The statistics as a JSON-ready dict."""
        return asdict(self)


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, in order.

    >>> words("It's a dog-eat-dog world, 2 dogs!")
    ["it's", 'a', 'dog', 'eat', 'dog', 'world', 'dogs']
    """
    return [match.group(0).lower().replace(_APOSTROPHE, "'") for match in _WORD.finditer(text)]


def analyze(text: str) -> TextStats:
    """Count the characters, words, distinct words and sentences of ``text``.

    >>> analyze("The quick brown fox. It jumps!").sentences
    2
    """
    found = words(text)
    stripped = text.strip()
    sentences = len(_SENTENCE_END.findall(stripped))
    if stripped and stripped[-1] not in ".!?":
        sentences += 1  # a trailing fragment
    return TextStats(
        characters=len(text),
        words=len(found),
        unique_words=len(set(found)),
        sentences=sentences,
        average_word_length=round(sum(map(len, found)) / len(found), 2) if found else 0.0,
        reading_minutes=round(len(found) / WORDS_PER_MINUTE, 1),
    )


def top_words(text: str, n: int = 10, *, keep_stopwords: bool = False) -> list[tuple[str, int]]:
    """The ``n`` most frequent words with their counts, most frequent first (ties in
    alphabetical order). Stop words ("the", "and"...) are left out unless
    ``keep_stopwords``.

    >>> top_words("the fox and the other fox", 1)
    [('fox', 2)]

    Raises:
        ValueError: ``n`` is below 1.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    ignored = frozenset() if keep_stopwords else stopwords()
    counts = Counter(w for w in words(text) if w not in ignored)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]


@functools.cache
def stopwords(language: str = "en") -> frozenset[str]:
    """The stop words of a language, from ``artifacts/stopwords/LANGUAGE.txt``.

    Raises:
        FileNotFoundError: no list for that language.
    """
    resource = files(__package__) / "artifacts" / "stopwords" / f"{language}.txt"
    lines = resource.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def sample_names() -> list[str]:
    """The names of the shipped sample texts (``artifacts/samples/NAME.txt``)."""
    folder = files(__package__) / "artifacts" / "samples"
    return sorted(item.name[:-4] for item in folder.iterdir() if item.name.endswith(".txt"))


def sample(name: str) -> str:
    """A shipped sample text.

    Raises:
        KeyError: no sample of that name.
    """
    if name not in sample_names():
        raise KeyError(f"no sample {name!r}; samples: {', '.join(sample_names())}")
    return (files(__package__) / "artifacts" / "samples" / f"{name}.txt").read_text("utf-8")
