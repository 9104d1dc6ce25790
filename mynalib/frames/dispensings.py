"""The ``dispensings`` frame: one row per drug line of a dispensing (薬剤情報).

Rows come from the portal's 薬剤情報 answers (``portal_drugs``, :mod:`mynalib.sources.portal_json`);
each answer is a full snapshot, so only the newest per person is read.
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
    "dispensings",
    {
        "person": TEXT,
        "date": DATE,
        "prescriber": TEXT,
        "pharmacy": TEXT,
        "drug": TEXT,
        "drug_raw": TEXT,
        "quantity": TEXT,
        "usage": TEXT,
        "days": INT,
        "route": TEXT,
        "source_id": INT,
    },
    "date",
    description="one row per drug line of a dispensing (薬剤情報)",
)


def build_dispensings(docs: Sequence[Document]) -> pd.DataFrame:
    return _portal.frame_of(_portal.portal_rows(docs))


FRAME = Frame(SPEC, ((("portal_drugs",), build_dispensings),))
