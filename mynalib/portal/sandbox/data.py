"""Synthetic data the sandbox serves for the sample household (deterministic, no real person).

Everything is derived from :data:`mynalib.samples.HOUSEHOLD` with a seeded ``random.Random`` per
person, so two sandboxes (or two runs) serve byte-identical documents. When the sample generator
(:mod:`mynalib.samples`) offers a generator for an item, its output is used instead, so the portal
and the sample files describe the same household.

The shapes are those of ``PROTOCOL.md``: わたしの情報 items are lists of
``{hierarchy, code, name, content}``; 薬剤情報 nests by year and date.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from ...jp.fmt import jp_date, jp_month
from ...jp.fmt import wareki as _jp_wareki
from ...samples.household import HOUSEHOLD, Person

#: the sandbox's data is "as of" this day (fixed, so documents never change between runs)
AS_OF = date(2026, 11, 1)

#: 代理人 relationships: principal id → ids of the members registered as their 代理人
PROXIES: dict[str, tuple[str, ...]] = {"ume": ("taro",)}

Field = dict[str, str]

_FW = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.%-",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ．％－",
)


def fullwidth(text: str) -> str:
    """ASCII letters and digits → full width, as the portal prints drug names."""
    return text.translate(_FW)


def jdate(d: date) -> str:
    """``2026年5月19日`` (Western year, as the 薬剤情報 keys)."""
    return jp_date(d)


def wareki(d: date) -> str:
    """``令和7年4月1日`` / ``昭和63年4月1日`` (元年 written as 1年, as the portal prints it)."""
    return _jp_wareki(d, gannen=False)


def subject_id(person: Person) -> str:
    """The stable, opaque OIDC subject of a member (no personal data in it)."""
    return "sbx-" + hashlib.sha256(f"mynalib-sandbox:{person.id}".encode()).hexdigest()[:20]


def subject(person: Person) -> dict[str, str]:
    return {"name": person.name, "kana": person.kana, "birthDate": person.birth.isoformat()}


def _rng(person: Person, what: str) -> random.Random:
    return random.Random(f"mynalib-sandbox/{person.id}/{what}")


def _age(person: Person, on: date = AS_OF) -> int:
    return (
        on.year - person.birth.year - ((on.month, on.day) < (person.birth.month, person.birth.day))
    )


class _Rows:
    """Builds a flat ``{hierarchy, code, name, content}`` list."""

    def __init__(self) -> None:
        self.rows: list[Field] = []
        self.n = 0

    def record(
        self,
        code: str,
        name: str,
        fields: list[tuple[str, str, str]],
        sub: list[list[tuple[str, str, str]]] | None = None,
    ) -> None:
        self.n += 1
        self.rows.append({"hierarchy": str(self.n), "code": code, "name": name, "content": ""})
        for j, (c, nm, content) in enumerate(fields, start=1):
            self.rows.append(
                {"hierarchy": f"{self.n}.{j}", "code": c, "name": nm, "content": content}
            )
        for k, children in enumerate(sub or [], start=len(fields) + 1):
            head, *rest = children
            self.rows.append(
                {"hierarchy": f"{self.n}.{k}", "code": head[0], "name": head[1], "content": head[2]}
            )
            for m, (c, nm, content) in enumerate(rest, start=1):
                self.rows.append(
                    {"hierarchy": f"{self.n}.{k}.{m}", "code": c, "name": nm, "content": content}
                )


# ---------------------------------------------------------------------------------- 年金記録
EMPLOYER = {"taro": "架空商事株式会社", "hanako": "見本印刷株式会社", "ume": "見本紡績株式会社"}


def pension(person: Person) -> list[Field] | None:
    rng = _rng(person, "pension")
    rows = _Rows()
    periods: list[tuple[str, str, date, date | None, str, int | None]] = []
    if person.id == "taro":
        periods = [
            ("国民年金", "", date(1990, 4, 1), date(1993, 4, 1), "学生納付特例", None),
            ("厚生年金保険", EMPLOYER["taro"], date(1993, 4, 1), None, "加入中", 0),
        ]
    elif person.id == "hanako":
        periods = [
            ("国民年金", "", date(1993, 9, 1), date(1996, 4, 1), "納付済", None),
            ("厚生年金保険", EMPLOYER["hanako"], date(1996, 4, 1), date(2001, 7, 1), "納付済", 0),
            ("国民年金（第3号）", "", date(2001, 7, 1), None, "加入中", None),
        ]
    elif person.id == "ume":
        periods = [
            ("厚生年金保険", EMPLOYER["ume"], date(1961, 4, 1), date(1968, 10, 1), "納付済", 0),
            ("国民年金", "", date(1968, 10, 1), date(2003, 1, 1), "納付済", None),
        ]
    if not periods:
        return None
    for scheme, employer, start, end, status, remun in periods:
        stop = end or AS_OF.replace(day=1)
        months = (stop.year - start.year) * 12 + stop.month - start.month
        remuneration = (
            "" if remun is None else str(rng.choice([220, 260, 300, 340, 380, 410, 440]) * 1000)
        )
        rows.record(
            "NK0000",
            "加入期間",
            [
                ("NK0001", "制度", scheme),
                ("NK0002", "事業所名称", employer),
                ("NK0003", "資格取得年月日", wareki(start)),
                ("NK0004", "資格喪失年月日", wareki(end) if end else ""),
                ("NK0005", "加入月数", str(months)),
                ("NK0006", "標準報酬月額", remuneration),
                ("NK0007", "納付状況", status),
            ],
        )
    return rows.rows


# --------------------------------------------------------------------------------- 税・所得
def tax(person: Person) -> list[Field] | None:
    income = {
        "taro": ("給与", 7_200_000, 5_260_000),
        "hanako": ("給与", 1_000_000, 450_000),
        "ume": ("公的年金等", 1_560_000, 460_000),
    }
    if person.id not in income:
        return None
    kind, revenue, net = income[person.id]
    rows = _Rows()
    for year in (2024, 2025):
        drift = 1.0 if year == 2025 else 0.97
        rows.record(
            "ZE0000",
            f"{year}年分 所得・課税情報",
            [
                ("ZE0001", "年分", str(year)),
                ("ZE0002", "所得の種類", kind),
                ("ZE0003", "収入金額", str(int(revenue * drift) // 1000 * 1000)),
                ("ZE0004", "所得金額", str(int(net * drift) // 1000 * 1000)),
                (
                    "ZE0005",
                    "市区町村民税所得割額",
                    str(max(0, int(net * drift * 0.06)) // 100 * 100),
                ),
                ("ZE0006", "課税区分", "課税" if net > 450_000 else "非課税"),
            ],
        )
    return rows.rows


def household(person: Person) -> list[Field] | None:
    rows = _Rows()
    relation = {"taro": "世帯主", "hanako": "妻", "sora": "子", "ume": "母"}
    for member in HOUSEHOLD:
        rows.record(
            "SE0000",
            "世帯員",
            [
                ("SE0001", "氏名", member.name),
                ("SE0002", "続柄", relation.get(member.id, "その他")),
                ("SE0003", "生年月日", wareki(member.birth)),
                ("SE0004", "住所", member.address),
            ],
        )
    return rows.rows


def childcare(person: Person) -> list[Field] | None:
    if person.id != "taro":
        return None
    child = next(p for p in HOUSEHOLD if p.role == "child")
    rows = _Rows()
    rows.record(
        "KO0000",
        "児童手当",
        [
            ("KO0001", "受給者", person.name),
            ("KO0002", "対象児童", child.name),
            ("KO0003", "支給月額", "10000"),
            ("KO0004", "認定年月日", wareki(child.birth + timedelta(days=10))),
            ("KO0005", "支給状況", "支給中"),
        ],
    )
    return rows.rows


def care(person: Person) -> list[Field] | None:
    if person.id != "ume":
        return None
    rows = _Rows()
    rows.record(
        "KA0000",
        "介護保険",
        [
            ("KA0001", "被保険者番号", "0000123456"),
            ("KA0002", "要介護状態区分", "要支援１"),
            ("KA0003", "認定有効期間（開始）", wareki(date(2025, 10, 1))),
            ("KA0004", "認定有効期間（終了）", wareki(date(2027, 9, 30))),
            ("KA0005", "負担割合", "1割"),
        ],
    )
    return rows.rows


def employment(person: Person) -> list[Field] | None:
    if person.id not in ("taro",):
        return None
    rows = _Rows()
    rows.record(
        "KY0000",
        "雇用保険",
        [
            ("KY0001", "事業所名称", EMPLOYER["taro"]),
            ("KY0002", "資格取得年月日", wareki(date(1993, 4, 1))),
            ("KY0003", "被保険者区分", "一般"),
        ],
    )
    return rows.rows


# ------------------------------------------------------------------------------- 医療費通知
PROVIDERS = {
    "医科外来": ["架空内科クリニック", "見本総合病院", "みほん整形外科", "ひかり眼科医院"],
    "歯科外来": ["さくら歯科医院"],
    "調剤": ["みほん調剤薬局", "あおば薬局　見本町店"],
    "医科入院": ["見本総合病院"],
}


def _share_rate(person: Person, on: date) -> float:
    age = on.year - person.birth.year
    if age >= 75:
        return 0.1
    if age < 6:
        return 0.2
    return 0.3


def insurer(person: Person) -> str:
    if _age(person) >= 75:
        return "東京都後期高齢者医療広域連合"
    return "架空商事健康保険組合"


def medical(person: Person) -> list[Field] | None:
    rng = _rng(person, "medical")
    rows = _Rows()
    month = date(2025, 1, 1)
    while month <= date(2026, 9, 1):
        visits = rng.choice([0, 1, 1, 2, 3] if person.id != "ume" else [1, 2, 3, 3, 4])
        for _ in range(visits):
            category = rng.choice(["医科外来", "医科外来", "調剤", "調剤", "歯科外来"])
            if (
                person.id == "ume"
                and month == date(2025, 11, 1)
                and not any(r["content"] == "医科入院" for r in rows.rows)
            ):
                category = "医科入院"
            provider = rng.choice(PROVIDERS[category])
            days = rng.randint(5, 14) if category == "医科入院" else rng.randint(1, 3)
            total = (
                (rng.randint(300, 2500) * 10 * days)
                if category != "医科入院"
                else rng.randint(40_000, 90_000) * days // 10 * 10
            )
            rate = _share_rate(person, month)
            share = int(round(total * rate, -1))
            public = 0
            if person.role == "child":  # 子ども医療費助成: the city pays the share
                public, share = share, 0
            rows.record(
                "IR0000",
                "医療費通知",
                [
                    ("IR0001", "診療年月", jp_month(month.year, month.month)),
                    ("IR0002", "医療機関等名称", provider),
                    ("IR0003", "診療区分", category),
                    ("IR0004", "日数", str(days)),
                    ("IR0005", "医療費の総額", str(total)),
                    ("IR0006", "保険者負担額", str(total - share - public)),
                    ("IR0007", "公費負担額", str(public)),
                    ("IR0008", "窓口相当負担額", str(share)),
                    ("IR0009", "保険者名", insurer(person)),
                ],
            )
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return rows.rows or None


# --------------------------------------------------------------------------------- 特定健診
CHECKUP_ITEMS: tuple[tuple[str, str, str, float, float, int], ...] = (
    # code (JLAC10), name, unit, low, high, decimals
    ("9N001000000000001", "身長", "cm", 150.0, 175.0, 1),
    ("9N006000000000001", "体重", "kg", 48.0, 78.0, 1),
    ("9N011000000000001", "BMI", "kg/m2", 0, 0, 1),
    ("9N016160100000001", "腹囲", "cm", 72.0, 92.0, 1),
    ("9A751000000000001", "収縮期血圧", "mmHg", 108, 148, 0),
    ("9A761000000000001", "拡張期血圧", "mmHg", 64, 94, 0),
    ("3F015000002327101", "中性脂肪", "mg/dL", 60, 190, 0),
    ("3F070000002327101", "HDLコレステロール", "mg/dL", 40, 80, 0),
    ("3F077000002327101", "LDLコレステロール", "mg/dL", 90, 170, 0),
    ("3B035000002327201", "AST(GOT)", "U/L", 15, 38, 0),
    ("3B045000002327201", "ALT(GPT)", "U/L", 12, 45, 0),
    ("3B090000002327101", "γ-GT(γ-GTP)", "U/L", 15, 80, 0),
    ("3D010000001926101", "空腹時血糖", "mg/dL", 85, 125, 0),
    ("3D046000001920402", "HbA1c(NGSP)", "%", 5.2, 6.6, 1),
)


def checkups(person: Person) -> list[Field] | None:
    if _age(person) < 40:
        return None
    rng = _rng(person, "checkups")
    rows = _Rows()
    height = round(rng.uniform(150, 158) if person.sex == "2" else rng.uniform(165, 175), 1)
    weight = round(rng.uniform(48, 60) if person.sex == "2" else rng.uniform(66, 80), 1)
    for year in (2023, 2024, 2025, 2026):
        day = date(year, rng.randint(5, 10), rng.randint(1, 28))
        if day > AS_OF:
            continue
        weight = round(weight + rng.uniform(-1.5, 1.8), 1)
        institution = "見本健診センター" if _age(person) < 75 else "架空内科クリニック"
        subs: list[list[tuple[str, str, str]]] = []
        for code, name, unit, low, high, decimals in CHECKUP_ITEMS:
            if name == "身長":
                value = height
            elif name == "体重":
                value = weight
            elif name == "BMI":
                value = round(weight / (height / 100) ** 2, 1)
            else:
                value = round(rng.uniform(low, high), decimals)
            text = f"{value:.{decimals}f}" if decimals else str(int(value))
            subs.append([(code, name, text), ("UNIT", "単位", unit)])
        rows.record(
            "KS0000",
            "特定健康診査",
            [
                ("KS0001", "実施年月日", jdate(day)),
                ("KS0002", "実施機関", institution),
                ("KS0003", "保険者名", insurer(person)),
            ],
            subs,
        )
    return rows.rows


# --------------------------------------------------------------------------------- 薬剤情報
DRUGS: tuple[tuple[str, str, str, str, str], ...] = (
    # name (ASCII; printed full-width), quantity unit, usage, kbn, prescriber kind
    ("クラリス錠200", "錠", "1日2回朝夕食後", "内服", "内科"),
    ("カロナール錠200", "錠", "発熱時", "頓服", "内科"),
    ("ムコダイン錠500mg", "錠", "1日3回毎食後", "内服", "内科"),
    ("アムロジピン錠5mg「サワイ」", "錠", "1日1回朝食後", "内服", "内科"),
    ("メトホルミン塩酸塩錠250mgMT「トーワ」", "錠", "1日2回朝夕食後", "内服", "内科"),
    ("ロキソニン錠60mg", "錠", "1日3回毎食後", "内服", "整形外科"),
    ("モーラステープ20mg", "枚", "1日1回患部に貼付", "外用", "整形外科"),
    ("ヒルドイドソフト軟膏0.3%", "g", "1日2回患部に塗布", "外用", "皮膚科"),
    ("ヒアレイン点眼液0.1%", "mL", "1日5回点眼", "外用", "眼科"),
)

PRESCRIBERS = {
    "内科": "架空内科クリニック",
    "整形外科": "みほん整形外科",
    "皮膚科": "見本総合病院",
    "眼科": "ひかり眼科医院",
}


def drugs(person: Person) -> dict[str, Any] | None:
    rng = _rng(person, "drugs")
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    day = date(2025, 1, 6)
    chronic = person.id in ("ume", "taro")
    while day <= AS_OF:
        day += timedelta(days=rng.randint(12, 45) if chronic else rng.randint(30, 120))
        if day > AS_OF:
            break
        n = rng.randint(1, 3)
        picks = rng.sample(DRUGS, n)
        dept = picks[0][4]
        lines = []
        for name, unit, usage, kbn, _ in picks:
            times = rng.choice([3, 5, 7, 14, 28]) if kbn == "内服" else 1
            qty = rng.choice([1, 2, 3]) if unit == "錠" else rng.choice([5, 10, 25])
            lines.append(
                {
                    "drugN": fullwidth(name),
                    "quantity": fullwidth(f"{qty}{unit}" if unit != "錠" else f"{qty}")
                    + ("錠" if unit == "錠" else ""),
                    "usageN": usage,
                    "times": str(times),
                    "kbn": kbn,
                }
            )
        dispensing = {
            "prescriber": PRESCRIBERS[dept],
            "pharmacy": rng.choice(PROVIDERS["調剤"]),
            "drugs": lines,
        }
        out.setdefault(str(day.year), {}).setdefault(jdate(day), []).append(dispensing)
    return out or None


# ------------------------------------------------------------------ お知らせ, 履歴, 申請
NOTICE_TEMPLATES = (
    (
        "デジタル庁",
        "システム",
        "マイナポータルのメンテナンスのお知らせ",
        "{d}の2時から6時まで、メンテナンスのため一部サービスを停止します。",
    ),
    (
        "架空区役所",
        "税",
        "住民税決定通知書の電子交付について",
        "{y}年度の住民税決定通知書を電子交付しました。わたしの情報からご確認ください。",
    ),
    (
        "国税庁",
        "税",
        "確定申告の準備はお済みですか",
        "医療費通知情報を使うと医療費控除の申告が簡単になります。",
    ),
    (
        "日本年金機構",
        "年金",
        "ねんきん定期便（電子版）のお知らせ",
        "ねんきん定期便を電子版でお届けしました。",
    ),
    (
        "架空区役所",
        "子育て",
        "児童手当の現況届について",
        "児童手当の受給を継続するための手続きをご確認ください。",
    ),
    (
        "架空区役所",
        "介護",
        "介護保険料の納付について",
        "{y}年度の介護保険料額決定通知をお送りしました。",
    ),
    (
        "架空商事健康保険組合",
        "医療",
        "特定健診の受診のご案内",
        "{y}年度の特定健康診査を受診しましょう。",
    ),
    (
        "デジタル庁",
        "システム",
        "電子証明書の有効期限について",
        "利用者証明用電子証明書の有効期限が近づいています。",
    ),
)


def notices(person: Person) -> list[dict[str, Any]]:
    rng = _rng(person, "notices")
    out = []
    count = 6 + rng.randint(0, 4)
    for i in range(count):
        sender, category, title, body = NOTICE_TEMPLATES[rng.randrange(len(NOTICE_TEMPLATES))]
        day = AS_OF - timedelta(days=rng.randint(0, 400))
        out.append(
            {
                "noticeId": f"N{person.id[:2].upper()}{i + 1:06d}",
                "date": day.isoformat(),
                "sender": sender,
                "category": category,
                "title": title,
                "body": body.format(d=jdate(day + timedelta(days=7)), y=day.year),
                "read": i % 3 == 0,
            }
        )
    out.sort(key=lambda n: (n["date"], n["noticeId"]), reverse=True)
    return out


HISTORY_TEMPLATES = (
    ("架空区役所", "日本年金機構", "地方税関係情報", "国民年金保険料の免除審査"),
    ("日本年金機構", "架空区役所", "住民票関係情報", "年金給付の支給"),
    ("架空商事健康保険組合", "架空区役所", "地方税関係情報", "被扶養者の認定"),
    ("架空区役所", "東京都", "医療保険給付関係情報", "子ども医療費助成"),
    ("厚生労働省", "架空区役所", "住民票関係情報", "雇用保険の給付"),
    ("架空区役所", "架空商事健康保険組合", "医療保険資格関係情報", "児童手当の認定"),
)


def history(person: Person) -> list[dict[str, Any]]:
    rng = _rng(person, "history")
    out = []
    for _ in range(8 + rng.randint(0, 8)):
        requester, provider, item, purpose = HISTORY_TEMPLATES[
            rng.randrange(len(HISTORY_TEMPLATES))
        ]
        day = AS_OF - timedelta(days=rng.randint(0, 700))
        out.append(
            {
                "date": day.isoformat(),
                "requester": requester,
                "provider": provider,
                "item": item,
                "purpose": purpose,
            }
        )
    out.sort(key=lambda h: (h["date"], h["requester"], h["purpose"]), reverse=True)
    return out


APPLICATION_STATUS = ("受付済", "審査中", "完了", "差戻し")


def applications(person: Person, procedure_ids: list[str]) -> list[dict[str, Any]]:
    rng = _rng(person, "applications")
    out: list[dict[str, Any]] = []
    if not procedure_ids:
        return out
    for i in range(rng.randint(1, 3) if person.role != "child" else 0):
        submitted = AS_OF - timedelta(days=rng.randint(5, 300))
        status = APPLICATION_STATUS[rng.randrange(len(APPLICATION_STATUS))]
        updated = submitted + timedelta(days=0 if status == "受付済" else rng.randint(1, 20))
        pid = procedure_ids[rng.randrange(len(procedure_ids))]
        out.append(
            {
                "applicationId": f"A{person.id[:2].upper()}{submitted:%Y%m%d}{i:02d}",
                "procedureId": pid,
                "submitted": submitted.isoformat(),
                "status": status,
                "updated": min(updated, AS_OF).isoformat(),
            }
        )
    return out


def _sample_data_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[3] / "sample_data"


@lru_cache(maxsize=1)
def _teg_files() -> tuple[tuple[str, bytes], ...]:
    """Every signed TEG XML (控除証明書) of the sample household, as (file name, bytes)."""
    root = _sample_data_dir()
    if not root.is_dir():
        return ()
    out = []
    for path in sorted(root.rglob("*.xml")):
        data = path.read_bytes()
        if b"TEG8" in data[:4000] or b"TEG8" in path.name.encode():
            out.append((path.relative_to(root).as_posix(), data))
    return tuple(out)


def deduction_documents(person: Person) -> list[dict[str, Any]]:
    """控除証明書 XML held for ``person`` by 民間送達 services: the signed TEG samples in
    ``sample_data/`` whose recipient is this person (matched by 氏名 or カナ in the document)."""
    import re

    out = []
    names = {
        person.name,
        person.name.replace("\u3000", ""),
        person.kana,
        person.kana.replace("\u3000", ""),
    }
    for name, data in _teg_files():
        text = data.decode("utf-8", "replace")
        if not any(n and n in text for n in names):
            continue
        form = re.search(r"TEG8\d\d", text)
        year = re.search(r"<(?:\w+:)?(?:NENBUN|nenbun|年分|YEAR)[^>]*>\s*(\d{4})", text)
        out.append(
            {
                "documentId": "D" + hashlib.sha256(name.encode()).hexdigest()[:16],
                "fileName": name.rsplit("/", 1)[-1],
                "form": form.group(0) if form else "",
                "year": int(year.group(1)) if year else None,
                "content": data,
            }
        )
    return out


# --------------------------------------------------- the sample generator's data, when present
# The sample generator (mynalib.samples) writes the household's CSV/XML files; when it offers the
# same facts as functions, the sandbox serves exactly those, so portal and files agree.
from ... import samples as _samples  # noqa: E402

_CODED = {"1": "－", "2": "±", "3": "＋"}


@lru_cache(maxsize=1)
def _claims() -> tuple[dict[str, Any], ...]:
    return tuple(_samples.household_claims())


@lru_cache(maxsize=1)
def _dispensings() -> tuple[dict[str, Any], ...]:
    return tuple(_samples.household_dispensings())


@lru_cache(maxsize=1)
def _checkups() -> tuple[dict[str, Any], ...]:
    return tuple(_samples.household_checkups())


@lru_cache(maxsize=1)
def _pension() -> tuple[dict[str, Any], ...]:
    return tuple(_samples.pension_history())


def _medical_from_samples(person: Person) -> list[Field] | None:
    rows = _Rows()
    for c in _claims():
        if c["person_id"] != person.id:
            continue
        rows.record(
            "IR0000",
            "医療費通知",
            [
                ("IR0001", "診療年月", jp_month(c["year"], c["month"])),
                ("IR0002", "医療機関等名称", c["provider"]),
                ("IR0003", "診療区分", c["category"]),
                ("IR0004", "日数", str(c["days"])),
                ("IR0005", "医療費の総額", str(c["total_cost"])),
                ("IR0006", "保険者負担額", str(c["insurer_paid"])),
                ("IR0007", "公費負担額", str(c["public_paid"])),
                ("IR0008", "窓口相当負担額", str(c["patient_share"])),
                ("IR0009", "保険者名", c["insurer_name"]),
            ],
        )
    return rows.rows or None


def _drugs_from_samples(person: Person) -> dict[str, Any] | None:
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for d in _dispensings():
        if d["person_id"] != person.id:
            continue
        day: date = d["date"]
        out.setdefault(str(day.year), {}).setdefault(jdate(day), []).append(
            {
                "prescriber": d["prescriber"],
                "pharmacy": d["pharmacy"],
                "drugs": [
                    {
                        "drugN": line["drug"],
                        "quantity": line["quantity"],
                        "usageN": line["usage"],
                        "times": str(line["days"]),
                        "kbn": line["route"],
                    }
                    for line in d["drugs"]
                ],
            }
        )
    return out or None


def _checkups_from_samples(person: Person) -> list[Field] | None:
    rows = _Rows()
    for c in _checkups():
        if c["person_id"] != person.id:
            continue
        subs: list[list[tuple[str, str, str]]] = []
        for it in c["items"]:
            value = (
                it["value"] if it.get("value") is not None else _CODED.get(str(it.get("coded")), "")
            )
            sub = [(it["code"], it["item"], value)]
            if it.get("unit"):
                sub.append(("UNIT", "単位", it["unit"]))
            subs.append(sub)
        rows.record(
            "KS0000",
            "特定健康診査",
            [
                ("KS0001", "実施年月日", jdate(c["date"])),
                ("KS0002", "実施機関", c["institution"]),
                ("KS0004", "実施機関番号", c.get("institution_no", "")),
            ],
            subs,
        )
    return rows.rows or None


def _pension_from_samples(person: Person) -> list[Field] | None:
    rows = _Rows()
    for pp in _pension():
        if pp["person_id"] != person.id:
            continue
        scheme = pp["scheme"] + (f"（{pp['category']}）" if pp.get("category") else "")
        rows.record(
            "NK0000",
            "加入期間",
            [
                ("NK0001", "制度", scheme),
                ("NK0002", "事業所名称", pp.get("employer") or ""),
                ("NK0003", "資格取得年月日", wareki(pp["start"])),
                ("NK0004", "資格喪失年月日", wareki(pp["end"]) if pp.get("end") else ""),
                ("NK0005", "加入月数", str(pp["months"])),
                ("NK0006", "標準報酬月額", str(pp["monthly_remuneration"] or "")),
                ("NK0007", "納付状況", pp["status"]),
            ],
        )
    return rows.rows or None


@lru_cache(maxsize=1)
def _generated_files() -> dict[str, bytes]:
    return dict(_samples.sample_files())


def _deductions_from_samples(person: Person) -> list[dict[str, Any]]:
    out = []
    root = _sample_data_dir()
    for cert in _samples.household_certificates():
        if cert["person_id"] != person.id:
            continue
        path = root / cert["file"]
        content = path.read_bytes() if path.is_file() else _generated_files().get(cert["file"])
        if content is None:
            continue
        out.append(
            {
                "documentId": "D" + hashlib.sha256(cert["file"].encode()).hexdigest()[:16],
                "fileName": cert["file"].rsplit("/", 1)[-1],
                "form": cert["form"],
                "year": cert["year"],
                "issuer": cert.get("issuer"),
                "content": content,
            }
        )
    return out


if hasattr(_samples, "household_claims"):
    medical = _medical_from_samples
if hasattr(_samples, "household_dispensings"):
    drugs = _drugs_from_samples
if hasattr(_samples, "household_checkups"):
    checkups = _checkups_from_samples
if hasattr(_samples, "pension_history"):
    pension = _pension_from_samples
if hasattr(_samples, "household_certificates"):
    deduction_documents = _deductions_from_samples
