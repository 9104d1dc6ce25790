"""The encrypted store: one SQLite file (WAL, transactions), AES-256-GCM per record.

The store core: schema, sealing, identities and dedup, documents, frame extracts kept as opaque
encrypted bytes per frame name, secrets, state, the audit chain and status. It knows no parser,
no frame and no command line: the import pipeline (:mod:`.importer`) and the frame reader
(:mod:`.reader`) sit on top of it, and the command an audit entry names comes from
:data:`mynalib.log.current_command` (which the ``myna`` CLI sets).

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
The lookup tags a read selects by (kind, person, alias) carry a keyed MAC per row (``tags``,
checked for every row before a read relies on them, again whenever another connection has
changed the file), so a changed tag cannot make a document silently leave a person's frames.
The audit log is additionally hash-chained (HMAC), so removing or reordering entries in the middle
is detected; cutting entries off the end cannot be detected from the file alone. A damaged file
(SQLite reports corruption, a value of the wrong type) raises VaultCorrupt too, never a raw
``sqlite3`` error.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from ..document import Document, utcnow
from ..errors import VaultCorrupt, VaultError
from ..log import current_command
from . import codec, crypto, files, keys

T = TypeVar("T")

SCHEMA_VERSION = 1
#: page size of new vault files (bytes)
PAGE_SIZE = 16384
#: WAL size between automatic checkpoints during a large import (SQLite's default: 1000 pages)
BULK_AUTOCHECKPOINT_BYTES = 64 * 1024 * 1024
_INSERT_EXTRACT = "INSERT OR REPLACE INTO extracts (doc_id, frame_tag, body) VALUES (?, ?, ?)"
_INSERT_DOCUMENT = (
    "INSERT INTO documents (id, identity, kind_tag, person_tag, alias_tag, header, body, tags) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
#: what a VaultCorrupt says to do (English hint; the Japanese is VaultCorrupt's own)
RESTORE_HINT = "the vault file was damaged or modified outside mynalib; restore a backup"

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
    body        BLOB NOT NULL,          -- AES-GCM(codec byte + length + bytes + padding)
    tags        BLOB                    -- HMAC(index key, id, kind/person/alias tags), 16 bytes
                                        -- (NULL in rows written before it existed)
);
CREATE INDEX IF NOT EXISTS documents_kind_person ON documents (kind_tag, person_tag);
CREATE INDEX IF NOT EXISTS documents_tags ON documents (kind_tag, person_tag, alias_tag, tags);
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

#: a document made ready for storing and its frame extracts ((frame name, encoded extract) pairs)
ReadyDocument = tuple[codec.Ready, Sequence[tuple[str, bytes]]]


def command_name(explicit: str | None = None) -> str:
    """The command an audit entry names: ``explicit``, else :data:`mynalib.log.current_command`
    (which the ``myna`` CLI sets), else ``python``."""
    return explicit or current_command.get() or "python"


# ------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class PutResult:
    id: int
    new: bool


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


# ------------------------------------------------------------------------------ SQLite file
def connect(db_path: Path) -> sqlite3.Connection:
    """A connection to the vault file (WAL, secure_delete, foreign keys); VaultCorrupt when the
    file is not an SQLite database."""
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
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        conn.close()
        raise VaultCorrupt(
            f"{db_path} is not a readable vault ({exc})",
            hint="restore a backup, or move the file away to start a new vault",
        ) from None
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """The tables of a new vault (inside the caller's transaction)."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def upgrade_schema(conn: sqlite3.Connection) -> None:
    """The tables, columns and indexes added since format 1 was written, for vaults created
    before them."""
    conn.execute(_EXTRACTS_TABLE)
    conn.execute(_PACKS_TABLE)
    columns = {str(row[1]) for row in conn.execute("PRAGMA table_info(documents)")}
    if "tags" not in columns:
        try:
            conn.execute("ALTER TABLE documents ADD COLUMN tags BLOB")
        except sqlite3.OperationalError:  # another process added it meanwhile
            columns = {str(row[1]) for row in conn.execute("PRAGMA table_info(documents)")}
            if "tags" not in columns:
                raise
    conn.execute(_TAGS_INDEX)


_TAGS_INDEX = _SCHEMA[_SCHEMA.index("CREATE INDEX IF NOT EXISTS documents_tags") :].split(";")[0]


# ------------------------------------------------------------------------- a damaged file
def _corruption(exc: BaseException) -> VaultCorrupt | None:
    """The VaultCorrupt for an error SQLite (or the text decoding of a value) reports about a
    damaged file, else None (a locked or busy database is not damage)."""
    if isinstance(exc, UnicodeDecodeError):
        return VaultCorrupt("the vault file holds text that is not UTF-8", hint=RESTORE_HINT)
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc)
    if (
        name.startswith("SQLITE_CORRUPT")
        or name == "SQLITE_NOTADB"
        or "malformed" in text
        or "not a database" in text
        or (isinstance(exc, sqlite3.OperationalError) and "no such " in text)
    ):
        return VaultCorrupt(f"the vault file is damaged ({text})", hint=RESTORE_HINT)
    return None


@contextlib.contextmanager
def damage_is_corrupt() -> Iterator[None]:
    """Turn SQLite's reports of a damaged file into :class:`VaultCorrupt`."""
    try:
        yield
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        corrupt = _corruption(exc)
        if corrupt is None:
            raise
        raise corrupt from None


class _Cursor:
    """A cursor whose fetches report a damaged file as :class:`VaultCorrupt`."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    def fetchone(self) -> Any:
        with damage_is_corrupt():
            return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        with damage_is_corrupt():
            return self._cursor.fetchall()

    def fetchmany(self, size: int = 1) -> list[Any]:
        with damage_is_corrupt():
            return self._cursor.fetchmany(size)

    def __iter__(self) -> Iterator[Any]:
        while chunk := self.fetchmany(256):
            yield from chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _Connection:
    """The vault's SQLite connection, with every statement and fetch reporting a damaged file
    as :class:`VaultCorrupt` (what every read path of the store goes through)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        with damage_is_corrupt():
            return _Cursor(self._conn.execute(sql, parameters))

    def executemany(self, sql: str, parameters: Any) -> Any:
        with damage_is_corrupt():
            return _Cursor(self._conn.executemany(sql, parameters))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _blob(value: Any, what: str) -> bytes:
    """A BLOB column's value; VaultCorrupt when it is anything else (a changed column type)."""
    if isinstance(value, bytes):
        return value
    raise VaultCorrupt(f"{what} is not binary data", hint=RESTORE_HINT)


# --------------------------------------------------------------------------------------- store
class Store:
    """An open, unlocked vault's encrypted store (see :class:`mynalib.vault.Vault`)."""

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
        self._conn: sqlite3.Connection | None = cast("sqlite3.Connection", _Connection(conn))
        self._keys = crypto.SubKeys.derive(data_key)
        self._data_key = data_key  # kept only to re-wrap it (change_passphrase)
        self.vault_id = vault_id
        #: "passphrase" or "keyring": what unlocked this vault
        self.protection = protection
        self._lock = threading.RLock()
        self._tx_depth = 0
        self._ids: dict[str, int] = {}  # next ids, valid inside the current write transaction
        #: PRAGMA data_version when every document row's tags were last verified (None: never);
        #: it changes when another connection commits to the file
        self._tags_verified: int | None = None

    # ------------------------------------------------------------------ lifecycle
    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.directory)!r}, protection={self.protection!r})"

    def __enter__(self: T) -> T:
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

    @contextlib.contextmanager
    def bulk_writes(self, bulk: bool = True) -> Iterator[None]:
        """Fewer, larger WAL checkpoints while a large import runs (a crash loses nothing);
        SQLite's default again afterwards. Does nothing when ``bulk`` is false."""
        if not bulk:
            yield
            return
        page = int(self.conn.execute("PRAGMA page_size").fetchone()[0])
        pages = BULK_AUTOCHECKPOINT_BYTES // page
        self.conn.execute(f"PRAGMA wal_autocheckpoint = {pages}")
        try:
            yield
        finally:
            if self._conn is not None:
                self._conn.execute("PRAGMA wal_autocheckpoint = 1000")

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
        ignored: the vault assigns ids (never reused). Each put writes an audit entry
        (``store``: kind, source, new/duplicate).
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
                sealed = self._sealed_row(codec.ready(doc, data), identity)
                self.conn.execute(_INSERT_DOCUMENT, sealed)
                result = PutResult(sealed[0], True)
            self._audit(
                "store",
                f"kind={doc.kind} source={doc.source} " + ("new" if result.new else "duplicate"),
                None,
            )
        return result

    def store_ready(self, documents: Sequence[ReadyDocument]) -> list[PutResult]:
        """Store documents made ready elsewhere (an import) with their frame extracts, as
        :meth:`put` would one by one (same rows, same dedup; no audit entry: the import writes
        one), with one look-up and one INSERT statement for them all. Runs in the caller's
        write transaction, or in one of its own.

        The extracts of a document stored before (a duplicate) are not stored again; the
        extracts of at least :data:`PACK_FROM` new documents for one frame go in one pack."""
        with self._lock, self._tx():
            conn = self.conn
            identities = [self._keys.identity_of(ready.data) for ready, _ in documents]
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
            results = []
            rows = []
            by_frame: dict[str, list[tuple[int, bytes]]] = {}
            for (ready, extracts), identity in zip(documents, identities, strict=True):
                doc_id = known.get(identity)
                if doc_id is not None:
                    results.append(PutResult(doc_id, False))
                    continue  # (a duplicate keeps the extracts of its first import)
                row = self._sealed_row(ready, identity)
                rows.append(row)
                known[identity] = row[0]
                results.append(PutResult(row[0], True))
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
        return results

    def _next_id(self, table: str) -> int:
        """The next row id (AUTOINCREMENT: never reused). Only called inside a write transaction,
        which holds SQLite's write lock, so ids handed out here cannot be taken by others."""
        nxt = self._ids.get(table)
        if nxt is None:
            row = self.conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)
            ).fetchone()
            seq = row[0] if row else 0
            highest = self.conn.execute(
                f"SELECT COALESCE(MAX(id), 0) FROM {table}"  # noqa: S608 - a fixed table name
            ).fetchone()[0]
            if not isinstance(seq, int) or seq < highest:
                # ids are never reused: a lower counter means the file was changed
                raise VaultCorrupt(f"the {table} id counter was changed", hint=RESTORE_HINT)
            nxt = seq + 1
        self._ids[table] = nxt + 1
        return nxt

    def _sealed_row(
        self, ready: codec.Ready, identity: bytes
    ) -> tuple[int, bytes, bytes, bytes | None, bytes | None, bytes, bytes, bytes]:
        """The documents row for a document made ready by :func:`.codec.ready`: the next id, the
        lookup tags, the header and body encrypted, and the tags' MAC (the steps that need the
        vault's keys)."""
        doc_id = self._next_id("documents")
        kind_tag = self._kind_tag(ready.kind)
        person_tag = self._person_tag(ready.person)
        alias_tag = self._person_tag(ready.alias) if ready.alias else None
        enc = self._keys.documents
        header_ct = enc.seal(
            ready.header, self._header_aad(doc_id, identity, kind_tag, person_tag, alias_tag)
        )
        body_ct = enc.seal(ready.body, crypto.aad("documents.body", doc_id, ready.kind))
        tags = self._tags_mac(doc_id, kind_tag, person_tag, alias_tag)
        return (doc_id, identity, kind_tag, person_tag, alias_tag, header_ct, body_ct, tags)

    def _tags_mac(self, doc_id: Any, kind_tag: Any, person_tag: Any, alias_tag: Any) -> bytes:
        """The MAC of a documents row's lookup tags (the ``tags`` column), bound to its id."""
        return crypto.keyed_hash(
            self._keys.index,
            crypto.aad("documents.tags", doc_id, kind_tag, person_tag or b"", alias_tag or b""),
        )[:16]

    def verify_tags(self) -> None:
        """Check the lookup tags (kind, person, alias) of every stored document before a read
        selects by them: VaultCorrupt when one was changed (a document would otherwise leave
        its person's or kind's reads without a trace). Rows written before the ``tags`` column
        existed are checked through their headers, whose associated data binds the tags. Done
        again only after another connection has changed the file (``PRAGMA data_version``)."""
        with self._lock:
            conn = self.conn
            version = int(conn.execute("PRAGMA data_version").fetchone()[0])
            if self._tags_verified == version:
                return
            legacy: list[int] = []
            cursor = conn.execute("SELECT id, kind_tag, person_tag, alias_tag, tags FROM documents")
            while chunk := cursor.fetchmany(1024):
                for doc_id, kind_tag, person_tag, alias_tag, tags in chunk:
                    if tags is None:
                        legacy.append(int(doc_id))
                        continue
                    expected = self._tags_mac(doc_id, kind_tag, person_tag, alias_tag)
                    if not hmac.compare_digest(_blob(tags, f"document {doc_id}'s tags"), expected):
                        raise VaultCorrupt(
                            f"document {doc_id}: its lookup tags (kind, person) were changed; "
                            "reads by kind or person would miss it",
                            hint=RESTORE_HINT,
                        )
            for start in range(0, len(legacy), 500):
                ids = legacy[start : start + 500]
                for row in conn.execute(
                    "SELECT id, identity, kind_tag, person_tag, alias_tag, header "  # noqa: S608
                    f"FROM documents WHERE id IN ({','.join('?' * len(ids))})",
                    ids,
                ).fetchall():
                    self._open_header(row)  # (its associated data binds the tags)
            self._tags_verified = version

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
            self._header_aad(
                doc_id,
                _blob(identity, f"document {doc_id}'s identity"),
                _blob(kind_tag, f"document {doc_id}'s kind tag"),
                None if person_tag is None else _blob(person_tag, f"document {doc_id}'s tag"),
                None if alias_tag is None else _blob(alias_tag, f"document {doc_id}'s tag"),
            ),
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
        return codec.unpad_body(plain, doc_id)

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
        if where:
            self.verify_tags()  # (the selection relies on them)
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
        meta = dict(header.get("meta") or {})
        meta.setdefault("imported_at", header["imported_at"])
        return Document(
            data=self._open_body(row[0], header["kind"], row[6]),
            kind=header["kind"],
            source=header["source"],
            person=header["person"],
            fetched_at=datetime.fromisoformat(header["fetched_at"]),
            original_name=header["original_name"],
            meta=meta,
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

    def generation(self) -> tuple[int, int]:
        """Changes whenever a document is stored or deleted, through any connection (the last
        id handed out, the number of documents): what a cache of derived data checks."""
        with self._lock:
            row = self.conn.execute(
                "SELECT (SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence "
                "WHERE name = 'documents'), (SELECT COUNT(*) FROM documents)"
            ).fetchone()
        return int(row[0]), int(row[1])

    # ------------------------------------------------------------------ frame extracts
    def _extract_row(self, doc_id: int, frame: str, raw: bytes) -> tuple[int, bytes, bytes]:
        """An extracts row: ``raw`` (an encoded extract) padded, encrypted and bound to its
        document and frame."""
        sealed = self._keys.documents.seal(
            raw + b" " * (codec.bucket(len(raw)) - len(raw)),  # padded like document bodies
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
        plain += bytes(codec.bucket(len(plain)) - len(plain))
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

    def _extracts_from_packs(self, name: str, wanted: set[int]) -> list[tuple[int, bytes]] | None:
        """The encoded extracts of the documents ``wanted`` found in packs, or None when some
        are not there (or in a pack this mynalib cannot read). Only packs holding one of them
        are read."""
        frame_tag = self._keys.tag("frame", name)
        conn = self.conn
        items: list[tuple[int, bytes]] = []
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
                    items.append((doc_id, raw))
                    left.discard(doc_id)
        return None if left else items

    def _open_extract(self, doc_id: int, frame: str, body: bytes) -> bytes:
        """A stored extract's encoding (padded), decrypted."""
        return self._keys.documents.open(
            body, crypto.aad("extracts", doc_id, frame), what=f"the {frame} extract of {doc_id}"
        )

    def frame_extracts(
        self,
        frame: str,
        kinds: Collection[str],
        person: str | None,
        *,
        keeping: Collection[str],
        decode: Callable[[bytes], T | None],
    ) -> list[tuple[int, T]] | None:
        """The extracts stored for ``frame`` of every document of ``kinds`` (of ``person`` and
        of nobody known, or all), each decoded by ``decode`` as it is read, all in one read of
        one state of the vault; the documents' own extract rows first, then those in packs.

        None as soon as one of these documents is of a kind not in ``keeping`` (kinds whose
        imports keep extracts for ``frame``), has no extract, or has one that ``decode`` cannot
        read (None): the caller then reads the documents themselves."""
        if not kinds:
            return []
        own = {self._kind_tag(k) for k in keeping}
        where, params = self._where(kinds, person, include_unknown_person=True)
        sql = (
            "SELECT d.id, d.kind_tag, e.body FROM documents AS d "  # noqa: S608
            "LEFT JOIN extracts AS e ON e.doc_id = d.id AND e.frame_tag = ? WHERE " + where
        )
        frame_tag = self._keys.tag("frame", frame)
        items: list[tuple[int, T]] = []
        in_packs: set[int] = set()  # documents without an extract row of their own
        with self._lock, self._snapshot():
            self.verify_tags()  # (the selection relies on them)
            cursor = self.conn.execute(sql, [frame_tag, *params])
            while chunk := cursor.fetchmany(512):
                for doc_id, kind_tag, body in chunk:
                    if kind_tag not in own:
                        return None
                    if body is None:
                        in_packs.add(int(doc_id))
                        continue
                    value = decode(self._open_extract(int(doc_id), frame, body))
                    if value is None:
                        return None
                    items.append((int(doc_id), value))
            if in_packs:
                packed = self._extracts_from_packs(frame, in_packs)
                if packed is None:
                    return None
                for doc_id, raw in packed:
                    value = decode(raw)
                    if value is None:
                        return None
                    items.append((doc_id, value))
        return items

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
        """Record an action (no personal data in ``detail``): what, when, by which command
        (``command``, else :data:`mynalib.log.current_command`, else ``python``)."""
        with self._lock, self._tx():
            self._audit(action, detail, command)

    def _chain_start(self) -> bytes:
        return crypto.keyed_hash(self._keys.audit, b"audit-start\x00", self.vault_id.encode())

    def _audit(self, action: str, detail: str, command: str | None) -> None:
        conn = self.conn
        entry_id = self._next_id("audit")
        row = conn.execute("SELECT chain FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        previous = _blob(row[0], "the audit chain") if row else self._chain_start()
        plain = codec.dumps(
            {
                "at": utcnow().isoformat(timespec="milliseconds"),
                "action": action,
                "detail": detail,
                "command": command_name(command),
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
            if not isinstance(entry_id, int) or entry_id < 0:
                raise VaultCorrupt("an audit entry has no valid id", hint=RESTORE_HINT)
            blob = _blob(blob, f"audit entry {entry_id}")
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
        size = sum(p.stat().st_size for p in files.vault_files(self.path) if p.exists())
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
        files.destroy(self.directory, self.path)


# ------------------------------------------------------------------------------------ helpers
def _packed_ids(ids: Sequence[int]) -> bytes:
    return b"".join(i.to_bytes(8, "little", signed=True) for i in ids)


def _unpacked_ids(raw: bytes) -> list[int]:
    return [int.from_bytes(raw[i : i + 8], "little", signed=True) for i in range(0, len(raw), 8)]


def _first(row: Sequence[Any]) -> Any:
    return row[0]
