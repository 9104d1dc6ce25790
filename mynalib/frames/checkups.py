"""The ``checkups`` frame: one row per 特定健診 result item.

Rows come from 特定健診 XML files (:mod:`mynalib.sources.kenshin_cda`) and from the portal's 健診
answers (``portal_checkups``): only the newest answer per person, and none of its checkups on a
day a file of that person covers (a file beats the portal).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..sources import kenshin_cda
from ..sources.records import CheckupItem
from . import _portal
from ._rows import record_frame
from .schema import DATE, INT, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "checkups",
    {
        "person": TEXT,
        "date": DATE,
        "institution": TEXT,
        "code": TEXT,
        "item": TEXT,
        "value": "Float64",
        "value_text": TEXT,
        "unit": TEXT,
        "source_id": INT,
    },
    "date",
    description="one row per 特定健診 result item",
)


def build_checkups(documents: Sequence[Document]) -> pd.DataFrame:
    """One row per result item of the 特定健診 XML files."""
    import pandas as pd

    def columns(rec: CheckupItem) -> dict[str, Any]:
        return {
            "date": pd.Timestamp(rec.date) if rec.date else pd.NaT,
            "institution": rec.institution,
            "code": rec.code,
            "item": rec.item,
            "value": rec.value,
            "value_text": rec.value_text,
            "unit": rec.unit,
        }

    return record_frame(SPEC, documents, kenshin_cda.parse, columns)


def _day(person: str | None, meta: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """What a 特定健診 XML covers: (person, the checkup's date)."""
    if meta.get("date"):
        yield (person, meta["date"])


def build_from_portal(docs: Sequence[Document]) -> pd.DataFrame:
    covered, portal = _portal.covered_by_files(docs, kenshin_cda.KIND, _day)
    rows = _portal.portal_rows(portal)
    return _portal.frame_of([r for r in rows if (r["person"], r["date"]) not in covered])


FRAME = Frame(
    SPEC,
    (
        ((kenshin_cda.KIND,), build_checkups),
        (("portal_checkups", kenshin_cda.KIND), build_from_portal),
    ),
)
