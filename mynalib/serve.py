"""``myna lab`` and ``myna dashboards``: JupyterLab and the Voila dashboards on the user's vault.

Both run as children of this process, bound to 127.0.0.1, each with a random token kept off
the command line (a private config file), and are stopped by PID on Ctrl-C — the demo's safety
(:mod:`mynalib.demo`, whose server helpers they reuse), on the user's own vault instead of the
sample household:

- the vault is checked before anything starts; when it needs a passphrase that neither
  ``$MYNA_VAULT_PASSPHRASE`` nor the OS keyring gives, it is asked once on the terminal and
  handed to the server through its environment (never a file, never the command line);
- ``myna lab`` sets :data:`WORKBOOK_VAULT_ENV` for its kernels, so that a notebook whose
  ``VAULT`` parameter is None opens this vault (:func:`mynalib.workbook.open_workbook`);
- ``myna dashboards`` gives Voila the vault (``MYNA_VAULT``), the portal for the overview's
  取得 (``--portal URL``, e.g. a ``myna sandbox`` already running), the card and the tax
  settings; kernels of closed pages are culled as in the demo.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .demo import (
    DASHBOARDS,
    HOST,
    Servers,
    _die_with_parent,
    _stop_on_signals,
    free_port,
    start_servers,
    stop_process,
    wait_for_port,
)
from .errors import VaultLocked
from .workbook import WORKBOOK_VAULT_ENV as WORKBOOK_VAULT_ENV

#: the tax settings file the dashboards use (``myna dashboards --tax-settings``)
TAX_SETTINGS_ENV = "MYNA_TAX_SETTINGS"

Echo = Callable[[str], None]
Ask = Callable[[str], str]


def default_workdir(what: str) -> Path:
    """Where a server keeps its run files, Jupyter state and logs: ``$MYNA_HOME/<what>``."""
    from .paths import default_state_dir

    return default_state_dir() / what


def checkout_notebooks() -> Path | None:
    """The ``notebooks/`` folder of a source checkout (None in an installed package)."""
    folder = Path(__file__).resolve().parent.parent / "notebooks"
    return folder if folder.is_dir() else None


# ------------------------------------------------------------------------------ the vault
def vault_passphrase(
    vault_dir: Path | None,
    *,
    ask: Ask = getpass.getpass,
    interactive: bool | None = None,
    echo: Echo = print,
) -> tuple[Path, str | None]:
    """Check that the vault opens; return its folder and the passphrase to hand the servers.

    None when ``$MYNA_VAULT_PASSPHRASE`` or the OS keyring opens it (the servers find it the
    same way). Otherwise, on a terminal, the passphrase is asked for (at most three times) and
    returned; elsewhere :class:`VaultLocked` (which says how to give one) is raised. A missing
    vault raises :class:`mynalib.errors.VaultError` saying to import files first.
    """
    from .vault import keys, open_vault

    interactive = sys.stdin.isatty() if interactive is None else interactive
    try:
        with open_vault(vault_dir, create=False) as vault:
            return vault.directory, None
    except VaultLocked:
        if keys.passphrase_from_env() is not None or not interactive:
            raise
    for attempt in range(3):
        secret = ask("保管庫のパスフレーズ（vault passphrase）: ")
        try:
            with open_vault(vault_dir, passphrase=secret, create=False) as vault:
                return vault.directory, secret
        except VaultLocked:
            if attempt == 2:
                raise
            echo(
                "パスフレーズが違います。もう一度入力してください。 / Wrong passphrase, try again."
            )
    raise AssertionError("unreachable")  # pragma: no cover


def vault_env(vault_dir: Path, passphrase: str | None) -> dict[str, str]:
    """The environment that gives a server's kernels the vault (and its passphrase, if any)."""
    env = {"MYNA_VAULT": str(vault_dir)}
    if passphrase is not None:
        from .vault.keys import PASSPHRASE_ENV

        env[PASSPHRASE_ENV] = passphrase
    return env


# ------------------------------------------------------------------------------ dashboards
def dashboards_env(
    vault_dir: Path,
    passphrase: str | None,
    *,
    portal: str | None = None,
    card: str | None = None,
    card_profile: Path | None = None,
    tax_settings: Path | None = None,
) -> dict[str, str]:
    """What the dashboards read from their environment (see :mod:`mynalib.widgets.apps`)."""
    env = vault_env(vault_dir, passphrase)
    if portal:
        env["MYNA_PORTAL_URL"] = portal
    env["MYNA_CARD"] = card or "reader"
    if card_profile is not None:
        env["MYNA_CARD_PROFILE"] = str(Path(card_profile).resolve())
    if tax_settings is not None:
        env[TAX_SETTINGS_ENV] = str(Path(tax_settings).resolve())
    return env


def start_dashboards(
    workdir: Path,
    env: Mapping[str, str],
    *,
    port: int | None = None,
    show_tracebacks: bool = False,
    timeout: float = 60.0,
) -> Servers:
    """Voila on the three dashboards with ``env`` (no sandbox: the portal is ``--portal``)."""
    return start_servers(
        workdir,
        port=port,
        env_extra=env,
        sandbox=False,
        show_tracebacks=show_tracebacks,
        timeout=timeout,
    )


# ------------------------------------------------------------------------------ JupyterLab
@dataclass
class Lab:
    """A running JupyterLab (a child of this process)."""

    proc: subprocess.Popen[Any]
    port: int
    token: str = field(repr=False)  # the key to the server: never in a repr
    notebooks: Path
    log: Path

    def url(self, notebook: str | None = "00_start_here.ipynb") -> str:
        base = f"http://{HOST}:{self.port}/lab"
        if notebook and (self.notebooks / notebook).exists():
            base += f"/tree/{notebook}"
        return f"{base}?token={self.token}"

    def stop(self) -> None:
        stop_process(self.proc)


def write_private_json(path: Path, data: Any) -> Path:
    """``data`` as JSON in ``path``, readable by the user only (0600)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    return path


def lab_command(notebooks: Path, port: int, config: Path) -> list[str]:
    """The JupyterLab command line (the token is in ``config``, not here)."""
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--config={config}",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={notebooks}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses to run as root without it
    return cmd


def start_lab(
    workdir: Path,
    notebooks: Path,
    env: Mapping[str, str],
    *,
    port: int | None = None,
    timeout: float = 90.0,
    base_env: Mapping[str, str] | None = None,
) -> Lab:
    """Start JupyterLab on ``notebooks`` with ``env`` added to its environment (its kernels
    inherit it); return once it accepts TCP connections."""
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    config = write_private_json(
        workdir / "run" / "jupyter_lab_config.json",
        {"IdentityProvider": {"token": token}, "ServerApp": {"ip": HOST}},
    )
    port = port or free_port()
    child_env = dict(os.environ if base_env is None else base_env)
    child_env.pop("JUPYTER_TOKEN", None)
    child_env.update(env)
    log = workdir / "logs" / "lab.log"
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # it prints its URLs
    with os.fdopen(fd, "ab") as out:
        proc = subprocess.Popen(
            lab_command(notebooks, port, config),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=notebooks,
            env=child_env,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the child
            preexec_fn=_die_with_parent,
        )
    lab = Lab(proc, port, token, notebooks, log)
    try:
        wait_for_port(port, timeout=timeout, proc=proc)
    except BaseException:
        lab.stop()
        raise
    return lab


# ------------------------------------------------------------------------------ running
def run_until_stopped(
    children: Mapping[str, subprocess.Popen[Any]],
    logs: Mapping[str, Path],
    echo: Echo,
    stop: Callable[[], None],
) -> int:
    """Wait until Ctrl-C / SIGTERM (exit status 0) or a child exits (1); stop them all."""
    try:
        _stop_on_signals()
        while True:
            for name, proc in children.items():
                if proc.poll() is not None:
                    echo(
                        f"{name} stopped (status {proc.returncode}); see {logs[name]}\n"
                        f"{name} が停止しました。ログ: {logs[name]}"
                    )
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        echo("\nstopping… / 停止しています…")
        return 0
    finally:
        stop()


def print_dashboards(
    servers: Servers, vault_dir: Path, echo: Echo, *, portal: str | None = None
) -> None:
    echo("")
    echo(
        f"mynalib dashboards on your vault {vault_dir} — open (the token in the link is your key):"
    )
    echo(f"保管庫 {vault_dir} のダッシュボードを開きました（リンクの token が鍵です）:")
    echo(f"  はじめに（すべてのダッシュボード）: {servers.url()}")
    for name, (title, _fn) in DASHBOARDS.items():
        echo(f"  {title}: {servers.url(name)}")
    if portal:
        echo(f"The overview's 取得 logs in to {portal}. / 取得の接続先: {portal}")
    else:
        echo(
            "No portal given: 取得 in the overview needs --portal URL (e.g. a running `myna "
            "sandbox`). / ポータルの指定がないため、取得は使えません（--portal URL）。"
        )
    echo("Press Ctrl-C to stop. / 終了するには Ctrl-C を押してください。")


def print_lab(lab: Lab, vault_dir: Path, echo: Echo) -> None:
    echo("")
    echo(f"JupyterLab on your vault {vault_dir} — open (the token in the link is your key):")
    echo(f"保管庫 {vault_dir} で JupyterLab を開きました（リンクの token が鍵です）:")
    echo(f"  {lab.url()}")
    echo(f"Notebooks: {lab.notebooks} (VAULT = None opens your vault here)")
    echo("Press Ctrl-C to stop. / 終了するには Ctrl-C を押してください。")
