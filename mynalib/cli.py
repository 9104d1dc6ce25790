"""The ``myna`` command. Sub-commands live in :mod:`mynalib.commands`, one module per area."""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .commands import MODULES
from .log import TRAFFIC, current_command, setup_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="myna")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option(
    "--traffic",
    is_flag=True,
    help="Log raw card/HTTP traffic (PINs and tokens are redacted even there).",
)
@click.option("--log-file", type=click.Path(dir_okay=False), help="Write the log to this file.")
def main(verbose: int, traffic: bool, log_file: str | None) -> None:
    """mynalib — your own マイナポータル data, locally and encrypted.

    Card, portal sandbox, importers for the files you download, tax exports and dashboards.
    """
    level = (
        TRAFFIC if traffic else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    try:
        setup_logging(level, log_file)
    except OSError as exc:
        raise click.ClickException(
            f"cannot write the log to {log_file}: {exc.strerror or exc} "
            "(give a regular file you can write, or leave --log-file out)\n"
            f"ログファイル {log_file} に書き込めません。書き込める通常のファイルを指定してください。"
        ) from None


def _named(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` run with :data:`mynalib.log.current_command` set to the command being run
    (``myna vault status``): the name the vault's audit log records."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        parts = click.get_current_context().command_path.split(" ")
        # the root's name differs under test runners and ``python -m``
        token = current_command.set(" ".join(["myna", *parts[1:]]))
        try:
            return callback(*args, **kwargs)
        finally:
            current_command.reset(token)

    return run


def _name_commands(command: click.Command) -> None:
    """Every command under ``command`` (and itself) names itself in the audit log."""
    if command.callback is not None:
        command.callback = _named(command.callback)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _name_commands(sub)


for _name in MODULES:
    _module = importlib.import_module(f"{__package__}.commands.{_name}")
    for _command in _module.COMMANDS:
        main.add_command(_command)
_name_commands(main)


if __name__ == "__main__":  # pragma: no cover
    main()
