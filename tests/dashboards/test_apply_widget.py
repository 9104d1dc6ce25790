"""The procedures dashboard's 電子申請 without a browser: 「電子申請する」, the generated form,
「カードから入力」 (a wrong PIN spends one try), field errors, the confirmation, sending."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from mynalib import frames
from mynalib.card import open_card
from mynalib.portal.client import PortalClient
from mynalib.portal.sandbox.app import SandboxConfig, create_app
from mynalib.samples.card import sample_card_profile
from mynalib.widgets.applying import (
    ApplyArea,
    BankAccountPanel,
    confirmation_html,
    dashboard_submitter,
)
from mynalib.widgets.procedures import ApplicationsStatus, ProcedureSearch


@pytest.fixture
def setup() -> dict[str, Any]:
    app = create_app(SandboxConfig(pending_polls=0, done_step=False))
    profile = sample_card_profile("taro")
    stored: list[Any] = []
    applications = ApplicationsStatus(None)

    def make_client() -> PortalClient:
        return PortalClient(
            "http://sandbox.test", httpx.ASGITransport(app=app), sleep=lambda s: None
        )

    def refreshed(_receipt: Any) -> None:
        applications.show(frames.build("applications", stored))

    area = ApplyArea(
        card_choices=[("ソフトウェアカード（テスト用）", lambda: open_card("virtual", profile))],
        submit=dashboard_submitter(
            "http://sandbox.test", lambda d: stored.append(d) or True, make_client=make_client
        ),
        portal="http://sandbox.test",
        on_submitted=refreshed,
    )
    return {"area": area, "profile": profile, "app": app, "stored": stored, "table": applications}


def test_the_apply_button_shows_for_online_procedures_only() -> None:
    opened: list[str] = []
    search = ProcedureSearch(on_apply=opened.append)
    assert search.apply_button.layout.display == "none"
    search.results.value = "koukin_uketori_kouza"
    assert search.apply_button.layout.display is None
    search.apply_button.click()
    assert opened == ["koukin_uketori_kouza"]
    search.results.value = "shussei_todoke"  # 窓口・郵送 only
    assert search.apply_button.layout.display == "none"
    plain = ProcedureSearch()  # no hook: never shown
    plain.results.value = "koukin_uketori_kouza"
    assert plain.apply_button.layout.display == "none"


def test_the_whole_flow_in_the_widgets(setup: dict[str, Any]) -> None:
    area, profile = setup["area"], setup["profile"]
    panel = area.open_form("koukin_uketori_kouza")
    assert panel is not None
    assert 'data-tries="3"' in panel.kenhojo.tries.value  # tries first, no PIN asked yet
    assert {"name", "account_number", "declaration"} <= set(panel.inputs)
    assert "この手続には添付できる書類はありません" in str(
        [getattr(c, "value", "") for c in panel.form_step.children]
    )
    # a wrong 券面事項入力補助 PIN: exactly one try, the box cleared, the tries shown
    panel.kenhojo.pin.value = "9999"
    panel.fill_from_card()
    assert "残り2回" in panel.status.value and profile.tries_left["kenhojo"] == 2
    assert panel.kenhojo.pin.value == "" and 'data-tries="2"' in panel.kenhojo.tries.value
    assert panel.inputs["name"].value == ""
    panel.kenhojo.pin.value = "1234"
    panel.fill_from_card()
    assert profile.tries_left["kenhojo"] == 3
    assert panel.inputs["name"].value == "見本　太郎"
    assert panel.inputs["birth_date"].value == "1970-04-12"
    assert "カードから" in panel.sources["name"].value
    # problems are shown beside their fields; nothing moves on
    panel.inputs["account_number"].value = "12"
    assert panel.confirm() is None
    assert "7桁" in panel.errors["account_number"].value
    assert 'data-field="name_kana"' in panel.errors["name_kana"].value
    assert panel.body.children == (panel.form_step,)
    for name, value in {
        "name_kana": "みほん　たろう",
        "action": "register",
        "phone": "03-5555-6666",
        "bank_code": "0001",
        "bank_name": "見本銀行",
        "branch_code": "123",
        "branch_name": "本店",
        "account_type": "1",
        "account_number": "7654321",
        "account_holder_kana": "ミホン　タロウ",
        "declaration": True,
    }.items():
        panel.inputs[name].value = value
    preview = panel.confirm()
    assert preview is not None and panel.body.children == (panel.confirm_step,)
    summary = panel.summary.value
    assert "ミホン　タロウ" in summary and "マイナンバーカード" in summary
    assert preview.content.decode() in summary.replace("&quot;", '"')  # the exact bytes
    assert 'data-tries="3"' in panel.auth.tries.value
    # sending: login with the 利用者証明用 PIN (no signature for this procedure)
    panel.auth.pin.value = "1234"
    receipt = panel.send_application()
    assert receipt is not None and receipt.application_id.startswith("ETA")
    assert receipt.application_id in panel.done.value
    assert panel.auth.pin.value == ""
    table = setup["table"].table.value
    assert receipt.application_id in table and "受付済" in table
    assert {d.kind for d in setup["stored"]} >= {"portal_applications", "portal_notices"}


def test_a_signed_procedure_asks_the_signing_password(setup: dict[str, Any]) -> None:
    area, profile = setup["area"], setup["profile"]
    panel = area.open_form("hoikusho_moushikomi")
    assert panel.send.description == "署名して送信"
    assert {"employment_certificate", "other"} == set(panel.uploads)
    panel.kenhojo.pin.value = "1234"
    panel.fill_from_card()
    for name, value in {
        "name_kana": "ミホン　タロウ",
        "phone": "0355556666",
        "child_name": "見本　そら",
        "child_kana": "ミホン　ソラ",
        "child_birth_date": "2024-04-01",
        "reason": "work",
        "desired_start": "2027-04-01",
        "facility_1": "見本保育園",
        "declaration": True,
    }.items():
        panel.inputs[name].value = value
    panel.uploads["other"].value = (
        {
            "name": "memo.txt",
            "type": "text/plain",
            "size": 5,
            "content": memoryview(b"hello"),
            "last_modified": dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc),
        },
    )
    assert "memo.txt" in panel.sources["other"].value
    assert panel.confirm() is not None
    assert "memo.txt" in panel.summary.value
    # a wrong signing password: one try, nothing sent
    panel.auth.pin.value = "1234"
    panel.sign.pin.value = "WRONG1"
    assert panel.send_application() is None
    assert profile.tries_left["sign"] == 4 and "残り4回" in panel.status.value
    assert setup["app"].state.sandbox.applying.by_id == {}
    panel.auth.pin.value = "1234"
    panel.sign.pin.value = "ABC123"
    receipt = panel.send_application()
    assert receipt is not None and receipt.signed and profile.tries_left["sign"] == 5


def test_confirmation_html_escapes_what_it_shows() -> None:
    from mynalib.apply import Draft, form

    draft = Draft(form("inu_shozaichi_henkou"))
    draft.update(
        name="<script>x</script>",
        name_kana="ミホン",
        birth_date="1970-01-01",
        address="東京都",
        phone="0355556666",
        declaration=True,
    )
    html = confirmation_html(draft.preview("http://127.0.0.1:8765"))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_bank_account_panel() -> None:
    import pandas as pd

    from mynalib.apply.bank import from_frames

    assert "まだありません" in BankAccountPanel(None).line.value
    apps = frames.conform(
        "applications",
        pd.DataFrame(
            [
                {
                    "application_id": "E1",
                    "procedure_id": "koukin_uketori_kouza",
                    "submitted": "2026-12-01",
                    "status": "差戻し",
                    "updated": "2026-12-02",
                    "reason": "口座を確認できませんでした。",
                    "person": "見本　太郎",
                },
                {
                    "application_id": "E2",
                    "procedure_id": "koukin_uketori_kouza",
                    "submitted": "2026-12-03",
                    "status": "完了",
                    "updated": "2026-12-04",
                    "person": "見本　太郎",
                },
            ]
        ),
    )
    status = from_frames(None, apps)
    assert status is not None and status.registered and status.application_id == "E2"
    line = BankAccountPanel(status).line.value
    assert "E2" in line and "完了" in line and 'data-registered="true"' in line
    bank = pd.DataFrame(
        [
            {
                "bank_name": "見本銀行",
                "branch_name": "本店",
                "account_type": "普通",
                "account_number": "7654321",
            }
        ]
    )
    registered = from_frames(bank, apps)
    assert registered is not None and registered.source == "bank_account"
    assert "****321" in registered.text() and "7654321" not in registered.text()
