"""What a frame is: its schema (column → dtype), its builders and its vault extract.

Every frame module of :mod:`mynalib.frames` defines one :class:`Frame` from these; nothing here
imports pandas before a frame is actually made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

MONEY = "Int64"
INT = "Int64"
TEXT = "string"
DATE = "datetime64[ns]"
MONTH = "period[M]"
BOOL = "boolean"


@dataclass(frozen=True)
class FrameSpec:
    name: str
    columns: dict[str, str]
    #: which column the ``year=`` filter looks at (None: the frame cannot be filtered by year)
    year_column: str | None = None
    #: which column the ``person=`` filter looks at
    person_column: str | None = "person"
    description: str = ""
    #: columns holding personal numbers (被保険者番号, 記号・番号, 口座番号) → how many of their
    #: last characters stay visible when the frame is shown masked (:meth:`masked`)
    secret: dict[str, int] = field(default_factory=dict)

    def masked(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with the personal numbers masked (:func:`mask_number`); ``df`` itself when
        the frame has none (a copy otherwise)."""
        present = [c for c in self.secret if c in df.columns]
        if not present:
            return df
        out = df.copy()
        for col in present:
            keep = self.secret[col]
            out[col] = out[col].map(lambda v, keep=keep: mask_number(v, keep), na_action="ignore")
            out[col] = out[col].astype(self.columns.get(col, TEXT))
        return out

    def empty(self) -> pd.DataFrame:
        """The frame with no rows (every column of its dtype)."""
        import pandas as pd

        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in self.columns.items()})

    def conform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Order and cast ``df`` to this schema (missing columns are added empty)."""
        import pandas as pd

        out = {}
        for col, dtype in self.columns.items():
            series = df[col] if col in df.columns else pd.Series([None] * len(df), index=df.index)
            if dtype == DATE:
                series = pd.to_datetime(series).astype(DATE)
            elif dtype == MONTH:
                if not isinstance(series.dtype, pd.PeriodDtype):
                    series = pd.PeriodIndex(series, freq="M").to_series(index=df.index)
            elif dtype != "object" and str(series.dtype) != dtype:
                series = series.astype(dtype)
            out[col] = series
        return pd.DataFrame(out).reset_index(drop=True)


#: characters that are already a mask (the portal's, or ours)
MASK_CHARACTERS = frozenset("*＊●○×XＸ")


def mask_number(value: object, keep: int = 0) -> object:
    """``"0000123456"`` → ``"******3456"`` (``keep=4``): every letter or digit but the last
    ``keep`` becomes ``*``; separators (``-``, spaces) and characters already masked stay. Only
    letters and digits count toward ``keep``. None (or NA) stays as it is."""
    if value is None or not isinstance(value, str):
        return value
    chars = list(value)
    kept = 0
    for i in range(len(chars) - 1, -1, -1):
        ch = chars[i]
        if ch in MASK_CHARACTERS or not ch.isalnum():
            continue
        if kept < keep:
            kept += 1
            continue
        chars[i] = "*"
    return "".join(chars)


#: builder(documents of the kinds it reads) -> the frame's rows from them
Builder = Callable[[Sequence["Document"]], "pd.DataFrame"]


@dataclass(frozen=True)
class Extract:
    """A compact, columnar form of one builder's rows, kept per document at import time.

    ``extract(doc, result)`` turns a document and its parse result into JSON-able columns (or
    None); ``assemble([(doc_id, columns), ...])`` turns the stored columns of every document of
    ``kinds`` into exactly the part ``builder`` would have built from the documents. The vault
    stores extracts (encrypted like everything else) and uses them when it can, so a frame needs
    neither the documents' bytes nor a parse.
    """

    frame: str
    kinds: tuple[str, ...]
    builder: Builder
    extract: Callable[[Document, Any], dict[str, Any] | None]
    assemble: Callable[[list[tuple[int | None, dict[str, Any]]]], pd.DataFrame]


@dataclass(frozen=True)
class Frame:
    """One frame: its schema, its builders (each with the document kinds it reads; their parts
    are put together in this order) and the extract the vault keeps for one of them, if any."""

    spec: FrameSpec
    builders: tuple[tuple[tuple[str, ...], Builder], ...]
    extract: Extract | None = None
