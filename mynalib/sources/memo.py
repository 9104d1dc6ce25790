"""A bounded, per-process memo for pure parsers: the same bytes are parsed once.

An import parses each file to validate it and report on it; building a frame parses the same bytes
again (frame builders only get Documents), and dashboards rebuild frames for every filter. Parsers
are pure functions of ``(bytes, strict)``, so their results can be shared. The memo is keyed by a
SHA-256 digest of the bytes (hardware-accelerated on most CPUs: faster than BLAKE2b here), bounded
by the total size of the memoised inputs (least recently used entries go first), and hands out
copies of the result's lists and meta dict (records are frozen dataclasses). Errors are never
memoised. Calls with extra keyword arguments bypass the memo.

It holds parsed personal data in this process's memory only, like the frames built from it;
:func:`clear` empties every memo (``mynalib.sources.memo.clear()``).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .records import ParseResult

#: total size of the inputs whose results are kept, per memoised parser
MAX_BYTES = 96 * 1024 * 1024

_MEMOS: list[_Memo] = []


class _Memo:
    def __init__(self, fn: Callable[..., ParseResult], max_bytes: int):
        self.fn = fn
        self.max_bytes = max_bytes
        self.entries: OrderedDict[tuple[bytes, bool], tuple[int, ParseResult]] = OrderedDict()
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0

    def __call__(self, data: bytes, *, strict: bool = False, **kwargs: Any) -> ParseResult:
        if kwargs or not isinstance(data, (bytes, bytearray)):
            return self.fn(data, strict=strict, **kwargs)
        key = (hashlib.sha256(data).digest(), bool(strict))
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
                self.hits += 1
        if hit is not None:
            return _copy(hit[1])
        result = self.fn(data, strict=strict)
        size = len(data)
        with self.lock:
            self.misses += 1
            if size <= self.max_bytes and key not in self.entries:
                self.entries[key] = (size, result)
                self.size += size
                while self.size > self.max_bytes:
                    _, (old, _r) = self.entries.popitem(last=False)
                    self.size -= old
        return _copy(result)


def _copy(result: ParseResult) -> ParseResult:
    return ParseResult(
        records=list(result.records),
        warnings=list(result.warnings),
        meta=dict(result.meta),
        columns=result.columns,  # tuples: shared, never changed
    )


def memoized(fn: Callable[..., ParseResult]) -> Callable[..., ParseResult]:
    """Decorate a pure ``parse(data, *, strict=False)`` so equal bytes are parsed once."""
    memo = _Memo(fn, MAX_BYTES)
    _MEMOS.append(memo)

    @functools.wraps(fn)
    def wrapper(data: bytes, *, strict: bool = False, **kwargs: Any) -> ParseResult:
        return memo(data, strict=strict, **kwargs)

    wrapper.memo = memo  # type: ignore[attr-defined]
    return wrapper


def clear() -> None:
    """Forget every memoised result (e.g. before measuring cold parses)."""
    for memo in _MEMOS:
        memo.clear()


def stats() -> dict[str, tuple[int, int, int]]:
    """Per parser: (hits, misses, bytes held)."""
    return {f"{m.fn.__module__}.{m.fn.__qualname__}": (m.hits, m.misses, m.size) for m in _MEMOS}
