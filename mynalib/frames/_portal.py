"""The rules shared by the frames the portal's answers feed (:mod:`mynalib.sources.portal_json`).

* Each わたしの情報 answer is a full snapshot of that item for that person, so a frame reads only
  the newest document per (kind, person): fetching again after new data never double counts.
* The same facts may also come from files the user imported (医療費通知 CSV, 特定健診 XML, the
  pension template). The imported file wins where both cover the same ground, so nothing is
  counted twice: a frame's portal builder also receives those kinds, only to learn what they
  cover (:func:`covered_by_files`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .. import sources
from ..sources import portal_json

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

Record = dict[str, Any]


def order(doc: Document) -> tuple[datetime, int]:
    """The order documents were stored in (``fetched_at``, then the vault's id)."""
    return (doc.fetched_at, doc.id or 0)


_order = order


def latest_per_person(docs: Sequence[Document]) -> list[Document]:
    """The newest document per (kind, person): わたしの情報 answers are full snapshots."""
    best: dict[tuple[str, str | None], Document] = {}
    for doc in docs:
        key = (doc.kind, doc.person)
        if key not in best or _order(doc) > _order(best[key]):
            best[key] = doc
    return sorted(best.values(), key=_order)


def _rows_of(doc: Document) -> tuple[list[Record], dict[str, Any] | None]:
    result = portal_json.parse(doc.kind, doc.data)
    rows = []
    for rec in result.records:
        rec = {k: v for k, v in rec.items() if k != "extra"}
        rec["source_id"] = doc.id
        if rec.get("person") is None and "person" in rec:
            rec["person"] = doc.person
        rows.append(rec)
    return rows, result.meta.get("condition")


def covers(condition: dict[str, Any], row: Record) -> bool:
    """Whether an answer asked with ``condition`` (条件を変更して取得) speaks for ``row``: the
    row's ``year`` is the condition's, or its ``month``/``date`` lies in ``from``–``to``."""
    if "year" in condition:
        return row.get("year") == condition["year"]
    when = row.get("month") or row.get("date")
    if when is None:
        return False
    month = when if isinstance(when, str) else f"{when.year:04d}-{when.month:02d}"
    month = month[:7]
    start, end = condition.get("from"), condition.get("to")
    return (start is None or month >= start) and (end is None or month <= end)


def portal_rows(docs: Sequence[Document], *, snapshot: bool = True) -> list[Record]:
    """The records of ``docs`` as rows (``extra`` dropped, ``source_id`` added, a missing
    person taken from the document), oldest document first; ``snapshot``: per (kind, person)
    only the newest whole answer, with the answers asked later for a year or a period
    (条件を変更して取得) laid over it — each replaces the rows it covers (:func:`covers`), so
    the newest answer per year or month wins and asking for the same year twice changes
    nothing."""
    if not snapshot:
        rows = []
        for doc in sorted(docs, key=_order):
            rows += _rows_of(doc)[0]
        return rows
    groups: dict[tuple[str, str | None], list[Document]] = {}
    for doc in docs:
        groups.setdefault((doc.kind, doc.person), []).append(doc)
    layered: list[tuple[tuple[datetime, int], list[Record]]] = []
    for group in groups.values():
        answers = []  # newest first, back to the newest whole answer
        for doc in sorted(group, key=_order, reverse=True):
            rows, condition = _rows_of(doc)
            answers.append((rows, condition))
            if not condition:
                break
        merged: list[Record] = []
        for rows, condition in reversed(answers):
            if condition:
                merged = [r for r in merged if not covers(condition, r)]
                merged += rows
            else:
                merged = list(rows)
        layered.append((max(_order(d) for d in group), merged))
    return [row for _, rows in sorted(layered, key=lambda x: x[0]) for row in rows]


def without_source_id(rows: Iterable[Record]) -> list[Record]:
    """Rows for a frame without a ``source_id`` column (merged from several documents)."""
    return [{k: v for k, v in r.items() if k != "source_id"} for r in rows]


def frame_of(rows: list[Record]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows)


def covered_by_files(
    docs: Sequence[Document],
    kind: str,
    ground: Callable[[str | None, dict[str, Any]], Iterable[tuple[Any, ...]]],
) -> tuple[set[tuple[Any, ...]], list[Document]]:
    """(what the imported files of ``kind`` cover, the portal documents of ``docs``).

    ``ground(person, meta)`` names what one file covers, from its parse result's ``meta``. With
    no portal document there is nothing to de-duplicate, and the files are not parsed again."""
    covered: set[tuple[Any, ...]] = set()
    portal = [d for d in docs if d.kind.startswith("portal_")]
    if not portal:
        return covered, portal
    for doc in docs:
        if doc.kind != kind:
            continue
        try:
            meta = sources.parse(kind, doc.data).meta
        except Exception:  # noqa: S112 - a broken file covers nothing; its own builder reports it
            continue
        covered.update(ground(meta.get("person") or doc.person, meta))
    return covered, portal
