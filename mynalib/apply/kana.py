"""Katakana as application forms and banks want it.

Forms ask for フリガナ in full-width katakana; people type hiragana, half-width katakana or
spaces of either width. :func:`normalize_kana` turns all of that into one spelling (full-width
katakana, one ideographic space between family and given name) or says it cannot.

:func:`bank_kana` is the looser spelling banks compare 口座名義 in: no spaces, small kana as
large (ャ → ヤ, ッ → ツ), ヰヱヲ as イエオ, ヴ as ブ, long-vowel marks and dots dropped — so
``ミホン　タロウ`` and ``ミホンタロウ`` match, and ``キョウコ`` matches ``キヨウコ`` the way a
bank's half-width 口座名義 (ｷﾖｳｺ) is written.
"""

from __future__ import annotations

import re
import unicodedata

IDEOGRAPHIC_SPACE = "\u3000"
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb]+(?:\u3000[\u30a1-\u30fa\u30fc\u30fb]+)*")
_SMALL = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
_OLD = str.maketrans({"ヰ": "イ", "ヱ": "エ", "ヲ": "オ", "ヴ": "ブ"})


def to_katakana(text: str) -> str:
    """Hiragana → katakana (everything else unchanged)."""
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in text)


def normalize_kana(text: str) -> str:
    """Full-width katakana with single ideographic spaces; ValueError when ``text`` is not kana."""
    value = to_katakana(unicodedata.normalize("NFKC", text))
    value = IDEOGRAPHIC_SPACE.join(value.replace(IDEOGRAPHIC_SPACE, " ").split())
    if not value or not _KATAKANA.fullmatch(value):
        raise ValueError("not katakana")
    return value


def bank_kana(text: str) -> str:
    """The spelling banks compare account holders in (see the module docstring)."""
    value = normalize_kana(text).replace(IDEOGRAPHIC_SPACE, "")
    value = value.translate(_SMALL).translate(_OLD)
    return value.replace("ー", "").replace("・", "")
