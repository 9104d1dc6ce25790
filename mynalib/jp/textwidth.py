"""Text columns that line up in a terminal when they hold Japanese.

A terminal gives a wide character (漢字, かな, full-width forms: East Asian Width ``W``/``F``) two
cells and a combining mark none; ``len()`` counts one for each, which is why pandas' text tables
go askew with Japanese. :func:`display_width` counts cells from :mod:`unicodedata` (no
dependency); :func:`render_table` pads by it. Ambiguous-width characters (``A``: ○, ※, Greek)
count one cell, as most terminals draw them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def char_width(ch: str) -> int:
    """Cells one character takes: 0 (combining, format, control), 1, or 2 (wide)."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf", "Cc"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Cells ``text`` takes in a terminal."""
    return sum(char_width(ch) for ch in text)


def clip(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``width`` cells (with ``ellipsis`` when cut)."""
    if display_width(text) <= width:
        return text
    room = width - display_width(ellipsis)
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out) + ellipsis


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` cells (on the left when ``right``-aligned)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    right: Sequence[bool] | None = None,
    gap: int = 2,
) -> str:
    """A plain-text table: a header line, then one line per row, columns padded by display
    width (``right[i]``: column ``i`` right-aligned, e.g. numbers); no trailing spaces."""
    right = list(right) if right is not None else [False] * len(headers)
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = []
    for cells in [list(headers), *[list(r) for r in rows]]:
        parts = [pad(c, widths[i], right=right[i]) for i, c in enumerate(cells)]
        lines.append((" " * gap).join(parts).rstrip())
    return "\n".join(lines) + "\n"


__all__ = ["char_width", "clip", "display_width", "pad", "render_table"]
