"""Login to the portal: OpenID Connect authorization code + PKCE, with the JPKI challenge step.

The flow (``PROTOCOL.md`` §2):

1. ``GET /oidc/authorize?...`` with PKCE (S256), ``state`` and ``nonce`` — the server answers
   ``401`` with ``WWW-Authenticate: JPKI txn="…", challenge="…"``.
2. :class:`JPKIAuth` (an ``httpx.Auth`` flow) has the card sign the login statement — the
   portal's origin as this client reached it, the client id, the person acted for and the
   challenge (:func:`mynalib.portal.protocol.login_statement`) — with the authentication key — the card hashes it with SHA-256 and signs a PKCS#1 v1.5 DigestInfo after
   the authentication PIN, with every PIN-safety rule of docs/CARD.md §5 — and sends the request again with
   ``Authorization: JPKI txn=…, certificate=…, signature=…``. The card is asked **once**: a
   refusal is never retried with the same PIN.
3. The server answers ``302`` to the redirect URI with ``code``, ``state`` and ``iss``; the client
   checks ``state`` and ``iss``, then trades the code and the PKCE verifier for tokens.
4. The ID token is validated with joserfc: RS256 signature against the JWKS, ``iss``, ``aud``,
   ``exp``, ``iat``, ``nonce`` (and ``sub`` continuity on refresh).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from ..errors import AuthError, ProtocolError
from ..secrets import Pin
from . import protocol as P


class AuthCard(Protocol):
    """What login needs from a card (``mynalib.card`` cards, real or software)."""

    def read_auth_certificate(self) -> bytes: ...

    def sign_auth(self, data: bytes, pin: Pin, *, allow_last_try: bool = False) -> bytes: ...


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-]
    return verifier, b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def parse_challenge(header: str) -> dict[str, str]:
    """``JPKI realm="x", txn="y", challenge="z"`` → {"realm": "x", ...}."""
    scheme, _, rest = header.partition(" ")
    if scheme != P.JPKI_AUTH_SCHEME:
        raise ProtocolError(f"expected a {P.JPKI_AUTH_SCHEME} challenge, got {scheme or 'none'!r}")
    out = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        if key:
            out[key.strip()] = value.strip().strip('"')
    if not out.get("txn") or not out.get("challenge"):
        raise ProtocolError("the JPKI challenge lacks txn or challenge")
    return out


class JPKIAuth(httpx.Auth):
    """httpx auth flow answering the JPKI challenge with the card (one signature, never retried).

    ``signed`` tells afterwards whether the card was used (the PIN was spent on a VERIFY).
    """

    def __init__(
        self,
        card: AuthCard,
        pin: Pin,
        *,
        origin: str,
        client_id: str,
        acting_for: str | None = None,
        allow_last_try: bool = False,
    ):
        self.card = card
        self.pin = pin
        self.origin = origin
        self.client_id = client_id
        self.acting_for = acting_for
        self.allow_last_try = allow_last_try
        self.signed = False

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        response = yield request
        header = response.headers.get("www-authenticate", "")
        if response.status_code != 401 or not header.startswith(P.JPKI_AUTH_SCHEME):
            return
        params = parse_challenge(header)
        challenge = b64url_decode(params["challenge"])
        if len(challenge) < 16:
            raise ProtocolError("the JPKI challenge is too short to be safe to sign")
        certificate = self.card.read_auth_certificate()
        # what is signed names this portal, this client and the person acted for (never the
        # challenge alone: another portal could relay it); the card hashes (SHA-256) and signs,
        # PIN errors propagate untouched and are not retried
        statement = P.login_statement(
            origin=self.origin,
            client_id=self.client_id,
            acting_for=self.acting_for,
            challenge=challenge,
        )
        signature = self.card.sign_auth(statement, self.pin, allow_last_try=self.allow_last_try)
        self.signed = True
        request.headers["Authorization"] = (
            f'{P.JPKI_AUTH_SCHEME} txn="{params["txn"]}", '
            f'certificate="{b64url(certificate)}", signature="{b64url(signature)}"'
        )
        yield request


@dataclass
class Session:
    """Tokens of one login. ``repr`` never shows a token."""

    access_token: str
    refresh_token: str | None
    expires_at: float
    claims: dict[str, Any] = field(default_factory=dict)
    scope: str = ""
    issuer: str = ""

    @property
    def person_name(self) -> str | None:
        return self.claims.get("name")

    @property
    def person_id(self) -> str | None:
        return self.claims.get("preferred_username")

    @property
    def actor(self) -> dict[str, Any] | None:
        """The 代理人 who logged in when acting for the principal (the ``act`` claim)."""
        act = self.claims.get("act")
        return act if isinstance(act, dict) else None

    def expired(self, skew: float = 10.0, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) + skew >= self.expires_at

    def public(self) -> dict[str, Any]:
        """What may be shown or kept as plain state: no token."""
        return {
            "issuer": self.issuer,
            "subject": self.claims.get("sub"),
            "name": self.person_name,
            "person_id": self.person_id,
            "actor": self.actor,
            "scope": self.scope,
            "auth_time": self.claims.get("auth_time"),
        }

    def __repr__(self) -> str:
        return (
            f"Session(person={self.person_id!r}, actor={(self.actor or {}).get('preferred_username')!r}, "
            f"access_token=<redacted>, refresh_token={'<redacted>' if self.refresh_token else None}, "
            f"expires_at={self.expires_at:.0f})"
        )

    __str__ = __repr__


def validate_id_token(
    id_token: str,
    jwks: dict[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str | None,
    subject: str | None = None,
    now: float | None = None,
    leeway: int = 60,
) -> dict[str, Any]:
    """Verify an ID token (joserfc): RS256 signature with the JWKS and the claims. Returns them.

    Raises :class:`AuthError` with what failed (the token itself is never in the message).
    """
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=["RS256"])
    except (JoseError, ValueError, TypeError) as exc:
        raise AuthError(
            f"The ID token's signature does not verify ({type(exc).__name__}); refusing the login",
            hint="the answer was changed on the way or comes from another server; log in again",
        ) from None
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "sub": {"essential": True, **({"value": subject} if subject else {})},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    if nonce is not None:
        options["nonce"] = {"essential": True, "value": nonce}
    registry = jwt.JWTClaimsRegistry(
        now=int(now if now is not None else time.time()), leeway=leeway, **options
    )
    try:
        registry.validate(token.claims)
    except JoseError as exc:
        raise AuthError(
            f"The ID token was refused: {exc.error if hasattr(exc, 'error') else type(exc).__name__}"
            f" ({getattr(exc, 'description', '') or exc})",
            hint="log in again; if it keeps failing, check the computer's clock",
        ) from None
    if token.header.get("alg") != "RS256":
        raise AuthError("The ID token uses an unexpected algorithm")
    return dict(token.claims)


#: the server's jpki_error codes → (English explanation + what to do, Japanese)
JPKI_ERRORS: dict[str, tuple[str, str]] = {
    "signature_invalid": (
        "The portal could not verify the card's signature. Try again; if it persists the card or "
        "reader may be faulty.",
        "カードの署名を検証できませんでした。もう一度お試しください。",
    ),
    "cert_malformed": (
        "The portal could not read the card's authentication certificate.",
        "電子証明書を読み取れませんでした。",
    ),
    "cert_expired": (
        "The card's authentication certificate (利用者証明用電子証明書) is expired or not yet "
        "valid. Renew it at your municipal office.",
        "利用者証明用電子証明書の有効期限が切れています。市区町村の窓口で更新してください。",
    ),
    "cert_untrusted": (
        "The card's authentication certificate is not issued by a trusted JPKI authority.",
        "電子証明書が信頼できる認証局によって発行されていません。",
    ),
    "cert_revoked": (
        "The card's authentication certificate has been revoked (失効). If you reported the card "
        "lost or renewed the certificate, use the new card; otherwise ask your municipal office.",
        "利用者証明用電子証明書は失効しています。市区町村の窓口にお問い合わせください。",
    ),
    "cert_unknown": (
        "No portal account is registered for this card. Register it first (利用者登録).",
        "このカードで利用者登録がされていません。先に利用者登録をしてください。",
    ),
    "proxy_not_registered": (
        "You are not registered as 代理人 for that person. The person must register you first.",
        "代理人として登録されていません。ご本人による代理人の登録が必要です。",
    ),
    "challenge_expired": (
        "The login challenge expired or was already used. Start the login again.",
        "ログインの有効時間が過ぎました。もう一度ログインしてください。",
    ),
}


#: vault state: the people the user logged in for as 代理人 ({person id: 氏名}), offered by the
#: dashboards' 対象者 selector
PRINCIPALS_STATE = "portal.principals"


def remember_principal(state: Any, session: Session) -> None:
    """After a 代理人 login: keep whom it was for (person id → 氏名) in ``state`` (the vault's
    ``get_state``/``set_state``). A login for oneself changes nothing."""
    if not session.actor or not session.person_id:
        return
    known = dict(state.get_state(PRINCIPALS_STATE) or {})
    name = session.person_name or session.person_id
    if known.get(session.person_id) != name:
        known[session.person_id] = name
        state.set_state(PRINCIPALS_STATE, known)
