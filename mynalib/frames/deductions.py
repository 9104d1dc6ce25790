"""The ``deductions`` frame: one row per 控除証明書 line (:mod:`mynalib.sources.kojo_xml`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..sources import kojo_xml
from ..sources.records import Deduction
from ._rows import record_frame
from .schema import INT, MONEY, TEXT, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

SPEC = FrameSpec(
    "deductions",
    {
        "person": TEXT,
        "year": INT,
        "form": TEXT,
        "category": TEXT,
        "issuer": TEXT,
        "paid": MONEY,
        "declared": MONEY,
        "contract_regime": TEXT,
        "signature": TEXT,
        "detail": "object",
        "source_id": INT,
    },
    "year",
    description="one row per 控除証明書 line",
)

#: values of ``deductions.category`` (what the tax calculators read), with their meaning.
#: ``paid`` is the certified amount (証明額, net of dividends for life insurance); ``declared`` is the
#: amount to declare (申告額: the 12月末 projection of TEG800/TEG840/TEG850 when the certificate has
#: one, else equal to ``paid``). ``contract_regime`` is "new"/"old" for life insurance, "earthquake"/
#: "old_long_term" for TEG810, else <NA>. ``detail`` is a dict of form-specific extras (policy number,
#: contract start, donation date and recipient, cancelled flag, per-year split of prepaid premiums as
#: ``{"by_year": {2025: 12345, 2026: 6789}}``, 月別 status, the amount used and ``used``:
#: "certified"|"projected").
DEDUCTION_CATEGORIES: dict[str, str] = {
    "life_general": "生命保険料（一般） — TEG800, regime new or old",
    "life_medical_care": "介護医療保険料 — TEG800, new regime only",
    "life_pension": "個人年金保険料 — TEG800, regime new or old",
    "earthquake": "地震保険料 — TEG810 (contract_regime earthquake or old_long_term)",
    "donation": "寄附金 — TEG820/821/822/830; detail['furusato'] True for 都道府県・市区町村",
    "social_insurance": "社会保険料（国民年金保険料・国民年金基金） — TEG840",
    "small_business_mutual": "小規模企業共済等掛金（小規模企業共済・iDeCo） — TEG850",
}


def build_deductions(documents: Sequence[Document]) -> pd.DataFrame:
    """One row per certificate line (see :mod:`mynalib.sources.kojo_xml` for ``detail``)."""

    def columns(rec: Deduction) -> dict[str, Any]:
        return {
            "year": rec.year,
            "form": rec.form,
            "category": rec.category,
            "issuer": rec.issuer,
            "paid": rec.paid,
            "declared": rec.declared,
            "contract_regime": rec.contract_regime,
            "signature": rec.signature,
            "detail": rec.detail,
        }

    return record_frame(SPEC, documents, kojo_xml.parse, columns)


FRAME = Frame(SPEC, (((kojo_xml.KIND,), build_deductions),))
