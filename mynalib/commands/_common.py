"""Pieces every ``myna`` command shares: the vault option and opening, PIN prompts, errors, and
:func:`echo` — the one way text from files, the portal or the vault reaches the terminal."""

from __future__ import annotations

import contextlib
import functools
import getpass
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
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


# ------------------------------------------------------------------------------ terminal text
#: escape sequences: CSI (ESC [ or the C1 byte 0x9B, parameters, one final byte), OSC, DCS,
#: SOS, PM and APC strings (up to BEL or ST, or the end of the line), and two-byte ESC x
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
#: control characters (C0 but tab and newline, DEL, C1) and the bidirectional formatting
#: characters that reorder what is shown (overrides, embeddings, isolates, marks)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: object, *, one_line: bool = False) -> str:
    """``text`` safe for a terminal: escape sequences and control characters (but newline and
    tab) and bidi overrides taken out, so a name, provider or file name from a file cannot move
    the cursor, retitle the window, hide lines or show text reversed. ``one_line``: newlines and
    tabs become spaces too (a value inside a report line cannot start a line of its own)."""
    out = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", str(text)))
    if one_line:
        out = out.replace("\n", " ").replace("\t", " ")
    return out


def json_safe(text: str) -> str:
    """JSON text with the characters :func:`clean` removes written as ``\\uXXXX`` escapes: the
    same data (JSON escapes the others already), nothing a terminal acts on."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def echo(message: object = "", **kwargs: Any) -> None:
    """``click.echo`` of :func:`clean` text: every line a command prints that may hold text from
    a file, the portal or the vault (names, providers, warnings, file names, errors) goes
    through here. ``None`` and bytes (a file written to stdout) pass as ``click.echo`` takes
    them."""
    if message is None or isinstance(message, (bytes, bytearray)):
        click.echo(message, **kwargs)
    else:
        click.echo(clean(message), **kwargs)


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


@contextlib.contextmanager
def command_vault_soon(vault_dir: Path | None) -> Iterator[Callable[[], Vault]]:
    """The vault of ``--vault``, opened (or created) in a thread while the command does other
    work — unlocking it is a key derivation (scrypt, a fraction of a second, which does not hold
    the interpreter) — and waited for by calling what this yields. A passphrase from
    ``MYNA_VAULT_PASSPHRASE`` or the keyring is used in the thread; when one must be asked for on
    a terminal, the call asks, as :func:`open_command_vault` does. The vault is closed on leaving.
    """
    from ..errors import VaultLocked
    from ..vault import open_vault

    opened: list[Vault] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            opened.append(open_vault(vault_dir, create=True))
        except BaseException as exc:  # handed to the command's thread by get()
            failed.append(exc)

    thread = threading.Thread(target=work, name="myna-open-vault", daemon=True)
    thread.start()

    def get() -> Vault:
        thread.join()
        if opened:
            return opened[0]
        if isinstance(failed[0], VaultLocked):
            opened.append(open_command_vault(vault_dir))  # raises again unless it may ask
            return opened[0]
        raise failed[0]

    try:
        yield get
    finally:
        thread.join()
        for vault in opened:
            vault.close()


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
            # (a message may quote a file, e.g. the value a parser could not read)
            raise click.ClickException(clean(text)) from None

    return wrapper  # type: ignore[return-value]
