"""`myna demo` (sample vault + sandbox + Voila dashboards) and `myna export deadlines`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ._common import echo, report_errors, vault_option


@click.command("demo")
@click.option("--port", type=int, default=None, help="Port for Voila (default: a free port).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; just print the URLs.")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the demo's vault, card and logs (default: under MYNA_HOME / your state dir).",
)
@click.option("--rebuild", is_flag=True, help="Build the sample vault and card afresh.")
@report_errors
def demo(port: int | None, no_browser: bool, workdir: Path | None, rebuild: bool) -> None:
    """Run the dashboards on the sample household (127.0.0.1 only, with a token).

    Builds the sample vault (first run), starts the portal sandbox and Voila bound to 127.0.0.1
    with a random token, prints the dashboard URLs (with the token), and runs until Ctrl-C, which
    stops both. Without Voila installed it shows the software card's status instead.
    """
    import importlib.util

    if importlib.util.find_spec("voila") is None:
        click.echo(
            "Voila is not installed, so the dashboards cannot start (run `make setup`, or "
            "`pip install voila`). Here is the software card's status instead:",
            err=True,
        )
        from .card import print_status

        print_status(virtual=True, reader=None, profile=None)
        raise SystemExit(1)
    from ..demo import run_demo

    raise SystemExit(
        run_demo(
            port=port,
            open_browser=not no_browser,
            workdir=workdir,
            rebuild=rebuild,
            echo=click.echo,
        )
    )


@click.command("deadlines")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .ics file to write.",
)
@click.option(
    "--event",
    type=str,
    default=None,
    help="Life event: birth, moving, job_start, job_leave, marriage, divorce, turning_65, care, "
    "medical, death, pregnancy, cert_expiry, tax_year_end (or its Japanese label).",
)
@click.option(
    "--date",
    "event_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date of the event (YYYY-MM-DD).",
)
@vault_option
@report_errors
def deadlines(
    output: Path, event: str | None, event_date: dt.datetime | None, vault_dir: Path | None
) -> None:
    """Write procedure deadlines as an iCalendar file (one all-day event each, 3-day reminder).

    With --event and --date: that event's procedures. Without them: every plan saved from the
    procedures dashboard (kept in the vault).
    """
    from .. import procedures
    from ..export.calendar import write_deadlines_ics

    plans: list[tuple[str, dt.date]] = []
    if event or event_date:
        if not (event and event_date):
            raise click.UsageError("give both --event and --date (or neither, to use saved plans)")
        try:
            procedures.plan(event, event_date.date())
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0]), param_hint="--event") from None
        plans.append((event, event_date.date()))
    else:
        from ..vault import open_vault
        from ..widgets.procedures import PLANS_KEY

        with open_vault(vault_dir, create=False) as vault:
            saved = vault.get_state(PLANS_KEY, []) or []
        for entry in saved:
            plans.append((str(entry["event"]), dt.date.fromisoformat(str(entry["date"]))))
        if not plans:
            raise click.UsageError(
                "no saved plans in the vault: give --event and --date "
                "(e.g. --event birth --date 2026-05-01)"
            )
    rows = []
    seen = set()
    for ev, when in plans:
        for row in procedures.plan(ev, when):
            key = (row.procedure["procedure_id"], row.deadline)
            if row.deadline is not None and key not in seen:
                seen.add(key)
                rows.append(row)
    rows.sort(key=lambda r: (r.deadline or dt.date.max, r.procedure["procedure_id"]))
    single = plans[0] if len(plans) == 1 else (None, None)
    count = write_deadlines_ics(output, rows, event=single[0], event_date=single[1])
    click.echo(f"wrote {count} deadlines to {output.resolve()}")
    for row in rows:
        mark = "  (overdue)" if row.overdue else ""
        echo(f"  {row.deadline}  {row.procedure['name']}{mark}")


def _attach_to_export_group() -> list[click.Command]:
    """Attach `deadlines` to the tax area's `export` group (or provide the group if it is gone)."""
    from . import tax

    group = getattr(tax, "export_group", None)
    if isinstance(group, click.Group):
        group.add_command(deadlines)
        return []

    @click.group("export")
    def export() -> None:
        """Export files (the deadline calendar)."""

    export.add_command(deadlines)
    return [export]


COMMANDS: list[click.Command] = [demo, *_attach_to_export_group()]
