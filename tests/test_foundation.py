"""errors, Pin and the logging helpers."""

from __future__ import annotations

import copy
import logging
import pickle

import pytest

from mynalib import errors
from mynalib.log import TRAFFIC, RedactingFilter, format_apdu, redact, traffic
from mynalib.secrets import Pin


def test_error_tree() -> None:
    for cls in (errors.CardError, errors.PortalError, errors.SourceError, errors.VaultError):
        assert issubclass(cls, errors.MynaError)
    for cls in (
        errors.ReaderNotFound,
        errors.PcscUnavailable,
        errors.CardRemoved,
        errors.AppletNotFound,
        errors.PinError,
        errors.PinBlocked,
        errors.SecurityStatusNotSatisfied,
        errors.CardResponseError,
    ):
        assert issubclass(cls, errors.CardError)
    for cls in (
        errors.AuthError,
        errors.SessionExpired,
        errors.RateLimited,
        errors.PortalUnavailable,
        errors.ProtocolError,
    ):
        assert issubclass(cls, errors.PortalError)
    for cls in (errors.UnknownDocument, errors.MalformedDocument, errors.SignatureInvalid):
        assert issubclass(cls, errors.SourceError)
    for cls in (errors.VaultLocked, errors.VaultCorrupt):
        assert issubclass(cls, errors.VaultError)


def test_pin_error_carries_tries_left() -> None:
    exc = errors.PinError(tries_left=2, which="auth")
    assert exc.tries_left == 2
    assert "2 tries left" in str(exc)
    assert "残り2回" in exc.ja


def test_pin_blocked_says_where_to_reset() -> None:
    assert "municipal office" in str(errors.PinBlocked("kenhojo"))
    assert "only" in str(errors.PinBlocked("kenhojo"))
    assert "コンビニ" in errors.PinBlocked("auth").ja
    assert "窓口のみ" in errors.PinBlocked("kenhojo").ja


def test_pcsc_unavailable_says_what_to_do() -> None:
    assert "pcscd" in str(errors.PcscUnavailable())


def test_malformed_document_names_the_place() -> None:
    assert "line 12" in str(errors.MalformedDocument("bad amount", line=12))


@pytest.mark.parametrize(
    ("kind", "value"),
    [("auth", "1234"), ("kenhojo", "0000"), ("sign", "abc123"), ("sign", "A" * 16)],
)
def test_pin_accepts_valid(kind: str, value: str) -> None:
    pin = Pin(value, kind)  # type: ignore[arg-type]
    assert pin.reveal() == value.upper().encode()


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("auth", "123"),
        ("auth", "12345"),
        ("auth", "12a4"),
        ("sign", "ABC12"),
        ("sign", "A" * 17),
        ("sign", "ABC-123"),
        ("kenhojo", ""),
    ],
)
def test_pin_refuses_bad_format_without_echoing(kind: str, value: str) -> None:
    with pytest.raises(errors.PinFormatError) as info:
        Pin(value, kind)  # type: ignore[arg-type]
    if value:
        assert value not in str(info.value)
    assert "no try was spent" in str(info.value)


def test_pin_masks_itself() -> None:
    pin = Pin("9876", "auth")
    for text in (
        str(pin),
        repr(pin),
        f"{pin}",
        f"{pin!r}",
        "%s" % pin,  # noqa: UP031
        str([pin]),
        str({"p": pin}),
    ):
        assert "9876" not in text
        assert "****" in text


def test_pin_refuses_pickle_and_copy() -> None:
    pin = Pin("9876", "auth")
    with pytest.raises(TypeError):
        pickle.dumps(pin)
    with pytest.raises(TypeError):
        copy.copy(pin)
    with pytest.raises(TypeError):
        copy.deepcopy(pin)


def test_pin_refuses_reuse_after_failure() -> None:
    pin = Pin("9876", "auth")
    assert pin.reveal() == b"9876"
    pin.mark_failed()
    with pytest.raises(errors.PinReuseError):
        pin.reveal()
    assert pin.failed
    assert "failed" in repr(pin)


def test_format_apdu_redacts_verify_and_change() -> None:
    verify = bytes.fromhex("0020008004") + b"1234"
    change = bytes.fromhex("0024018004") + b"5678"
    assert b"1234".hex() not in format_apdu(verify).replace(" ", "").lower()
    assert format_apdu(verify) == "00 20 00 80 <redacted>"  # not even the PIN's length
    assert "35 36 37 38" not in format_apdu(change)
    # the empty VERIFY (tries left) is not secret
    assert format_apdu(bytes.fromhex("00200080")) == "00 20 00 80"
    assert format_apdu(bytes.fromhex("00A4040C02000A")) == "00 A4 04 0C 02 00 0A"


def test_traffic_level_is_below_debug(caplog: pytest.LogCaptureFixture) -> None:
    assert TRAFFIC < logging.DEBUG
    logger = logging.getLogger("mynalib.test")
    with caplog.at_level(TRAFFIC, logger="mynalib.test"):
        traffic(logger, ">>", bytes.fromhex("0020008004") + b"4321")
    assert caplog.records and caplog.records[0].levelno == TRAFFIC
    assert "34 33 32 31" not in caplog.text and "4321" not in caplog.text


def test_redact_tokens_and_my_number() -> None:
    text = (
        "Authorization: Bearer abc.def.ghi refresh_token=r3fr3sh "
        '{"access_token": "tok123"} my number 123456789018'
    )
    out = redact(text)
    for secret in ("abc.def.ghi", "r3fr3sh", "tok123", "12345678"):
        assert secret not in out
    assert "9018" in out


def test_redacting_filter(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("mynalib.test.filter")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="mynalib.test.filter"):
        logger.info("got %s", "access_token=SECRETVALUE")
    assert "SECRETVALUE" not in caplog.text


def test_log_file_names_traffic_even_after_uvicorn_renamed_level_5(tmp_path) -> None:
    from mynalib.log import setup_logging

    logging.addLevelName(TRAFFIC, "TRACE")  # what uvicorn's Config does
    logfile = tmp_path / "x.log"
    logger = logging.getLogger("mynalib")
    before = list(logger.handlers)
    try:
        setup_logging(TRAFFIC, str(logfile))
        traffic(logging.getLogger("mynalib.card.t"), ">>", bytes.fromhex("00200080"))
        for h in logger.handlers:
            h.flush()
        text = logfile.read_text(encoding="utf-8")
        assert " TRAFFIC mynalib.card.t: >> 00 20 00 80" in text
    finally:
        for h in list(logger.handlers):
            if h not in before:
                logger.removeHandler(h)
                h.close()
        logging.addLevelName(TRAFFIC, "TRAFFIC")
        logger.setLevel(logging.NOTSET)


def test_redact_bare_token_parameter() -> None:
    assert "abcdef123" not in redact("GET /x?token=abcdef123&y=1")
