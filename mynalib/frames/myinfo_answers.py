"""The ``myinfo_answers`` frame: what the portal answered for each わたしの情報 item and person —
the newest answer's status: ``03`` (records) or ``04`` (該当なし: nothing on record, which a frame
of that item cannot show: it simply has no rows). Notebooks and dashboards read it to say
「記録がありません」 instead of showing nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timezone
from typing import TYPE_CHECKING

from ..portal.protocol import ITEM_BY_KIND, ITEMS, MYINFO_CATEGORIES, STATUS_NO_RECORD
from ..sources import portal_json
from . import _portal
from .schema import BOOL, DATE, INT, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "myinfo_answers",
    {
        "kind": TEXT,
        "category": TEXT,
        "item": TEXT,
        "person": TEXT,
        "status": TEXT,
        "nothing_on_record": BOOL,
        "as_of": DATE,
        "fetched_at": DATE,
        "source_id": INT,
    },
    None,
    description="one row per わたしの情報 item and person: the newest answer's status (04: 該当なし)",
)

KINDS = tuple(item.kind for item in ITEMS)
#: わたしの情報's menu in its order, and its items as (kind, name, category): what a table of the
#: answers lists (an item not fetched yet included)
CATEGORIES: tuple[str, ...] = MYINFO_CATEGORIES
ITEM_ROWS: tuple[tuple[str, str, str], ...] = tuple((i.kind, i.name, i.category) for i in ITEMS)


def build_myinfo_answers(docs: Sequence[Document]) -> pd.DataFrame:
    order = {kind: i for i, kind in enumerate(KINDS)}
    rows = []
    for doc in _portal.latest_per_person(docs):
        try:
            answer = portal_json.answer_status(doc.data)
        except Exception:  # noqa: S112 - not an answer: its own frame reports it
            continue
        fetched = doc.fetched_at
        if fetched.tzinfo is not None:
            fetched = fetched.astimezone(timezone.utc).replace(tzinfo=None)
        rows.append(
            {
                "kind": doc.kind,
                "category": ITEM_BY_KIND[doc.kind].category,
                "item": ITEM_BY_KIND[doc.kind].name,
                "person": answer["person"] or doc.person,
                "status": answer["status"],
                "nothing_on_record": answer["status"] == STATUS_NO_RECORD,
                "as_of": answer["as_of"],
                "fetched_at": fetched,
                "source_id": doc.id,
            }
        )
    rows.sort(key=lambda r: (order.get(str(r["kind"]), 99), str(r["person"])))
    return _portal.frame_of(rows)


FRAME = Frame(SPEC, ((KINDS, build_myinfo_answers),))
