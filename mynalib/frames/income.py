"""The ``income`` frame: one row per person and 年分 from わたしの情報's 税・所得 (``portal_tax``).

The 所得 by kind (給与, 事業, 公的年金等, 雑, and ``other_*`` for the rest, named in
``other_kinds``): ``*_revenue`` is the 収入金額, ``*_income`` the 所得金額; ``total_income`` is the
総所得金額等; ``taxable_standard`` the 住民税's 課税標準額; ``municipal_levy`` and
``prefectural_levy`` the 市区町村民税 and 道府県民税 所得割額 as the answer gives them
(``resident_levy`` when it gives only a whole 所得割額). The 所得割額 of 年分 Y is the 住民税 of
年度 Y+1, levied on Y's income. Only the newest answer per person counts: each is a full snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..sources.portal_json import INCOME_COLUMNS
from . import _portal
from .schema import INT, MONEY, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "income",
    {
        "person": TEXT,
        "year": INT,
        **dict.fromkeys(INCOME_COLUMNS, MONEY),
        "other_kinds": TEXT,
        "total_income": MONEY,
        "taxable_standard": MONEY,
        "municipal_levy": MONEY,
        "prefectural_levy": MONEY,
        "resident_levy": MONEY,
        "tax_status": TEXT,
        "source_id": INT,
    },
    "year",
    description="one row per person and 年分: 所得 by kind, 課税標準, 住民税所得割額",
)


def build_income(docs: Sequence[Document]) -> pd.DataFrame:
    rows = _portal.portal_rows(docs)
    rows.sort(key=lambda r: (r["year"], r["source_id"] or 0))
    return _portal.frame_of(rows)


FRAME = Frame(SPEC, ((("portal_tax",), build_income),))
