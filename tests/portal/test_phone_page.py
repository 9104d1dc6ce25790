"""The phone's verification page (PROTOCOL.md §2.3) in headless Chromium with a phone viewport:
it shows who asks, for what and for whom, fetches nothing but itself, runs no script, and takes
the approval `myna phone approve --print-only` prints (a web page cannot read a card)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mynalib.cli import main
from mynalib.portal import protocol as P
from mynalib.portal.client import PortalClient

from .conftest import LiveSandbox

pytestmark = pytest.mark.browser

#: a phone: 390×844 CSS pixels, touch, a mobile user agent
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "ja-JP",
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
}


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A phone-sized page; every request is recorded, any to another machine aborted."""
    context = browser.new_context(**PHONE)
    requested: list[str] = []

    def route(r: Any) -> None:
        requested.append(r.request.url)
        if r.request.url.startswith("http://127.0.0.1"):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        yield page, requested
    finally:
        context.close()


@pytest.fixture
def server(live_sandbox: Callable[..., LiveSandbox]) -> LiveSandbox:
    return live_sandbox(device_interval=1)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MYNA_AUTH_PIN", "1234")  # the phone app's PIN, for automation only
    return tmp_path


def _print_only(url: str, *extra: str) -> str:
    result = CliRunner().invoke(main, ["phone", "approve", url, "--yes", "--print-only", *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_the_page_shows_the_request_and_takes_the_approval(
    server: LiveSandbox, phone: tuple[Any, list[str]], home: Path, artifacts: Path
) -> None:
    page, requested = phone
    with PortalClient(server.url) as pc:
        login = pc.login_cross_device(acting_for="ume")
        uri = login.verification_uri_complete
        response = page.goto(uri)
        assert response.status == 200
        headers = response.headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "no-referrer" and headers["x-frame-options"] == "DENY"
        assert page.locator("html").get_attribute("lang") == "ja"
        assert page.locator("#user-code").inner_text() == login.user_code
        assert "mynalib" in page.locator("#client").inner_text()
        assert page.locator("#portal").inner_text() == server.url
        assert "代理人として" in page.locator("#acting-for").inner_text()
        assert "うめ" in page.locator("#acting-for").inner_text()
        scopes = page.locator("#scopes li")
        assert scopes.count() == len(P.SCOPES)
        assert "お知らせ" in scopes.all_inner_texts()
        assert "あと4分" in page.locator("#expires").inner_text()
        assert "パソコンの画面" in page.content()
        # made for a phone: nothing wider than the screen, buttons big enough to tap
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for button in ("#approve", "#deny"):
            box = page.locator(button).bounding_box()
            assert box["height"] >= 44 and box["width"] >= 300
        # nothing but the page itself was fetched, and it runs no script
        assert requested == [uri]
        assert page.locator("script").count() == 0
        page.screenshot(path=str(artifacts / "phone-verification-page.png"), full_page=True)
        # the phone's app signs (taro's スマホ用電子証明書: he is ume's 代理人); paste, approve
        approval = _print_only(uri, "--member", "taro", "--smartphone-cert")
        page.locator("#approval").fill(approval)
        page.locator("#approve").tap()
        result = page.locator("#result")
        result.wait_for()
        assert result.get_attribute("data-result") == "approved"
        assert "承認しました" in result.inner_text()
        assert all(u.startswith(server.url) for u in requested)
        session = login.wait()
        assert session.person_id == "ume" and session.actor["preferred_username"] == "taro"
        # the same page again: answered once, and says so
        page.goto(uri)
        assert "すでに承認" in page.locator("#result").inner_text()


def test_the_page_refuses_and_the_pc_is_told(
    server: LiveSandbox, phone: tuple[Any, list[str]], home: Path
) -> None:
    page, _ = phone
    with PortalClient(server.url) as pc:
        login = pc.login_cross_device()
        page.goto(login.verification_uri_complete)
        page.locator("#deny").tap()
        page.locator("#result").wait_for()
        assert page.locator("#result").get_attribute("data-result") == "denied"
        from mynalib.errors import AuthError

        with pytest.raises(AuthError, match="refused on the phone"):
            login.wait()


def test_an_approval_for_another_session_is_refused_on_the_page(
    server: LiveSandbox, phone: tuple[Any, list[str]], home: Path
) -> None:
    page, _ = phone
    with PortalClient(server.url) as pc:
        first = pc.login_cross_device()
        second = pc.login_cross_device()
        approval_for_first = _print_only(first.verification_uri_complete, "--virtual")
        page.goto(second.verification_uri_complete)
        page.locator("#approval").fill(approval_for_first)
        page.locator("#approve").tap()
        page.locator("#result").wait_for()
        assert page.locator("#result").get_attribute("data-error") == "session_mismatch"
        assert "別のログイン" in page.locator("#result").inner_text()
        assert server.state.device.by_user_code[second.user_code].state == "pending"
        # garbage is refused too, in Japanese
        page.goto(second.verification_uri_complete)
        page.locator("#approval").fill("hello")
        page.locator("#approve").tap()
        page.locator("#result").wait_for()
        assert "読み取れません" in page.locator("#result").inner_text()


def test_the_code_can_be_typed(server: LiveSandbox, phone: tuple[Any, list[str]]) -> None:
    page, _ = phone
    with PortalClient(server.url) as pc:
        login = pc.login_cross_device()
        page.goto(f"{server.url}/device")
        page.locator("#user_code").fill(login.user_code.lower().replace("-", " "))
        page.locator("button[type=submit]").tap()
        page.locator("#user-code").wait_for()
        assert page.locator("#user-code").inner_text() == login.user_code
        page.goto(f"{server.url}/device?user_code=BCDF-GHJK")
        assert "有効期限" in page.locator("#message").inner_text()
