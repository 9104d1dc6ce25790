"""A tiny 医療費通知情報 CSV writer (FORMATS.md §1) for the vault tests."""

from __future__ import annotations

from collections.abc import Sequence

Block = tuple[
    int, str, int, str, int, int, int, int
]  # month, 区分, 日数, 名称, 総額, 保険者, 公費, 窓口


def _line(*cells: str) -> str:
    return ",".join(cells) + "\r\n"


def _yen(n: int) -> str:
    return f'"{n:,}"' if n >= 1000 else str(n)


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
    first = min(b[0] for b in blocks)
    last = max(b[0] for b in blocks)
    period = f"{year}年{first}月～{year}年{last}月"
    sums = [sum(b[i] for b in blocks) for i in (4, 5, 6, 7)]

    def totals(title: str) -> list[str]:
        return [
            _line(title),
            _line("期間", period),
            _line("医療費の総額（円）", _yen(sums[0])),
            _line("保険者の負担額（円）", _yen(sums[1])),
            _line("その他の公費の負担額（円）", _yen(sums[2])),
            _line("窓口相当負担額（円）", _yen(sums[3])),
        ]

    out = [
        _line("わたしの情報"),
        _line("医療費通知情報"),
        _line(),
        _line("項目名", "内容"),
        _line("作成日", f"{year + 1}年2月{created_day}日"),
        _line("資格情報"),
        _line("氏名カナ", "シケン　イチロウ"),
        _line("氏名", name),
        _line("生年月日", "1980年1月10日"),
        _line("性別", "男"),
        _line("年齢", "46歳"),
        _line("保険者等番号", "XXXXX123"),
        _line("被保険者証等記号", "１２３"),
        _line("被保険者証等番号", "４５６"),
        _line("枝番", "00"),
        _line("医療費明細一覧の概要"),
        _line("一覧表示の範囲", f"{year}年{last}月まで"),
        *totals("医療費の合計"),
        *totals("年間の合計"),
        _line("医療費情報明細"),
    ]
    for month, category, days, provider, t, ins, pub, sh in blocks:
        out += [
            _line("診療年月", f"{year}年{month}月"),
            _line("診療区分", category),
            _line("日数", str(days)),
            _line("医療機関等名称", provider),
            _line("医療費の総額（円）", _yen(t)),
            _line("保険者の負担額（円）", _yen(ins)),
            _line("その他の公費の負担額（円）", _yen(pub)),
            _line("窓口相当負担額（円）", _yen(sh)),
        ]
    out += [
        _line("保険者情報"),
        _line("保険者の名称", "テスト健康保険組合"),
        _line("医療費情報明細の範囲", period),
    ]
    return "".join(out).encode("utf-8")
