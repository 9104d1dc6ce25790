"""Login from a smartphone (``PROTOCOL.md`` §2.3), modelled on RFC 8628 (Device Authorization).

**The PC** (:func:`start_cross_device`, ``PortalClient.login_cross_device``) asks the portal for
a login session, shows its ``verification_uri_complete`` as a QR code (:meth:`CrossDeviceLogin.qr`)
with the user code, and polls the token endpoint (``authorization_pending``, ``slow_down``,
``expired_token``, ``access_denied``) until the phone has answered; the tokens are those of a
card-reader login. The session is bound to the PC that asked: it sent a PKCE challenge, and only
its verifier redeems the device code. No card is touched on the PC.

**The phone** (:func:`open_request`, :func:`sign_approval`, :func:`submit_approval`,
:func:`deny`) opens the URI, shows which service asks, for what and for whom, and answers the
session's challenge with a JPKI signature — from the card read over NFC or from a スマホ用電子証明書 —
over :func:`mynalib.portal.protocol.device_login_statement`, which names the portal as the phone
reached it, the PC's client, scope and person, and this session's user code: an approval made
for another portal or another session does not verify.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx

from ..errors import AuthError, PortalUnavailable, ProtocolError
from ..secrets import Pin
from . import protocol as P
from .auth import JPKI_ERRORS, AuthCard, Session, pkce_pair

if TYPE_CHECKING:
    import segno

    from .retry import RetryPolicy


class TokenClient(Protocol):
    """What the cross-device login needs of :class:`~mynalib.portal.client.PortalClient`."""

    base_url: str
    client_id: str
    scope: str
    http: httpx.Client
    retry: RetryPolicy

    def discovery(self) -> dict[str, Any]: ...

    def post_token(self, form: dict[str, str]) -> tuple[httpx.Response, dict[str, Any]]: ...

    def accept_tokens(
        self, data: dict[str, Any], *, grant_type: str, nonce: str | None
    ) -> Session: ...


# -------------------------------------------------------------------------------- the PC


@dataclass
class CrossDeviceLogin:
    """One login from a smartphone, seen from the PC. ``repr`` never shows the device code.

    ``clock``/``sleep`` are injectable (tests); by default the monotonic clock and the client's
    retry sleep.
    """

    client: TokenClient = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int
    device_code: str = field(repr=False)
    verifier: str = field(repr=False)
    nonce: str = field(repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], None] | None = field(default=None, repr=False)
    #: pending → approved | denied | expired
    state: str = "pending"
    session: Session | None = field(default=None, repr=False)
    polls: int = 0
    started: float = field(default=0.0, repr=False)
    #: when the next poll is due (the clock's time): one interval after the last
    next_poll: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.next_poll = self.started + self.interval

    @property
    def expires_at(self) -> float:
        return self.started + self.expires_in

    def seconds_left(self) -> int:
        """Whole seconds until the session expires (0 when it has)."""
        return max(0, int(self.expires_at - self.clock() + 0.999))

    # --- the QR code -------------------------------------------------------------------------
    def qr(self) -> segno.QRCode:
        """The QR code of :attr:`verification_uri_complete` (error correction M)."""
        return qr_code(self.verification_uri_complete)

    def qr_text(self) -> str:
        """The QR code for a terminal (two modules per character)."""
        return qr_text(self.verification_uri_complete)

    def qr_png_data_uri(self, scale: int = 5) -> str:
        """The QR code as a PNG ``data:`` URI (for an ``<img>``; nothing is fetched)."""
        return self.qr().png_data_uri(scale=scale, border=4)

    def _repr_html_(self) -> str:
        """In a notebook, the login shows itself: the QR code, the URL, the code, time left."""
        import html

        left = self.seconds_left()
        return (
            f'<div class="myna-phone-login"><img alt="QR" src="{self.qr_png_data_uri()}">'
            f"<div>{html.escape(self.verification_uri_complete)}</div>"
            f"<div>確認コード / code: <b>{html.escape(self.user_code)}</b>　"
            f"残り / left: {left // 60}:{left % 60:02d}（{html.escape(self.state)}）</div></div>"
        )

    # --- polling -----------------------------------------------------------------------------
    def poll(self) -> Session | None:
        """Ask the token endpoint once: the session once the phone approved, None while it has
        not (``authorization_pending``; on ``slow_down`` :attr:`interval` grows). Raises
        :class:`AuthError` when the phone refused or the session expired."""
        if self.session is not None:
            return self.session
        self.polls += 1
        try:
            return self._poll_once()
        finally:  # the next poll is one interval after this one (slow_down widens it)
            self.next_poll = self.clock() + self.interval

    def _poll_once(self) -> Session | None:
        response, data = self.client.post_token(
            {
                "grant_type": P.DEVICE_CODE_GRANT,
                "device_code": self.device_code,
                "client_id": self.client.client_id,
                "code_verifier": self.verifier,
            }
        )
        if response.status_code == 200:
            self.session = self.client.accept_tokens(
                data, grant_type=P.DEVICE_CODE_GRANT, nonce=self.nonce
            )
            self.state = "approved"
            return self.session
        error = str(data.get("error", f"HTTP {response.status_code}"))
        if error == P.DEVICE_PENDING:
            return None
        if error == P.DEVICE_SLOW_DOWN:
            told = data.get("interval")
            step = self.interval + P.DEVICE_SLOW_DOWN_STEP
            self.interval = max(step, told) if isinstance(told, int) else step
            return None
        if error == P.DEVICE_DENIED:
            self.state = "denied"
            raise AuthError(
                "The login was refused on the phone",
                hint="start again if that was a mistake",
                ja="スマートフォンでログインが拒否されました。",
            )
        if error == P.DEVICE_EXPIRED:
            self.state = "expired"
            raise _expired()
        if response.status_code >= 500:
            raise PortalUnavailable(
                f"The token endpoint failed while waiting for the phone (HTTP {response.status_code})",
                hint="try again later",
            )
        raise AuthError(
            f"The portal refused the login from the phone: {error}: "
            f"{data.get('error_description', '')}".rstrip(": "),
            hint="start the login again",
        )

    def seconds_to_next_poll(self) -> int:
        return max(0, int(self.next_poll - self.clock() + 0.999))

    def step(self) -> Session | None:
        """One step of waiting: polls when :attr:`interval` has passed since the last poll.
        Returns the session once the phone approved; raises when the session expired (or the
        phone refused)."""
        now = self.clock()
        if self.session is not None:
            return self.session
        if now >= self.expires_at:
            self.state = "expired"
            raise _expired()
        if now < self.next_poll:
            return None
        return self.poll()

    def wait(self, on_tick: Callable[[int, int], None] | None = None) -> Session:
        """Poll until the phone answers, respecting :attr:`interval` (and ``slow_down``).

        ``on_tick(seconds_left, seconds_to_next_poll)`` is called about once a second (a
        countdown). Returns the session; raises :class:`AuthError` when the phone refused or
        the session expired."""
        sleep = self.sleep or self.client.retry.sleep
        while True:
            session = self.step()
            if session is not None:
                return session
            if on_tick is not None:
                on_tick(self.seconds_left(), self.seconds_to_next_poll())
            now = self.clock()
            sleep(max(0.05, min(1.0, self.next_poll - now, self.expires_at - now)))


def _expired() -> AuthError:
    return AuthError(
        "The login from the phone expired before it was approved",
        hint="start the login again (a new QR code)",
        ja="有効期限が切れました。もう一度ログインを始めてください（新しいQRコードが出ます）。",
    )


def start_cross_device(
    client: TokenClient,
    *,
    acting_for: str | None = None,
    scope: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] | None = None,
) -> CrossDeviceLogin:
    """Ask the portal for a login session (RFC 8628 §3.1, with PKCE and a nonce)."""
    import secrets

    disc = client.discovery()
    endpoint = disc.get("device_authorization_endpoint")
    if not endpoint:
        raise ProtocolError("This portal offers no login from a smartphone")
    verifier, challenge = pkce_pair()
    nonce = secrets.token_urlsafe(24)
    form = {
        "client_id": client.client_id,
        "scope": scope or client.scope,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "nonce": nonce,
    }
    if acting_for:
        form["acting_for"] = acting_for
    try:
        response = client.http.post(endpoint, data=form)
    except (httpx.TimeoutException, httpx.TransportError, ConnectionError) as exc:
        raise PortalUnavailable(
            f"The portal could not be reached ({type(exc).__name__})", hint="try again later"
        ) from None
    data = _json_object(response, "device authorization answer")
    if response.status_code != 200:
        raise AuthError(
            f"The portal refused to start a login from the phone: "
            f"{data.get('error', response.status_code)}: {data.get('error_description', '')}"
        )
    try:
        login = CrossDeviceLogin(
            client=client,
            user_code=str(data["user_code"]),
            verification_uri=str(data["verification_uri"]),
            verification_uri_complete=str(
                data.get("verification_uri_complete")
                or f"{data['verification_uri']}?user_code={data['user_code']}"
            ),
            expires_in=int(data["expires_in"]),
            interval=max(1, int(data.get("interval", 5))),  # RFC 8628: 5 s when not given
            device_code=str(data["device_code"]),
            verifier=verifier,
            nonce=nonce,
            clock=clock,
            sleep=sleep,
        )
    except (KeyError, TypeError, ValueError):
        raise ProtocolError("The device authorization answer lacks a field") from None
    _same_origin(client.base_url, login.verification_uri_complete, "verification URI")
    return login


# ----------------------------------------------------------------------------------- QR


def qr_code(uri: str) -> segno.QRCode:
    """The QR code of a verification URI (segno; error correction M, the smallest version)."""
    import segno

    return segno.make_qr(uri, error="m", boost_error=False)


def qr_text(uri: str, *, border: int = 2) -> str:
    """:func:`qr_code` for a terminal (segno's compact form: two rows per line, light modules
    drawn with block characters, as on a dark terminal; phone cameras read either way)."""
    import io

    out = io.StringIO()
    qr_code(uri).terminal(out=out, compact=True, border=border)
    return out.getvalue().rstrip("\n")


# --------------------------------------------------------------------------------- the phone


@dataclass(frozen=True)
class DeviceRequest:
    """What the phone shows before the PIN, and what it signs."""

    origin: str  # the portal as the phone reached it (what the signature names)
    portal: str  # the portal's own name for itself (its issuer)
    user_code: str
    client_id: str
    client_name: str
    scope: str
    scopes: tuple[tuple[str, str], ...]  # (scope, what it lets the service see)
    acting_for: str | None
    acting_for_name: str | None
    challenge: bytes = field(repr=False)
    expires_in: int

    def statement(self) -> bytes:
        """The bytes the card (or スマホ用電子証明書) signs to approve (SHA-256 on the card side)."""
        return P.device_login_statement(
            origin=self.origin,
            client_id=self.client_id,
            acting_for=self.acting_for,
            scope=self.scope,
            user_code=self.user_code,
            challenge=self.challenge,
        )

    def for_whom(self) -> str:
        if not self.acting_for:
            return "本人として / for yourself"
        return (
            f"代理人として {self.acting_for_name or self.acting_for} さんのために / "
            f"as 代理人 for {self.acting_for}"
        )


def parse_verification_uri(url: str) -> tuple[str, str]:
    """(the portal's origin, the normalised user code) of a scanned verification URI."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("not an http(s) address")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise ValueError("an address with user info or a fragment is not a verification URI")
    codes = parse_qs(parts.query).get("user_code") or [""]
    code = P.normalize_user_code(codes[0])
    if code is None:
        raise ValueError("the address carries no valid user_code")
    return P.origin_of(url), code


def open_request(client: TokenClient, url: str) -> DeviceRequest:
    """Fetch what the login asks (``GET /device/info``) for the scanned ``url``.

    ``client`` must be a client of the URL's own origin: the phone talks only to the portal
    the QR code names, and refuses a URL that is not that portal's verification URI."""
    origin, user_code = parse_verification_uri(url)
    if P.origin_of(client.base_url) != origin:
        raise ProtocolError("the client is not connected to the portal of this address")
    disc = client.discovery()
    verification = str(disc.get("device_verification_uri") or "")
    info_endpoint = disc.get("device_info_endpoint")
    if not verification or not info_endpoint:
        raise ProtocolError("This portal offers no login from a smartphone")
    if urlsplit(url.strip()).path != urlsplit(verification).path:
        raise ProtocolError(
            f"The address is not this portal's verification page ({verification})",
            hint="scan the QR code shown by the PC again",
        )
    try:
        response = client.http.get(info_endpoint, params={"user_code": user_code})
    except (httpx.TimeoutException, httpx.TransportError, ConnectionError) as exc:
        raise PortalUnavailable(
            f"The portal could not be reached ({type(exc).__name__})", hint="try again"
        ) from None
    data = _json_object(response, "login request")
    if response.status_code != 200:
        _raise_device_error(response, data)
    try:
        from .auth import b64url_decode

        if P.normalize_user_code(str(data["user_code"])) != user_code:
            raise ProtocolError("The portal answered for another user code")
        return DeviceRequest(
            origin=origin,
            portal=str(data.get("portal", origin)),
            user_code=user_code,
            client_id=str(data["client_id"]),
            client_name=str(data.get("client_name") or data["client_id"]),
            scope=" ".join(str(data["scope"]).split()),
            scopes=tuple(
                (str(s["scope"]), str(s.get("label", s["scope"]))) for s in data.get("scopes", [])
            ),
            acting_for=data.get("acting_for") or None,
            acting_for_name=data.get("acting_for_name") or None,
            challenge=b64url_decode(str(data["challenge"])),
            expires_in=int(data.get("expires_in", 0)),
        )
    except (KeyError, TypeError, ValueError):
        raise ProtocolError("The login request from the portal lacks a field") from None


def sign_approval(
    card: AuthCard, pin: Pin, request: DeviceRequest, *, allow_last_try: bool = False
) -> str:
    """The approval (``mynalib-approval-1.…``): the authentication certificate and its key's
    signature over :meth:`DeviceRequest.statement`. The card is asked once; PIN errors propagate
    untouched and are never retried."""
    if len(request.challenge) < 16:
        raise ProtocolError("the login challenge is too short to be safe to sign")
    certificate = card.read_auth_certificate()
    signature = card.sign_auth(request.statement(), pin, allow_last_try=allow_last_try)
    return P.encode_approval(
        user_code=request.user_code, certificate=certificate, signature=signature
    )


def submit_approval(client: TokenClient, request: DeviceRequest, approval: str) -> None:
    """Send the approval to the portal (what the phone's app does after the signature)."""
    _answer(client, {"user_code": request.user_code, "action": "approve", "approval": approval})


def deny(client: TokenClient, request: DeviceRequest) -> None:
    """Refuse the login (the PC is told ``access_denied``)."""
    _answer(client, {"user_code": request.user_code, "action": "deny"})


def _answer(client: TokenClient, form: dict[str, str]) -> None:
    endpoint = client.discovery().get("device_approval_endpoint")
    if not endpoint:
        raise ProtocolError("This portal offers no login from a smartphone")
    try:
        # never retried: the approval is single-use, and a refusal must not be repeated blindly
        response = client.http.post(endpoint, data=form)
    except (httpx.TimeoutException, httpx.TransportError, ConnectionError) as exc:
        raise PortalUnavailable(
            f"The portal could not be reached with the phone's answer ({type(exc).__name__})",
            hint="look at the PC: if it is still waiting, scan the QR code again",
        ) from None
    data = _json_object(response, "answer")
    if response.status_code != 200:
        _raise_device_error(response, data)


def _raise_device_error(response: httpx.Response, data: dict[str, Any]) -> None:
    code = data.get("jpki_error")
    if code in JPKI_ERRORS:
        en, ja = JPKI_ERRORS[code]
        raise AuthError(f"{en} [{code}: {data.get('error_description', '')}]", ja=ja)
    if response.status_code >= 500:
        raise PortalUnavailable(f"The portal failed (HTTP {response.status_code})")
    device_error = data.get("device_error") or data.get("error") or response.status_code
    desc = str(data.get("error_description", ""))
    raise AuthError(f"The portal refused the phone's answer: {device_error}", ja=desc or None)


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ProtocolError(f"The {what} is not JSON (HTTP {response.status_code})") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"The {what} is not a JSON object")
    return data


def _same_origin(base: str, url: str, what: str) -> None:
    if P.origin_of(url) != P.origin_of(base):
        raise ProtocolError(
            f"The portal's {what} points to another server ({P.origin_of(url)})",
            hint="check the portal address; this may be an impersonated portal",
        )
