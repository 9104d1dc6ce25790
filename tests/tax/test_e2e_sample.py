"""The sample household's year end to end: sample_data → vault → `myna tax summary` /
`myna export …` → files, compared with golden files in tests/golden/tax/.

Regenerate after an intended change with ``MYNA_UPDATE_GOLDEN=1 pytest tests/tax/test_e2e_sample.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mynalib.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"
GOLDEN = ROOT / "tests" / "golden" / "tax"
SETTINGS = GOLDEN / "settings_2025.toml"
PASSPHRASE = "sample-household-test"


@pytest.fixture(scope="module")
def vault_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mynalib.vault import open_vault

    if not (SAMPLES / "iryohi").is_dir() or not (SAMPLES / "kojo").is_dir():
        pytest.fail("sample_data/ is missing: run `myna samples generate`")
    directory = tmp_path_factory.mktemp("tax-vault")
    files = sorted(
        p
        for sub in ("iryohi", "kojo", "kenshin")
        for p in (SAMPLES / sub).rglob("*")
        if p.is_file()
    )
    with open_vault(directory, passphrase=PASSPHRASE, create=True) as vault:
        for path in files:
            report = vault.import_file(path)
            assert report.ok, (path, report)
    return directory


def run(vault_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(
        main,
        [*args, "--vault", str(vault_dir)],
        env={"MYNA_VAULT_PASSPHRASE": PASSPHRASE},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


def golden(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("MYNA_UPDATE_GOLDEN") == "1":
        path.write_bytes(actual)
    assert path.exists(), f"missing {name}: run with MYNA_UPDATE_GOLDEN=1"
    assert actual == path.read_bytes(), f"{name} differs from the golden file"


def test_summary_json(vault_dir: Path) -> None:
    out = run(
        vault_dir,
        "tax",
        "summary",
        "--year",
        "2025",
        "--settings",
        str(SETTINGS),
        "--format",
        "json",
    )
    data = json.loads(out)
    golden("summary_2025.json", out.encode("utf-8"))
    # the figures the golden file pins, checked by meaning too
    rows = {(r["person"], r["deduction"], r["applied"]): r for r in data["rows"]}
    assert data["filer"] == "見本　太郎"
    medical = data["people"][0]["results"][0]
    assert medical["key"] in ("medical", "self_medication")
    assert data["medical_comparison"]["best"] == medical["key"]
    life = rows[("見本　太郎", "life_insurance", True)]
    assert life["income_tax"] <= 120_000 and life["resident_tax"] <= 70_000
    donation = rows[("見本　太郎", "donation", True)]
    assert donation["resident_tax_kind"] == "税額控除"
    assert any("ワンストップ特例" in w for w in donation["warnings"].split(" / "))


def test_summary_text(vault_dir: Path) -> None:
    out = run(vault_dir, "tax", "summary", "--year", "2025", "--settings", str(SETTINGS))
    assert "令和7年分" in out and "医療費控除" in out and "生命保険料控除" in out
    golden("summary_2025.txt", out.encode("utf-8"))


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("iryohi_2025.csv", []),
        ("iryohi_2025_cp932.csv", ["--encoding", "cp932"]),
        ("iryohi_2025_by_month.csv", ["--by-month"]),
    ],
)
def test_iryohi_form(vault_dir: Path, tmp_path: Path, name: str, extra: list[str]) -> None:
    out = tmp_path / name
    text = run(
        vault_dir,
        "export",
        "iryohi-form",
        "--year",
        "2025",
        "-o",
        str(out),
        "--settings",
        str(SETTINGS),
        *extra,
    )
    assert f"wrote {out}" in text
    golden(name, out.read_bytes())


def test_iryohi_form_xlsx(vault_dir: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from .test_iryohi_form import build_template

    template = tmp_path / "template.xlsx"
    build_template(template)
    out = tmp_path / "form.xlsx"
    run(
        vault_dir,
        "export",
        "iryohi-form",
        "--year",
        "2025",
        "-o",
        str(out),
        "--settings",
        str(SETTINGS),
        "--xlsx-template",
        str(template),
    )
    ws = load_workbook(out)["医療費集計フォーム"]
    csv_rows = (GOLDEN / "iryohi_2025.csv").read_bytes().decode("utf-8-sig").splitlines()[1:]
    for offset, line in enumerate(csv_rows):
        values = [ws[f"{c}{9 + offset}"].value for c in "BCDEFGHIJ"]
        as_text = ",".join("" if v is None else str(v) for v in values)
        assert as_text == line
    assert ws[f"B{9 + len(csv_rows)}"].value is None


def test_deductions_export(vault_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "deductions.csv"
    run(
        vault_dir,
        "export",
        "deductions",
        "--year",
        "2025",
        "-o",
        str(out),
        "--settings",
        str(SETTINGS),
    )
    golden("deductions_2025.csv", out.read_bytes())
    out_json = tmp_path / "deductions.json"
    run(
        vault_dir,
        "export",
        "deductions",
        "--year",
        "2025",
        "-o",
        str(out_json),
        "--settings",
        str(SETTINGS),
    )
    assert json.loads(out_json.read_text("utf-8"))["year"] == 2025


def test_exports_are_recorded_in_the_audit_log(vault_dir: Path, tmp_path: Path) -> None:
    from mynalib.vault import open_vault

    run(vault_dir, "export", "iryohi-form", "--year", "2025", "-o", str(tmp_path / "form.csv"))
    run(vault_dir, "export", "deductions", "--year", "2025", "-o", str(tmp_path / "d.json"))
    with open_vault(vault_dir, passphrase=PASSPHRASE, create=False) as vault:
        exports = [e for e in vault.audit_log() if e.action == "export"]
    details = [e.detail for e in exports]
    assert any(d.startswith("iryohi-form year=2025 format=utf-8-sig") for d in details), details
    assert any(d.startswith("deductions year=2025 format=json") for d in details), details
    # the command that exported is named, and no personal data is in the entry
    assert all(e.command and "export" in e.command for e in exports), exports
    assert not any("見本" in d or str(tmp_path) in d for d in details)


def test_exports_are_private_files_under_a_permissive_umask(
    vault_dir: Path, tmp_path: Path
) -> None:
    """Every export is personal data: written 0600 whatever the umask, replacing a file that
    was readable by others, and never left half-written (no temporary file remains)."""
    import stat

    from .test_iryohi_form import build_template

    template = tmp_path / "template.xlsx"
    build_template(template)
    out = tmp_path / "out"
    out.mkdir()
    (out / "form.csv").write_bytes(b"old")
    os.chmod(out / "form.csv", 0o644)
    old = os.umask(0o022)
    try:
        common = ["--year", "2025", "--settings", str(SETTINGS)]
        run(vault_dir, "export", "iryohi-form", *common, "-o", str(out / "form.csv"))
        run(
            vault_dir,
            "export",
            "iryohi-form",
            *common,
            "-o",
            str(out / "form.xlsx"),
            "--xlsx-template",
            str(template),
        )
        run(vault_dir, "export", "deductions", *common, "-o", str(out / "d.csv"))
        run(vault_dir, "export", "deductions", *common, "-o", str(out / "sub" / "d.json"))
    finally:
        os.umask(old)
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert [p.relative_to(out).as_posix() for p in written] == [
        "d.csv",
        "form.csv",
        "form.xlsx",
        "sub/d.json",
    ]
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert (out / "form.csv").read_bytes() != b"old"


def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    from mynalib.export import write_private

    target = tmp_path / "x.csv"
    with pytest.raises(TypeError):
        write_private(target, object())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    write_private(target, b"ok")
    assert target.read_bytes() == b"ok" and [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_the_2024_hospital_month_is_a_high_cost_month(vault_dir: Path, tmp_path: Path) -> None:
    """The sample's 2024 hospital month (医療費 638,160円, 窓口 191,448円): 区分ウ (assumed, and said)
    80,100 + (638,160 − 267,000) × 1% = 83,812円, so 107,636円 comes back as 高額療養費."""
    data = json.loads(run(vault_dir, "tax", "summary", "--year", "2024", "--format", "json"))
    medical = data["people"][0]["results"][0]
    assert medical["key"] == "medical"
    assert medical["details"]["kogaku_subtracted"] == 107_636
    (warning,) = [w for w in medical["warnings"] if "高額療養費" in w]
    assert "2024年6月" in warning and "638,160円" in warning and "191,448円" in warning
    assert "107,636円" in warning
    out = tmp_path / "form.csv"
    run(vault_dir, "export", "iryohi-form", "--year", "2024", "-o", str(out), "--by-month")
    rows = [line.split(",") for line in out.read_bytes().decode("utf-8-sig").splitlines()[1:]]
    # the hospital's row of June (its 入院 191,448 and an 外来 claim): the refund as 補填 (column I)
    (row,) = [r for r in rows if r[7] not in ("", "0")]
    assert row[7] == "107636" and int(row[6]) >= 191_448 and row[8] == "2024年6月"
