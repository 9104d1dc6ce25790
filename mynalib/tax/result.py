"""Result objects: an amount plus the arithmetic that produced it, step by step."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..jp.fmt import yen


@dataclass(frozen=True)
class Step:
    """One line of arithmetic: a Japanese label, the formula with the numbers, the result."""

    label: str
    formula: str
    amount: int | None = None
    tax: str = ""  # "所得税", "住民税" or "" (both / not tax-specific)

    def text(self) -> str:
        head = f"[{self.tax}] " if self.tax else ""
        tail = f" = {yen(self.amount)}" if self.amount is not None else ""
        return f"{head}{self.label}: {self.formula}{tail}"


@dataclass
class DeductionResult:
    """What one calculator found: the 所得税 and 住民税 amounts and how they came about.

    ``income_tax`` is the 所得税 所得控除 amount. ``resident_tax`` is the 住民税 amount: a 所得控除
    too, except for 寄附金 where it is the 税額控除 (tax credit, 基本分 + 特例分) — see
    ``resident_tax_kind``.
    """

    key: str
    label: str
    year: int
    person: str | None
    income_tax: int
    resident_tax: int
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    estimate: bool = False
    income_tax_kind: str = "所得控除"
    resident_tax_kind: str = "所得控除"
    sources: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def explain(self) -> str:
        """The arithmetic as text (one step per line), as the CLI and notebooks print it."""
        who = f"（{self.person}）" if self.person else ""
        est = "［推計］" if self.estimate else ""
        lines = [
            f"■ {self.label}{who}{est}: 所得税 {yen(self.income_tax)} / 住民税 {yen(self.resident_tax)}"
            + ("（住民税は税額控除）" if self.resident_tax_kind == "税額控除" else "")
        ]
        lines += [f"  {s.text()}" for s in self.steps]
        lines += [f"  ⚠ {w}" for w in self.warnings]
        lines += [f"  根拠: {s}" for s in self.sources]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["details"] = _jsonable(self.details)
        return data

    def __str__(self) -> str:
        return self.explain()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
