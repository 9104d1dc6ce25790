"""The cyclic garbage collector paused during bulk work (large imports, large frames)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the block runs (when ``pause`` is true).

    Parsing thousands of files creates millions of small objects that live on (reports, parse
    memo); the collector's repeated full passes over them cost about as much as the import itself.
    Reference counting still frees everything that is not in a cycle; the collector is re-enabled
    afterwards (if it was on).
    """
    was_enabled = gc.isenabled()
    if pause and was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()
