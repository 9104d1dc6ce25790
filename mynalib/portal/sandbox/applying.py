"""電子申請 in the sandbox (``PROTOCOL.md`` §9): forms, 様式取得, submissions, their progress.

A submission is checked the way the portal's refusals say it: every field against the form
(:func:`mynalib.apply.forms.validate`, the same code the client runs), the attachments (slot,
type, size, the SHA-256 each is named by), the signature over the canonical bytes
(:mod:`mynalib.apply.canonical`) — a CMS signature whose certificate must chain to a trusted
signing CA, be valid at the signing time and not be on the revocation list, and name the person
applying (or their 代理人) — and, for 公金受取口座, the account holder against the フリガナ the
portal holds. A 電子署名付委任状 attached to a 法人 procedure is verified the same way.

An accepted application moves on with the sandbox clock: 受付済 at once, 審査中 after
``review_delay`` seconds, then 完了 — or 差戻し with a reason after ``decision_delay`` seconds
when the examiner finds a document missing or incomplete (a 就労証明書 without the employer's
part) or a test scheduled it (:meth:`Applications.schedule_return`). Every change is also a
お知らせ. Nothing is kept beyond the process.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ...apply import canonical
from ...apply import forms as F
from ...apply.kana import bank_kana
from .. import protocol as P

if TYPE_CHECKING:
    from cryptography import x509

    from ...samples.household import Person

JST = dt.timezone(dt.timedelta(hours=9), "JST")
_SUBMISSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
RECEIVED, REVIEWING, DONE, RETURNED = P.APPLICATION_STATUSES

_SIGNATURE_TEXT = {
    "signature_required": (
        "this procedure needs the signing certificate's signature",
        "この手続には署名用電子証明書による電子署名が必要です",
    ),
    "signature_malformed": (
        "the signature is not a CMS signature",
        "電子署名の形式が正しくありません",
    ),
    "signature_invalid": (
        "the signature does not verify over the application (changed after signing?)",
        "電子署名が申請内容と一致しません（署名の後に内容が変わりました）",
    ),
    "cert_untrusted": (
        "the signing certificate does not chain to a trusted signing CA",
        "署名用電子証明書の発行元を信頼できません",
    ),
    "cert_expired": (
        "the signing certificate was not valid at the signing time",
        "署名の時点で署名用電子証明書が有効ではありません",
    ),
    "cert_revoked": ("the signing certificate is revoked", "署名用電子証明書は失効しています"),
    "revocation_unknown": (
        "the certificate's revocation cannot be checked here",
        "署名用電子証明書の失効を確認できません",
    ),
    "signer_mismatch": (
        "the signer is not the person applying",
        "署名者が申請者（またはその代理人）ではありません",
    ),
}


class NotFound(LookupError):
    """An unknown or offline procedure, template or application."""


class Refused(Exception):
    """A refused submission: the protocol's error entries (each naming its field)."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(errors)
        self.errors = errors


def signature_error(code: str, detail: str = "", *, field: str = "signature") -> dict[str, str]:
    en, ja = _SIGNATURE_TEXT[code]
    return {
        "errorCode": P.ERROR_SIGNATURE,
        "field": field,
        "signatureError": code,
        "message": f"{ja} / {en}" + (f" ({detail})" if detail else ""),
    }


@dataclass
class Application:
    application_id: str
    person: str
    actor: str | None
    procedure_id: str
    submission_id: str
    received: float
    content_sha256: str
    fields: dict[str, Any]
    attachments: list[dict[str, Any]]
    signer: str | None
    outcome: str  # 完了 or 差戻し
    reason: str = ""

    def events(self, now: float, review: float, decision: float) -> list[tuple[str, float, str]]:
        """(status, when, reason) of every change up to ``now``."""
        out = [(RECEIVED, self.received, "")]
        if now >= self.received + review:
            out.append((REVIEWING, self.received + review, ""))
        if now >= self.received + max(decision, review):
            out.append((self.outcome, self.received + max(decision, review), self.reason))
        return out


@dataclass
class Applications:
    """The sandbox's submitted applications (in memory), by id and by (person, submissionId)."""

    by_id: dict[str, Application] = field(default_factory=dict)
    by_submission: dict[tuple[str, str], str] = field(default_factory=dict)
    returns: dict[str, str] = field(default_factory=dict)  # procedure id → reason (tests)
    lock: threading.Lock = field(default_factory=threading.Lock)
    seq: int = 0

    def schedule_return(self, procedure_id: str, reason: str) -> None:
        """The next application of ``procedure_id`` is returned (差戻し) with ``reason``."""
        with self.lock:
            self.returns[procedure_id] = reason

    def of(self, person: str) -> list[Application]:
        with self.lock:
            return [a for a in self.by_id.values() if a.person == person]


# ----------------------------------------------------------------------------- forms, 様式取得
def form_answer(req: dict[str, Any]) -> dict[str, Any]:
    return {"form": _form(req).to_json()}


def _form(req: dict[str, Any]) -> F.FormDefinition:
    pid = str(req.get("procedureId") or "")
    try:
        return F.form(pid)
    except KeyError as exc:
        raise NotFound(str(exc).strip("'\"")) from None


def template_answer(req: dict[str, Any]) -> dict[str, Any]:
    from ...apply.templates import render

    form = _form(req)
    template_id = str(req.get("templateId") or "application")
    try:
        name, ctype, data = render(form, template_id)
    except KeyError:
        raise NotFound(f"{form.procedure_id} has no template {template_id!r}") from None
    return {
        "procedureId": form.procedure_id,
        "templateId": template_id,
        "fileName": name,
        "contentType": ctype,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "content": base64.b64encode(data).decode("ascii"),
    }


# ------------------------------------------------------------------------------ submission
def _field_error(name: str, message: str, code: str = P.ERROR_FIELD) -> dict[str, str]:
    return {"errorCode": code, "field": name, "message": message}


def _decode_attachments(
    raw: Any,
) -> tuple[list[dict[str, Any]], dict[str, bytes], list[dict[str, str]]]:
    """(entries as signed, slot → content, errors) of the request's attachments."""
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(isinstance(a, dict) for a in raw):
        raise ValueError("attachments must be a list of objects")
    entries, contents, errors = [], {}, []
    for att in raw:
        slot = str(att.get("slot") or "")
        try:
            content = base64.b64decode(str(att.get("content") or ""), validate=True)
        except (binascii.Error, ValueError):
            errors.append(_field_error(slot, "content is not base64", P.ERROR_ATTACHMENT))
            continue
        entry = canonical.attachment_entry(
            slot, str(att.get("name") or ""), content, str(att.get("contentType") or "")
        )
        if att.get("sha256") != entry["sha256"] or att.get("size") != entry["size"]:
            errors.append(
                _field_error(
                    slot,
                    "添付ファイルの内容が、名乗っているハッシュ値・サイズと一致しません / the content "
                    "does not match its sha256 and size",
                    P.ERROR_ATTACHMENT,
                )
            )
            continue
        if slot in contents:
            errors.append(
                _field_error(
                    slot, "1つの欄に2つのファイル / two files for one slot", P.ERROR_ATTACHMENT
                )
            )
            continue
        entries.append(entry)
        contents[slot] = content
    return entries, contents, errors


def submit(
    st: Any,
    person: Person,
    actor: Person | None,
    req: dict[str, Any],
    now: float,
    issuer: str,
) -> dict[str, Any]:
    """Check and accept one submission (or raise :class:`Refused`): the answer's resBody."""
    form = _form(req)
    submission_id = str(req.get("submissionId") or "")
    if not _SUBMISSION_ID.fullmatch(submission_id):
        raise Refused([_field_error("submissionId", "16–64 characters of A–Z a–z 0–9 _ -")])
    fields = req.get("fields")
    if not isinstance(fields, dict):
        raise Refused([_field_error("fields", "fields must be an object")])
    today = dt.datetime.fromtimestamp(now, JST).date()
    clean, problems = F.validate(form, fields, today=today)
    errors = [p.to_json() for p in problems]
    for name, value in clean.items():  # what is signed is what is stored: normalised values only
        if fields.get(name) != value and name not in {p.field for p in problems}:
            errors.append(
                _field_error(name, f"正規化した値で送ってください / send it normalised: {value!r}")
            )
    entries, contents, att_errors = _decode_attachments(req.get("attachments"))
    errors += att_errors
    errors += [p.to_json() for p in F.check_attachments(form, entries, clean)]
    errors += _authority_checks(form, clean, person)
    if errors:
        raise Refused(errors)
    content = canonical.signed_content(
        portal=P.origin_of(issuer),
        procedure_id=form.procedure_id,
        submission_id=submission_id,
        fields=fields,
        attachments=entries,
    )
    digest = hashlib.sha256(content).hexdigest()
    at = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    signature = req.get("signature")
    signer = None
    allowed = {person.name, *([actor.name] if actor else [])}
    if signature:
        signer = verify_signature(st, signature, content, at, allowed)
    elif form.signature_required:
        raise Refused([signature_error("signature_required")])
    if "mandate" in contents and "mandate_signature" in contents:
        verify_signature(
            st,
            {"format": "cms", "value": base64.b64encode(contents["mandate_signature"]).decode()},
            contents["mandate"],
            at,
            {str(clean.get("name") or "")},
            field="mandate_signature",
            role="代表者",
        )
    book: Applications = st.applying
    with book.lock:
        known = book.by_submission.get((person.id, submission_id))
        if known is not None:
            app = book.by_id[known]
            if app.content_sha256 != digest:
                raise Refused(
                    [
                        _field_error(
                            "submissionId",
                            "この submissionId は別の内容で使われています / used before for other content",
                            P.ERROR_SUBMISSION_ID,
                        )
                    ]
                )
            return {"application": _receipt(app, now, st.config), "duplicate": True}
        book.seq += 1
        received = dt.datetime.fromtimestamp(now, JST)
        app_id = f"E{person.id[:2].upper()}{received:%Y%m%d}{book.seq:04d}"
        outcome, reason = _examine(form, contents, book.returns.pop(form.procedure_id, ""))
        app = Application(
            application_id=app_id,
            person=person.id,
            actor=actor.id if actor else None,
            procedure_id=form.procedure_id,
            submission_id=submission_id,
            received=now,
            content_sha256=digest,
            fields=clean,
            attachments=entries,
            signer=signer,
            outcome=outcome,
            reason=reason,
        )
        book.by_id[app_id] = app
        book.by_submission[(person.id, submission_id)] = app_id
    return {"application": _receipt(app, now, st.config), "duplicate": False}


def _authority_checks(
    form: F.FormDefinition, clean: dict[str, Any], person: Person
) -> list[dict[str, str]]:
    """What only the portal can check: 公金受取口座 is the applicant's own account, read as the
    portal has the applicant's name (the card holds no reading)."""
    if form.procedure_id != "koukin_uketori_kouza":
        return []
    errors = []
    if "name" in clean and "".join(clean["name"].split()) != "".join(person.name.split()):
        errors.append(
            _field_error(
                "name",
                "氏名: ログインした利用者の氏名と一致しません / name: not the logged-in person's",
            )
        )
    holder = clean.get("account_holder_kana")
    if holder is not None and bank_kana(holder) != bank_kana(person.kana):
        errors.append(
            _field_error(
                "account_holder_kana",
                "口座名義（カナ）: 登録されている氏名（フリガナ）と一致しません。本人名義の口座だけを"
                "登録できます / account_holder_kana: not the registered reading of the applicant's name",
            )
        )
    return errors


def _examine(form: F.FormDefinition, contents: dict[str, bytes], scheduled: str) -> tuple[str, str]:
    """The examiner's decision, made now and announced after ``decision_delay``."""
    if scheduled:
        return RETURNED, scheduled
    for spec in form.attachments:
        if spec.review and spec.slot not in contents:
            return (
                RETURNED,
                f"{spec.label}が添付されていません。添付して、もう一度申請してください。",
            )
    if "employment_certificate" in contents:
        from ...apply.templates import employment_certificate_gaps

        data = contents["employment_certificate"]
        if data[:2] == b"PK":  # the Excel form: read what the employer filled in
            try:
                gaps = employment_certificate_gaps(data)
            except ValueError:
                gaps = []  # another employer's own form: examined by a person
            if gaps:
                return (
                    RETURNED,
                    "就労証明書の事業主の記入欄が空欄です（" + "、".join(gaps) + "）。"
                    "勤務先に記入・証明してもらい、もう一度申請してください。",
                )
    return DONE, ""


# ------------------------------------------------------------------------------- signatures
@lru_cache(maxsize=8)
def _crl(serials: frozenset[int], day: str) -> bytes:
    """The revocation list of the software card's TEST-ONLY signing CA (valid for the day)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    from ...card.virtual import test_ca_keys
    from ...signing.chain import test_signing_root

    start = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(test_signing_root().subject)
        .last_update(start - dt.timedelta(days=1))
        .next_update(start + dt.timedelta(days=2))
    )
    for serial in sorted(serials):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(start - dt.timedelta(days=1))
            .build()
        )
    return builder.sign(test_ca_keys()["sign"], hashes.SHA256()).public_bytes(
        serialization.Encoding.DER
    )


def revocation_list(st: Any, cert: x509.Certificate, at: dt.datetime) -> bytes | None:
    """The CRL the sandbox checks ``cert`` against: the test signing CA's, listing the
    configured revoked serials. None for other CAs (J-LIS's CRL is not fetched here)."""
    from ...signing.chain import is_test_certificate

    if not is_test_certificate(cert):
        return None
    return _crl(frozenset(st.config.revoked_serials), at.date().isoformat())


def verify_signature(
    st: Any,
    signature: Any,
    content: bytes,
    at: dt.datetime,
    allowed_signers: set[str],
    *,
    field: str = "signature",
    role: str = "申請者",
) -> str:
    """Check a CMS signature over ``content``; the signer's name, or :class:`Refused`."""
    from ...errors import SignatureFormatError
    from ...signing import personal_data, verify_cms

    def refuse(code: str, detail: str = "") -> Refused:
        return Refused([signature_error(code, detail, field=field)])

    if not isinstance(signature, dict) or signature.get("format") != "cms":
        raise refuse("signature_malformed", 'format must be "cms"')
    try:
        der = base64.b64decode(str(signature.get("value") or ""), validate=True)
        report = verify_cms(der, content, trust_test_roots=st.config.trust_test_roots, now=at)
    except (binascii.Error, ValueError, SignatureFormatError):
        raise refuse("signature_malformed") from None
    signer_cert = report.signatures[0].certificate if report.signatures else None
    crl = revocation_list(st, signer_cert, at) if signer_cert is not None else None
    if crl is not None:  # again, now against the revocation list
        report = verify_cms(
            der, content, trust_test_roots=st.config.trust_test_roots, crl=crl, now=at
        )
    checks = {c.name: c for s in report.signatures for c in s.checks}
    checks.update({c.name: c for c in report.problems})
    for name, code in (
        ("format", "signature_malformed"),
        ("content", "signature_invalid"),
        ("integrity", "signature_invalid"),
        ("signer", "signature_invalid"),
        ("chain", "cert_untrusted"),
        ("validity", "cert_expired"),
        ("revocation", "cert_revoked"),
    ):
        check = checks.get(name)
        if check is not None and check.status == "fail":
            raise refuse(code, check.en)
        if check is None and name in ("integrity", "chain", "validity", "revocation"):
            raise refuse(
                "signature_invalid" if name == "integrity" else code, f"{name} not checked"
            )
    if checks["revocation"].status == "not_checked":
        raise refuse("revocation_unknown")
    assert signer_cert is not None  # the integrity check found it
    data = personal_data(signer_cert)
    signer = data.name if data is not None else None
    allowed = {"".join(n.split()) for n in allowed_signers}
    if signer is None or "".join(signer.split()) not in allowed:
        raise refuse("signer_mismatch", f"the signer must be the {role}")
    return signer


# --------------------------------------------------------------------------- status, notices
def _date(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, JST).date().isoformat()


def _moment(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, JST).isoformat(timespec="seconds")


def listing_entry(app: Application, now: float, config: Any) -> dict[str, Any]:
    events = app.events(now, config.review_delay, config.decision_delay)
    status, when, reason = events[-1]
    entry = {
        "applicationId": app.application_id,
        "procedureId": app.procedure_id,
        "submitted": _date(app.received),
        "status": status,
        "updated": _date(when),
    }
    if reason:
        entry["reason"] = reason
    return entry


def _receipt(app: Application, now: float, config: Any) -> dict[str, Any]:
    return {
        **listing_entry(app, now, config),
        "receivedAt": _moment(app.received),
        "contentSha256": app.content_sha256,
        "signed": app.signer is not None,
        "attachments": [
            {k: a[k] for k in ("slot", "name", "size", "sha256")} for a in app.attachments
        ],
    }


def detail(app: Application, now: float, config: Any) -> dict[str, Any]:
    """``applications/get``: the receipt and every change so far."""
    return {
        **_receipt(app, now, config),
        "history": [
            {"status": s, "at": _moment(t), **({"reason": r} if r else {})}
            for s, t, r in app.events(now, config.review_delay, config.decision_delay)
        ],
    }


def listing(st: Any, person: Person, now: float) -> list[dict[str, Any]]:
    return [listing_entry(a, now, st.config) for a in st.applying.of(person.id)]


def find(st: Any, person: Person, application_id: str) -> Application | None:
    with st.applying.lock:
        app = st.applying.by_id.get(application_id)
    return app if app is not None and app.person == person.id else None


_NOTICE_TEXT = {
    RECEIVED: ("受付", "申請を受け付けました。"),
    REVIEWING: ("審査中", "申請の審査を始めました。"),
    DONE: ("完了", "申請の審査が終わり、手続が完了しました。"),
    RETURNED: ("差戻し", "申請が差し戻されました。"),
}


def _sender(procedure_id: str) -> str:
    from ...procedures import get

    proc = get(procedure_id)
    if proc["audience"] == "法人":
        return "法人設立ワンストップサービス"
    return {"税": "架空税務署", "年金": "日本年金機構"}.get(proc["category"], "架空区役所")


def notices(st: Any, person: Person, now: float) -> list[dict[str, Any]]:
    """One お知らせ per change of every application of ``person`` so far (newest first)."""
    from ...procedures import get

    out = []
    for app in st.applying.of(person.id):
        name = get(app.procedure_id)["name"]
        events = app.events(now, st.config.review_delay, st.config.decision_delay)
        for k, (status, when, reason) in enumerate(events, start=1):
            tag, text = _NOTICE_TEXT[status]
            body = f"{text}申請番号: {app.application_id}。"
            if reason:
                body += f"理由: {reason}"
            else:
                body += "状況はマイナポータルの申請状況で確認できます。"
            out.append(
                {
                    "noticeId": f"N{app.application_id}{k}",
                    "date": _date(when),
                    "sender": _sender(app.procedure_id),
                    "category": "電子申請",
                    "title": f"【{tag}】{name}",
                    "body": body,
                    "read": False,
                }
            )
    out.sort(key=lambda n: (n["date"], n["noticeId"]), reverse=True)
    return out
