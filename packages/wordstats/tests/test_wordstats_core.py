"""The library, against the installed package and its shipped data files."""

import pytest
from wordstats import analyze, sample, sample_names, stopwords, top_words, words


def test_words_keep_inner_apostrophes_and_drop_digits() -> None:
    assert words("Don't stop: 42 times!") == ["don't", "stop", "times"]


def test_analyze_counts() -> None:
    stats = analyze("The quick brown fox. The lazy dog!  And a fragment")
    assert stats.words == 10
    assert stats.unique_words == 9
    assert stats.sentences == 3
    assert stats.average_word_length == pytest.approx(3.8)


def test_empty_text() -> None:
    stats = analyze("   ")
    assert (stats.words, stats.sentences, stats.average_word_length) == (0, 0, 0.0)


def test_top_words_leave_out_stop_words_unless_asked() -> None:
    text = "the fox and the dog and the fox"
    assert top_words(text, 2) == [("fox", 2), ("dog", 1)]
    assert top_words(text, 1, keep_stopwords=True) == [("the", 3)]
    with pytest.raises(ValueError, match="at least 1"):
        top_words(text, 0)


def test_shipped_data_files() -> None:
    assert {"the", "and", "of"} <= stopwords()
    assert sample_names() == ["fox", "garden"]
    assert sample("fox").startswith("The quick brown fox")
    with pytest.raises(KeyError, match="fox, garden"):
        sample("nope")
