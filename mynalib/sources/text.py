"""Text helpers shared by the importers: decoding, NFKC, integers with separators."""

from __future__ import annotations

import functools
import unicodedata

from ..errors import MalformedDocument

#: the most digits a number in a document may have: no amount, count or day on these documents
#: reaches a trillion (10**12), so sums of a million of them still fit in 64 bits, and a number
#: never comes near Python's int() digit limit (4,300)
MAX_DIGITS = 12
#: the largest integer :func:`parse_int` returns (in absolute value)
MAX_INT = 10**MAX_DIGITS - 1


def decode(data: bytes, *, what: str = "file") -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 with or without BOM, UTF-16 with BOM, else CP932.

    Returns (text, encoding). Raises MalformedDocument when none fits.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise MalformedDocument(
                f"{what} starts with a UTF-8 BOM but is not valid UTF-8 (byte {exc.start})"
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise MalformedDocument(f"{what} is not valid UTF-16") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise MalformedDocument(
            f"{what} is neither UTF-8 nor Shift_JIS (CP932) text (bad byte at offset {exc.start})",
            hint="open the original download again; the file may be damaged or not a CSV",
        ) from None


@functools.lru_cache(maxsize=4096)
def nfkc(text: str) -> str:
    """NFKC-normalised text, stripped (cached: names repeat a lot)."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_int(text: str | None) -> int:
    """``"5,950"``, ``"000005678"``, ``"１２３"``, ``"1,234円"`` → int; ValueError otherwise,
    also for a number of more than :data:`MAX_DIGITS` digits (leading zeros aside)."""
    if text is None:
        raise ValueError("missing number")
    fast = text.replace(",", "")
    if fast.isascii() and fast.isdigit():
        return _bounded(fast, text)
    s = nfkc(text).replace(",", "").replace("円", "").replace(" ", "")
    if s.startswith("+"):
        s = s[1:]
    neg = s.startswith("-") or s.startswith("△") or s.startswith("▲")
    if neg:
        s = s[1:]
    if not s or not s.isascii() or not s.isdigit():
        raise ValueError(f"not an integer: {text!r}")
    value = _bounded(s, text)
    return -value if neg else value


def _bounded(digits: str, text: str) -> int:
    """``digits`` (ASCII digits only) as an int, at most :data:`MAX_DIGITS` of them."""
    if len(digits) > MAX_DIGITS:
        digits = digits.lstrip("0") or "0"
        if len(digits) > MAX_DIGITS:
            raise ValueError(f"number too large (more than {MAX_DIGITS} digits): {shown(text)}")
    return int(digits)


def shown(value: object, width: int = 40) -> str:
    """``repr(value)`` for a message, cut to about ``width`` characters (a value in a warning
    comes from the file: it may be megabytes long)."""
    text = repr(value)
    if len(text) <= width:
        return text
    return f"{text[: width - 10]}…({len(text):,} characters)"
