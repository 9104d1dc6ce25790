"""The sample household end to end: every sample file → a fresh vault → frames.

The frames' totals must equal the CSVs' own 年間の合計 sections, the 控除証明書 must come out
``untrusted`` (and ``valid`` against the SAMPLE root), and nothing may be lost or doubled.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from mynalib import samples
from mynalib.sources import dsig

from .conftest import _AMOUNT_KEYS, SAMPLE_DATA, amount, read_iryohi

COLUMNS = dict(
    zip(_AMOUNT_KEYS, ("total_cost", "insurer_paid", "public_paid", "patient_share"), strict=True)
)


def _sample_files() -> list[Path]:
    return sorted(
        p for sub in samples.GENERATED_DIRS for p in (SAMPLE_DATA / sub).rglob("*") if p.is_file()
    )


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from mynalib.vault import open_vault

    mp = pytest.MonkeyPatch()
    mp.setenv("MYNA_VAULT_PASSPHRASE", "sample household e2e")
    v = open_vault(tmp_path_factory.mktemp("e2e") / "vault", create=True)
    reports = [v.import_file(p) for p in _sample_files()]
    v.reports = reports  # type: ignore[attr-defined]
    yield v
    v.close()
    mp.undo()


def test_every_file_imported_once(vault) -> None:  # type: ignore[no-untyped-def]
    reports = vault.reports
    files = _sample_files()
    assert len(reports) == len(files) == 56
    errors = [(r.name, r.error) for r in reports if r.error]
    assert not errors
    assert all(r.new for r in reports)
    kinds = defaultdict(int)
    for r in reports:
        kinds[r.kind] += 1
    assert dict(kinds) == {"iryohi_csv": 21, "kojo_xml": 18, "kenshin_cda": 15, "nenkin_csv": 2}
    again = vault.import_file(files[0])
    assert not again.new  # idempotent


def test_medical_totals_equal_the_csvs_own_totals(vault) -> None:  # type: ignore[no-untyped-def]
    expected: dict[tuple[str, int], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(COLUMNS.values(), 0)
    )
    blocks = 0
    for path in sorted(SAMPLE_DATA.glob("iryohi/*/*.csv")):
        doc = read_iryohi(path.read_bytes())
        name = doc["sections"]["資格情報"]["氏名"]
        section = doc["sections"]["年間の合計"]
        year = int(re.match(r"(\d{4})年", section["期間"]).group(1))
        for key, column in COLUMNS.items():
            expected[(name, year)][column] += amount(section[key])
        blocks += len(doc["blocks"])
    df = vault.frame("medical_expenses")
    assert len(df) == blocks
    got = df.groupby(["person", df["month"].dt.year])[list(COLUMNS.values())].sum()
    actual = {
        (person, int(year)): {c: int(row[c]) for c in COLUMNS.values()}
        for (person, year), row in got.iterrows()
    }
    assert actual == dict(expected)
    assert len(actual) == 4 * len(samples.YEARS)
    # the same through the year/person filters
    for (person, year), totals in expected.items():
        sub = vault.frame("medical_expenses", year=year, person=person)
        assert int(sub["patient_share"].sum()) == totals["patient_share"]


def test_deductions_are_signed_untrusted_and_valid_with_sample_root(vault) -> None:  # type: ignore[no-untyped-def]
    df = vault.frame("deductions")
    assert set(df["signature"]) == {"untrusted"}
    assert set(df["form"]) == {"TEG800", "TEG810", "TEG822", "TEG830", "TEG840", "TEG850"}
    certs = samples.household_certificates()
    for cert in certs:
        rows = df[
            (df["form"] == cert["form"])
            & (df["year"] == cert["year"])
            & (df["person"] == cert["person"])
        ]
        assert len(rows), cert["file"]
    for year in samples.CERT_YEARS:
        donations = sum(
            line["amount"]
            for c in certs
            if c["form"] == "TEG822" and c["year"] == year
            for line in c["summary"]
        )
        rows = df[(df["form"] == "TEG822") & (df["year"] == year)]
        assert int(rows["paid"].sum()) == donations
        portal = sum(
            line["amount"]
            for c in certs
            if c["form"] == "TEG830" and c["year"] == year
            for line in c["summary"]
            if not line["cancelled"]
        )
        rows = df[(df["form"] == "TEG830") & (df["year"] == year)]
        assert int(rows["paid"].sum()) == portal
    root = samples.sample_root_certificate()
    documents = vault.documents("kojo_xml")
    assert len(documents) == 18
    for doc in documents:
        assert dsig.verify(doc.data) == "untrusted"
        assert dsig.verify(doc.data, trusted_roots=[root]) == "valid"


def test_checkups_and_pension_frames(vault) -> None:  # type: ignore[no-untyped-def]
    checkups = samples.household_checkups()
    df = vault.frame("checkups")
    assert len(df) == sum(len(c["items"]) for c in checkups)
    taro = df[(df["person"] == "見本　太郎") & (df["code"].str.startswith("3D045"))].sort_values(
        "date"
    )
    expected = [
        float(i["value"])
        for c in checkups
        if c["person_id"] == "taro"
        for i in c["items"]
        if i["key"] == "hba1c"
    ]
    assert [float(v) for v in taro["value"]] == expected
    pension = vault.frame("pension_periods")
    history = samples.pension_history()
    assert len(pension) == len(history)
    unpaid = pension[(pension["person"] == "見本　太郎") & (pension["status"] == "未納")]
    assert int(unpaid["months"].sum()) == 9
