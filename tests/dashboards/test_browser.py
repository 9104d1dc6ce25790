"""The Voila dashboards in headless Chromium (Playwright + Debian's chromium).

One Voila server (and one portal sandbox) for the whole module, started like `myna demo` does.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from mynalib import procedures as P

from .conftest import RENDER_TIMEOUT_MS, open_dashboard, vault_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ERROR_TEXTS = ("There was an error when executing cell", "Traceback", "Error:")

HEADINGS = {
    "overview": [
        "わたしの情報",
        "年金",
        "医療費",
        "控除の一覧",
        "マイナンバーカード",
        "マイナポータルから取得",
    ],
    "procedures": ["手続の検索・電子申請", "手続の検索", "ライフイベントから探す", "申請状況"],
    "notices": ["お知らせ", "受信したお知らせ", "やりとり履歴"],
}


def assert_clean(page: Any) -> None:
    text = page.inner_text("body")
    for bad in ERROR_TEXTS:
        assert bad not in text, f"error output on the page: {bad!r}"
    assert page.locator(".myna-status-error").count() == 0, page.locator(
        ".myna-status-error"
    ).all_inner_texts()


@pytest.mark.parametrize("name", ["overview", "procedures", "notices"])
def test_dashboard_renders(demo_site: dict[str, Any], page: Any, shots: Path, name: str) -> None:
    servers = demo_site["servers"]
    open_dashboard(page, servers, name)
    headings = [h.strip() for h in page.locator(".myna-app h1, .myna-app h2").all_inner_texts()]
    for expected in HEADINGS[name]:
        assert expected in headings, (expected, headings)
    if name == "overview":
        # the tries left are on the page before any PIN is asked
        page.locator(".myna-tries-left").wait_for(timeout=RENDER_TIMEOUT_MS)
    assert_clean(page)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    if name == "overview":
        docs = ROOT / "docs"
        docs.mkdir(exist_ok=True)
        page.screenshot(path=str(docs / "overview.png"), full_page=False)


def _result_names(page: Any) -> list[str]:
    texts = page.locator(".myna-results select option").all_inner_texts()
    return [t.replace("\xa0", " ").strip() for t in texts]


def _expected_names(found: list[dict[str, Any]]) -> list[str]:
    return [f"{p['name']}（{p['category']}）" for p in found]


def test_filters_change_the_list_as_the_catalogue_says(
    demo_site: dict[str, Any], page: Any
) -> None:
    open_dashboard(page, demo_site["servers"], "procedures")
    assert _result_names(page) == _expected_names(P.CATALOGUE)
    page.get_by_label("分野").select_option(label="介護")
    expected = _expected_names(P.search(category="介護"))
    page.wait_for_function(
        "n => document.querySelectorAll('.myna-results select option').length === n",
        arg=len(expected),
    )
    assert _result_names(page) == expected
    page.get_by_label("オンライン申請できるもののみ").check()
    expected = _expected_names(P.search(category="介護", online=True))
    assert expected and len(expected) < len(P.search(category="介護"))
    page.wait_for_function(
        "n => document.querySelectorAll('.myna-results select option').length === n",
        arg=len(expected),
    )
    assert _result_names(page) == expected
    # the count line is its own widget: its update may reach the page just after the options
    expect(page.locator(".myna-count")).to_have_text(
        re.compile(rf"^{len(expected)} 件"), timeout=30_000
    )
    # the detail panel
    first_label = page.locator(".myna-results select option").first.inner_text()
    page.locator(".myna-results select").select_option(label=first_label)
    page.locator(".myna-detail h3").wait_for(timeout=60_000)
    first = P.search(category="介護", online=True)[0]
    detail = page.locator(".myna-detail").inner_text()
    assert first["legal_basis"] in detail and first["who_can_apply"] in detail
    assert_clean(page)


def test_planner_deadlines_and_ics(demo_site: dict[str, Any], page: Any, tmp_path: Path) -> None:
    from icalendar import Calendar

    open_dashboard(page, demo_site["servers"], "procedures")
    page.get_by_label("できごと").select_option(label="出産")
    page.get_by_label("日付").fill("2026-05-01")
    page.get_by_label("日付").dispatch_event("change")
    row = page.locator(".myna-plan tr", has_text="児童手当 認定請求").first
    row.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('.myna-plan').innerText.includes('2026-05-16')"
    )
    assert "2026-05-16" in row.inner_text()  # 15 days after the birth
    births = [r for r in P.plan("birth", dt.date(2026, 5, 1))]
    dated = [r for r in births if r.deadline is not None]
    shown = [d.strip() for d in page.locator(".myna-plan .myna-deadline").all_inner_texts()]
    assert shown[: len(dated)] == [r.deadline.isoformat() for r in dated]  # sorted as planned
    link = page.locator("a.myna-ics-download")
    link.wait_for(timeout=60_000)
    assert "カレンダー（.ics）をダウンロード" in link.inner_text()
    with page.expect_download() as download:
        link.click()  # one click: the file downloads
    data = Path(download.value.path()).read_bytes()
    href = link.get_attribute("href") or ""
    assert base64.b64decode(href.split("base64,", 1)[1]) == data  # made in the page, not fetched
    assert download.value.suggested_filename == "deadlines-birth-2026-05-01.ics"
    # the same click told the kernel: the plan is saved (for `myna export deadlines`)
    page.locator(".myna-planner .myna-status-ok").wait_for(timeout=60_000)
    cal = Calendar.from_ical(data)
    events = {str(e["summary"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}
    assert events["期限: 児童手当 認定請求"] == dt.date(2026, 5, 16)
    assert len(events) == len(dated)
    # the plan was saved in the vault: `myna export deadlines` (no --event) writes the same
    out = tmp_path / "deadlines.ics"
    result = subprocess.run(
        [sys.executable, "-m", "mynalib.cli", "export", "deadlines", "-o", str(out)],
        env=vault_env(demo_site),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    cli_events = {
        str(e["summary"]): e.decoded("dtstart")
        for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    }
    assert cli_events["期限: 児童手当 認定請求"] == dt.date(2026, 5, 16)
    assert set(events) <= set(cli_events)


def test_marking_a_notice_read_survives_a_reload(demo_site: dict[str, Any], page: Any) -> None:
    servers = demo_site["servers"]
    open_dashboard(page, servers, "notices")
    options = page.locator(".myna-notice-list select option")
    assert options.count() > 0, "the sample vault has no お知らせ"
    unread = [t for t in options.all_inner_texts() if t.startswith("●")]
    assert unread, "no unread notice in the sample vault"
    label = unread[0]
    before = int(re.search(r"未読 (\d+) 件", page.locator(".myna-notice-summary").inner_text())[1])
    page.locator(".myna-notice-list select").select_option(label=label)
    page.locator(".myna-notice-detail [data-read='false']").wait_for(timeout=60_000)
    page.get_by_role("button", name="既読にする").click()
    page.locator(".myna-notice-detail [data-read='true']").wait_for(timeout=60_000)
    page.reload(wait_until="commit")  # a new kernel: the mark comes back from the vault
    page.locator(".myna-app").wait_for(timeout=RENDER_TIMEOUT_MS)
    after = int(re.search(r"未読 (\d+) 件", page.locator(".myna-notice-summary").inner_text())[1])
    assert after == before - 1
    read_label = "　" + label[1:]
    page.locator(".myna-notice-list select").select_option(label=read_label)
    page.locator(".myna-notice-detail [data-read='true']").wait_for(timeout=60_000)
    assert_clean(page)


def _tries_on_card(site: dict[str, Any]) -> int:
    from mynalib.card import open_card

    with open_card("virtual", profile=site["env"]["MYNA_CARD_PROFILE"]) as card:
        return card.auth_tries_left()


def test_overview_fetch_wrong_pin_then_right_pin(
    demo_site: dict[str, Any], page: Any, shots: Path
) -> None:
    open_dashboard(page, demo_site["servers"], "overview")
    tries = page.locator(".myna-tries-left")
    tries.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert tries.get_attribute("data-tries") == "3"
    assert _tries_on_card(demo_site) == 3
    months_before = int(page.locator(".myna-pension").get_attribute("data-months") or 0)
    # wrong PIN: the page says how many tries are left; exactly one try was spent
    page.get_by_label("暗証番号").fill("9999")
    page.get_by_role("button", name="マイナポータルから取得").click()
    page.locator(".myna-status-error").wait_for(timeout=60_000)
    assert "残り2回" in page.locator(".myna-status-error").inner_text()
    # other widgets than the status line: their updates may arrive a moment after it
    expect(page.locator(".myna-tries-left")).to_have_attribute("data-tries", "2", timeout=30_000)
    expect(page.get_by_label("暗証番号")).to_have_value("", timeout=30_000)
    assert "9999" not in page.inner_text("body")
    assert _tries_on_card(demo_site) == 2
    page.screenshot(path=str(shots / "overview-wrong-pin.png"), full_page=True)
    # right PIN: the fetch completes and the figures update
    page.get_by_label("暗証番号").fill("1234")
    page.get_by_role("button", name="マイナポータルから取得").click()
    page.locator(".myna-status-ok").wait_for(timeout=120_000)
    assert "取得しました" in page.locator(".myna-status-ok").inner_text()
    page.wait_for_function(
        "n => Number(document.querySelector('.myna-pension').dataset.months) > n",
        arg=months_before,
        timeout=30_000,
    )
    assert page.locator(".myna-tries-left").get_attribute("data-tries") == "3"
    assert _tries_on_card(demo_site) == 3
    assert "1234" not in page.inner_text("body")
    page.screenshot(path=str(shots / "overview-after-fetch.png"), full_page=True)
    log = Path(demo_site["env"]["MYNA_HOME"]) / "logs" / "dashboards.log"
    if log.exists():
        text = log.read_text(encoding="utf-8")
        assert "9999" not in text and "1234" not in text


def _status(url: str) -> tuple[int, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Location", "")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location", "")


def test_a_request_without_the_token_is_refused(demo_site: dict[str, Any]) -> None:
    servers = demo_site["servers"]
    base = f"http://127.0.0.1:{servers.voila_port}"
    for path in ("/voila/render/overview.ipynb", "/voila/render/overview.ipynb?token=wrong", "/"):
        status, location = _status(base + path)
        assert status in (302, 401, 403), (path, status)
        if status == 302:
            assert "/login" in location
    status, _ = _status(f"{base}/voila/api/shutdown/x")
    assert status in (302, 401, 403, 405)
    # with the token the tree answers (a tree page starts no kernel)
    status, _ = _status(f"{base}/?token={servers.token}")
    assert status == 200


def _listening(port: int) -> list[str]:
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6)."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, state = parts[1], parts[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:
                out.append(addr)
    return out


def _non_loopback_ip() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") else ip


def test_servers_listen_on_loopback_only(demo_site: dict[str, Any]) -> None:
    servers = demo_site["servers"]
    for port in (servers.voila_port, servers.sandbox_port):
        assert port is not None
        addrs = _listening(port)
        assert addrs, f"nothing listens on {port}"
        assert set(addrs) == {"0100007F"}, (port, addrs)  # 127.0.0.1 only, no 0.0.0.0 / ::
        ip = _non_loopback_ip()
        if ip is not None:
            with pytest.raises(OSError):
                socket.create_connection((ip, port), timeout=2).close()


def test_voila_command_and_token_stay_off_the_command_line(demo_site: dict[str, Any]) -> None:
    servers = demo_site["servers"]
    cmdline = Path(f"/proc/{servers.voila.pid}/cmdline").read_bytes().decode()
    assert servers.token not in cmdline
    for log in servers.logs:  # no token in the server logs either
        assert servers.token not in log.read_text(encoding="utf-8", errors="replace")
    assert "--Voila.ip=127.0.0.1" in cmdline


def test_errors_are_short_japanese_messages_and_tracebacks_go_to_the_log(
    demo_site: dict[str, Any], browser: Any, tmp_path: Path, shots: Path
) -> None:
    """A wrong vault passphrase: the page says what to do in Japanese; the log has the trace."""
    from mynalib import demo

    env = dict(demo_site["env"])
    env["MYNA_VAULT_PASSPHRASE"] = "this is not the passphrase"
    env["MYNA_HOME"] = str(tmp_path / "state")
    servers = demo.start_servers(tmp_path / "w", env_extra=env, sandbox=False, timeout=90)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route(
            "**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort()
        )
        page = context.new_page()
        open_dashboard(page, servers, "procedures")
        error = page.locator(".myna-status-error").first
        error.wait_for(timeout=RENDER_TIMEOUT_MS)
        message = error.inner_text()
        assert "パスフレーズ" in message  # VaultLocked: what happened and what to do
        text = page.inner_text("body")
        assert "Traceback" not in text and "VaultLocked" not in text
        assert "There was an error when executing cell" not in text
        # the catalogue still works without the vault
        assert page.locator(".myna-results select option").count() == len(P.CATALOGUE)
        page.screenshot(path=str(shots / "procedures-vault-locked.png"), full_page=False)
        context.close()
        log = tmp_path / "state" / "logs" / "dashboards.log"
        assert "Traceback" in log.read_text(encoding="utf-8")
        assert "this is not the passphrase" not in log.read_text(encoding="utf-8")
    finally:
        servers.stop()


@pytest.mark.parametrize("name", ["overview", "procedures", "notices"])
def test_a_dashboard_asks_nothing_of_another_machine(
    demo_site: dict[str, Any], browser: Any, name: str
) -> None:
    """Every request a dashboard page makes goes to this machine (no CDN stylesheet, no font)."""
    elsewhere: list[str] = []

    def record(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    context.route("**/*", record)
    try:
        page = context.new_page()
        open_dashboard(page, demo_site["servers"], name)
        page.wait_for_load_state("networkidle")
        assert elsewhere == []
        # the buttons' icons (Font Awesome, served by Voila itself) still draw
        icon = page.locator(".myna-app button i.fa").first
        if icon.count():
            family = icon.evaluate("e => getComputedStyle(e, '::before').fontFamily")
            assert "Font Awesome" in family, family
    finally:
        context.close()
