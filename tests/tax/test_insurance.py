"""生命保険料控除 (best-of, totals, 令和8年分 rule, certified/projected), 地震保険料控除, 社会保険料控除,
小規模企業共済等掛金控除 from hand-built ``deductions`` frames."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mynalib.errors import TaxError
from mynalib.tax import (
    earthquake_deduction,
    life_insurance_deduction,
    small_business_deduction,
    social_insurance_deduction,
)

from .factories import HANAKO, TARO, cert, deductions


def life(*rows, year: int = 2025, dep: bool | None = None, person: str | None = TARO):
    return life_insurance_deduction(
        deductions(*rows), year=year, person=person, dependant_under_23=dep
    )


def test_new_only_each_category_and_total_cap() -> None:
    r = life(
        cert("life_general", 100_000, regime="new"),
        cert("life_medical_care", 100_000, regime="new"),
        cert("life_pension", 100_000, regime="new"),
    )
    assert (r.income_tax, r.resident_tax) == (
        120_000,
        70_000,
    )  # 3 × 40,000 → 120,000; 3 × 28,000 → 70,000
    assert r.steps and any("120,000" in s.formula for s in r.steps)


def test_best_of_old_alone_beats_combined() -> None:
    # 旧 一般 80,000 → 45,000; 新 一般 60,000 → 35,000; 旧+新 capped at 40,000 → 旧のみ 45,000
    r = life(cert("life_general", 80_000, regime="old"), cert("life_general", 60_000, regime="new"))
    assert r.income_tax == 45_000
    assert r.details["choices"]["it"]["life_general"] == "旧のみ"
    # 住民税: 旧 35,000 (> 70,000 paid... 80,000 → 35,000), 新 28,000, combined 28,000
    assert r.resident_tax == 35_000


def test_best_of_combined_wins_when_both_small() -> None:
    # 旧 10,000 → 10,000; 新 10,000 → 10,000; combined 20,000 (cap 40,000) → 20,000
    r = life(cert("life_pension", 10_000, regime="old"), cert("life_pension", 10_000, regime="new"))
    assert r.income_tax == 20_000
    assert r.details["choices"]["it"]["life_pension"] == "旧+新"
    # 住民税: 10,000 each → 20,000 within the 28,000 cap
    assert r.resident_tax == 20_000


def test_combined_is_capped_at_40000_and_28000() -> None:
    # 旧 30,000 → 27,500 (所得税 25,001..50,000: 15,000+12,500); 新 30,000 → 25,000; sum 52,500 → 40,000
    r = life(cert("life_general", 30_000, regime="old"), cert("life_general", 30_000, regime="new"))
    assert r.income_tax == 40_000
    # 住民税: 旧 30,000 → 22,500; 新 30,000 → 21,000; sum 43,500 → 28,000 (< 旧 alone? no: 22,500) → 28,000
    assert r.resident_tax == 28_000


def test_old_medical_care_counts_as_general_with_warning() -> None:
    r = life(cert("life_medical_care", 20_000, regime="old"))
    assert r.income_tax == 20_000
    assert any("一般生命保険料として" in w for w in r.warnings)


def test_unknown_regime_is_an_error() -> None:
    with pytest.raises(TaxError):
        life(cert("life_general", 20_000, regime="both"))


def test_projected_vs_certified_is_reported() -> None:
    r = life(
        cert("life_general", 30_000, regime="new", declared=60_000),
        cert("life_pension", 20_000, regime="new", detail={"used": "certified"}),
    )
    used = {line["category"]: line["used"] for line in r.details["lines"]}
    assert used == {"life_general": "projected", "life_pension": "certified"}
    # the 申告額 (projection) is what counts: 60,000 → 35,000; pension 20,000 → 20,000
    assert r.income_tax == 55_000
    assert r.estimate is True
    assert any("12月末見込み" in s.formula for s in r.steps)


def test_other_person_and_year_are_filtered() -> None:
    r = life(
        cert("life_general", 20_000, regime="new", person=HANAKO),
        cert("life_general", 20_000, regime="new", year=2024),
    )
    assert r.income_tax == 0 and r.details["lines"] == []


# ---------------------------------------------------------------- 令和8年分 dependant-under-23 rule
def test_r8_rule_raises_the_general_new_limit() -> None:
    rows = [cert("life_general", 100_000, regime="new", year=2026)]
    with_dep = life(*rows, year=2026, dep=True)
    without = life(*rows, year=2026, dep=False)
    assert with_dep.income_tax == 55_000  # 100,000 × 1/4 + 30,000
    assert without.income_tax == 40_000
    assert with_dep.resident_tax == without.resident_tax == 28_000  # 住民税 unchanged
    assert with_dep.details["dependant_rule"] is True
    assert any("令和7年度税制改正" in s for s in with_dep.sources)


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        (30_000, 30_000),
        (30_001, 30_001),
        (60_000, 45_000),
        (60_001, 45_001),
        (120_000, 60_000),
        (120_001, 60_000),
    ],
)
def test_r8_rule_boundaries_through_the_calculator(paid: int, expected: int) -> None:
    r = life(cert("life_general", paid, regime="new", year=2026), year=2026, dep=True)
    assert r.income_tax == expected


def test_r8_rule_only_in_2026() -> None:
    r = life(cert("life_general", 100_000, regime="new"), year=2025, dep=True)
    assert r.income_tax == 40_000


def test_r8_rule_combined_cap_60000_and_total_unchanged() -> None:
    rows = [
        cert("life_general", 100_000, regime="old", year=2026),  # 50,000
        cert("life_general", 40_000, regime="new", year=2026),  # R8: 40,000/2 + 15,000 = 35,000
    ]
    assert life(*rows, year=2026, dep=True).income_tax == 60_000  # min(60,000, 85,000)
    assert life(*rows, year=2026, dep=False).income_tax == 50_000  # 旧のみ beats min(40,000, …)
    full = [
        cert("life_general", 200_000, regime="new", year=2026),
        cert("life_medical_care", 200_000, regime="new", year=2026),
        cert("life_pension", 200_000, regime="new", year=2026),
    ]
    assert (
        life(*full, year=2026, dep=True).income_tax == 120_000
    )  # 60,000 + 40,000 + 40,000 → 120,000


def test_r8_unknown_dependants_warns() -> None:
    r = life(cert("life_general", 100_000, regime="new", year=2026), year=2026, dep=None)
    assert r.income_tax == 40_000
    assert any("23歳未満" in w for w in r.warnings)


amounts = st.integers(0, 400_000)


@settings(max_examples=150, deadline=None)
@given(amounts, amounts, amounts, amounts, amounts, st.integers(1, 50_000), st.booleans())
def test_life_bounded_and_monotone(gn, go, mc, pn, po, extra, dep) -> None:
    def run(gn_: int) -> tuple[int, int]:
        rows = [
            cert("life_general", gn_, regime="new", year=2026),
            cert("life_general", go, regime="old", year=2026),
            cert("life_medical_care", mc, regime="new", year=2026),
            cert("life_pension", pn, regime="new", year=2026),
            cert("life_pension", po, regime="old", year=2026),
        ]
        r = life(*rows, year=2026, dep=dep)
        return r.income_tax, r.resident_tax

    it, rt = run(gn)
    assert 0 <= it <= 120_000 and 0 <= rt <= 70_000
    it2, rt2 = run(gn + extra)
    assert it2 >= it and rt2 >= rt


# ---------------------------------------------------------------------------------- 地震保険料
def quake(*rows):
    return earthquake_deduction(deductions(*rows), year=2025, person=TARO)


def q(paid: int, kind: str, **kw):
    return cert("earthquake", paid, regime=kind, form="TEG810", issuer="見本損保", **kw)


@pytest.mark.parametrize(
    ("e", "o", "it", "rt"),
    [
        (50_000, 0, 50_000, 25_000),
        (50_001, 0, 50_000, 25_000),
        (0, 20_000, 15_000, 10_000),
        (40_000, 20_000, 50_000, 25_000),  # 40,000 + 15,000 → 50,000; 20,000 + 10,000 → 25,000
        (30_000, 10_000, 40_000, 22_500),  # 住民税: 15,000 + (10,000/2 + 2,500 = 7,500)
        (0, 0, 0, 0),
    ],
)
def test_earthquake_combined(e: int, o: int, it: int, rt: int) -> None:
    rows = []
    if e:
        rows.append(q(e, "earthquake"))
    if o:
        rows.append(q(o, "old_long_term"))
    r = quake(*rows)
    assert (r.income_tax, r.resident_tax) == (it, rt)


def test_earthquake_contract_counts_under_one_kind() -> None:
    # one contract with both kinds: 地震 8,000 or 旧長期 20,000 (→ 15,000); the better is 旧長期
    r = quake(
        q(8_000, "earthquake", detail={"policy_no": "P1"}),
        q(20_000, "old_long_term", detail={"policy_no": "P1"}),
    )
    assert r.income_tax == 15_000
    assert r.details == {"earthquake_paid": 0, "old_long_term_paid": 20_000}
    # 住民税 for that choice: 旧長期 20,000 → 10,000
    assert r.resident_tax == 10_000


def test_earthquake_unknown_kind() -> None:
    with pytest.raises(TaxError):
        quake(q(1_000, "fire"))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 200_000), st.integers(0, 200_000), st.integers(1, 10_000))
def test_earthquake_bounded_monotone(e: int, o: int, more: int) -> None:
    a = quake(q(e, "earthquake"), q(o, "old_long_term"))
    b = quake(q(e + more, "earthquake"), q(o, "old_long_term"))
    assert 0 <= a.income_tax <= 50_000 and 0 <= a.resident_tax <= 25_000
    assert b.income_tax >= a.income_tax and b.resident_tax >= a.resident_tax


# ------------------------------------------------------------------------ 社会保険料・小規模企業共済
def nenkin(
    paid: int, year: int, by_year: dict[int, int] | None = None, declared: int | None = None
):
    return cert(
        "social_insurance",
        paid,
        year=year,
        form="TEG840",
        issuer="日本年金機構",
        declared=declared,
        detail={"by_year": by_year} if by_year else {},
    )


def test_social_insurance_full_amount_and_prepaid_modes() -> None:
    frame = deductions(
        nenkin(400_000, 2025, by_year={2025: 200_000, 2026: 200_000}),
        nenkin(50_000, 2026),
    )
    paid_year_2025 = social_insurance_deduction(frame, year=2025, person=TARO)
    assert paid_year_2025.income_tax == paid_year_2025.resident_tax == 400_000
    assert any("分割" in w for w in paid_year_2025.warnings)
    split_2025 = social_insurance_deduction(frame, year=2025, person=TARO, prepaid="split")
    assert split_2025.income_tax == 200_000
    split_2026 = social_insurance_deduction(frame, year=2026, person=TARO, prepaid="split")
    assert split_2026.income_tax == 250_000  # 2025 certificate's 2026 part + the 2026 certificate
    assert social_insurance_deduction(frame, year=2026, person=TARO).income_tax == 50_000
    with pytest.raises(TaxError):
        social_insurance_deduction(frame, year=2025, prepaid="later")  # type: ignore[arg-type]


def test_social_insurance_uses_projection_and_says_so() -> None:
    r = social_insurance_deduction(
        deductions(nenkin(100_000, 2025, declared=203_760)), year=2025, person=TARO
    )
    assert r.income_tax == 203_760 and r.estimate
    assert "12月末見込み" in r.steps[0].formula


def test_small_business_mutual() -> None:
    frame = deductions(
        cert("small_business_mutual", 276_000, form="TEG850", issuer="国民年金基金連合会"),
        cert("small_business_mutual", 84_000, form="TEG850", issuer="中小機構"),
        cert("small_business_mutual", 10_000, form="TEG850", year=2024),
    )
    r = small_business_deduction(frame, year=2025, person=TARO)
    assert r.income_tax == r.resident_tax == 360_000
    assert r.steps[-1].amount == 360_000


def test_invalid_signature_is_warned() -> None:
    r = life(cert("life_general", 10_000, regime="new", signature="invalid"))
    assert any("電子署名" in w for w in r.warnings)


# ------------------------------------------------------------------- published worked examples
def test_example_best_of_rule_nta_written_answer() -> None:
    """国税庁 文書回答事例（平成24年1月19日、生命保険協会の事前照会「新旧併用」）: 旧契約だけで
    5万円、新契約だけで1万円なら、新旧合算の限度4万円に縛られず旧契約の5万円を選べる。"""
    r = life(
        cert("life_general", 120_000, regime="old"), cert("life_general", 10_000, regime="new")
    )
    assert r.income_tax == 50_000
    assert r.details["choices"]["it"]["life_general"] == "旧のみ"


def test_example_total_cap_120000() -> None:
    """Worked example explaining 国税庁タックスアンサー No.1140 (President Online, 2012): 旧一般
    12万円, 新介護医療 12万円, 旧個人年金 12万円 → 5万 + 4万 + 5万 = 14万 → 限度 12万円."""
    r = life(
        cert("life_general", 120_000, regime="old"),
        cert("life_medical_care", 120_000, regime="new"),
        cert("life_pension", 120_000, regime="old"),
    )
    assert r.income_tax == 120_000
    assert [s.amount for s in r.steps if s.label.endswith("控除額") and s.tax == "所得税"] == [
        50_000,
        40_000,
        50_000,
        120_000,
    ]


def test_example_new_and_old_in_every_category() -> None:
    """Worked example citing No.1140: 新生命 90,000 / 介護医療 40,000 / 新年金 20,000 / 旧生命
    50,000 / 旧年金 30,000 → 一般 40,000, 介護医療 30,000, 個人年金 40,000 (合算) = 110,000."""
    r = life(
        cert("life_general", 90_000, regime="new"),
        cert("life_medical_care", 40_000, regime="new"),
        cert("life_pension", 20_000, regime="new"),
        cert("life_general", 50_000, regime="old"),
        cert("life_pension", 30_000, regime="old"),
    )
    assert r.income_tax == 110_000
    assert r.details["choices"]["it"] == {
        "life_general": "新のみ",
        "life_medical_care": "新のみ",
        "life_pension": "旧+新",
    }
