"""電子申請 in the procedures dashboard, in Voila and Chromium: 「電子申請する」, 「カードから入力」
(a wrong PIN spends exactly one try), a file attached through the browser, the confirmation of
exactly what is sent, signing, and the new application in 申請状況."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import RENDER_TIMEOUT_MS, open_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _tries(site: dict[str, Any], which: str) -> int:
    from mynalib.card import open_card

    with open_card("virtual", profile=site["env"]["MYNA_CARD_PROFILE"]) as card:
        return card.tries_left(which)


def test_apply_online_from_the_procedures_dashboard(
    demo_site: dict[str, Any], page: Any, shots: Path, tmp_path: Path
) -> None:
    open_dashboard(page, demo_site["servers"], "procedures")
    page.locator(".myna-results select").select_option(
        label="保育所等 入所申込（教育・保育給付認定）（子育て）"
    )
    button = page.get_by_role("button", name="電子申請する")
    button.wait_for(timeout=60_000)
    button.click()
    panel = page.locator(".myna-apply-panel")
    panel.wait_for(timeout=RENDER_TIMEOUT_MS)
    tries = page.locator(".myna-apply-tries [data-pin='kenhojo']")
    tries.wait_for(timeout=30_000)
    assert tries.get_attribute("data-tries") == "3"  # shown before any PIN is asked
    # a wrong 券面事項入力補助 PIN: exactly one try, the page says how many are left
    page.get_by_label("券面事項入力補助用暗証番号").fill("9999")
    page.get_by_role("button", name="カードから入力").click()
    error = panel.locator(".myna-status-error").first
    error.wait_for(timeout=60_000)
    assert "残り2回" in error.inner_text()
    assert _tries(demo_site, "kenhojo") == 2
    # the PIN field is another widget than the status line: its update may arrive just after
    expect(page.get_by_label("券面事項入力補助用暗証番号")).to_have_value("", timeout=30_000)
    page.get_by_label("券面事項入力補助用暗証番号").fill("1234")
    page.get_by_role("button", name="カードから入力").click()
    panel.locator(".myna-status-ok").first.wait_for(timeout=60_000)
    assert _tries(demo_site, "kenhojo") == 3
    expect(page.get_by_label("氏名（必須）", exact=True)).to_have_value(
        "見本　太郎", timeout=30_000
    )
    expect(page.get_by_label("生年月日（必須）", exact=True)).to_have_value(
        "1970-04-12", timeout=30_000
    )
    # the rest by hand; a mistake is shown beside its field
    for label, value in {
        "氏名（フリガナ）（必須）": "みほん　たろう",
        "電話番号（日中の連絡先）（必須）": "03-5555-6666",
        "子の氏名（必須）": "見本　そら",
        "子の氏名（フリガナ）（必須）": "ミホン　ソラ",
        "子の生年月日（必須）": "令和6年4月1日",
        "入所希望日（必須）": "2027-04-01",
        "第1希望の施設（必須）": "見本保育園",
    }.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("保育を必要とする理由（必須）", exact=True).select_option(label="就労")
    page.get_by_role("button", name="確認へ進む").click()
    field_error = page.locator(".myna-field-error[data-field='declaration']")
    field_error.wait_for(timeout=30_000)
    page.get_by_label("申請内容に相違ないことを申し立てます", exact=True).check()
    memo = tmp_path / "memo.txt"
    memo.write_text("保育所の見学メモ", encoding="utf-8")
    with page.expect_file_chooser() as chooser:  # the widget's own file dialog
        panel.locator(".myna-upload-other").click()
    chooser.value.set_files(str(memo))
    page.locator(".myna-upload-name-other", has_text="memo.txt").wait_for(timeout=30_000)
    page.get_by_role("button", name="確認へ進む").click()
    confirm = page.locator(".myna-apply-confirm")
    confirm.wait_for(timeout=30_000)
    shown = confirm.inner_text()
    assert "ミホン　タロウ" in shown and "2024-04-01" in shown and "memo.txt" in shown
    assert '"procedureId":"hoikusho_moushikomi"' in shown  # the canonical bytes, as signed
    assert confirm.get_attribute("data-sha256") in shown
    page.screenshot(path=str(shots / "procedures-apply-confirm.png"), full_page=True)
    page.locator(".myna-apply-tries [data-pin='sign']").wait_for(timeout=30_000)
    assert page.locator(".myna-apply-tries [data-pin='sign']").get_attribute("data-tries") == "5"
    page.get_by_label("利用者証明用暗証番号").fill("1234")
    page.get_by_label("署名用パスワード").fill("ABC123")
    page.get_by_role("button", name="署名して送信").click()
    done = page.locator(".myna-apply-done [data-application]")
    done.wait_for(timeout=120_000)
    app_id = done.get_attribute("data-application")
    assert app_id and app_id.startswith("ETA")
    # the new application in 申請状況, fetched into the vault
    page.locator(".myna-applications", has_text=app_id).wait_for(timeout=60_000)
    row = page.locator(".myna-applications tr", has_text=app_id)
    assert "受付済" in row.inner_text()
    text = page.inner_text("body")
    assert "ABC123" not in text and "9999" not in text
    assert _tries(demo_site, "sign") == 5 and _tries(demo_site, "auth") == 3
    page.screenshot(path=str(shots / "procedures-apply-done.png"), full_page=True)
    log = Path(demo_site["env"]["MYNA_HOME"]) / "logs" / "dashboards.log"
    if log.exists():
        logged = log.read_text(encoding="utf-8")
        for secret in ("ABC123", "9999", "見本　太郎", "ミホン", "03-5555-6666", "見本保育園"):
            assert secret not in logged, secret
