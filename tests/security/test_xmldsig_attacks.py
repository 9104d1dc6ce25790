"""Classic XML-DSig attacks on signed 控除証明書 (issue 11, item 1).

Every attack starts from a certificate signed with the SAMPLE issuer key (TEST ONLY) whose root
is trusted here, so the untouched file is ``valid``. A fail-closed verifier must not report an
attacked file as ``valid`` or ``untrusted``, and the importer must never show a value other than
the one the signature covers.

Some attacks need a signature that is correct in its maths but breaks the 控除証明書 profile (a
reference to a child element, a second signature, a transform with parameters, another
canonicalisation for SignedInfo). :func:`_add_signature` builds those independently of
``mynalib.sources.dsig`` (plain lxml canonicalisation and the ``cryptography`` RSA signer).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from mynalib import samples
from mynalib.errors import MalformedDocument
from mynalib.sources import dsig, kojo_xml

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "kojo_xml"
DS = dsig.DSIG_NS
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = DS + "enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


@pytest.fixture(scope="module")
def signer():
    return samples.load_sample_signer()


@pytest.fixture(scope="module")
def root_cert():
    return samples.sample_root_certificate()


def _sign(name: str, signer, **kw) -> bytes:
    key, cert = signer
    return dsig.sign_enveloped((GOLDEN / name).read_bytes(), key, cert, **kw)


def _parse(data: bytes, root_cert, *, strict: bool = False):
    return kojo_xml.parse(data, strict=strict, trusted_roots=[root_cert])


def _by(res):
    return {(r.category, r.contract_regime): r for r in res.records}


def _tree(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, remove_comments=False))


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _kid(el: etree._Element, name: str) -> etree._Element:
    found = el.find(f"{{{kojo_xml.KYOTSU_NS}}}{name}")
    assert found is not None, name
    return found


# ------------------------------------------------------------- an independent signature builder
def _copy_in_context(el: etree._Element) -> tuple[etree._Element, etree._Element]:
    """A copy of el's whole document (without the nodes around the root) and el's copy in it."""
    steps = []
    node = el
    while node.getparent() is not None:
        steps.append(node.getparent().index(node))
        node = node.getparent()
    top = copy.deepcopy(node)
    found = top
    for i in reversed(steps):
        found = found[i]
    return top, found


def _add_signature(
    parent: etree._Element,
    signer,
    *,
    uri: str,
    transforms: Sequence[str] = (ENVELOPED, C14N),
    transform_params: dict[int, etree._Element] | None = None,
    transforms_extra: etree._Element | None = None,
    c14n: str = C14N,
    c14n_param: etree._Element | None = None,
    position: int | None = None,
) -> etree._Element:
    """Append a Signature with one Reference to ``uri`` under ``parent``, correctly signed."""
    key, cert = signer

    def sub(p, name, **attrs):
        el = etree.SubElement(p, f"{{{DS}}}{name}")
        for k, v in attrs.items():
            el.set(k, v)
        return el

    sig = etree.Element(f"{{{DS}}}Signature", nsmap={"dsig": DS})
    if position is None:
        parent.append(sig)
    else:
        parent.insert(position, sig)
    si = sub(sig, "SignedInfo")
    cm = sub(si, "CanonicalizationMethod", Algorithm=c14n)
    if c14n_param is not None:
        cm.append(c14n_param)
    sub(si, "SignatureMethod", Algorithm=RSA_SHA256)
    ref = sub(si, "Reference", URI=uri)
    tr = sub(ref, "Transforms")
    for i, algo in enumerate(transforms):
        t = sub(tr, "Transform", Algorithm=algo)
        if transform_params and i in transform_params:
            t.append(transform_params[i])
    if transforms_extra is not None:
        tr.append(transforms_extra)
    sub(ref, "DigestMethod", Algorithm=SHA256)
    dv = sub(ref, "DigestValue")
    # the reference: a copy of the document, the signature removed when enveloped, C14N 1.0
    top, work_sig = _copy_in_context(sig)
    if ENVELOPED in transforms:
        tail, holder = work_sig.tail, work_sig.getparent()
        prev = work_sig.getprevious()
        if tail:
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                holder.text = (holder.text or "") + tail
        holder.remove(work_sig)
    if uri == "":
        target = top
    else:
        (target,) = top.xpath("//*[@id=$v]", v=uri[1:])
    octets = etree.tostring(target, method="c14n", exclusive=False, with_comments=False)
    dv.text = base64.b64encode(hashlib.sha256(octets).digest()).decode()
    _, si_copy = _copy_in_context(si)
    signed = etree.tostring(
        si_copy, method="c14n", exclusive=c14n.startswith(EXC_C14N), with_comments=False
    )
    value = key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
    sub(sig, "SignatureValue").text = base64.b64encode(value).decode()
    x509_data = sub(sub(sig, "KeyInfo"), "X509Data")
    der = cert.public_bytes(serialization.Encoding.DER)
    sub(x509_data, "X509Certificate").text = base64.b64encode(der).decode()
    return sig


def _profile_breaking(signer, root_cert, **kw) -> bytes:
    """TEG800 (unsigned golden file) signed by _add_signature with the given deviations."""
    root = _tree((GOLDEN / "TEG800_life.xml").read_bytes())
    _add_signature(root, signer, uri="#" + root.get("id"), **kw)
    return _bytes(root)


def _refused(data: bytes, root_cert) -> dsig.VerifyResult:
    res = dsig.verify_detail(data, trusted_roots=[root_cert])
    assert res.status == "invalid", res
    parsed = _parse(data, root_cert)
    assert parsed.meta["signature"] == "invalid"
    assert {r.signature for r in parsed.records} <= {"invalid"}
    return res


# --------------------------------------------------------------------------------- controls
def test_control_untouched_files_are_valid(signer, root_cert):
    """Not an attack: the files every attack starts from verify and read as expected."""
    data = _sign("TEG800_life.xml", signer)
    res = _parse(data, root_cert, strict=True)
    assert res.meta["signature"] == "valid"
    gen = _by(res)[("life_general", "new")]
    assert (gen.declared, gen.person) == (118800, "見本\u3000太郎")
    nenkin = _sign("TEG840_nta_sample.xml", signer, algorithm="rsa-sha1", signature_id="0150X")
    res = _parse(nenkin, root_cert, strict=True)
    assert res.meta["signature"] == "valid"
    assert res.records[0].paid == 240000
    # the builder below makes signatures this verifier accepts when they keep to the profile
    assert dsig.verify(_profile_breaking(signer, root_cert), trusted_roots=[root_cert]) == "valid"


# ------------------------------------------------------------------ comments and PIs in values
def test_comment_inside_a_signed_amount(signer, root_cert):
    data = _sign("TEG800_life.xml", signer).replace(
        b"<WCE00590>118800<", b"<WCE00590>1<!---->18800<"
    )
    res = _parse(data, root_cert)
    gen = _by(res)[("life_general", "new")]
    # never the text before the comment: the whole value, as the canonical form has it
    assert gen.declared == 118800 and gen.detail["projected"] == 118800
    assert res.meta["signature"] == "invalid"
    assert gen.signature == "invalid"
    assert any("WCE00590" in w and "comment" in w for w in res.warnings)
    assert dsig.verify(data, trusted_roots=[root_cert]) == "invalid"
    with pytest.raises(MalformedDocument, match="comment"):
        _parse(data, root_cert, strict=True)


def test_comment_cuts_a_signed_name(signer, root_cert):
    data = _sign("TEG800_life.xml", signer).replace(
        "<WCD00000>見本\u3000太郎<".encode(), "<WCD00000>見本<!-- -->\u3000太郎<".encode()
    )
    res = _parse(data, root_cert)
    assert {r.person for r in res.records} == {"見本\u3000太郎"}
    assert res.meta["person"] == "見本\u3000太郎"
    assert res.meta["signature"] == "invalid"


def test_comment_in_a_pension_amount_strict(signer, root_cert):
    data = _sign("TEG840_nta_sample.xml", signer).replace(
        b"<WOK00000>240000<", b"<WOK00000>24<!--x-->0000<"
    )
    with pytest.raises(MalformedDocument, match="WOK00000"):
        _parse(data, root_cert, strict=True)
    res = _parse(data, root_cert)
    assert res.records[0].paid == 240000
    assert res.meta["signature"] == "invalid"


def test_processing_instruction_inside_a_value_unsigned():
    data = (
        (GOLDEN / "TEG800_life.xml")
        .read_bytes()
        .replace(b"<WCE00590>118800<", b"<WCE00590>11<?x y?>8800<")
    )
    res = kojo_xml.parse(data)
    assert _by(res)[("life_general", "new")].declared == 118800
    assert res.meta["signature"] == "unsigned"
    assert any("WCE00590" in w and "processing instruction" in w for w in res.warnings)
    with pytest.raises(MalformedDocument, match="processing instruction"):
        kojo_xml.parse(data, strict=True)


# -------------------------------------------------------------------------- signature wrapping
def _prefixed(name: str) -> bytes:
    """The golden file with the kyotsu namespace on a prefix instead of the default namespace
    (as valid as the original; libxml2 canonicalises an inner element of such a file exactly, so
    a wrapped copy keeps its digest)."""
    raw = (GOLDEN / name).read_bytes()
    raw = re.sub(rb"<(/?)(?!gen:|\?)([A-Za-z])", rb"<\1kyo:\2", raw)
    return raw.replace(b'xmlns="', b'xmlns:kyo="')


def test_wrapping_signed_root_moved_under_a_forged_root(signer, root_cert):
    """The signed root (with its signature) wrapped inside a forged root without that id."""
    key, cert = signer
    original = _tree(dsig.sign_enveloped(_prefixed("TEG800_life.xml"), key, cert))
    assert _parse(_bytes(original), root_cert, strict=True).meta["signature"] == "valid"
    forged = copy.deepcopy(original)
    forged.remove(forged[-1])  # its copy of the signature
    del forged.attrib["id"]
    _kid(forged, "WCD00000").text = "攻撃\u3000者"
    forged.append(original)
    data = _bytes(forged)
    res = _refused(data, root_cert)
    assert "document element" in res.reason


def test_wrapping_second_element_with_the_same_id(signer, root_cert):
    """Held before this change too (kept as a regression test): the id is ambiguous."""
    key, cert = signer
    original = _tree(dsig.sign_enveloped(_prefixed("TEG800_life.xml"), key, cert))
    forged = copy.deepcopy(original)
    forged.remove(forged[-1])
    _kid(forged, "WCD00000").text = "攻撃\u3000者"
    forged.append(original)
    _refused(_bytes(forged), root_cert)


def test_signature_moved_into_a_value(signer, root_cert):
    """The enveloped transform removes the Signature wherever it is: moved into the middle of an
    amount it still verifies, and a reader of .text sees only the digits before it."""
    root = _tree(_sign("TEG800_life.xml", signer))
    sig = root[-1]
    root.remove(sig)
    amount = root.find(f".//{{{kojo_xml.KYOTSU_NS}}}WCE00590")
    assert amount.text == "118800"
    amount.text = "1"
    sig.tail = "18800"
    amount.append(sig)
    data = _bytes(root)
    _refused(data, root_cert)
    gen = _by(_parse(data, root_cert))[("life_general", "new")]
    assert gen.declared == 118800


def test_reference_to_a_child_leaves_siblings_unsigned(signer, root_cert):
    """A signature over one contract line only: the name beside it is not signed."""
    root = _tree((GOLDEN / "TEG800_life.xml").read_bytes())
    _kid(root, "WCE00000").set("id", "line1")
    _add_signature(root, signer, uri="#line1")
    _kid(root, "WCD00000").text = "攻撃\u3000者"  # after signing: outside what is signed
    data = _bytes(root)
    res = _refused(data, root_cert)
    assert "document element" in res.reason


def test_multiple_signatures_are_refused_even_if_each_verifies(signer, root_cert):
    """A second, separately valid signature (inside the first, so the first still verifies)."""
    root = _tree(_sign("TEG800_life.xml", signer))
    first = root[-1]
    holder = etree.SubElement(first, f"{{{DS}}}Object")
    evil = etree.SubElement(holder, f"{{{DS}}}Object", id="evil")
    etree.SubElement(evil, f"{{{kojo_xml.KYOTSU_NS}}}WCD00000").text = "攻撃\u3000者"
    _add_signature(holder, signer, uri="#evil", transforms=(C14N,))
    res = _refused(_bytes(root), root_cert)
    assert "signatures" in res.reason


# ------------------------------------------------------------------ transforms and SignedInfo
def test_transform_with_parameters_is_refused(signer, root_cert):
    """A parameter the verifier would ignore (here an XPath under the C14N transform)."""
    xpath = etree.Element(f"{{{DS}}}XPath")
    xpath.text = "not(ancestor-or-self::*[local-name()='WCD00000'])"
    _refused(_profile_breaking(signer, root_cert, transform_params={1: xpath}), root_cert)


def test_transforms_with_an_extra_unknown_element_is_refused(signer, root_cert):
    extra = etree.Element(f"{{{DS}}}XPath")
    extra.text = "1"
    _refused(_profile_breaking(signer, root_cert, transforms_extra=extra), root_cert)


def test_unknown_transform_is_refused(signer, root_cert):
    """Held before this change too (kept as a regression test)."""
    xpath_filter = "http://www.w3.org/TR/1999/REC-xpath-19991116"
    data = _profile_breaking(signer, root_cert, transforms=(ENVELOPED, xpath_filter))
    _refused(data, root_cert)


def test_reference_with_a_second_canonicalisation_or_no_enveloped_transform(signer, root_cert):
    """Only enveloped-signature followed by at most one C14N 1.0 is the profile (held before
    this change too, kept as a regression test)."""
    only_c14n = _profile_breaking(signer, root_cert, transforms=(C14N,))  # digest must fail
    _refused(only_c14n, root_cert)
    twice = _profile_breaking(signer, root_cert, transforms=(ENVELOPED, ENVELOPED, C14N))
    _refused(twice, root_cert)


def test_signed_info_with_exclusive_canonicalisation_is_refused(signer, root_cert):
    _refused(_profile_breaking(signer, root_cert, c14n=EXC_C14N), root_cert)


def test_signed_info_canonicalisation_with_parameters_is_refused(signer, root_cert):
    ns = etree.Element("{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces")
    ns.set("PrefixList", "gen")
    _refused(_profile_breaking(signer, root_cert, c14n_param=ns), root_cert)


def test_comment_inside_the_signature_is_refused(signer, root_cert):
    """Held before this change too (the DigestValue was cut at the comment); now refused as such."""
    data = _sign("TEG800_life.xml", signer)
    head, _, rest = data.partition(b"<dsig:DigestValue>")
    forged = head + b"<dsig:DigestValue>" + rest[:8] + b"<!---->" + rest[8:]
    assert "comment" in _refused(forged, root_cert).reason


def test_verified_content_is_exactly_what_the_digest_covers(signer, root_cert):
    """What the importer reads: the document element as digested (no signature, no comment)."""
    data = _sign("TEG800_life.xml", signer)
    res = dsig.verify_detail(data, trusted_roots=[root_cert])
    assert res.status == "valid"
    signed = res.signed_xml
    assert signed is not None and signed.get("id") == "TEG800-0001"
    assert not list(signed.iter(dsig.SIGNATURE_TAG))
    octets = etree.tostring(signed, method="c14n", exclusive=False, with_comments=False)
    (digest,) = _tree(data).xpath("//dsig:DigestValue/text()", namespaces={"dsig": DS})
    assert base64.b64encode(hashlib.sha256(octets).digest()).decode() == digest
    # nothing is handed out unless the maths holds
    tampered = data.replace(b"<WCE00590>118800<", b"<WCE00590>118801<")
    assert dsig.verify_detail(tampered, trusted_roots=[root_cert]).signed_xml is None


def test_bare_key_beside_the_issuers_certificate_is_refused(signer, root_cert):
    """A forgery re-signed with another key, the issuer's certificate kept and the forger's key
    added as a bare RSAKeyValue (KeyInfo is not signed): the signer must not be a choice."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    _, cert = signer
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = (GOLDEN / "TEG800_life.xml").read_bytes().replace(b">118800<", b">999999<")
    root = _tree(dsig.sign_enveloped(forged, forger, cert))
    (key_info,) = root.iter(f"{{{DS}}}KeyInfo")
    numbers = forger.public_key().public_numbers()
    value = etree.SubElement(
        etree.SubElement(key_info, f"{{{DS}}}KeyValue"), f"{{{DS}}}RSAKeyValue"
    )
    for name, number in (("Modulus", numbers.n), ("Exponent", numbers.e)):
        raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
        etree.SubElement(value, f"{{{DS}}}{name}").text = base64.b64encode(raw).decode()
    res = _refused(_bytes(root), root_cert)
    assert "ambiguous" in res.reason
