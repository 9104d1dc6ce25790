"""Enveloped XML signatures (XML-DSig 1.0) as used by 電子的控除証明書: verify and sign.

A hand-written verifier, on purpose: it must accept what real NTA files carry and strict
libraries refuse (a ``Signature/@Id`` that starts with a digit, an ``xml-stylesheet`` processing
instruction before the root, which lxml's canonicaliser mishandles in place, base64 with ``&#13;``
line breaks, RSA-SHA1 on older files), and it checks one narrow profile — the one those files use —
so that everything else fails closed:

* exactly one ``ds:Signature`` in the document, a child of the document element;
* ``SignedInfo`` = ``CanonicalizationMethod`` (inclusive C14N 1.0, with or without comments, no
  parameters), ``SignatureMethod`` (RSA PKCS#1 v1.5 with SHA-1/256/384/512) and exactly one
  ``Reference``;
* the ``Reference`` points at the document element: ``URI=""`` or ``"#<id>"`` where the id (in an
  attribute ``id``, ``Id`` or ``ID`` — the NTA forms use a plain ``id`` that is no xs:ID) is
  carried by the document element and by no other element; transforms: enveloped-signature,
  optionally followed by inclusive C14N 1.0, nothing else and no parameters; digests
  SHA-1/256/384/512;
* no comment or processing instruction inside the signature, nor inside the text of any element
  of the signed document (canonicalisation drops comments, so ``<a>8<!---->4000</a>`` verifies as
  ``84000`` while a naive reader sees ``8``: refused rather than read two ways);
* the signer's certificate(s) in ``ds:KeyInfo/ds:X509Data``, or else a bare ``ds:RSAKeyValue``
  (never both: ``KeyInfo`` is not signed, so the key to check with must not be a choice).

"Use what was verified": the ``Reference`` is read from ``SignedInfo`` re-parsed from exactly the
octets the signature value covers, and :attr:`VerifyResult.signed_xml` is the document element
re-parsed from exactly the octets the digest covers (no signature, no comments). A caller reads
values from that element only; for an ``invalid`` or ``unsigned`` document
:func:`without_signatures` gives the document with every signature taken out (tails kept).

Outcomes (:data:`STATUSES`): ``"valid"`` (digest and signature match and the signer chains to one
of ``trusted_roots``), ``"untrusted"`` (the maths is right but no chain to a trusted root — the
default, since nothing is trusted unless the caller says so), ``"invalid"`` (a digest or the
signature value does not match, the signature leaves the profile above, or it cannot be checked
at all), ``"unsigned"``.

lxml's ``tostring(method="c14n")`` mis-canonicalises the root element of a document that has a
processing instruction before it; every canonicalisation here therefore works on a copy of the
root element in a fresh document.
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

from cryptography.exceptions import UnsupportedAlgorithm

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
ENVELOPED = DSIG_NS + "enveloped-signature"
SIGNATURE_TAG = f"{{{DSIG_NS}}}Signature"
_C14NS = (C14N, C14N_COMMENTS)

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
    #: the signed element re-parsed from the octets the digest covers (``valid``/``untrusted``
    #: only): read values from this, never from the document as given
    signed_xml: etree._Element | None = field(default=None, repr=False, compare=False)

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


def _text(el: etree._Element | None) -> str:
    """All text of ``el`` (every text node below it, as the canonical form has it)."""
    return "" if el is None else "".join(el.itertext())


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
    """Inclusive C14N 1.0 of ``el`` (which must live in a PI-free document: see module docstring).

    A document C14N 1.0 cannot canonicalise (e.g. a relative namespace URI) is :class:`_Invalid`:
    there is no canonical form a signature could have covered."""
    from lxml import etree

    try:
        return etree.tostring(
            el, method="c14n", exclusive=False, with_comments=method == C14N_COMMENTS
        )
    except (etree.C14NError, etree.SerialisationError) as exc:
        raise _Invalid(f"the document cannot be canonicalised (C14N 1.0): {exc}") from None


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


def _carrying_id(root: etree._Element, ident: str) -> list[etree._Element]:
    return list(root.xpath("//*[@id=$v or @Id=$v or @ID=$v]", v=ident))


def _ds(el: etree._Element, name: str) -> etree._Element | None:
    return el.find(f"{{{DSIG_NS}}}{name}")


def _is_ds(el: etree._Element, name: str) -> bool:
    return el.tag == f"{{{DSIG_NS}}}{name}"


def _elements(el: etree._Element) -> list[etree._Element]:
    """The element children of ``el``; text (other than white space) among them is refused."""
    if (el.text or "").strip() or any((c.tail or "").strip() for c in el):
        raise _Invalid(f"unexpected text inside {_local(el)}")
    kids = list(el)
    if any(not isinstance(c.tag, str) for c in kids):
        raise _Invalid(f"a comment or processing instruction inside {_local(el)}")
    return kids


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else "node"


def _empty(el: etree._Element) -> None:
    """An algorithm element must carry no parameters (none of the profile's algorithms has any)."""
    if _elements(el):
        raise _Invalid(f"{_local(el)} {el.get('Algorithm')!r} carries parameters (not supported)")


def _is_value(el: etree._Element) -> bool:
    """Whether ``el`` holds text: it has no element children, or text beside them."""
    kids = list(el)
    if not any(isinstance(c.tag, str) for c in kids):
        return True
    return bool((el.text or "").strip()) or any((c.tail or "").strip() for c in kids)


def comments_in_values(el: etree._Element) -> list[tuple[str, str]]:
    """Comments and processing instructions inside the text of elements below ``el`` (itself
    included), outside any ``ds:Signature``: ``[(element local name, "comment" | "processing
    instruction"), ...]`` in document order. A comment between child elements of a container (only
    white space around it) is not listed: it cannot change a value.
    """
    from lxml import etree

    out: list[tuple[str, str]] = []
    for node in el.iter(etree.Comment, etree.ProcessingInstruction):
        parent = node.getparent()
        if parent is None or any(a.tag == SIGNATURE_TAG for a in node.iterancestors()):
            continue
        if _is_value(parent):
            kind = "comment" if node.tag is etree.Comment else "processing instruction"
            out.append((_local(parent), kind))
    return out


def without_signatures(el: etree._Element) -> etree._Element:
    """The document of ``el`` in a fresh copy with every ``ds:Signature`` taken out (their tails
    kept, as the enveloped-signature transform does): what to read when nothing was verified."""
    root, _ = _fresh_copy(el)
    for sig in list(root.iter(SIGNATURE_TAG)):
        if sig is root:
            continue
        if sig.getparent() is not None:
            _remove_keep_tail(sig)
    return root


def _target_octets(sig: etree._Element, uri: str, method: str) -> bytes:
    """Dereference ``uri`` (the document element), apply enveloped-signature and C14N 1.0."""
    work_root, work_sig = _fresh_copy(sig)
    if uri.startswith("#"):
        hits = _carrying_id(work_root, uri[1:])
        if not hits:
            raise _Invalid(f"reference {uri!r} points to no element")
        if len(hits) > 1:
            raise _Invalid(f"reference {uri!r} is ambiguous ({len(hits)} elements carry that id)")
        if hits[0] is not work_root:
            raise _Invalid(
                f"reference {uri!r} does not point to the document element: the signature "
                "would not cover what is read"
            )
    elif uri != "":
        raise _Invalid(f"reference {uri!r} is not supported (only the document element)")
    _remove_keep_tail(work_sig)
    return _c14n(work_root, method)


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
    """Verify the enveloped signature of ``xml``; see the module docstring for the outcomes.

    ``trusted_roots``: certificates (objects, DER/PEM bytes or file paths) whose chains count as
    trusted; ``at``: if given, every certificate of the chain must be valid at that time.
    Raises :class:`MalformedDocument` only if ``xml`` is not well-formed (or unsafe) XML.
    """
    root = parse_xml(bytes(xml), what="signed XML") if isinstance(xml, (bytes, bytearray)) else xml
    root = root.getroottree().getroot()
    roots: list[x509.Certificate] = []
    for item in trusted_roots or ():
        roots.extend(_load_cert(item))
    sigs = list(root.iter(SIGNATURE_TAG))
    if not sigs:
        return VerifyResult("unsigned", "the document carries no XML signature")
    if len(sigs) > 1:
        return VerifyResult(
            "invalid", f"the document carries {len(sigs)} signatures; a certificate has one"
        )
    return _verify_one(sigs[0], root, roots, at)


def verify(
    xml: bytes | etree._Element,
    *,
    trusted_roots: Iterable[CertLike] | None = None,
    at: datetime | None = None,
) -> Status:
    """``"valid"`` | ``"invalid"`` | ``"untrusted"`` | ``"unsigned"`` (see :func:`verify_detail`)."""
    return verify_detail(xml, trusted_roots=trusted_roots, at=at).status


def _verify_one(
    sig: etree._Element, root: etree._Element, roots: list[x509.Certificate], at: datetime | None
) -> VerifyResult:
    try:
        return _verify_one_inner(sig, root, roots, at)
    except _Invalid as exc:
        return VerifyResult("invalid", str(exc))
    except MalformedDocument as exc:
        return VerifyResult("invalid", str(exc))
    except (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        OverflowError,
        UnsupportedAlgorithm,
    ) as exc:
        # a quirk we do not understand must never crash an import
        return VerifyResult("invalid", f"signature could not be checked: {exc}")


def _signature_parts(sig: etree._Element) -> dict[str, etree._Element]:
    """SignedInfo, SignatureValue, KeyInfo (optional) of a Signature; Objects are allowed."""
    from lxml import etree

    if next(sig.iter(etree.Comment, etree.ProcessingInstruction), None) is not None:
        raise _Invalid("a comment or processing instruction inside the signature")
    parts: dict[str, etree._Element] = {}
    for kid in _elements(sig):
        name = _local(kid)
        if not kid.tag.startswith(f"{{{DSIG_NS}}}") or name not in (
            "SignedInfo",
            "SignatureValue",
            "KeyInfo",
            "Object",
        ):
            raise _Invalid(f"unexpected element {name} in the signature")
        if name in parts and name != "Object":
            raise _Invalid(f"the signature has two {name} elements")
        parts[name] = kid
    for name in ("SignedInfo", "SignatureValue"):
        if name not in parts:
            raise _Invalid(f"the signature has no {name}")
    return parts


def _verify_one_inner(
    sig: etree._Element, root: etree._Element, roots: list[x509.Certificate], at: datetime | None
) -> VerifyResult:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    if sig.getparent() is not root:
        raise _Invalid("the signature is not a child of the document element")
    parts = _signature_parts(sig)

    # 1. SignedInfo, read back from exactly the octets the signature value covers
    c14n_el = _ds(parts["SignedInfo"], "CanonicalizationMethod")
    c14n_alg = c14n_el.get("Algorithm", "") if c14n_el is not None else ""
    if c14n_alg not in _C14NS:
        raise _Invalid(f"unsupported canonicalisation {c14n_alg!r} (only inclusive C14N 1.0)")
    _, si_copy = _fresh_copy(parts["SignedInfo"])
    signed_octets = _c14n(si_copy, c14n_alg)
    signed_info = parse_xml(signed_octets, what="canonical SignedInfo")
    kids = _elements(signed_info)
    if (
        len(kids) < 3
        or not _is_ds(kids[0], "CanonicalizationMethod")
        or not _is_ds(kids[1], "SignatureMethod")
        or not all(_is_ds(k, "Reference") for k in kids[2:])
    ):
        raise _Invalid("SignedInfo must hold CanonicalizationMethod, SignatureMethod, Reference")
    refs = kids[2:]
    if len(refs) != 1:
        raise _Invalid(f"SignedInfo has {len(refs)} references; a certificate has one")
    _empty(kids[0])
    sm_alg = kids[1].get("Algorithm", "")
    if sm_alg not in _SIGNATURES:
        raise _Invalid(f"unsupported signature method {sm_alg!r}")
    _empty(kids[1])

    # 2. the reference: the document element, enveloped-signature [+ C14N 1.0], its digest
    ref = refs[0]
    ref_kids = _elements(ref)
    names = [_local(k) for k in ref_kids]
    if names not in (
        ["Transforms", "DigestMethod", "DigestValue"],
        ["DigestMethod", "DigestValue"],
    ) or not all(k.tag.startswith(f"{{{DSIG_NS}}}") for k in ref_kids):
        raise _Invalid("Reference must hold [Transforms,] DigestMethod, DigestValue")
    algos: list[str] = []
    if names[0] == "Transforms":
        for t in _elements(ref_kids[0]):
            if not _is_ds(t, "Transform"):
                raise _Invalid(f"unexpected element {_local(t)} in Transforms")
            _empty(t)
            algos.append(t.get("Algorithm", ""))
    unknown = [a for a in algos if a not in (ENVELOPED, *_C14NS)]
    if unknown:
        raise _Invalid(f"unsupported transform {unknown[0]!r}")
    if algos not in ([ENVELOPED], [ENVELOPED, C14N], [ENVELOPED, C14N_COMMENTS]):
        raise _Invalid(
            "the transforms must be enveloped-signature, optionally followed by C14N 1.0"
        )
    dm_el, dv_el = ref_kids[-2], ref_kids[-1]
    dm_alg = dm_el.get("Algorithm", "")
    if dm_alg not in _DIGESTS:
        raise _Invalid(f"unsupported digest method {dm_alg!r}")
    _empty(dm_el)
    uri = ref.get("URI")
    if uri is None:
        raise _Invalid("the reference has no URI")
    expected = _b64(_text(dv_el), "DigestValue")
    octets = _target_octets(sig, uri, algos[-1] if len(algos) > 1 else C14N)
    if _digest(_DIGESTS[dm_alg], octets) != expected:
        return VerifyResult(
            "invalid",
            f"digest mismatch for reference {uri!r}: the document was changed after signing",
            algorithm=sm_alg,
        )
    inserted = comments_in_values(root)
    if inserted:
        where, kind = inserted[0]
        raise _Invalid(
            f"a {kind} inside the value of {where}: the signature does not say how to read it "
            "(canonicalisation drops comments), so the file was changed after signing or is "
            "ambiguous"
        )

    # 3. the signature value over the canonical SignedInfo
    signature = _b64(_text(parts["SignatureValue"]), "SignatureValue")
    certs: list[x509.Certificate] = []
    ders: list[bytes] = []
    keys: list[tuple[Any, x509.Certificate | None]] = []
    key_info = parts.get("KeyInfo")
    if key_info is not None:
        for cert_el in key_info.iter(f"{{{DSIG_NS}}}X509Certificate"):
            der = _b64(_text(cert_el), "X509Certificate")
            try:
                cert = x509.load_der_x509_certificate(der)
                # (a damaged certificate may parse and still hold no usable key: an unknown key
                # algorithm, a malformed key)
                key = cert.public_key()
            except (ValueError, UnsupportedAlgorithm):
                raise _Invalid("an embedded certificate cannot be read (damaged?)") from None
            certs.append(cert)
            ders.append(der)
            keys.append((key, cert))
        for kv in key_info.iter(f"{{{DSIG_NS}}}RSAKeyValue"):
            mod = _b64(_text(_ds(kv, "Modulus")), "Modulus")
            exp = _b64(_text(_ds(kv, "Exponent")), "Exponent")
            public = rsa.RSAPublicNumbers(int.from_bytes(exp, "big"), int.from_bytes(mod, "big"))
            keys.append((public.public_key(), None))
    if certs and len(keys) > len(certs):
        # KeyInfo is not signed: a bare key beside the certificates could make a forgery look
        # like the issuer's document with an unknown key; which key signed must not be a choice
        raise _Invalid("KeyInfo carries both certificates and a bare key: the signer is ambiguous")
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
    info.signed_xml = parse_xml(octets, what="signed content")
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
        octets = _target_octets(sig, ref.get("URI", ""), C14N)
    except _Invalid as exc:
        raise MalformedDocument(f"cannot sign: {exc}") from None
    dv.text = base64.b64encode(_digest(_DIGESTS[digest_uri], octets)).decode("ascii")
    _, si_copy = _fresh_copy(si)
    try:
        signed_info = _c14n(si_copy, C14N)
    except _Invalid as exc:
        raise MalformedDocument(f"cannot sign: {exc}") from None
    signature = key.sign(signed_info, padding.PKCS1v15(), _hash(_SIGNATURES[sig_uri]))
    sub(sig, "SignatureValue").text = _wrap64(signature)
    x509_data = sub(sub(sig, "KeyInfo"), "X509Data")
    for c in certs:
        sub(x509_data, "X509Certificate").text = _wrap64(c.public_bytes(serialization.Encoding.DER))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
