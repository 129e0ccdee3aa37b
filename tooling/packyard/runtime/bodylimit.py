"""A request-size limit for ``packyard serve``: an ASGI middleware that answers
``413 Content Too Large`` (RFC 9110, section 15.5.14) to a request whose body is larger
than the limit, without reading that body into memory.

A request that announces its size (``Content-Length``) is refused before any of its body
is read; one sent in chunks is read up to the limit and refused as soon as it passes it
(at most the limit is ever held), then handed on whole.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

#: The default limit, in bytes (10 MiB).
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware refusing HTTP request bodies larger than ``max_bytes``.

    Args:
        app: the ASGI application to protect.
        max_bytes: the largest body accepted, in bytes (positive).
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = None
        for key, value in scope.get("headers", []):
            if key.lower() == b"content-length":
                announced = int(value) if value.isdigit() else -1
        if announced is not None:
            if not 0 <= announced <= self.max_bytes:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)  # the server holds it to that length
            return
        # No length announced (chunked): read at most the limit, then hand it on.
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send)
                return
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(parts), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"detail": f"request body larger than the limit of {self.max_bytes} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
