"""JPKI and Kenhojo sessions: in-process, and the same again through pcscd + vpcd + pyscard."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from mynalib.card import JpkiCard
from mynalib.card.jpki import EF_AUTH_CERT
from mynalib.card.kenhojo import read_kenhojo
from mynalib.card.trust import verify_certificate
from mynalib.card.virtual import (
    AID_JPKI,
    CardProfile,
    InProcessTransport,
    VirtualCard,
    test_kenhojo_issuer_key,
)
from mynalib.errors import (
    AppletNotFound,
    CardError,
    CardRemoved,
    CardResponseError,
    LastTryRefused,
    PinBlocked,
    PinError,
    PinFormatError,
    PinReuseError,
)
from mynalib.secrets import Pin

Session = tuple[JpkiCard, VirtualCard]
DER = serialization.Encoding.DER


# ---------------------------------------------------------------- both backends
def test_read_certificates(session: Session) -> None:
    card, vc = session
    p = vc.profile
    assert card.token_label() == "JPKIAPICCTOKEN2"
    assert card.certificates_present() == {"sign": True, "auth": True}
    assert card.read_auth_certificate() == p.auth_certificate.public_bytes(DER)
    assert card.read_auth_ca_certificate() == p.auth_ca_certificate.public_bytes(DER)
    assert card.read_sign_ca_certificate() == p.sign_ca_certificate.public_bytes(DER)
    assert p.sign_certificate is not None
    assert card.read_sign_certificate(Pin("ABC123", "sign")) == p.sign_certificate.public_bytes(DER)
    result = verify_certificate(card.read_auth_certificate(), trust_test_roots=True)
    assert result.ok, result.reason
    assert not verify_certificate(card.read_auth_certificate()).ok  # test root: not by default


def test_extended_reads(session: Session) -> None:
    card, vc = session
    card.extended_reads = True
    before = card.apdu_count
    der = card.read_auth_certificate()
    assert der == vc.profile.auth_certificate.public_bytes(DER)
    assert card.apdu_count - before <= 4  # select + label + 2 reads


def test_sign_auth_and_sign(session: Session) -> None:
    card, vc = session
    assert card.auth_tries_left() == 3
    signature = card.sign_auth(b"challenge", Pin("1234"))
    vc.profile.auth_certificate.public_key().verify(  # type: ignore[union-attr]
        signature, b"challenge", padding.PKCS1v15(), hashes.SHA256()
    )
    signature = card.sign_sign(b"application", Pin("abc123", "sign"))  # upper-cased locally
    assert vc.profile.sign_certificate is not None
    vc.profile.sign_certificate.public_key().verify(  # type: ignore[union-attr]
        signature, b"application", padding.PKCS1v15(), hashes.SHA256()
    )


def test_login_sequence_apdu_count(session: Session) -> None:
    card, _ = session
    card.read_auth_certificate()
    card.auth_tries_left()
    card.sign_auth(b"nonce", Pin("1234"))
    assert card.apdu_count <= 12


def test_wrong_pin_then_reuse_refused(session: Session) -> None:
    card, vc = session
    pin = Pin("9999")
    with pytest.raises(PinError) as info:
        card.sign_auth(b"x", pin)
    assert info.value.tries_left == 2 and info.value.which == "auth"
    assert "2" in info.value.ja
    sent = card.apdu_count
    with pytest.raises(PinReuseError):
        card.sign_auth(b"x", pin)
    assert card.apdu_count == sent  # nothing sent at all
    assert vc.profile.tries_left["auth"] == 2


def test_last_try_needs_confirmation_and_zero_is_refused(session: Session) -> None:
    card, vc = session
    for _ in range(2):
        with pytest.raises(PinError):
            card.verify("auth", Pin("0000"))
    assert card.auth_tries_left() == 1
    with pytest.raises(LastTryRefused) as info:
        card.sign_auth(b"x", Pin("1234"))
    assert info.value.tries_left == 1
    assert vc.profile.tries_left["auth"] == 1  # no try spent
    with pytest.raises(PinBlocked) as blocked:
        card.verify("auth", Pin("0000"), allow_last_try=True)
    assert "municipal office" in str(blocked.value) and "市区町村" in blocked.value.ja
    assert card.auth_tries_left() == 0
    with pytest.raises(PinBlocked):
        card.sign_auth(b"x", Pin("1234"), allow_last_try=True)  # refused at zero, nothing sent
    assert vc.profile.tries_left["auth"] == 0


def test_last_try_with_confirmation_succeeds(session: Session) -> None:
    card, _ = session
    for _ in range(2):
        with pytest.raises(PinError):
            card.verify("auth", Pin("0000"))
    assert len(card.sign_auth(b"x", Pin("1234"), allow_last_try=True)) == 256
    assert card.auth_tries_left() == 3


def test_pin_format_checked_locally(session: Session) -> None:
    card, vc = session
    for bad, kind in (("123", "auth"), ("12a4", "auth"), ("ABC", "sign"), ("ABC-123", "sign")):
        with pytest.raises(PinFormatError):
            Pin(bad, kind)  # type: ignore[arg-type]
    sent = card.apdu_count
    with pytest.raises(PinFormatError):
        card.verify("sign", Pin("1234"))  # an auth PIN where the signing password is needed
    with pytest.raises(PinFormatError):
        card.verify("auth", "1234")  # type: ignore[arg-type]
    assert card.apdu_count == sent
    assert vc.profile.tries_left == {"auth": 3, "sign": 5, "kenhojo": 3}


def test_sign_pin_blocks_after_five(session: Session) -> None:
    card, _ = session
    for left in (4, 3, 2, 1):
        with pytest.raises(PinError) as info:
            card.verify("sign", Pin("WRONG1", "sign"), allow_last_try=left == 0)
        assert info.value.tries_left == left
    with pytest.raises(PinBlocked) as blocked:
        card.verify("sign", Pin("WRONG1", "sign"), allow_last_try=True)
    assert blocked.value.which == "sign"
    assert card.tries_left("sign") == 0
    assert card.tries_left("auth") == 3  # independent counters


def test_change_pin(session: Session) -> None:
    card, vc = session
    card.change_pin("auth", Pin("1234"), Pin("8642"))
    with pytest.raises(PinError):
        card.verify("auth", Pin("1234"))
    card.verify("auth", Pin("8642"))
    card.change_pin("sign", Pin("ABC123", "sign"), Pin("newpass77", "sign"))
    assert vc.profile.pins["sign"] == "NEWPASS77"
    card.change_pin("kenhojo", Pin("1234", "kenhojo"), Pin("2468", "kenhojo"))
    assert card.kenhojo(Pin("2468", "kenhojo")).name == vc.profile.holder.name


def test_status(session: Session) -> None:
    card, vc = session
    status = card.status()
    assert status.tries_left == {"auth": 3, "sign": 5, "kenhojo": 3}
    assert status.has_sign_certificate
    assert status.auth_certificate.not_after == vc.profile.auth_certificate.not_valid_after_utc
    assert status.auth_certificate.test_only
    assert "JPKI-TEST" in status.auth_ca_certificate.subject
    assert status.to_dict()["tries_left"]["sign"] == 5


def test_kenhojo(session: Session) -> None:
    card, vc = session
    holder = vc.profile.holder
    assert card.tries_left("kenhojo") == 3
    info = card.kenhojo(Pin("1234", "kenhojo"))
    assert info.my_number == "********" + holder.my_number[-4:]
    assert info.name == holder.name and info.address == holder.address
    assert info.birth == holder.birth and info.sex == holder.sex
    assert info.integrity.my_number_hash_ok and info.integrity.attributes_hash_ok
    assert info.integrity.signature == "not checked" and "issuer" in info.integrity.note
    full = read_kenhojo(
        card,
        Pin("1234", "kenhojo"),
        full_number=True,
        issuer_public_key=test_kenhojo_issuer_key().public_key(),
    )
    assert full.my_number == holder.my_number
    assert full.integrity.signature == "valid" and full.integrity.ok
    assert holder.my_number not in repr(full)
    # the JPKI state is independent: selecting JPKI again works
    assert card.auth_tries_left() == 3


def test_kenhojo_wrong_pin(session: Session) -> None:
    card, _ = session
    with pytest.raises(PinError) as info:
        card.kenhojo(Pin("0000", "kenhojo"))
    assert info.value.tries_left == 2 and info.value.which == "kenhojo"


# ------------------------------------------------------------ in-process only: faults
def _session(card: VirtualCard) -> JpkiCard:
    return JpkiCard(InProcessTransport(card))


class FlakyTransport(InProcessTransport):
    """Fails (CardRemoved) on the n-th APDU matching ``when``."""

    def __init__(self, card: VirtualCard, when: object, error: type[CardError] = CardRemoved):
        super().__init__(card)
        self.when = when
        self.error = error
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        if callable(self.when) and self.when(apdu):
            self.when = None
            raise self.error("The card was removed")
        return super().transmit(apdu)


def test_not_a_my_number_card(profile: CardProfile) -> None:
    vc = VirtualCard(profile)
    del vc.applets[AID_JPKI]
    with _session(vc) as card, pytest.raises(AppletNotFound, match="not a My Number card"):
        card.read_auth_certificate()


def test_smartphone_token_label_is_refused(profile: CardProfile) -> None:
    profile.token_label = "JPKIAPGPSPTOKEN"
    with _session(VirtualCard(profile)) as card, pytest.raises(AppletNotFound):
        card.read_auth_certificate()


def test_older_token_label_is_accepted(profile: CardProfile) -> None:
    profile.token_label = "JPKIAPICCTOKEN"
    with _session(VirtualCard(profile)) as card:
        assert card.token_label() == "JPKIAPICCTOKEN"
        assert card.read_auth_certificate()[:2] == b"\x30\x82"


def test_card_removed_mid_read_gives_no_partial_certificate(profile: CardProfile) -> None:
    vc = VirtualCard(profile)
    reads = {"n": 0}

    def third_read(apdu: bytes) -> bool:
        if apdu[1] == 0xB0:
            reads["n"] += 1
        return reads["n"] == 4  # the token label read, then the 3rd certificate chunk

    transport = FlakyTransport(vc, third_read)
    card = JpkiCard(transport)
    with pytest.raises(CardRemoved):
        card.read_auth_certificate()
    assert EF_AUTH_CERT not in card._cache  # nothing partial kept


def _corrupt_auth_cert(vc: VirtualCard, content: bytes) -> None:
    vc.applets[AID_JPKI][EF_AUTH_CERT].content = content


@pytest.mark.parametrize(
    "content",
    [
        b"\xff" * 600,  # not a certificate
        b"\x30\x82\x03\x00" + b"\x00" * 100,  # header says 772 bytes, file has 104
        b"\x30\x82\x00\x10" + b"\x02" * 300,  # sized fine, but not DER
        b"\x30\x82",  # truncated header
    ],
)
def test_malformed_or_truncated_certificate_file(profile: CardProfile, content: bytes) -> None:
    vc = VirtualCard(profile)
    _corrupt_auth_cert(vc, content)
    with _session(vc) as card, pytest.raises(CardResponseError):
        card.read_auth_certificate()


def test_transport_error_during_verify_is_not_retried(profile: CardProfile) -> None:
    vc = VirtualCard(profile)

    def verify_with_data(apdu: bytes) -> bool:
        return apdu[1] == 0x20 and len(apdu) > 4

    transport = FlakyTransport(vc, verify_with_data, CardError)
    card = JpkiCard(transport)
    with pytest.raises(CardError) as info:
        card.sign_auth(b"x", Pin("1234"))
    assert "not sent again" in str(info.value) and "Tries left now: 3" in str(info.value)
    verifies = [a for a in transport.sent if a[1] == 0x20 and len(a) > 4]
    assert len(verifies) == 1  # exactly one attempt, no automatic retry
    empties = [a for a in transport.sent if a[1] == 0x20 and len(a) == 4]
    assert len(empties) == 2  # before, and the re-read after the failure
    assert not any(a[:2] == b"\x80\x2a" for a in transport.sent)  # no signature attempted


def test_transport_error_and_counter_unreadable(profile: CardProfile) -> None:
    vc = VirtualCard(profile)

    class Dead(FlakyTransport):
        def transmit(self, apdu: bytes) -> tuple[bytes, int]:
            if self.when is None:  # after the first failure, the card is gone
                raise CardRemoved("gone")
            return super().transmit(apdu)

    transport = Dead(vc, lambda a: a[1] == 0x20 and len(a) > 4)
    card = JpkiCard(transport)
    with pytest.raises(CardRemoved, match="could not be re-read"):
        card.verify("auth", Pin("1234"))


def test_child_card_has_no_signing(profile: CardProfile) -> None:
    from mynalib.samples import person

    child = CardProfile.generate("child", person("sora"))
    with _session(VirtualCard(child)) as card:
        assert card.certificates_present() == {"sign": False, "auth": True}
        with pytest.raises(CardError, match="under 15"):
            card.read_sign_certificate(Pin("ABC123", "sign"))
        with pytest.raises(CardError, match="under 15"):
            card.sign_sign(b"x", Pin("ABC123", "sign"))
        assert len(card.sign_auth(b"x", Pin("1234"))) == 256
        status = card.status()
        assert not status.has_sign_certificate
        assert any("under 15" in n for n in status.notes)


def test_tampered_kenhojo_data_fails_the_hash_check(profile: CardProfile) -> None:
    ef1, ef2, ef3 = profile.kenhojo_files
    forged = ef2.replace("太郎".encode(), "次郎".encode())
    profile.kenhojo_files = (ef1, forged, ef3)
    with _session(VirtualCard(profile)) as card:
        info = read_kenhojo(
            card, Pin("1234", "kenhojo"), issuer_public_key=test_kenhojo_issuer_key().public_key()
        )
    assert info.name == "見本\u3000次郎"
    assert info.integrity.my_number_hash_ok and not info.integrity.attributes_hash_ok
    assert not info.integrity.ok


def test_sign_certificate_san_roundtrip(session: Session) -> None:
    card, vc = session
    der = card.read_sign_certificate(Pin("ABC123", "sign"))
    cert = x509.load_der_x509_certificate(der)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert len(san.get_values_for_type(x509.OtherName)) == 6
    assert vc.profile.holder.name.encode() in der


def test_applet_selected_by_another_program_is_selected_again(profile: CardProfile) -> None:
    vc = VirtualCard(profile)
    with _session(vc) as card:
        card.auth_tries_left()
        vc.process(bytes.fromhex("00A4040C0AD3921000310001010408"))  # someone else, shared mode
        assert card.auth_tries_left() == 3
        assert len(card.sign_auth(b"x", Pin("1234"))) == 256
