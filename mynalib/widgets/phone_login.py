"""「スマートフォンでログイン」: the QR code of a login from a smartphone, and its countdown.

The PC side of ``mynalib/portal/PROTOCOL.md`` §2.3 in a dashboard: the button asks the portal for a login
session (``start`` returns a :class:`mynalib.portal.crossdevice.CrossDeviceLogin`), the QR code of
its verification URI is shown as an image (a PNG ``data:`` URI: nothing is fetched), with the
code to compare on the phone and a countdown; the panel polls at the portal's interval (and
slower after ``slow_down``) until the phone answers. ``on_approved(login)`` then runs (fetch into
the vault; it closes ``login.client``) and returns a short Japanese summary; a login that ends
otherwise (refused, expired, cancelled) has its client closed by the panel. No card and no PIN
are involved on this side.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from .common import StatusBar, esc, heading, japanese_message, logger


class PhoneLoginPanel(widgets.VBox):
    """The 「スマートフォンでログイン」 component.

    ``threaded=False`` leaves the waiting to the caller (:meth:`tick`, as the tests do); with a
    thread the panel ticks itself about once a second until the login ends.
    """

    def __init__(
        self,
        start: Callable[[], Any],
        on_approved: Callable[[Any], str],
        *,
        threaded: bool = True,
        tick_seconds: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self._start = start
        self._on_approved = on_approved
        self._threaded = threaded
        self._tick_seconds = tick_seconds
        self._login: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.status = StatusBar()
        self.go = widgets.Button(
            description="スマートフォンでログイン",
            icon="mobile",
            button_style="primary",
            layout=widgets.Layout(width="auto"),
        )
        self.go.add_class("myna-phone-login")
        self.cancel = widgets.Button(description="やめる", icon="times")
        self.cancel.add_class("myna-phone-cancel")
        self.cancel.layout.display = "none"
        self.qr = widgets.HTML()
        self.qr.add_class("myna-phone-qr")
        self.code = widgets.HTML()
        self.code.add_class("myna-phone-code")
        self.countdown = widgets.HTML()
        self.countdown.add_class("myna-phone-countdown")
        self.go.on_click(lambda _b: self.begin())
        self.cancel.on_click(lambda _b: self.stop("やめました。"))
        super().__init__(
            [
                heading("スマートフォンでログイン"),
                widgets.HTML(
                    '<p class="myna-muted">カードリーダーがなくても、スマートフォンでQRコードを'
                    "読み取り、マイナンバーカード（NFC）またはスマホ用電子証明書で承認すると"
                    "ログインできます。</p>"
                ),
                widgets.HBox([self.go, self.cancel]),
                self.qr,
                self.code,
                self.countdown,
                self.status,
            ],
            **kwargs,
        )
        self.add_class("myna-phone-panel")

    @property
    def login(self) -> Any:
        """The login being waited for (a ``CrossDeviceLogin``), or None."""
        return self._login

    def begin(self) -> None:
        """Ask the portal for a login session and show its QR code (and start waiting)."""
        self.stop()
        self.status.clear()
        try:
            login = self._start()
        except Exception as exc:
            self.status.exception(exc, "phone login start")
            return
        with self._lock:
            self._login = login
        uri = esc(login.verification_uri_complete)
        self.qr.value = (
            f'<img class="myna-phone-qr-image" alt="ログイン用のQRコード" '
            f'src="{login.qr_png_data_uri(scale=5)}" width="{login.qr().symbol_size(scale=5)[0]}">'
            f'<div class="myna-muted myna-phone-uri" style="overflow-wrap:anywhere">{uri}</div>'
        )
        self.code.value = (
            f'<p>確認コード: <b class="myna-phone-user-code">{esc(login.user_code)}</b>'
            "（スマートフォンに同じコードが表示されることを確かめてください）</p>"
        )
        self.go.disabled = True
        self.cancel.layout.display = ""
        self._show_countdown()
        if self._threaded:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="phone-login", daemon=True)
            self._thread.start()

    def _show_countdown(self) -> None:
        login = self._login
        if login is None:
            self.countdown.value = ""
            return
        left = login.seconds_left()
        self.countdown.value = (
            f'<p class="myna-phone-wait" data-left="{left}">スマートフォンの承認を待っています。'
            f'残り <b class="myna-phone-left">{left // 60}:{left % 60:02d}</b>'
            f"（次の確認まで {login.seconds_to_next_poll()} 秒）</p>"
        )

    def tick(self) -> bool:
        """One step: update the countdown and poll when due. True once the login has ended
        (approved and handed to ``on_approved``, refused, expired or failed)."""
        with self._lock:
            login = self._login
        if login is None:
            return True
        try:
            session = login.step()
        except Exception as exc:
            self._finish()
            _close(login)
            logger().info("phone login ended: %s", type(exc).__name__)
            self.status.error(japanese_message(exc))
            return True
        if session is None:
            self._show_countdown()
            return False
        self._finish()
        self.status.info("承認されました。取得しています…")
        try:
            summary = self._on_approved(login)
        except Exception as exc:
            self.status.exception(exc, "phone login fetch")
            return True
        self.status.ok(summary)
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.tick():
                return
            self._stop.wait(self._tick_seconds)

    def _finish(self) -> None:
        with self._lock:
            self._login = None
        self.qr.value = ""
        self.code.value = ""
        self.countdown.value = ""
        self.go.disabled = False
        self.cancel.layout.display = "none"

    def stop(self, message: str = "") -> None:
        """Stop waiting (the session on the portal simply expires)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None
        login = self._login
        if login is not None:
            self._finish()
            _close(login)
        if message:
            self.status.info(message)


def _close(login: Any) -> None:
    """Close the client of a login that ended without approval (``on_approved`` gets it open)."""
    close = getattr(getattr(login, "client", None), "close", None)
    if callable(close):
        try:
            close()
        except Exception as exc:  # closing is best effort
            logger().info("closing the portal client failed: %s", type(exc).__name__)
