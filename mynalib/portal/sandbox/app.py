"""The portal sandbox: a Starlette app speaking the protocol of ``PROTOCOL.md`` (synthetic data).

``create_app(config)`` returns the ASGI app. Run it with ``myna sandbox`` (uvicorn on 127.0.0.1)
or mount it in-process with ``httpx.ASGITransport(app=create_app(...))``.

What it checks at login (the JPKI step): the card's RSA signature over the challenge, the
certificate's validity dates (at the sandbox clock), the chain to the trusted JPKI roots
(:func:`mynalib.card.trust.verify_certificate`, with the software card's test root trusted), the
revocation list, and that the certificate belongs to a registered member. 代理人 logins are allowed
only for a registered (principal, agent) pair. The login from a smartphone (PROTOCOL.md §2.3:
device authorization, the phone's page, approval, device-code polling) runs the same checks and
also accepts the software スマホ用電子証明書; its sessions and page are in :mod:`.device`.

Realistic behaviour is switchable through :class:`SandboxConfig` and :class:`Faults`: rate
limiting (resultCode 1000 + Retry-After), session expiry (9000 / ED1107), capacity over (06),
polling delays, and injected faults (HTTP 500/503, latency, truncated bodies, dropped connections).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...samples.household import HOUSEHOLD, Person
from .. import protocol as P
from . import applying as A
from . import data as D
from .device import DeviceSessions

# ------------------------------------------------------------------------------- configuration


@dataclass
class Faults:
    """Injected faults. Rates are probabilities per request (seeded, so runs are reproducible)."""

    error_rate: float = 0.0  # HTTP 500 (a plain text body, as a crashing server sends)
    unavailable_rate: float = 0.0  # HTTP 503 with Retry-After
    truncate_rate: float = 0.0  # the body is cut in half (invalid JSON)
    drop_rate: float = 0.0  # the connection is closed in the middle of the body
    latency: float = 0.0  # seconds added to every request
    seed: int = 0
    #: paths the random faults apply to (prefixes); default: the data API only
    paths: tuple[str, ...] = (P.API_PREFIX,)


@dataclass
class SandboxConfig:
    #: seconds an access token lives (a data call after that answers 9000 / ED1107)
    access_token_ttl: float = 600.0
    #: data calls an access token may make before it expires (None: unlimited) — for tests
    access_token_calls: int | None = None
    refresh_token_ttl: float = 90 * 24 * 3600.0  # about 90 days, as the real service
    code_ttl: float = 60.0
    challenge_ttl: float = 120.0
    #: わたしの情報: seconds before a request completes, and pending answers (09, then 01) first
    poll_delay: float = 0.0
    pending_polls: int = 1
    #: answer 02 (done, results not attached) once before 03/04
    done_step: bool = True
    #: the next N myinfo/request calls answer 06 (over capacity); `capacity_rate` at random
    capacity_over: int = 0
    capacity_rate: float = 0.0
    #: rate limit: at most `rate_limit[0]` data calls per `rate_limit[1]` seconds per token
    rate_limit: tuple[int, float] | None = None
    retry_after: int = 1
    page_size_max: int = 100
    #: revoked certificates (serial numbers), as a CRL would list them
    revoked_serials: set[int] = field(default_factory=set)
    #: extra certificate → member mappings: SHA-256 fingerprint (hex) → person id
    extra_members: dict[str, str] = field(default_factory=dict)
    #: 代理人 relationships: principal id → agent ids
    proxies: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(D.PROXIES))
    #: trust the software card's test root (the sandbox's purpose); False: real J-LIS roots only
    trust_test_roots: bool = True
    #: the sandbox clock (epoch seconds): tokens, challenges and certificate validity use it
    clock: Any = time.time
    faults: Faults = field(default_factory=Faults)
    client_ids: tuple[str, ...] = (P.DEFAULT_CLIENT_ID,)
    #: redirect URIs accepted (prefix match on http://127.0.0.1 / localhost for native apps)
    #: registered redirect URIs, compared exactly but for the port (RFC 8252 §7.3: a native
    #: app's loopback redirect may use any port)
    redirect_uris: tuple[str, ...] = (P.DEFAULT_REDIRECT_URI,)
    #: the issuer named in discovery and tokens; None: the URL the request came to (in-process
    #: use only — a server on a socket must set it, or a Host header would choose it)
    issuer: str | None = None
    #: largest request body the API reads (bytes); larger ones are refused with 413
    max_body: int = 64 * 1024
    #: the same for an operation that carries files (電子申請 with attachments)
    max_upload: int = 12 * 1024 * 1024
    #: 電子申請 (PROTOCOL.md §9): seconds from 受付済 to 審査中, and to the decision (完了/差戻し)
    review_delay: float = 20.0
    decision_delay: float = 60.0
    #: login from a smartphone (PROTOCOL.md §2.3): seconds a session lives, the polling interval
    device_code_ttl: float = 300.0
    device_interval: int = 5
    #: refused approvals of one session before it ends as refused (access_denied)
    device_max_attempts: int = 3
    #: the names the phone shows for each client id
    client_names: dict[str, str] = field(
        default_factory=lambda: {P.DEFAULT_CLIENT_ID: "mynalib（パソコンのアプリ）"}
    )


# ------------------------------------------------------------------------------------- state


@dataclass
class _Txn:
    challenge: bytes
    params: dict[str, str]
    expires: float
    used: bool = False


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    scope: str
    person: str  # principal (whose data)
    actor: str | None  # 代理人 when acting for someone
    expires: float
    auth_time: int
    used: bool = False
    family: str = ""


@dataclass
class _Access:
    person: str
    actor: str | None
    scope: str
    expires: float
    family: str
    calls: int = 0


@dataclass
class _Refresh:
    person: str
    actor: str | None
    scope: str
    client_id: str
    expires: float
    family: str
    auth_time: int
    used: bool = False


@dataclass
class _MyinfoRequest:
    person: str
    item_ids: list[str]
    created: float
    polls: int = 0
    done_sent: bool = False
    #: 条件を変更して取得: item id → its checked condition
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)


def _h(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SandboxState:
    """Everything the sandbox remembers (in memory). Thread-safe enough for uvicorn's one loop."""

    def __init__(self, config: SandboxConfig):
        from joserfc.jwk import RSAKey

        self.config = config
        self.lock = threading.Lock()
        self.signing_key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})
        self.signing_key.ensure_kid()
        self.txns: dict[str, _Txn] = {}
        self.codes: dict[str, _Code] = {}
        self.access: dict[str, _Access] = {}
        self.refresh: dict[str, _Refresh] = {}
        self.revoked_families: set[str] = set()
        self.requests: dict[str, _MyinfoRequest] = {}
        self.read_notices: set[tuple[str, str]] = set()
        self.rate: dict[str, deque[float]] = {}
        self.capacity_left = config.capacity_over
        self.fault_rng = __import__("random").Random(config.faults.seed)
        self.scheduled: list[tuple[str, str, int]] = []  # (kind, path prefix, times)
        self.request_log: list[tuple[str, str]] = []  # (method, path) of every request
        self.device = DeviceSessions()  # logins from a smartphone
        self.applying = A.Applications()  # 電子申請: submitted applications
        self._members: dict[str, str] | None = None

    # --- test helpers ---------------------------------------------------------------------
    def schedule_fault(self, kind: str, path: str = P.API_PREFIX, times: int = 1) -> None:
        """Inject ``kind`` (error, unavailable, 429, truncate, drop, rate, expire, capacity, latency:<s>)
        into the next ``times`` requests whose path starts with ``path``."""
        with self.lock:
            self.scheduled.append((kind, path, times))

    def take_scheduled(self, path: str) -> str | None:
        with self.lock:
            for i, (kind, prefix, times) in enumerate(self.scheduled):
                if path.startswith(prefix):
                    if times <= 1:
                        del self.scheduled[i]
                    else:
                        self.scheduled[i] = (kind, prefix, times - 1)
                    return kind
        return None

    def expire_access_tokens(self) -> None:
        """Make every access token expired now (the next data call answers 9000 / ED1107)."""
        with self.lock:
            for a in self.access.values():
                a.expires = 0.0

    def now(self) -> float:
        return float(self.config.clock())

    # --- members ----------------------------------------------------------------------------
    def members(self) -> dict[str, str]:
        """Auth-certificate fingerprint (SHA-256 hex of the DER) → person id."""
        if self._members is None:
            self._members = dict(member_fingerprints())
        return {**self._members, **self.config.extra_members}


_FINGERPRINTS: dict[str, str] | None = None
_FP_LOCK = threading.Lock()


def member_fingerprints() -> dict[str, str]:
    """One software-card profile per member (seed ``sample-<id>``) and one software スマホ用電子
    証明書 (seed ``smartphone-<id>``), plus the built-in software card of ``myna ... --virtual``
    and the built-in smartphone certificate (the first member's): auth-certificate fingerprint
    → member."""
    global _FINGERPRINTS
    with _FP_LOCK:
        if _FINGERPRINTS is None:
            from cryptography.hazmat.primitives import serialization

            from ...card import DEFAULT_SMARTPHONE_SEED, DEFAULT_VIRTUAL_SEED
            from ...card.virtual import CardProfile
            from ...samples.card import sample_card_profile, sample_smartphone_profile

            out = {}
            profiles = [(sample_card_profile(p.id), p) for p in HOUSEHOLD]
            # each member's スマホ用電子証明書 (the smartphone login accepts them)
            profiles += [(sample_smartphone_profile(p.id), p) for p in HOUSEHOLD]
            # the built-in software card (`--virtual`) and smartphone certificate belong to the
            # household's first member
            for seed, phone in ((DEFAULT_VIRTUAL_SEED, False), (DEFAULT_SMARTPHONE_SEED, True)):
                builtin = CardProfile.generate(seed=seed, holder=HOUSEHOLD[0], smartphone=phone)
                profiles.append((builtin, HOUSEHOLD[0]))
            for profile, person in profiles:
                der = profile.auth_certificate.public_bytes(serialization.Encoding.DER)
                out[hashlib.sha256(der).hexdigest()] = person.id
            _FINGERPRINTS = out
        return dict(_FINGERPRINTS)


def _person(pid: str) -> Person:
    for p in HOUSEHOLD:
        if p.id == pid:
            return p
    raise KeyError(pid)


# ----------------------------------------------------------------------------------- helpers


def _envelope(
    res_body: dict[str, Any] | None,
    result: str = P.RESULT_OK,
    errors: list[str] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    body: dict[str, Any] = {
        "resultCode": result,
        "resBody": res_body if res_body is not None else {},
        "errors": [
            {"errorCode": e, **({"message": message} if message else {})} for e in (errors or [])
        ],
    }
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


def _oauth_error(error: str, description: str, status: int = 400, **extra: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description, **extra},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def _issuer(request: Request) -> str:
    configured = _state(request).config.issuer
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def redirect_uri_allowed(uri: str, registered: tuple[str, ...]) -> bool:
    """``uri`` is a registered redirect URI, compared exactly except for the port of a loopback
    one (RFC 8252 §7.3): no user info, no fragment, no control characters or spaces."""
    if not uri or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in uri):
        return False
    try:
        got = urlsplit(uri)
        port = got.port
    except ValueError:
        return False
    if got.username is not None or got.password is not None or "@" in got.netloc:
        return False
    if got.fragment or "#" in uri or port == 0:
        return False
    for entry in registered:
        want = urlsplit(entry)
        if (got.scheme, got.hostname, got.path, got.query) != (
            want.scheme,
            want.hostname,
            want.path,
            want.query,
        ):
            continue
        if want.hostname in _LOOPBACK_HOSTS or port == want.port:
            return True
    return False


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


# -------------------------------------------------------------------------------------- OIDC


async def discovery(request: Request) -> Response:
    iss = _issuer(request)
    return JSONResponse(
        {
            "issuer": iss,
            "authorization_endpoint": f"{iss}/oidc/authorize",
            "token_endpoint": f"{iss}/oidc/token",
            "jwks_uri": f"{iss}/oidc/jwks",
            "revocation_endpoint": f"{iss}/oidc/revoke",
            "device_authorization_endpoint": f"{iss}/oidc/device_authorization",
            "device_info_endpoint": f"{iss}/device/info",
            "device_approval_endpoint": f"{iss}/device/approve",
            "device_verification_uri": f"{iss}/device",
            "api_base": f"{iss}{P.API_PREFIX}",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", P.DEVICE_CODE_GRANT],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": list(P.SCOPES),
            "claims_supported": ["sub", "name", "preferred_username", "act", "nonce", "amr"],
            "jpki_challenge_scheme": P.JPKI_AUTH_SCHEME,
            "protocol_version": P.PROTOCOL_VERSION,
            "sandbox": True,
        }
    )


async def jwks(request: Request) -> Response:
    key = _state(request).signing_key
    public = key.as_dict(private=False)
    return JSONResponse({"keys": [public]})


def _parse_auth_params(header: str) -> dict[str, str]:
    """``JPKI a="x", b="y"`` → dict (values are base64url / ids: no quoting games needed)."""
    _, _, rest = header.partition(" ")
    out = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        if key:
            out[key.strip()] = value.strip().strip('"')
    return out


_JPKI_MESSAGES = {
    "signature_invalid": "the card's signature over the challenge does not verify",
    "cert_malformed": "the authentication certificate cannot be read",
    "cert_expired": "the authentication certificate is expired or not yet valid",
    "cert_untrusted": "the authentication certificate does not chain to a trusted JPKI root",
    "cert_revoked": "the authentication certificate is revoked",
    "cert_unknown": "no portal account is registered for this card",
    "proxy_not_registered": "this member is not registered as 代理人 for the requested person",
    "challenge_expired": "the login challenge expired or was already used; start again",
}


class JPKIRefused(Exception):
    """A JPKI answer refused: ``code`` is the ``jpki_error`` (``PROTOCOL.md`` §2.2)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


def verify_jpki(
    st: SandboxState,
    *,
    certificate: str | bytes,
    signature: str | bytes,
    statement: bytes,
    acting_for: str | None,
    now: float,
    smartphone: bool,
) -> tuple[str, str | None]:
    """Check a JPKI answer — the certificate (base64url or DER), the signature over
    ``statement``, validity, chain, revocation, registration, 代理人 — and return (principal,
    actor). ``smartphone``: the smartphone login, which also accepts a スマホ用電子証明書 (its
    own CAs); a card-reader login accepts cards only. Raises :class:`JPKIRefused`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        der = certificate if isinstance(certificate, bytes) else _b64u_decode(certificate)
        sig = signature if isinstance(signature, bytes) else _b64u_decode(signature)
        cert = x509.load_der_x509_certificate(der)
    except Exception:
        raise JPKIRefused("cert_malformed") from None
    pub = cert.public_key()
    if not isinstance(pub, rsa.RSAPublicKey):
        raise JPKIRefused("cert_malformed", "not an RSA key")
    try:
        pub.verify(sig, statement, padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        raise JPKIRefused("signature_invalid") from None
    at = datetime.fromtimestamp(now, timezone.utc)
    if not (cert.not_valid_before_utc <= at <= cert.not_valid_after_utc):
        raise JPKIRefused(
            "cert_expired",
            f"valid {cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}",
        )
    from ...card.trust import verify_certificate
    from ...card.virtual import test_smartphone_ca_certificates

    # the software スマホ用電子証明書 chain to their own test CAs (J-LIS's smartphone CAs are
    # not shipped): trusted with the test roots, and only where a smartphone login is made
    phone_roots = tuple(test_smartphone_ca_certificates()) if st.config.trust_test_roots else ()
    trust = st.config.trust_test_roots
    result = verify_certificate(
        der, trust_test_roots=trust, at=at, extra_roots=phone_roots if smartphone else ()
    )
    if not result.ok:
        reason = str(getattr(result, "reason", "") or "chain not trusted")
        if not smartphone and verify_certificate(
            der, trust_test_roots=trust, at=at, extra_roots=phone_roots
        ):
            reason = "a スマホ用電子証明書 logs in from the smartphone, not through a card reader"
        raise JPKIRefused("cert_expired" if "expir" in reason.lower() else "cert_untrusted", reason)
    if cert.serial_number in st.config.revoked_serials:
        raise JPKIRefused("cert_revoked", f"serial {cert.serial_number:X}")
    member = st.members().get(hashlib.sha256(der).hexdigest())
    if member is None:
        raise JPKIRefused("cert_unknown")
    if acting_for is not None and acting_for != member:
        if member not in st.config.proxies.get(acting_for, ()):
            raise JPKIRefused("proxy_not_registered", f"{member} for {acting_for}")
        return acting_for, member
    return member, None


async def authorize(request: Request) -> Response:
    st = _state(request)
    q = dict(request.query_params)
    # parameters first: these errors go to the client, never to the redirect URI
    if q.get("client_id") not in st.config.client_ids:
        return _oauth_error("invalid_client", "unknown client_id")
    redirect_uri = q.get("redirect_uri", "")
    if not redirect_uri_allowed(redirect_uri, st.config.redirect_uris):
        return _oauth_error("invalid_request", "redirect_uri is not a registered redirect URI")
    if q.get("response_type") != "code":
        return _oauth_error("unsupported_response_type", "only response_type=code")
    if q.get("code_challenge_method") != "S256" or len(q.get("code_challenge", "")) < 43:
        return _oauth_error("invalid_request", "PKCE with code_challenge_method=S256 is required")
    if not q.get("state") or not q.get("nonce"):
        return _oauth_error("invalid_request", "state and nonce are required")
    scope = q.get("scope", "")
    if "openid" not in scope.split():
        return _oauth_error("invalid_scope", "scope must include openid")
    unknown = set(scope.split()) - set(P.SCOPES)
    if unknown:
        return _oauth_error("invalid_scope", f"unknown scopes: {' '.join(sorted(unknown))}")
    acting_for = q.get("acting_for") or None
    if acting_for is not None and acting_for not in {p.id for p in HOUSEHOLD}:
        return _oauth_error("invalid_request", f"acting_for: unknown person {acting_for!r}")

    header = request.headers.get("authorization", "")
    now = st.now()
    if not header.startswith(P.JPKI_AUTH_SCHEME + " "):
        txn_id = secrets.token_urlsafe(16)
        challenge = secrets.token_bytes(32)
        with st.lock:
            st.txns = {k: v for k, v in st.txns.items() if v.expires > now}
            st.txns[txn_id] = _Txn(challenge, q, now + st.config.challenge_ttl)
        return JSONResponse(
            {
                "error": "jpki_required",
                "error_description": "sign the challenge with the card's authentication key",
                "txn": txn_id,
                "challenge": _b64u(challenge),
                "expires_in": int(st.config.challenge_ttl),
            },
            status_code=401,
            headers={
                "WWW-Authenticate": f'{P.JPKI_AUTH_SCHEME} realm="mynalib-sandbox", '
                f'txn="{txn_id}", challenge="{_b64u(challenge)}"',
                "Cache-Control": "no-store",
            },
        )

    params = _parse_auth_params(header)

    def refuse(code: str, detail: str = "") -> Response:
        text = _JPKI_MESSAGES[code] + (f" ({detail})" if detail else "")
        return _oauth_error("access_denied", text, status=403, jpki_error=code)

    with st.lock:
        txn = st.txns.get(params.get("txn", ""))
        if txn is None or txn.used or txn.expires <= now:
            return refuse("challenge_expired")
        txn.used = True
    if txn.params != q:
        return refuse("challenge_expired", "the request changed between the two steps")
    # the statement names THIS portal (its issuer), the client and the person acted for:
    # a signature made for another portal, client or principal does not verify here
    statement = P.login_statement(
        origin=_issuer(request),
        client_id=q["client_id"],
        acting_for=acting_for,
        challenge=txn.challenge,
    )
    try:
        principal, actor = verify_jpki(
            st,
            certificate=params.get("certificate", ""),
            signature=params.get("signature", ""),
            statement=statement,
            acting_for=acting_for,
            now=now,
            smartphone=False,  # a card-reader login: a card, never a スマホ用電子証明書
        )
    except JPKIRefused as refused:
        return refuse(refused.code, refused.detail)

    code = secrets.token_urlsafe(32)
    with st.lock:
        st.codes[_h(code)] = _Code(
            client_id=q["client_id"],
            redirect_uri=redirect_uri,
            code_challenge=q["code_challenge"],
            nonce=q["nonce"],
            scope=scope,
            person=principal,
            actor=actor,
            expires=now + st.config.code_ttl,
            auth_time=int(now),
            family=secrets.token_hex(8),
        )
    location = redirect_uri + ("&" if "?" in redirect_uri else "?")
    location += urlencode({"code": code, "state": q["state"], "iss": _issuer(request)})
    return Response(status_code=302, headers={"Location": location, "Cache-Control": "no-store"})


def _id_token(
    st: SandboxState,
    request: Request,
    *,
    person: str,
    actor: str | None,
    client_id: str,
    nonce: str | None,
    auth_time: int,
) -> str:
    from joserfc import jwt

    now = int(st.now())
    p = _person(person)
    claims: dict[str, Any] = {
        "iss": _issuer(request),
        "sub": D.subject_id(p),
        "aud": client_id,
        "azp": client_id,
        "iat": now,
        "exp": now + 600,
        "auth_time": auth_time,
        "amr": ["jpki"],
        "name": p.name,
        "preferred_username": p.id,
    }
    if nonce:
        claims["nonce"] = nonce
    if actor:
        a = _person(actor)
        claims["act"] = {"sub": D.subject_id(a), "name": a.name, "preferred_username": a.id}
    header = {"alg": "RS256", "kid": st.signing_key.kid, "typ": "JWT"}
    return jwt.encode(header, claims, st.signing_key)


def _issue_tokens(
    st: SandboxState,
    request: Request,
    *,
    person: str,
    actor: str | None,
    scope: str,
    client_id: str,
    family: str,
    auth_time: int,
    nonce: str | None,
) -> Response:
    now = st.now()
    access = secrets.token_urlsafe(32)
    refresh = secrets.token_urlsafe(48)
    with st.lock:
        st.access[_h(access)] = _Access(
            person, actor, scope, now + st.config.access_token_ttl, family
        )
        st.refresh[_h(refresh)] = _Refresh(
            person, actor, scope, client_id, now + st.config.refresh_token_ttl, family, auth_time
        )
    return JSONResponse(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(st.config.access_token_ttl),
            "refresh_token": refresh,
            "refresh_expires_in": int(st.config.refresh_token_ttl),
            "id_token": _id_token(
                st,
                request,
                person=person,
                actor=actor,
                client_id=client_id,
                nonce=nonce,
                auth_time=auth_time,
            ),
            "scope": scope,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _revoke_family(st: SandboxState, family: str) -> None:
    st.revoked_families.add(family)
    for table in (st.access, st.refresh):
        for key in [k for k, v in table.items() if v.family == family]:
            del table[key]


async def token(request: Request) -> Response:
    st = _state(request)
    form = dict(await request.form())
    grant = form.get("grant_type")
    client_id = str(form.get("client_id", ""))
    if client_id not in st.config.client_ids:
        return _oauth_error("invalid_client", "unknown client_id", status=401)
    now = st.now()
    if grant == "authorization_code":
        code = str(form.get("code", ""))
        with st.lock:
            entry = st.codes.get(_h(code))
            if entry is None:
                return _oauth_error("invalid_grant", "unknown authorization code")
            if entry.used:
                # RFC 6749 §4.1.2: a replayed code revokes what it issued
                _revoke_family(st, entry.family)
                return _oauth_error(
                    "invalid_grant", "authorization code already used (replay); tokens revoked"
                )
            entry.used = True
        if entry.expires <= now:
            return _oauth_error("invalid_grant", "authorization code expired")
        if entry.client_id != client_id or entry.redirect_uri != form.get("redirect_uri"):
            return _oauth_error("invalid_grant", "client_id or redirect_uri does not match")
        verifier = str(form.get("code_verifier", ""))
        if not (43 <= len(verifier) <= 128):
            return _oauth_error("invalid_grant", "code_verifier missing or of the wrong length")
        if _b64u(hashlib.sha256(verifier.encode()).digest()) != entry.code_challenge:
            return _oauth_error("invalid_grant", "PKCE verification failed")
        return _issue_tokens(
            st,
            request,
            person=entry.person,
            actor=entry.actor,
            scope=entry.scope,
            client_id=client_id,
            family=entry.family,
            auth_time=entry.auth_time,
            nonce=entry.nonce,
        )
    if grant == "refresh_token":
        raw = str(form.get("refresh_token", ""))
        with st.lock:
            entry_r = st.refresh.get(_h(raw))
            if entry_r is None:
                return _oauth_error("invalid_grant", "unknown or revoked refresh token")
            if entry_r.used:
                _revoke_family(st, entry_r.family)  # a rotated token came back: theft suspected
                return _oauth_error("invalid_grant", "refresh token reused; session revoked")
            if entry_r.expires <= now:
                return _oauth_error("invalid_grant", "refresh token expired; log in again")
            if entry_r.client_id != client_id:
                return _oauth_error("invalid_grant", "refresh token issued to another client")
            entry_r.used = True
        return _issue_tokens(
            st,
            request,
            person=entry_r.person,
            actor=entry_r.actor,
            scope=entry_r.scope,
            client_id=client_id,
            family=entry_r.family,
            auth_time=entry_r.auth_time,
            nonce=None,
        )
    if grant == P.DEVICE_CODE_GRANT:
        return _device_token(st, request, form, client_id, now)
    return _oauth_error("unsupported_grant_type", f"grant_type {grant!r} not supported")


async def revoke(request: Request) -> Response:
    st = _state(request)
    form = dict(await request.form())
    raw = str(form.get("token", ""))
    with st.lock:
        entry = st.refresh.get(_h(raw)) or st.access.get(_h(raw))
        if entry is not None:
            _revoke_family(st, entry.family)
    return Response(status_code=200)  # RFC 7009: 200 even for unknown tokens


# --------------------------------------------------------------- login from a smartphone (§2.3)

_DEVICE_POLL_TEXT = {
    P.DEVICE_PENDING: "the phone has not answered yet; keep polling",
    P.DEVICE_DENIED: "the login was refused on the phone",
    P.DEVICE_EXPIRED: "the login session expired; start again",
}


def _pkce_ok(verifier: str, challenge: str) -> bool:
    return 43 <= len(verifier) <= 128 and (
        secrets.compare_digest(_b64u(hashlib.sha256(verifier.encode()).digest()), challenge)
    )


async def device_authorization(request: Request) -> Response:
    """RFC 8628 §3.1: the PC asks for a login session (with PKCE: only it can redeem it)."""
    st = _state(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if form.get("client_id") not in st.config.client_ids:
        return _oauth_error("invalid_client", "unknown client_id", status=401)
    scope = " ".join(form.get("scope", P.DEFAULT_SCOPE).split())
    if "openid" not in scope.split():
        return _oauth_error("invalid_scope", "scope must include openid")
    unknown = set(scope.split()) - set(P.SCOPES)
    if unknown:
        return _oauth_error("invalid_scope", f"unknown scopes: {' '.join(sorted(unknown))}")
    acting_for = form.get("acting_for") or None
    if acting_for is not None and acting_for not in {p.id for p in HOUSEHOLD}:
        return _oauth_error("invalid_request", f"acting_for: unknown person {acting_for!r}")
    if form.get("code_challenge_method") != "S256" or len(form.get("code_challenge", "")) < 43:
        return _oauth_error("invalid_request", "PKCE with code_challenge_method=S256 is required")
    now = st.now()
    with st.lock:
        device_code, session = st.device.create(
            client_id=form["client_id"],
            scope=scope,
            acting_for=acting_for,
            nonce=form.get("nonce") or None,
            code_challenge=form["code_challenge"],
            now=now,
            ttl=st.config.device_code_ttl,
            interval=st.config.device_interval,
        )
    iss = _issuer(request)
    return JSONResponse(
        {
            "device_code": device_code,
            "user_code": session.user_code,
            "verification_uri": f"{iss}/device",
            "verification_uri_complete": f"{iss}/device?user_code={session.user_code}",
            "expires_in": int(st.config.device_code_ttl),
            "interval": session.interval,
        },
        headers={"Cache-Control": "no-store"},
    )


def _device_token(
    st: SandboxState, request: Request, form: dict[str, Any], client_id: str, now: float
) -> Response:
    """The PC's poll (RFC 8628 §3.4–3.5): pending, slow_down, expired, denied, or the tokens."""
    from .device import POLL_APPROVED, POLL_REPLAY

    with st.lock:
        session = st.device.session_of_device_code(str(form.get("device_code", "")))
        if session is None:
            return _oauth_error("invalid_grant", "unknown device_code")
        if session.client_id != client_id:
            return _oauth_error("invalid_grant", "device_code issued to another client")
        if not _pkce_ok(str(form.get("code_verifier", "")), session.code_challenge):
            return _oauth_error("invalid_grant", "PKCE verification failed")
        outcome = st.device.poll(session, now)
        if outcome == POLL_REPLAY:
            _revoke_family(st, session.family)  # as a replayed authorization code
            return _oauth_error(
                "invalid_grant", "device_code already used (replay); tokens revoked"
            )
    if outcome == P.DEVICE_SLOW_DOWN:
        return JSONResponse(
            {
                "error": P.DEVICE_SLOW_DOWN,
                "error_description": f"polling too fast: wait {session.interval} s between polls",
                "interval": session.interval,
            },
            status_code=400,
            headers={"Cache-Control": "no-store"},
        )
    if outcome != POLL_APPROVED:
        return _oauth_error(outcome, _DEVICE_POLL_TEXT[outcome])
    assert session.person is not None
    return _issue_tokens(
        st,
        request,
        person=session.person,
        actor=session.actor,
        scope=session.scope,
        client_id=client_id,
        family=session.family,
        auth_time=session.auth_time,
        nonce=session.nonce,
    )


def _html(page: str, status: int = 200) -> Response:
    from .device import PAGE_HEADERS

    return HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)


def _device_session(st: SandboxState, user_code: str, now: float) -> Any:
    """(session, None) or (None, (error, HTTP status)) for a user code from the phone."""
    with st.lock:
        if st.device.guessing(now):
            return None, ("slow_down", 429)
        session = st.device.find(user_code, now)
    if session is None or session.expired(now):
        return None, ("expired_token", 404)
    return session, None


async def device_page(request: Request) -> Response:
    """The verification URI (the QR code's target): the phone's page, in Japanese."""
    from .device import DEVICE_ERRORS_JA, approval_page, enter_code_page, result_page

    st = _state(request)
    iss = _issuer(request)
    code = request.query_params.get("user_code", "")
    if not code:
        return _html(enter_code_page(iss))
    now = st.now()
    session, error = _device_session(st, code, now)
    if error is not None:
        return _html(enter_code_page(iss, message=DEVICE_ERRORS_JA[error[0]]), error[1])
    if session.state != "pending":
        return _html(
            result_page("already_answered", message=DEVICE_ERRORS_JA["already_answered"]), 409
        )
    name = st.config.client_names.get(session.client_id, session.client_id)
    return _html(approval_page(session, issuer=iss, client_name=name, now=now))


async def device_info(request: Request) -> Response:
    """What the phone shows and signs (JSON, for the phone's app: ``myna phone approve``)."""
    from .device import DEVICE_ERRORS_JA, request_info

    st = _state(request)
    now = st.now()
    session, error = _device_session(st, request.query_params.get("user_code", ""), now)
    if error is not None:
        return _oauth_error(
            error[0], DEVICE_ERRORS_JA[error[0]], status=error[1], device_error=error[0]
        )
    name = st.config.client_names.get(session.client_id, session.client_id)
    return JSONResponse(
        request_info(session, issuer=_issuer(request), client_name=name, now=now),
        headers={"Cache-Control": "no-store"},
    )


async def device_approve(request: Request) -> Response:
    """The phone's answer: ``action=deny``, or an approval (``approval`` = a pasted
    ``mynalib-approval-1.…`` text, or ``certificate`` + ``signature``)."""
    from .device import DEVICE_ERRORS_JA, result_page

    st = _state(request)
    wants_html = "text/html" in request.headers.get("accept", "")

    def answer(outcome: str, status: int, message: str = "", **extra: str) -> Response:
        if wants_html:
            return _html(result_page(outcome, message=message), status)
        if status == 200:
            return JSONResponse({"status": outcome}, headers={"Cache-Control": "no-store"})
        return _oauth_error(
            "access_denied" if status == 403 else "invalid_request",
            message,
            status=status,
            **extra,
        )

    def device_error(code: str, status: int) -> Response:
        return answer(code, status, DEVICE_ERRORS_JA[code], device_error=code)

    form = {k: str(v) for k, v in (await request.form()).items()}
    now = st.now()
    session, error = _device_session(st, form.get("user_code", ""), now)
    if error is not None:
        return device_error(*error)
    if session.state != "pending":
        return device_error("already_answered", 409)
    if form.get("action") == "deny":
        with st.lock:
            if session.state != "pending":
                return device_error("already_answered", 409)
            session.state = "denied"
        return answer("denied", 200)
    if form.get("approval"):
        try:
            user_code, certificate, signature = P.decode_approval(form["approval"])
        except ValueError:
            return device_error("approval_malformed", 400)
        if P.normalize_user_code(user_code) != session.user_code:
            return device_error("session_mismatch", 403)
    else:
        try:
            certificate = _b64u_decode(form.get("certificate", ""))
            signature = _b64u_decode(form.get("signature", ""))
        except ValueError:
            return device_error("approval_malformed", 400)
    # the statement names THIS portal, the client, scope and person of the PC's request, and
    # this session (its user code and challenge): an approval for another session never verifies
    statement = P.device_login_statement(
        origin=_issuer(request),
        client_id=session.client_id,
        acting_for=session.acting_for,
        scope=session.scope,
        user_code=session.user_code,
        challenge=session.challenge,
    )
    try:
        principal, actor = verify_jpki(
            st,
            certificate=certificate,
            signature=signature,
            statement=statement,
            acting_for=session.acting_for,
            now=now,
            smartphone=True,  # the card over NFC, or a スマホ用電子証明書
        )
    except JPKIRefused as refused:
        with st.lock:
            session.attempts += 1
            if session.attempts >= st.config.device_max_attempts and session.state == "pending":
                session.state = "denied"  # the PC is told access_denied
        from ..auth import JPKI_ERRORS

        ja = JPKI_ERRORS.get(refused.code, ("", ""))[1]
        text = _JPKI_MESSAGES[refused.code] + (f" ({refused.detail})" if refused.detail else "")
        return answer(refused.code, 403, ja if wants_html else text, jpki_error=refused.code)
    with st.lock:
        if session.state != "pending":
            return device_error("already_answered", 409)
        session.state = "approved"
        session.person, session.actor, session.auth_time = principal, actor, int(now)
    return answer("approved", 200)


# ---------------------------------------------------------------------------------- data API

#: a data API operation's handler: (state, the person whose data, reqBody, now) → answer
Handler = Callable[[SandboxState, Person, dict[str, Any], float], Response]

#: operation name → its handler; only operations of the table (``protocol.OPERATIONS``) are served
HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register the handler of the operation ``name`` (a row of ``protocol.OPERATIONS``)."""

    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


def _procedures() -> list[dict[str, Any]]:
    from ...procedures import CATALOGUE

    keys = (
        "procedure_id",
        "name",
        "category",
        "life_event",
        "audience",
        "deadline_rule",
        "deadline_days",
        "online",
        "signature_required",
        "attachments",
        "legal_basis",
        "who_can_apply",
        "description",
    )
    camel = {
        k: "".join(w.capitalize() if i else w for i, w in enumerate(k.split("_"))) for k in keys
    }
    return [{camel[k]: p.get(k) for k in keys} for p in CATALOGUE]


def _whole(value: Any, default: int, name: str) -> int:
    """A positive whole number from a request field (JSON numbers or digit strings only)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{name} must be a whole number")
    text = str(value)
    if not text.isdigit() or len(text) > 9:
        raise ValueError(f"{name} must be a whole number from 1 to 999,999,999")
    number = int(text)
    if number < 1:
        raise ValueError(f"{name} must be positive")
    return number


class _BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (:class:`_BodyTooLarge`) past ``limit`` bytes without reading
    the rest into memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _page(req: dict[str, Any], items: list[Any], limit: int) -> tuple[list[Any], dict[str, int]]:
    page = _whole(req.get("page"), 1, "page")
    size = min(_whole(req.get("pageSize"), limit, "pageSize"), limit)
    start = (page - 1) * size
    return items[start : start + size], {"page": page, "pageSize": size, "total": len(items)}


def _item_payload(
    person: Person, item_id: str, condition: dict[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """(status, extra resBody fields) of a finished わたしの情報 item: its data
    (``data.ITEM_DATA``, narrowed by the request's condition, which the answer repeats) under
    the item's answer key, or 04 when there is none."""
    item = P.ITEMS_BY_ID[item_id]
    answer = D.item_data(item.kind, person, condition)
    echo = {"condition": condition} if condition else {}
    if not answer:
        return P.STATUS_NO_RECORD, echo
    return P.STATUS_RESULTS, {**echo, item.answer: answer}


def _myinfo_item(
    person: Person, item_id: str, status: str, extra: dict[str, Any]
) -> dict[str, Any]:
    return {
        "itemId": item_id,
        "itemName": P.ITEMS_BY_ID[item_id].name,
        "status": status,
        "subject": D.subject(person),
        "asOf": D.AS_OF.isoformat(),
        **extra,
    }


async def api(request: Request) -> Response:
    st = _state(request)
    op = P.OPERATIONS_BY_NAME.get(request.path_params["op"])
    if op is None or op.name not in HANDLERS:
        return _envelope(
            None,
            P.RESULT_NOT_FOUND,
            [P.ERROR_UNKNOWN_ID],
            status=404,
            message=f"unknown operation {request.path_params['op']}",
        )
    # --- authentication ---
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return _envelope(None, P.RESULT_NOT_LOGGED_IN, [P.ERROR_NO_TOKEN], message="not logged in")
    now = st.now()
    with st.lock:
        access = st.access.get(_h(header[7:]))
        if access is None:
            return _envelope(
                None, P.RESULT_NOT_LOGGED_IN, [P.ERROR_NO_TOKEN], message="unknown token"
            )
        access.calls += 1
        limit = st.config.access_token_calls
        if access.expires <= now or (limit is not None and access.calls > limit):
            access.expires = 0.0
            return _envelope(
                None, P.RESULT_NOT_LOGGED_IN, [P.ERROR_SESSION_EXPIRED], message="session expired"
            )
        # --- rate limit per token family ---
        if st.config.rate_limit is not None:
            count, window = st.config.rate_limit
            q = st.rate.setdefault(access.family, deque())
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= count:
                return _envelope(
                    None,
                    P.RESULT_BLOCKED,
                    [P.ERROR_RATE],
                    headers={"Retry-After": str(st.config.retry_after)},
                    message="too many requests",
                )
            q.append(now)
    if op.scope not in access.scope.split():
        return _envelope(
            None,
            P.RESULT_NOT_LOGGED_IN,
            [P.ERROR_SCOPE],
            status=403,
            message=f"scope {op.scope} not granted",
        )
    # --- envelope ---
    limit = st.config.max_upload if op.upload else st.config.max_body
    try:
        body = json.loads(await _read_body(request, limit))
        screen = body["commonHeader"]["screenId"]
        req = body.get("reqBody") or {}
        if not isinstance(req, dict):
            raise TypeError
    except _BodyTooLarge:
        return _envelope(
            None,
            P.RESULT_BAD_REQUEST,
            [P.ERROR_BODY],
            status=413,
            message=f"body larger than {limit} bytes",
        )
    except Exception:
        return _envelope(
            None,
            P.RESULT_BAD_REQUEST,
            [P.ERROR_BODY],
            status=400,
            message="body must be the JSON envelope",
        )
    if screen != op.screen_id:
        return _envelope(
            None,
            P.RESULT_BAD_REQUEST,
            [P.ERROR_SCREEN_ID],
            status=400,
            message=f"screenId for {op.name} is {op.screen_id}",
        )
    person = _person(access.person)
    call = _CALL.set(Call(_issuer(request), _person(access.actor) if access.actor else None))
    try:
        return HANDLERS[op.name](st, person, req, now)
    except (ValueError, TypeError, KeyError) as exc:
        return _envelope(
            None, P.RESULT_BAD_REQUEST, [P.ERROR_BODY], status=400, message=f"bad reqBody: {exc}"
        )
    finally:
        _CALL.reset(call)


@dataclass(frozen=True)
class Call:
    """What a handler may need of the call beyond the person: the portal's issuer (what a
    signature names) and the 代理人 making it."""

    issuer: str
    actor: Person | None


_CALL: ContextVar[Call] = ContextVar("sandbox_call")


@handles("myinfo/request")
def _myinfo_request(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    cfg = st.config
    item_ids = req.get("itemIds")
    if not isinstance(item_ids, list) or not item_ids:
        raise ValueError("itemIds must be a non-empty list")
    unknown = [i for i in item_ids if i not in P.ITEMS_BY_ID]
    if unknown:
        return _envelope(
            None,
            P.RESULT_BAD_REQUEST,
            [P.ERROR_UNKNOWN_ITEM],
            status=400,
            message=f"unknown items {unknown}",
        )
    # 条件を変更して取得: {itemId: {"year": 2023}} / {itemId: {"from": "2025-01", "to": "2025-06"}}
    asked = req.get("conditions") or {}
    if not isinstance(asked, dict):
        raise ValueError("conditions must be an object")
    conditions: dict[str, dict[str, Any]] = {}
    problems: list[dict[str, str]] = []
    for item_id, condition in asked.items():
        if item_id not in item_ids:
            problems.append(
                {
                    "errorCode": P.ERROR_CONDITION,
                    "field": "conditions",
                    "itemId": str(item_id),
                    "message": f"条件の項目 {item_id} は照会していません / not in itemIds",
                }
            )
            continue
        checked, wrong = P.check_condition(P.ITEMS_BY_ID[item_id], condition)
        problems += [
            {"errorCode": P.ERROR_CONDITION, "field": f, "itemId": item_id, "message": m}
            for f, m in wrong
        ]
        if checked:
            conditions[item_id] = checked
    if problems:
        return _refused(problems)
    with st.lock:
        over = st.capacity_left > 0 or (
            cfg.capacity_rate and st.fault_rng.random() < cfg.capacity_rate
        )
        if st.capacity_left > 0:
            st.capacity_left -= 1
    if over:
        return _envelope(
            {
                "requestId": None,
                "items": [{"itemId": i, "status": P.STATUS_OVER_CAPACITY} for i in item_ids],
            },
            headers={"Retry-After": str(cfg.retry_after)},
        )
    rid = secrets.token_hex(12)
    with st.lock:
        st.requests[rid] = _MyinfoRequest(person.id, list(item_ids), now, conditions=conditions)
    return _envelope(
        {
            "requestId": rid,
            "items": [{"itemId": i, "status": P.STATUS_QUEUED} for i in item_ids],
        }
    )


@handles("myinfo/get")
def _myinfo_get(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    cfg = st.config
    rid = str(req.get("requestId", ""))
    with st.lock:
        entry = st.requests.get(rid)
        if entry is None or entry.person != person.id:
            return _envelope(
                None, P.RESULT_NOT_FOUND, [P.ERROR_UNKNOWN_ID], message="unknown requestId"
            )
        entry.polls += 1
        polls = entry.polls
    pending = polls <= cfg.pending_polls or now - entry.created < cfg.poll_delay
    if pending:
        status = P.STATUS_QUEUED if polls == 1 else P.STATUS_PENDING
        # how long the answer still takes, in whole seconds rounded up (the header's unit), so
        # a client polls again when it will be ready rather than guessing (none once it is due)
        remaining = cfg.poll_delay - (now - entry.created)
        return _envelope(
            {"items": [{"itemId": i, "status": status} for i in entry.item_ids]},
            headers={"Retry-After": str(math.ceil(remaining))} if remaining > 0 else None,
        )
    if cfg.done_step and not entry.done_sent:
        entry.done_sent = True
        return _envelope(
            {"items": [{"itemId": i, "status": P.STATUS_DONE} for i in entry.item_ids]}
        )
    items = []
    for item_id in entry.item_ids:
        status, extra = _item_payload(person, item_id, entry.conditions.get(item_id))
        items.append(_myinfo_item(person, item_id, status, extra))
    return _envelope({"items": items})


def _all_notices(st: SandboxState, person: Person, now: float) -> list[dict[str, Any]]:
    """The person's お知らせ: the synthetic ones and those of their applications, newest first."""
    notices = D.notices(person) + A.notices(st, person, now)
    notices.sort(key=lambda n: (n["date"], n["noticeId"]), reverse=True)
    return notices


@handles("notices/list")
def _notices_list(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    notices = [
        dict(n, read=n["read"] or (person.id, n["noticeId"]) in st.read_notices)
        for n in _all_notices(st, person, now)
    ]
    page, meta = _page(req, notices, st.config.page_size_max)
    return _envelope({"subject": D.subject(person), **meta, "notices": page})


@handles("notices/read")
def _notices_read(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    ids = req.get("noticeIds")
    if not isinstance(ids, list):
        raise ValueError("noticeIds must be a list")
    known = {n["noticeId"] for n in _all_notices(st, person, now)}
    missing = [i for i in ids if i not in known]
    if missing:
        return _envelope(
            None, P.RESULT_NOT_FOUND, [P.ERROR_UNKNOWN_ID], message=f"unknown notices {missing}"
        )
    with st.lock:
        st.read_notices.update((person.id, i) for i in ids)
    return _envelope({"updated": len(ids)})


@handles("history/list")
def _history_list(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    page, meta = _page(req, D.history(person), st.config.page_size_max)
    return _envelope({"subject": D.subject(person), **meta, "entries": page})


@handles("procedures/list")
def _procedures_list(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    procs = _procedures()
    if req.get("category"):
        procs = [p for p in procs if p["category"] == req["category"]]
    return _envelope({"total": len(procs), "procedures": procs})


@handles("applications/list")
def _applications_list(
    st: SandboxState, person: Person, req: dict[str, Any], now: float
) -> Response:
    listed = D.applications(person, _history_ids()) + A.listing(st, person, now)
    return _envelope({"subject": D.subject(person), "applications": listed})


def _history_ids() -> list[str]:
    """The procedures the synthetic 申請状況 draws from: a person's, not a company's."""
    return [p["procedureId"] for p in _procedures() if p["audience"] != "法人"]


# 電子申請 (PROTOCOL.md §9): the work is in .applying; these turn its answers into envelopes
def _refused(errors: list[dict[str, str]], status: int = 400) -> Response:
    body = {"resultCode": P.RESULT_BAD_REQUEST, "resBody": {}, "errors": errors}
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        status_code=status,
        media_type="application/json; charset=utf-8",
    )


def _not_found(exc: Exception) -> Response:
    return _envelope(None, P.RESULT_NOT_FOUND, [P.ERROR_UNKNOWN_ID], message=str(exc))


@handles("forms/get")
def _forms_get(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    try:
        return _envelope(A.form_answer(req))
    except A.NotFound as exc:
        return _not_found(exc)


@handles("forms/template")
def _forms_template(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    try:
        return _envelope(A.template_answer(req))
    except A.NotFound as exc:
        return _not_found(exc)


@handles("applications/submit")
def _applications_submit(
    st: SandboxState, person: Person, req: dict[str, Any], now: float
) -> Response:
    call = _CALL.get()
    try:
        return _envelope(A.submit(st, person, call.actor, req, now, call.issuer))
    except A.Refused as refused:
        return _refused(refused.errors)
    except A.NotFound as exc:
        return _not_found(exc)


@handles("applications/get")
def _applications_get(
    st: SandboxState, person: Person, req: dict[str, Any], now: float
) -> Response:
    app_id = str(req.get("applicationId") or "")
    app = A.find(st, person, app_id)
    if app is not None:
        return _envelope(
            {"subject": D.subject(person), "application": A.detail(app, now, st.config)}
        )
    for entry in D.applications(person, _history_ids()):  # the synthetic history: last state
        if entry["applicationId"] == app_id:
            history = [{"status": entry["status"], "at": entry["updated"]}]
            return _envelope(
                {"subject": D.subject(person), "application": {**entry, "history": history}}
            )
    return _not_found(A.NotFound(f"unknown applicationId {app_id!r}"))


@handles("deductions/list")
def _deductions_list(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    docs = D.deduction_documents(person)
    return _envelope(
        {
            "subject": D.subject(person),
            "documents": [
                {k: v for k, v in d.items() if k != "content"}
                | {
                    "size": len(d["content"]),
                    "sha256": hashlib.sha256(d["content"]).hexdigest(),
                }
                for d in docs
            ],
        }
    )


@handles("deductions/get")
def _deductions_get(st: SandboxState, person: Person, req: dict[str, Any], now: float) -> Response:
    did = str(req.get("documentId", ""))
    for d in D.deduction_documents(person):
        if d["documentId"] == did:
            return _envelope(
                {
                    "documentId": did,
                    "fileName": d["fileName"],
                    "contentType": "application/xml",
                    "content": base64.b64encode(d["content"]).decode(),
                }
            )
    return _envelope(None, P.RESULT_NOT_FOUND, [P.ERROR_UNKNOWN_ID], message="unknown documentId")


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True, "sandbox": True})


# ------------------------------------------------------------------------------------ faults


class DroppedConnection(ConnectionResetError):
    """Raised by the fault middleware to drop a connection mid-body."""


#: injected HTTP faults answered as plain text: kind -> (status, body, sends Retry-After)
_PLAIN_FAULTS: dict[str, tuple[int, str, bool]] = {
    "error": (500, "Internal Server Error", False),
    "unavailable": (503, "Service Unavailable", True),
    "429": (429, "Too Many Requests", True),
}


class FaultMiddleware:
    """Pure ASGI middleware injecting scheduled and random faults (see :class:`Faults`)."""

    def __init__(self, app: ASGIApp, state: SandboxState):
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        st = self.state
        path = scope["path"]
        st.request_log.append((scope["method"], path))
        f = st.config.faults
        kind = st.take_scheduled(path)
        if kind is None and path.startswith(f.paths):
            r = st.fault_rng.random()
            for name, rate in (
                ("error", f.error_rate),
                ("unavailable", f.unavailable_rate),
                ("truncate", f.truncate_rate),
                ("drop", f.drop_rate),
            ):
                if r < rate:
                    kind = name
                    break
                r -= rate
        if f.latency:
            await asyncio.sleep(f.latency)
        if kind and kind.startswith("latency:"):
            await asyncio.sleep(float(kind.split(":", 1)[1]))
            kind = None
        if kind == "expire":
            st.expire_access_tokens()
            kind = None
        if kind == "capacity":
            with st.lock:
                st.capacity_left += 1
            kind = None
        if kind is None:
            await self.app(scope, receive, send)
            return
        if kind in _PLAIN_FAULTS:
            status, text, retry = _PLAIN_FAULTS[kind]
            retry_header = {"Retry-After": str(st.config.retry_after)} if retry else None
            await Response(text, status_code=status, media_type="text/plain", headers=retry_header)(
                scope, receive, send
            )
            return
        if kind == "rate":
            await _envelope(
                None,
                P.RESULT_BLOCKED,
                [P.ERROR_RATE],
                headers={"Retry-After": str(st.config.retry_after)},
            )(scope, receive, send)
            return
        # truncate / drop: run the app, capture the answer, then damage it
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        cut = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if kind == "truncate":
            headers.append((b"content-length", str(len(cut)).encode()))
            await send(
                {
                    "type": "http.response.start",
                    "status": start.get("status", 200),
                    "headers": headers,
                }
            )
            await send({"type": "http.response.body", "body": cut})
            return
        headers.append((b"content-length", str(len(body)).encode()))
        await send(
            {"type": "http.response.start", "status": start.get("status", 200), "headers": headers}
        )
        await send({"type": "http.response.body", "body": cut, "more_body": True})
        raise DroppedConnection("sandbox fault: connection dropped mid-body")


# --------------------------------------------------------------------------------------- app


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """The sandbox ASGI app; ``app.state.sandbox`` is its :class:`SandboxState`."""
    missing = [op.name for op in P.OPERATIONS if op.name not in HANDLERS]
    if missing:  # every row of the operation table is served
        raise RuntimeError(f"the sandbox has no handler for {missing}")
    state = SandboxState(config or SandboxConfig())
    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/oidc/jwks", jwks),
            Route("/oidc/authorize", authorize),
            Route("/oidc/token", token, methods=["POST"]),
            Route("/oidc/revoke", revoke, methods=["POST"]),
            Route("/oidc/device_authorization", device_authorization, methods=["POST"]),
            Route("/device", device_page),
            Route("/device/info", device_info),
            Route("/device/approve", device_approve, methods=["POST"]),
            Route(P.API_PREFIX + "{op:path}", api, methods=["POST"]),
            Route("/healthz", health),
        ]
    )
    app.state.sandbox = state
    app.add_middleware(FaultMiddleware, state=state)
    return app
