"""mynalib.samples.vault: the one sample-vault builder (the notebooks' workbook and myna demo)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from mynalib.samples import HOUSEHOLD, sample_files
from mynalib.samples import vault as sample_vault

PASSPHRASE = "sample vault test passphrase"


@pytest.fixture(autouse=True)
def _cheap_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    """New vaults here use a cheap scrypt cost (the vault's own tests check the real one)."""
    from mynalib.vault import crypto

    monkeypatch.setattr(crypto, "SCRYPT_N", 2**12)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    from mynalib.vault import crypto

    saved = crypto.SCRYPT_N
    crypto.SCRYPT_N = 2**12
    try:
        target = tmp_path_factory.mktemp("sample") / "vault"
        seen: list[tuple[int, int, str]] = []
        counts = sample_vault.build_sample_vault(
            target, passphrase=PASSPHRASE, progress=lambda *a: seen.append(a)
        )
    finally:
        crypto.SCRYPT_N = saved
    files = sample_files()
    assert [done for done, _, _ in seen] == list(range(1, len(files) + 5))
    assert {total for _, total, _ in seen} == {len(files) + len(sample_vault.SANDBOX_FETCHES)}
    return target, counts


def _catalogue(target: Path) -> list[tuple[str, str | None]]:
    from mynalib.vault import open_vault

    with open_vault(target, passphrase=PASSPHRASE, create=False) as vault:
        return [(str(i.kind), i.person) for i in vault.catalogue()]


def test_sample_vault_holds_every_sample_file(built: tuple[Path, dict[str, int]]) -> None:
    target, counts = built
    folders = Counter(rel.split("/")[0] for rel, _ in sample_files())
    kinds = {"iryohi": "iryohi_csv", "kojo": "kojo_xml", "kenshin": "kenshin_cda"}
    kinds["nenkin"] = "nenkin_csv"
    for folder, n in folders.items():
        assert counts[kinds[folder]] == n, folder
    stored = Counter(kind for kind, _ in _catalogue(target))
    for folder, n in folders.items():
        assert stored[kinds[folder]] == n, folder
    # hanako's two 国民年金保険料 certificates (2年前納 of 2023 and 2025) are among them
    hanako = [p for kind, p in _catalogue(target) if kind == "kojo_xml" and p == "見本　花子"]
    theirs = [rel for rel, _ in sample_files() if re.fullmatch(r"kojo/.+_hanako\.xml", rel)]
    assert sum("TEG840" in rel for rel in theirs) == 2
    assert len(hanako) == len(theirs)


def test_sample_vault_holds_what_only_the_portal_has(built: tuple[Path, dict[str, int]]) -> None:
    target, counts = built
    entries = _catalogue(target)
    drugs = {p for kind, p in entries if kind == "portal_drugs"}
    assert drugs == {m.name for m in HOUSEHOLD}
    for kind in ("portal_notices", "portal_history", "portal_applications"):
        assert counts.get(kind, 0) >= 1, kind
        assert {p for k, p in entries if k == kind} == {HOUSEHOLD[0].name}, kind


def test_sample_vault_state(built: tuple[Path, dict[str, int]]) -> None:
    from mynalib.vault import open_vault

    target, _ = built
    with open_vault(target, passphrase=PASSPHRASE, create=False) as vault:
        assert vault.get_state("sample_skipped") == []
        fingerprint = vault.get_state("sample_fingerprint")
    assert fingerprint == sample_vault.sample_fingerprint(sample_files())
    assert fingerprint != sample_vault.sample_fingerprint(sample_files(), pension_files=False)
    assert fingerprint != sample_vault.sample_fingerprint(sample_files()[1:])


def test_without_pension_files_only_the_pension_csvs_stay_out(tmp_path: Path) -> None:
    counts = sample_vault.build_sample_vault(
        tmp_path / "vault", passphrase=PASSPHRASE, pension_files=False
    )
    assert "nenkin_csv" not in counts
    assert counts["kojo_xml"] == sum(1 for rel, _ in sample_files() if rel.startswith("kojo/"))
    assert counts["portal_drugs"] >= len(HOUSEHOLD)


def test_a_failed_sandbox_leaves_the_files_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> dict[str, int]:
        raise ConnectionError("no sandbox")

    monkeypatch.setattr(sample_vault, "_fetch_from_sandbox", broken)
    target = tmp_path / "vault"
    documents = [(rel, data) for rel, data in sample_files() if rel.startswith("nenkin/")]
    with pytest.raises(sample_vault.PortalFetchFailed) as excinfo:
        sample_vault.build_sample_vault(target, passphrase=PASSPHRASE, documents=documents)
    assert isinstance(excinfo.value.__cause__, ConnectionError)
    assert Counter(kind for kind, _ in _catalogue(target)) == {"nenkin_csv": 2}
    from mynalib.vault import open_vault

    with open_vault(target, passphrase=PASSPHRASE, create=False) as vault:
        assert vault.get_state("sample_fingerprint") is None  # a cache would rebuild it
    assert [p.name for p in tmp_path.iterdir()] == ["vault"]  # no half-built work folder left


def test_unknown_documents_are_skipped_and_listed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sample_vault, "_fetch_from_sandbox", lambda *a, **k: {})
    documents = [("notes/settings.csv", b"key,value\r\nfiler,x\r\n")]
    documents += [(rel, data) for rel, data in sample_files() if rel.startswith("nenkin/")]
    target = tmp_path / "vault"
    counts = sample_vault.build_sample_vault(target, passphrase=PASSPHRASE, documents=documents)
    assert counts == {"nenkin_csv": 2}
    from mynalib.vault import open_vault

    with open_vault(target, passphrase=PASSPHRASE, create=False) as vault:
        assert vault.get_state("sample_skipped") == ["notes/settings.csv"]
