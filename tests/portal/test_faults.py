"""Faults: server errors, timeouts, truncated JSON, drops, rate limits, and refused logins."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from mynalib.card import open_card
from mynalib.errors import AuthError, PortalUnavailable, ProtocolError, RateLimited, SessionExpired
from mynalib.portal.bridge import SyncBridge
from mynalib.secrets import Pin

from .conftest import Sandbox, epoch, member_profile


def _login(sb: Sandbox, member: str = "taro", **kw: Any):  # type: ignore[no-untyped-def]
    client = sb.client(**kw)
    with open_card("virtual", member_profile(member)) as card:
        client.login(card, Pin("1234"))
    return client


class Wrap(httpx.BaseTransport):
    """Wraps the in-process sandbox; ``hook(request, send)`` may change or fail exchanges."""

    def __init__(self, sb: Sandbox, hook: Any):
        self.inner = SyncBridge(httpx.ASGITransport(app=sb.app))
        self.hook = hook

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.hook(request, self.inner.handle_request)  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------ transient faults
@pytest.mark.parametrize("kind", ["error", "unavailable", "429", "truncate", "drop", "rate"])
def test_transient_fault_is_retried_and_explained(sandbox: Sandbox, kind: str) -> None:
    client = _login(sandbox)
    sandbox.state.schedule_fault(kind, "/api/v1/notices/list", times=2)
    docs = []
    report = client.fetch(["notices"], store=lambda d: docs.append(d) or True)
    assert report.stored == 1 and len(docs) == 1
    json.loads(docs[0].data)  # the stored document is the complete answer
    assert len(client.stats.retries) == 2
    reason = {
        "error": "HTTP 500",
        "unavailable": "HTTP 503",
        "429": "HTTP 429",
        "truncate": "invalid JSON",
        "drop": "connection",
        "rate": "1000",
    }[kind]
    assert all(reason in r for r in client.stats.retries), client.stats.retries


def test_backoff_grows_exponentially_with_jitter(sandbox: Sandbox) -> None:
    waits: list[float] = []
    client = _login(sandbox, sleep=waits.append, jitter=lambda: 1.0, backoff_base=0.5)
    sandbox.state.schedule_fault("error", "/api/v1/history/list", times=3)
    client.history()
    assert waits == [0.5, 1.0, 2.0]
    waits.clear()
    client2 = _login(sandbox, sleep=waits.append, jitter=lambda: 0.0, backoff_base=0.5)
    sandbox.state.schedule_fault("error", "/api/v1/history/list", times=3)
    client2.history()
    assert waits == [0.25, 0.5, 1.0]  # equal jitter: half fixed, half random


def test_persistent_500_gives_up_with_a_clear_error(sandbox: Sandbox) -> None:
    client = _login(sandbox, max_retries=3)
    sandbox.state.schedule_fault("error", "/api/v1/", times=100)
    before = client.stats.requests
    with pytest.raises(PortalUnavailable, match=r"failed 4 times .*HTTP 500") as info:
        client.procedures()
    assert client.stats.requests - before == 4  # bounded
    assert "try again later" in str(info.value)


def test_persistent_truncation_is_a_protocol_error(sandbox: Sandbox) -> None:
    client = _login(sandbox, max_retries=2)
    sandbox.state.schedule_fault("truncate", "/api/v1/", times=100)
    with pytest.raises(ProtocolError, match="invalid JSON"):
        client.applications()


def test_persistent_rate_limit_raises_rate_limited(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    sb = make_sandbox(rate_limit=(2, 3600.0), retry_after=7)
    waits: list[float] = []
    client = _login(sb, sleep=waits.append, max_retries=2)
    client.procedures()
    client.procedures()
    with pytest.raises(RateLimited) as info:
        client.procedures()
    assert info.value.retry_after == 7
    assert waits == [7, 7]  # Retry-After honoured on each retry


def test_retry_after_beyond_the_limit_is_not_waited(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    sb = make_sandbox(rate_limit=(0, 3600.0), retry_after=3600)
    waits: list[float] = []
    client = _login(sb, sleep=waits.append)
    with pytest.raises(RateLimited, match="3600"):
        client.procedures()
    assert waits == []


def test_timeouts_are_retried(sandbox: Sandbox) -> None:
    calls = {"n": 0}

    def hook(request: httpx.Request, send: Any) -> httpx.Response:
        if request.url.path.startswith("/api/v1/") and calls["n"] < 2:
            calls["n"] += 1
            raise httpx.ReadTimeout("simulated", request=request)
        return send(request)  # type: ignore[no-any-return]

    client = _login(sandbox, transport=Wrap(sandbox, hook))
    assert client.procedures()
    assert sum("timeout" in r for r in client.stats.retries) == 2


def test_session_expired_without_refresh_token(sandbox: Sandbox) -> None:
    client = _login(sandbox)
    client.session.refresh_token = None  # type: ignore[union-attr]
    sandbox.state.expire_access_tokens()
    client.session.expires_at = 1e12  # type: ignore[union-attr]  # the client does not know yet
    with pytest.raises(SessionExpired, match="ED1107"):
        client.notices()


# ------------------------------------------------------------------------------ refused logins
def _assert_refused(sb: Sandbox, code: str, words: str, member: str = "taro") -> None:
    with pytest.raises(AuthError, match=words) as info:
        _login(sb, member)
    assert code in str(info.value)
    assert info.value.ja and info.value.ja != AuthError.ja_default
    assert not sb.state.codes  # no authorization code was issued


def test_expired_certificate_is_refused(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    # the sandbox clock after the certificate's expiry (the holder's 5th birthday after issue)
    _assert_refused(make_sandbox(clock=lambda: epoch(2045)), "cert_expired", "expired")


def test_revoked_certificate_is_refused(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    serial = member_profile("taro").auth_certificate.serial_number
    _assert_refused(make_sandbox(revoked_serials={serial}), "cert_revoked", "revoked")


def test_unregistered_card_is_refused(sandbox: Sandbox) -> None:
    from mynalib.card.virtual import CardProfile
    from mynalib.samples import person

    client = sandbox.client()
    with open_card("virtual", CardProfile.generate("someone-else", holder=person("taro"))) as card:
        with pytest.raises(AuthError, match="registered") as info:
            client.login(card, Pin("1234"))
    assert "cert_unknown" in str(info.value)


class SelfSignedCard:
    """A card-like object whose certificate does not chain to any JPKI root."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.COMMON_NAME, "IMPOSTOR"),
            ]
        )
        now = dt.datetime.now(dt.timezone.utc)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(self.key, hashes.SHA256())
        )
        self.der = self.cert.public_bytes(serialization.Encoding.DER)

    def read_auth_certificate(self) -> bytes:
        return self.der

    def sign_auth(self, data: bytes, pin: Pin, *, allow_last_try: bool = False) -> bytes:
        pin.reveal()
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def test_untrusted_certificate_is_refused(sandbox: Sandbox) -> None:
    card = SelfSignedCard()
    # even mapped to a member, a certificate outside the JPKI chain is refused
    sandbox.state.config.extra_members[hashlib.sha256(card.der).hexdigest()] = "taro"
    client = sandbox.client()
    with pytest.raises(AuthError, match="trusted") as info:
        client.login(card, Pin("1234"))
    assert "cert_untrusted" in str(info.value)


def test_wrong_signature_is_refused(sandbox: Sandbox) -> None:
    profile = member_profile("taro")
    impostor = SelfSignedCard()
    impostor.der = profile.auth_certificate.public_bytes(
        serialization.Encoding.DER
    )  # someone else's cert
    with pytest.raises(AuthError, match="signature") as info:
        sandbox.client().login(impostor, Pin("1234"))
    assert "signature_invalid" in str(info.value)


# ------------------------------------------------------------------------ tokens and codes
def _tamper_id_token(token: str) -> str:
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["preferred_username"] = "ume"
    claims["name"] = "見本　うめ"
    new = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{new}.{sig}"


def test_tampered_id_token_is_rejected(sandbox: Sandbox) -> None:
    def hook(request: httpx.Request, send: Any) -> httpx.Response:
        response = send(request)
        if request.url.path == "/oidc/token" and response.status_code == 200:
            data = response.json()
            data["id_token"] = _tamper_id_token(data["id_token"])
            return httpx.Response(200, json=data)
        return response  # type: ignore[no-any-return]

    with pytest.raises(AuthError, match="signature does not verify"):
        _login(sandbox, transport=Wrap(sandbox, hook))


def test_id_token_with_wrong_nonce_or_audience_is_rejected(sandbox: Sandbox, make_sandbox) -> None:  # type: ignore[no-untyped-def]
    from mynalib.portal.auth import validate_id_token

    captured: dict[str, Any] = {}

    def hook(request: httpx.Request, send: Any) -> httpx.Response:
        response = send(request)
        if request.url.path == "/oidc/token":
            captured.update(response.json())
        return response  # type: ignore[no-any-return]

    client = _login(sandbox, transport=Wrap(sandbox, hook))
    jwks, iss = client.jwks(), client.discovery()["issuer"]
    token = captured["id_token"]
    claims = validate_id_token(token, jwks, issuer=iss, client_id="mynalib", nonce=None)
    with pytest.raises(AuthError, match="nonce"):
        validate_id_token(token, jwks, issuer=iss, client_id="mynalib", nonce="something-else")
    with pytest.raises(AuthError, match="aud"):
        validate_id_token(token, jwks, issuer=iss, client_id="another-app", nonce=claims["nonce"])
    with pytest.raises(AuthError, match="iss"):
        validate_id_token(
            token, jwks, issuer="http://evil.test", client_id="mynalib", nonce=claims["nonce"]
        )
    with pytest.raises(AuthError, match="exp"):
        validate_id_token(
            token,
            jwks,
            issuer=iss,
            client_id="mynalib",
            nonce=claims["nonce"],
            now=claims["exp"] + 3600,
        )
    other = make_sandbox()  # a token signed by another server's key
    with pytest.raises(AuthError, match="signature"):
        validate_id_token(token, other.client().jwks(), issuer=iss, client_id="mynalib", nonce=None)


def test_replayed_authorization_code_is_rejected_and_revokes(sandbox: Sandbox) -> None:
    forms: list[bytes] = []

    def hook(request: httpx.Request, send: Any) -> httpx.Response:
        if request.url.path == "/oidc/token":
            forms.append(request.read())
        return send(request)  # type: ignore[no-any-return]

    client = _login(sandbox, transport=Wrap(sandbox, hook))
    assert b"grant_type=authorization_code" in forms[0]
    replay = httpx.Client(
        transport=SyncBridge(httpx.ASGITransport(app=sandbox.app)), base_url="http://sandbox.test"
    )
    r = replay.post(
        "/oidc/token",
        content=forms[0],
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert "replay" in r.json()["error_description"]
    with pytest.raises(SessionExpired):  # what the code issued was revoked
        client.refresh()


def test_pkce_verifier_must_match(sandbox: Sandbox) -> None:
    forms: list[bytes] = []

    def hook(request: httpx.Request, send: Any) -> httpx.Response:
        if request.url.path == "/oidc/token":
            body = request.read()
            forms.append(body)
            fields = dict(parse_qsl(body.decode()))
            fields["code_verifier"] = "x" * 64
            request = httpx.Request("POST", request.url, data=fields)
        return send(request)  # type: ignore[no-any-return]

    with pytest.raises(AuthError, match="PKCE"):
        _login(sandbox, transport=Wrap(sandbox, hook))


def test_state_mismatch_is_refused(sandbox: Sandbox) -> None:
    def hook(request: httpx.Request, send: Any) -> httpx.Response:
        response = send(request)
        if response.status_code == 302:
            location = response.headers["location"].replace("state=", "state=X")
            return httpx.Response(302, headers={"Location": location})
        return response  # type: ignore[no-any-return]

    with pytest.raises(AuthError, match="state"):
        _login(sandbox, transport=Wrap(sandbox, hook))


def test_challenge_cannot_be_reused(sandbox: Sandbox) -> None:
    sent: list[httpx.Request] = []

    def hook(request: httpx.Request, send: Any) -> httpx.Response:
        if request.headers.get("authorization", "").startswith("JPKI"):
            sent.append(request)
        return send(request)  # type: ignore[no-any-return]

    _login(sandbox, transport=Wrap(sandbox, hook))
    again = SyncBridge(httpx.ASGITransport(app=sandbox.app)).handle_request(sent[0])
    assert again.status_code == 403 and again.json()["jpki_error"] == "challenge_expired"
