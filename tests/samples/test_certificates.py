"""The sample 控除証明書: schema-valid NTA forms, signed by the SAMPLE issuer."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from mynalib import samples
from mynalib.sources import dsig

from .conftest import SAMPLE_DATA

XSD_DIR = Path(__file__).parent / "xsd" / "kyotsu"  # copies of the NTA schemas (+ general/)
NS = {"k": "http://xml.e-tax.nta.go.jp/XSD/kyotsu", "g": "http://xml.e-tax.nta.go.jp/XSD/general"}
FILES = sorted(SAMPLE_DATA.glob("kojo/*/TEG*.xml"))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@pytest.fixture(scope="module")
def schemas() -> dict[str, etree.XMLSchema]:
    out = {}
    for form in ("TEG800", "TEG810", "TEG822", "TEG830", "TEG840", "TEG850"):
        out[form] = etree.XMLSchema(etree.parse(str(XSD_DIR / f"{form}-001.xsd")))
    return out


def test_every_form_and_year_is_there() -> None:
    got = {(p.parent.name, p.name.split("_")[0]) for p in FILES}
    for year in ("2024", "2025"):
        for form in ("TEG800", "TEG810", "TEG822", "TEG830", "TEG850"):
            assert (year, form) in got
    assert ("2023", "TEG840") in got and ("2025", "TEG840") in got
    assert len([p for p in FILES if p.name.startswith("TEG822") and "2025" in str(p)]) >= 3


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schema_valid(path: Path, schemas: dict[str, etree.XMLSchema]) -> None:
    doc = etree.fromstring(path.read_bytes(), _parser())
    form = etree.QName(doc).localname
    sig = doc.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert sig is not None and sig.get("Id")
    if form == "TEG840":
        # like real ねんきんネット files, the Signature/@Id starts with a digit: not an xs:ID
        assert sig.get("Id")[0].isdigit()
        assert not schemas[form].validate(doc)
        sig.set("Id", "_" + sig.get("Id"))
    assert schemas[form].validate(doc), schemas[form].error_log.last_error


@pytest.fixture(scope="module")
def unrelated_root() -> object:
    """A self-signed CA that did not issue the sample certificates."""
    from datetime import datetime, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unrelated Root")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=timezone.utc))
        .not_valid_after(datetime(2045, 1, 1, tzinfo=timezone.utc))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_signature_untrusted_by_default_valid_with_sample_root(
    path: Path, unrelated_root: object
) -> None:
    data = path.read_bytes()
    root = samples.sample_root_certificate()
    assert dsig.verify(data) == "untrusted"
    assert dsig.verify(data, trusted_roots=[root]) == "valid"
    assert dsig.verify(data, trusted_roots=[unrelated_root]) == "untrusted"
    # changing one character of the signed content breaks the signature
    tampered = data.replace("見本".encode(), "見木".encode(), 1)
    assert tampered != data
    assert dsig.verify(tampered, trusted_roots=[root]) == "invalid"
    # and an unsigned generation is reported as such
    assert dsig.verify(data.split(b"<dsig:Signature")[0] + b"</" + data.split(b"</")[-1]) == (
        "unsigned"
    )


def test_sample_keys_are_labelled_test_only() -> None:
    from cryptography import x509

    for path in (samples.SAMPLE_ROOT_CERT, samples.SAMPLE_ISSUER_CERT, samples.SAMPLE_ISSUER_KEY):
        assert path.read_bytes().startswith(b"# mynalib SAMPLE / TEST ONLY")
    root = samples.sample_root_certificate()
    _, issuer = samples.load_sample_signer()
    for cert in (root, issuer):
        subject = cert.subject.rfc4514_string()
        assert "O=mynalib SAMPLE" in subject and "TEST ONLY" in subject
        assert cert.not_valid_before_utc.year == 2020 and cert.not_valid_after_utc.year == 2045
    assert issuer.issuer == root.subject
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def _doc(rel: str) -> etree._Element:
    return etree.fromstring((SAMPLE_DATA / rel).read_bytes(), _parser())


def _ints(doc: etree._Element, xpath: str) -> list[int]:
    return [int(t) for t in doc.xpath(xpath + "/text()", namespaces=NS)]


def test_teg800_new_and_old_contracts() -> None:
    doc = _doc("kojo/2025/TEG800_mihon-seimei_taro.xml")
    regimes = doc.xpath("//k:WCE00030/k:kubun_CD/text()", namespaces=NS)
    assert sorted(regimes) == ["1", "1", "2", "2"]
    # 新: 一般 and 介護医療; 旧: 一般 and 個人年金; each paid − dividend = net
    assert doc.xpath("//k:WCE00320", namespaces=NS) and doc.xpath("//k:WCE00360", namespaces=NS)
    assert doc.xpath("//k:WCE00230", namespaces=NS) and doc.xpath("//k:WCE00270", namespaces=NS)
    for paid, div, net in (
        ("WCE00240", "WCE00250", "WCE00260"),
        ("WCE00570", "WCE00580", "WCE00590"),
        ("WCE00480", "WCE00490", "WCE00500"),
    ):
        for p, d, n in zip(
            _ints(doc, f"//k:{paid}"),
            _ints(doc, f"//k:{div}"),
            _ints(doc, f"//k:{net}"),
            strict=True,
        ):
            assert p - d == n
    spec = next(
        c
        for c in samples.household_certificates()
        if c["form"] == "TEG800" and c["year"] == 2025 and c["person_id"] == "taro"
    )
    assert sorted(
        _ints(doc, "//k:WCE00190//*[substring(local-name(), 8, 1)='0'][not(*)]")
    ) == sorted(
        [v for line in spec["summary"] for v in (line["paid"], line["dividend"], line["certified"])]
    )


def test_teg810_padded_amounts() -> None:
    raw = (SAMPLE_DATA / "kojo/2025/TEG810_mihon-sonpo_taro.xml").read_bytes()
    assert b"<WDE00170>000038400</WDE00170>" in raw
    assert b"<gen:mm>04</gen:mm>" in raw
    doc = _doc("kojo/2025/TEG810_mihon-sonpo_taro.xml")
    assert doc.xpath("//k:WDE00020/k:kubun_CD/text()", namespaces=NS) == ["1", "2"]


def test_teg822_teg830_furusato() -> None:
    donations = 0
    for path in sorted(SAMPLE_DATA.glob("kojo/2025/TEG822_*.xml")):
        doc = _doc(path.relative_to(SAMPLE_DATA).as_posix())
        assert set(doc.xpath("//k:WLB00020/k:kubun_CD/text()", namespaces=NS)) == {"2"}
        donations += sum(_ints(doc, "//k:WLB00050"))
    assert donations == 67000
    doc = _doc("kojo/2025/TEG830_furusato-portal_taro.xml")
    lines = doc.xpath("//k:WML00010", namespaces=NS)
    kept = [
        int(line.findtext("k:WML00070", namespaces=NS))
        for line in lines
        if line.find("k:WML00090", namespaces=NS) is None
    ]
    assert len(kept) < len(lines)  # one cancelled donation
    assert _ints(doc, "//k:WMF00000") == [sum(kept)]


def test_teg840_prepayment_split_by_year() -> None:
    for year in (2023, 2025):
        doc = _doc(f"kojo/{year}/TEG840_nenkin-net_hanako.xml")
        assert doc.xpath("//k:WOB00000/k:kubun_CD/text()", namespaces=NS) == ["2"]  # 前納 有
        total = _ints(doc, "//k:WOK00000")[0]
        parts = _ints(doc, "//k:WON00060") + _ints(doc, "//k:WON00120") + _ints(doc, "//k:WON00180")
        assert sum(parts) == total and len(parts) == 3
        years = [int(y) + 2018 for y in doc.xpath("//k:WON00000//g:yy/text()", namespaces=NS)]
        assert years == [year, year + 1, year + 2]
        months = doc.xpath("//k:WOO00020", namespaces=NS)
        assert [len(m) for m in months] == [9, 12, 3]  # April to March, two years


def test_teg850_ideco() -> None:
    doc = _doc("kojo/2025/TEG850_ideco_taro.xml")
    assert doc.xpath("//k:WPB00000/k:kubun_CD/text()", namespaces=NS) == ["2"]
    paid, planned, total = (
        _ints(doc, "//k:WPG00020")[0],
        _ints(doc, "//k:WPH00030")[0],
        _ints(doc, "//k:WPI00000")[0],
    )
    assert paid + planned == total == 12 * samples.IDECO_MONTHLY


def test_signature_algorithms() -> None:
    """RSA-SHA256 as today's issuers; the TEG810 files use RSA-SHA1 like older systems."""
    for path in FILES:
        raw = path.read_bytes()
        if path.name.startswith("TEG810"):
            assert b'Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"' in raw
        else:
            assert b'Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"' in raw
        assert b"#enveloped-signature" in raw
        assert b'Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"' in raw
