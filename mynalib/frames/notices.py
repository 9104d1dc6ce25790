"""The ``notices`` frame: one row per お知らせ (``portal_notices`` pages).

Pages are merged by (person, ``notice_id``), reading the documents oldest first, so the latest
read state wins; rows come newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _portal
from .schema import BOOL, DATE, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "notices",
    {
        "notice_id": TEXT,
        "date": DATE,
        "sender": TEXT,
        "category": TEXT,
        "title": TEXT,
        "body": TEXT,
        "read": BOOL,
        "person": TEXT,
    },
    "date",
    description="one row per お知らせ",
)


def build_notices(docs: Sequence[Document]) -> pd.DataFrame:
    merged: dict[tuple[str | None, str], _portal.Record] = {}
    for rec in _portal.portal_rows(docs, snapshot=False):  # oldest first: the latest state wins
        merged[(rec.get("person"), rec["notice_id"])] = rec
    rows = sorted(merged.values(), key=lambda r: (r["date"], r["notice_id"]), reverse=True)
    return _portal.frame_of(_portal.without_source_id(rows))


FRAME = Frame(SPEC, ((("portal_notices",), build_notices),))
