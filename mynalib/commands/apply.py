"""`myna apply`, `myna form`, `myna mandate`: 電子申請 from the command line.

The work is :mod:`mynalib.apply`'s; these commands only ask, show and call it. The portal session
is the one `myna login` keeps in the vault. PINs are asked with the card's rules (tries shown
first, the last try only with --i-understand-last-try, never retried).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._card import LAST_TRY as _LAST_TRY
from ._card import card_options
from ._card import open_from_options as _open
from ._card import pre_pin_checks as _pre_pin_checks
from ._common import (
    PIN_ENV_HELP,
    echo,
    open_command_vault,
    read_pin,
    report_errors,
    vault_option,
)

if TYPE_CHECKING:
    from ..apply import Draft, FormDefinition
    from ..card.jpki import JpkiCard
    from ..portal.client import PortalClient
    from ..vault import Vault

STATUS_COMMAND = "myna fetch applications notices && myna table applications"
TYPE_JA = {
    "text": "文字",
    "kana": "カタカナ",
    "digits": "数字",
    "number": "整数",
    "date": "日付",
    "choice": "選択",
    "boolean": "はい/いいえ",
    "email": "メール",
    "phone": "電話番号",
    "postal_code": "郵便番号",
}


# ----------------------------------------------------------------------------------- helpers
#: --virtual / --profile / --member / --reader (one of them; the default reader otherwise)
_card_choice = card_options(
    virtual_help="Use the built-in software card (TEST-ONLY; taro's).",
    profile_help="A software-card profile file (implies --virtual).",
    member=True,
)


class _Card:
    """Opens the chosen card once, when a PIN is first needed."""

    def __init__(self, virtual: bool, reader: str | None, profile: Path | None, member: str | None):
        if sum(x is not None and x is not False for x in (reader, profile, member)) > 1 or (
            virtual and reader
        ):
            raise click.UsageError("choose one of --virtual/--profile/--member or --reader")
        if member is not None:
            from .portal import _member_profile

            profile = _member_profile(member)
        self._args = (virtual, reader, profile)
        self._card: JpkiCard | None = None

    def get(self) -> JpkiCard:
        if self._card is None:
            self._card = _open(*self._args)
        return self._card

    def close(self) -> None:
        if self._card is not None:
            self._card.close()


def _session(vault: Vault, portal: str | None, *, required: bool) -> PortalClient | None:
    """A client resumed from `myna login`'s session (None when there is none and not required)."""
    from ..errors import SessionExpired
    from ..portal.client import PortalClient
    from .portal import SECRET_REFRESH, _portal_url, _saver

    token = vault.get_secret(SECRET_REFRESH)
    if not token:
        if required:
            raise SessionExpired("Not logged in to the portal", hint="run `myna login` first")
        return None
    url = _portal_url(portal, vault)
    client = PortalClient(url, on_session=_saver(vault, url))
    try:
        client.resume(token.decode("utf-8"))
    except BaseException:
        client.close()
        raise
    return client


def _load_settings(path: Path | None) -> dict[str, Any]:
    """The user's settings (TOML or JSON): phone, email, postal_code, employer…"""
    if path is None:
        return {}
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import tomllib

        data = tomllib.loads(text)
    if not isinstance(data, dict):
        raise click.BadParameter(
            "the settings must be a table of names and values", param_hint="--settings"
        )
    return {str(k): v for k, v in data.items() if isinstance(v, (str, int))}


def _show_form(form: FormDefinition, *, source: str) -> None:
    echo(f"{form.name}（{form.procedure_id}） — {source}")
    if form.note:
        echo(f"  {form.note}")
    echo("  項目 / fields:")
    for f in form.fields:
        extra = []
        if f.choices:
            extra.append(" / ".join(f"{v}={label}" for v, label in f.choices))
        if f.prefill:
            extra.append(f"← {f.prefill}")
        flag = "必須" if f.required else "任意"
        suffix = f"  ({'; '.join(extra)})" if extra else ""
        echo(f"    {f.name:<24} {f.label}［{TYPE_JA.get(f.type, f.type)}・{flag}］{suffix}")
    if form.attachments:
        echo("  添付 / attachments (--attach SLOT=FILE):")
        for a in form.attachments:
            flag = "必須" if a.required else ("審査で必要" if a.review else "任意")
            echo(f"    {a.slot:<24} {a.label}［{flag}］")
    else:
        echo("  添付 / attachments: この手続には添付できません")
    signed = (
        "必要（署名用電子証明書）/ required" if form.signature_required else "不要 / not needed"
    )
    echo(f"  電子署名 / signature: {signed}")


def _parse_fields(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r}: use NAME=VALUE", param_hint="--field")
        out[name.strip()] = value
    return out


def _attach(draft: Draft, items: tuple[str, ...]) -> None:
    form = draft.form
    for item in items:
        slot, sep, file = item.partition("=")
        if not sep:
            file, slot = item, ""
            candidates = [a.slot for a in form.attachments]
            slot = (
                candidates[0]
                if len(candidates) == 1
                else ("other" if "other" in candidates else "")
            )
            if not slot:
                raise click.BadParameter(
                    f"{item}: say which slot, SLOT=FILE ({', '.join(candidates) or 'none'})",
                    param_hint="--attach",
                )
        path = Path(file)
        if not path.is_file():
            raise click.BadParameter(f"{file}: no such file", param_hint="--attach")
        try:
            draft.attach(slot, path)
        except KeyError:
            slots = ", ".join(a.slot for a in form.attachments) or "none"
            raise click.BadParameter(
                f"{slot}: not an attachment of this form (slots: {slots})", param_hint="--attach"
            ) from None


def _ask_missing(draft: Draft) -> None:
    """Ask, one by one, for the required fields still empty (choices shown, booleans as y/n)."""
    for spec in draft.missing():
        if spec.type == "boolean":
            draft.set(spec.name, click.confirm(f"{spec.label} ({spec.name})", default=False))
            continue
        hint = ""
        if spec.choices:
            hint = " [" + " / ".join(f"{v}={label}" for v, label in spec.choices) + "]"
        elif spec.type == "date":
            hint = " [YYYY-MM-DD / 令和8年4月1日]"
        draft.set(spec.name, click.prompt(f"{spec.label} ({spec.name}){hint}", type=str))


def _print_problems(problems: list[Any]) -> None:
    for p in problems:
        echo(f"  ✗ {p.label}（{p.field}）: {p.ja} / {p.en}", err=True)


def _prefill(draft: Draft, card: _Card, client: PortalClient | None, allow_last_try: bool) -> None:
    from ..apply import portal_kana, read_card

    c = card.get()
    _pre_pin_checks(c, "kenhojo", allow_last_try)
    pin = read_pin("kenhojo")
    try:
        data = read_card(c, pin, allow_last_try=allow_last_try)
    finally:
        pin.wipe()
    kana = portal_kana(client) if client is not None else None
    filled = draft.prefill(card=data, kana=kana)
    echo(
        "カードから入力しました / filled from the card: "
        + ", ".join(filled)
        + ("" if kana else "  (フリガナはカードにありません: --field name_kana=… で入力)")
    )


# -------------------------------------------------------------------------------- myna apply
@click.command("apply")
@click.argument("procedure_id")
@click.option(
    "--prefill",
    is_flag=True,
    help="Fill 氏名・住所・生年月日・性別 from the card "
    "(券面事項入力補助 PIN) and the フリガナ from the portal.",
)
@click.option(
    "--field", "fields", multiple=True, metavar="NAME=VALUE", help="Set a field (repeatable)."
)
@click.option(
    "--attach",
    "attachments",
    multiple=True,
    metavar="[SLOT=]FILE",
    help="Attach a file to a slot (repeatable; without SLOT: the form's only slot, or other).",
)
@click.option(
    "--settings",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Your usual answers (TOML or JSON: phone, email, postal_code, employer).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show exactly what would be sent (and the bytes that "
    "would be signed); send nothing, sign nothing.",
)
@click.option("--yes", is_flag=True, help="Send without asking for the confirmation.")
@click.option("--no-input", is_flag=True, help="Never ask for a missing field: fail instead.")
@click.option("--portal", default=None, help="Portal URL (default: the one you logged in to).")
@_card_choice
@_LAST_TRY
@vault_option
@report_errors
def apply_cmd(
    procedure_id: str,
    prefill: bool,
    fields: tuple[str, ...],
    attachments: tuple[str, ...],
    settings: Path | None,
    dry_run: bool,
    yes: bool,
    no_input: bool,
    portal: str | None,
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    member: str | None,
    allow_last_try: bool,
    vault_dir: Path | None,
) -> None:
    """Apply for PROCEDURE_ID online (電子申請): fill, check, confirm, sign, send.

    Shows the form; --prefill reads 基本4情報 from the card's 券面事項入力補助 applet (its PIN:
    tries shown first) and the フリガナ from the portal; asks for what is missing; checks every
    field; shows exactly what will be sent and asks before sending; signs with the 署名用電子証明書
    when the procedure needs it (the signing password: tries shown first); sends; prints the
    application number and how to follow it. Needs `myna login` (not for --dry-run).
    Find PROCEDURE_IDs with the procedures dashboard or mynalib.procedures.search().
    """
    from ..apply import ApplicationRefused, Draft, FormError, fetch_form, form, sign, submit
    from ..portal.protocol import origin_of

    vault = open_command_vault(vault_dir)
    card = _Card(virtual, reader, profile, member)
    client = None
    try:
        client = _session(vault, portal, required=not dry_run)
        if client is not None:
            definition = fetch_form(client, procedure_id)
            source = f"the portal's form ({client.base_url})"
        else:
            try:
                definition = form(procedure_id)
            except KeyError as exc:
                raise click.UsageError(str(exc).strip("'\"")) from None
            source = "the form shipped with mynalib (not logged in)"
        _show_form(definition, source=source)
        draft = Draft(definition)
        draft.prefill(settings=_load_settings(settings))
        if prefill:
            _prefill(draft, card, client, allow_last_try)
        try:
            draft.update(_parse_fields(fields))
        except KeyError as exc:
            names = ", ".join(f.name for f in definition.fields)
            raise click.BadParameter(
                f"{exc.args[0]} (fields: {names})", param_hint="--field"
            ) from None
        _attach(draft, attachments)
        if draft.missing():
            if no_input:
                missing = ", ".join(f.name for f in draft.missing())
                raise click.UsageError(
                    f"missing required fields: {missing} (give --field NAME=VALUE)"
                )
            _ask_missing(draft)
        if client is not None:
            url = client.base_url
        else:
            from .portal import _portal_url

            url = _portal_url(portal, vault)
        try:
            preview = draft.preview(url)
        except FormError as exc:
            echo("入力内容に誤りがあります / the form has problems:", err=True)
            _print_problems(exc.problems)
            raise SystemExit(1) from None
        echo("")
        echo("送信する内容 / what will be sent:")
        for line in preview.lines():
            echo(f"  {line}")
        if dry_run:
            echo("")
            echo("署名・送信する正規形 / the canonical bytes that are signed and sent (RFC 8785):")
            echo(preview.content.decode("utf-8"))
            echo(f"SHA-256: {preview.content_sha256}")
            echo("(dry run: nothing was signed or sent / 送信していません)")
            return
        assert client is not None
        if not yes and not click.confirm(
            "この内容で送信しますか？ / send this application?", default=False
        ):
            echo("送信しませんでした / not sent.")
            return
        signature = None
        if preview.signature_required:
            c = card.get()
            _pre_pin_checks(c, "sign", allow_last_try)
            pin = read_pin("sign")
            try:
                signature = sign(c, pin, preview.content, allow_last_try=allow_last_try)
            finally:
                pin.wipe()
        try:
            receipt = submit(client, preview, signature)
        except ApplicationRefused as exc:
            echo("申請は受け付けられませんでした / the portal refused it:", err=True)
            _print_problems(exc.problems)
            raise SystemExit(1) from None
        vault.audit("apply.submit", f"{origin_of(url)} {procedure_id} {receipt.application_id}")
        try:
            client.fetch(["applications"], store=vault.put)
        except Exception as exc:  # the application is in; the table catches up at the next fetch
            echo(f"(could not refresh 申請状況 yet: {type(exc).__name__})", err=True)
        echo("")
        echo(f"申請しました / submitted: 申請番号 {receipt.application_id}（{receipt.status}）")
        if receipt.duplicate:
            echo("  (the portal already had this submission: the same application)")
        echo(
            f"  受付日時 / received: {receipt.received_at}; 内容のSHA-256: {receipt.content_sha256[:16]}…"
        )
        echo(f"  状況の確認 / follow it: {STATUS_COMMAND}")
    finally:
        card.close()
        if client is not None:
            client.close()
        vault.close()


apply_cmd.help = (apply_cmd.help or "") + "\n\n" + PIN_ENV_HELP


# --------------------------------------------------------------------------------- myna form
@click.command("form")
@click.argument("procedure_id")
@click.option(
    "--template",
    "template_id",
    default=None,
    help="Which file (default: the 就労証明書 where there is one, else the application CSV).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write it (default: the file's own name, here).",
)
@click.option(
    "--prefill",
    is_flag=True,
    help="就労証明書: fill the worker's part from the card "
    "(券面事項入力補助 PIN), the portal's フリガナ and --settings (employer).",
)
@click.option(
    "--settings",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Your usual answers (TOML or JSON: employer…).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--portal", default=None, help="Portal URL (default: the one you logged in to).")
@_card_choice
@_LAST_TRY
@vault_option
@report_errors
def form_cmd(
    procedure_id: str,
    template_id: str | None,
    output: Path | None,
    prefill: bool,
    settings: Path | None,
    force: bool,
    portal: str | None,
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    member: str | None,
    allow_last_try: bool,
    vault_dir: Path | None,
) -> None:
    """様式取得: download a procedure's form template (e.g. the 就労証明書 for a 保育所 application).

    With --prefill the 就労証明書's worker part (氏名・フリガナ・生年月日・住所) is filled from the
    card and the portal, and the employer's name from --settings; give the file to the employer,
    who completes and certifies the rest; attach it with
    `myna apply hoikusho_moushikomi --attach employment_certificate=FILE`.
    """
    from ..apply import fetch_template, form, portal_kana, read_card
    from ..apply.templates import fill_employment_certificate, render
    from ..export import write_private

    vault = open_command_vault(vault_dir)
    card = _Card(virtual, reader, profile, member)
    client = None
    try:
        client = _session(vault, portal, required=False)
        try:
            definition = form(procedure_id)
        except KeyError as exc:
            raise click.UsageError(str(exc).strip("'\"")) from None
        chosen = template_id or (
            "shuro_shomeisho"
            if any(t.template_id == "shuro_shomeisho" for t in definition.templates)
            else "application"
        )
        try:
            definition.template(chosen)
        except KeyError:
            ids = ", ".join(t.template_id for t in definition.templates)
            raise click.BadParameter(
                f"{chosen}: templates of {procedure_id}: {ids}", param_hint="--template"
            ) from None
        if client is not None:
            name, _ctype, data = fetch_template(client, procedure_id, chosen)
            echo(f"様式取得 / downloaded from {client.base_url}: {name}")
        else:
            name, _ctype, data = render(definition, chosen)
            echo(f"様式 / the copy shipped with mynalib (not logged in): {name}")
        if prefill:
            if chosen != "shuro_shomeisho":
                raise click.UsageError(
                    "--prefill fills the 就労証明書 only (--template shuro_shomeisho)"
                )
            c = card.get()
            _pre_pin_checks(c, "kenhojo", allow_last_try)
            pin = read_pin("kenhojo")
            try:
                person = read_card(c, pin, allow_last_try=allow_last_try)
            finally:
                pin.wipe()
            mine = _load_settings(settings)
            values = {
                "employee_name": person.name,
                "employee_kana": mine.get("name_kana") or (portal_kana(client) if client else None),
                "employee_birth_date": person.birth_date,
                "employee_address": person.address,
                "employer_name": mine.get("employer"),
            }
            data = fill_employment_certificate(data, values)
            echo("就労者の欄をカードから記入しました / the worker's part is filled from the card")
        target = output or Path(name)
        if target.exists() and not force:
            raise click.UsageError(f"{target} exists; use --force to overwrite it")
        write_private(target, data)
        echo(f"保存しました / written: {target}")
        if chosen == "shuro_shomeisho":
            echo(
                "  勤務先に渡して、事業主の欄の記入と証明を受けてください / give it to your employer to "
                "complete and certify; then attach it:\n"
                f"  myna apply {procedure_id} --attach employment_certificate={target}"
            )
    finally:
        card.close()
        if client is not None:
            client.close()
        vault.close()


# ------------------------------------------------------------------------------ myna mandate
@click.command("mandate")
@click.option("--company", required=True, help="法人名（商号）.")
@click.option("--agent-name", required=True, help="代理人の氏名.")
@click.option("--agent-address", required=True, help="代理人の住所.")
@click.option(
    "--procedure",
    "procedure_ids",
    multiple=True,
    required=True,
    metavar="PROCEDURE_ID",
    help="A 法人設立 procedure entrusted to the agent (repeatable).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("委任状.txt"),
    show_default=True,
    help="The 委任状 (its signature: OUTPUT.p7s).",
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@_card_choice
@_LAST_TRY
@report_errors
def mandate_cmd(
    company: str,
    agent_name: str,
    agent_address: str,
    procedure_ids: tuple[str, ...],
    output: Path,
    force: bool,
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    member: str | None,
    allow_last_try: bool,
) -> None:
    """電子署名付委任状: a 委任状 for the 法人設立 procedures, signed with your card.

    Writes the 委任状 (UTF-8 text; you, the representative, are written from your signing
    certificate) and its detached CMS signature (OUTPUT.p7s, CAdES-BES, 署名用電子証明書 — the
    signing password: tries shown first). The agent attaches both:
    `myna apply setsuritsu_touki --field filer=agent --attach mandate=委任状.txt
    --attach mandate_signature=委任状.txt.p7s`.
    """
    from .. import procedures as catalogue
    from ..apply.mandate import sign_mandate
    from ..export import write_private

    for pid in procedure_ids:
        try:
            proc = catalogue.get(pid)
        except KeyError as exc:
            raise click.BadParameter(str(exc).strip("'\""), param_hint="--procedure") from None
        if proc["audience"] != "法人":
            raise click.BadParameter(f"{pid} is not a 法人 procedure", param_hint="--procedure")
    signature_path = output.with_name(output.name + ".p7s")
    for path in (output, signature_path):
        if path.exists() and not force:
            raise click.UsageError(f"{path} exists; use --force to overwrite it")
    card = _Card(virtual, reader, profile, member)
    try:
        c = card.get()
        _pre_pin_checks(c, "sign", allow_last_try)
        pin = read_pin("sign")
        try:
            mandate = sign_mandate(
                c,
                pin,
                company=company,
                agent_name=agent_name,
                agent_address=agent_address,
                procedure_ids=procedure_ids,
                allow_last_try=allow_last_try,
            )
        finally:
            pin.wipe()
    finally:
        card.close()
    write_private(output, mandate.text)
    write_private(signature_path, mandate.signature)
    echo(f"委任状 / mandate: {output}")
    echo(f"電子署名 / signature (CMS, detached): {signature_path}")
    echo(f"  確認 / check: myna verify {signature_path} --content {output}")
    first = procedure_ids[0]
    echo(
        f"  添付 / attach: myna apply {first} --field filer=agent --attach mandate={output} "
        f"--attach mandate_signature={signature_path}"
    )


COMMANDS: list[click.Command] = [apply_cmd, form_cmd, mandate_cmd]
