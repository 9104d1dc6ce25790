"""Era conversion and the date styles the importers accept (mynalib.jp.eras)."""

from __future__ import annotations

from datetime import date

import pytest

from mynalib.jp.eras import ERAS, era, era_date, era_year, parse_date, parse_month, to_era


@pytest.mark.parametrize(
    ("code", "name", "letter", "first_year"),
    [
        (1, "明治", "M", 1868),
        (2, "大正", "T", 1912),
        (3, "昭和", "S", 1926),
        (4, "平成", "H", 1989),
        (5, "令和", "R", 2019),
    ],
)
def test_era_table(code, name, letter, first_year):
    e = era(code)
    assert (e.name, e.letter, e.first_year) == (name, letter, first_year)
    assert era(name) is e and era(letter) is e and era(letter.lower()) is e and era(str(code)) is e
    assert era_year(code, 1) == first_year


@pytest.mark.parametrize(
    ("era_key", "yy", "western"),
    [
        (3, 55, 1980),
        (3, 64, 1989),
        (4, 1, 1989),
        (4, 31, 2019),
        (5, 1, 2019),
        (5, 7, 2025),
        (4, "02", 1990),
        (5, "元", 2019),
    ],
)
def test_era_years(era_key, yy, western):
    assert era_year(era_key, yy) == western


@pytest.mark.parametrize(("era_key", "yy"), [(3, 65), (4, 32), (2, 16), (5, 0), (6, 1)])
def test_impossible_era_years(era_key, yy):
    with pytest.raises(ValueError):
        era_year(era_key, yy)


def test_era_boundaries():
    assert era_date(3, 64, 1, 7) == date(1989, 1, 7)
    assert era_date(4, 1, 1, 8) == date(1989, 1, 8)
    with pytest.raises(ValueError):
        era_date(4, 1, 1, 7)  # still 昭和
    with pytest.raises(ValueError):
        era_date(4, 31, 5, 1)  # already 令和
    assert era_date(4, 31, 4, 30) == date(2019, 4, 30)
    assert era_date(5, 1, 5, 1) == date(2019, 5, 1)
    assert to_era(date(2019, 5, 1))[0].name == "令和" and to_era(date(2019, 4, 30))[1] == 31
    assert [e.code for e in ERAS] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("S55.4.1", date(1980, 4, 1)),
        ("H2.4.1", date(1990, 4, 1)),
        ("R1.5.1", date(2019, 5, 1)),
        ("r7.01.02", date(2025, 1, 2)),
        ("昭和55年4月1日", date(1980, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("2025年1月2日", date(2025, 1, 2)),
        ("２０２５年１月２日", date(2025, 1, 2)),
        ("2025/1/2", date(2025, 1, 2)),
        ("2025-01-02", date(2025, 1, 2)),
        ("20250102", date(2025, 1, 2)),
        ("Ｓ５５．４．１", date(1980, 4, 1)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["S65.4.1", "H31.5.1", "2025/2/30", "令和年1月1日", "2025年1月", "", "abc"]
)
def test_parse_date_rejects(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_parse_month():
    assert parse_month("2025年1月") == date(2025, 1, 1)
    assert parse_month("令和7年12月") == date(2025, 12, 1)
    assert parse_month("令和元年5月") == date(2019, 5, 1)
    assert parse_month("2025/03") == date(2025, 3, 1)
    assert parse_date("R7.3", month_only=True) == date(2025, 3, 1)
    for bad in ("2025年13月", "2025年", "x"):
        with pytest.raises(ValueError):
            parse_month(bad)
