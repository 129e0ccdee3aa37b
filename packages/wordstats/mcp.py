"""The MCP server: ``packyard mcp wordstats`` (needs ``pip install 'wordstats[mcp]'``).

Two tools for an assistant: the statistics of a text, and its most frequent words.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from .core import analyze, top_words

mcp = MCPServer(
    "wordstats",
    instructions="Word statistics of plain text: counts, reading time, frequent words.",
)


@mcp.tool()
def text_stats(text: str) -> dict[str, float | int]:
    """Count the characters, words, distinct words and sentences of a text, and estimate
    its reading time in minutes."""
    return analyze(text).to_dict()


@mcp.tool()
def frequent_words(text: str, n: int = 10) -> list[dict[str, str | int]]:
    """The n most frequent words of a text (stop words left out), most frequent first."""
    return [{"word": word, "count": count} for word, count in top_words(text, n)]
