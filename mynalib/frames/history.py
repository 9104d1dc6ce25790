"""The ``history`` frame: one row per やりとり履歴 entry (``portal_history`` pages).

Pages are merged by identical entry (person, date, requester, provider, item, purpose); rows come
newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import _portal
from .schema import DATE, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "history",
    {
        "date": DATE,
        "requester": TEXT,
        "provider": TEXT,
        "item": TEXT,
        "purpose": TEXT,
        "person": TEXT,
    },
    "date",
    description="one row per やりとり履歴 entry",
)

_ENTRY = ("person", "date", "requester", "provider", "item", "purpose")


def build_history(docs: Sequence[Document]) -> pd.DataFrame:
    seen: dict[tuple[Any, ...], _portal.Record] = {}
    for rec in _portal.portal_rows(docs, snapshot=False):
        seen[tuple(rec.get(k) for k in _ENTRY)] = rec
    rows = sorted(seen.values(), key=lambda r: r["date"], reverse=True)
    return _portal.frame_of(_portal.without_source_id(rows))


FRAME = Frame(SPEC, ((("portal_history",), build_history),))
