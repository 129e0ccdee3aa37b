"""Word statistics for plain text: counts, reading time and the most frequent words.

`wordstats` is a small library with every kind of entry point a packyard package can ship:

```python
from wordstats import analyze, top_words

analyze("The quick brown fox. It jumps!").words        # 6
top_words("the fox and the other fox", 1)             # [('fox', 2)]
```

- a `wordstats` command (a click group) and a `wordstats-top` command;
- HTTP routes (`pip install 'wordstats[api]'`, then `packyard serve wordstats`);
- a Streamlit app (`pip install 'wordstats[app]'`, then `packyard app wordstats`);
- an MCP server with two tools (`pip install 'wordstats[mcp]'`, then `packyard mcp wordstats`);
- shipped data files: an English stop-word list and sample texts
  (`packyard artifacts wordstats --extract DEST`).
"""

from .core import TextStats, analyze, sample, sample_names, stopwords, top_words, words

__all__ = [
    "TextStats",
    "analyze",
    "sample",
    "sample_names",
    "stopwords",
    "top_words",
    "words",
]
