"""`myna doctor` and `myna card ...`: status, info, PIN change, the software card.

Heavy imports (cryptography, pyscard) happen inside the commands so `myna --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..pins import PIN_BLOCKED_GUIDANCE, PIN_TITLES, PINS
from ._card import (
    LAST_TRY,
    _progress,
    card_options,
    open_from_options,
    pre_pin_checks,
    profile_option,
)
from ._common import echo, read_pin, report_errors

if TYPE_CHECKING:
    from ..card.jpki import CardStatus
    from ..secrets import Pin


# ------------------------------------------------------------------------------- helpers
_card_options = card_options()
_open = open_from_options
_pre_pin_checks = pre_pin_checks
_LAST_TRY = LAST_TRY


def _guidance(which: str) -> str:
    en, ja = PIN_BLOCKED_GUIDANCE[which]
    return f"{en}\n      {ja}"


def _fmt_date(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m-%d")


def render_status(status: CardStatus, *, now: dt.datetime | None = None) -> str:
    """The text `myna card status` prints (also used by `myna demo`)."""
    from ..card.jpki import CertificateInfo

    now = now or dt.datetime.now(dt.timezone.utc)
    test = status.auth_certificate.test_only
    lines = [
        f"Reader: {status.reader}"
        + ("  (software card — TEST-ONLY certificates, not a real card)" if test else ""),
        f"Token:  {status.token_label}",
        "",
        "PINs — tries left / 残り回数:",
    ]
    for which, left in status.tries_left.items():
        maximum = status.max_tries.get(which, left)
        line = f"  {which:<8} {left}/{maximum}  {PIN_TITLES[which]}"
        if left == 0:
            en, ja = PIN_BLOCKED_GUIDANCE[which]
            line += "  BLOCKED / ロック中\n      " + en + "\n      " + ja
        elif left == 1:
            line += "  (last try! / 残り1回: 次に誤るとロックされます)"
        lines.append(line)
    lines += ["", "Certificates / 電子証明書:"]

    def cert(title: str, info: CertificateInfo | None) -> None:
        if info is None:
            return
        days = info.days_left(now)
        expiry = (
            f"expired on {_fmt_date(info.not_after)} / 有効期限切れ"
            if days < 0
            else f"expires {_fmt_date(info.not_after)} ({days} days) / 有効期限 {_fmt_date(info.not_after)}"
        )
        lines.append(f"  {title}")
        lines.append(f"      subject: {info.subject}")
        lines.append(f"      issuer:  {info.issuer}")
        lines.append(f"      valid from {_fmt_date(info.not_before)}; {expiry}")

    cert("利用者証明用電子証明書 (authentication certificate)", status.auth_certificate)
    cert("authentication CA", status.auth_ca_certificate)
    cert("signing CA", status.sign_ca_certificate)
    if status.has_sign_certificate:
        lines.append(
            "  署名用電子証明書 (signing certificate): present — reading it needs the signing "
            "password (it holds name, address, birth date)"
        )
    else:
        lines.append("  署名用電子証明書 (signing certificate): none on this card")
    if status.notes:
        lines += ["", *[f"Note: {n}" for n in status.notes]]
    return "\n".join(lines)


def _trust_line(status_der: bytes, test: bool) -> str:
    from ..card.trust import verify_certificate

    result = verify_certificate(status_der, trust_test_roots=test)
    label = "trusted (TEST-ONLY root)" if (result.ok and test) else result.reason
    return f"Chain check (authentication certificate): {'ok — ' if result.ok else ''}{label}"


# ------------------------------------------------------------------------------- doctor
@click.command("doctor")
@report_errors
def doctor() -> None:
    """Check the set-up: versions, pcscd, readers, card, applets (no personal data shown)."""
    from importlib import metadata

    from .. import __version__
    from ..errors import MynaError

    problems: list[tuple[str, str]] = []  # (what is wrong, what to do), English then Japanese
    echo(f"mynalib {__version__}, Python {sys.version.split()[0]} ({sys.platform})")
    for dist in ("cryptography", "pyscard", "click"):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "not installed"
            if dist == "pyscard":
                version += ' — install with `pip install "mynalib[pcsc]"` for real readers'
        echo(f"  {dist}: {version}")

    echo("PC/SC service:")
    try:
        from ..card.pcsc import reader_states

        states = reader_states()
        echo("  reachable")
    except MynaError as exc:
        problems.append(DOCTOR_NO_PCSC)
        echo(f"  NOT available: {exc}")
        states = []
    if states:
        echo("Readers:")
    for state in states:
        echo(f"  {state.name}: {'card present' if state.card_present else 'no card'}")
        if state.card_present:
            echo(f"    applets: {_probe_applets(state.name)}")
    if not states and not problems:
        echo("  no reader connected (connect one, or use --virtual)")

    echo("Software card (--virtual):")
    try:
        from ..card import default_virtual_profile_path, open_card

        path = default_virtual_profile_path()
        existed = path.exists()
        with open_card("virtual") as card:
            status = card.status()
        echo(f"  profile: {path}{'' if existed else ' (created now)'}")
        blocked = status.blocked
        tries = ", ".join(f"{k} {v}/{status.max_tries[k]}" for k, v in status.tries_left.items())
        echo(f"  works; tries left: {tries}")
        if blocked:
            echo(f"  blocked: {', '.join(blocked)} — run `myna card reset-virtual`")
    except MynaError as exc:
        problems.append(DOCTOR_SOFTWARE_CARD)
        echo(f"  NOT working: {exc}")
    if not problems:
        echo("All checks passed. / すべて問題ありません。")
        return
    echo(f"\n{len(problems)} problem(s) found — what to do / {len(problems)}件の問題があります:")
    for what, todo in problems:
        echo(f"  - {what}\n    {todo}")
    raise SystemExit(1)


#: `myna doctor`'s problems: what is wrong, and what to do about it (English / Japanese)
DOCTOR_NO_PCSC = (
    "The PC/SC service is not running: a real card reader cannot be used "
    "(files, the vault and the software card --virtual work without it).",
    "Linux: `sudo apt-get install pcscd` then `sudo systemctl start pcscd` (or `pcscd -f &`); "
    "Windows: start the 'Smart Card' service; macOS: reconnect the reader. / "
    "カードリーダーを使うには PC/SC サービス（pcscd）を起動してください。"
    "ファイルの取り込みとソフトウェアカードはこのままで使えます。",
)
DOCTOR_SOFTWARE_CARD = (
    "The software card (--virtual) does not work.",
    "Run `myna card reset-virtual`; if that fails, move its profile file (shown above) away and "
    "run `myna doctor` again. / ソフトウェアカードが動きません。myna card reset-virtual を"
    "実行してください。",
)


def _probe_applets(reader: str) -> str:
    from ..card import open_card
    from ..errors import AppletNotFound, MynaError

    found = []
    try:
        with open_card(reader) as card:
            try:
                card.select_jpki()
                found.append(f"JPKI ({card.token_label()})")
            except AppletNotFound:
                found.append("no JPKI applet (not a My Number card?)")
            try:
                card.kenhojo_applet.select()
                found.append("券面事項入力補助")
            except AppletNotFound:
                found.append("no 券面事項入力補助 applet")
    except MynaError as exc:
        return f"could not check ({exc})"
    return ", ".join(found)


# ------------------------------------------------------------------------------- myna card
@click.group("card")
def card_group() -> None:
    """The My Number card: status, 基本4情報, PIN change, and the software card.

    Works with any PC/SC reader, or with the built-in software card (--virtual), whose
    certificates are TEST-ONLY (O=JPKI-TEST) and can never pass as a real card.
    """


def print_status(
    virtual: bool, reader: str | None, profile: Path | None, as_json: bool = False
) -> None:
    with _open(virtual, reader, profile) as card:
        status = card.status()
        auth_der = card.read_auth_certificate()
    test = status.auth_certificate.test_only
    if as_json:
        data = status.to_dict()
        from ..card.trust import verify_certificate

        result = verify_certificate(auth_der, trust_test_roots=test)
        data["auth_certificate_check"] = {"ok": result.ok, "reason": result.reason}
        echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    echo(render_status(status))
    echo(_trust_line(auth_der, test))


@card_group.command("status")
@_card_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@report_errors
def card_status(virtual: bool, reader: str | None, profile: Path | None, as_json: bool) -> None:
    """Tries left for every PIN; certificate subjects, issuers and expiry dates.

    Reads no PIN and spends no try (the counters are read with the empty VERIFY).
    """
    print_status(virtual, reader, profile, as_json)


@card_group.command(
    "info",
    help="基本4情報 (name, address, birth date, sex) and the masked My Number.\n\n"
    f"Asks for the 券面事項入力補助 PIN ({PINS['kenhojo'].format_en}) after showing its tries "
    "left. For automation only (unsafe: other programs can read the environment), "
    "MYNA_KENHOJO_PIN is read instead.",
)
@_card_options
@click.option(
    "--full-number", is_flag=True, help="Show the whole My Number (default: last 4 digits)."
)
@_LAST_TRY
@report_errors
def card_info(
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    full_number: bool,
    allow_last_try: bool,
) -> None:
    from ..card.kenhojo import read_kenhojo

    with _open(virtual, reader, profile) as card:
        _pre_pin_checks(card, "kenhojo", allow_last_try)
        pin = read_pin("kenhojo")
        issuer_key = None
        if virtual or profile is not None:
            from ..card.virtual import test_kenhojo_issuer_key

            issuer_key = test_kenhojo_issuer_key().public_key()
        info = read_kenhojo(
            card,
            pin,
            full_number=full_number,
            allow_last_try=allow_last_try,
            issuer_public_key=issuer_key,
        )
    echo(f"氏名 (name):         {info.name}")
    echo(f"住所 (address):      {info.address}")
    echo(f"生年月日 (birth):    {info.birth.isoformat() if info.birth else info.birth_raw}")
    echo(f"性別 (sex):          {info.sex_label} ({info.sex})")
    echo(f"個人番号 (My Number): {info.my_number}")
    i = info.integrity
    echo(
        f"Integrity: My Number hash {'ok' if i.my_number_hash_ok else 'MISMATCH'}, "
        f"attributes hash {'ok' if i.attributes_hash_ok else 'MISMATCH'}, "
        f"issuer signature {i.signature}" + ("" if i.signature != "not checked" else f" ({i.note})")
    )


def _read_new_pin(kind: str) -> Pin:
    """The new PIN, typed twice (env MYNA_NEW_PIN for automation only: unsafe)."""
    import getpass

    from ..errors import PinFormatError
    from ..secrets import PIN_LABELS_JA, Pin

    env = os.environ.get("MYNA_NEW_PIN")
    if env is not None:
        echo("(using MYNA_NEW_PIN from the environment: unsafe, automation only)", err=True)
        return Pin(env, kind)  # type: ignore[arg-type]
    label = f"new {PIN_LABELS_JA[kind]} / new {kind} PIN: "
    again = f"again / もう一度 ({kind}): "

    def ask(prompt: str) -> str:
        if not sys.stdin.isatty():
            echo(prompt, nl=False, err=True)
            value = sys.stdin.readline().rstrip("\r\n")
            echo("", err=True)
            return value
        return getpass.getpass(prompt)

    first = Pin(ask(label), kind)  # type: ignore[arg-type]
    second = Pin(ask(again), kind)  # type: ignore[arg-type]
    same = first.reveal() == second.reveal()
    second.wipe()
    if not same:
        first.wipe()
        raise PinFormatError(
            "The two new PINs differ; nothing was changed and no try was spent", which=kind
        )
    return first


@card_group.command(
    "pin-change",
    help="Change a PIN safely: shows the tries left, asks the current PIN, then the new one "
    "twice.\n\n"
    + "; ".join(f"{kind}: {pin.format_en}" for kind, pin in PINS.items())
    + ". The new PIN is checked locally before anything is sent. For automation only (unsafe): "
    "MYNA_AUTH_PIN / MYNA_SIGN_PIN / MYNA_KENHOJO_PIN give the current PIN and MYNA_NEW_PIN the "
    "new one.",
)
@click.argument("which", type=click.Choice(["auth", "sign", "kenhojo"]))
@_card_options
@_LAST_TRY
@report_errors
def card_pin_change(
    which: str,
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    allow_last_try: bool,
) -> None:
    with _open(virtual, reader, profile) as card:
        _pre_pin_checks(card, which, allow_last_try)
        current = read_pin(which)  # type: ignore[arg-type]
        new = _read_new_pin(which)
        card.change_pin(which, current, new, allow_last_try=allow_last_try)
    echo(f"{PIN_TITLES[which]}: changed / 変更しました")


# ----------------------------------------------------------------------- software card
def _profile_path(profile: Path | None) -> Path:
    from ..card import default_virtual_profile_path

    return profile if profile is not None else default_virtual_profile_path()


@card_group.command("serve-virtual")
@profile_option("Profile file (created when missing; default: $MYNA_HOME/virtual-card.json).")
@click.option("--seed", default="mynalib-virtual-card", help="Seed for a newly created profile.")
@click.option(
    "--holder",
    default=None,
    help="Sample-household person id for a new profile (taro, hanako, sora, ume).",
)
@click.option("--port", default=35963, show_default=True, help="vpcd port (slot 1: 35964).")
@click.option("--host", default="127.0.0.1", show_default=True, help="vpcd host.")
@click.option("--auth-pin", default="1234", show_default=True, help="auth PIN of a new profile.")
@click.option("--sign-pin", default="ABC123", show_default=True, help="sign PIN of a new profile.")
@click.option(
    "--kenhojo-pin", default="1234", show_default=True, help="kenhojo PIN of a new profile."
)
@report_errors
def serve_virtual(
    profile: Path | None,
    seed: str,
    holder: str | None,
    port: int,
    host: str,
    auth_pin: str,
    sign_pin: str,
    kenhojo_pin: str,
) -> None:
    """Attach the software card to pcscd through vpcd, so any PC/SC program sees it.

    Needs pcscd running with the vsmartcard-vpcd driver (reader "Virtual PCD 00 00"). Runs
    until Ctrl-C or until pcscd stops. PIN counters are saved to the profile file after each
    change. The default PINs (1234 / ABC123 / 1234) are TEST-ONLY values of a software card.
    """
    from ..card.virtual import CardProfile, VirtualCard
    from ..card.virtual.vpcd import VpcdBridge
    from ..samples.household import person

    path = _profile_path(profile)
    if path.exists():
        card_profile = CardProfile.load(path)
        echo(f"profile: {path}")
    else:
        holder_person = person(holder) if holder else None
        card_profile = CardProfile.generate(
            seed,
            holder_person,
            auth_pin=auth_pin,
            sign_pin=sign_pin,
            kenhojo_pin=kenhojo_pin,
            progress=_progress,
        )
        card_profile.save(path)
        echo(f"profile: {path} (created)")

    def persist(p: CardProfile) -> None:
        p.save(path)

    card = VirtualCard(card_profile, on_change=persist)
    bridge = VpcdBridge(card, host, port)
    bridge.connect()
    echo(
        f"software card attached to vpcd at {host}:{port} (reader 'Virtual PCD 00 {port - 35963:02d}'); "
        "Ctrl-C to stop"
    )
    try:
        bridge.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        bridge.stop()
    echo(f"stopped ({bridge.ended or 'interrupted'}; {bridge.apdus} APDUs served)")


@card_group.command("reset-virtual")
@profile_option("Profile file (default: $MYNA_HOME/virtual-card.json).")
@click.option("--auth-pin", default="1234", show_default=True, help="New auth PIN.")
@click.option("--sign-pin", default="ABC123", show_default=True, help="New signing password.")
@click.option("--kenhojo-pin", default="1234", show_default=True, help="New kenhojo PIN.")
@report_errors
def reset_virtual(profile: Path | None, auth_pin: str, sign_pin: str, kenhojo_pin: str) -> None:
    """Unblock the software card: every counter back to its maximum, PINs set anew.

    What a municipal office does for a real card. Creates the default profile if missing.
    """
    from ..card import load_or_create_profile
    from ..secrets import Pin

    for kind, value in (("auth", auth_pin), ("sign", sign_pin), ("kenhojo", kenhojo_pin)):
        Pin(value, kind).wipe()  # type: ignore[arg-type]  # format check, PinFormatError
    card_profile, path = load_or_create_profile(_profile_path(profile), progress=_progress)
    card_profile.reset(auth_pin=auth_pin, sign_pin=sign_pin, kenhojo_pin=kenhojo_pin)
    card_profile.save(path)
    tries = ", ".join(f"{k} {v}/{v}" for k, v in card_profile.tries_left.items())
    echo(f"software card reset: {tries} (profile {path})")
    echo("ソフトウェアカードの暗証番号をリセットしました。")


COMMANDS: list[click.Command] = [doctor, card_group]
