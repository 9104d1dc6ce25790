"""控除証明書 XML: every form, both date styles, padded integers, repeated lines, signatures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mynalib import frames
from mynalib.document import Document
from mynalib.errors import MalformedDocument
from mynalib.sources import detect_kind, dsig, kojo_xml, parse

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "kojo_xml"


def load(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


def test_labels_and_code_lists_come_from_shipped_files():
    assert kojo_xml.labels("TEG840")["WOK00000"] == "納付済額"
    assert kojo_xml.labels("TEG800")["WCE00440"] == "証明額（12月期想定）"
    assert kojo_xml.code_name("TEG800", "WCE00030", "2") == "旧生命保険料控除制度"
    assert kojo_xml.code_name("TEG850", "WPB00000", "2") == "個人型確定拠出年金（iDeCo）"
    assert kojo_xml.code_name("TEG822", "WLB00020", "2") == "都道府県、市区町村に対する寄附金"
    # TEG820/821 share the 寄附の種類 list of TEG822
    assert (
        kojo_xml.code_name("TEG821", "WHB00020", "7")
        == "公益社団法人又は公益財団法人等に対する寄附金"
    )
    for form in kojo_xml.FORMS:
        assert kojo_xml.labels(form), form


def test_teg800_new_and_old_regimes():
    res = parse("kojo_xml", load("TEG800_life.xml"), strict=True)
    by = {(r.category, r.contract_regime): r for r in res.records}
    assert set(by) == {
        ("life_general", "new"),
        ("life_medical_care", "new"),
        ("life_pension", "old"),
    }
    gen = by[("life_general", "new")]
    assert (gen.paid, gen.declared, gen.detail["used"]) == (88800, 118800, "projected")
    assert gen.detail["premium"] == 90000 and gen.detail["dividend"] == 1200  # zero-padded input
    assert gen.detail["contract_date"] == dt.date(2015, 4, 1)
    assert gen.detail["period_from"] == "2025-01"
    pension = by[("life_pension", "old")]
    assert (pension.paid, pension.declared, pension.detail["used"]) == (147000, 147000, "certified")
    assert pension.detail["regime_code"] == "2" and pension.detail["line"] == 2
    assert all(r.year == 2025 and r.person == "見本\u3000太郎" for r in res.records)
    assert res.meta["signature"] == "unsigned"


def test_teg810_both_parts():
    res = parse("kojo_xml", load("TEG810_earthquake.xml"), strict=True)
    assert [(r.contract_regime, r.paid) for r in res.records] == [
        ("earthquake", 32400),
        ("old_long_term", 8000),
    ]
    assert all(r.category == "earthquake" for r in res.records)
    d = res.records[0].detail
    assert d["kind_name"] == "地震保険料及び旧長期損害保険料"
    assert d["object"] == "建物及び家財" and d["maturity_refund"] is False
    assert d["policy_number"] == "K-778899-01" and d["payment_method"] == "年払"


def test_donation_forms_with_both_date_styles():
    r820 = parse("kojo_xml", load("TEG820_donation.xml"), strict=True).records
    assert r820[0].detail["date"] == dt.date(2025, 5, 30)  # era 5, yy 07, padded mm
    assert r820[0].detail["furusato"] is False and r820[0].issuer == "認定NPO法人みほん"
    r821 = parse("kojo_xml", load("TEG821_donation.xml"), strict=True).records
    assert [r.detail["date"] for r in r821] == [dt.date(2025, 3, 3), dt.date(2025, 9, 9)]
    assert [r.paid for r in r821] == [30000, 5000]
    r822 = parse("kojo_xml", load("TEG822_furusato.xml"), strict=True).records
    assert len(r822) == 2 and all(r.detail["furusato"] for r in r822)
    assert r822[0].detail["other_number"] == "F-778"
    assert [r.detail["date"] for r in r822] == [dt.date(2025, 8, 10), dt.date(2025, 12, 1)]


def test_teg830_lines_and_cancellation():
    res = parse("kojo_xml", load("TEG830_portal.xml"), strict=True)
    assert [r.paid for r in res.records] == [10000, 23000, 0]
    assert res.records[2].detail["cancelled"] is True
    assert res.records[2].detail["amount"] == 7000
    assert all(r.year == 2025 and r.detail["furusato"] for r in res.records)
    assert res.records[0].issuer == "ふるさと見本ポータル"
    assert res.records[0].detail["recipient"] == "架空県甲市"
    # the annual total must equal the non-cancelled lines
    bad = load("TEG830_portal.xml").replace(b"000033000", b"000040000")
    with pytest.raises(MalformedDocument, match="年間寄附額"):
        parse("kojo_xml", bad, strict=True)
    assert parse("kojo_xml", bad).warnings


def test_teg840_nta_sample_prepaid_split():
    res = parse("kojo_xml", load("TEG840_nta_sample.xml"), strict=True)
    (rec,) = res.records
    assert rec.year == 2024  # 令和6
    assert (rec.paid, rec.declared) == (240000, 240000)
    assert rec.detail["by_year"] == {2024: 90000, 2025: 120000, 2026: 30000}
    assert rec.detail["prepaid"] is True
    assert rec.detail["monthly"][2024] == {m: "済" for m in range(4, 13)}
    assert rec.detail["period_to"] == dt.date(2024, 11, 2)
    assert rec.signature == "invalid"  # a reformatted copy of a signed file
    assert "digest" in res.meta["signature_reason"]


def test_teg850_ideco():
    (rec,) = parse("kojo_xml", load("TEG850_ideco.xml"), strict=True).records
    assert rec.category == "small_business_mutual"
    assert (rec.paid, rec.declared, rec.detail["used"]) == (207000, 276000, "projected")
    assert rec.detail["kind_name"] == "個人型確定拠出年金（iDeCo）"
    assert rec.detail["monthly"] == {1: 23000, 2: 23000}
    assert rec.detail["paid_to_month"] == 9


def test_categories_and_detail_keys_are_the_documented_ones():
    forms = set()
    for path in GOLDEN.glob("*.xml"):
        for rec in parse("kojo_xml", path.read_bytes()).records:
            assert rec.category in frames.DEDUCTION_CATEGORIES
            assert set(rec.detail) == kojo_xml.DETAIL_KEYS[rec.form], rec.form
            assert rec.detail["used"] in ("certified", "projected")
            forms.add(rec.form)
            # every key is named in the module docstring (the contract the tax code reads)
            for key in rec.detail:
                assert f"``{key}``" in kojo_xml.__doc__, key
    assert forms == set(kojo_xml.FORMS)


def test_unknown_element_warns_or_raises():
    data = load("TEG850_ideco.xml").replace(b"<WPO00000>", b"<WPZ99999>x</WPZ99999><WPO00000>")
    with pytest.raises(MalformedDocument, match="WPZ99999"):
        parse("kojo_xml", data, strict=True)
    res = parse("kojo_xml", data)
    assert any("WPZ99999" in w for w in res.warnings)
    assert res.meta["extra"] == {"WPZ99999": ["x"]}
    assert res.records[0].paid == 207000


def test_invalid_era_date_is_reported():
    # 平成40年 does not exist (平成 ended in 2019)
    data = load("TEG820_donation.xml").replace(b"<gen:yy>07</gen:yy>", b"<gen:yy>40</gen:yy>")
    data = data.replace(b"<gen:era>5</gen:era>", b"<gen:era>4</gen:era>")
    with pytest.raises(MalformedDocument, match="平成40年") as info:
        parse("kojo_xml", data, strict=True)
    assert info.value.element == "WGC00000"
    res = parse("kojo_xml", data)
    assert res.records[0].detail["date"] is None and res.warnings


def test_no_default_namespace_still_reads_with_warning():
    data = load("TEG850_ideco.xml").replace(b'xmlns="http://xml.e-tax.nta.go.jp/XSD/kyotsu" ', b"")
    res = parse("kojo_xml", data)
    assert res.records[0].paid == 207000
    assert any("namespace" in w for w in res.warnings)


def test_unsupported_form_is_unknown():
    data = b'<TEG999 xmlns="http://xml.e-tax.nta.go.jp/XSD/kyotsu" VR="1.0"/>'
    with pytest.raises(MalformedDocument):
        parse("kojo_xml", data)


# ------------------------------------------------------------------------------- signatures
def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@pytest.fixture(scope="module")
def issuer():
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)

    def cert(subject, pub, issuer_name, sign_key, ca):
        return (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name(issuer_name))
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(sign_key, hashes.SHA256())
        )

    root = cert("Sample Root", root_key.public_key(), "Sample Root", root_key, True)
    leaf = cert("Sample City", key.public_key(), "Sample Root", root_key, False)
    return key, leaf, root


def test_signature_status_in_records_and_frame(issuer, monkeypatch):
    key, leaf, root = issuer
    signed = dsig.sign_enveloped(load("TEG822_furusato.xml"), key, leaf)
    res = parse("kojo_xml", signed, strict=True)
    assert res.meta["signature"] == "untrusted"
    assert {r.signature for r in res.records} == {"untrusted"}
    assert kojo_xml.parse(signed, trusted_roots=[root]).meta["signature"] == "valid"
    monkeypatch.setattr(kojo_xml, "TRUSTED_ROOTS", [root])
    df = frames.build("deductions", [Document(signed, "kojo_xml", id=5)])
    assert list(df.signature) == ["valid", "valid"]
    tampered = signed.replace(b"<WLB00050>20000<", b"<WLB00050>90000<")
    assert parse("kojo_xml", tampered).meta["signature"] == "invalid"


def test_trusted_roots_from_env(issuer, tmp_path, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    key, leaf, root = issuer
    pem = tmp_path / "root.pem"
    pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    signed = dsig.sign_enveloped(load("TEG850_ideco.xml"), key, leaf, algorithm="rsa-sha1")
    monkeypatch.setenv("MYNA_TRUSTED_ROOTS", str(pem))
    assert parse("kojo_xml", signed).meta["signature"] == "valid"
    monkeypatch.delenv("MYNA_TRUSTED_ROOTS")
    assert parse("kojo_xml", signed).meta["signature"] == "untrusted"


def test_deductions_frame_schema():
    docs = [
        Document(p.read_bytes(), "kojo_xml", id=i)
        for i, p in enumerate(sorted(GOLDEN.glob("*.xml")))
    ]
    df = frames.build("deductions", docs)
    spec = frames.SCHEMAS["deductions"]
    assert list(df.columns) == list(spec.columns)
    assert {c: str(t) for c, t in df.dtypes.items()} == spec.columns
    assert isinstance(df.detail.iloc[0], dict)
    assert len(frames.build("deductions", docs, year=2024)) == 1  # the TEG840 sample
    assert detect_kind(docs[0].data) == "kojo_xml"
