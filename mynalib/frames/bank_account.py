"""The ``bank_account`` frame: the 公金受取口座 (わたしの情報's 公金受取口座,
``portal_bank_account``): one row per person, ``registered`` or not, and which account (金融機関,
支店, 預金種目, the number as the portal masks it, 名義, 登録年月日).

``account_number`` is masked wherever the frame is shown (but for its last 3 digits, as the portal
shows it). The newest answer per person counts. :mod:`mynalib.apply.bank` reads this frame.
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
    "bank_account",
    {
        "person": TEXT,
        "registered": BOOL,
        "bank_name": TEXT,
        "branch_name": TEXT,
        "account_type": TEXT,
        "account_number": TEXT,
        "account_holder": TEXT,
        "registered_on": DATE,
        "source_id": INT,
    },
    None,
    description="公金受取口座: registered or not, 金融機関, 支店, 種目, 口座番号 (masked)",
    secret={"account_number": 3},
)


def build_bank_account(docs: Sequence[Document]) -> pd.DataFrame:
    return _portal.frame_of(_portal.portal_rows(docs))


FRAME = Frame(SPEC, ((("portal_bank_account",), build_bank_account),))
