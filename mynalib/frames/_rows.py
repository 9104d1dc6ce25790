"""Frame-builder plumbing shared by the frames that hold one row per parsed record.

Each such builder parses every document (not strict: a frame shows what can be read), turns each
record into a row, and returns the frame's empty schema when there are no rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document
    from ..sources import ParseResult
    from .schema import FrameSpec


def record_frame(
    spec: FrameSpec,
    documents: Sequence[Document],
    parse: Callable[..., ParseResult],
    columns: Callable[[Any], dict[str, Any]],
) -> pd.DataFrame:
    """One row per record that ``parse(doc.data, strict=False)`` returns, for each document.

    A row is ``person`` (the record's, else the document's), then ``columns(record)``, then
    ``source_id`` (the document's vault id). No rows: the empty frame of ``spec``.
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for doc in documents:
        result = parse(doc.data, strict=False)
        for rec in result.records:
            rows.append({"person": rec.person or doc.person, **columns(rec), "source_id": doc.id})
    if not rows:
        return spec.empty()
    return pd.DataFrame(rows)
