"""Login from a smartphone (PROTOCOL.md §2.3): the whole flow in-process, every RFC 8628 answer,
single use, the binding to the PC's session and to the portal, and which certificate is
accepted where."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mynalib.card import open_card
from mynalib.card.jpki import ACCEPT_PHONE
from mynalib.card.virtual import CardProfile
from mynalib.errors import AppletNotFound, AuthError, ProtocolError
from mynalib.portal import crossdevice as X
from mynalib.portal import protocol as P
from mynalib.portal.auth import b64url, pkce_pair
from mynalib.portal.client import PortalClient
from mynalib.samples.card import sample_smartphone_profile
from mynalib.secrets import Pin

from .conftest import Sandbox, member_profile

BASE = "http://sandbox.test"


class Clock:
    """One clock for the sandbox and the PC (starts at the real time: ID tokens are checked
    against it)."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def phone_sandbox(make_sandbox: Callable[..., Sandbox], clock: Clock) -> Sandbox:
    return make_sandbox(clock=clock)


def _start(sb: Sandbox, clock: Clock, **kwargs: Any) -> tuple[PortalClient, X.CrossDeviceLogin]:
    pc = sb.client()
    return pc, X.start_cross_device(pc, clock=clock, sleep=clock.sleep, **kwargs)


def _approve(
    sb: Sandbox, login: X.CrossDeviceLogin, profile: CardProfile, *, submit: bool = True
) -> tuple[X.DeviceRequest, str]:
    """The phone: open the URL, sign with the profile (card or スマホ用電子証明書), send."""
    with sb.client() as phone:
        request = X.open_request(phone, login.verification_uri_complete)
        with open_card("virtual", profile, accept=ACCEPT_PHONE) as card:
            approval = X.sign_approval(card, Pin("1234"), request)
        if submit:
            X.submit_approval(phone, request, approval)
    return request, approval


def _token(sb: Sandbox, login: X.CrossDeviceLogin, **override: str) -> httpx.Response:
    form = {
        "grant_type": P.DEVICE_CODE_GRANT,
        "device_code": login.device_code,
        "client_id": P.DEFAULT_CLIENT_ID,
        "code_verifier": login.verifier,
        **override,
    }
    with sb.client() as c:  # its transport bridges the sandbox app
        return c.http.post("/oidc/token", data=form)


# ------------------------------------------------------------------------------- the flow


def test_whole_flow_with_the_card_over_nfc(phone_sandbox: Sandbox, clock: Clock) -> None:
    pc, login = _start(phone_sandbox, clock)
    assert login.verification_uri_complete == f"{BASE}/device?user_code={login.user_code}"
    assert P.normalize_user_code(login.user_code) == login.user_code
    assert "device_code" not in repr(login) and login.device_code not in repr(login)
    request, _ = _approve(phone_sandbox, login, member_profile("hanako"))
    assert request.client_id == P.DEFAULT_CLIENT_ID and request.acting_for is None
    assert request.scope == P.DEFAULT_SCOPE
    assert [s for s, _ in request.scopes] == list(P.SCOPES)
    session = login.wait()
    assert login.state == "approved" and login.polls == 1  # one poll, after one interval
    assert session.person_id == "hanako" and pc.session is session
    assert session.claims["amr"] == ["jpki"]
    # the same tokens as a card-reader login: the data API answers
    assert pc.call("notices/list", {"page": 1})["subject"]["name"] == session.person_name
    # and the same claims as a card-reader login of the same person
    with phone_sandbox.client() as reader_pc:
        with open_card("virtual", member_profile("hanako")) as card:
            card_session = reader_pc.login(card, Pin("1234"))
    assert card_session.claims["sub"] == session.claims["sub"]
    assert set(card_session.claims) - {"nonce"} == set(session.claims) - {"nonce"}
    assert card_session.scope == session.scope


def test_whole_flow_with_a_smartphone_certificate(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    _approve(phone_sandbox, login, sample_smartphone_profile("ume"))
    assert login.wait().person_id == "ume"


def test_as_proxy_from_the_phone(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock, acting_for="ume")
    request, _ = _approve(phone_sandbox, login, sample_smartphone_profile("taro"))
    assert request.acting_for == "ume" and "うめ" in request.for_whom()
    session = login.wait()
    assert session.person_id == "ume" and session.actor["preferred_username"] == "taro"
    # someone ume did not register is refused
    _pc2, login2 = _start(phone_sandbox, clock, acting_for="ume")
    with pytest.raises(AuthError) as info:
        _approve(phone_sandbox, login2, member_profile("hanako"))
    assert "proxy_not_registered" in str(info.value)


def test_the_phone_request_names_the_service_scope_and_person(
    phone_sandbox: Sandbox, clock: Clock
) -> None:
    _pc, login = _start(phone_sandbox, clock, scope="openid notices")
    with phone_sandbox.client() as phone:
        request = X.open_request(phone, login.verification_uri_complete.lower())
    assert request.user_code == login.user_code  # case and dashes do not matter
    assert request.client_name.startswith("mynalib")
    assert request.scopes == (("openid", P.SCOPE_LABELS["openid"]), ("notices", "お知らせ"))
    assert 0 < request.expires_in <= 300
    statement = request.statement().decode()
    assert statement.splitlines() == [
        P.DEVICE_STATEMENT_VERSION,
        f"origin={BASE}",
        "client_id=mynalib",
        "acting_for=",
        "scope=openid notices",
        f"user_code={login.user_code}",
        f"challenge={b64url(request.challenge)}",
    ]


# ------------------------------------------------------------------ RFC 8628 answers


def test_authorization_pending_then_tokens(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    response = _token(phone_sandbox, login)
    assert response.status_code == 400 and response.json()["error"] == "authorization_pending"
    clock.sleep(login.interval)
    assert login.poll() is None and login.state == "pending"
    _approve(phone_sandbox, login, member_profile("taro"))
    clock.sleep(login.interval)
    assert login.poll() is not None and login.state == "approved"


def test_slow_down_makes_the_client_poll_slower(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    clock.sleep(5)
    assert login.poll() is None
    response = _token(phone_sandbox, login)  # at once: too fast
    assert response.status_code == 400
    assert response.json()["error"] == "slow_down" and response.json()["interval"] == 10
    assert login.poll() is None  # too fast again: slow_down, the client takes the new interval
    assert login.interval == 15
    session = phone_sandbox.state.device.by_user_code[login.user_code]
    assert session.interval == 15
    _approve(phone_sandbox, login, member_profile("taro"))
    ticks: list[tuple[int, int]] = []
    login.wait(on_tick=lambda left, nxt: ticks.append((left, nxt)))
    assert ticks and ticks[0][1] == 15  # the countdown to the next poll follows the interval
    assert all(b <= a for (a, _x), (b, _y) in itertools.pairwise(ticks))


def test_wait_polls_at_the_interval(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    polls: list[float] = []
    original = login.poll

    def counting_poll() -> Any:
        polls.append(clock())
        if len(polls) == 3:
            _approve(phone_sandbox, login, member_profile("taro"))
        return original()

    login.poll = counting_poll  # type: ignore[method-assign]
    start = clock()
    login.wait()
    assert [round(t - start) for t in polls] == [5, 10, 15]
    assert phone_sandbox.state.device.by_user_code[login.user_code].interval == 5  # no slow_down


def test_expired_token(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    clock.sleep(301)
    response = _token(phone_sandbox, login)
    assert response.json()["error"] == "expired_token"
    with pytest.raises(AuthError) as info:
        login.poll()
    assert "有効期限" in info.value.ja and login.state == "expired"
    # the phone is told too: the code is no longer shown
    with phone_sandbox.client() as phone, pytest.raises(AuthError) as info:
        X.open_request(phone, login.verification_uri_complete)
    assert "expired_token" in str(info.value)


def test_approved_but_collected_too_late_is_expired(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    _approve(phone_sandbox, login, member_profile("taro"))
    clock.sleep(300)
    assert _token(phone_sandbox, login).json()["error"] == "expired_token"


def test_wait_gives_up_when_the_session_expires(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    with pytest.raises(AuthError, match="expired"):
        login.wait()
    assert 55 <= login.polls <= 60  # one poll every 5 s over 300 s, never faster


def test_access_denied(phone_sandbox: Sandbox, clock: Clock) -> None:
    pc, login = _start(phone_sandbox, clock)
    with phone_sandbox.client() as phone:
        request = X.open_request(phone, login.verification_uri_complete)
        X.deny(phone, request)
    clock.sleep(5)
    with pytest.raises(AuthError) as info:
        login.poll()
    assert "拒否" in info.value.ja and login.state == "denied"
    clock.sleep(5)
    assert _token(phone_sandbox, login).json()["error"] == "access_denied"
    assert pc.session is None


def test_unknown_device_code_wrong_client_and_unsupported(
    make_sandbox: Callable[..., Sandbox], clock: Clock
) -> None:
    sb = make_sandbox(clock=clock, client_ids=(P.DEFAULT_CLIENT_ID, "other"))
    _pc, login = _start(sb, clock)
    assert _token(sb, login, device_code="nope").json()["error"] == "invalid_grant"
    other = _token(sb, login, client_id="other").json()
    assert other["error"] == "invalid_grant" and "another client" in other["error_description"]
    unknown = _token(sb, login, client_id="stranger")
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"client_id": "stranger"}, "invalid_client"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"scope": "openid everything"}, "invalid_scope"),
        ({"acting_for": "nobody"}, "invalid_request"),
    ],
)
def test_device_authorization_errors(
    phone_sandbox: Sandbox, form: dict[str, str], error: str
) -> None:
    _verifier, challenge = pkce_pair()
    base = {
        "client_id": P.DEFAULT_CLIENT_ID,
        "scope": "openid",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with phone_sandbox.client() as c:
        response = c.http.post("/oidc/device_authorization", data={**base, **form})
    assert response.status_code in (400, 401) and response.json()["error"] == error


def test_discovery_names_the_device_endpoints(phone_sandbox: Sandbox) -> None:
    with phone_sandbox.client() as c:
        disc = c.discovery()
    assert P.DEVICE_CODE_GRANT in disc["grant_types_supported"]
    assert disc["device_authorization_endpoint"] == f"{BASE}/oidc/device_authorization"
    assert disc["device_verification_uri"] == f"{BASE}/device"


# ------------------------------------------------------------------------- single use


def test_device_code_used_twice_is_refused_and_revokes(
    phone_sandbox: Sandbox, clock: Clock
) -> None:
    pc, login = _start(phone_sandbox, clock)
    _approve(phone_sandbox, login, member_profile("taro"))
    clock.sleep(5)
    session = login.poll()
    assert session is not None
    pc.call("notices/list", {"page": 1})  # the tokens work
    clock.sleep(5)
    replay = _token(phone_sandbox, login)
    assert (
        replay.json()["error"] == "invalid_grant" and "replay" in replay.json()["error_description"]
    )
    from mynalib.errors import SessionExpired

    pc.session.expires_at = time.time() + 3600  # no refresh first: the revoked token is used
    with pytest.raises(SessionExpired):
        pc.call("notices/list", {"page": 1})


def test_approval_used_twice_is_refused(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    request, approval = _approve(phone_sandbox, login, member_profile("taro"))
    with phone_sandbox.client() as phone, pytest.raises(AuthError) as info:
        X.submit_approval(phone, request, approval)
    assert "already_answered" in str(info.value)
    with phone_sandbox.client() as phone, pytest.raises(AuthError):
        X.deny(phone, request)  # nor refused afterwards
    assert login.wait().person_id == "taro"


def test_a_refused_login_cannot_be_approved(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    request, approval = _approve(phone_sandbox, login, member_profile("taro"), submit=False)
    with phone_sandbox.client() as phone:
        X.deny(phone, request)
        with pytest.raises(AuthError, match="already_answered"):
            X.submit_approval(phone, request, approval)


# ------------------------------------------------------- bound to the session and the portal


def test_approval_for_another_session_is_refused(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc_a, login_a = _start(phone_sandbox, clock)
    _pc_b, login_b = _start(phone_sandbox, clock)
    _request_a, approval_a = _approve(phone_sandbox, login_a, member_profile("taro"), submit=False)
    with phone_sandbox.client() as phone:
        request_b = X.open_request(phone, login_b.verification_uri_complete)
        # the approval names session A: refused for B, by its user code …
        with pytest.raises(AuthError, match="session_mismatch"):
            X.submit_approval(phone, request_b, approval_a)
        # … and by the signature when only the certificate and signature are carried over
        _uc, cert, sig = P.decode_approval(approval_a)
        response = phone.http.post(
            "/device/approve",
            data={
                "user_code": login_b.user_code,
                "action": "approve",
                "certificate": b64url(cert),
                "signature": b64url(sig),
            },
        )
    assert response.status_code == 403 and response.json()["jpki_error"] == "signature_invalid"
    clock.sleep(5)
    assert login_b.poll() is None  # B still waits
    assert login_a.poll() is None  # A was never approved
    # A's own approval still works for A
    with phone_sandbox.client() as phone:
        X.submit_approval(
            phone, X.open_request(phone, login_a.verification_uri_complete), approval_a
        )
    clock.sleep(5)
    assert login_a.poll() is not None


def test_only_the_pc_that_asked_can_redeem(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    _approve(phone_sandbox, login, member_profile("taro"))
    clock.sleep(5)
    stolen = _token(phone_sandbox, login, code_verifier=pkce_pair()[0])  # device code, not PKCE
    assert stolen.json()["error"] == "invalid_grant"
    assert "PKCE" in stolen.json()["error_description"]
    assert login.poll() is not None  # the PC that asked still gets its tokens


def test_approval_signed_for_another_portal_is_refused(
    phone_sandbox: Sandbox, clock: Clock
) -> None:
    """A fake portal that shows the real portal's QR code gets an approval naming itself."""
    _pc, login = _start(phone_sandbox, clock)
    with phone_sandbox.client() as phone:
        real = X.open_request(phone, login.verification_uri_complete)
    relayed = X.DeviceRequest(**{**real.__dict__, "origin": "https://fake-portal.test"})
    with open_card("virtual", member_profile("taro"), accept=ACCEPT_PHONE) as card:
        approval = X.sign_approval(card, Pin("1234"), relayed)
    with phone_sandbox.client() as phone, pytest.raises(AuthError) as info:
        X.submit_approval(phone, real, approval)
    assert "signature_invalid" in str(info.value)


def test_three_refused_approvals_end_the_session(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    _request, approval = _approve(phone_sandbox, login, member_profile("taro"), submit=False)
    _uc, cert, _sig = P.decode_approval(approval)
    bad = P.encode_approval(user_code=login.user_code, certificate=cert, signature=bytes(256))
    with phone_sandbox.client() as phone:
        request = X.open_request(phone, login.verification_uri_complete)
        for _ in range(3):
            with pytest.raises(AuthError, match="signature_invalid"):
                X.submit_approval(phone, request, bad)
        with pytest.raises(AuthError, match="already_answered"):
            X.submit_approval(phone, request, approval)
    clock.sleep(5)
    with pytest.raises(AuthError, match="refused on the phone"):
        login.poll()


def test_the_phone_refuses_an_address_that_is_not_the_verification_page(
    phone_sandbox: Sandbox, clock: Clock
) -> None:
    _pc, login = _start(phone_sandbox, clock)
    with phone_sandbox.client() as phone:
        with pytest.raises(ProtocolError, match="verification page"):
            X.open_request(phone, f"{BASE}/elsewhere?user_code={login.user_code}")
        with pytest.raises(ProtocolError, match="not connected"):
            X.open_request(phone, f"http://other.test/device?user_code={login.user_code}")
    for bad in ("ftp://x/device?user_code=BCDF-GHJK", f"{BASE}/device?user_code=AEIO-UAEI"):
        with pytest.raises(ValueError):
            X.parse_verification_uri(bad)


def test_guessing_user_codes_is_slowed_down(phone_sandbox: Sandbox, clock: Clock) -> None:
    _pc, login = _start(phone_sandbox, clock)
    with phone_sandbox.client() as phone:
        answers = [
            phone.http.get("/device/info", params={"user_code": f"BCDF-GH{a}{b}"}).status_code
            for a in "JKLM"
            for b in "NPQRSTVWXZ"
        ]
        assert answers[:30] == [404] * 30 and set(answers[30:]) == {429}
        # even the right code waits while the guessing lasts; a minute later it works
        assert (
            phone.http.get("/device/info", params={"user_code": login.user_code}).status_code == 429
        )
        clock.sleep(61)
        assert (
            phone.http.get("/device/info", params={"user_code": login.user_code}).status_code == 200
        )


# ---------------------------------------------------------- which certificate, where


def test_a_card_reader_login_refuses_a_smartphone_certificate(phone_sandbox: Sandbox) -> None:
    """Even a client that reads it anyway: the server accepts スマホ用電子証明書 only from the
    phone's login."""
    with phone_sandbox.client() as c:
        with open_card("virtual", sample_smartphone_profile("taro"), accept=ACCEPT_PHONE) as card:
            with pytest.raises(AuthError) as info:
                c.login(card, Pin("1234"))
    assert "cert_untrusted" in str(info.value) and "smartphone" in str(info.value)


def test_the_card_layer_says_where_a_smartphone_certificate_goes() -> None:
    profile = sample_smartphone_profile("taro")
    assert profile.smartphone and profile.token_label == "JPKIAPGPSPTOKEN"
    with open_card("virtual", profile) as card, pytest.raises(AppletNotFound) as info:
        card.read_auth_certificate()  # a reader (the default) takes a card only
    assert "myna phone approve" in str(info.value) and "スマホ用電子証明書" in info.value.ja
    with open_card("virtual", profile, accept=ACCEPT_PHONE) as card:
        assert card.token_kind == "smartphone"
        assert card.read_auth_certificate()[:2] == b"\x30\x82"
    with open_card("virtual", member_profile("taro"), accept=ACCEPT_PHONE) as card:
        assert card.token_kind == "card"


def test_smartphone_certificates_have_their_own_test_ca() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from mynalib.card.trust import verify_certificate
    from mynalib.card.virtual import test_ca_certificates, test_smartphone_ca_certificates

    phone = sample_smartphone_profile("hanako")
    card = member_profile("hanako")
    assert phone.auth_certificate.issuer != card.auth_certificate.issuer
    assert "O=JPKI-TEST" in phone.auth_certificate.issuer.rfc4514_string()
    assert phone.auth_certificate.issuer == test_smartphone_ca_certificates()[0].subject
    assert (
        phone.auth_key.public_key().public_numbers() != card.auth_key.public_key().public_numbers()
    )
    phone_ca_names = {c.subject for c in test_smartphone_ca_certificates()}
    assert not phone_ca_names & {c.subject for c in test_ca_certificates()}
    der = phone.auth_certificate.public_bytes(Encoding.DER)
    assert not verify_certificate(der, trust_test_roots=True)  # the card's test roots only
    assert verify_certificate(
        der, trust_test_roots=True, extra_roots=tuple(test_smartphone_ca_certificates())
    )
