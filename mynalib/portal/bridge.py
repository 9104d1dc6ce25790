"""The in-process bridge: an async httpx transport (``httpx.ASGITransport`` over the sandbox app)
driven from the synchronous :class:`~mynalib.portal.client.PortalClient`, without a socket.

``mynalib.portal.inprocess.sandbox_client`` wires the sandbox app through it.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx


class SyncBridge(httpx.BaseTransport):
    """Runs an async transport (``httpx.ASGITransport``) from a synchronous client.

    Each request runs in a short-lived event loop thread (an anyio blocking portal), so it also
    works where the calling thread already has a running loop (Jupyter) and leaves no thread
    behind.
    """

    def __init__(self, transport: httpx.AsyncBaseTransport):
        self._transport = transport
        #: the most bytes of an answer read (one more, and the client refuses the answer); the
        #: client sets its own cap here
        self.limit: Callable[[], int] = lambda: 16 * 1024 * 1024

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import anyio.from_thread

        limit = self.limit()
        content = request.read()

        async def run() -> httpx.Response:
            req = httpx.Request(
                request.method, request.url, headers=request.headers, content=content
            )
            resp = await self._transport.handle_async_request(req)
            chunks: list[bytes] = []
            size = 0
            # read no further than one byte past the client's cap (it refuses the answer)
            async for chunk in resp.stream:  # type: ignore[union-attr]
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    break
            await resp.aclose()
            return httpx.Response(resp.status_code, headers=resp.headers, content=b"".join(chunks))

        with anyio.from_thread.start_blocking_portal() as portal:
            return portal.call(run)

    def close(self) -> None:
        pass
