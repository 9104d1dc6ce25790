"""The ``insurance_cards`` frame: one row per health-insurance enrolment (わたしの情報's
健康保険証（資格情報）, ``portal_insurance_card``): 保険者, 記号・番号・枝番, 本人/家族, 資格取得・
喪失, 一部負担金の割合; ``valid`` while not 喪失.

``symbol`` and ``number`` (記号・番号) are personal numbers: masked wherever the frame is shown.
The newest answer per person counts.
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
    "insurance_cards",
    {
        "person": TEXT,
        "insurer": TEXT,
        "insurer_number": TEXT,
        "symbol": TEXT,
        "number": TEXT,
        "branch": TEXT,
        "relation": TEXT,
        "acquired_on": DATE,
        "lost_on": DATE,
        "valid": BOOL,
        "copay": TEXT,
        "source_id": INT,
    },
    None,
    description="健康保険証（資格情報）: 保険者, 記号・番号, 本人/家族, 資格取得日",
    secret={"symbol": 0, "number": 2},
)


def build_insurance_cards(docs: Sequence[Document]) -> pd.DataFrame:
    return _portal.frame_of(_portal.portal_rows(docs))


FRAME = Frame(SPEC, ((("portal_insurance_card",), build_insurance_cards),))
