"""The software card against docs/CARD.md, table by table: every status word, every access rule."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mynalib.card import open_card
from mynalib.card.apdu import SHA256_DIGEST_INFO_PREFIX
from mynalib.card.virtual import (
    AID_JPKI,
    AID_JUKI,
    AID_KENHOJO,
    AID_KENKAKU,
    ATR,
    CardProfile,
    VirtualCard,
    test_ca_certificates,
)
from mynalib.card.virtual.profile import SAN_OIDS
from mynalib.errors import CardError, PinBlocked
from mynalib.samples import HOUSEHOLD, person
from mynalib.secrets import Pin


def tx(card: VirtualCard, hexstr: str, data: bytes = b"") -> tuple[bytes, int]:
    raw = card.process(bytes.fromhex(hexstr.replace(" ", "")) + data)
    return raw[:-2], int.from_bytes(raw[-2:], "big")


def select_applet(card: VirtualCard, aid: bytes) -> int:
    return tx(card, "00A4040C" + f"{len(aid):02X}", aid)[1]


def select_ef(card: VirtualCard, fid: int) -> int:
    return tx(card, f"00A4020C02{fid:04X}")[1]


def verify(card: VirtualCard, pin: bytes | None, p2: int = 0x80) -> int:
    if pin is None:
        return tx(card, f"002000{p2:02X}")[1]
    return tx(card, f"002000{p2:02X}{len(pin):02X}", pin)[1]


def digest_info(data: bytes) -> bytes:
    return SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(data).digest()


def sign(card: VirtualCard, di: bytes, p2: int = 0x80, p1: int = 0) -> tuple[bytes, int]:
    return tx(card, f"802A{p1:02X}{p2:02X}{len(di):02X}", di + b"\x00")


# ------------------------------------------------------------------------ §1 applets
@pytest.mark.parametrize("aid", [AID_JPKI, AID_KENHOJO, AID_KENKAKU, AID_JUKI])
def test_select_applets(vcard: VirtualCard, aid: bytes) -> None:
    assert select_applet(vcard, aid) == 0x9000


def test_select_errors(vcard: VirtualCard) -> None:
    assert select_applet(vcard, bytes.fromhex("A000000003000000")) == 0x6A82
    assert tx(vcard, "00A40401 0A", AID_JPKI)[1] == 0x6A86  # wrong P2
    assert tx(vcard, "00A40C0C 0A", AID_JPKI)[1] == 0x6A86  # wrong P1
    assert tx(vcard, "00A4040C")[1] == 0x6700  # no AID
    assert select_ef(vcard, 0x000A) == 0x6A82  # no applet selected yet
    select_applet(vcard, AID_JPKI)
    assert select_ef(vcard, 0x0099) == 0x6A82
    assert tx(vcard, "00A4020C 01 0A")[1] == 0x6700
    assert tx(vcard, "00A4020F 02 000A")[1] == 0x6A86


def test_unknown_instruction_and_class(vcard: VirtualCard) -> None:
    select_applet(vcard, AID_JPKI)
    assert tx(vcard, "00CA0000 00")[1] == 0x6D00  # GET DATA: not supported
    assert tx(vcard, "002A0080 01 00")[1] == 0x6D00  # the sign INS only exists under CLA 80
    assert tx(vcard, "80B00000 04")[1] == 0x6D00
    assert tx(vcard, "A0A4040C 0A", AID_JPKI)[1] == 0x6E00
    assert tx(vcard, "FFB00000 04")[1] == 0x6E00
    assert tx(vcard, "00B0")[1] == 0x6700  # malformed APDU


# ---------------------------------------------------------------------- §2 JPKI files
FREE_JPKI = [0x0002, 0x0006, 0x0008, 0x000A, 0x000B]


@pytest.mark.parametrize("fid", FREE_JPKI)
def test_free_jpki_files(vcard: VirtualCard, fid: int) -> None:
    select_applet(vcard, AID_JPKI)
    assert select_ef(vcard, fid) == 0x9000
    data, sw = tx(vcard, "00B0000000")
    assert sw == 0x9000 and data


@pytest.mark.parametrize("fid", [0x0017, 0x0018, 0x001A, 0x001B])
def test_read_on_key_or_pin_file_is_6981(vcard: VirtualCard, fid: int) -> None:
    select_applet(vcard, AID_JPKI)
    assert select_ef(vcard, fid) == 0x9000
    assert tx(vcard, "00B0000000")[1] == 0x6981
    assert tx(vcard, f"00B0{0x80 | fid:02X}0000")[1] == 0x6981


def test_signing_certificate_needs_signing_password(vcard: VirtualCard) -> None:
    select_applet(vcard, AID_JPKI)
    assert select_ef(vcard, 0x0001) == 0x9000
    assert tx(vcard, "00B0000004")[1] == 0x6982
    assert tx(vcard, "00B0810004")[1] == 0x6982
    assert verify(vcard, b"1234", 0x80 | 0x18) == 0x9000  # the auth PIN does not open it
    assert tx(vcard, "00B0810004")[1] == 0x6982
    assert verify(vcard, b"ABC123", 0x80 | 0x1B) == 0x9000
    data, sw = tx(vcard, "00B0810004")
    assert sw == 0x9000 and data[:2] == b"\x30\x82"


def test_certificate_files_are_padded_and_sized_by_header(
    vcard: VirtualCard, profile: CardProfile
) -> None:
    der = profile.auth_certificate.public_bytes(serialization.Encoding.DER)
    select_applet(vcard, AID_JPKI)
    select_ef(vcard, 0x000A)
    head, sw = tx(vcard, "00B0000004")
    assert sw == 0x9000 and head[:2] == b"\x30\x82"
    size = int.from_bytes(head[2:4], "big") + 4
    assert size == len(der)
    body = b""
    while len(body) < size:
        chunk, sw = tx(vcard, f"00B0{len(body):04X}00")
        assert sw == 0x9000
        body += chunk
    assert body[:size] == der
    assert len(body) > size  # padding after the certificate
    # reading on from the end of the file: fewer bytes, then 6B00
    file_size = len(body)
    chunk, sw = tx(vcard, f"00B0{file_size - 3:04X}00")
    assert sw == 0x9000 and len(chunk) == 3
    assert tx(vcard, f"00B0{file_size:04X}00")[1] == 0x6B00
    assert tx(vcard, "00B07FFF01")[1] == 0x6B00


def test_extended_read(vcard: VirtualCard, profile: CardProfile) -> None:
    der = profile.auth_certificate.public_bytes(serialization.Encoding.DER)
    select_applet(vcard, AID_JPKI)
    data, sw = tx(vcard, "00B08A00 00 0000")  # SFI + extended Le 0000 = 65536
    assert sw == 0x9000 and data.startswith(der) and len(data) > 256
    data, sw = tx(vcard, "00B00000 00 0123")
    assert sw == 0x9000 and data == der[:0x123]
    profile.extended_length = False
    assert tx(vcard, "00B00000 00 0123")[1] == 0x6700


def test_short_file_id_read_selects_the_file(vcard: VirtualCard) -> None:
    select_applet(vcard, AID_JPKI)
    data, sw = tx(vcard, "00B0860020")
    assert sw == 0x9000 and data.rstrip(b" ") == b"JPKIAPICCTOKEN2"
    more, sw = tx(vcard, "00B0000002")  # the SFI read made 0006 the current EF
    assert sw == 0x9000 and more == b"JP"
    assert tx(vcard, "00B0990000")[1] == 0x6A82  # no EF 19
    assert tx(vcard, "00B0A60000")[1] == 0x6A86  # bits 7-6 of P1 must be 0 with an SFI
    assert tx(vcard, "00B0000000 01")[1] == 0x6700  # READ with data


def test_token_and_presence(vcard: VirtualCard) -> None:
    select_applet(vcard, AID_JPKI)
    label, _ = tx(vcard, "00B0860000")
    assert label[:32] == b"JPKIAPICCTOKEN2".ljust(32)
    presence, _ = tx(vcard, "00B0880000")
    assert presence == b"\x8f\x8f\x00"


def test_child_card_has_no_signing_certificate() -> None:
    child = CardProfile.generate("child", person("sora"))
    assert child.sign_certificate is None and child.sign_key is None
    card = VirtualCard(child)
    select_applet(card, AID_JPKI)
    assert tx(card, "00B0880000")[0][0] != 0x8F
    assert select_ef(card, 0x0001) == 0x6A82
    assert select_ef(card, 0x001A) == 0x6A82


# ------------------------------------------------------------------ §3/§4 PIN counters
@pytest.mark.parametrize(
    ("which", "aid", "fid", "good", "tries"),
    [
        ("auth", AID_JPKI, 0x18, b"1234", 3),
        ("sign", AID_JPKI, 0x1B, b"ABC123", 5),
        ("kenhojo", AID_KENHOJO, 0x11, b"1234", 3),
    ],
)
def test_pin_counters(
    vcard: VirtualCard, which: str, aid: bytes, fid: int, good: bytes, tries: int
) -> None:
    select_applet(vcard, aid)
    assert select_ef(vcard, fid) == 0x9000
    assert verify(vcard, None) == 0x63C0 | tries  # empty VERIFY: counter, nothing spent
    assert verify(vcard, None) == 0x63C0 | tries
    assert verify(vcard, b"0000" if which != "sign" else b"ZZZZZZ") == 0x63C0 | (tries - 1)
    assert verify(vcard, good) == 0x9000  # success resets the counter
    assert verify(vcard, None) == 0x63C0 | tries
    for left in range(tries - 1, -1, -1):
        assert verify(vcard, b"9999" if which != "sign" else b"WRONG9") == 0x63C0 | left
    # 63C0 was the attempt that used the last try; now blocked
    assert verify(vcard, None) == 0x63C0
    assert verify(vcard, good) == 0x6984  # even the right PIN: blocked
    assert verify(vcard, b"0000") == 0x6984
    assert vcard.profile.tries_left[which] == 0


def test_verify_by_short_id_and_errors(vcard: VirtualCard) -> None:
    assert verify(vcard, None, 0x98) == 0x6A82  # no applet
    select_applet(vcard, AID_JPKI)
    assert verify(vcard, None, 0x98) == 0x63C3
    assert verify(vcard, None, 0x9B) == 0x63C5
    assert verify(vcard, None, 0x9F) == 0x6A82  # no EF 1F
    assert verify(vcard, None, 0x8A) == 0x6981  # a certificate is not a PIN
    assert verify(vcard, None, 0x00) == 0x6A86
    assert tx(vcard, "00200180")[1] == 0x6A86  # P1 must be 00
    select_applet(vcard, AID_JPKI)
    assert verify(vcard, None) == 0x6A82  # P2 80 without a current EF


def test_change_reference_data(vcard: VirtualCard) -> None:
    select_applet(vcard, AID_JPKI)
    select_ef(vcard, 0x18)
    assert tx(vcard, "00240180 04", b"5678")[1] == 0x6982  # not verified
    assert verify(vcard, b"1234") == 0x9000
    assert tx(vcard, "00240080 04", b"5678")[1] == 0x6A86  # P1 must be 01
    assert tx(vcard, "00240180 05", b"56789")[1] == 0x6700  # auth PIN: 4 characters
    assert tx(vcard, "00240180 04", b"5678")[1] == 0x9000
    select_applet(vcard, AID_JPKI)
    assert verify(vcard, b"1234", 0x98) == 0x63C2
    assert verify(vcard, b"5678", 0x98) == 0x9000
    # signing password: 6-16
    assert verify(vcard, b"ABC123", 0x9B) == 0x9000
    assert tx(vcard, "0024019B 05", b"ABCDE")[1] == 0x6700
    assert tx(vcard, "0024019B 08", b"NEWPASS1")[1] == 0x9000
    assert vcard.profile.pins["sign"] == "NEWPASS1"


# ----------------------------------------------------------------------------- signing
def test_sign_with_each_key(vcard: VirtualCard, profile: CardProfile) -> None:
    select_applet(vcard, AID_JPKI)
    select_ef(vcard, 0x17)
    di = digest_info(b"login challenge")
    assert sign(vcard, di)[1] == 0x6982  # PIN not verified
    assert verify(vcard, b"1234", 0x98) == 0x9000
    select_ef(vcard, 0x17)
    signature, sw = sign(vcard, di)
    assert sw == 0x9000 and len(signature) == 256
    profile.auth_certificate.public_key().verify(  # type: ignore[union-attr]
        signature, b"login challenge", padding.PKCS1v15(), hashes.SHA256()
    )
    assert sign(vcard, di, p2=0x80 | 0x1A)[1] == 0x6982  # signing key needs the sign PIN
    assert verify(vcard, b"ABC123", 0x9B) == 0x9000
    signature, sw = sign(vcard, di, p2=0x80 | 0x1A)  # short-id form
    assert sw == 0x9000
    assert profile.sign_certificate is not None
    profile.sign_certificate.public_key().verify(  # type: ignore[union-attr]
        signature, b"login challenge", padding.PKCS1v15(), hashes.SHA256()
    )


def test_sign_errors(vcard: VirtualCard) -> None:
    select_applet(vcard, AID_JPKI)
    assert verify(vcard, b"1234", 0x98) == 0x9000
    di = digest_info(b"x")
    assert sign(vcard, di, p2=0x97, p1=0x01)[1] == 0x6A86  # P1 must be 00
    assert sign(vcard, di, p2=0x17)[1] == 0x6A86
    assert sign(vcard, di, p2=0x98)[1] == 0x6981  # a PIN file is not a key
    assert sign(vcard, b"\x00" * 246, p2=0x97)[1] == 0x6700  # too long for PKCS#1 v1.5
    assert sign(vcard, di, p2=0x9F)[1] == 0x6A82


def test_sign_raw_digest_info_other_than_sha256(vcard: VirtualCard, profile: CardProfile) -> None:
    # the card signs whatever DigestInfo it is given (SHA-1 here): PKCS#1 v1.5 padding by the card
    sha1_prefix = bytes.fromhex("3021300906052b0e03021a05000414")
    di = sha1_prefix + hashlib.sha1(b"abc").digest()  # noqa: S324 - format test only
    select_applet(vcard, AID_JPKI)
    verify(vcard, b"1234", 0x98)
    signature, sw = sign(vcard, di, p2=0x97)
    assert sw == 0x9000
    profile.auth_key.public_key().verify(signature, b"abc", padding.PKCS1v15(), hashes.SHA1())  # noqa: S303


def test_sign_with_blocked_pin_is_6984(vcard: VirtualCard) -> None:
    select_applet(vcard, AID_JPKI)
    assert verify(vcard, b"1234", 0x98) == 0x9000
    vcard.profile.tries_left["auth"] = 0  # blocked meanwhile (e.g. by another session)
    assert sign(vcard, digest_info(b"x"), p2=0x97)[1] == 0x6984


# ----------------------------------------------------- verified state cleared (§4 last para)
@pytest.mark.parametrize("event", ["reset", "power_off", "applet_change"])
def test_verified_state_is_cleared(vcard: VirtualCard, event: str) -> None:
    select_applet(vcard, AID_JPKI)
    assert verify(vcard, b"1234", 0x98) == 0x9000
    assert sign(vcard, digest_info(b"x"), p2=0x97)[1] == 0x9000
    if event == "reset":
        vcard.reset()
    elif event == "power_off":
        vcard.power_off()
        vcard.power_on()
    else:
        assert select_applet(vcard, AID_KENHOJO) == 0x9000
    assert vcard.verified == frozenset()
    select_applet(vcard, AID_JPKI)
    assert sign(vcard, digest_info(b"x"), p2=0x97)[1] == 0x6982


def test_wrong_pin_clears_that_pins_verified_state(vcard: VirtualCard) -> None:
    select_applet(vcard, AID_JPKI)
    assert verify(vcard, b"1234", 0x98) == 0x9000
    assert verify(vcard, b"9999", 0x98) == 0x63C2
    assert sign(vcard, digest_info(b"x"), p2=0x97)[1] == 0x6982


# ------------------------------------------------------------------------ Kenhojo files
def test_kenhojo_files(vcard: VirtualCard, profile: CardProfile) -> None:
    holder = profile.holder
    select_applet(vcard, AID_KENHOJO)
    assert tx(vcard, "00B0810000")[1] == 0x6982
    assert tx(vcard, "00B0820000")[1] == 0x6982
    ef3, sw = tx(vcard, "00B0830000")  # the integrity record is free
    assert sw == 0x9000 and ef3[:2] == b"\xff\x30"
    assert verify(vcard, b"1234", 0x91) == 0x9000
    ef1, sw = tx(vcard, "00B0810000")
    assert sw == 0x9000
    assert ef1 == b"\xff\x10\x0c" + holder.my_number.encode() + b"\xff\xff"
    ef2, sw = tx(vcard, "00B0820000")
    assert sw == 0x9000 and ef2[:2] == b"\xff\x20"
    # DF21 offsets point at DF22..DF25
    header = 3 if ef2[2] < 0x80 else 4
    assert ef2[header : header + 3] == b"\xdf\x21\x08"
    offsets = [int.from_bytes(ef2[header + 3 + i : header + 5 + i], "big") for i in range(0, 8, 2)]
    assert [ef2[o : o + 2] for o in offsets] == [b"\xdf\x22", b"\xdf\x23", b"\xdf\x24", b"\xdf\x25"]
    assert holder.name.encode() in ef2 and "\u3000" in holder.name
    assert b"\xdf\x24\x08" + holder.birth.strftime("%Y%m%d").encode() in ef2
    assert tx(vcard, "00B0840000")[1] == 0x6A82  # no EF 0004


# --------------------------------------------------------------------- power and ATR
def test_atr_is_well_formed() -> None:
    assert ATR[0] == 0x3B
    tck = 0
    for b in ATR[1:]:
        tck ^= b
    assert tck == 0


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.binary(max_size=270), max_size=6))
def test_any_apdu_sequence_never_raises(vcard: VirtualCard, apdus: list[bytes]) -> None:
    select_applet(vcard, AID_JPKI)
    for raw in apdus:
        response = vcard.process(raw)
        assert len(response) >= 2


# ---------------------------------------------------------------------------- profiles
def test_profile_is_deterministic(profile: CardProfile) -> None:
    again = CardProfile.generate("card-tests")
    der = serialization.Encoding.DER
    assert again.auth_certificate.public_bytes(der) == profile.auth_certificate.public_bytes(der)
    assert again.kenhojo_files == profile.kenhojo_files
    assert again.auth_key.private_numbers() == profile.auth_key.private_numbers()
    other = CardProfile.generate("other-seed")
    assert other.auth_key.private_numbers() != profile.auth_key.private_numbers()
    hanako = CardProfile.generate("card-tests", person("hanako"))
    assert hanako.auth_key.private_numbers() != profile.auth_key.private_numbers()


def test_profile_contents(profile: CardProfile) -> None:
    assert profile.holder == HOUSEHOLD[0]
    assert profile.pins == {"auth": "1234", "sign": "ABC123", "kenhojo": "1234"}
    auth = profile.auth_certificate
    # the authentication certificate carries no personal data: C=JP + opaque CN
    assert [a.oid._name for a in auth.subject] == ["countryName", "commonName"]
    cn = auth.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert isinstance(cn, str) and profile.holder.name not in cn and len(cn) == 20
    assert auth.public_key().key_size == 2048  # type: ignore[union-attr]
    assert auth.signature_hash_algorithm is not None
    assert auth.signature_hash_algorithm.name == "sha256"
    issuer = auth.issuer.rfc4514_string()
    assert "O=JPKI-TEST" in issuer and "OU=JPKI for user authentication" in issuer
    assert profile.sign_certificate is not None
    san = profile.sign_certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value
    others = {o.type_id.dotted_string: o.value for o in san.get_values_for_type(x509.OtherName)}
    assert set(others) == set(SAN_OIDS.values())
    assert profile.holder.name.encode() in others[SAN_OIDS["name"]]
    assert profile.holder.address.encode() in others[SAN_OIDS["address"]]
    assert b"19700412" in others[SAN_OIDS["birth"]]
    cas = test_ca_certificates()
    assert [c.subject for c in cas] == [
        profile.auth_ca_certificate.subject,
        profile.sign_ca_certificate.subject,
    ]
    assert all("O=JPKI-TEST" in c.subject.rfc4514_string() for c in cas)
    # expiry: the holder's 5th birthday after the issue date (2025-04-01, born 04-12)
    assert auth.not_valid_after_utc.date().isoformat() == "2029-04-12"


def test_profile_pins_are_options_and_checked() -> None:
    p = CardProfile.generate("card-tests", auth_pin="4321", sign_pin="pass99", kenhojo_pin="0000")
    assert p.pins == {"auth": "4321", "sign": "PASS99", "kenhojo": "0000"}
    with pytest.raises(CardError):
        CardProfile.generate("card-tests", auth_pin="12345")


def test_profile_save_load(profile: CardProfile, tmp_path: Path) -> None:
    profile.tries_left["sign"] = 2
    path = profile.save(tmp_path / "card.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert "TEST-ONLY" in raw["warning"]
    assert "test_only_auth_key" in raw and "test_only_pins" in raw
    loaded = CardProfile.load(path)
    assert loaded.tries_left == profile.tries_left
    assert loaded.auth_certificate == profile.auth_certificate
    assert loaded.kenhojo_files == profile.kenhojo_files
    # the loaded holder is the card layer's own record, with every field the card uses
    for attr in ("id", "name", "kana", "birth", "sex", "address", "my_number"):
        assert getattr(loaded.holder, attr) == getattr(profile.holder, attr), attr
    assert "1234" not in repr(loaded) and "ABC123" not in repr(loaded)


def test_profile_load_errors(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="No software-card profile"):
        CardProfile.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CardError, match="damaged"):
        CardProfile.load(bad)
    bad.write_text('{"format": 1, "seed": "x"}', encoding="utf-8")
    with pytest.raises(CardError, match="damaged"):
        CardProfile.load(bad)


def test_blocked_card_stays_blocked_across_runs(profile: CardProfile, tmp_path: Path) -> None:
    path = profile.save(tmp_path / "card.json")
    for _ in range(3):
        with open_card("virtual", path) as card, pytest.raises(CardError):
            card.verify("auth", Pin("0000"), allow_last_try=True)
    with open_card("virtual", path) as card:
        assert card.auth_tries_left() == 0
        with pytest.raises(PinBlocked):
            card.sign_auth(b"x", Pin("1234"))
    assert CardProfile.load(path).tries_left["auth"] == 0
    reloaded = CardProfile.load(path)
    reloaded.reset()
    reloaded.save(path)
    with open_card("virtual", path) as card:
        assert card.auth_tries_left() == 3
        assert len(card.sign_auth(b"x", Pin("1234"))) == 256


def test_default_virtual_profile_is_created_in_myna_home() -> None:
    from mynalib.card import default_virtual_profile_path

    path = default_virtual_profile_path()
    assert str(path).startswith(os.environ["MYNA_HOME"])
    with open_card("virtual") as card:
        assert card.auth_tries_left() == 3
    assert path.exists()


def test_generate_reports_progress() -> None:
    messages: list[str] = []
    CardProfile.generate("card-tests", progress=messages.append)
    assert any("authentication key" in m for m in messages)
    assert any("signing key" in m for m in messages)
