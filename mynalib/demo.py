"""``myna demo``: the sample vault, the portal sandbox and the Voila dashboards, on 127.0.0.1.

What it does, in order:

1. builds the sample vault in a demo folder (:func:`mynalib.samples.vault.build_sample_vault`:
   the sample household's files, and what an in-process sandbox serves the members' software
   cards), leaving the pension record for the overview's 取得 to bring;
2. starts the portal sandbox (``myna sandbox``) on a free loopback port;
3. starts Voila on the dashboards, bound to 127.0.0.1, with a random token
   (``secrets.token_urlsafe``) passed through a private config file, not the command line;
4. prints the URLs (with the token) and waits; Ctrl-C stops both servers (by PID) and returns.

The pieces (free ports, TCP readiness, the Voila command and environment) are reused by the
browser tests and the benchmark.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import myna_command, package_data

HOST = "127.0.0.1"
DASHBOARDS = {
    "overview": ("わたしの情報", "overview_app"),
    "procedures": ("手続の検索・電子申請", "procedures_app"),
    "notices": ("お知らせ", "notices_app"),
}
#: the demo's software card: the sample household's first member (the sandbox knows this card)
DEMO_PERSON = "taro"
DEMO_PIN_HINT = "1234"  # the software card's documented test auth PIN (DEFAULT_PINS["auth"])

Progress = Callable[[str], None]


# ------------------------------------------------------------------------------ networking
def free_port(host: str = HOST) -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(
    port: int,
    host: str = HOST,
    *,
    timeout: float = 60.0,
    proc: subprocess.Popen[Any] | None = None,
) -> float:
    """Wait until something accepts TCP connections on ``host:port`` (never a GET: a GET of a
    notebook starts a kernel). Returns the seconds waited; raises if ``proc`` exits first."""
    start = time.monotonic()
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return time.monotonic() - start
        except OSError:
            if time.monotonic() - start > timeout:
                raise TimeoutError(
                    f"nothing listens on {host}:{port} after {timeout:.0f} s"
                ) from None
            time.sleep(0.1)


def _die_with_parent() -> None:
    """In a server child (after fork, before exec): on Linux, get SIGTERM when the demo dies.

    The servers run in their own session so that Ctrl-C reaches only the demo, which then stops
    them; if the demo itself is killed (SIGKILL, a crash), the kernel still stops them instead of
    leaving orphaned servers holding their ports.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def stop_process(
    proc: subprocess.Popen[Any] | None,
    *,
    timeout: float = 10.0,
    sig: signal.Signals = signal.SIGTERM,
) -> None:
    """Stop a child we started, by its PID only: ``sig`` — SIGTERM by default (Jupyter servers
    then shut their kernels down cleanly; SIGINT would make Voila ask for a confirmation), SIGINT
    for a ``myna`` command stopped as by Ctrl-C — then, after ``timeout`` seconds, SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout)
        return
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    proc.kill()
    proc.wait(5)


# ------------------------------------------------------------------------------ notebooks
def notebook_json(name: str) -> str:
    """The dashboard notebook ``name``: one cell of wiring, no outputs (``dashboards/*.ipynb``)."""
    title, function = DASHBOARDS[name]
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"{name}-app",
                "metadata": {},
                "outputs": [],
                "source": [f"from mynalib.widgets import {function}\n", "\n", f"{function}()"],
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "title": title,
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, ensure_ascii=False, indent=1) + "\n"


def write_dashboards(folder: Path) -> list[Path]:
    """Write the dashboard notebooks into ``folder`` (an installed package has no repo copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in DASHBOARDS:
        path = folder / f"{name}.ipynb"
        path.write_text(notebook_json(name), encoding="utf-8")
        out.append(path)
    return out


# ------------------------------------------------------------------------------ sample data
def save_sample_card(path: Path, person_id: str = DEMO_PERSON) -> Path:
    """Save the software card of a sample member (the card the sandbox recognises) to ``path``,
    unless a card is already saved there (its PIN counters are kept)."""
    from .samples.card import sample_card_profile

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        sample_card_profile(person_id).save(path)
    return path


# ------------------------------------------------------------------------------ servers
def voila_env(
    state_dir: Path,
    *,
    base: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a Voila process: Jupyter and matplotlib folders under ``state_dir``."""
    env = dict(os.environ if base is None else base)
    for var, sub in (
        ("JUPYTER_CONFIG_DIR", "jupyter-config"),
        ("JUPYTER_DATA_DIR", "jupyter-data"),
        ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "mpl"),
    ):
        folder = state_dir / sub
        folder.mkdir(parents=True, exist_ok=True)
        env[var] = str(folder)
    env.setdefault("MPLBACKEND", "Agg")
    env.pop("JUPYTER_TOKEN", None)
    # mynalib's Voila template (no CDN stylesheets): found through JUPYTER_PATH
    shipped = str(package_data("jupyter"))
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (shipped, env.get("JUPYTER_PATH")) if p)
    if extra:
        env.update(extra)
    return env


#: the Voila template shipped in mynalib/data/jupyter/voila/templates/
VOILA_TEMPLATE = "mynalib"

#: kernels of closed pages are shut down after this many idle seconds (a page that is open keeps
#: its kernel: connected kernels are never culled); checked every half of it
CULL_IDLE_SECONDS = 60


#: kernels Voila keeps started ahead per dashboard (``--pool_size``)
PRELOADED_KERNELS = 1


def voila_command(
    notebooks: Path,
    port: int,
    *,
    show_tracebacks: bool = False,
    cull_idle: int = CULL_IDLE_SECONDS,
    extra: list[str] | None = None,
) -> list[str]:
    """The Voila command line (no token on it: the token goes in ``voila.json``)."""
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebooks),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={HOST}",
        f"--template={VOILA_TEMPLATE}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, cull_idle // 2))}",
        # one kernel per dashboard started ahead, its imports done, waiting for the page
        # (mynalib.widgets.apps.await_page); pooled kernels are never culled
        "--preheat_kernel=True",
        f"--pool_size={PRELOADED_KERNELS}",
    ]
    if show_tracebacks:
        cmd.append("--show_tracebacks=True")
    return cmd + list(extra or [])


#: ``voila.py``, a Voila config file (Python) that keeps the token out of Voila's log: tornado
#: logs the request URI, ``?token=`` included, of every failed request (404, 500)
VOILA_LOG_SCRUB = r"""# written by mynalib.demo: keep the access token out of Voila's log
import logging as _logging
import re as _re

_TOKEN = _re.compile(r"(?i)(token=)[^&\s'\x22]+")


class _ScrubToken(_logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        clean = _TOKEN.sub(r"\1[secret]", message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


for _name in ("tornado.access", "tornado.application", "tornado.general", "Voila"):
    _logging.getLogger(_name).addFilter(_ScrubToken())
if _logging.lastResort is not None:
    _logging.lastResort.addFilter(_ScrubToken())
"""


#: the token page in Japanese (jupyter_server's login form with mynalib's template)
LOGIN = "mynalib.voila_login.JapaneseIdentityProvider"


def write_voila_config(run_dir: Path, token: str) -> Path:
    """A private ``voila.json`` (mode 0600) in ``run_dir`` holding the token (and naming the
    Japanese token page, :mod:`mynalib.voila_login`)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "voila.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"Voila": {"token": token, "ip": HOST, "identity_provider_class": LOGIN}}, f)
    return path


def write_voila_log_scrub(config_dir: Path) -> Path:
    """``voila.py`` (:data:`VOILA_LOG_SCRUB`) in Voila's ``JUPYTER_CONFIG_DIR`` (not in its
    working folder: a ``voila.py`` there would shadow the package for ``python -m voila``)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "voila.py"
    path.write_text(VOILA_LOG_SCRUB, encoding="utf-8")
    return path


def sandbox_command(port: int) -> list[str]:
    """The child process of the portal sandbox on ``port``: :func:`run_sandbox` (the same server
    as ``myna sandbox --port PORT``, without going through the command line)."""
    return [sys.executable, "-c", f"from mynalib.demo import run_sandbox; run_sandbox({int(port)})"]


def run_sandbox(port: int) -> None:
    """Serve the portal sandbox on 127.0.0.1:``port`` until stopped, configured as
    ``myna sandbox`` is by default (issuer fixed to this address, 1 s before a わたしの情報 answer,
    the household's software cards registered before the first request)."""
    import uvicorn

    from .portal.sandbox.app import SandboxConfig, create_app, member_fingerprints

    app = create_app(SandboxConfig(issuer=f"http://{HOST}:{port}", poll_delay=1.0))
    print("preparing the sandbox accounts (the household's software cards)…", file=sys.stderr)
    member_fingerprints()
    print(f"mynalib portal sandbox on http://{HOST}:{port}  (synthetic data)", flush=True)
    uvicorn.run(app, host=HOST, port=port, log_level="warning", server_header=False)


@dataclass
class Servers:
    """Running sandbox + Voila (children of this process)."""

    voila: subprocess.Popen[Any]
    sandbox: subprocess.Popen[Any] | None
    voila_port: int
    sandbox_port: int | None
    token: str = field(repr=False)  # the key to the dashboards: never in a repr
    notebooks: Path
    logs: list[Path] = field(default_factory=list)

    def url(self, name: str | None = None) -> str:
        base = f"http://{HOST}:{self.voila_port}"
        if name is None:
            return f"{base}/?token={self.token}"
        return f"{base}/voila/render/{name}.ipynb?token={self.token}"

    def stop(self) -> None:
        stop_process(self.voila)
        stop_process(self.sandbox)


def start_servers(
    workdir: Path,
    *,
    port: int | None = None,
    env_extra: Mapping[str, str] | None = None,
    sandbox: bool = True,
    show_tracebacks: bool = False,
    notebooks: Path | None = None,
    timeout: float = 60.0,
    preheat_timeout: float = 30.0,
    progress: Progress | None = None,
) -> Servers:
    """Start the sandbox (optional) and Voila; return once both accept TCP connections and
    the dashboards' preheated kernels wait for their pages (:func:`wait_for_preheated`, at
    most ``preheat_timeout`` seconds: a page opened earlier waits for its kernel);
    ``progress`` hears what is waited for."""
    workdir.mkdir(parents=True, exist_ok=True)
    nb_dir = notebooks or workdir / "dashboards"
    if notebooks is None:
        write_dashboards(nb_dir)
    token = secrets.token_urlsafe(24)
    run_dir = workdir / "voila-run"
    write_voila_config(run_dir, token)
    extra = dict(env_extra or {})
    sandbox_proc = None
    sandbox_port = None
    logs_dir = workdir / "logs"
    logs_dir.mkdir(exist_ok=True)
    logs: list[Path] = []
    say = progress or (lambda _m: None)
    if sandbox:
        sandbox_port = free_port()
        say(f"ポータルのサンドボックスを起動しています / starting the portal sandbox ({HOST})")
        log = logs_dir / "sandbox.log"
        logs.append(log)
        with open(log, "ab") as out:
            sandbox_proc = subprocess.Popen(
                sandbox_command(sandbox_port),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=workdir,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the children
                preexec_fn=_die_with_parent,
            )
        extra.setdefault("MYNA_PORTAL_URL", f"http://{HOST}:{sandbox_port}")
    voila_port = port or free_port()
    log = logs_dir / "voila.log"
    logs.append(log)
    env = voila_env(workdir / "jupyter", extra=extra)
    write_voila_log_scrub(Path(env["JUPYTER_CONFIG_DIR"]))
    say(f"Voila を起動しています / starting Voila on the dashboards ({HOST})")
    log_start = log.stat().st_size if log.exists() else 0
    with open(log, "ab") as out:
        voila_proc = subprocess.Popen(
            voila_command(nb_dir, voila_port, show_tracebacks=show_tracebacks),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=run_dir,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    servers = Servers(voila_proc, sandbox_proc, voila_port, sandbox_port, token, nb_dir, logs)
    try:
        if sandbox_proc is not None and sandbox_port is not None:
            wait_for_port(sandbox_port, timeout=timeout, proc=sandbox_proc)
            say(f"サンドボックス待受中 / the sandbox listens on {HOST}:{sandbox_port}")
        wait_for_port(voila_port, timeout=timeout, proc=voila_proc)
        say(
            "ダッシュボードごとにカーネルを先に起動しています / starting one kernel per "
            "dashboard, ready before its page is opened"
        )
        wait_for_preheated(
            log, log_start, nb_dir, proc=voila_proc, timeout=preheat_timeout, progress=progress
        )
    except BaseException:
        servers.stop()
        raise
    return servers


def wait_for_preheated(
    log: Path,
    start: int,
    notebooks: Path,
    *,
    proc: subprocess.Popen[Any] | None = None,
    timeout: float = 60.0,
    progress: Progress | None = None,
) -> float:
    """Wait until Voila's preheated kernel of every dashboard in ``notebooks`` waits for its
    page (the line :data:`mynalib.widgets.PREHEATED_MARK` in ``log`` after byte
    ``start``), so that the first page opened finds its kernel ready. Gives up quietly after
    ``timeout`` seconds (the page then waits for its kernel); returns the seconds waited.
    ``progress`` hears each dashboard whose kernel is ready."""
    from .widgets import PREHEATED_MARK

    wanted = {name for name in DASHBOARDS if (notebooks / f"{name}.ipynb").exists()}
    began = time.monotonic()
    while wanted and time.monotonic() - began < timeout:
        if proc is not None and proc.poll() is not None:
            break
        with contextlib.suppress(OSError):
            with open(log, "rb") as f:
                f.seek(start)
                text = f.read().decode("utf-8", "replace")
            for line in text.splitlines():
                if PREHEATED_MARK in line:
                    name = line.rsplit(" ", 1)[-1].strip()
                    if name in wanted and progress is not None:
                        title = DASHBOARDS[name][0]
                        progress(
                            f"{title} のカーネルの準備ができました / the {name} kernel is ready"
                        )
                    wanted.discard(name)
        if wanted:
            time.sleep(0.1)
    return time.monotonic() - began


def vault_steps(
    say: Progress, *, every: float = 1.0, clock: Callable[[], float] = time.monotonic
) -> Callable[[int, int, str], None]:
    """A ``build_sample_vault`` progress callback that tells ``say`` the step reached: each
    portal fetch, and the imported files at most every ``every`` seconds (and the last one)."""
    last = [clock()]

    def step(done: int, total: int, label: str) -> None:
        now = clock()
        if label.startswith("マイナポータル") or done == total or now - last[0] >= every:
            last[0] = now
            say(f"  {done}/{total} {label}")

    return step


@contextmanager
def demo_environment(
    workdir: Path, *, progress: Progress | None = None, rebuild: bool = False
) -> Iterator[dict[str, str]]:
    """Build (once) the sample vault and card in ``workdir``; yield the dashboards' environment."""
    say = progress or (lambda _m: None)
    vault_dir = workdir / "vault"
    secret_file = workdir / "passphrase"
    card = workdir / "card" / f"virtual-card-{DEMO_PERSON}.json"
    if rebuild and workdir.exists():
        shutil.rmtree(vault_dir, ignore_errors=True)
        secret_file.unlink(missing_ok=True)
        card.unlink(missing_ok=True)
        (workdir / ".sample-vault-built").unlink(missing_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    if secret_file.exists():
        passphrase = secret_file.read_text(encoding="utf-8").strip()
    else:
        passphrase = secrets.token_urlsafe(24)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(passphrase)
    say("サンプルのソフトウェアカードを用意しています / preparing the sample software card")
    save_sample_card(card)
    marker = workdir / ".sample-vault-built"
    if not marker.exists():
        from .samples.vault import PortalFetchFailed, build_sample_vault

        say(
            "サンプルの保管庫を作成しています（初回のみ） / building the sample vault (first "
            "run only): the sample files, then the portal's part"
        )
        try:
            # the pension record is left for the overview's 取得 to bring from the sandbox
            build_sample_vault(
                vault_dir,
                passphrase=passphrase,
                pension_files=False,
                progress=vault_steps(say),
            )
            marker.write_text("ok\n", encoding="utf-8")
        except PortalFetchFailed as exc:  # the files are in; start without the portal items
            say(
                f"could not fetch the portal items from the sandbox ({exc.__cause__!r}); the "
                "dashboards start without お知らせ — they will be fetched on the next run"
            )
    yield {
        "MYNA_VAULT": str(vault_dir),
        "MYNA_VAULT_PASSPHRASE": passphrase,
        "MYNA_HOME": str(workdir / "state"),
        "MYNA_CARD": "virtual",
        "MYNA_CARD_PROFILE": str(card),
    }


def default_workdir() -> Path:
    from .paths import default_state_dir

    return default_state_dir() / "demo"


class Heartbeat:
    """Says what it is told (``say``) and, while started, a "still working" line whenever
    ``quiet`` seconds pass without one, so the terminal never looks stuck."""

    def __init__(self, echo: Callable[[str], None], *, quiet: float = 2.0) -> None:
        self.echo = echo
        self.quiet = quiet
        self.began = time.monotonic()
        self._last = self.began
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def say(self, message: str) -> None:
        with self._lock:
            self._last = time.monotonic()
            self.echo(f"… {message}")

    def elapsed(self) -> float:
        return time.monotonic() - self.began

    def _beat(self) -> None:
        while not self._stop.wait(0.2):
            with self._lock:
                now = time.monotonic()
                if now - self._last >= self.quiet:
                    self._last = now
                    self.echo(f"… まだ準備中です / still starting ({now - self.began:.0f} s)")

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._beat, name="demo-heartbeat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def run_demo(
    *,
    port: int | None = None,
    open_browser: bool = True,
    workdir: Path | None = None,
    rebuild: bool = False,
    echo: Callable[[str], None] = print,
) -> int:
    """Run the demo until Ctrl-C. Returns the exit status."""
    if shutil.which("voila") is None and not _module_available("voila"):
        echo("Voila is not installed: run `make setup` (or pip install voila).")
        return 1
    workdir = workdir or default_workdir()
    first = rebuild or not (workdir / ".sample-vault-built").exists()
    beat = Heartbeat(echo)
    with contextlib.ExitStack() as stack:
        stack.enter_context(beat)  # leaves (stops) first if anything below fails
        env = stack.enter_context(demo_environment(workdir, progress=beat.say, rebuild=rebuild))
        beat.say(
            "サーバーを起動しています / starting the portal sandbox and Voila (127.0.0.1 only)"
        )
        try:
            servers = start_servers(workdir, port=port, env_extra=env, progress=beat.say)
        except (RuntimeError, TimeoutError) as exc:
            beat.stop()
            echo(f"could not start the servers: {exc}")
            echo(f"see the logs in {workdir / 'logs'} (is port {port} already in use?)")
            return 1
        beat.stop()
        took = beat.elapsed()
        kind = (
            "初回の起動（サンプルの保管庫を作成） / first start (sample vault built)"
            if first
            else "起動 / start"
        )
        echo(f"… {kind}: {took:.1f} 秒 / s")
        try:
            _stop_on_signals()  # before "Press Ctrl-C": a signal right after it must stop cleanly
            echo("")
            echo("mynalib demo is running — open (the token in the link is your key):")
            for name, (title, _fn) in DASHBOARDS.items():
                echo(f"  {title}: {servers.url(name)}")
            echo(f"  all dashboards: {servers.url()}")
            if servers.sandbox_port is not None:
                echo(f"The portal sandbox listens on {HOST}:{servers.sandbox_port}.")
            echo(f"The software card's test PIN is {DEMO_PIN_HINT} (for the overview's 取得).")
            echo(
                f"Other commands: {myna_command()} --help (your own vault: {myna_command()} dashboards)"
            )
            echo("Press Ctrl-C to stop.")
            if open_browser:
                import webbrowser

                webbrowser.open(servers.url("overview"))
            while True:
                if servers.voila.poll() is not None:
                    echo(
                        f"Voila stopped (status {servers.voila.returncode}); see {servers.logs[-1]}"
                    )
                    return 1
                if servers.sandbox is not None and servers.sandbox.poll() is not None:
                    echo(f"the sandbox stopped; see {servers.logs[0]}")
                    return 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            echo("\nstopping…")
            return 0
        finally:
            servers.stop()


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop the demo cleanly (servers stopped by PID).

    SIGINT is re-armed explicitly: a shell starts background jobs with SIGINT ignored, and Python
    keeps an inherited "ignore", which would leave `kill -INT` without effect.
    """

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _interrupt)


def _module_available(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def temporary_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="myna-demo-"))
