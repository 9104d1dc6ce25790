"""The ``household_members`` frame: one row per member of the 世帯 (わたしの情報's 世帯情報,
``portal_household``).

Every member's answer lists the whole household, so members are merged by name and date of birth
(whatever the spaces and width of the name): the newest answer wins and nobody is listed twice.
``person`` is whose answer the row comes from; ``head`` says who is the 世帯主.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..jp.names import name_key
from . import _portal
from .schema import BOOL, DATE, INT, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "household_members",
    {
        "name": TEXT,
        "relation": TEXT,
        "birth_date": DATE,
        "sex": TEXT,
        "head": BOOL,
        "address": TEXT,
        "person": TEXT,
        "source_id": INT,
    },
    None,
    description="one row per member of the 世帯 (氏名, 続柄, 生年月日, 性別, 世帯主)",
)


def build_household_members(docs: Sequence[Document]) -> pd.DataFrame:
    merged: dict[tuple[str, Any], _portal.Record] = {}
    for rec in _portal.portal_rows(docs):  # oldest answer first: the newest wins
        merged[(name_key(rec.get("name") or ""), rec.get("birth_date"))] = rec
    return _portal.frame_of(list(merged.values()))


FRAME = Frame(SPEC, ((("portal_household",), build_household_members),))
