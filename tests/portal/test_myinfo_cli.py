"""The done-when of わたしの情報 as a user runs it: `myna sandbox`, `myna login --virtual`, `myna
fetch all`, then `myna table` for each new frame; a second `fetch all` stores nothing new."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from .conftest import PortalCli
from .test_myinfo_items import NEW_FRAMES

pytestmark = pytest.mark.slow


def test_fetch_all_then_every_new_frame_as_a_table(
    portal_cli: Callable[..., PortalCli],
) -> None:
    myna = portal_cli("--poll-delay", "0", "--pending-polls", "0")
    first = myna("fetch", "all", "--no-progress")
    assert first.returncode == 0, first.stderr
    for kind in ("portal_insurance_card", "portal_vaccinations", "portal_bank_account"):
        assert f"{kind}: 1 new" in first.stdout, first.stdout
    assert "nothing on record (04): 介護・福祉（介護保険）" in first.stdout  # taro has no 認定
    second = myna("fetch", "all", "--no-progress")
    assert second.returncode == 0, second.stderr
    assert "0 new documents stored" in second.stdout

    tables: dict[str, list[dict[str, object]]] = {}
    for name in (*NEW_FRAMES, "myinfo_answers"):
        out = myna("table", name, "--format", "json")
        assert out.returncode == 0, (name, out.stderr)
        tables[name] = json.loads(out.stdout)
        text = myna("table", name)
        assert text.returncode == 0 and text.stdout.strip(), name
    # the virtual card is taro's: everything but 介護 (04) has rows
    for name in NEW_FRAMES:
        if name == "care_insurance":
            assert tables[name] == []
        else:
            assert tables[name], name
    assert [r["year"] for r in tables["income"]] == [2023, 2024, 2025]
    assert [r["name"] for r in tables["household_members"]] == [
        "見本　太郎",
        "見本　花子",
        "見本　そら",
        "見本　うめ",
    ]
    care = [r for r in tables["myinfo_answers"] if r["kind"] == "portal_care"]
    assert care and care[0]["nothing_on_record"] is True and care[0]["status"] == "04"
    # personal numbers: masked unless asked for
    card = tables["insurance_cards"][0]
    assert (card["symbol"], card["number"]) == ("****", "**31")
    assert "4531" not in myna("table", "insurance_cards").stdout
    shown = myna("table", "insurance_cards", "--format", "json", "--show-numbers")
    assert (json.loads(shown.stdout)[0]["symbol"], json.loads(shown.stdout)[0]["number"]) == (
        "1207",
        "4531",
    )
    work = tables["employment_insurance"]
    assert all("203344" not in str(r["insured_number"]) for r in work)
    assert tables["bank_account"][0]["account_number"] == "****567"
    # the tax summary reads the frames: 総所得金額等 and the 住民税所得割額 from the portal
    summary = myna("tax", "summary", "--year", "2025")
    assert summary.returncode == 0, summary.stderr
    assert "5,260,000円（マイナポータル（税・所得、2025年分）" in summary.stdout
    assert "198,600円" in summary.stdout and "132,400円" in summary.stdout
