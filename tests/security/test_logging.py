"""The log file is private even when it existed before, and traffic never tells a PIN's length."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from mynalib.log import TRAFFIC, format_apdu, setup_logging, traffic


@pytest.fixture
def clean_mynalib_logger():
    root = logging.getLogger("mynalib")
    before = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in before[0]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(before[1])


def test_an_existing_world_readable_log_file_is_made_private(
    tmp_path: Path, clean_mynalib_logger: None
) -> None:
    log = tmp_path / "myna.log"
    log.write_text("earlier run\n", encoding="utf-8")
    os.chmod(log, 0o644)
    setup_logging(TRAFFIC, str(log))
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert log.read_text(encoding="utf-8") == "earlier run\n"  # appended to, not replaced


def test_a_log_file_that_is_not_a_regular_file_is_refused(
    tmp_path: Path, clean_mynalib_logger: None
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError):  # at once: a FIFO with no reader must not hang the command
        setup_logging(TRAFFIC, str(fifo))
    with pytest.raises(OSError):
        setup_logging(TRAFFIC, str(tmp_path))  # a directory
    link = tmp_path / "link.log"
    link.symlink_to(tmp_path / "elsewhere.log")
    with pytest.raises(OSError):  # a symlink planted where the log goes is not followed
        setup_logging(TRAFFIC, str(link))


@pytest.mark.parametrize("pin", [b"1234", b"ABC123", b"ABCDEFGHIJ123456"])
def test_traffic_does_not_reveal_a_pin_length(pin: bytes, caplog: pytest.LogCaptureFixture) -> None:
    verify = bytes([0x00, 0x20, 0x00, 0x80, len(pin)]) + pin
    assert format_apdu(verify) == "00 20 00 80 <redacted>"
    logger = logging.getLogger("mynalib.test.traffic")
    logger.setLevel(TRAFFIC)
    with caplog.at_level(TRAFFIC, logger="mynalib.test.traffic"):
        traffic(logger, ">>", verify)
    text = caplog.text
    assert "<redacted>" in text and f"{len(pin):02X}" not in text.split(">>", 1)[1]


def test_the_cli_says_what_to_do_with_an_unusable_log_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mynalib.cli import main

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["--log-file", str(fifo), "vault", "status", "--help"])
    assert result.exit_code == 1
    assert "cannot write the log" in result.output and "ログファイル" in result.output
    assert "Traceback" not in result.output
