"""The client refuses a discovery document that points its endpoints at another server."""

from __future__ import annotations

import httpx
import pytest

from mynalib.errors import ProtocolError
from mynalib.portal.client import PortalClient


def _client(document: dict[str, str], seen: list[str]) -> PortalClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=document)

    return PortalClient("https://portal.example", transport=httpx.MockTransport(handler))


def test_endpoints_on_another_origin_are_refused() -> None:
    seen: list[str] = []
    doc = {
        "issuer": "https://portal.example",
        "authorization_endpoint": "https://portal.example/authorize",
        "token_endpoint": "https://attacker.example/token",
        "jwks_uri": "https://portal.example/jwks",
    }
    with _client(doc, seen) as client, pytest.raises(ProtocolError, match="token_endpoint"):
        client.discovery()
    assert all("attacker" not in url for url in seen)


@pytest.mark.parametrize("other", ["http://portal.example/token", "https://portal.example:8443/t"])
def test_scheme_and_port_count_as_origin(other: str) -> None:
    doc = {"token_endpoint": other, "jwks_uri": "https://portal.example/jwks"}
    with _client(doc, []) as client, pytest.raises(ProtocolError):
        client.discovery()


def test_same_origin_and_relative_endpoints_are_accepted() -> None:
    doc = {
        "issuer": "https://portal.example",
        "authorization_endpoint": "/authorize",
        "token_endpoint": "https://portal.example/token",
        "jwks_uri": "https://portal.example/jwks",
        "service_documentation": "https://docs.example/",  # not an endpoint: not checked
    }
    with _client(doc, []) as client:
        assert client.discovery()["token_endpoint"] == "https://portal.example/token"
