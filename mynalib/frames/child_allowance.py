"""The ``child_allowance`` frame: one row per 対象児童 of 児童手当 (わたしの情報's 子育て,
``portal_childcare``): the 受給者, the child, the 支給月額, 支給状況 and the months it is paid for
(``first_month`` … ``last_month``). Only the 受給者 has rows; the newest answer per person counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _portal
from .schema import DATE, INT, MONEY, MONTH, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "child_allowance",
    {
        "person": TEXT,
        "recipient": TEXT,
        "child": TEXT,
        "monthly_amount": MONEY,
        "status": TEXT,
        "certified_on": DATE,
        "first_month": MONTH,
        "last_month": MONTH,
        "source_id": INT,
    },
    None,
    description="one row per child of 児童手当 (状況, 支給月額, 支給期間)",
)


def build_child_allowance(docs: Sequence[Document]) -> pd.DataFrame:
    return _portal.frame_of(_portal.portal_rows(docs))


FRAME = Frame(SPEC, ((("portal_childcare",), build_child_allowance),))
