"""Running what an installed package ships: its HTTP routes, Streamlit app, MCP server and
artifacts (the ``packyard serve``, ``app``, ``mcp``, ``artifacts`` and ``show`` commands).

These modules work on the packages installed in the running environment, found through
``importlib.metadata`` (the entry points of :mod:`packyard.package.extras`) and read with
``importlib.resources``; they never look at a packaging repository. FastAPI, uvicorn,
Streamlit and the MCP SDK are imported only when a command needs them (packyard's ``serve``
extra); a missing one is a :class:`~packyard.errors.RunError` naming the extra to install.

=================  ==============================================================
module             job
=================  ==============================================================
``installed.py``   an installed package: metadata, import name, entry points
``serve.py``       one FastAPI app mounting each package's router, run by uvicorn
``app.py``         the package's Streamlit app, headless, on loopback
``mcp_server.py``  the package's MCP server over stdio or streamable HTTP
``artifacts.py``   list and extract the files under the package's ``artifacts/``
``show.py``        what an installed package ships, as a dict or text
=================  ==============================================================
"""
