"""mynalib.analysis.checkups: item mapping, judgements at the thresholds, trends."""

from __future__ import annotations

import pytest

from mynalib import frames
from mynalib.analysis import checkups

from .handmade import TARO
from .handmade import checkups as checkup_frame


@pytest.mark.parametrize(
    ("code", "item", "expected"),
    [
        ("9A751000000000001", "収縮期血圧(その1)", "収縮期血圧"),
        ("9A752000000000001", "", "収縮期血圧"),
        ("9A755000000000001", "", "収縮期血圧"),
        ("9A761000000000001", "", "拡張期血圧"),
        ("3D045000001906202", "", "HbA1c"),
        ("3F015000002327101", "", "中性脂肪"),
        ("3B090000002327101", "", "γ-GT"),
        (None, "ＧＰＴ（ＡＬＴ）", "ALT"),
        ("", "HDL-コレステロール", "HDLコレステロール"),
        ("X", "尿糖", "尿糖"),
    ],
)
def test_canonical_item(code: str | None, item: str, expected: str) -> None:
    assert checkups.canonical_item(code, item) == expected


@pytest.mark.parametrize(
    ("item", "value", "sex", "expected"),
    [
        ("収縮期血圧", 129, None, "基準範囲内"),
        ("収縮期血圧", 130, None, "保健指導判定値"),
        ("収縮期血圧", 140, None, "受診勧奨判定値"),
        ("HbA1c", 5.5, None, "基準範囲内"),
        ("HbA1c", 5.6, None, "保健指導判定値"),
        ("HbA1c", 6.5, None, "受診勧奨判定値"),
        ("HDLコレステロール", 40, None, "基準範囲内"),
        ("HDLコレステロール", 39, None, "保健指導判定値"),
        ("HDLコレステロール", 34, None, "受診勧奨判定値"),
        ("γ-GT", 101, None, "受診勧奨判定値"),
        ("腹囲", 86, "1", "保健指導判定値"),
        ("腹囲", 86, "2", "基準範囲内"),
        ("BMI", 25.0, None, "保健指導判定値"),
        ("身長", 170, None, "判定なし"),
        ("HbA1c", None, None, "判定なし"),
    ],
)
def test_judge_at_the_thresholds(
    item: str, value: float | None, sex: str | None, expected: str
) -> None:
    assert checkups.judge(item, value, sex) == expected


def test_trends_one_value_per_item_and_date() -> None:
    t = checkups.trends(checkup_frame())
    sbp = t[t["item"] == "収縮期血圧"]
    assert list(sbp["value"]) == [128, 135, 142]  # the first reading, not the second
    assert list(sbp["judgement"]) == ["基準範囲内", "保健指導判定値", "受診勧奨判定値"]
    assert list(sbp["year"]) == [2022, 2023, 2024]
    assert set(t["person"]) == {TARO}


def test_table_by_year() -> None:
    tab = checkups.table(checkup_frame(), person=TARO)
    assert list(tab.columns) == [2022, 2023, 2024]
    assert tab.loc["HbA1c", 2024] == pytest.approx(6.6)
    assert list(tab.index)[:3] == ["BMI", "収縮期血圧", "拡張期血圧"]


def test_every_reference_cites_its_source() -> None:
    ref = checkups.references_table()
    assert set(ref["項目"]) == set(checkups.REFERENCES)
    assert all("厚生労働省" in s for s in ref["出典"])
    assert set(checkups.REFERENCES) <= set(checkups.CORE_ITEMS)


def test_empty() -> None:
    assert checkups.trends(frames.empty("checkups")).empty
    assert checkups.table(frames.empty("checkups")).empty
