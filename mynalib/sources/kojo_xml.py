"""控除証明書等 XML (NTA 電子的控除証明書): TEG800, 810, 820, 821, 822, 830, 840, 850.

Root element = form id in ``http://xml.e-tax.nta.go.jp/XSD/kyotsu``; ``gen:`` is
``http://xml.e-tax.nta.go.jp/XSD/general``. Element labels come from the shipped XSDs
(``mynalib/data/nta/xsd``) and ``kubun_CD`` names from the shipped code lists
(``mynalib/data/nta/codes/*_tpl.xml``; TEG820/TEG821 have none and share TEG822's 寄附の種類 list).
Dates may be Western (``gen:yyyy``/``gen:mm``/``gen:dd``) or by era (``gen:era`` + ``gen:yy``);
integers may be zero-padded; months/days may or may not be padded. Children are matched by local
name, so a file that drops the default namespace still reads (with a warning).

Every line becomes one :class:`~mynalib.sources.records.Deduction` (the ``deductions`` frame row):
``person`` (契約者/寄附者/被保険者/氏名), ``year``, ``form``, ``category`` (a key of
:data:`mynalib.frames.DEDUCTION_CATEGORIES`), ``issuer``, ``paid`` (the certified amount),
``declared`` (the amount to declare: the year-end projection when the certificate has one, else
``paid``), ``contract_regime``, ``signature`` (``valid``/``invalid``/``untrusted``/``unsigned``) and
``detail`` — exactly these keys per form (a key is present with value ``None`` when the file lacks
the element; dates are ``datetime.date``, months ``"YYYY-MM"`` strings, amounts ``int``):

TEG800 生命保険料 — one record per contract line (WCE00000) × category present in 証明額 or
  the 12月期想定 (``life_general``, ``life_medical_care`` (new only), ``life_pension``) × regime
  (``contract_regime`` ``"new"``/``"old"``):
  ``line`` (1-based), ``title`` (題), ``regime_code`` (WCE00030: 1 新, 2 旧, 3 both),
  ``policy_number``, ``insurance_type``, ``contract_date``, ``insured``, ``payment_method``,
  ``beneficiary``, ``period_from``, ``period_to`` (証明対象保険料の月分), ``premium`` (保険料),
  ``dividend`` (配当金), ``net`` (差引保険料等合計額 = ``paid``), ``projected_premium``,
  ``projected_dividend``, ``projected`` (申告額（参考）), ``used`` (``"projected"`` when
  ``declared`` is the 12月期想定 申告額, else ``"certified"``), ``certificate_date``.
  ``paid`` = 差引保険料等合計額 (or 保険料 − 配当金 when the net is missing).
TEG810 地震保険料 — one record per line (WDE00000) and part: ``contract_regime`` ``"earthquake"``
  (WDE00160) or ``"old_long_term"`` (WDE00190), category ``earthquake``:
  ``line``, ``kind_code`` (WDE00020), ``kind_name``, ``policy_number`` (with ``-branch`` when
  present), ``insured``, ``object`` (保険の対象 name), ``start`` (保険期間の開始日), ``maturity_refund``
  (``True``/``False``/``None``), ``payment_method``, ``premium`` (地震保険料 or 旧長期損害保険料),
  ``deductible`` (控除対象保険料 = ``paid`` = ``declared``), ``article`` (適用条文),
  ``certificate_date``, ``used`` (always ``"certified"``).
TEG820 / TEG821 / TEG822 寄附金受領証明書 — one record per line, category ``donation``,
  ``paid`` = ``declared`` = 寄附金額, ``issuer`` = the recipient:
  ``line``, ``receipt_number``, ``kind_code``, ``kind_name``, ``furusato`` (kind 2: 都道府県・市区町村),
  ``article``, ``article_other``, ``date`` (受領年月日), ``recipient``, ``recipient_address``,
  ``note`` (但し書き), ``other_number`` (TEG822 その他寄附番号, else ``None``), ``used``
  (always ``"certified"``).
TEG830 寄附金控除に関する証明書 (a portal's annual certificate) — one record per donation line of
  一面 (WML00010) and 二面 (WMN00010), category ``donation``, ``issuer`` = the portal (WMJ):
  ``line``, ``page`` (1 or 2), ``donation_number``, ``date``, ``recipient``,
  ``recipient_corporate_number``, ``amount`` (as written), ``note``, ``cancelled`` (WML00090 = 1),
  ``kind_code``, ``kind_name``, ``furusato``, ``annual_total`` (WMF), ``certificate_date``,
  ``used`` (always ``"certified"``).
  A cancelled line has ``paid`` = ``declared`` = 0.
TEG840 国民年金保険料等 — one record, category ``social_insurance``:
  ``kind_code`` (WOA: 1 国民年金保険料, 2 国民年金基金), ``kind_name``, ``prepaid`` (WOB = 2),
  ``period_from``/``period_to`` (証明期間, dates), ``paid_to_date`` (WOK 納付済額 = ``paid``),
  ``expected`` (WOL 見込額), ``total`` (WOM 合計額), ``by_year`` ({year: 証明額} from WON when
  the certificate splits a prepayment by year, else ``{}``), ``monthly`` ({year: {month: "済"|"見"}}
  from WOO), ``used``, ``issuing_body`` (WOS), ``certificate_date``.
  ``declared`` = WOM when present and non-zero, else WOK + WOL.
TEG850 小規模企業共済等掛金 — one record, category ``small_business_mutual``:
  ``kind_code`` (WPB: 1 小規模企業共済, 2 iDeCo), ``kind_name``, ``paid_to_month`` (WPG00010),
  ``paid_to_date`` (WPG00020 = ``paid``), ``expected_from_month``, ``expected_to_month``,
  ``expected`` (WPH00030), ``total`` (WPI), ``prepayment_discount`` (WPJ), ``contract_date``,
  ``monthly_contribution`` (WPK00020), ``monthly`` ({month: amount} from WPL), ``used``,
  ``certificate_date``. ``declared`` = WPI when present, else paid + expected.

``meta``: ``form``, ``version`` (@VR), ``id`` (@id), ``person``, ``year``, ``issuer``,
``signature`` (status), ``signature_reason``, ``signer`` (subject, when any), ``created``
(@sakuseiDay), ``extra`` ({element: [text, ...]} for elements the XSD does not define; only
when there are some). Trusted roots for the signature check: ``parse(..., trusted_roots=[...])``, else
:data:`TRUSTED_ROOTS` (module-level list), else files named in ``MYNA_TRUSTED_ROOTS``
(``os.pathsep``-separated PEM/DER files); none by default, so correctly signed files are
``untrusted``.

What is read is what the signature covers. The signature is checked by
:mod:`mynalib.sources.dsig` (one enveloped signature over the document element; anything else is
``invalid``); when its maths holds (``valid``/``untrusted``), every value is read from the
document element re-parsed from exactly the octets the digest covers, not from the file as given;
otherwise from the document with its signature elements taken out. A value is all text of its
element (every text node, as the canonical form sees it), never the text before a first child node.

Comments and processing instructions inside a data element (``<WCE00590>8<!---->4000</WCE00590>``)
are not part of any NTA form, and canonicalisation drops comments, so a signature cannot tell
``84000`` from ``8``: such a file reads as ``84000`` with a warning naming the element, and its
signature is reported ``invalid`` (so the 控除 summary warns about it) even when the maths holds;
with ``strict=True`` it is refused (:class:`~mynalib.errors.MalformedDocument`). Comments between
elements (white space around them) change no value and are ignored.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import MalformedDocument
from ..jp.eras import era_date, era_year
from . import dsig
from .limits import Warnings, cut
from .records import Deduction, ParseResult
from .text import nfkc, parse_int, shown
from .xml import local, parse_xml

if TYPE_CHECKING:
    from lxml import etree

KIND = "kojo_xml"
KYOTSU_NS = "http://xml.e-tax.nta.go.jp/XSD/kyotsu"
GEN_NS = "http://xml.e-tax.nta.go.jp/XSD/general"
FORMS: dict[str, str] = {
    "TEG800": "生命保険料控除証明書",
    "TEG810": "地震保険料控除証明書",
    "TEG820": "寄附金受領証明書",
    "TEG821": "寄附金受領証明書",
    "TEG822": "寄附金受領証明書（地方公共団体）",
    "TEG830": "寄附金控除に関する証明書",
    "TEG840": "社会保険料（国民年金保険料）控除証明書",
    "TEG850": "小規模企業共済等掛金控除証明書",
}
_DONATION_KEYS = (
    "line",
    "receipt_number",
    "kind_code",
    "kind_name",
    "furusato",
    "article",
    "article_other",
    "date",
    "recipient",
    "recipient_address",
    "note",
    "other_number",
    "used",
)
#: the exact ``detail`` keys of the records of each form (the contract described above)
DETAIL_KEYS: dict[str, frozenset[str]] = {
    "TEG800": frozenset(
        (
            "line",
            "title",
            "regime_code",
            "policy_number",
            "insurance_type",
            "contract_date",
            "insured",
            "payment_method",
            "beneficiary",
            "period_from",
            "period_to",
            "premium",
            "dividend",
            "net",
            "projected_premium",
            "projected_dividend",
            "projected",
            "used",
            "certificate_date",
        )
    ),
    "TEG810": frozenset(
        (
            "line",
            "kind_code",
            "kind_name",
            "policy_number",
            "insured",
            "object",
            "start",
            "maturity_refund",
            "payment_method",
            "premium",
            "deductible",
            "article",
            "certificate_date",
            "used",
        )
    ),
    "TEG820": frozenset(_DONATION_KEYS),
    "TEG821": frozenset(_DONATION_KEYS),
    "TEG822": frozenset(_DONATION_KEYS),
    "TEG830": frozenset(
        (
            "line",
            "page",
            "donation_number",
            "date",
            "recipient",
            "recipient_corporate_number",
            "amount",
            "note",
            "cancelled",
            "kind_code",
            "kind_name",
            "furusato",
            "annual_total",
            "certificate_date",
            "used",
        )
    ),
    "TEG840": frozenset(
        (
            "kind_code",
            "kind_name",
            "prepaid",
            "period_from",
            "period_to",
            "paid_to_date",
            "expected",
            "total",
            "by_year",
            "monthly",
            "used",
            "issuing_body",
            "certificate_date",
        )
    ),
    "TEG850": frozenset(
        (
            "kind_code",
            "kind_name",
            "paid_to_month",
            "paid_to_date",
            "expected_from_month",
            "expected_to_month",
            "expected",
            "total",
            "prepayment_discount",
            "contract_date",
            "monthly_contribution",
            "monthly",
            "used",
            "certificate_date",
        )
    ),
}
#: certificates trusted for the signature status (x509 objects or DER/PEM bytes or paths)
TRUSTED_ROOTS: list[Any] = []

_GENERIC = {"era", "yy", "yyyy", "mm", "dd", "kojinbango", "hojinbango", "kubun_CD", "kubun_NM"}
_XS = "{http://www.w3.org/2001/XMLSchema}"
#: code lists shared between forms (TEG820/821 have no tpl file)
_SHARED_CODES = {
    ("TEG820", "WGE00020"): ("TEG822", "WLB00020"),
    ("TEG821", "WHB00020"): ("TEG822", "WLB00020"),
    ("TEG830", "WMB00000"): ("TEG830", "WMB00000"),
}


# ------------------------------------------------------------------------ labels and code lists
def _data_file(*parts: str) -> Any:
    return resources.files("mynalib").joinpath("data", "nta", *parts)


@functools.cache
def labels(form: str) -> dict[str, str]:
    """Element code → Japanese label, read from the form's shipped XSD (``xsd:appinfo``)."""
    xsd = _data_file("xsd", f"{form}-001.xsd")
    root = parse_xml(xsd.read_bytes(), what=f"{form} schema")
    out: dict[str, str] = {}
    for el in root.iter(f"{_XS}element"):
        name = el.get("name")
        if not name:
            continue
        label = el.findtext(f"{_XS}annotation/{_XS}appinfo")
        if label is not None:
            out[name] = label.strip().strip('"')
        else:
            out.setdefault(name, "")
    return out


@functools.cache
def code_lists(form: str) -> dict[str, dict[str, str]]:
    """Parent element code → {kubun_CD → name}, from the form's shipped ``*_tpl.xml``."""
    folder = _data_file("codes")
    out: dict[str, dict[str, str]] = {}
    for entry in folder.iterdir():
        if not entry.name.startswith(f"{form}_") or not entry.name.endswith("_tpl.xml"):
            continue
        root = parse_xml(entry.read_bytes(), what=f"{form} code list")
        for item in root.iter("item"):
            if item.get("id") == "kubun_NM" and item.get("refval") is not None:
                parent = item.get("parent", "")
                out.setdefault(parent, {})[item.get("refval", "")] = item.get("value", "")
    return out


def code_name(form: str, element: str, code: str | None) -> str | None:
    """The name of ``kubun_CD`` ``code`` of ``element`` in ``form`` (None when unknown)."""
    if code is None:
        return None
    src_form, src_el = _SHARED_CODES.get((form, element), (form, element))
    return code_lists(src_form).get(src_el, {}).get(code.lstrip("0") or "0")


# ------------------------------------------------------------------------------- readers
class _Reader:
    def __init__(self, form: str, strict: bool):
        self.form = form
        self.strict = strict
        self.warnings = Warnings()
        self.extra: dict[str, list[str]] = {}

    def problem(self, message: str, element: str | None = None) -> None:
        if self.strict:
            raise MalformedDocument(cut(f"{self.form}: {message}"), element=element)
        self.warnings.append(f"{element}: {message}" if element else message)

    # navigation (by local name: tolerant of namespace quirks); elements only, never a comment
    # or processing instruction (their local name is "")
    @staticmethod
    def child(el: etree._Element | None, name: str) -> etree._Element | None:
        if el is None or not name:
            return None
        for c in el:
            if local(c.tag) == name:
                return c
        return None

    @staticmethod
    def children(el: etree._Element | None, name: str) -> list[etree._Element]:
        if el is None or not name:
            return []
        return [c for c in el if local(c.tag) == name]

    @staticmethod
    def element_names(el: etree._Element | None) -> list[str]:
        """The local names of the child elements of ``el`` (comments and PIs left out)."""
        if el is None:
            return []
        return [name for name in (local(c.tag) for c in el) if name]

    def path(self, el: etree._Element | None, *names: str) -> etree._Element | None:
        for n in names:
            el = self.child(el, n)
        return el

    # values: all text of the element (every text node, as the canonical form has it), never
    # just the text before its first child node (.text stops at a comment)
    def text(self, el: etree._Element | None, *names: str) -> str | None:
        node = self.path(el, *names)
        if node is None:
            return None
        return "".join(node.itertext()).strip() or None

    def integer(self, el: etree._Element | None, *names: str, required: bool = False) -> int | None:
        node = self.path(el, *names)
        name = names[-1] if names else (local(el.tag) if el is not None else None)
        raw = self.text(node)
        if raw is None:
            if required:
                self.problem("required amount missing", name)
            return None
        try:
            return parse_int(raw)
        except ValueError:
            self.problem(f"not an integer: {shown(raw)}", name)
            return None

    def kubun(self, el: etree._Element | None, *names: str) -> tuple[str | None, str | None]:
        node = self.path(el, *names)
        if node is None:
            return None, None
        code = self.text(node, "kubun_CD")
        if code is None:
            self.problem("kubun_CD missing", local(node.tag))
            return None, None
        code = nfkc(code).lstrip("0") or "0"
        name = code_name(self.form, local(node.tag), code) or self.text(node, "kubun_NM")
        if name is None and code_lists(self.form).get(local(node.tag)):
            self.problem(f"unknown code {code!r}", local(node.tag))
        return code, name

    def _num(self, node: etree._Element, name: str) -> int | None:
        raw = self.text(node, name)
        if raw is None:
            return None
        raw = nfkc(raw)
        if raw == "元":
            return 1
        # gen:yyyy has four digits, gen:era one, gen:yy, gen:mm and gen:dd two (zero-padded
        # forms allowed); anything longer is no date (and a year the calendar does not have)
        if not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > 4:
            raise ValueError(f"gen:{name} {shown(raw)} is not a number of at most four digits")
        return int(raw.lstrip("0") or "0")

    def year(self, el: etree._Element | None, *names: str) -> int | None:
        """A year written either as ``gen:yyyy`` or ``gen:era`` + ``gen:yy``."""
        node = self.path(el, *names)
        if node is None:
            return None
        try:
            yyyy = self._num(node, "yyyy")
            if yyyy is not None:
                return yyyy
            era, yy = self._num(node, "era"), self._num(node, "yy")
            if era is None or yy is None:
                self.problem("year without gen:yyyy or gen:era + gen:yy", local(node.tag))
                return None
            return era_year(era, yy)
        except ValueError as exc:
            self.problem(str(exc), local(node.tag))
            return None

    def month(self, el: etree._Element | None, *names: str) -> str | None:
        """``gen:yyyy``/``era+yy`` + ``gen:mm`` → ``"YYYY-MM"``."""
        node = self.path(el, *names)
        if node is None:
            return None
        y = self.year(node)
        try:
            mm = self._num(node, "mm")
        except ValueError as exc:
            self.problem(str(exc), local(node.tag))
            return None
        if y is None or mm is None or not 1 <= mm <= 12:
            self.problem("incomplete year-month", local(node.tag))
            return None
        return f"{y:04d}-{mm:02d}"

    def date(self, el: etree._Element | None, *names: str, year: int | None = None) -> date | None:
        """A full date in either style; ``year`` fills in for month-day elements (gen:mmdd)."""
        node = self.path(el, *names)
        if node is None:
            return None
        try:
            mm, dd = self._num(node, "mm"), self._num(node, "dd")
            if mm is None or dd is None:
                self.problem("date without gen:mm/gen:dd", local(node.tag))
                return None
            yyyy = self._num(node, "yyyy")
            if yyyy is not None:
                return date(yyyy, mm, dd)
            era, yy = self._num(node, "era"), self._num(node, "yy")
            if era is not None and yy is not None:
                return era_date(era, yy, mm, dd)
            if year is not None:
                return date(year, mm, dd)
            self.problem("date without a year", local(node.tag))
            return None
        except ValueError as exc:
            self.problem(f"invalid date: {exc}", local(node.tag))
            return None

    def check_known(self, root: etree._Element) -> None:
        """Warn about (or, strict, refuse) elements the form's XSD does not define."""
        known = labels(self.form)
        for el in root.iter():
            name = local(el.tag)
            if not name:
                continue
            if isinstance(el.tag, str) and el.tag.startswith(f"{{{dsig.DSIG_NS}}}"):
                continue
            if name not in known and name not in _GENERIC:
                text = "".join(el.itertext()).strip()
                self.extra.setdefault(name, []).append(text)
                self.problem("unknown element (kept in meta['extra'])", name)


# ------------------------------------------------------------------------------- detection
def detect(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    if b"TEG8" not in data[:4096]:
        return False
    root = parse_xml(data, what="XML file")
    return local(root.tag) in FORMS


# ---------------------------------------------------------------------------------- parsing
def _roots(trusted_roots: Iterable[Any] | None) -> list[Any]:
    if trusted_roots is not None:
        return list(trusted_roots)
    if TRUSTED_ROOTS:
        return list(TRUSTED_ROOTS)
    env = os.environ.get("MYNA_TRUSTED_ROOTS", "")
    return [p for p in env.split(os.pathsep) if p.strip()]


def parse(
    data: bytes, *, strict: bool = False, trusted_roots: Iterable[Any] | None = None
) -> ParseResult:
    """Parse a 控除証明書 XML; see the module docstring for records and ``meta``."""
    root = parse_xml(data, what="控除証明書 XML")
    form = local(root.tag)
    if form not in FORMS:
        raise MalformedDocument(
            f"root element {form!r} is not a supported 控除証明書 form ({', '.join(FORMS)})"
        )
    r = _Reader(form, strict)
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns != KYOTSU_NS:
        r.problem(f"root namespace {ns!r} is not {KYOTSU_NS}", form)
    for element, kind in dsig.comments_in_values(root):
        r.problem(
            f"a {kind} inside a data element: the value is read whole, as the signature's "
            "canonical form has it; a signed certificate with one is reported invalid",
            element,
        )

    try:
        sig = dsig.verify_detail(root, trusted_roots=_roots(trusted_roots))
    except (OSError, ValueError, TypeError) as exc:
        sig = dsig.VerifyResult("invalid", f"trusted roots could not be read: {exc}")
    # use what was verified: the signed element re-parsed from the octets its digest covers;
    # otherwise (invalid / unsigned) the document without its signature elements
    if sig.signed_xml is not None and sig.signed_xml.tag == root.tag:
        root = sig.signed_xml
    else:
        if sig.status in ("valid", "untrusted"):  # pragma: no cover - the verifier ensures it
            sig = dsig.VerifyResult("invalid", "the signature does not cover the document")
        root = dsig.without_signatures(root)
    r.check_known(root)
    meta: dict[str, Any] = {
        "form": form,
        "form_name": FORMS[form],
        "version": root.get("VR"),
        "id": root.get("id"),
        "created": root.get("sakuseiDay"),
        "signature": sig.status,
        "signature_reason": sig.reason,
        "signer": sig.signer_subject,
    }
    extractor = _EXTRACTORS[form]
    records = extractor(r, root, sig.status, meta)
    if r.extra:
        meta["extra"] = r.extra
    if records:
        meta.setdefault("person", records[0].person)
        meta.setdefault("year", records[0].year)
        meta.setdefault("issuer", records[0].issuer)
    return ParseResult(records, r.warnings.done(), meta)


def _rec(
    r: _Reader,
    meta: dict[str, Any],
    signature: str,
    *,
    person: str | None,
    year: int | None,
    category: str,
    issuer: str | None,
    paid: int | None,
    declared: int | None,
    regime: str | None,
    detail: dict[str, Any],
) -> Deduction:
    return Deduction(
        person=person,
        year=year,
        form=r.form,
        category=category,
        issuer=issuer,
        paid=paid,
        declared=declared,
        contract_regime=regime,
        signature=signature,
        detail=detail,
    )


# TEG800 -------------------------------------------------------------------------------------
#: (category, regime, certified group path, projected group path) under WCE00190 / WCE00440
_LIFE_PARTS = (
    ("life_general", "old", ("WCE00220", "WCE00230"), ("WCE00460", "WCE00470")),
    ("life_pension", "old", ("WCE00220", "WCE00270"), ("WCE00460", "WCE00510")),
    ("life_general", "new", ("WCE00310", "WCE00320"), ("WCE00550", "WCE00560")),
    ("life_medical_care", "new", ("WCE00310", "WCE00360"), ("WCE00550", "WCE00600")),
    ("life_pension", "new", ("WCE00310", "WCE00400"), ("WCE00550", "WCE00640")),
)


def _teg800(r: _Reader, root: etree._Element, sig: str, meta: dict[str, Any]) -> list[Deduction]:
    issuer = r.text(root, "WCA00000") or root.get("sakuseiNM")
    cert_date = r.date(root, "WCC00000")
    person = r.text(root, "WCD00000")
    lines = r.children(root, "WCE00000")
    if not lines:
        r.problem("no contract line (WCE00000)", "WCE00000")
    out: list[Deduction] = []
    for i, line in enumerate(lines, 1):
        year = r.year(line, "WCE00010")
        regime_code, _ = r.kubun(line, "WCE00030")
        certified = r.child(line, "WCE00190")
        projected_el = r.child(line, "WCE00440")
        base = {
            "line": i,
            "title": r.text(line, "WCE00020"),
            "regime_code": regime_code,
            "policy_number": r.text(line, "WCE00040"),
            "insurance_type": r.text(line, "WCE00050"),
            "contract_date": r.date(line, "WCE00060"),
            "insured": r.text(line, "WCE00080"),
            "payment_method": r.text(line, "WCE00100"),
            "beneficiary": r.text(line, "WCE00110"),
            "period_from": r.month(certified, "WCE00200"),
            "period_to": r.month(certified, "WCE00210"),
            "certificate_date": cert_date,
        }
        found = False
        for category, regime, cpath, ppath in _LIFE_PARTS:
            group = r.path(certified, *cpath)
            pgroup = r.path(projected_el, *ppath)
            if group is None and pgroup is None:
                continue
            found = True
            kids = r.element_names(group)
            premium = r.integer(group, kids[0]) if len(kids) > 0 else None
            dividend = r.integer(group, kids[1]) if len(kids) > 1 else None
            net = r.integer(group, kids[2]) if len(kids) > 2 else None
            if net is None and premium is not None:
                net = premium - (dividend or 0)
            pkids = r.element_names(pgroup)
            p_premium = r.integer(pgroup, pkids[0]) if len(pkids) > 0 else None
            p_dividend = r.integer(pgroup, pkids[1]) if len(pkids) > 1 else None
            p_declared = r.integer(pgroup, pkids[2]) if len(pkids) > 2 else None
            if p_declared is None and p_premium is not None:
                p_declared = p_premium - (p_dividend or 0)
            used = "projected" if p_declared is not None else "certified"
            detail = dict(base)
            detail.update(
                premium=premium,
                dividend=dividend,
                net=net,
                projected_premium=p_premium,
                projected_dividend=p_dividend,
                projected=p_declared,
                used=used,
            )
            declared = p_declared if p_declared is not None else net
            out.append(
                _rec(
                    r,
                    meta,
                    sig,
                    person=person,
                    year=year,
                    category=category,
                    issuer=issuer,
                    paid=net,
                    declared=declared,
                    regime=regime,
                    detail=detail,
                )
            )
        if not found:
            r.problem(f"contract line {i} has no amounts (WCE00190/WCE00440)", "WCE00000")
    return out


# TEG810 -------------------------------------------------------------------------------------
def _teg810(r: _Reader, root: etree._Element, sig: str, meta: dict[str, Any]) -> list[Deduction]:
    issuer = r.text(root, "WDA00000") or root.get("sakuseiNM")
    cert_date = r.date(root, "WDC00000")
    person = r.text(root, "WDD00000")
    lines = r.children(root, "WDE00000")
    if not lines:
        r.problem("no contract line (WDE00000)", "WDE00000")
    out: list[Deduction] = []
    for i, line in enumerate(lines, 1):
        year = r.year(line, "WDE00010") or (cert_date.year if cert_date else None)
        kind_code, kind_name = r.kubun(line, "WDE00020")
        number = r.text(line, "WDE00030", "WDE00040")
        branch = r.text(line, "WDE00030", "WDE00050")
        _, obj = r.kubun(line, "WDE00070")
        refund_code, _ = r.kubun(line, "WDE00110")
        _, method = r.kubun(line, "WDE00150")
        base = {
            "line": i,
            "kind_code": kind_code,
            "kind_name": kind_name,
            "policy_number": f"{number}-{branch}" if number and branch else number,
            "insured": r.text(line, "WDE00060"),
            "object": obj,
            "start": r.date(line, "WDE00080", "WDE00090"),
            "maturity_refund": {"1": True, "2": False}.get(refund_code or ""),
            "payment_method": method,
            "article": r.text(line, "WDE00215"),
            "certificate_date": cert_date,
        }
        found = False
        for regime, group, premium_el, deductible_el in (
            ("earthquake", "WDE00160", "WDE00170", "WDE00180"),
            ("old_long_term", "WDE00190", "WDE00200", "WDE00210"),
        ):
            g = r.child(line, group)
            if g is None:
                continue
            found = True
            premium = r.integer(g, premium_el)
            deductible = r.integer(g, deductible_el)
            if deductible is None:
                deductible = premium
            detail = dict(base, premium=premium, deductible=deductible, used="certified")
            out.append(
                _rec(
                    r,
                    meta,
                    sig,
                    person=person,
                    year=year,
                    category="earthquake",
                    issuer=issuer,
                    paid=deductible,
                    declared=deductible,
                    regime=regime,
                    detail=detail,
                )
            )
        if not found:
            r.problem(f"line {i} has no premium (WDE00160/WDE00190)", "WDE00000")
    return out


# TEG820 / TEG821 / TEG822 -------------------------------------------------------------------
_DONATION_LAYOUT: dict[str, dict[str, str | None]] = {
    "TEG820": {
        "donor": "WGD00000",
        "line": "WGE00000",
        "receipt": "WGE00010",
        "kind": "WGE00020",
        "article": "WGE00030",
        "article_other": "WGE00035",
        "amount": "WGE00040",
        "date": None,  # on the root: WGC00000
        "recipient": None,  # on the root: WGA00000
        "address": None,  # on the root: WGB00000
        "note": "WGE00050",
        "other": None,
    },
    "TEG821": {
        "donor": "WHA00000",
        "line": "WHB00000",
        "receipt": "WHB00010",
        "kind": "WHB00020",
        "article": "WHB00030",
        "article_other": "WHB00040",
        "amount": "WHB00050",
        "date": "WHB00060",
        "recipient": "WHB00070",
        "address": "WHB00080",
        "note": "WHB00090",
        "other": None,
    },
    "TEG822": {
        "donor": "WLA00000",
        "line": "WLB00000",
        "receipt": "WLB00010",
        "kind": "WLB00020",
        "article": "WLB00030",
        "article_other": "WLB00040",
        "amount": "WLB00050",
        "date": "WLB00060",
        "recipient": "WLB00070",
        "address": "WLB00080",
        "note": "WLB00100",
        "other": "WLB00090",
    },
}


def _donations(r: _Reader, root: etree._Element, sig: str, meta: dict[str, Any]) -> list[Deduction]:
    lay = _DONATION_LAYOUT[r.form]

    def get(el: etree._Element, key: str) -> str | None:
        name = lay[key]
        return r.text(el, name) if name else None

    assert lay["donor"] and lay["line"] and lay["amount"]
    person = r.text(root, lay["donor"])
    if person is None:
        r.problem("donor name missing", lay["donor"])
    lines = r.children(root, lay["line"])
    if not lines:
        r.problem("no donation line", lay["line"])
    out: list[Deduction] = []
    for i, line in enumerate(lines, 1):
        if r.form == "TEG820":
            when = r.date(root, "WGC00000")
            recipient = r.text(root, "WGA00000")
            address = r.text(root, "WGB00000")
        else:
            when = r.date(line, lay["date"] or "")
            recipient = get(line, "recipient")
            address = get(line, "address")
        kind_code, kind_name = r.kubun(line, lay["kind"] or "")
        amount = r.integer(line, lay["amount"], required=True)
        detail = {
            "line": i,
            "receipt_number": get(line, "receipt"),
            "kind_code": kind_code,
            "kind_name": kind_name,
            "furusato": kind_code == "2",
            "article": get(line, "article"),
            "article_other": get(line, "article_other"),
            "date": when,
            "recipient": recipient,
            "recipient_address": address,
            "note": get(line, "note"),
            "other_number": get(line, "other"),
            "used": "certified",
        }
        out.append(
            _rec(
                r,
                meta,
                sig,
                person=person,
                year=when.year if when else None,
                category="donation",
                issuer=recipient or root.get("sakuseiNM"),
                paid=amount,
                declared=amount,
                regime=None,
                detail=detail,
            )
        )
    return out


# TEG830 -------------------------------------------------------------------------------------
def _teg830(r: _Reader, root: etree._Element, sig: str, meta: dict[str, Any]) -> list[Deduction]:
    p1 = r.child(root, "TEG830-1")
    if p1 is None:
        r.problem("一面 (TEG830-1) missing", "TEG830-1")
        return []
    p2 = r.child(root, "TEG830-2")
    year = r.year(p1, "WMA00000")
    kind_code, kind_name = r.kubun(p1, "WMB00000")
    person = r.text(p1, "WMC00000")
    annual = r.integer(p1, "WMF00000", required=True)
    cert_date = r.date(p1, "WMI00000")
    issuer = r.text(p1, "WMJ00000") or root.get("sakuseiNM")
    lines: list[tuple[int, etree._Element, str]] = [
        (1, el, "WML") for el in r.children(r.child(p1, "WML00000"), "WML00010")
    ]
    for group in r.children(p2, "WMN00000"):
        lines.extend((2, el, "WMN") for el in r.children(group, "WMN00010"))
    if not lines:
        r.problem("no donation line (WML00010)", "WML00000")
    out: list[Deduction] = []
    total = 0
    for i, (page, line, p) in enumerate(lines, 1):
        amount = r.integer(line, f"{p}00070", required=(p == "WML"))
        cancel_code, _ = r.kubun(line, f"{p}00090")
        cancelled = cancel_code == "1"
        if not cancelled:
            total += amount or 0
        value = 0 if cancelled else amount
        detail = {
            "line": i,
            "page": page,
            "donation_number": r.text(line, f"{p}00020"),
            "date": r.date(line, f"{p}00030"),
            "recipient": r.text(line, f"{p}00040", f"{p}00050"),
            "recipient_corporate_number": r.text(line, f"{p}00040", f"{p}00060", "hojinbango")
            or r.text(line, f"{p}00040", f"{p}00060"),
            "amount": amount,
            "note": r.text(line, f"{p}00080"),
            "cancelled": cancelled,
            "kind_code": kind_code,
            "kind_name": kind_name,
            "furusato": kind_code == "2",
            "annual_total": annual,
            "certificate_date": cert_date,
            "used": "certified",
        }
        out.append(
            _rec(
                r,
                meta,
                sig,
                person=person or r.text(p2, "WMM00000"),
                year=year,
                category="donation",
                issuer=issuer,
                paid=value,
                declared=value,
                regime=None,
                detail=detail,
            )
        )
    if annual is not None and lines and total != annual:
        r.problem(f"年間寄附額 {annual:,} ≠ sum of the donation lines {total:,}", "WMF00000")
    return out


# TEG840 -------------------------------------------------------------------------------------
_WON: tuple[tuple[str, int, int, int, int, int], ...] = (
    ("WON00010", 20, 30, 40, 50, 60),
    ("WON00070", 80, 90, 100, 110, 120),
    ("WON00130", 140, 150, 160, 170, 180),
)


def _teg840(r: _Reader, root: etree._Element, sig: str, meta: dict[str, Any]) -> list[Deduction]:
    kind_code, kind_name = r.kubun(root, "WOA00000")
    prepaid_code, _ = r.kubun(root, "WOB00000")
    year = r.year(root, "WOC00000")
    person = r.text(root, "WOE00000")
    paid = r.integer(root, "WOK00000")
    expected = r.integer(root, "WOL00000")
    total = r.integer(root, "WOM00000")
    by_year: dict[int, int] = {}
    won = r.child(root, "WON00000")
    for group, *_nums, y_el, amount_el in _WON:
        g = r.child(won, group)
        if g is None:
            continue
        y = r.year(g, f"WON{y_el:05d}")
        amount = r.integer(g, f"WON{amount_el:05d}")
        if y is not None and amount is not None:
            by_year[y] = amount
    monthly: dict[int, dict[int, str]] = {}
    for block in r.children(root, "WOO00000"):
        y = r.year(block, "WOO00010")
        months = r.child(block, "WOO00020")
        if y is None or months is None:
            continue
        for m in range(1, 13):
            code, name = r.kubun(months, f"WOO{20 + 10 * m:05d}")
            if code is not None:
                monthly.setdefault(y, {})[m] = name or code
    if total:
        declared = total
    elif paid is not None or expected is not None:
        declared = (paid or 0) + (expected or 0)
    else:
        declared = None
        r.problem("no amount (WOK00000/WOL00000/WOM00000)", "WOK00000")
    body = r.text(root, "WOS00000")
    if body:
        body = body.removeprefix("差出人").strip(" \u3000")
    issuer = body or r.text(root, "WOR00000") or root.get("sakuseiNM")
    detail = {
        "kind_code": kind_code,
        "kind_name": kind_name,
        "prepaid": prepaid_code == "2",
        "period_from": r.date(root, "WOH00000", year=year),
        "period_to": r.date(root, "WOI00000", year=year),
        "paid_to_date": paid,
        "expected": expected,
        "total": total,
        "by_year": by_year,
        "monthly": monthly,
        "used": "projected" if expected else "certified",
        "issuing_body": r.text(root, "WOS00000"),
        "certificate_date": r.date(root, "WOQ00000"),
    }
    return [
        _rec(
            r,
            meta,
            sig,
            person=person,
            year=year,
            category="social_insurance",
            issuer=issuer,
            paid=paid,
            declared=declared,
            regime=None,
            detail=detail,
        )
    ]


# TEG850 -------------------------------------------------------------------------------------
def _teg850(r: _Reader, root: etree._Element, sig: str, meta: dict[str, Any]) -> list[Deduction]:
    year = r.year(root, "WPA00000")
    kind_code, kind_name = r.kubun(root, "WPB00000")
    person = r.text(root, "WPC00000")
    paid = r.integer(root, "WPG00000", "WPG00020")
    expected = r.integer(root, "WPH00000", "WPH00030")
    total = r.integer(root, "WPI00000")
    if total is not None:
        declared: int | None = total
    elif paid is not None or expected is not None:
        declared = (paid or 0) + (expected or 0)
    else:
        declared = None
        r.problem("no amount (WPG00000/WPH00000/WPI00000)", "WPI00000")
    monthly: dict[int, int] = {}
    wpl = r.child(root, "WPL00000")
    for m in range(1, 13):
        amount = r.integer(wpl, f"WPL{30 * m - 20:05d}", f"WPL{30 * m - 10:05d}")
        if amount is not None:
            monthly[m] = amount

    def mm(*names: str) -> int | None:
        value = r.integer(root, *names)
        if value is not None and not 1 <= value <= 12:
            r.problem(f"month {value} out of range", names[-1])
        return value

    detail = {
        "kind_code": kind_code,
        "kind_name": kind_name,
        "paid_to_month": mm("WPG00000", "WPG00010"),
        "paid_to_date": paid,
        "expected_from_month": mm("WPH00000", "WPH00010"),
        "expected_to_month": mm("WPH00000", "WPH00020"),
        "expected": expected,
        "total": total,
        "prepayment_discount": r.integer(root, "WPJ00000"),
        "contract_date": r.date(root, "WPK00000", "WPK00010"),
        "monthly_contribution": r.integer(root, "WPK00000", "WPK00020"),
        "monthly": monthly,
        "used": "projected" if expected else "certified",
        "certificate_date": r.date(root, "WPN00000"),
    }
    return [
        _rec(
            r,
            meta,
            sig,
            person=person,
            year=year,
            category="small_business_mutual",
            issuer=r.text(root, "WPO00000") or root.get("sakuseiNM"),
            paid=paid,
            declared=declared,
            regime=None,
            detail=detail,
        )
    ]


_EXTRACTORS = {
    "TEG800": _teg800,
    "TEG810": _teg810,
    "TEG820": _donations,
    "TEG821": _donations,
    "TEG822": _donations,
    "TEG830": _teg830,
    "TEG840": _teg840,
    "TEG850": _teg850,
}
