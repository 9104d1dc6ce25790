"""Pieces every ``myna`` command shares: the vault option and opening, PIN prompts, errors."""

from __future__ import annotations

import functools
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import MynaError
from ..secrets import PIN_LABELS_JA, Pin, PinKind

if TYPE_CHECKING:
    from ..vault import Vault

F = TypeVar("F", bound=Callable[..., Any])

#: environment variables for automation only (unsafe: other processes of the user may read them)
PIN_ENV = {"auth": "MYNA_AUTH_PIN", "sign": "MYNA_SIGN_PIN", "kenhojo": "MYNA_KENHOJO_PIN"}
PIN_ENV_HELP = (
    "PINs are read with a hidden prompt. For automation only, MYNA_AUTH_PIN, MYNA_SIGN_PIN and "
    "MYNA_KENHOJO_PIN are read instead; this is unsafe (other programs of yours can read the "
    "environment), never use it with a real card."
)


def vault_option(f: F) -> F:
    """``--vault DIR`` (env ``MYNA_VAULT``; default: the per-user data directory)."""
    return click.option(
        "--vault",
        "vault_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="MYNA_VAULT",
        default=None,
        help="Vault directory (env MYNA_VAULT; default: your user data directory).",
    )(f)


def open_command_vault(vault_dir: Path | None, *, create: bool = True) -> Vault:
    """The vault of ``--vault``; on a terminal, asks for its passphrase when one is needed."""
    from ..vault import open_vault_interactive

    return open_vault_interactive(vault_dir, create=create)


def read_pin(kind: PinKind, *, prompt: str | None = None) -> Pin:
    """Ask for a PIN with getpass (or take it from the automation env variable)."""
    env_name = PIN_ENV[kind]
    value = os.environ.get(env_name)
    if value is not None:
        click.echo(
            f"(using {env_name} from the environment: unsafe, for automation only)", err=True
        )
        return Pin(value, kind)
    label = prompt or f"{PIN_LABELS_JA[kind]} / {kind} PIN: "
    if not sys.stdin.isatty():
        # click's test runner and pipes: read one line without echoing it anywhere
        click.echo(label, nl=False, err=True)
        line = sys.stdin.readline()
        click.echo("", err=True)
        return Pin(line.rstrip("\r\n"), kind)
    return Pin(getpass.getpass(label), kind)


def report_errors(f: F) -> F:
    """Turn a MynaError into a clean message (English, then Japanese) and exit status 1."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except MynaError as exc:
            text = str(exc)  # ClickException already prefixes "Error: "
            if exc.ja and exc.ja not in text:
                text += f"\n{exc.ja}"
            raise click.ClickException(text) from None

    return wrapper  # type: ignore[return-value]
