"""The ``employment_insurance`` frame: one row per 雇用保険 被保険者資格 (わたしの情報's 雇用保険,
``portal_employment``): the 事業所, 資格取得年月日, 離職年月日 and 喪失原因; ``insured`` while
there is no 離職.

``insured_number`` (被保険者番号) is masked wherever the frame is shown. The newest answer per
person counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _portal
from .schema import BOOL, DATE, INT, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "employment_insurance",
    {
        "person": TEXT,
        "employer": TEXT,
        "acquired_on": DATE,
        "left_on": DATE,
        "insured": BOOL,
        "loss_reason": TEXT,
        "category": TEXT,
        "insured_number": TEXT,
        "source_id": INT,
    },
    None,
    description="雇用保険: 事業所, 資格取得, 離職",
    secret={"insured_number": 4},
)


def build_employment_insurance(docs: Sequence[Document]) -> pd.DataFrame:
    rows = _portal.portal_rows(docs)
    return _portal.frame_of(rows)


FRAME = Frame(SPEC, ((("portal_employment",), build_employment_insurance),))
