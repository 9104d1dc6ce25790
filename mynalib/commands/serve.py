"""`myna lab` and `myna dashboards`: JupyterLab and the dashboards on your own vault."""

from __future__ import annotations

from pathlib import Path

import click

from ._card import card_options
from ._common import report_errors, vault_option

_PORT = click.option("--port", type=int, default=None, help="Port (default: a free port).")
_NO_BROWSER = click.option(
    "--no-browser", is_flag=True, help="Do not open a browser; just print the URL."
)
_WORKDIR = click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the server's run files and logs (default: under MYNA_HOME).",
)


def _require(module: str, what: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise click.ClickException(
            f"{what} is not installed: run `make setup` (or pip install {module}).\n"
            f"{what} がインストールされていません。make setup を実行してください。"
        )


def _open(url: str, no_browser: bool) -> None:
    if not no_browser:
        import webbrowser

        webbrowser.open(url)


@click.command("lab")
@click.option(
    "--notebooks",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The notebooks folder (default: notebooks/ of this checkout).",
)
@_PORT
@_NO_BROWSER
@_WORKDIR
@vault_option
@report_errors
def lab(
    notebooks: Path | None,
    port: int | None,
    no_browser: bool,
    workdir: Path | None,
    vault_dir: Path | None,
) -> None:
    """JupyterLab on the notebooks, with your vault (127.0.0.1 only, with a token).

    Notebooks whose VAULT parameter is None open your vault (MYNA_WORKBOOK_VAULT is set for
    their kernels). The vault's passphrase, when neither MYNA_VAULT_PASSPHRASE nor the OS keyring
    gives it, is asked once here. Runs until Ctrl-C, which stops JupyterLab.
    """
    from .. import serve

    _require("jupyterlab", "JupyterLab")
    folder = notebooks or serve.checkout_notebooks()
    if folder is None:
        raise click.UsageError("no notebooks folder here: give one with --notebooks DIR")
    directory, passphrase = serve.vault_passphrase(vault_dir, echo=click.echo)
    env = serve.vault_env(directory, passphrase)
    env[serve.WORKBOOK_VAULT_ENV] = str(directory)
    click.echo("… starting JupyterLab (127.0.0.1 only) / JupyterLab を起動しています")
    try:
        running = serve.start_lab(
            workdir or serve.default_workdir("lab"), folder.resolve(), env, port=port
        )
    except (RuntimeError, TimeoutError) as exc:
        raise click.ClickException(
            f"could not start JupyterLab: {exc} (is port {port} in use?)\n"
            "JupyterLab を起動できませんでした。"
        ) from None
    serve.print_lab(running, directory, click.echo)
    _open(running.url(), no_browser)
    raise SystemExit(
        serve.run_until_stopped(
            {"JupyterLab": running.proc}, {"JupyterLab": running.log}, click.echo, running.stop
        )
    )


@click.command("dashboards")
@click.option(
    "--portal",
    default=None,
    envvar="MYNA_PORTAL_URL",
    help="The portal the overview's 取得 logs in to, e.g. a running `myna sandbox` "
    "(env MYNA_PORTAL_URL; without one the dashboards only read the vault).",
)
@card_options(
    virtual_help="Offer the software card first (for the sandbox); default: the card reader.",
    profile_help="The software card's profile file (default: $MYNA_HOME/virtual-card.json).",
    reader=False,
)
@click.option(
    "--tax-settings",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Tax settings (TOML/JSON) for the deductions shown, as `myna tax summary --settings`.",
)
@_PORT
@_NO_BROWSER
@_WORKDIR
@vault_option
@report_errors
def dashboards(
    portal: str | None,
    virtual: bool,
    profile: Path | None,
    tax_settings: Path | None,
    port: int | None,
    no_browser: bool,
    workdir: Path | None,
    vault_dir: Path | None,
) -> None:
    """The dashboards on your own vault (127.0.0.1 only, with a token), until Ctrl-C.

    The same servers and safety as `myna demo` — a random token off the command line, kernels
    of closed pages shut down — on your vault instead of the sample household. The vault's
    passphrase, when needed, is asked once here and given to the dashboards' kernels.
    """
    from .. import serve

    _require("voila", "Voila")
    directory, passphrase = serve.vault_passphrase(vault_dir, echo=click.echo)
    env = serve.dashboards_env(
        directory,
        passphrase,
        portal=portal,
        card="virtual" if virtual else "reader",
        card_profile=profile,
        tax_settings=tax_settings,
    )
    workdir = workdir or serve.default_workdir("dashboards")
    click.echo("… starting Voila (127.0.0.1 only) / ダッシュボードを起動しています")
    try:
        servers = serve.start_dashboards(workdir, env, port=port)
    except (RuntimeError, TimeoutError) as exc:
        raise click.ClickException(
            f"could not start Voila: {exc}; see the logs in {workdir / 'logs'}\n"
            "ダッシュボードを起動できませんでした。"
        ) from None
    serve.print_dashboards(servers, directory, click.echo, portal=portal)
    _open(servers.url(), no_browser)
    raise SystemExit(
        serve.run_until_stopped(
            {"Voila": servers.voila}, {"Voila": servers.logs[-1]}, click.echo, servers.stop
        )
    )


COMMANDS: list[click.Command] = [lab, dashboards]
