"""The 和暦 table at every boundary, from the known 改元 dates (not from the code).

明治 1868-10-23 (改元の詔, 明治元年9月8日), 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08,
令和 2019-05-01; each era ends the day before the next begins.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from mynalib.errors import MalformedDocument
from mynalib.jp import eras as E
from mynalib.jp import fmt

#: (code, name, letter, first day, last day, last era year)
KNOWN = [
    (1, "明治", "M", date(1868, 10, 23), date(1912, 7, 29), 45),
    (2, "大正", "T", date(1912, 7, 30), date(1926, 12, 24), 15),
    (3, "昭和", "S", date(1926, 12, 25), date(1989, 1, 7), 64),
    (4, "平成", "H", date(1989, 1, 8), date(2019, 4, 30), 31),
    (5, "令和", "R", date(2019, 5, 1), None, None),
]


@pytest.mark.parametrize(("code", "name", "letter", "first", "last", "years"), KNOWN)
def test_the_table(code, name, letter, first, last, years) -> None:
    e = E.era(code)
    assert (e.code, e.name, e.letter, e.start, e.end) == (code, name, letter, first, last)
    assert E.era(name) is e and E.era(letter) is e and E.era(letter.lower()) is e
    assert E.era(str(code)) is e and E.era(fmt_fullwidth(str(code))) is e


def fmt_fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def test_meiji_starts_on_its_kaigen_day() -> None:
    assert E.ERAS[0].start == date(1868, 10, 23)
    assert [e.code for e in E.ERAS] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError):
        E.era(6)
    with pytest.raises(ValueError):
        E.era("慶応")


@pytest.mark.parametrize(("code", "name", "letter", "first", "last", "years"), KNOWN)
def test_first_and_last_day_of_each_era(code, name, letter, first, last, years) -> None:
    assert E.era_date(code, 1, first.month, first.day) == first
    assert E.era_date(name, "元", first.month, first.day) == first
    assert E.to_era(first) == (E.era(code), 1)
    with pytest.raises(ValueError):  # the day before belongs to the previous era (or none)
        E.era_date(code, 1, (first - timedelta(days=1)).month, (first - timedelta(days=1)).day)
    if last is not None:
        assert E.era_date(code, years, last.month, last.day) == last
        assert E.to_era(last) == (E.era(code), years)
        after = last + timedelta(days=1)
        with pytest.raises(ValueError):  # the day after belongs to the next era
            E.era_date(code, years, after.month, after.day)


@pytest.mark.parametrize(
    "key", [("平成", 31, 5, 1), ("令和", 1, 4, 30), ("昭和", 64, 1, 8), ("明治", 1, 1, 25)]
)
def test_dates_outside_their_era_are_errors(key) -> None:
    with pytest.raises(ValueError, match="outside"):
        E.era_date(*key)


@pytest.mark.parametrize(
    ("key", "yy", "western"),
    [
        ("明治", 1, 1868),
        ("明治", 45, 1912),
        ("大正", 1, 1912),
        ("大正", 15, 1926),
        ("昭和", 1, 1926),
        ("昭和", 64, 1989),
        ("平成", "元", 1989),
        ("平成", 31, 2019),
        ("令和", "元", 2019),
        ("令和", "07", 2025),
    ],
)
def test_a_year_is_valid_when_any_day_of_it_is_in_the_era(key, yy, western) -> None:
    assert E.era_year(key, yy) == western


@pytest.mark.parametrize(
    ("key", "yy"), [("明治", 46), ("大正", 16), ("昭和", 65), ("平成", 32), ("令和", 0), (5, -1)]
)
def test_years_past_the_era_are_errors(key, yy) -> None:
    with pytest.raises(ValueError):
        E.era_year(key, yy)


def test_months_at_the_boundaries() -> None:
    assert E.era_month("平成", 1, 1) == date(1989, 1, 1)  # 8–31 January are 平成
    assert E.era_month("昭和", 64, 1) == date(1989, 1, 1)  # 1–7 January are 昭和
    assert E.era_month("平成", 31, 4) == date(2019, 4, 1)
    assert E.era_month("令和", 1, 5) == date(2019, 5, 1)
    assert E.era_month("明治", 1, 10) == date(1868, 10, 1)
    for bad in [("昭和", 64, 2), ("平成", 31, 5), ("令和", 1, 4), ("明治", 1, 9), ("令和", 7, 13)]:
        with pytest.raises(ValueError):
            E.era_month(*bad)


def test_before_meiji_there_is_no_era() -> None:
    with pytest.raises(ValueError, match="明治"):
        E.to_era(date(1868, 10, 22))
    with pytest.raises(ValueError):
        fmt.era_year_label(date(1800, 1, 1))


def test_every_day_round_trips_through_both_written_forms() -> None:
    day, end = date(1868, 10, 23), date(2040, 12, 31)
    while day <= end:
        era, year = E.to_era(day)
        assert E.era_date(era.code, year, day.month, day.day) == day
        assert E.parse_date(fmt.wareki(day)) == day
        assert E.parse_date(fmt.wareki(day, style="abbr")) == day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("昭和55年4月1日", date(1980, 4, 1)),
        ("S55.4.1", date(1980, 4, 1)),
        ("s55.4.1", date(1980, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和１年５月１日", date(2019, 5, 1)),
        ("Ｈ３１．４．３０", date(2019, 4, 30)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("大正元年7月30日", date(1912, 7, 30)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert E.parse_date(text) == expected


@pytest.mark.parametrize("text", ["平成31年5月1日", "令和元年4月30日", "昭和64年1月8日", "H31.5.1"])
def test_parse_date_rejects_days_outside_the_era(text: str) -> None:
    with pytest.raises(ValueError, match="outside"):
        E.parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("R7", 2025),
        ("r7", 2025),
        ("Ｒ７", 2025),
        ("令和元年", 2019),
        ("令和7年", 2025),
        ("平成31年", 2019),
        ("H31", 2019),
        ("昭和64年", 1989),
        ("2025", 2025),
        ("２０２５年", 2025),
    ],
)
def test_parse_year(text: str, expected: int) -> None:
    assert E.parse_year(text) == expected


@pytest.mark.parametrize("text", ["平成32年", "S65", "令和0年", "R", "令和", "25", "x"])
def test_parse_year_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        E.parse_year(text)


def test_month_only_dates_use_the_month_rule() -> None:
    assert E.parse_date("H1.1", month_only=True) == date(1989, 1, 1)
    assert E.parse_month("平成元年1月") == date(1989, 1, 1)
    with pytest.raises(ValueError):
        E.parse_month("平成31年5月")
    with pytest.raises(ValueError):
        E.parse_date("R1.4", month_only=True)


@pytest.mark.parametrize(
    "text", ["平成31年5月1日", "令和元年4月30日", "昭和64年1月8日", "H31.5.1", "令和元年4月"]
)
def test_the_portal_parser_keeps_its_error_type_and_now_checks_the_range(text: str) -> None:
    from mynalib.sources import portal_json

    with pytest.raises(MalformedDocument, match="not a date"):
        portal_json.parse_date(text)
    assert portal_json.parse_date("平成31年4月30日") == date(2019, 4, 30)
    assert portal_json.parse_date("令和1年5月1日") == date(2019, 5, 1)


def test_every_writer_agrees_with_the_table() -> None:
    from mynalib import charts
    from mynalib.portal.sandbox.data import wareki
    from mynalib.samples.kojo import reiwa
    from mynalib.samples.nenkin import _wareki
    from mynalib.tax.rules import era_label

    for _, name, letter, first, last, years in KNOWN:
        assert charts.era_name(first) == (name, 1)
        assert charts.era_label(first) == f"{name}元年"
        assert charts.era_label(first, short=True) == f"{letter}1"
        assert wareki(first) == f"{name}1年{first.month}月{first.day}日"
        assert _wareki(first, "kanji") == f"{name}元年{first.month}月{first.day}日"
        assert _wareki(first, "abbr") == f"{letter}1.{first.month}.{first.day}"
        if last is not None:
            assert charts.era_label(last) == f"{name}{years}年"
            assert wareki(last) == f"{name}{years}年{last.month}月{last.day}日"
    assert era_label(2019) == "令和元年分" and era_label(2018) == "平成30年分"
    assert reiwa(2019) == 1 and reiwa(2026) == 8


def test_no_other_module_keeps_an_era_table() -> None:
    """One home: the era start dates appear in mynalib/jp/eras.py only."""
    root = Path(E.__file__).resolve().parent.parent
    starts = re.compile(
        r"1868, 10, 23|1868, 1, 25|1912, 7, 30|1926, 12, 25|1989, 1, 8|2019, 5, 1\b"
        r"|(?:令和|平成|昭和|大正|明治)[\"']?\s*[:,]\s*(?:2018|1988|1925|1911|1867)\b"
        r"|-\s*(?:2018|1988|1925|1911|1867)\b"
    )
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if path.name != "eras.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if starts.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []
