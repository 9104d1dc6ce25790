"""Nothing a person must read is cut: every button, label, drop-down and list of the three
dashboards shows its whole text in Chromium (ipywidgets cuts overflowing text with "…")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import RENDER_TIMEOUT_MS, open_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

#: texts that do not fit their box: buttons and labels that overflow, drop-downs and lists whose
#: option text is wider than the box (measured with the element's own font)
CUT_TEXTS = r"""
() => {
  const cut = [];
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  const width = (el, text) => {
    const cs = getComputedStyle(el);
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    return ctx.measureText(text).width;
  };
  const shown = el => el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden';
  for (const el of document.querySelectorAll('.myna-app button, .myna-app .widget-label, .myna-app .widget-button')) {
    if (shown(el) && el.innerText.trim() && el.scrollWidth > el.clientWidth + 1) {
      cut.push(`${el.tagName} ${el.innerText.trim()} (${el.scrollWidth} > ${el.clientWidth})`);
    }
  }
  for (const sel of document.querySelectorAll('.myna-app select')) {
    if (!shown(sel)) continue;
    const listbox = sel.size > 1 || sel.multiple;
    const cs = getComputedStyle(sel);
    const padding = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);  // the arrow's room too
    const bar = listbox && sel.scrollHeight > sel.clientHeight ? 16 : 0;  // a scroll bar
    const room = sel.clientWidth - padding - bar;
    const options = listbox ? Array.from(sel.options) : [sel.options[sel.selectedIndex]].filter(Boolean);
    for (const opt of options) {
      const w = width(sel, opt.text);
      if (w > room) cut.push(`select option ${opt.text} (${Math.round(w)} > ${room})`);
    }
  }
  return cut;
}
"""


@pytest.mark.parametrize("name", ["overview", "procedures", "notices"])
def test_no_label_is_cut(demo_site: dict[str, Any], page: Any, shots: Path, name: str) -> None:
    open_dashboard(page, demo_site["servers"], name)
    if name == "overview":
        page.locator(".myna-tries-left").wait_for(timeout=RENDER_TIMEOUT_MS)
        page.locator(".myna-download-list").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert page.evaluate(CUT_TEXTS) == []
    # the whole labels the issue named, on the page as they are
    if name == "overview":
        assert page.get_by_role("button", name="マイナポータルから取得").is_visible()
        card = page.locator(".myna-card-choice select")
        assert (
            card.evaluate("s => s.options[s.selectedIndex].text")
            == "ソフトウェアカード（テスト用）"
        )
    if name == "procedures":
        assert page.locator("a.myna-ics-download").inner_text().startswith("カレンダー（.ics）")
    page.screenshot(path=str(shots / f"{name}-layout.png"), full_page=False)


def test_the_check_sees_a_cut_label(demo_site: dict[str, Any], page: Any) -> None:
    """The measurement itself: a label squeezed into a narrow box is reported."""
    open_dashboard(page, demo_site["servers"], "overview")
    page.locator(".myna-fetch").wait_for(timeout=RENDER_TIMEOUT_MS)
    page.evaluate(
        "() => { const b = document.querySelector('button.myna-fetch');"
        " b.style.setProperty('width', '60px', 'important');"
        " b.style.setProperty('overflow', 'hidden', 'important'); }"
    )
    assert any("マイナポータルから取得" in c for c in page.evaluate(CUT_TEXTS))


def test_a_search_with_no_result_says_what_to_try(demo_site: dict[str, Any], page: Any) -> None:
    open_dashboard(page, demo_site["servers"], "procedures")
    keyword = page.get_by_label("キーワード")
    keyword.fill("国民健康保険の宇宙")
    keyword.press("Enter")
    hint = page.locator(".myna-count .myna-empty-hint")
    hint.wait_for(timeout=60_000)
    assert "国保" in hint.inner_text() and "ひらがな" in hint.inner_text()
    keyword.fill("こくみんけんこうほけん")
    keyword.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('.myna-results select option').length > 0"
    )
    names = page.locator(".myna-results select option").all_inner_texts()
    assert any("国民健康保険" in n for n in names)
    # the count line is a widget of its own: its update may reach the page just after the options
    page.locator(".myna-count .myna-empty-hint").wait_for(state="detached", timeout=30_000)
    assert "件の手続が見つかりました" in page.locator(".myna-count").inner_text()
    page.locator(".myna-results select").select_option(index=0)
    page.locator(".myna-detail h3").wait_for(timeout=60_000)
    page.locator(".myna-procedure-search").screenshot(path=str(ROOT / "docs" / "search.png"))
