"""scripts/make_sample_keys.py: the maintainer tool that made the SAMPLE issuer's keys."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from mynalib import samples
from mynalib.samples.household import DEFAULT_SEED
from mynalib.samples.kojo import certificate_files
from mynalib.sources import dsig

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_sample_keys", ROOT / "scripts" / "make_sample_keys.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_makes_a_test_only_chain_that_signs_and_verifies(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    script = _script()
    assert script.main(["--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(script.KEY_FILES)
    root_file, cert_file, key_file = (tmp_path / name for name in script.KEY_FILES)
    for path in (root_file, cert_file, key_file):
        assert path.read_bytes().startswith(b"# mynalib SAMPLE / TEST ONLY")
    root = x509.load_pem_x509_certificate(root_file.read_bytes())
    issuer = x509.load_pem_x509_certificate(cert_file.read_bytes())
    key = load_pem_private_key(key_file.read_bytes(), password=None)
    assert issuer.issuer == root.subject
    assert "TEST ONLY" in issuer.subject.rfc4514_string()
    _, unsigned = certificate_files(DEFAULT_SEED, sign=False)[0]
    assert dsig.verify(unsigned) == "unsigned"
    signed = dsig.sign_enveloped(unsigned, key, issuer)
    assert dsig.verify(signed, trusted_roots=[root]) == "valid"
    # the shipped sample root does not vouch for a fresh set
    assert dsig.verify(signed, trusted_roots=[samples.sample_root_certificate()]) == "untrusted"


def test_script_refuses_to_replace_keys_without_force(tmp_path: Path) -> None:
    script = _script()
    assert script.main(["--out", str(tmp_path)]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert script.main(["--out", str(tmp_path)]) == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert script.main(["--out", str(tmp_path), "--force"]) == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} != before


def test_default_folder_is_the_shipped_one() -> None:
    assert _script().SAMPLE_KEYS_DIR == ROOT / "mynalib" / "data" / "sample_keys"
