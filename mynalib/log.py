"""Logging: a TRAFFIC level below DEBUG for raw APDUs and HTTP, with secrets redacted.

* ``TRAFFIC`` (5) is below ``DEBUG`` so traffic only shows when asked for explicitly.
* ``format_apdu`` hides the data field of VERIFY (INS 20) and CHANGE REFERENCE DATA (INS 24) even
  at TRAFFIC level; ``redact`` hides tokens, authorization headers and My Numbers in free text.
* httpx/httpcore loggers are kept at WARNING (their DEBUG output would show tokens).
* ``current_command`` names the command being run in the vault's audit log (``myna import``);
  the ``myna`` CLI sets it for each command, other callers may (the default is ``python``).
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import stat

TRAFFIC = 5
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
logging.addLevelName(TRAFFIC, "TRAFFIC")

#: INS bytes whose command data is a secret (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER)
SECRET_INS = frozenset({0x20, 0x24, 0x2C})


#: the command recorded in the vault's audit entries (None: ``python``); set by mynalib.cli
current_command: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "mynalib_vault_command", default=None
)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name if name.startswith("mynalib") else f"mynalib.{name}")


def format_apdu(apdu: bytes) -> str:
    """Hex of a command APDU with everything after the header of a PIN command replaced by
    ``<redacted>`` (its length too: Lc would tell how many digits a PIN has)."""
    if len(apdu) >= 4 and apdu[1] in SECRET_INS and len(apdu) > 4:
        return f"{apdu[:4].hex(' ').upper()} <redacted>"
    return apdu.hex(" ").upper()


#: the 券面事項入力補助 My Number file (EF 0001): tag FF10, length 0C, 12 ASCII digits
_MY_NUMBER_EF = re.compile(rb"\xff\x10\x0c[0-9]{8}(?=[0-9]{4})")


def mask_response(data: bytes) -> bytes:
    """A card response with the first 8 digits of a My Number file replaced by ``*`` (0x2A)."""
    return _MY_NUMBER_EF.sub(lambda m: m.group(0)[:3] + b"*" * 8, data)


def traffic(logger: logging.Logger, direction: str, payload: bytes) -> None:
    """Log raw traffic at TRAFFIC level (commands redacted with :func:`format_apdu`, the My
    Number in responses masked to its last 4 digits with :func:`mask_response`)."""
    if logger.isEnabledFor(TRAFFIC):
        text = (
            format_apdu(payload) if direction == ">>" else mask_response(payload).hex(" ").upper()
        )
        logger.log(TRAFFIC, "%s %s", direction, text)


_REDACTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)(authorization\s*[:=]\s*)(bearer\s+)?[^\s,;\"']+"), r"\1\2<redacted>"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1<redacted>"),
    (
        re.compile(
            r"(?i)([\"']?(?:access_token|refresh_token|id_token|token|code|code_verifier|password|pin)"
            r"[\"']?\s*[:=]\s*[\"']?)[^\s&,;\"'}]+"
        ),
        r"\1<redacted>",
    ),
    (re.compile(r"(?<!\d)\d{8}(\d{4})(?!\d)"), r"********\1"),  # 12-digit My Number
]


def redact(text: str) -> str:
    """Remove tokens, authorization headers, PINs and My Numbers from free text."""
    for pattern, repl in _REDACTIONS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """A filter that redacts every record's formatted message (see :func:`redact`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            # formatters reuse exc_text as it is: a traceback's exception text is redacted too
            record.exc_text = redact(_PLAIN.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_PLAIN = logging.Formatter()


def quiet_http_loggers() -> None:
    """httpx/httpcore log headers (and so tokens) at DEBUG: keep them at WARNING."""
    for name in ("httpx", "httpcore", "hpack"):
        logging.getLogger(name).setLevel(logging.WARNING)


class _Formatter(logging.Formatter):
    """Names level 5 TRAFFIC even after another library renamed it (uvicorn calls it TRACE)."""

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno == TRAFFIC:
            record.levelname = "TRAFFIC"
        return super().format(record)


def setup_logging(level: int | str = logging.WARNING, logfile: str | None = None) -> None:
    """Configure the ``mynalib`` logger (stderr or a file) with redaction always on."""
    quiet_http_loggers()
    root = logging.getLogger("mynalib")
    root.setLevel(level)
    if logfile:  # the log file is private (TRAFFIC shows the card's 基本4情報): mode 0600,
        # an existing one included (appended to, so made private before anything is written)
        # (O_NONBLOCK: a FIFO with no reader fails at once instead of hanging here)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK | _NOFOLLOW
        fd = os.open(logfile, flags, 0o600)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{logfile} is not a regular file")
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    handler: logging.Handler = (
        logging.FileHandler(logfile, encoding="utf-8") if logfile else logging.StreamHandler()
    )
    handler.setFormatter(_Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
