"""`myna sign`, `myna verify` and `myna card cert` through click's test runner (software card).

Regenerate the golden files after an intended change with
``MYNA_UPDATE_GOLDEN=1 pytest tests/signing/test_cli_signing.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from cryptography import x509

from mynalib.card import open_card
from mynalib.card.virtual import CardProfile
from mynalib.secrets import Pin
from mynalib.signing import CardSigner, certificate_text
from tests.test_security import _forms

from .conftest import PASSWORD, minimal_pdf, run, tries

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "card_cert"
#: the moment the golden texts are rendered at (their "days left")
GOLDEN_NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
DAYS_LEFT = re.compile(r"\(\d+ days left / 残り\d+日\)")


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("MYNA_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing {path}: run with MYNA_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- card cert
@pytest.mark.parametrize("which", ["auth", "sign", "auth-ca", "sign-ca"])
def test_card_cert_text_golden(which: str, profile: CardProfile) -> None:
    with open_card("virtual", profile) as card:
        pin = Pin(PASSWORD, "sign") if which == "sign" else None
        der = CardSigner.read_certificate(card, which, pin)
    text = certificate_text(der, which, now=GOLDEN_NOW)
    _golden(f"{which}.txt", text)
    if which == "sign":
        assert "見本" not in text and "1970" not in text  # no personal data by default
        assert "hidden" in text and "--show-personal" in text
        shown = certificate_text(der, which, now=GOLDEN_NOW, show_personal=True)
        _golden("sign-show-personal.txt", shown)
        assert "見本　太郎" in shown and "1970-04-12" in shown


def test_card_cert_cli_matches_the_golden_text(card_file: Path) -> None:
    for which in ("auth", "sign-ca"):
        r = run("card", "cert", which, "--profile", str(card_file))
        assert r.exit_code == 0, r.output
        golden = (GOLDEN / f"{which}.txt").read_text(encoding="utf-8")
        assert DAYS_LEFT.sub("(…)", r.output) == DAYS_LEFT.sub("(…)", golden)
    assert tries(card_file) == 5


def test_card_cert_sign_needs_the_password_and_hides_personal_data(card_file: Path) -> None:
    r = run("card", "cert", "sign", "--profile", str(card_file), input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert "5/5 tries left" in r.output and r.output.index("5/5") < r.output.index("sign PIN:")
    golden = (GOLDEN / "sign.txt").read_text(encoding="utf-8")
    assert DAYS_LEFT.sub("(…)", golden) in DAYS_LEFT.sub("(…)", r.output)
    assert "見本" not in r.output
    r = run(
        "card",
        "cert",
        "sign",
        "--profile",
        str(card_file),
        "--show-personal",
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0 and "見本　太郎" in r.output and "住所 (address)" in r.output
    assert PASSWORD not in r.output


def test_card_cert_pem_and_der_files(card_file: Path, tmp_path: Path) -> None:
    r = run("card", "cert", "sign-ca", "--profile", str(card_file), "--format", "pem")
    assert r.exit_code == 0 and r.output.startswith("-----BEGIN CERTIFICATE-----")
    ca = x509.load_pem_x509_certificate(r.output.encode())
    assert "O=JPKI-TEST" in ca.subject.rfc4514_string()
    out = tmp_path / "sign.der"
    r = run(
        "card",
        "cert",
        "sign",
        "--profile",
        str(card_file),
        "--format",
        "der",
        "-o",
        str(out),
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    cert = x509.load_der_x509_certificate(out.read_bytes())
    assert cert.issuer == ca.subject
    assert out.stat().st_mode & 0o777 == 0o600  # it holds name, address, birth date and sex
    r = run("card", "cert", "auth", "--profile", str(card_file), "--format", "der", "-o", str(out))
    assert r.exit_code == 2 and "--force" in r.output
    assert x509.load_der_x509_certificate(out.read_bytes()) == cert  # untouched
    r = run("card", "cert", "auth", "--profile", str(card_file), "-o", str(out), "--force")
    assert r.exit_code == 0 and "subject / 主体者" in out.read_text(encoding="utf-8")


# -------------------------------------------------------------------------- sign/verify
def test_sign_and_verify_cms(card_file: Path, tmp_path: Path) -> None:
    doc = tmp_path / "data.xml"
    doc.write_bytes(b"<a>1</a>\n")
    r = run("sign", str(doc), "--profile", str(card_file), input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    sig = tmp_path / "data.xml.p7s"
    assert sig.exists() and sig.read_bytes()[:1] == b"\x30"  # DER
    assert "CAdES-BES" in r.output and "detached" in r.output and "住所" in r.output
    r = run("verify", str(sig))
    assert r.exit_code == 1 and "NOT TRUSTED" in r.output and "信頼できません" in r.output
    r = run("verify", str(sig), "--trust-test-roots")  # the content is found beside it
    assert r.exit_code == 0, r.output
    assert "VALID / 有効" in r.output and "revocation not checked" in r.output
    assert "found beside the signature" in r.output
    other = tmp_path / "other.xml"
    other.write_bytes(b"<a>2</a>\n")
    r = run("verify", str(sig), "--trust-test-roots", "--content", str(other))
    assert r.exit_code == 1 and "INVALID" in r.output
    r = run("verify", str(sig), "--trust-test-roots", "--json")
    assert r.exit_code == 0 and '"verdict": "valid"' in r.output and "見本" not in r.output
    r = run("verify", str(sig), "--trust-test-roots", "--show-personal")
    assert "見本　太郎" in r.output
    # attached + PEM
    r = run(
        "sign", str(doc), "--profile", str(card_file), "--attached", "--pem", input=PASSWORD + "\n"
    )
    assert r.exit_code == 0, r.output
    p7m = tmp_path / "data.xml.p7m"
    assert p7m.read_bytes().startswith(b"-----BEGIN CMS-----")
    doc.unlink()  # the content is inside
    assert run("verify", str(p7m), "--trust-test-roots").exit_code == 0


def test_a_pdf_is_signed_as_pdf_unless_cms(card_file: Path, tmp_path: Path) -> None:
    doc = tmp_path / "申請書.pdf"
    doc.write_bytes(minimal_pdf())
    r = run("sign", str(doc), "--profile", str(card_file), input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    signed = tmp_path / "申請書-signed.pdf"
    assert signed.read_bytes().startswith(doc.read_bytes()) and "PAdES" in r.output
    r = run("verify", str(signed), "--trust-test-roots")
    assert r.exit_code == 0 and "PAdES" in r.output, r.output
    r = run("sign", str(doc), "--profile", str(card_file), "--cms", input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "申請書.pdf.p7s").exists()
    assert run("verify", str(tmp_path / "申請書.pdf.p7s"), "--trust-test-roots").exit_code == 0
    # a file that is not named .pdf but starts with %PDF- is a PDF too
    odd = tmp_path / "scan.bin"
    odd.write_bytes(minimal_pdf())
    r = run(
        "sign",
        str(odd),
        "--profile",
        str(card_file),
        "--visible",
        "1,300,40,200,50",
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0 and "visible on page 1" in r.output, r.output
    assert (tmp_path / "scan.bin-signed.pdf").exists()
    # option mistakes are refused before the card is touched
    before = tries(card_file)
    assert run("sign", str(doc), "--profile", str(card_file), "--attached").exit_code == 2
    assert (
        run(
            "sign", str(odd), "--profile", str(card_file), "--cms", "--visible", "1,1,1,1,1"
        ).exit_code
        == 2
    )
    r = run("sign", str(doc), "--profile", str(card_file), "--visible", "0,1,1,1,1", "--force")
    assert r.exit_code == 2 and "PAGE counts from 1" in r.output
    assert tries(card_file) == before


def test_an_existing_output_is_never_overwritten_without_force(
    card_file: Path, tmp_path: Path
) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("a\n")
    target = tmp_path / "a.txt.p7s"
    target.write_bytes(b"precious")
    r = run("sign", str(doc), "--profile", str(card_file), input=PASSWORD + "\n")
    assert r.exit_code == 2 and "--force" in r.output and "上書き" in r.output
    assert "sign PIN:" not in r.output  # refused before asking
    assert target.read_bytes() == b"precious" and tries(card_file) == 5
    r = run("sign", str(doc), "-o", str(doc), "--profile", str(card_file), "--force")
    assert r.exit_code == 2 and doc.read_text() == "a\n"
    r = run("sign", str(doc), "--profile", str(card_file), "--force", input=PASSWORD + "\n")
    assert r.exit_code == 0 and target.read_bytes() != b"precious"
    assert target.stat().st_mode & 0o777 == 0o600


def test_wrong_password_spends_exactly_one_try(card_file: Path, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("a\n")
    r = run("sign", str(doc), "--profile", str(card_file), input="WRONG999\n")
    assert r.exit_code == 1
    assert "4 tries left" in r.output and "残り4回" in r.output
    assert tries(card_file) == 4
    assert not (tmp_path / "a.txt.p7s").exists()
    r = run("card", "cert", "sign", "--profile", str(card_file), input="WRONG999\n")
    assert r.exit_code == 1 and "3 tries left" in r.output and tries(card_file) == 3
    r = run("sign", str(doc), "--profile", str(card_file), input=PASSWORD + "\n")
    assert r.exit_code == 0 and tries(card_file) == 5  # a right password resets the counter


def test_last_try_needs_the_confirmation_flag(card_file: Path, tmp_path: Path) -> None:
    profile = CardProfile.load(card_file)
    profile.tries_left["sign"] = 1
    profile.save(card_file)
    doc = tmp_path / "a.txt"
    doc.write_text("a\n")
    for command in (["sign", str(doc)], ["card", "cert", "sign"]):
        r = run(*command, "--profile", str(card_file), input=PASSWORD + "\n")
        assert r.exit_code == 1
        assert "--i-understand-last-try" in r.output and "残り1回" in r.output
        assert "sign PIN:" not in r.output  # not even asked
        assert tries(card_file) == 1
    assert not (tmp_path / "a.txt.p7s").exists()
    r = run(
        "sign",
        str(doc),
        "--profile",
        str(card_file),
        "--i-understand-last-try",
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    assert tries(card_file) == 5


def test_blocked_password_says_where_to_reset(card_file: Path, tmp_path: Path) -> None:
    profile = CardProfile.load(card_file)
    profile.tries_left["sign"] = 0
    profile.save(card_file)
    doc = tmp_path / "a.txt"
    doc.write_text("a\n")
    r = run(
        "sign",
        str(doc),
        "--profile",
        str(card_file),
        "--i-understand-last-try",
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 1 and "blocked" in r.output and "municipal office" in r.output
    assert "sign PIN:" not in r.output


def test_the_password_never_reaches_output_or_log(card_file: Path, tmp_path: Path) -> None:
    log_file = tmp_path / "myna.log"
    common = ["--traffic", "--log-file", str(log_file)]
    doc = tmp_path / "a.pdf"
    doc.write_bytes(minimal_pdf())
    outputs = []
    for args, secret in (
        (["sign", str(doc)], PASSWORD),
        (["sign", str(doc), "--cms"], PASSWORD),
        (["card", "cert", "sign", "--show-personal"], PASSWORD),
        (["sign", str(doc), "--force"], "WRONG999"),
    ):
        r = run(*common, *args, "--profile", str(card_file), input=secret + "\n")
        outputs.append(r.output + (str(r.exception) if r.exception else ""))
    assert "4 tries left" in outputs[-1]
    log_text = log_file.read_text(encoding="utf-8")
    assert "TRAFFIC" in log_text and "<redacted" in log_text  # the scan is not vacuous
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.suffix in {".pdf", ".p7s"})
    everything = "\n".join(outputs) + log_text + written.decode("latin-1")
    for secret in (PASSWORD, "WRONG999"):
        for form in _forms(secret):
            assert form not in everything, f"the password leaked as {form!r}"


def test_sign_with_the_default_software_card() -> None:
    # `--virtual` (the profile under MYNA_HOME, documented password ABC123), as the README shows
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        doc = Path(folder) / "x.txt"
        doc.write_text("x\n")
        run("card", "reset-virtual")
        r = run("sign", str(doc), "--virtual", input="ABC123\n")
        assert r.exit_code == 0, r.output
        assert run("verify", str(doc) + ".p7s", "--trust-test-roots").exit_code == 0
