"""PC/SC lifecycle: no pcscd, card pulled out, pcscd going away, `myna card serve-virtual`.

These tests start and stop their own pcscd (by PID), so they live apart from the module-scoped
stack of test_pcsc.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from mynalib.card import open_card
from mynalib.card.pcsc import list_readers
from mynalib.card.virtual import CardProfile, VirtualCard
from mynalib.card.virtual.vpcd import VpcdBridge
from mynalib.errors import CardError, CardRemoved, PcscUnavailable
from mynalib.secrets import Pin
from tests.pcsc_stack import (
    missing_reason,
    no_pcscd,
    pcsc_stack,
    pcscd_process,
    running_pcscd,
    wait_for_reader,
)

pytestmark = pytest.mark.pcsc


def test_no_pcscd_gives_pcsc_unavailable_with_the_fix() -> None:
    if missing_reason() == 'pyscard is not installed (pip install "mynalib[pcsc]")':
        with pytest.raises(PcscUnavailable, match="pyscard"):
            list_readers()
        return
    with no_pcscd():
        if running_pcscd():
            pytest.skip("a pcscd is running: cannot test the 'service not running' path")
        with pytest.raises(PcscUnavailable) as info:
            list_readers()
        assert "pcscd" in str(info.value) and "Smart Card" in str(info.value)
        with pytest.raises(PcscUnavailable):
            open_card()


def test_card_removed_mid_session_and_bridge_end() -> None:
    with pcsc_stack(CardProfile.generate("card-tests")) as stack:
        bridge = stack.bridge
        assert isinstance(bridge, VpcdBridge)
        with open_card(stack.reader) as card:
            card.auth_tries_left()
            bridge.stop()  # the card leaves the reader
            with pytest.raises(CardError) as info:
                card.read_auth_certificate()
            assert isinstance(info.value, CardRemoved | CardError)
            assert "pyscard" not in type(info.value).__module__
        wait_for_reader(present=False)
        # put it back a moment later (as a person would): pcscd polls presence every ~0.4 s and
        # must see the reader empty once, or it takes the new card for the old, unpowered one
        time.sleep(1.0)
        vc = VirtualCard(CardProfile.generate("card-tests"))
        with VpcdBridge(vc):
            wait_for_reader(present=True)
            with open_card(stack.reader) as card:
                assert card.auth_tries_left() == 3


def test_bridge_ends_cleanly_when_pcscd_stops() -> None:
    if missing_reason():
        pytest.skip(missing_reason() or "")
    vc = VirtualCard(CardProfile.generate("card-tests"))
    with pcscd_process() as pid:
        if pid is None:
            pytest.skip("pcscd was not started by this test; not stopping it")
        bridge = VpcdBridge(vc, connect_timeout=60).start()
        wait_for_reader(present=True)
    # pcscd was stopped by PID on leaving the block: vpcd went away
    deadline = time.monotonic() + 60  # a wait, not a speed check: a loaded machine is slow
    while bridge.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not bridge.running
    assert bridge.ended == "vpcd closed the connection"
    bridge.stop()


def test_bridge_without_vpcd_says_what_to_do() -> None:
    card = VirtualCard(CardProfile.generate("card-tests"))
    with no_pcscd():  # no pcscd of another test process opens the vpcd port meanwhile
        if running_pcscd():
            pytest.skip("a pcscd is running")
        with pytest.raises(PcscUnavailable, match="vpcd"):
            VpcdBridge(card, connect_timeout=0.2).connect()


def test_serve_virtual_command_creates_the_profile(tmp_path: Path) -> None:
    if missing_reason():
        pytest.skip(missing_reason() or "")
    profile = tmp_path / "served.json"
    with pcscd_process() as pid:
        if pid is None:
            pytest.skip("pcscd not started by this test")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mynalib.cli",
                "card",
                "serve-virtual",
                "--profile",
                str(profile),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            reader = wait_for_reader(present=True, timeout=120)
            assert profile.exists()
            with open_card(reader) as card:
                for _ in range(3):
                    with pytest.raises(CardError):
                        card.verify("kenhojo", Pin("0000", "kenhojo"), allow_last_try=True)
        finally:
            proc.send_signal(2)  # Ctrl-C
            try:  # generous: a loaded 2-core machine may still be importing or attaching
                out, _ = proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()  # by PID: ours
                out, _ = proc.communicate(timeout=30)
                raise
        assert "created" in out and "stopped" in out, out
    # the blocked counter was saved into the profile file by the serving process
    assert CardProfile.load(profile).tries_left["kenhojo"] == 0


def test_pcscd_is_ready_when_it_lists_the_vpcd_reader() -> None:
    # readiness is pcscd listing the reader (no probe connection to vpcd's port, which would make
    # vpcd keep the card's connection waiting): listed already when pcscd_process yields
    if missing_reason():
        pytest.skip(missing_reason() or "")
    from mynalib.card.pcsc import reader_states

    with pcscd_process():
        assert any(s.name == "Virtual PCD 00 00" for s in reader_states())
        assert wait_for_reader(None, timeout=0) == "Virtual PCD 00 00"


def test_waiting_for_the_reader_stops_when_our_pcscd_exits() -> None:
    if missing_reason():
        pytest.skip(missing_reason() or "")
    from tests.pcscd import PcscdExited

    exited = subprocess.Popen([sys.executable, "-c", "raise SystemExit(7)"])
    exited.wait(60)
    with no_pcscd():
        if running_pcscd():
            pytest.skip("a pcscd is running")
        with pytest.raises(PcscdExited, match="status 7"):
            wait_for_reader(None, timeout=60, proc=exited)  # type: ignore[arg-type]
