"""Constants of the portal protocol (``PROTOCOL.md``): shared by the client and the sandbox.

Nothing here does I/O. The screen ids, operation paths, result and status codes and the わたしの情報
item ids are the single source of truth for both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# ------------------------------------------------------------------------- わたしの情報 items
@dataclass(frozen=True)
class Item:
    item_id: str  # "TM" + 14 digits
    name: str  # 表示名
    kind: str  # document kind the client stores the final answer as
    fetch: str  # the `myna fetch` group it belongs to


ITEMS: tuple[Item, ...] = (
    Item("TM00000000000101", "年金記録（加入期間）", "portal_pension", "pension"),
    Item("TM00000000000201", "税・所得（所得・課税状況）", "portal_tax", "myinfo"),
    Item("TM00000000000301", "世帯情報", "portal_household", "myinfo"),
    Item("TM00000000000401", "子育て（児童手当）", "portal_childcare", "myinfo"),
    Item("TM00000000000501", "介護・福祉（介護保険）", "portal_care", "myinfo"),
    Item("TM00000000000601", "雇用保険", "portal_employment", "myinfo"),
    Item("TM00000000000701", "医療費通知情報", "portal_medical", "medical"),
    Item("TM00000000000702", "特定健診情報", "portal_checkups", "checkups"),
    Item("TM00000000000703", "薬剤情報", "portal_drugs", "drugs"),
)
ITEMS_BY_ID = {item.item_id: item for item in ITEMS}
ITEM_BY_KIND = {item.kind: item for item in ITEMS}

# ------------------------------------------------------------------------------ operations
#: operation path (under ``/api/v1/``) → screen id the request must carry (14 characters)
SCREEN_IDS: dict[str, str] = {
    "myinfo/request": "MPW01S0101E001",
    "myinfo/get": "MPW01S0101E002",
    "notices/list": "MPW02S0201E001",
    "notices/read": "MPW02S0201E002",
    "history/list": "MPW03S0301E001",
    "procedures/list": "MPW04S0401E001",
    "applications/list": "MPW05S0501E001",
    "deductions/list": "MPW06S0601E001",
    "deductions/get": "MPW06S0601E002",
}
assert all(len(s) == 14 for s in SCREEN_IDS.values())

API_PREFIX = "/api/v1/"

#: `myna fetch` groups → what they retrieve
FETCH_GROUPS: dict[str, str] = {
    "pension": "年金記録 (わたしの情報 TM00000000000101)",
    "medical": "医療費通知情報 (TM00000000000701)",
    "drugs": "薬剤情報 (TM00000000000703)",
    "checkups": "特定健診情報 (TM00000000000702)",
    "myinfo": "the other わたしの情報 items: 税・所得, 世帯, 子育て, 介護・福祉, 雇用保険",
    "deductions": "控除証明書 XML held by 民間送達 services (stored as kojo_xml)",
    "notices": "お知らせ",
    "history": "やりとり履歴",
    "procedures": "the procedure catalogue",
    "applications": "申請状況",
}

#: document kinds the portal produces (besides kojo_xml for the deduction certificates)
PORTAL_KINDS: tuple[str, ...] = (
    *(item.kind for item in ITEMS),
    "portal_notices",
    "portal_history",
    "portal_procedures",
    "portal_applications",
)

SCOPES = ("openid", "profile", "myinfo", "medical", "notices", "procedures", "deductions")
DEFAULT_SCOPE = " ".join(SCOPES)
DEFAULT_CLIENT_ID = "mynalib"
DEFAULT_REDIRECT_URI = "http://127.0.0.1/mynalib/callback"
JPKI_AUTH_SCHEME = "JPKI"
