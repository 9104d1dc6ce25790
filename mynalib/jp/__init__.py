"""Japanese calendar and formatting facts, one home each.

* :mod:`~mynalib.jp.eras` — the 和暦 table (明治 … 令和, NTA ``gen:era`` codes), range-checked
  conversion both ways and the textual date forms importers read;
* :mod:`~mynalib.jp.holidays` — days offices are closed (土日, 国民の祝日 from ``jpholiday``, 年末年始);
* :mod:`~mynalib.jp.fmt` — yen and dates as people read them (``13,782円``, ``2026年3月15日``,
  ``令和8年``);
* :mod:`~mynalib.jp.age` — ages as Japanese law counts them.

This package is the bottom layer: it imports nothing else from mynalib.
"""

from __future__ import annotations

from .age import (
    age_at_year_end,
    age_on,
    age_reached_on,
    month_age_counts_from,
    month_age_reached,
)
from .eras import (
    ERAS,
    Era,
    era,
    era_date,
    era_month,
    era_year,
    parse_date,
    parse_month,
    parse_year,
    to_era,
)
from .fmt import era_year_label, jp_date, jp_month, tax_year_label, wareki, yen

# holidays() is not re-exported: mynalib.jp.holidays stays the module's name
from .holidays import closed_reason, next_open_day

__all__ = [
    "ERAS",
    "Era",
    "age_at_year_end",
    "age_on",
    "age_reached_on",
    "closed_reason",
    "era",
    "era_date",
    "era_month",
    "era_year",
    "era_year_label",
    "jp_date",
    "jp_month",
    "month_age_counts_from",
    "month_age_reached",
    "next_open_day",
    "parse_date",
    "parse_month",
    "parse_year",
    "tax_year_label",
    "to_era",
    "wareki",
    "yen",
]
