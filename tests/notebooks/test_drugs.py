"""mynalib.analysis.drugs: coverage periods, counts, overlapping prescriptions."""

from __future__ import annotations

import pandas as pd
import pytest

from mynalib import frames
from mynalib.analysis import drugs

from .handmade import HANAKO, TARO, dispensings


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ロキソニン錠６０ｍｇ", "ロキソニン錠60mg「第一三共」"),
        ("アムロジピン錠5mg", "アムロジピン錠2.5mg"),
        ("クラリス錠２００", "クラリス錠 200"),
    ],
)
def test_medicine_key_matches_the_same_product(a: str, b: str) -> None:
    assert drugs.medicine_key(a) == drugs.medicine_key(b)


def test_medicine_key_keeps_different_products_apart() -> None:
    assert drugs.medicine_key("ロキソニン錠60mg") != drugs.medicine_key("ロキソニンテープ100mg")
    assert drugs.medicine_key("ロキソニン錠60mg", match="name") != drugs.medicine_key(
        "ロキソニン錠30mg", match="name"
    )
    with pytest.raises(ValueError):
        drugs.medicine_key("x", match="fuzzy")


def test_coverage_periods() -> None:
    cov = drugs.coverage(dispensings())
    loxo = cov[(cov["person"] == TARO) & (cov["prescriber"] == "架空整形外科")].iloc[0]
    assert loxo["start"] == pd.Timestamp("2025-05-10")
    assert loxo["end"] == pd.Timestamp("2025-05-14")  # 5 days, inclusive
    tonpuku = cov[cov["person"] == HANAKO].iloc[0]
    assert tonpuku["start"] == tonpuku["end"]  # no days: the date only
    assert int(tonpuku["days"]) == 1


def test_overlap_from_two_prescribers_is_flagged_once() -> None:
    ov = drugs.overlaps(dispensings())
    assert len(ov) == 1
    row = ov.iloc[0]
    assert row["person"] == TARO
    assert row["drug"] == "ロキソニン錠"
    assert (row["prescriber_a"], row["prescriber_b"]) == ("架空整形外科", "見本内科クリニック")
    assert row["overlap_start"] == pd.Timestamp("2025-05-10")
    assert row["overlap_end"] == pd.Timestamp("2025-05-14")
    assert row["overlap_days"] == 5
    assert row["pairs"] == 1
    assert "薬剤師" in row["question"]
    assert "ロキソニン錠60mg「第一三共」" in row["drug_names"]


def test_exact_name_matching_is_stricter() -> None:
    # with exact names the two spellings are different medicines: nothing to flag
    assert drugs.overlaps(dispensings(), match="name").empty


def test_same_prescriber_is_never_flagged() -> None:
    df = dispensings()
    df["prescriber"] = "見本内科クリニック"
    assert drugs.overlaps(df).empty


def test_different_persons_are_never_paired() -> None:
    df = dispensings()
    df.loc[df["prescriber"] == "架空整形外科", "person"] = HANAKO
    assert drugs.overlaps(df).empty


def test_counts_by_prescriber_and_pharmacy() -> None:
    by_prescriber = drugs.counts(dispensings(), by="prescriber")
    first = by_prescriber.iloc[0]
    assert first["prescriber"] == "見本内科クリニック"
    assert (first["dispensings"], first["lines"], first["medicines"]) == (3, 3, 2)
    by_pharmacy = drugs.counts(dispensings(), by="pharmacy").set_index("pharmacy")
    assert by_pharmacy.loc["駅前薬局", "dispensings"] == 2
    with pytest.raises(ValueError):
        drugs.counts(dispensings(), by="colour")


def test_empty_frame() -> None:
    empty = frames.empty("dispensings")
    assert drugs.coverage(empty).empty
    assert drugs.overlaps(empty).empty
    assert drugs.counts(empty).empty


def test_disclaimer_says_it_is_not_medical_advice() -> None:
    assert "医療上の助言ではありません" in drugs.DISCLAIMER


def test_questions_text_lists_each_question_and_the_disclaimer() -> None:
    text = drugs.questions_text(drugs.overlaps(dispensings()))
    assert text.startswith("薬剤師に確認したいこと:")
    assert "1. 見本　太郎：" in text
    assert drugs.DISCLAIMER in text
    none = drugs.questions_text(drugs.overlaps(frames.empty("dispensings")))
    assert "見つかりませんでした" in none and drugs.DISCLAIMER in none


def test_focus_person_prefers_the_overlap() -> None:
    d = dispensings()
    assert drugs.focus_person(d, drugs.overlaps(d)) == TARO
    only_hanako = d[d["person"] == HANAKO]
    assert drugs.focus_person(only_hanako, drugs.overlaps(only_hanako)) == HANAKO
    assert drugs.focus_person(frames.empty("dispensings")) is None
