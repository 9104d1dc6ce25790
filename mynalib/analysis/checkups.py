"""特定健診 results over the years against the reference values (pure).

Reference values: 厚生労働省「標準的な健診・保健指導プログラム（令和6年度版）」第2編 別紙5
「検査項目及び判定値」 (保健指導判定値 and 受診勧奨判定値), and for 腹囲/BMI the 特定保健指導の
階層化基準 of the same programme. The thresholds here are screening lines, not diagnoses.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

SOURCE = (
    "厚生労働省「標準的な健診・保健指導プログラム（令和6年度版）」第2編 別紙5「検査項目及び判定値」"
    "（中性脂肪は空腹時の判定値。随時採血の保健指導判定値は175mg/dL）"
)
SOURCE_STRATIFICATION = (
    "厚生労働省「標準的な健診・保健指導プログラム（令和6年度版）」第3編 特定保健指導の対象者の選定"
    "（階層化）：腹囲 男性85cm以上・女性90cm以上、またはBMI 25以上"
)


@dataclass(frozen=True)
class Reference:
    """Screening thresholds of one item.

    ``direction`` "high": a value at or above the threshold is flagged; "low": at or below.
    A threshold may be a dict by sex ("1" male, "2" female; None key = either).
    """

    item: str
    unit: str
    direction: str
    guidance: float | Mapping[str | None, float] | None  # 保健指導判定値
    referral: float | Mapping[str | None, float] | None  # 受診勧奨判定値
    source: str = SOURCE


REFERENCES: dict[str, Reference] = {
    r.item: r
    for r in (
        Reference("BMI", "kg/m²", "high", 25.0, None, SOURCE_STRATIFICATION),
        Reference("腹囲", "cm", "high", {"1": 85.0, "2": 90.0}, None, SOURCE_STRATIFICATION),
        Reference("収縮期血圧", "mmHg", "high", 130.0, 140.0),
        Reference("拡張期血圧", "mmHg", "high", 85.0, 90.0),
        Reference("中性脂肪", "mg/dL", "high", 150.0, 300.0),
        Reference("HDLコレステロール", "mg/dL", "low", 39.0, 34.0),
        Reference("LDLコレステロール", "mg/dL", "high", 120.0, 140.0),
        Reference("空腹時血糖", "mg/dL", "high", 100.0, 126.0),
        Reference("HbA1c", "%", "high", 5.6, 6.5),
        Reference("AST", "U/L", "high", 31.0, 51.0),
        Reference("ALT", "U/L", "high", 31.0, 51.0),
        Reference("γ-GT", "U/L", "high", 51.0, 101.0),
    )
}

#: items shown by default (BMI, blood pressure, HbA1c, lipids, liver)
CORE_ITEMS = (
    "BMI",
    "腹囲",
    "収縮期血圧",
    "拡張期血圧",
    "HbA1c",
    "空腹時血糖",
    "中性脂肪",
    "HDLコレステロール",
    "LDLコレステロール",
    "AST",
    "ALT",
    "γ-GT",
)

#: 特定健診項目コード prefixes → canonical item (method-specific codes share the prefix)
CODE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("9N001", "身長"),
    ("9N006", "体重"),
    ("9N011", "BMI"),
    ("9N016", "腹囲"),
    ("9A75", "収縮期血圧"),
    ("9A76", "拡張期血圧"),
    ("3F015", "中性脂肪"),
    ("3F070", "HDLコレステロール"),
    ("3F077", "LDLコレステロール"),
    ("3B035", "AST"),
    ("3B045", "ALT"),
    ("3B090", "γ-GT"),
    ("3D010", "空腹時血糖"),
    ("3D045", "HbA1c"),
)

_NAME_HINTS: tuple[tuple[str, str], ...] = (
    ("収縮期", "収縮期血圧"),
    ("拡張期", "拡張期血圧"),
    ("HBA1C", "HbA1c"),
    ("ヘモグロビンA1C", "HbA1c"),
    ("HDL", "HDLコレステロール"),
    ("LDL", "LDLコレステロール"),
    ("中性脂肪", "中性脂肪"),
    ("トリグリセリド", "中性脂肪"),
    ("GOT", "AST"),
    ("AST", "AST"),
    ("GPT", "ALT"),
    ("ALT", "ALT"),
    ("γ-GT", "γ-GT"),
    ("Γ-GT", "γ-GT"),
    ("GTP", "γ-GT"),
    ("血糖", "空腹時血糖"),
    ("BMI", "BMI"),
    ("腹囲", "腹囲"),
    ("身長", "身長"),
    ("体重", "体重"),
)


def canonical_item(code: object, item: object = None) -> str:
    """One item name per analyte, from the 17-character code (or the displayed name)."""
    c = "" if code is None or code != code else str(code).strip()
    for prefix, name in CODE_PREFIXES:
        if c.startswith(prefix):
            return name
    text = "" if item is None or item != item else unicodedata.normalize("NFKC", str(item))
    upper = text.upper()
    for hint, name in _NAME_HINTS:
        if hint.upper() in upper:
            return name
    return text.strip() or c


def _threshold(level: float | Mapping[str | None, float] | None, sex: str | None) -> float | None:
    if level is None or isinstance(level, (int, float)):
        return level
    if sex in level:
        return level[sex]
    return level.get(None)


def judge(item: str, value: float | None, sex: str | None = None) -> str:
    """ "受診勧奨判定値" / "保健指導判定値" / "基準範囲内" / "判定なし" (no reference or no value)."""
    ref = REFERENCES.get(item)
    if ref is None or value is None or value != value:
        return "判定なし"
    for label, level in (("受診勧奨判定値", ref.referral), ("保健指導判定値", ref.guidance)):
        t = _threshold(level, sex)
        if t is None:
            continue
        if (ref.direction == "high" and value >= t) or (ref.direction == "low" and value <= t):
            return label
    if _threshold(ref.guidance, sex) is None:
        return "判定なし"
    return "基準範囲内"


def trends(checkups: pd.DataFrame, *, sex: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Numeric results with canonical item names and a judgement, one row per person × date × item.

    Columns: person, date, year, item, value, unit, judgement. When a checkup lists an analyte twice
    (two methods or a second blood-pressure reading) the first value is kept.
    """
    import pandas as pd

    cols = ["person", "date", "year", "item", "value", "unit", "judgement"]
    if checkups.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    df = pd.DataFrame(
        {
            "person": checkups["person"].astype("string"),
            "date": pd.to_datetime(checkups["date"]),
            "item": [
                canonical_item(c, i)
                for c, i in zip(checkups["code"], checkups["item"], strict=True)
            ],
            "value": pd.to_numeric(checkups["value"], errors="coerce").astype("Float64"),
            "unit": checkups["unit"].astype("string"),
        }
    )
    df = df[df["value"].notna()]
    df = df.drop_duplicates(["person", "date", "item"], keep="first")
    df["year"] = df["date"].dt.year.astype("Int64")
    df["judgement"] = [
        judge(i, float(v), (sex or {}).get(p))
        for p, i, v in zip(df["person"], df["item"], df["value"], strict=True)
    ]
    return df[cols].sort_values(["person", "item", "date"], kind="stable").reset_index(drop=True)


def table(
    checkups: pd.DataFrame, *, person: str | None = None, items: tuple[str, ...] = CORE_ITEMS
) -> pd.DataFrame:
    """Item × year table of values for one person (rows in ``items`` order)."""
    t = trends(checkups)
    if person is not None:
        t = t[t["person"] == person]
    t = t[t["item"].isin(items)]
    if t.empty:
        import pandas as pd

        return pd.DataFrame()
    pivot = t.pivot_table(index="item", columns="year", values="value", aggfunc="first")
    order = [i for i in items if i in pivot.index]
    return pivot.loc[order]


def references_table() -> pd.DataFrame:
    """The reference values as a table with their sources (for the notebook)."""
    import pandas as pd

    def fmt(level: float | Mapping[str | None, float] | None) -> str:
        if level is None:
            return "—"
        if isinstance(level, Mapping):
            sexes = {"1": "男性", "2": "女性", None: ""}
            return "・".join(f"{sexes.get(k, k)}{v:g}" for k, v in level.items())
        return f"{level:g}"

    rows = []
    for r in REFERENCES.values():
        op = "以上" if r.direction == "high" else "以下"
        rows.append(
            {
                "項目": r.item,
                "単位": r.unit,
                "保健指導判定値": f"{fmt(r.guidance)} {op}" if r.guidance is not None else "—",
                "受診勧奨判定値": f"{fmt(r.referral)} {op}" if r.referral is not None else "—",
                "出典": r.source,
            }
        )
    return pd.DataFrame(rows)
