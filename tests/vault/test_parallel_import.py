"""Imports with worker processes (``workers=`` / ``myna import --jobs``): the same result as in
one process, no key material sent to the workers, and crash safety unchanged."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from mynalib.vault import Vault, importer, open_vault

from .conftest import PASSPHRASE
from .iryohi import block, iryohi_csv
from .test_crash import _run_and_kill

ROOT = Path(__file__).resolve().parents[2]
FRAMES = ("medical_expenses", "deductions", "checkups", "pension_periods")


def _files(tmp_path: Path) -> list[Path]:
    """The sample household plus broken files, a duplicate and a missing path, in one list."""
    src = tmp_path / "files"
    shutil.copytree(ROOT / "sample_data", src / "sample_data")
    bad = src / "bad"
    bad.mkdir()
    (bad / "notes.txt").write_bytes("ただのメモです".encode())
    (bad / "empty.csv").write_bytes(b"")
    (bad / "truncated.csv").write_bytes(iryohi_csv()[:300])
    (bad / "bomb.xml").write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    )
    (bad / "warned.csv").write_bytes(iryohi_csv().replace(b'"5,950"', b'"5,951"', 1))
    one = next((src / "sample_data" / "iryohi").rglob("*.csv"))
    (bad / "copy_of_one.csv").write_bytes(one.read_bytes())  # a duplicate within the import
    return [src, bad / "missing.csv", one]  # a missing file; the same file again at the end


def _report_fields(reports: list[importer.ImportReport]) -> list[tuple[Any, ...]]:
    return [
        (
            r.name,
            r.kind,
            r.person,
            r.period,
            r.rows,
            r.signature,
            r.warnings,
            r.id,
            r.new,
            r.error,
            r.error_type,
        )
        for r in reports
    ]


def _documents(vault: Vault) -> list[tuple[Any, ...]]:
    out = []
    for d in vault.documents():
        meta = {k: v for k, v in d.meta.items() if k != "imported_at"}
        out.append((d.id, d.data, d.kind, d.person, d.original_name, d.fetched_at, meta))
    return out


def _import(vault_dir: Path, files: list[Path], workers: int, **kw: Any) -> tuple[Any, ...]:
    calls: list[tuple[int, int, str | None]] = []
    commits: list[int] = []
    with open_vault(vault_dir, passphrase=PASSPHRASE) as v:
        reports = v.import_files(
            files,
            workers=workers,
            progress=lambda d, t, r: calls.append((d, t, r.name)),
            on_commit=commits.append,
            **kw,
        )
        frames = {name: v.frame(name) for name in FRAMES}
        extracts = v.conn.execute("SELECT COUNT(*) FROM extracts").fetchone()[0]
        docs = _documents(v)
        audit = [e.detail for e in v.audit_log() if e.action == "import"]
    return reports, calls, commits, frames, extracts, docs, audit


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every message written to a worker process."""
    messages: list[bytes] = []
    original = importer._Worker.send

    def send(self: importer._Worker, task: bytes) -> None:
        messages.append(task)
        original(self, task)

    monkeypatch.setattr(importer._Worker, "send", send)
    return messages


def test_parallel_import_equals_sequential(tmp_path: Path, sent: list[bytes]) -> None:
    files = _files(tmp_path)
    seq = _import(tmp_path / "seq", files, workers=1, batch=7)
    assert not sent  # workers=1: no worker process
    par = _import(tmp_path / "par", files, workers=2, batch=7)
    assert sent  # the worker processes were used

    reports_s, calls_s, commits_s, frames_s, extracts_s, docs_s, audit_s = seq
    reports_p, calls_p, commits_p, frames_p, extracts_p, docs_p, audit_p = par
    assert _report_fields(reports_p) == _report_fields(reports_s)
    assert calls_p == calls_s
    assert [c[0] for c in calls_p] == list(range(1, len(reports_s) + 1))
    assert commits_p == commits_s
    assert docs_p == docs_s
    assert extracts_p == extracts_s > 0
    assert audit_p == audit_s
    for name in FRAMES:
        assert frames_p[name].equals(frames_s[name]), name
        assert len(frames_p[name]) > 0, name

    by_name: dict[str | None, list[importer.ImportReport]] = {}
    for r in reports_p:
        by_name.setdefault(r.name, []).append(r)
    errors = {r.name: r.error_type for r in reports_p if not r.ok}
    assert errors == {
        "README.md": "UnknownDocument",
        "notes.txt": "UnknownDocument",
        "empty.csv": errors["empty.csv"],
        "truncated.csv": errors["truncated.csv"],
        "bomb.xml": errors["bomb.xml"],
        "otc_purchases_template.csv": "UnknownDocument",  # a template in sample_data/
        "missing.csv": "FileNotFoundError",
    }
    assert all(r.error for r in reports_p if not r.ok)
    assert by_name["warned.csv"][0].ok and by_name["warned.csv"][0].warnings
    # the same bytes three times: the copy (bad/ is walked first) is stored, the others are not
    copy, *others = [r for r in reports_p if r.id == by_name["copy_of_one.csv"][0].id]
    assert copy.name == "copy_of_one.csv" and copy.new
    assert len(others) == 2 and all(r.duplicate for r in others)
    assert reports_p[-1] is others[-1]


def test_parallel_import_again_gives_duplicates(tmp_path: Path) -> None:
    files = _files(tmp_path)
    with open_vault(tmp_path / "v", passphrase=PASSPHRASE) as v:
        first = v.import_files(files, workers=2)
        count = v.count()
        again = v.import_files(files, workers=2)
        assert v.count() == count
    assert [r.id for r in again] == [r.id for r in first]
    assert all(r.duplicate for r in again if r.ok)


def test_no_key_material_sent_to_workers(
    tmp_path: Path, sent: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(tmp_path)
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)
    envs: list[dict[str, str]] = []
    popen = subprocess.Popen

    def spy(*args: Any, **kwargs: Any) -> Any:
        envs.append(dict(kwargs.get("env") or os.environ))
        return popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    with open_vault(tmp_path / "v") as v:
        secrets = [v._data_key, v._keys.identity, v._keys.index, v._keys.audit]
        expanded = {str(p) for p in importer.expand_paths(files)}
        reports = v.import_files(files, workers=2, person="代理　太郎")
        assert v.count() > 0
    assert len(envs) == 2  # two worker processes, started by subprocess (no fork)
    for env in envs:
        assert "MYNA_VAULT_PASSPHRASE" not in env
    assert sent
    seen: list[str] = []
    for message in sent:
        for secret in [*secrets, PASSPHRASE.encode()]:
            assert secret not in message
        paths, person = pickle.loads(message)  # noqa: S301 - our own test data
        assert person == "代理　太郎"
        assert all(isinstance(p, str) for p in paths)
        seen.extend(paths)
    assert seen == [str(p) for p in importer.expand_paths(files)]  # each path once, in order
    assert set(seen) == expanded and len(reports) == len(seen)


def test_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert importer._worker_count(None, importer.PARALLEL_FROM - 1) == 1
    assert importer._worker_count(None, importer.PARALLEL_FROM) == 2
    assert importer._worker_count(1, 10_000) == 1
    assert importer._worker_count(4, 3) == 3  # explicit: whatever the number of files
    assert importer._worker_count(4, 1) == 1
    with pytest.raises(ValueError):
        importer._worker_count(0, 100)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert importer._worker_count(None, 10_000) == 1
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert importer._worker_count(None, 10_000) == 1


def test_kind_registered_at_run_time_keeps_the_import_in_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sent: list[bytes]
) -> None:
    from mynalib import sources
    from mynalib.sources import ParseResult

    monkeypatch.setitem(
        sources._KINDS,
        "test_kind",
        sources.KindInfo(
            "test_kind",
            "test",
            lambda data, strict=False: ParseResult([], [], {}),
            lambda data: data.startswith(b"TESTKIND"),
        ),
    )
    assert importer._worker_count(2, 100) == 1  # a fresh worker would not know the kind
    (tmp_path / "a.bin").write_bytes(b"TESTKIND 1")
    (tmp_path / "b.bin").write_bytes(b"TESTKIND 2")
    with open_vault(tmp_path / "v", passphrase=PASSPHRASE) as v:
        reports = v.import_files([tmp_path / "a.bin", tmp_path / "b.bin"], workers=2)
    assert [r.kind for r in reports] == ["test_kind", "test_kind"]
    assert not sent


def test_unexpected_worker_error_is_raised_and_audited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error that is not about the file (a bug) stops the import, as in one process."""
    files = [tmp_path / f"{i}.csv" for i in range(6)]
    for i, f in enumerate(files):
        f.write_bytes(iryohi_csv(name=f"試験　{i}"))
    # the worker is told to prepare something that is not a path: TypeError in the worker
    real = importer._encode_task

    def broken(part: list[str], person: str | None) -> bytes:
        if any(os.path.basename(p) == "4.csv" for p in part):
            return pickle.dumps(([None], person))
        return real(part, person)

    monkeypatch.setattr(importer, "_encode_task", broken)
    with open_vault(tmp_path / "v", passphrase=PASSPHRASE) as v:
        with pytest.raises(TypeError):
            v.import_files(files, workers=2, batch=1)
        assert v.count() == 4  # the files before it were committed
        assert any(e.action == "import" for e in v.audit_log())


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
    vault.import_files(files, batch=20, batch_seconds=60, on_commit=committed, workers=2)
    print("finished", flush=True)
    """
)


def _worker_pids(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (the killed import's workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ and b"_import_worker" in (entry / "cmdline").read_bytes():
            pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_during_parallel_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "files"
    src.mkdir()
    expected = {}
    for i in range(1500):
        data = iryohi_csv(name=f"試験　{i:04d}", blocks=[block(1 + i % 12, 1000 + i)])
        (src / f"{i:04d}.csv").write_bytes(data)
        expected[f"{i:04d}.csv"] = data
    vault_dir = tmp_path / "vault"
    marker = f"MYNA_TEST_PARALLEL_CRASH={tmp_path}"
    monkeypatch.setenv("MYNA_TEST_PARALLEL_CRASH", str(tmp_path))  # inherited by the workers
    committed = _run_and_kill(CHILD_IMPORT, [str(vault_dir), str(src)], kill_after=100)
    with open_vault(vault_dir, passphrase="crash test") as v:
        docs = v.documents()
        assert len(docs) >= committed
        assert len(docs) < len(expected), "killed in the middle"
        assert len(docs) % 20 == 0  # whole batches only
        for doc in docs:
            assert doc.data == expected[str(doc.original_name)]
        assert v.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        reports = v.import_files(sorted(src.glob("*.csv")), workers=2)
        assert sum(r.duplicate for r in reports) == len(docs)
        assert v.count() == len(expected)
    if Path("/proc/self/environ").exists():  # the orphaned workers see the end of their input
        deadline = time.monotonic() + 60  # a wait: the machine may be loaded
        while _worker_pids(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _worker_pids(marker) == []


def test_cli_jobs_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sent: list[bytes]
) -> None:
    from click.testing import CliRunner

    from mynalib.cli import main

    files = _files(tmp_path)
    monkeypatch.setenv("MYNA_VAULT_PASSPHRASE", PASSPHRASE)
    outputs = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("MYNA_VAULT", str(tmp_path / f"vault{jobs}"))
        result = CliRunner().invoke(main, ["import", "--jobs", jobs, *map(str, files[:1])])
        assert result.exit_code == 3  # the broken files (the others were stored)
        outputs.append(result.output)
        assert bool(sent) == (jobs == "2")
    assert outputs[0] == outputs[1]
    assert "not imported" in outputs[0]
    result = CliRunner().invoke(main, ["import", "--jobs", "0", str(files[0])])
    assert result.exit_code == 2  # usage error
