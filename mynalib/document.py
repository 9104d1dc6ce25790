"""The Document: raw bytes plus provenance. Everything enters the vault as one (ARCHITECTURE.md, "The flow of a file")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

Source = Literal["card", "portal", "file", "sample"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Document:
    """One document exactly as received.

    ``kind`` is a parser name (``iryohi_csv``, ``kojo_xml``, ``kenshin_cda``, ``nenkin_csv``,
    ``portal_*``); ``person`` the 氏名 as on the source when known; ``id`` the vault row id once
    stored (frames call it ``source_id``).
    """

    data: bytes
    kind: str
    source: Source = "file"
    person: str | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    original_name: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def __repr__(self) -> str:  # never dump the payload (it is personal data)
        return (
            f"Document(id={self.id}, kind={self.kind!r}, source={self.source!r}, "
            f"person={'<set>' if self.person else None}, bytes={len(self.data)}, "
            f"name={self.original_name!r})"
        )
