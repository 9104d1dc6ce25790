"""The portal protocol (``PROTOCOL.md``) as plain data: shared by the client, the sandbox, the CLI
and the portal parsers.

Nothing here does I/O or imports anything of mynalib. The operation table (:data:`OPERATIONS`,
:data:`ITEMS`), result and status codes are the single source of truth for every side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = "1"

# ------------------------------------------------------------------------------ result codes
RESULT_OK = "0000"
RESULT_BLOCKED = "1000"  # temporarily blocked: too many requests (Retry-After header)
RESULT_NOT_LOGGED_IN = "9000"  # with errorCode ED1107: the session (access token) expired
RESULT_BAD_REQUEST = "8000"  # malformed request (errorCode says which part)
RESULT_NOT_FOUND = "8404"  # unknown requestId / document id / notice id

ERROR_SESSION_EXPIRED = "ED1107"
ERROR_NO_TOKEN = "ED1101"  # noqa: S105 - an error code
ERROR_SCOPE = "ED1201"  # the token's scope does not cover this operation
ERROR_RATE = "EW1000"
ERROR_SCREEN_ID = "EV0001"
ERROR_BODY = "EV0002"
ERROR_UNKNOWN_ITEM = "EV0003"
ERROR_UNKNOWN_ID = "EV0404"
ERROR_CONDITION = "EV0004"  # a わたしの情報 condition (year, period) is wrong (names its field)
# 電子申請 (PROTOCOL.md §9): a refusal names the field (or attachment slot) it is about
ERROR_FIELD = "EV0101"  # a form field is missing or wrong
ERROR_SIGNATURE = "EV0102"  # the signature is missing, does not verify, or its certificate fails
ERROR_ATTACHMENT = "EV0103"  # an attachment is not allowed, too large, or missing
ERROR_SUBMISSION_ID = "EV0105"  # the submissionId was used before for other content
#: why a signature was refused (``signatureError`` of an EV0102 error)
SIGNATURE_ERRORS = (
    "signature_required",
    "signature_malformed",
    "signature_invalid",
    "cert_untrusted",
    "cert_expired",
    "cert_revoked",
    "revocation_unknown",
    "signer_mismatch",
)
#: an application's states, in the order they come (差戻し: returned with a reason)
APPLICATION_STATUSES = ("受付済", "審査中", "完了", "差戻し")

# ------------------------------------------------------------------- わたしの情報 item status
STATUS_PENDING = "01"
STATUS_DONE = "02"  # finished, results not yet attached (poll once more)
STATUS_RESULTS = "03"
STATUS_NO_RECORD = "04"
STATUS_OVER_CAPACITY = "06"
STATUS_QUEUED = "09"
PENDING_STATUSES = frozenset({STATUS_PENDING, STATUS_QUEUED, STATUS_DONE})

STATUS_TEXT = {
    STATUS_PENDING: "照会中 (pending)",
    STATUS_DONE: "照会完了 (done, results follow)",
    STATUS_RESULTS: "結果あり (results)",
    STATUS_NO_RECORD: "該当なし (nothing on record)",
    STATUS_OVER_CAPACITY: "混雑 (over capacity, retry later)",
    STATUS_QUEUED: "受付待ち (queued)",
}


# ----------------------------------------------------------------------- the operation table
# Everything the portal offers, as plain data. The client's fetch plan, the sandbox's dispatch
# and scope checks, the choices of `myna fetch` and the kinds of ``mynalib.sources.portal_json``
# are all derived from these two tables (see ``PROTOCOL.md``). A new operation is one row here,
# its sandbox handler (``mynalib/portal/sandbox/app.py``, looked up by the operation's name) and
# its parser (``mynalib/sources/portal_json.py``) — plus a frame if it has one.


@dataclass(frozen=True)
class Operation:
    """One operation of the data API: ``POST /api/v1/<name>`` with the JSON envelope."""

    name: str  # the path under API_PREFIX, e.g. "notices/list"
    screen_id: str  # the commonHeader.screenId the request must carry (14 characters)
    scope: str  # the OAuth scope the access token needs
    label: str  # 日本語の名前 (shown to people)
    #: reqBody fields the operation reads
    request: tuple[str, ...] = ()
    #: the resBody key that carries its answer (a list, or "content" for a file)
    answer: str | None = None
    #: answers page by page ({"page", "pageSize"} in, {"page", "pageSize", "total"} out)
    paged: bool = False
    #: asynchronous わたしの情報 operation: the items (:data:`ITEMS`) are requested, then polled
    asynchronous: bool = False
    #: document kind of what the client stores from it (None: nothing stored)
    kind: str | None = None
    #: True: the raw JSON answer is stored (``mynalib.sources.portal_json`` parses it);
    #: False: the base64 ``content`` of the answer is stored, a file in its own format
    raw: bool = True
    #: the answer names the person (``subject``); False: not personal (the catalogue)
    subject: bool = True
    #: the name `myna fetch` offers it under (None: not fetched on its own)
    fetch: str | None = None
    #: for a list: the operation fetched for each listed entry (its documents are stored)
    each: str | None = None
    #: the request carries files (電子申請): a larger request body is accepted
    upload: bool = False


@dataclass(frozen=True)
class Item:
    """One わたしの情報 item, asked for with ``myinfo/request`` and polled with ``myinfo/get``."""

    item_id: str  # "TM" + 14 digits
    name: str  # 表示名
    kind: str  # document kind the client stores the final answer as
    fetch: str  # the `myna fetch` name it is fetched under (several items may share one)
    #: the answer's shape: "results" (flat {hierarchy, code, name, content} rows) or
    #: "drugInfo" (薬剤情報, nested by year and date)
    answer: str = "results"
    #: the category of わたしの情報's menu it is shown under (:data:`MYINFO_CATEGORIES`)
    category: str = ""
    #: 条件を変更して取得: the condition fields the item accepts (:data:`CONDITION_FIELDS`)
    conditions: tuple[str, ...] = ()
    #: a `myna fetch` name that asks for this item alone (besides its group)
    alias: str | None = None


#: わたしの情報's menu, in its order: every item belongs to one of these
MYINFO_CATEGORIES: tuple[str, ...] = (
    "健康・医療",
    "税・所得・口座",
    "年金",
    "子ども・子育て",
    "世帯情報",
    "福祉・介護",
    "雇用保険",
)


#: the わたしの情報 items, in the order `myna fetch all` asks for them
ITEMS: tuple[Item, ...] = (
    Item("TM00000000000101", "年金記録（加入期間）", "portal_pension", "pension", category="年金"),
    Item(
        "TM00000000000701",
        "医療費通知情報",
        "portal_medical",
        "medical",
        category="健康・医療",
        conditions=("from", "to"),
    ),
    Item(
        "TM00000000000703",
        "薬剤情報",
        "portal_drugs",
        "drugs",
        answer="drugInfo",
        category="健康・医療",
        conditions=("from", "to"),
    ),
    Item("TM00000000000702", "特定健診情報", "portal_checkups", "checkups", category="健康・医療"),
    Item(
        "TM00000000000201",
        "税・所得（所得・課税状況）",
        "portal_tax",
        "myinfo",
        category="税・所得・口座",
        conditions=("year",),
        alias="income",
    ),
    Item("TM00000000000301", "世帯情報", "portal_household", "myinfo", category="世帯情報"),
    Item(
        "TM00000000000401",
        "子育て（児童手当）",
        "portal_childcare",
        "myinfo",
        category="子ども・子育て",
    ),
    Item(
        "TM00000000000501",
        "介護・福祉（介護保険）",
        "portal_care",
        "myinfo",
        category="福祉・介護",
    ),
    Item("TM00000000000601", "雇用保険", "portal_employment", "myinfo", category="雇用保険"),
    Item(
        "TM00000000000704",
        "健康保険証（資格情報）",
        "portal_insurance_card",
        "myinfo",
        category="健康・医療",
    ),
    Item("TM00000000000705", "予防接種", "portal_vaccinations", "myinfo", category="健康・医療"),
    Item(
        "TM00000000000202",
        "公金受取口座",
        "portal_bank_account",
        "myinfo",
        category="税・所得・口座",
    ),
)

#: the data API's operations, in the order `myna fetch all` runs the fetchable ones (after ITEMS)
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "myinfo/request",
        "MPW01S0101E001",
        "myinfo",
        "わたしの情報の照会",
        request=("itemIds",),
        answer="items",
        asynchronous=True,
    ),
    Operation(
        "myinfo/get",
        "MPW01S0101E002",
        "myinfo",
        "わたしの情報の照会結果",
        request=("requestId",),
        answer="items",
        asynchronous=True,
    ),
    Operation(
        "deductions/list",
        "MPW06S0601E001",
        "deductions",
        "控除証明書（民間送達）",
        answer="documents",
        fetch="deductions",
        each="deductions/get",
    ),
    Operation(
        "deductions/get",
        "MPW06S0601E002",
        "deductions",
        "控除証明書の XML",
        request=("documentId",),
        answer="content",
        kind="kojo_xml",
        raw=False,
    ),
    Operation(
        "notices/list",
        "MPW02S0201E001",
        "notices",
        "お知らせ",
        request=("page", "pageSize"),
        answer="notices",
        paged=True,
        kind="portal_notices",
        fetch="notices",
    ),
    Operation(
        "notices/read",
        "MPW02S0201E002",
        "notices",
        "お知らせを既読にする",
        request=("noticeIds",),
        answer="updated",
    ),
    Operation(
        "history/list",
        "MPW03S0301E001",
        "myinfo",
        "やりとり履歴",
        request=("page", "pageSize"),
        answer="entries",
        paged=True,
        kind="portal_history",
        fetch="history",
    ),
    Operation(
        "procedures/list",
        "MPW04S0401E001",
        "procedures",
        "手続の一覧",
        request=("category",),
        answer="procedures",
        kind="portal_procedures",
        subject=False,
        fetch="procedures",
    ),
    Operation(
        "applications/list",
        "MPW05S0501E001",
        "procedures",
        "申請状況",
        answer="applications",
        kind="portal_applications",
        fetch="applications",
    ),
    # 電子申請 (PROTOCOL.md §9): form definitions, 様式取得, submission, one application's history
    Operation(
        "forms/get",
        "MPW04S0401E002",
        "procedures",
        "申請フォームの定義",
        request=("procedureId",),
        answer="form",
        subject=False,
    ),
    Operation(
        "forms/template",
        "MPW04S0401E003",
        "procedures",
        "様式取得",
        request=("procedureId", "templateId"),
        answer="content",
        raw=False,
        subject=False,
    ),
    Operation(
        "applications/submit",
        "MPW05S0501E002",
        "procedures",
        "電子申請（送信）",
        request=("procedureId", "submissionId", "fields", "attachments", "signature"),
        answer="application",
        upload=True,
    ),
    Operation(
        "applications/get",
        "MPW05S0501E003",
        "procedures",
        "申請の状況と経過",
        request=("applicationId",),
        answer="application",
    ),
)

OPERATIONS_BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}
ITEMS_BY_ID: dict[str, Item] = {item.item_id: item for item in ITEMS}
ITEM_BY_KIND: dict[str, Item] = {item.kind: item for item in ITEMS}

#: operation → screen id the request must carry
SCREEN_IDS: dict[str, str] = {op.name: op.screen_id for op in OPERATIONS}
#: operation → the scope it needs
OPERATION_SCOPES: dict[str, str] = {op.name: op.scope for op in OPERATIONS}

API_PREFIX = "/api/v1/"


def _fetch_groups() -> dict[str, str]:
    groups: dict[str, list[str]] = {}
    for item in ITEMS:
        groups.setdefault(item.fetch, []).append(item.name)
    for op in OPERATIONS:
        if op.fetch is not None:
            groups.setdefault(op.fetch, []).append(op.label)
    return {name: "、".join(_short(label) for label in labels) for name, labels in groups.items()}


def _short(label: str) -> str:
    """``年金記録（加入期間）`` → ``年金記録`` (the name without its parenthesised detail)."""
    return label.split("（", 1)[0]


#: `myna fetch` names → what they retrieve (Japanese labels), in the order `fetch all` runs them
FETCH_GROUPS: dict[str, str] = _fetch_groups()
#: the operation behind each `myna fetch` name that is not a わたしの情報 item
FETCH_OPERATIONS: dict[str, Operation] = {op.fetch: op for op in OPERATIONS if op.fetch}
#: `myna fetch` name → the わたしの情報 items it asks for (in order)
FETCH_ITEMS: dict[str, tuple[Item, ...]] = {
    name: tuple(i for i in ITEMS if i.fetch == name)
    for name in dict.fromkeys(i.fetch for i in ITEMS)
}

#: `myna fetch` names that ask for one わたしの情報 item alone (``Item.alias``)
FETCH_ALIASES: dict[str, Item] = {i.alias: i for i in ITEMS if i.alias}

# ------------------------------------------------------- 条件を変更して取得 (the conditions)
#: the condition fields of ``myinfo/request`` (``conditions: {itemId: {field: value}}``):
#: ``year`` a 年分 (a whole number), ``from``/``to`` months ``YYYY-MM`` (either may be left out)
CONDITION_FIELDS: dict[str, str] = {
    "year": "年分",
    "from": "開始年月",
    "to": "終了年月",
}


def check_condition(item: Item, condition: object) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(the condition normalised, its problems as (field, message)) of a condition for ``item``:
    only the fields the item accepts, ``year`` a whole number from 1989 to 9999, ``from``/``to``
    months ``YYYY-MM`` with ``from`` ≤ ``to``. The same check runs in the client and the portal."""
    import re

    if not isinstance(condition, dict):
        return {}, [
            ("conditions", "条件はオブジェクトで指定してください / a condition is an object")
        ]
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in condition.items():
        if key not in item.conditions:
            accepted = ", ".join(item.conditions) or "none"
            problems.append(
                (
                    str(key),
                    f"{item.name}では「{CONDITION_FIELDS.get(str(key), key)}」を指定できません"
                    f" / {item.item_id} accepts no {key!r} (accepted: {accepted})",
                )
            )
        elif key == "year":
            if isinstance(value, bool) or not isinstance(value, int) or not 1989 <= value <= 9999:
                problems.append(
                    (
                        "year",
                        "年分は西暦の年（例: 2023）で指定してください / year: a year such as 2023",
                    )
                )
            else:
                out["year"] = value
        elif not isinstance(value, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            problems.append(
                (
                    key,
                    f"{CONDITION_FIELDS[key]}は YYYY-MM（例: 2025-04）で指定してください / {key}: YYYY-MM",
                )
            )
        else:
            out[key] = value
    if "from" in out and "to" in out and out["from"] > out["to"]:
        problems.append(("to", "終了年月が開始年月より前です / to is before from"))
    return out, problems


#: document kinds of the portal's raw JSON answers (parsed by ``mynalib.sources.portal_json``);
#: the deduction certificates are stored as the files they are (``kojo_xml``)
PORTAL_KINDS: tuple[str, ...] = (
    *(item.kind for item in ITEMS),
    *(op.kind for op in OPERATIONS if op.kind and op.raw),
)
#: every kind the portal produces (the JSON kinds and the files it hands out)
DOCUMENT_KINDS: tuple[str, ...] = (
    *PORTAL_KINDS,
    *(op.kind for op in OPERATIONS if op.kind and not op.raw),
)

#: the scopes a login may ask for (the consent); every operation's scope is one of them
SCOPES = ("openid", "profile", "myinfo", "medical", "notices", "procedures", "deductions")
DEFAULT_SCOPE = " ".join(SCOPES)
DEFAULT_CLIENT_ID = "mynalib"
DEFAULT_REDIRECT_URI = "http://127.0.0.1/mynalib/callback"
JPKI_AUTH_SCHEME = "JPKI"
#: what the card signs at login is bound to the portal, the client and the person acted for,
#: so a portal that relays another portal's challenge gets a signature that portal refuses
LOGIN_STATEMENT_VERSION = "mynalib-jpki-login-2"


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-case, default ports left out."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in {("http", 80), ("https", 443)}:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def login_statement(
    *, origin: str, client_id: str, acting_for: str | None, challenge: bytes
) -> bytes:
    """The bytes the card signs at login (it hashes them with SHA-256): the portal's origin as the
    client reached it, the client id, whom the login acts for (empty: oneself) and the challenge."""
    import base64

    lines = (
        LOGIN_STATEMENT_VERSION,
        f"origin={origin_of(origin)}",
        f"client_id={client_id}",
        f"acting_for={acting_for or ''}",
        "challenge=" + base64.urlsafe_b64encode(challenge).rstrip(b"=").decode("ascii"),
    )
    return "\n".join(lines).encode("utf-8")


# ------------------------------------------------------------ login from a smartphone (§2.3)
# A cross-device login modelled on the OAuth 2.0 Device Authorization Grant (RFC 8628): the PC
# asks for a login session and shows its verification URI as a QR code; the phone opens it, shows
# who asks for what, and answers the session's JPKI challenge with the card (NFC) or a スマホ用電子
# 証明書; the PC polls the token endpoint until the phone has answered.

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: token-endpoint errors of a device-code poll (RFC 8628 §3.5): keep polling / poll slower /
#: the session expired / the phone refused
DEVICE_PENDING = "authorization_pending"
DEVICE_SLOW_DOWN = "slow_down"
DEVICE_EXPIRED = "expired_token"
DEVICE_DENIED = "access_denied"
#: seconds a slow_down adds to the polling interval (RFC 8628 §3.5)
DEVICE_SLOW_DOWN_STEP = 5
#: what the phone signs to approve a cross-device login (never the same text as a card-reader
#: login: a signature for one can never be used for the other)
DEVICE_STATEMENT_VERSION = "mynalib-jpki-device-login-1"
#: an approval made on one device and carried to another (``myna phone approve --print-only``,
#: pasted into the verification page): this prefix, then base64url JSON
APPROVAL_PREFIX = "mynalib-approval-1."
#: user codes: 8 letters without vowels (no words, nothing to misread), shown as XXXX-XXXX
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"

#: what each scope lets the service see, as the phone (and ``myna login``) shows it
SCOPE_LABELS: dict[str, str] = {
    "openid": "ログインしたこと（本人の識別子）",
    "profile": "氏名",
    "myinfo": (
        "わたしの情報（年金・税・世帯・子育て・介護・雇用保険・健康保険証・予防接種・公金受取口座）"
        "とやりとり履歴"
    ),
    "medical": "医療保険の情報（薬剤・特定健診・医療費）",
    "notices": "お知らせ",
    "procedures": "手続の検索・電子申請と申請状況",
    "deductions": "控除証明書",
}


def normalize_user_code(text: str) -> str | None:
    """``"bcdf ghjk"`` → ``"BCDF-GHJK"``; None when it cannot be a user code."""
    letters = "".join(ch for ch in text.upper() if ch not in "- \t")
    if len(letters) != 8 or any(ch not in USER_CODE_ALPHABET for ch in letters):
        return None
    return f"{letters[:4]}-{letters[4:]}"


def device_login_statement(
    *,
    origin: str,
    client_id: str,
    acting_for: str | None,
    scope: str,
    user_code: str,
    challenge: bytes,
) -> bytes:
    """The bytes the phone's card (or スマホ用電子証明書) signs to approve a cross-device login:
    the portal's origin as the phone reached it, the client and scope the PC asked for, whom the
    login acts for, the session's user code and its challenge (``PROTOCOL.md`` §2.3)."""
    import base64

    lines = (
        DEVICE_STATEMENT_VERSION,
        f"origin={origin_of(origin)}",
        f"client_id={client_id}",
        f"acting_for={acting_for or ''}",
        f"scope={' '.join(scope.split())}",
        f"user_code={user_code}",
        "challenge=" + base64.urlsafe_b64encode(challenge).rstrip(b"=").decode("ascii"),
    )
    return "\n".join(lines).encode("utf-8")


def encode_approval(*, user_code: str, certificate: bytes, signature: bytes) -> str:
    """An approval as one line of text (to carry from the phone to the verification page)."""
    import base64
    import json

    def b64u(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    body = {"user_code": user_code, "certificate": b64u(certificate), "signature": b64u(signature)}
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return APPROVAL_PREFIX + b64u(raw)


def decode_approval(text: str) -> tuple[str, bytes, bytes]:
    """(user code, certificate DER, signature) of :func:`encode_approval`'s text.

    Raises ValueError when the text is not an approval (whitespace inside is ignored: a pasted
    line may have been wrapped)."""
    import base64
    import binascii
    import json

    compact = "".join(text.split())
    if not compact.startswith(APPROVAL_PREFIX) or len(compact) > 16_384:
        raise ValueError("not a mynalib approval")

    def unb64u(value: object) -> bytes:
        if not isinstance(value, str):
            raise ValueError("not a mynalib approval")
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))

    try:
        body = json.loads(unb64u(compact[len(APPROVAL_PREFIX) :]))
        if not isinstance(body, dict) or not isinstance(body.get("user_code"), str):
            raise ValueError
        return body["user_code"], unb64u(body["certificate"]), unb64u(body["signature"])
    except (ValueError, KeyError, binascii.Error, UnicodeDecodeError):
        raise ValueError("not a mynalib approval") from None


assert all(len(op.screen_id) == 14 for op in OPERATIONS)
assert all(op.scope in SCOPES for op in OPERATIONS)
assert all(item.category in MYINFO_CATEGORIES for item in ITEMS)
assert {item.category for item in ITEMS} == set(MYINFO_CATEGORIES)
assert set(SCOPE_LABELS) == set(SCOPES)
assert all(set(i.conditions) <= set(CONDITION_FIELDS) for i in ITEMS)
assert not set(FETCH_ALIASES) & ({"all"} | set(FETCH_GROUPS))

#: the vault state where a client keeps the logged-in session's public part (no token: see
#: PROTOCOL.md, what the client stores)
SESSION_STATE = "portal.session"
