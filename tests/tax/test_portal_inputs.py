"""The portal's own data in the tax summary: 税・所得 and 世帯情報 fill what the settings leave out,
each figure saying where it came from; the settings always win.

The documents are what `myna fetch` stores: the final わたしの情報 answer of the sandbox (the
sample household's fictional figures: 見本　太郎, 2025年分 所得金額 5,260,000円, 課税標準額
3,335,000円, 市区町村民税所得割額 198,600円 and 道府県民税所得割額 132,400円). An older answer with
only the 市区町村民税 part is read too (× 10/6, said so).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from mynalib.cli import main
from mynalib.document import Document
from mynalib.portal import protocol
from mynalib.portal.sandbox import data as sandbox
from mynalib.samples.household import person as member
from mynalib.tax import household_summary, settings_from_dict
from mynalib.tax.portal import income_from_records, read_vault_inputs, vault_inputs

from .factories import HANAKO, SORA, TARO, UME, cert, deductions

WHEN = datetime(2026, 11, 1, tzinfo=timezone.utc)


def answer(kind: str, who: str, rows: list[dict[str, str]] | None = None) -> Document:
    """A stored わたしの情報 answer, as the sandbox serves it."""
    item = next(i for i in protocol.ITEMS if i.kind == kind)
    p = member(who)
    results = rows if rows is not None else sandbox.ITEM_DATA[kind](p)
    body = {
        "resultCode": "0000",
        "resBody": {
            "items": [
                {
                    "itemId": item.item_id,
                    "itemName": item.name,
                    "status": "03",
                    "subject": sandbox.subject(p),
                    "asOf": "2026-11-01",
                    "results": results,
                }
            ]
        },
        "errors": [],
    }
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Document(data, kind, source="portal", person=p.name, fetched_at=WHEN, id=1)


def portal_documents() -> list[Document]:
    return [answer("portal_tax", "taro"), answer("portal_household", "taro")]


def test_income_and_household_from_the_portal() -> None:
    found = vault_inputs(portal_documents(), 2025)
    income = found.total_income[TARO]
    assert (income.value, income.source) == (5_260_000, "マイナポータル（税・所得、2025年分）")
    levy = found.resident_levy[TARO]
    # both parts are given: 市区町村民税 198,600 + 道府県民税 132,400
    assert levy.value == 331_000
    assert "198,600円" in levy.note and "132,400円" in levy.note and "10/6" not in levy.note
    assert [m.name for m in found.members] == [TARO, HANAKO, SORA, UME]
    assert found.births[SORA] == (date(2012, 6, 20), "マイナポータル（世帯情報）")
    earlier = vault_inputs(portal_documents(), 2024)
    assert earlier.total_income[TARO].value == 5_102_000
    assert earlier.resident_levy[TARO].value == 189_300 + 126_200
    assert vault_inputs(portal_documents(), 2023).total_income[TARO].value == 4_960_000
    assert not vault_inputs(portal_documents(), 2022).total_income


def older_tax_answer(municipal: dict[str, int]) -> Document:
    """The older 税・所得 shape: one kind as plain fields, only the 市区町村民税 所得割額."""
    rows: list[dict[str, str]] = []
    for n, (year, levy) in enumerate(municipal.items(), start=1):
        fields = [
            ("ZE0001", "年分", year),
            ("ZE0002", "所得の種類", "給与"),
            ("ZE0003", "収入金額", "7200000"),
            ("ZE0004", "所得金額", "5260000"),
            ("ZE0005", "市区町村民税所得割額", str(levy)),
            ("ZE0006", "課税区分", "課税"),
        ]
        rows.append({"hierarchy": str(n), "code": "ZE0000", "name": "", "content": ""})
        rows += [
            {"hierarchy": f"{n}.{j}", "code": c, "name": name, "content": content}
            for j, (c, name, content) in enumerate(fields, start=1)
        ]
    return answer("portal_tax", "taro", rows)


def test_an_answer_with_only_the_municipal_part_is_derived_and_says_so() -> None:
    docs = [
        older_tax_answer({"2025": 315_600, "2024": 306_100}),
        answer("portal_household", "taro"),
    ]
    levy = vault_inputs(docs, 2025).resident_levy[TARO]
    # the field is the 市区町村民税 part (6% of the 10%): the whole 所得割額 is 315,600 × 10/6
    assert levy.value == 526_000 and "315,600円" in levy.note and "10/6" in levy.note
    # 2024年分: 306,100 → 510,166 (1円未満切捨て)
    assert vault_inputs(docs, 2024).resident_levy[TARO].value == 510_166


@pytest.mark.parametrize(
    ("fields", "levy"),
    [
        ({"市区町村民税所得割額": "300000", "道府県民税所得割額": "200000"}, 500_000),
        ({"市町村民税所得割額": "60,000", "都民税所得割額": "40,000"}, 100_000),
        ({"所得割額": "123,400"}, 123_400),  # the whole 所得割額: taken as it is
        ({"市区町村民税所得割額": "6000"}, 10_000),
        ({"年分": "令和7年分", "所得割額": "1000"}, 1_000),  # an era year names the same 年分
    ],
)
def test_each_levy_field_is_read_for_what_it_is(fields: dict[str, str], levy: int) -> None:
    record = {"fields": {"年分": "2025", "所得金額": "1,000,000", **fields}}
    total, found = income_from_records([record], 2025)
    assert total is not None and total.value == 1_000_000
    assert found is not None and found.value == levy


def test_the_summary_uses_the_portal_when_the_settings_are_silent() -> None:
    ded = deductions(
        cert("donation", 50_000, form="TEG830", detail={"furusato": True, "recipient": "見本市"})
    )
    found = vault_inputs(portal_documents(), 2025)
    hs = household_summary(
        2025, deductions=ded, settings=settings_from_dict({"filer": TARO}), vault_inputs=found
    )
    taro = hs.people[0]
    assert taro.inputs.total_income == 5_260_000
    assert taro.inputs.source_of("total_income") == "マイナポータル（税・所得、2025年分）"
    text = hs.explain()
    assert "総所得金額等 5,260,000円（マイナポータル（税・所得、2025年分）" in text
    assert "未入力" not in text
    donation = next(r for r in taro.results if r.key == "donation")
    assert donation.details["resident_levy"] == 331_000
    assert any("198,600円" in s.formula for s in donation.steps)
    older = vault_inputs([older_tax_answer({"2025": 315_600})], 2025)
    hs_older = household_summary(
        2025, deductions=ded, settings=settings_from_dict({"filer": TARO}), vault_inputs=older
    )
    donation = next(r for r in hs_older.people[0].results if r.key == "donation")
    assert donation.details["resident_levy"] == 526_000
    assert any("10/6" in s.formula for s in donation.steps)
    assert hs.household == [TARO, HANAKO, SORA, UME]
    assert any("世帯情報" in w for w in hs.warnings)
    # the settings win, and say so
    mine = settings_from_dict({"filer": TARO, "total_income": 6_000_000, "resident_levy": 400_000})
    hs = household_summary(2025, deductions=ded, settings=mine, vault_inputs=found)
    taro = hs.people[0]
    assert (taro.inputs.total_income, taro.inputs.source_of("total_income")) == (6_000_000, "設定")
    assert next(r for r in taro.results if r.key == "donation").details["resident_levy"] == 400_000


def test_dependants_under_23_from_the_household() -> None:
    # 令和8年分: with a dependant under 23 the 新 一般 table is P/4 + 30,000 up to 120,000
    ded = deductions(cert("life_general", 100_000, regime="new", year=2026))
    found = vault_inputs(portal_documents(), 2026)
    hs = household_summary(
        2026, deductions=ded, settings=settings_from_dict({"filer": TARO}), vault_inputs=found
    )
    taro = hs.people[0]
    assert next(r for r in taro.results if r.key == "life_insurance").income_tax == 55_000
    assert "見本　そら を23歳未満の扶養親族とみなしました" in hs.explain()
    plain = household_summary(2026, deductions=ded, settings=settings_from_dict({"filer": TARO}))
    assert (
        next(r for r in plain.people[0].results if r.key == "life_insurance").income_tax == 40_000
    )


class FakeVault:
    """A vault after `myna fetch`: the frames, the stored documents and the catalogue."""

    def __init__(self) -> None:
        from mynalib.frames import empty

        self.empty = empty

    def frame(self, name: str, *, year: int | None = None, person: str | None = None) -> Any:
        from mynalib import frames

        if name == "deductions":
            return deductions(cert("life_general", 60_000, regime="new"))
        if frames.kinds_for(name) & {"portal_tax", "portal_household"}:
            return frames.build(name, portal_documents(), year=year, person=person)
        return self.empty(name)

    def documents(self, kind: Any = None, person: str | None = None) -> list[Document]:
        return [d for d in portal_documents() if kind is None or d.kind in kind]

    def catalogue(self, kind: Any = None, person: str | None = None) -> list[Any]:
        return []

    def close(self) -> None:
        pass


def test_cli_summary_reads_the_fetched_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    from mynalib.commands import tax as tax_commands

    monkeypatch.setattr(tax_commands, "_open_vault", lambda vault_dir: FakeVault())
    r = CliRunner().invoke(main, ["tax", "summary", "--year", "2025"])
    assert r.exit_code == 0, r.output
    assert "総所得金額等 5,260,000円（マイナポータル（税・所得、2025年分）" in r.output
    assert "総所得金額等が未入力" not in r.output
    found = read_vault_inputs(FakeVault(), 2025)
    assert found.total_income[TARO].value == 5_260_000


def test_a_vault_without_documents_gives_nothing() -> None:
    from mynalib import frames

    class Frames:
        def frame(self, name: str) -> pd.DataFrame:
            return frames.empty(name)

    assert not read_vault_inputs(Frames(), 2025)
    assert not read_vault_inputs(object(), 2025)
