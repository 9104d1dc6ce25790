"""The ``care_insurance`` frame: 介護保険 (わたしの情報's 介護・福祉, ``portal_care``): the 認定
(状況, 年月日, 要介護状態区分, 有効期間), the 負担割合 and the 介護保険料 (年額, 段階, 徴収方法).

``insured_number`` (被保険者番号) is a personal number: masked wherever the frame is shown
(:attr:`~mynalib.frames.schema.FrameSpec.secret`). The newest answer per person counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _portal
from .schema import DATE, INT, MONEY, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "care_insurance",
    {
        "person": TEXT,
        "insured_number": TEXT,
        "certification": TEXT,
        "certified_on": DATE,
        "care_level": TEXT,
        "start": DATE,
        "end": DATE,
        "copay": TEXT,
        "annual_premium": MONEY,
        "premium_stage": TEXT,
        "collection": TEXT,
        "source_id": INT,
    },
    None,
    description="介護保険: 認定, 要介護度, 認定有効期間, 負担割合, 保険料",
    secret={"insured_number": 4},
)


def build_care_insurance(docs: Sequence[Document]) -> pd.DataFrame:
    return _portal.frame_of(_portal.portal_rows(docs))


FRAME = Frame(SPEC, ((("portal_care",), build_care_insurance),))
