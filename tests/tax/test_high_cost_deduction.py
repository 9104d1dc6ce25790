"""高額療養費 in the 医療費控除: estimated, shown, warned about in Japanese, subtracted as 補填
(unless the settings say not to, or a 補填 was entered), and carried into the form export.

Figures worked by hand from the 厚生労働省 table (区分ウ: 80,100 + (医療費 − 267,000) × 1%,
健康保険法施行令第42条) — the sample household's 2024 hospital month: 医療費 638,160円,
窓口 191,448円 → 限度額 80,100 + 3,711.6 → 83,812円, 高額療養費 107,636円.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mynalib.export.iryohi_form import export_iryohi_form
from mynalib.frames import conform
from mynalib.tax import household_summary, settings_from_dict
from mynalib.tax.summary import medical_form_inputs

from .factories import TARO, UME

HOSPITAL = "見本総合病院"
CLINIC = "見本内科"


def frame(rows: list[tuple[str, str, str, str, int, int]]) -> pd.DataFrame:
    """rows: (person, "YYYY-MM", 診療区分, provider, 窓口相当負担額, 医療費の総額)."""
    return conform(
        "medical_expenses",
        pd.DataFrame(
            {
                "person": [r[0] for r in rows],
                "month": pd.PeriodIndex([r[1] for r in rows], freq="M"),
                "category": [r[2] for r in rows],
                "provider": [r[3] for r in rows],
                "provider_raw": [r[3] for r in rows],
                "days": [1] * len(rows),
                "total_cost": [r[5] for r in rows],
                "insurer_paid": [r[5] - r[4] for r in rows],
                "public_paid": [0] * len(rows),
                "patient_share": [r[4] for r in rows],
                "insurer": ["見本健康保険組合"] * len(rows),
                "source_id": list(range(1, len(rows) + 1)),
            }
        ),
    )


HOSPITAL_MONTH = frame(
    [
        (TARO, "2024-02", "医科外来", CLINIC, 20_000, 66_670),
        (TARO, "2024-06", "医科入院", HOSPITAL, 191_448, 638_160),
    ]
)


def summary(**settings: object):  # type: ignore[no-untyped-def]
    s = settings_from_dict({"filer": TARO, "total_income": 6_200_000, **settings})
    return household_summary(2024, medical_expenses=HOSPITAL_MONTH, settings=s)


def medical(hs):  # type: ignore[no-untyped-def]
    return next(r for r in hs.people[0].results if r.key == "medical")


def test_the_estimate_is_subtracted_shown_and_warned_about() -> None:
    r = medical(summary())
    assert r.details["paid"] == 211_448
    assert r.details["kogaku_estimate"] == r.details["kogaku_subtracted"] == 107_636
    assert r.details["reimbursed"] == 107_636
    assert r.income_tax == 211_448 - 107_636 - 100_000 == 3_812
    assert r.estimate  # rests on an estimate, and says so
    text = r.explain()
    assert "80,100 + (638,160 − 267,000) × 1% = 83,812円" in text
    assert "高額療養費［推計］ 107,636円" in text
    assert "区分ウ" in text and "仮定" in text  # the assumed income class is said
    (warning,) = [w for w in r.warnings if "高額療養費" in w]
    for part in (
        "2024年6月",
        "638,160円",
        "191,448円",
        "107,636円",
        "限度額適用認定証",
        "差し引きました",
    ):
        assert part in warning


def test_the_settings_can_keep_the_estimate_out() -> None:
    r = medical(summary(subtract_kogaku_estimate=False))
    assert r.details["reimbursed"] == 0 and r.details["kogaku_estimate"] == 107_636
    assert r.income_tax == 211_448 - 100_000
    assert any("差し引いていません" in w for w in r.warnings)


def test_an_entered_reimbursement_wins_over_the_estimate() -> None:
    entered = [{"person": TARO, "provider": HOSPITAL, "reimbursed": 100_000, "note": "高額療養費"}]
    r = medical(summary(medical_extra=entered))
    assert r.details["reimbursed"] == 100_000 and r.details["kogaku_subtracted"] == 0
    assert any("入力済みの補填" in w for w in r.warnings)


def test_the_income_class_from_the_settings() -> None:
    # 区分エ: a flat 57,600円 → 191,448 − 57,600 = 133,848
    r = medical(summary(kogaku_income_class="エ"))
    assert r.details["kogaku_subtracted"] == 133_848
    assert "仮定" not in r.explain()


def test_seventy_plus_by_the_date_of_birth_in_the_settings() -> None:
    # うめ (born 1943-01-15) is 70歳以上: 外来 per person 18,000円 (一般, 区分エ) → 25,000 − 18,000
    med = frame([(UME, "2024-05", "医科外来", CLINIC, 25_000, 125_000)])
    plain = settings_from_dict(
        {"filer": TARO, "household": [TARO, UME], "kogaku_income_class": "エ"}
    )
    hs = household_summary(2024, medical_expenses=med, settings=plain)
    assert medical(hs).details["kogaku_estimate"] == 0  # no birth date: counted as under 70
    born = settings_from_dict(
        {
            "filer": TARO,
            "household": [TARO, UME],
            "kogaku_income_class": "エ",
            "people": {UME: {"birth": "1943-01-15"}},
        }
    )
    hs = household_summary(2024, medical_expenses=med, settings=born)
    assert medical(hs).details["kogaku_estimate"] == 7_000


def test_the_form_export_carries_the_estimated_reimbursement(tmp_path: Path) -> None:
    s = settings_from_dict({"filer": TARO})
    extras, household, notes = medical_form_inputs(
        2024, medical_expenses=HOSPITAL_MONTH, settings=s
    )
    assert any("107,636円" in n for n in notes)
    for by_month in (False, True):
        out = tmp_path / f"form_{by_month}.csv"
        export_iryohi_form(
            HOSPITAL_MONTH, extras, year=2024, out=out, household=household, by_month=by_month
        )
        lines = out.read_bytes().decode("utf-8-sig").splitlines()[1:]
        row = next(line for line in lines if HOSPITAL in line)
        assert row.split(",")[6:8] == ["191448", "107636"]  # H 支払額, I 補填
        clinic = next(line for line in lines if CLINIC in line)
        assert clinic.split(",")[7] in ("", "0")
    kept = settings_from_dict({"filer": TARO, "subtract_kogaku_estimate": False})
    extras, _, _ = medical_form_inputs(2024, medical_expenses=HOSPITAL_MONTH, settings=kept)
    assert extras == []
