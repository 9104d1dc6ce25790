"""お知らせ read marks, kept the same on this computer and on the portal.

The person marks a notice read (or unread) here — the notices dashboard — and the mark is kept in
the vault's state (``notices.read``: {notice id: read}, over the portal's own flag). A notice
marked read here is also put in an outbox (``notices.read_outbox``) and sent to the portal with
``notices/read`` at the next login or fetch (:func:`send_marks`): the portal then shows it read
too. A fetch brings the portal's read state back (:func:`take_portal_state`): a notice the portal
newly says is read (read on the portal's own site, or from another computer) shows read here,
whatever was marked here before; one already sent leaves the outbox. 「未読に戻す」 stays on this
computer: the portal has no way to mark a notice unread.

The state store is anything with ``get_state``/``set_state`` (the vault).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from ..document import Document
from ..errors import PortalError
from ..log import get_logger

log = get_logger("mynalib.portal")

#: {notice id: read} — what the person marked here, over the portal's flag
READ_KEY = "notices.read"
#: [{"id", "person"}] — marked read here, not yet sent to the portal
OUTBOX_KEY = "notices.read_outbox"
#: {person: [notice ids]} — what the portal said was read at the last fetch
PORTAL_READ_KEY = "notices.portal_read"


class StateStore(Protocol):
    def get_state(self, key: str, default: Any = None) -> Any: ...

    def set_state(self, key: str, value: Any) -> None: ...


def marks(state: StateStore) -> dict[str, bool]:
    return {str(k): bool(v) for k, v in (state.get_state(READ_KEY, {}) or {}).items()}


def outbox(state: StateStore) -> list[dict[str, Any]]:
    return [dict(e) for e in state.get_state(OUTBOX_KEY, []) or [] if isinstance(e, dict)]


def mark(state: StateStore, notice_id: str, read: bool, *, person: str | None = None) -> None:
    """The person marked ``notice_id`` read (or unread) here; a read mark waits in the outbox
    for the next login or fetch."""
    current = marks(state)
    current[notice_id] = read
    state.set_state(READ_KEY, current)
    box = [e for e in outbox(state) if e.get("id") != notice_id]
    if read:
        box.append({"id": notice_id, "person": person})
    state.set_state(OUTBOX_KEY, box)


def send_marks(client: Any, state: StateStore) -> int:
    """Send the outbox's marks of the session's person with ``notices/read``; returns how many
    the portal took. Notices the portal no longer knows are dropped from the outbox; any other
    failure leaves them for the next time (and is logged, never raised: a fetch goes on)."""
    session = getattr(client, "session", None)
    me = session.person_name if session is not None else None
    box = outbox(state)
    mine = [e for e in box if e.get("person") in (None, me)]
    if not mine:
        return 0
    ids = list(dict.fromkeys(str(e["id"]) for e in mine))
    sent: set[str] = set()
    try:
        client.mark_read(ids)
        sent = set(ids)
    except PortalError as exc:
        if "8404" not in str(exc):
            log.warning("notices/read failed, kept for the next time: %s", type(exc).__name__)
            return 0
        for notice_id in ids:  # one of them is unknown to the portal: the others still go
            try:
                client.mark_read([notice_id])
            except PortalError as again:
                if "8404" not in str(again):
                    log.warning("notices/read failed: %s", type(again).__name__)
                    continue
            sent.add(notice_id)
    state.set_state(OUTBOX_KEY, [e for e in box if str(e.get("id")) not in sent])
    return len(sent)


def _portal_read(documents: Iterable[Document]) -> dict[str, set[str]]:
    """{person: ids the portal says are read} of fetched ``portal_notices`` pages."""
    out: dict[str, set[str]] = {}
    for doc in documents:
        if doc.kind != "portal_notices":
            continue
        try:
            body = json.loads(doc.data)["resBody"]
            notices = body.get("notices") or []
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        person = str(doc.person or "")
        seen = out.setdefault(person, set())
        seen.update(str(n["noticeId"]) for n in notices if isinstance(n, dict) and n.get("read"))
    return out


def take_portal_state(state: StateStore, documents: Iterable[Document]) -> list[str]:
    """After a fetch of ``notices``: what the portal newly says is read shows read here (a mark
    made here before gives way), and leaves the outbox. Returns those notice ids."""
    now = _portal_read(documents)
    if not now:
        return []
    before = {str(k): set(v) for k, v in (state.get_state(PORTAL_READ_KEY, {}) or {}).items()}
    newly = sorted({i for person, ids in now.items() for i in ids - before.get(person, set())})
    if newly:
        current = marks(state)
        for notice_id in newly:
            current.pop(notice_id, None)
        state.set_state(READ_KEY, current)
    read_now = {i for ids in now.values() for i in ids}
    box = outbox(state)
    kept = [e for e in box if str(e.get("id")) not in read_now]
    if kept != box:
        state.set_state(OUTBOX_KEY, kept)
    state.set_state(PORTAL_READ_KEY, {**before, **{p: sorted(ids) for p, ids in now.items()}})
    return newly
