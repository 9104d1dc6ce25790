"""The canonical bytes of an application: what the card signs and the portal checks.

JSON canonicalisation in the manner of RFC 8785 (JCS): object keys sorted, no whitespace, UTF-8,
strings escaped only where JSON must (``"``, ``\\`` and control characters, with the short
escapes ``\\b \\f \\n \\r \\t`` and lower-case ``\\u00XX``), whole numbers only. For the values an
application holds — keys of ASCII letters, digits and ``_``; text, whole numbers of at most
2^53, true/false, null, lists and objects — Python's ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` writes exactly the RFC 8785 bytes; anything outside
that domain (floats, other keys, lone surrogates) is refused rather than guessed.

The signed object is (``mynalib/portal/PROTOCOL.md`` §9)::

    {"attachments": [{"contentType", "name", "sha256", "size", "slot"}, ...],
     "fields": {<name>: <value>, ...}, "format": "mynalib-application-1",
     "portal": "<origin of the portal>", "procedureId": "...", "submissionId": "..."}

Attachments are named by their SHA-256, never carried: the signature covers the files through
their hashes, in the order given.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

FORMAT = "mynalib-application-1"
_KEY = re.compile(r"[A-Za-z0-9_]{1,64}")
_MAX_INT = 2**53


def _check(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > _MAX_INT:
            raise ValueError(f"{where}: whole numbers must lie within ±2^53")
        return
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{where}: text with a lone surrogate") from None
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not _KEY.fullmatch(key):
                raise ValueError(f"{where}: key {key!r} is not ASCII letters, digits or _")
            _check(item, f"{where}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]")
        return
    raise ValueError(f"{where}: {type(value).__name__} has no canonical form (floats are refused)")


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of ``value`` (within the domain of the module docstring)."""
    _check(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def attachment_entry(
    slot: str, name: str, content: bytes, content_type: str
) -> dict[str, str | int]:
    """How an attachment appears in the signed object: named by its hash, not carried."""
    return {
        "slot": slot,
        "name": name,
        "contentType": content_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def signed_object(
    *,
    portal: str,
    procedure_id: str,
    submission_id: str,
    fields: Mapping[str, Any],
    attachments: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The object whose canonical bytes are signed (the attachments as :func:`attachment_entry`)."""
    return {
        "format": FORMAT,
        "portal": portal,
        "procedureId": procedure_id,
        "submissionId": submission_id,
        "fields": dict(fields),
        "attachments": [
            {k: a[k] for k in ("slot", "name", "contentType", "size", "sha256")}
            for a in attachments
        ],
    }


def signed_content(**parts: Any) -> bytes:
    """``canonical_json(signed_object(**parts))``: the bytes the card signs."""
    return canonical_json(signed_object(**parts))
