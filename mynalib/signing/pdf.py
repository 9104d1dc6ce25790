"""PDF signatures: PAdES baseline B-B made with pyHanko (an incremental update), and checked.

:func:`sign_pdf` adds an approval signature (``/SubFilter /ETSI.CAdES.detached``, SHA-256,
signing-certificate-v2, the signing time in ``/M``) in an incremental update, so earlier
signatures stay valid. Invisible by default; a :class:`VisibleSignature` draws the signer's name
and the time in a box on a page (Japanese text with the IPAex Gothic font that matplotlib-fontja
ships). poppler's ``pdfsig`` and Acrobat read the result.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from pyhanko.sign.signers.pdf_cms import Signer

from ..errors import SignatureFormatError, SigningError
from .certs import personal_data
from .chain import Check, chain_check, is_test_certificate, revocation_check, validity_check
from .cms import integrity_check, signer_check
from .report import SignatureResult, VerificationReport
from .signer import CardSigner, run_sync

__all__ = ["VisibleSignature", "is_pdf", "sign_pdf", "signer_display_name", "verify_pdf"]

PDF_MAGIC = b"%PDF-"
#: what a visible signature shows (pyHanko fills in the signer's name and the signing time)
STAMP_TEXT = "電子署名 / Digitally signed\n%(signer)s\n%(ts)s"


def is_pdf(data: bytes) -> bool:
    """Whether ``data`` is a PDF (starts with ``%PDF-``): ``myna sign`` then signs it as a PDF."""
    return data.startswith(PDF_MAGIC)


@dataclass(frozen=True)
class VisibleSignature:
    """Where to draw the signature: ``page`` counts from 1; x, y, width, height in points
    (1/72 inch) from the page's lower-left corner."""

    page: int
    x: float
    y: float
    width: float
    height: float

    @classmethod
    def parse(cls, text: str) -> VisibleSignature:
        """``PAGE,x,y,w,h`` (as ``myna sign --visible`` takes it)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 5:
            raise ValueError("give PAGE,x,y,w,h (five numbers, e.g. 1,360,40,200,60)")
        try:
            page = int(parts[0])
            x, y, w, h = (float(p) for p in parts[1:])
        except ValueError:
            raise ValueError("PAGE must be a whole number and x,y,w,h numbers") from None
        if page < 1:
            raise ValueError("PAGE counts from 1")
        if w <= 0 or h <= 0 or x < 0 or y < 0:
            raise ValueError("x and y must be 0 or more, width and height more than 0")
        return cls(page, x, y, w, h)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (
            round(self.x),
            round(self.y),
            round(self.x + self.width),
            round(self.y + self.height),
        )


def signer_display_name(cert: x509.Certificate) -> str:
    """The name to draw in a visible signature: the holder's name in a signing certificate's
    subjectAltName, else the subject's common name."""
    data = personal_data(cert)
    if data is not None and data.name:
        return data.name
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _stamp_font_path() -> Path:
    """IPAex Gothic (shipped by matplotlib-fontja, a dependency), found without importing it."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is not None and spec.origin:
        font = Path(spec.origin).parent / "fonts" / "ipaexg.ttf"
        if font.is_file():
            return font
    raise SigningError(
        "No Japanese font for the visible signature (IPAex Gothic from matplotlib-fontja)",
        hint="install matplotlib-fontja (`make setup`), or sign without --visible",
    )


def _stamp_font(text: str) -> Any:
    """A pyHanko font engine factory for ``text`` (and ASCII) in IPAex Gothic.

    The font is cut down to the characters drawn and scaled to 1000 units per em first: pyHanko
    writes glyph widths in font units, which PDF reads as thousandths of an em, so a 2048-unit
    font such as IPAex would be drawn with every glyph twice as far apart.
    """
    from fontTools import subset, ttLib
    from fontTools.ttLib.scaleUpem import scale_upem
    from pyhanko.pdf_utils.font.api import FontEngineFactory
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

    font = ttLib.TTFont(str(_stamp_font_path()))
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text + "".join(chr(c) for c in range(0x20, 0x7F)))
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    buffer = io.BytesIO()
    font.save(buffer)
    data = buffer.getvalue()

    class _Factory(FontEngineFactory):
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer, font_handle=io.BytesIO(data), font_size=10, obj_stream=obj_stream
            )

    return _Factory()


def _free_field_name(handler: Any) -> str:
    from pyhanko.sign.fields import enumerate_sig_fields

    taken = {name for name, _value, _ref in enumerate_sig_fields(handler)}
    n = 1
    while f"Signature{n}" in taken:
        n += 1
    return f"Signature{n}"


def sign_pdf(
    pdf: bytes,
    signer: Signer,
    *,
    visible: VisibleSignature | None = None,
    signer_name: str | None = None,
) -> bytes:
    """The PDF with a PAdES B-B signature added (an incremental update; earlier bytes kept).

    ``signer_name`` is drawn in a visible signature (default: the name in the certificate).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    if not is_pdf(pdf):
        raise SignatureFormatError("Not a PDF (it does not start with %PDF-)")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        encrypted = writer.prev.encrypted
        pages = int(writer.root["/Pages"]["/Count"])
        name = _free_field_name(writer)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SignatureFormatError(f"The PDF cannot be read: {exc}") from None
    if encrypted:
        raise SigningError(
            "The PDF is encrypted (password-protected); it cannot be signed here",
            hint="save an unprotected copy first",
            ja="パスワード保護された PDF には署名できません。",
        )
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        use_pades_lta=False,
        embed_validation_info=False,
    )
    params: dict[str, str] = {}
    if visible is not None:
        if visible.page > pages:
            raise SigningError(
                f"The PDF has {pages} page(s); there is no page {visible.page}",
                ja=f"PDF は {pages} ページです。",
            )
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.stamp import TextStampStyle

        if signer_name is None:
            cert = signer.certificate if isinstance(signer, CardSigner) else None
            signer_name = signer_display_name(cert) if cert else (signer.subject_name or "")
        params["signer"] = signer_name
        style = TextStampStyle(
            stamp_text=STAMP_TEXT,
            text_box_style=TextBoxStyle(font=_stamp_font(STAMP_TEXT + signer_name)),
            timestamp_format="%Y-%m-%d %H:%M %Z",
        )
        spec = fields.SigFieldSpec(name, on_page=visible.page - 1, box=visible.box)
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec)
    else:
        pdf_signer = signers.PdfSigner(meta, signer)
    out = io.BytesIO()
    try:
        run_sync(
            lambda: pdf_signer.async_sign_pdf(
                writer, output=out, appearance_text_params=params or None
            )
        )
    except (PdfError, ValueError, KeyError) as exc:  # pyHanko's SigningError is a ValueError
        raise SigningError(f"The PDF could not be signed: {exc}") from None
    return out.getvalue()


def verify_pdf(
    pdf: bytes,
    *,
    trust_test_roots: bool = False,
    crl: bytes | None = None,
    now: dt.datetime | None = None,
) -> VerificationReport:
    """Check every signature of a PDF: integrity, coverage (what changed after signing), signer,
    chain to the J-LIS signing CAs, validity at the signing time, revocation (only against
    ``crl``). Never raises for a bad signature: the report says."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not is_pdf(pdf):
        raise SignatureFormatError("Not a PDF (it does not start with %PDF-)")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sigs = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SignatureFormatError(f"The PDF cannot be read: {exc}") from None
    report = VerificationReport(
        kind="pdf", description=f"PDF with {len(sigs)} signature(s) / PDF（署名 {len(sigs)} 件）"
    )
    if not sigs:
        report.problems.append(
            Check("format", "fail", "the PDF holds no signature", "PDF に電子署名がありません。")
        )
        return report
    for sig in sigs:
        report.signatures.append(_verify_embedded(sig, trust_test_roots, crl, now))
    return report


def _verify_embedded(
    sig: Any, trust_test_roots: bool, crl: bytes | None, now: dt.datetime | None
) -> SignatureResult:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.general import CMSExtractionError, CMSStructuralError
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.generic_cms import get_signing_cert_attr, validate_sig_integrity

    result = SignatureResult(label=f'field "{sig.field_name}" / 署名フィールド')
    subfilter = str(sig.sig_object.get("/SubFilter", ""))
    result.checks.append(_format_check(subfilter))
    if result.checks[-1].status == "fail":
        return result
    try:
        sig.compute_integrity_info()
        signer_cert = sig.signer_cert
        md = sig.md_algorithm
        intact, valid = validate_sig_integrity(
            sig.signer_info,
            signer_cert,
            expected_content_type="data",
            actual_digest=sig.compute_digest(),
        )
    except (SignatureValidationError, CMSExtractionError, CMSStructuralError) as exc:
        msg = getattr(exc, "failure_message", str(exc))
        result.checks.append(
            Check(
                "signer",
                "fail",
                f"the signature cannot be checked: {msg}",
                "署名を検証できません。",
            )
        )
        return result
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        result.checks.append(
            Check(
                "integrity",
                "fail",
                f"the signature cannot be read: {exc}",
                "署名を読み取れません（ファイルが壊れている可能性があります）。",
            )
        )
        return result
    cert = x509.load_der_x509_certificate(signer_cert.dump())
    result.certificate = cert
    result.test_only = is_test_certificate(cert)
    result.signing_time = sig.self_reported_timestamp
    result.checks.append(integrity_check(intact, valid, md))
    result.checks.append(_coverage_check(sig))
    bound = get_signing_cert_attr(sig.signer_info["signed_attrs"]) is not None
    result.checks.append(signer_check(cert, bound))
    if result.verdict == "invalid":
        return result
    chain = chain_check(cert, trust_test_roots=trust_test_roots)
    result.checks.append(chain.check)
    result.checks.append(validity_check(cert, chain.root, result.signing_time, now=now))
    result.checks.append(revocation_check(cert, chain.root, crl, now=now))
    return result


def _format_check(subfilter: str) -> Check:
    if subfilter == "/ETSI.CAdES.detached":
        return Check(
            "format",
            "ok",
            "PAdES (ETSI.CAdES.detached)",
            "PAdES 形式の署名です。",
        )
    if subfilter == "/adbe.pkcs7.detached":
        return Check(
            "format",
            "ok",
            "PKCS#7 detached (adbe.pkcs7.detached; not PAdES)",
            "PKCS#7 形式の署名です（PAdES ではありません）。",
        )
    return Check(
        "format",
        "fail",
        f"unsupported signature type {subfilter or '(none)'}",
        "対応していない署名形式です。",
    )


def _coverage_check(sig: Any) -> Check:
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    coverage = sig.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Check(
            "coverage",
            "ok",
            "the signature covers the whole file",
            "ファイル全体が署名されています。",
        )
    if coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        diff = sig.diff_result
        level = diff.modification_level if isinstance(diff, DiffResult) else ModificationLevel.OTHER
        if level <= ModificationLevel.FORM_FILLING:
            return Check(
                "coverage",
                "ok",
                "the signed revision is intact; later updates only add signatures, validation "
                "data or form values",
                "署名後の追記は、別の署名・検証情報・フォーム入力のみです。",
            )
        return Check(
            "coverage",
            "fail",
            "the file was changed after signing beyond adding signatures or filling forms",
            "署名後に、署名やフォーム入力以外の変更が加えられています。",
        )
    return Check(
        "coverage",
        "fail",
        "the signature does not cover the file as a signature should (unusual byte range)",
        "署名の対象範囲が不正です。",
    )
