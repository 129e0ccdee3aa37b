"""The MCP server's tools, called in-process (the extra "mcp")."""

import asyncio

from wordstats.mcp import mcp


def test_tools_are_listed_with_their_descriptions() -> None:
    tools = {tool.name: tool for tool in asyncio.run(mcp.list_tools())}
    assert set(tools) == {"text_stats", "frequent_words"}
    assert "reading time" in tools["text_stats"].description


def test_frequent_words_tool() -> None:
    result = asyncio.run(mcp.call_tool("frequent_words", {"text": "b a b the", "n": 1}))
    assert not result.is_error
    assert result.structured_content == {"result": [{"word": "b", "count": 2}]}
