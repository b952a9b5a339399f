"""ASGI guard that keeps the app offline: no route may make the server fetch a remote URL.

Gradio serves ``/gradio_api/file=<http(s) URL>`` by fetching that URL itself (SSRF-safe, but it
still reaches the internet on a request's behalf), and ``/gradio_api/proxy=<URL>`` forwards to
other Gradio apps. rag_coach never needs either, and "nothing leaves the machine" has to hold for
any request, so both are answered 403 before Gradio sees them.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]

# "file=" then a URL scheme of 2+ letters (any case; a Windows drive letter "C:" is a local path), or "proxy="
_REMOTE = re.compile(r"/(?:file=\s*[a-z][a-z0-9+.-]+:|proxy=)", re.IGNORECASE)
MESSAGE = b"rag_coach is offline by design: it never fetches remote URLs for a request.\n"


class OfflineGuard:
    """Answer 403 to any HTTP request whose path asks the server to fetch or proxy a remote URL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and _REMOTE.search(scope.get("path", "")):
            log.warning("refused a request for a remote URL: %s", scope.get("path", "")[:200])
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(MESSAGE)).encode())]})
            await send({"type": "http.response.body", "body": MESSAGE})
            return
        await self.app(scope, receive, send)
