"""What a person reads is Japanese: tables with Japanese labels, yen and marks in household
order; the portal's progress and results in Japanese; names matched whatever their spaces and
width; terminal tables aligned by display width."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from click.testing import CliRunner

from mynalib import display
from mynalib.jp.names import name_key, same_name, search_key
from mynalib.jp.textwidth import clip, display_width, render_table

ROOT = Path(__file__).resolve().parent.parent
HOUSEHOLD = ["見本　太郎", "見本　花子", "見本　そら", "見本　うめ"]


# ------------------------------------------------------------------------------ tables
def test_ja_table_reads_japanese_and_keeps_the_frame_english() -> None:
    df = pd.DataFrame(
        {
            "person": ["見本　うめ", "見本　太郎", "見本　花子"],
            "month": pd.PeriodIndex(["2025-01", "2025-02", "2025-03"], freq="M"),
            "patient_share": pd.array([13782, None, 0], dtype="Int64"),
            "推計": [True, False, True],
            "read": pd.array([True, False, None], dtype="boolean"),
            "date": pd.to_datetime(["2025-01-05", None, "2025-03-01"]),
        }
    )
    shown = display.ja_table(df, order=HOUSEHOLD)
    assert df.columns[0] == "person"  # the frame is not touched
    assert list(shown.columns) == ["氏名", "月", "窓口相当負担額", "推計", "既読", "日付"]
    assert list(shown["氏名"]) == ["見本　太郎", "見本　花子", "見本　うめ"]  # household order
    assert list(shown["窓口相当負担額"]) == ["", "0円", "13,782円"]
    assert list(shown["推計"]) == ["", "推計", "推計"]
    assert list(shown["既読"]) == ["未読", "", "既読"]
    assert list(shown["月"]) == ["2025年2月", "2025年3月", "2025年1月"]
    assert list(shown["日付"]) == ["", "2025-03-01", "2025-01-05"]
    text = shown.to_string()
    for leak in ("True", "False", "None", "<NA>", "NaT", "nan", "patient_share", "person"):
        assert leak not in text, leak


def test_ja_table_orders_a_person_index_and_person_columns_with_the_total_last() -> None:
    pivot = pd.DataFrame(
        {"調剤": [5481, 6009, 11490], "医科外来": [6048, 13782, 19830]},
        index=pd.Index(["見本　うめ", "見本　太郎", "合計"], name="person"),
    )
    shown = display.ja_table(pivot, order=HOUSEHOLD, money=True)
    assert list(shown.index) == ["見本　太郎", "見本　うめ", "合計"]
    assert shown.index.name == "氏名"
    assert shown.loc["見本　太郎", "医科外来"] == "13,782円"
    monthly = pd.DataFrame(
        {"見本　うめ": [1, 2], "見本　花子": [3, 4], "見本　太郎": [5, 6]},
        index=pd.PeriodIndex(["2025-01", "2025-02"], freq="M", name="month"),
    )
    shown = display.ja_table(monthly, order=HOUSEHOLD, money=True)
    assert list(shown.columns) == ["見本　太郎", "見本　花子", "見本　うめ"]
    assert list(shown.index) == ["2025年1月", "2025年2月"] and shown.index.name == "月"


def test_ja_table_names_document_kinds_and_keeps_unknown_people_after_the_household() -> None:
    df = pd.DataFrame(
        {
            "kind": ["portal_notices", "iryohi_csv", "未納"],
            "person": ["誰か　別人", "見本 花子", "見本　太郎"],  # "見本 花子": an ASCII space
            "documents": [1, 5, 2],
        }
    )
    shown = display.ja_table(df, order=HOUSEHOLD, rows=2)
    assert list(shown["種類"]) == ["未納", "医療費通知情報（CSV）"]
    assert list(shown["氏名"]) == ["見本　太郎", "見本 花子"]
    assert display.kind_label("portal_notices") == "お知らせ"
    assert display.kind_label("portal_drugs") == "薬剤情報"


# ------------------------------------------------------------------------------ the portal
def test_fetch_progress_and_report_read_japanese() -> None:
    from mynalib.portal import protocol as P

    for group in P.FETCH_GROUPS:  # every name the client reports progress with
        label = display.fetch_progress_label(group)
        assert label != group and any("\u3040" <= c <= "\u9fff" for c in label), (group, label)
    assert display.fetch_progress_label("applications") == "申請状況"
    assert display.fetch_progress_label("starting") == "開始"
    assert display.fetch_progress_label("世帯情報") == "世帯情報"  # わたしの情報 items as they are
    report = SimpleNamespace(
        new={"portal_notices": 1}, duplicates={"kojo_xml": 2}, no_record=[], errors=[]
    )
    text = display.fetch_report_text(report)
    assert text == "お知らせ: 新しく1件、保管済み0件\n控除証明書（XML）: 新しく0件、保管済み2件"
    assert "new" not in text and "portal_" not in text


def test_crossing_text_says_none_in_words() -> None:
    assert (
        display.crossing_text(100_000, None) == "足切り額: 100,000円 / 超えた月: まだ超えていません"
    )
    july = pd.Period("2025-07", freq="M")
    assert display.crossing_text(100_000, july).endswith("超えた月: 2025年7月")
    assert display.notes_text([]) == "注意事項はありません。"
    assert display.notes_text(["a", "b"]) == "⚠ a\n⚠ b"


# ------------------------------------------------------------------------------ names
def test_names_match_whatever_their_spaces_and_width() -> None:
    assert same_name("見本 太郎", "見本　太郎")
    assert same_name("見本太郎", "見本　太郎")
    assert same_name("ﾐﾎﾝ　ﾀﾛｳ", "ミホン タロウ")
    assert same_name("ＡＢＣ", "ABC")
    assert not same_name("見本　太郎", "見本　花子")
    assert not same_name(None, "見本　太郎")
    assert name_key("見本\u3000 太郎") == "見本太郎"
    assert search_key("コクミン　ケンコウ") == "こくみん けんこう"
    assert search_key("ＫＯＫＵＨＯ") == "kokuho"


def test_filter_frame_matches_a_name_typed_with_an_ascii_space() -> None:
    from mynalib import frames

    df = frames.conform(
        "medical_expenses",
        pd.DataFrame(
            {
                "person": ["見本　太郎", "見本　花子", None],
                "month": ["2025-01", "2025-01", "2025-01"],
                "patient_share": [100, 200, 300],
            }
        ),
    )
    for typed in ("見本 太郎", "見本　太郎", "見本太郎"):
        out = frames.filter_frame("medical_expenses", df, person=typed)
        assert list(out["patient_share"]) == [100], typed


# ------------------------------------------------------------------------------ terminal
def test_display_width_counts_terminal_cells() -> None:
    assert display_width("見本　太郎") == 10
    assert display_width("ﾐﾎﾝ") == 3
    assert display_width("abc") == 3
    assert display_width("か\u3099") == 2  # a combining mark takes no cell
    assert clip("医療法人社団見本会", 9) == "医療法人…"
    assert display_width(clip("医療法人社団見本会", 9)) <= 9


def _columns_line_up(text: str, first_values: list[str]) -> None:
    """Each line's second column starts at the same terminal cell."""
    lines = text.splitlines()
    starts = set()
    for line, value in zip(lines, first_values, strict=True):
        rest = line[len(value) :]
        starts.add(display_width(value) + len(rest) - len(rest.lstrip(" ")))
    assert len(starts) == 1, text


def test_render_table_pads_by_display_width() -> None:
    text = render_table(
        ["person", "amount"],
        [["見本　太郎", "13782"], ["Ann", "5"]],
        right=[False, True],
    )
    lines = text.splitlines()
    assert [display_width(line) for line in lines] == [display_width(lines[0])] * 3
    assert lines[2].endswith("    5")  # numbers right-aligned, ending on the same cell
    left = render_table(["person", "name"], [["見本　太郎", "ミホン"], ["Ann", "x"]])
    _columns_line_up(left, ["person", "見本　太郎", "Ann"])


@pytest.fixture()
def vault_with_two_people(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from mynalib.vault import open_vault

    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", "correct horse battery staple")
    folder = tmp_path / "vault"
    files = sorted((ROOT / "sample_data" / "iryohi" / "taro").glob("*.csv"))[:2]
    files += sorted((ROOT / "sample_data" / "iryohi" / "hanako").glob("*.csv"))[:1]
    with open_vault(folder) as vault:
        vault.import_files(files)
    return folder


def test_myna_table_person_with_an_ascii_space_and_aligned_columns(
    vault_with_two_people: Path,
) -> None:
    from mynalib.cli import main

    runner = CliRunner()
    base = ["table", "medical_expenses", "--vault", str(vault_with_two_people)]
    exact = runner.invoke(main, [*base, "--person", "見本　太郎", "--format", "json"])
    assert exact.exit_code == 0, exact.output
    rows = json.loads(exact.output)
    assert rows and {r["person"] for r in rows} == {"見本　太郎"}
    for typed in ("見本 太郎", "見本太郎"):
        result = runner.invoke(main, [*base, "--person", typed, "--format", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == rows, typed
    table = runner.invoke(main, base)
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    widths = {display_width(line.rstrip()) for line in lines[1:]}
    header = lines[0]
    month_at = display_width(header[: header.index("month")])
    for line in lines[1:]:  # the month column starts at the same cell on every line
        prefix = line.split("  20")[0] + "  "
        assert display_width(prefix) == month_at, (line, month_at)
    assert widths  # every row rendered


def test_exports_print_their_full_path(
    vault_with_two_people: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mynalib.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main,
        ["export", "deadlines", "-o", "plan.ics", "--event", "birth", "--date", "2026-05-01"],
    )
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "plan.ics") in result.output
    result = CliRunner().invoke(
        main,
        [
            "export",
            "iryohi-form",
            "--year",
            "2025",
            "-o",
            "form.csv",
            "--vault",
            str(vault_with_two_people),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'form.csv'}" in result.output


def test_frames_keep_english_columns_for_code(vault_with_two_people: Path) -> None:
    from mynalib.vault import open_vault

    with open_vault(vault_with_two_people) as vault:
        df = vault.frame("medical_expenses", person="見本 花子")
    assert "patient_share" in df.columns and len(df) > 0
    assert set(df["person"]) == {"見本　花子"}
    assert isinstance(dt.date.today(), dt.date)


def test_import_person_given_with_an_ascii_space_joins_the_stored_name(
    vault_with_two_people: Path, tmp_path: Path
) -> None:
    """A file without a name, imported for "見本 太郎", is filed under the vault's 見本　太郎."""
    from mynalib.cli import main
    from mynalib.vault import open_vault

    text = (ROOT / "sample_data" / "nenkin" / "nenkin_taro.csv").read_text(encoding="utf-8")
    nameless = tmp_path / "nenkin.csv"
    nameless.write_text(
        "\n".join(line for line in text.splitlines() if "氏名" not in line) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["import", str(nameless), "--person", "見本 太郎", "--vault", str(vault_with_two_people)],
    )
    assert result.exit_code == 0, result.output
    assert "person=見本　太郎" in result.output
    with open_vault(vault_with_two_people) as vault:
        assert len(vault.frame("pension_periods", person="見本　太郎")) > 0
