"""Typed records the parsers return (one dataclass per frame they feed) and the parse result.

Records are slotted dataclasses (cheap to create: a tax office imports millions of rows).
Money is ``int`` yen; dates are :class:`datetime.date` (months: the first of the month). ``row`` /
``element`` say where in the source a record came from, for error messages and audits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import date, datetime
from typing import Any


@dataclass(slots=True)
class MedicalExpense:
    """One detail block (a claim) of a 医療費通知情報 CSV."""

    person: str | None  # 氏名 as in the file
    month: date  # 診療年月 (first of the month)
    category: str  # 診療区分: 医科外来, 医科入院, 歯科外来, 調剤, ...
    provider: str  # NFKC-normalised 医療機関等名称
    provider_raw: str  # as in the file
    days: int | None  # 日数
    total_cost: int | None  # 医療費の総額
    insurer_paid: int | None  # 保険者の負担額
    public_paid: int | None  # その他の公費の負担額
    patient_share: int | None  # 窓口相当負担額
    insurer: str | None  # 保険者の名称 (保険者情報 section)
    row: int  # line number of the block's first row (診療年月)


@dataclass(slots=True)
class CheckupItem:
    """One 特定健診 result item (an observation)."""

    person: str | None
    date: date | None
    institution: str | None
    code: str  # 17-character 特定健診項目コード
    item: str  # one name per analyte (method-specific codes mapped together)
    value: float | None  # numeric result (PQ) or None
    value_text: str | None  # the result as text (coded results: the code's displayName or code)
    unit: str | None
    display_name: str | None = None  # code/@displayName as in the file


@dataclass(slots=True)
class PensionPeriod:
    """One enrolment period of a pension record."""

    person: str | None
    scheme: str  # 厚生年金, 国民年金, 共済, ...
    employer: str | None
    start: date
    end: date | None  # None: still enrolled
    months: int | None
    monthly_remuneration: int | None  # 標準報酬月額
    status: str | None  # e.g. 第1号, 第3号, 納付, 未納, 免除
    row: int


@dataclass(slots=True)
class Deduction:
    """One line of a 控除証明書 (see kojo_xml's module docstring for ``detail`` per form)."""

    person: str | None
    year: int | None
    form: str  # TEG800 ...
    category: str  # a key of mynalib.frames.DEDUCTION_CATEGORIES
    issuer: str | None
    paid: int | None  # certified amount
    declared: int | None  # amount to declare
    contract_regime: str | None  # new/old (TEG800), earthquake/old_long_term (TEG810), else None
    signature: str  # valid | invalid | untrusted | unsigned
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParseResult:
    """What :func:`mynalib.sources.parse` returns.

    ``meta`` keys (when known): ``person``, ``period`` (``(first, last)`` month dates) or ``year``,
    ``form`` (kojo_xml), ``signature`` (kojo_xml), ``created`` and kind-specific extras.
    """

    records: list[Any]
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    #: the same records column by column (field name → tuple of plain values), when the parser
    #: made them that way anyway (the 医療費通知 exact-layout path: ``iryohi_csv.COLUMNS``, months
    #: as ``iryohi_csv.month_ordinal``): frame extracts read them instead of walking the records.
    #: Read-only; ``None`` when a parser has no such view.
    columns: dict[str, tuple[Any, ...]] | None = field(default=None, repr=False, compare=False)


def jsonable(value: Any) -> Any:
    """Records / results → plain JSON-able data (dates ISO, dataclasses as dicts, keys as str)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


__all__ = [
    "CheckupItem",
    "Deduction",
    "MedicalExpense",
    "ParseResult",
    "PensionPeriod",
    "asdict",
    "jsonable",
]
