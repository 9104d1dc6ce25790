"""Enveloped XML signatures (XML-DSig 1.0) as used by 電子的控除証明書: verify and sign.

Scope, on purpose small and tolerant of real-world files:

* one or more ``ds:Signature`` elements anywhere in the document, each with ``ds:Reference`` s to
  ``""`` (the whole document) or ``"#<id>"`` — the id is looked up in any attribute named ``id``,
  ``Id`` or ``ID`` (the NTA forms carry it in a plain ``id`` attribute that is no xs:ID);
* transforms: enveloped-signature, inclusive C14N 1.0 (with/without comments), exclusive C14N;
* digests SHA-1/SHA-256/SHA-384/SHA-512; signatures RSA PKCS#1 v1.5 with SHA-1/SHA-256/SHA-384/
  SHA-512;
* base64 with line breaks and ``&#13;`` inside, a ``Signature/@Id`` that is not a valid xs:ID;
* the signer's certificate(s) in ``ds:KeyInfo/ds:X509Data`` (or a bare ``ds:RSAKeyValue``).

Outcomes (:data:`STATUSES`): ``"valid"`` (digests and signature match and the signer chains to one
of ``trusted_roots``), ``"untrusted"`` (the maths is right but no chain to a trusted root — the
default, since nothing is trusted unless the caller says so), ``"invalid"`` (a digest or the
signature value does not match, or the signature cannot be checked at all), ``"unsigned"``.

lxml's ``tostring(method="c14n")`` mis-canonicalises the root element of a document that has a
processing instruction before it (the NTA files carry an ``xml-stylesheet`` PI); every
canonicalisation here therefore works on a copy of the root element in a fresh document.
"""

from __future__ import annotations

import base64
import binascii
import copy
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal, Union

from ..errors import MalformedDocument
from .xml import parse_xml

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from lxml import etree

Status = Literal["valid", "invalid", "untrusted", "unsigned"]
STATUSES: tuple[str, ...] = ("valid", "invalid", "untrusted", "unsigned")

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_COMMENTS = C14N + "#WithComments"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_COMMENTS = EXC_C14N + "WithComments"
ENVELOPED = DSIG_NS + "enveloped-signature"

_DIGESTS = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_SIGNATURES = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": "sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": "sha512",
}
#: algorithm name for :func:`sign_enveloped` → (SignatureMethod URI, DigestMethod URI)
ALGORITHMS: dict[str, tuple[str, str]] = {
    "rsa-sha256": (
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ),
    "rsa-sha1": (
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#sha1",
    ),
}

CertLike = Union["x509.Certificate", bytes, str, "os.PathLike[str]"]


@dataclass
class VerifyResult:
    """Outcome of :func:`verify_detail`; ``status`` is what :func:`verify` returns."""

    status: Status
    reason: str = ""
    signer_subject: str | None = None
    signer_issuer: str | None = None
    not_before: datetime | None = None
    not_after: datetime | None = None
    algorithm: str | None = None
    certificates: list[bytes] = field(default_factory=list)  # DER, as embedded

    def __str__(self) -> str:
        return f"{self.status}: {self.reason}" if self.reason else self.status


class _Invalid(Exception):
    """Internal: the signature cannot be accepted (reason in args[0])."""


# ------------------------------------------------------------------------------------ helpers
def _hash(name: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    table: dict[str, Any] = {
        "sha1": hashes.SHA1,
        "sha256": hashes.SHA256,
        "sha384": hashes.SHA384,
        "sha512": hashes.SHA512,
    }
    return table[name]()


def _digest(name: str, data: bytes) -> bytes:
    import hashlib

    return hashlib.new(name, data).digest()


def _b64(text: str | None, what: str) -> bytes:
    cleaned = "".join((text or "").split())
    if not cleaned:
        raise _Invalid(f"{what} is empty")
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise _Invalid(f"{what} is not valid base64") from None


def _wrap64(data: bytes, width: int = 76) -> str:
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def _fresh_copy(el: etree._Element) -> tuple[etree._Element, etree._Element]:
    """Copy the whole element tree of ``el`` into a fresh document; return (root, el) copies."""
    steps: list[int] = []
    node = el
    parent = node.getparent()
    while parent is not None:
        steps.append(parent.index(node))
        node, parent = parent, parent.getparent()
    new_root = copy.deepcopy(node)
    found = new_root
    for i in reversed(steps):
        found = found[i]
    return new_root, found


def _c14n(el: etree._Element, method: str) -> bytes:
    """Canonicalise ``el`` (which must live in a PI-free document: see module docstring)."""
    from lxml import etree

    exclusive = method in (EXC_C14N, EXC_C14N_COMMENTS)
    comments = method in (C14N_COMMENTS, EXC_C14N_COMMENTS)
    return etree.tostring(el, method="c14n", exclusive=exclusive, with_comments=comments)


def _remove_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        raise _Invalid("the signature is the document element")
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _find_by_id(root: etree._Element, ident: str) -> etree._Element:
    hits = root.xpath("//*[@id=$v or @Id=$v or @ID=$v]", v=ident)
    if not hits:
        raise _Invalid(f"reference #{ident} points to no element")
    if len(hits) > 1:
        raise _Invalid(f"reference #{ident} is ambiguous ({len(hits)} elements carry that id)")
    return hits[0]


def _ds(el: etree._Element, name: str) -> etree._Element | None:
    return el.find(f"{{{DSIG_NS}}}{name}")


def _reference_octets(sig: etree._Element, ref: etree._Element) -> bytes:
    """Apply a Reference's URI and transforms to a fresh copy of the document; return octets."""
    uri = ref.get("URI")
    transforms = ref.find(f"{{{DSIG_NS}}}Transforms")
    algos = (
        [t.get("Algorithm", "") for t in transforms.findall(f"{{{DSIG_NS}}}Transform")]
        if transforms is not None
        else []
    )
    work_root, work_sig = _fresh_copy(sig)
    if uri is None or uri == "":
        target = work_root
        default = C14N
    elif uri == "#xpointer(/)":
        target = work_root
        default = C14N_COMMENTS
    elif uri.startswith("#xpointer(id("):
        ident = uri[len("#xpointer(id(") :].rstrip(")").strip("'\"")
        target = _find_by_id(work_root, ident)
        default = C14N_COMMENTS
    elif uri.startswith("#"):
        target = _find_by_id(work_root, uri[1:])
        default = C14N
    else:
        raise _Invalid(f"external reference {uri!r} is not supported")
    octets: bytes | None = None
    for algo in algos:
        if algo == ENVELOPED:
            if octets is not None:
                raise _Invalid("enveloped-signature transform after canonicalisation")
            _remove_keep_tail(work_sig)
        elif algo in (C14N, C14N_COMMENTS, EXC_C14N, EXC_C14N_COMMENTS):
            if octets is not None:
                raise _Invalid("two canonicalisation transforms in a row")
            octets = _c14n(target, algo)
        else:
            raise _Invalid(f"unsupported transform {algo!r}")
    if octets is None:
        octets = _c14n(target, default)
    return octets


def _load_cert(value: CertLike) -> list[x509.Certificate]:
    from cryptography import x509

    if isinstance(value, x509.Certificate):
        return [value]
    if isinstance(value, (str, os.PathLike)):
        with open(value, "rb") as fh:
            value = fh.read()
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        if b"-----BEGIN" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    raise TypeError(f"not a certificate: {type(value).__name__}")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    from cryptography import x509

    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return cert.subject == cert.issuer  # an old self-signed root without extensions
    return bool(bc.ca)


def _in_time(cert: x509.Certificate, at: datetime | None) -> bool:
    if at is None:
        return True
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _chain_ok(
    signer: x509.Certificate,
    embedded: list[x509.Certificate],
    roots: list[x509.Certificate],
    at: datetime | None,
) -> tuple[bool, str]:
    if not _in_time(signer, at):
        return False, "the signer certificate was not valid at the given time"
    current = signer
    seen: set[bytes] = set()
    for _ in range(8):
        fp = current.fingerprint(_hash("sha256"))
        if fp in seen:
            break
        seen.add(fp)
        if any(r.fingerprint(_hash("sha256")) == fp for r in roots):
            return True, ""
        for root in roots:
            if _issued_by(current, root) and _in_time(root, at):
                return True, ""
        nxt = next(
            (
                c
                for c in embedded
                if c.fingerprint(_hash("sha256")) not in seen
                and _is_ca(c)
                and _in_time(c, at)
                and _issued_by(current, c)
            ),
            None,
        )
        if nxt is None:
            break
        current = nxt
    return False, f"no chain from {signer.subject.rfc4514_string()} to a trusted root"


# ------------------------------------------------------------------------------------- verify
def verify_detail(
    xml: bytes | etree._Element,
    *,
    trusted_roots: Iterable[CertLike] | None = None,
    at: datetime | None = None,
) -> VerifyResult:
    """Verify every enveloped signature in ``xml``; see the module docstring for the outcomes.

    ``trusted_roots``: certificates (objects, DER/PEM bytes or file paths) whose chains count as
    trusted; ``at``: if given, every certificate of the chain must be valid at that time.
    Raises :class:`MalformedDocument` only if ``xml`` is not well-formed (or unsafe) XML.
    """
    root = parse_xml(bytes(xml), what="signed XML") if isinstance(xml, (bytes, bytearray)) else xml
    roots: list[x509.Certificate] = []
    for item in trusted_roots or ():
        roots.extend(_load_cert(item))
    sigs = root.getroottree().getroot().xpath("//ds:Signature", namespaces={"ds": DSIG_NS})
    if not sigs:
        return VerifyResult("unsigned", "the document carries no XML signature")
    results = [_verify_one(sig, roots, at) for sig in sigs]
    for res in results:
        if res.status == "invalid":
            return res
    for res in results:
        if res.status == "untrusted":
            return res
    return results[0]


def verify(
    xml: bytes | etree._Element,
    *,
    trusted_roots: Iterable[CertLike] | None = None,
    at: datetime | None = None,
) -> Status:
    """``"valid"`` | ``"invalid"`` | ``"untrusted"`` | ``"unsigned"`` (see :func:`verify_detail`)."""
    return verify_detail(xml, trusted_roots=trusted_roots, at=at).status


def _verify_one(
    sig: etree._Element, roots: list[x509.Certificate], at: datetime | None
) -> VerifyResult:
    try:
        return _verify_one_inner(sig, roots, at)
    except _Invalid as exc:
        return VerifyResult("invalid", str(exc))
    except MalformedDocument as exc:
        return VerifyResult("invalid", str(exc))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        # a quirk we do not understand must never crash an import
        return VerifyResult("invalid", f"signature could not be checked: {exc}")


def _verify_one_inner(
    sig: etree._Element, roots: list[x509.Certificate], at: datetime | None
) -> VerifyResult:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    signed_info = _ds(sig, "SignedInfo")
    if signed_info is None:
        raise _Invalid("the signature has no SignedInfo")
    c14n_el = _ds(signed_info, "CanonicalizationMethod")
    c14n_alg = c14n_el.get("Algorithm", "") if c14n_el is not None else ""
    if c14n_alg not in (C14N, C14N_COMMENTS, EXC_C14N, EXC_C14N_COMMENTS):
        raise _Invalid(f"unsupported canonicalisation {c14n_alg!r}")
    sm_el = _ds(signed_info, "SignatureMethod")
    sm_alg = sm_el.get("Algorithm", "") if sm_el is not None else ""
    if sm_alg not in _SIGNATURES:
        raise _Invalid(f"unsupported signature method {sm_alg!r}")
    refs = signed_info.findall(f"{{{DSIG_NS}}}Reference")
    if not refs:
        raise _Invalid("SignedInfo has no Reference")

    # 1. references
    for ref in refs:
        dm_el = _ds(ref, "DigestMethod")
        dm_alg = dm_el.get("Algorithm", "") if dm_el is not None else ""
        if dm_alg not in _DIGESTS:
            raise _Invalid(f"unsupported digest method {dm_alg!r}")
        dv_el = _ds(ref, "DigestValue")
        expected = _b64(dv_el.text if dv_el is not None else None, "DigestValue")
        actual = _digest(_DIGESTS[dm_alg], _reference_octets(sig, ref))
        if actual != expected:
            return VerifyResult(
                "invalid",
                f"digest mismatch for reference {ref.get('URI')!r}: the document was changed "
                "after signing",
                algorithm=sm_alg,
            )

    # 2. the signature value over the canonical SignedInfo
    _, si_copy = _fresh_copy(signed_info)
    signed_octets = _c14n(si_copy, c14n_alg)
    sv_el = _ds(sig, "SignatureValue")
    signature = _b64(sv_el.text if sv_el is not None else None, "SignatureValue")

    certs: list[x509.Certificate] = []
    ders: list[bytes] = []
    keys: list[tuple[Any, x509.Certificate | None]] = []
    key_info = _ds(sig, "KeyInfo")
    if key_info is not None:
        for cert_el in key_info.iter(f"{{{DSIG_NS}}}X509Certificate"):
            der = _b64(cert_el.text, "X509Certificate")
            try:
                cert = x509.load_der_x509_certificate(der)
            except ValueError:
                raise _Invalid("an embedded certificate cannot be read") from None
            certs.append(cert)
            ders.append(der)
            keys.append((cert.public_key(), cert))
        for kv in key_info.iter(f"{{{DSIG_NS}}}RSAKeyValue"):
            mod = int.from_bytes(_b64(kv.findtext(f"{{{DSIG_NS}}}Modulus"), "Modulus"), "big")
            exp = int.from_bytes(_b64(kv.findtext(f"{{{DSIG_NS}}}Exponent"), "Exponent"), "big")
            keys.append((rsa.RSAPublicNumbers(exp, mod).public_key(), None))
    if not keys:
        raise _Invalid("the signature carries no certificate or key to check it with")

    signer: x509.Certificate | None = None
    matched = False
    for pub, key_cert in keys:
        if not isinstance(pub, rsa.RSAPublicKey):
            continue
        try:
            pub.verify(signature, signed_octets, padding.PKCS1v15(), _hash(_SIGNATURES[sm_alg]))
        except InvalidSignature:
            continue
        matched = True
        signer = key_cert
        break
    if not matched:
        return VerifyResult(
            "invalid",
            "the signature value does not match SignedInfo (changed, or signed with another key)",
            algorithm=sm_alg,
            certificates=ders,
        )
    info = VerifyResult("untrusted", algorithm=sm_alg, certificates=ders)
    if signer is None:
        info.reason = "signed with a bare key (no certificate): the signer cannot be identified"
        return info
    info.signer_subject = signer.subject.rfc4514_string()
    info.signer_issuer = signer.issuer.rfc4514_string()
    info.not_before = signer.not_valid_before_utc
    info.not_after = signer.not_valid_after_utc
    if not roots:
        info.reason = "signature maths is valid; no trusted roots were given"
        return info
    ok, why = _chain_ok(signer, [c for c in certs if c is not signer], roots, at)
    if ok:
        info.status = "valid"
        info.reason = ""
    else:
        info.reason = why
    return info


# --------------------------------------------------------------------------------------- sign
def sign_enveloped(
    xml: bytes,
    key: RSAPrivateKey,
    cert: CertLike,
    *,
    chain: Iterable[CertLike] = (),
    algorithm: str = "rsa-sha256",
    signature_id: str | None = None,
) -> bytes:
    """Sign ``xml`` with an enveloped signature like the NTA's; return the signed document bytes.

    The Signature (prefix ``dsig``) is appended as the last child of the root element and
    references ``#<root id>`` (or ``""`` when the root has no ``id``), with the transforms
    enveloped-signature + inclusive C14N 1.0. ``cert`` (the signer) and then ``chain`` are embedded
    in ``KeyInfo/X509Data``. ``algorithm`` is ``"rsa-sha256"`` (SHA-256 digest) or ``"rsa-sha1"``
    (SHA-1 digest, like older files). ``signature_id`` sets ``Signature/@Id`` (it may start with a
    digit, as in real files). Existing signatures are replaced. Deterministic: the same inputs give
    the same bytes (RSA PKCS#1 v1.5). Output is UTF-8 with an XML declaration; processing
    instructions before the root are kept.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from lxml import etree

    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}; use one of {sorted(ALGORITHMS)}")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("sign_enveloped needs an RSA private key")
    sig_uri, digest_uri = ALGORITHMS[algorithm]
    certs = _load_cert(cert)
    for extra in chain:
        certs.extend(_load_cert(extra))

    root = parse_xml(xml, what="XML to sign")
    for old in root.xpath("//ds:Signature", namespaces={"ds": DSIG_NS}):
        _remove_keep_tail(old)

    def sub(parent: etree._Element, name: str, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{DSIG_NS}}}{name}")
        for k, v in attrs.items():
            el.set(k, v)
        return el

    sig = etree.SubElement(root, f"{{{DSIG_NS}}}Signature", nsmap={"dsig": DSIG_NS})
    if signature_id is not None:
        sig.set("Id", signature_id)
    si = sub(sig, "SignedInfo")
    sub(si, "CanonicalizationMethod", Algorithm=C14N)
    sub(si, "SignatureMethod", Algorithm=sig_uri)
    root_id = root.get("id")
    ref = sub(si, "Reference", URI=f"#{root_id}" if root_id else "")
    transforms = sub(ref, "Transforms")
    sub(transforms, "Transform", Algorithm=ENVELOPED)
    sub(transforms, "Transform", Algorithm=C14N)
    sub(ref, "DigestMethod", Algorithm=digest_uri)
    dv = sub(ref, "DigestValue")
    try:
        octets = _reference_octets(sig, ref)
    except _Invalid as exc:
        raise MalformedDocument(f"cannot sign: {exc}") from None
    dv.text = base64.b64encode(_digest(_DIGESTS[digest_uri], octets)).decode("ascii")
    _, si_copy = _fresh_copy(si)
    signature = key.sign(_c14n(si_copy, C14N), padding.PKCS1v15(), _hash(_SIGNATURES[sig_uri]))
    sub(sig, "SignatureValue").text = _wrap64(signature)
    x509_data = sub(sub(sig, "KeyInfo"), "X509Data")
    for c in certs:
        sub(x509_data, "X509Certificate").text = _wrap64(c.public_bytes(serialization.Encoding.DER))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
