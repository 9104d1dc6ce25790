"""The frame reader behind :meth:`mynalib.vault.Vault.frame`.

A frame is assembled from the extracts the imports stored (:meth:`.store.Store.frame_extracts`:
no document is decrypted or parsed), or, when some document of the frame has none, built by
parsing the stored documents (:func:`mynalib.frames.build`). Built frames are cached per vault
state (any document stored or deleted, through any connection, invalidates them); each read is
written to the audit log, identical reads once per :data:`FRAME_AUDIT_WINDOW`.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, cast

from . import _gc, codec
from .store import Store, command_name

if TYPE_CHECKING:
    import pandas as pd

#: identical frame reads (same frame, filters, rows, command) are audited once per this many s
FRAME_AUDIT_WINDOW = 60.0
#: frames of more documents than this are built (parsed) with the cyclic GC paused
GC_PAUSE_FROM = 500
#: frames kept built per vault (frame name and person); the oldest goes first
CACHE_FRAMES = 16


class FrameReader:
    """The frames of one open vault: its cache and its audit window (safe across threads;
    dashboards read frames from several)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: (frame, person) -> (the vault's generation when built, the frame)
        self.cache: dict[tuple[str, str | None], tuple[tuple[int, int], pd.DataFrame]] = {}
        self._reads: dict[tuple[str, str], float] = {}  # last audit of an identical read

    def clear(self) -> None:
        with self._lock:
            self.cache.clear()

    def frame(
        self, store: Store, name: str, *, year: int | None = None, person: str | None = None
    ) -> pd.DataFrame:
        """The frame ``name`` built from the documents in ``store``, then filtered (a copy the
        caller may change)."""
        from .. import frames

        if name not in frames.SCHEMAS:
            raise KeyError(f"unknown frame {name!r}; frames: {', '.join(sorted(frames.SCHEMAS))}")
        generation = store.generation()
        key = (name, person)
        with self._lock:
            cached = self.cache.get(key)
        if cached is not None and cached[0] == generation:
            df = cached[1]
        else:
            with _gc.paused(True):
                built = frame_from_extracts(store, name, person)
            if built is not None:
                df = built
            else:
                kinds = frames.kinds_for(name)
                docs = store.documents(kinds, person, _include_unknown_person=True) if kinds else []
                with _gc.paused(len(docs) > GC_PAUSE_FROM):
                    df = frames.build(name, docs, person=person)
            with self._lock:
                if key not in self.cache and len(self.cache) >= CACHE_FRAMES:
                    self.cache.pop(next(iter(self.cache)))
                self.cache[key] = (generation, df)
        out = frames.filter_frame(name, df, year=year) if year is not None else df.copy()
        detail = name + (f" year={year}" if year is not None else "")
        detail += " person=<filtered>" if person is not None else ""
        detail += f" rows={len(out)}"
        # dashboards re-read the same frame on every widget change: one entry per identical
        # read (same frame, filters, result size and command) per FRAME_AUDIT_WINDOW seconds
        seen = (detail, command_name())
        now = time.monotonic()
        with self._lock:
            last = self._reads.get(seen)
            due = last is None or now - last >= FRAME_AUDIT_WINDOW
            if due:
                self._reads[seen] = now
        if due:
            store.audit("frame", detail)
        return out


def frame_from_extracts(store: Store, name: str, person: str | None) -> pd.DataFrame | None:
    """The frame built from stored extracts, or None when some document has none (or the
    frame reads kinds that keep none): then the documents are read and parsed."""
    from .. import frames

    extract = frames.extract_for(name)
    if extract is None:
        return None
    # one pass over every document that feeds the frame: a kind without extracts, or a
    # document without one, and the documents are read instead
    items = store.frame_extracts(
        name,
        sorted(frames.kinds_for(name) | set(extract.kinds)),
        person,
        keeping=extract.kinds,
        decode=codec.decode_extract,
    )
    if not items:
        return None
    part = extract.assemble(cast("list[tuple[int | None, dict[str, Any]]]", items))
    return frames.build(name, [], person=person, parts_built={extract.builder: part})
