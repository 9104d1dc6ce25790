"""SIGKILL in the middle of a large import: the vault opens and keeps every committed document."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mynalib.document import Document
from mynalib.vault import open_vault

from .iryohi import block, iryohi_csv

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

CHILD_PUT = textwrap.dedent(
    """
    import sys
    from mynalib.document import Document
    from mynalib.vault import open_vault, crypto
    crypto.SCRYPT_N = 2**12
    vault = open_vault(sys.argv[1], passphrase="crash test")
    i = 0
    while True:
        with vault.transaction():
            for _ in range(25):
                vault.put(Document(data=b"document %d " % i * 40, kind="iryohi_csv", person="P"))
                i += 1
        print(i, flush=True)
    """
)

CHILD_IMPORT = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path
    from mynalib.vault import open_vault, crypto
    crypto.SCRYPT_N = 2**12
    vault = open_vault(sys.argv[1], passphrase="crash test")
    files = sorted(Path(sys.argv[2]).glob("*.csv"))
    def committed(n):
        print(n, flush=True)
        time.sleep(0.02)  # keep the import running long enough to be killed in the middle
    vault.import_files(files, batch=20, batch_seconds=60, on_commit=committed)
    print("finished", flush=True)
    """
)


def _run_and_kill(script: str, args: list[str], kill_after: int) -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    committed = 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "finished":
                pytest.fail("the import finished before it could be killed")
            committed = int(line)
            if committed >= kill_after:
                os.kill(proc.pid, signal.SIGKILL)
                break
        else:
            err = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"child exited early: {err}")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return committed


def test_sigkill_during_puts(tmp_path: Path) -> None:
    vault_dir = tmp_path / "vault"
    committed = _run_and_kill(CHILD_PUT, [str(vault_dir)], kill_after=500)
    with open_vault(vault_dir, passphrase="crash test") as v:
        docs = v.documents()
        n = len(docs)
        assert n >= committed
        assert n % 25 == 0  # whole transactions only, never half of one
        assert [d.data for d in docs] == [b"document %d " % i * 40 for i in range(n)]
        assert v.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        v.put(Document(data=b"after the crash", kind="iryohi_csv"))
        assert v.count() == n + 1


def test_sigkill_during_import_files(tmp_path: Path) -> None:
    src = tmp_path / "files"
    src.mkdir()
    expected = {}
    for i in range(1500):
        data = iryohi_csv(name=f"試験　{i:04d}", blocks=[block(1 + i % 12, 1000 + i)])
        (src / f"{i:04d}.csv").write_bytes(data)
        expected[f"{i:04d}.csv"] = data
    vault_dir = tmp_path / "vault"
    committed = _run_and_kill(CHILD_IMPORT, [str(vault_dir), str(src)], kill_after=100)
    with open_vault(vault_dir, passphrase="crash test") as v:
        docs = v.documents()
        assert len(docs) >= committed
        assert len(docs) < len(expected), "killed in the middle"
        for doc in docs:
            assert doc.data == expected[doc.original_name]
        assert (v.conn.execute("PRAGMA integrity_check").fetchone()) == ("ok",)
        # the interrupted import can simply be run again: committed files are duplicates
        reports = v.import_files(sorted(src.glob("*.csv")))
        assert sum(r.duplicate for r in reports) == len(docs)
        assert v.count() == len(expected)
