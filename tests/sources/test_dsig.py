"""XML signatures: sign with throwaway keys, verify the four outcomes and real-world quirks."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mynalib.errors import MalformedDocument
from mynalib.sources import dsig

HERE = Path(__file__).resolve().parent
NTA_SAMPLE = (
    HERE.parent.parent / "mynalib" / "data" / "nta" / "samples" / "TEG840_nenkin-net_sample1.xml"
)

DOC = (
    b'<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="x.xsl"?>'
    b'<TEG850 xmlns="http://xml.e-tax.nta.go.jp/XSD/kyotsu" '
    b'xmlns:gen="http://xml.e-tax.nta.go.jp/XSD/general" VR="1.0" id="TEG850X1" page="1">\n'
    b"\t<WRA00000><kubun_CD>2</kubun_CD></WRA00000>\n"
    b"\t<WRB00000><gen:era>5</gen:era><gen:yy>7</gen:yy></WRB00000>\n"
    b"\t<WRC00000>000276000</WRC00000>\n"
    b"</TEG850>"
)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(cn, key, issuer_name=None, issuer_key=None, ca=False, days=3650):
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_name or _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key or key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def pki():
    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    root_key, inter_key, leaf_key, other_key = key(), key(), key(), key()
    root = _cert("Test Root", root_key, ca=True)
    inter = _cert("Test Issuing CA", inter_key, root.subject, root_key, ca=True)
    leaf = _cert("Test Insurer", leaf_key, inter.subject, inter_key)
    other_root = _cert("Other Root", other_key, ca=True)
    return {
        "root": root,
        "inter": inter,
        "leaf": leaf,
        "leaf_key": leaf_key,
        "other_root": other_root,
        "other_key": other_key,
    }


def _sign(pki, doc=DOC, **kw):
    return dsig.sign_enveloped(doc, pki["leaf_key"], pki["leaf"], chain=[pki["inter"]], **kw)


def test_unsigned():
    assert dsig.verify(DOC) == "unsigned"


def test_untrusted_by_default_valid_with_root(pki):
    signed = _sign(pki)
    assert dsig.verify(signed) == "untrusted"
    assert dsig.verify(signed, trusted_roots=[pki["root"]]) == "valid"
    # roots may be given as DER bytes or PEM bytes, too
    der = pki["root"].public_bytes(serialization.Encoding.DER)
    pem = pki["root"].public_bytes(serialization.Encoding.PEM)
    assert dsig.verify(signed, trusted_roots=[der]) == "valid"
    assert dsig.verify(signed, trusted_roots=[pem]) == "valid"
    detail = dsig.verify_detail(signed, trusted_roots=[pki["root"]])
    assert detail.signer_subject == "CN=Test Insurer"
    assert len(detail.certificates) == 2


def test_unknown_root_untrusted(pki):
    signed = _sign(pki)
    res = dsig.verify_detail(signed, trusted_roots=[pki["other_root"]])
    assert res.status == "untrusted"
    assert "no chain" in res.reason


def test_missing_intermediate_is_untrusted(pki):
    signed = dsig.sign_enveloped(DOC, pki["leaf_key"], pki["leaf"])
    assert dsig.verify(signed, trusted_roots=[pki["root"]]) == "untrusted"
    # trusting the issuing CA directly is enough
    assert dsig.verify(signed, trusted_roots=[pki["inter"]]) == "valid"


def test_validity_time_checked_when_asked(pki):
    signed = _sign(pki)
    late = dt.datetime(2050, 1, 1, tzinfo=dt.timezone.utc)
    assert dsig.verify(signed, trusted_roots=[pki["root"]], at=late) == "untrusted"
    ok = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
    assert dsig.verify(signed, trusted_roots=[pki["root"]], at=ok) == "valid"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"000276000", b"000276001"),  # an amount changed
        (b"<gen:yy>7</gen:yy>", b"<gen:yy>8</gen:yy>"),  # the year changed
        (b'page="1"', b'page="2"'),  # an attribute of the signed root
    ],
)
def test_tampered_content_invalid(pki, old, new):
    signed = _sign(pki)
    assert old in signed
    res = dsig.verify_detail(signed.replace(old, new), trusted_roots=[pki["root"]])
    assert res.status == "invalid"
    assert "digest mismatch" in res.reason


def test_tampered_signed_info_invalid(pki):
    signed = _sign(pki)
    m = re.search(rb"<dsig:DigestValue>([^<]+)</dsig:DigestValue>", signed)
    assert m
    digest = bytearray(base64.b64decode(m.group(1)))
    digest[0] ^= 1
    forged = signed.replace(m.group(1), base64.b64encode(bytes(digest)))
    # also fix nothing else: the digest now mismatches first
    assert dsig.verify(forged) == "invalid"


def test_resigned_with_other_key_but_old_cert_invalid(pki):
    signed = dsig.sign_enveloped(DOC, pki["other_key"], pki["leaf"])
    res = dsig.verify_detail(signed, trusted_roots=[pki["root"]])
    assert res.status == "invalid"
    assert "signature value" in res.reason


def test_rsa_sha1_and_deterministic(pki):
    a = _sign(pki, algorithm="rsa-sha1")
    b = _sign(pki, algorithm="rsa-sha1")
    assert a == b
    assert b"xmldsig#rsa-sha1" in a and b"xmldsig#sha1" in a
    assert dsig.verify(a, trusted_roots=[pki["root"]]) == "valid"
    assert dsig.verify(a.replace(b"000276000", b"000276009")) == "invalid"


def test_unknown_algorithm_refused(pki):
    with pytest.raises(ValueError, match="unknown algorithm"):
        _sign(pki, algorithm="dsa-sha1")


def test_quirks_digit_id_crlf_base64_plain_id_attribute(pki):
    signed = _sign(pki, signature_id="_0150004052202312043A")
    # Signature/@Id starting with a digit (not an xs:ID)
    quirky = signed.replace(b'Id="_0150004052202312043A"', b'Id="0150004052202312043A"')
    # line breaks inside base64 written as &#13;\n like the NTA files
    quirky = re.sub(
        rb"(<dsig:SignatureValue>)([^<]+)",
        lambda m: m.group(1) + m.group(2).replace(b"\n", b"&#13;\n"),
        quirky,
    )
    assert b"&#13;" in quirky
    assert dsig.verify(quirky, trusted_roots=[pki["root"]]) == "valid"


def test_signing_keeps_processing_instruction_and_resigns(pki):
    signed = _sign(pki)
    assert b"<?xml-stylesheet" in signed
    again = dsig.sign_enveloped(signed, pki["leaf_key"], pki["leaf"], chain=[pki["inter"]])
    assert len(re.findall(rb"<dsig:Signature[ >]", again)) == 1
    assert dsig.verify(again, trusted_roots=[pki["root"]]) == "valid"


def test_canonical_form_with_stylesheet_pi():
    """lxml mis-canonicalises a root after a PI; our helper must give the C14N 1.0 octets."""
    from mynalib.sources.xml import parse_xml

    doc = b'<?pi x?><r xmlns="urn:a" xmlns:u="urn:u" id="x"><a>1</a><s><t>2</t></s></r>'
    root = parse_xml(doc)
    new_root, _ = dsig._fresh_copy(root)
    assert dsig._c14n(new_root, dsig.C14N) == (
        b'<r xmlns="urn:a" xmlns:u="urn:u" id="x"><a>1</a><s><t>2</t></s></r>'
    )
    _, t = dsig._fresh_copy(root[1][0])
    # inclusive C14N: the apex carries every in-scope namespace, used or not
    assert dsig._c14n(t, dsig.C14N) == b'<t xmlns="urn:a" xmlns:u="urn:u">2</t>'


def test_signature_without_parts_is_invalid_not_a_crash():
    broken = DOC.replace(
        b"</TEG850>",
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="1x"/></TEG850>',
    )
    assert dsig.verify(broken) == "invalid"
    garbage = DOC.replace(
        b"</TEG850>",
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        b'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
        b'<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        b'<ds:Reference URI="#nope"><ds:DigestMethod '
        b'Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>!!</ds:DigestValue>'
        b"</ds:Reference></ds:SignedInfo><ds:SignatureValue>@@</ds:SignatureValue>"
        b"</ds:Signature></TEG850>",
    )
    assert dsig.verify(garbage) == "invalid"


def test_nta_sample_is_invalid_without_crashing():
    data = NTA_SAMPLE.read_bytes()
    res = dsig.verify_detail(data)
    assert res.status == "invalid"
    assert "digest mismatch" in res.reason


def test_not_xml_raises_malformed():
    with pytest.raises(MalformedDocument):
        dsig.verify(b"not xml at all")


# --------------------------------------------------------------------- interoperability
DATA = HERE / "data"


@pytest.mark.parametrize(
    "name", ["xmlsec1_signed_TEG840.xml", "xmlsec1_signed_TEG822_rsa_sha1.xml"]
)
def test_signatures_made_by_xmlsec1_verify(name):
    """Files signed once by the independent xmlsec1 tool (throwaway key; only the root cert is
    kept): the TEG840 one has an xml-stylesheet PI before the root, the TEG822 one is RSA-SHA1."""
    data = (DATA / name).read_bytes()
    root = DATA / "xmlsec1_test_root.pem"
    assert dsig.verify(data) == "untrusted"
    assert dsig.verify(data, trusted_roots=[root]) == "valid"
    assert dsig.verify(data.replace(b"<kubun_CD>2</kubun_CD>", b"<kubun_CD>1</kubun_CD>", 1)) == (
        "invalid"
    )
