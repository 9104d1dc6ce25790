"""The fictional sample household: its members, their health insurance, the generator's seed.

Nothing here is a real person. The household is the same everywhere: the sample documents
(:mod:`mynalib.samples.files` writes ``sample_data/``), the portal sandbox and the software cards
of its members (:mod:`mynalib.samples.card`). This module needs only the standard library; it is
the part of :mod:`mynalib.samples` that other layers load for who is who.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
    """The member with this id (``"taro"``); KeyError when there is none."""
    for p in HOUSEHOLD:
        if p.id == person_id:
            return p
    raise KeyError(person_id)


#: the seed ``sample_data/`` was generated with (everything generated is a pure function of it)
DEFAULT_SEED = 20260223
#: the five calendar years of medical data
YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
#: tax years with 控除証明書 (TEG840 also has 2023: its 2年前納 is split over 2023–2025)
CERT_YEARS: tuple[int, ...] = (2024, 2025)


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


def coverage(person_id: str, year: int, month: int) -> Coverage:
    """The enrolment of ``person_id`` in ``year``/``month`` (KeyError when there is none)."""
    for c in COVERAGES:
        if c.person_id == person_id and c.start <= (year, month) <= c.end:
            return c
    raise KeyError((person_id, year, month))


#: the household's tax inputs (fictional): 見本太郎 files for the household. The notebooks and the
#: dashboards both use them for a sample vault, so both show the same figures.
SAMPLE_TAX_SETTINGS: dict[str, object] = {
    "filer": "見本　太郎",
    "total_income": 5_100_000,  # 総所得金額等: 給与収入 700万円 の給与所得
    "taxable_income": 3_020_000,  # 課税総所得金額 (所得税)
    "resident_levy": 331_000,  # 住民税所得割額
    "dependants_under_23": 1,
    "health_check": True,
}
