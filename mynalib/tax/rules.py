"""The deduction rule table, keyed by tax year (令和N年分), every figure with its source.

Only the years listed in :data:`RULES` are covered; :func:`rules_for` raises
:class:`~mynalib.errors.UnsupportedTaxYear` for any other year instead of silently reusing the
nearest one. Percentages are :class:`fractions.Fraction` so every computation stays exact.

Rounding: the 1/2 and 1/4 formulas of 生命保険料控除 and 地震保険料控除 cut fractions of
a yen upwards (1円未満の端数切上げ); percentage limits (5% / 30% / 40% of 総所得金額等, 20% of
所得割額) and tax-credit amounts are cut downwards (1円未満切捨て).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from ..errors import UnsupportedTaxYear
from ..jp.fmt import tax_year_label, yen

# ------------------------------------------------------------------------------------ sources
SRC_MEDICAL = "所得税法第73条（医療費控除）; 地方税法第34条第1項第2号・第314条の2第1項第2号"
SRC_SELFMED = (
    "租税特別措置法第41条の17（特定一般用医薬品等購入費を支払った場合の医療費控除の特例）; "
    "平成29年1月1日から令和8年12月31日までの購入分（令和3年度税制改正で5年延長）"
)
SRC_SOCIAL = "所得税法第74条（社会保険料控除）; 前納分は所得税基本通達74・75-1（各年分の分割も可）"
SRC_SMALL_BUSINESS = "所得税法第75条（小規模企業共済等掛金控除）"
SRC_LIFE_IT = "所得税法第76条（生命保険料控除）; 国税庁タックスアンサーNo.1140"
SRC_LIFE_RT = "地方税法第34条第1項第5号の2・第314条の2第1項第5号の2（住民税の生命保険料控除）"
SRC_LIFE_R8 = (
    "令和7年度税制改正（所得税法等の一部を改正する法律 令和7年法律第13号）: 令和8年分に限り、"
    "23歳未満の扶養親族を有する者の新生命保険料（一般）の控除限度額を6万円に引上げ"
)
SRC_QUAKE_IT = (
    "所得税法第77条（地震保険料控除）; 平成18年度税制改正附則（旧長期損害保険料の経過措置）"
)
SRC_QUAKE_RT = "地方税法第34条第1項第5号の3・第314条の2第1項第5号の3（住民税の地震保険料控除）"
SRC_DONATION_IT = "所得税法第78条（寄附金控除: 総所得金額等の40%を限度、2,000円を控除）"
SRC_DONATION_RT = "地方税法第37条の2・第314条の7（寄附金税額控除: 基本分10%（30%限度）、特例分は所得割額の20%を限度）"
SRC_RATES = "所得税法第89条（税率）"
SRC_RECONSTRUCTION = "東日本大震災からの復興のための施策を実施するために必要な財源の確保に関する特別措置法第13条（平成25年〜令和19年分、2.1%）"
SRC_RESIDENT_RATE = (
    "地方税法第35条・第314条の3（所得割の標準税率: 道府県民税4% + 市町村民税6% = 10%）"
)
SRC_BASIC_R5 = "所得税法第86条（基礎控除: 合計所得金額2,400万円以下 48万円）"
SRC_BASIC_R7 = (
    "令和7年度税制改正: 基礎控除58万円（合計所得金額2,350万円以下）、租税特別措置法第41条の16の2 "
    "（令和7・8年分の上乗せ特例: 132万円以下95万円、336万円以下88万円、489万円以下68万円、655万円以下63万円）"
)
SRC_BASIC_RT = "地方税法第34条第2項・第314条の2第2項（住民税の基礎控除 43万円）"
SRC_LIABILITY = (
    "所得税法第89条（速算表: 国税庁タックスアンサーNo.2260）; 国税通則法第118条（課税標準の1,000円未満"
    "切捨て）・第119条（確定金額の100円未満切捨て）; 地方税法第20条の4の2（住民税の端数計算）"
)
SRC_ADJUSTMENT = (
    "地方税法第37条・第314条の6（調整控除: 合計課税所得金額200万円以下は人的控除額の差と合計課税所得金額の"
    "いずれか少ない額の5%、200万円超は人的控除額の差から200万円を超える額を引いた額の5%で最低2,500円; "
    "基礎控除の差は5万円）"
)
SRC_RESIDENT_SPLIT = (
    "地方税法第35条・第314条の3（標準税率: 道府県民税4%・市町村民税6%。指定都市では2%・8%）"
)


@dataclass(frozen=True)
class Tier:
    """``P <= upto`` → ``ceil(P × rate) + add`` (``upto`` None: no upper bound)."""

    upto: int | None
    rate: Fraction
    add: int


@dataclass(frozen=True)
class TierTable:
    """A tiered formula with a cap, as in the 生命保険料控除 / 地震保険料控除 tables."""

    tiers: tuple[Tier, ...]
    cap: int
    source: str

    def apply(self, paid: int) -> int:
        """The deduction for ``paid`` yen (fractions of a yen cut upwards; never negative)."""
        if paid <= 0:
            return 0
        for tier in self.tiers:
            if tier.upto is None or paid <= tier.upto:
                value = paid * tier.rate + tier.add
                return min(self.cap, ceil_fraction(value))
        return self.cap

    def formula(self, paid: int) -> str:
        """The formula text used for ``paid`` (Japanese labels, yen)."""
        if paid <= 0:
            return "0"
        for tier in self.tiers:
            if tier.upto is None or paid <= tier.upto:
                if tier.rate == 1 and tier.add == 0:
                    text = f"{paid:,}"
                elif tier.rate == 0:
                    text = f"{tier.add:,}"
                else:
                    text = f"{paid:,} × {tier.rate} + {tier.add:,}"
                return f"{text}（{_tier_range(self.tiers, tier)}）"
        return f"{self.cap:,}（上限）"


def _tier_range(tiers: tuple[Tier, ...], tier: Tier) -> str:
    idx = tiers.index(tier)
    low = tiers[idx - 1].upto if idx else None
    if tier.upto is None:
        return f"{yen(low)}超"
    if low is None:
        return f"{yen(tier.upto)}以下"
    return f"{yen(low)}超{yen(tier.upto)}以下"


def ceil_fraction(value: Fraction | int) -> int:
    """Smallest integer ≥ value (exact)."""
    v = Fraction(value)
    return -((-v.numerator) // v.denominator)


def floor_fraction(value: Fraction | int) -> int:
    """Largest integer ≤ value (exact)."""
    v = Fraction(value)
    return v.numerator // v.denominator


def _tiers(*rows: tuple[int | None, Fraction | int, int]) -> tuple[Tier, ...]:
    return tuple(Tier(u, Fraction(r), a) for u, r, a in rows)


HALF = Fraction(1, 2)
QUARTER = Fraction(1, 4)

LIFE_NEW_IT = TierTable(
    _tiers((20_000, 1, 0), (40_000, HALF, 10_000), (80_000, QUARTER, 20_000), (None, 0, 40_000)),
    40_000,
    SRC_LIFE_IT + "（新制度）",
)
LIFE_OLD_IT = TierTable(
    _tiers((25_000, 1, 0), (50_000, HALF, 12_500), (100_000, QUARTER, 25_000), (None, 0, 50_000)),
    50_000,
    SRC_LIFE_IT + "（旧制度）",
)
LIFE_NEW_RT = TierTable(
    _tiers((12_000, 1, 0), (32_000, HALF, 6_000), (56_000, QUARTER, 14_000), (None, 0, 28_000)),
    28_000,
    SRC_LIFE_RT + "（新制度）",
)
LIFE_OLD_RT = TierTable(
    _tiers((15_000, 1, 0), (40_000, HALF, 7_500), (70_000, QUARTER, 17_500), (None, 0, 35_000)),
    35_000,
    SRC_LIFE_RT + "（旧制度）",
)
#: 令和8年分, filer with a dependant under 23: 新制度 一般 (所得税 only)
LIFE_NEW_GENERAL_R8_IT = TierTable(
    _tiers((30_000, 1, 0), (60_000, HALF, 15_000), (120_000, QUARTER, 30_000), (None, 0, 60_000)),
    60_000,
    SRC_LIFE_R8,
)

QUAKE_IT = TierTable(_tiers((50_000, 1, 0), (None, 0, 50_000)), 50_000, SRC_QUAKE_IT)
QUAKE_OLD_IT = TierTable(
    _tiers((10_000, 1, 0), (20_000, HALF, 5_000), (None, 0, 15_000)),
    15_000,
    SRC_QUAKE_IT + "（旧長期損害保険料）",
)
QUAKE_RT = TierTable(_tiers((50_000, HALF, 0), (None, 0, 25_000)), 25_000, SRC_QUAKE_RT)
QUAKE_OLD_RT = TierTable(
    _tiers((5_000, 1, 0), (15_000, HALF, 2_500), (None, 0, 10_000)),
    10_000,
    SRC_QUAKE_RT + "（旧長期損害保険料）",
)


@dataclass(frozen=True)
class LifeRules:
    new_it: TierTable = LIFE_NEW_IT
    old_it: TierTable = LIFE_OLD_IT
    new_rt: TierTable = LIFE_NEW_RT
    old_rt: TierTable = LIFE_OLD_RT
    #: cap of 旧+新 combined within one category (一般 or 個人年金)
    combined_cap_it: int = 40_000
    combined_cap_rt: int = 28_000
    total_cap_it: int = 120_000
    total_cap_rt: int = 70_000
    #: 新 一般 table (所得税) and combined cap for a filer with a dependant under 23, if the year has one
    new_general_dependant_it: TierTable | None = None
    combined_cap_general_dependant_it: int | None = None
    source: str = f"{SRC_LIFE_IT}; {SRC_LIFE_RT}"


@dataclass(frozen=True)
class EarthquakeRules:
    quake_it: TierTable = QUAKE_IT
    old_it: TierTable = QUAKE_OLD_IT
    quake_rt: TierTable = QUAKE_RT
    old_rt: TierTable = QUAKE_OLD_RT
    total_cap_it: int = 50_000
    total_cap_rt: int = 25_000
    source: str = f"{SRC_QUAKE_IT}; {SRC_QUAKE_RT}"


@dataclass(frozen=True)
class MedicalRules:
    threshold: int = 100_000
    threshold_rate: Fraction = Fraction(5, 100)
    cap: int = 2_000_000
    source: str = SRC_MEDICAL


@dataclass(frozen=True)
class SelfMedicationRules:
    available: bool = True
    floor: int = 12_000
    cap: int = 88_000
    source: str = SRC_SELFMED


@dataclass(frozen=True)
class DonationRules:
    income_limit_it: Fraction = Fraction(40, 100)
    income_limit_rt: Fraction = Fraction(30, 100)
    floor: int = 2_000
    basic_rate_rt: Fraction = Fraction(10, 100)
    special_base_rate: Fraction = Fraction(90, 100)
    special_cap_rate: Fraction = Fraction(20, 100)
    source_it: str = SRC_DONATION_IT
    source_rt: str = SRC_DONATION_RT


@dataclass(frozen=True)
class BasicDeductionTier:
    upto: int | None  # 合計所得金額 upper bound
    amount: int


@dataclass(frozen=True)
class RateRules:
    #: (taxable income upper bound inclusive, marginal rate); last bound None
    brackets: tuple[tuple[int | None, Fraction], ...] = (
        (1_950_000, Fraction(5, 100)),
        (3_300_000, Fraction(10, 100)),
        (6_950_000, Fraction(20, 100)),
        (9_000_000, Fraction(23, 100)),
        (18_000_000, Fraction(33, 100)),
        (40_000_000, Fraction(40, 100)),
        (None, Fraction(45, 100)),
    )
    reconstruction: Fraction = Fraction(21, 1000)
    resident_rate: Fraction = Fraction(10, 100)
    source: str = f"{SRC_RATES}; {SRC_RECONSTRUCTION}; {SRC_RESIDENT_RATE}"

    def marginal_rate(self, taxable_income: int) -> Fraction:
        """Marginal 所得税 rate (before 復興特別所得税) for a taxable income."""
        for upto, rate in self.brackets:
            if upto is None or taxable_income <= upto:
                return rate
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class TaxYearRules:
    """Every figure the calculators use for one tax year."""

    year: int
    era_label: str
    medical: MedicalRules
    self_medication: SelfMedicationRules
    life: LifeRules
    earthquake: EarthquakeRules
    donation: DonationRules
    rates: RateRules
    #: 所得税 基礎控除 by 合計所得金額 (used only for estimates of taxable income)
    basic_deduction_it: tuple[BasicDeductionTier, ...]
    basic_deduction_it_source: str
    basic_deduction_rt: int = 430_000
    basic_deduction_rt_source: str = SRC_BASIC_RT
    #: 調整控除 with only the 基礎控除 difference (5万円 × 5%): the least there is
    resident_adjustment_min: int = 2_500
    resident_adjustment_source: str = SRC_ADJUSTMENT
    liability_source: str = SRC_LIABILITY
    social_source: str = SRC_SOCIAL
    small_business_source: str = SRC_SMALL_BUSINESS
    notes: tuple[str, ...] = field(default_factory=tuple)

    def basic_deduction(self, total_income: int) -> int:
        for tier in self.basic_deduction_it:
            if tier.upto is None or total_income <= tier.upto:
                return tier.amount
        return 0  # pragma: no cover


_BASIC_R5 = (
    BasicDeductionTier(24_000_000, 480_000),
    BasicDeductionTier(24_500_000, 320_000),
    BasicDeductionTier(25_000_000, 160_000),
    BasicDeductionTier(None, 0),
)
_BASIC_R7 = (
    BasicDeductionTier(1_320_000, 950_000),
    BasicDeductionTier(3_360_000, 880_000),
    BasicDeductionTier(4_890_000, 680_000),
    BasicDeductionTier(6_550_000, 630_000),
    BasicDeductionTier(23_500_000, 580_000),
    BasicDeductionTier(24_000_000, 480_000),
    BasicDeductionTier(24_500_000, 320_000),
    BasicDeductionTier(25_000_000, 160_000),
    BasicDeductionTier(None, 0),
)


def _year(year: int, *, r7_basic: bool, r8_life: bool) -> TaxYearRules:
    life = LifeRules()
    if r8_life:
        life = LifeRules(
            new_general_dependant_it=LIFE_NEW_GENERAL_R8_IT,
            combined_cap_general_dependant_it=60_000,
        )
    return TaxYearRules(
        year=year,
        era_label=tax_year_label(year),
        medical=MedicalRules(),
        self_medication=SelfMedicationRules(),
        life=life,
        earthquake=EarthquakeRules(),
        donation=DonationRules(),
        rates=RateRules(),
        basic_deduction_it=_BASIC_R7 if r7_basic else _BASIC_R5,
        basic_deduction_it_source=SRC_BASIC_R7 if r7_basic else SRC_BASIC_R5,
    )


#: tax year → rules. Add a year only with its sources checked.
RULES: dict[int, TaxYearRules] = {
    # 令和3・4年分: the same figures as 令和5年分 (基礎控除 48万円 since 令和2年分, 住民税 43万円
    # since 令和3年度; no change to 医療費・生命・地震・寄附金控除 or the rates in these years)
    2021: _year(2021, r7_basic=False, r8_life=False),
    2022: _year(2022, r7_basic=False, r8_life=False),
    2023: _year(2023, r7_basic=False, r8_life=False),
    2024: _year(2024, r7_basic=False, r8_life=False),
    2025: _year(2025, r7_basic=True, r8_life=False),
    2026: _year(2026, r7_basic=True, r8_life=True),
}


def rules_for(year: int) -> TaxYearRules:
    """The rules of tax year ``year``; :class:`UnsupportedTaxYear` if the table lacks it."""
    try:
        return RULES[int(year)]
    except KeyError:
        covered = ", ".join(f"{r.era_label} ({y})" for y, r in sorted(RULES.items()))
        raise UnsupportedTaxYear(
            f"No tax rules for {year}: the table covers {covered}",
            hint="choose a covered year, or add the year to mynalib/tax/rules.py with its sources",
            ja=f"{year}年分の税制は未対応です（対応: {covered}）。",
        ) from None


def era_label(year: int) -> str:
    """The name of tax year ``year``: 令和N年分 (2019 = 令和元年分; 2018 = 平成30年分)."""
    return tax_year_label(year)


# ------------------------------------------------------------------ 高額療養費 (high-cost care)
SRC_KOGAKU = (
    "厚生労働省「高額療養費制度を利用される皆さまへ」（平成30年8月診療分から）の自己負担限度額表; "
    "健康保険法施行令第42条・第43条、国民健康保険法施行令第29条の3・第29条の4、"
    "高齢者の医療の確保に関する法律施行令第15条（70歳以上・後期高齢者医療）"
)
SRC_KOGAKU_AGE = (
    "70歳以上の区分は70歳に達する日の属する月の翌月（1日生まれは誕生日の属する月）の診療分から; "
    "70歳未満の世帯合算は1レセプト21,000円以上の自己負担のみ（健康保険法施行令第41条第1項）; "
    "1%の額は1円未満四捨五入（同第42条: 50銭未満切捨て、50銭以上切上げ）"
)
#: the last month of care the table above was checked for: the 見直し of the limits announced
#: for later months (from 2026-08) could not be confirmed against a 厚生労働省 page, so later
#: months are estimated with the same table and the estimate says so
KOGAKU_TABLE_CHECKED_THROUGH = date(2026, 7, 1)


@dataclass(frozen=True)
class HighCostLimit:
    """One row of the 自己負担限度額 table: per month, ``base + (医療費 − threshold) × 1%``
    (``threshold`` None: a flat amount); ``many_times`` from the 4th month within 12
    (多数回該当); ``outpatient`` the per-person 外来 limit of the 70歳以上 一般・低所得 rows."""

    income_class: str
    label: str
    base: int
    threshold: int | None
    many_times: int | None
    outpatient: int | None = None


#: 70歳未満 (区分ア–オ); the keys are what the settings name
KOGAKU_UNDER_70: dict[str, HighCostLimit] = {
    r.income_class: r
    for r in (
        HighCostLimit("ア", "区分ア（年収約1,160万円〜）", 252_600, 842_000, 140_100),
        HighCostLimit("イ", "区分イ（年収約770万〜約1,160万円）", 167_400, 558_000, 93_000),
        HighCostLimit("ウ", "区分ウ（年収約370万〜約770万円）", 80_100, 267_000, 44_400),
        HighCostLimit("エ", "区分エ（〜年収約370万円）", 57_600, None, 44_400),
        HighCostLimit("オ", "区分オ（住民税非課税）", 35_400, None, 24_600),
    )
}

#: 70歳以上 (and 後期高齢者医療), keyed by the under-70 class it corresponds to
KOGAKU_70_PLUS: dict[str, HighCostLimit] = {
    "ア": HighCostLimit("ア", "現役並みⅢ（年収約1,160万円〜）", 252_600, 842_000, 140_100),
    "イ": HighCostLimit("イ", "現役並みⅡ（年収約770万〜約1,160万円）", 167_400, 558_000, 93_000),
    "ウ": HighCostLimit("ウ", "現役並みⅠ（年収約370万〜約770万円）", 80_100, 267_000, 44_400),
    "エ": HighCostLimit("エ", "一般（年収156万〜約370万円）", 57_600, None, 44_400, 18_000),
    "オ": HighCostLimit("オ", "住民税非課税等（低所得者Ⅱ）", 24_600, None, None, 8_000),
}

#: the class assumed when the settings name none (labelled as an assumption wherever shown)
KOGAKU_DEFAULT_CLASS = "ウ"
#: 70歳未満: only claims with at least this patient share count toward the household sum
KOGAKU_UNDER_70_CLAIM_FLOOR = 21_000
