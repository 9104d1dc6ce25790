"""What a file may cost to read: sizes per kind, warnings kept, rows a parser does not know.

A year of 医療費通知 is a few kilobytes; a junk file of tens of megabytes behind a real header
must be refused quickly and cheaply, not parsed row by row into millions of warnings. Three limits:

* **size per kind** (:data:`KIND_MAX_BYTES`, :func:`max_bytes_for`): far above any real file
  (the largest sample of each kind is 2–11 KB), checked by :func:`mynalib.sources.parse` before
  anything is parsed (:class:`~mynalib.errors.DocumentTooLarge`). Every file is also refused above
  :data:`MAX_BYTES` (50 MB) before its kind is known;
* **warnings kept** (:data:`MAX_WARNINGS`): the first ones, then one line saying how many more
  there were (:class:`Warnings`);
* **unrecognised rows** (:class:`RowCount`): a row-based file (the CSV kinds) is refused with
  :class:`~mynalib.errors.MalformedDocument` as soon as more than :data:`TOLERATED_UNRECOGNISED`
  of its rows are rows the parser does not know and they outnumber the rows it does know, so
  parsing stops early and its memory stays bounded; a real file with an unknown item or two per
  block (a newer export) is still read, with warnings.
"""

from __future__ import annotations

from datetime import date

from ..errors import MalformedDocument

MB = 1024 * 1024
#: any file, before its kind is known (also the import's read limit)
MAX_BYTES = 50 * MB
#: per kind: the largest file parsed (a real one is kilobytes; these leave a margin of 100x+)
KIND_MAX_BYTES: dict[str, int] = {
    # a year of 医療費通知 is 2–11 KB (a claim is 8 rows, about 300 bytes): 5 MB is some
    # 17,000 claims, decades of a heavy user's care
    "iryohi_csv": 5 * MB,
    # one certificate is 3–8 KB; a portal's annual TEG830 with hundreds of donations stays far
    # below 2 MB
    "kojo_xml": 2 * MB,
    # one checkup is about 8 KB of results
    "kenshin_cda": 5 * MB,
    # the pension template: one row per enrolment period, about 1 KB for a working life
    "nenkin_csv": 1 * MB,
}
#: every ``portal_*`` kind: one portal answer (a few KB to a few hundred KB)
PORTAL_MAX_BYTES = 8 * MB
#: warnings kept per parsed file (then one line with the number left out)
MAX_WARNINGS = 200
#: rows of a CSV file the parser does not know that are tolerated whatever the others
TOLERATED_UNRECOGNISED = 100
#: the longest message (a warning quotes values from the file: cut)
MAX_MESSAGE = 300


#: the dates a document may speak of (births from 明治 on, nothing beyond 2200): every date a
#: frame holds fits pandas' datetime64[ns] (1677–2262), and a year of 99999 is refused, not stored
FIRST_DATE = date(1868, 1, 1)
LAST_DATE = date(2200, 12, 31)


def check_date(day: date) -> date:
    """``day`` when it lies between :data:`FIRST_DATE` and :data:`LAST_DATE`, else ValueError."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(
            f"date {day.isoformat()} is outside {FIRST_DATE.year}–{LAST_DATE.year} "
            "(no document of this kind speaks of it)"
        )
    return day


def max_bytes_for(kind: str) -> int:
    """The largest file of ``kind`` that is parsed (:data:`MAX_BYTES` for a kind not listed)."""
    if kind in KIND_MAX_BYTES:
        return KIND_MAX_BYTES[kind]
    if kind.startswith("portal_"):
        return PORTAL_MAX_BYTES
    return MAX_BYTES


def human(size: int) -> str:
    """``5242880`` → ``"5 MB"`` (binary megabytes, whole when they are)."""
    if size >= MB:
        value = size / MB
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    return f"{size:,} bytes"


def cut(message: str, width: int = MAX_MESSAGE) -> str:
    """``message`` cut to about ``width`` characters."""
    if len(message) <= width:
        return message
    return f"{message[: width - 30]}… ({len(message):,} characters)"


class Warnings(list[str]):
    """The warnings of one parse: a list that keeps the first :data:`MAX_WARNINGS` (each cut to
    :data:`MAX_MESSAGE` characters) and counts the others; :meth:`done` adds the count."""

    def __init__(self, limit: int = MAX_WARNINGS):
        super().__init__()
        self.limit = limit
        self.dropped = 0

    def append(self, message: str) -> None:
        if len(self) < self.limit:
            super().append(cut(str(message)))
        else:
            self.dropped += 1

    def done(self) -> list[str]:
        """The warnings as a plain list, with a last line for those left out."""
        out = list(self)
        if self.dropped:
            out.append(
                f"… and {self.dropped:,} more warnings (only the first {self.limit} are kept)"
            )
        return out


def capped(warnings: list[str]) -> list[str]:
    """Any parser's warnings, capped like :class:`Warnings` (for parsers that keep a plain list)."""
    if len(warnings) <= MAX_WARNINGS + 1 and all(len(w) <= MAX_MESSAGE for w in warnings):
        return warnings
    kept = Warnings()
    for w in warnings:
        kept.append(w)
    return kept.done()


class RowCount:
    """Counts the rows of a CSV file a parser knows and those it does not; refuses the file
    (:class:`MalformedDocument`) once it is mostly rows it does not know (see the module)."""

    def __init__(self, what: str):
        self.what = what
        self.known = 0
        self.unknown = 0

    def good(self, rows: int = 1) -> None:
        self.known += rows

    def bad(self, line: int | None) -> None:
        self.unknown += 1
        if self.unknown > TOLERATED_UNRECOGNISED and self.unknown > self.known:
            raise MalformedDocument(
                f"{self.what}: most rows are not rows of this kind of file ({self.unknown:,} "
                f"rows not understood, {self.known:,} understood); refused",
                line=line,
                hint="check that it is the original download; a file with junk appended or "
                "mixed in is not imported",
            )
