"""The ``medical_expenses`` frame: one row per 医療費通知 detail block (a claim).

Rows come from 医療費通知情報 CSVs (:mod:`mynalib.sources.iryohi_csv`) and from the portal's
医療費 answers (``portal_medical``). Merge rules:

* 医療費通知 CSVs: for each person and month the newest document (``fetched_at``, then vault id)
  whose period covers that month wins, so a changed re-export of the same period replaces the
  old one; blocks are never merged (several claims per month and provider stay apart).
* the portal: only the newest answer per person, and none of its months that a CSV of that
  person covers (a file beats the portal).

The vault keeps each CSV's rows as an extract (:func:`extract_medical_expenses`), so the frame
is assembled without a re-parse; layouts 1 and 2 of stored extracts are read.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from ..sources import iryohi_csv
from ..sources.iryohi_csv import month_ordinal
from . import _portal
from .schema import INT, MONEY, MONTH, TEXT, Extract, Frame, FrameSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document
    from ..sources import ParseResult

SPEC = FrameSpec(
    "medical_expenses",
    {
        "person": TEXT,
        "month": MONTH,
        "category": TEXT,
        "provider": TEXT,
        "provider_raw": TEXT,
        "days": INT,
        "total_cost": MONEY,
        "insurer_paid": MONEY,
        "public_paid": MONEY,
        "patient_share": MONEY,
        "insurer": TEXT,
        "source_id": INT,
    },
    "month",
    description="one row per 医療費通知 detail block (a claim)",
)


# ------------------------------------------------------------------- 医療費通知 CSVs (extract)
def _coverage(result: ParseResult) -> tuple[int, int] | None:
    period = result.meta.get("period")
    return (month_ordinal(period[0]), month_ordinal(period[1])) if period else None


#: the columns of one document's rows (months as period ordinals), as built and as stored
_COLUMNS = iryohi_csv.COLUMNS
_FRAME_FIELDS = attrgetter(*_COLUMNS)  # a record's values in _COLUMNS order
_STRING_COLUMNS = ("category", "provider", "provider_raw")
_INT_COLUMNS = ("days", "total_cost", "insurer_paid", "public_paid", "patient_share")
_TEXT_COLUMNS = (*_STRING_COLUMNS, "insurer")
_NUMBER_COLUMNS = ("month", *_INT_COLUMNS)


#: the extract layout written today: 2 = number columns packed (see extract_medical_expenses);
#: extracts without "v" (layout 1: number columns as lists) are still read
_LAYOUT = 2
_LITTLE = sys.byteorder == "little"


def _packed(values: Sequence[int], typecode: str) -> bytes:
    """Integers as little-endian machine integers (``typecode`` "i": 4 bytes, "q": 8 bytes)."""
    packed = array(typecode, values)
    if not _LITTLE:
        packed.byteswap()
    return packed.tobytes()


def _pack_numbers(
    columns: Mapping[str, Sequence[int | None]],
) -> tuple[dict[str, bytes], dict[str, bytes], int]:
    """The number columns packed: (name → bytes, name → NA mask for columns with a gap, width).

    Width 4 (int32) when every value fits, else 8 (int64). A missing value is stored as 0 with a
    1 in its column's mask."""
    masks: dict[str, bytes] = {}
    plain: list[Any] = []
    names = list(columns)
    for name in names:
        values = columns[name]
        if None in values:
            masks[name] = bytes(v is None for v in values)
            values = [0 if v is None else v for v in values]
        plain.extend(values)
    try:  # every column in one go, then cut apart
        packed, width = _packed(plain, "i"), 4
    except OverflowError:  # an amount beyond 2**31 yen: 8 bytes a value
        packed, width = _packed(plain, "q"), 8
    out: dict[str, bytes] = {}
    at = 0
    for name in names:
        size = len(columns[name]) * width
        out[name] = packed[at : at + size]
        at += size
    return out, masks, width


def _text_codes(codes: Sequence[int], count: int) -> tuple[bytes, int]:
    """Indexes into a table of ``count`` texts, packed: (bytes, width 1 or 4)."""
    return (bytes(codes), 1) if count <= 256 else (_packed(codes, "i"), 4)


def extract_medical_expenses(doc: Document, result: ParseResult) -> dict[str, Any]:
    """One document's rows, columnar (what :func:`assemble_medical_expenses` needs).

    Months are period ordinals; number columns (months, 日数 and the amounts) are packed
    little-endian integers (``width`` bytes each) with an NA mask per column that has gaps; the
    text columns are packed indexes (``tw`` bytes each) into ``strings`` (names repeat within a
    file). An extract is about a fifth of the file, and reading it back makes no Python object
    per row."""
    records = result.records
    out: dict[str, Any]
    if result.columns is not None and len(result.columns["month"]) == len(records):
        out = dict(result.columns)  # the exact-layout path's own columns (months as ordinals)
    else:
        columns: list[Any] = (
            list(zip(*map(_FRAME_FIELDS, records), strict=True))
            if records
            else [()] * len(_COLUMNS)
        )
        columns[0] = list(map(month_ordinal, columns[0]))
        out = dict(zip(_COLUMNS, columns, strict=True))
    strings = list(
        dict.fromkeys([*out["category"], *out["provider"], *out["provider_raw"], *out["insurer"]])
    )
    code = {text: i for i, text in enumerate(strings)}.__getitem__
    n = len(out["category"])
    every, tw = _text_codes(  # the four text columns in one go, then cut apart
        list(
            map(code, chain(out["category"], out["provider"], out["provider_raw"], out["insurer"]))
        ),
        len(strings),
    )
    for i, name in enumerate(_TEXT_COLUMNS):
        out[name] = every[i * n * tw : (i + 1) * n * tw]
    numbers, masks, width = _pack_numbers({name: out[name] for name in _NUMBER_COLUMNS})
    out.update(numbers)
    cover = _coverage(result)
    return {
        "v": _LAYOUT,
        "person": result.meta.get("person") or doc.person,
        "fetched_at": doc.fetched_at.timestamp() if doc.fetched_at else 0.0,
        "cover": list(cover) if cover is not None else None,
        "clean": not result.warnings,
        "n": len(records),
        "width": width,
        "na": masks,
        "strings": strings,
        "tw": tw,
        **out,
    }


def _as_layout_2(ex: dict[str, Any]) -> dict[str, Any]:
    """An extract written in layout 1 (number columns as lists, 日数 and text indexes as bytes
    or lists) in the layout of today."""
    numbers = {name: list(ex[name]) for name in _NUMBER_COLUMNS}
    packed, masks, width = _pack_numbers(numbers)
    out = {**ex, **packed, "v": _LAYOUT, "n": len(numbers["month"]), "width": width, "na": masks}
    tw = 1
    for name in _TEXT_COLUMNS:
        out[name], tw = _text_codes(list(ex[name]), len(ex["strings"]))
    out["tw"] = tw
    return out


def _rows_of(ex: dict[str, Any], keep: list[int]) -> dict[str, Any]:
    """An extract (layout 2) with only the rows ``keep``."""
    width = ex["width"]
    rows = dict(ex)
    for name in _NUMBER_COLUMNS:
        rows[name] = _packed(
            [int(v) for v in _unpack(ex[name], width)[keep]], "i" if width == 4 else "q"
        )
    rows["na"] = {name: bytes(mask[i] for i in keep) for name, mask in ex["na"].items()}
    for name in _TEXT_COLUMNS:
        codes = _unpack_codes(ex[name], ex["tw"])
        rows[name], _ = _text_codes([int(codes[i]) for i in keep], len(ex["strings"]))
    rows["n"] = len(keep)
    return rows


def _unpack(raw: bytes, width: int) -> Any:
    import numpy as np

    return np.frombuffer(raw, dtype="<i4" if width == 4 else "<i8").astype("int64")


def _unpack_codes(raw: bytes, tw: int) -> Any:
    import numpy as np

    return np.frombuffer(raw, dtype=np.uint8 if tw == 1 else "<i4").astype("int64")


def assemble_medical_expenses(items: list[tuple[int | None, dict[str, Any]]]) -> pd.DataFrame:
    """The medical_expenses rows of documents given as (vault id, extract) pairs.

    For each person and month the newest document (``fetched_at``, then vault id) whose period
    covers that month wins, so a changed re-export of the same period replaces the old one;
    blocks are never merged (several claims per month and provider stay apart). Rows come
    newest document first. The columns are put together with numpy, document by document
    only where they must be (which rows a document keeps)."""
    import numpy as np
    import pandas as pd

    items = sorted(items, key=lambda item: (item[1]["fetched_at"], item[0] or 0), reverse=True)
    # per person: the periods (month ordinals) newer documents cover, and their hull
    claimed: dict[str | None, list[tuple[int, int]]] = {}
    hull: dict[str | None, tuple[int, int]] = {}
    chosen: list[dict[str, Any]] = []  # the extracts taken (or the rows kept of them), in order
    persons: list[str | None] = []
    source_ids: list[int | None] = []
    lengths: list[int] = []
    for doc_id, ex in items:
        if ex.get("v") != _LAYOUT:
            ex = _as_layout_2(ex)
        person = ex["person"]
        taken = claimed.setdefault(person, [])
        n, cover = ex["n"], ex["cover"]
        keep: list[int] | None = None
        if taken and n:
            if cover is not None and ex["clean"]:
                lo, hi = cover  # a file without problems: every block lies in its period
                months = None
            else:
                months = _unpack(ex["month"], ex["width"]).tolist()
                lo, hi = min(months), max(months)
            first, last = hull[person]
            if first <= hi and lo <= last and any(a <= hi and lo <= b for a, b in taken):
                # some of its months are claimed by a newer document
                if months is None:
                    months = _unpack(ex["month"], ex["width"]).tolist()
                keep = [i for i, m in enumerate(months) if not any(a <= m <= b for a, b in taken)]
        if keep is not None:
            ex = _rows_of(ex, keep)
            n = len(keep)
        if n:
            chosen.append(ex)
            persons.append(person)
            source_ids.append(doc_id)
            lengths.append(n)
        if cover is not None:
            taken.append((cover[0], cover[1]))
            first, last = hull.get(person, (cover[0], cover[1]))
            hull[person] = (min(first, cover[0]), max(last, cover[1]))
    if not chosen:
        return SPEC.empty()
    counts = np.asarray(lengths, dtype=np.int64)
    total = int(counts.sum())
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))

    def numbers_of(name: str) -> Any:
        widths = {ex["width"] for ex in chosen}
        if len(widths) == 1:
            return _unpack(b"".join([ex[name] for ex in chosen]), widths.pop())
        # documents of both widths (an amount beyond 2**31 yen somewhere)
        return np.concatenate([_unpack(ex[name], ex["width"]) for ex in chosen])

    gapped = [(at, ex["na"]) for at, ex in zip(starts.tolist(), chosen, strict=True) if ex["na"]]

    def mask(name: str) -> Any:
        na = np.zeros(total, dtype=bool)
        for at, masks in gapped:
            gap = masks.get(name)
            if gap:
                na[at : at + len(gap)] = np.frombuffer(gap, dtype=np.uint8).astype(bool)
        return na

    # texts: every document's table one after the other; its indexes shifted by where its
    # table starts
    tables = [ex["strings"] for ex in chosen]
    offsets = np.concatenate(([0], np.cumsum([len(t) for t in tables])[:-1]))
    every_text = np.empty(int(offsets[-1]) + len(tables[-1]), dtype=object)
    every_text[:] = list(chain.from_iterable(tables))
    shift = np.repeat(offsets, counts)
    tws = {ex["tw"] for ex in chosen}

    def texts_of(name: str) -> Any:
        if tws == {1}:
            codes = np.frombuffer(b"".join([ex[name] for ex in chosen]), dtype=np.uint8)
        else:
            codes = np.concatenate([_unpack_codes(ex[name], ex["tw"]) for ex in chosen])
        return pd.array(every_text[codes.astype(np.int64) + shift], dtype="string")

    who = np.empty(len(persons), dtype=object)
    who[:] = persons
    cols: dict[str, Any] = {"person": pd.array(np.repeat(who, counts), dtype="string")}
    for name in _STRING_COLUMNS:
        cols[name] = texts_of(name)
    for name in _INT_COLUMNS:
        cols[name] = pd.arrays.IntegerArray(numbers_of(name), mask(name))
    cols["insurer"] = texts_of("insurer")
    ids = np.asarray([-1 if i is None else i for i in source_ids], dtype=np.int64)
    cols["source_id"] = pd.arrays.IntegerArray(
        np.repeat(ids, counts), np.repeat(np.asarray([i is None for i in source_ids]), counts)
    )
    month = pd.arrays.PeriodArray(numbers_of("month"), dtype="period[M]")
    df = pd.DataFrame(cols)
    df.insert(1, "month", month)
    return df


def build_medical_expenses(documents: Sequence[Document]) -> pd.DataFrame:
    """One row per detail block of the 医療費通知 CSVs (see :func:`assemble_medical_expenses`)."""
    return assemble_medical_expenses(
        [
            (doc.id, extract_medical_expenses(doc, iryohi_csv.parse(doc.data, strict=False)))
            for doc in documents
        ]
    )


# ------------------------------------------------------------------------------ the portal
def _months(person: str | None, meta: dict[str, Any]) -> Iterator[tuple[str | None, str]]:
    """What a 医療費通知 CSV covers: (person, "YYYY-MM") for every month of its period."""
    if not meta.get("period"):
        return
    start, end = meta["period"]
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield (person, f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def build_from_portal(docs: Sequence[Document]) -> pd.DataFrame:
    """The portal's 医療費 rows (newest answer per person), except the months a 医療費通知 CSV
    of that person covers: the imported file wins."""
    covered, portal = _portal.covered_by_files(docs, iryohi_csv.KIND, _months)
    rows = _portal.portal_rows(portal)
    return _portal.frame_of([r for r in rows if (r["person"], r["month"]) not in covered])


EXTRACT = Extract(
    SPEC.name,
    (iryohi_csv.KIND,),
    build_medical_expenses,
    extract_medical_expenses,
    assemble_medical_expenses,
)

FRAME = Frame(
    SPEC,
    (
        ((iryohi_csv.KIND,), build_medical_expenses),
        (("portal_medical", iryohi_csv.KIND), build_from_portal),
    ),
    EXTRACT,
)
