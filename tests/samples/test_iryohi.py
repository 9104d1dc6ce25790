"""Every 医療費通知 CSV of the sample household is in the exact format and adds up."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

from mynalib import samples

from .conftest import _AMOUNT_KEYS, amount, read_iryohi

BLOCK_KEYS = [
    "診療年月",
    "診療区分",
    "日数",
    "医療機関等名称",
    *_AMOUNT_KEYS,
]


def _month(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})年([1-9]|1[0-2])月", text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


def test_file_names_encoding_line_ends(iryohi_files: list[Path]) -> None:
    for path in iryohi_files:
        assert re.fullmatch(r"医療費情報_\d{17}\.csv", path.name), path.name
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")
        assert data.endswith(b"\r\n")
        assert data.count(b"\n") == data.count(b"\r\n"), f"{path}: bare LF"
        assert b"\r\r" not in data


def test_layout_and_arithmetic(iryohi_files: list[Path]) -> None:
    for path in iryohi_files:
        raw = path.read_bytes().decode("utf-8")
        doc = read_iryohi(path.read_bytes())
        assert doc["head"] == [["わたしの情報"], ["医療費通知情報"], [], ["項目名", "内容"]]
        assert doc["order"] == [
            "資格情報",
            "医療費明細一覧の概要",
            "医療費の合計",
            "年間の合計",
            "医療費情報明細",
            "保険者情報",
        ]
        assert re.fullmatch(r"\d{4}年([1-9]|1[0-2])月([1-9]|[12]\d|3[01])日", doc["作成日"])
        qual = doc["sections"]["資格情報"]
        assert list(qual) == [
            "氏名カナ",
            "氏名",
            "生年月日",
            "性別",
            "年齢",
            "保険者等番号",
            "被保険者証等記号",
            "被保険者証等番号",
            "枝番",
        ]
        assert re.fullmatch(r"[0-9X]{8}", qual["保険者等番号"])
        # amounts: quoted with separators from 1,000, bare below
        for line in raw.split("\r\n"):
            if line.split(",", 1)[0] in _AMOUNT_KEYS:
                cell = line.split(",", 1)[1]
                value = int(cell.strip('"').replace(",", ""))
                if value >= 1000:
                    assert cell == f'"{value:,}"', line
                else:
                    assert cell == str(value), line
        blocks = doc["blocks"]
        assert blocks, f"{path}: no detail blocks"
        sums = dict.fromkeys(_AMOUNT_KEYS, 0)
        months = []
        for block in blocks:
            assert list(block) == BLOCK_KEYS
            assert block["診療区分"] in ("医科外来", "医科入院", "歯科外来", "調剤")
            assert int(block["日数"]) >= 1
            values = {k: amount(block[k]) for k in _AMOUNT_KEYS}
            total, insurer, public, share = values.values()
            assert total == insurer + public + share, block
            assert total % 10 == 0, block  # 点数 × 10 yen
            for k in _AMOUNT_KEYS:
                sums[k] += values[k]
            months.append(_month(block["診療年月"]))
        assert months == sorted(months), f"{path}: blocks out of month order"
        period = None
        for title in ("医療費の合計", "年間の合計"):
            section = doc["sections"][title]
            assert {k: amount(section[k]) for k in _AMOUNT_KEYS} == sums, (path, title)
            first, last = section["期間"].split("～")
            period = (_month(first), _month(last))
            assert period[0] <= min(months) and max(months) <= period[1]
        overview = doc["sections"]["医療費明細一覧の概要"]["一覧表示の範囲"]
        assert overview == section["期間"].split("～")[1] + "まで"
        assert doc["sections"]["保険者情報"]["医療費情報明細の範囲"] == section["期間"]


def test_age_and_patient_share_by_age(iryohi_files: list[Path]) -> None:
    by_name = {p.name: p for p in samples.HOUSEHOLD}
    seen_rates: dict[str, set[int]] = defaultdict(set)
    for path in iryohi_files:
        doc = read_iryohi(path.read_bytes())
        qual = doc["sections"]["資格情報"]
        person = by_name[qual["氏名"]]
        assert qual["氏名カナ"] == person.kana
        assert qual["性別"] == ("男" if person.sex == "1" else "女")
        y, m, d = map(int, re.findall(r"\d+", doc["作成日"]))
        assert qual["年齢"] == f"{samples.age_on(person.birth, date(y, m, d))}歳"
        for block in doc["blocks"]:
            total = amount(block["医療費の総額（円）"])
            share = amount(block["窓口相当負担額（円）"])
            year, month = _month(block["診療年月"])
            rate = samples.patient_rate(person.birth, date(year, month, 1))
            assert share == total * rate // 100, (path, block)
            seen_rates[person.id].add(rate)
    assert seen_rates == {"taro": {30}, "hanako": {30}, "sora": {30}, "ume": {10}}


def test_patient_rate_rules() -> None:
    child = date(2019, 6, 20)
    assert samples.patient_rate(child, date(2025, 6, 19)) == 20  # 5 years old
    assert samples.patient_rate(child, date(2026, 3, 31)) == 20  # 6 but before school
    assert samples.patient_rate(child, date(2026, 4, 1)) == 30
    assert samples.patient_rate(date(1953, 5, 1), date(2024, 1, 1)) == 20  # 70
    assert samples.patient_rate(date(1943, 1, 15), date(2021, 1, 1)) == 10  # 77


def test_household_contents() -> None:
    claims = samples.household_claims()
    cats = {c["category"] for c in claims}
    assert cats == {"医科外来", "医科入院", "歯科外来", "調剤"}
    stays = [c for c in claims if c["category"] == "医科入院"]
    assert {(c["person_id"], c["year"]) for c in stays} == {("taro", 2024)}
    # several claims for the same month and provider occur
    keys = [(c["person_id"], c["year"], c["month"], c["provider"], c["category"]) for c in claims]
    assert len(keys) > len(set(keys))
    # pooled 窓口相当負担額 above the 医療費控除 threshold (100,000 yen) in at least one year
    pooled: dict[int, int] = defaultdict(int)
    for c in claims:
        pooled[c["year"]] += c["patient_share"]
    assert set(pooled) == set(samples.YEARS)
    assert max(pooled.values()) > 100_000
    assert min(pooled.values()) < 100_000  # and a year below it, for contrast
    # every year has data for every person
    assert {(c["person_id"], c["year"]) for c in claims} == {
        (p.id, y) for p in samples.HOUSEHOLD for y in samples.YEARS
    }


def test_claims_match_the_csv_files(iryohi_files: list[Path]) -> None:
    claims = samples.household_claims()
    from_files = []
    for path in iryohi_files:
        doc = read_iryohi(path.read_bytes())
        name = doc["sections"]["資格情報"]["氏名"]
        for b in doc["blocks"]:
            y, m = _month(b["診療年月"])
            from_files.append(
                (name, y, m, b["診療区分"], b["医療機関等名称"], amount(b["医療費の総額（円）"]))
            )
    expected = [
        (c["person"], c["year"], c["month"], c["category"], c["provider"], c["total_cost"])
        for c in claims
    ]
    assert sorted(from_files) == sorted(expected)


def test_dispensings_consistent_with_pharmacy_claims() -> None:
    claims = samples.household_claims()
    dispensings = samples.household_dispensings()
    visits = samples.household_visits()
    # 調剤 claim days = distinct dispensing dates of that person, month and pharmacy
    days: dict[tuple, int] = defaultdict(int)
    for c in claims:
        if c["category"] == "調剤":
            days[(c["person_id"], c["year"], c["month"], c["provider"])] += c["days"]
    dates: dict[tuple, set] = defaultdict(set)
    visit_days = {(v["person_id"], v["date"]) for v in visits if v["prescription"]}
    for d in dispensings:
        key = (d["person_id"], d["date"].year, d["date"].month)
        pharmacy = next(
            c["provider"]
            for c in claims
            if c["category"] == "調剤" and c["provider"].endswith(d["pharmacy"])
        )
        dates[(*key, pharmacy)].add(d["date"])
        assert (d["person_id"], d["date"]) in visit_days  # after a visit with a prescription
        for drug in d["drugs"]:
            assert not re.search(r"[A-Za-z0-9]", drug["drug"]), drug  # full-width names
            assert drug["route"] in ("内服", "頓服", "外用")
            assert drug["days"] >= 1 and drug["quantity"] and drug["usage"]
    assert {k: len(v) for k, v in dates.items()} == dict(days)


def test_duplicate_prescription_case() -> None:
    """The drugs notebook's case: one drug from two prescribers in overlapping periods."""
    spans: dict[tuple[str, str], list[tuple[date, date, str]]] = defaultdict(list)
    for d in samples.household_dispensings():
        for drug in d["drugs"]:
            if drug["route"] == "内服":
                end = date.fromordinal(d["date"].toordinal() + drug["days"] - 1)
                spans[(d["person_id"], drug["drug"])].append((d["date"], end, d["prescriber"]))
    overlaps = set()
    for (pid, drug), items in spans.items():
        for a in items:
            for b in items:
                if a[2] < b[2] and a[0] <= b[1] and b[0] <= a[1]:
                    overlaps.add((pid, drug, a[2], b[2]))
    pairs = {(pid, drug, frozenset((x, y))) for pid, drug, x, y in overlaps}
    assert (
        "ume",
        "ロキソプロフェンＮａ錠６０ｍｇ「サワイ」",
        frozenset(("見本整形外科", "見本内科クリニック")),
    ) in pairs, overlaps
