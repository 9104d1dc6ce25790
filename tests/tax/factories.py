"""Hand-built frames with the documented columns (:mod:`mynalib.frames`) for the tax tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mynalib.frames import conform

TARO = "見本　太郎"
HANAKO = "見本　花子"
SORA = "見本　そら"
UME = "見本　うめ"


def medical(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    """rows: (person, "YYYY-MM", 診療区分, provider, 窓口相当負担額)."""
    df = pd.DataFrame(
        {
            "person": [r[0] for r in rows],
            "month": pd.PeriodIndex([r[1] for r in rows], freq="M"),
            "category": [r[2] for r in rows],
            "provider": [r[3] for r in rows],
            "provider_raw": [r[3] for r in rows],
            "days": [1] * len(rows),
            "total_cost": [r[4] * 10 // 3 for r in rows],
            "insurer_paid": [r[4] * 7 // 3 for r in rows],
            "public_paid": [0] * len(rows),
            "patient_share": [r[4] for r in rows],
            "insurer": ["見本健康保険組合"] * len(rows),
            "source_id": list(range(1, len(rows) + 1)),
        }
    )
    return conform("medical_expenses", df)


def cert(
    category: str,
    paid: int,
    *,
    person: str = TARO,
    year: int = 2025,
    regime: str | None = None,
    declared: int | None = None,
    form: str = "TEG800",
    issuer: str = "見本生命",
    detail: dict[str, Any] | None = None,
    signature: str = "valid",
) -> dict[str, Any]:
    return {
        "person": person,
        "year": year,
        "form": form,
        "category": category,
        "issuer": issuer,
        "paid": paid,
        "declared": paid if declared is None else declared,
        "contract_regime": regime,
        "signature": signature,
        "detail": detail or {},
        "source_id": 1,
    }


def deductions(*rows: dict[str, Any]) -> pd.DataFrame:
    if not rows:
        from mynalib.frames import empty

        return empty("deductions")
    return conform("deductions", pd.DataFrame(list(rows)))
