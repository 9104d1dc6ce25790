"""Hand-built frames matching mynalib.frames.SCHEMAS, for the analysis and chart tests."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mynalib import frames

TARO = "見本　太郎"
HANAKO = "見本　花子"
TARO_BIRTH = dt.date(1970, 4, 12)
AS_OF = dt.date(2026, 11, 27)


def pension_periods() -> pd.DataFrame:
    return frames.conform(
        "pension_periods",
        pd.DataFrame(
            [
                # 20th birthday 1990-04-12: the span starts 1990-04 (day before the birthday)
                dict(
                    person=TARO,
                    scheme="国民年金",
                    start="1990-04-01",
                    end="1993-03-31",
                    months=36,
                    status="学生納付特例",
                ),
                dict(
                    person=TARO,
                    scheme="厚生年金",
                    employer="架空商事株式会社",
                    start="1993-04-01",
                    end="2005-09-30",
                    months=150,
                    monthly_remuneration=300_000,
                    status="加入",
                ),
                dict(
                    person=TARO,
                    scheme="国民年金",
                    start="2005-10-01",
                    end="2006-09-30",
                    months=12,
                    status="全額免除",
                ),
                dict(
                    person=TARO,
                    scheme="国民年金",
                    start="2006-10-01",
                    end="2007-03-31",
                    months=6,
                    status="未納",
                ),
                dict(
                    person=TARO,
                    scheme="厚生年金保険",
                    employer="見本工業株式会社",
                    start="2007-04-01",
                    end="2024-03-31",
                    months=204,
                    monthly_remuneration=410_000,
                ),
                dict(
                    person=TARO,
                    scheme="国民年金（第1号）",
                    start="2024-04-01",
                    end="2025-03-31",
                    months=12,
                    status="未納",
                ),
                dict(
                    person=TARO,
                    scheme="国民年金",
                    start="2025-04-01",
                    end=None,
                    months=None,
                    status="納付済",
                ),
            ]
        ),
    )


def medical_expenses() -> pd.DataFrame:
    rows = []
    for month, person, category, provider, days, total in [
        ("2025-01", TARO, "医科外来", "見本内科クリニック", 2, 12_340),
        ("2025-01", TARO, "調剤", "見本薬局", 1, 5_950),
        ("2025-01", HANAKO, "歯科外来", "架空歯科", 3, 9_000),
        ("2025-03", TARO, "医科外来", "見本内科クリニック", 1, 4_000),
        ("2025-03", HANAKO, "医科入院", "架空総合病院", 10, 600_000),
        ("2025-07", HANAKO, "調剤", "見本薬局", 1, 3_000),
        ("2025-12", TARO, "医科外来", "見本内科クリニック", 1, 4_000),
    ]:
        share = total * 3 // 10
        rows.append(
            dict(
                person=person,
                month=month,
                category=category,
                provider=provider,
                provider_raw=provider,
                days=days,
                total_cost=total,
                insurer_paid=total - share,
                public_paid=0,
                patient_share=share,
                insurer="架空健康保険組合",
                source_id=1,
            )
        )
    return frames.conform("medical_expenses", pd.DataFrame(rows))


def dispensings() -> pd.DataFrame:
    rows = [
        # the same medicine (two strengths, full-width) from two clinics, overlapping 2025-05-10..05-14
        (TARO, "2025-05-01", "見本内科クリニック", "見本薬局", "ロキソニン錠６０ｍｇ", 14),
        (TARO, "2025-05-10", "架空整形外科", "駅前薬局", "ロキソニン錠60mg「第一三共」", 5),
        # the same prescriber twice: never flagged
        (TARO, "2025-05-15", "見本内科クリニック", "見本薬局", "ロキソニン錠６０ｍｇ", 14),
        # two prescribers but not overlapping
        (TARO, "2025-01-01", "見本内科クリニック", "見本薬局", "ムコダイン錠500mg", 7),
        (TARO, "2025-01-20", "架空耳鼻科", "見本薬局", "ムコダイン錠500mg", 7),
        # another person, a 頓服 without days
        (HANAKO, "2025-02-02", "架空歯科", "駅前薬局", "カロナール錠200", None),
    ]
    return frames.conform(
        "dispensings",
        pd.DataFrame(
            [
                dict(
                    person=p,
                    date=d,
                    prescriber=pr,
                    pharmacy=ph,
                    drug=dr,
                    drug_raw=dr,
                    quantity="1錠",
                    usage="1日3回毎食後",
                    days=days,
                    route="内服",
                    source_id=2,
                )
                for p, d, pr, ph, dr, days in rows
            ]
        ),
    )


def checkups() -> pd.DataFrame:
    rows = []
    for year, bmi, sbp, dbp, a1c, hdl, ldl, tg, ast, alt, ggt in [
        (2022, 24.1, 128, 82, 5.5, 52, 118, 140, 25, 28, 40),
        (2023, 25.3, 135, 86, 5.8, 45, 131, 160, 30, 33, 55),
        (2024, 25.9, 142, 91, 6.6, 33, 145, 310, 52, 55, 110),
    ]:
        for code, item, value, unit in [
            ("9N011000000000001", "BMI", bmi, "kg/m2"),
            ("9A751000000000001", "収縮期血圧(その1)", sbp, "mmHg"),
            ("9A752000000000001", "収縮期血圧(その2)", sbp + 2, "mmHg"),
            ("9A761000000000001", "拡張期血圧(その1)", dbp, "mmHg"),
            ("3D045000001906202", "HbA1c(NGSP値)", a1c, "%"),
            ("3F070000002327101", "HDLコレステロール", hdl, "mg/dL"),
            ("3F077000002327101", "LDLコレステロール", ldl, "mg/dL"),
            ("3F015000002327101", "中性脂肪", tg, "mg/dL"),
            ("3B035000002327201", "GOT(AST)", ast, "U/L"),
            ("3B045000002327201", "GPT(ALT)", alt, "U/L"),
            ("3B090000002327101", "γ-GT(γ-GTP)", ggt, "U/L"),
        ]:
            rows.append(
                dict(
                    person=TARO,
                    date=f"{year}-06-10",
                    institution="見本健診センター",
                    code=code,
                    item=item,
                    value=value,
                    value_text=str(value),
                    unit=unit,
                    source_id=3,
                )
            )
    return frames.conform("checkups", pd.DataFrame(rows))
