"""Maintainer tool: (re)makes the SAMPLE issuer's keys in mynalib/data/sample_keys/.

The sample 控除証明書 (``sample_data/kojo/``) are signed with a SAMPLE issuer key whose
certificate chains to a SAMPLE root. RSA keys cannot be derived from a seed with
``cryptography``, so the keys are not part of ``myna samples generate``: they were made once with
this script and committed, and every regeneration signs with them (which keeps the sample files
byte-identical). Everything is labelled SAMPLE / TEST ONLY (``O=mynalib SAMPLE``), valid
2020–2045; never trust it outside tests and demos.

New keys change every signed sample file, so the script refuses to overwrite existing keys
unless ``--force`` is given; then regenerate and commit ``sample_data/`` with them.

Run from the repository root:
    .venv/bin/python scripts/make_sample_keys.py --out /tmp/keys       # a fresh set elsewhere
    .venv/bin/python scripts/make_sample_keys.py --force                # replace the shipped keys
    .venv/bin/myna samples generate --out sample_data                   # then re-sign the samples
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mynalib.samples.kojo import SAMPLE_KEYS_DIR  # noqa: E402

#: the files written, in the folder given
KEY_FILES = ("sample_root_cert.pem", "sample_issuer_cert.pem", "sample_issuer_key.pem")


def make_sample_keys(out_dir: Path = SAMPLE_KEYS_DIR) -> list[Path]:
    """Write a new SAMPLE root CA and issuer key/certificate into ``out_dir``; return the paths."""

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mynalib SAMPLE"),
                x509.NameAttribute(
                    NameOID.ORGANIZATIONAL_UNIT_NAME, "TEST ONLY - NOT A REAL ISSUER"
                ),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )

    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    end = datetime(2045, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = name("mynalib SAMPLE Root CA (TEST ONLY)")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(0x5A4D504C45)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("mynalib SAMPLE Certificate Issuer (TEST ONLY)"))
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(0x5A4D504C4501)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    banner = b"# mynalib SAMPLE / TEST ONLY. Not a real issuer: never trust this outside tests and demos.\n"
    pem = serialization.Encoding.PEM
    root_file, cert_file, key_file = KEY_FILES
    paths = {
        root_file: banner + root.public_bytes(pem),
        cert_file: banner + cert.public_bytes(pem),
        key_file: banner
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    }
    written = []
    for fname, data in paths.items():
        (out_dir / fname).write_bytes(data)
        written.append(out_dir / fname)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=SAMPLE_KEYS_DIR,
        help=f"folder to write the keys to (default: {SAMPLE_KEYS_DIR.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace keys that are already in the folder"
    )
    args = parser.parse_args(argv)
    existing = [name for name in KEY_FILES if (args.out / name).exists()]
    if existing and not args.force:
        print(
            f"{args.out} already holds {', '.join(existing)}: new keys would change every signed "
            "sample file. Give --force to replace them (then regenerate sample_data/).",
            file=sys.stderr,
        )
        return 1
    for path in make_sample_keys(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
