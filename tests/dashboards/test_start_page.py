"""The dashboards' start page and token page, in Japanese, in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mynalib import demo

from .conftest import RENDER_TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ENGLISH_VOILA = ("Select items to open", "Voilà Home", "Token authentication", "Password or token")


def _japanese(text: str) -> int:
    return sum(1 for ch in text if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")


def test_the_start_page_links_the_three_dashboards_in_japanese(
    demo_site: dict[str, Any], page: Any, shots: Path
) -> None:
    servers = demo_site["servers"]
    page.goto(servers.url(), wait_until="load")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("h1").inner_text() == "mynalib へようこそ"
    links = page.locator("a.myna-start-link")
    assert links.count() == len(demo.DASHBOARDS)
    titles = [t.strip() for t in page.locator(".myna-start-title").all_inner_texts()]
    assert titles == [title for title, _fn in demo.DASHBOARDS.values()]
    for name in demo.DASHBOARDS:  # real links, the token kept for the next page
        href = page.locator(f'a[data-dashboard="{name}"]').get_attribute("href") or ""
        assert href.startswith(f"/voila/render/{name}.ipynb")
    text = page.inner_text("body")
    assert not any(e in text for e in ENGLISH_VOILA), text
    assert "Ctrl-C" in text and "鍵" in text
    page.screenshot(path=str(shots / "start.png"), full_page=True)
    page.screenshot(path=str(ROOT / "docs" / "start.png"), full_page=False)
    page.locator('a[data-dashboard="procedures"]').click()
    page.locator(".myna-app").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert "手続の検索・電子申請" in page.locator(".myna-app h1").inner_text()


def test_the_token_page_says_what_to_do_in_japanese(
    demo_site: dict[str, Any], page: Any, shots: Path
) -> None:
    servers = demo_site["servers"]
    base = f"http://127.0.0.1:{servers.voila_port}"
    page.goto(f"{base}/voila/render/notices.ipynb", wait_until="load")
    assert "/login" in page.url
    body = page.inner_text("body")
    assert not any(e in body for e in ENGLISH_VOILA), body
    assert "鍵（トークン）" in body and "myna dashboards" in body and _japanese(body) > 80
    page.screenshot(path=str(shots / "login.png"), full_page=True)
    # a wrong token: said in Japanese, still on the token page
    page.get_by_label("鍵（トークン）").fill("not-the-token")
    page.get_by_role("button", name="開く").click()
    page.locator(".myna-login-error").wait_for(timeout=60_000)
    assert "違います" in page.locator(".myna-login-error").inner_text()
    # the token pasted: the page asked for opens
    page.get_by_label("鍵（トークン）").fill(servers.token)
    page.get_by_role("button", name="開く").click()
    page.locator(".myna-app").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert "お知らせ" in page.locator(".myna-app h1").inner_text()
    assert servers.token not in page.inner_text("body")
