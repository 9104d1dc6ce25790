"""`myna dashboards` and `myna lab` on a throw-away vault of the user: the passphrase asked once
and handed over through the environment, a token required, loopback only, stopped by Ctrl-C;
kernels of closed pages culled."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mynalib import demo, serve
from mynalib.errors import VaultError, VaultLocked

from .conftest import RENDER_TIMEOUT_MS, open_dashboard
from .test_browser import _listening, _status
from .test_demo import _closed

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "a throw-away vault passphrase"
IRYOHI = ROOT / "sample_data" / "iryohi"


@pytest.fixture(scope="module")
def own_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's vault (passphrase-protected, no keyring) holding the sample 医療費通知 CSVs."""
    from mynalib.vault import open_vault

    folder = tmp_path_factory.mktemp("own") / "vault"
    with open_vault(folder, passphrase=PASSPHRASE) as vault:
        vault.import_files(sorted(IRYOHI.rglob("*.csv")))
    return folder


@pytest.fixture()
def no_passphrase_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MYNA_VAULT_PASSPHRASE", raising=False)
    from mynalib.vault import keys

    monkeypatch.setattr(keys, "keyring_usable", lambda: False)
    monkeypatch.setattr(keys, "_keyring_module", lambda: None)


# ------------------------------------------------------------------------------ the passphrase
def test_the_passphrase_is_asked_once_and_checked(own_vault: Path, no_passphrase_env: None) -> None:
    asked: list[str] = []
    answers = iter(["wrong", PASSPHRASE])

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    said: list[str] = []
    folder, secret = serve.vault_passphrase(own_vault, ask=ask, interactive=True, echo=said.append)
    assert folder == own_vault and secret == PASSPHRASE
    assert len(asked) == 2 and "パスフレーズ" in asked[0]
    assert any("Wrong passphrase" in s for s in said)
    assert PASSPHRASE not in " ".join(said)
    env = serve.dashboards_env(folder, secret)
    assert env["MYNA_VAULT"] == str(own_vault) and env["MYNA_VAULT_PASSPHRASE"] == PASSPHRASE
    assert env["MYNA_CARD"] == "reader"  # the user's own card, not the software card


def test_no_prompt_when_the_environment_opens_the_vault(
    own_vault: Path, no_passphrase_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)

    def ask(prompt: str) -> str:
        raise AssertionError("asked although the environment has the passphrase")

    assert serve.vault_passphrase(own_vault, ask=ask, interactive=True) == (own_vault, None)
    assert "MYNA_VAULT_PASSPHRASE" not in serve.vault_env(own_vault, None)


def test_without_a_terminal_the_locked_vault_says_how_to_unlock(
    own_vault: Path, no_passphrase_env: None
) -> None:
    with pytest.raises(VaultLocked):
        serve.vault_passphrase(own_vault, ask=lambda p: PASSPHRASE, interactive=False)


def test_a_missing_vault_says_to_import_first(tmp_path: Path, no_passphrase_env: None) -> None:
    with pytest.raises(VaultError) as info:
        serve.vault_passphrase(tmp_path / "none", interactive=True)
    assert "myna import" in info.value.ja


def test_open_workbook_none_opens_the_vault_myna_lab_names(
    own_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mynalib.workbook import WORKBOOK_VAULT_ENV, open_workbook

    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv(WORKBOOK_VAULT_ENV, str(own_vault))
    with open_workbook(None) as wb:
        assert not wb.sample and wb.path == own_vault
        assert len(wb.frame("medical_expenses")) > 0


# ------------------------------------------------------------------------------ the servers
def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.fixture(scope="module")
def own_site(own_vault: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pytest.importorskip("voila")
    env = serve.dashboards_env(own_vault, PASSPHRASE)
    env["MYNA_HOME"] = str(tmp_path_factory.mktemp("state"))
    servers = serve.start_dashboards(
        tmp_path_factory.mktemp("dash"), env, show_tracebacks=True, timeout=90
    )
    try:
        yield servers
    finally:
        servers.stop()


@pytest.mark.slow
def test_dashboards_need_the_token_and_listen_on_loopback_only(own_site: Any) -> None:
    servers = own_site
    base = f"http://127.0.0.1:{servers.voila_port}"
    for path in ("/", "/voila/render/overview.ipynb", "/voila/render/overview.ipynb?token=x"):
        status, location = _status(base + path)
        assert status in (302, 401, 403), (path, status)
        if status == 302:
            assert "/login" in location
    assert _status(f"{base}/?token={servers.token}")[0] == 200
    assert set(_listening(servers.voila_port)) == {"0100007F"}
    assert servers.sandbox is None  # the user's vault never meets the sample sandbox
    cmdline = Path(f"/proc/{servers.voila.pid}/cmdline").read_bytes().decode()
    assert servers.token not in cmdline and PASSPHRASE not in cmdline
    environ = Path(f"/proc/{servers.voila.pid}/environ").read_bytes().decode()
    assert f"MYNA_VAULT_PASSPHRASE={PASSPHRASE}" in environ  # handed over by the environment


@pytest.mark.browser
@pytest.mark.slow
def test_the_overview_shows_the_users_own_vault(
    own_site: Any, own_vault: Path, page: Any, shots: Path
) -> None:
    from mynalib.vault import open_vault

    with open_vault(own_vault, passphrase=PASSPHRASE) as vault:
        expenses = vault.frame("medical_expenses")
    year = int(expenses["month"].dt.year.max())
    spent = int(expenses[expenses["month"].dt.year == year]["patient_share"].sum())
    open_dashboard(page, own_site, "overview")
    medical = page.locator(".myna-medical")
    medical.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert medical.get_attribute("data-year") == str(year)
    assert int(medical.get_attribute("data-spent") or 0) == spent
    assert "There was an error" not in page.inner_text("body")
    page.screenshot(path=str(shots / "own-vault-overview.png"), full_page=True)


@pytest.mark.slow
def test_kernels_of_closed_pages_are_culled(tmp_path: Path) -> None:
    """A page that was rendered and never opened its websocket (a closed tab) leaves a kernel:
    the culler shuts it down after the idle time."""
    pytest.importorskip("voila")
    assert demo.CULL_IDLE_SECONDS <= 60
    cmd = demo.voila_command(tmp_path / "nb", 1)
    assert "--MappingKernelManager.cull_idle_timeout=60" in cmd
    assert not any("cull_connected=True" in c for c in cmd)  # an open page keeps its kernel

    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    (notebooks / "x.ipynb").write_text(
        '{"cells": [{"cell_type": "code", "execution_count": null, "id": "a", "metadata": {},'
        ' "outputs": [], "source": ["1"]}], "metadata": {"kernelspec": {"name": "python3",'
        ' "display_name": "Python 3", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}',
        encoding="utf-8",
    )
    port = demo.free_port()
    run = tmp_path / "run"
    demo.write_voila_config(run, "t0ken-for-this-test-only-x")
    env = demo.voila_env(tmp_path / "jupyter")
    proc = subprocess.Popen(
        demo.voila_command(notebooks, port, cull_idle=2),
        cwd=run,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        demo.wait_for_port(port, timeout=90, proc=proc)
        # the kernels started ahead (--preheat_kernel) for x.ipynb: never culled, one per page
        pool = _wait_for_children(proc.pid, demo.PRELOADED_KERNELS)
        url = f"http://127.0.0.1:{port}/voila/render/x.ipynb?token=t0ken-for-this-test-only-x"
        with urllib.request.urlopen(url, timeout=60) as resp:  # the page takes a kernel
            resp.read()
        assert pool, "no kernel was started"
        # the page took one of them (the pool is filled again): that one is culled
        deadline = time.monotonic() + 30
        while set(pool) <= set(_children(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.5)
        gone = set(pool) - set(_children(proc.pid))
        assert len(gone) == 1, "the idle kernel of a closed page is still running"
        # what is left is the pool again, not a kernel per page ever opened
        _wait_for_children(proc.pid, demo.PRELOADED_KERNELS)
    finally:
        demo.stop_process(proc)


def _wait_for_children(pid: int, n: int, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(_children(pid)) < n and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # none beyond n arrives late
    children = _children(pid)
    assert len(children) == n, children
    return children


def _run_until_urls(cmd: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 180
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Ctrl-C" in line:
            break
    return proc, "".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["dashboards", "lab"])
def test_the_command_prints_token_urls_and_ctrl_c_stops_it(
    own_vault: Path, tmp_path: Path, command: str
) -> None:
    pytest.importorskip("voila" if command == "dashboards" else "jupyterlab")
    env = dict(os.environ)
    env["MYNA_HOME"] = str(tmp_path / "home")
    env["MYNA_VAULT_PASSPHRASE"] = PASSPHRASE
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "mynalib.cli", command, "--no-browser", "--vault", str(own_vault)]
    cmd += ["--workdir", str(tmp_path / "w")]
    proc, text = _run_until_urls(cmd, env)
    try:
        assert "Ctrl-C" in text, text
        urls = re.findall(r"http://\S+", text)
        assert urls, text
        for url in urls:
            parts = urllib.parse.urlsplit(url)
            assert parts.hostname == "127.0.0.1"
            assert len(urllib.parse.parse_qs(parts.query)["token"][0]) >= 24
        port = urllib.parse.urlsplit(urls[0]).port
        assert port is not None and not _closed(port)
        assert set(_listening(port)) == {"0100007F"}
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(urls[0]).query)["token"][0]
        cmdlines = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in [proc.pid]]
        if command == "lab":
            api = f"http://127.0.0.1:{port}/api/status"
            assert _status(api)[0] in (401, 403)
            assert _status(f"{api}?token={token}")[0] == 200
            (server,) = [p for p in _children(proc.pid)]
            environ = Path(f"/proc/{server}/environ").read_bytes().decode()
            assert f"MYNA_WORKBOOK_VAULT={own_vault}" in environ  # its kernels open this vault
            cmdlines.append(Path(f"/proc/{server}/cmdline").read_bytes())
        assert all(token.encode() not in c for c in cmdlines)
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(60) == 0
        assert _closed(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.browser
@pytest.mark.slow
def test_files_import_and_export_from_the_overview(
    own_site: Any, own_vault: Path, page: Any, shots: Path, tmp_path: Path
) -> None:
    """A file chosen in the page is imported (the figures follow); the 医療費集計フォーム and
    the deductions download at one click, the same bytes the CLI writes."""
    open_dashboard(page, own_site, "overview")
    panel = page.locator(".myna-files-panel")
    panel.locator(".myna-download-list").wait_for(timeout=RENDER_TIMEOUT_MS)
    certificate = ROOT / "sample_data" / "kojo" / "2025" / "TEG800_mihon-seimei_taro.xml"
    broken = tmp_path / "memo.txt"
    broken.write_text("メモ", encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        panel.locator(".myna-upload").click()
    chooser.value.set_files([str(certificate), str(broken)])
    panel.locator(".myna-import-ok").wait_for(timeout=60_000)
    assert "控除証明書（XML）" in panel.locator(".myna-import-ok").inner_text()
    assert "取り込めませんでした" in panel.locator(".myna-import-error").inner_text()
    page.locator('.myna-resident-tax[data-deduction="life_insurance"]').wait_for(timeout=30_000)
    page.screenshot(path=str(shots / "own-vault-import.png"), full_page=False)
    panel.screenshot(path=str(ROOT / "docs" / "files.png"))  # the user guide's picture
    link = panel.locator("a.myna-download", has_text="医療費集計フォーム（CSV）")
    year = panel.locator(".myna-download-list").get_attribute("data-year")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"医療費集計フォーム_{year}.csv"
    got = Path(download.value.path()).read_bytes()
    out = tmp_path / "cli.csv"
    env = dict(os.environ, MYNA_VAULT_PASSPHRASE=PASSPHRASE)
    subprocess.run(
        [
            *(sys.executable, "-m", "mynalib.cli", "export", "iryohi-form", "--year", str(year)),
            *("-o", str(out), "--vault", str(own_vault)),
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert got == out.read_bytes()
    with page.expect_download() as download:
        panel.locator("a.myna-download", has_text="控除の一覧（CSV）").click()
    assert download.value.suggested_filename == f"控除一覧_{year}.csv"
    assert "生命保険料控除" in Path(download.value.path()).read_bytes().decode("utf-8-sig")
