"""`myna phone approve`: plays the smartphone of the login from a smartphone (a simulation).

The PC shows a QR code (`myna login --qr`, or the overview dashboard); a real phone would scan it,
show the request, read the card over NFC (or use its スマホ用電子証明書) and ask for the 4-digit
PIN. This command does the same from this computer with a software card, a card on a PC/SC
reader (standing in for the phone's NFC) or a software スマホ用電子証明書, with every PIN-safety
rule: the tries left are read and shown first, the last try needs an explicit confirmation, a
PIN is asked once and never retried.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..pins import PINS
from ._card import card_options, open_from_options
from ._common import PIN_ENV_HELP, echo, read_pin, report_errors
from .portal import _is_loopback, _member_profile


@click.group("phone")
def phone_group() -> None:
    """The smartphone's side of `myna login --qr` (simulated on this computer)."""


@phone_group.command("approve")
@click.argument("url")
@card_options(
    virtual_help="Read the built-in software card (as the phone reads it by NFC).",
    reader_help="Read the card on this PC/SC reader (standing in for NFC).",
    profile_help="A software-card (or smartphone-certificate) profile file.",
    member=True,
    member_help="A sample-household member's software card (with --smartphone-cert: their "
    "software スマホ用電子証明書): taro, hanako, sora, ume.",
)
@click.option(
    "--smartphone-cert",
    "smartphone_cert",
    is_flag=True,
    help="Use the phone's スマホ用電子証明書 instead of the card (a TEST-ONLY software one).",
)
@click.option(
    "--print-only",
    "print_only",
    is_flag=True,
    help="Print the signed approval (one line) instead of sending it, to paste into the "
    "verification page opened in a browser.",
)
@click.option("--deny", is_flag=True, help="Refuse the login (no card, no PIN).")
@click.option(
    "--yes", "-y", is_flag=True, help="Do not ask to confirm (the request is still shown)."
)
@click.option(
    "--i-understand-last-try",
    "last_try",
    is_flag=True,
    help="Allow spending the last PIN try (a wrong PIN then blocks it).",
)
@click.option(
    "--trust-portal",
    "trust_portal",
    is_flag=True,
    help="Accept a portal that is not on this computer (the phone keeps no list: needed each "
    "time). Only for the real portal: the card signs an approval naming it.",
)
@report_errors
def approve_cmd(
    url: str,
    virtual: bool,
    reader: str | None,
    smartphone_cert: bool,
    member: str | None,
    profile: Path | None,
    print_only: bool,
    deny: bool,
    yes: bool,
    last_try: bool,
    trust_portal: bool,
) -> None:
    """Approve (or refuse) a login from a smartphone: the phone's side of `myna login --qr`.

    URL is the verification address of the QR code (…/device?user_code=XXXX-XXXX). Shows which
    service asks, for what and for whom, and the code to compare with the PC's screen; then reads
    the authentication PIN's tries left, asks for that PIN once and signs an approval bound to
    this portal, this service and this login session.
    """
    from ..errors import AuthError
    from ..portal import crossdevice as X
    from ..portal.client import PortalClient

    try:
        origin, _code = X.parse_verification_uri(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="URL") from None
    if deny and (virtual or reader or smartphone_cert or member or profile or print_only):
        raise click.UsageError("--deny uses no card and sends the refusal itself")
    if not deny and not (virtual or reader or smartphone_cert or member or profile):
        raise click.UsageError(
            "choose the card (--virtual, --member NAME, --profile FILE or --reader NAME) or "
            "--smartphone-cert"
        )
    if reader is not None and (virtual or smartphone_cert or member or profile):
        raise click.UsageError("--reader reads a card: no software card options with it")
    if not _is_loopback(origin) and not trust_portal:
        raise AuthError(
            f"{origin} is not on this computer. The card would sign an approval naming it; "
            "a fake portal could use a QR code to borrow your login.",
            hint=f"if {origin} is the real portal, run again with --trust-portal",
            ja=f"{origin} はこのコンピューター上のポータルではありません。本物のポータルで"
            "あることを確かめてから --trust-portal を付けて実行してください。",
        )
    show = _shower(err=print_only)  # with --print-only, stdout holds the approval alone
    with PortalClient(origin) as client:
        request = X.open_request(client, url)
        _show_request(request, show)
        if deny:
            if not yes:
                click.confirm(
                    "このログインを拒否しますか / refuse this login?", abort=True, err=True
                )
            X.deny(client, request)
            show("拒否しました。パソコンではログインできません / refused: the PC will not log in")
            return
        if not yes:
            click.confirm(
                "パソコンのコードと同じですか。承認しますか / same code as on the PC? approve?",
                abort=True,
                err=True,
            )
        approval = _sign(
            request,
            show,
            virtual=virtual,
            reader=reader,
            smartphone_cert=smartphone_cert,
            member=member,
            profile=profile,
            last_try=last_try,
        )
        if print_only:
            show(
                "承認データ（検証ページに貼り付けてください）/ the approval, to paste into the page:"
            )
            click.echo(approval)
            return
        X.submit_approval(client, request, approval)
    show("承認しました。パソコンの画面に戻ってください / approved: go back to the PC")


approve_cmd.help = (approve_cmd.help or "") + "\n\n" + PIN_ENV_HELP


def _shower(*, err: bool) -> Any:
    def show(text: str) -> None:
        echo(text, err=err)

    return show


def _show_request(request: Any, show: Any) -> None:
    """What the phone's screen shows before the PIN."""
    show("パソコンでのログインの承認 / a login from a PC asks for your approval")
    show(
        f"  確認コード / code:      {request.user_code}  （パソコンの表示と同じか確かめてください）"
    )
    show(f"  サービス / service:     {request.client_name} ({request.client_id})")
    show(f"  ログイン先 / portal:    {request.origin}")
    show(f"  だれとして / for whom:  {request.for_whom()}")
    show("  見られる情報 / shares:  " + "、".join(label for _s, label in request.scopes))
    minutes, seconds = divmod(max(0, request.expires_in), 60)
    show(f"  有効期限 / expires in:  {minutes}分{seconds:02d}秒")


def _sign(
    request: Any,
    show: Any,
    *,
    virtual: bool,
    reader: str | None,
    smartphone_cert: bool,
    member: str | None,
    profile: Path | None,
    last_try: bool,
) -> str:
    """Open the card or the スマホ用電子証明書, show the tries left, ask the PIN once, sign."""
    from ..card import load_or_create_profile
    from ..card.jpki import ACCEPT_PHONE
    from ..card.session import check_tries
    from ..errors import CardError
    from ..portal import crossdevice as X

    if member is not None:
        profile = _member_profile(member, smartphone=smartphone_cert)
    if reader is not None:
        card_cm = open_from_options(False, reader, None, accept=ACCEPT_PHONE)
        what = f"カード（{reader}）/ the card on {reader}"
    else:
        if smartphone_cert and profile is None:
            _profile, profile = load_or_create_profile(smartphone=True)
        card_cm = open_from_options(True, None, profile, create=False, accept=ACCEPT_PHONE)
        what = (
            "スマホ用電子証明書（テスト用）/ the smartphone certificate (TEST-ONLY)"
            if smartphone_cert
            else "ソフトウェアカード（テスト用）/ the software card (TEST-ONLY)"
        )
    with card_cm as card:
        kind = card.token_kind
        if smartphone_cert and kind != "smartphone":
            raise CardError(
                "This profile is a card, not a スマホ用電子証明書",
                hint="leave out --smartphone-cert to use it as the card read over NFC",
            )
        show(f"{what}: {'スマホ用電子証明書' if kind == 'smartphone' else 'マイナンバーカード'}")
        tries = card.auth_tries_left()
        label = (
            "スマホ用電子証明書の利用者証明用暗証番号"
            if kind == "smartphone"
            else "利用者証明用電子証明書 暗証番号"
        )
        show(f"{label} / authentication PIN: {tries} tries left")
        check_tries("auth", tries, last_try)
        pin = read_pin("auth", prompt=f"{label}（{PINS['auth'].format_ja}）/ auth PIN: ")
        try:
            return X.sign_approval(card, pin, request, allow_last_try=last_try)
        finally:
            pin.wipe()


COMMANDS: list[click.Command] = [phone_group]
