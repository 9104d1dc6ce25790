"""`myna tax summary` and the `myna export` group (医療費集計フォーム, deduction summary).

Other areas attach their own export commands to :data:`export_group`
(``export_group.add_command(cmd)``); ``COMMANDS`` lists the two groups.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._common import echo, json_safe, report_errors, vault_option

if TYPE_CHECKING:
    import pandas as pd

    from ..tax.portal import VaultInputs
    from ..tax.settings import TaxSettings
    from ..tax.summary import HouseholdSummary


def _open_vault(vault_dir: Path | None) -> Any:
    """The vault (through the shared contract). Tests replace this with a fake providing .frame()."""
    from ..vault import open_vault

    return open_vault(vault_dir, create=False)


def _audit_export(vault_dir: Path | None, detail: str) -> None:
    """Record an export in the vault's audit log (what was written, never personal data)."""
    vault = _open_vault(vault_dir)
    try:
        audit = getattr(vault, "audit", None)
        if audit is not None:
            audit("export", detail)
    finally:
        close = getattr(vault, "close", None)
        if close is not None:
            close()


def load_frames(
    vault_dir: Path | None, year: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, VaultInputs]:
    """medical_expenses (every year: earlier months count for 高額療養費's 多数回該当; the
    calculators take the year's rows), deductions (all years: prepaid splits), checkups (year),
    and what the vault's documents say about income and the household (portal 税・所得,
    世帯情報, the 医療費通知's dates of birth)."""
    from ..tax.portal import read_vault_inputs

    vault = _open_vault(vault_dir)
    try:
        medical = vault.frame("medical_expenses")
        deductions = vault.frame("deductions")
        try:
            checkups = vault.frame("checkups", year=year)
        except Exception:  # checkups are optional evidence for セルフメディケーション
            checkups = None
        found = read_vault_inputs(vault, year)
    finally:
        close = getattr(vault, "close", None)
        if close is not None:
            close()
    return medical, deductions, checkups, found


def _settings(path: Path | None) -> TaxSettings:
    from ..tax.settings import TaxSettings, load_settings

    return load_settings(path) if path is not None else TaxSettings()


def _summary(
    vault_dir: Path | None,
    year: int,
    settings_path: Path | None,
    income: int | None,
    otc: Path | None,
) -> HouseholdSummary:
    from ..tax.rules import rules_for
    from ..tax.summary import household_summary

    rules_for(year)  # an uncovered year fails before the vault is opened
    settings = _settings(settings_path)
    medical, deductions, checkups, found = load_frames(vault_dir, year)
    return household_summary(
        year,
        medical_expenses=medical,
        deductions=deductions,
        settings=settings,
        otc_purchases=otc,
        checkups=checkups,
        income=income,
        vault_inputs=found,
    )


_year_option = click.option(
    "--year", type=int, required=True, help="Tax year (e.g. 2025 for 令和7年分)."
)
_settings_option = click.option(
    "--settings",
    "settings_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Per-year settings file (TOML or JSON): income, dependants, added receipts, 補填. "
    "See the README section 'Tax and exports'.",
)
_otc_option = click.option(
    "--otc",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="OTC purchase list CSV for セルフメディケーション税制 "
    "(template: sample_data/templates/otc_purchases_template.csv).",
)


def _output_option(help_text: str) -> Any:
    """``-o/--output FILE`` (required), with the command's own help text."""
    return click.option(
        "-o",
        "--output",
        "out",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=help_text,
    )


@click.group("tax")
def tax_group() -> None:
    """Deductions the data supports, with the arithmetic (医療費控除, 生命保険料控除, …)."""


@tax_group.command("summary")
@_year_option
@click.option(
    "--income",
    type=click.IntRange(min=0),
    default=None,
    help="総所得金額等 of the filer in yen (overrides the settings file).",
)
@_settings_option
@_otc_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the arithmetic step by step; json: everything machine-readable.",
)
@vault_option
@report_errors
def summary_command(
    year: int,
    income: int | None,
    settings_path: Path | None,
    otc: Path | None,
    fmt: str,
    vault_dir: Path | None,
) -> None:
    """Every deduction of the household for YEAR, with how each number comes about.

    医療費控除 (pooled under the filer) is compared with セルフメディケーション税制 when an OTC
    purchase list is given; amounts that rely on estimates are marked ［推計］.
    """
    from ..export.deductions import deductions_json

    summary = _summary(vault_dir, year, settings_path, income, otc)
    if fmt == "json":
        click.echo(json_safe(deductions_json(summary)), nl=False)
    else:
        echo(summary.explain())


@click.group("export")
def export_group() -> None:
    """Write files for 確定申告 and spreadsheets (医療費集計フォーム, deduction summary, …)."""


@export_group.command("iryohi-form")
@_year_option
@_output_option("Output file (.csv, or .xlsx with --xlsx-template). Numbered files when split.")
@click.option(
    "--encoding",
    type=click.Choice(["utf-8-sig", "cp932"]),
    default="utf-8-sig",
    show_default=True,
    help="CSV encoding (cp932 reports any character it cannot hold, with its row).",
)
@click.option(
    "--xlsx-template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The official 医療費集計フォーム .xlsx you downloaded: a filled copy is written.",
)
@click.option("--smartphone", is_flag=True, help="At most 500 rows per file (smartphone filing).")
@click.option("--by-month", is_flag=True, help="One row per person × provider × month.")
@_settings_option
@vault_option
@report_errors
def iryohi_form_command(
    year: int,
    out: Path,
    encoding: str,
    xlsx_template: Path | None,
    smartphone: bool,
    by_month: bool,
    settings_path: Path | None,
    vault_dir: Path | None,
) -> None:
    """Write the 医療費集計フォーム for YEAR (CSV columns B–J, or a filled XLSX template).

    Rows: person × provider (× month with --by-month) from the 医療費通知, plus the receipts and
    補填 of the settings file, and the estimated 高額療養費 as 補填 where a month exceeds the
    limit (unless subtract_kogaku_estimate = false). Names over 10 and providers over 20
    characters are shortened (each change is listed).
    """
    from ..export.iryohi_form import export_iryohi_form
    from ..tax.rules import rules_for
    from ..tax.summary import medical_form_inputs

    rules_for(year)
    settings = _settings(settings_path)
    medical, _, _, found = load_frames(vault_dir, year)
    extras, household, notes = medical_form_inputs(
        year, medical_expenses=medical, settings=settings, vault_inputs=found
    )
    for note in notes:
        echo(f"warning: {note}", err=True)
    result = export_iryohi_form(
        medical,
        extras,
        year=year,
        out=out,
        household=household,
        by_month=by_month,
        encoding=encoding,
        xlsx_template=xlsx_template,
        smartphone=smartphone,
    )
    for warning in result.warnings:
        echo(f"warning: {warning}", err=True)
    for path in result.files:
        echo(f"wrote {path.resolve()}")
    echo(f"{result.rows} rows in {len(result.files)} file(s)")
    kind = "xlsx" if xlsx_template is not None else encoding
    _audit_export(
        vault_dir,
        f"iryohi-form year={year} format={kind} rows={result.rows} files={len(result.files)}",
    )


@export_group.command("deductions")
@_year_option
@_output_option("Output file: .json for JSON, anything else CSV (UTF-8 with BOM).")
@click.option(
    "--income",
    type=click.IntRange(min=0),
    default=None,
    help="総所得金額等 of the filer in yen.",
)
@_settings_option
@_otc_option
@vault_option
@report_errors
def deductions_command(
    year: int,
    out: Path,
    income: int | None,
    settings_path: Path | None,
    otc: Path | None,
    vault_dir: Path | None,
) -> None:
    """Write the deduction summary for YEAR: one row per deduction, 所得税 and 住民税 amounts."""
    from ..export.deductions import write_deductions

    summary = _summary(vault_dir, year, settings_path, income, otc)
    path = write_deductions(summary, out)
    echo(f"wrote {path.resolve()} ({len(summary.rows())} rows)")
    _audit_export(vault_dir, f"deductions year={year} format={path.suffix.lstrip('.') or 'csv'}")


COMMANDS: list[click.Command] = [tax_group, export_group]
