"""The PIN table (mynalib.pins): each kind's format at its boundaries, and that the code reads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mynalib
from mynalib import errors, pins, secrets
from mynalib.errors import PinBlocked, PinFormatError
from mynalib.secrets import Pin

ACCEPTED = {
    "auth": ["0000", "1234", "9999", " 1234 "],
    "kenhojo": ["0000", "4321"],
    "sign": ["ABC123", "abc123", "A" * 16, "0" * 6, "Z9Z9Z9Z9Z9Z9Z9Z9"],
}
REFUSED = {
    "auth": ["", "123", "12345", "12a4", "１２３４", "12 34"],
    "kenhojo": ["", "123", "12345", "abcd"],
    "sign": ["", "ABC12", "A" * 17, "ABC-123", "ABC 123", "ÄBC123"],
}


@pytest.mark.parametrize("kind", sorted(pins.PINS))
def test_each_kind_accepts_its_format_at_the_boundaries(kind: str) -> None:
    rule = pins.spec(kind)
    for value in ACCEPTED[kind]:
        assert rule.accepts(value), value
        pin = Pin(value, kind)  # type: ignore[arg-type]
        assert pin.reveal() == rule.normalise(value).encode("ascii")
    for value in REFUSED[kind]:
        assert not rule.accepts(value), value
        with pytest.raises(PinFormatError) as info:
            Pin(value, kind)  # type: ignore[arg-type]
        assert rule.format_en in str(info.value)


def test_the_signing_password_is_upper_cased_before_it_is_checked() -> None:
    assert Pin("abc123", "sign").reveal() == b"ABC123"
    assert pins.spec("sign").upper and not pins.spec("auth").upper


def test_tries_follow_docs_card_md() -> None:
    assert {k: p.max_tries for k, p in pins.PINS.items()} == {"auth": 3, "sign": 5, "kenhojo": 3}


def test_unknown_kind() -> None:
    with pytest.raises(ValueError):
        pins.spec("puk")
    with pytest.raises(ValueError):
        Pin("1234", "puk")  # type: ignore[arg-type]


def test_blocked_guidance_comes_from_the_table() -> None:
    for kind, rule in pins.PINS.items():
        exc = PinBlocked(kind)
        assert str(exc).startswith(rule.blocked_en)
        assert exc.ja == rule.blocked_ja
    # only the municipal office resets the 券面事項入力補助 PIN; the other two also at kiosks
    assert "コンビニ" not in pins.spec("kenhojo").blocked_ja
    assert all("コンビニ" in pins.spec(k).blocked_ja for k in ("auth", "sign"))


def test_the_old_names_read_the_table() -> None:
    from mynalib.card import jpki
    from mynalib.card.virtual import profile
    from mynalib.commands import card as card_cmd

    assert errors.PIN_BLOCKED_GUIDANCE is pins.PIN_BLOCKED_GUIDANCE
    assert secrets.PIN_LABELS_JA is pins.PIN_LABELS_JA
    assert secrets.PinKind is pins.PinKind
    assert {k: r[1] for k, r in secrets.PIN_RULES.items()} == {
        k: p.format_en for k, p in pins.PINS.items()
    }
    assert jpki.MAX_TRIES is pins.MAX_TRIES and jpki.PIN_NAMES is pins.PIN_NAMES
    assert profile.MAX_TRIES == pins.MAX_TRIES
    assert card_cmd.PIN_TITLES is pins.PIN_TITLES


def test_the_japanese_hints_are_built_from_the_table() -> None:
    auth, sign, kenhojo = (pins.spec(k) for k in ("auth", "sign", "kenhojo"))
    assert auth.placeholder_ja == "利用者証明用（数字4桁）"
    assert sign.placeholder_ja == "署名用（英数字6〜16文字）"
    assert kenhojo.missing_ja == "券面事項入力補助用暗証番号（数字4桁）を入力してください。"
    for rule in pins.PINS.values():
        assert rule.format_ja in rule.placeholder_ja and rule.format_ja in rule.missing_ja
        assert rule.format_ja in rule.label_ja and rule.short_ja.startswith(rule.kind_ja)


def test_the_widgets_say_the_table_s_format() -> None:
    pytest.importorskip("ipywidgets")
    from mynalib.widgets import applying, overview

    class NoCard:
        def __enter__(self) -> NoCard:
            raise AssertionError("no card is opened for an empty PIN")

        def __exit__(self, *exc: object) -> None: ...

    panel = overview.FetchPanel(lambda: NoCard(), lambda *a: "")
    assert panel.pin.placeholder == pins.spec("auth").placeholder_ja
    panel.pin.value = ""
    panel.go.click()  # empty: the form says which PIN, in which format, and opens no card
    assert pins.spec("auth").missing_ja in panel.status.value
    assert overview.PIN_NAMES_JA == {k: p.placeholder_ja for k, p in pins.PINS.items()}
    assert applying.PIN_HINTS == {k: p.format_ja for k, p in pins.PINS.items()}


#: how a PIN's format tends to be written out by hand (the table's own wordings are added below)
_HAND_WRITTEN = (
    r"数字\s*[4４]\s*桁",
    r"[4４]\s*桁の暗証",
    r"暗証番号（[4４]桁",
    r"[6６]\s*[〜～~\-–]\s*16\s*(?:文字|characters)",
    r"\b4-digit PIN",
    r"(?<!last )\b4 digits",
)


def _pin_wordings() -> list[re.Pattern[str]]:
    wordings = set()
    for rule in pins.PINS.values():
        wordings |= {rule.format_ja, rule.format_en}
    return [re.compile(p) for p in _HAND_WRITTEN] + [
        re.compile(r"(?<!last )(?<!\d)" + re.escape(w)) for w in wordings
    ]


def test_no_pin_format_is_written_outside_the_table() -> None:
    """Every hint a person reads about a PIN's format comes from mynalib/pins.py."""
    root = Path(mynalib.__file__).resolve().parent.parent
    sources = [
        *(root / "mynalib").rglob("*.py"),
        *(root / "dashboards").rglob("*.py"),
        *(root / "notebooks").glob("*.ipynb"),
        *(root / "dashboards").glob("*.ipynb"),
    ]
    patterns = _pin_wordings()
    found = []
    for path in sources:
        if path.name == "pins.py" and path.parent.name == "mynalib":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(p.search(line) for p in patterns):
                found.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert not found, "PIN formats written out of mynalib/pins.py:\n" + "\n".join(found)


def test_the_scan_would_see_a_hand_written_format() -> None:
    patterns = _pin_wordings()
    for line in (
        'placeholder="利用者証明用（数字4桁）"',
        '"暗証番号（4桁）を入力"',
        '"sign: 6–16 characters A–Z"',
        '"asks for the 4-digit PIN"',
        '"the PIN (4 digits)"',
    ):
        assert any(p.search(line) for p in patterns), line
    assert not any(p.search("the last 4 digits of the My Number") for p in patterns)


def test_the_last_try_is_worded_once() -> None:
    """The last-try warning and the forms' confirmation box come from mynalib/pins.py."""
    from mynalib.card.session import check_tries
    from mynalib.errors import LastTryRefused

    with pytest.raises(LastTryRefused) as info:
        check_tries("sign", 1, False)
    assert info.value.ja.startswith(pins.LAST_TRY_JA)
    assert LastTryRefused.ja_default.startswith(pins.LAST_TRY_JA)
    root = Path(mynalib.__file__).resolve().parent
    written = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if path.name != "pins.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pins.LAST_TRY_CONFIRM_JA in line or pins.LAST_TRY_JA in line
    ]
    assert not written, written
