"""The ``pension_periods`` frame: one row per pension enrolment period.

Rows come from the pension-record CSV template (:mod:`mynalib.sources.nenkin_csv`) and from the
portal's 年金 answers (``portal_pension``): only the newest answer per person, and none for a
person a CSV covers (a file beats the portal).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..sources import nenkin_csv
from ..sources.records import PensionPeriod
from . import _portal
from ._rows import record_frame
from .schema import DATE, INT, MONEY, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "pension_periods",
    {
        "person": TEXT,
        "scheme": TEXT,
        "employer": TEXT,
        "start": DATE,
        "end": DATE,
        "months": INT,
        "monthly_remuneration": MONEY,
        "status": TEXT,
        "source_id": INT,
    },
    None,
    description="one row per pension enrolment period",
)


def build_pension_periods(documents: Sequence[Document]) -> pd.DataFrame:
    """One row per enrolment period of the pension-record CSVs."""
    import pandas as pd

    def columns(rec: PensionPeriod) -> dict[str, Any]:
        return {
            "scheme": rec.scheme,
            "employer": rec.employer,
            "start": pd.Timestamp(rec.start),
            "end": pd.Timestamp(rec.end) if rec.end else pd.NaT,
            "months": rec.months,
            "monthly_remuneration": rec.monthly_remuneration,
            "status": rec.status,
        }

    return record_frame(SPEC, documents, nenkin_csv.parse, columns)


def _person(person: str | None, meta: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """What a pension-record CSV covers: its person's whole record."""
    yield (person,)


def build_from_portal(docs: Sequence[Document]) -> pd.DataFrame:
    covered, portal = _portal.covered_by_files(docs, nenkin_csv.KIND, _person)
    rows = _portal.portal_rows(portal)
    return _portal.frame_of([r for r in rows if (r["person"],) not in covered])


FRAME = Frame(
    SPEC,
    (
        ((nenkin_csv.KIND,), build_pension_periods),
        (("portal_pension", nenkin_csv.KIND), build_from_portal),
    ),
)
