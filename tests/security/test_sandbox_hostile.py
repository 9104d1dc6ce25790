"""What a hostile client must not get from the sandbox (a reference server others copy)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mynalib.card import open_card
from mynalib.portal import protocol as P
from mynalib.portal.sandbox.app import SandboxConfig, create_app, redirect_uri_allowed
from mynalib.secrets import Pin

from ..portal.conftest import member_profile
from .conftest import run_async

REGISTERED = (P.DEFAULT_REDIRECT_URI,)


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1.evil.example/mynalib/callback",
        "http://127.0.0.1@evil.example/mynalib/callback",
        "http://evil.example@127.0.0.1/mynalib/callback",
        "http://127.0.0.10/mynalib/callback",
        "http://127.0.0.1/mynalib/callback/../../steal",
        "http://127.0.0.1/mynalib/callbackx",
        "http://127.0.0.1/mynalib/callback?extra=1",
        "http://127.0.0.1/mynalib/callback#frag",
        "http://127.0.0.1/mynalib/callback\r\nSet-Cookie: x=1",
        "http://127.0.0.1/mynalib/callback%0d%0a",
        "https://127.0.0.1/mynalib/callback",
        "http://127.0.0.1:99999/mynalib/callback",
        "http://127.0.0.1:0/mynalib/callback",
        "http://localhost.evil.example/mynalib/callback",
        "",
    ],
)
def test_only_registered_redirect_uris_are_accepted(uri: str) -> None:
    assert not redirect_uri_allowed(uri, REGISTERED)


@pytest.mark.parametrize(
    "uri",
    ["http://127.0.0.1/mynalib/callback", "http://127.0.0.1:50123/mynalib/callback"],
)
def test_a_loopback_redirect_may_use_any_port(uri: str) -> None:
    assert redirect_uri_allowed(uri, REGISTERED)


def _authorize_query(redirect_uri: str) -> dict[str, str]:
    return {
        "client_id": P.DEFAULT_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "code_challenge_method": "S256",
        "code_challenge": "A" * 43,
        "state": "s",
        "nonce": "n",
        "scope": "openid",
    }


def _get(app: Any, path: str, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as c:
            return await c.get(path, **kw)

    return run_async(go)


def test_the_authorize_endpoint_refuses_a_lookalike_redirect() -> None:
    app = create_app(SandboxConfig())
    bad = _get(app, "/oidc/authorize", params=_authorize_query("http://127.0.0.1.evil.example/cb"))
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    assert "location" not in bad.headers


def test_the_issuer_is_not_taken_from_the_host_header() -> None:
    app = create_app(SandboxConfig(issuer="http://127.0.0.1:8765"))
    r = _get(app, "/.well-known/openid-configuration", headers={"Host": "evil.example"})
    doc = r.json()
    assert doc["issuer"] == "http://127.0.0.1:8765"
    assert all("evil" not in str(v) for v in doc.values())


def _logged_in_client(sandbox: Any) -> Any:
    client = sandbox.client()
    with open_card("virtual", member_profile("taro")) as card:
        client.login(card, Pin("1234"))
    return client


@pytest.mark.parametrize("page", [1e999, -1, 0, "1e999", True, 1.5, "9" * 400, [1], {"a": 1}])
def test_a_nonsense_page_number_is_a_400_not_a_500(sandbox: Any, page: Any) -> None:
    client = _logged_in_client(sandbox)
    body = {"commonHeader": {"screenId": P.SCREEN_IDS["notices/list"]}, "reqBody": {"page": page}}
    resp = client.http.post(  # the client's own connection, logged in
        f"{P.API_PREFIX}notices/list",
        content=json.dumps(body),
        headers={
            "Authorization": f"Bearer {client.session.access_token}",
            "Content-Type": "application/json",
        },
    )
    assert resp.status_code == 400, resp.text


def test_a_huge_body_is_refused_without_being_read(sandbox: Any) -> None:
    client = _logged_in_client(sandbox)
    http = client.http
    big = b'{"commonHeader": {"screenId": "x"}, "reqBody": {"pad": "' + b"x" * 200_000 + b'"}}'
    resp = http.post(
        f"{P.API_PREFIX}notices/list",
        content=big,
        headers={"Authorization": f"Bearer {client.session.access_token}"},
    )
    assert resp.status_code == 413
