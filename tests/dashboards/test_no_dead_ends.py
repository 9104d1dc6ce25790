"""No dead ends in the dashboards (in-process, no browser): searches find what people type and
say what to try when nothing matches; files import and export from the page as the CLI does;
the overview and notebook 05 agree on the 寄附金控除 and say what it depends on."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

pytest.importorskip("ipywidgets")

from mynalib import procedures as P
from mynalib.widgets.common import MemoryState
from mynalib.widgets.files import (
    Download,
    FilesPanel,
    deduction_downloads,
    import_uploads,
    medical_form_downloads,
)
from mynalib.widgets.notices import NoticeInbox
from mynalib.widgets.overview import FetchPanel
from mynalib.widgets.procedures import ProcedureSearch

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


def _ids(keyword: str) -> set[str]:
    return {p["procedure_id"] for p in P.search(keyword)}


# ------------------------------------------------------------------------------ search
@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("国保", "国民健康保険"),
        ("こくみんけんこうほけん", "国民健康保険"),
        ("コクホ", "国民健康保険"),
        ("ｺｸﾎ", "国民健康保険"),
        ("ひっこし", "転入届"),
        ("けっこん", "婚姻届"),
        ("マイナカード", "マイナンバーカード"),
        ("ほいくえん", "保育所"),
    ],
)
def test_search_finds_synonyms_and_readings(typed: str, meant: str) -> None:
    found = _ids(typed)
    assert found, typed
    assert _ids(meant) <= found, (typed, meant)


def test_every_entry_carries_its_keywords_and_the_search_needs_all_words() -> None:
    kokuho = P.get("kokuho_tennyu")
    assert {"国保", "こくみんけんこうほけん"} <= set(kokuho["keywords"])
    assert _ids("国保 転入") == {"kokuho_tennyu"}
    assert _ids("国保　転入") == {"kokuho_tennyu"}  # a full-width space separates words too
    assert _ids("存在しない手続の名前") == set()


def test_an_empty_search_says_what_to_try() -> None:
    w = ProcedureSearch()
    w.category.value = "介護"
    w.online.value = True
    w.keyword.value = "国民健康保険の出生"
    assert w.result_ids() == []
    hint = w.count.value
    assert "0</b> 件" in hint and "見つかりませんでした" in hint
    assert "国保" in hint and "ひらがな" in hint  # a shorter word, a reading
    assert "分野を「すべて」に戻して" in hint and "オンライン申請できるもののみ" in hint
    w.category.value = ""
    w.online.value = False
    w.keyword.value = "国保"
    assert w.result_ids() and "見つかりませんでした" not in w.count.value


def test_an_empty_notice_search_says_what_to_try() -> None:
    notices = pd.DataFrame(
        {
            "notice_id": ["N1"],
            "date": pd.to_datetime(["2026-01-10"]),
            "sender": ["架空区"],
            "category": ["税"],
            "title": ["住民税の決定"],
            "body": ["通知書を送りました"],
            "read": pd.array([True], dtype="boolean"),
            "person": ["見本　太郎"],
        }
    )
    inbox = NoticeInbox(notices, MemoryState())
    inbox.unread_only.value = True
    inbox.search.value = "児童手当"
    assert "該当するお知らせはありません" in inbox.summary.value
    assert "未読のみ" in inbox.summary.value and "言葉を短く" in inbox.summary.value
    inbox.unread_only.value = False
    inbox.search.value = ""
    assert "該当するお知らせはありません" not in inbox.summary.value


def test_fetch_progress_is_japanese() -> None:
    panel = FetchPanel(lambda: None, lambda *a: "")
    panel._progress(4, 4, "applications")
    assert "申請状況（4/4）" in panel.progress_label.value
    panel._progress(1, 9, "世帯情報")
    assert "世帯情報（1/9）" in panel.progress_label.value
    for english in ("deductions", "notices", "history"):
        panel._progress(2, 9, english)
        assert english not in panel.progress_label.value


# ------------------------------------------------------------------------------ files
@pytest.fixture()
def own_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from mynalib.vault import open_vault

    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)
    vault = open_vault(tmp_path / "vault")
    try:
        yield vault
    finally:
        vault.close()


def _upload(path: Path) -> dict[str, Any]:
    """What ipywidgets' FileUpload holds for a file the browser sent."""
    data = path.read_bytes()
    return {
        "name": path.name,
        "type": "text/csv",
        "size": len(data),
        "content": memoryview(data),
        "last_modified": dt.datetime(2026, 2, 23, tzinfo=dt.timezone.utc),
    }


def test_uploads_are_imported_with_the_checks_of_myna_import(own_vault: Any) -> None:
    csv = sorted((ROOT / "sample_data" / "iryohi" / "taro").glob("*.csv"))[0]
    xml = sorted((ROOT / "sample_data" / "kojo").rglob("*.xml"))[0]
    bad = {"name": "memo.txt", "content": b"not a file mynalib knows", "size": 0}
    lines = import_uploads(own_vault, [_upload(csv), _upload(xml), bad])
    assert [css for css, _ in lines] == ["ok", "ok", "error"]
    assert "医療費通知情報（CSV）" in lines[0][1] and "見本　太郎" in lines[0][1]
    assert "控除証明書（XML）" in lines[1][1]
    assert "取り込めませんでした" in lines[2][1] and "対応していない" in lines[2][1]
    again = import_uploads(own_vault, [_upload(csv)])
    assert again[0][0] == "dup" and "保管済み" in again[0][1]
    assert len(own_vault.catalogue()) == 2  # stored once, the bad file not at all


def test_the_files_panel_imports_refreshes_and_offers_downloads(own_vault: Any) -> None:
    from mynalib.tax import TaxSettings

    refreshed: list[int] = []
    csv = sorted((ROOT / "sample_data" / "iryohi" / "taro").glob("*.csv"))[0]
    panel = FilesPanel(
        own_vault,
        lambda year, template: medical_form_downloads(own_vault, year, TaxSettings()),
        on_imported=lambda: refreshed.append(1),
    )
    panel.show_year(2025)
    panel.upload.value = (_upload(csv),)
    assert refreshed == [1]
    assert "myna-import-ok" in panel.report.value
    assert panel.upload.value == ()  # the uploaded bytes are not kept in the page
    assert 'download="医療費集計フォーム_2025.csv"' in panel.downloads.value
    assert "data:text/csv" in panel.downloads.value


def test_downloads_are_the_files_the_cli_writes(
    own_vault: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mynalib.cli import main
    from mynalib.tax import TaxSettings, household_summary

    for folder in ("taro", "hanako"):
        own_vault.import_files(sorted((ROOT / "sample_data" / "iryohi" / folder).glob("*.csv")))
    own_vault.import_files(sorted((ROOT / "sample_data" / "kojo").rglob("*.xml")))
    (form,) = medical_form_downloads(own_vault, 2025, TaxSettings())
    out = tmp_path / "cli.csv"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "iryohi-form",
            "--year",
            "2025",
            "-o",
            str(out),
            "--vault",
            str(own_vault.directory),
        ],
    )
    assert result.exit_code == 0, result.output
    assert form.data == out.read_bytes() and form.filename == "医療費集計フォーム_2025.csv"
    summary = household_summary(
        2025,
        medical_expenses=own_vault.frame("medical_expenses"),
        deductions=own_vault.frame("deductions"),
    )
    csv, js = deduction_downloads(summary)
    assert csv.filename == "控除一覧_2025.csv" and csv.data.startswith(b"\xef\xbb\xbfyear,")
    assert js.filename == "控除一覧_2025.json" and b'"year": 2025' in js.data
    link = csv.link()
    assert link.startswith('<a class="myna-download ') and 'download="控除一覧_2025.csv"' in link
    assert base64.b64decode(link.split("base64,", 1)[1].split('"', 1)[0]) == csv.data


def test_the_official_form_is_filled_when_chosen(own_vault: Any, tmp_path: Path) -> None:
    from openpyxl import Workbook, load_workbook

    from mynalib.tax import TaxSettings

    own_vault.import_files(sorted((ROOT / "sample_data" / "iryohi" / "taro").glob("*.csv")))
    book = Workbook()
    book.active.title = "医療費集計フォーム"
    template = tmp_path / "form.xlsx"
    book.save(template)
    (xlsx,) = medical_form_downloads(own_vault, 2025, TaxSettings(), template=template.read_bytes())
    assert xlsx.filename == "医療費集計フォーム_2025.xlsx" and "XLSX" in xlsx.label
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(xlsx.data)
    sheet = load_workbook(filled)["医療費集計フォーム"]
    assert sheet["B9"].value == "見本　太郎"
    assert not list(tmp_path.glob("myna-export-*"))  # the temporary files are gone


def test_a_download_is_a_data_link(tmp_path: Path) -> None:
    d = Download("カレンダー", "plan.ics", b"BEGIN:VCALENDAR")
    assert 'href="data:text/calendar;charset=utf-8;base64,' in d.link()


# ------------------------------------------------------------------------------ one figure
@pytest.mark.slow
def test_the_overview_and_notebook_05_show_the_same_donation_figure() -> None:
    from mynalib import display, workbook
    from mynalib.widgets.apps import _overview_data, dashboard_tax_settings
    from mynalib.widgets.common import StatusBar
    from mynalib.widgets.overview import deductions_html

    with workbook.open_workbook("sample") as wb:
        year = wb.year(None, frame="deductions")
        notebook = wb.tax_summary(year, settings=wb.tax_settings(None))
        # the dashboards open the same vault by its path: still the sample household's inputs
        assert dashboard_tax_settings(wb.vault).filer_inputs.total_income == 5_100_000
        data = _overview_data(wb.vault, StatusBar(), year)
    overview = data["summary"]

    def donation(summary: Any) -> int:
        (row,) = [r for r in summary.rows() if r["deduction"] == "donation" and r["applied"]]
        return int(row["resident_tax"])

    assert donation(overview) == donation(notebook) > 11_500  # 基本分 + 特例分, not 基本分 only
    note = display.donation_note(overview)
    assert note == display.donation_note(notebook)
    assert "基本分" in note and "特例分" in note and "住民税所得割額" in note
    page = deductions_html(overview)
    assert f'data-amount="{donation(overview)}"' in page and "myna-donation-note" in page


def test_without_income_the_donation_note_says_what_is_missing() -> None:
    from mynalib import display
    from mynalib.tax.result import DeductionResult, Step

    result = DeductionResult(
        key="donation",
        label="寄附金控除",
        year=2025,
        person="見本　太郎",
        income_tax=0,
        resident_tax=11_500,
        steps=[Step("特例分", "課税所得金額 未入力", 0, "住民税")],
        details={"furusato": 117_000, "basic": 11_500, "special": 0},
        resident_tax_kind="税額控除",
    )
    summary = type("S", (), {"people": [type("P", (), {"results": [result]})()]})()
    note = display.donation_note(summary)
    assert "11,500円 は基本分だけです" in note and "taxable_income" in note
    assert isinstance(dt.date.today(), dt.date)
