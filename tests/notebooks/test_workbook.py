"""mynalib.workbook: the sample vault (built once, reused, rebuilt when sample_data changes), the
user's vault, and the helpers the notebooks call."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from mynalib import workbook
from mynalib.errors import MynaError
from mynalib.samples import HOUSEHOLD
from mynalib.samples import vault as sample_vault

TARO = "見本　太郎"


@pytest.fixture
def wb(sample_workbook: Path):
    book = workbook.open_workbook("sample")
    yield book
    book.close()


def test_sample_vault_holds_every_kind(wb: workbook.Workbook) -> None:
    assert wb.sample
    kinds = set(wb.status()["kind"])
    assert {"iryohi_csv", "kenshin_cda", "kojo_xml", "nenkin_csv", "portal_drugs"} <= kinds
    for frame in ("medical_expenses", "checkups", "pension_periods", "deductions", "dispensings"):
        assert not wb.frame(frame).empty, frame
    # 薬剤情報 came through the sandbox login of every member's software card
    assert set(wb.persons("dispensings")) == {m.name for m in HOUSEHOLD}
    assert not wb.vault.get_state("sample_skipped")


def test_sample_vault_is_reused(sample_workbook: Path) -> None:
    db = next(sample_workbook.glob("*.sqlite3"))
    before = db.stat().st_ino
    workbook.open_workbook(None).close()
    assert next(sample_workbook.glob("*.sqlite3")).stat().st_ino == before


def test_sample_vault_is_rebuilt_when_sample_data_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "sample_data"
    shutil.copytree(workbook.sample_data_dir() / "nenkin", data / "nenkin")
    monkeypatch.setenv("MYNA_SAMPLE_DATA", str(data))
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sample_vault, "_fetch_from_sandbox", lambda *a, **k: {})
    with workbook.workbook("sample") as first:
        assert len(first.persons("pension_periods")) == 2
    (data / "nenkin" / "nenkin_hanako.csv").unlink()
    with workbook.workbook("sample") as second:
        assert second.persons("pension_periods") == [TARO]


def test_person_for_file() -> None:
    assert sample_vault.person_for_file(Path("iryohi/taro/医療費情報_1.csv")) == TARO
    assert sample_vault.person_for_file(Path("nenkin/nenkin_hanako.csv")) == "見本　花子"
    assert sample_vault.person_for_file(Path("kojo/2025/TEG800_mihon-seimei_taro.xml")) == TARO
    assert sample_vault.person_for_file(Path("kojo/2025/other.xml")) is None


def test_people_years_and_birth_dates(wb: workbook.Workbook) -> None:
    assert wb.resolve_person("taro") == TARO
    assert wb.resolve_person(None, frame="pension_periods") == TARO
    assert wb.birth_date("taro") == dt.date(1970, 4, 12)
    assert wb.sex(TARO) == "1"
    assert wb.year(2023) == 2023
    latest = wb.year(None)
    assert latest < dt.date.today().year
    assert not wb.frame("medical_expenses", year=latest).empty


def test_tax_helpers(wb: workbook.Workbook) -> None:
    year = wb.year(None, frame="deductions")
    summary = wb.tax_summary(year)
    table = wb.deduction_table(summary)
    assert list(table.columns) == ["label", "person", "所得税", "住民税", "住民税の種類", "推計"]
    assert "医療費控除" in set(table["label"])
    amounts = wb.deduction_amounts(summary)
    assert list(amounts.columns) == ["label", "所得税", "住民税"]
    limit, donated = wb.furusato(summary)
    d = wb.frame("deductions", year=year, person=summary.filer)
    furusato = d[(d["category"] == "donation") & d["detail"].map(lambda x: bool(x.get("furusato")))]
    assert donated > 0
    assert limit is not None and limit > 0
    assert donated <= int(furusato["paid"].sum())  # cancelled donations drop out
    assert "ワンストップ特例" in wb.warnings(summary)
    assert "医療費控除" in wb.medical_choice(summary)
    form = wb.export_medical_form(year)
    assert form.files[0].exists() and form.files[0].parent == wb.export_dir()
    csv_path, json_path = wb.export_deductions(summary)
    assert csv_path.suffix == ".csv" and json_path.exists()


def test_users_own_vault(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    with workbook.workbook(path, passphrase="correct horse battery") as own:
        assert not own.sample
        assert own.status().empty
        with pytest.raises(MynaError, match="No person"):
            own.resolve_person(None, frame="pension_periods")
        with pytest.raises(MynaError, match="date of birth") as excinfo:
            own.birth_date("山田　太郎")
        assert "生年月日" in excinfo.value.ja
        own.set_birth_date("山田　太郎", dt.date(1980, 1, 10))
        assert own.birth_date("山田　太郎") == dt.date(1980, 1, 10)
        with pytest.raises(MynaError, match="sample vault"):
            own.fetch_from_sandbox(("notices",))
        assert own.tax_settings().filer is None
    # the birth date is kept, encrypted, in the vault
    with workbook.workbook(path, passphrase="correct horse battery") as again:
        assert again.birth_date("山田　太郎") == dt.date(1980, 1, 10)
    assert b"1980-01-10" not in b"".join(p.read_bytes() for p in path.iterdir() if p.is_file())


def test_sample_duplicate_prescription_is_found(wb: workbook.Workbook) -> None:
    """samples.household_dispensings documents one duplicate case: ume's ロキソプロフェン from
    two clinics in overlapping periods (autumn 2023), served by the sandbox's 薬剤情報."""
    from mynalib.analysis import drugs

    ov = drugs.overlaps(wb.frame("dispensings"))
    ume = ov[ov["person"] == "見本　うめ"]
    assert len(ume) >= 1
    row = ume.iloc[0]
    assert "ロキソプロフェン" in row["drug_names"]
    assert row["overlap_start"].year == 2023
    assert "2023年11月" in row["question"]


def test_passphrase_can_be_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    asked: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt) or "s3cret phrase")
    with workbook.workbook(tmp_path / "v", passphrase="ask") as own:
        assert not own.sample
    assert asked and "パスフレーズ" in asked[0]
    from mynalib.errors import VaultLocked

    monkeypatch.setattr(getpass, "getpass", lambda prompt: "wrong")
    with pytest.raises(VaultLocked):
        workbook.open_workbook(tmp_path / "v", passphrase="ask")


def test_sample_documents_without_a_checkout_are_generated(monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed package has no sample_data/: the same files come from the generator."""
    from_folder = dict(workbook.sample_documents())
    monkeypatch.setattr(workbook, "sample_data_dir", lambda: None)
    generated = dict(workbook.sample_documents())
    assert set(generated) == set(from_folder)
    assert generated == from_folder  # sample_data/ is the generator's output, byte for byte


def test_sample_documents_are_stored_as_sample_source(wb: workbook.Workbook) -> None:
    docs = wb.vault.documents("iryohi_csv")
    assert docs and {d.source for d in docs} == {"sample"}
    assert {d.source for d in wb.vault.documents("portal_drugs")} == {"portal"}


def test_import_file_refreshes_frames(tmp_path: Path) -> None:
    nenkin = workbook.sample_data_dir() / "nenkin" / "nenkin_taro.csv"
    with workbook.workbook(tmp_path / "v", passphrase="pass phrase") as own:
        assert own.frame("pension_periods").empty
        report = own.import_file(nenkin, person=TARO)
        assert report.kind == "nenkin_csv"
        assert own.persons("pension_periods") == [TARO]
        again = own.import_file(nenkin, person=TARO)
        assert len(own.vault.documents("nenkin_csv")) == 1, again


def test_fetch_from_sandbox_acts_for_the_person_given(wb: workbook.Workbook) -> None:
    """ACTING_FOR of the notebooks: taro's card logs in as ume's 代理人 (as `myna login --as`)."""
    from mynalib.portal.auth import PRINCIPALS_STATE

    report = wb.fetch_from_sandbox(("notices",), person="taro", acting_for="ume")
    assert report.documents and {d.person for d in report.documents} == {"見本　うめ"}
    assert {d.meta.get("agent") for d in report.documents} == {TARO}
    assert wb.vault.get_state(PRINCIPALS_STATE) == {"ume": "見本　うめ"}
    assert "見本　うめ" in set(wb.frame("notices")["person"])
    with pytest.raises(MynaError, match="not a member"):
        wb.fetch_from_sandbox(("notices",), acting_for="nobody")
    with pytest.raises(MynaError, match="not a member") as info:
        wb.fetch_from_sandbox(("notices",), person="nobody")
    assert "taro, hanako, sora, ume" in (info.value.hint or "")  # the household's own ids
