"""The card's PINs: one table, one row per PIN kind (docs/CARD.md §2 and §5).

Everything the code says or checks about a PIN comes from here: its format (checked locally
before a try is spent), its number of tries, its names and labels in English and Japanese, and
what to do when it is blocked. Plain data: no I/O, no other part of mynalib.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PinKind = Literal["auth", "sign", "kenhojo"]


@dataclass(frozen=True)
class PinSpec:
    """One PIN kind."""

    kind: str
    #: the format the card accepts, after ``upper`` (if set) upper-cased the typed text
    pattern: re.Pattern[str]
    #: the card compares bytes: the signing password is upper-cased before it is checked or sent
    upper: bool
    #: the format in English words (error messages)
    format_en: str
    #: the format in Japanese (placeholders and prompts): 「数字4桁」
    format_ja: str
    #: how many tries the card allows (a successful VERIFY resets the counter to this)
    max_tries: int
    #: its English name in messages: "authentication PIN (利用者証明用)"
    name_en: str
    #: its title in the CLI's bilingual lines: "利用者証明用 (authentication PIN)"
    title: str
    #: its Japanese label with the format (the PIN prompt): 「利用者証明用電子証明書の暗証番号（数字4桁）」
    label_ja: str
    #: its short Japanese name (dashboard fields): 「利用者証明用暗証番号」
    short_ja: str
    #: which PIN it is, in a word (placeholders): 「利用者証明用」
    kind_ja: str
    #: what to do when it is blocked (English, Japanese)
    blocked_en: str
    blocked_ja: str

    @property
    def placeholder_ja(self) -> str:
        """The PIN field's placeholder: 「利用者証明用（数字4桁）」."""
        return f"{self.kind_ja}（{self.format_ja}）"

    @property
    def missing_ja(self) -> str:
        """What a form says when the PIN was left empty."""
        return f"{self.short_ja}（{self.format_ja}）を入力してください。"

    def accepts(self, value: str) -> bool:
        """Whether the typed ``value`` has this kind's format (after normalising it)."""
        return self.pattern.fullmatch(self.normalise(value)) is not None

    def normalise(self, value: str) -> str:
        """The text as it would be sent: surrounding spaces removed, upper-cased if ``upper``."""
        value = value.strip()
        return value.upper() if self.upper else value


_KIOSK_EN = (
    "Reset it at your municipal office, or at a convenience-store kiosk after registering with "
    "the smartphone app."
)
_KIOSK_JA = (
    "お住まいの市区町村の窓口、またはスマートフォンで事前予約のうえコンビニのキオスク端末で"
    "再設定してください。"
)

PINS: dict[str, PinSpec] = {
    "auth": PinSpec(
        kind="auth",
        pattern=re.compile(r"[0-9]{4}"),
        upper=False,
        format_en="4 digits",
        format_ja="数字4桁",
        max_tries=3,
        name_en="authentication PIN (利用者証明用)",
        title="利用者証明用 (authentication PIN)",
        label_ja="利用者証明用電子証明書の暗証番号（数字4桁）",
        short_ja="利用者証明用暗証番号",
        kind_ja="利用者証明用",
        blocked_en="The authentication PIN (利用者証明用電子証明書 暗証番号) is blocked. "
        + _KIOSK_EN,
        blocked_ja="利用者証明用電子証明書の暗証番号がロックされました。" + _KIOSK_JA,
    ),
    "sign": PinSpec(
        kind="sign",
        pattern=re.compile(r"[A-Z0-9]{6,16}"),
        upper=True,
        format_en="6 to 16 characters, A-Z and 0-9",
        format_ja="英数字6〜16文字",
        max_tries=5,
        name_en="signing password (署名用)",
        title="署名用 (signing password)",
        label_ja="署名用電子証明書の暗証番号（英数字6〜16文字）",
        short_ja="署名用パスワード",
        kind_ja="署名用",
        blocked_en="The signing password (署名用電子証明書 暗証番号) is blocked. " + _KIOSK_EN,
        blocked_ja="署名用電子証明書の暗証番号がロックされました。" + _KIOSK_JA,
    ),
    "kenhojo": PinSpec(
        kind="kenhojo",
        pattern=re.compile(r"[0-9]{4}"),
        upper=False,
        format_en="4 digits",
        format_ja="数字4桁",
        max_tries=3,
        name_en="券面事項入力補助 PIN",
        title="券面事項入力補助 (kenhojo PIN)",
        label_ja="券面事項入力補助用の暗証番号（数字4桁）",
        short_ja="券面事項入力補助用暗証番号",
        kind_ja="券面事項入力補助用",
        blocked_en="The 券面事項入力補助 PIN is blocked. It can be reset only at your municipal office.",
        blocked_ja="券面事項入力補助用の暗証番号がロックされました。再設定はお住まいの市区町村の窓口のみです。",
    ),
}


#: the last try, for every kind: the warning, and what a form's confirmation box says
LAST_TRY_JA = "残り1回です。誤るとロックされます。"
LAST_TRY_CONFIRM_JA = "残り1回でも実行する（誤るとロックされます）"


def spec(kind: str) -> PinSpec:
    """The row of ``kind``; ``ValueError`` for an unknown kind."""
    try:
        return PINS[kind]
    except KeyError:
        raise ValueError(f"unknown PIN kind {kind!r}") from None


#: views of the table under the names the code used before it existed
MAX_TRIES: dict[str, int] = {k: p.max_tries for k, p in PINS.items()}
PIN_NAMES: dict[str, str] = {k: p.name_en for k, p in PINS.items()}
PIN_TITLES: dict[str, str] = {k: p.title for k, p in PINS.items()}
PIN_LABELS_JA: dict[str, str] = {k: p.label_ja for k, p in PINS.items()}
PIN_BLOCKED_GUIDANCE: dict[str, tuple[str, str]] = {
    k: (p.blocked_en, p.blocked_ja) for k, p in PINS.items()
}
