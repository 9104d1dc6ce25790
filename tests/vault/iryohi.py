"""A tiny 医療費通知情報 CSV writer (the format mynalib/sources/iryohi_csv.py reads) for the vault tests.

The bytes are written by :func:`mynalib.samples.render_iryohi_csv` (the sample generator's writer)
with a fixed test person and insurer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from mynalib.samples import IryohiBlock as Block
from mynalib.samples import render_iryohi_csv

__all__ = ["Block", "block", "iryohi_csv"]


def block(
    month: int, total: int, provider: str = "テスト内科", category: str = "医科外来"
) -> Block:
    share = total * 3 // 10
    return (month, category, 1, provider, total, total - share, 0, share)


def iryohi_csv(
    name: str = "試験　一郎",
    year: int = 2025,
    blocks: Sequence[Block] = (),
    created_day: int = 1,
) -> bytes:
    blocks = list(blocks) or [block(1, 5950), block(3, 830, "テスト薬局", "調剤")]
    return render_iryohi_csv(
        year=year,
        months=(min(b[0] for b in blocks), max(b[0] for b in blocks)),
        blocks=blocks,
        created=date(year + 1, 2, created_day),
        kana="シケン　イチロウ",
        name=name,
        birth=date(1980, 1, 10),
        sex="男",
        age=46,
        insurer_no="XXXXX123",
        symbol="１２３",
        number="４５６",
        branch="00",
        insurer_name="テスト健康保険組合",
    )
