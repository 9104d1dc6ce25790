"""Property-based checks of the analysis modules (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mynalib import frames
from mynalib.analysis import drugs, pension

from .handmade import AS_OF, TARO_BIRTH

PRESCRIBERS = ["A医院", "Bクリニック", "C病院"]
DRUG_NAMES = [
    "ロキソニン錠60mg",
    "ロキソニン錠６０ｍｇ「第一三共」",
    "ムコダイン錠500mg",
    "カロナール錠200",
]

dispensing = st.fixed_dictionaries(
    {
        "person": st.sampled_from(["甲", "乙"]),
        "date": st.dates(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        "prescriber": st.sampled_from(PRESCRIBERS),
        "pharmacy": st.just("薬局"),
        "drug": st.sampled_from(DRUG_NAMES),
        "days": st.one_of(st.none(), st.integers(1, 60)),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(dispensing, max_size=12))
def test_overlaps_are_real_overlaps(rows: list[dict[str, object]]) -> None:
    df = frames.conform("dispensings", pd.DataFrame(rows)) if rows else frames.empty("dispensings")
    ov = drugs.overlaps(df)
    cov = drugs.coverage(df)
    for r in ov.itertuples():
        assert r.prescriber_a < r.prescriber_b  # one row per unordered pair, never the same one
        days = pd.date_range(r.overlap_start, r.overlap_end)
        assert r.overlap_days <= len(days)
        for who in (r.prescriber_a, r.prescriber_b):
            mine = cov[
                (cov["person"] == r.person) & (cov["key"] == r.drug) & (cov["prescriber"] == who)
            ]
            # the first overlapping day lies in one of each prescriber's supply periods
            assert ((mine["start"] <= r.overlap_start) & (mine["end"] >= r.overlap_start)).any()
    # every pair of intersecting periods from different prescribers is reported
    for (person, key), grp in cov.groupby(["person", "key"]):
        recs = grp.to_dict("records")
        for i, a in enumerate(recs):
            for b in recs[i + 1 :]:
                if a["prescriber"] != b["prescriber"] and max(a["start"], b["start"]) <= min(
                    a["end"], b["end"]
                ):
                    pair = tuple(sorted([a["prescriber"], b["prescriber"]]))
                    hit = ov[(ov["person"] == person) & (ov["drug"] == key)]
                    assert pair in set(zip(hit["prescriber_a"], hit["prescriber_b"], strict=True))


period = st.fixed_dictionaries(
    {
        "scheme": st.sampled_from(["厚生年金", "国民年金", "国民年金（第3号）", "共済組合"]),
        "start": st.dates(dt.date(1985, 1, 1), dt.date(2026, 10, 1)),
        "months": st.integers(1, 240),
        "status": st.sampled_from(
            [None, "納付済", "未納", "全額免除", "半額免除", "学生納付特例", "未加入"]
        ),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(period, max_size=8))
def test_pension_months_stay_within_the_rules(rows: list[dict[str, object]]) -> None:
    df = (
        frames.conform("pension_periods", pd.DataFrame(rows))
        if rows
        else frames.empty("pension_periods")
    )
    toward = pension.months_toward_full(df, birth=TARO_BIRTH, as_of=AS_OF)
    assert 0 <= toward["counted"].sum() <= pension.FULL_MONTHS + 1e-9
    assert (toward["counted"] <= toward["months"].astype(float) + 1e-9).all()
    est = pension.estimate(df, birth=TARO_BIRTH, as_of=AS_OF)
    assert 0 <= est.basic_annual <= est.basic_annual_projected <= est.full_amount
    assert est.basic_annual % 100 == 0
    gaps = pension.gaps(df, birth=TARO_BIRTH, as_of=AS_OF)
    by_month = pension.monthly(df, birth=TARO_BIRTH, as_of=AS_OF)
    due = by_month["month"] < pd.Period(AS_OF, "M")  # the current month is not due yet
    paid = int((by_month["in_span"].astype(bool) & due & (by_month["status_key"] == "paid")).sum())
    span = (pd.Period(AS_OF, "M") - 1 - pension.age_month(TARO_BIRTH, 20)).n + 1
    assert int(gaps["months"].sum()) + paid == span  # every month since 20 is paid or a gap
