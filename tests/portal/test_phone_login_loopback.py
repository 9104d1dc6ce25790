"""The login from a smartphone over loopback: `myna login --qr` and `myna phone approve` as a
person would run them against the sandbox on a real port, every PIN rule on the phone's side,
and the QR codes read back with a QR reader."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mynalib.card import open_card
from mynalib.card.jpki import ACCEPT_PHONE
from mynalib.cli import main
from mynalib.portal import crossdevice as X
from mynalib.portal import protocol as P
from mynalib.portal.client import PortalClient
from mynalib.secrets import Pin

from .conftest import LiveSandbox, member_profile

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")


def decode_qr(image: Any, *, invert: bool = False) -> list[str]:
    """The texts of the QR codes in ``image`` (zxing-cpp; polarity as given unless ``invert``)."""
    return [
        r.text
        for r in zxingcpp.read_barcodes(image, try_invert=invert)
        if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def terminal_qr_image(text: str, scale: int = 8) -> Any:
    """The picture a terminal shows for segno's compact QR text: the block characters are lit
    (light modules), blanks stay dark; two modules per character cell vertically."""
    rows: list[list[int]] = []
    for line in text.splitlines():
        top, bottom = [], []
        for ch in line:
            top.append(255 if ch in "█▀" else 0)
            bottom.append(255 if ch in "█▄" else 0)
        rows += [top, bottom]
    width = max(len(r) for r in rows)
    image = Image.new("L", (width * scale, len(rows) * scale), 0)
    for y, row in enumerate(rows):
        for x, value in enumerate(row):
            if value:
                image.paste(255, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return image


def data_uri_image(uri: str) -> Any:
    head, _, body = uri.partition(",")
    assert head == "data:image/png;base64"
    return Image.open(io.BytesIO(base64.b64decode(body)))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MYNA_VAULT", str(tmp_path / "vault"))
    for var in ("MYNA_AUTH_PIN", "MYNA_PORTAL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


@pytest.fixture
def server(live_sandbox: Callable[..., LiveSandbox]) -> LiveSandbox:
    return live_sandbox(device_interval=1)


def _pc_login(url: str, **kwargs: Any) -> tuple[PortalClient, X.CrossDeviceLogin]:
    pc = PortalClient(url)
    return pc, pc.login_cross_device(**kwargs)


def _phone(args: list[str], pin: str | None = None, env: dict[str, str] | None = None) -> Any:
    run_env = dict(env or {})
    if pin is not None:
        run_env["MYNA_AUTH_PIN"] = pin
    return CliRunner().invoke(main, ["phone", "approve", *args], env=run_env)


# ---------------------------------------------------------------------------------- the QR


def test_the_qr_codes_decode_to_the_verification_uri(server: LiveSandbox) -> None:
    pc, login = _pc_login(server.url)
    with pc:
        uri = login.verification_uri_complete
        assert uri.startswith(f"{server.url}/device?user_code=")
        assert decode_qr(data_uri_image(login.qr_png_data_uri())) == [uri]
        assert decode_qr(terminal_qr_image(login.qr_text())) == [uri]
        # in a notebook the login shows itself with the same QR code
        shown = login._repr_html_()
        assert decode_qr(data_uri_image(shown.split('src="', 1)[1].split('"', 1)[0])) == [uri]
        assert login.user_code in shown and "pending" in shown
        # light modules are the block characters: read as printed, not by luck of inversion
        inverted = terminal_qr_image(login.qr_text()).point(lambda v: 255 - v)
        assert decode_qr(inverted) == []


def test_whole_flow_over_loopback(server: LiveSandbox) -> None:
    pc, login = _pc_login(server.url)
    with pc, PortalClient(server.url) as phone:
        request = X.open_request(phone, login.verification_uri_complete)
        assert request.origin == server.url
        with open_card("virtual", member_profile("sora"), accept=ACCEPT_PHONE) as card:
            X.submit_approval(phone, request, X.sign_approval(card, Pin("1234"), request))
        session = login.wait()
        assert session.person_id == "sora" and login.polls >= 1
        assert pc.call("applications/list")["subject"]["name"] == session.person_name


# ------------------------------------------------------------------------ myna login --qr


def _approve_when_asked(
    server: LiveSandbox, member: str, found: dict[str, str]
) -> threading.Thread:
    """The phone, in a thread: waits for the PC's session to appear, then approves it."""

    def run() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            codes = list(server.state.device.by_user_code)
            if codes:
                break
            time.sleep(0.05)
        else:
            return
        url = f"{server.url}/device?user_code={codes[0]}"
        found["url"] = url
        with PortalClient(server.url) as phone:
            request = X.open_request(phone, url)
            with open_card("virtual", member_profile(member), accept=ACCEPT_PHONE) as card:
                X.submit_approval(phone, request, X.sign_approval(card, Pin("1234"), request))
        found["approved"] = "yes"

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_myna_login_qr(server: LiveSandbox, home: Path) -> None:
    found: dict[str, str] = {}
    thread = _approve_when_asked(server, "hanako", found)
    result = CliRunner().invoke(main, ["login", "--qr", "--portal", server.url])
    thread.join(30)
    assert result.exit_code == 0, result.output
    assert found.get("approved") == "yes"
    out = result.stdout
    # the QR code in the terminal, the URL under it, the code, then the outcome
    qr_lines = [line for line in out.splitlines() if set(line) <= set("█▀▄ ") and line.strip()]
    assert decode_qr(terminal_qr_image("\n".join(qr_lines))) == [found["url"]]
    after_qr = out.split(qr_lines[-1], 1)[1].lstrip("\n").splitlines()
    assert after_qr[0] == found["url"]
    assert found["url"].rsplit("=", 1)[1] in after_qr[1]
    assert "Logged in to" in out and "見本　花子" in out
    assert "waiting for the phone" in result.stderr  # the countdown
    # the session is kept as `myna login` keeps it
    from mynalib.vault import open_vault

    with open_vault() as vault:
        assert vault.get_secret("portal.refresh_token")
        assert vault.get_state("portal.session")["person_id"] == "hanako"
    fetched = CliRunner().invoke(main, ["fetch", "notices", "--no-progress"])
    assert fetched.exit_code == 0, fetched.output


def test_myna_login_qr_refused_on_the_phone(server: LiveSandbox, home: Path) -> None:
    def deny() -> None:
        deadline = time.monotonic() + 30
        while not server.state.device.by_user_code and time.monotonic() < deadline:
            time.sleep(0.05)
        code = next(iter(server.state.device.by_user_code))
        _phone([f"{server.url}/device?user_code={code}", "--deny", "--yes"])

    thread = threading.Thread(target=deny, daemon=True)
    thread.start()
    result = CliRunner().invoke(main, ["login", "--qr", "--portal", server.url])
    thread.join(30)
    assert result.exit_code == 1
    assert "refused on the phone" in result.output and "拒否" in result.output


def test_login_qr_takes_no_card_options(home: Path) -> None:
    result = CliRunner().invoke(main, ["login", "--qr", "--virtual"])
    assert result.exit_code == 2 and "--qr" in result.output


# ------------------------------------------------------------------------ myna phone approve


def test_phone_approve_shows_the_request_then_tries_then_pin(
    server: LiveSandbox, home: Path
) -> None:
    pc, login = _pc_login(server.url, acting_for="ume")
    with pc:
        result = _phone(
            [login.verification_uri_complete, "--member", "taro", "--smartphone-cert", "--yes"],
            pin="1234",
        )
        assert result.exit_code == 0, result.output
        out = result.output
        order = [
            out.index(login.user_code),
            out.index("mynalib"),
            out.index(server.url),
            out.index("代理人として"),
            out.index("お知らせ"),
            out.index("スマホ用電子証明書"),
            out.index("3 tries left"),
            out.index("承認しました"),
        ]
        assert order == sorted(order)
        assert "1234" not in out
        session = login.wait()
        assert session.person_id == "ume" and session.actor["preferred_username"] == "taro"


def test_phone_approve_print_only_prints_only_the_approval(server: LiveSandbox, home: Path) -> None:
    pc, login = _pc_login(server.url)
    with pc:
        result = _phone(
            [login.verification_uri_complete, "--virtual", "--yes", "--print-only"], pin="1234"
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.count("\n") == 1
        approval = result.stdout.strip()
        user_code, _cert, _sig = P.decode_approval(approval)
        assert user_code == login.user_code
        assert "承認データ" in result.stderr and login.user_code in result.stderr
        time.sleep(1.1)
        assert login.poll() is None  # nothing was sent
        with PortalClient(server.url) as phone:
            X.submit_approval(
                phone, X.open_request(phone, login.verification_uri_complete), approval
            )
        assert login.wait().person_id == "taro"  # the built-in software card is taro's


def test_phone_approve_wrong_pin_spends_one_try_and_sends_nothing(
    server: LiveSandbox, home: Path
) -> None:
    pc, login = _pc_login(server.url)
    card_file = home / "sample-card-hanako.json"
    with pc:
        result = _phone(
            [login.verification_uri_complete, "--member", "hanako", "--yes"], pin="9999"
        )
        assert result.exit_code == 1
        assert "2" in result.output and "9999" not in result.output
        assert json.loads(card_file.read_text())["tries_left"]["auth"] == 2  # one try, not retried
        session = server.state.device.by_user_code[login.user_code]
        assert session.state == "pending" and session.attempts == 0  # nothing reached the portal
        # the right PIN afterwards: the counter is shown first and the login goes through
        again = _phone([login.verification_uri_complete, "--member", "hanako", "--yes"], pin="1234")
        assert again.exit_code == 0, again.output
        assert "2 tries left" in again.output
        assert json.loads(card_file.read_text())["tries_left"]["auth"] == 3
        assert login.wait().person_id == "hanako"


def test_phone_approve_refuses_the_last_try_without_confirmation(
    server: LiveSandbox, home: Path
) -> None:
    from mynalib.samples.card import sample_smartphone_profile

    profile = sample_smartphone_profile("taro")
    profile.tries_left["auth"] = 1
    path = profile.save(home / "phone.json")
    pc, login = _pc_login(server.url)
    with pc:
        url = login.verification_uri_complete
        refused = _phone([url, "--profile", str(path), "--smartphone-cert", "--yes"], pin="1234")
        assert refused.exit_code == 1 and "--i-understand-last-try" in refused.output
        assert json.loads(path.read_text())["tries_left"]["auth"] == 1  # nothing spent
        confirmed = _phone(
            [url, "--profile", str(path), "--smartphone-cert", "--yes", "--i-understand-last-try"],
            pin="1234",
        )
        assert confirmed.exit_code == 0, confirmed.output
        assert login.wait().person_id == "taro"


def test_phone_approve_smartphone_cert_must_be_one(server: LiveSandbox, home: Path) -> None:
    pc, login = _pc_login(server.url)
    with pc:
        result = _phone(
            [login.verification_uri_complete, "--member", "taro", "--smartphone-cert", "--yes"],
            pin="1234",
        )
        assert result.exit_code == 0
        card_as_phone = _phone(
            [
                login.verification_uri_complete,
                "--profile",
                str(home / "sample-card-taro.json"),
                "--smartphone-cert",
                "--yes",
            ],
            pin="1234",
        )
        # a card file is not a スマホ用電子証明書 (and this session was answered anyway)
        assert card_as_phone.exit_code == 1


def test_phone_approve_refuses_an_untrusted_portal_before_anything(home: Path) -> None:
    result = _phone(["https://portal.example/device?user_code=BCDF-GHJK", "--virtual", "--yes"])
    assert result.exit_code == 1 and "--trust-portal" in result.output
    bad = _phone(["http://127.0.0.1:9/device", "--virtual"])
    assert bad.exit_code == 2 and "user_code" in bad.output


@pytest.fixture
def _no_env_pin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("MYNA_AUTH_PIN", raising=False)
    yield


def test_phone_approve_asks_before_signing(
    server: LiveSandbox, home: Path, _no_env_pin: None
) -> None:
    pc, login = _pc_login(server.url)
    with pc:
        result = CliRunner().invoke(
            main, ["phone", "approve", login.verification_uri_complete, "--virtual"], input="n\n"
        )
        assert result.exit_code == 1  # aborted at the question: no PIN asked, nothing sent
        assert "PIN" not in result.output.split("approve?", 1)[1]
        assert server.state.device.by_user_code[login.user_code].state == "pending"
