"""The ``vaccinations`` frame: one row per dose (わたしの情報's 予防接種, ``portal_vaccinations``):
the vaccine, which dose, the date, 定期/任意/臨時 and where. The newest answer per person counts;
:mod:`mynalib.analysis.vaccinations` compares a child's doses with the routine schedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _portal
from .schema import DATE, INT, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "vaccinations",
    {
        "person": TEXT,
        "date": DATE,
        "vaccine": TEXT,
        "dose": TEXT,
        "category": TEXT,
        "place": TEXT,
        "source_id": INT,
    },
    "date",
    description="one row per vaccination (ワクチン, 回数, 接種日, 区分, 実施機関)",
)


def build_vaccinations(docs: Sequence[Document]) -> pd.DataFrame:
    rows = _portal.portal_rows(docs)
    rows.sort(key=lambda r: (str(r.get("person")), r["date"] or "", r.get("vaccine") or ""))
    return _portal.frame_of(rows)


FRAME = Frame(SPEC, ((("portal_vaccinations",), build_vaccinations),))
