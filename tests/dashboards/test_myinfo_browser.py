"""The overview dashboard's わたしの情報 section in headless Chromium: every category of the
portal's menu, 「記録がありません」 where the portal answered 04, no personal number in clear."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mynalib.frames.myinfo_answers import CATEGORIES

from .conftest import RENDER_TIMEOUT_MS, open_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_overview_shows_every_category(demo_site: dict[str, Any], page: Any, shots: Path) -> None:
    open_dashboard(page, demo_site["servers"], "overview")
    section = page.locator(".myna-myinfo")
    section.wait_for(timeout=RENDER_TIMEOUT_MS)
    headings = [h.strip() for h in page.locator(".myna-app h2").all_inner_texts()]
    assert "わたしの情報（分類ごと）" in headings
    cards = page.locator(".myna-myinfo-category")
    assert cards.count() == len(CATEGORIES) == 7
    shown = [cards.nth(i).get_attribute("data-category") for i in range(cards.count())]
    assert shown == list(CATEGORIES)
    states = {c: cards.nth(i).get_attribute("data-state") for i, c in enumerate(shown)}
    # the demo household has records in every category (the pension record only once fetched:
    # the demo starts without it)
    assert all(states[c] == "records" for c in CATEGORIES if c != "年金"), states
    assert states["年金"] in ("records", "not-fetched")
    for i in range(cards.count()):  # every card says something
        assert cards.nth(i).locator("li").count() >= 1
        assert cards.nth(i).is_visible()
    # 04 answers are said plainly: the child has no 税・所得, only the 受給者 has 児童手当
    no_record = section.locator(".myna-no-record")
    assert no_record.count() >= 5
    texts = " ".join(no_record.all_inner_texts()).replace("\xa0", " ")
    assert "見本　そら: 記録がありません" in texts
    care = page.locator('.myna-myinfo-category[data-category="福祉・介護"]').inner_text()
    assert "要支援1" in care and "記録がありません" in care
    money = page.locator('.myna-myinfo-category[data-category="税・所得・口座"]').inner_text()
    assert (
        "5,260,000円" in money
        and "****567" in money
        and "公金受取口座は登録されていません" in money
    )
    body = page.inner_text("body")
    for number in ("1234567", "0000123456", "5011-203344-1"):  # masked by the portal or by us
        assert number not in body
    section.screenshot(path=str(shots / "overview-myinfo.png"))
