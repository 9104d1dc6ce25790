"""`myna doctor`, `myna card ...` and `myna demo` through click's test runner."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mynalib.card.virtual import CardProfile
from mynalib.cli import main


@pytest.fixture(autouse=True)
def _no_handler_pileup() -> Iterator[None]:
    yield
    root = logging.getLogger("mynalib")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def card_file(tmp_path: Path) -> Path:
    return CardProfile.generate("cli-tests").save(tmp_path / "card.json")


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def tries(path: Path) -> dict[str, int]:
    return CardProfile.load(path).tries_left


def test_status_virtual_shows_tries_and_expiry(card_file: Path) -> None:
    r = run("card", "status", "--profile", str(card_file))
    assert r.exit_code == 0, r.output
    for which, left in (("auth", "3/3"), ("sign", "5/5"), ("kenhojo", "3/3")):
        assert any(line.split()[:2] == [which, left] for line in r.output.splitlines()), r.output
    assert "expires 2029-04-12" in r.output and "有効期限 2029-04-12" in r.output
    assert "O=JPKI-TEST" in r.output and "TEST-ONLY" in r.output
    assert "Chain check" in r.output and "ok" in r.output


def test_status_default_virtual() -> None:
    # (`myna demo` now belongs to the dashboards; it falls back to this status without Voila)
    r = run("card", "status", "--virtual")
    assert r.exit_code == 0, r.output
    assert "auth     3/3" in r.output and "expires" in r.output


def test_status_json(card_file: Path) -> None:
    r = run("card", "status", "--profile", str(card_file), "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["tries_left"] == {"auth": 3, "sign": 5, "kenhojo": 3}
    assert data["auth_certificate"]["not_after"].startswith("2029-04-12")
    assert data["auth_certificate_check"]["ok"] is True


def test_info(card_file: Path) -> None:
    r = run("card", "info", "--profile", str(card_file), input="1234\n")
    assert r.exit_code == 0, r.output
    assert "見本　太郎" in r.output and "1970-04-12" in r.output
    assert "********9018" in r.output and "123456789018" not in r.output
    assert "3/3 tries left" in r.output  # shown before asking
    assert r.output.index("3/3 tries left") < r.output.index("kenhojo PIN:")
    assert "issuer signature valid" in r.output
    full = run("card", "info", "--profile", str(card_file), "--full-number", input="1234\n")
    assert "123456789018" in full.output


def test_wrong_pin_last_try_and_blocked_messages(card_file: Path) -> None:
    r = run("card", "info", "--profile", str(card_file), input="0000\n")
    assert r.exit_code == 1 and "2 tries left" in r.output and "残り2回" in r.output
    run("card", "info", "--profile", str(card_file), input="0000\n")
    assert tries(card_file)["kenhojo"] == 1
    r = run("card", "info", "--profile", str(card_file), input="1234\n")
    assert r.exit_code == 1
    assert "--i-understand-last-try" in r.output and "残り1回" in r.output
    assert "kenhojo PIN:" not in r.output  # not even asked
    assert tries(card_file)["kenhojo"] == 1
    r = run("card", "info", "--profile", str(card_file), "--i-understand-last-try", input="0000\n")
    assert r.exit_code == 1
    assert "blocked" in r.output and "municipal office" in r.output
    assert "市区町村の窓口のみ" in r.output  # kenhojo: only at the municipal office
    # blocked: refused before asking, and the status says so in both languages
    r = run("card", "info", "--profile", str(card_file), "--i-understand-last-try", input="1234\n")
    assert r.exit_code == 1 and "kenhojo PIN:" not in r.output and "blocked" in r.output
    r = run("card", "status", "--profile", str(card_file))
    assert r.exit_code == 0
    assert "BLOCKED / ロック中" in r.output and "市区町村" in r.output
    # still blocked in the next run, until reset-virtual
    assert tries(card_file)["kenhojo"] == 0
    r = run("card", "reset-virtual", "--profile", str(card_file))
    assert r.exit_code == 0, r.output
    assert tries(card_file) == {"auth": 3, "sign": 5, "kenhojo": 3}
    assert run("card", "info", "--profile", str(card_file), input="1234\n").exit_code == 0


def test_blocked_auth_guidance_mentions_kiosk(card_file: Path) -> None:
    profile = CardProfile.load(card_file)
    profile.tries_left["auth"] = 0
    profile.save(card_file)
    r = run("card", "pin-change", "auth", "--profile", str(card_file), input="1234\n")
    assert r.exit_code == 1
    assert "convenience-store" in r.output and "コンビニ" in r.output


def test_pin_change(card_file: Path) -> None:
    r = run("card", "pin-change", "auth", "--profile", str(card_file), input="1234\n4321\n4321\n")
    assert r.exit_code == 0, r.output
    assert "changed" in r.output and "3/3 tries left" in r.output
    assert CardProfile.load(card_file).pins["auth"] == "4321"
    r = run(
        "card",
        "pin-change",
        "sign",
        "--profile",
        str(card_file),
        input="abc123\nnewpass9\nnewpass9\n",
    )
    assert r.exit_code == 0, r.output
    assert CardProfile.load(card_file).pins["sign"] == "NEWPASS9"


def test_pin_change_refusals_spend_nothing(card_file: Path) -> None:
    r = run("card", "pin-change", "auth", "--profile", str(card_file), input="1234\n4321\n4322\n")
    assert r.exit_code == 1 and "differ" in r.output
    r = run("card", "pin-change", "auth", "--profile", str(card_file), input="1234\n12\n12\n")
    assert r.exit_code == 1 and "4 digits" in r.output
    r = run("card", "pin-change", "auth", "--profile", str(card_file), input="12345\n")
    assert r.exit_code == 1 and "no try was spent" in r.output
    assert tries(card_file)["auth"] == 3
    assert CardProfile.load(card_file).pins["auth"] == "1234"


def test_env_pins_for_automation(card_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYNA_KENHOJO_PIN", "1234")
    r = run("card", "info", "--profile", str(card_file))
    assert r.exit_code == 0, r.output
    assert "unsafe" in r.output


def test_reset_virtual_creates_default_and_checks_pins(tmp_path: Path) -> None:
    path = tmp_path / "new.json"
    r = run("card", "reset-virtual", "--profile", str(path), "--auth-pin", "2468")
    assert r.exit_code == 0, r.output
    assert CardProfile.load(path).pins["auth"] == "2468"
    r = run("card", "reset-virtual", "--profile", str(path), "--auth-pin", "24")
    assert r.exit_code == 1 and "4 digits" in r.output


def test_reader_and_virtual_are_exclusive(card_file: Path) -> None:
    r = run("card", "status", "--virtual", "--reader", "X")
    assert r.exit_code == 2


@pytest.mark.xdist_group("pcscd")  # needs no pcscd running: not beside the pcscd tests
def test_status_without_pcscd_says_what_to_do() -> None:
    from tests.pcsc_stack import no_pcscd, running_pcscd

    with no_pcscd():
        if running_pcscd():
            pytest.skip("a pcscd is running")
        r = run("card", "status")
    assert r.exit_code == 1
    assert "pcscd" in r.output and "スマートカードサービス" in r.output


def test_doctor(monkeypatch: pytest.MonkeyPatch) -> None:
    from mynalib.card import pcsc

    monkeypatch.setattr(pcsc, "reader_states", lambda: [])  # a PC/SC service with no reader
    r = run("doctor")
    assert r.exit_code == 0, r.output
    assert "mynalib" in r.output and "PC/SC service" in r.output
    assert "Software card" in r.output and "works" in r.output
    assert "All checks passed" in r.output
    # no personal data: no name, no My Number, no certificate subject
    assert "見本" not in r.output and "9018" not in r.output and "CN=" not in r.output


def test_doctor_fails_with_what_to_do_when_something_is_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mynalib.card import pcsc
    from mynalib.errors import PcscUnavailable

    def no_service() -> list[object]:
        raise PcscUnavailable("The PC/SC service is not running")

    monkeypatch.setattr(pcsc, "reader_states", no_service)
    r = run("doctor")
    assert r.exit_code == 1, r.output
    assert "1 problem(s) found" in r.output and "1件の問題" in r.output
    assert "systemctl start pcscd" in r.output  # what to do, not only what is wrong
    assert "pcscd）を起動してください" in r.output
    assert "All checks passed" not in r.output


def test_help_mentions_unsafe_env() -> None:
    r = run("card", "pin-change", "--help")
    assert r.exit_code == 0 and "unsafe" in r.output
    r = run("card", "serve-virtual", "--help")
    assert r.exit_code == 0 and "vpcd" in r.output
