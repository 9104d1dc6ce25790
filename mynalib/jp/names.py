"""Names as people type them: ``見本 太郎`` (ASCII space), ``見本　太郎`` (full-width) and
``ﾐﾎﾝ太郎`` (half-width kana) name the same person.

:func:`name_key` is what names are compared by, wherever a person is named (``--person``,
``vault.frame(person=…)``, ``PERSON`` in the notebooks): NFKC (full-width and half-width
variants, the ideographic space) and no spaces at all. The name shown stays the source's.
"""

from __future__ import annotations

import unicodedata


def name_key(name: str) -> str:
    """The form names are compared in: NFKC, every kind of space removed."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def same_name(a: str | None, b: str | None) -> bool:
    """Whether ``a`` and ``b`` name the same person (None names nobody)."""
    return a is not None and b is not None and name_key(a) == name_key(b)


def search_key(text: str) -> str:
    """The form search text is compared in: NFKC, case-folded, katakana as hiragana
    (``コクホ`` finds ``こくほ``), spaces as single ASCII spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    hira = "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in folded)
    return " ".join(hira.split())


__all__ = ["name_key", "same_name", "search_key"]
