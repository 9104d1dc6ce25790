"""`myna demo` end to end (Ctrl-C stops both servers), the notebooks, `myna export deadlines`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner

from mynalib import demo

ROOT = Path(__file__).resolve().parents[2]


def test_repo_notebooks_are_the_generated_ones_and_hold_only_wiring() -> None:
    for name in demo.DASHBOARDS:
        path = ROOT / "dashboards" / f"{name}.ipynb"
        assert path.read_text(encoding="utf-8") == demo.notebook_json(name)
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert len(nb["cells"]) == 1 and nb["cells"][0]["outputs"] == []
        source = "".join(nb["cells"][0]["source"])
        assert len(source.splitlines()) <= 3  # an import and a call: no logic in cells


def test_export_deadlines_command(tmp_path: Path) -> None:
    from icalendar import Calendar

    from mynalib.cli import main

    out = tmp_path / "birth.ics"
    result = CliRunner().invoke(
        main, ["export", "deadlines", "-o", str(out), "--event", "birth", "--date", "2026-05-01"]
    )
    assert result.exit_code == 0, result.output
    cal = Calendar.from_ical(out.read_bytes())
    starts = {str(e["summary"]): e.decoded("dtstart") for e in cal.walk("VEVENT")}
    assert starts["期限: 児童手当 認定請求"] == dt.date(2026, 5, 16)
    assert starts["期限: 出生届"] == dt.date(2026, 5, 14)
    assert all(e.walk("VALARM") for e in cal.walk("VEVENT"))  # a reminder before each deadline
    assert out.stat().st_mode & 0o077 == 0  # a life event's dates: readable by the owner only
    bad = CliRunner().invoke(
        main, ["export", "deadlines", "-o", str(out), "--event", "mars", "--date", "2026-05-01"]
    )
    assert bad.exit_code != 0 and "unknown life event" in bad.output
    half = CliRunner().invoke(main, ["export", "deadlines", "-o", str(out), "--event", "birth"])
    assert half.exit_code != 0


def test_export_deadlines_without_saved_plans_says_what_to_do(tmp_path: Path) -> None:
    from mynalib.cli import main
    from mynalib.vault import open_vault

    vault_dir = tmp_path / "vault"
    with open_vault(vault_dir, passphrase="correct horse battery staple"):
        pass
    env = {"MYNA_VAULT_PASSPHRASE": "correct horse battery staple"}
    out = tmp_path / "x.ics"
    result = CliRunner(env=env).invoke(
        main, ["export", "deadlines", "-o", str(out), "--vault", str(vault_dir)]
    )
    assert result.exit_code != 0 and "--event" in result.output
    with open_vault(vault_dir, passphrase="correct horse battery staple") as vault:
        vault.set_state("procedures.plans", [{"event": "moving", "date": "2026-03-20"}])
    result = CliRunner(env=env).invoke(
        main, ["export", "deadlines", "-o", str(out), "--vault", str(vault_dir)]
    )
    assert result.exit_code == 0, result.output
    assert "2026-04-03" in result.output  # 転入届: 14 days after the move


def _closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.mark.slow
def _ignore_sigint() -> None:  # what a shell does to a job started with `&`
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    "how",
    ["ctrl-c", "ctrl-c-background-job", "sigterm", "sigkill"],
)
def test_myna_demo_prints_a_token_url_and_ctrl_c_stops_both(tmp_path: Path, how: str) -> None:
    pytest.importorskip("voila")
    env = dict(os.environ)
    env["MYNA_HOME"] = str(tmp_path / "home")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mynalib.cli",
            "demo",
            "--no-browser",
            "--workdir",
            str(tmp_path / "d"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        preexec_fn=_ignore_sigint if how == "ctrl-c-background-job" else None,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 180
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        assert "Press Ctrl-C" in text, text
        urls = re.findall(r"http://\S+", text)
        assert urls, text
        for url in urls:
            parts = urllib.parse.urlsplit(url)
            assert parts.hostname == "127.0.0.1"
            token = urllib.parse.parse_qs(parts.query)["token"][0]
            assert len(token) >= 24
        voila_port = urllib.parse.urlsplit(urls[0]).port
        assert voila_port is not None and not _closed(voila_port)
        env_file = tmp_path / "d" / "passphrase"
        assert env_file.stat().st_mode & 0o077 == 0  # the sample vault's passphrase is private
        sandbox_ports = {int(p) for p in re.findall(r"sandbox listens on 127\.0\.0\.1:(\d+)", text)}
        assert len(sandbox_ports) == 1 and not _closed(next(iter(sandbox_ports)))
        if how == "sigkill":  # the demo dies without cleaning up: the servers must still stop
            proc.kill()
            proc.wait(60)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not (
                _closed(voila_port) and all(_closed(p) for p in sandbox_ports)
            ):
                time.sleep(0.5)
        else:
            proc.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGINT)  # Ctrl-C / kill
            assert proc.wait(60) == 0
        assert _closed(voila_port)
        for port in sandbox_ports:
            assert _closed(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_demo_without_voila_falls_back_to_the_card_status(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from mynalib.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "voila" else real(name, *a)
    )
    result = CliRunner().invoke(main, ["demo", "--no-browser"])
    assert result.exit_code == 1
    assert "Voila is not installed" in result.output
    assert "tries left" in result.output and "O=JPKI-TEST" in result.output


def test_demo_runs_the_sandbox_as_myna_sandbox_does_without_the_cli(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """demo imports no command-line module, and its sandbox child is configured like the
    default `myna sandbox --port N` (the same SandboxConfig, host and server header)."""
    import ast

    import uvicorn

    from mynalib.cli import main
    from mynalib.portal.sandbox import app as sandbox_app

    tree = ast.parse(Path(demo.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module if node.level else node.module.removeprefix("mynalib."))
        elif isinstance(node, ast.Import):
            imported |= {a.name.removeprefix("mynalib.") for a in node.names}
    assert not {m for m in imported if m.split(".")[0] in ("cli", "commands", "click")}, imported

    runs: list[tuple[object, dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: runs.append((app, kw)))
    monkeypatch.setattr(sandbox_app, "member_fingerprints", lambda: {})
    result = CliRunner().invoke(main, ["sandbox", "--port", "18765"])
    assert result.exit_code == 0, result.output
    demo.run_sandbox(18765)
    (cli_app, cli_kw), (demo_app, demo_kw) = runs
    assert (
        demo_kw
        == cli_kw
        == {
            "host": "127.0.0.1",
            "port": 18765,
            "log_level": "warning",
            "server_header": False,
        }
    )
    assert demo_app.state.sandbox.config == cli_app.state.sandbox.config  # type: ignore[attr-defined]
    assert demo.sandbox_command(18765)[1:] == [
        "-c",
        "from mynalib.demo import run_sandbox; run_sandbox(18765)",
    ]


def test_voila_starts_a_kernel_ahead_for_every_dashboard(tmp_path: Path) -> None:
    cmd = demo.voila_command(tmp_path, 1)
    assert "--preheat_kernel=True" in cmd
    assert f"--pool_size={demo.PRELOADED_KERNELS}" in cmd and demo.PRELOADED_KERNELS >= 1


def test_wait_for_preheated_reads_only_this_start_of_the_log(tmp_path: Path) -> None:
    import threading

    from mynalib.widgets import PREHEATED_MARK

    notebooks = tmp_path / "nb"
    demo.write_dashboards(notebooks)
    log = tmp_path / "voila.log"
    # an earlier run's lines are in the log already: they do not count
    log.write_text("".join(f"{PREHEATED_MARK} {n}\n" for n in demo.DASHBOARDS), encoding="utf-8")
    start = log.stat().st_size
    assert demo.wait_for_preheated(log, start, notebooks, timeout=0.5) >= 0.5  # gave up

    def kernels_ready() -> None:
        for name in demo.DASHBOARDS:
            time.sleep(0.2)
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"[Voila] Kernel started\n{PREHEATED_MARK} {name}\n")

    writer = threading.Thread(target=kernels_ready)
    writer.start()
    try:
        waited = demo.wait_for_preheated(log, start, notebooks, timeout=30)
    finally:
        writer.join()
    assert 0.5 <= waited < 10
    # a folder without the dashboards (another notebook) is not waited for
    assert demo.wait_for_preheated(log, start, tmp_path, timeout=30) < 1


def test_a_preheated_dashboard_reads_the_vault_only_once_its_page_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    voila_utils = pytest.importorskip("voila.utils")
    from mynalib.widgets import apps
    from mynalib.widgets.common import StatusBar

    events: list[str] = []
    monkeypatch.setattr(apps, "dashboard_vault", lambda status: events.append("open") or "V")
    monkeypatch.setattr(voila_utils, "wait_for_request", lambda: events.append("request"))
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    assert apps.await_page("notices", StatusBar()) == "V"
    assert events == ["open", "request"]  # imports and the vault first, then the page
    assert all(m in sys.modules for m in apps.PRELOAD["common"])
    for names in apps.PRELOAD.values():  # every name there is a module
        for name in names:
            importlib.import_module(name)

    events.clear()
    monkeypatch.setenv("VOILA_PREHEAT", "False")  # a kernel started for the request
    assert apps.await_page("notices", StatusBar()) == "V"
    assert events == ["open"]
    monkeypatch.delenv("VOILA_PREHEAT")  # JupyterLab
    events.clear()
    assert apps.await_page("overview", StatusBar()) == "V"
    assert events == ["open"]


@pytest.mark.slow
def test_start_servers_returns_once_every_dashboard_kernel_waits_for_its_page(
    tmp_path: Path,
) -> None:
    pytest.importorskip("voila")
    from mynalib.widgets import PREHEATED_MARK

    heard: list[str] = []
    env = {"MYNA_VAULT": str(tmp_path / "no-vault"), "MYNA_HOME": str(tmp_path / "home")}
    servers = demo.start_servers(
        tmp_path / "w",
        env_extra=env,
        sandbox=False,
        timeout=90,
        preheat_timeout=180,  # a loaded 2-core machine (xdist, other servers) is slow to import
        progress=heard.append,
    )
    try:
        log = servers.logs[-1].read_text(encoding="utf-8")
        waiting = {line.rsplit(" ", 1)[-1] for line in log.splitlines() if PREHEATED_MARK in line}
        assert waiting == set(demo.DASHBOARDS)
        assert heard and "kernel" in heard[-1]
    finally:
        servers.stop()


def test_every_dashboard_waits_for_its_page_in_a_preheated_kernel() -> None:
    # wait_for_preheated waits for each dashboard's mark; a dashboard reading the vault before
    # the request would show what was there when its kernel was started
    import inspect

    from mynalib.widgets import apps

    for name, (_title, function) in demo.DASHBOARDS.items():
        assert name in apps.PRELOAD
        source = inspect.getsource(getattr(apps, function))
        body = source.split('"""', 2)[-1]  # after the docstring
        first_vault_use = body.index("vault")
        assert body[first_vault_use:].startswith(f'vault = await_page("{name}", status)'), name
