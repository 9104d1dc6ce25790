"""Records → pandas DataFrames with stable, documented columns (DESIGN.md §5).

Each frame has a schema (column → dtype) here; builders register themselves per frame with
:func:`register`. Notebooks, dashboards, tax and export code only ever see these frames.
Money is ``Int64`` yen, dates are ``datetime64[ns]``, months ``period[M]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .document import Document

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


SCHEMAS: dict[str, FrameSpec] = {
    spec.name: spec
    for spec in (
        FrameSpec(
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
        ),
        FrameSpec(
            "dispensings",
            {
                "person": TEXT,
                "date": DATE,
                "prescriber": TEXT,
                "pharmacy": TEXT,
                "drug": TEXT,
                "drug_raw": TEXT,
                "quantity": TEXT,
                "usage": TEXT,
                "days": INT,
                "route": TEXT,
                "source_id": INT,
            },
            "date",
            description="one row per drug line of a dispensing (薬剤情報)",
        ),
        FrameSpec(
            "checkups",
            {
                "person": TEXT,
                "date": DATE,
                "institution": TEXT,
                "code": TEXT,
                "item": TEXT,
                "value": "Float64",
                "value_text": TEXT,
                "unit": TEXT,
                "source_id": INT,
            },
            "date",
            description="one row per 特定健診 result item",
        ),
        FrameSpec(
            "pension_periods",
            {
                "person": TEXT,
                "scheme": TEXT,
                "employer": TEXT,
                "start": DATE,
                "end": DATE,
                "months": INT,
                "monthly_remuneration": MONEY,
                "status": TEXT,
                "source_id": INT,
            },
            None,
            description="one row per pension enrolment period",
        ),
        FrameSpec(
            "deductions",
            {
                "person": TEXT,
                "year": INT,
                "form": TEXT,
                "category": TEXT,
                "issuer": TEXT,
                "paid": MONEY,
                "declared": MONEY,
                "contract_regime": TEXT,
                "signature": TEXT,
                "detail": "object",
                "source_id": INT,
            },
            "year",
            description="one row per 控除証明書 line",
        ),
        FrameSpec(
            "notices",
            {
                "notice_id": TEXT,
                "date": DATE,
                "sender": TEXT,
                "category": TEXT,
                "title": TEXT,
                "body": TEXT,
                "read": BOOL,
                "person": TEXT,
            },
            "date",
            description="one row per お知らせ",
        ),
        FrameSpec(
            "history",
            {
                "date": DATE,
                "requester": TEXT,
                "provider": TEXT,
                "item": TEXT,
                "purpose": TEXT,
                "person": TEXT,
            },
            "date",
            description="one row per やりとり履歴 entry",
        ),
        FrameSpec(
            "procedures",
            {
                "procedure_id": TEXT,
                "name": TEXT,
                "category": TEXT,
                "life_event": TEXT,
                "audience": TEXT,
                "deadline_rule": TEXT,
                "deadline_days": INT,
                "online": BOOL,
                "signature_required": BOOL,
            },
            None,
            person_column=None,
            description="one row per procedure of the catalogue",
        ),
        FrameSpec(
            "applications",
            {
                "application_id": TEXT,
                "procedure_id": TEXT,
                "submitted": DATE,
                "status": TEXT,
                "updated": DATE,
                "person": TEXT,
            },
            "submitted",
            description="one row per 申請",
        ),
    )
}

#: values of ``deductions.category`` (what the tax calculators read), with their meaning.
#: ``paid`` is the certified amount (証明額, net of dividends for life insurance); ``declared`` is the
#: amount to declare (申告額: the 12月末 projection of TEG800/TEG840/TEG850 when the certificate has
#: one, else equal to ``paid``). ``contract_regime`` is "new"/"old" for life insurance, "earthquake"/
#: "old_long_term" for TEG810, else <NA>. ``detail`` is a dict of form-specific extras (policy number,
#: contract start, donation date and recipient, cancelled flag, per-year split of prepaid premiums as
#: ``{"by_year": {2025: 12345, 2026: 6789}}``, 月別 status, the amount used and ``used``:
#: "certified"|"projected").
DEDUCTION_CATEGORIES: dict[str, str] = {
    "life_general": "生命保険料（一般） — TEG800, regime new or old",
    "life_medical_care": "介護医療保険料 — TEG800, new regime only",
    "life_pension": "個人年金保険料 — TEG800, regime new or old",
    "earthquake": "地震保険料 — TEG810 (contract_regime earthquake or old_long_term)",
    "donation": "寄附金 — TEG820/821/822/830; detail['furusato'] True for 都道府県・市区町村",
    "social_insurance": "社会保険料（国民年金保険料・国民年金基金） — TEG840",
    "small_business_mutual": "小規模企業共済等掛金（小規模企業共済・iDeCo） — TEG850",
}

#: frame name → (document kinds it reads, builder(documents) -> DataFrame)
Builder = Callable[[Sequence["Document"]], "pd.DataFrame"]
_BUILDERS: dict[str, list[tuple[tuple[str, ...], Builder]]] = {}


def register(frame: str, kinds: Iterable[str]) -> Callable[[Builder], Builder]:
    """Register a builder that turns documents of ``kinds`` into rows of ``frame``."""
    if frame not in SCHEMAS:
        raise KeyError(f"unknown frame {frame!r}")

    def deco(fn: Builder) -> Builder:
        _BUILDERS.setdefault(frame, []).append((tuple(kinds), fn))
        return fn

    return deco


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


_EXTRACTS: dict[str, Extract] = {}


def register_extract(extract: Extract) -> None:
    """Register the extract of ``extract.builder`` (one per frame)."""
    if extract.frame not in SCHEMAS:
        raise KeyError(f"unknown frame {extract.frame!r}")
    _EXTRACTS[extract.frame] = extract


def extract_for(frame: str) -> Extract | None:
    """The frame's extract, if one is registered."""
    _load_builders()
    return _EXTRACTS.get(frame)


def extracts_for_kind(kind: str) -> list[Extract]:
    """Extracts kept for documents of ``kind``."""
    _load_builders()
    return [e for e in _EXTRACTS.values() if kind in e.kinds]


def kinds_for(frame: str) -> set[str]:
    """Document kinds that feed ``frame``."""
    _load_builders()
    return {k for kinds, _ in _BUILDERS.get(frame, []) for k in kinds}


def empty(frame: str) -> pd.DataFrame:
    import pandas as pd

    spec = SCHEMAS[frame]
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in spec.columns.items()})


def conform(frame: str, df: pd.DataFrame) -> pd.DataFrame:
    """Order and cast ``df`` to the frame's schema (missing columns are added empty)."""
    import pandas as pd

    spec = SCHEMAS[frame]
    out = {}
    for col, dtype in spec.columns.items():
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
    _load_builders()
    docs = list(documents)
    parts = []
    for kinds, fn in _BUILDERS.get(frame, []):
        if parts_built is not None and fn in parts_built:
            parts.append(conform(frame, parts_built[fn]))
            continue
        selected = [d for d in docs if d.kind in kinds]
        if selected:
            parts.append(conform(frame, fn(selected)))
    if len(parts) == 1:
        df = parts[0]  # a new frame, indexed 0..n-1 by conform
    else:
        df = pd.concat(parts, ignore_index=True) if parts else empty(frame)
    if year is None and person is None:
        return df
    return filter_frame(frame, df, year=year, person=person)


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
        df = df[df[spec.person_column] == person]
    return df.reset_index(drop=True)


def load_all() -> None:
    """Import every built-in builder and extract now (an import worker does this first)."""
    _load_builders()


def registry_is_builtin() -> bool:
    """True when every registered extract is mynalib's own (a fresh process has the same)."""
    _load_builders()
    for e in _EXTRACTS.values():
        module = getattr(e.extract, "__module__", None)
        if not isinstance(module, str) or not (
            module == "mynalib" or module.startswith("mynalib.")
        ):
            return False
    return True


_loaded = False


def _load_builders() -> None:
    """Import the modules that register builders (sources and portal parsers), once."""
    global _loaded
    if _loaded:
        return
    import importlib

    for module in _BUILDER_MODULES:
        importlib.import_module(module)
    _loaded = True


#: modules whose import registers frame builders
_BUILDER_MODULES = (
    "mynalib.sources.iryohi_csv",
    "mynalib.sources.kojo_xml",
    "mynalib.sources.kenshin_cda",
    "mynalib.sources.nenkin_csv",
    "mynalib.sources.portal_json",
)
