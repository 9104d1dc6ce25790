"""The settings file (TOML/JSON), the household summary, and the CLI against a fake vault."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from mynalib.cli import main
from mynalib.errors import TaxError, UnsupportedTaxYear
from mynalib.export.deductions import SUMMARY_COLUMNS, deductions_csv, write_deductions
from mynalib.tax import household_summary, load_settings, settings_from_dict
from mynalib.tax.settings import Dependant

from .factories import HANAKO, SORA, TARO, UME, cert, deductions, medical

TOML = """
year = 2026
filer = "見本　太郎"
total_income = 5_000_000
taxable_income = 3_000_000
resident_levy = 250_000
health_check = true
prepaid = "split"
otc_purchases = "otc.csv"

[[dependants]]
name = "見本　そら"
birth = "2012-06-20"

[[medical_extra]]
person = "見本　うめ"
provider = "見本バス"
amount = 1_000
category = "通院交通費"
date = "2026-02-01"

[people."見本　花子"]
total_income = 800_000
"""


def test_toml_and_json_settings(tmp_path: Path) -> None:
    path = tmp_path / "tax.toml"
    path.write_text(TOML, "utf-8")
    s = load_settings(path)
    assert (s.year, s.filer, s.prepaid, s.health_check) == (2026, TARO, "split", True)
    assert s.otc_purchases == tmp_path / "otc.csv"
    assert s.filer_inputs.total_income == 5_000_000
    assert s.filer_inputs.has_dependant_under_23(2026) is True
    assert s.inputs_for(HANAKO).total_income == 800_000
    assert s.inputs_for(UME).total_income is None
    assert s.medical_extra[0].category == "その他の医療費" and s.medical_extra[0].date == date(
        2026, 2, 1
    )
    as_json = tmp_path / "tax.json"
    as_json.write_text(
        json.dumps({"filer": TARO, "total_income": 1_000_000, "dependants_under_23": 0}), "utf-8"
    )
    j = load_settings(as_json)
    assert j.filer_inputs.total_income == 1_000_000
    assert j.filer_inputs.has_dependant_under_23(2026) is False


def test_dependant_age_at_year_end() -> None:
    # 年齢計算ニ関スル法律: an age is reached the day before the birthday, so a person born on
    # 2004-01-01 reaches 23 on 2026-12-31 — not "under 23 at the end of 2026"; 2004-01-02 is.
    d = Dependant("x", date(2003, 12, 31))
    assert d.age_at_year_end(2026) == 23
    assert Dependant("y", date(2004, 1, 1)).age_at_year_end(2026) == 23
    assert Dependant("z", date(2004, 1, 2)).age_at_year_end(2026) == 22


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"totl_income": 1}, "unknown key"),
        ({"total_income": "lots"}, "whole number"),
        ({"total_income": -5}, "negative"),
        ({"prepaid": "never"}, "prepaid"),
        ({"health_check": "yes"}, "health_check"),
        ({"medical_extra": [{"person": TARO}]}, "provider"),
        ({"medical_extra": [{"person": TARO, "provider": "x", "amont": 1}]}, "unknown key"),
        ({"dependants": [{"name": "x"}]}, "birth"),
        ({"people": {HANAKO: {"incme": 1}}}, "unknown key"),
    ],
)
def test_settings_errors(data: dict[str, Any], match: str) -> None:
    with pytest.raises(TaxError, match=match):
        settings_from_dict(data)


def test_settings_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("total_income = = 1", "utf-8")
    with pytest.raises(TaxError, match="not valid TOML"):
        load_settings(bad)
    with pytest.raises(TaxError, match="Cannot read"):
        load_settings(tmp_path / "missing.toml")


def household_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    med = medical(
        [
            (TARO, "2026-01", "医科外来", "見本内科", 60_000),
            # two months, each under the 高額療養費 limit (its own tests are in test_kogaku.py)
            (UME, "2026-03", "医科入院", "見本総合病院", 45_000),
            (UME, "2026-04", "医科入院", "見本総合病院", 45_000),
            (SORA, "2026-05", "歯科外来", "見本歯科", 20_000),
        ]
    )
    ded = deductions(
        cert("life_general", 100_000, regime="new", year=2026),
        cert("life_pension", 50_000, regime="new", year=2026, person=HANAKO),
        cert(
            "social_insurance",
            400_000,
            year=2025,
            form="TEG840",
            issuer="日本年金機構",
            detail={"by_year": {2025: 150_000, 2026: 250_000}},
        ),
        cert(
            "donation",
            52_000,
            year=2026,
            form="TEG830",
            detail={"furusato": True, "recipient": "見本市"},
        ),
    )
    return med, ded


def test_household_summary_2026() -> None:
    med, ded = household_frames()
    s = settings_from_dict(
        {
            "filer": TARO,
            "total_income": 5_000_000,
            "taxable_income": 3_000_000,
            "resident_levy": 250_000,
            "dependants": [{"name": SORA, "birth": "2012-06-20"}],
            "prepaid": "split",
        }
    )
    hs = household_summary(2026, medical_expenses=med, deductions=ded, settings=s)
    assert hs.filer == TARO and hs.era_label == "令和8年分"
    taro = hs.people[0]
    by_key = {r.key: r for r in taro.results}
    assert by_key["medical"].income_tax == 70_000  # 170,000 − 100,000, pooled over 3 persons
    assert by_key["life_insurance"].income_tax == 55_000  # 令和8年分 dependant rule
    assert by_key["social_insurance"].income_tax == 250_000  # the 2026 part of the 2025 prepayment
    assert by_key["donation"].income_tax == 50_000
    assert taro.income_tax_total == 70_000 + 55_000 + 250_000 + 50_000
    # tax without the deductions minus tax with them, across a bracket (速算表, NTA No.2260):
    # 3,425,000 × 20% − 427,500 = 257,500, 復興 5,407 → 262,900 (100円未満切捨て);
    # 3,000,000 × 10% − 97,500 = 202,500, 復興 4,252 → 206,700; saved 56,200 (not 425,000 × 10%)
    assert taro.saved is not None and taro.saved.income_tax == 262_900 - 206_700
    assert [p.person for p in hs.people] == [TARO, HANAKO]
    rows = hs.rows()
    assert {r["deduction"] for r in rows if r["person"] == HANAKO} == {"life_insurance"}
    text = hs.explain()
    assert "令和8年分" in text and "23歳未満" in text
    csv_text = deductions_csv(hs)
    assert csv_text.splitlines()[0] == ",".join(SUMMARY_COLUMNS)


def test_summary_defaults_and_estimates() -> None:
    med, ded = household_frames()
    hs = household_summary(2026, medical_expenses=med, deductions=ded, income=5_000_000)
    assert hs.filer == TARO  # the person with the most certificate lines
    assert any("filer" in w for w in hs.warnings)
    taro = hs.people[0]
    assert taro.taxable_estimated and taro.taxable_income is not None
    # 5,000,000 − (70,000 + 40,000 + 50,000) − 基礎控除 630,000 (令和7・8年分, ≤ 6,550,000)
    assert taro.taxable_income == 4_210_000
    donation = next(r for r in taro.results if r.key == "donation")
    assert donation.estimate
    assert household_summary(2026).filer is None


def test_summary_self_medication_comparison() -> None:
    from mynalib.tax import OtcPurchase

    med, ded = household_frames()
    buys = [OtcPurchase(date(2026, 6, 1), "店", "薬", 40_000, TARO)]
    s = settings_from_dict({"filer": TARO, "total_income": 5_000_000, "taxable_income": 3_000_000})
    hs = household_summary(
        2026, medical_expenses=med, deductions=ded, settings=s, otc_purchases=buys
    )
    assert hs.comparison is not None and hs.comparison.best == "medical"  # 70,000 vs 28,000
    applied = [r for r in hs.rows() if r["deduction"] in ("medical", "self_medication")]
    assert [(r["deduction"], r["applied"]) for r in applied] == [
        ("medical", True),
        ("self_medication", False),
    ]


def test_uncovered_year_in_summary() -> None:
    with pytest.raises(UnsupportedTaxYear):
        household_summary(2027)


# ----------------------------------------------------------------------------- CLI, fake vault
class FakeVault:
    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.closed = False
        self.calls: list[tuple[str, int | None]] = []

    def frame(
        self, name: str, *, year: int | None = None, person: str | None = None
    ) -> pd.DataFrame:
        from mynalib.frames import empty, filter_frame

        self.calls.append((name, year))
        df = self.frames.get(name)
        if df is None:
            return empty(name)
        return filter_frame(name, df, year=year, person=person)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_vault(monkeypatch: pytest.MonkeyPatch) -> FakeVault:
    from mynalib.commands import tax as tax_commands

    med, ded = household_frames()
    vault = FakeVault({"medical_expenses": med, "deductions": ded})
    monkeypatch.setattr(tax_commands, "_open_vault", lambda vault_dir: vault)
    return vault


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_cli_summary_text_and_json(fake_vault: FakeVault) -> None:
    r = invoke("tax", "summary", "--year", "2026", "--income", "5000000")
    assert r.exit_code == 0, r.output
    assert "医療費控除" in r.output and "70,000" in r.output
    assert fake_vault.closed
    assert ("deductions", None) in fake_vault.calls  # unfiltered: prepaid splits of other years
    r = invoke("tax", "summary", "--year", "2026", "--format", "json")
    data = json.loads(r.output)
    assert data["year"] == 2026 and data["filer"] == TARO


def test_cli_exports(fake_vault: FakeVault, tmp_path: Path) -> None:
    out = tmp_path / "form.csv"
    r = invoke("export", "iryohi-form", "--year", "2026", "-o", str(out), "--encoding", "cp932")
    assert r.exit_code == 0, r.output
    assert out.read_bytes().decode("cp932").startswith("医療を受けた人,")
    assert "3 rows in 1 file(s)" in r.output
    ded = tmp_path / "d.json"
    r = invoke("export", "deductions", "--year", "2026", "-o", str(ded))
    assert r.exit_code == 0, r.output
    assert json.loads(ded.read_text("utf-8"))["rows"]
    path = write_deductions(household_summary(2026), tmp_path / "empty.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_cli_errors(fake_vault: FakeVault, tmp_path: Path) -> None:
    r = invoke("tax", "summary", "--year", "2020")  # beyond the 5 years a 還付申告 can reach
    assert r.exit_code == 1 and "2020" in r.output and "令和3年分" in r.output
    fake_vault.frames["medical_expenses"] = medical(
        [(TARO, "2026-01", "医科外来", "𠮷野医院", 100)]
    )
    out = tmp_path / "x.csv"
    r = invoke("export", "iryohi-form", "--year", "2026", "-o", str(out), "--encoding", "cp932")
    assert r.exit_code == 1 and "row 1 column C" in r.output and "CP932" in r.output
    assert not out.exists()
    bad = tmp_path / "s.toml"
    bad.write_text("nonsense_key = 1", "utf-8")
    r = invoke("tax", "summary", "--year", "2026", "--settings", str(bad))
    assert r.exit_code == 1 and "nonsense_key" in r.output


def test_high_cost_settings_keys() -> None:
    s = settings_from_dict(
        {
            "filer": TARO,
            "birth": "1970-04-12",
            "kogaku_income_class": "区分ｳ",  # NFKC: ウ
            "subtract_kogaku_estimate": False,
            "people": {UME: {"birth": "1943-01-15", "kogaku_income_class": "エ"}},
        }
    )
    assert s.filer_inputs.birth == date(1970, 4, 12) and s.filer_inputs.kogaku_income_class == "ウ"
    assert s.inputs_for(UME).kogaku_income_class == "エ" and not s.subtract_kogaku_estimate
    assert settings_from_dict({}).subtract_kogaku_estimate is True
    with pytest.raises(TaxError, match="kogaku_income_class"):
        settings_from_dict({"kogaku_income_class": "カ"})
    with pytest.raises(TaxError, match="subtract_kogaku_estimate"):
        settings_from_dict({"subtract_kogaku_estimate": "yes"})


@pytest.mark.parametrize(("birth", "deduction"), [("2004-01-01", 40_000), ("2004-01-02", 55_000)])
def test_the_2026_dependant_rule_at_the_age_boundary(birth: str, deduction: int) -> None:
    # born 2004-01-01: 23 on 2026-12-31 (not under 23): the usual 40,000 cap for P = 100,000;
    # born 2004-01-02: 22 → 100,000 × 1/4 + 30,000 = 55,000 (令和8年分)
    ded = deductions(cert("life_general", 100_000, regime="new", year=2026))
    s = settings_from_dict({"filer": TARO, "dependants": [{"name": "子", "birth": birth}]})
    hs = household_summary(2026, deductions=ded, settings=s)
    life = next(r for r in hs.people[0].results if r.key == "life_insurance")
    assert life.income_tax == deduction


def test_no_tax_saves_nothing() -> None:
    # 見本　花子 (令和7年分): 総所得金額等 900,000 < 基礎控除 950,000 → 課税所得 0: no 所得税 to save.
    # 住民税: 900,000 − 431,080 − 430,000 = 38,920 → 38,000; with the deductions added back
    # 469,080 → 469,000: (18,760 → 18,700) + (28,140 → 28,100) = 46,800; 38,000: 1,500 + 2,200
    ded = deductions(
        cert("life_pension", 96_000, regime="new", person=HANAKO),
        cert("social_insurance", 403_080, person=HANAKO, form="TEG840", issuer="日本年金機構"),
    )
    s = settings_from_dict(
        {"filer": TARO, "people": {HANAKO: {"total_income": 900_000, "taxable_income": 0}}}
    )
    hs = household_summary(2025, deductions=ded, settings=s)
    hanako = next(p for p in hs.people if p.person == HANAKO)
    assert hanako.income_tax_total == 40_000 + 403_080
    assert hanako.saved is not None and hanako.saved.income_tax == 0
    assert hanako.resident_taxable_income == 38_000
    assert hanako.saved.resident_tax == 46_800 - 3_700


def test_resident_levy_estimate_uses_the_resident_deductions() -> None:
    # 課税総所得金額 4,000,000 + 所得控除の差 (生命 40,000 − 28,000, 寄附金 50,000 − 0) + 基礎控除の差
    # (630,000 − 430,000) = 4,262,000; 所得割 170,400 + 255,700 = 426,100 − 調整控除 2,500 = 423,600;
    # ふるさと納税の上限: 423,600 × 20% = 84,720 ÷ (90% − 20% × 1.021) = 121,759 + 2,000
    ded = deductions(
        cert("life_general", 100_000, regime="new"),
        cert("donation", 52_000, form="TEG830", detail={"furusato": True, "recipient": "見本市"}),
    )
    s = settings_from_dict({"filer": TARO, "total_income": 6_000_000, "taxable_income": 4_000_000})
    hs = household_summary(2025, deductions=ded, settings=s)
    taro = hs.people[0]
    assert taro.resident_taxable_income == 4_262_000
    donation = next(r for r in taro.results if r.key == "donation")
    assert donation.details["resident_levy"] == 423_600
    assert donation.details["furusato_limit"] == 123_759
