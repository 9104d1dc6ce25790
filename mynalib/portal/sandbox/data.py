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
from ...samples.household import HOUSEHOLD, Person

#: the sandbox's data is "as of" this day (fixed, so documents never change between runs)
AS_OF = date(2026, 11, 1)

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


# ---------------------------------------------------------------------------------- 年金記録
EMPLOYER = {"taro": "架空商事株式会社", "hanako": "見本印刷株式会社", "ume": "見本紡績株式会社"}


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
    "portal_medical": medical,
    "portal_checkups": checkups,
    "portal_drugs": drugs,
}
