"""The encrypted vault: one SQLite file (WAL, transactions), AES-256-GCM per record.

What someone holding only the vault file learns (see README "Importing your files and the vault"):
the number of documents, their approximate sizes (padded to 512-byte steps, 1/32 of the size
for large documents), the time order of the rows (ids), which
documents share a kind and which share a person (16-byte keyed tags, not the names), which
documents have a frame extract (the columns an import keeps so frames need no re-parse, padded
like the documents: roughly how many rows a document has), how many
secrets/state entries/audit entries exist, and the scrypt parameters. Not stored in clear: document
bytes, kinds, person names, file names, dates, metadata, secrets, state values, audit entries, the
secret and state key names. Equal documents cannot be recognised without the key (their identity is
an HMAC under a key derived from the data key).

Integrity: every ciphertext's associated data binds it to its table/purpose, its row id and (for
documents) its kind and lookup tags, so edited, swapped or moved ciphertexts raise VaultCorrupt.
The audit log is additionally hash-chained (HMAC), so removing or reordering entries in the middle
is detected; cutting entries off the end cannot be detected from the file alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import marshal
import operator
import os
import sqlite3
import stat
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import lz4.block
import orjson

from ..document import Document
from ..errors import DocumentTooLarge, SourceError, VaultCorrupt, VaultError, VaultLocked
from . import crypto, keys

if TYPE_CHECKING:
    import pandas as pd

DB_NAME = "vault.sqlite3"
SCHEMA_VERSION = 1
#: files larger than this are refused before they are read (the importers check it too)
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: page size of new vault files (bytes)
PAGE_SIZE = 16384
#: WAL size between automatic checkpoints during a large import (SQLite's default: 1000 pages)
BULK_AUTOCHECKPOINT_BYTES = 64 * 1024 * 1024
#: extract encoding: b"m" + marshal format 4 of plain data (dict, list, bytes, str, int, float,
#: bool, None)
_EXTRACT_CODEC = b"m"
_INSERT_EXTRACT = "INSERT OR REPLACE INTO extracts (doc_id, frame_tag, body) VALUES (?, ?, ?)"
_INSERT_DOCUMENT = (
    "INSERT INTO documents (id, identity, kind_tag, person_tag, alias_tag, header, body) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
#: identical frame reads (same frame, filters, rows, command) are audited once per this many s
FRAME_AUDIT_WINDOW = 60.0
#: imports of more files, and frames of more documents, run with the cyclic GC paused
GC_PAUSE_FROM = 500
#: an import of at least this many files reads and parses them in worker processes (when the
#: machine has more than one CPU and ``workers`` is not 1); see :func:`_prepare_files`
PARALLEL_FROM = 64
#: files per task sent to a worker (fewer round trips), and tasks queued ahead per worker
_CHUNK_FILES = 32
_AHEAD_PER_WORKER = 4
#: at most this many files are prepared ahead of the one being stored (bounds the memory)
_AHEAD_MAX_FILES = 2048

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    identity    BLOB NOT NULL UNIQUE,   -- HMAC(identity key, bytes): dedup without revealing
    kind_tag    BLOB NOT NULL,          -- keyed tag of the kind
    person_tag  BLOB,                   -- keyed tag of the person (NULL: unknown)
    alias_tag   BLOB,                   -- keyed tag of the name on the source, when it differs
    header      BLOB NOT NULL,          -- AES-GCM(JSON provenance)
    body        BLOB NOT NULL           -- AES-GCM(codec byte + length + bytes + padding)
);
CREATE INDEX IF NOT EXISTS documents_kind_person ON documents (kind_tag, person_tag);
CREATE INDEX IF NOT EXISTS documents_person ON documents (person_tag);
CREATE INDEX IF NOT EXISTS documents_alias ON documents (alias_tag);
CREATE TABLE IF NOT EXISTS extracts (
    id        INTEGER PRIMARY KEY,      -- (a rowid table: rows of 1-2 KB stay on their page)
    doc_id    INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    frame_tag BLOB NOT NULL,            -- keyed tag of the frame
    body      BLOB NOT NULL,            -- AES-GCM(codec byte + columns + padding)
    UNIQUE (doc_id, frame_tag)
);
CREATE TABLE IF NOT EXISTS extract_packs (
    id        INTEGER PRIMARY KEY,
    frame_tag BLOB NOT NULL,            -- keyed tag of the frame
    members   BLOB NOT NULL,            -- the documents whose extracts it holds: their ids,
                                        -- 8 bytes each (little-endian), in the order stored
    body      BLOB NOT NULL             -- AES-GCM(codec + each member's extract + padding)
);
CREATE TABLE IF NOT EXISTS secrets (
    name_tag BLOB PRIMARY KEY,
    value    BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
    key_tag BLOB PRIMARY KEY,
    value   BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    entry BLOB NOT NULL,                -- AES-GCM(JSON {at, action, detail, command})
    chain BLOB NOT NULL                 -- HMAC(audit key, previous chain || id || entry)
);
"""

#: the tables of frame extracts, for vaults created before they existed
_EXTRACTS_TABLE = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS extracts") :].split(";")[0]
_PACKS_TABLE = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS extract_packs") :].split(";")[0]
#: an import batch stores the extracts of at least this many new documents (per frame) as one
#: pack: one encrypted row instead of one per document (fewer rows to write and read back)
PACK_FROM = 8
_PACK_CODEC = b"p"
_INSERT_PACK = "INSERT INTO extract_packs (frame_tag, members, body) VALUES (?, ?, ?)"

#: the command recorded in audit entries when no click command is running
current_command: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "mynalib_vault_command", default=None
)


def _command_name(explicit: str | None) -> str:
    if explicit:
        return explicit
    value = current_command.get()
    if value:
        return value
    if "click" in sys.modules:
        import click

        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            parts = ctx.command_path.split(" ")
            return " ".join(["myna", *parts[1:]])  # the root's name differs under test runners
    return "python"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Path):
        return str(value)
    return str(value)


#: orjson writes what json.dumps(default=_json_default) writes (dates and times ISO 8601,
#: tuples as lists, other objects through _json_default) about three times faster; the
#: documents' headers are written once per stored document
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, default=_json_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: the json module writes it
        return json.dumps(value, ensure_ascii=False, default=_json_default).encode()


# ------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class PutResult:
    id: int
    new: bool


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


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document's provenance without its bytes (cheap to list)."""

    id: int
    kind: str
    source: str
    person: str | None
    fetched_at: datetime
    imported_at: datetime
    original_name: str | None
    size: int
    meta: dict[str, Any]

    def __repr__(self) -> str:
        return f"DocumentInfo(id={self.id}, kind={self.kind!r}, size={self.size})"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    action: str
    detail: str
    command: str


ProgressCallback = Callable[[int, int, ImportReport], None]


# --------------------------------------------------------------------------------------- files
def _resolve_paths(path: Path | str | None) -> tuple[Path, Path]:
    from ..paths import default_vault_dir

    base = Path(path).expanduser() if path is not None else default_vault_dir()
    if base.suffix in {".sqlite3", ".sqlite", ".db"} or base.is_file():
        return base.parent, base
    return base, base / DB_NAME


def _make_private_dir(directory: Path) -> None:
    missing = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for created in missing:
        with contextlib.suppress(OSError):
            os.chmod(created, 0o700)
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        os.chmod(directory, mode & 0o700 | 0o700)


def _make_private_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)


def vault_files(db_path: Path) -> list[Path]:
    return [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), Path(f"{db_path}-journal")]


# --------------------------------------------------------------------------------------- vault
class Vault:
    """An open, unlocked vault. Use :func:`open_vault` to get one; close it (or use ``with``)."""

    def __init__(
        self,
        directory: Path,
        db_path: Path,
        conn: sqlite3.Connection,
        data_key: bytes,
        vault_id: str,
        protection: str,
    ):
        self.directory = directory
        self.path = db_path
        self._conn: sqlite3.Connection | None = conn
        self._keys = crypto.SubKeys.derive(data_key)
        self._data_key = data_key  # kept only to re-wrap it (change_passphrase)
        self.vault_id = vault_id
        #: "passphrase" or "keyring": what unlocked this vault
        self.protection = protection
        self._lock = threading.RLock()
        self._tx_depth = 0
        self._ids: dict[str, int] = {}  # next ids, valid inside the current write transaction
        self._frame_reads: dict[tuple[str, str], float] = {}  # last audit of an identical read
        self._quiet = 0  # >0: put() does not write its own audit entry (imports write one)
        self._frame_cache: dict[tuple[str, str | None], tuple[tuple[int, int], pd.DataFrame]] = {}

    # ------------------------------------------------------------------ lifecycle
    def __repr__(self) -> str:
        return f"Vault({str(self.directory)!r}, protection={self.protection!r})"

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA optimize")
                self._conn.close()
                self._conn = None
            self._frame_cache.clear()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise VaultError("The vault is closed", hint="open it again with open_vault()")
        return self._conn

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """A write transaction; commits on success, rolls back on an exception.

        Nested ``transaction()`` blocks are savepoints: an exception inside one undoes only
        that block (if the caller catches it).
        """
        return self._tx(savepoint=True)

    @contextlib.contextmanager
    def _tx(self, *, savepoint: bool = False) -> Iterator[None]:
        with self._lock:
            conn = self.conn
            depth = self._tx_depth
            name = f"myna_sp{depth}"
            if depth == 0:
                conn.execute("BEGIN IMMEDIATE")
            elif savepoint:
                conn.execute(f"SAVEPOINT {name}")
            self._tx_depth += 1
            try:
                yield
            except BaseException:
                self._tx_depth -= 1
                if depth == 0:
                    self._ids.clear()
                    conn.execute("ROLLBACK")
                elif savepoint:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                raise
            else:
                self._tx_depth -= 1
                if depth == 0:
                    self._ids.clear()
                    conn.execute("COMMIT")
                elif savepoint:
                    conn.execute(f"RELEASE {name}")

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Several reads that must see one state of the vault (another process may import or
        delete meanwhile): one read transaction, unless a transaction is open already."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")  # (nothing written: ends the read)

    # ------------------------------------------------------------------ documents
    def _kind_tag(self, kind: str) -> bytes:
        return self._keys.tag("kind", kind)

    def _person_tag(self, person: str | None) -> bytes | None:
        return None if person is None else self._keys.tag("person", person)

    def contains(self, data: bytes) -> int | None:
        """The id of a stored document with exactly these bytes, else None."""
        identity = self._keys.identity_of(bytes(data))
        with self._lock:
            row = self.conn.execute(
                "SELECT id FROM documents WHERE identity = ?", (identity,)
            ).fetchone()
        return None if row is None else int(row[0])

    def put(self, doc: Document) -> PutResult:
        """Store ``doc`` exactly as received; the same bytes twice are stored once.

        ``doc.meta`` is stored as JSON (dates become ISO strings, tuples lists). ``doc.id`` is
        ignored: the vault assigns ids (never reused). Outside an import, each put writes an
        audit entry (``store``: kind, source, new/duplicate).
        """
        if not isinstance(doc.data, (bytes, bytearray, memoryview)):
            raise TypeError("Document.data must be bytes")
        data = bytes(doc.data)
        identity = self._keys.identity_of(data)
        with self._lock, self._tx():
            row = self.conn.execute(
                "SELECT id FROM documents WHERE identity = ?", (identity,)
            ).fetchone()
            if row is not None:
                result = PutResult(int(row[0]), False)
            else:
                result = PutResult(self._insert(doc, data, identity), True)
            if not self._quiet:
                self._audit(
                    "store",
                    f"kind={doc.kind} source={doc.source} "
                    + ("new" if result.new else "duplicate"),
                    None,
                )
        return result

    def _next_id(self, table: str) -> int:
        """The next row id (AUTOINCREMENT: never reused). Only called inside a write transaction,
        which holds SQLite's write lock, so ids handed out here cannot be taken by others."""
        nxt = self._ids.get(table)
        if nxt is None:
            row = self.conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
            ).fetchone()
            nxt = (int(row[0]) if row else 0) + 1
        self._ids[table] = nxt + 1
        return nxt

    def _insert(self, doc: Document, data: bytes, identity: bytes) -> int:
        row = self._document_row(doc, data, identity)
        self.conn.execute(_INSERT_DOCUMENT, row)
        return row[0]

    def _document_row(
        self, doc: Document, data: bytes, identity: bytes
    ) -> tuple[int, bytes, bytes, bytes | None, bytes | None, bytes, bytes]:
        """The documents row for ``doc`` (encrypted header and body) with the next id."""
        return self._sealed_row(_ready(doc, data), identity)

    def _sealed_row(
        self, ready: Ready, identity: bytes
    ) -> tuple[int, bytes, bytes, bytes | None, bytes | None, bytes, bytes]:
        """The documents row for a document made ready by :func:`_ready`: the next id, the
        lookup tags, and the header and body encrypted (the steps that need the vault's keys)."""
        doc_id = self._next_id("documents")
        kind_tag = self._kind_tag(ready.kind)
        person_tag = self._person_tag(ready.person)
        alias_tag = self._person_tag(ready.alias) if ready.alias else None
        enc = self._keys.documents
        header_ct = enc.seal(
            ready.header, self._header_aad(doc_id, identity, kind_tag, person_tag, alias_tag)
        )
        body_ct = enc.seal(ready.body, crypto.aad("documents.body", doc_id, ready.kind))
        return (doc_id, identity, kind_tag, person_tag, alias_tag, header_ct, body_ct)

    @staticmethod
    def _header_aad(
        doc_id: int,
        identity: bytes,
        kind_tag: bytes,
        person_tag: bytes | None,
        alias_tag: bytes | None,
    ) -> bytes:
        return crypto.aad(
            "documents.header", doc_id, identity, kind_tag, person_tag or b"", alias_tag or b""
        )

    def _open_header(self, row: Sequence[Any]) -> dict[str, Any]:
        doc_id, identity, kind_tag, person_tag, alias_tag, header_ct = row[:6]
        plain = self._keys.documents.open(
            header_ct,
            self._header_aad(doc_id, identity, kind_tag, person_tag, alias_tag),
            what=f"document {doc_id}",
        )
        header: dict[str, Any] = json.loads(plain)
        if self._keys.tag("kind", header["kind"]) != kind_tag:
            raise VaultCorrupt(f"document {doc_id}: its kind does not match its index entry")
        return header

    def _open_body(self, doc_id: int, kind: str, body_ct: bytes) -> bytes:
        plain = self._keys.documents.open(
            body_ct, crypto.aad("documents.body", doc_id, kind), what=f"document {doc_id}"
        )
        return _unpad_body(plain, doc_id)

    @staticmethod
    def _meta_with_import_time(header: dict[str, Any]) -> dict[str, Any]:
        meta = dict(header.get("meta") or {})
        meta.setdefault("imported_at", header["imported_at"])
        return meta

    def _select(
        self,
        columns: str,
        kind: str | Iterable[str] | None,
        person: str | None,
        *,
        include_unknown_person: bool = False,
        convert: Callable[[Sequence[Any]], Any] | None = None,
    ) -> list[Any]:
        """Rows (or ``convert(row)`` for each, done as the rows arrive, so the encrypted blobs of
        a large selection are not all held at once), ordered by id (the first column)."""
        if kind is not None and not isinstance(kind, str):
            kind = list(kind)
            if not kind:
                return []
        where, params = self._where(kind, person, include_unknown_person=include_unknown_person)
        if not columns.startswith("id,"):
            raise ValueError("the first column must be the id")
        sql = f"SELECT {columns} FROM documents"  # noqa: S608 - fixed column lists only
        if where:
            sql += " WHERE " + where
        # sorted here, not by ORDER BY: SQLite would copy every selected row, blobs included,
        # through a temporary b-tree (about 3x the cost of the read for a large frame)
        with self._lock:
            cursor = self.conn.execute(sql, params)
            if convert is None:
                rows = cursor.fetchall()
                rows.sort(key=_first)
                return rows
            out: list[tuple[int, Any]] = []
            while chunk := cursor.fetchmany(256):
                out.extend((row[0], convert(row)) for row in chunk)
        out.sort(key=_first)
        return [item for _, item in out]

    def _where(
        self,
        kind: str | Iterable[str] | None,
        person: str | None,
        *,
        include_unknown_person: bool = False,
    ) -> tuple[str, list[bytes | None]]:
        """The WHERE clause (without the keyword) selecting documents by kind(s) and person."""
        where: list[str] = []
        params: list[bytes | None] = []
        if kind is not None:
            kinds = [kind] if isinstance(kind, str) else list(kind)
            where.append(f"kind_tag IN ({','.join('?' * len(kinds))})")
            params.extend(self._kind_tag(k) for k in kinds)
        if person is not None:
            if include_unknown_person:
                where.append("(person_tag = ? OR alias_tag = ? OR person_tag IS NULL)")
            else:
                where.append("(person_tag = ? OR alias_tag = ?)")
            params.extend([self._person_tag(person)] * 2)
        return " AND ".join(where), params

    def documents(
        self,
        kind: str | Iterable[str] | None = None,
        person: str | None = None,
        *,
        _include_unknown_person: bool = False,
    ) -> list[Document]:
        """Stored documents (bytes decrypted), oldest first, optionally by kind(s) and person."""
        return self._select(
            "id, identity, kind_tag, person_tag, alias_tag, header, body",
            kind,
            person,
            include_unknown_person=_include_unknown_person,
            convert=self._document_of,
        )

    def _document_of(self, row: Sequence[Any]) -> Document:
        header = self._open_header(row)
        return Document(
            data=self._open_body(row[0], header["kind"], row[6]),
            kind=header["kind"],
            source=header["source"],
            person=header["person"],
            fetched_at=datetime.fromisoformat(header["fetched_at"]),
            original_name=header["original_name"],
            meta=self._meta_with_import_time(header),
            id=int(row[0]),
        )

    def document(self, doc_id: int) -> Document:
        """One stored document by id (KeyError if there is none)."""
        with self._lock:
            row = self.conn.execute(
                "SELECT id, identity, kind_tag, person_tag, alias_tag, header, body FROM documents "
                "WHERE id = ?",
                (doc_id,),
            ).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return self._document_of(row)

    def catalogue(
        self, kind: str | Iterable[str] | None = None, person: str | None = None
    ) -> list[DocumentInfo]:
        """Provenance of the stored documents, without decrypting their bytes."""
        out = []
        for row in self._select(
            "id, identity, kind_tag, person_tag, alias_tag, header", kind, person
        ):
            h = self._open_header(row)
            out.append(
                DocumentInfo(
                    id=int(row[0]),
                    kind=h["kind"],
                    source=h["source"],
                    person=h["person"],
                    fetched_at=datetime.fromisoformat(h["fetched_at"]),
                    imported_at=datetime.fromisoformat(h["imported_at"]),
                    original_name=h["original_name"],
                    size=int(h["size"]),
                    meta=dict(h.get("meta") or {}),
                )
            )
        return out

    def delete(self, doc_id: int) -> bool:
        """Remove one document (its bytes are overwritten in the file: secure_delete)."""
        with self._lock, self._tx():
            cur = self.conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
            if cur.rowcount:
                self._drop_from_packs(doc_id)
                self._audit("delete", f"document {doc_id}", None)
        return bool(cur.rowcount)

    def count(self) -> int:
        with self._lock:
            return int(self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def _generation(self) -> tuple[int, int]:
        with self._lock:
            row = self.conn.execute(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence "
                "WHERE name = 'documents'), (SELECT COUNT(*) FROM documents)"
            ).fetchone()
        return int(row[0]), int(row[1])

    # ------------------------------------------------------------------ imports
    def import_bytes(
        self,
        data: bytes,
        *,
        name: str | None = None,
        person: str | None = None,
        source: str = "file",
        fetched_at: datetime | None = None,
    ) -> ImportReport:
        """Detect the kind by content, parse, store. Raises SourceError for unreadable input."""
        prepared = self._prepare(
            data, name=name, person=person, source=source, fetched_at=fetched_at
        )
        with self._lock, self._tx():
            self._store_batch([prepared])
            self._audit("import", _import_summary([prepared[0]]), None)
        return prepared[0]

    def import_file(
        self, path: str | os.PathLike[str], *, person: str | None = None
    ) -> ImportReport:
        """Import one file (see :meth:`import_bytes`)."""
        p = Path(path)
        data, mtime = _read_limited(p)
        fetched = datetime.fromtimestamp(mtime, timezone.utc)
        return self.import_bytes(
            data, name=p.name, person=person, source="file", fetched_at=fetched
        )

    def import_files(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        person: str | None = None,
        progress: ProgressCallback | None = None,
        batch: int = 200,
        batch_seconds: float = 1.0,
        on_commit: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> list[ImportReport]:
        """Import many files; directories are walked. One report per file, errors included.

        A bad file gets a report with ``error`` set; the other files are still imported.
        Documents are committed in batches (``batch`` files or ``batch_seconds``), so an
        interrupted import keeps every batch committed before the interruption.
        ``progress(done, total, report)`` is called after each file; ``on_commit(n)`` after each
        committed batch, with the number of files stored so far by this call.

        ``workers``: processes that read and parse the files (``None``: automatic, one per CPU
        for an import of at least :data:`PARALLEL_FROM` files on a machine with more than one
        CPU; ``1``: everything in this process; ``n > 1``: ``n`` processes whatever the number
        of files). Workers get file paths and return each file's report, the document made
        ready for storing (header and body encoded, nothing encrypted) and its frame extracts;
        every step that needs a key (identity, encryption, SQLite writes, the audit entry) stays
        in this process, in the same order and batches, so the result is the same.
        Kinds or extracts registered at run time (outside mynalib) are unknown to a fresh
        worker process: then the import runs in this process.
        """
        files = _expand_text(paths)
        total = len(files)
        n_workers = _worker_count(workers, total)
        bulk = total > GC_PAUSE_FROM
        if bulk:  # fewer, larger checkpoints while a big import runs (a crash loses nothing)
            page = int(self.conn.execute("PRAGMA page_size").fetchone()[0])
            pages = BULK_AUTOCHECKPOINT_BYTES // page
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {pages}")
        with _gc_paused(bulk):
            return self._import_files(
                files, person, progress, batch, batch_seconds, on_commit, bulk, n_workers
            )

    def _import_files(
        self,
        files: list[str],
        person: str | None,
        progress: ProgressCallback | None,
        batch: int,
        batch_seconds: float,
        on_commit: Callable[[int], None] | None,
        bulk: bool,
        n_workers: int = 1,
    ) -> list[ImportReport]:
        total = len(files)
        reports: list[ImportReport] = []
        pending: list[tuple[ImportReport, Ready, list[tuple[str, bytes]]]] = []
        last_commit = time.monotonic()
        committed = [0]

        def flush() -> None:
            nonlocal last_commit
            if not pending:
                return
            with self._lock, self._tx():
                self._store_batch(pending)
            committed[0] += len(pending)
            pending.clear()
            last_commit = time.monotonic()
            if on_commit is not None:
                on_commit(committed[0])

        try:
            prepared = (
                _prepare_in_workers(files, person, n_workers, ahead=2 * batch)
                if n_workers > 1
                # a bulk import's parses are not kept in the parse memo: nobody asks for them
                # again (frames read the stored extracts), and holding them costs memory
                else (_prepare_file(file, person, memo=not bulk) for file in files)
            )
            try:
                for done, (report, ready, extracts) in enumerate(prepared, 1):
                    if ready is not None:
                        pending.append((report, ready, extracts))
                    reports.append(report)
                    if len(pending) >= batch or time.monotonic() - last_commit >= batch_seconds:
                        flush()
                    if progress is not None:
                        progress(done, total, report)
            finally:
                close = getattr(prepared, "close", None)
                if close is not None:
                    close()  # stops the workers (also when a callback or a commit raised)
            flush()
        finally:
            if self._conn is not None:
                if reports:
                    with self._lock, self._tx():
                        self._audit("import", _import_summary(reports), None)
                if bulk:
                    self.conn.execute("PRAGMA wal_autocheckpoint = 1000")
        return reports

    @staticmethod
    def _prepare(
        data: bytes,
        *,
        name: str | None,
        person: str | None,
        source: str,
        fetched_at: datetime | None,
    ) -> tuple[ImportReport, Ready, list[tuple[str, bytes]]]:
        """Detect, parse, and make the document ready for storing, the report and the frame
        extracts (see :func:`_prepare_data`)."""
        return _prepare_data(data, name=name, person=person, source=source, fetched_at=fetched_at)

    def _store_batch(
        self, pending: Sequence[tuple[ImportReport, Ready, list[tuple[str, bytes]]]]
    ) -> None:
        """Store prepared documents inside the caller's write transaction, as :meth:`put` would
        one by one (same rows, same dedup), with one look-up and one INSERT statement per batch."""
        conn = self.conn
        identities = [self._keys.identity_of(ready.data) for _, ready, _ in pending]
        known: dict[bytes, int] = {}
        unique = list(dict.fromkeys(identities))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            known.update(
                (bytes(identity), int(doc_id))
                for doc_id, identity in conn.execute(
                    "SELECT id, identity FROM documents "  # noqa: S608 - placeholders only
                    f"WHERE identity IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        rows = []
        by_frame: dict[str, list[tuple[int, bytes]]] = {}
        for (report, ready, extracts), identity in zip(pending, identities, strict=True):
            doc_id = known.get(identity)
            if doc_id is not None:
                report.id, report.new = doc_id, False
                continue  # (a duplicate keeps the extracts of its first import)
            row = self._sealed_row(ready, identity)
            rows.append(row)
            known[identity] = row[0]
            report.id, report.new = row[0], True
            for frame, raw in extracts:
                by_frame.setdefault(frame, []).append((row[0], raw))
        if rows:
            conn.executemany(_INSERT_DOCUMENT, rows)
        extract_rows: list[tuple[int, bytes, bytes]] = []
        for frame, members in by_frame.items():
            if len(members) >= PACK_FROM:
                conn.execute(_INSERT_PACK, self._pack_row(frame, members))
            else:
                extract_rows.extend(self._extract_row(i, frame, raw) for i, raw in members)
        if extract_rows:
            conn.executemany(_INSERT_EXTRACT, extract_rows)

    def _extract_row(self, doc_id: int, frame: str, raw: bytes) -> tuple[int, bytes, bytes]:
        """An extracts row: ``raw`` (an encoded extract) padded, encrypted and bound to its
        document and frame."""
        sealed = self._keys.documents.seal(
            raw + b" " * (_bucket(len(raw)) - len(raw)),  # padded like document bodies
            crypto.aad("extracts", doc_id, frame),
        )
        return (doc_id, self._keys.tag("frame", frame), sealed)

    def _pack_row(
        self, frame: str | bytes, members: Sequence[tuple[int, bytes]]
    ) -> tuple[bytes, bytes, bytes]:
        """An extract_packs row holding the extracts of ``members`` ((document id, encoded
        extract) pairs) for ``frame`` (its name, or its tag): padded, encrypted, and bound to
        the frame and to exactly these documents in this order."""
        frame_tag = frame if isinstance(frame, bytes) else self._keys.tag("frame", frame)
        ids = _packed_ids([doc_id for doc_id, _ in members])
        parts = [_PACK_CODEC]
        for _, raw in members:
            parts.append(len(raw).to_bytes(4, "big"))
            parts.append(raw)
        plain = b"".join(parts)
        plain += bytes(_bucket(len(plain)) - len(plain))
        sealed = self._keys.documents.seal(plain, crypto.aad("extract_packs", frame_tag, ids))
        return (frame_tag, ids, sealed)

    def _open_pack(
        self, frame_tag: bytes, members: bytes, body: bytes
    ) -> list[tuple[int, bytes]] | None:
        """The (document id, encoded extract) pairs of a pack, or None for a pack encoding this
        mynalib does not know; VaultCorrupt when it does not decrypt with its frame and members
        or is not whole."""
        plain = self._keys.documents.open(
            body, crypto.aad("extract_packs", frame_tag, members), what="an extract pack"
        )
        if plain[:1] != _PACK_CODEC:
            return None
        out: list[tuple[int, bytes]] = []
        at = 1
        for doc_id in _unpacked_ids(members):
            size = int.from_bytes(plain[at : at + 4], "big")
            raw = plain[at + 4 : at + 4 + size]
            if len(raw) != size:
                raise VaultCorrupt("an extract pack is truncated")
            out.append((doc_id, raw))
            at += 4 + size
        return out

    def _pack_body(self, pack_id: int) -> bytes:
        """A pack's encrypted body (read only for the packs needed: the members come first)."""
        row = self.conn.execute("SELECT body FROM extract_packs WHERE id = ?", (pack_id,))
        return bytes(row.fetchone()[0])

    def _drop_from_packs(self, doc_id: int) -> None:
        """Rewrite the packs that hold ``doc_id``'s extracts without them (inside the caller's
        transaction): a deleted document leaves nothing of itself in the vault."""
        conn = self.conn
        for pack_id, frame_tag, members in conn.execute(
            "SELECT id, frame_tag, members FROM extract_packs"
        ).fetchall():
            if doc_id not in _unpacked_ids(members):
                continue
            held = self._open_pack(frame_tag, members, self._pack_body(pack_id))
            kept = [m for m in held if m[0] != doc_id] if held is not None else []
            conn.execute("DELETE FROM extract_packs WHERE id = ?", (pack_id,))
            if kept:  # (a pack this mynalib cannot read goes: its documents are read instead)
                conn.execute(_INSERT_PACK, self._pack_row(frame_tag, kept))

    def _extracts_from_packs(
        self, name: str, wanted: set[int]
    ) -> list[tuple[int | None, dict[str, Any]]] | None:
        """The extracts of the documents ``wanted`` found in packs, or None when some are not
        there (or cannot be read by this mynalib). Only packs holding one of them are read."""
        frame_tag = self._keys.tag("frame", name)
        conn = self.conn
        items: list[tuple[int | None, dict[str, Any]]] = []
        left = set(wanted)
        for pack_id, members in conn.execute(
            "SELECT id, members FROM extract_packs WHERE frame_tag = ?", (frame_tag,)
        ).fetchall():
            if not left:
                break
            if left.isdisjoint(_unpacked_ids(members)):
                continue
            held = self._open_pack(frame_tag, members, self._pack_body(pack_id))
            if held is None:
                return None
            for doc_id, raw in held:
                if doc_id in left:
                    value = _decode_extract(raw)
                    if value is None:
                        return None
                    items.append((doc_id, value))
                    left.discard(doc_id)
        return None if left else items

    def _open_extract(self, doc_id: int, frame: str, body: bytes) -> dict[str, Any] | None:
        """A stored extract, or None when this mynalib cannot read its encoding."""
        plain = self._keys.documents.open(
            body, crypto.aad("extracts", doc_id, frame), what=f"the {frame} extract of {doc_id}"
        )
        return _decode_extract(plain)

    def _frame_from_extracts(self, name: str, person: str | None) -> pd.DataFrame | None:
        """The frame built from stored extracts, or None when some document has none (or the
        frame reads kinds that keep none): then the documents are read and parsed."""
        from .. import frames

        extract = frames.extract_for(name)
        if extract is None:
            return None
        # one pass over every document that feeds the frame: a kind without extracts, or a
        # document without one, and the documents are read instead
        kinds = sorted(frames.kinds_for(name) | set(extract.kinds))
        own = {self._kind_tag(k) for k in extract.kinds}
        where, params = self._where(kinds, person, include_unknown_person=True)
        sql = (
            "SELECT d.id, d.kind_tag, e.body FROM documents AS d "  # noqa: S608
            "LEFT JOIN extracts AS e ON e.doc_id = d.id AND e.frame_tag = ? WHERE " + where
        )
        frame_tag = self._keys.tag("frame", name)
        items: list[tuple[int | None, dict[str, Any]]] = []
        in_packs: set[int] = set()  # documents without an extract row of their own
        with self._lock, self._snapshot():
            cursor = self.conn.execute(sql, [frame_tag, *params])
            while chunk := cursor.fetchmany(512):
                for doc_id, kind_tag, body in chunk:
                    if kind_tag not in own:
                        return None
                    if body is None:
                        in_packs.add(int(doc_id))
                        continue
                    value = self._open_extract(int(doc_id), name, body)
                    if value is None:
                        return None
                    items.append((int(doc_id), value))
            if in_packs:
                packed = self._extracts_from_packs(name, in_packs)
                if packed is None:
                    return None
                items.extend(packed)
        if not items:
            return None
        part = extract.assemble(items)
        return frames.build(name, [], person=person, parts_built={extract.builder: part})

    # ------------------------------------------------------------------ frames
    def frame(
        self, name: str, *, year: int | None = None, person: str | None = None
    ) -> pd.DataFrame:
        """The frame ``name`` (DESIGN.md §5) built from the stored documents, then filtered."""
        from .. import frames

        if name not in frames.SCHEMAS:
            raise KeyError(f"unknown frame {name!r}; frames: {', '.join(sorted(frames.SCHEMAS))}")
        generation = self._generation()
        key = (name, person)
        with self._lock:
            cached = self._frame_cache.get(key)
        if cached is not None and cached[0] == generation:
            df = cached[1]
        else:
            with _gc_paused(True):
                built = self._frame_from_extracts(name, person)
            if built is not None:
                df = built
            else:
                kinds = frames.kinds_for(name)
                docs = self.documents(kinds, person, _include_unknown_person=True) if kinds else []
                with _gc_paused(len(docs) > GC_PAUSE_FROM):
                    df = frames.build(name, docs, person=person)
            with self._lock:  # dashboards call frame() from several threads
                if key not in self._frame_cache and len(self._frame_cache) >= 16:
                    self._frame_cache.pop(next(iter(self._frame_cache)))
                self._frame_cache[key] = (generation, df)
        out = frames.filter_frame(name, df, year=year) if year is not None else df.copy()
        detail = name + (f" year={year}" if year is not None else "")
        detail += " person=<filtered>" if person is not None else ""
        detail += f" rows={len(out)}"
        # dashboards re-read the same frame on every widget change: one entry per identical
        # read (same frame, filters, result size and command) per FRAME_AUDIT_WINDOW seconds
        seen = (detail, _command_name(None))
        now = time.monotonic()
        with self._lock:
            last = self._frame_reads.get(seen)
            if last is None or now - last >= FRAME_AUDIT_WINDOW:
                self._frame_reads[seen] = now
                with self._tx():
                    self._audit("frame", detail, None)
        return out

    # ------------------------------------------------------------------ secrets and state
    def get_secret(self, name: str) -> bytes | None:
        tag = self._keys.tag("secret", name)
        with self._lock:
            row = self.conn.execute(
                "SELECT value FROM secrets WHERE name_tag = ?", (tag,)
            ).fetchone()
            with self._tx():
                self._audit("secret-read", f"{name} {'found' if row else 'absent'}", None)
        if row is None:
            return None
        return self._keys.records.open(row[0], crypto.aad("secrets", tag), what=f"secret {name!r}")

    def set_secret(self, name: str, value: bytes) -> None:
        if not isinstance(value, (bytes, bytearray)):
            raise TypeError("a secret value must be bytes")
        tag = self._keys.tag("secret", name)
        blob = self._keys.records.seal(bytes(value), crypto.aad("secrets", tag))
        with self._lock, self._tx():
            self.conn.execute(
                "INSERT INTO secrets (name_tag, value) VALUES (?, ?) "
                "ON CONFLICT(name_tag) DO UPDATE SET value = excluded.value",
                (tag, blob),
            )
            self._audit("secret-write", name, None)

    def delete_secret(self, name: str) -> bool:
        tag = self._keys.tag("secret", name)
        with self._lock, self._tx():
            cur = self.conn.execute("DELETE FROM secrets WHERE name_tag = ?", (tag,))
            self._audit("secret-delete", name, None)
        return bool(cur.rowcount)

    def get_state(self, key: str, default: Any = None) -> Any:
        tag = self._keys.tag("state", key)
        with self._lock:
            row = self.conn.execute("SELECT value FROM state WHERE key_tag = ?", (tag,)).fetchone()
        if row is None:
            return default
        plain = self._keys.records.open(row[0], crypto.aad("state", tag), what=f"state {key!r}")
        return json.loads(plain)["value"]

    def set_state(self, key: str, value: Any) -> None:
        """Store a JSON value (``None`` removes the key)."""
        tag = self._keys.tag("state", key)
        with self._lock, self._tx():
            if value is None:
                self.conn.execute("DELETE FROM state WHERE key_tag = ?", (tag,))
                return
            plain = json.dumps({"key": key, "value": value}, ensure_ascii=False).encode()
            blob = self._keys.records.seal(plain, crypto.aad("state", tag))
            self.conn.execute(
                "INSERT INTO state (key_tag, value) VALUES (?, ?) "
                "ON CONFLICT(key_tag) DO UPDATE SET value = excluded.value",
                (tag, blob),
            )

    # ------------------------------------------------------------------ audit
    def audit(self, action: str, detail: str = "", command: str | None = None) -> None:
        """Record an action (no personal data in ``detail``): what, when, by which command."""
        with self._lock, self._tx():
            self._audit(action, detail, command)

    def _chain_start(self) -> bytes:
        return crypto.keyed_hash(self._keys.audit, b"audit-start\x00", self.vault_id.encode())

    def _audit(self, action: str, detail: str, command: str | None) -> None:
        conn = self.conn
        entry_id = self._next_id("audit")
        row = conn.execute("SELECT chain FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        previous = row[0] if row else self._chain_start()
        plain = _dumps(
            {
                "at": _now().isoformat(timespec="milliseconds"),
                "action": action,
                "detail": detail,
                "command": _command_name(command),
            }
        )
        blob = self._keys.records.seal(plain, crypto.aad("audit", entry_id))
        chain = crypto.keyed_hash(self._keys.audit, previous, entry_id.to_bytes(8, "big"), blob)
        conn.execute(
            "INSERT INTO audit (id, entry, chain) VALUES (?, ?, ?)", (entry_id, blob, chain)
        )

    def audit_log(self, *, limit: int | None = None) -> list[AuditEntry]:
        """Every audit entry, oldest first (the last ``limit`` if given); verifies the chain."""
        with self._lock:
            rows = self.conn.execute("SELECT id, entry, chain FROM audit ORDER BY id").fetchall()
        previous = self._chain_start()
        out = []
        for entry_id, blob, chain in rows:
            expected = crypto.keyed_hash(
                self._keys.audit, previous, int(entry_id).to_bytes(8, "big"), blob
            )
            if expected != chain:
                raise VaultCorrupt(
                    f"the audit log was altered before entry {entry_id} "
                    "(an entry was removed, reordered or changed)",
                    hint="the vault file was modified outside mynalib; restore a backup",
                )
            previous = chain
            d = json.loads(
                self._keys.records.open(blob, crypto.aad("audit", entry_id), what="an audit entry")
            )
            out.append(
                AuditEntry(
                    int(entry_id),
                    datetime.fromisoformat(d["at"]),
                    d["action"],
                    d["detail"],
                    d["command"],
                )
            )
        return out[-limit:] if limit else out

    # ------------------------------------------------------------------ admin
    def status(self) -> dict[str, Any]:
        """What is stored: counts by kind, source and person; sizes; protection."""
        infos = self.catalogue()
        by_kind: dict[str, int] = {}
        by_person: dict[str, int] = {}
        by_source: dict[str, int] = {}
        for info in infos:
            by_kind[info.kind] = by_kind.get(info.kind, 0) + 1
            by_source[info.source] = by_source.get(info.source, 0) + 1
            who = info.person or "(unknown)"
            by_person[who] = by_person.get(who, 0) + 1
        with self._lock:
            n_secrets = self.conn.execute("SELECT COUNT(*) FROM secrets").fetchone()[0]
            n_state = self.conn.execute("SELECT COUNT(*) FROM state").fetchone()[0]
            n_audit = self.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        size = sum(p.stat().st_size for p in vault_files(self.path) if p.exists())
        return {
            "path": str(self.path),
            "protection": self.protection,
            "documents": len(infos),
            "bytes_stored": sum(i.size for i in infos),
            "file_bytes": size,
            "by_kind": dict(sorted(by_kind.items())),
            "by_source": dict(sorted(by_source.items())),
            "by_person": dict(sorted(by_person.items())),
            "secrets": int(n_secrets),
            "state_entries": int(n_state),
            "audit_entries": int(n_audit),
            "last_import": max((i.imported_at for i in infos), default=None),
        }

    def change_passphrase(self, passphrase: str) -> None:
        """Protect the data key with ``passphrase`` (adds or replaces the passphrase wrap)."""
        data_key = self._data_key
        wrap = keys.PassphraseWrap.create(passphrase, data_key, self.vault_id)
        with self._lock, self._tx():
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('wrap.passphrase', ?)",
                (wrap.to_json(),),
            )
            self._audit("passphrase-change", "", None)

    def wipe(self) -> None:
        """Destroy the vault: audit entry, then wrapped keys erased, files zeroed and removed."""
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self.audit("wipe", "vault destroyed")
            self.close()
        wipe_vault(self.path)


# ------------------------------------------------------------------------------------ helpers
# Body encoding: a codec byte, then
#   0x03: 8-byte big-endian length of the document, 8-byte length of its LZ4 block, the LZ4 block,
#         zero padding up to a size bucket (written today, when LZ4 makes the document smaller);
#   0x02: 8-byte big-endian length, the bytes, zero padding up to a size bucket (written today
#         for documents LZ4 does not shrink);
#   0x00: the bytes (raw);  0x01: zlib-compressed bytes (both read for compatibility).
# Padding hides exact sizes: a file someone else also holds cannot be spotted by its length.
# LZ4 (about 1 GB/s here) makes a 医療費 CSV a quarter of its size: the vault writes (SQLite's
# WAL, then its checkpoint) cost less than the compression saves; zlib was slower than the writes.
def _prepare_data(
    data: bytes,
    *,
    name: str | None,
    person: str | None,
    source: str,
    fetched_at: datetime | None,
    memo: bool = True,
) -> tuple[ImportReport, Ready, list[tuple[str, bytes]]]:
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
    # DESIGN.md §5: `person` is the 氏名 as on the source; --person names files without one
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
        fetched_at=_aware(fetched_at or _now()),  # as stored (a naive time is UTC)
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
            extracts.append((extract.frame, _EXTRACT_CODEC + marshal.dumps(value, 4)))
    return report, _ready(doc, data), extracts


class Ready(NamedTuple):
    """A document made ready for storing by :func:`_ready`: everything that needs no key.

    The vault adds what does (identity, lookup tags, encryption: :meth:`Vault._sealed_row`), so
    import worker processes, which hold no key, can do the rest."""

    data: bytes  # the document exactly as received
    kind: str
    person: str | None
    alias: str | None  # the name given on import, when the document names someone else
    header: bytes  # the provenance header: padded JSON, not yet encrypted
    body: bytes  # the body encoding (see _pad_body), not yet encrypted

    def __repr__(self) -> str:  # never the payload or the name (personal data), as Document
        return (
            f"Ready(kind={self.kind!r}, person={'<set>' if self.person else None}, "
            f"bytes={len(self.data)})"
        )

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # from an import worker to the importing process: an LZ4 body holds the document, so
        # the document's bytes need not travel as well (they are decompressed on arrival)
        if self.body[:1] == b"\x03":
            return _ready_from_body, (self.kind, self.person, self.alias, self.header, self.body)
        return Ready, tuple(self)


def _ready_from_body(
    kind: str, person: str | None, alias: str | None, header: bytes, body: bytes
) -> Ready:
    return Ready(_unpad_body(body, 0), kind, person, alias, header, body)


def _ready(doc: Document, data: bytes | None = None) -> Ready:
    """``doc`` made ready for storing (header and body encoded and padded, not encrypted)."""
    data = bytes(doc.data) if data is None else data
    alias = doc.meta.get("person_alias") if isinstance(doc.meta, dict) else None
    fetched = doc.fetched_at
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=timezone.utc)
    header = {
        "kind": doc.kind,
        "source": doc.source,
        "person": doc.person,
        "fetched_at": fetched.isoformat(),
        "imported_at": _now().isoformat(),
        "original_name": doc.original_name,
        "size": len(data),
        "meta": doc.meta,
    }
    return Ready(
        data,
        doc.kind,
        doc.person,
        str(alias) if alias else None,
        _pad_json(_dumps(header)),
        _pad_body(data),
    )


#: what preparing one file gives: its report, the document ready for storing and its encoded frame
#: extracts (None and [] for a file that could not be read)
Prepared = tuple[ImportReport, Ready | None, list[tuple[str, bytes]]]


def _prepare_file(file: str | Path, person: str | None, memo: bool = True) -> Prepared:
    """Read and prepare one file; a file that cannot be read or parsed gives an error report."""
    name = os.path.basename(file)
    try:
        data, mtime = _read_limited(file)
        fetched = datetime.fromtimestamp(mtime, timezone.utc)
        return _prepare_data(
            data, name=name, person=person, source="file", fetched_at=fetched, memo=memo
        )
    except (SourceError, OSError) as exc:
        report = ImportReport(name=name, error=_error_text(exc), error_type=type(exc).__name__)
        return report, None, []


def _prepare_files(files: Sequence[str | Path], person: str | None) -> list[Prepared]:
    """A worker's task: prepare these files (paths in, reports and ready documents out).

    Runs in a fresh process (mynalib.vault._import_worker) that holds no key, no vault
    connection and no document other than the ones it reads here."""
    return [_prepare_file(file, person, memo=False) for file in files]


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


def _decode_extract(plain: bytes) -> dict[str, Any] | None:
    """An encoded extract (codec byte, marshal), or None when this mynalib cannot read it."""
    if plain[:1] != _EXTRACT_CODEC:
        return None
    # marshal (plain dicts, lists, text and numbers): about 4x faster than JSON both ways.
    # Only bytes this vault's key authenticated reach it (AES-GCM), so they are bytes mynalib
    # wrote; marshal is not meant for untrusted input, and gets none here.
    try:
        value = marshal.loads(plain[1:])  # noqa: S302 - padding after the object is ignored
    except (EOFError, ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def _packed_ids(ids: Sequence[int]) -> bytes:
    return b"".join(i.to_bytes(8, "little", signed=True) for i in ids)


def _unpacked_ids(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[i : i + 8], "little", signed=True) for i in range(0, len(raw), 8)]


def _bucket(n: int) -> int:
    """Padded size: multiples of 512 bytes, or of 1/32 of the size for large documents."""
    unit = max(512, 1 << max(0, n.bit_length() - 5))
    return -(-n // unit) * unit


def _aware(moment: datetime) -> datetime:
    """A naive time is taken as UTC (as the documents table stores it)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


#: the largest input of one LZ4 block (LZ4_MAX_INPUT_SIZE); larger documents are stored as they are
_LZ4_MAX = 0x7E000000


def _pad_body(data: bytes) -> bytes:
    size = len(data).to_bytes(8, "big")
    packed = lz4.block.compress(data, store_size=False) if 0 < len(data) <= _LZ4_MAX else b""
    parts: tuple[bytes, ...]
    if 17 + len(packed) < 9 + len(data):
        parts = (b"\x03", size, len(packed).to_bytes(8, "big"), packed)
    else:
        parts = (b"\x02", size, data)
    used = sum(map(len, parts))
    return b"".join((*parts, bytes(_bucket(used) - used)))


def _unpad_body(plain: bytes, doc_id: int) -> bytes:
    codec = plain[:1]
    if codec == b"\x03" and len(plain) >= 17:
        size = int.from_bytes(plain[1:9], "big")
        packed = int.from_bytes(plain[9:17], "big")
        if 17 + packed <= len(plain) and size <= _LZ4_MAX:
            try:
                data = lz4.block.decompress(plain[17 : 17 + packed], uncompressed_size=size)
            except lz4.block.LZ4BlockError:
                pass
            else:
                if len(data) == size:
                    return data
    elif codec == b"\x02" and len(plain) >= 9:
        size = int.from_bytes(plain[1:9], "big")
        if 9 + size <= len(plain):
            return plain[9 : 9 + size]
    elif codec == b"\x00":
        return plain[1:]
    elif codec == b"\x01":
        return zlib.decompress(plain[1:])
    raise VaultCorrupt(f"document {doc_id}: unknown or damaged body encoding")


def _first(row: Sequence[Any]) -> Any:
    return row[0]


def _pad_json(raw: bytes) -> bytes:
    """JSON with trailing spaces (still valid JSON) up to a multiple of 256 bytes."""
    return raw + b" " * (-len(raw) % 256)


@contextlib.contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector during a large import.

    Parsing thousands of files creates millions of small objects that live on (reports, parse
    memo); the collector's repeated full passes over them cost about as much as the import itself.
    Reference counting still frees everything that is not in a cycle; the collector is re-enabled
    afterwards (if it was on).
    """
    import gc

    was_enabled = gc.isenabled()
    if pause and was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()


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


def _import_summary(reports: Sequence[ImportReport]) -> str:
    new = sum(1 for r in reports if r.ok and r.new)
    dup = sum(1 for r in reports if r.duplicate)
    err = sum(1 for r in reports if not r.ok)
    kinds = sorted({r.kind for r in reports if r.kind})
    return f"files={len(reports)} new={new} duplicates={dup} errors={err} kinds={','.join(kinds)}"


def _read_limited(path: str | Path) -> tuple[bytes, float]:
    """The file's bytes and modification time; too large files are refused before reading."""
    # plain file-descriptor reads: a bulk import reads thousands of small files, and the
    # buffered file object's layers cost about as much as the reading itself
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
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


def _walk_files(folder: Path) -> list[Path]:
    """The files under ``folder`` in path order, skipping hidden files and folders (a name
    starting with "."); symlinked folders are not entered (as ``Path.rglob``). One scandir per
    folder, no stat per file (the entry type comes with the listing)."""
    return [Path(p) for p in _walk_text(os.fspath(folder))]


#: directory entries in path order (as Path.rglob sorts them: by normcase'd name; normcase does
#: nothing on POSIX, so there the name itself is the key)
_entry_key: Callable[[os.DirEntry[str]], str] = (
    operator.attrgetter("name")
    if os.path.normcase("A") == "A"
    else (lambda entry: os.path.normcase(entry.name))
)


def _walk_text(folder: str) -> list[str]:
    """:func:`_walk_files` with paths as text (thousands of Path objects cost more than
    the walk)."""
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
                out.extend(_walk_text(entry.path))
            elif entry.is_file():
                out.append(entry.path)
        except OSError:
            continue
    return out


def _expand(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files named, folders walked (see :func:`_walk_files`)."""
    return [Path(p) for p in _expand_text(paths)]


def _expand_text(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    out: list[str] = []
    for raw in paths:
        p = os.fspath(raw)
        if os.path.isdir(p):
            out.extend(_walk_text(p))
        else:
            out.append(p)
    return out


# --------------------------------------------------------------------------------------- open
def _connect(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30.0)
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        # a new vault gets 16 KiB pages (documents of a few KB then stay on their page: about a
        # third less work per stored document than 4 KiB); an existing vault keeps its size
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise VaultError(f"could not switch the vault to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise VaultCorrupt(
            f"{db_path} is not a readable vault ({exc})",
            hint="restore a backup, or move the file away to start a new vault",
        ) from None
    return conn


def open_vault(
    path: Path | str | None = None,
    *,
    passphrase: str | None = None,
    create: bool = True,
) -> Vault:
    """Open (or create) the vault in directory ``path`` and unlock it.

    ``path`` defaults to :func:`mynalib.paths.default_vault_dir` (``$MYNA_VAULT``). The passphrase
    defaults to ``$MYNA_VAULT_PASSPHRASE``; without one the OS keyring is used when it is usable.
    A wrong passphrase raises :class:`VaultLocked`.
    """
    directory, db_path = _resolve_paths(path)
    if passphrase is None:
        passphrase = keys.passphrase_from_env()
    exists = db_path.exists() and db_path.stat().st_size > 0
    if not exists and not create:
        raise VaultError(
            f"There is no vault at {directory}",
            hint="import a file first (myna import FILE) or give the right --vault / MYNA_VAULT",
            ja="保管庫がまだありません。先にファイルを取り込んでください（myna import）。",
        )
    if not exists and passphrase is None and not keys.keyring_usable():
        raise VaultLocked(
            "Cannot create a vault: no passphrase was given and no OS keyring is available",
            hint=keys.HOW_TO_UNLOCK,
            ja=keys.JA_UNLOCK_HINT,
        )
    _make_private_dir(directory)
    _make_private_file(db_path)
    conn = _connect(db_path)
    try:
        for p in vault_files(db_path)[1:]:
            if p.exists() and stat.S_IMODE(p.stat().st_mode) & 0o077:
                os.chmod(p, 0o600)
        vault_id, data_key, protection = _unlock_or_init(conn, passphrase)
        conn.execute(_EXTRACTS_TABLE)  # vaults created before the tables existed
        conn.execute(_PACKS_TABLE)
    except BaseException:
        conn.close()
        raise
    return Vault(directory, db_path, conn, data_key, vault_id, protection)


def open_vault_interactive(path: Path | str | None = None, *, create: bool = True) -> Vault:
    """:func:`open_vault`, asking for the passphrase on a terminal when one is needed.

    Uses ``$MYNA_VAULT_PASSPHRASE`` or the OS keyring first. On a terminal (stdin is a tty) a
    missing or wrong passphrase is asked for with getpass (twice for a new vault); elsewhere the
    :class:`VaultLocked` error (which says how to give one) is raised.
    """
    import getpass

    try:
        return open_vault(path, create=create)
    except VaultLocked:
        if keys.passphrase_from_env() is not None or not sys.stdin.isatty():
            raise
    _, db_path = _resolve_paths(path)
    if db_path.exists() and db_path.stat().st_size > 0:
        for attempt in range(3):
            secret = getpass.getpass("Vault passphrase (保管庫のパスフレーズ): ")
            try:
                return open_vault(path, passphrase=secret, create=create)
            except VaultLocked:
                if attempt == 2:
                    raise
                print("Wrong passphrase, try again.", file=sys.stderr)
    print(
        "No OS keyring is available: choose a passphrase for the new vault "
        "(there is no way to recover it if it is lost).",
        file=sys.stderr,
    )
    first = getpass.getpass("New vault passphrase: ")
    if getpass.getpass("Repeat the passphrase: ") != first:
        raise VaultLocked("The two passphrases differ; nothing was created", hint="try again")
    return open_vault(path, passphrase=first, create=create)


def wipe_vault(path: Path | str | None = None) -> bool:
    """Destroy the vault at ``path`` without unlocking it (for a lost passphrase too).

    Removes the OS keyring entry, overwrites the files with zeros (best effort: SSDs and
    copy-on-write file systems may keep old blocks, but the wrapped key is gone with the
    keyring entry / the passphrase) and deletes them. Returns False when there was no vault.
    """
    directory, db_path = _resolve_paths(path)
    present = [p for p in vault_files(db_path) if p.exists()]
    if not present:
        return False
    vault_id = None
    with contextlib.suppress(sqlite3.Error, OSError):
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=30.0)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
            vault_id = row[0] if row else None
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("DELETE FROM meta")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    if vault_id:
        keys.keyring_delete(vault_id)
    for p in vault_files(db_path):
        if p.exists():
            with contextlib.suppress(OSError):
                size = p.stat().st_size
                with open(p, "r+b") as fh:
                    remaining = size
                    while remaining > 0:
                        chunk = min(remaining, 1024 * 1024)
                        fh.write(b"\x00" * chunk)
                        remaining -= chunk
                    fh.flush()
                    os.fsync(fh.fileno())
            p.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        directory.rmdir()  # only when empty
    return True


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError:
        return {}
    except sqlite3.DatabaseError as exc:
        raise VaultCorrupt(f"the vault file is not readable ({exc})") from None


def _unlock_or_init(conn: sqlite3.Connection, passphrase: str | None) -> tuple[str, bytes, str]:
    meta = _meta(conn)
    if not meta.get("vault_id"):
        return _init(conn, passphrase)
    if meta.get("format") != str(SCHEMA_VERSION):
        raise VaultError(
            f"This vault has format {meta.get('format')!r}; this mynalib reads format "
            f"{SCHEMA_VERSION}",
            hint="upgrade mynalib",
        )
    vault_id = meta["vault_id"]
    pw_wrap = meta.get("wrap.passphrase")
    kr_wrap = meta.get("wrap.keyring")
    if passphrase is not None and pw_wrap:
        try:
            wrap = keys.PassphraseWrap.from_json(pw_wrap)
        except (ValueError, KeyError) as exc:
            raise VaultCorrupt(f"the vault's key record is damaged ({exc})") from None
        data_key = wrap.unwrap(passphrase, vault_id)
        if data_key is None:
            raise VaultLocked(
                "Wrong vault passphrase",
                hint="check MYNA_VAULT_PASSPHRASE / the passphrase you typed",
                ja="保管庫のパスフレーズが違います。",
            )
        return vault_id, data_key, "passphrase"
    if kr_wrap:
        try:
            kwrap = keys.KeyringWrap.from_json(kr_wrap)
        except (ValueError, KeyError) as exc:
            raise VaultCorrupt(f"the vault's key record is damaged ({exc})") from None
        data_key = kwrap.unwrap(vault_id)
        if data_key is not None:
            return vault_id, data_key, "keyring"
        if not pw_wrap:
            raise VaultLocked(
                "This vault's key is kept in the OS keyring, and the keyring entry "
                f"({kwrap.service} / {kwrap.username}) is not available",
                hint="unlock your desktop keyring (Secret Service, macOS Keychain, Windows "
                "Credential Manager) and try again",
                ja="保管庫の鍵がOSのキーリングから取得できません。キーリングのロックを解除してください。",
            )
    if pw_wrap:
        raise VaultLocked(
            "This vault needs its passphrase", hint=keys.HOW_TO_UNLOCK, ja=keys.JA_UNLOCK_HINT
        )
    raise VaultCorrupt("the vault has no key record", hint="restore a backup")


def _init(conn: sqlite3.Connection, passphrase: str | None) -> tuple[str, bytes, str]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        meta = _meta(conn)
        if meta.get("vault_id"):  # another process created it meanwhile
            conn.execute("ROLLBACK")
            return _unlock_or_init(conn, passphrase)
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        vault_id = uuid.uuid4().hex
        data_key = crypto.random_key()
        rows = {"format": str(SCHEMA_VERSION), "vault_id": vault_id}
        if passphrase is not None:
            rows["wrap.passphrase"] = keys.PassphraseWrap.create(
                passphrase, data_key, vault_id
            ).to_json()
            protection = "passphrase"
        else:
            rows["wrap.keyring"] = keys.KeyringWrap.create(data_key, vault_id).to_json()
            protection = "keyring"
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", list(rows.items()))
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return vault_id, data_key, protection
