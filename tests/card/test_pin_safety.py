"""PIN safety (docs/CARD.md §5): the PIN's digits appear in no log (any level), exception or repr."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from mynalib.card import JpkiCard, open_card
from mynalib.card.virtual import CardProfile, InProcessTransport, VirtualCard
from mynalib.cli import main
from mynalib.errors import MynaError
from mynalib.log import TRAFFIC, format_apdu
from mynalib.secrets import Pin

AUTH = "7395"
SIGN = "QZXW7395K"
KENHOJO = "6284"
NEW_AUTH = "5173"
SECRETS = [AUTH, SIGN, KENHOJO, NEW_AUTH]


def _forms(secret: str) -> list[str]:
    raw = secret.encode()
    return [secret, raw.hex(), raw.hex().upper(), raw.hex(" ").upper(), raw.hex(" ")]


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        for form in _forms(secret):
            assert form not in text, f"a PIN leaked (as {form!r})"


@pytest.fixture
def secret_profile() -> CardProfile:
    return CardProfile.generate("pin-safety", auth_pin=AUTH, sign_pin=SIGN, kenhojo_pin=KENHOJO)


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(1)  # below TRAFFIC: every record of every logger
    logging.getLogger("mynalib").setLevel(1)
    yield caplog
    logging.getLogger("mynalib").setLevel(logging.NOTSET)


def test_format_apdu_redacts_pin_bodies() -> None:
    verify = bytes.fromhex("0020008004") + AUTH.encode()
    change = bytes.fromhex("0024018004") + NEW_AUTH.encode()
    assert_clean(format_apdu(verify) + format_apdu(change))
    assert format_apdu(verify) == "00 20 00 80 <redacted>"  # not even the PIN's length


def test_no_pin_in_logs_exceptions_or_reprs(
    secret_profile: CardProfile, everything_logged: pytest.LogCaptureFixture
) -> None:
    texts: list[str] = []
    vc = VirtualCard(secret_profile)
    card = JpkiCard(InProcessTransport(vc))
    pins = [Pin(AUTH), Pin(SIGN, "sign"), Pin(KENHOJO, "kenhojo"), Pin(NEW_AUTH)]
    texts += [repr(p) + str(p) + f"{p}" for p in pins]
    texts.append(repr(card) + repr(secret_profile) + repr(vc.profile))
    card.sign_auth(b"login", Pin(AUTH))
    card.sign_sign(b"apply", Pin(SIGN, "sign"))
    texts.append(repr(card.kenhojo(Pin(KENHOJO, "kenhojo"))))
    card.change_pin("auth", Pin(AUTH), Pin(NEW_AUTH))
    texts.append(repr(card.status()))
    # failures: the exception text, repr and traceback must be clean too
    for attempt in (
        lambda: card.verify("auth", Pin(AUTH)),  # old PIN: wrong now
        lambda: card.verify("sign", Pin(SIGN[:-1] + "X", "sign")),
        lambda: card.verify("auth", Pin(AUTH), allow_last_try=False),
        lambda: Pin(AUTH + "1"),
        lambda: Pin(SIGN + "-", "sign"),
    ):
        try:
            attempt()
        except MynaError as exc:
            texts += [str(exc), repr(exc), exc.ja, "".join(traceback.format_exception(exc))]
    assert everything_logged.records, "TRAFFIC logging produced nothing: the test would be vacuous"
    assert any(r.levelno == TRAFFIC for r in everything_logged.records)
    assert any("<redacted" in r.getMessage() for r in everything_logged.records)
    texts.append(everything_logged.text)
    texts += [r.getMessage() for r in everything_logged.records]
    assert_clean("\n".join(texts))


def test_no_pin_in_cli_output_or_log_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    profile = CardProfile.generate("pin-safety-cli", auth_pin=AUTH, kenhojo_pin=KENHOJO)
    path = profile.save(tmp_path / "card.json")
    log_file = tmp_path / "myna.log"
    runner = CliRunner()
    args = ["--traffic", "--log-file", str(log_file)]
    outputs = []
    r = runner.invoke(main, [*args, "card", "info", "--profile", str(path)], input=KENHOJO + "\n")
    assert r.exit_code == 0, r.output
    outputs.append(r.output)
    r = runner.invoke(
        main,
        [*args, "card", "pin-change", "auth", "--profile", str(path)],
        input=f"{AUTH}\n{NEW_AUTH}\n{NEW_AUTH}\n",
    )
    assert r.exit_code == 0, r.output
    outputs.append(r.output)
    r = runner.invoke(main, [*args, "card", "info", "--profile", str(path)], input="0000\n")
    assert r.exit_code == 1
    outputs.append(r.output)
    monkeypatch.setenv("MYNA_KENHOJO_PIN", KENHOJO)
    r = runner.invoke(main, [*args, "card", "info", "--profile", str(path)])
    outputs.append(r.output)
    log_text = log_file.read_text(encoding="utf-8")
    assert "TRAFFIC" in log_text and "<redacted" in log_text
    assert_clean("\n".join(outputs) + log_text)
    # the profile file (a TEST-ONLY software card) is the only place the PIN is stored
    assert NEW_AUTH in path.read_text(encoding="utf-8")
    for handler in list(logging.getLogger("mynalib").handlers):
        logging.getLogger("mynalib").removeHandler(handler)
        handler.close()


def test_pin_object_cannot_be_pickled_or_copied() -> None:
    import copy
    import pickle

    pin = Pin(AUTH)
    for fn in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError):
            fn(pin)  # type: ignore[operator]


def test_open_card_virtual_with_profile_object(secret_profile: CardProfile) -> None:
    with open_card("virtual", secret_profile) as card:
        assert card.auth_tries_left() == 3
        with pytest.raises(MynaError) as info:
            card.verify("auth", Pin("0000"))
        assert_clean(str(info.value) + repr(info.value))
    assert secret_profile.tries_left["auth"] == 2  # in memory, no file written
