"""Exports for tax filing: the NTA 医療費集計フォーム, a deduction summary, deadlines as a calendar.

Every export is personal data: files are written readable by their owner only (mode 0600, a
permissive umask notwithstanding) and atomically (a temporary file in the same folder, renamed
over the target once complete), so a failed export never leaves half a file behind.

Every export a spreadsheet may open is safe from formula injection (OWASP's CSV injection rule): a
text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — a provider
named ``=cmd|'/C calc'!A0`` — is written with a leading ``'`` in a CSV (:func:`csv_cell`) and as a
text cell, value unchanged, in an XLSX (:func:`set_xlsx_cell`). Numbers stay numbers (a negative
amount is a number, not text). JSON and iCalendar files are not spreadsheets and are written as
they are.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

__all__ = ["FORMULA_PREFIXES", "csv_cell", "csv_row", "set_xlsx_cell", "write_private"]

#: a text cell starting with one of these is (or turns into) a formula in a spreadsheet
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV cell: text starting with one of :data:`FORMULA_PREFIXES` gets a leading
    ``'`` so a spreadsheet shows it as text; anything that is not text is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_row(values: Any) -> list[Any]:
    """:func:`csv_cell` applied to every value of a row."""
    return [csv_cell(v) for v in values]


def set_xlsx_cell(cell: Cell, value: Any) -> None:
    """Set an openpyxl cell; text is always a text cell (openpyxl would make ``=…`` a formula)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def write_private(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` readable and writable by the owner only (0600), atomically.

    The folder is created when missing. An existing file at ``path`` is replaced (and with it
    its permissions). Returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # a leftover of an interrupted export by a process with our pid
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # exactly 0600 (a umask can only have taken bits away)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
