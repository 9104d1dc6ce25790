"""The ``procedures`` frame: one row per procedure of the portal's catalogue
(``portal_procedures``; the newest answer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _portal
from .schema import BOOL, INT, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "procedures",
    {
        "procedure_id": TEXT,
        "name": TEXT,
        "category": TEXT,
        "life_event": TEXT,
        "audience": TEXT,
        "deadline_rule": TEXT,
        "deadline_days": INT,
        "online": BOOL,
        "signature_required": BOOL,
    },
    None,
    person_column=None,
    description="one row per procedure of the catalogue",
)


def build_procedures(docs: Sequence[Document]) -> pd.DataFrame:
    return _portal.frame_of(_portal.without_source_id(_portal.portal_rows(docs)))


FRAME = Frame(SPEC, ((("portal_procedures",), build_procedures),))
