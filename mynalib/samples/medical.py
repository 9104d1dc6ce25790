"""The sample household's medical history, 2021–2025: visits, dispensings (薬剤情報) and claims.

Everything is a pure function of ``seed`` (``random.Random(seed)``, fixed dates, no clock): the
same seed always gives the same structures. The 医療費通知 CSVs (:mod:`mynalib.samples.iryohi`)
are written from :func:`household_claims`; the portal sandbox serves the same claims and
dispensings.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..jp.age import age_reached_on, month_age_counts_from
from .household import DEFAULT_SEED, HOUSEHOLD, YEARS, coverage, person


def patient_rate(birth: date, on: date) -> int:
    """Statutory patient share in percent on ``on`` (健康保険法 / 高齢者医療確保法).

    Ages as the law counts them (:mod:`mynalib.jp.age`): under compulsory-school age (up to the
    first 31 March on or after the day the 6th year is reached): 20; from the month after the
    month 70 is reached (健康保険法第74条: 70歳に達する日の属する月の翌月以後): 20; from the 75th
    birthday (後期高齢者医療, general income): 10; otherwise 30.
    """
    six = age_reached_on(birth, 6)
    school_start = date(six.year + (0 if (six.month, six.day) <= (3, 31) else 1), 3, 31)
    if on <= school_start:
        return 20
    if on > age_reached_on(birth, 75):
        return 10
    if on >= month_age_counts_from(birth, 70):
        return 20
    return 30


def _round10(value: int) -> int:
    """Up to the next multiple of 10 yen (claims are 点数 × 10 yen)."""
    return (value + 9) // 10 * 10


def _rand_date(rng: random.Random, year: int, month: int, lo: int = 1, hi: int = 28) -> date:
    d = date(year, month, rng.randint(lo, hi))
    return d + timedelta(days=1) if d.weekday() == 6 else d  # clinics are closed on Sundays


def _weekday_after(d: date, days: int) -> date:
    out = d + timedelta(days=days)
    while out.weekday() == 6:  # clinics are closed on Sundays
        out += timedelta(days=1)
    return out


# --------------------------------------------------------------------------- providers, drugs
@dataclass(frozen=True)
class Provider:
    name: str  # 医療機関等名称 as on the CSV (full-width, sometimes with a legal-form prefix)
    category: str  # 診療区分 of its outpatient claims: 医科外来, 歯科外来, 調剤
    short: str  # short name for 薬剤情報 prescriber/pharmacy fields


NAIKA = Provider("医療法人社団見本会　見本内科クリニック", "医科外来", "見本内科クリニック")
PEDS = Provider("見本こどもクリニック", "医科外来", "見本こどもクリニック")
ENT = Provider("架空耳鼻咽喉科医院", "医科外来", "架空耳鼻咽喉科医院")
ORTHO = Provider("見本整形外科", "医科外来", "見本整形外科")
EYE = Provider("架空眼科", "医科外来", "架空眼科")
DERMA = Provider("見本ひふ科クリニック", "医科外来", "見本ひふ科クリニック")
HOSPITAL = Provider("架空市立総合病院", "医科外来", "架空市立総合病院")
DENTAL = Provider("みほん歯科医院", "歯科外来", "みほん歯科医院")
PHARM_STATION = Provider("みほん薬局　駅前店", "調剤", "みほん薬局　駅前店")
PHARM_HOSPITAL = Provider("架空調剤薬局　病院前店", "調剤", "架空調剤薬局　病院前店")
PHARM_ORTHO = Provider("見本ファーマシー", "調剤", "見本ファーマシー")


@dataclass(frozen=True)
class Drug:
    name: str  # full-width as in 薬剤情報
    route: str  # 内服, 頓服, 外用
    quantity: str  # 1日量 (内服), 1回量 (頓服), total (外用)
    usage: str
    unit_cost: int  # yen per day (内服), per use (頓服), per dispensing (外用)


DRUGS: dict[str, Drug] = {
    d.name: d
    for d in (
        Drug("アムロジピン錠５ｍｇ「サワイ」", "内服", "1錠", "1日1回朝食後", 10),
        Drug("メトホルミン塩酸塩錠２５０ｍｇＭＴ「ＤＳＥＰ」", "内服", "2錠", "1日2回朝夕食後", 20),
        Drug("クラリス錠２００", "内服", "2錠", "1日2回朝夕食後", 90),
        Drug("カロナール錠２００", "頓服", "1錠", "発熱時・疼痛時", 6),
        Drug("ムコダイン錠５００ｍｇ", "内服", "3錠", "1日3回毎食後", 30),
        Drug("ロキソプロフェンＮａ錠６０ｍｇ「サワイ」", "内服", "3錠", "1日3回毎食後", 30),
        Drug("レバミピド錠１００ｍｇ「オーツカ」", "内服", "3錠", "1日3回毎食後", 30),
        Drug("ロキソニンテープ１００ｍｇ", "外用", "14枚", "1日1回患部に貼付", 420),
        Drug("アレグラ錠６０ｍｇ", "内服", "2錠", "1日2回朝夕食後", 70),
        Drug("オロパタジン塩酸塩錠５ｍｇ「トーワ」", "内服", "2錠", "1日2回朝食後・就寝前", 30),
        Drug("ボナロン錠３５ｍｇ", "内服", "1錠", "週1回起床時", 560),
        Drug("マグミット錠３３０ｍｇ", "内服", "3錠", "1日3回毎食後", 20),
        Drug("カルボシステインＤＳ５０％「タカタ」", "内服", "0.9g", "1日3回毎食後", 15),
        Drug("アスベリン散１０％", "内服", "0.6g", "1日3回毎食後", 12),
        Drug("クラリスドライシロップ１０％小児用", "内服", "3g", "1日2回朝夕食後", 60),
        Drug("ヒルドイドソフト軟膏０．３％", "外用", "25g", "1日2回患部に塗布", 590),
        Drug("フルメトロン点眼液０．１％", "外用", "5mL", "1日4回点眼", 380),
    )
}


# --------------------------------------------------------------------------- medical events
@dataclass(frozen=True)
class Visit:
    """One day at a provider (outpatient) or one month's stay (inpatient)."""

    person_id: str
    date: date
    provider: Provider
    cost: int  # 医療費の総額 of this day (inpatient: of the month's stay), multiple of 10 yen
    category: str  # 診療区分
    days: int = 1  # inpatient: days in hospital this month
    rx: tuple[tuple[str, int], ...] = ()  # (drug name, days/uses/packages)
    pharmacy: Provider | None = None


@dataclass(frozen=True)
class Dispensing:
    """One dispensing at a pharmacy (薬剤情報), following a visit with a prescription."""

    person_id: str
    date: date
    prescriber: Provider
    pharmacy: Provider
    lines: tuple[tuple[str, int], ...]
    cost: int


@dataclass(frozen=True)
class Claim:
    """One detail block of a 医療費通知 (one レセプト)."""

    person_id: str
    year: int
    month: int
    category: str
    days: int
    provider: str
    total: int
    insurer_paid: int
    public_paid: int
    patient_share: int
    insurer_no: str
    insurer_name: str


class _Builder:
    def __init__(self, person_id: str, rng: random.Random) -> None:
        self.person_id = person_id
        self.rng = rng
        self.visits: list[Visit] = []

    def visit(
        self,
        d: date,
        provider: Provider,
        cost: int,
        rx: Iterable[tuple[str, int]] = (),
        pharmacy: Provider | None = None,
    ) -> None:
        lines = tuple(rx)
        self.visits.append(
            Visit(
                self.person_id,
                d,
                provider,
                _round10(cost),
                provider.category,
                1,
                lines,
                pharmacy if lines else None,
            )
        )

    def stay(self, d: date, provider: Provider, cost: int, days: int) -> None:
        self.visits.append(Visit(self.person_id, d, provider, _round10(cost), "医科入院", days))

    def cost(self, lo: int, hi: int) -> int:
        return self.rng.randrange(lo, hi, 10)


def _cold_month(rng: random.Random) -> int:
    return rng.choice((1, 1, 2, 2, 3, 4, 6, 9, 10, 11, 12, 12))


def _taro(b: _Builder, year: int) -> None:
    rng = b.rng
    for _ in range(rng.randint(1, 3)):  # colds
        lines = [("ムコダイン錠５００ｍｇ", 5), ("カロナール錠２００", 10)]
        if rng.random() < 0.5:
            lines.insert(0, ("クラリス錠２００", 5))
        d = _rand_date(rng, year, _cold_month(rng))
        b.visit(d, NAIKA, b.cost(2200, 3600), lines, PHARM_STATION)
    for m in (5, 11):  # dental check-ups
        b.visit(_rand_date(rng, year, m), DENTAL, b.cost(2800, 4200))
    if year == 2022:  # a filling, four weekly visits
        d = _rand_date(rng, year, 2, 1, 10)
        for _ in range(4):
            b.visit(d, DENTAL, b.cost(3000, 8200))
            d = _weekday_after(d, 7)
    if year >= 2023:  # hypertension from May 2023, metformin from March 2025
        for m in range(5 if year == 2023 else 1, 13):
            cost = b.cost(1500, 2400) + (b.cost(3500, 5200) if m % 3 == 0 else 0)
            days = rng.choice((28, 30, 30))
            lines = [("アムロジピン錠５ｍｇ「サワイ」", days)]
            if year == 2025 and m >= 3:
                lines.append(("メトホルミン塩酸塩錠２５０ｍｇＭＴ「ＤＳＥＰ」", days))
            b.visit(_rand_date(rng, year, m, 3, 26), NAIKA, cost, lines, PHARM_STATION)
    if year == 2024:  # gallstones: tests, surgery, 10 days in hospital over two months
        b.visit(date(2024, 5, 20), HOSPITAL, b.cost(18400, 22600))
        b.visit(date(2024, 6, 10), HOSPITAL, b.cost(9000, 12400))
        b.stay(date(2024, 6, 24), HOSPITAL, b.cost(598000, 642000), 7)
        b.stay(date(2024, 7, 1), HOSPITAL, b.cost(88000, 104000), 3)
        lines = [
            ("ロキソプロフェンＮａ錠６０ｍｇ「サワイ」", 7),
            ("レバミピド錠１００ｍｇ「オーツカ」", 7),
        ]
        b.visit(date(2024, 7, 17), HOSPITAL, b.cost(3500, 5000), lines, PHARM_HOSPITAL)
        b.visit(date(2024, 8, 21), HOSPITAL, b.cost(2000, 3000))


def _hanako(b: _Builder, year: int) -> None:
    rng = b.rng
    drug = "アレグラ錠６０ｍｇ" if year < 2024 else "オロパタジン塩酸塩錠５ｍｇ「トーワ」"
    for i, m in enumerate((2, 3, 4)):  # pollen season
        cost = b.cost(2600, 3400) if i == 0 else b.cost(1300, 1900)
        b.visit(_rand_date(rng, year, m, 1, 25), ENT, cost, [(drug, 30)], PHARM_STATION)
    for m in (1, 5, 9):  # dental cleaning
        b.visit(_rand_date(rng, year, m), DENTAL, b.cost(2400, 3600))
    if year == 2021:  # root canal treatment, five weekly visits
        d = _rand_date(rng, year, 10, 1, 6)
        for _ in range(5):
            b.visit(d, DENTAL, b.cost(3200, 7800))
            d = _weekday_after(d, 7)
    if year == 2022:  # eczema
        lines = [("ヒルドイドソフト軟膏０．３％", 1)]
        b.visit(_rand_date(rng, year, 7), DERMA, b.cost(2600, 3200), lines, PHARM_STATION)
        b.visit(_rand_date(rng, year, 8), DERMA, b.cost(1300, 1800), lines, PHARM_STATION)
    for _ in range(rng.randint(0, 2)):
        lines = [("ムコダイン錠５００ｍｇ", 5), ("カロナール錠２００", 5)]
        b.visit(
            _rand_date(rng, year, _cold_month(rng)), NAIKA, b.cost(2200, 3400), lines, PHARM_STATION
        )


def _sora(b: _Builder, year: int) -> None:
    rng = b.rng
    for _ in range(rng.randint(3, 6)):  # colds
        lines = [("カルボシステインＤＳ５０％「タカタ」", 5), ("アスベリン散１０％", 5)]
        if rng.random() < 0.3:
            lines.append(("クラリスドライシロップ１０％小児用", 5))
        d = _rand_date(rng, year, _cold_month(rng))
        b.visit(d, PEDS, b.cost(2400, 3800), lines, PHARM_STATION)
    for m in (4, 10):
        b.visit(_rand_date(rng, year, m), DENTAL, b.cost(2200, 3400))
    if year == 2023:  # short-sightedness check
        b.visit(_rand_date(rng, year, 6), EYE, b.cost(2800, 4200))
        b.visit(_rand_date(rng, year, 12), EYE, b.cost(1400, 2200))


_ORTHO_WINDOWS = {2021: range(3, 7), 2023: range(9, 13), 2025: range(1, 5)}


def _ume(b: _Builder, year: int) -> None:
    rng = b.rng
    for m in range(1, 13):  # monthly check, hypertension and constipation; osteoporosis from 2022
        cost = b.cost(1600, 2300) + (b.cost(3800, 5200) if m % 3 == 1 else 0)
        days = rng.choice((28, 28, 30))
        lines = [("アムロジピン錠５ｍｇ「サワイ」", days), ("マグミット錠３３０ｍｇ", days)]
        if year >= 2022:
            lines.append(("ボナロン錠３５ｍｇ", 4))
        if year == 2023 and m in (10, 11):  # back pain: the same NSAID the orthopaedist gives
            lines.append(("ロキソプロフェンＮａ錠６０ｍｇ「サワイ」", 14))
        b.visit(_rand_date(rng, year, m, 2, 12), NAIKA, cost, lines, PHARM_STATION)
    months = _ORTHO_WINDOWS.get(year, range(0))
    for i, m in enumerate(months):  # knee: rehabilitation visits, painkillers each month
        n = rng.randint(2, 3)
        days_in_month = sorted(rng.sample(range(3, 28), n))
        for j, day in enumerate(days_in_month):
            d = date(year, m, day)
            if j == 0:
                cost = b.cost(3200, 4800) if i == 0 else b.cost(1500, 2200)
                lines = [
                    ("ロキソプロフェンＮａ錠６０ｍｇ「サワイ」", 14),
                    ("レバミピド錠１００ｍｇ「オーツカ」", 14),
                    ("ロキソニンテープ１００ｍｇ", 1),
                ]
                b.visit(d, ORTHO, cost, lines, PHARM_ORTHO)
            else:
                b.visit(d, ORTHO, b.cost(900, 1600))
    if year == 2022:  # dentures, six weekly visits
        d = _rand_date(rng, year, 5, 1, 8)
        for _ in range(6):
            b.visit(d, DENTAL, b.cost(2600, 9800))
            d = _weekday_after(d, 7)
    for m in (3, 9):  # cataract follow-up
        b.visit(_rand_date(rng, year, m, 13, 28), EYE, b.cost(1800, 2900))


_PLANS = {"taro": _taro, "hanako": _hanako, "sora": _sora, "ume": _ume}


@dataclass(frozen=True)
class _Medical:
    visits: tuple[Visit, ...]
    dispensings: tuple[Dispensing, ...]
    claims: tuple[Claim, ...]


_CATEGORY_ORDER = {"医科外来": 0, "医科入院": 1, "歯科外来": 2, "調剤": 3}


def _medical(seed: int) -> _Medical:
    visits: list[Visit] = []
    for p in HOUSEHOLD:
        for year in YEARS:
            b = _Builder(p.id, random.Random(f"{seed}:medical:{p.id}:{year}"))
            _PLANS[p.id](b, year)
            visits.extend(b.visits)
    visits.sort(key=lambda v: (v.person_id, v.date, v.provider.name))

    dispensings: list[Dispensing] = []
    for v in visits:
        if not v.rx or v.pharmacy is None:
            continue
        rng = random.Random(f"{seed}:dispensing:{v.person_id}:{v.date}:{v.provider.short}")
        cost = rng.randrange(480, 980, 10) + sum(DRUGS[n].unit_cost * k for n, k in v.rx)
        dispensings.append(
            Dispensing(v.person_id, v.date, v.provider, v.pharmacy, v.rx, _round10(cost))
        )

    # group into claims: one per person, month, provider and 診療区分 (sometimes split in two)
    groups: dict[tuple[str, int, int, str, str], list[tuple[date, int, int]]] = {}
    for v in visits:
        key = (v.person_id, v.date.year, v.date.month, v.category, v.provider.name)
        groups.setdefault(key, []).append((v.date, v.cost, v.days))
    for dsp in dispensings:
        key = (dsp.person_id, dsp.date.year, dsp.date.month, "調剤", dsp.pharmacy.name)
        groups.setdefault(key, []).append((dsp.date, dsp.cost, 1))

    claims: list[Claim] = []
    split_rng = random.Random(f"{seed}:split")
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], _CATEGORY_ORDER[k[3]], k[4])):
        pid, year, month, category, provider = key
        items = sorted(groups[key])
        parts = [items]
        if len(items) >= 2 and category != "医科入院" and split_rng.random() < 0.2:
            cut = split_rng.randint(1, len(items) - 1)
            parts = [items[:cut], items[cut:]]
        p = person(pid)
        cov = coverage(pid, year, month)
        for part in parts:
            total = sum(c for _, c, _ in part)
            if category == "医科入院":
                days = sum(n for _, _, n in part)
            else:
                days = len({d for d, _, _ in part})
            share = total * patient_rate(p.birth, part[0][0]) // 100
            claims.append(
                Claim(
                    pid,
                    year,
                    month,
                    category,
                    days,
                    provider,
                    total,
                    total - share,
                    0,
                    share,
                    cov.insurer_no,
                    cov.insurer_name,
                )
            )
    return _Medical(tuple(visits), tuple(dispensings), tuple(claims))


# --------------------------------------------------------------------------- public structures
def household_claims(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Every 医療費通知 claim of the household, 2021–2025, in CSV order.

    One dict per detail block (= one block of the CSVs in ``sample_data/iryohi/``)::

        {"person_id": "taro", "person": "見本　太郎", "year": 2025, "month": 3,
         "category": "医科外来" | "医科入院" | "歯科外来" | "調剤", "days": 2,
         "provider": "医療法人社団見本会　見本内科クリニック",
         "total_cost": 5950, "insurer_paid": 4165, "public_paid": 0, "patient_share": 1785,
         "insurer_no": "06999001", "insurer_name": "見本商事健康保険組合"}

    Amounts are integer yen; ``total_cost = insurer_paid + public_paid + patient_share``.
    """
    out = []
    for c in _medical(seed).claims:
        out.append(
            {
                "person_id": c.person_id,
                "person": person(c.person_id).name,
                "year": c.year,
                "month": c.month,
                "category": c.category,
                "days": c.days,
                "provider": c.provider,
                "total_cost": c.total,
                "insurer_paid": c.insurer_paid,
                "public_paid": c.public_paid,
                "patient_share": c.patient_share,
                "insurer_no": c.insurer_no,
                "insurer_name": c.insurer_name,
            }
        )
    return out


def household_dispensings(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The household's 薬剤情報: one dict per dispensing, consistent with the 調剤 claims.

    Every dispensing belongs to exactly one 調剤 claim (same person, month and pharmacy), and
    follows a visit the same day at ``prescriber``::

        {"person_id": "ume", "person": "見本　うめ", "date": datetime.date(2023, 10, 5),
         "prescriber": "見本内科クリニック", "pharmacy": "みほん薬局　駅前店",
         "drugs": [{"drug": "アムロジピン錠５ｍｇ「サワイ」",   # full-width, as in 薬剤情報
                    "quantity": "1錠",        # 1日量 (内服), 1回量 (頓服), total (外用)
                    "usage": "1日1回朝食後",
                    "days": 28,               # 調剤数量: days (内服), uses (頓服), 1 (外用)
                    "route": "内服" | "頓服" | "外用"}, ...]}

    ume gets ロキソプロフェンＮａ錠６０ｍｇ「サワイ」 from 見本内科クリニック and 見本整形外科 in
    overlapping periods (October–November 2023): the drugs notebook's duplicate case.
    """
    out = []
    for dsp in _medical(seed).dispensings:
        drugs = []
        for name, n in dsp.lines:
            d = DRUGS[name]
            drugs.append(
                {
                    "drug": d.name,
                    "quantity": d.quantity,
                    "usage": d.usage,
                    "days": n,
                    "route": d.route,
                }
            )
        out.append(
            {
                "person_id": dsp.person_id,
                "person": person(dsp.person_id).name,
                "date": dsp.date,
                "prescriber": dsp.prescriber.short,
                "pharmacy": dsp.pharmacy.short,
                "drugs": drugs,
            }
        )
    return out


def household_visits(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Every visit day (outpatient) and month of stay (inpatient) behind the claims::

    {"person_id": "taro", "date": datetime.date(2024, 6, 24), "provider": "架空市立総合病院",
     "category": "医科入院", "days": 7, "total_cost": 612340, "prescription": True}
    """
    return [
        {
            "person_id": v.person_id,
            "date": v.date,
            "provider": v.provider.name,
            "category": v.category,
            "days": v.days,
            "total_cost": v.cost,
            "prescription": bool(v.rx),
        }
        for v in _medical(seed).visits
    ]
