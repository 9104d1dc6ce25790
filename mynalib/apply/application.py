"""An application from first field to receipt: read the card, fill, check, show, sign, send.

The steps, each its own function so a notebook, the CLI and the dashboard run the same code::

    form = fetch_form(client, "koukin_uketori_kouza")       # the portal's definition (or forms.form)
    draft = Draft(form)
    card_data = read_card(card, Pin(pin, "kenhojo"))       # 券面事項入力補助: 基本4情報 only
    draft.prefill(card=card_data, kana=portal_kana(client), settings={"phone": "03-…"})
    draft.update(bank_code="0001", …); draft.attach("other", "scan.pdf")
    preview = draft.preview(client.base_url)                # raises FormError, field by field
    print("\\n".join(preview.lines()))                      # exactly what will be sent
    signature = sign(card, Pin(password, "sign"), preview.content) if preview.signature_required else None
    receipt = submit(client, preview, signature)            # ApplicationRefused names the field
    status(client, receipt.application_id)                  # 受付済 → 審査中 → 完了 / 差戻し

Nothing here logs a value of a field: the log names procedures, application numbers and counts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PortalError, ProtocolError, RequestRefused
from . import canonical
from .forms import (
    SEX_CHOICES,
    Attachment,
    FieldSpec,
    FormDefinition,
    FormError,
    Problem,
    check_attachments,
    content_type_for,
    validate,
)

if TYPE_CHECKING:
    from ..card.jpki import JpkiCard
    from ..portal.client import PortalClient
    from ..secrets import Pin

log = logging.getLogger("mynalib.apply")


# ------------------------------------------------------------------------------------ the card
@dataclass(frozen=True)
class CardData:
    """基本4情報 as the 券面事項入力補助 applet holds them (never the My Number)."""

    name: str
    address: str
    birth_date: dt.date | None
    sex: str  # "1" male, "2" female, "9" not applicable, "0" unknown

    def __repr__(self) -> str:  # personal data: never in a log or a traceback by accident
        return "<CardData (hidden)>"

    def value(self, source: str) -> Any:
        """The value for a prefill source ``card.<name>`` (None when the card has none)."""
        return {
            "card.name": self.name,
            "card.address": self.address,
            "card.birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "card.sex": self.sex if self.sex in dict(SEX_CHOICES) else None,
        }.get(source)


def read_card(card: JpkiCard, pin: Pin, *, allow_last_try: bool = False) -> CardData:
    """申請入力支援: 基本4情報 from the 券面事項入力補助 applet.

    The PIN rules are the card layer's: the counter is read before the VERIFY, nothing is sent
    with one try left unless ``allow_last_try``, a wrong PIN spends exactly one try, raises
    :class:`~mynalib.errors.PinError` with the tries left and is never sent again. The My Number
    is not read into the result (the applet answers it masked and it is dropped)."""
    info = card.kenhojo(pin, full_number=False, allow_last_try=allow_last_try)
    log.info("read 基本4情報 from the card for an application")
    return CardData(info.name, info.address, info.birth, info.sex)


# ----------------------------------------------------------------------------------- the draft
#: where a prefilled value came from (shown beside it)
SOURCE_LABELS = {
    "card": "マイナンバーカード",
    "portal": "マイナポータルの登録情報",
    "settings": "設定",
    "you": "入力",
}


class Draft:
    """The values and files of one application before it is sent."""

    def __init__(self, form: FormDefinition):
        self.form = form
        self.values: dict[str, Any] = {}
        #: field name → where its value came from ("card", "portal", "settings", "you")
        self.sources: dict[str, str] = {}
        self.attachments: list[Attachment] = []

    def __repr__(self) -> str:
        return (
            f"<Draft {self.form.procedure_id}: {len(self.values)} values, "
            f"{len(self.attachments)} attachments>"
        )

    def prefill(
        self,
        *,
        card: CardData | None = None,
        kana: str | None = None,
        settings: Mapping[str, Any] | None = None,
        overwrite: bool = False,
    ) -> list[str]:
        """Fill the fields whose ``prefill`` source is given; the names filled.

        A value the user already entered is kept unless ``overwrite``."""
        filled = []
        for spec in self.form.fields:
            source = spec.prefill
            if source is None or (spec.name in self.values and not overwrite):
                continue
            value = None
            if source.startswith("card.") and card is not None:
                value = card.value(source)
            elif source == "portal.kana" and kana:
                value = kana
            elif source.startswith("settings.") and settings:
                value = settings.get(source.split(".", 1)[1])
            if value is None or value == "":
                continue
            self.values[spec.name] = value
            self.sources[spec.name] = source.split(".", 1)[0]
            filled.append(spec.name)
        return filled

    def set(self, name: str, value: Any) -> None:
        """Set one field (the user's own input); KeyError for a name the form does not have."""
        self.form.field(name)
        if value is None or value == "":
            self.values.pop(name, None)
            self.sources.pop(name, None)
            return
        self.values[name] = value
        self.sources[name] = "you"

    def update(self, values: Mapping[str, Any] | None = None, **more: Any) -> None:
        for name, value in {**(values or {}), **more}.items():
            self.set(name, value)

    def attach(
        self,
        slot: str,
        file: str | os.PathLike[str] | bytes,
        *,
        name: str | None = None,
        content_type: str | None = None,
    ) -> Attachment:
        """Attach a file (a path, or bytes with ``name``) to ``slot``; replaces that slot's file."""
        self.form.slot(slot)
        if isinstance(file, bytes):
            if not name:
                raise ValueError("bytes need a file name")
            content = file
        else:
            path = Path(file)
            content = path.read_bytes()
            name = name or path.name
        att = Attachment(slot, name, content, content_type or content_type_for(name) or "")
        self.attachments = [a for a in self.attachments if a.slot != slot] + [att]
        return att

    def detach(self, slot: str) -> None:
        self.attachments = [a for a in self.attachments if a.slot != slot]

    def missing(self) -> list[FieldSpec]:
        """Required fields still empty (what the CLI asks for)."""
        return [
            f
            for f in self.form.fields
            if f.required and (self.values.get(f.name) in (None, "", False))
        ]

    def check(self, *, today: dt.date | None = None) -> tuple[dict[str, Any], list[Problem]]:
        """(normalised values, problems) of the fields and the attachments together."""
        clean, problems = validate(self.form, self.values, today=today)
        entries = [a.entry() for a in self.attachments]
        problems += check_attachments(self.form, entries, clean)
        return clean, problems

    def preview(
        self, portal: str, *, submission_id: str | None = None, today: dt.date | None = None
    ) -> Preview:
        """What would be sent to ``portal`` (its URL): raises :class:`FormError` listing every
        problem; nothing is sent by this."""
        from ..portal.protocol import origin_of

        clean, problems = self.check(today=today)
        if problems:
            raise FormError(problems, procedure_id=self.form.procedure_id)
        sid = submission_id or secrets.token_urlsafe(16)
        origin = origin_of(portal)
        content = canonical.signed_content(
            portal=origin,
            procedure_id=self.form.procedure_id,
            submission_id=sid,
            fields=clean,
            attachments=[a.entry() for a in self.attachments],
        )
        return Preview(
            self.form, origin, sid, clean, list(self.attachments), content, dict(self.sources)
        )


@dataclass
class Preview:
    """Exactly what will be sent: the values, the files (by hash) and the bytes to sign."""

    form: FormDefinition
    portal: str
    submission_id: str
    fields: dict[str, Any] = field(repr=False)
    attachments: list[Attachment] = field(repr=False)
    #: the canonical bytes the card signs (``mynalib.apply.canonical``)
    content: bytes = field(repr=False)
    sources: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def signature_required(self) -> bool:
        return self.form.signature_required

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def rows(self) -> list[tuple[str, str, str]]:
        """(label, value as shown, where it came from) per field that is sent."""
        out = []
        for spec in self.form.fields:
            if spec.name not in self.fields:
                continue
            value = self.fields[spec.name]
            if spec.type == "choice":
                shown = spec.choice_label(value)
            elif spec.type == "boolean":
                shown = "はい" if value else "いいえ"
            elif spec.type == "number":
                shown = f"{value:,}"
            else:
                shown = str(value)
            source = SOURCE_LABELS.get(self.sources.get(spec.name, "you"), "入力")
            out.append((spec.label, shown, source))
        return out

    def lines(self) -> list[str]:
        """The confirmation text (Japanese, with the English gist)."""
        out = [
            f"申請先 / portal: {self.portal}",
            f"手続 / procedure: {self.form.name}（{self.form.procedure_id}）",
        ]
        out += [f"  {label}: {shown}（{source}）" for label, shown, source in self.rows()]
        if self.attachments:
            out.append("添付書類 / attachments:")
            for a in self.attachments:
                label = self.form.slot(a.slot).label
                digest = hashlib.sha256(a.content).hexdigest()
                out.append(
                    f"  {label}: {a.name}（{len(a.content):,} bytes, SHA-256 {digest[:16]}…）"
                )
        else:
            out.append("添付書類 / attachments: なし")
        out.append(
            "電子署名 / signature: "
            + (
                "署名用電子証明書で署名します（下の内容のSHA-256: "
                + self.content_sha256[:16]
                + "…）"
                if self.signature_required
                else "不要（この手続は署名なしで送信します）"
            )
        )
        return out

    def request_body(self, signature: bytes | None = None) -> dict[str, Any]:
        """The ``applications/submit`` reqBody (files inline, base64)."""
        return {
            "procedureId": self.form.procedure_id,
            "submissionId": self.submission_id,
            "fields": self.fields,
            "attachments": [
                {**a.entry(), "content": base64.b64encode(a.content).decode("ascii")}
                for a in self.attachments
            ],
            "signature": None
            if signature is None
            else {"format": "cms", "value": base64.b64encode(signature).decode("ascii")},
        }


# ------------------------------------------------------------------------------- signing, send
def sign(card: JpkiCard, pin: Pin, content: bytes, *, allow_last_try: bool = False) -> bytes:
    """A detached CMS signature (CAdES-BES) over ``content`` with the 署名用電子証明書.

    :class:`~mynalib.signing.CardSigner` reads the certificate after the signing password (one
    VERIFY; a wrong password spends exactly one try, raises and is never sent again), then the
    card signs the SHA-256 DigestInfo of the signed attributes. The private key stays on the card."""
    from ..signing import CardSigner, sign_cms

    signer = CardSigner(card, pin, allow_last_try=allow_last_try)
    signature = sign_cms(content, signer)
    log.info("signed an application (%d bytes of canonical content)", len(content))
    return signature


class ApplicationRefused(PortalError):
    """The portal refused the application; ``problems`` says which field, file or signature."""

    ja_default = "申請が受け付けられませんでした。"

    def __init__(self, procedure_id: str, problems: list[Problem]):
        self.problems = problems
        listing = "; ".join(f"{p.field}: {p.en}" for p in problems)
        super().__init__(
            f"{procedure_id}: the portal refused the application — {listing}",
            ja="申請が受け付けられませんでした: "
            + "、".join(f"{p.label}（{p.ja}）" for p in problems),
        )


def _problems(form: FormDefinition, errors: list[dict[str, Any]]) -> list[Problem]:
    out = []
    for e in errors:
        name = str(e.get("field") or "")
        message = str(e.get("message") or e.get("errorCode") or "")
        ja, _, en = message.partition(" / ")
        label = name
        try:
            label = form.field(name).label
        except KeyError:
            try:
                label = form.slot(name).label
            except KeyError:
                label = {"signature": "電子署名", "submissionId": "送信番号"}.get(name, name)
        if ": " in ja:
            ja = ja.split(": ", 1)[1]
        code = str(e.get("signatureError") or e.get("errorCode") or "")
        out.append(Problem(name, label, en or ja, ja, code))
    return out


@dataclass(frozen=True)
class Receipt:
    """The portal's answer to a submission (受付の控え)."""

    application_id: str
    procedure_id: str
    status: str
    received_at: str
    content_sha256: str
    signed: bool
    duplicate: bool
    attachments: tuple[dict[str, Any], ...] = ()


def submit(client: PortalClient, preview: Preview, signature: bytes | None = None) -> Receipt:
    """Send the application. A retry after a lost answer sends the same ``submissionId``: the
    portal answers with the same application, never a second one. Raises
    :class:`ApplicationRefused` (field by field) or another :class:`~mynalib.errors.PortalError`."""
    if preview.signature_required and signature is None:
        raise ValueError(f"{preview.form.procedure_id} needs the card's signature")
    try:
        res = client.call("applications/submit", preview.request_body(signature))
    except RequestRefused as exc:
        problems = _problems(preview.form, exc.errors)
        log.info(
            "application %s refused: %s",
            preview.form.procedure_id,
            ", ".join(sorted({p.field for p in problems})),
        )
        raise ApplicationRefused(preview.form.procedure_id, problems) from None
    app = res.get("application")
    if not isinstance(app, dict) or not app.get("applicationId"):
        raise ProtocolError("applications/submit: the answer names no application")
    if app.get("contentSha256") != preview.content_sha256:
        raise ProtocolError(
            "applications/submit: the portal's receipt is for other content than was sent",
            hint="the application number it gave is " + str(app.get("applicationId")),
        )
    receipt = Receipt(
        application_id=str(app["applicationId"]),
        procedure_id=str(app.get("procedureId")),
        status=str(app.get("status")),
        received_at=str(app.get("receivedAt") or ""),
        content_sha256=str(app["contentSha256"]),
        signed=bool(app.get("signed")),
        duplicate=bool(res.get("duplicate")),
        attachments=tuple(app.get("attachments") or ()),
    )
    log.info("application %s submitted: %s", receipt.procedure_id, receipt.application_id)
    return receipt


# ------------------------------------------------------------------------- the portal's side
def fetch_form(client: PortalClient, procedure_id: str) -> FormDefinition:
    """The portal's form definition of ``procedure_id`` (``forms/get``)."""
    res = client.call("forms/get", {"procedureId": procedure_id})
    try:
        return FormDefinition.from_json(res["form"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"forms/get {procedure_id}: not a form definition ({exc})") from None


def fetch_template(
    client: PortalClient, procedure_id: str, template_id: str = "application"
) -> tuple[str, str, bytes]:
    """様式取得: (file name, content type, bytes), checked against the SHA-256 it is sent with."""
    res = client.call("forms/template", {"procedureId": procedure_id, "templateId": template_id})
    try:
        data = base64.b64decode(res["content"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise ProtocolError(f"forms/template {procedure_id}: content is not base64") from None
    if hashlib.sha256(data).hexdigest() != res.get("sha256"):
        raise ProtocolError(f"forms/template {procedure_id}: checksum mismatch")
    return str(res.get("fileName") or f"{procedure_id}.bin"), str(res.get("contentType")), data


def portal_kana(client: PortalClient) -> str | None:
    """The フリガナ of the logged-in person as the portal has it (the card has no reading)."""
    subject = client.call("applications/list").get("subject") or {}
    kana = subject.get("kana") if isinstance(subject, dict) else None
    return str(kana) if kana else None


@dataclass(frozen=True)
class ApplicationStatus:
    application_id: str
    procedure_id: str
    status: str
    reason: str
    #: every change so far: (status, when, reason)
    history: tuple[tuple[str, str, str], ...]


def status(client: PortalClient, application_id: str) -> ApplicationStatus:
    """One application's state and its history (``applications/get``)."""
    app = client.call("applications/get", {"applicationId": application_id}).get("application")
    if not isinstance(app, dict):
        raise ProtocolError("applications/get: no application in the answer")
    return ApplicationStatus(
        application_id=str(app.get("applicationId")),
        procedure_id=str(app.get("procedureId")),
        status=str(app.get("status")),
        reason=str(app.get("reason") or ""),
        history=tuple(
            (str(h.get("status")), str(h.get("at")), str(h.get("reason") or ""))
            for h in app.get("history") or ()
            if isinstance(h, dict)
        ),
    )
