"""The sandbox's side of the login from a smartphone (``PROTOCOL.md`` §2.3): device sessions and
the phone's verification page.

A PC asks for a login session (``POST /oidc/device_authorization``, RFC 8628 §3.1) and shows its
verification URI as a QR code; the phone opens it, is shown which service asks, for what and for
whom, and approves with a JPKI signature over :func:`mynalib.portal.protocol.device_login_statement`;
the PC polls the token endpoint with the device code. This module holds the sessions' state
machine and renders the page; it does no I/O. The routes are in :mod:`.app`.
"""

from __future__ import annotations

import hashlib
import html
import secrets
from collections import deque
from dataclasses import dataclass
from typing import Any

from ...pins import PINS
from ...samples.household import HOUSEHOLD
from .. import protocol as P

#: what the PC's poll of a session answers (besides the tokens): RFC 8628 §3.5 errors, and a
#: replay of a device code whose tokens were already issued
POLL_APPROVED = "approved"
POLL_REPLAY = "replay"


@dataclass
class DeviceSession:
    """One cross-device login, from the PC's request until its tokens are issued (or it ends)."""

    user_code: str
    device_code_hash: str
    client_id: str
    scope: str
    acting_for: str | None
    nonce: str | None
    #: PKCE (S256) of the PC that asked: only it can redeem the session
    code_challenge: str
    challenge: bytes
    created: float
    expires: float
    interval: int
    last_poll: float | None = None
    #: pending → approved | denied; approved → redeemed (tokens issued, once)
    state: str = "pending"
    person: str | None = None
    actor: str | None = None
    auth_time: int = 0
    family: str = ""
    #: approvals refused (bad signature, unknown certificate…): the session ends after a few
    attempts: int = 0

    def expired(self, now: float) -> bool:
        return now >= self.expires


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_user_code() -> str:
    """8 random letters of :data:`~mynalib.portal.protocol.USER_CODE_ALPHABET` (about 34 bits),
    shown as ``XXXX-XXXX``."""
    letters = "".join(secrets.choice(P.USER_CODE_ALPHABET) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


class DeviceSessions:
    """The sandbox's cross-device login sessions (the caller holds the sandbox lock)."""

    def __init__(self, *, max_failed_lookups: int = 30, failure_window: float = 60.0):
        self.by_user_code: dict[str, DeviceSession] = {}
        self.by_device_code: dict[str, DeviceSession] = {}
        #: times of lookups of unknown user codes (guessing is rate limited, RFC 8628 §5.1)
        self.failed_lookups: deque[float] = deque()
        self.max_failed_lookups = max_failed_lookups
        self.failure_window = failure_window

    def create(
        self,
        *,
        client_id: str,
        scope: str,
        acting_for: str | None,
        nonce: str | None,
        code_challenge: str,
        now: float,
        ttl: float,
        interval: int,
    ) -> tuple[str, DeviceSession]:
        """A new session: (the device code — given to the PC only —, the session)."""
        self._forget_old(now)
        user_code = new_user_code()
        while user_code in self.by_user_code:
            user_code = new_user_code()
        device_code = secrets.token_urlsafe(32)
        session = DeviceSession(
            user_code=user_code,
            device_code_hash=_h(device_code),
            client_id=client_id,
            scope=scope,
            acting_for=acting_for,
            nonce=nonce,
            code_challenge=code_challenge,
            challenge=secrets.token_bytes(32),
            created=now,
            expires=now + ttl,
            interval=interval,
            family=secrets.token_hex(8),
        )
        self.by_user_code[user_code] = session
        self.by_device_code[session.device_code_hash] = session
        return device_code, session

    def _forget_old(self, now: float) -> None:
        """Drop sessions that ended long ago (a replayed device code of a recent one is still
        recognised as a replay)."""
        old = [s for s in self.by_user_code.values() if now > s.expires + 3600]
        for s in old:
            del self.by_user_code[s.user_code]
            del self.by_device_code[s.device_code_hash]

    def guessing(self, now: float) -> bool:
        """True while too many unknown user codes were looked up recently."""
        while self.failed_lookups and self.failed_lookups[0] <= now - self.failure_window:
            self.failed_lookups.popleft()
        return len(self.failed_lookups) >= self.max_failed_lookups

    def find(self, user_code: str, now: float) -> DeviceSession | None:
        """The session of a (typed or scanned) user code; unknown codes count as guesses."""
        code = P.normalize_user_code(user_code)
        session = self.by_user_code.get(code) if code else None
        if session is None:
            self.failed_lookups.append(now)
        return session

    def session_of_device_code(self, device_code: str) -> DeviceSession | None:
        return self.by_device_code.get(_h(device_code))

    @staticmethod
    def poll(session: DeviceSession, now: float) -> str:
        """What a poll of the PC answers (the PC's client and PKCE checked before):
        ``slow_down`` (and the interval grows by 5 s), ``authorization_pending``,
        ``access_denied``, ``expired_token``, :data:`POLL_REPLAY` (tokens were issued before) or
        :data:`POLL_APPROVED` (the session is now redeemed: issue the tokens)."""
        if session.state == "redeemed":
            return POLL_REPLAY
        if session.expired(now):
            return P.DEVICE_EXPIRED
        if session.last_poll is not None and now - session.last_poll < session.interval:
            session.last_poll = now
            session.interval += P.DEVICE_SLOW_DOWN_STEP
            return P.DEVICE_SLOW_DOWN
        session.last_poll = now
        if session.state == "denied":
            return P.DEVICE_DENIED
        if session.state == "pending":
            return P.DEVICE_PENDING
        session.state = "redeemed"
        return POLL_APPROVED


# ------------------------------------------------------------------------------- the page

#: refusals of an approval (besides the JPKI checks' ``jpki_error`` codes), in Japanese
DEVICE_ERRORS_JA: dict[str, str] = {
    "expired_token": "確認コードが見つからないか、有効期限が切れています。"
    "パソコンでもう一度ログインを始めてください。",
    "already_answered": "このログインはすでに承認または拒否されています。",
    "session_mismatch": "この承認データは別のログイン（別の確認コード）のものです。"
    "このページの確認コードで作り直してください。",
    "approval_malformed": "承認データを読み取れません。すべてを貼り付けたか確かめてください。",
    "slow_down": "確認コードの入力が多すぎます。しばらく待ってからお試しください。",
}

#: Content-Security-Policy of the page: nothing from anywhere, no script, forms to this origin
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

_STYLE = """
body{margin:0;font-family:"Noto Sans CJK JP","Hiragino Sans",sans-serif;background:#f4f6f8;
color:#1a1a1a;font-size:16px;line-height:1.6}
main{max-width:30rem;margin:0 auto;padding:1rem}
h1{font-size:1.25rem;margin:.5rem 0 1rem}
h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
.sandbox{background:#fff3cd;border-radius:6px;padding:.25rem .75rem;font-size:.85rem}
.box{background:#fff;border-radius:10px;padding:1rem;margin:.75rem 0;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
.user-code{font-size:2rem;letter-spacing:.15em;font-weight:bold;text-align:center;
font-family:monospace;margin:.25rem 0}
dt{font-weight:bold;margin-top:.6rem}
dd{margin:0 0 0 .5rem;overflow-wrap:anywhere}
ul{margin:.25rem 0;padding-left:1.25rem}
textarea,input[type=text]{width:100%;box-sizing:border-box;font:inherit;font-family:monospace;
font-size:.8rem;padding:.5rem;border:1px solid #8a8a8a;border-radius:6px}
button{width:100%;font:inherit;font-weight:bold;padding:.8rem;margin-top:.75rem;border:0;
border-radius:8px;background:#0b57d0;color:#fff}
button.deny{background:#fff;color:#b3261e;border:1px solid #b3261e}
.muted{color:#555;font-size:.85rem}
.ok{border-left:6px solid #2e7d32}
.error{border-left:6px solid #b3261e}
code{font-size:.85em;background:#eef;padding:0 .2em;border-radius:3px}
"""


def _doc(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main><p class="sandbox">マイナポータル サンドボックス（テスト用・架空のデータ）</p>'
        f"{body}</main></body></html>"
    )


def _person_name(pid: str | None) -> str | None:
    for p in HOUSEHOLD:
        if p.id == pid:
            return p.name
    return None


def acting_for_text(acting_for: str | None) -> str:
    """「本人として」 or 「代理人として 見本　うめ さんのために」."""
    if not acting_for:
        return "本人として（あなた自身の情報）"
    name = _person_name(acting_for) or acting_for
    return f"代理人として {name} さんのために"


def _remaining(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"あと{seconds // 60}分{seconds % 60:02d}秒"


def request_info(
    session: DeviceSession, *, issuer: str, client_name: str, now: float
) -> dict[str, Any]:
    """What the phone is shown (and signs): ``GET /device/info`` answers this as JSON."""
    return {
        "user_code": session.user_code,
        "portal": issuer,
        "client_id": session.client_id,
        "client_name": client_name,
        "scope": session.scope,
        "scopes": [{"scope": s, "label": P.SCOPE_LABELS.get(s, s)} for s in session.scope.split()],
        "acting_for": session.acting_for,
        "acting_for_name": _person_name(session.acting_for),
        "challenge": _b64u(session.challenge),
        "expires_in": max(0, int(session.expires - now)),
        "state": session.state,
    }


def _b64u(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def enter_code_page(issuer: str, *, message: str = "") -> str:
    """The verification URI without a code: a box for the code shown on the PC."""
    note = f'<div class="box error" id="message">{html.escape(message)}</div>' if message else ""
    return _doc(
        "確認コードの入力",
        "<h1>パソコンに表示された確認コードを入力</h1>"
        + note
        + f'<form class="box" method="get" action="{html.escape(issuer)}/device">'
        '<label for="user_code">確認コード（例: BCDF-GHJK）</label>'
        '<input type="text" id="user_code" name="user_code" autocomplete="off" '
        'autocapitalize="characters" spellcheck="false" required>'
        '<button type="submit">次へ</button></form>',
    )


def approval_page(session: DeviceSession, *, issuer: str, client_name: str, now: float) -> str:
    """The page at ``verification_uri_complete``: who asks, for what, for whom; then the
    approval (pasted: a web page cannot read the card) or the refusal."""
    esc = html.escape
    code = esc(session.user_code)
    scopes = "".join(
        f'<li data-scope="{esc(s)}">{esc(P.SCOPE_LABELS.get(s, s))}</li>'
        for s in session.scope.split()
    )
    action = f"{esc(issuer)}/device/approve"
    return _doc(
        "ログインの確認",
        "<h1>パソコンでのログインを承認しますか</h1>"
        '<div class="box"><p>確認コード</p>'
        f'<p class="user-code" id="user-code">{code}</p>'
        '<p class="muted">パソコンの画面に表示されているコードと同じか確かめてください。'
        "違うときや、自分でログインを始めていないときは、承認しないでください。</p></div>"
        '<dl class="box">'
        f'<dt>ログインするサービス</dt><dd id="client">{esc(client_name)}'
        f" <code>{esc(session.client_id)}</code></dd>"
        f'<dt>ログイン先</dt><dd id="portal">{esc(issuer)}</dd>'
        f'<dt>だれとして</dt><dd id="acting-for">{esc(acting_for_text(session.acting_for))}</dd>'
        f'<dt>サービスが見られる情報</dt><dd><ul id="scopes">{scopes}</ul></dd>'
        f'<dt>有効期限</dt><dd id="expires">{_remaining(session.expires - now)}</dd>'
        "</dl>"
        "<h2>マイナンバーカードまたはスマホ用電子証明書で承認</h2>"
        '<div class="box"><p>このページはカードを読み取れません。スマートフォンのアプリが、カード'
        f"（NFC）またはスマホ用電子証明書で、暗証番号（{PINS['auth'].format_ja}）を入れて署名します。"
        "このサンドボックスでは、アプリの代わりに次のコマンドを使います。</p>"
        f"<p><code>myna phone approve --print-only {esc(issuer)}/device?user_code={code}</code></p>"
        '<p class="muted">表示された承認データ（mynalib-approval-1. で始まる1行）を下に貼り付けて'
        "「承認する」を押してください。<code>--print-only</code> を付けなければ、コマンドが直接"
        "承認します。</p>"
        f'<form method="post" action="{action}" id="approve-form">'
        f'<input type="hidden" name="user_code" value="{code}">'
        '<label for="approval">承認データ</label>'
        '<textarea id="approval" name="approval" rows="5" required autocomplete="off" '
        'spellcheck="false"></textarea>'
        '<button type="submit" name="action" value="approve" id="approve">承認する</button>'
        "</form>"
        f'<form method="post" action="{action}" id="deny-form">'
        f'<input type="hidden" name="user_code" value="{code}">'
        '<button class="deny" type="submit" name="action" value="deny" id="deny">'
        "拒否する</button></form></div>",
    )


def result_page(outcome: str, *, message: str = "") -> str:
    """After the phone answered: approved, denied, or why the answer was refused."""
    if outcome == "approved":
        body = (
            '<div class="box ok" id="result" data-result="approved"><h1>承認しました</h1>'
            "<p>パソコンの画面に戻ってください。まもなくログインが完了します。</p></div>"
        )
        return _doc("承認しました", body)
    if outcome == "denied":
        body = (
            '<div class="box ok" id="result" data-result="denied"><h1>拒否しました</h1>'
            "<p>パソコンではログインできません。心当たりのないログインだった場合は、"
            "暗証番号を他人に教えていないか確かめてください。</p></div>"
        )
        return _doc("拒否しました", body)
    body = (
        f'<div class="box error" id="result" data-result="error" data-error="{html.escape(outcome)}">'
        f"<h1>承認できませんでした</h1><p>{html.escape(message)}</p></div>"
    )
    return _doc("承認できませんでした", body)
