"""わたしの情報, every category, on the overview dashboard: one card per category of the portal's
menu (健康・医療, 税・所得・口座, 年金, 子ども・子育て, 世帯情報, 福祉・介護, 雇用保険), each saying
who has what — and 「記録がありません」 plainly where the portal answered 04.

The lines are :func:`mynalib.analysis.myinfo.category_lines` (the same as notebook 06's); this
module only lays them out. Personal numbers never reach it unmasked: the frames come from
``Vault.frame`` (masked unless asked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..analysis.myinfo import NO_RECORD, category_lines
from .common import esc

#: a category's state: every line says 記録がありません / nothing fetched yet / some records
STATE_NO_RECORD = "no-record"
STATE_NOT_FETCHED = "not-fetched"
STATE_RECORDS = "records"


def _state(lines: Sequence[str]) -> str:
    if all(NO_RECORD in line for line in lines):
        return STATE_NO_RECORD
    if all("まだ取得していません" in line for line in lines):
        return STATE_NOT_FETCHED
    return STATE_RECORDS


def pending_html(pending: Sequence[tuple[str, str | None]]) -> str:
    """回答一覧: the わたしの情報 items the portal was still preparing when the last fetch stopped
    waiting, as (item name, person) pairs; the next fetch picks them up. Empty when none wait."""
    if not pending:
        return ""
    items = "".join(
        f"<li>{esc(name)}{f'（{esc(person)}）' if person else ''}</li>" for name, person in pending
    )
    return (
        '<div class="myna-card myna-myinfo-pending"><h3>ポータルで準備中（回答一覧）</h3>'
        f'<ul>{items}</ul><p class="myna-muted">次の取得（または <code>myna fetch --pending</code>）'
        "で受け取ります。</p></div>"
    )


def myinfo_html(
    data: Mapping[str, Any] | None,
    order: Sequence[str] = (),
    pending: Sequence[tuple[str, str | None]] = (),
) -> str:
    """The cards of every category from the frames in ``data`` (see
    :data:`mynalib.analysis.myinfo.OVERVIEW_FRAMES`), after the list of items still being
    prepared by the portal (``pending``: :func:`pending_html`)."""
    by_category = category_lines(dict(data or {}), order)
    cards = []
    for category, lines in by_category.items():
        items = "".join(
            f'<li class="{"myna-no-record" if NO_RECORD in line else "myna-record"}">'
            f"{esc(line)}</li>"
            for line in lines
        )
        cards.append(
            f'<div class="myna-card myna-myinfo-category" data-category="{esc(category)}" '
            f'data-state="{_state(lines)}"><h3>{esc(category)}</h3><ul>{items}</ul></div>'
        )
    return (
        '<div class="myna-myinfo">'
        + pending_html(pending)
        + "".join(cards)
        + '<p class="myna-muted">被保険者番号・記号番号・口座番号は伏せ字です。詳しくは'
        "わたしの情報のノートブック（06）を開いてください。</p></div>"
    )


__all__ = ["myinfo_html", "pending_html"]
