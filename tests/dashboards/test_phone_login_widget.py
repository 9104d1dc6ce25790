"""「スマートフォンでログイン」 in-process: the QR image decodes to the verification URI, the
countdown follows the portal's interval, the phone's answer ends the wait (approved: the fetch
runs; refused or expired: a Japanese message), and the overview dashboard offers it."""

from __future__ import annotations

import base64
import io
import time
from typing import Any

import httpx
import pytest

pytest.importorskip("ipywidgets")

from mynalib.card import open_card
from mynalib.card.jpki import ACCEPT_PHONE
from mynalib.portal import crossdevice as X
from mynalib.portal.client import PortalClient
from mynalib.portal.sandbox.app import SandboxConfig, create_app
from mynalib.samples.card import sample_smartphone_profile
from mynalib.secrets import Pin
from mynalib.widgets.phone_login import PhoneLoginPanel


class Clock:
    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def setup() -> dict[str, Any]:
    clock = Clock()
    app = create_app(SandboxConfig(clock=clock, pending_polls=0, done_step=False))
    transport = httpx.ASGITransport(app=app)
    made: list[PortalClient] = []

    def client() -> PortalClient:
        c = PortalClient("http://sandbox.test", transport, sleep=clock.sleep)
        made.append(c)
        return c

    def start() -> X.CrossDeviceLogin:
        return X.start_cross_device(client(), clock=clock, sleep=clock.sleep)

    return {"clock": clock, "state": app.state.sandbox, "client": client, "start": start}


def _phone_approves(
    setup: dict[str, Any], login: X.CrossDeviceLogin, *, deny: bool = False
) -> None:
    with setup["client"]() as phone:
        request = X.open_request(phone, login.verification_uri_complete)
        if deny:
            X.deny(phone, request)
            return
        with open_card("virtual", sample_smartphone_profile("hanako"), accept=ACCEPT_PHONE) as card:
            X.submit_approval(phone, request, X.sign_approval(card, Pin("1234"), request))


def test_qr_countdown_and_approval(setup: dict[str, Any]) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    fetched: list[Any] = []

    def on_approved(login: X.CrossDeviceLogin) -> str:
        fetched.append(login.session)
        return "取得しました"

    panel = PhoneLoginPanel(setup["start"], on_approved, threaded=False)
    assert panel.qr.value == "" and panel.go.description == "スマートフォンでログイン"
    panel.go.click()
    login = panel.login
    assert login is not None and panel.go.disabled
    # the QR code is an image in the page (a data: URI) that reads as the verification URI
    src = panel.qr.value.split('src="', 1)[1].split('"', 1)[0]
    assert src.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [login.verification_uri_complete]
    assert login.verification_uri_complete in panel.qr.value
    assert login.user_code in panel.code.value
    assert 'data-left="300"' in panel.countdown.value and "5:00" in panel.countdown.value
    # a second passes: the countdown moves, nothing is asked yet (the interval is 5 s)
    setup["clock"].sleep(1)
    assert panel.tick() is False and "4:59" in panel.countdown.value and login.polls == 0
    setup["clock"].sleep(4)
    assert panel.tick() is False and login.polls == 1  # pending
    _phone_approves(setup, login)
    setup["clock"].sleep(5)
    assert panel.tick() is True
    assert fetched and fetched[0].person_id == "hanako"
    assert "取得しました" in panel.status.value
    assert panel.qr.value == "" and not panel.go.disabled and panel.login is None


def test_refused_on_the_phone(setup: dict[str, Any]) -> None:
    panel = PhoneLoginPanel(setup["start"], lambda login: "never", threaded=False)
    panel.begin()
    login = panel.login
    _phone_approves(setup, login, deny=True)
    setup["clock"].sleep(5)
    assert panel.tick() is True
    assert "拒否" in panel.status.value and panel.qr.value == ""
    assert login.client.http.is_closed  # the panel closed the client it will not hand on


def test_expired(setup: dict[str, Any]) -> None:
    panel = PhoneLoginPanel(setup["start"], lambda login: "never", threaded=False)
    panel.begin()
    setup["clock"].sleep(301)
    assert panel.tick() is True
    assert "有効期限" in panel.status.value and not panel.go.disabled


def test_the_thread_waits_and_cancel_stops_it(setup: dict[str, Any]) -> None:
    panel = PhoneLoginPanel(setup["start"], lambda login: "ok", tick_seconds=0.01)
    panel.begin()
    assert panel._thread is not None and panel._thread.is_alive()
    panel.cancel.click()
    assert panel._thread is None and panel.login is None and "やめました" in panel.status.value


def test_the_portal_unreachable_says_so_in_japanese() -> None:
    from mynalib.errors import PortalUnavailable

    def start() -> Any:
        raise PortalUnavailable("down", ja="ポータルに接続できません。")

    panel = PhoneLoginPanel(start, lambda login: "never", threaded=False)
    panel.begin()
    assert "ポータルに接続できません" in panel.status.value and panel.login is None


def test_the_overview_dashboard_offers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from mynalib.widgets import apps

    monkeypatch.setattr(apps, "dashboard_vault", lambda status: None)
    monkeypatch.delenv("MYNA_PORTAL_URL", raising=False)
    box = apps.overview_app()
    found = [w for w in _walk(box) if isinstance(w, PhoneLoginPanel)]
    assert len(found) == 1
    found[0].begin()  # no portal configured: said in Japanese, nothing started
    assert "サンドボックス" in found[0].status.value and found[0].login is None


def _walk(widget: Any) -> list[Any]:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += _walk(child)
    return out
