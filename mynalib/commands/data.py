"""`myna import`, `myna table` and `myna vault status|audit|wipe`.

Heavy imports (pandas, the parsers, cryptography) happen inside the commands so `myna --help`
stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..jp.textwidth import clip, render_table
from ._common import open_command_vault, report_errors, vault_option

if TYPE_CHECKING:
    import pandas as pd

    from ..vault import ImportReport

#: frames `myna table` knows (mirrors mynalib.frames.SCHEMAS without importing it at start-up)
FRAME_NAMES = (
    "medical_expenses",
    "dispensings",
    "checkups",
    "pension_periods",
    "deductions",
    "notices",
    "history",
    "procedures",
    "applications",
    "income",
    "household_members",
    "child_allowance",
    "care_insurance",
    "employment_insurance",
    "insurance_cards",
    "vaccinations",
    "bank_account",
    "myinfo_answers",
)

#: from this many files on, `myna import` shows a progress bar
PROGRESS_FROM = 5


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


# ------------------------------------------------------------------------------------- import
def _report_line(r: ImportReport) -> str:
    if not r.ok:
        return f"✗ {r.name}: {r.error_type}: {r.error}"
    status = "duplicate, skipped" if r.duplicate else f"stored as #{r.id}"
    parts = [
        f"kind={r.kind}",
        f"person={r.person or '-'}",
        f"period={r.period or '-'}",
        f"rows={r.rows}",
        f"signature={r.signature or '-'}",
    ]
    line = f"{'=' if r.duplicate else '✓'} {r.name}: {' '.join(parts)} — {status}"
    if r.warnings:
        line += f" ({len(r.warnings)} warning{'s' if len(r.warnings) > 1 else ''})"
    return line


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--person",
    default=None,
    help="The person these files belong to, for files that do not name one (氏名).",
)
@click.option("--warnings", "show_warnings", is_flag=True, help="Print each parser warning.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that read and parse the files (default: one per CPU for 64 files or more; "
    "1: no worker processes). Keys and the vault stay in this process.",
)
@vault_option
@report_errors
def import_command(
    files: tuple[Path, ...],
    person: str | None,
    show_warnings: bool,
    jobs: int | None,
    vault_dir: Path | None,
) -> None:
    """Import downloaded files (and folders of them) into the encrypted vault.

    The kind of each file is detected from its content (医療費通知情報 CSV, 控除証明書 XML,
    特定健診 XML, pension CSV). Per file it prints the kind, person, period, rows, signature status,
    and whether it was a duplicate (the same file is stored once). A file that cannot be read is
    reported and the others are still imported; the exit status is then 1.
    """
    from ..vault import expand_paths

    paths = expand_paths(files)
    if not paths:
        raise click.UsageError("no files to import (the folders given are empty)")
    with open_command_vault(vault_dir) as vault:
        person = vault.person_named(person) if person else None  # "見本 太郎" is 見本　太郎
        if len(paths) >= PROGRESS_FROM and _stderr_is_tty():
            with click.progressbar(
                length=len(paths), label="Importing", file=sys.stderr, show_pos=True
            ) as bar:

                def progress(done: int, total: int, report: ImportReport) -> None:
                    bar.update(1)

                reports = vault.import_files(paths, person=person, progress=progress, workers=jobs)
        else:
            reports = vault.import_files(paths, person=person, workers=jobs)
    for r in reports:
        click.echo(_report_line(r))
        if show_warnings:
            for w in r.warnings:
                click.echo(f"    warning: {w}")
    new = sum(1 for r in reports if r.ok and r.new)
    dup = sum(1 for r in reports if r.duplicate)
    bad = [r for r in reports if not r.ok]
    click.echo(
        f"{len(reports)} file(s): {new} new, {dup} duplicate(s) skipped, {len(bad)} not imported"
    )
    if bad:
        raise click.ClickException(
            f"{len(bad)} file(s) could not be imported (see above); the others were stored.\n"
            f"{len(bad)}件のファイルを取り込めませんでした。その他のファイルは保存されました。"
        )


# -------------------------------------------------------------------------------------- table
def _plain(value: Any) -> Any:
    """A cell as plain JSON data (dates ISO, NA None, numpy scalars as Python numbers)."""
    import datetime as dt

    import pandas as pd

    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _printable(df: pd.DataFrame, *, width: int | None = None) -> pd.DataFrame:
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.PeriodDtype):
            out[col] = out[col].astype("string")
        elif str(out[col].dtype).startswith("datetime64"):
            out[col] = out[col].dt.strftime("%Y-%m-%d").astype("string")
        elif out[col].dtype == object:

            def cell(v: Any) -> Any:
                if not isinstance(v, (dict, list)):
                    return v
                text = json.dumps(_plain(v), ensure_ascii=False)
                return text if width is None else clip(text, width)

            out[col] = out[col].map(cell)
    return out


def render_frame(df: pd.DataFrame, fmt: str) -> str:
    """A frame as text: ``table`` (aligned), ``csv`` or ``json`` (records, UTF-8)."""
    if fmt == "json":
        records = [
            {col: _plain(v) for col, v in zip(df.columns, row, strict=True)}
            for row in df.itertuples(index=False, name=None)
        ]
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        return str(_printable(df).to_csv(index=False, lineterminator="\n"))
    if df.empty:
        return "(no rows)\n"
    import pandas as pd

    out = _printable(df, width=40)
    # padded by display width: a 漢字 takes two cells of a terminal (pandas pads by len())
    rows = [
        ["-" if _plain(v) is None else clip(str(v), 60) for v in row]
        for row in out.itertuples(index=False, name=None)
    ]
    right = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    return render_table([str(c) for c in df.columns], rows, right=right)


@click.command("table")
@click.argument("name", type=click.Choice(FRAME_NAMES))
@click.option("--year", type=int, default=None, help="Only this year (calendar year of the row).")
@click.option(
    "--person",
    default=None,
    help="Only this person (氏名; half- or full-width spaces and characters do not matter).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--show-numbers",
    is_flag=True,
    help="Show personal numbers (被保険者番号, 記号・番号, 口座番号) as stored; masked otherwise.",
)
@vault_option
@report_errors
def table_command(
    name: str,
    year: int | None,
    person: str | None,
    fmt: str,
    show_numbers: bool,
    vault_dir: Path | None,
) -> None:
    """Print a frame, e.g. `myna table medical_expenses --year 2025`.

    Money is integer yen; `--format json` gives one object per row, `--format csv` a CSV with a
    header. Personal numbers (被保険者番号, 保険証の記号・番号, 口座番号) are masked unless
    `--show-numbers` is given.
    """
    with open_command_vault(vault_dir, create=False) as vault:
        try:
            df = vault.frame(name, year=year, person=person, reveal=show_numbers)
        except ValueError as exc:  # e.g. a frame without a year column
            raise click.UsageError(str(exc)) from None
    click.echo(render_frame(df, fmt), nl=False)


# -------------------------------------------------------------------------------------- vault
@click.group("vault")
def vault_group() -> None:
    """The encrypted vault: what is stored, who read what when, destroy it."""


@vault_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@vault_option
@report_errors
def vault_status(as_json: bool, vault_dir: Path | None) -> None:
    """What is stored: documents by kind, source and person, secrets, sizes, protection."""
    with open_command_vault(vault_dir, create=False) as vault:
        st = vault.status()
        vault.audit("status", f"documents={st['documents']}")
    if as_json:
        click.echo(json.dumps(st, ensure_ascii=False, indent=1, default=str))
        return
    click.echo(f"vault:       {st['path']}")
    click.echo(f"unlocked by: {st['protection']}")
    click.echo(
        f"documents:   {st['documents']} ({st['bytes_stored']:,} bytes as received; "
        f"file {st['file_bytes']:,} bytes)"
    )
    for title, key in (
        ("by kind", "by_kind"),
        ("by source", "by_source"),
        ("by person", "by_person"),
    ):
        if st[key]:
            click.echo(f"  {title}:")
            for k, n in st[key].items():
                click.echo(f"    {k}: {n}")
    click.echo(f"secrets:     {st['secrets']}   state entries: {st['state_entries']}")
    click.echo(f"audit log:   {st['audit_entries']} entries (myna vault audit)")
    if st["last_import"] is not None:
        click.echo(f"last import: {st['last_import']:%Y-%m-%d %H:%M:%S} UTC")


@vault_group.command("audit")
@click.option("--limit", type=int, default=None, help="Only the last N entries.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@vault_option
@report_errors
def vault_audit(limit: int | None, as_json: bool, vault_dir: Path | None) -> None:
    """The audit log: every import, frame read, export, secret access — when and by which command.

    Entries carry no personal data. The log is hash-chained: a removed or altered entry makes
    this command fail with VaultCorrupt.
    """
    with open_command_vault(vault_dir, create=False) as vault:
        vault.audit("audit-read", "")
        entries = vault.audit_log(limit=limit)
    if as_json:
        data: list[dict[str, Any]] = [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "action": e.action,
                "detail": e.detail,
                "command": e.command,
            }
            for e in entries
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for e in entries:
        click.echo(
            f"{e.id:>6}  {e.at:%Y-%m-%d %H:%M:%S}Z  {e.action:<14} {e.command:<28} {e.detail}"
        )


@vault_group.command("passphrase")
@vault_option
@report_errors
def vault_passphrase(vault_dir: Path | None) -> None:
    """Set or change the vault passphrase (also a recovery key for a keyring-protected vault).

    Asks for the new passphrase twice on a terminal; from a pipe it reads one line. The old
    passphrase stops working; a keyring entry, if any, keeps working.
    """
    import getpass

    with open_command_vault(vault_dir, create=False) as vault:
        if sys.stdin.isatty():
            first = getpass.getpass("New vault passphrase: ")
            if getpass.getpass("Repeat the new passphrase: ") != first:
                raise click.ClickException("The two passphrases differ; nothing was changed.")
        else:
            first = sys.stdin.readline().rstrip("\r\n")
        if len(first) < 8:
            raise click.ClickException(
                "Use a passphrase of at least 8 characters (several words are best)."
            )
        vault.change_passphrase(first)
    click.echo("Vault passphrase set.")


@vault_group.command("wipe")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@vault_option
@report_errors
def vault_wipe(yes: bool, vault_dir: Path | None) -> None:
    """Destroy the vault: every document, secret and the audit log. Cannot be undone.

    Works without the passphrase too (for a forgotten one): the files are overwritten and
    deleted and the OS keyring entry is removed.
    """
    from ..errors import VaultLocked
    from ..vault import open_vault, resolve_vault_paths, wipe_vault

    directory, db_path = resolve_vault_paths(vault_dir)
    if not db_path.exists():
        click.echo(f"There is no vault at {directory}: nothing to wipe.")
        return
    if not yes:
        click.confirm(
            f"Destroy the vault at {directory} (all documents, secrets and the audit log)? "
            "This cannot be undone. / 保管庫を完全に削除しますか？",
            abort=True,
        )
    try:
        vault = open_vault(vault_dir, create=False)
    except VaultLocked:
        wipe_vault(vault_dir)  # cannot unlock: destroy without an audit entry
    else:
        vault.wipe()
    click.echo(f"Vault at {directory} destroyed.")


COMMANDS: list[click.Command] = [import_command, table_command, vault_group]
