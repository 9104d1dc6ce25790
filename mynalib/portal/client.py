"""PortalClient: the httpx client of the portal protocol (``PROTOCOL.md``).

* every call has a timeout; transient failures (timeouts, dropped connections, HTTP 429/500/502/
  503/504, resultCode 1000, わたしの情報 status 06, truncated JSON) are retried a bounded number of
  times with exponential backoff and jitter, honouring ``Retry-After``; every retry is recorded in
  :attr:`PortalClient.stats` with the reason, so nothing is repeated unexplained;
* an expired access token (9000 / ED1107) is refreshed transparently with the refresh token and
  the call repeated (at most ``EXPIRED_REPEATS`` times: under concurrent fetch workers a fresh
  token can expire again before the repeat is sent); ``on_session`` is told about every new token set (to store the rotated
  refresh token encrypted);
* no token reaches a log: httpx/httpcore loggers stay at WARNING and the project's own log lines
  carry only method, path and status;
* :meth:`PortalClient.fetch` returns raw :class:`~mynalib.document.Document` objects (kinds
  ``portal_<item>``, and ``kojo_xml`` for the deduction certificates) through a ``store``
  callback — the vault's ``put`` — and reports progress through an ``on_progress(done, total,
  label)`` callback the caller supplies (the client shows nothing itself). What it fetches is
  derived from the operation table (:mod:`mynalib.portal.protocol`);
* a fetch is concurrent where the protocol allows it: every わたしの情報 item is requested first
  and the requests are then polled together (the request/answer cycle is asynchronous), while the
  lists are fetched by a few worker threads. A ``Retry-After`` seen by one call holds back every
  call of the client, so the workers stay within the portal's rate limit; an expired access token
  is refreshed once for all of them. ``store``, ``on_progress`` and ``on_session`` are always
  called on the thread that called ``fetch``;
* a わたしの情報 item the portal has not answered after ``max_wait`` seconds (or ``max_polls``
  polls) is not an error: the report lists it in ``pending`` with its request id, and a later
  fetch given that :class:`PendingItem` polls the same request (:mod:`mynalib.portal.pending`
  keeps them in the vault).

The retry rules live in :mod:`mynalib.portal.retry`. An ``httpx.ASGITransport`` (async) is
accepted as ``transport`` and bridged to this synchronous client (:mod:`mynalib.portal.bridge`),
so the sandbox app can be mounted in-process.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from ..document import Document
from ..errors import (
    AuthError,
    NotFound,
    PortalError,
    PortalUnavailable,
    ProtocolError,
    RequestRefused,
    SessionExpired,
)
from ..log import TRAFFIC, get_logger, quiet_http_loggers, redact
from ..secrets import Pin
from . import protocol as P
from .auth import (
    JPKI_ERRORS,
    AuthCard,
    JPKIAuth,
    Session,
    pkce_pair,
    validate_id_token,
)
from .bridge import SyncBridge
from .crossdevice import CrossDeviceLogin, start_cross_device
from .retry import Retry, RetryPolicy, blocked, check_http, retry_after, transport_failure

log = get_logger("mynalib.portal")

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
Progress = Callable[[int, int, str], None]
Store = Callable[[Document], Any]


@dataclass
class Stats:
    """What the client did: requests, bytes, retries (each with its reason)."""

    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    retries: list[str] = field(default_factory=list)
    refreshes: int = 0
    log: list[tuple[str, str, int | str]] = field(default_factory=list)  # (method, path, status)

    def summary(self) -> str:
        return (
            f"{self.requests} requests, {self.bytes_sent} bytes sent, "
            f"{self.bytes_received} bytes received, {len(self.retries)} retries, "
            f"{self.refreshes} token refreshes"
        )


@dataclass(frozen=True)
class PendingItem:
    """A わたしの情報 item requested but not yet answered when a fetch stopped polling.

    A later fetch given it polls the same ``request_id`` (and asks anew if the portal no longer
    knows it). ``person_id`` is whom the request was made for (a 代理人 login acts for another).
    """

    item_id: str
    request_id: str
    requested_at: float  # epoch seconds
    person_id: str | None = None

    @property
    def name(self) -> str:
        item = P.ITEMS_BY_ID.get(self.item_id)
        return item.name if item else self.item_id


@dataclass
class FetchReport:
    """Outcome of :meth:`PortalClient.fetch`."""

    new: dict[str, int] = field(default_factory=dict)  # kind → documents newly stored
    duplicates: dict[str, int] = field(default_factory=dict)  # kind → already in the vault
    no_record: list[str] = field(default_factory=list)  # わたしの情報 items answered 04
    documents: list[Document] = field(default_factory=list)
    errors: list[tuple[str, PortalError]] = field(default_factory=list)  # (task, error)
    #: わたしの情報 items still being prepared by the portal when the polls ended
    pending: list[PendingItem] = field(default_factory=list)
    #: item ids answered (03 or 04) in this fetch
    answered: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(self.new.values())

    def lines(self) -> list[str]:
        out = []
        for kind in sorted(set(self.new) | set(self.duplicates)):
            out.append(
                f"{kind}: {self.new.get(kind, 0)} new, {self.duplicates.get(kind, 0)} already stored"
            )
        if self.no_record:
            out.append("nothing on record (04): " + ", ".join(self.no_record))
        if self.pending:
            out.append(
                "準備中（次の取得で受け取ります） / still being prepared by the portal "
                "(picked up by the next fetch or `myna fetch --pending`): "
                + ", ".join(p.name for p in self.pending)
            )
        for task, err in self.errors:
            out.append(f"FAILED {task}: {err}")
        return out


ALL_GROUPS: tuple[str, ...] = tuple(P.FETCH_GROUPS)


#: the largest answer read from the portal (a year of records is a few hundred KB); a larger
#: one is a :class:`ProtocolError`, never read into memory whole
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
#: the largest discovery document (a real one is about 1 KB)
MAX_DISCOVERY_BYTES = 64 * 1024
#: what a discovery document must name (as text) for a login
DISCOVERY_KEYS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


def _read_capped(response: httpx.Response, limit: int | None = None) -> None:
    """Read ``response``'s body, at most ``limit`` (:data:`MAX_RESPONSE_BYTES`) bytes of it:
    refused (:class:`ProtocolError`) by its Content-Length or once the stream passes the limit."""
    limit = MAX_RESPONSE_BYTES if limit is None else limit
    what = f"The portal's answer to {response.request.method} {response.request.url.path}"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        response.close()
        raise ProtocolError(f"{what} is {int(declared):,} bytes, above {limit:,}; not read")
    if hasattr(response, "_content"):  # already read (a transport that gave bytes)
        if len(response.content) > limit:
            raise ProtocolError(f"{what} is above {limit:,} bytes; not read")
        return
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise ProtocolError(f"{what} is above {limit:,} bytes; not read")
            chunks.append(chunk)
    finally:
        response.close()
    response._content = b"".join(chunks)  # what response.read() returns from now on


#: how often one data API call is repeated after ED1107 (expired access token), each time with
#: a fresh token
EXPIRED_REPEATS = 3


class _Cancelled(Exception):
    """A fetch stopped early (an error, or the caller gave up): its workers make no more calls."""


class PortalClient:
    """Client of the portal protocol. Use as a context manager; log in, then fetch.

    ``transport``: any httpx transport (``MockTransport``, ``ASGITransport`` — bridged —, or
    None for real HTTP). ``sleep`` and ``jitter`` are injectable so tests never wait.
    ``max_wait``: seconds a fetch waits for わたしの情報 answers before it leaves the rest pending;
    ``workers``: threads a fetch uses for the lists (1: one call after another);
    ``sequential``: a fetch makes one call at a time and takes one わたしの情報 item after another
    (requested, then polled until answered, before the next is requested), then the lists — the
    same documents, slower (the baseline `benchmarks/fetch_all.py` measures against);
    ``items_per_request``: わたしの情報 items a fetch asks for in one ``myinfo/request`` (1: each
    stored answer is the portal's bytes as sent; more: fewer requests and polls, and each item's
    answer is stored narrowed to that item, see :meth:`poll_items`).
    """

    def __init__(
        self,
        base_url: str,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        *,
        client_id: str = P.DEFAULT_CLIENT_ID,
        redirect_uri: str = P.DEFAULT_REDIRECT_URI,
        scope: str = P.DEFAULT_SCOPE,
        timeout: float = 15.0,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 20.0,
        max_retry_after: float = 60.0,
        poll_interval: float = 0.25,
        max_polls: int = 120,
        max_wait: float = 60.0,
        workers: int = 4,
        sequential: bool = False,
        items_per_request: int = 1,
        session: Session | None = None,
        on_session: Callable[[Session], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ):
        quiet_http_loggers()
        self.base_url = base_url.rstrip("/")
        url = urlsplit(self.base_url)
        if transport is None and url.scheme != "https" and url.hostname not in _LOOPBACK:
            # the JPKI signature, the authorization code and every token would travel in clear
            raise PortalError(
                f"Refusing a plain-HTTP portal address on another computer ({url.hostname})",
                hint="use an https:// address (plain http is only for the sandbox on 127.0.0.1)",
            )
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.retry = RetryPolicy(
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            max_retry_after=max_retry_after,
            sleep=sleep,
            jitter=jitter,
        )
        self.poll_interval = poll_interval
        self.max_polls = max_polls
        self.max_wait = max_wait
        self.workers = max(1, workers)
        self.sequential = sequential
        self.items_per_request = max(1, items_per_request)
        self.session = session
        #: 条件を変更して取得: the condition a fetch asks with (:meth:`fetch`'s ``condition``)
        self.condition: dict[str, Any] = {}
        self.on_session = on_session
        self.stats = Stats()
        self._stats_lock = threading.Lock()
        self._refresh_lock = threading.RLock()
        self._gate_lock = threading.Lock()
        self._not_before = 0.0  # monotonic time before which no call is sent (Retry-After)
        self._gate_owner: int | None = None  # the thread that received that Retry-After
        self._cancel = threading.Event()  # set when a fetch stops early: workers stop calling
        if isinstance(transport, httpx.AsyncBaseTransport):
            transport = SyncBridge(transport)
            transport.limit = lambda: MAX_RESPONSE_BYTES
        self._transport = transport
        self.http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            headers={"User-Agent": "mynalib-portal/1", "Accept": "application/json"},
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
        )
        self._discovery: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None

    # ------------------------------------------------------------------------- plumbing
    def __enter__(self) -> PortalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()
        if isinstance(self._transport, SyncBridge):
            self._transport.close()

    def _on_request(self, request: httpx.Request) -> None:
        with self._stats_lock:
            self.stats.requests += 1
            self.stats.bytes_sent += len(request.content) if request.content else 0

    def _on_response(self, response: httpx.Response) -> None:
        _read_capped(response)
        with self._stats_lock:
            self.stats.bytes_received += len(response.content)
            self.stats.log.append(
                (response.request.method, response.request.url.path, response.status_code)
            )
        if log.isEnabledFor(TRAFFIC):  # never headers or bodies: they carry tokens
            log.log(
                TRAFFIC,
                "%s %s -> %s",
                response.request.method,
                response.request.url.path,
                response.status_code,
            )

    def _with_retries(self, what: str, attempt_fn: Callable[[], Any]) -> Any:
        """Run ``attempt_fn`` under the retry policy, recording each retry in ``stats``.

        A ``Retry-After`` the portal sends holds back every call of this client (other fetch
        workers too) for that long, so concurrent calls stay within the rate limit."""

        def attempt() -> Any:
            try:
                return attempt_fn()
            except Retry as exc:
                if exc.retry_after is not None:
                    with self._gate_lock:
                        until = time.monotonic() + min(exc.retry_after, self.retry.max_retry_after)
                        if until > self._not_before:
                            self._not_before = until
                            self._gate_owner = threading.get_ident()
                raise

        return self.retry.run(what, attempt, self.stats.retries)

    def _wait_for_gate(self) -> None:
        """Wait out a ``Retry-After`` another call of this client received (see _with_retries);
        the thread that received it waits through its retry policy instead."""
        with self._gate_lock:
            wait = self._not_before - time.monotonic()
            if self._gate_owner == threading.get_ident():
                wait = 0.0
        if wait > 0:
            self.retry.sleep(wait)

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP exchange; transient transport/HTTP failures raise :class:`Retry`."""
        if self._cancel.is_set():
            raise _Cancelled
        self._wait_for_gate()
        try:
            response = self.http.request(method, url, **kwargs)
        except (httpx.TransportError, ConnectionError) as exc:
            raise transport_failure(exc) from None
        return check_http(response)

    # ---------------------------------------------------------------------------- OIDC
    def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            r = self._with_retries(
                "discovery", lambda: self._request("GET", "/.well-known/openid-configuration")
            )
            if len(r.content) > MAX_DISCOVERY_BYTES:
                raise ProtocolError(
                    f"The portal's discovery document is {len(r.content):,} bytes (at most "
                    f"{MAX_DISCOVERY_BYTES:,} expected); refusing to log in"
                )
            document = self._json(r, "discovery document")
            for key in DISCOVERY_KEYS:
                if not isinstance(document.get(key), str) or not document[key]:
                    raise ProtocolError(
                        f"The portal's discovery document has no {key} (or not as text)",
                        hint="check the --portal address",
                    )
            self._check_endpoints(document)
            self._discovery = document
        return self._discovery

    def _check_endpoints(self, document: dict[str, Any]) -> None:
        """Every endpoint of the discovery document must be on the portal's own origin.

        The token endpoint receives the authorization code and the PKCE verifier, and later the
        refresh token: a document pointing elsewhere would send them to another server.
        """
        own = urlsplit(self.base_url)
        for key, value in document.items():
            if not (key.endswith("_endpoint") or key == "jwks_uri") or not isinstance(value, str):
                continue
            target = urlsplit(value)
            if target.scheme or target.netloc:
                if (target.scheme, target.netloc) != (own.scheme, own.netloc):
                    raise ProtocolError(
                        f"The portal's discovery document sends {key} to another server "
                        f"({target.scheme}://{target.netloc}); refusing to log in",
                        hint="check the --portal address; this may be a misconfigured or "
                        "impersonated portal",
                    )

    def jwks(self, *, refresh: bool = False) -> dict[str, Any]:
        if self._jwks is None or refresh:
            uri = self.discovery()["jwks_uri"]
            r = self._with_retries("jwks", lambda: self._request("GET", uri))
            self._jwks = self._json(r, "JWKS")
        return self._jwks

    @staticmethod
    def _json(response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            data = response.json()
        except (ValueError, UnicodeDecodeError, RecursionError):
            # (JSONDecodeError is a ValueError; nesting thousands deep is a RecursionError)
            raise ProtocolError(
                f"The {what} is not valid JSON (HTTP {response.status_code})"
            ) from None
        if not isinstance(data, dict):
            raise ProtocolError(f"The {what} is not a JSON object")
        return data

    def login(
        self,
        card: AuthCard,
        pin: Pin,
        *,
        acting_for: str | None = None,
        allow_last_try: bool = False,
    ) -> Session:
        """Log in with the card (OIDC code flow + PKCE + JPKI challenge). The PIN is used once.

        ``acting_for``: the person id of a principal who registered the card holder as 代理人.
        Card errors (``PinError`` with ``tries_left``, ``PinBlocked``, ``LastTryRefused``) are
        raised as they are and never retried.
        """
        disc = self.discovery()
        verifier, challenge = pkce_pair()
        import secrets as _secrets

        state = _secrets.token_urlsafe(24)
        nonce = _secrets.token_urlsafe(24)
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if acting_for:
            params["acting_for"] = acting_for
        url = disc["authorization_endpoint"] + "?" + urlencode(params)
        auth = JPKIAuth(
            card,
            pin,
            origin=self.base_url,
            client_id=self.client_id,
            acting_for=acting_for,
            allow_last_try=allow_last_try,
        )
        try:
            response = self.http.get(url, auth=auth)
        except (httpx.TimeoutException, httpx.TransportError, ConnectionError) as exc:
            # never retried: the PIN may have been spent; the user starts again
            raise PortalUnavailable(
                f"The portal could not be reached during login ({type(exc).__name__})",
                hint="check the portal address and try `myna login` again",
            ) from None
        if response.status_code != 302:
            self._raise_auth(response, "authorization")
        location = response.headers.get("location", "")
        parts = urlsplit(location)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if not location.startswith(self.redirect_uri):
            raise AuthError("The portal redirected to an unexpected address; login refused")
        if "error" in query:
            raise AuthError(
                f"The portal refused the login: {query.get('error_description') or query['error']}"
            )
        if query.get("state") != state:
            raise AuthError(
                "The login answer's state does not match (possible CSRF); login refused"
            )
        if "iss" in query and query["iss"] != disc["issuer"]:
            raise AuthError("The login answer comes from another issuer (mix-up); login refused")
        code = query.get("code")
        if not code:
            raise AuthError("The login answer carries no authorization code")
        return self.exchange_code(code, verifier, nonce)

    def exchange_code(self, code: str, verifier: str, nonce: str | None) -> Session:
        """Trade an authorization code for a session (the last step of :meth:`login`; replay checks)."""
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "client_id": self.client_id,
                "code_verifier": verifier,
            },
            nonce=nonce,
        )

    def _raise_auth(self, response: httpx.Response, step: str) -> None:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = {}
        code = data.get("jpki_error") if isinstance(data, dict) else None
        if code in JPKI_ERRORS:
            en, ja = JPKI_ERRORS[code]
            detail = data.get("error_description", "")
            raise AuthError(f"{en} [{code}: {detail}]", ja=ja)
        if response.status_code == 401:
            raise AuthError(f"The portal did not accept the card login at the {step} step")
        desc = (
            data.get("error_description") or data.get("error") if isinstance(data, dict) else None
        )
        if response.status_code >= 500:
            raise PortalUnavailable(
                f"The portal failed during {step} (HTTP {response.status_code})",
                hint="try again later",
            )
        raise AuthError(
            f"Login refused at the {step} step (HTTP {response.status_code}): {desc or 'no detail'}"
        )

    def post_token(self, form: dict[str, str]) -> tuple[httpx.Response, dict[str, Any]]:
        """One token-endpoint request, never retried (codes and rotated refresh tokens are
        single-use): (response, its JSON object)."""
        disc = self.discovery()
        try:
            response = self.http.post(disc["token_endpoint"], data=form)
        except (httpx.TimeoutException, httpx.TransportError, ConnectionError) as exc:
            raise PortalUnavailable(
                f"The portal could not be reached for tokens ({type(exc).__name__})",
                hint="log in again with `myna login`",
            ) from None
        return response, (self._json(response, "token answer") if response.content else {})

    def login_cross_device(
        self, *, acting_for: str | None = None, scope: str | None = None
    ) -> CrossDeviceLogin:
        """Start a login from a smartphone (``PROTOCOL.md`` §2.3): the answer has the
        ``verification_uri_complete`` to show as a QR code (``.qr()``), ``poll()`` (one try) and
        ``wait(on_tick)`` (until the phone answers; the session is then this client's)."""
        return start_cross_device(self, acting_for=acting_for, scope=scope)

    def _token_request(self, form: dict[str, str], *, nonce: str | None) -> Session:
        response, data = self.post_token(form)
        if response.status_code != 200:
            error = data.get("error", f"HTTP {response.status_code}")
            desc = data.get("error_description", "")
            if form["grant_type"] == "refresh_token" and error == "invalid_grant":
                raise SessionExpired(
                    f"The portal session ended: {desc}", hint="log in again with `myna login`"
                )
            if response.status_code >= 500:
                raise PortalUnavailable(
                    f"The token endpoint failed (HTTP {response.status_code})",
                    hint="try again later",
                )
            raise AuthError(f"The portal refused the tokens: {error}: {desc}")
        return self.accept_tokens(data, grant_type=form["grant_type"], nonce=nonce)

    def accept_tokens(self, data: dict[str, Any], *, grant_type: str, nonce: str | None) -> Session:
        """A token answer (200) made this client's session, once its ID token validates."""
        disc = self.discovery()
        for key in ("access_token", "token_type", "expires_in", "id_token"):
            if key not in data:
                raise ProtocolError(f"The token answer lacks {key}")
        if str(data["token_type"]).lower() != "bearer":
            raise ProtocolError(f"Unexpected token type {data['token_type']!r}")
        previous_sub = (
            self.session.claims.get("sub")
            if self.session and grant_type == "refresh_token"
            else None
        )
        claims = self._validate(data["id_token"], nonce=nonce, subject=previous_sub)
        session = Session(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token")
            or (self.session.refresh_token if self.session else None),
            expires_at=time.time() + float(data["expires_in"]),
            claims=claims,
            scope=data.get("scope", self.scope),
            issuer=disc["issuer"],
        )
        self.session = session
        if self.on_session is not None:
            self.on_session(session)
        return session

    def _validate(self, id_token: str, *, nonce: str | None, subject: str | None) -> dict[str, Any]:
        disc = self.discovery()
        kwargs: dict[str, Any] = {
            "issuer": disc["issuer"],
            "client_id": self.client_id,
            "nonce": nonce,
            "subject": subject,
        }
        try:
            return validate_id_token(id_token, self.jwks(), **kwargs)
        except AuthError:
            # the server may have rotated its keys: fetch the JWKS once more, then give up
            return validate_id_token(id_token, self.jwks(refresh=True), **kwargs)

    def refresh(self) -> Session:
        """New tokens from the refresh token (rotated: the old one stops working)."""
        with self._refresh_lock:  # one refresh at a time: each rotates the refresh token
            if self.session is None or not self.session.refresh_token:
                raise SessionExpired("Not logged in", hint="log in with `myna login`")
            self.stats.refreshes += 1
            return self._token_request(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": self.session.refresh_token,
                    "client_id": self.client_id,
                },
                nonce=None,
            )

    def _refresh_unless_done(self, stale_access_token: str) -> bool:
        """Refresh, unless another call (a concurrent fetch worker) already replaced the access
        token ``stale_access_token``; True when this call refreshed."""
        with self._refresh_lock:
            if self.session is not None and self.session.access_token != stale_access_token:
                return False
            self.refresh()
            return True

    def resume(self, refresh_token: str) -> Session:
        """Start from a stored refresh token (e.g. from the vault)."""
        self.session = Session(access_token="", refresh_token=refresh_token, expires_at=0.0)
        return self.refresh()

    def logout(self) -> None:
        """Revoke the session at the portal (refresh token family) and forget it."""
        if self.session is None:
            return
        endpoint = self.discovery().get("revocation_endpoint")
        token = self.session.refresh_token or self.session.access_token
        self.session = None
        if endpoint and token:
            try:
                self.http.post(endpoint, data={"token": token, "client_id": self.client_id})
            except (httpx.TimeoutException, httpx.TransportError, ConnectionError):
                log.warning(
                    "could not reach the portal to revoke the session; it expires on its own"
                )

    # ---------------------------------------------------------------------------- data API
    def call_raw(
        self, operation: str, req_body: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], bytes, httpx.Response]:
        """One data API call with retries and transparent refresh: (resBody, raw bytes, response)."""
        if operation not in P.SCREEN_IDS:
            raise ValueError(f"unknown operation {operation!r}")
        body = {"commonHeader": {"screenId": P.SCREEN_IDS[operation]}, "reqBody": req_body or {}}
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        # ED1107 answers met: each is repeated with a fresh access token (refreshed here, or by a
        # concurrent call meanwhile — under fetch workers a token can expire again before this
        # call's repeat is sent), at most EXPIRED_REPEATS times
        expired = 0

        def attempt() -> tuple[dict[str, Any], bytes, httpx.Response]:
            nonlocal expired
            if self.session is None:
                raise SessionExpired("Not logged in", hint="log in with `myna login`")
            if self.session.expired():
                self._refresh_unless_done(self.session.access_token)
            access_token = self.session.access_token
            response = self._request(
                "POST",
                P.API_PREFIX + operation,
                content=payload,
                headers={
                    "Authorization": f"Bearer {access_token}",
                    "Content-Type": "application/json",
                },
            )
            try:
                data = response.json()
                if not isinstance(data, dict) or "resultCode" not in data:
                    raise ValueError
            except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
                raise Retry(
                    f"an invalid JSON answer (HTTP {response.status_code}, {len(response.content)} bytes, truncated?)",
                    final=ProtocolError(f"{operation}: the portal keeps answering invalid JSON"),
                ) from None
            result = data.get("resultCode")
            codes = [e.get("errorCode") for e in data.get("errors") or [] if isinstance(e, dict)]
            messages = "; ".join(
                str(e.get("message"))
                for e in data.get("errors") or []
                if isinstance(e, dict) and e.get("message")
            )
            if result == P.RESULT_OK:
                res = data.get("resBody")
                if not isinstance(res, dict):
                    raise ProtocolError(f"{operation}: resBody is not an object")
                return res, response.content, response
            if result == P.RESULT_BLOCKED:
                raise blocked(response)
            if result == P.RESULT_NOT_LOGGED_IN:
                if (
                    P.ERROR_SESSION_EXPIRED in codes
                    and expired < EXPIRED_REPEATS
                    and self.session.refresh_token
                ):
                    expired += 1
                    if self._refresh_unless_done(access_token):
                        self.stats.retries.append(
                            f"{operation}: repeated after refreshing the expired access token (9000/ED1107)"
                        )
                    else:
                        self.stats.retries.append(
                            f"{operation}: repeated with the access token another call had just refreshed"
                        )
                    return attempt()
                if P.ERROR_SCOPE in codes:
                    raise AuthError(
                        f"{operation}: the login's consent does not cover this ({messages})",
                        hint="log in again",
                    )
                raise SessionExpired(
                    f"{operation}: not logged in ({', '.join(str(c) for c in codes) or result})",
                    hint="log in again with `myna login`",
                )
            text = f"{operation}: the portal answered resultCode {result} {codes} {messages}"
            if result == P.RESULT_BAD_REQUEST:  # the entries say which part (and field) is wrong
                entries = [e for e in data.get("errors") or [] if isinstance(e, dict)]
                raise RequestRefused(text.rstrip(), errors=entries)
            if result == P.RESULT_NOT_FOUND:
                raise NotFound(text.rstrip())
            raise PortalError(text.rstrip())

        return self._with_retries(operation, attempt)

    def call(self, operation: str, req_body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call_raw(operation, req_body)[0]

    def _items_request(self, item_ids: Sequence[str]) -> dict[str, Any]:
        """The ``myinfo/request`` body of some items, with the fetch's condition for each item
        that takes it (条件を変更して取得: ``year`` for 税・所得, ``from``/``to`` for 医療費 and 薬剤)."""
        body: dict[str, Any] = {"itemIds": list(item_ids)}
        conditions = {}
        for item_id in item_ids:
            item = P.ITEMS_BY_ID[item_id]
            wanted = {k: v for k, v in self.condition.items() if k in item.conditions}
            if wanted:
                conditions[item_id] = wanted
        if conditions:
            body["conditions"] = conditions
        return body

    def myinfo(self, item_id: str) -> tuple[str, dict[str, Any], bytes]:
        """Request one わたしの情報 item and poll until it is done: (status, item, raw answer).

        status is 03 (results) or 04 (nothing on record); 06 (over capacity) is retried with
        backoff; 01/09/02 are polled. Still pending after ``max_wait`` seconds or ``max_polls``
        polls: :class:`~mynalib.errors.PortalUnavailable` (a fetch keeps such an item pending
        instead).
        """
        if item_id not in P.ITEMS_BY_ID:
            raise ValueError(f"unknown item {item_id!r}")
        outcomes: dict[str, Any] = {}
        self.poll_items([self.request_item(item_id)], outcomes.__setitem__)
        outcome = outcomes[item_id]
        if isinstance(outcome, PortalError):
            raise outcome
        if isinstance(outcome, PendingItem):
            raise PortalUnavailable(
                f"{item_id}: still pending after the polls", hint="try again later"
            )
        status, item, raw = outcome
        return str(status), item, raw

    def request_item(self, item_id: str) -> PendingItem:
        """Ask for one わたしの情報 item (``myinfo/request``): its request, to be polled. Status 06
        (over capacity) is retried with backoff, honouring ``Retry-After``."""
        return self.request_items([item_id])[0]

    def request_items(self, item_ids: Sequence[str]) -> list[PendingItem]:
        """Ask for several わたしの情報 items in one ``myinfo/request``: their requests (one
        request id), to be polled. Items answered 06 (over capacity) are asked again with
        backoff, honouring ``Retry-After``; after ``max_retries`` tries, PortalUnavailable."""
        capacity_tries = 0
        todo = list(item_ids)
        accepted: list[PendingItem] = []
        while True:
            res, _, response = self.call_raw("myinfo/request", self._items_request(todo))
            statuses = {item_id: self._item_status(res, item_id) for item_id in todo}
            request_id = res.get("requestId")
            over = [i for i, status in statuses.items() if status == P.STATUS_OVER_CAPACITY]
            taken = [i for i in todo if i not in over]
            if taken and not request_id:
                raise ProtocolError(
                    f"{', '.join(taken)}: the request was accepted without a requestId"
                )
            person = self.session.person_id if self.session else None
            accepted += [PendingItem(i, str(request_id), time.time(), person) for i in taken]
            if not over:
                return sorted(accepted, key=lambda r: item_ids.index(r.item_id))
            what = " ".join(over)
            if capacity_tries >= self.retry.max_retries:
                raise PortalUnavailable(
                    f"{what}: the portal is over capacity (06) after {capacity_tries + 1} tries",
                    hint="try again later",
                )
            self.retry.wait(
                f"myinfo/request {what}",
                capacity_tries,
                "status 06 (over capacity)",
                retry_after(response),
                self.stats.retries,
            )
            capacity_tries += 1
            todo = over

    def poll_items(
        self, requests: Sequence[PendingItem], deliver: Callable[[str, Any], None]
    ) -> None:
        """Poll the requests of several わたしの情報 items together until each is answered.

        Each request id is polled when its own wait is over (the ``Retry-After`` of its last
        answer, else ``poll_interval``; status 02 is polled again at once), so the requests are
        prepared by the portal side by side; items asked in one request share its polls, and each
        is taken by its own status in the answer. ``deliver(item_id, outcome)`` is called once
        per item, as soon as it is known: ``(status, item, raw answer)`` for 03/04, a
        :class:`~mynalib.errors.PortalError`, or the :class:`PendingItem` itself when the portal
        has not answered within ``max_wait`` seconds of waiting (or ``max_polls`` polls). The raw
        answer of a request of one item is the portal's bytes as sent; of several, that answer
        narrowed to the item (its envelope with only this item, written compactly). A request the
        portal no longer knows (8404: kept from an earlier fetch) is asked anew once.
        """
        live = {r.item_id: r for r in requests}
        #: request id → its items not answered yet
        groups: dict[str, list[str]] = {}
        for r in requests:
            groups.setdefault(r.request_id, []).append(r.item_id)
        #: request id → (when it was last polled, seconds to wait from then), on the polls' clock
        due = dict.fromkeys(groups, (0.0, 0.0))
        polls = dict.fromkeys(groups, 0)
        renewed: set[str] = set()
        waited = 0.0  # seconds slept so far (the clock the polls are scheduled on)

        def finish(item_id: str, outcome: Any) -> None:
            deliver(item_id, outcome)

        def drop(request_id: str) -> list[str]:
            del due[request_id]
            return groups.pop(request_id)

        while due:
            # what is left of each wait (exactly the wait asked for when nothing else slept)
            left = {rid: wait - (waited - at) for rid, (at, wait) in due.items()}
            # (a hair of float rounding counts as over: the same sums reach the same waits)
            ready = [rid for rid, rest in left.items() if rest <= 1e-9]
            if not ready:
                pause = min(left.values())
                if waited + pause > self.max_wait:
                    break  # the rest stay pending
                self._pause(pause)
                waited += pause
                continue
            for rid in ready:
                try:
                    res, raw, response = self.call_raw("myinfo/get", {"requestId": rid})
                except NotFound as exc:
                    items = drop(rid)
                    again = [i for i in items if i not in renewed]
                    for item_id in items:
                        if item_id in renewed:
                            finish(item_id, exc)
                    if not again:
                        continue
                    renewed.update(again)  # the portal forgot the request: ask again, once
                    for item_id in again:
                        self.stats.retries.append(
                            f"myinfo/get {item_id}: the portal no longer knows the request; "
                            "asked again"
                        )
                    try:
                        fresh = self.request_items(again)
                    except PortalError as failed:
                        for item_id in again:
                            finish(item_id, failed)
                        continue
                    for r in fresh:
                        live[r.item_id] = r
                        groups.setdefault(r.request_id, []).append(r.item_id)
                        due[r.request_id] = (waited, 0.0)
                        polls[r.request_id] = 0
                    continue
                except PortalError as exc:
                    for item_id in drop(rid):
                        finish(item_id, exc)
                    continue
                polls[rid] += 1
                waiting: list[tuple[str, str]] = []  # (item, status) still pending
                for item_id in groups[rid]:
                    try:
                        status = self._item_status(res, item_id)
                    except ProtocolError as exc:
                        finish(item_id, exc)
                        continue
                    if status in (P.STATUS_RESULTS, P.STATUS_NO_RECORD):
                        item = next(i for i in res["items"] if i.get("itemId") == item_id)
                        finish(item_id, (status, item, self._one_item(raw, res, item)))
                    elif status == P.STATUS_OVER_CAPACITY:
                        finish(
                            item_id,
                            PortalUnavailable(
                                f"{item_id}: over capacity while polling", hint="try again later"
                            ),
                        )
                    elif status not in P.PENDING_STATUSES:
                        finish(item_id, ProtocolError(f"{item_id}: unknown status {status!r}"))
                    else:
                        waiting.append((item_id, status))
                if not waiting:
                    drop(rid)
                elif polls[rid] >= self.max_polls:
                    drop(rid)
                    for item_id, _ in waiting:
                        finish(item_id, live[item_id])
                elif any(status == P.STATUS_DONE for _, status in waiting):
                    groups[rid] = [item_id for item_id, _ in waiting]
                    due[rid] = (waited, 0.0)  # 02: the results are ready at the next poll
                else:
                    groups[rid] = [item_id for item_id, _ in waiting]
                    ra = retry_after(response)
                    wait = (
                        min(ra, self.retry.max_retry_after)
                        if ra is not None
                        else self.poll_interval
                    )
                    due[rid] = (waited, wait)
        for rid in list(due):
            for item_id in drop(rid):
                finish(item_id, live[item_id])

    @staticmethod
    def _one_item(raw: bytes, res: dict[str, Any], item: dict[str, Any]) -> bytes:
        """The answer of one item: ``raw`` as sent when it holds only this item, else its
        envelope with only this item in ``resBody.items`` (what a request of this item alone
        answers), written compactly."""
        if len(res.get("items") or []) <= 1:
            return raw
        envelope = json.loads(raw)
        envelope["resBody"] = {**envelope["resBody"], "items": [item]}
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _pause(self, seconds: float) -> None:
        """Sleep between polls; a fetch that stops early (``_cancel``) ends the sleep at once."""
        if self.retry.sleep is time.sleep:
            if self._cancel.wait(seconds):
                raise _Cancelled
        else:  # an injected sleep (tests)
            self.retry.sleep(seconds)

    @staticmethod
    def _item_status(res: dict[str, Any], item_id: str) -> str:
        for item in res.get("items") or []:
            if isinstance(item, dict) and item.get("itemId") == item_id:
                return str(item.get("status"))
        raise ProtocolError(f"the answer does not mention item {item_id}")

    def _paged(
        self, operation: str, key: str, page_size: int = 100
    ) -> list[tuple[dict[str, Any], bytes]]:
        pages = []
        page = 1
        while True:
            res, raw, _ = self.call_raw(operation, {"page": page, "pageSize": page_size})
            pages.append((res, raw))
            total = int(res.get("total", 0))
            size = int(res.get("pageSize", page_size)) or page_size
            if page * size >= total or not res.get(key):
                return pages
            page += 1

    def notices(self) -> list[dict[str, Any]]:
        return [n for res, _ in self._paged("notices/list", "notices") for n in res["notices"]]

    def mark_read(self, notice_ids: Sequence[str]) -> int:
        return int(self.call("notices/read", {"noticeIds": list(notice_ids)}).get("updated", 0))

    def history(self) -> list[dict[str, Any]]:
        return [e for res, _ in self._paged("history/list", "entries") for e in res["entries"]]

    def procedures(self, category: str | None = None) -> list[dict[str, Any]]:
        return list(
            self.call("procedures/list", {"category": category} if category else {})["procedures"]
        )

    def applications(self) -> list[dict[str, Any]]:
        return list(self.call("applications/list")["applications"])

    def deductions(self) -> list[dict[str, Any]]:
        return list(self.call("deductions/list")["documents"])

    def deduction_document(self, document_id: str, sha256: str | None = None) -> tuple[str, bytes]:
        """(file name, XML bytes exactly as signed by the issuer)."""
        return self._file(
            P.OPERATIONS_BY_NAME["deductions/get"], {"documentId": document_id}, sha256
        )

    def _file(
        self, op: P.Operation, req_body: dict[str, Any], sha256: str | None = None
    ) -> tuple[str, bytes]:
        """(file name, bytes) of an operation that hands out a file as base64 ``content``,
        checked against the SHA-256 of the list (or of the answer)."""
        import base64
        import binascii
        import hashlib

        what = " ".join(str(v) for v in req_body.values())
        res = self.call(op.name, req_body)
        try:
            content = base64.b64decode(res[op.answer or "content"], validate=True)
        except (KeyError, binascii.Error, TypeError):
            raise ProtocolError(f"{op.name} {what}: content is not base64") from None
        expected = sha256 or res.get("sha256")
        if expected and hashlib.sha256(content).hexdigest() != expected:
            raise ProtocolError(f"{op.name} {what}: checksum mismatch")
        return str(res.get("fileName") or f"{what}.xml"), content

    # ------------------------------------------------------------------------------- fetch
    def plan(
        self, groups: Iterable[str], pending: Iterable[PendingItem] = ()
    ) -> list[tuple[str, str]]:
        """The tasks ``fetch`` would run: (task, detail) — ("myinfo", item id) for a わたしの情報
        item, (fetch name, "") for an operation (the order of the operation table). Items kept
        ``pending`` from an earlier fetch come first; with no ``groups``, only they are fetched
        (no groups and nothing pending: everything)."""
        wanted = list(groups)
        extra = [("myinfo", p.item_id) for p in pending if p.item_id in P.ITEMS_BY_ID]
        if not wanted and not extra:
            wanted = ["all"]
        if "all" in wanted:
            wanted = list(ALL_GROUPS)
        unknown = [g for g in wanted if g not in P.FETCH_GROUPS and g not in P.FETCH_ALIASES]
        if unknown:
            raise ValueError(
                f"unknown fetch group(s) {unknown}; choose from all, {', '.join(P.FETCH_GROUPS)}"
            )
        tasks: list[tuple[str, str]] = list(extra)
        for group in dict.fromkeys(wanted):
            if group in P.FETCH_ALIASES:
                tasks.append(("myinfo", P.FETCH_ALIASES[group].item_id))
            elif group in P.FETCH_ITEMS:
                tasks += [("myinfo", item.item_id) for item in P.FETCH_ITEMS[group]]
            else:
                tasks.append((group, ""))
        return list(dict.fromkeys(tasks))

    def fetch(
        self,
        groups: Iterable[str] = ("all",),
        *,
        store: Store,
        condition: dict[str, Any] | None = None,
        on_progress: Progress | None = None,
        keep_going: bool = False,
        progress: Progress | None = None,
        pending: Iterable[PendingItem] = (),
    ) -> FetchReport:
        """Download ``groups`` and hand every raw document to ``store`` (e.g. ``vault.put``).

        ``store`` returns something with ``.new`` (the vault's PutResult) or a bool; documents
        already stored count as duplicates. ``on_progress(done, total, label)`` is called before
        the first task and after each, as tasks finish (``progress`` is its older name). With
        ``keep_going``, a failing task is recorded in ``report.errors`` and the others continue;
        otherwise the first error is raised (documents stored so far stay stored).

        Every わたしの情報 item is requested first, then the requests are polled together, while
        ``workers`` threads fetch the lists; ``store``, ``on_progress`` and ``on_session`` run on
        the calling thread. ``pending``: items an earlier fetch left pending (its
        ``report.pending``), polled again under their request ids — those of another person
        than the session's are left out. Items still unanswered after ``max_wait`` seconds are
        in ``report.pending``.
        """
        if self.session is None:
            raise SessionExpired("Not logged in", hint="log in with `myna login`")
        # 条件を変更して取得 (see check_fetch_condition): the items that take it are asked with it
        self.condition = check_fetch_condition(groups, condition)
        notify = on_progress or progress
        me = self.session.person_id
        resume = {p.item_id: p for p in pending if p.person_id in (None, me)}
        tasks = self.plan(groups, resume.values())
        order = {
            (P.ITEMS_BY_ID[d].name if t == "myinfo" else t): n for n, (t, d) in enumerate(tasks)
        }
        report = FetchReport()
        total = len(tasks)
        if notify:
            notify(0, total, "starting")
        if not tasks:
            return report
        events: queue.Queue[tuple[str, Any]] = queue.Queue()
        caller = threading.get_ident()
        on_session = self.on_session

        def hand_over(session: Session) -> None:  # the vault is written on the caller's thread
            if threading.get_ident() == caller:
                assert on_session is not None
                on_session(session)
            else:
                events.put(("session", session))

        if on_session is not None:
            self.on_session = hand_over
        item_ids = [detail for task, detail in tasks if task == "myinfo"]
        operations = [task for task, _ in tasks if task != "myinfo"]
        jobs: list[Callable[[], None]] = []
        if item_ids:
            jobs.append(
                lambda: self._items_job(item_ids, resume, events.put, one_by_one=self.sequential)
            )
        jobs += [functools.partial(self._operation_job, task, events.put) for task in operations]
        self._cancel.clear()
        # sequential: one thread runs the jobs in the plan's order, one call at a time
        workers = 1 if self.sequential else min(self.workers, len(jobs))
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="myna-fetch")
        stored: list[tuple[int, int, Document]] = []
        try:
            for job in jobs:
                pool.submit(self._worker, job, events.put)
            done = 0
            while done < total:
                what, payload = events.get()
                if what == "session":
                    assert on_session is not None
                    on_session(payload)
                    continue
                if what == "crash":
                    raise payload
                label, item_id, docs, outcome = payload
                done += 1
                if isinstance(outcome, PortalError):
                    if not keep_going:
                        raise outcome
                    report.errors.append((label, outcome))
                    log.warning("fetch %s failed: %s", label, redact(str(outcome)))
                elif isinstance(outcome, PendingItem):
                    report.pending.append(outcome)
                else:
                    if outcome == P.STATUS_NO_RECORD:
                        report.no_record.append(label)
                    if item_id is not None:
                        report.answered.append(item_id)
                    for n, doc in enumerate(docs):
                        stored.append((order.get(label, total), n, self._store(doc, store, report)))
                if notify:
                    notify(done, total, label)
        finally:
            self._cancel.set()  # workers still running stop before their next call
            pool.shutdown(wait=True, cancel_futures=True)
            self._cancel.clear()
            self.on_session = on_session
            while not events.empty():  # a token rotated at the end must still be kept
                what, payload = events.get_nowait()
                if what == "session" and on_session is not None:
                    on_session(payload)
        # the report in the plan's order, whatever order the tasks finished in
        report.documents = [doc for *_, doc in sorted(stored, key=lambda s: s[:2])]
        report.no_record.sort(key=lambda label: order.get(label, total))
        report.errors.sort(key=lambda e: order.get(e[0], total))
        report.pending.sort(key=lambda p: order.get(p.name, total))
        return report

    @staticmethod
    def _store(doc: Document, store: Store, report: FetchReport) -> Document:
        result = store(doc)
        new = getattr(result, "new", result)
        bucket = report.new if new else report.duplicates
        bucket[doc.kind] = bucket.get(doc.kind, 0) + 1
        doc_id = getattr(result, "id", None)
        if doc_id is None:
            return doc
        return dataclasses.replace(doc, id=doc_id)

    @staticmethod
    def _worker(job: Callable[[], None], post: Callable[[tuple[str, Any]], None]) -> None:
        try:
            job()
        except _Cancelled:
            pass
        except BaseException as exc:  # a bug, not a portal answer: the caller raises it
            post(("crash", exc))

    def _operation_job(self, task: str, post: Callable[[tuple[str, Any]], None]) -> None:
        try:
            docs = self._fetch_operation(task)
        except PortalError as exc:
            post(("task", (task, None, [], exc)))
            return
        post(("task", (task, None, docs, None)))

    def _items_job(
        self,
        item_ids: list[str],
        resume: dict[str, PendingItem],
        post: Callable[[tuple[str, Any]], None],
        *,
        one_by_one: bool = False,
    ) -> None:
        """Request every item, ``items_per_request`` in one request (or take its pending
        request), then poll them together; with ``one_by_one``, request and poll each item until
        it is answered before the next."""

        def deliver(item_id: str, outcome: Any) -> None:
            item = P.ITEMS_BY_ID[item_id]
            if isinstance(outcome, tuple):
                status, body, raw = outcome
                doc = Document(
                    raw,
                    item.kind,
                    "portal",
                    self._person(body),
                    original_name=f"{item.item_id}.json",
                    meta=self._meta(item_id=item.item_id, status=status),
                )
                post(("task", (item.name, item_id, [doc], status)))
            else:  # an error, or still pending
                post(("task", (item.name, item_id, [], outcome)))

        requests = [resume[item_id] for item_id in item_ids if item_id in resume]
        if one_by_one:
            self.poll_items(requests, deliver)
            requests = []
        asked = [item_id for item_id in item_ids if item_id not in resume]
        size = 1 if one_by_one else self.items_per_request
        for start in range(0, len(asked), size):
            batch = asked[start : start + size]
            try:
                requests += self.request_items(batch)
            except PortalError as exc:
                for item_id in batch:
                    post(("task", (P.ITEMS_BY_ID[item_id].name, item_id, [], exc)))
                continue
            if one_by_one:
                self.poll_items(requests, deliver)
                requests = []
        self.poll_items(requests, deliver)

    def _meta(self, **extra: Any) -> dict[str, Any]:
        meta: dict[str, Any] = {"portal": self.base_url, "protocol": P.PROTOCOL_VERSION}
        if self.session and self.session.actor:
            meta["agent"] = self.session.actor.get("name")
        meta.update(extra)
        return meta

    def _person(self, res: dict[str, Any]) -> str | None:
        subject = res.get("subject")
        if isinstance(subject, dict) and subject.get("name"):
            return str(subject["name"])
        return self.session.person_name if self.session else None

    def _fetch_operation(self, task: str) -> list[Document]:
        op = P.FETCH_OPERATIONS[task]
        if op.each is not None:
            return self._fetch_files(op, P.OPERATIONS_BY_NAME[op.each])
        assert op.kind is not None, op  # a fetchable operation stores what it answers
        if op.paged:
            docs = []
            for res, raw in self._paged(op.name, op.answer or ""):
                page = res.get("page", 1)
                docs.append(
                    Document(
                        raw,
                        op.kind,
                        "portal",
                        self._person(res),
                        original_name=f"{task}-p{page}.json",
                        meta=self._meta(page=page),
                    )
                )
            return docs
        res, raw, _ = self.call_raw(op.name)
        return [
            Document(
                raw,
                op.kind,
                "portal",
                self._person(res) if op.subject else None,
                original_name=f"{task}.json",
                meta=self._meta(),
            )
        ]

    def _fetch_files(self, listing: P.Operation, each: P.Operation) -> list[Document]:
        """A list operation whose entries are fetched one by one as files (控除証明書 XML)."""
        assert each.kind is not None, each
        res = self.call(listing.name)
        docs = []
        for entry in res.get(listing.answer or "", []):
            ids = {f: entry[f] for f in each.request}
            name, content = self._file(each, ids, entry.get("sha256"))
            docs.append(
                Document(
                    content,
                    each.kind,
                    "portal",
                    self._person(res),
                    original_name=name,
                    meta=self._meta(
                        form=entry.get("form"),
                        **{_snake(f): v for f, v in ids.items()},
                        year=entry.get("year"),
                    ),
                )
            )
        return docs


def _snake(name: str) -> str:
    """``documentId`` → ``document_id`` (the meta keys of stored documents)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def check_fetch_condition(
    groups: Iterable[str], condition: dict[str, Any] | None
) -> dict[str, Any]:
    """The condition of a fetch (:meth:`PortalClient.fetch`'s ``condition``, 条件を変更して取得),
    checked as the portal will (``protocol.check_condition``) for every item of ``groups`` that
    accepts it; ValueError when no item asked for takes it.

    ``{"year": 2023}`` asks 税・所得 for that 年分 only, ``{"from": "2025-01", "to": "2025-06"}``
    医療費 and 薬剤 for those months; each item takes the fields it accepts
    (``protocol.Item.conditions``), the others are asked whole."""
    if not condition:
        return {}
    wanted = list(groups) or ["all"]
    items = [
        i
        for i in P.ITEMS
        if "all" in wanted or i.fetch in wanted or (i.alias is not None and i.alias in wanted)
    ]
    taken = {k for i in items for k in i.conditions}
    if not set(condition) <= taken:
        raise ValueError(
            f"no item of {', '.join(wanted)} takes the condition"
            f" {sorted(set(condition) - taken)} (year: income; from/to: medical, drugs)"
        )
    checked: dict[str, Any] = {}
    for item in items:
        own = {k: v for k, v in condition.items() if k in item.conditions}
        if not own:
            continue
        normal, problems = P.check_condition(item, own)
        if problems:
            raise ValueError("; ".join(message for _field, message in problems))
        checked.update(normal)
    return checked
