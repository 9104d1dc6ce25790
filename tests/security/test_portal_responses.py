"""A fake portal's discovery document and answers: capped in size, malformed ones a ProtocolError
(issue 11, item 8), never a traceback or unbounded memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from mynalib.errors import ProtocolError
from mynalib.portal import client as client_module
from mynalib.portal.client import PortalClient

GOOD = {
    "issuer": "https://portal.example",
    "authorization_endpoint": "https://portal.example/authorize",
    "token_endpoint": "https://portal.example/token",
    "jwks_uri": "https://portal.example/jwks",
}


def _client(handler) -> PortalClient:  # type: ignore[no-untyped-def]
    return PortalClient("https://portal.example", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"not json",
        b"\xff\xfe\x00",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"issuer": 1, "authorization_endpoint": "/a", "token_endpoint": "/t", "jwks_uri": "/j"}',
        b'{"issuer": "https://portal.example"}',
        b'{"issuer": "x", "authorization_endpoint": ["/a"], "token_endpoint": "/t", "jwks_uri": "/j"}',
    ],
    ids=["list", "text", "binary", "deep", "issuer_number", "no_endpoints", "endpoint_list"],
)
def test_malformed_discovery_is_a_protocol_error(body: bytes) -> None:
    with _client(lambda r: httpx.Response(200, content=body)) as client:
        with pytest.raises(ProtocolError):
            client.discovery()


def test_huge_discovery_is_refused() -> None:
    big = b'{"issuer": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    with _client(lambda r: httpx.Response(200, content=big)) as client:
        with pytest.raises(ProtocolError, match="bytes"):
            client.discovery()


def test_endless_answer_is_cut_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    """An answer without Content-Length that never ends is read only up to the cap."""
    monkeypatch.setattr(client_module, "MAX_RESPONSE_BYTES", 1024 * 1024)
    produced = []

    class Endless(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            while True:
                produced.append(1)
                yield b"[" * 65536

        async def __aiter__(self) -> AsyncIterator[bytes]:
            while True:
                produced.append(1)
                yield b"[" * 65536

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Endless())

    class SyncOnly(httpx.BaseTransport):  # a real network transport is synchronous
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return handler(request)

    for transport in (SyncOnly(), httpx.MockTransport(handler)):  # direct, and the ASGI bridge
        produced.clear()
        with PortalClient("https://portal.example", transport=transport) as client:
            with pytest.raises(ProtocolError, match="above"):
                client.discovery()
        assert len(produced) <= 20  # stopped at the cap, not read to the end (there is none)


def test_declared_length_above_the_cap_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "MAX_RESPONSE_BYTES", 1000)
    body = b"{" + b" " * 5000 + b"}"
    with _client(lambda r: httpx.Response(200, content=body)) as client:
        with pytest.raises(ProtocolError):
            client.discovery()


def test_good_discovery_still_read() -> None:
    with _client(lambda r: httpx.Response(200, json=GOOD)) as client:
        assert client.discovery()["token_endpoint"] == GOOD["token_endpoint"]
