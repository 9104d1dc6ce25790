"""The import pipeline: files in, documents and their frame extracts stored.

For each file: read it (size-limited), detect its kind and parse it (:mod:`mynalib.sources`),
compute the frame extracts its kind keeps (:mod:`mynalib.frames`), and make the document ready
for storing (:func:`.codec.ready`: nothing of this needs a key). Large imports do this in worker
processes (``python -m mynalib.vault._import_worker``); this process keeps everything that needs
the key (identity, encryption, SQLite writes, the audit entry) and stores in file order, in
batches that are committed one by one (an interrupted import keeps every committed batch).

Folders are walked by :func:`expand_paths` (the ``myna import`` command uses it too).
"""

from __future__ import annotations

import contextlib
import functools
import operator
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..document import Document, utcnow
from ..errors import DocumentTooLarge, NotAFile, SourceError, VaultError
from ..log import get_logger
from . import _gc, codec, keys

if TYPE_CHECKING:
    from .store import PutResult, Store

log = get_logger("mynalib.vault.import")

#: files larger than this are refused before they are read (the importers check it too, and
#: each kind has a smaller limit of its own: mynalib.sources.limits)
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: imports of more files run with the cyclic GC paused, their parses kept out of the parse memo
#: and with fewer WAL checkpoints
GC_PAUSE_FROM = 500
#: an import of at least this many files reads and parses them in worker processes (when the
#: machine has more than one CPU and ``workers`` is not 1); see :func:`prepare_files`
PARALLEL_FROM = 64
#: files per task sent to a worker (fewer round trips), and tasks queued ahead per worker
_CHUNK_FILES = 32
_AHEAD_PER_WORKER = 4
#: at most this many files are prepared ahead of the one being stored (bounds the memory)
_AHEAD_MAX_FILES = 2048


# ------------------------------------------------------------------------------------- reports
@dataclass
class ImportReport:
    """What an import found in one file (or why it was refused)."""

    name: str | None
    kind: str | None = None
    person: str | None = None
    period: str | None = None
    rows: int = 0
    signature: str | None = None
    id: int | None = None
    new: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    error_type: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def duplicate(self) -> bool:
        """The same bytes were already in the vault: nothing was stored again."""
        return self.ok and self.id is not None and not self.new

    def __repr__(self) -> str:  # the person's name is personal data: not in reprs
        return (
            f"ImportReport(name={self.name!r}, kind={self.kind!r}, rows={self.rows}, "
            f"id={self.id}, new={self.new}, error={self.error_type!r})"
        )


ProgressCallback = Callable[[int, int, ImportReport], None]
Extracts = list[tuple[str, bytes]]
#: what preparing one file gives: its report, the document ready for storing and its encoded frame
#: extracts (None and [] for a file that could not be read)
Prepared = tuple[ImportReport, codec.Ready | None, Extracts]


# ------------------------------------------------------------------------------- the vault side
def import_bytes(
    store: Store,
    data: bytes,
    *,
    name: str | None = None,
    person: str | None = None,
    source: str = "file",
    fetched_at: datetime | None = None,
) -> ImportReport:
    """Detect the kind by content, parse, store (see :meth:`mynalib.vault.Vault.import_bytes`)."""
    report, ready, extracts = _prepare_data(
        data, name=name, person=person, source=source, fetched_at=fetched_at
    )
    with store.transaction():
        _set_ids(report, store.store_ready([(ready, extracts)])[0])
        store.audit("import", import_summary([report]))
    return report


def import_file(
    store: Store, path: str | os.PathLike[str], *, person: str | None = None
) -> ImportReport:
    """Import one file (see :func:`import_bytes`)."""
    p = Path(path)
    data, mtime = read_limited(p)
    fetched = datetime.fromtimestamp(mtime, timezone.utc)
    return import_bytes(store, data, name=p.name, person=person, source="file", fetched_at=fetched)


def import_files(
    store: Store,
    paths: Iterable[str | os.PathLike[str]],
    *,
    person: str | None = None,
    progress: ProgressCallback | None = None,
    batch: int = 200,
    batch_seconds: float = 1.0,
    on_commit: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> list[ImportReport]:
    """Import many files; folders are walked (see :meth:`mynalib.vault.Vault.import_files`)."""
    files = _expand_text(paths)
    n_workers = _worker_count(workers, len(files))
    bulk = len(files) > GC_PAUSE_FROM
    # fewer, larger checkpoints while a big import runs (a crash loses nothing)
    with store.bulk_writes(bulk), _gc.paused(bulk):
        batches = _Batches(store, batch, batch_seconds, on_commit)
        try:
            return batches.run(files, person, progress, n_workers, bulk)
        finally:
            if not store.closed and batches.unaudited:  # (an error stopped the import)
                store.audit("import", import_summary(batches.unaudited))


class _Batches:
    """Stores prepared files in file order, committing a batch every ``batch`` files or
    ``batch_seconds`` seconds (and at the end). Each batch is committed with its audit entry
    (the files since the previous entry: counts and kinds) in one transaction, so a killed
    import never leaves stored documents without one."""

    def __init__(
        self,
        store: Store,
        batch: int,
        batch_seconds: float,
        on_commit: Callable[[int], None] | None,
    ):
        self.store = store
        self.batch = batch
        self.batch_seconds = batch_seconds
        self.on_commit = on_commit
        self.reports: list[ImportReport] = []
        #: the reports since the last audit entry (files refused included)
        self.unaudited: list[ImportReport] = []
        self.pending: list[tuple[ImportReport, codec.Ready, Extracts]] = []
        self.committed = 0
        self.last_commit = time.monotonic()

    def run(
        self,
        files: list[str],
        person: str | None,
        progress: ProgressCallback | None,
        n_workers: int,
        bulk: bool,
    ) -> list[ImportReport]:
        total = len(files)
        prepared = (
            _prepare_in_workers(files, person, n_workers, ahead=2 * self.batch)
            if n_workers > 1
            # a bulk import's parses are not kept in the parse memo: nobody asks for them
            # again (frames read the stored extracts), and holding them costs memory
            else (_prepare_file(file, person, memo=not bulk) for file in files)
        )
        try:
            for done, (report, ready, extracts) in enumerate(prepared, 1):
                if ready is not None:
                    self.pending.append((report, ready, extracts))
                self.reports.append(report)
                self.unaudited.append(report)
                if (
                    len(self.pending) >= self.batch
                    or time.monotonic() - self.last_commit >= self.batch_seconds
                ):
                    self.flush()
                if progress is not None:
                    progress(done, total, report)
        finally:
            close = getattr(prepared, "close", None)
            if close is not None:
                close()  # stops the workers (also when a callback or a commit raised)
        self.flush(final=True)
        return self.reports

    def flush(self, *, final: bool = False) -> None:
        """Commit the pending documents with the audit entry of the files since the last one
        (at the end: also when only refused files are left)."""
        if not self.pending and not (final and self.unaudited):
            return
        with self.store.transaction():
            results = self.store.store_ready([(ready, ex) for _, ready, ex in self.pending])
            for (report, _, _), result in zip(self.pending, results, strict=True):
                _set_ids(report, result)
            self.store.audit("import", import_summary(self.unaudited))
        self.unaudited.clear()
        if not self.pending:
            return
        self.committed += len(self.pending)
        self.pending.clear()
        self.last_commit = time.monotonic()
        if self.on_commit is not None:
            self.on_commit(self.committed)


def _set_ids(report: ImportReport, result: PutResult) -> None:
    report.id, report.new = result.id, result.new


def import_summary(reports: Sequence[ImportReport]) -> str:
    """The audit entry's detail for an import: counts and kinds, no names."""
    new = sum(1 for r in reports if r.ok and r.new)
    dup = sum(1 for r in reports if r.duplicate)
    err = sum(1 for r in reports if not r.ok)
    kinds = sorted({r.kind for r in reports if r.kind})
    return f"files={len(reports)} new={new} duplicates={dup} errors={err} kinds={','.join(kinds)}"


# ---------------------------------------------------------------------------- key-free side
def _prepare_data(
    data: bytes,
    *,
    name: str | None,
    person: str | None,
    source: str,
    fetched_at: datetime | None,
    memo: bool = True,
) -> tuple[ImportReport, codec.Ready, Extracts]:
    """Detect, parse, and make the document ready for storing, the report and the frame extracts.

    Pure and key-free (no vault, no key): it runs in import worker processes too. ``memo=False``
    parses without the parse memo (a bulk import: see :func:`mynalib.sources.parse`)."""
    from .. import frames
    from ..sources import detect_kind, parse

    if len(data) > MAX_IMPORT_BYTES:
        raise DocumentTooLarge(
            f"{name or 'the document'} is {len(data):,} bytes, above the "
            f"{MAX_IMPORT_BYTES:,}-byte limit",
            hint="check that this is the file you meant to import",
        )
    kind = detect_kind(data, name)
    result = parse(kind, data, memo=memo)
    meta_in = _as_dict(getattr(result, "meta", None))
    records = getattr(result, "records", None) or []
    warnings = [str(w) for w in (getattr(result, "warnings", None) or [])]
    on_source = _text(meta_in.get("person"))
    # a document's person is the 氏名 as on the source; --person names files without one
    who = on_source or person
    period = meta_in.get("period", meta_in.get("year"))
    signature = _text(meta_in.get("signature"))
    meta = {k: v for k, v in meta_in.items() if k != "person"}
    if warnings:
        meta["warnings"] = warnings
    if person and on_source and on_source != person:
        meta["person_alias"] = person  # found by documents(person=...) under both names
        warnings = [
            *warnings,
            f"the file names {on_source}; frames use that name "
            f"(the name given, {person}, is kept as an alias for look-ups)",
        ]
        meta["warnings"] = warnings
    doc = Document(
        data=data,
        kind=kind,
        source=source,  # type: ignore[arg-type]
        person=who,
        fetched_at=_aware(fetched_at or utcnow()),  # as stored (a naive time is UTC)
        original_name=name,
        meta=meta,
    )
    report = ImportReport(
        name=name,
        kind=kind,
        person=who,
        period=_period_text(period),
        rows=len(records),
        signature=signature,
        warnings=warnings,
    )
    extracts = []
    for extract in frames.extracts_for_kind(kind):
        value = extract.extract(doc, result)
        if value is not None:
            extracts.append((extract.frame, codec.encode_extract(value)))
    return report, codec.ready(doc, data), extracts


def _prepare_file(file: str | Path, person: str | None, memo: bool = True) -> Prepared:
    """Read and prepare one file; a file that cannot be read or parsed gives an error report.

    A parser raises only :class:`SourceError` for a bad file; anything else is a bug met while
    reading this one file: it is logged with its traceback and reported as this file's failure
    (``error_type`` the exception's class), and the import goes on with the other files."""
    name = os.path.basename(file)
    try:
        data, mtime = read_limited(file)
        fetched = datetime.fromtimestamp(mtime, timezone.utc)
        return _prepare_data(
            data, name=name, person=person, source="file", fetched_at=fetched, memo=memo
        )
    except (SourceError, OSError) as exc:
        report = ImportReport(name=name, error=_error_text(exc), error_type=type(exc).__name__)
        return report, None, []
    except Exception as exc:
        log.error("unexpected error while importing %s", name, exc_info=True)
        report = ImportReport(
            name=name,
            error=f"could not be read: unexpected {type(exc).__name__} (a mynalib bug; the "
            "traceback is in the log)",
            error_type=type(exc).__name__,
        )
        return report, None, []


def prepare_files(files: Sequence[str | Path], person: str | None) -> list[Prepared]:
    """A worker's task: prepare these files (paths in, reports and ready documents out).

    Runs in a fresh process (mynalib.vault._import_worker) that holds no key, no vault
    connection and no document other than the ones it reads here."""
    return [_prepare_file(file, person, memo=False) for file in files]


#: how the files of an import are opened: never blocking (a FIFO swapped in after the check
#: below must not hang the import), binary, not inherited by child processes
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_NOT_FILES = (
    (stat.S_ISFIFO, "a named pipe (FIFO)", "名前付きパイプ"),
    (stat.S_ISCHR, "a character device", "デバイス"),
    (stat.S_ISBLK, "a block device", "デバイス"),
    (stat.S_ISSOCK, "a socket", "ソケット"),
    (stat.S_ISDIR, "a folder", "フォルダ"),
)


def _regular_file(path: str | Path, st: os.stat_result) -> None:
    """Refuse (:class:`NotAFile`) anything but a regular file: reading a FIFO waits for a writer
    forever, a device may never end (or act on being opened)."""
    if stat.S_ISREG(st.st_mode):
        return
    what, ja = next(
        ((en, ja) for test, en, ja in _NOT_FILES if test(st.st_mode)), ("not a file", "特殊")
    )
    raise NotAFile(
        f"{os.path.basename(path)} is {what}, not a regular file; only files are imported "
        "(it was not opened)",
        hint="copy what it holds into a file first",
        ja=f"{os.path.basename(path)} は{ja}ファイルで、通常のファイルではないため取り込みませんでした。",
    )


def read_limited(path: str | Path) -> tuple[bytes, float]:
    """The file's bytes and modification time; anything but a regular file (a FIFO, a device,
    a socket) is refused without being opened, too large files before they are read."""
    _regular_file(path, os.stat(path))
    # plain file-descriptor reads: a bulk import reads thousands of small files, and the
    # buffered file object's layers cost about as much as the reading itself
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        _regular_file(path, st)  # (the same file as the one checked, or refused)
        size = st.st_size
        if size > MAX_IMPORT_BYTES:
            raise DocumentTooLarge(
                f"{os.path.basename(path)} is {size:,} bytes, above the "
                f"{MAX_IMPORT_BYTES:,}-byte limit",
                hint="check that this is the file you meant to import",
            )
        parts = [os.read(fd, size + 1)]  # one read for a file that does not change meanwhile
        read = len(parts[0])
        while parts[-1]:  # until the end of the file (it may have grown since the fstat)
            parts.append(os.read(fd, 1 << 16))
            read += len(parts[-1])
            if read > MAX_IMPORT_BYTES:
                raise DocumentTooLarge(
                    f"{os.path.basename(path)} grew above the {MAX_IMPORT_BYTES:,}-byte limit "
                    "while read",
                    hint="import the file once whatever writes it has finished",
                )
        return parts[0] if len(parts) <= 2 else b"".join(parts), st.st_mtime
    finally:
        os.close(fd)


def _as_dict(meta: Any) -> dict[str, Any]:
    if meta is None:
        return {}
    if isinstance(meta, dict):
        return dict(meta)
    if hasattr(meta, "_asdict"):
        return dict(meta._asdict())
    if hasattr(meta, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(meta)
    return dict(getattr(meta, "__dict__", {}))


def _period_text(value: Any) -> str | None:
    """A parser's period as text: ``2025``, ``2025-01..2025-12`` (months) or the value."""
    if type(value) is tuple:  # (first, last): the same for every file of a year
        try:
            return _period_text_of(value)
        except TypeError:  # something unhashable inside
            pass
    return _period_text_of.__wrapped__(value)


@functools.lru_cache(maxsize=256)
def _period_text_of(value: Any) -> str | None:
    if value is None or value == "":
        return None

    def one(v: Any) -> str:
        if isinstance(v, datetime):
            v = v.date()
        if isinstance(v, date):
            return f"{v.year}-{v.month:02d}" if v.day == 1 else v.isoformat()
        return str(v)

    if isinstance(value, (tuple, list)) and len(value) == 2:
        first, last = one(value[0]), one(value[1])
        return first if first == last else f"{first}..{last}"
    return one(value)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _error_text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _aware(moment: datetime) -> datetime:
    """A naive time is taken as UTC (as the documents table stores it)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


# -------------------------------------------------------------------------------- the files
def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files of an import: the files named, and the files under the folders named, in path
    order, skipping hidden files and folders (a name starting with "."); symlinked folders are
    not entered (as ``Path.rglob``)."""
    return [Path(p) for p in _expand_text(paths)]


def _expand_text(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """:func:`expand_paths` with paths as text (thousands of Path objects cost more than the
    walk)."""
    out: list[str] = []
    for raw in paths:
        p = os.fspath(raw)
        if os.path.isdir(p):
            out.extend(_walk(p))
        else:
            out.append(p)
    return out


#: directory entries in path order (as Path.rglob sorts them: by normcase'd name; normcase does
#: nothing on POSIX, so there the name itself is the key)
_entry_key: Callable[[os.DirEntry[str]], str] = (
    operator.attrgetter("name")
    if os.path.normcase("A") == "A"
    else (lambda entry: os.path.normcase(entry.name))
)


def _walk(folder: str) -> list[str]:
    """The files under ``folder`` (see :func:`expand_paths`). One scandir per folder, no stat
    per file (the entry type comes with the listing)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_entry_key)
    except PermissionError:
        return []
    out: list[str] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                out.extend(_walk(entry.path))
            elif entry.is_file():
                out.append(entry.path)
        except OSError:
            continue
    return out


# ------------------------------------------------------------------------------ the workers
def _registry_is_builtin() -> bool:
    """True when every registered kind, detector and extract is mynalib's own, so a fresh
    worker process (which registers only those) detects and parses exactly as this one."""
    from .. import frames, sources

    return sources.registry_is_builtin() and frames.registry_is_builtin()


def _worker_count(workers: int | None, total: int) -> int:
    """How many worker processes an import of ``total`` files uses (1: none)."""
    if workers is not None and workers < 1:
        raise ValueError("workers must be at least 1 (or None: automatic)")
    if workers is None:
        cpus = os.cpu_count() or 1
        if cpus < 2 or total < PARALLEL_FROM:
            return 1
        workers = cpus
    if workers < 2 or total < 2:
        return 1
    return min(workers, total) if _registry_is_builtin() else 1


def _encode_task(files: Sequence[str | Path], person: str | None) -> bytes:
    """One task for a worker: the file paths (text) and the ``--person`` name, nothing else."""
    import pickle

    return pickle.dumps(([os.fspath(f) for f in files], person), pickle.HIGHEST_PROTOCOL)


class _Worker:
    """One worker process (``python -m mynalib.vault._import_worker``): a fresh interpreter
    started with ``subprocess`` (never a fork: that would copy this process's keys, its open
    SQLite connection and decrypted documents; nor multiprocessing's "spawn", which re-runs the
    caller's main script in the child, and so could open the vault there). Its environment
    lacks the vault passphrase variable; it gets tasks on stdin and answers on stdout."""

    def __init__(self) -> None:
        import subprocess

        import mynalib

        env = {k: v for k, v in os.environ.items() if k != keys.PASSPHRASE_ENV}
        # the worker imports this same mynalib (also when it is not installed, e.g. a checkout)
        root = str(Path(mynalib.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mynalib.vault._import_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )

    def send(self, task: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(task)
        self.proc.stdin.flush()

    def receive(self) -> list[Prepared]:
        import pickle

        assert self.proc.stdout is not None
        try:
            # our own child's answer (same program, same user): trusted like this process
            status, value = pickle.load(self.proc.stdout)  # noqa: S301
        except EOFError:
            code = self.proc.wait()
            raise VaultError(
                f"an import worker process ended unexpectedly (exit status {code})"
            ) from None
        if status != "ok":
            raise value
        return list(value)

    def stop(self) -> None:
        import subprocess

        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()  # end of input: the worker exits
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _prepare_in_workers(
    files: list[str], person: str | None, n_workers: int, ahead: int = 0
) -> Iterator[Prepared]:
    """Prepare ``files`` in ``n_workers`` processes; yields in the order of ``files``.

    Chunks go to the workers in turn (chunk i to worker i mod n) and their answers are read in
    the same turn, so the order is that of ``files``. About ``ahead`` files (at least a few
    chunks per worker, at most :data:`_AHEAD_MAX_FILES`) are queued ahead, so the workers keep
    parsing while this process stores a batch (two batches' worth by default) and memory stays
    bounded whatever the number of files. Closing the generator (or an error) ends the
    workers."""
    from collections import deque

    chunk = max(1, min(_CHUNK_FILES, -(-len(files) // (n_workers * _AHEAD_PER_WORKER))))
    chunks = (files[i : i + chunk] for i in range(0, len(files), chunk))
    window = max(n_workers * _AHEAD_PER_WORKER, min(ahead, _AHEAD_MAX_FILES) // chunk)
    workers: list[_Worker] = []
    try:
        for _ in range(n_workers):
            workers.append(_Worker())
        queued: deque[_Worker] = deque()  # the worker of each chunk in flight, in file order
        turn = 0

        def send_next() -> bool:
            nonlocal turn
            part = next(chunks, None)
            if part is None:
                return False
            worker = workers[turn % n_workers]
            turn += 1
            worker.send(_encode_task(part, person))
            queued.append(worker)
            return True

        while len(queued) < window and send_next():
            pass
        while queued:
            results = queued.popleft().receive()
            send_next()
            yield from results
    finally:
        for worker in workers:
            worker.stop()
