"""Yen and dates as people read them."""

from __future__ import annotations

from datetime import date

import pytest

from mynalib.jp import fmt


def test_yen() -> None:
    assert fmt.yen(13782) == "13,782円"
    assert fmt.yen(0) == "0円"
    assert fmt.yen(-1500) == "-1,500円"
    assert fmt.yen(1234567.6) == "1,234,568円"
    assert fmt.yen(None) == ""


def test_dates() -> None:
    assert fmt.jp_date(date(2026, 3, 15)) == "2026年3月15日"
    assert fmt.jp_date(date(2026, 11, 5)) == "2026年11月5日"
    assert fmt.jp_month(2026, 3) == "2026年3月"


@pytest.mark.parametrize(
    ("day", "long", "short"),
    [
        (date(2026, 3, 15), "令和8年", "R8"),
        (date(2019, 5, 1), "令和元年", "R1"),
        (date(2019, 4, 30), "平成31年", "H31"),
        (date(1989, 1, 7), "昭和64年", "S64"),
        (date(1989, 1, 8), "平成元年", "H1"),
        (date(1926, 12, 25), "昭和元年", "S1"),
        (date(1912, 7, 30), "大正元年", "T1"),
        (date(1868, 10, 23), "明治元年", "M1"),
    ],
)
def test_era_year_label(day: date, long: str, short: str) -> None:
    assert fmt.era_year_label(day) == long
    assert fmt.era_year_label(day, short=True) == short


def test_wareki() -> None:
    assert fmt.wareki(date(2025, 4, 1)) == "令和7年4月1日"
    assert fmt.wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert fmt.wareki(date(2019, 5, 1), gannen=False) == "令和1年5月1日"
    assert fmt.wareki(date(1980, 4, 1), style="abbr") == "S55.4.1"
    with pytest.raises(ValueError):
        fmt.wareki(date(1980, 4, 1), style="iso")


def test_tax_year_label() -> None:
    assert fmt.tax_year_label(2026) == "令和8年分"
    assert fmt.tax_year_label(2019) == "令和元年分"  # named by the era on 31 December
    assert fmt.tax_year_label(2018) == "平成30年分"
    assert fmt.tax_year_label(1989) == "平成元年分"
