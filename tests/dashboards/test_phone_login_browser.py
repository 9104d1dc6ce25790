"""The overview dashboard's 「スマートフォンでログイン」 in Voila and Chromium: the QR code is an
image that reads as the sandbox's verification URI, the countdown runs, and the phone's approval
logs in and fetches (the waiting happens in the kernel, not in the page)."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest

from .conftest import RENDER_TIMEOUT_MS, open_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_overview_logs_in_from_a_smartphone(
    demo_site: dict[str, Any], page: Any, shots: Path
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    from mynalib.card import open_card
    from mynalib.card.jpki import ACCEPT_PHONE
    from mynalib.portal import crossdevice as X
    from mynalib.portal.client import PortalClient
    from mynalib.samples.card import sample_smartphone_profile
    from mynalib.secrets import Pin

    servers = demo_site["servers"]
    portal = f"http://127.0.0.1:{servers.sandbox_port}"
    open_dashboard(page, servers, "overview")
    page.get_by_role("button", name="スマートフォンでログイン").click()
    image = page.locator("img.myna-phone-qr-image")
    image.wait_for(timeout=RENDER_TIMEOUT_MS)
    src = image.get_attribute("src")
    assert src.startswith("data:image/png;base64,")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(src.split(",")[1]))))
    uri = decoded[0].text
    assert uri.startswith(f"{portal}/device?user_code=")
    code = page.locator(".myna-phone-user-code").inner_text()
    assert uri.endswith(code)
    # the QR code as drawn on the page reads the same
    drawn = Image.open(io.BytesIO(image.screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(drawn)] == [uri]
    # the countdown runs
    left = int(page.locator(".myna-phone-wait").get_attribute("data-left"))
    page.wait_for_function(
        "n => Number(document.querySelector('.myna-phone-wait')?.dataset.left) < n",
        arg=left,
        timeout=60_000,
    )
    page.screenshot(path=str(shots / "overview-phone-login.png"), full_page=True)
    # the phone approves (taro's スマホ用電子証明書)
    with PortalClient(portal) as phone:
        request = X.open_request(phone, uri)
        with open_card("virtual", sample_smartphone_profile("taro"), accept=ACCEPT_PHONE) as card:
            X.submit_approval(phone, request, X.sign_approval(card, Pin("1234"), request))
    done = page.locator(".myna-phone-panel .myna-status-ok")
    done.wait_for(timeout=120_000)
    assert "ログインして取得しました" in done.inner_text()
    assert page.locator("img.myna-phone-qr-image").count() == 0
    page.screenshot(path=str(shots / "overview-phone-login-done.png"), full_page=True)
