"""The fictional sample household (deterministic). Its generator writes ``sample_data/``.

Nothing here is a real person. The household is the same everywhere: the sample documents,
the portal sandbox and the software cards of its members.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .jp import eras, fmt


@dataclass(frozen=True)
class Person:
    id: str  # stable key used across the project (card seeds, sandbox accounts)
    name: str  # 氏名, family and given name separated by an ideographic space
    kana: str  # 氏名カナ (full-width katakana)
    birth: date
    sex: str  # "1" male, "2" female (as on the card)
    address: str
    role: str  # "earner", "spouse", "child", "parent"
    my_number: str = field(repr=False)  # fictional, with a valid check digit; never in a repr


def _check_digit(first11: str) -> str:
    """My Number check digit (番号法施行令 第8条)."""
    digits = [int(c) for c in reversed(first11)]
    total = sum(d * ((n + 1) + 1 if n + 1 <= 6 else (n + 1) - 5) for n, d in enumerate(digits))
    remainder = total % 11
    return "0" if remainder <= 1 else str(11 - remainder)


def _my_number(first11: str) -> str:
    return first11 + _check_digit(first11)


ADDRESS = "東京都架空区見本町一丁目２番３号"

HOUSEHOLD: tuple[Person, ...] = (
    Person(
        "taro",
        "見本　太郎",
        "ミホン　タロウ",
        date(1970, 4, 12),
        "1",
        ADDRESS,
        "earner",
        _my_number("12345678901"),
    ),
    Person(
        "hanako",
        "見本　花子",
        "ミホン　ハナコ",
        date(1973, 9, 3),
        "2",
        ADDRESS,
        "spouse",
        _my_number("23456789012"),
    ),
    Person(
        "sora",
        "見本　そら",
        "ミホン　ソラ",
        date(2012, 6, 20),
        "2",
        ADDRESS,
        "child",
        _my_number("34567890123"),
    ),
    Person(
        "ume",
        "見本　うめ",
        "ミホン　ウメ",
        date(1943, 1, 15),
        "2",
        ADDRESS,
        "parent",
        _my_number("45678901234"),
    ),
)


def person(person_id: str) -> Person:
    for p in HOUSEHOLD:
        if p.id == person_id:
            return p
    raise KeyError(person_id)


# ============================================================================================
# The deterministic generator
#
# Everything below is a pure function of ``seed`` (``random.Random(seed)``, fixed dates, no clock):
# the same seed always gives the same Python structures and the same bytes on disk. The
# committed ``sample_data/`` is ``generate(Path("sample_data"))`` with :data:`DEFAULT_SEED`; a test
# regenerates it and compares byte for byte.
# ============================================================================================

#: the seed ``sample_data/`` was generated with
DEFAULT_SEED = 20260223
#: the five calendar years of medical data
YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
#: tax years with 控除証明書 (TEG840 also has 2023: its 2年前納 is split over 2023–2025)
CERT_YEARS: tuple[int, ...] = (2024, 2025)

#: where the sample issuer key, its certificate and the sample root live (SAMPLE/TEST ONLY)
SAMPLE_KEYS_DIR = Path(__file__).resolve().parent / "data" / "sample_keys"
SAMPLE_ROOT_CERT = SAMPLE_KEYS_DIR / "sample_root_cert.pem"
SAMPLE_ISSUER_CERT = SAMPLE_KEYS_DIR / "sample_issuer_cert.pem"
SAMPLE_ISSUER_KEY = SAMPLE_KEYS_DIR / "sample_issuer_key.pem"


# --------------------------------------------------------------------------- small helpers
def age_on(birth: date, on: date) -> int:
    """Age in completed years on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def patient_rate(birth: date, on: date) -> int:
    """Statutory patient share in percent on ``on`` (健康保険法 / 高齢者医療確保法).

    Under compulsory-school age (until the 31 March after the 6th birthday): 20; 70–74: 20;
    75 and over (後期高齢者, general income): 10; otherwise 30.
    """
    six = date(birth.year + 6, birth.month, birth.day)
    school_start = date(six.year + (1 if (six.month, six.day) > (4, 1) else 0), 3, 31)
    if on <= school_start:
        return 20
    age = age_on(birth, on)
    if age >= 75:
        return 10
    if age >= 70:
        return 20
    return 30


def jp_date(d: date) -> str:
    """``2025年1月5日`` (no zero padding), as in the 医療費通知 CSV."""
    return fmt.jp_date(d)


def jp_month(year: int, month: int) -> str:
    return fmt.jp_month(year, month)


def yen(amount: int) -> str:
    """Amount as the CSV writes it: ``"5,950"`` (quoted, separators) from 1,000, bare below."""
    return f'"{amount:,}"' if amount >= 1000 else str(amount)


def reiwa(year: int) -> int:
    """令和 year number of a Western year (2019 → 1)."""
    return year - eras.era("令和").first_year + 1


def _month_key(d: date) -> tuple[int, int]:
    return (d.year, d.month)


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


# --------------------------------------------------------------------------- insurance
@dataclass(frozen=True)
class Coverage:
    """One 健康保険 enrolment: which insurer a 医療費通知 CSV comes from."""

    person_id: str
    start: tuple[int, int]  # (year, month), inclusive
    end: tuple[int, int]  # inclusive
    insurer_no: str  # 保険者等番号 (8 characters; X = masked on the portal)
    insurer_name: str
    symbol: str  # 被保険者証等記号 ("－" for 後期高齢者医療, which has no 記号 and no 枝番)
    number: str  # 被保険者証等番号
    branch: str  # 枝番


KENPO = ("06999001", "見本商事健康保険組合")
KOKUHO = ("XXXX9999", "架空区国民健康保険")
KOKI = ("39139999", "東京都後期高齢者医療広域連合")

COVERAGES: tuple[Coverage, ...] = (
    Coverage("taro", (2021, 1), (2025, 12), *KENPO, "1207", "4531", "00"),
    Coverage("hanako", (2021, 1), (2023, 3), *KENPO, "1207", "4531", "01"),
    # hanako works freelance from April 2023: off taro's 健保, on 国保 and 国民年金 第1号
    Coverage("hanako", (2023, 4), (2025, 12), *KOKUHO, "架空１２", "305871", "01"),
    Coverage("sora", (2021, 1), (2025, 12), *KENPO, "1207", "4531", "02"),
    Coverage("ume", (2021, 1), (2025, 12), *KOKI, "－", "20938417", "－"),
)


def _coverage(person_id: str, year: int, month: int) -> Coverage:
    for c in COVERAGES:
        if c.person_id == person_id and c.start <= (year, month) <= c.end:
            return c
    raise KeyError((person_id, year, month))


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
        cov = _coverage(pid, year, month)
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


# --------------------------------------------------------------------------- 医療費通知 CSV
def _csv_line(*cells: str) -> str:
    return ",".join(cells) + "\r\n"


#: one detail block of a 医療費通知 CSV: (診療月, 診療区分, 日数, 医療機関等名称, 医療費の総額,
#: 保険者の負担額, その他の公費の負担額, 窓口相当負担額); amounts in yen
IryohiBlock = tuple[int, str, int, str, int, int, int, int]


def render_iryohi_csv(
    *,
    year: int,
    months: tuple[int, int],
    blocks: Iterable[IryohiBlock],
    created: date,
    kana: str,
    name: str,
    birth: date,
    sex: str,
    age: int,
    insurer_no: str,
    symbol: str,
    number: str,
    branch: str,
    insurer_name: str,
) -> bytes:
    """The bytes of a 医療費通知情報 CSV (FORMATS.md §1) with these header fields and ``blocks``.

    ``months`` is the period ``(first, last)`` of ``year`` the file covers; ``sex`` is 男 or 女.
    The totals are the sums of the blocks. Shared by :func:`iryohi_csv` and the tests' writers.
    """
    blocks = list(blocks)
    first, last = months
    period = f"{jp_month(year, first)}～{jp_month(year, last)}"
    total = sum(b[4] for b in blocks)
    insurer = sum(b[5] for b in blocks)
    public = sum(b[6] for b in blocks)
    share = sum(b[7] for b in blocks)

    def totals(title: str) -> list[str]:
        return [
            _csv_line(title),
            _csv_line("期間", period),
            _csv_line("医療費の総額（円）", yen(total)),
            _csv_line("保険者の負担額（円）", yen(insurer)),
            _csv_line("その他の公費の負担額（円）", yen(public)),
            _csv_line("窓口相当負担額（円）", yen(share)),
        ]

    out = [
        _csv_line("わたしの情報"),
        _csv_line("医療費通知情報"),
        _csv_line(),
        _csv_line("項目名", "内容"),
        _csv_line("作成日", jp_date(created)),
        _csv_line("資格情報"),
        _csv_line("氏名カナ", kana),
        _csv_line("氏名", name),
        _csv_line("生年月日", jp_date(birth)),
        _csv_line("性別", sex),
        _csv_line("年齢", f"{age}歳"),
        _csv_line("保険者等番号", insurer_no),
        _csv_line("被保険者証等記号", symbol),
        _csv_line("被保険者証等番号", number),
        _csv_line("枝番", branch),
        _csv_line("医療費明細一覧の概要"),
        _csv_line("一覧表示の範囲", f"{jp_month(year, last)}まで"),
        *totals("医療費の合計"),
        *totals("年間の合計"),
        _csv_line("医療費情報明細"),
    ]
    for month, category, days, provider, cost, ins, pub, sh in blocks:
        out += [
            _csv_line("診療年月", jp_month(year, month)),
            _csv_line("診療区分", category),
            _csv_line("日数", str(days)),
            _csv_line("医療機関等名称", provider),
            _csv_line("医療費の総額（円）", yen(cost)),
            _csv_line("保険者の負担額（円）", yen(ins)),
            _csv_line("その他の公費の負担額（円）", yen(pub)),
            _csv_line("窓口相当負担額（円）", yen(sh)),
        ]
    out += [
        _csv_line("保険者情報"),
        _csv_line("保険者の名称", insurer_name),
        _csv_line("医療費情報明細の範囲", period),
    ]
    return "".join(out).encode("utf-8")


def iryohi_csv(
    person_id: str,
    year: int,
    months: tuple[int, int],
    claims: Iterable[dict[str, Any]],
    created: date,
) -> bytes:
    """One 医療費通知情報 CSV (FORMATS.md §1) for ``person_id``, ``year``, months ``(first, last)``.

    ``claims`` are :func:`household_claims` dicts; those of this person and period are written.
    """
    p = person(person_id)
    first, last = months
    cov = _coverage(person_id, year, last)
    blocks = [
        (
            c["month"],
            c["category"],
            c["days"],
            c["provider"],
            c["total_cost"],
            c["insurer_paid"],
            c["public_paid"],
            c["patient_share"],
        )
        for c in claims
        if c["person_id"] == person_id and c["year"] == year and first <= c["month"] <= last
    ]
    return render_iryohi_csv(
        year=year,
        months=months,
        blocks=blocks,
        created=created,
        kana=p.kana,
        name=p.name,
        birth=p.birth,
        sex="男" if p.sex == "1" else "女",
        age=age_on(p.birth, created),
        insurer_no=cov.insurer_no,
        symbol=cov.symbol,
        number=cov.number,
        branch=cov.branch,
        insurer_name=cov.insurer_name,
    )


def _iryohi_files(seed: int) -> list[tuple[str, bytes]]:
    """(relative path, bytes) of every 医療費通知 CSV: per person, year and insurer."""
    claims = household_claims(seed)
    rng = random.Random(f"{seed}:iryohi-files")
    files: list[tuple[str, bytes]] = []
    used: set[str] = set()
    for p in HOUSEHOLD:
        for year in YEARS:
            segments = []
            for cov in COVERAGES:
                if cov.person_id != p.id:
                    continue
                lo = max(cov.start, (year, 1))
                hi = min(cov.end, (year, 12))
                if lo <= hi:
                    segments.append((lo[1], hi[1]))
            for first, last in segments:
                created = date(year + 1, 2, rng.randint(2, 27))
                stamp = (
                    f"{created:%Y%m%d}{rng.randint(8, 22):02d}{rng.randint(0, 59):02d}"
                    f"{rng.randint(0, 59):02d}{rng.randint(0, 999):03d}"
                )
                name = f"iryohi/{p.id}/医療費情報_{stamp}.csv"
                assert name not in used
                used.add(name)
                files.append((name, iryohi_csv(p.id, year, (first, last), claims, created)))
    return files


# --------------------------------------------------------------------------- 特定健診
#: (code, display name, unit, decimals) of the items written; method variants share the name
_CHECKUP_ITEMS: dict[str, tuple[str, str, int]] = {
    "height": ("身長", "cm", 1),
    "weight": ("体重", "kg", 1),
    "bmi": ("ＢＭＩ", "kg/m2", 1),
    "waist": ("腹囲（実測）", "cm", 1),
    "sbp": ("収縮期血圧", "mmHg", 0),
    "dbp": ("拡張期血圧", "mmHg", 0),
    "tg": ("中性脂肪（トリグリセリド）", "mg/dL", 0),
    "hdl": ("ＨＤＬコレステロール", "mg/dL", 0),
    "ldl": ("ＬＤＬコレステロール", "mg/dL", 0),
    "ast": ("ＧＯＴ（ＡＳＴ）", "U/L", 0),
    "alt": ("ＧＰＴ（ＡＬＴ）", "U/L", 0),
    "ggt": ("γ－ＧＴ（γ－ＧＴＰ）", "U/L", 0),
    "fpg": ("空腹時血糖", "mg/dL", 0),
    "hba1c": ("ＨｂＡ１ｃ（ＮＧＳＰ値）", "%", 1),
}

#: 特定健診項目コード per item: the default and a method-specific variant used in some years
_CODES: dict[str, tuple[str, str]] = {
    "height": ("9N001000000000001", "9N001000000000001"),
    "weight": ("9N006000000000001", "9N006000000000001"),
    "bmi": ("9N011000000000001", "9N011000000000001"),
    "waist": ("9N016160100000001", "9N016160100000001"),
    "tg": ("3F015000002327101", "3F015000002327201"),  # 可視吸光光度法 / 紫外吸光光度法
    "hdl": ("3F070000002327101", "3F070000002327201"),
    "ldl": ("3F077000002327101", "3F077000002327201"),
    "ast": ("3B035000002327201", "3B035000002399901"),  # JSCC 標準化対応法 / その他
    "alt": ("3B045000002327201", "3B045000002399901"),
    "ggt": ("3B090000002327101", "3B090000002399901"),
    "fpg": ("3D010000001926101", "3D010000002227101"),  # 電位差法 / 紫外吸光光度法
    "hba1c": ("3D045000001906202", "3D045000001920402"),  # ラテックス凝集比濁法 / HPLC
}
#: blood pressure: two readings (1回目/2回目) or one "その他" reading
_BP_CODES = {
    "sbp": ("9A751000000000001", "9A752000000000001", "9A755000000000001"),
    "dbp": ("9A761000000000001", "9A762000000000001", "9A765000000000001"),
}
#: coded urine results (value/@code: 1 −, 2 ±, 3 +)
_URINE = {"1A020000000190111": "尿糖", "1A010000000190111": "尿蛋白"}

#: per adult: institution, (month, day) of the check-up, base values and yearly trend
_CHECKUP_PLANS: dict[str, dict[str, Any]] = {
    "taro": {
        "institution": ("1399900011", "一般財団法人見本健康管理協会　見本健診センター"),
        "when": (6, 12),
        "variant_years": (2022, 2024, 2025),
        "two_bp_years": (2022, 2024),
        "base": {
            "height": (171.2, 0.0, 0.2),
            "weight": (72.0, 1.0, 0.5),
            "waist": (86.0, 1.1, 0.6),
            "sbp": (126, 4.0, 2.0),
            "dbp": (80, 3.0, 1.5),
            "tg": (140, 12, 10),
            "hdl": (52, -1.0, 1.5),
            "ldl": (132, 4.0, 5.0),
            "ast": (24, 1.5, 2.0),
            "alt": (28, 2.5, 2.0),
            "ggt": (45, 6.0, 4.0),
            "fpg": (98, 5.0, 2.0),
            "hba1c": (5.6, 0.2, 0.03),
        },
        "glucosuria_from": 2025,
    },
    "hanako": {
        "institution": ("1399900011", "一般財団法人見本健康管理協会　見本健診センター"),
        "when": (9, 18),
        "variant_years": (2023,),
        "two_bp_years": (2021, 2023, 2025),
        "base": {
            "height": (158.4, 0.0, 0.2),
            "weight": (53.0, 0.3, 0.4),
            "waist": (74.0, 0.4, 0.5),
            "sbp": (112, 1.0, 3.0),
            "dbp": (70, 0.5, 2.0),
            "tg": (80, 2.0, 8.0),
            "hdl": (68, 0.0, 3.0),
            "ldl": (118, 5.0, 4.0),
            "ast": (20, 0.0, 2.0),
            "alt": (16, 0.3, 2.0),
            "ggt": (18, 0.0, 2.0),
            "fpg": (88, 0.5, 3.0),
            "hba1c": (5.3, 0.03, 0.05),
        },
        "glucosuria_from": None,
    },
    "ume": {
        "institution": ("1399900027", "医療法人社団見本会　見本内科クリニック"),
        "when": (10, 8),
        "variant_years": (2021, 2025),
        "two_bp_years": (),
        "base": {
            "height": (148.0, -0.3, 0.1),
            "weight": (47.0, -0.4, 0.4),
            "waist": (78.0, 0.0, 0.8),
            "sbp": (138, 0.5, 4.0),
            "dbp": (76, 0.0, 2.0),
            "tg": (110, 0.0, 10.0),
            "hdl": (58, 0.0, 2.0),
            "ldl": (112, 0.0, 6.0),
            "ast": (23, 0.0, 2.0),
            "alt": (15, 0.0, 2.0),
            "ggt": (17, 0.0, 2.0),
            "fpg": (102, 0.0, 4.0),
            "hba1c": (5.9, 0.0, 0.08),
        },
        "glucosuria_from": None,
    },
}


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def household_checkups(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The 特定健診 results of taro, hanako and ume, one dict per check-up (2021–2025)::

        {"person_id": "taro", "person": "見本　太郎", "date": datetime.date(2025, 6, 12),
         "institution": "一般財団法人見本健康管理協会　見本健診センター",
         "institution_no": "1399900011",
         "items": [{"key": "hba1c", "code": "3D045000001920402",
                    "item": "ＨｂＡ１ｃ（ＮＧＳＰ値）", "value": "6.4", "unit": "%"},
                   {"key": "sbp", "code": "9A751000000000001", "item": "収縮期血圧（１回目）",
                    "value": "142", "unit": "mmHg"},
                   {"key": "urine_glucose", "code": "1A020000000190111", "item": "尿糖",
                    "value": None, "coded": "1", "unit": None}, ...]}

    ``value`` is the text of the number as written in the CDA (``None`` for coded results,
    which carry ``coded``: 1 −, 2 ±, 3 +). ``key`` names the analyte whatever the method code.
    taro's HbA1c, fasting glucose and blood pressure creep up year by year.
    """
    out = []
    for pid, plan in _CHECKUP_PLANS.items():
        rng = random.Random(f"{seed}:checkup:{pid}")
        for i, year in enumerate(YEARS):
            month, day = plan["when"]
            d = date(year, month, day + rng.randint(0, 6))
            variant = 1 if year in plan["variant_years"] else 0
            values: dict[str, float] = {}
            for key, (base, slope, jitter) in plan["base"].items():
                values[key] = base + slope * i + rng.uniform(-jitter, jitter)
            h = round(values["height"], 1)
            w = round(values["weight"], 1)
            values["height"], values["weight"] = h, w
            values["bmi"] = w / (h / 100) ** 2
            items: list[dict[str, Any]] = []
            for key in ("height", "weight", "bmi", "waist"):
                name, unit, dec = _CHECKUP_ITEMS[key]
                items.append(
                    {
                        "key": key,
                        "code": _CODES[key][variant],
                        "item": name,
                        "value": _fmt(values[key], dec),
                        "unit": unit,
                    }
                )
            for key in ("sbp", "dbp"):
                name, unit, _ = _CHECKUP_ITEMS[key]
                first, second, other = _BP_CODES[key]
                v = round(values[key])
                if year in plan["two_bp_years"]:
                    v2 = v + rng.randint(-6, 2)
                    items.append(
                        {
                            "key": key,
                            "code": first,
                            "item": f"{name}（１回目）",
                            "value": str(v),
                            "unit": unit,
                        }
                    )
                    items.append(
                        {
                            "key": key,
                            "code": second,
                            "item": f"{name}（２回目）",
                            "value": str(v2),
                            "unit": unit,
                        }
                    )
                else:
                    items.append(
                        {
                            "key": key,
                            "code": other,
                            "item": f"{name}（その他）",
                            "value": str(v),
                            "unit": unit,
                        }
                    )
            for key in ("tg", "hdl", "ldl", "ast", "alt", "ggt", "fpg", "hba1c"):
                name, unit, dec = _CHECKUP_ITEMS[key]
                items.append(
                    {
                        "key": key,
                        "code": _CODES[key][variant],
                        "item": name,
                        "value": _fmt(values[key], dec),
                        "unit": unit,
                    }
                )
            glucosuria = plan["glucosuria_from"] is not None and year >= plan["glucosuria_from"]
            items.append(
                {
                    "key": "urine_glucose",
                    "code": "1A020000000190111",
                    "item": "尿糖",
                    "value": None,
                    "coded": "2" if glucosuria else "1",
                    "unit": None,
                }
            )
            items.append(
                {
                    "key": "urine_protein",
                    "code": "1A010000000190111",
                    "item": "尿蛋白",
                    "value": None,
                    "coded": "1",
                    "unit": None,
                }
            )
            inst_no, inst = plan["institution"]
            out.append(
                {
                    "person_id": pid,
                    "person": person(pid).name,
                    "date": d,
                    "institution": inst,
                    "institution_no": inst_no,
                    "items": items,
                }
            )
    return out


def _x(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


_GROUPS = (
    ("身体計測", ("height", "weight", "bmi", "waist")),
    ("血圧", ("sbp", "dbp")),
    ("脂質検査", ("tg", "hdl", "ldl")),
    ("肝機能検査", ("ast", "alt", "ggt")),
    ("血糖検査", ("fpg", "hba1c")),
    ("尿検査", ("urine_glucose", "urine_protein")),
)


def kenshin_cda(checkup: dict[str, Any]) -> bytes:
    """One 特定健診 CDA document (FORMATS.md §3) for a :func:`household_checkups` entry."""
    p = person(checkup["person_id"])
    d: date = checkup["date"]
    cov = _coverage(p.id, d.year, d.month)
    ymd = f"{d:%Y%m%d}"
    t = "\t"

    def obs(item: dict[str, Any], depth: int) -> list[str]:
        ind = t * depth
        lines = [
            f'{ind}<observation classCode="OBS" moodCode="EVN">',
            f'{ind}{t}<code code="{item["code"]}" codeSystem="1.2.392.200119.6.1005" '
            f'displayName="{_x(item["item"])}"/>',
        ]
        if item["value"] is None:
            lines.append(
                f'{ind}{t}<value xsi:type="CO" code="{item["coded"]}" '
                'codeSystem="1.2.392.200119.6.2101"/>'
            )
        else:
            lines.append(
                f'{ind}{t}<value xsi:type="PQ" value="{item["value"]}" unit="{_x(item["unit"])}"/>'
            )
        lines.append(f"{ind}</observation>")
        return lines

    entries: list[str] = []
    by_key: dict[str, list[dict[str, Any]]] = {}
    for item in checkup["items"]:
        by_key.setdefault(item["key"], []).append(item)
    for n, (group, keys) in enumerate(_GROUPS):
        members = [it for k in keys for it in by_key.get(k, [])]
        if group in ("身体計測", "尿検査"):
            for it in members:  # flat entries
                entries += [f"{t * 5}<entry>", *obs(it, 6), f"{t * 5}</entry>"]
            continue
        entries += [  # grouped items nest under entryRelationship
            f"{t * 5}<entry>",
            f'{t * 6}<observation classCode="OBS" moodCode="EVN">',
            f'{t * 7}<code code="0{n + 1}000" codeSystem="1.2.392.200119.6.1010" '
            f'displayName="{group}"/>',
        ]
        for it in members:
            entries += [
                f'{t * 7}<entryRelationship typeCode="COMP">',
                *obs(it, 8),
                f"{t * 7}</entryRelationship>",
            ]
        entries += [f"{t * 6}</observation>", f"{t * 5}</entry>"]

    doc_id = f"{checkup['institution_no']}{ymd}{p.id.upper()}"
    # プログラム種別 (1.2.392.200119.6.1002): 010 特定健診; 020 広域連合の保健事業 (後期高齢者健診)
    program, program_name = (
        ("020", "広域連合の保健事業") if p.role == "parent" else ("010", "特定健診")
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<ClinicalDocument xmlns="urn:hl7-org:v3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        f'{t}<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>',
        f'{t}<id root="1.2.392.200119.6.102.1{checkup["institution_no"]}" extension="{doc_id}"/>',
        f'{t}<code code="10" codeSystem="1.2.392.200119.6.1001" displayName="特定健診情報"/>',
        f"{t}<title>特定健康診査結果</title>",
        f'{t}<effectiveTime value="{ymd}"/>',
        f'{t}<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>',
        f"{t}<recordTarget>",
        f"{t * 2}<patientRole>",
        f'{t * 3}<id extension="{cov.insurer_no}" root="1.2.392.200119.6.101"/>',
        f'{t * 3}<id extension="{cov.symbol}" root="1.2.392.200119.6.204"/>',
        f'{t * 3}<id extension="{cov.number}" root="1.2.392.200119.6.205"/>',
        f"{t * 3}<addr>{p.address}</addr>",
        f"{t * 3}<patient>",
        f'{t * 4}<name use="IDE">{p.name}</name>',
        f'{t * 4}<name use="SYL">{p.kana}</name>',
        f'{t * 4}<administrativeGenderCode code="{p.sex}" codeSystem="1.2.392.200119.6.1104"/>',
        f'{t * 4}<birthTime value="{p.birth:%Y%m%d}"/>',
        f"{t * 3}</patient>",
        f"{t * 2}</patientRole>",
        f"{t}</recordTarget>",
        f"{t}<author>",
        f'{t * 2}<time value="{ymd}"/>',
        f"{t * 2}<assignedAuthor>",
        f'{t * 3}<id extension="{checkup["institution_no"]}" root="1.2.392.200119.6.102"/>',
        f"{t * 3}<representedOrganization>",
        f'{t * 4}<id extension="{checkup["institution_no"]}" root="1.2.392.200119.6.102"/>',
        f"{t * 4}<name>{checkup['institution']}</name>",
        f"{t * 3}</representedOrganization>",
        f"{t * 2}</assignedAuthor>",
        f"{t}</author>",
        f"{t}<custodian>",
        f"{t * 2}<assignedCustodian>",
        f"{t * 3}<representedCustodianOrganization>",
        f'{t * 4}<id nullFlavor="NI"/>',
        f"{t * 3}</representedCustodianOrganization>",
        f"{t * 2}</assignedCustodian>",
        f"{t}</custodian>",
        f"{t}<documentationOf>",
        f"{t * 2}<serviceEvent>",
        f'{t * 3}<code code="{program}" codeSystem="1.2.392.200119.6.1002" '
        f'displayName="{program_name}"/>',
        f'{t * 3}<effectiveTime value="{ymd}"/>',
        f'{t * 3}<performer typeCode="PRF">',
        f"{t * 4}<assignedEntity>",
        f'{t * 5}<id nullFlavor="NI"/>',
        f"{t * 5}<representedOrganization>",
        f'{t * 6}<id extension="{checkup["institution_no"]}" root="1.2.392.200119.6.102"/>',
        f"{t * 6}<name>{checkup['institution']}</name>",
        f"{t * 5}</representedOrganization>",
        f"{t * 4}</assignedEntity>",
        f"{t * 3}</performer>",
        f"{t * 2}</serviceEvent>",
        f"{t}</documentationOf>",
        f"{t}<component>",
        f"{t * 2}<structuredBody>",
        f"{t * 3}<component>",
        f"{t * 4}<section>",
        f'{t * 5}<code code="01010" codeSystem="1.2.392.200119.6.1010" '
        'displayName="検査・問診結果セクション"/>',
        f"{t * 5}<title>検査・問診結果セクション</title>",
        f"{t * 5}<text/>",
        *entries,
        f"{t * 4}</section>",
        f"{t * 3}</component>",
        f"{t * 2}</structuredBody>",
        f"{t}</component>",
        "</ClinicalDocument>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- 控除証明書 XML
_NS = (
    'xmlns="http://xml.e-tax.nta.go.jp/XSD/kyotsu" '
    'xmlns:gen="http://xml.e-tax.nta.go.jp/XSD/general" '
    'xmlns:kyo="http://xml.e-tax.nta.go.jp/XSD/kyotsu" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)
_VR = {
    "TEG800": "1.1",
    "TEG810": "1.1",
    "TEG822": "1.0",
    "TEG830": "1.0",
    "TEG840": "1.0",
    "TEG850": "1.0",
}

#: an XML element: (tag, text) or (tag, [child nodes])
Node = tuple[str, Any]


def _render(node: Node, depth: int) -> str:
    tag, body = node
    ind = "\t" * depth
    if isinstance(body, str):
        return f"{ind}<{tag}>{_x(body)}</{tag}>\n"
    inner = "".join(_render(child, depth + 1) for child in body)
    return f"{ind}<{tag}>\n{inner}{ind}</{tag}>\n"


def _ymd(d: date, pad: bool = False) -> list[Node]:
    f = "02d" if pad else "d"
    return [("gen:yyyy", str(d.year)), ("gen:mm", format(d.month, f)), ("gen:dd", format(d.day, f))]


def _era_ymd(d: date) -> list[Node]:
    return [
        ("gen:era", "5"),
        ("gen:yy", str(reiwa(d.year))),
        ("gen:mm", str(d.month)),
        ("gen:dd", str(d.day)),
    ]


def _era_y(year: int) -> list[Node]:
    return [("gen:era", "5"), ("gen:yy", str(reiwa(year)))]


def _kubun(code: int) -> list[Node]:
    return [("kubun_CD", str(code))]


def _amt(n: int, pad: bool = False) -> str:
    return f"{n:09d}" if pad else str(n)


def _form_xml(
    form: str, root_id: str, made: date, issuer: str, soft: str, body: list[Node]
) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<?xml-stylesheet type="text/xsl" href="CM{form}-001.xsl"?>'
        f'<{form} {_NS} VR="{_VR[form]}" id="{root_id}" page="1" sakuseiDay="{made.isoformat()}" '
        f'sakuseiNM="{_x(issuer)}" softNM="{_x(soft)}">\n'
    )
    inner = "".join(_render(n, 1) for n in body)
    return (head + inner + f"</{form}>\n").encode("utf-8")


def _root_id(form: str, made: date, rng: random.Random) -> str:
    return f"{form}{made:%Y%m%d}{rng.randint(0, 235959):06d}{rng.randint(0, 9999999):07d}"


# ---- life insurance (TEG800)
#: contracts: (holder, issuer, policy, kind, contract date, regime 1 新 2 旧, category, monthly,
#: yearly dividend, insured, beneficiary)
_LIFE = (
    (
        "taro",
        "見本生命保険株式会社",
        "S-2014-0061734",
        "終身保険",
        date(2014, 6, 1),
        1,
        "一般",
        7000,
        0,
        "taro",
        "hanako",
    ),
    (
        "taro",
        "見本生命保険株式会社",
        "S-2016-0902281",
        "医療保険",
        date(2016, 9, 1),
        1,
        "介護医療",
        3200,
        0,
        "taro",
        "taro",
    ),
    (
        "taro",
        "見本生命保険株式会社",
        "K-2004-0400917",
        "定期保険特約付終身保険",
        date(2004, 4, 1),
        2,
        "一般",
        9500,
        3000,
        "taro",
        "hanako",
    ),
    (
        "taro",
        "見本生命保険株式会社",
        "N-2008-1100452",
        "個人年金保険",
        date(2008, 11, 1),
        2,
        "年金",
        10000,
        0,
        "taro",
        "taro",
    ),
    (
        "hanako",
        "架空生命保険相互会社",
        "7302-558190",
        "個人年金保険",
        date(2019, 4, 1),
        1,
        "年金",
        8000,
        0,
        "hanako",
        "hanako",
    ),
)
_OLD = {"一般": ("WCE00230", "WCE00240"), "年金": ("WCE00270", "WCE00280")}
_NEW = {
    "一般": ("WCE00320", "WCE00330"),
    "介護医療": ("WCE00360", "WCE00370"),
    "年金": ("WCE00400", "WCE00410"),
}
_OLD_PROJ = {"一般": ("WCE00470", "WCE00480"), "年金": ("WCE00510", "WCE00520")}
_NEW_PROJ = {
    "一般": ("WCE00560", "WCE00570"),
    "介護医療": ("WCE00600", "WCE00610"),
    "年金": ("WCE00640", "WCE00650"),
}


def _code(base: str, offset: int) -> str:
    return f"{base[:3]}{int(base[3:]) + offset:05d}"


def _teg800(holder: str, issuer: str, year: int, made: date) -> tuple[list[Node], Any]:
    lines: list[Node] = []
    summary: list[dict[str, Any]] = []
    for h, iss, policy, kind, start, regime, cat, monthly, dividend, insured, benef in _LIFE:
        if h != holder or iss != issuer:
            continue
        paid = monthly * 9  # January to September: certificates are issued in October
        year_paid = monthly * 12
        div = dividend
        table, proj = (_NEW, _NEW_PROJ) if regime == 1 else (_OLD, _OLD_PROJ)
        group, first = table[cat]
        pgroup, pfirst = proj[cat]
        cert_amounts: list[Node] = [
            ("WCE00200", [("gen:yyyy", str(year)), ("gen:mm", "1")]),
            ("WCE00210", [("gen:yyyy", str(year)), ("gen:mm", "9")]),
        ]
        regime_block = (
            "WCE00310" if regime == 1 else "WCE00220",
            [
                (
                    group,
                    [
                        (first, str(paid)),
                        (_code(first, 10), str(div)),
                        (_code(first, 20), str(paid - div)),
                    ],
                )
            ],
        )
        cert_amounts.append(regime_block)
        projection = [
            (
                "WCE00550" if regime == 1 else "WCE00460",
                [
                    (
                        pgroup,
                        [
                            (pfirst, str(year_paid)),
                            (_code(pfirst, 10), str(div)),
                            (_code(pfirst, 20), str(year_paid - div)),
                        ],
                    )
                ],
            )
        ]
        line: list[Node] = [
            ("WCE00010", [("gen:yyyy", str(year))]),
            ("WCE00020", "生命保険料控除証明書"),
            ("WCE00030", _kubun(regime)),
            ("WCE00040", policy),
            ("WCE00050", kind),
            ("WCE00060", _ymd(start)),
            ("WCE00080", person(insured).name),
            ("WCE00100", "月払"),
            ("WCE00110", person(benef).name),
        ]
        if cat == "年金":
            b = person(benef)
            line.append(
                (
                    "WCE00130",
                    [
                        ("WCE00140", _ymd(b.birth)),
                        ("WCE00150", str(65 - age_on(b.birth, start))),
                        ("WCE00160", "確定年金"),
                        ("WCE00170", "10"),
                        ("WCE00180", _ymd(date(b.birth.year + 65, start.month, 1))),
                    ],
                )
            )
        line += [("WCE00190", cert_amounts), ("WCE00440", projection)]
        lines.append(("WCE00000", line))
        summary.append(
            {
                "policy": policy,
                "kind": kind,
                "regime": "新" if regime == 1 else "旧",
                "category": cat,
                "contract_date": start,
                "paid": paid,
                "dividend": div,
                "certified": paid - div,
                "projected": year_paid - div,
                "period": (1, 9),
            }
        )
    body: list[Node] = [
        ("WCA00000", issuer),
        ("WCC00000", _ymd(made)),
        ("WCD00000", person(holder).name),
        *lines,
    ]
    return body, summary


# ---- earthquake insurance (TEG810): zero-padded amounts and months, as some insurers write
def _teg810(year: int, made: date) -> tuple[list[Node], Any]:
    quake, old = 38400, 1650 * 12
    body: list[Node] = [
        ("WDA00000", "見本損害保険株式会社"),
        ("WDC00000", _ymd(made, pad=True)),
        ("WDD00000", person("taro").name),
        (
            "WDE00000",
            [
                ("WDE00010", [("gen:yyyy", str(year))]),
                ("WDE00020", _kubun(1)),
                ("WDE00030", [("WDE00040", "JS-21-0045120"), ("WDE00050", "01")]),
                ("WDE00060", person("taro").name),
                ("WDE00070", _kubun(3)),
                ("WDE00080", [("WDE00090", _ymd(date(2021, 4, 1), pad=True)), ("WDE00100", "5")]),
                ("WDE00110", _kubun(2)),
                ("WDE00120", [("WDE00130", _ymd(date(2021, 4, 1), pad=True)), ("WDE00140", "5")]),
                ("WDE00150", _kubun(1)),
                ("WDE00160", [("WDE00170", _amt(quake, True)), ("WDE00180", _amt(quake, True))]),
                ("WDE00215", "所得税法第77条第1項"),
            ],
        ),
        (
            "WDE00000",
            [
                ("WDE00010", [("gen:yyyy", str(year))]),
                ("WDE00020", _kubun(2)),
                ("WDE00030", [("WDE00040", "CH-03-0718844")]),
                ("WDE00060", person("taro").name),
                ("WDE00070", _kubun(1)),
                ("WDE00080", [("WDE00090", _ymd(date(2003, 10, 1), pad=True)), ("WDE00100", "30")]),
                ("WDE00110", _kubun(1)),
                ("WDE00120", [("WDE00130", _ymd(date(2003, 10, 1), pad=True)), ("WDE00140", "30")]),
                ("WDE00150", _kubun(3)),
                ("WDE00190", [("WDE00200", _amt(old, True)), ("WDE00210", _amt(old, True))]),
                ("WDE00215", "平成18年改正法附則第10条第2項"),
            ],
        ),
    ]
    summary = [
        {"policy": "JS-21-0045120", "kind": "地震", "premium": quake, "deductible": quake},
        {"policy": "CH-03-0718844", "kind": "旧長期", "premium": old, "deductible": old},
    ]
    return body, summary


# ---- ふるさと納税
_MUNICIPALITIES = {
    "kakuu-cho": ("北海道架空町", "北海道見本郡架空町本町１丁目１番地"),
    "kakuu-shi": ("宮崎県架空市", "宮崎県架空市中央通２丁目３番地"),
    "mihon-mura": ("山形県見本村", "山形県見本郡見本村大字見本１２３番地"),
}
#: direct donations (receipt from the municipality, TEG822): year → municipality → [(date, yen)]
_DIRECT = {
    2024: {
        "kakuu-cho": [(date(2024, 9, 10), 10000)],
        "kakuu-shi": [(date(2024, 12, 15), 25000)],
        "mihon-mura": [(date(2024, 12, 28), 20000)],
    },
    2025: {
        "kakuu-cho": [(date(2025, 6, 14), 10000), (date(2025, 12, 20), 15000)],
        "kakuu-shi": [(date(2025, 11, 3), 30000)],
        "mihon-mura": [(date(2025, 8, 8), 12000)],
    },
}
#: donations through the portal (annual certificate TEG830): (date, municipality, yen, cancelled)
_PORTAL = {
    2024: [
        (date(2024, 3, 2), "静岡県見本市", 10000, False),
        (date(2024, 7, 21), "鹿児島県架空町", 15000, False),
        (date(2024, 11, 30), "長野県見本町", 20000, False),
    ],
    2025: [
        (date(2025, 2, 11), "静岡県見本市", 10000, False),
        (date(2025, 5, 5), "高知県架空村", 8000, True),
        (date(2025, 10, 19), "鹿児島県架空町", 15000, False),
        (date(2025, 12, 29), "長野県見本町", 25000, False),
    ],
}
PORTAL_NAME = "見本ふるさとポータル株式会社"


def _teg822(year: int, key: str, rng: random.Random) -> tuple[list[Node], Any]:
    name, addr = _MUNICIPALITIES[key]
    lines: list[Node] = []
    summary = []
    for d, amount in _DIRECT[year][key]:
        receipt = f"{d.year}-{rng.randint(10000, 99999)}"
        lines.append(
            (
                "WLB00000",
                [
                    ("WLB00010", receipt),
                    ("WLB00020", _kubun(2)),
                    ("WLB00030", "所得税法第78条第2項第2号"),
                    ("WLB00050", str(amount)),
                    ("WLB00060", _ymd(d)),
                    ("WLB00070", name),
                    ("WLB00080", addr),
                    ("WLB00100", "ふるさと納税（寄附金）として"),
                ],
            )
        )
        summary.append(
            {"receipt": receipt, "date": d, "recipient": name, "amount": amount, "kind": 2}
        )
    return [("WLA00000", person("taro").name), *lines], summary


def _teg830(year: int, made: date, rng: random.Random) -> tuple[list[Node], Any]:
    rows: list[Node] = []
    summary = []
    total = 0
    for d, muni, amount, cancelled in _PORTAL[year]:
        number = f"FP{d:%Y%m%d}{rng.randint(100000, 999999)}"
        row: list[Node] = [
            ("WML00020", number),
            ("WML00030", _ymd(d)),
            ("WML00040", [("WML00050", muni)]),
            ("WML00070", str(amount)),
        ]
        if cancelled:
            row += [("WML00080", "寄附取消し"), ("WML00090", _kubun(1))]
        else:
            total += amount
        rows.append(("WML00010", row))
        summary.append(
            {
                "number": number,
                "date": d,
                "recipient": muni,
                "amount": amount,
                "cancelled": cancelled,
            }
        )
    p = person("taro")
    body: list[Node] = [
        (
            "TEG830-1",
            [
                ("WMA00000", _era_y(year)),
                ("WMB00000", _kubun(2)),
                ("WMC00000", p.name),
                ("WMD00000", "MH0012345"),
                ("WME00000", p.address),
                ("WMF00000", str(total)),
                ("WMG00000", "所得税法第78条第2項第2号"),
                ("WMI00000", _era_ymd(made)),
                ("WMJ00000", PORTAL_NAME),
                ("WML00000", rows),
            ],
        )
    ]
    return body, summary


# ---- 国民年金保険料 (TEG840): hanako's 2年前納 from April 2023 and April 2025
HANAKO_PENSION_NO = "9990123456"
TARO_PENSION_NO = "9990654321"
#: payment date → (total paid, first month) of each 2年前納 (24 months from April)
_PREPAID = {2023: (date(2023, 4, 28), 386330), 2025: (date(2025, 4, 30), 403080)}


def _split24(total: int) -> tuple[int, int, int]:
    """A 24-month prepayment from April split by calendar year: 9, 12 and 3 months."""
    first = total * 9 // 24
    second = total * 12 // 24
    return first, second, total - first - second


def _teg840(year: int, made: date) -> tuple[list[Node], Any]:
    paid_on, total = _PREPAID[year]
    parts = _split24(total)
    p = person("hanako")
    split: list[Node] = []
    codes = (("WON00010", 20), ("WON00070", 80), ("WON00130", 140))
    for i, (group, start) in enumerate(codes):
        c = [f"WON{start + k * 10:05d}" for k in range(5)]
        split.append(
            (
                group,
                [
                    (c[0], str(parts[i])),
                    (c[1], "0"),
                    (c[2], str(parts[i])),
                    (c[3], _era_y(year + i)),
                    (c[4], str(parts[i])),
                ],
            )
        )
    months: list[Node] = []
    for i, rng_months in enumerate((range(4, 13), range(1, 13), range(1, 4))):
        flags = [(f"WOO{30 + (m - 1) * 10:05d}", _kubun(1)) for m in rng_months]
        months.append(("WOO00000", [("WOO00010", _era_y(year + i)), ("WOO00020", flags)]))
    body: list[Node] = [
        ("WOA00000", _kubun(1)),
        ("WOB00000", _kubun(2)),
        ("WOC00000", _era_y(year)),
        ("WOD00000", HANAKO_PENSION_NO),
        ("WOE00000", p.name),
        ("WOF00000", p.address),
        ("WOG00000", _era_y(year)),
        ("WOH00000", [("gen:mm", "1"), ("gen:dd", "1")]),
        ("WOI00000", [("gen:mm", str(made.month)), ("gen:dd", str(made.day))]),
        ("WOJ00000", _kubun(1)),
        ("WOK00000", str(total)),
        ("WOL00000", "0"),
        ("WOM00000", str(total)),
        ("WON00000", split),
        *months,
        ("WOQ00000", _era_ymd(made)),
        ("WOR00000", "歳入徴収官　厚生労働省年金局事業管理課長"),
        ("WOS00000", "差出人　日本年金機構"),
        ("WOT00000", f"NA{year}{HANAKO_PENSION_NO}"),
    ]
    summary = {
        "paid_on": paid_on,
        "total": total,
        "months": 24,
        "first_month": (year, 4),
        "by_year": {year + i: parts[i] for i in range(3)},
    }
    return body, summary


# ---- iDeCo (TEG850)
IDECO_MONTHLY = 23000


def _teg850(year: int, made: date) -> tuple[list[Node], Any]:
    p = person("taro")
    paid, planned = IDECO_MONTHLY * 9, IDECO_MONTHLY * 3
    monthly: list[Node] = []
    for m in range(1, 13):
        group = f"WPL{10 + (m - 1) * 30:05d}"
        entries: list[Node] = [(f"WPL{20 + (m - 1) * 30:05d}", str(IDECO_MONTHLY))]
        if m > 9:
            entries.append((f"WPL{30 + (m - 1) * 30:05d}", "予定"))
        monthly.append((group, entries))
    body: list[Node] = [
        ("WPA00000", _era_y(year)),
        ("WPB00000", _kubun(2)),
        ("WPC00000", p.name),
        ("WPD00000", p.address),
        ("WPE00000", TARO_PENSION_NO),
        ("WPF00000", _era_y(year)),
        ("WPG00000", [("WPG00010", "9"), ("WPG00020", str(paid))]),
        ("WPH00000", [("WPH00010", "10"), ("WPH00020", "12"), ("WPH00030", str(planned))]),
        ("WPI00000", str(paid + planned)),
        ("WPL00000", monthly),
        ("WPN00000", _era_ymd(made)),
        ("WPO00000", "国民年金基金連合会"),
        ("WPP00000", f"ID{year}{TARO_PENSION_NO}"),
    ]
    return body, {
        "paid": paid,
        "planned": planned,
        "total": paid + planned,
        "monthly": IDECO_MONTHLY,
    }


# --------------------------------------------------------------------------- certificates
def _cert_specs(seed: int) -> list[dict[str, Any]]:
    """Every 控除証明書 as (metadata, body nodes); see :func:`household_certificates`."""
    rng = random.Random(f"{seed}:certificates")
    specs: list[dict[str, Any]] = []

    def add(
        form: str,
        year: int,
        pid: str,
        issuer: str,
        soft: str,
        made: date,
        name: str,
        body: list[Node],
        summary: Any,
        signature_id: str | None = None,
        algorithm: str = "rsa-sha256",
    ) -> None:
        root_id = _root_id(form, made, rng)
        specs.append(
            {
                "form": form,
                "year": year,
                "person_id": pid,
                "person": person(pid).name,
                "issuer": issuer,
                "software": soft,
                "made": made,
                "file": f"kojo/{year}/{name}",
                "root_id": root_id,
                "body": body,
                "summary": summary,
                # XMLDSIG050.xsd requires Signature/@Id; real issuers use ids like "_0150…"
                "signature_id": signature_id or f"_{root_id[6:]}S",
                "algorithm": algorithm,
            }
        )

    for year in CERT_YEARS:
        made = date(year, 10, 7 + rng.randint(0, 10))
        for holder, issuer, slug in (
            ("taro", "見本生命保険株式会社", "mihon-seimei"),
            ("hanako", "架空生命保険相互会社", "kakuu-seimei"),
        ):
            body, summary = _teg800(holder, issuer, year, made)
            add(
                "TEG800",
                year,
                holder,
                issuer,
                "見本生命 控除証明書発行システム",
                made,
                f"TEG800_{slug}_{holder}.xml",
                body,
                summary,
            )
        made = date(year, 10, 20 + rng.randint(0, 8))
        body, summary = _teg810(year, made)
        add(
            "TEG810",
            year,
            "taro",
            "見本損害保険株式会社",
            "見本損保 証明書システム",
            made,
            "TEG810_mihon-sonpo_taro.xml",
            body,
            summary,
            algorithm="rsa-sha1",  # an older issuer system: RSA-SHA1, as some real files
        )
        for key in _DIRECT[year]:
            name, _ = _MUNICIPALITIES[key]
            last = max(d for d, _ in _DIRECT[year][key])
            made = last + timedelta(days=rng.randint(3, 12))
            body, summary = _teg822(year, key, rng)
            add(
                "TEG822",
                year,
                "taro",
                name,
                "寄附金受領証明書作成システム",
                made,
                f"TEG822_{key}_taro.xml",
                body,
                summary,
            )
        made = date(year + 1, 1, 10 + rng.randint(0, 10))
        body, summary = _teg830(year, made, rng)
        add(
            "TEG830",
            year,
            "taro",
            PORTAL_NAME,
            "見本ふるさとポータル",
            made,
            "TEG830_furusato-portal_taro.xml",
            body,
            summary,
        )
        made = date(year, 10, 28 + rng.randint(0, 3))
        body, summary = _teg850(year, made)
        add(
            "TEG850",
            year,
            "taro",
            "国民年金基金連合会",
            "iDeCo証明書発行",
            made,
            "TEG850_ideco_taro.xml",
            body,
            summary,
            signature_id=f"_ID{year}{TARO_PENSION_NO}",
        )
    for year in sorted(_PREPAID):
        made = date(year, 11, 2)
        body, summary = _teg840(year, made)
        add(
            "TEG840",
            year,
            "hanako",
            "日本年金機構",
            "ねんきんネット",
            made,
            "TEG840_nenkin-net_hanako.xml",
            body,
            summary,
            # a Signature/@Id that starts with a digit: not an xs:ID, as in real files
            signature_id=f"{HANAKO_PENSION_NO}{year}1102A",
        )
    return specs


def household_certificates(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The 控除証明書 of the household (the XML files in ``sample_data/kojo/``)::

        {"form": "TEG800", "year": 2025, "person_id": "taro", "person": "見本　太郎",
         "issuer": "見本生命保険株式会社", "made": datetime.date(2025, 10, 9),
         "file": "kojo/2025/TEG800_mihon-seimei_taro.xml", "root_id": "TEG80020251009...",
         "summary": ...}

    ``summary`` per form: TEG800 a list of contracts ``{"policy", "kind", "regime": "新"|"旧",
    "category": "一般"|"介護医療"|"年金", "contract_date", "paid", "dividend", "certified",
    "projected", "period": (1, 9)}`` (certified = Jan–Sep net, projected = the 12月期想定 net);
    TEG810 ``[{"policy", "kind": "地震"|"旧長期", "premium", "deductible"}]``; TEG822
    ``[{"receipt", "date", "recipient", "amount", "kind": 2}]``; TEG830 ``[{"number", "date",
    "recipient", "amount", "cancelled"}]`` (the annual total excludes cancelled lines); TEG840
    ``{"paid_on", "total", "months", "first_month", "by_year": {year: yen}}``; TEG850
    ``{"paid", "planned", "total", "monthly"}``.
    """
    out = []
    for spec in _cert_specs(seed):
        out.append(
            {
                k: v
                for k, v in spec.items()
                if k not in ("body", "software", "signature_id", "algorithm")
            }
        )
    return out


def load_sample_signer() -> tuple[Any, Any]:
    """(private key, certificate) of the SAMPLE issuer (TEST ONLY: never trust it for real)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(SAMPLE_ISSUER_KEY.read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(SAMPLE_ISSUER_CERT.read_bytes())
    return key, cert


def sample_root_certificate() -> Any:
    """The SAMPLE root certificate the sample issuer chains to (pass it as a trusted root)."""
    from cryptography import x509

    return x509.load_pem_x509_certificate(SAMPLE_ROOT_CERT.read_bytes())


def _certificate_files(seed: int, *, sign: bool = True) -> list[tuple[str, bytes]]:
    files = []
    signer = load_sample_signer() if sign else None
    for spec in _cert_specs(seed):
        xml = _form_xml(
            spec["form"],
            spec["root_id"],
            spec["made"],
            spec["issuer"],
            spec["software"],
            spec["body"],
        )
        if signer is not None:
            from .sources.dsig import sign_enveloped

            xml = sign_enveloped(
                xml,
                signer[0],
                signer[1],
                signature_id=spec["signature_id"],
                algorithm=spec["algorithm"],
            )
        files.append((spec["file"], xml))
    return files


# --------------------------------------------------------------------------- pension
@dataclass(frozen=True)
class PensionPeriod:
    person_id: str
    scheme: str  # 国民年金 / 厚生年金
    category: str  # 第1号 / 第2号 / 第3号 / 任意未加入
    employer: str
    start: date  # first day covered
    end: date | None  # last day covered (None: still enrolled)
    monthly_remuneration: int | None  # 標準報酬月額 (厚生年金 only)
    status: str  # 納付済 / 未納 / 未加入 / 加入中

    def months(self, as_of: date = date(2025, 12, 31)) -> int:
        last = self.end or as_of
        return (last.year - self.start.year) * 12 + last.month - self.start.month + 1


_PENSION: tuple[PensionPeriod, ...] = (
    # taro: a student before April 1991 could stay out of 国民年金 (任意加入): 12 months missing
    PensionPeriod(
        "taro", "国民年金", "任意未加入", "", date(1990, 4, 1), date(1991, 3, 31), None, "未加入"
    ),
    PensionPeriod(
        "taro", "国民年金", "第1号", "", date(1991, 4, 1), date(1993, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "taro",
        "厚生年金",
        "第2号",
        "見本電機株式会社",
        date(1993, 4, 1),
        date(1998, 3, 31),
        220000,
        "納付済",
    ),
    PensionPeriod(
        "taro",
        "厚生年金",
        "第2号",
        "見本電機株式会社",
        date(1998, 4, 1),
        date(2003, 9, 30),
        340000,
        "納付済",
    ),
    PensionPeriod(
        "taro", "国民年金", "第1号", "", date(2003, 10, 1), date(2004, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "taro", "国民年金", "第1号", "", date(2004, 4, 1), date(2004, 12, 31), None, "未納"
    ),
    PensionPeriod(
        "taro", "国民年金", "第1号", "", date(2005, 1, 1), date(2005, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "taro",
        "厚生年金",
        "第2号",
        "見本商事株式会社",
        date(2005, 4, 1),
        date(2012, 3, 31),
        360000,
        "納付済",
    ),
    PensionPeriod(
        "taro",
        "厚生年金",
        "第2号",
        "見本商事株式会社",
        date(2012, 4, 1),
        date(2018, 8, 31),
        440000,
        "納付済",
    ),
    PensionPeriod(
        "taro", "厚生年金", "第2号", "見本商事株式会社", date(2018, 9, 1), None, 500000, "加入中"
    ),
    # hanako: 第3号 while married to taro as an employee; 第1号 while he was not, and from 2023
    PensionPeriod(
        "hanako", "国民年金", "第1号", "", date(1993, 9, 1), date(1996, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "hanako",
        "厚生年金",
        "第2号",
        "架空旅行株式会社",
        date(1996, 4, 1),
        date(2001, 6, 30),
        240000,
        "納付済",
    ),
    PensionPeriod(
        "hanako", "国民年金", "第3号", "", date(2001, 7, 1), date(2003, 9, 30), None, "納付済"
    ),
    PensionPeriod(
        "hanako", "国民年金", "第1号", "", date(2003, 10, 1), date(2005, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "hanako", "国民年金", "第3号", "", date(2005, 4, 1), date(2018, 3, 31), None, "納付済"
    ),
    PensionPeriod(
        "hanako",
        "厚生年金",
        "第2号",
        "見本マート株式会社",
        date(2018, 4, 1),
        date(2020, 3, 31),
        104000,
        "納付済",
    ),
    PensionPeriod(
        "hanako", "国民年金", "第3号", "", date(2020, 4, 1), date(2023, 3, 31), None, "納付済"
    ),
    PensionPeriod("hanako", "国民年金", "第1号", "", date(2023, 4, 1), None, None, "加入中"),
)


def pension_history() -> list[dict[str, Any]]:
    """taro's and hanako's pension record, one dict per period (as of 2025-12)::

        {"person_id": "taro", "person": "見本　太郎", "scheme": "厚生年金" | "国民年金",
         "category": "第1号" | "第2号" | "第3号" | "任意未加入", "employer": "見本商事株式会社" | "",
         "start": datetime.date(2005, 4, 1),      # 資格取得日 (first day)
         "end": datetime.date(2012, 4, 1) | None,  # 資格喪失日 (the day AFTER the last day)
         "last_day": datetime.date(2012, 3, 31) | None,   # None: still enrolled
         "months": 84, "monthly_remuneration": 360000 | None,
         "status": "納付済" | "未納" | "未加入" | "加入中"}

    ``end`` follows the pension record (and the ``pension_periods`` frame): the 資格喪失日; ``months``
    counts from the month of ``start`` to the month before the month of ``end`` (or to 2025-12).
    taro has 12 months 未加入 (a student before April 1991, when students could stay out) and 9
    months 未納 (2004); hanako is 第3号 in three stretches (never while taro was on 国民年金) and
    pays 国民年金 by 2年前納 from April 2023.
    """
    return [
        {
            "person_id": pp.person_id,
            "person": person(pp.person_id).name,
            "scheme": pp.scheme,
            "category": pp.category,
            "employer": pp.employer,
            "start": pp.start,
            "end": pp.end + timedelta(days=1) if pp.end else None,
            "last_day": pp.end,
            "months": pp.months(),
            "monthly_remuneration": pp.monthly_remuneration,
            "status": pp.status,
        }
        for pp in _PENSION
    ]


def _wareki(d: date, style: str) -> str:
    """``H5.4.1`` ("abbr"), ``平成5年4月1日`` ("kanji"), ``1993-04-01`` ("iso"), ``1993/4/1``."""
    if style == "iso":
        return d.isoformat()
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    return fmt.wareki(d, style=style)


#: header of the pension CSV (the template of FORMATS.md §4: sample_data/templates/)
NENKIN_HEADER = ("制度", "事業所", "資格取得日", "資格喪失日", "月数", "標準報酬月額", "種別")


def nenkin_csv(person_id: str) -> bytes:
    """The pension CSV of ``person_id`` in the project template's format (FORMATS.md §4).

    One row per period; 制度 names the 号 for 国民年金 (``国民年金（第3号）``), 種別 the payment
    status; dates rotate through 和暦 (``H5.4.1``, ``平成5年4月1日``) and Western styles; some
    月数 are left empty (the importer computes them); 標準報酬月額 sometimes with separators.
    """
    p = person(person_id)
    rows = [pp for pp in _PENSION if pp.person_id == person_id]
    styles = ("abbr", "kanji", "iso", "slash")
    lines = [
        "# 年金記録 — 被保険者記録照会回答票から転記 (mynalib SAMPLE: fictional person)",
        f"# 氏名: {p.name}",
        ",".join(NENKIN_HEADER),
    ]
    for i, pp in enumerate(rows):
        style = styles[i % len(styles)]
        scheme = pp.scheme
        if pp.scheme == "国民年金" and pp.category in ("第1号", "第3号"):
            scheme = f"国民年金（{pp.category}）"
        loss = pp.end + timedelta(days=1) if pp.end else None
        months = str(pp.months()) if loss is not None and i % 3 != 2 else ""
        rem = pp.monthly_remuneration
        rem_text = "" if rem is None else (f'"{rem:,}"' if i % 2 else str(rem))
        lines.append(
            ",".join(
                (
                    scheme,
                    pp.employer,
                    _wareki(pp.start, style),
                    _wareki(loss, style) if loss else "",
                    months,
                    rem_text,
                    pp.status,
                )
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _nenkin_files() -> list[tuple[str, bytes]]:
    return [(f"nenkin/nenkin_{pid}.csv", nenkin_csv(pid)) for pid in ("taro", "hanako")]


def _kenshin_files(seed: int) -> list[tuple[str, bytes]]:
    return [
        (
            f"kenshin/{c['person_id']}/kenshin_{c['person_id']}_{c['date']:%Y%m%d}.xml",
            kenshin_cda(c),
        )
        for c in household_checkups(seed)
    ]


# --------------------------------------------------------------------------- the generator
#: sub-folders of the output directory the generator owns (stale generated files there go)
GENERATED_DIRS = ("iryohi", "kojo", "kenshin", "nenkin")
_GENERATED_PATTERNS = ("医療費情報_*.csv", "TEG*.xml", "kenshin_*.xml", "nenkin_*.csv")


_FORM_TITLES = {
    "TEG800": "生命保険料控除証明書",
    "TEG810": "地震保険料控除証明書",
    "TEG822": "寄附金受領証明書（ふるさと納税, 自治体）",
    "TEG830": "寄附金控除に関する証明書（ポータル年間）",
    "TEG840": "国民年金保険料控除証明書（2年前納）",
    "TEG850": "小規模企業共済等掛金控除証明書（iDeCo）",
}


def _cert_note(cert: dict[str, Any]) -> str:
    s = cert["summary"]
    form = cert["form"]
    if form == "TEG800":
        parts = [
            f"{c['regime']}制度 {c['category']} {c['certified']:,}円 (1–9月; 12月想定 {c['projected']:,}円)"
            for c in s
        ]
        return "; ".join(parts)
    if form == "TEG810":
        return "; ".join(f"{c['kind']} {c['deductible']:,}円" for c in s)
    if form == "TEG822":
        return "; ".join(f"{c['date']:%Y-%m-%d} {c['amount']:,}円" for c in s)
    if form == "TEG830":
        kept = sum(c["amount"] for c in s if not c["cancelled"])
        cancelled = sum(1 for c in s if c["cancelled"])
        note = " (a cancelled donation is listed but excluded)" if cancelled else ""
        return f"{len(s)} donations, annual total {kept:,}円{note}"
    if form == "TEG840":
        split = ", ".join(f"{y}: {v:,}円" for y, v in s["by_year"].items())
        return f"paid {s['paid_on']:%Y-%m-%d} {s['total']:,}円 for 24 months; by year {split}"
    if form == "TEG850":
        return f"paid to Sep {s['paid']:,}円 + planned {s['planned']:,}円 = {s['total']:,}円"
    return ""


def sample_readme(seed: int = DEFAULT_SEED) -> str:
    """The ``README.md`` of the generated folder: what every file is (generated, not hand-edited)."""
    claims = household_claims(seed)
    lines = [
        "# The sample household (見本家) — generated, fictional",
        "",
        "Every file here is written by `myna samples generate` (`mynalib.samples.generate`, seed "
        f"{seed}), including this README: do not edit by hand, regenerate. A test "
        "(`tests/samples/test_generator.py`) regenerates the folder and compares it byte for byte. "
        "Nobody here is a real person; insurers, clinics, municipalities and numbers are invented. "
        "`templates/` is not generated (the importers' templates, documented in "
        "`mynalib/sources/nenkin_csv.py`).",
        "",
        "Import everything into a vault with `myna import sample_data/iryohi sample_data/kojo "
        "sample_data/kenshin sample_data/nenkin` (or `vault.import_files([...])`).",
        "",
        "## The household",
        "",
        "| id | 氏名 | born | role | 健康保険 (2021–2025) |",
        "|---|---|---|---|---|",
    ]
    for p in HOUSEHOLD:
        covs = "; ".join(
            f"{c.insurer_name} {c.start[0]}-{c.start[1]:02d}–{c.end[0]}-{c.end[1]:02d}"
            for c in COVERAGES
            if c.person_id == p.id
        )
        lines.append(f"| {p.id} | {p.name} | {p.birth.isoformat()} | {p.role} | {covs} |")
    pooled: dict[int, int] = {}
    for c in claims:
        pooled[c["year"]] = pooled.get(c["year"], 0) + c["patient_share"]
    lines += [
        "",
        "- **taro** (b. 1970): employee; 厚生年金 at 見本電機 (1993–2003) and 見本商事 (2005–), a "
        "国民年金 stretch 2003–2005 with 9 months 未納, 12 months 未加入 as a student (1990). Colds, "
        "dental check-ups, hypertension from May 2023 (アムロジピン), metformin from March 2025; "
        "gallstone surgery in June 2024 (10 days in hospital over June/July: 医科入院). 特定健診 "
        "values creep up (HbA1c, blood pressure, γ-GT). Life insurance (新制度 一般 + 介護医療, "
        "旧制度 一般 + 個人年金), earthquake + old long-term insurance, ふるさと納税 (direct and "
        "through a portal), iDeCo 23,000 yen a month.",
        "- **hanako** (b. 1973): 第3号 in three stretches; freelance from April 2023, so 国民健康保険 "
        "(two 2023 CSVs, one per insurer) and 国民年金 第1号 paid by 2年前納 (TEG840 split by year). "
        "Pollen allergy every spring, dental care, eczema in 2022; her own 個人年金 contract.",
        "- **sora** (b. 2012): colds with children's medicines, dental check-ups, eye checks in 2023.",
        "- **ume** (b. 1943, 後期高齢者, 10% share): monthly visits (hypertension, constipation, "
        "osteoporosis from 2022), knee rehabilitation in 2021/2023/2025, dentures in 2022. In "
        "October–November 2023 she gets ロキソプロフェン from both her 内科 and her 整形外科 "
        "(overlapping periods: the drugs notebook's duplicate case).",
        "",
        "Household 窓口相当負担額 by year (the 医療費控除 threshold is 100,000 yen for most incomes):",
        "",
        "| year | pooled 窓口相当負担額 |",
        "|---|---|",
        *[f"| {y} | {v:,} |" for y, v in sorted(pooled.items())],
        "",
        "## iryohi/ — 医療費通知情報 CSV (FORMATS.md §1)",
        "",
        "One file per person, year and insurer, exactly as マイナポータル writes them (UTF-8, CRLF, "
        "amounts from 1,000 quoted with separators; totals sections = sums of the 8-row blocks).",
        "",
        "| file | person | period | insurer | blocks | 窓口相当負担額 |",
        "|---|---|---|---|---|---|",
    ]
    for rel, data in _iryohi_files(seed):
        text = data.decode("utf-8")
        name = re.search(r"\r\n氏名,(.+?)\r\n", text)
        period = re.search(r"\r\n期間,(.+?)\r\n", text)
        insurer = re.search(r"\r\n保険者の名称,(.+?)\r\n", text)
        share = re.search(r"\r\n窓口相当負担額（円）,\"?([\d,]+)\"?\r\n", text)
        lines.append(
            f"| `{rel}` | {name.group(1) if name else ''} | {period.group(1) if period else ''} | "
            f"{insurer.group(1) if insurer else ''} | {text.count('診療年月,')} | "
            f"{share.group(1) if share else ''} |"
        )
    lines += [
        "",
        "## kojo/ — 控除証明書 XML (FORMATS.md §2)",
        "",
        "NTA schema forms (element codes as in the XSDs, both date styles, zero-padded amounts in "
        "TEG810), each with one enveloped XML signature (RSA-SHA256, inclusive C14N) by the SAMPLE "
        "issuer in `mynalib/data/sample_keys/` (TEST ONLY; the TEG810 files use RSA-SHA1 like "
        "older issuer systems). They verify as `untrusted` by default "
        "and as `valid` when `mynalib.samples.sample_root_certificate()` is trusted. Like real "
        "ねんきんネット files, the TEG840 Signature/@Id starts with a digit (not an xs:ID). "
        "Certificates are dated in October (amounts paid January–September plus the 12月期想定 "
        "projection), TEG830 in January of the next year, TEG840 on 2 November.",
        "",
        "| file | form | person | issuer | content |",
        "|---|---|---|---|---|",
    ]
    for cert in sorted(household_certificates(seed), key=lambda c: c["file"]):
        lines.append(
            f"| `{cert['file']}` | {cert['form']} {_FORM_TITLES[cert['form']]} | {cert['person']} | "
            f"{cert['issuer']} | {_cert_note(cert)} |"
        )
    lines += [
        "",
        "## kenshin/ — 特定健診 HL7 CDA XML (FORMATS.md §3)",
        "",
        "One check-up per adult and year (taro in June at his employer's 健診センター, hanako in "
        "September, ume's 後期高齢者健診 in October at her clinic). Results use the 17-character "
        "特定健診項目コード; in some years a method-specific variant code is used (e.g. HbA1c "
        "3D045000001906202 / 3D045000001920402, 中性脂肪 3F015000002327101 / 3F015000002327201), "
        "blood pressure comes as two readings (9A751/9A752, 9A761/9A762) or one (9A755, 9A765), "
        "urine results are coded (value/@code). Grouped items nest under entryRelationship.",
        "",
        "| file | person | date | institution | items |",
        "|---|---|---|---|---|",
    ]
    for c in household_checkups(seed):
        rel = f"kenshin/{c['person_id']}/kenshin_{c['person_id']}_{c['date']:%Y%m%d}.xml"
        lines.append(
            f"| `{rel}` | {c['person']} | {c['date'].isoformat()} | {c['institution']} | "
            f"{len(c['items'])} |"
        )
    lines += [
        "",
        "## nenkin/ — pension record CSV (FORMATS.md §4, the template in `templates/`)",
        "",
        "One row per period, copied from a fictional 被保険者記録照会回答票: 制度 (with the 号 for "
        "国民年金), 事業所, 資格取得日, 資格喪失日 (the day after the last day; empty = still enrolled), "
        "月数 (sometimes left empty), 標準報酬月額, 種別 (納付済 / 未納 / 未加入 / 加入中). Dates rotate "
        "through `H5.4.1`, `平成5年4月1日`, `1993-04-01` and `1993/4/1`.",
        "",
        "| file | person | periods |",
        "|---|---|---|",
    ]
    history = pension_history()
    for rel, _ in _nenkin_files():
        pid = rel.split("_")[1].removesuffix(".csv")
        n = sum(1 for h in history if h["person_id"] == pid)
        lines.append(f"| `{rel}` | {person(pid).name} | {n} |")
    lines += [
        "",
        "## The same household in Python",
        "",
        "`mynalib.samples.household_claims()`, `household_dispensings()` (薬剤情報, consistent with "
        "the 調剤 claims), `household_visits()`, `household_checkups()`, `household_certificates()` "
        "and `pension_history()` return the data behind these files (the portal sandbox serves "
        "the same household).",
        "",
    ]
    return "\n".join(lines)


def sample_files(seed: int = DEFAULT_SEED, *, sign: bool = True) -> list[tuple[str, bytes]]:
    """Every sample document as (path relative to the output folder, bytes), in write order."""
    return [
        *_iryohi_files(seed),
        *_certificate_files(seed, sign=sign),
        *_kenshin_files(seed),
        *_nenkin_files(),
    ]


def generate(
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    *,
    sign: bool = True,
    clean: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Path]:
    """Write the sample household's documents under ``out_dir``; return the written paths.

    Deterministic: the same ``seed`` always gives the same bytes (``sample_data/`` is
    ``generate(Path("sample_data"))``). ``sign`` signs the 控除証明書 with the SAMPLE issuer key
    (TEST ONLY). ``clean`` removes generated-looking files (``医療費情報_*.csv``, ``TEG*.xml``,
    ``kenshin_*.xml``, ``nenkin_*.csv``) left in the generator's own sub-folders
    (:data:`GENERATED_DIRS`) by an earlier run that this run did not write; nothing else is
    touched. A ``README.md`` describing every file is written last.
    ``progress(done, total, relative_path)`` is called after each file.
    """
    out_dir = Path(out_dir)
    files = [*sample_files(seed, sign=sign), ("README.md", sample_readme(seed).encode("utf-8"))]
    written: list[Path] = []
    for n, (rel, data) in enumerate(files, start=1):
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
        if progress is not None:
            progress(n, len(files), rel)
    if clean:
        keep = {p.resolve() for p in written}
        for sub in GENERATED_DIRS:
            folder = out_dir / sub
            if not folder.is_dir():
                continue
            for pattern in _GENERATED_PATTERNS:
                for stale in folder.rglob(pattern):
                    if stale.is_file() and stale.resolve() not in keep:
                        stale.unlink()
    return written


# --------------------------------------------------------------------------- sample keys
def make_sample_keys(out_dir: Path = SAMPLE_KEYS_DIR) -> list[Path]:
    """Create the SAMPLE root CA and issuer key/certificate (run once; the result is committed).

    RSA keys cannot be derived from a seed with ``cryptography``, so this is not part of
    :func:`generate`: the committed PEM files are what the sample 控除証明書 are signed with.
    Everything is labelled SAMPLE / TEST ONLY (``O=mynalib SAMPLE``), valid 2020–2045.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mynalib SAMPLE"),
                x509.NameAttribute(
                    NameOID.ORGANIZATIONAL_UNIT_NAME, "TEST ONLY - NOT A REAL ISSUER"
                ),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )

    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    end = datetime(2045, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = name("mynalib SAMPLE Root CA (TEST ONLY)")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(0x5A4D504C45)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("mynalib SAMPLE Certificate Issuer (TEST ONLY)"))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(0x5A4D504C4501)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    banner = b"# mynalib SAMPLE / TEST ONLY. Not a real issuer: never trust this outside tests and demos.\n"
    pem = serialization.Encoding.PEM
    paths = {
        "sample_root_cert.pem": banner + root.public_bytes(pem),
        "sample_issuer_cert.pem": banner + cert.public_bytes(pem),
        "sample_issuer_key.pem": banner
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    }
    written = []
    for fname, data in paths.items():
        (out_dir / fname).write_bytes(data)
        written.append(out_dir / fname)
    return written
