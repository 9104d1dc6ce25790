"""わたしの情報, all of it: 税・所得, 世帯, 子育て, 介護, 雇用保険, 健康保険証, 予防接種 and the
公金受取口座 from the sandbox's answers to their frames.

The golden inputs ``tests/golden/<kind>/sandbox-<member>.json`` are exactly what the sandbox
serves (checked here, through the client's request and poll); their parse results are the
``.expected.json`` beside them (``tests/portal/test_portal_json.py``). Regenerate both after an
intended change with ``MYNA_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from mynalib import frames
from mynalib.card import open_card
from mynalib.document import Document
from mynalib.portal import protocol as P
from mynalib.samples.household import HOUSEHOLD
from mynalib.samples.household import person as member
from mynalib.secrets import Pin
from mynalib.sources import portal_json as pj

from .conftest import Sandbox, member_profile

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

#: the new items' golden answers: (kind, member) — answers with records, 04 answers
#: (nothing on record) and the member without a 公金受取口座
SANDBOX_GOLDEN = (
    ("portal_tax", "taro"),
    ("portal_tax", "hanako"),
    ("portal_tax", "sora"),
    ("portal_household", "hanako"),
    ("portal_childcare", "taro"),
    ("portal_childcare", "hanako"),
    ("portal_care", "ume"),
    ("portal_care", "taro"),
    ("portal_employment", "hanako"),
    ("portal_employment", "sora"),
    ("portal_insurance_card", "hanako"),
    ("portal_insurance_card", "ume"),
    ("portal_vaccinations", "sora"),
    ("portal_vaccinations", "taro"),
    ("portal_bank_account", "taro"),
    ("portal_bank_account", "sora"),
)
NEW_KINDS = (
    "portal_tax",
    "portal_household",
    "portal_childcare",
    "portal_care",
    "portal_employment",
    "portal_insurance_card",
    "portal_vaccinations",
    "portal_bank_account",
)
#: the eight frames of わたしの情報 this round added (and the answers' own)
NEW_FRAMES = (
    "income",
    "household_members",
    "child_allowance",
    "care_insurance",
    "employment_insurance",
    "insurance_cards",
    "vaccinations",
    "bank_account",
)


def golden_path(kind: str, who: str) -> Path:
    return GOLDEN / kind / f"sandbox-{who}.json"


def _served(sandbox: Sandbox, who: str) -> dict[str, tuple[str, bytes]]:
    """kind → (status, the raw final answer) of every new item, as ``who`` fetches them."""
    client = sandbox.client()
    with open_card("virtual", member_profile(who)) as card:
        client.login(card, Pin("1234"))
    out = {}
    for kind in NEW_KINDS:
        status, _, raw = client.myinfo(P.ITEM_BY_KIND[kind].item_id)
        out[kind] = (status, raw)
    client.close()
    return out


@pytest.fixture(scope="module")
def served() -> dict[tuple[str, str], tuple[str, bytes]]:
    """What the sandbox serves every member for every new item."""
    from mynalib.portal.sandbox.app import SandboxConfig, create_app

    app = create_app(SandboxConfig(pending_polls=0, done_step=False))
    box = Sandbox(app, app.state.sandbox)
    out: dict[tuple[str, str], tuple[str, bytes]] = {}
    for p in HOUSEHOLD:
        for kind, answer in _served(box, p.id).items():
            out[(kind, p.id)] = answer
    return out


def _docs(served: dict[tuple[str, str], tuple[str, bytes]]) -> list[Document]:
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return [
        Document(
            raw, kind, "portal", member(who).name, fetched_at=start + timedelta(minutes=i), id=i
        )
        for i, ((kind, who), (_, raw)) in enumerate(sorted(served.items()), start=1)
    ]


# --------------------------------------------------------------------------- golden answers
@pytest.mark.parametrize(("kind", "who"), SANDBOX_GOLDEN, ids=lambda v: str(v))
def test_golden_files_are_what_the_sandbox_serves(
    served: dict[tuple[str, str], tuple[str, bytes]], kind: str, who: str
) -> None:
    path = golden_path(kind, who)
    _, raw = served[(kind, who)]
    if os.environ.get("MYNA_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    assert path.read_bytes() == raw


def test_every_new_kind_has_golden_answers_with_and_without_records() -> None:
    for kind in NEW_KINDS:
        statuses = {
            json.loads(golden_path(k, who).read_bytes())["resBody"]["items"][0]["status"]
            for k, who in SANDBOX_GOLDEN
            if k == kind
        }
        assert P.STATUS_RESULTS in statuses, kind
    no_record = {
        k
        for k, who in SANDBOX_GOLDEN
        if pj.answer_status(golden_path(k, who).read_bytes())["status"] == P.STATUS_NO_RECORD
    }
    assert {"portal_tax", "portal_childcare", "portal_care", "portal_employment"} <= no_record


def test_every_member_is_answered_and_some_answers_are_nothing_on_record(
    served: dict[tuple[str, str], tuple[str, bytes]],
) -> None:
    statuses = {key: status for key, (status, _) in served.items()}
    assert set(statuses.values()) == {P.STATUS_RESULTS, P.STATUS_NO_RECORD}
    for kind in NEW_KINDS:  # every item has someone with records
        assert any(s == P.STATUS_RESULTS for (k, _), s in statuses.items() if k == kind), kind
    # the child has no 税・所得 and no 雇用保険; only the 受給者 has 児童手当
    assert statuses[("portal_tax", "sora")] == P.STATUS_NO_RECORD
    assert statuses[("portal_employment", "sora")] == P.STATUS_NO_RECORD
    assert [who for (k, who), s in statuses.items() if k == "portal_childcare" and s == "03"] == [
        "taro"
    ]
    # everyone has a household, a 健康保険証 and a 公金受取口座 answer (sora's: 未登録)
    for kind in ("portal_household", "portal_insurance_card", "portal_bank_account"):
        assert all(statuses[(kind, p.id)] == P.STATUS_RESULTS for p in HOUSEHOLD), kind


# ------------------------------------------------------------------------ parser → frame
def test_income_per_year_with_both_levies_and_income_by_kind(
    served: dict[tuple[str, str], tuple[str, bytes]],
) -> None:
    df = frames.build("income", _docs(served))
    assert list(df.columns) == list(frames.SCHEMAS["income"].columns)
    taro = df[df["person"] == "見本　太郎"].set_index("year")
    assert list(taro.index) == [2023, 2024, 2025]
    row = taro.loc[2025]
    assert (row["salary_revenue"], row["salary_income"], row["total_income"]) == (
        7_200_000,
        5_260_000,
        5_260_000,
    )
    assert (row["taxable_standard"], row["municipal_levy"], row["prefectural_levy"]) == (
        3_335_000,
        198_600,
        132_400,
    )
    hanako = df[df["person"] == "見本　花子"].set_index("year")
    # two kinds in 2023: 給与 until March, 事業 from April
    assert (hanako.loc[2023, "salary_revenue"], hanako.loc[2023, "business_income"]) == (
        400_000,
        510_000,
    )
    assert hanako.loc[2023, "tax_status"] == "均等割のみ課税"
    ume = df[df["person"] == "見本　うめ"].set_index("year")
    assert (
        ume.loc[2025, "total_income"]
        == ume.loc[2025, "pension_income"] + ume.loc[2025, "misc_income"]
    )
    assert "見本　そら" not in set(df["person"])  # 04: nothing on record
    assert df["municipal_levy"].dtype == "Int64"
    assert len(frames.build("income", _docs(served), year=2024)) == 3


def test_household_members_once_each_whoever_answered(
    served: dict[tuple[str, str], tuple[str, bytes]],
) -> None:
    df = frames.build("household_members", _docs(served))
    assert list(df["name"]) == [p.name for p in HOUSEHOLD]  # four answers, each member once
    assert list(df["relation"]) == ["世帯主", "妻", "子", "母"]
    assert list(df["head"]) == [True, False, False, False]
    assert list(df["sex"]) == ["男", "女", "女", "女"]
    assert list(df["birth_date"].dt.date) == [p.birth for p in HOUSEHOLD]


def test_the_smaller_items(served: dict[tuple[str, str], tuple[str, bytes]]) -> None:
    docs = _docs(served)
    child = frames.build("child_allowance", docs)
    assert len(child) == 1 and child.loc[0, "monthly_amount"] == 10_000
    assert (str(child.loc[0, "first_month"]), str(child.loc[0, "last_month"])) == (
        "2012-07",
        "2031-03",
    )
    assert child.loc[0, "status"] == "支給中" and child.loc[0, "recipient"] == "見本　太郎"
    care = frames.build("care_insurance", docs)
    assert list(care["person"]) == ["見本　うめ"] and care.loc[0, "care_level"] == "要支援1"
    assert care.loc[0, "annual_premium"] == 74_400 and care.loc[0, "certification"] == "認定済"
    assert (care.loc[0, "start"].date(), care.loc[0, "end"].date()) == (
        date(2025, 10, 1),
        date(2027, 9, 30),
    )
    work = frames.build("employment_insurance", docs)
    assert set(work["person"]) == {"見本　太郎", "見本　花子"}
    current = work[work["insured"]]
    assert list(current["employer"]) == ["見本商事株式会社"]
    assert work["left_on"].notna().sum() == 3 and work["loss_reason"].notna().sum() == 3
    cards = frames.build("insurance_cards", docs)
    assert set(cards["person"]) == {p.name for p in HOUSEHOLD}
    hanako = cards[cards["person"] == "見本　花子"]
    assert list(hanako["relation"]) == ["家族", "本人"] and list(hanako["valid"]) == [False, True]
    vacc = frames.build("vaccinations", docs)
    sora = vacc[vacc["person"] == "見本　そら"]
    assert len(sora) > 20 and sora["date"].is_monotonic_increasing
    assert {"定期", "任意"} <= set(sora["category"])
    assert len(frames.build("vaccinations", docs, year=2025)) >= 5
    bank = frames.build("bank_account", docs)
    assert dict(zip(bank["person"], bank["registered"], strict=True)) == {
        "見本　太郎": True,
        "見本　花子": True,
        "見本　そら": False,
        "見本　うめ": True,
    }
    assert bank["account_number"].dropna().str.fullmatch(r"\*{4}\d{3}").all()


def test_newest_answer_wins_and_nothing_twice(
    served: dict[tuple[str, str], tuple[str, bytes]],
) -> None:
    docs = _docs(served)
    again = [
        Document(
            d.data,
            d.kind,
            d.source,
            d.person,
            fetched_at=d.fetched_at + timedelta(days=1),
            id=d.id + 1000,
        )
        for d in docs
    ]
    for name in NEW_FRAMES:
        once = frames.build(name, docs)
        twice = frames.build(name, docs + again)
        assert len(twice) == len(once) > 0, name  # a second fetch counts nothing twice
        if "source_id" in twice.columns:
            assert (twice["source_id"] > 1000).all(), name  # the newer answer's rows
    # a newer answer that changed: its rows replace the older ones
    old_bank = next(d for d in docs if d.kind == "portal_bank_account" and d.person == "見本　そら")
    body = json.loads(golden_path("portal_bank_account", "taro").read_bytes())
    item = body["resBody"]["items"][0]
    item["subject"] = json.loads(old_bank.data)["resBody"]["items"][0]["subject"]
    newer = Document(
        json.dumps(body, ensure_ascii=False).encode(),
        "portal_bank_account",
        "portal",
        "見本　そら",
        fetched_at=old_bank.fetched_at + timedelta(days=3),
        id=5000,
    )
    bank = frames.build("bank_account", [*docs, newer], person="見本　そら")
    assert len(bank) == 1 and bool(bank.loc[0, "registered"])


def test_myinfo_answers_say_nothing_on_record(
    served: dict[tuple[str, str], tuple[str, bytes]],
) -> None:
    df = frames.build("myinfo_answers", _docs(served))
    assert len(df) == len(served)
    none = df[df["nothing_on_record"]]
    assert set(zip(none["kind"], none["person"], strict=True)) == {
        (kind, member(who).name) for (kind, who), (s, _) in served.items() if s == "04"
    }
    assert (none["status"] == "04").all() and df["item"].str.len().gt(0).all()


# ------------------------------------------------------------------------- masking
def test_personal_numbers_are_masked_unless_asked(
    served: dict[tuple[str, str], tuple[str, bytes]],
) -> None:
    docs = _docs(served)
    care = frames.build("care_insurance", docs)
    assert care.loc[0, "insured_number"] == "0000123456"  # the frame holds what was served
    shown = frames.masked("care_insurance", care)
    assert shown.loc[0, "insured_number"] == "******3456"
    cards = frames.masked("insurance_cards", frames.build("insurance_cards", docs))
    taro = cards[cards["person"] == "見本　太郎"].iloc[0]
    assert (taro["symbol"], taro["number"], taro["insurer_number"]) == ("****", "**31", "06999001")
    work = frames.masked("employment_insurance", frames.build("employment_insurance", docs))
    assert not work["insured_number"].str.contains("203344").any()
    assert work["insured_number"].str.fullmatch(r"\*{4}-\*{3}\d{3}-\d").all()
    for name in NEW_FRAMES:  # nothing of a secret column survives masking but its last digits
        spec = frames.SCHEMAS[name]
        df = frames.masked(name, frames.build(name, docs))
        for col, keep in spec.secret.items():
            for value in df[col].dropna():
                visible = [ch for ch in value if ch.isalnum() and ch not in "XＸ"]
                assert len(visible) <= keep, (name, col, value)


@pytest.mark.parametrize(
    ("value", "keep", "shown"),
    [
        ("0000123456", 4, "******3456"),
        ("****567", 3, "****567"),
        ("5011-203344-1", 4, "****-***344-1"),
        ("架空１２", 0, "****"),
        ("－", 0, "－"),
        ("", 3, ""),
        (None, 3, None),
    ],
)
def test_mask_number(value: str | None, keep: int, shown: str | None) -> None:
    assert frames.mask_number(value, keep) == shown


def test_myna_table_knows_every_frame() -> None:
    from mynalib.commands.data import FRAME_NAMES

    assert set(FRAME_NAMES) == set(frames.SCHEMAS)


def test_frames_conform_and_japanese_labels_cover_their_columns(
    served: dict[tuple[str, str], tuple[str, bytes]],
) -> None:
    from mynalib.display import COLUMN_LABELS, FRAME_LABELS, frame_table

    docs = _docs(served)
    for name in (*NEW_FRAMES, "myinfo_answers"):
        df = frames.build(name, docs)
        assert list(df.columns) == list(frames.SCHEMAS[name].columns), name
        labels = {**COLUMN_LABELS, **FRAME_LABELS.get(name, {})}
        assert set(df.columns) <= set(labels), (name, set(df.columns) - set(labels))
        shown = frame_table(name, frames.masked(name, df))
        assert not any(c.isascii() for c in shown.columns), (name, list(shown.columns))
        assert "True" not in shown.to_string() and "False" not in shown.to_string()


def test_an_empty_vault_gives_the_empty_frames() -> None:
    for name in (*NEW_FRAMES, "myinfo_answers"):
        df = frames.build(name, [])
        assert df.empty and list(df.columns) == list(frames.SCHEMAS[name].columns)
        assert isinstance(frames.masked(name, df), pd.DataFrame)


def test_the_bank_account_status_reads_the_frame(
    served: dict[tuple[str, str], tuple[str, bytes]],
) -> None:
    from mynalib.apply.bank import from_frames, statuses_from_frames

    bank = frames.masked("bank_account", frames.build("bank_account", _docs(served)))
    everyone = {s.person: s for s in statuses_from_frames(bank, None)}
    assert set(everyone) == {p.name for p in HOUSEHOLD}
    taro = everyone["見本　太郎"]
    assert taro.registered and taro.source == "bank_account"
    assert (taro.bank, taro.branch, taro.account_type, taro.number_masked) == (
        "見本銀行",
        "架空支店",
        "普通",
        "****567",
    )
    assert "2022-03-28 登録" in taro.text() and "1234567" not in taro.text()
    sora = everyone["見本　そら"]
    assert not sora.registered and sora.text() == "公金受取口座は登録されていません。"
    one = from_frames(bank[bank["person"] == "見本　そら"], None)
    assert one is not None and not one.registered
