"""`myna demo`: for now, the built-in software card's status (the dashboards work replaces it)."""

from __future__ import annotations

import click

from ._common import report_errors


@click.command("demo")
@report_errors
def demo() -> None:
    """Run the demo: for now, the software card's status (what `myna card status --virtual` shows)."""
    from .card import print_status

    print_status(virtual=True, reader=None, profile=None)


COMMANDS: list[click.Command] = [demo]
