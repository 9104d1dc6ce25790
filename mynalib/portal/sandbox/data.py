"""Synthetic data the sandbox serves for the sample household (deterministic, no real person).

Everything is derived from :data:`mynalib.samples.HOUSEHOLD`: medical claims, dispensings,
checkups, pension periods and deduction certificates come from the sample generator
(:mod:`mynalib.samples`), so the portal and the sample files describe the same household; the rest
uses a seeded ``random.Random`` per person, so two sandboxes (or two runs) serve byte-identical
documents.

The shapes are those of ``PROTOCOL.md``: わたしの情報 items are lists of
``{hierarchy, code, name, content}``; 薬剤情報 nests by year and date.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from ... import samples as _samples
from ...jp.fmt import jp_date, jp_month
from ...jp.fmt import wareki as _jp_wareki
from ...samples.household import COVERAGES, HOUSEHOLD, KENPO, KOKI, KOKUHO, Person

#: the sandbox's data is "as of" this day (fixed, so documents never change between runs)
AS_OF = date(2026, 11, 1)

KENPO_NO, KOKUHO_NO, KOKI_NO = KENPO[0], KOKUHO[0], KOKI[0]

#: 代理人 relationships: principal id → ids of the members registered as their 代理人
PROXIES: dict[str, tuple[str, ...]] = {"ume": ("taro",)}

Field = dict[str, str]


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


# --------------------------------------------------------------------------------- 税・所得
#: per member and 年分: the 所得 by kind (所得の種類, 収入金額, 所得金額), the 住民税's 課税標準
#: (総所得金額等 less the 所得控除) and 課税区分. The 所得割額 follow from the 課税標準 at the
#: standard rates (市区町村民税 6%, 道府県民税 4%) less the 調整控除 (1,500円 / 1,000円).
TAX_YEARS: dict[str, dict[int, tuple[tuple[tuple[str, int, int], ...], int, str]]] = {
    "taro": {
        2023: ((("給与", 6_800_000, 4_960_000),), 3_050_000, "課税"),
        2024: ((("給与", 6_984_000, 5_102_000),), 3_180_000, "課税"),
        2025: ((("給与", 7_200_000, 5_260_000),), 3_335_000, "課税"),
    },
    # hanako: part-time 給与 until March 2023, freelance (事業, 青色申告) from April 2023
    "hanako": {
        2023: ((("給与", 400_000, 0), ("事業（営業等）", 1_600_000, 510_000)), 0, "均等割のみ課税"),
        2024: ((("事業（営業等）", 2_400_000, 1_150_000),), 340_000, "課税"),
        2025: ((("事業（営業等）", 2_800_000, 1_380_000),), 550_000, "課税"),
    },
    "ume": {
        2023: ((("公的年金等", 1_548_000, 448_000),), 0, "非課税"),
        2024: ((("公的年金等", 1_554_000, 454_000),), 0, "均等割のみ課税"),
        2025: (
            (("公的年金等", 1_560_000, 460_000), ("雑（その他）", 40_000, 40_000)),
            0,
            "均等割のみ課税",
        ),
    },
}


def resident_levies(base: int) -> tuple[int, int]:
    """(市区町村民税, 道府県民税) 所得割額 on a 課税標準: 6% and 4%, less the 調整控除 (at least
    2,500円 split 1,500 : 1,000), never below 0, in 100円."""
    municipal = max(0, base * 6 // 100 - 1_500) // 100 * 100 if base else 0
    prefectural = max(0, base * 4 // 100 - 1_000) // 100 * 100 if base else 0
    return municipal, prefectural


def tax(person: Person) -> list[Field] | None:
    years = TAX_YEARS.get(person.id)
    if not years:
        return None
    rows = _Rows()
    for year, (kinds, base, status) in sorted(years.items()):
        municipal, prefectural = resident_levies(base)
        rows.record(
            "ZE0000",
            f"{year}年分 所得・課税情報",
            [
                ("ZE0001", "年分", str(year)),
                ("ZE0008", "総所得金額等", str(sum(income for _, _, income in kinds))),
                ("ZE0009", "課税標準額", str(base)),
                ("ZE0005", "市区町村民税所得割額", str(municipal)),
                ("ZE0007", "道府県民税所得割額", str(prefectural)),
                ("ZE0006", "課税区分", status),
            ],
            [
                [
                    ("ZE0002", "所得の種類", kind),
                    ("ZE0003", "収入金額", str(revenue)),
                    ("ZE0004", "所得金額", str(income)),
                ]
                for kind, revenue, income in kinds
            ],
        )
    return rows.rows


# ------------------------------------------------------------------------------- 世帯情報
RELATION = {"taro": "世帯主", "hanako": "妻", "sora": "子", "ume": "母"}
SEX = {"1": "男", "2": "女"}


def household(person: Person) -> list[Field] | None:
    rows = _Rows()
    for member in HOUSEHOLD:
        rows.record(
            "SE0000",
            "世帯員",
            [
                ("SE0001", "氏名", member.name),
                ("SE0002", "続柄", RELATION.get(member.id, "その他")),
                ("SE0003", "生年月日", wareki(member.birth)),
                ("SE0004", "住所", member.address),
                ("SE0005", "性別", SEX.get(member.sex, "")),
            ],
        )
    return rows.rows


# ------------------------------------------------------------------------------- 子育て
def childcare(person: Person) -> list[Field] | None:
    """児童手当: the 受給者 (taro) sees it; 第1子, 3歳以上 高校生年代まで 月額 10,000円 (from the
    2024年10月 reform the 支給 runs to the 3月31日 after the 18th birthday)."""
    if person.id != "taro":
        return None
    child = next(p for p in HOUSEHOLD if p.role == "child")
    eighteen = date(child.birth.year + 18, child.birth.month, child.birth.day)
    last_march = date(eighteen.year + (eighteen.month > 3), 3, 31)
    first = (child.birth.replace(day=1) + timedelta(days=31)).replace(day=1)  # the next month
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
            ("KO0006", "支給開始年月", jp_month(first.year, first.month)),
            ("KO0007", "支給終了予定年月", jp_month(last_march.year, last_march.month)),
        ],
    )
    return rows.rows


# ------------------------------------------------------------------------------- 介護・福祉
def care(person: Person) -> list[Field] | None:
    """介護保険: ume (第1号被保険者, 要支援1). taro and hanako are 第2号 (40〜64歳) without a
    認定: nothing on record, as for sora."""
    if person.id != "ume":
        return None
    rows = _Rows()
    rows.record(
        "KA0000",
        "介護保険",
        [
            ("KA0001", "被保険者番号", "0000123456"),
            ("KA0007", "認定状況", "認定済"),
            ("KA0006", "認定年月日", wareki(date(2025, 9, 24))),
            ("KA0002", "要介護状態区分", "要支援１"),
            ("KA0003", "認定有効期間（開始）", wareki(date(2025, 10, 1))),
            ("KA0004", "認定有効期間（終了）", wareki(date(2027, 9, 30))),
            ("KA0005", "負担割合", "1割"),
            ("KA0008", "介護保険料（年額）", "74400"),
            ("KA0009", "保険料段階", "第4段階"),
            ("KA0010", "徴収方法", "特別徴収（年金から天引き）"),
        ],
    )
    return rows.rows


# ------------------------------------------------------------------------------- 雇用保険
#: the 雇用保険 被保険者 periods, as the pension record's 厚生年金 employers say (離職: the last day)
EMPLOYMENT: dict[str, tuple[tuple[str, str, date, date | None, str], ...]] = {
    "taro": (
        (
            "見本電機株式会社",
            "5011-203344-1",
            date(1993, 4, 1),
            date(2003, 9, 30),
            "自己都合による離職",
        ),
        ("見本商事株式会社", "5011-203344-1", date(2005, 4, 1), None, ""),
    ),
    "hanako": (
        (
            "架空旅行株式会社",
            "5012-118907-6",
            date(1996, 4, 1),
            date(2001, 6, 30),
            "自己都合による離職",
        ),
        (
            "見本マート株式会社",
            "5012-118907-6",
            date(2018, 4, 1),
            date(2020, 3, 31),
            "契約期間満了による離職",
        ),
    ),
}


def employment(person: Person) -> list[Field] | None:
    periods = EMPLOYMENT.get(person.id)
    if not periods:
        return None
    rows = _Rows()
    for employer, number, start, left, reason in periods:
        rows.record(
            "KY0000",
            "雇用保険",
            [
                ("KY0004", "被保険者番号", number),
                ("KY0001", "事業所名称", employer),
                ("KY0002", "資格取得年月日", wareki(start)),
                ("KY0003", "被保険者区分", "一般"),
                ("KY0005", "離職年月日", wareki(left) if left else ""),
                ("KY0006", "喪失原因", reason),
            ],
        )
    return rows.rows


# ------------------------------------------------------------------- 健康保険証（資格情報）
#: the household's health insurance enrolments (:data:`~mynalib.samples.household.COVERAGES`)
#: with the facts the 資格情報 adds: (person id, insurer number, 本人/家族, 資格取得,
#: 資格喪失 or None, 一部負担金の割合)
QUALIFICATIONS: tuple[tuple[str, str, str, date, date | None, str], ...] = (
    ("taro", KENPO_NO, "本人", date(2005, 4, 1), None, "3割"),
    ("hanako", KENPO_NO, "家族", date(2020, 4, 1), date(2023, 4, 1), "3割"),
    ("hanako", KOKUHO_NO, "本人", date(2023, 4, 1), None, "3割"),
    ("sora", KENPO_NO, "家族", date(2012, 6, 20), None, "3割"),
    ("ume", KOKI_NO, "本人", date(2018, 1, 15), None, "1割"),
)


def insurance_card(person: Person) -> list[Field] | None:
    rows = _Rows()
    for who, insurer_no, relation, start, end, share in QUALIFICATIONS:
        if who != person.id:
            continue
        cover = next(c for c in COVERAGES if c.person_id == who and c.insurer_no == insurer_no)
        rows.record(
            "HK0000",
            "資格情報",
            [
                ("HK0001", "保険者名称", cover.insurer_name),
                ("HK0002", "保険者番号", cover.insurer_no),
                ("HK0003", "記号", cover.symbol),
                ("HK0004", "番号", cover.number),
                ("HK0005", "枝番", cover.branch),
                ("HK0006", "本人・家族の別", relation),
                ("HK0007", "資格取得年月日", wareki(start)),
                ("HK0008", "資格喪失年月日", wareki(end) if end else ""),
                ("HK0009", "一部負担金の割合", share),
            ],
        )
    return rows.rows or None


# --------------------------------------------------------------------------------- 予防接種
#: (person id, ワクチン, 回数, 接種日, 区分 定期/任意/臨時, 実施機関); sora's follow the routine
#: schedule of a child born in June 2012 (Hib and 小児用肺炎球菌 were 任意 until April 2013, 水痘
#: until October 2014)
VACCINATIONS: tuple[tuple[str, str, str, date, str, str], ...] = (
    ("sora", "Hib（ヒブ）", "1回目", date(2012, 8, 20), "任意", "見本こどもクリニック"),
    ("sora", "小児用肺炎球菌", "1回目", date(2012, 8, 20), "任意", "見本こどもクリニック"),
    ("sora", "Hib（ヒブ）", "2回目", date(2012, 9, 24), "任意", "見本こどもクリニック"),
    ("sora", "小児用肺炎球菌", "2回目", date(2012, 9, 24), "任意", "見本こどもクリニック"),
    ("sora", "Hib（ヒブ）", "3回目", date(2012, 10, 22), "任意", "見本こどもクリニック"),
    ("sora", "小児用肺炎球菌", "3回目", date(2012, 10, 22), "任意", "見本こどもクリニック"),
    ("sora", "四種混合（DPT-IPV）", "1期1回目", date(2012, 11, 19), "定期", "見本こどもクリニック"),
    ("sora", "BCG", "1回目", date(2012, 12, 3), "定期", "架空区保健センター"),
    ("sora", "四種混合（DPT-IPV）", "1期2回目", date(2012, 12, 17), "定期", "見本こどもクリニック"),
    ("sora", "四種混合（DPT-IPV）", "1期3回目", date(2013, 1, 21), "定期", "見本こどもクリニック"),
    ("sora", "麻しん風しん混合（MR）", "1期", date(2013, 6, 24), "定期", "見本こどもクリニック"),
    ("sora", "水痘", "1回目", date(2013, 7, 8), "任意", "見本こどもクリニック"),
    ("sora", "Hib（ヒブ）", "追加", date(2013, 7, 22), "定期", "見本こどもクリニック"),
    ("sora", "小児用肺炎球菌", "追加", date(2013, 7, 22), "定期", "見本こどもクリニック"),
    ("sora", "四種混合（DPT-IPV）", "1期追加", date(2014, 1, 20), "定期", "見本こどもクリニック"),
    ("sora", "水痘", "2回目", date(2014, 11, 10), "定期", "見本こどもクリニック"),
    ("sora", "日本脳炎", "1期1回目", date(2015, 7, 6), "定期", "見本こどもクリニック"),
    ("sora", "日本脳炎", "1期2回目", date(2015, 8, 3), "定期", "見本こどもクリニック"),
    ("sora", "日本脳炎", "1期追加", date(2016, 7, 11), "定期", "見本こどもクリニック"),
    ("sora", "麻しん風しん混合（MR）", "2期", date(2018, 5, 14), "定期", "見本こどもクリニック"),
    ("sora", "日本脳炎", "2期", date(2021, 7, 12), "定期", "見本こどもクリニック"),
    ("sora", "二種混合（DT）", "2期", date(2023, 7, 10), "定期", "見本こどもクリニック"),
    (
        "sora",
        "ヒトパピローマウイルス（HPV）",
        "1回目",
        date(2025, 6, 2),
        "定期",
        "見本レディースクリニック",
    ),
    (
        "sora",
        "ヒトパピローマウイルス（HPV）",
        "2回目",
        date(2025, 8, 4),
        "定期",
        "見本レディースクリニック",
    ),
    ("sora", "インフルエンザ", "1回目", date(2025, 11, 8), "任意", "見本こどもクリニック"),
    # taro: born 1970, a man of the 風しん 第5期 (born 1962-04-02 … 1979-04-01)
    ("taro", "新型コロナウイルス", "1回目", date(2021, 7, 12), "臨時", "架空区集団接種会場"),
    ("taro", "新型コロナウイルス", "2回目", date(2021, 8, 2), "臨時", "架空区集団接種会場"),
    ("taro", "新型コロナウイルス", "3回目", date(2022, 2, 14), "臨時", "架空区集団接種会場"),
    (
        "taro",
        "麻しん風しん混合（MR）",
        "風しん第5期",
        date(2020, 2, 10),
        "定期",
        "見本内科クリニック",
    ),
    ("taro", "インフルエンザ", "1回目", date(2025, 11, 15), "任意", "見本内科クリニック"),
    ("hanako", "新型コロナウイルス", "1回目", date(2021, 8, 9), "臨時", "架空区集団接種会場"),
    ("hanako", "新型コロナウイルス", "2回目", date(2021, 8, 30), "臨時", "架空区集団接種会場"),
    ("hanako", "インフルエンザ", "1回目", date(2025, 11, 12), "任意", "見本内科クリニック"),
    # ume: the B類 定期接種 of the elderly (インフルエンザ each autumn, 新型コロナ from 2024)
    ("ume", "肺炎球菌（高齢者・PPSV23）", "1回目", date(2016, 11, 7), "任意", "見本内科クリニック"),
    ("ume", "インフルエンザ（高齢者）", "1回目", date(2024, 10, 21), "定期", "見本内科クリニック"),
    (
        "ume",
        "新型コロナウイルス（高齢者）",
        "1回目",
        date(2024, 10, 28),
        "定期",
        "見本内科クリニック",
    ),
    ("ume", "インフルエンザ（高齢者）", "1回目", date(2025, 10, 20), "定期", "見本内科クリニック"),
)


def vaccinations(person: Person) -> list[Field] | None:
    rows = _Rows()
    for who, vaccine, dose, day, kind, place in sorted(VACCINATIONS, key=lambda v: v[3]):
        if who != person.id or day > AS_OF:
            continue
        rows.record(
            "YS0000",
            "予防接種",
            [
                ("YS0001", "予防接種の種類", vaccine),
                ("YS0002", "接種回数", dose),
                ("YS0003", "接種年月日", wareki(day)),
                ("YS0004", "接種区分", kind),
                ("YS0005", "実施機関", place),
            ],
        )
    return rows.rows or None


# ------------------------------------------------------------------------------- 公金受取口座
#: (金融機関, 支店, 預金種目, 口座番号, 登録年月日); sora has none registered
BANK_ACCOUNTS: dict[str, tuple[str, str, str, str, date]] = {
    "taro": ("見本銀行", "架空支店", "普通", "1234567", date(2022, 3, 28)),
    "hanako": ("みほん信用金庫", "本店営業部", "普通", "7654302", date(2022, 10, 11)),
    "ume": ("ゆうちょ銀行", "〇一八店", "普通", "2468041", date(2023, 1, 16)),
}


def masked_account(number: str, keep: int = 3) -> str:
    """The account number as the portal shows it: ``****567``."""
    return "*" * (len(number) - keep) + number[-keep:]


def bank_account(person: Person) -> list[Field] | None:
    rows = _Rows()
    account = BANK_ACCOUNTS.get(person.id)
    if account is None:
        rows.record("KK0000", "公金受取口座", [("KK0001", "登録状況", "未登録")])
        return rows.rows
    bank, branch, kind, number, registered = account
    rows.record(
        "KK0000",
        "公金受取口座",
        [
            ("KK0001", "登録状況", "登録済"),
            ("KK0002", "金融機関名", bank),
            ("KK0003", "支店名", branch),
            ("KK0004", "預金種目", kind),
            ("KK0005", "口座番号", masked_account(number)),
            ("KK0006", "口座名義（カナ）", person.kana),
            ("KK0007", "登録年月日", wareki(registered)),
        ],
    )
    return rows.rows


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


# ---------------------------------------------------------- the sample generator's data
# The sample generator (mynalib.samples) writes the household's CSV/XML files; the sandbox serves
# exactly the same facts (claims, dispensings, checkups, pension periods, certificates), so the
# portal and the files agree.
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


def medical(person: Person) -> list[Field] | None:
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


def drugs(person: Person) -> dict[str, Any] | None:
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


def checkups(person: Person) -> list[Field] | None:
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


def pension(person: Person) -> list[Field] | None:
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


def deduction_documents(person: Person) -> list[dict[str, Any]]:
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


#: document kind of each わたしの情報 item → its data for a person (None: nothing on record), in
#: the item's answer shape (``protocol.Item.answer``: "results" rows, or "drugInfo")
ITEM_DATA: dict[str, Callable[[Person], Any]] = {
    "portal_pension": pension,
    "portal_tax": tax,
    "portal_household": household,
    "portal_childcare": childcare,
    "portal_care": care,
    "portal_employment": employment,
    "portal_insurance_card": insurance_card,
    "portal_vaccinations": vaccinations,
    "portal_bank_account": bank_account,
    "portal_medical": medical,
    "portal_checkups": checkups,
    "portal_drugs": drugs,
}
