"""The ``applications`` frame: one row per 申請 (``portal_applications``; the newest answer per
person)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _portal
from .schema import DATE, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "applications",
    {
        "application_id": TEXT,
        "procedure_id": TEXT,
        "submitted": DATE,
        "status": TEXT,
        "updated": DATE,
        "reason": TEXT,  # why it was returned (差戻し); empty otherwise
        "person": TEXT,
    },
    "submitted",
    description="one row per 申請",
)


def build_applications(docs: Sequence[Document]) -> pd.DataFrame:
    return _portal.frame_of(_portal.portal_rows(docs))


FRAME = Frame(SPEC, ((("portal_applications",), build_applications),))
