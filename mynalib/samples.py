"""The fictional sample household (deterministic). Its generator writes ``sample_data/``.

Nothing here is a real person. The household is the same everywhere: the sample documents,
the portal sandbox and the software cards of its members.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    my_number: str  # fictional, with a valid check digit


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
