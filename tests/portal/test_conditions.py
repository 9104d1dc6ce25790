"""条件を変更して取得: the year (税・所得) or the months (医療費, 薬剤) an item covers, in the
protocol, the sandbox, the client, the frames and `myna fetch --year/--from/--to`."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mynalib.card import open_card
from mynalib.document import Document
from mynalib.errors import RequestRefused
from mynalib.frames import build as build_frame
from mynalib.portal import protocol as P
from mynalib.portal.client import PortalClient
from mynalib.portal.sandbox import data as D
from mynalib.secrets import Pin

from .conftest import PortalCli, Sandbox, member_profile

TAX = "TM00000000000201"
MEDICAL = "TM00000000000701"


class Store:
    """A vault's put in memory: the same bytes twice are a duplicate."""

    def __init__(self) -> None:
        self.docs: list[Document] = []

    def __call__(self, doc: Document) -> bool:
        if any(d.data == doc.data for d in self.docs):
            return False
        self.docs.append(dataclasses.replace(doc, id=len(self.docs) + 1))
        return True


def _login(sandbox: Sandbox) -> PortalClient:
    client = sandbox.client()
    with open_card("virtual", member_profile("taro")) as card:
        client.login(card, Pin("1234"))
    return client


def test_the_condition_check_names_the_field() -> None:
    tax, medical = P.ITEMS_BY_ID[TAX], P.ITEMS_BY_ID[MEDICAL]
    assert P.check_condition(tax, {"year": 2023}) == ({"year": 2023}, [])
    assert [f for f, _ in P.check_condition(tax, {"year": "2023"})[1]] == ["year"]
    assert [f for f, _ in P.check_condition(tax, {"year": True})[1]] == ["year"]
    assert [f for f, _ in P.check_condition(medical, {"year": 2023})[1]] == ["year"]
    assert [f for f, _ in P.check_condition(medical, {"from": "2025-13"})[1]] == ["from"]
    assert [f for f, _ in P.check_condition(medical, {"from": "2025-06", "to": "2025-01"})[1]] == [
        "to"
    ]
    assert P.FETCH_ALIASES["income"].item_id == TAX


def test_the_sandbox_answers_only_what_the_condition_asks(sandbox: Sandbox) -> None:
    client = _login(sandbox)
    res, _, _ = client.call_raw(
        "myinfo/request", {"itemIds": [TAX], "conditions": {TAX: {"year": 2024}}}
    )
    final = client.call("myinfo/get", {"requestId": res["requestId"]})["items"][0]
    assert final["condition"] == {"year": 2024} and final["status"] == "03"
    years = [r["content"] for r in final["results"] if r["code"] == "ZE0001"]
    assert years == ["2024"]
    # a year with nothing on record: 04, saying which year was asked
    res, _, _ = client.call_raw(
        "myinfo/request", {"itemIds": [TAX], "conditions": {TAX: {"year": 2019}}}
    )
    final = client.call("myinfo/get", {"requestId": res["requestId"]})["items"][0]
    assert final["status"] == "04" and final["condition"] == {"year": 2019}
    # a bad condition: 8000 with the field
    for body, field in (
        ({"itemIds": [TAX], "conditions": {TAX: {"year": "x"}}}, "year"),
        ({"itemIds": [MEDICAL], "conditions": {MEDICAL: {"year": 2023}}}, "year"),
        ({"itemIds": [MEDICAL], "conditions": {MEDICAL: {"from": "2025/01"}}}, "from"),
        ({"itemIds": [MEDICAL], "conditions": {TAX: {"year": 2023}}}, "conditions"),
    ):
        with pytest.raises(RequestRefused) as info:
            client.call("myinfo/request", body)
        assert [(e["errorCode"], e["field"]) for e in info.value.errors] == [
            (P.ERROR_CONDITION, field)
        ]
    client.close()


def test_fetching_a_year_twice_stores_nothing_new_and_the_newest_answer_per_year_wins(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _login(sandbox)
    store = Store()
    client.fetch(["income"], store=store)
    whole = build_frame("income", store.docs)
    assert list(whole["year"]) == [2023, 2024, 2025]
    report = client.fetch(["income"], store=store, condition={"year": 2023})
    assert report.stored == 1
    assert client.fetch(["income"], store=store, condition={"year": 2023}).stored == 0
    # the portal corrects 2023 (a 修正申告): asking for 2023 again replaces that year only
    taro = dict(D.TAX_YEARS["taro"])
    _kinds, base, status = taro[2023]
    taro[2023] = ((("給与", 6_900_000, 5_040_000),), base + 80_000, status)
    monkeypatch.setitem(D.TAX_YEARS, "taro", taro)
    assert client.fetch(["income"], store=store, condition={"year": 2023}).stored == 1
    frame = build_frame("income", store.docs)
    assert list(frame["year"]) == [2023, 2024, 2025]
    by_year = frame.set_index("year")
    assert by_year.loc[2023, "salary_income"] == 5_040_000
    assert by_year.loc[2024, "salary_income"] == whole.set_index("year").loc[2024, "salary_income"]
    # the item is still on record (a year asked for alone says nothing of the others)
    answers = build_frame("myinfo_answers", store.docs)
    assert list(answers["status"]) == ["03"]
    client.close()


def test_a_period_of_medical_and_drugs(sandbox: Sandbox) -> None:
    client = _login(sandbox)
    store = Store()
    report = client.fetch(
        ["medical", "drugs"], store=store, condition={"from": "2025-01", "to": "2025-06"}
    )
    assert report.stored == 2
    medical = build_frame("medical_expenses", [d for d in store.docs if d.kind == "portal_medical"])
    months = {str(m)[:7] for m in medical["month"]}
    assert months and all("2025-01" <= m <= "2025-06" for m in months)
    whole_store = Store()
    client.fetch(["medical"], store=whole_store)
    client.fetch(["medical"], store=whole_store, condition={"from": "2025-01", "to": "2025-06"})
    # the period laid over the whole answer: the same rows as the whole answer alone
    merged = build_frame("medical_expenses", whole_store.docs)
    alone = build_frame("medical_expenses", whole_store.docs[:1])
    assert len(merged) == len(alone)
    assert int(merged["patient_share"].sum()) == int(alone["patient_share"].sum())
    with pytest.raises(ValueError, match="takes the condition"):
        client.fetch(["notices"], store=store, condition={"year": 2023})
    with pytest.raises(ValueError, match="YYYY-MM"):
        client.fetch(["medical"], store=store, condition={"from": "2025-1"})
    client.close()


def test_myna_fetch_income_year(
    portal_cli: Callable[..., PortalCli],
) -> None:
    myna = portal_cli("--poll-delay", "0", "--pending-polls", "0")
    first = myna("fetch", "income", "--year", "2023", "--no-progress")
    assert first.returncode == 0, first.stderr
    assert "portal_tax: 1 new" in first.stdout
    again = myna("fetch", "income", "--year", "2023", "--no-progress")
    assert "0 new documents stored" in again.stdout
    table = json.loads(myna("table", "income", "--format", "json").stdout)
    assert [r["year"] for r in table] == [2023]
    other = myna("fetch", "income", "--year", "2025", "--no-progress")
    assert "portal_tax: 1 new" in other.stdout
    table = json.loads(myna("table", "income", "--format", "json").stdout)
    assert [r["year"] for r in table] == [2023, 2025]
    period = myna(
        "fetch", "medical", "drugs", "--from", "2025-01", "--to", "2025-03", "--no-progress"
    )
    assert period.returncode == 0, period.stderr
    wrong = myna("fetch", "notices", "--year", "2023")
    assert wrong.returncode == 2 and "takes the condition" in wrong.stderr
    bad = myna("fetch", "medical", "--from", "2025/01")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


#: golden answers asked with a condition: (kind, file, item, condition)
CONDITIONED_GOLDEN = (
    ("portal_tax", "sandbox-taro-year2023.json", TAX, {"year": 2023}),
    (
        "portal_medical",
        "sandbox-taro-2025-01_2025-03.json",
        MEDICAL,
        {"from": "2025-01", "to": "2025-03"},
    ),
)


@pytest.mark.parametrize(("kind", "name", "item_id", "condition"), CONDITIONED_GOLDEN)
def test_conditioned_golden_files_are_what_the_sandbox_serves(
    sandbox: Sandbox, kind: str, name: str, item_id: str, condition: dict[str, Any]
) -> None:
    """The bytes of an answer asked with a condition (tests/golden/<kind>/; their parse is
    checked by tests/portal/test_portal_json.py like every golden answer)."""
    client = _login(sandbox)
    res, _, _ = client.call_raw(
        "myinfo/request", {"itemIds": [item_id], "conditions": {item_id: condition}}
    )
    _, raw, _ = client.call_raw("myinfo/get", {"requestId": res["requestId"]})
    client.close()
    path = Path(__file__).resolve().parent.parent / "golden" / kind / name
    if os.environ.get("MYNA_UPDATE_GOLDEN") == "1":
        path.write_bytes(raw)
    assert path.read_bytes() == raw
    assert json.loads(raw)["resBody"]["items"][0]["condition"] == condition
