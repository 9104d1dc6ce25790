"""The 医療費通知情報 CSV writer: one file per member, year and insurer, as マイナポータル writes them.

UTF-8, CRLF, amounts from 1,000 quoted with separators, the totals sections the sums of the
8-row detail blocks: the format :mod:`mynalib.sources.iryohi_csv` reads.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date
from typing import Any

from ..jp.age import age_on
from ..jp.fmt import jp_date, jp_month
from .household import COVERAGES, HOUSEHOLD, YEARS, coverage, person
from .medical import household_claims


def yen(amount: int) -> str:
    """Amount as the CSV writes it: ``"5,950"`` (quoted, separators) from 1,000, bare below."""
    return f'"{amount:,}"' if amount >= 1000 else str(amount)


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
    """The bytes of a 医療費通知情報 CSV (:mod:`mynalib.sources.iryohi_csv`) with these header fields and ``blocks``.

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
    """One 医療費通知情報 CSV for ``person_id``, ``year``, months ``(first, last)``.

    ``claims`` are :func:`household_claims` dicts; those of this person and period are written.
    """
    p = person(person_id)
    first, last = months
    cov = coverage(person_id, year, last)
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


def iryohi_files(seed: int) -> list[tuple[str, bytes]]:
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
