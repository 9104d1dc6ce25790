"""`myna sign`, `myna verify` and `myna card cert`: electronic signatures with the card.

The work is done by :mod:`mynalib.signing`; these commands read files and the signing password,
refuse to overwrite, and print. Heavy imports (pyHanko, cryptography) happen inside the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..pins import PINS
from ._card import LAST_TRY as _LAST_TRY
from ._card import card_options
from ._card import open_from_options as _open
from ._card import pre_pin_checks as _pre_pin_checks
from ._common import echo, read_pin, report_errors
from .card import card_group

_card_options = card_options()

#: suffixes of a detached signature next to the file it signs (``doc.txt.p7s`` → ``doc.txt``)
SIGNATURE_SUFFIXES = (".p7s", ".p7m", ".sig")


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise click.UsageError(
            f"{path} already exists; give --force to overwrite it (nothing was signed or "
            f"written, no try spent)\n{path} は既に存在します。上書きするには --force を付けてください。"
        )


def _default_output(file: Path, as_pdf: bool, attached: bool) -> Path:
    if as_pdf:
        stem = file.name[:-4] if file.name.lower().endswith(".pdf") else file.name
        return file.with_name(f"{stem}-signed.pdf")
    return file.with_name(file.name + (".p7m" if attached else ".p7s"))


@click.command(
    "sign",
    help="Sign a file with the card's signing key (署名用電子証明書).\n\n"
    "A PDF (a file starting with %PDF-) gets a PAdES baseline B-B signature in an incremental "
    "update; any other file (or a PDF with --cms) a CMS signature: SignedData, SHA-256, DER, "
    "detached, with signing-time and signing-certificate-v2 (CAdES-BES). The key never leaves "
    "the card. Shows the signing password's tries left, then asks for it "
    f"({PINS['sign'].format_en}); with one try left nothing is sent without "
    "--i-understand-last-try. The signature holds your signing certificate, and with it your "
    "name, address, birth date and sex. For automation only (unsafe: other programs can read the "
    "environment), MYNA_SIGN_PIN is read instead.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write (default: FILE-signed.pdf for a PDF; FILE.p7s for CMS, FILE.p7m with "
    "--attached).",
)
@click.option("--cms", "force_cms", is_flag=True, help="Make a CMS signature even of a PDF.")
@click.option(
    "--attached",
    is_flag=True,
    help="CMS: carry the content inside the signature (default: detached).",
)
@click.option("--pem", is_flag=True, help="CMS: write PEM instead of DER.")
@click.option(
    "--visible",
    metavar="PAGE,x,y,w,h",
    default=None,
    help="PDF: draw the signature (signer's name and time) in this box: PAGE from 1, x y w h in "
    "points from the page's lower-left corner. Default: invisible.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@_card_options
@_LAST_TRY
@report_errors
def sign(
    file: Path,
    output: Path | None,
    force_cms: bool,
    attached: bool,
    pem: bool,
    visible: str | None,
    force: bool,
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    allow_last_try: bool,
) -> None:
    from ..export import write_private
    from ..signing import CardSigner, VisibleSignature, is_pdf, sign_cms, sign_pdf

    data = file.read_bytes()
    as_pdf = is_pdf(data) and not force_cms
    if as_pdf and (attached or pem):
        raise click.UsageError(
            "--attached and --pem are for CMS signatures; add --cms to sign a PDF as CMS"
        )
    if not as_pdf and visible is not None:
        raise click.UsageError("--visible is for PDF signatures")
    box = None
    if visible is not None:
        try:
            box = VisibleSignature.parse(visible)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--visible") from None
    target = output or _default_output(file, as_pdf, attached)
    if target.resolve() == file.resolve():
        raise click.UsageError("the output would replace the file being signed; choose another -o")
    _refuse_overwrite(target, force)

    with _open(virtual, reader, profile) as card:
        _pre_pin_checks(card, "sign", allow_last_try)
        pin = read_pin("sign")
        try:
            signer = CardSigner(card, pin, allow_last_try=allow_last_try)
            if as_pdf:
                signed = sign_pdf(data, signer, visible=box)
            else:
                signed = sign_cms(data, signer, attached=attached, pem=pem)
        finally:
            pin.wipe()
    _refuse_overwrite(target, force)  # it may have appeared while the card was signing
    write_private(target, signed)

    cert = signer.certificate
    if as_pdf:
        kind = "PAdES baseline B-B (PDF), SHA-256, " + (
            f"visible on page {box.page}" if box else "invisible"
        )
    else:
        kind = (
            f"CMS SignedData (CAdES-BES), SHA-256, {'attached' if attached else 'detached'}, "
            + ("PEM" if pem else "DER")
        )
    echo(f"signed / 署名しました: {target}")
    echo(f"  {kind}")
    echo(f"  signer / 署名者: {cert.subject.rfc4514_string()}")
    if "O=JPKI-TEST" in cert.issuer.rfc4514_string():
        echo(
            "  TEST-ONLY certificate of the software card: no one trusts this signature / "
            "テスト用証明書による署名です"
        )
    echo(
        "  The signature contains your signing certificate: your name, address, birth date and "
        "sex can be read by anyone who gets the file.\n"
        "  署名には署名用電子証明書（氏名・住所・生年月日・性別）が含まれます。"
    )
    check = f"myna verify {target}"
    if not as_pdf and not attached:
        check += f" --content {file}"
    echo(f"  check it / 確認: {check}")


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--content",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The signed file, for a detached CMS signature (default: FILE without its .p7s/.p7m/.sig "
    "suffix, when that file exists).",
)
@click.option(
    "--trust-test-roots",
    is_flag=True,
    help="Also trust the software card's TEST-ONLY CA (O=JPKI-TEST): for tests and demos only.",
)
@click.option(
    "--crl",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Check revocation against this CRL (DER or PEM) of the J-LIS signing CA; without it "
    "revocation is not checked.",
)
@click.option(
    "--show-personal",
    is_flag=True,
    help="Show the signer's name, address, birth date and sex from the certificate.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (no personal data).")
@report_errors
def verify(
    file: Path,
    content: Path | None,
    trust_test_roots: bool,
    crl: Path | None,
    show_personal: bool,
    as_json: bool,
) -> None:
    """Verify a signed PDF or a CMS signature; exit status 0 only when it is valid.

    Checks integrity (the content is unchanged), the signer's certificate, its chain to the J-LIS
    signing CAs shipped with mynalib (the software card's TEST-ONLY CA only with
    --trust-test-roots) and its validity at the signing time. Revocation cannot be checked
    offline: it is checked only against a CRL you give with --crl, and said otherwise.
    """
    import json

    from ..signing import is_detached, is_pdf
    from ..signing import verify as verify_signature

    data = file.read_bytes()
    signed: bytes | None = None
    if content is not None:
        signed = content.read_bytes()
    elif not is_pdf(data) and is_detached(data):
        if file.suffix.lower() in SIGNATURE_SUFFIXES and file.with_suffix("").is_file():
            guess = file.with_suffix("")
            echo(
                f"content / 対象データ: {guess} (found beside the signature; --content chooses "
                "another)",
                err=True,
            )
            signed = guess.read_bytes()
    report = verify_signature(
        data,
        signed,
        trust_test_roots=trust_test_roots,
        crl=crl.read_bytes() if crl is not None else None,
    )
    if as_json:
        echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        echo(report.render(show_personal=show_personal))
    if not report.valid:
        raise SystemExit(1)


@click.command("cert")
@click.argument("which", type=click.Choice(["auth", "sign", "auth-ca", "sign-ca"]))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "pem", "der"]),
    default="text",
    show_default=True,
    help="text: subject, issuer, serial, validity, chain verdict; pem or der: the certificate.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file.",
)
@click.option(
    "--show-personal",
    is_flag=True,
    help="text: show the name, address, birth date and sex in the signing certificate (a PEM or "
    "DER file always holds them).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@_card_options
@_LAST_TRY
@report_errors
def card_cert(
    which: str,
    fmt: str,
    output: Path | None,
    show_personal: bool,
    force: bool,
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    allow_last_try: bool,
) -> None:
    """Export a certificate of the card (auth, sign, auth-ca, sign-ca) as text, PEM or DER.

    sign (署名用電子証明書) can only be read after the signing password: its tries left are shown
    first, and with one try left nothing is sent without --i-understand-last-try. Its personal
    data is shown only with --show-personal. The others need no PIN.
    """
    from ..export import write_private
    from ..signing import CardSigner, certificate_text, to_pem

    if fmt == "der" and output is None and sys.stdout.isatty():
        raise click.UsageError("DER is binary: give -o FILE (or --format pem)")
    if output is not None:
        _refuse_overwrite(output, force)
    with _open(virtual, reader, profile) as card:
        if which == "sign":
            _pre_pin_checks(card, "sign", allow_last_try)
            pin = read_pin("sign")
            try:
                der = CardSigner.read_certificate(card, "sign", pin, allow_last_try=allow_last_try)
            finally:
                pin.wipe()
        else:
            der = CardSigner.read_certificate(card, which)
    if fmt == "text":
        payload = certificate_text(der, which, show_personal=show_personal).encode("utf-8")
    elif fmt == "pem":
        payload = to_pem(der)
    else:
        payload = der
    if output is None:
        echo(payload if fmt == "der" else payload.decode("utf-8"), nl=False)
        return
    write_private(output, payload)
    echo(f"wrote / 書き出しました: {output} ({which}, {fmt})", err=True)


card_group.add_command(card_cert)

COMMANDS: list[click.Command] = [sign, verify]
