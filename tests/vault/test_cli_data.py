"""`myna import`, `myna table`, `myna vault status|audit|wipe` through click's runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mynalib.cli import main
from mynalib.vault import open_vault

from .conftest import PASSPHRASE
from .iryohi import block, iryohi_csv

NAME = "試験　一郎"


@pytest.fixture
def run(vault_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MYNA_VAULT", str(vault_dir))
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "医療費情報_2025.csv").write_bytes(
        iryohi_csv(year=2025, blocks=[block(1, 5950), block(2, 830, "テスト薬局", "調剤")])
    )
    (folder / "医療費情報_2024.csv").write_bytes(iryohi_csv(year=2024, blocks=[block(5, 12000)]))
    (folder / "hanako.csv").write_bytes(iryohi_csv(name="試験　花子", blocks=[block(3, 3000)]))
    return folder


def test_import_prints_per_file(run, files: Path) -> None:
    result = run("import", str(files / "医療費情報_2025.csv"))
    assert result.exit_code == 0, result.output
    assert "kind=iryohi_csv" in result.output and f"person={NAME}" in result.output
    assert "period=2025-01..2025-02" in result.output and "rows=2" in result.output
    assert "stored as #1" in result.output
    again = run("import", str(files))
    assert again.exit_code == 0, again.output
    assert "duplicate, skipped" in again.output
    assert "3 file(s): 2 new, 1 duplicate(s) skipped, 0 not imported" in again.output


def test_import_bad_file_exit_3_others_stored(run, files: Path, vault_dir: Path) -> None:
    (files / "readme.txt").write_text("not a document")
    result = run("import", str(files))
    assert result.exit_code == 3  # some files failed, the others were stored (1: nothing done)
    assert "readme.txt: UnknownDocument" in result.output
    assert "3 new" in result.output and "1 not imported" in result.output
    assert "取り込めませんでした" in result.output
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert v.count() == 3


def test_import_progress_for_many_files(run, tmp_path: Path, monkeypatch) -> None:
    from mynalib.commands import data

    monkeypatch.setattr(data, "_stderr_is_tty", lambda: True)
    folder = tmp_path / "many"
    folder.mkdir()
    for y in range(2015, 2025):
        (folder / f"{y}.csv").write_bytes(iryohi_csv(year=y))
    result = run("import", str(folder))
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output  # click.progressbar label (stderr)
    assert result.output.count("stored as #") == 10


def test_import_person_option(run, files: Path, vault_dir: Path) -> None:
    result = run("import", "--warnings", "--person", "別名　太郎", str(files / "hanako.csv"))
    assert result.exit_code == 0 and "person=試験　花子" in result.output
    assert "warning: the file names 試験　花子" in result.output
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        assert v.documents(person="別名　太郎")[0].person == "試験　花子"


def test_table_formats(run, files: Path) -> None:
    run("import", str(files))
    as_json = run("table", "medical_expenses", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert len(rows) == 4
    assert {type(r["total_cost"]) for r in rows} == {int}
    assert {r["month"] for r in rows} >= {"2025-01", "2024-05"}
    year = json.loads(run("table", "medical_expenses", "--year", "2024", "--format", "json").output)
    assert [r["total_cost"] for r in year] == [12000]
    person = run("table", "medical_expenses", "--person", "試験　花子", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(person.output)))
    assert [r["person"] for r in parsed] == ["試験　花子"] and parsed[0]["total_cost"] == "3000"
    text = run("table", "medical_expenses", "--year", "2025")
    assert "テスト薬局" in text.output and "total_cost" in text.output
    empty = run("table", "medical_expenses", "--year", "1999")
    assert empty.output.strip() == "(no rows)"


def test_table_year_on_frame_without_year(run, files: Path) -> None:
    run("import", str(files))
    result = run("table", "procedures", "--year", "2025")
    assert result.exit_code == 2 and "cannot be filtered by year" in result.output


def test_table_without_vault(run) -> None:
    result = run("table", "medical_expenses")
    assert result.exit_code == 1 and "myna import" in result.output


def test_status_and_audit_record_every_command(run, files: Path) -> None:
    run("import", str(files))
    run("table", "medical_expenses", "--year", "2025")
    status = run("vault", "status")
    assert status.exit_code == 0, status.output
    assert "documents:   3" in status.output and "iryohi_csv: 3" in status.output
    assert "unlocked by: passphrase" in status.output
    audit = run("vault", "audit", "--json")
    entries = json.loads(audit.output)
    assert [(e["action"], e["command"]) for e in entries] == [
        ("import", "myna import"),
        ("frame", "myna table"),
        ("status", "myna vault status"),
        ("audit-read", "myna vault audit"),
    ]
    assert "試験" not in audit.output
    plain = run("vault", "audit", "--limit", "1")
    assert plain.output.count("\n") == 1 and "audit-read" in plain.output


def test_wipe_asks_then_destroys(run, files: Path, vault_dir: Path) -> None:
    run("import", str(files))
    refused = run("vault", "wipe", input="n\n")
    assert refused.exit_code == 1 and (vault_dir / "vault.sqlite3").exists()
    done = run("vault", "wipe", input="y\n")
    assert done.exit_code == 0 and "destroyed" in done.output
    assert not vault_dir.exists()
    assert "nothing to wipe" in run("vault", "wipe", "--yes").output


def test_wipe_without_passphrase(run, files: Path, vault_dir: Path, monkeypatch) -> None:
    run("import", str(files))
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", "forgotten")
    result = run("vault", "wipe", "--yes")
    assert result.exit_code == 0 and not vault_dir.exists()


def test_wrong_or_missing_passphrase_message(run, files: Path, monkeypatch, fail_keyring) -> None:
    run("import", str(files))
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", "wrong")
    wrong = run("vault", "status")
    assert wrong.exit_code == 1 and "Wrong vault passphrase" in wrong.output
    monkeypatch.delenv("MYNA_VAULT_PASSPHRASE")
    missing = run("vault", "status")
    assert missing.exit_code == 1 and "MYNA_VAULT_PASSPHRASE" in missing.output


def test_vault_option_overrides_env(run, files: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-vault"
    result = run("import", "--vault", str(other), str(files / "hanako.csv"))
    assert result.exit_code == 0
    assert (other / "vault.sqlite3").exists()
    assert "documents:   1" in run("vault", "status", "--vault", str(other)).output


def test_change_passphrase(run, files: Path, vault_dir: Path, monkeypatch) -> None:
    run("import", str(files))
    short = run("vault", "passphrase", input="short\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    done = run("vault", "passphrase", input="a much better passphrase\n")
    assert done.exit_code == 0, done.output
    with pytest.raises(Exception, match="Wrong vault passphrase"):
        open_vault(vault_dir, passphrase=PASSPHRASE)
    with open_vault(vault_dir, passphrase="a much better passphrase") as v:
        assert v.count() == 3
        assert [e.action for e in v.audit_log()][-1] == "passphrase-change"


def test_no_progress_bar_when_not_a_terminal(run, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for y in range(2015, 2025):
        (folder / f"{y}.csv").write_bytes(iryohi_csv(year=y))
    result = run("import", str(folder))
    assert result.exit_code == 0 and "Importing" not in result.output


def test_audit_records_other_areas_commands(run, files: Path, tmp_path: Path) -> None:
    """Commands of other areas that read frames are recorded with their own command names."""
    run("import", str(files))
    out = tmp_path / "form.csv"
    for args in (
        ("tax", "summary", "--year", "2025", "--income", "5000000"),
        ("export", "iryohi-form", "--year", "2025", "-o", str(out)),
    ):
        result = run(*args)
        assert result.exit_code == 0, result.output
    entries = json.loads(run("vault", "audit", "--json").output)
    commands = {(e["action"], e["command"]) for e in entries}
    assert ("frame", "myna tax summary") in commands
    assert ("frame", "myna export iryohi-form") in commands


def test_render_frame_types() -> None:
    import pandas as pd

    from mynalib.commands.data import render_frame

    df = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2025-01", "2025-02"], freq="M"),
            "date": pd.to_datetime(["2025-01-05", None]),
            "paid": pd.array([1200, None], dtype="Int64"),
            "detail": [{"by_year": {2025: 5}, "x": [1, 2]}, {"long": "あ" * 100}],
        }
    )
    rows = json.loads(render_frame(df, "json"))
    assert rows[0] == {
        "month": "2025-01",
        "date": "2025-01-05",
        "paid": 1200,
        "detail": {"by_year": {"2025": 5}, "x": [1, 2]},
    }
    assert rows[1]["date"] is None and rows[1]["paid"] is None
    parsed = list(csv.DictReader(io.StringIO(render_frame(df, "csv"))))
    assert json.loads(parsed[0]["detail"]) == {"by_year": {"2025": 5}, "x": [1, 2]}
    table = render_frame(df, "table")
    assert "…" in table and "あ" * 100 not in table and "2025-01" in table
