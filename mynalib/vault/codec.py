"""How the vault encodes what it encrypts: document bodies, provenance headers, frame extracts.

Nothing here needs a key: these are the plaintexts the store seals (:mod:`.store`), and what an
import worker process (which holds no key) makes ready for it.

Body encoding: a codec byte, then

* ``0x03``: 8-byte big-endian length of the document, 8-byte length of its LZ4 block, the LZ4
  block, zero padding up to a size bucket (written today, when LZ4 makes the document smaller);
* ``0x02``: 8-byte big-endian length, the bytes, zero padding up to a size bucket (written today
  for documents LZ4 does not shrink);
* ``0x00``: the bytes (raw);  ``0x01``: zlib-compressed bytes (both read for compatibility).

Padding hides exact sizes: a file someone else also holds cannot be spotted by its length.
LZ4 (about 1 GB/s here) makes a 医療費 CSV a quarter of its size: the vault writes (SQLite's
WAL, then its checkpoint) cost less than the compression saves; zlib was slower than the writes.

Headers are JSON (orjson), padded with spaces to a multiple of 256 bytes. Frame extracts are
``b"m"`` + marshal format 4 of plain data (dict, list, bytes, str, int, float, bool, None).
"""

from __future__ import annotations

import json
import marshal
import zlib
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import lz4.block
import orjson

from ..document import Document, utcnow
from ..errors import VaultCorrupt

#: the largest input of one LZ4 block (LZ4_MAX_INPUT_SIZE); larger documents are stored as they are
LZ4_MAX = 0x7E000000
#: extract encoding: this byte, then marshal format 4 of plain data
EXTRACT_CODEC = b"m"


# ------------------------------------------------------------------------------------ sizes
def bucket(n: int) -> int:
    """Padded size: multiples of 512 bytes, or of 1/32 of the size for large documents."""
    unit = max(512, 1 << max(0, n.bit_length() - 5))
    return -(-n // unit) * unit


def pad_body(data: bytes) -> bytes:
    """A document's body encoding (see the module's docstring), padded to its size bucket."""
    size = len(data).to_bytes(8, "big")
    packed = lz4.block.compress(data, store_size=False) if 0 < len(data) <= LZ4_MAX else b""
    parts: tuple[bytes, ...]
    if 17 + len(packed) < 9 + len(data):
        parts = (b"\x03", size, len(packed).to_bytes(8, "big"), packed)
    else:
        parts = (b"\x02", size, data)
    used = sum(map(len, parts))
    return b"".join((*parts, bytes(bucket(used) - used)))


def unpad_body(plain: bytes, doc_id: int) -> bytes:
    """The document's bytes from its body encoding; VaultCorrupt when it is unknown or damaged."""
    codec = plain[:1]
    if codec == b"\x03" and len(plain) >= 17:
        size = int.from_bytes(plain[1:9], "big")
        packed = int.from_bytes(plain[9:17], "big")
        if 17 + packed <= len(plain) and size <= LZ4_MAX:
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


# ------------------------------------------------------------------------------------- JSON
def json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Path):
        return str(value)
    return str(value)


#: orjson writes what json.dumps(default=json_default) writes (dates and times ISO 8601,
#: tuples as lists, other objects through json_default) about three times faster; the
#: documents' headers are written once per stored document
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(value: Any) -> bytes:
    """``value`` as JSON (UTF-8)."""
    try:
        return orjson.dumps(value, default=json_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: the json module writes it
        return json.dumps(value, ensure_ascii=False, default=json_default).encode()


def pad_json(raw: bytes) -> bytes:
    """JSON with trailing spaces (still valid JSON) up to a multiple of 256 bytes."""
    return raw + b" " * (-len(raw) % 256)


# ------------------------------------------------------------------------ ready documents
class Ready(NamedTuple):
    """A document made ready for storing by :func:`ready`: everything that needs no key.

    The store adds what does (identity, lookup tags, encryption: ``Store._sealed_row``), so
    import worker processes, which hold no key, can do the rest."""

    data: bytes  # the document exactly as received
    kind: str
    person: str | None
    alias: str | None  # the name given on import, when the document names someone else
    header: bytes  # the provenance header: padded JSON, not yet encrypted
    body: bytes  # the body encoding (see pad_body), not yet encrypted

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
    return Ready(unpad_body(body, 0), kind, person, alias, header, body)


def ready(doc: Document, data: bytes | None = None) -> Ready:
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
        "imported_at": utcnow().isoformat(),
        "original_name": doc.original_name,
        "size": len(data),
        "meta": doc.meta,
    }
    return Ready(
        data,
        doc.kind,
        doc.person,
        str(alias) if alias else None,
        pad_json(dumps(header)),
        pad_body(data),
    )


# --------------------------------------------------------------------------------- extracts
def encode_extract(value: Any) -> bytes:
    """A frame extract (plain data) as the store keeps it."""
    return EXTRACT_CODEC + marshal.dumps(value, 4)


def decode_extract(plain: bytes) -> dict[str, Any] | None:
    """An encoded extract (codec byte, marshal), or None when this mynalib cannot read it."""
    if plain[:1] != EXTRACT_CODEC:
        return None
    # marshal (plain dicts, lists, text and numbers): about 4x faster than JSON both ways.
    # Only bytes this vault's key authenticated reach it (AES-GCM), so they are bytes mynalib
    # wrote; marshal is not meant for untrusted input, and gets none here.
    try:
        value = marshal.loads(plain[1:])  # noqa: S302 - padding after the object is ignored
    except (EOFError, ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None
