"""回答一覧: わたしの情報 items a fetch left pending, kept in the vault until a later fetch gets them.

The portal answers わたしの情報 asynchronously: a request is made, then polled. When a fetch stops
polling before the portal has answered (``PortalClient.max_wait``), the request id is kept here —
in the vault's encrypted state, like the session — so the next ``myna fetch`` polls the same
request first, and ``myna fetch --pending`` polls only those. A request id the portal no longer
knows (8404) is asked anew by the client.

The vault is duck-typed (``get_state``/``set_state``): this module sits below the vault's layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from .client import FetchReport, PendingItem

#: the vault state key holding the pending requests (a list of dicts)
STATE_PENDING = "portal.pending"


class StateStore(Protocol):
    def get_state(self, key: str, default: Any = None) -> Any: ...

    def set_state(self, key: str, value: Any) -> None: ...


def load(vault: StateStore, person_id: str | None = None) -> list[PendingItem]:
    """The kept pending items (only ``person_id``'s when given), oldest request first."""
    out = []
    for row in vault.get_state(STATE_PENDING) or []:
        if not isinstance(row, dict) or not row.get("item_id") or not row.get("request_id"):
            continue
        item = PendingItem(
            str(row["item_id"]),
            str(row["request_id"]),
            float(row.get("requested_at") or 0.0),
            row.get("person_id"),
        )
        if person_id is None or item.person_id in (None, person_id):
            out.append(item)
    return sorted(out, key=lambda p: p.requested_at)


def save(vault: StateStore, items: Iterable[PendingItem]) -> None:
    rows = [
        {
            "item_id": p.item_id,
            "request_id": p.request_id,
            "requested_at": p.requested_at,
            "person_id": p.person_id,
        }
        for p in items
    ]
    vault.set_state(STATE_PENDING, rows or None)


def update(vault: StateStore, report: FetchReport, person_id: str | None) -> list[PendingItem]:
    """After a fetch for ``person_id``: drop what it answered (or failed on for good), keep what
    is still pending (its newest request id). Other persons' items stay as they are."""
    kept = {
        (p.person_id, p.item_id): p
        for p in load(vault)
        if not (p.person_id in (None, person_id) and p.item_id in report.answered)
    }
    for p in report.pending:
        kept.pop((None, p.item_id), None)
        kept[(p.person_id, p.item_id)] = p
    items = sorted(kept.values(), key=lambda p: p.requested_at)
    save(vault, items)
    return items
