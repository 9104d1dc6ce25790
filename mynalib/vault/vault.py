"""The :class:`Vault`: the encrypted store with the import pipeline and the frame reader on top."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import importer
from .importer import ImportReport, ProgressCallback
from .reader import FrameReader
from .store import Store

if TYPE_CHECKING:
    import pandas as pd


class Vault(Store):
    """An open, unlocked vault. Use :func:`open_vault` to get one; close it (or use ``with``).

    The documents, secrets, state and audit log are the store's (:class:`.store.Store`);
    imports run through :mod:`.importer`, frames through :mod:`.reader`."""

    def __init__(
        self,
        directory: Path,
        db_path: Path,
        conn: sqlite3.Connection,
        data_key: bytes,
        vault_id: str,
        protection: str,
    ):
        super().__init__(directory, db_path, conn, data_key, vault_id, protection)
        self._reader = FrameReader()

    def close(self) -> None:
        super().close()
        self._reader.clear()

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
        return importer.import_bytes(
            self, data, name=name, person=person, source=source, fetched_at=fetched_at
        )

    def import_file(
        self, path: str | os.PathLike[str], *, person: str | None = None
    ) -> ImportReport:
        """Import one file (see :meth:`import_bytes`)."""
        return importer.import_file(self, path, person=person)

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
        for an import of at least :data:`.importer.PARALLEL_FROM` files on a machine with more
        than one CPU; ``1``: everything in this process; ``n > 1``: ``n`` processes whatever the
        number of files). Workers get file paths and return each file's report, the document
        made ready for storing (header and body encoded, nothing encrypted) and its frame
        extracts; every step that needs a key (identity, encryption, SQLite writes, the audit
        entry) stays in this process, in the same order and batches, so the result is the same.
        Kinds or extracts registered at run time (outside mynalib) are unknown to a fresh
        worker process: then the import runs in this process.
        """
        return importer.import_files(
            self,
            paths,
            person=person,
            progress=progress,
            batch=batch,
            batch_seconds=batch_seconds,
            on_commit=on_commit,
            workers=workers,
        )

    # ------------------------------------------------------------------ frames
    def frame(
        self,
        name: str,
        *,
        year: int | None = None,
        person: str | None = None,
        reveal: bool = False,
    ) -> pd.DataFrame:
        """The frame ``name`` (one of :data:`mynalib.frames.SCHEMAS`) built from the stored
        documents, then filtered by ``year`` and ``person`` (a copy: change it freely).
        ``person`` matches whatever its spaces and width (:meth:`person_named`). Personal
        numbers (被保険者番号, 記号・番号, 口座番号: the frame's ``secret`` columns) come masked
        unless ``reveal`` asks for them as stored."""
        from .. import frames

        if person is not None:
            person = self.person_named(person)
        df = self._reader.frame(self, name, year=year, person=person)
        return df if reveal else frames.masked(name, df)

    def person_named(self, person: str) -> str:
        """The name the vault files ``person`` under: ``person`` itself when documents carry
        it, else the stored name it matches whatever its spaces and width (``見本 太郎`` →
        ``見本　太郎``, :func:`mynalib.jp.names.name_key`); unchanged when none does."""
        if self._select("id, kind_tag", None, person):
            return person
        from ..jp.names import name_key

        key = name_key(person)
        for info in self.catalogue():
            for name in (info.person, info.meta.get("person_alias")):
                if name and name_key(str(name)) == key:
                    return str(name)
        return person
