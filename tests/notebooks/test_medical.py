"""mynalib.analysis.medical: monthly tables, top providers, the cumulative curve."""

from __future__ import annotations

import pandas as pd
import pytest

from mynalib import frames
from mynalib.analysis import medical

from .handmade import HANAKO, TARO, medical_expenses


def test_monthly_by_person_fills_every_month() -> None:
    t = medical.monthly(medical_expenses(), by="person")
    assert len(t) == 12  # 2025-01 .. 2025-12, empty months as 0
    assert t.loc[pd.Period("2025-01", "M"), TARO] == 12_340 * 3 // 10 + 5_950 * 3 // 10
    assert t.loc[pd.Period("2025-02", "M"), TARO] == 0
    assert t.loc[pd.Period("2025-03", "M"), HANAKO] == 180_000
    assert str(t.dtypes.iloc[0]) == "Int64"


def test_monthly_by_category_totals_match() -> None:
    df = medical_expenses()
    t = medical.monthly(df, by="category", value="total_cost")
    assert int(t.to_numpy().sum()) == int(df["total_cost"].sum())
    with pytest.raises(ValueError):
        medical.monthly(df, value="days")


def test_by_person_category_has_totals() -> None:
    t = medical.by_person_category(medical_expenses())
    assert t.loc["合計", "合計"] == medical_expenses()["patient_share"].sum()


def test_top_providers() -> None:
    t = medical.top_providers(medical_expenses(), n=2)
    assert list(t["provider"]) == ["架空総合病院", "見本内科クリニック"]
    assert t.iloc[1]["claims"] == 3
    assert t.iloc[1]["patient_share"] == 3_702 + 1_200 + 1_200


def test_cumulative_and_crossing() -> None:
    df = medical_expenses()
    c = medical.cumulative(df, year=2025)
    assert len(c) == 12
    assert c["cumulative"].iloc[-1] == df["patient_share"].sum()
    assert medical.crossing_month(df, 100_000, year=2025) == pd.Period("2025-03", "M")
    assert medical.crossing_month(df, 10_000_000, year=2025) is None


def test_empty() -> None:
    e = frames.empty("medical_expenses")
    assert medical.monthly(e).empty
    assert medical.top_providers(e).empty
    assert medical.cumulative(e).empty


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        (None, 100_000),
        (1_500_000, 75_000),
        (2_000_000, 100_000),
        (1_999_999, 99_999),
        (9_000_000, 100_000),
    ],
)
def test_deduction_threshold_uses_the_tax_rules(income: int | None, expected: int) -> None:
    assert medical.deduction_threshold(2025, income) == expected
