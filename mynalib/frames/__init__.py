"""Records → pandas DataFrames with stable, documented columns.

One module per frame (``mynalib/frames/<frame>.py``) holds that frame's schema, its builders (the
document kinds each reads, and how documents merge: the newest export wins, a file beats the
portal), and the extract the vault keeps for it; :mod:`.schema` says what a frame is. This package
imports them explicitly and puts them in one table. Frames read records from
:mod:`mynalib.sources`; the parsers never import frames. Notebooks, dashboards, tax and export
code only ever see these frames. Money is ``Int64`` yen, dates are ``datetime64[ns]``, months
``period[M]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..jp.names import name_key
from . import (
    applications,
    bank_account,
    care_insurance,
    checkups,
    child_allowance,
    deductions,
    dispensings,
    employment_insurance,
    history,
    household_members,
    income,
    insurance_cards,
    medical_expenses,
    myinfo_answers,
    notices,
    pension_periods,
    procedures,
    vaccinations,
)
from .deductions import DEDUCTION_CATEGORIES
from .schema import (
    BOOL,
    DATE,
    INT,
    MONEY,
    MONTH,
    TEXT,
    Builder,
    Extract,
    Frame,
    FrameSpec,
    mask_number,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..document import Document

#: every frame, in this order
FRAMES: tuple[Frame, ...] = (
    medical_expenses.FRAME,
    dispensings.FRAME,
    checkups.FRAME,
    pension_periods.FRAME,
    deductions.FRAME,
    notices.FRAME,
    history.FRAME,
    procedures.FRAME,
    applications.FRAME,
    income.FRAME,
    household_members.FRAME,
    child_allowance.FRAME,
    care_insurance.FRAME,
    employment_insurance.FRAME,
    insurance_cards.FRAME,
    vaccinations.FRAME,
    bank_account.FRAME,
    myinfo_answers.FRAME,
)

SCHEMAS: dict[str, FrameSpec] = {frame.spec.name: frame.spec for frame in FRAMES}

#: frame name → (document kinds it reads, builder(documents) -> DataFrame), the built-in ones
#: first, then any :func:`register` adds
_BUILDERS: dict[str, list[tuple[tuple[str, ...], Builder]]] = {
    frame.spec.name: list(frame.builders) for frame in FRAMES
}
_EXTRACTS: dict[str, Extract] = {
    frame.spec.name: frame.extract for frame in FRAMES if frame.extract is not None
}


def register(frame: str, kinds: Iterable[str]) -> Callable[[Builder], Builder]:
    """Register another builder that turns documents of ``kinds`` into rows of ``frame``."""
    if frame not in SCHEMAS:
        raise KeyError(f"unknown frame {frame!r}")

    def deco(fn: Builder) -> Builder:
        _BUILDERS.setdefault(frame, []).append((tuple(kinds), fn))
        return fn

    return deco


def register_extract(extract: Extract) -> None:
    """Register the extract of ``extract.builder`` (one per frame; replaces the frame's own)."""
    if extract.frame not in SCHEMAS:
        raise KeyError(f"unknown frame {extract.frame!r}")
    _EXTRACTS[extract.frame] = extract


def extract_for(frame: str) -> Extract | None:
    """The frame's extract, if it has one."""
    return _EXTRACTS.get(frame)


def extracts_for_kind(kind: str) -> list[Extract]:
    """Extracts kept for documents of ``kind``."""
    return [e for e in _EXTRACTS.values() if kind in e.kinds]


def kinds_for(frame: str) -> set[str]:
    """Document kinds that feed ``frame``."""
    return {k for kinds, _ in _BUILDERS.get(frame, []) for k in kinds}


def empty(frame: str) -> pd.DataFrame:
    """``frame`` with no rows."""
    return SCHEMAS[frame].empty()


def conform(frame: str, df: pd.DataFrame) -> pd.DataFrame:
    """Order and cast ``df`` to the frame's schema (missing columns are added empty)."""
    return SCHEMAS[frame].conform(df)


def build(
    frame: str,
    documents: Iterable[Document],
    *,
    year: int | None = None,
    person: str | None = None,
    parts_built: Mapping[Builder, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Build ``frame`` from documents (each builder picks the kinds it reads), then filter.

    ``parts_built`` holds parts already built for some builders (from stored extracts): they take
    those builders' places, in the same order."""
    import pandas as pd

    if frame not in SCHEMAS:
        raise KeyError(f"unknown frame {frame!r}; frames: {', '.join(sorted(SCHEMAS))}")
    spec = SCHEMAS[frame]
    docs = list(documents)
    parts = []
    for kinds, fn in _BUILDERS.get(frame, []):
        if parts_built is not None and fn in parts_built:
            parts.append(spec.conform(parts_built[fn]))
            continue
        selected = [d for d in docs if d.kind in kinds]
        if selected:
            parts.append(spec.conform(fn(selected)))
    if len(parts) == 1:
        df = parts[0]  # a new frame, indexed 0..n-1 by conform
    else:
        df = pd.concat(parts, ignore_index=True) if parts else spec.empty()
    if year is None and person is None:
        return df
    return filter_frame(frame, df, year=year, person=person)


def masked(frame: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (a ``frame``) with its personal numbers masked (:attr:`FrameSpec.secret`): how every
    output shows it unless the user asks for the numbers."""
    return SCHEMAS[frame].masked(df)


def filter_frame(
    frame: str, df: pd.DataFrame, *, year: int | None = None, person: str | None = None
) -> pd.DataFrame:
    spec = SCHEMAS[frame]
    if year is not None:
        if spec.year_column is None:
            raise ValueError(f"frame {frame!r} cannot be filtered by year")
        col = df[spec.year_column]
        years: Any = col.dt.year if spec.year_column != "year" else col
        df = df[years == year]
    if person is not None and spec.person_column is not None:
        # the same person whatever the spaces and width of the name (mynalib.jp.names)
        names = df[spec.person_column].fillna("")
        df = df[names.isin([n for n in names.unique() if name_key(n) == name_key(person)])]
    return df.reset_index(drop=True)


def load_all() -> None:
    """Nothing left to do: every built-in builder and extract is imported with this package
    (kept for the import workers, which call it before their work)."""


def registry_is_builtin() -> bool:
    """True when every registered extract is mynalib's own (a fresh process has the same)."""
    for e in _EXTRACTS.values():
        module = getattr(e.extract, "__module__", None)
        if not isinstance(module, str) or not (
            module == "mynalib" or module.startswith("mynalib.")
        ):
            return False
    return True


__all__ = [
    "BOOL",
    "DATE",
    "DEDUCTION_CATEGORIES",
    "FRAMES",
    "INT",
    "MONEY",
    "MONTH",
    "SCHEMAS",
    "TEXT",
    "Builder",
    "Extract",
    "Frame",
    "FrameSpec",
    "build",
    "conform",
    "empty",
    "extract_for",
    "extracts_for_kind",
    "filter_frame",
    "kinds_for",
    "load_all",
    "mask_number",
    "masked",
    "register",
    "register_extract",
    "registry_is_builtin",
]
