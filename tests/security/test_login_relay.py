"""A portal that relays another portal's login challenge gets a signature that portal refuses.

What the card signs names the portal as the client reached it, the client and the person acted
for (``mynalib.portal.protocol.login_statement``); the real portal checks it against its own
issuer. Before this, the card signed the bare challenge and a fake ``--portal`` could walk away
with a session (even as 代理人 for a person the user never chose).
"""

from __future__ import annotations

import httpx
import pytest

from mynalib.card import open_card
from mynalib.portal import protocol as P
from mynalib.portal.auth import b64url, b64url_decode, parse_challenge, pkce_pair
from mynalib.portal.sandbox.app import SandboxConfig, create_app
from mynalib.secrets import Pin

from ..portal.conftest import member_profile
from .conftest import run_async

REAL = "http://real-portal.test"


def _query(acting_for: str | None = None) -> dict[str, str]:
    _verifier, challenge = pkce_pair()
    q = {
        "client_id": P.DEFAULT_CLIENT_ID,
        "redirect_uri": P.DEFAULT_REDIRECT_URI,
        "response_type": "code",
        "code_challenge_method": "S256",
        "code_challenge": challenge,
        "state": "state-1",
        "nonce": "nonce-1",
        "scope": "openid",
    }
    if acting_for:
        q["acting_for"] = acting_for
    return q


def _login_at_real_portal(
    *, signed_origin: str, signed_for: str | None, asked_for: str | None
) -> httpx.Response:
    """Fetch a challenge from the real portal, have taro's card sign a statement naming
    ``signed_origin``/``signed_for``, and hand the signature to the real portal for ``asked_for``."""
    app = create_app(SandboxConfig(issuer=REAL, pending_polls=0, done_step=False))
    query = _query(asked_for)

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=REAL) as http:
            first = await http.get("/oidc/authorize", params=query)
            assert first.status_code == 401
            params = parse_challenge(first.headers["www-authenticate"])
            statement = P.login_statement(
                origin=signed_origin,
                client_id=P.DEFAULT_CLIENT_ID,
                acting_for=signed_for,
                challenge=b64url_decode(params["challenge"]),
            )
            with open_card("virtual", member_profile("taro")) as card:
                certificate = card.read_auth_certificate()
                signature = card.sign_auth(statement, Pin("1234"))
            header = (
                f'{P.JPKI_AUTH_SCHEME} txn="{params["txn"]}", '
                f'certificate="{b64url(certificate)}", signature="{b64url(signature)}"'
            )
            return await http.get(
                "/oidc/authorize", params=query, headers={"Authorization": header}
            )

    return run_async(go)


def test_a_signature_made_for_the_real_portal_logs_in() -> None:
    ok = _login_at_real_portal(signed_origin=REAL, signed_for=None, asked_for=None)
    assert ok.status_code == 302 and "code=" in ok.headers["location"]


def test_a_relayed_challenge_signed_for_another_portal_is_refused() -> None:
    relayed = _login_at_real_portal(
        signed_origin="http://fake-portal.example", signed_for=None, asked_for=None
    )
    assert relayed.status_code == 403
    assert relayed.json()["jpki_error"] == "signature_invalid"
    assert "location" not in relayed.headers


def test_a_signature_for_oneself_cannot_be_used_as_a_proxy_login() -> None:
    # taro is registered as ume's 代理人; a fake portal must not turn his own login into one
    proxied = _login_at_real_portal(signed_origin=REAL, signed_for=None, asked_for="ume")
    assert proxied.status_code == 403
    assert proxied.json()["jpki_error"] == "signature_invalid"
    chosen = _login_at_real_portal(signed_origin=REAL, signed_for="ume", asked_for="ume")
    assert chosen.status_code == 302


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("HTTP://LOCALHOST:80/x", "http://localhost"),
        ("https://portal.example:443", "https://portal.example"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_origins_are_compared_normalised(url: str, origin: str) -> None:
    assert P.origin_of(url) == origin


def test_the_statement_names_everything_it_binds() -> None:
    text = P.login_statement(
        origin="http://127.0.0.1:8765/",
        client_id="mynalib",
        acting_for="ume",
        challenge=b"\x01" * 32,
    ).decode()
    assert text.splitlines()[:4] == [
        P.LOGIN_STATEMENT_VERSION,
        "origin=http://127.0.0.1:8765",
        "client_id=mynalib",
        "acting_for=ume",
    ]


def test_the_cli_refuses_an_untrusted_portal_before_any_pin(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from mynalib.cli import main

    monkeypatch.setenv("MYNA_VAULT", str(tmp_path / "vault"))
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", "relay-test-passphrase")
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(
        main, ["login", "--virtual", "--portal", "http://portal.example"], input="1234\n"
    )
    assert result.exit_code == 1
    assert "not a portal you have trusted" in result.output and "--trust-portal" in result.output
    assert "PIN" not in result.output  # refused before the card or the PIN


def test_trusting_a_portal_is_remembered_and_loopback_needs_no_trust(tmp_path, monkeypatch) -> None:
    from mynalib.commands.portal import STATE_TRUSTED, _check_trusted
    from mynalib.errors import AuthError
    from mynalib.vault import open_vault

    monkeypatch.setattr("mynalib.vault.crypto.SCRYPT_N", 2**12, raising=False)
    with open_vault(tmp_path / "v", passphrase="relay-test-passphrase") as vault:
        assert _check_trusted("http://127.0.0.1:8765", vault, False) == "http://127.0.0.1:8765"
        assert _check_trusted("http://[::1]:8765/", vault, False) == "http://[::1]:8765"
        for lookalike in ("http://127.0.0.1.evil.example", "http://localhost.evil.example:80"):
            with pytest.raises(AuthError):
                _check_trusted(lookalike, vault, False)
        assert _check_trusted("https://Portal.Example/", vault, True) == "https://portal.example"
        assert vault.get_state(STATE_TRUSTED) == ["https://portal.example"]
        assert (
            _check_trusted("https://portal.example:443/x", vault, False) == "https://portal.example"
        )
