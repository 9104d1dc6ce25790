"""Form definitions of the online procedures, and their validation.

Every procedure of the catalogue (:mod:`mynalib.procedures`) that can be applied for online has a
:class:`FormDefinition`: its fields (type, required, choices, which card field fills it), the
attachments it allows, the templates of 様式取得, and whether the card's signature is needed. The
sandbox serves these definitions (``forms/get``, ``mynalib/portal/PROTOCOL.md`` §9) and checks
submissions with the same :func:`validate`; a notebook, the CLI and the dashboard check before
sending with it too. The portal is the authority: what it refuses, it refuses field by field.

Field types: ``text`` (one line, or several with ``multiline``), ``kana`` (フリガナ), ``digits``
(a string of digits of a given length: bank codes, account numbers), ``number`` (a whole number
with bounds), ``date``, ``choice`` (one of ``choices``), ``boolean`` (required means it must be
ticked: a declaration), ``email``, ``phone``, ``postal_code``. Values are normalised as the
portal stores them (NFKC, katakana, ``YYYY-MM-DD``, ``123-4567``): what :func:`validate` returns
is what is sent and signed.

Prefill sources: ``card.name``, ``card.address``, ``card.birth_date``, ``card.sex`` (the
券面事項入力補助 applet's 基本4情報), ``portal.kana`` (the フリガナ registered at the portal: the
card holds no reading of the name) and ``settings.<key>`` (the user's own settings: phone,
e-mail, employer).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import procedures as catalogue
from ..errors import MynaError
from ..portal import protocol as P
from .kana import bank_kana, normalize_kana

FIELD_TYPES = (
    "text",
    "kana",
    "digits",
    "number",
    "date",
    "choice",
    "boolean",
    "email",
    "phone",
    "postal_code",
)
CARD_SOURCES = ("card.name", "card.address", "card.birth_date", "card.sex")
#: content types an attachment may have, and the file endings they are recognised by
CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/pkcs7-signature": (".p7s",),
    "application/xml": (".xml",),
}
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: largest attachment (bytes) and most attachments per application
MAX_ATTACHMENT = 3 * 1024 * 1024
MAX_ATTACHMENTS = 10
SEX_CHOICES = (("1", "男性"), ("2", "女性"), ("9", "適用不能"), ("0", "不明"))


class FormError(MynaError):
    """An application's values do not fit its form; ``problems`` says which field and why."""

    ja_default = "入力内容に誤りがあります。"

    def __init__(self, problems: list[Problem], *, procedure_id: str = ""):
        self.problems = problems
        listing = "; ".join(f"{p.field}: {p.en}" for p in problems)
        super().__init__(
            f"{procedure_id + ': ' if procedure_id else ''}{len(problems)} problem(s): {listing}",
            ja="入力内容を確認してください: " + "、".join(f"{p.label}（{p.ja}）" for p in problems),
        )


@dataclass(frozen=True)
class Problem:
    """One refusal: which field (or attachment slot), why, in English and Japanese."""

    field: str
    label: str
    en: str
    ja: str
    code: str = P.ERROR_FIELD

    def to_json(self) -> dict[str, str]:
        return {
            "errorCode": self.code,
            "field": self.field,
            "message": f"{self.label}: {self.ja} / {self.field}: {self.en}",
        }


@dataclass(frozen=True)
class FieldSpec:
    name: str  # ASCII id (the key sent and signed)
    label: str  # 項目名
    type: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    prefill: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    #: dates: "today" or YYYY-MM-DD
    min_date: str | None = None
    max_date: str | None = None
    multiline: bool = False
    help: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
        }
        for key, value in (
            ("choices", [list(c) for c in self.choices] if self.choices else None),
            ("prefill", self.prefill),
            ("minLength", self.min_length),
            ("maxLength", self.max_length),
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("minDate", self.min_date),
            ("maxDate", self.max_date),
            ("multiline", self.multiline or None),
            ("help", self.help or None),
        ):
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FieldSpec:
        if raw.get("type") not in FIELD_TYPES:
            raise ValueError(f"unknown field type {raw.get('type')!r}")
        return cls(
            name=str(raw["name"]),
            label=str(raw["label"]),
            type=str(raw["type"]),
            required=bool(raw.get("required")),
            choices=tuple((str(v), str(lab)) for v, lab in raw.get("choices") or ()),
            prefill=raw.get("prefill"),
            min_length=raw.get("minLength"),
            max_length=raw.get("maxLength"),
            minimum=raw.get("minimum"),
            maximum=raw.get("maximum"),
            min_date=raw.get("minDate"),
            max_date=raw.get("maxDate"),
            multiline=bool(raw.get("multiline")),
            help=str(raw.get("help") or ""),
        )

    def choice_label(self, value: Any) -> str:
        return dict(self.choices).get(str(value), str(value))


@dataclass(frozen=True)
class AttachmentSpec:
    slot: str  # ASCII id
    label: str
    required: bool = False
    #: not enforced at submission, but the examiner returns the application (差戻し) without it
    review: bool = False
    types: tuple[str, ...] = DOCUMENT_TYPES
    #: a 様式取得 template that makes this document
    template: str | None = None
    help: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "slot": self.slot,
            "label": self.label,
            "required": self.required,
            "review": self.review,
            "types": list(self.types),
            "maxSize": MAX_ATTACHMENT,
        }
        if self.template:
            out["template"] = self.template
        if self.help:
            out["help"] = self.help
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> AttachmentSpec:
        return cls(
            slot=str(raw["slot"]),
            label=str(raw["label"]),
            required=bool(raw.get("required")),
            review=bool(raw.get("review")),
            types=tuple(raw.get("types") or DOCUMENT_TYPES),
            template=raw.get("template"),
            help=str(raw.get("help") or ""),
        )


@dataclass(frozen=True)
class TemplateSpec:
    """A file of 様式取得: ``forms/template`` hands it out (``mynalib.apply.templates``)."""

    template_id: str
    label: str
    file_name: str
    content_type: str
    note: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "templateId": self.template_id,
            "label": self.label,
            "fileName": self.file_name,
            "contentType": self.content_type,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TemplateSpec:
        return cls(
            str(raw["templateId"]),
            str(raw["label"]),
            str(raw["fileName"]),
            str(raw["contentType"]),
            str(raw.get("note") or ""),
        )


@dataclass(frozen=True)
class FormDefinition:
    procedure_id: str
    name: str
    fields: tuple[FieldSpec, ...]
    attachments: tuple[AttachmentSpec, ...]
    signature_required: bool
    templates: tuple[TemplateSpec, ...] = ()
    #: checks across fields (keys of :data:`RULES`)
    rules: tuple[str, ...] = ()
    note: str = ""
    version: str = "1"

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.procedure_id} has no field {name!r}")

    def slot(self, slot: str) -> AttachmentSpec:
        for spec in self.attachments:
            if spec.slot == slot:
                return spec
        raise KeyError(f"{self.procedure_id} has no attachment slot {slot!r}")

    def template(self, template_id: str) -> TemplateSpec:
        for spec in self.templates:
            if spec.template_id == template_id:
                return spec
        raise KeyError(f"{self.procedure_id} has no template {template_id!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "procedureId": self.procedure_id,
            "name": self.name,
            "version": self.version,
            "signatureRequired": self.signature_required,
            "fields": [f.to_json() for f in self.fields],
            "attachments": [a.to_json() for a in self.attachments],
            "templates": [t.to_json() for t in self.templates],
            "rules": list(self.rules),
            "note": self.note,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FormDefinition:
        return cls(
            procedure_id=str(raw["procedureId"]),
            name=str(raw["name"]),
            fields=tuple(FieldSpec.from_json(f) for f in raw.get("fields") or ()),
            attachments=tuple(AttachmentSpec.from_json(a) for a in raw.get("attachments") or ()),
            signature_required=bool(raw.get("signatureRequired")),
            templates=tuple(TemplateSpec.from_json(t) for t in raw.get("templates") or ()),
            rules=tuple(str(r) for r in raw.get("rules") or ()),
            note=str(raw.get("note") or ""),
            version=str(raw.get("version") or "1"),
        )


# ---------------------------------------------------------------------------------- validation
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TRUE = frozenset({"true", "1", "yes", "y", "on", "はい", "✓"})
FALSE = frozenset({"false", "0", "no", "n", "off", "いいえ"})


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _bound_date(text: str | None, today: dt.date) -> dt.date | None:
    if text is None:
        return None
    return today if text == "today" else dt.date.fromisoformat(text)


def _problem(spec: FieldSpec, en: str, ja: str) -> Problem:
    return Problem(spec.name, spec.label, en, ja)


def check_field(spec: FieldSpec, value: Any, *, today: dt.date | None = None) -> Any:
    """The normalised value of one field; raises :class:`FormError` with one problem."""
    today = today or dt.date.today()

    def bad(en: str, ja: str) -> FormError:
        return FormError([_problem(spec, en, ja)])

    kind = spec.type
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = unicodedata.normalize("NFKC", str(value)).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise bad("must be true or false", "はい・いいえで答えてください")
    if kind == "number":
        if isinstance(value, bool):
            raise bad("must be a whole number", "整数で入力してください")
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        if not re.fullmatch(r"-?\d{1,16}", text):
            raise bad("must be a whole number", "整数（半角・全角の数字）で入力してください")
        number = int(text)
        if spec.minimum is not None and number < spec.minimum:
            raise bad(f"must be at least {spec.minimum}", f"{spec.minimum:,}以上で入力してください")
        if spec.maximum is not None and number > spec.maximum:
            raise bad(f"must be at most {spec.maximum}", f"{spec.maximum:,}以下で入力してください")
        return number
    if kind == "date":
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            from ..jp.eras import parse_date

            try:
                day = parse_date(str(value))
            except ValueError:
                raise bad(
                    "must be a date (YYYY-MM-DD or 令和8年4月1日)",
                    "日付（例: 2026-04-01、令和8年4月1日）で入力してください",
                ) from None
        low, high = _bound_date(spec.min_date, today), _bound_date(spec.max_date, today)
        if low is not None and day < low:
            raise bad(f"must be on or after {low}", f"{low.isoformat()}以降の日付にしてください")
        if high is not None and day > high:
            raise bad(f"must be on or before {high}", f"{high.isoformat()}以前の日付にしてください")
        return day.isoformat()
    text = str(value)
    if kind == "choice":
        text = text.strip()
        for choice, label in spec.choices:
            if text in (choice, label):
                return choice
        options = "、".join(label for _v, label in spec.choices)
        raise bad(
            f"must be one of {', '.join(v for v, _ in spec.choices)}",
            f"次から選んでください: {options}",
        )
    if kind == "kana":
        try:
            text = normalize_kana(text)
        except ValueError:
            raise bad("must be katakana", "カタカナ（フリガナ）で入力してください") from None
    elif kind in ("digits", "phone", "postal_code", "email"):
        text = unicodedata.normalize("NFKC", text).strip()
    else:
        text = text.strip()
        if not spec.multiline and ("\n" in text or "\r" in text):
            raise bad("must be one line", "改行を含めないでください")
        if _CONTROL.search(text):
            raise bad("contains control characters", "使えない制御文字が含まれています")
    if kind == "digits":
        if not text.isascii() or not text.isdigit():
            raise bad("must be digits only", "数字だけで入力してください（ハイフンなし）")
    elif kind == "phone":
        digits = text.replace("-", "")
        if not (digits.isascii() and digits.isdigit() and digits.startswith("0")):
            raise bad(
                "must be a Japanese phone number (0…, digits and hyphens)",
                "電話番号（0から始まる数字、ハイフン可）で入力してください",
            )
        if not 10 <= len(digits) <= 11:
            raise bad("must have 10 or 11 digits", "電話番号は10桁か11桁です")
    elif kind == "postal_code":
        digits = text.replace("-", "").replace("〒", "").strip()
        if not (len(digits) == 7 and digits.isascii() and digits.isdigit()):
            raise bad("must be 7 digits (123-4567)", "郵便番号は7桁の数字です（例: 123-4567）")
        text = f"{digits[:3]}-{digits[3:]}"
    elif kind == "email":
        if len(text) > 254 or not _EMAIL.fullmatch(text):
            raise bad("must be an e-mail address", "メールアドレスの形式ではありません")
    length = len(text) if kind != "phone" else len(text.replace("-", ""))
    if (
        spec.min_length is not None
        and spec.min_length == spec.max_length
        and length != spec.min_length
    ):
        raise bad(
            f"must be exactly {spec.min_length} characters",
            f"{spec.min_length}桁（文字）で入力してください",
        )
    if spec.min_length is not None and length < spec.min_length:
        raise bad(
            f"must be at least {spec.min_length} characters",
            f"{spec.min_length}文字以上で入力してください",
        )
    maximum = spec.max_length or (2000 if spec.multiline else 200)
    if length > maximum:
        raise bad(f"must be at most {maximum} characters", f"{maximum}文字以内で入力してください")
    return text


def validate(
    form: FormDefinition, values: Mapping[str, Any], *, today: dt.date | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """(normalised values, problems): every field checked, every problem reported at once.

    Empty optional fields are left out of the values (nothing is sent for them); unknown names
    are problems; then the form's cross-field :data:`RULES` run on what passed."""
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    known = {f.name for f in form.fields}
    for name in values:
        if name not in known:
            problems.append(
                Problem(name, name, "is not a field of this form", "この申請にない項目です")
            )
    for spec in form.fields:
        value = values.get(spec.name)
        if _empty(value) or (spec.type == "boolean" and value is False and spec.required):
            if spec.required:
                problems.append(
                    _problem(spec, "is required", "必須項目です")
                    if spec.type != "boolean"
                    else _problem(spec, "must be ticked", "確認のうえチェックしてください")
                )
            continue
        try:
            clean[spec.name] = check_field(spec, value, today=today)
        except FormError as exc:
            problems.extend(exc.problems)
            continue
        if spec.type == "boolean" and spec.required and clean[spec.name] is not True:
            problems.append(_problem(spec, "must be ticked", "確認のうえチェックしてください"))
    failed = {p.field for p in problems}
    for rule in form.rules:
        problems.extend(p for p in RULES.get(rule, _no_rule)(form, clean) if p.field not in failed)
    return clean, problems


def check_attachments(
    form: FormDefinition,
    attachments: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Problems with attachments given as ``{slot, name, contentType, size}`` (and ``content``);
    ``values``: the form's (normalised) values, for the rules that join both."""
    problems: list[Problem] = []
    slots = {a.slot: a for a in form.attachments}
    if len(attachments) > MAX_ATTACHMENTS:
        problems.append(
            Problem(
                "attachments",
                "添付書類",
                f"at most {MAX_ATTACHMENTS} attachments",
                f"添付できるのは{MAX_ATTACHMENTS}件までです",
                P.ERROR_ATTACHMENT,
            )
        )
    for att in attachments:
        slot = str(att.get("slot") or "")
        spec = slots.get(slot)
        if spec is None:
            allowed = (
                "、".join(s.label for s in form.attachments) or "（添付できる書類はありません）"
            )
            problems.append(
                Problem(
                    slot or "attachments",
                    "添付書類",
                    f"this form takes no attachment {slot!r}",
                    f"この申請に添付できない書類です。添付できるもの: {allowed}",
                    P.ERROR_ATTACHMENT,
                )
            )
            continue
        ctype = str(att.get("contentType") or "")
        if ctype not in spec.types:
            endings = "、".join(e for t in spec.types for e in CONTENT_TYPES.get(t, ()))
            problems.append(
                Problem(
                    slot,
                    spec.label,
                    f"{ctype or 'this file type'} is not accepted ({', '.join(spec.types)})",
                    f"このファイル形式は添付できません（{endings}）",
                    P.ERROR_ATTACHMENT,
                )
            )
        size = int(att.get("size") or 0)
        if size > MAX_ATTACHMENT or size == 0:
            problems.append(
                Problem(
                    slot,
                    spec.label,
                    f"must be 1 byte to {MAX_ATTACHMENT // (1024 * 1024)} MiB",
                    f"ファイルが空か、{MAX_ATTACHMENT // (1024 * 1024)}MBを超えています",
                    P.ERROR_ATTACHMENT,
                )
            )
        name = str(att.get("name") or "")
        if not name or len(name) > 120 or _CONTROL.search(name) or "/" in name or "\\" in name:
            problems.append(
                Problem(
                    slot,
                    spec.label,
                    "needs a plain file name",
                    "ファイル名が不正です",
                    P.ERROR_ATTACHMENT,
                )
            )
    given = {str(a.get("slot")) for a in attachments}
    for spec in form.attachments:
        if spec.required and spec.slot not in given:
            problems.append(
                Problem(
                    spec.slot, spec.label, "is required", "必須の添付書類です", P.ERROR_ATTACHMENT
                )
            )
    for rule in form.rules:
        problems.extend(ATTACHMENT_RULES.get(rule, _no_attachment_rule)(values or {}, given))
    return problems


def _no_rule(_form: FormDefinition, _clean: Mapping[str, Any]) -> list[Problem]:
    return []


def _no_attachment_rule(_values: Mapping[str, Any], _given: set[str]) -> list[Problem]:
    return []


def content_type_for(file_name: str) -> str | None:
    """The content type of an attachment, from its file ending (None: not accepted anywhere)."""
    lower = file_name.lower()
    for ctype, endings in CONTENT_TYPES.items():
        if lower.endswith(endings):
            return ctype
    return None


# --------------------------------------------------------------------------- cross-field rules
def _holder_matches_name(form: FormDefinition, clean: Mapping[str, Any]) -> list[Problem]:
    """公金受取口座: the account must be the applicant's own — 口座名義 (kana) read the same as the
    applicant's フリガナ (the card holds no reading: the portal compares it with the one it has)."""
    holder, reading = clean.get("account_holder_kana"), clean.get("name_kana")
    if holder is None or reading is None or bank_kana(holder) == bank_kana(reading):
        return []
    return [
        Problem(
            "account_holder_kana",
            form.field("account_holder_kana").label,
            "the account holder (kana) is not the applicant's name reading (name_kana)",
            "口座名義（カナ）が申請者の氏名（フリガナ）と一致しません。本人名義の口座だけを登録できます",
        )
    ]


def _mandate_attachments(values: Mapping[str, Any], given: set[str]) -> list[Problem]:
    """法人の手続: an agent files with the representative's signed mandate and its signature."""
    if values.get("filer") == "agent" and "mandate" not in given:
        return [
            Problem(
                "mandate",
                "電子署名付委任状",
                "an agent files with the representative's signed mandate",
                "代理人が申請するときは、代表者が電子署名した委任状を添付してください",
                P.ERROR_ATTACHMENT,
            )
        ]
    if "mandate" in given and "mandate_signature" not in given:
        return [
            Problem(
                "mandate_signature",
                "委任状の電子署名",
                "a mandate needs its detached signature (.p7s)",
                "委任状には電子署名（.p7s）を添付してください",
                P.ERROR_ATTACHMENT,
            )
        ]
    if "mandate_signature" in given and "mandate" not in given:
        return [
            Problem(
                "mandate",
                "電子署名付委任状",
                "a signature without its mandate",
                "電子署名に対応する委任状を添付してください",
                P.ERROR_ATTACHMENT,
            )
        ]
    return []


#: rules across fields (a form names them in ``rules``)
RULES: dict[str, Callable[[FormDefinition, Mapping[str, Any]], list[Problem]]] = {
    "holder_matches_name": _holder_matches_name,
}
#: rules across fields and attachments
ATTACHMENT_RULES: dict[str, Callable[[Mapping[str, Any], set[str]], list[Problem]]] = {
    "mandate_signed": _mandate_attachments,
}


# ------------------------------------------------------------------------------- definitions
def _applicant(*, sex: bool = True) -> tuple[FieldSpec, ...]:
    """The applicant's fields: 基本4情報 from the card, the reading from the portal, contact."""
    fields = [
        FieldSpec("name", "氏名", "text", True, prefill="card.name", max_length=60),
        FieldSpec(
            "name_kana",
            "氏名（フリガナ）",
            "kana",
            True,
            prefill="portal.kana",
            max_length=60,
            help="カードには読みが記録されていないため、マイナポータルに登録されたフリガナから入力します",
        ),
        FieldSpec(
            "birth_date", "生年月日", "date", True, prefill="card.birth_date", max_date="today"
        ),
    ]
    if sex:
        fields.append(FieldSpec("sex", "性別", "choice", False, SEX_CHOICES, prefill="card.sex"))
    fields += [
        FieldSpec("postal_code", "郵便番号", "postal_code", False, prefill="settings.postal_code"),
        FieldSpec("address", "住所", "text", True, prefill="card.address", max_length=200),
        FieldSpec("phone", "電話番号（日中の連絡先）", "phone", True, prefill="settings.phone"),
        FieldSpec("email", "メールアドレス", "email", False, prefill="settings.email"),
    ]
    return tuple(fields)


_CLOSING = (
    FieldSpec("remarks", "備考", "text", False, multiline=True, max_length=1000),
    FieldSpec("declaration", "申請内容に相違ないことを申し立てます", "boolean", True),
)
_OTHER = AttachmentSpec(
    "other",
    "その他の書類",
    types=(*DOCUMENT_TYPES, "text/plain", "text/csv", XLSX),
    help="PDF・画像・テキスト・CSV・Excel",
)
#: catalogue attachments that the card itself settles online (no file to attach)
_SETTLED_BY_CARD = (
    "マイナンバーカード",
    "暗証番号",
    "本人確認",
    "マイナンバーが分かる",
    "口座情報",
)


def _application_template(pid: str) -> TemplateSpec:
    return TemplateSpec(
        "application",
        "申請書（記入用・CSV）",
        f"{pid}_申請書.csv",
        "text/csv",
        "この申請の項目の一覧（項目名・形式・必須）に記入欄を付けたものです",
    )


_EMPLOYMENT = TemplateSpec(
    "shuro_shomeisho",
    "就労証明書（標準的な様式を簡略化したもの）",
    "就労証明書.xlsx",
    XLSX,
    "国の標準的な様式（Excel）を mynalib が簡略化した様式です。就労者の欄を記入して勤務先に渡し、"
    "事業主の記入・証明を受けて添付します。正式な様式は市区町村の案内に従ってください",
)
_MANDATE = TemplateSpec(
    "ininjo",
    "委任状（ひな形・テキスト）",
    "委任状.txt",
    "text/plain",
    "代理人に申請を任せるときの委任状のひな形です。`myna mandate` で作成し、マイナンバーカードで"
    "電子署名すると、電子署名付委任状として添付できます",
)
_EMPLOYMENT_SLOT = AttachmentSpec(
    "employment_certificate",
    "就労証明書",
    review=True,
    types=(XLSX, "application/pdf", "image/jpeg", "image/png"),
    template="shuro_shomeisho",
    help="事業主が記入・証明したもの（Excel・PDF・画像）",
)
_MANDATE_SLOTS = (
    AttachmentSpec(
        "mandate",
        "電子署名付委任状",
        types=("text/plain", "application/pdf"),
        template="ininjo",
        help="代理人が申請するとき: 代表者がマイナンバーカードで署名した委任状",
    ),
    AttachmentSpec(
        "mandate_signature",
        "委任状の電子署名（.p7s）",
        types=("application/pkcs7-signature",),
        help="委任状の分離署名（CMS）",
    ),
)

_CHILD = (
    FieldSpec("child_name", "子の氏名", "text", True, max_length=60),
    FieldSpec("child_kana", "子の氏名（フリガナ）", "kana", True, max_length=60),
    FieldSpec("child_birth_date", "子の生年月日", "date", True, max_date="today"),
)
_NURSERY_REASONS = (
    ("work", "就労"),
    ("pregnancy", "妊娠・出産"),
    ("illness", "疾病・障害"),
    ("care", "親族の介護・看護"),
    ("job_seeking", "求職活動"),
    ("study", "就学"),
    ("other", "その他"),
)
_ACCOUNT_TYPES = (("1", "普通"), ("2", "当座"), ("4", "貯蓄"))


def _bank_fields() -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("bank_code", "金融機関コード", "digits", True, min_length=4, max_length=4),
        FieldSpec("bank_name", "金融機関名", "text", True, max_length=60),
        FieldSpec("branch_code", "支店コード", "digits", True, min_length=3, max_length=3),
        FieldSpec("branch_name", "支店名", "text", True, max_length=60),
        FieldSpec("account_type", "預金種目", "choice", True, _ACCOUNT_TYPES),
        FieldSpec("account_number", "口座番号", "digits", True, min_length=7, max_length=7),
        FieldSpec(
            "account_holder_kana",
            "口座名義（カナ）",
            "kana",
            True,
            max_length=60,
            help="通帳に記載されたとおりに。本人名義の口座だけを登録できます",
        ),
    )


_COMPANY = (
    FieldSpec("company_name", "法人名（商号）", "text", True, max_length=100),
    FieldSpec("company_name_kana", "法人名（フリガナ）", "kana", True, max_length=100),
    FieldSpec("head_office", "本店所在地", "text", True, max_length=200),
    FieldSpec("established", "設立年月日（登記申請日）", "date", True),
    FieldSpec("capital", "資本金の額（円）", "number", True, minimum=1, maximum=10**13),
    FieldSpec("fiscal_year_end_month", "事業年度の末日の月", "number", True, minimum=1, maximum=12),
    FieldSpec("business_purpose", "事業の目的", "text", True, multiline=True, max_length=1000),
    FieldSpec(
        "filer",
        "申請する人",
        "choice",
        True,
        (("representative", "代表者本人"), ("agent", "代理人（委任状を添付）")),
    ),
)

#: fields, attachments, templates and rules of the procedures with their own form
_SPECIFIC: dict[str, dict[str, Any]] = {
    "koukin_uketori_kouza": {
        "fields": (
            FieldSpec(
                "action", "手続", "choice", True, (("register", "新規登録"), ("change", "変更"))
            ),
            *_applicant(sex=False),
            *_bank_fields(),
            *_CLOSING,
        ),
        "attachments": (),
        "rules": ("holder_matches_name",),
        "note": "口座名義はカナで照合します。カードの氏名（漢字）には読みがないため、"
        "申請者のフリガナ（マイナポータルに登録されたもの）と口座名義を比べます。",
    },
    "hoikusho_moushikomi": {
        "fields": (
            *_applicant(),
            *_CHILD,
            FieldSpec("reason", "保育を必要とする理由", "choice", True, _NURSERY_REASONS),
            FieldSpec("desired_start", "入所希望日", "date", True),
            FieldSpec("facility_1", "第1希望の施設", "text", True, max_length=100),
            FieldSpec("facility_2", "第2希望の施設", "text", False, max_length=100),
            FieldSpec("employer", "勤務先", "text", False, prefill="settings.employer"),
            *_CLOSING,
        ),
        "attachments": (_EMPLOYMENT_SLOT, _OTHER),
        "templates": (_EMPLOYMENT,),
    },
    "shisetsu_riyou_kyufu": {
        "fields": (
            *_applicant(),
            *_CHILD,
            FieldSpec("reason", "保育を必要とする理由", "choice", True, _NURSERY_REASONS),
            FieldSpec("facility_1", "利用する施設", "text", True, max_length=100),
            FieldSpec("employer", "勤務先", "text", False, prefill="settings.employer"),
            *_CLOSING,
        ),
        "attachments": (_EMPLOYMENT_SLOT, _OTHER),
        "templates": (_EMPLOYMENT,),
    },
    "jidou_teate_nintei": {
        "fields": (
            *_applicant(),
            *_CHILD,
            FieldSpec(
                "relationship",
                "子との続柄",
                "choice",
                True,
                (("father", "父"), ("mother", "母"), ("other", "その他の養育者")),
            ),
            FieldSpec(
                "payment_account",
                "振込先",
                "choice",
                True,
                (("koukin", "公金受取口座"), ("other", "別の口座（添付書類で指定）")),
            ),
            *_CLOSING,
        ),
        "attachments": (
            AttachmentSpec(
                "separate_custody", "別居監護申立書（該当する場合）", types=DOCUMENT_TYPES
            ),
            _OTHER,
        ),
    },
}


def _company_form(proc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "fields": (
            *_COMPANY,
            FieldSpec("name", "代表者の氏名", "text", True, prefill="card.name", max_length=60),
            FieldSpec(
                "address", "代表者の住所", "text", True, prefill="card.address", max_length=200
            ),
            FieldSpec("phone", "電話番号（連絡先）", "phone", True, prefill="settings.phone"),
            FieldSpec("email", "メールアドレス", "email", False, prefill="settings.email"),
            *_CLOSING,
        ),
        "attachments": (*_MANDATE_SLOTS, _OTHER),
        "templates": (_MANDATE,),
        "rules": ("mandate_signed",),
        "note": "法人設立ワンストップサービスの手続です。代理人が申請するときは、代表者がマイナンバーカードで"
        "署名した委任状（`myna mandate`）と、その電子署名（.p7s）を添付します。",
    }


def _generic_attachments(proc: Mapping[str, Any]) -> tuple[AttachmentSpec, ...]:
    slots = []
    for i, label in enumerate(proc.get("attachments") or (), start=1):
        if any(word in label for word in _SETTLED_BY_CARD):
            continue
        slots.append(AttachmentSpec(f"doc{i}", label))
    return (*slots, _OTHER)


def _build(proc: Mapping[str, Any]) -> FormDefinition:
    pid = proc["procedure_id"]
    if proc.get("audience") == "法人":
        spec = _company_form(proc)
    else:
        spec = _SPECIFIC.get(pid) or {
            "fields": (*_applicant(), *_CLOSING),
            "attachments": _generic_attachments(proc),
        }
    return FormDefinition(
        procedure_id=pid,
        name=proc["name"],
        fields=spec["fields"],
        attachments=spec["attachments"],
        signature_required=bool(proc["signature_required"]),
        templates=(_application_template(pid), *spec.get("templates", ())),
        rules=spec.get("rules", ()),
        note=spec.get("note", ""),
    )


#: procedure id → its form, for every procedure of the catalogue that is applied for online
FORMS: dict[str, FormDefinition] = {
    p["procedure_id"]: _build(p) for p in catalogue.CATALOGUE if p["online"]
}


def form(procedure_id: str) -> FormDefinition:
    """The form of an online procedure (KeyError for an unknown or offline one, saying so)."""
    try:
        return FORMS[procedure_id]
    except KeyError:
        pass
    proc = catalogue.get(procedure_id)  # KeyError for an unknown id
    raise KeyError(
        f"{proc['name']} ({procedure_id}) is not applied for online: 窓口・郵送の手続です"
    )


@dataclass
class Attachment:
    """A file to attach: its slot, file name, content type and bytes."""

    slot: str
    name: str
    content: bytes = field(repr=False)
    content_type: str = ""

    def __post_init__(self) -> None:
        if not self.content_type:
            self.content_type = content_type_for(self.name) or "application/octet-stream"

    def entry(self) -> dict[str, Any]:
        from .canonical import attachment_entry

        return attachment_entry(self.slot, self.name, self.content, self.content_type)
