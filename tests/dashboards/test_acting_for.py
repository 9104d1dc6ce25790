"""代理人 in the dashboards and the notebooks: the fetch panel's 対象者 selector logs in for the
person chosen (as `myna login --as` does), and the people offered are those a 代理人 login
succeeded for (kept in the vault) or ``$MYNA_ACTING_FOR`` names."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mynalib.card import open_card
from mynalib.portal.auth import PRINCIPALS_STATE
from mynalib.portal.client import PortalClient
from mynalib.portal.sandbox.app import SandboxConfig, create_app
from mynalib.samples.card import sample_card_profile
from mynalib.widgets.apps import principals
from mynalib.widgets.common import MemoryState
from mynalib.widgets.overview import FetchPanel

UME = "見本　うめ"


def _client() -> PortalClient:
    app = create_app(SandboxConfig(pending_polls=0, done_step=False))
    return PortalClient(
        "http://sandbox.test",
        httpx.ASGITransport(app=app),
        sleep=lambda s: None,
        jitter=lambda: 0.0,
    )


def test_the_selector_is_hidden_without_anyone_to_act_for() -> None:
    panel = FetchPanel(lambda: None, lambda *a: "")
    assert panel.acting_for.layout.display == "none" and panel.principal is None


def test_the_fetch_panel_logs_in_as_agent_for_the_person_chosen() -> None:
    profile = sample_card_profile("taro")
    state = MemoryState()
    stored: list[Any] = []

    def fetch(card: Any, pin: Any, allow_last: bool, progress: Any) -> str:
        from mynalib.portal.auth import remember_principal

        with _client() as client:
            session = client.login(card, pin, acting_for=panel.principal)
            remember_principal(state, session)
            report = client.fetch(["notices"], store=lambda d: stored.append(d) or True)
        progress(1, 1, "notices")
        return f"{session.person_name} {report.stored}"

    panel = FetchPanel(lambda: open_card("virtual", profile=profile), fetch, people=[(UME, "ume")])
    assert panel.acting_for.layout.display != "none"
    assert [label for label, _ in panel.acting_for.options] == ["本人", f"{UME}（代理人として）"]
    panel.acting_for.value = "ume"
    panel.pin.value = "1234"
    panel.go.click()
    assert UME in panel.status.value, panel.status.value
    assert stored and {d.person for d in stored} == {UME}
    assert {d.meta.get("agent") for d in stored} == {"見本　太郎"}
    assert state.get_state(PRINCIPALS_STATE) == {"ume": UME}
    # 本人 again: the card holder's own notices, and nothing new is remembered
    stored.clear()
    panel.acting_for.value = ""
    panel.pin.value = "1234"
    panel.go.click()
    assert {d.person for d in stored} == {"見本　太郎"}
    assert state.get_state(PRINCIPALS_STATE) == {"ume": UME}


def test_principals_come_from_the_vault_and_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = MemoryState()
    assert principals(state) == []
    state.set_state(PRINCIPALS_STATE, {"ume": UME})
    monkeypatch.setenv("MYNA_ACTING_FOR", "hana=見本　花, ume=ignored")
    assert principals(state) == [("見本　花", "hana"), (UME, "ume")]
    assert principals(None) == [("見本　花", "hana"), ("ignored", "ume")]


def test_a_refused_agent_login_says_so_in_japanese() -> None:
    """hanako is nobody's 代理人: the portal refuses, the page says why, nothing is stored."""
    profile = sample_card_profile("hanako")

    def fetch(card: Any, pin: Any, allow_last: bool, progress: Any) -> str:
        with _client() as client:
            client.login(card, pin, acting_for=panel.principal)
        return "取得しました"

    panel = FetchPanel(lambda: open_card("virtual", profile=profile), fetch, people=[(UME, "ume")])
    panel.acting_for.value = "ume"
    panel.pin.value = "1234"
    panel.go.click()
    assert "取得しました" not in panel.status.value
    assert "代理人" in panel.status.value, panel.status.value
