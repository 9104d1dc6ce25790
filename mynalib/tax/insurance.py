"""生命保険料控除 and 地震保険料控除 (所得税 and 住民税) from the ``deductions`` frame."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import TaxError
from .calculator import Deduction, PersonYear
from .certificates import CertLine, cert_lines, policy_key, signature_warning
from .result import DeductionResult, Step
from .rules import TaxYearRules, TierTable, rules_for

if TYPE_CHECKING:
    import pandas as pd

LIFE_CATEGORIES = ("life_general", "life_medical_care", "life_pension")
LIFE_LABELS = {
    "life_general": "一般生命保険料",
    "life_medical_care": "介護医療保険料",
    "life_pension": "個人年金保険料",
}
_NEW = {"new", "新", "新制度", "1"}
_OLD = {"old", "旧", "旧制度", "2"}


def _regime(line: CertLine) -> str:
    value = (line.regime or "").strip().lower()
    if value in _NEW:
        return "new"
    if value in _OLD:
        return "old"
    raise TaxError(
        f"{line.describe()}: unknown contract regime {line.regime!r} (expected new or old)",
        hint="check the certificate; a line must be 新制度 or 旧制度",
        ja=f"{line.describe()}: 新制度・旧制度の区分が分かりません。",
    )


@dataclass(frozen=True)
class CategoryChoice:
    """Best-of choice in one category for one tax."""

    new_paid: int
    old_paid: int
    new_only: int
    old_only: int
    combined: int | None
    best: int
    choice: str  # "新のみ" | "旧のみ" | "旧+新" | "なし"


def best_of(
    new_paid: int,
    old_paid: int,
    new_table: TierTable,
    old_table: TierTable | None,
    combined_cap: int,
) -> CategoryChoice:
    """The best of 旧 alone, 新 alone, or both computed separately and capped (the combined
    caps are in the year's table, :mod:`mynalib.tax.rules`)."""
    new_only = new_table.apply(new_paid) if new_paid > 0 else 0
    old_only = old_table.apply(old_paid) if old_table and old_paid > 0 else 0
    combined = min(combined_cap, new_only + old_only) if new_paid > 0 and old_paid > 0 else None
    options = []
    if old_paid > 0:
        options.append((old_only, "旧のみ"))
    if new_paid > 0:
        options.append((new_only, "新のみ"))
    if combined is not None:
        options.append((combined, "旧+新"))
    if not options:
        return CategoryChoice(new_paid, old_paid, 0, 0, None, 0, "なし")
    best, choice = max(options, key=lambda o: o[0])  # first wins a tie
    return CategoryChoice(new_paid, old_paid, new_only, old_only, combined, best, choice)


def life_insurance_deduction(
    deductions: pd.DataFrame | None,
    *,
    year: int,
    person: str | None = None,
    dependant_under_23: bool | None = None,
    rules: TaxYearRules | None = None,
) -> DeductionResult:
    """生命保険料控除 for 所得税 and 住民税 with 新/旧 and the best-of rule.

    ``dependant_under_23``: the filer has a dependant (扶養親族) under 23 at year end — in 令和8年分
    the 新制度 一般 limit (所得税) is then 60,000円.
    """
    rules = rules or rules_for(year)
    life = rules.life
    lines = cert_lines(deductions, categories=LIFE_CATEGORIES, year=year, person=person)
    warnings = signature_warning(lines)
    steps: list[Step] = []
    sums: dict[tuple[str, str], int] = {}
    used_lines = []
    for line in lines:
        regime = _regime(line)
        category = line.category
        if category == "life_medical_care" and regime == "old":
            warnings.append(
                f"{line.describe()}: 旧制度に介護医療保険料の区分はないため一般生命保険料として計算しました"
            )
            category = "life_general"
        sums[(category, regime)] = sums.get((category, regime), 0) + line.amount
        used_lines.append(
            {
                "line": line.describe(),
                "category": category,
                "regime": regime,
                "amount": line.amount,
                "paid": line.paid,
                "declared": line.declared,
                "used": line.used,
            }
        )
        steps.append(
            Step(
                f"{LIFE_LABELS[category]}（{'新' if regime == 'new' else '旧'}）{line.describe()}",
                f"{line.used_ja}を使用",
                line.amount,
            )
        )

    special = (
        life.new_general_dependant_it is not None
        and life.combined_cap_general_dependant_it is not None
    )
    if special and dependant_under_23 is None and sums.get(("life_general", "new")):
        warnings.append(
            f"{rules.era_label}は23歳未満の扶養親族がいると新制度の一般生命保険料控除の上限が6万円に"
            "なります。扶養親族の有無が未入力のため通常の上限で計算しました"
        )
    use_special = bool(special and dependant_under_23)

    totals: dict[str, int] = {}
    choices: dict[str, dict[str, CategoryChoice]] = {}
    for tax, label in (("it", "所得税"), ("rt", "住民税")):
        parts = {}
        for category in LIFE_CATEGORIES:
            new_paid = sums.get((category, "new"), 0)
            old_paid = sums.get((category, "old"), 0)
            old_table: TierTable | None
            if tax == "it":
                new_table, old_table, cap = life.new_it, life.old_it, life.combined_cap_it
                if category == "life_general" and use_special:
                    assert life.new_general_dependant_it is not None
                    assert life.combined_cap_general_dependant_it is not None
                    new_table = life.new_general_dependant_it
                    cap = life.combined_cap_general_dependant_it
            else:
                new_table, old_table, cap = life.new_rt, life.old_rt, life.combined_cap_rt
            if category == "life_medical_care":
                old_table = None
            choice = best_of(new_paid, old_paid, new_table, old_table, cap)
            parts[category] = choice
            if choice.choice == "なし":
                continue
            if new_paid > 0:
                steps.append(
                    Step(
                        f"{LIFE_LABELS[category]} 新",
                        new_table.formula(new_paid),
                        choice.new_only,
                        label,
                    )
                )
            if old_paid > 0 and old_table is not None:
                steps.append(
                    Step(
                        f"{LIFE_LABELS[category]} 旧",
                        old_table.formula(old_paid),
                        choice.old_only,
                        label,
                    )
                )
            if choice.combined is not None:
                steps.append(
                    Step(
                        f"{LIFE_LABELS[category]} 旧+新",
                        f"min({cap:,}, {choice.old_only:,} + {choice.new_only:,})",
                        choice.combined,
                        label,
                    )
                )
            steps.append(
                Step(
                    f"{LIFE_LABELS[category]} 控除額",
                    f"有利な方: {choice.choice}",
                    choice.best,
                    label,
                )
            )
        total_cap = life.total_cap_it if tax == "it" else life.total_cap_rt
        subtotal = sum(c.best for c in parts.values())
        totals[tax] = min(total_cap, subtotal)
        steps.append(
            Step(
                "生命保険料控除額",
                f"min({total_cap:,}, " + " + ".join(f"{c.best:,}" for c in parts.values()) + ")",
                totals[tax],
                label,
            )
        )
        choices[tax] = parts
    sources = [life.new_it.source, life.old_it.source, life.new_rt.source]
    if use_special:
        assert life.new_general_dependant_it is not None
        sources.append(life.new_general_dependant_it.source)
        steps.insert(
            0,
            Step(
                "23歳未満の扶養親族あり",
                f"{rules.era_label}の特例: 新制度の一般生命保険料控除の上限 6万円（所得税のみ）",
            ),
        )
    return DeductionResult(
        key="life_insurance",
        label="生命保険料控除",
        year=year,
        person=person,
        income_tax=totals["it"],
        resident_tax=totals["rt"],
        steps=steps,
        warnings=warnings,
        estimate=any(u["used"] == "projected" for u in used_lines),
        sources=sources,
        details={
            "lines": used_lines,
            "dependant_rule": use_special,
            "choices": {
                tax: {cat: c.choice for cat, c in parts.items()} for tax, parts in choices.items()
            },
        },
    )


class LifeInsurance(Deduction):
    """生命保険料控除: applies when the person has a TEG800 line in the year."""

    key = "life_insurance"
    label = "生命保険料控除"

    def calculate(self, ctx: PersonYear) -> DeductionResult:
        return life_insurance_deduction(
            ctx.deductions,
            year=ctx.year,
            person=ctx.person,
            dependant_under_23=ctx.inputs.has_dependant_under_23(ctx.year),
            rules=ctx.rules,
        )

    def applies(self, ctx: PersonYear, result: DeductionResult) -> bool:
        return bool(result.details["lines"])


# ------------------------------------------------------------------------------- 地震保険料控除
_QUAKE = {"earthquake", "地震"}
_OLD_LONG = {"old_long_term", "旧長期", "旧長期損害"}


def _quake_amounts(
    quake: int, old: int, rules: TaxYearRules
) -> tuple[int, int, int, int, int, int]:
    eq = rules.earthquake
    q_it = eq.quake_it.apply(quake)
    o_it = eq.old_it.apply(old)
    q_rt = eq.quake_rt.apply(quake)
    o_rt = eq.old_rt.apply(old)
    return (
        q_it,
        o_it,
        min(eq.total_cap_it, q_it + o_it),
        q_rt,
        o_rt,
        min(eq.total_cap_rt, q_rt + o_rt),
    )


def earthquake_deduction(
    deductions: pd.DataFrame | None,
    *,
    year: int,
    person: str | None = None,
    rules: TaxYearRules | None = None,
) -> DeductionResult:
    """地震保険料控除 (所得税 and 住民税). A contract listed under both kinds counts under one
    kind only: the kind giving the larger deduction is chosen (exhaustively, per contract)."""
    rules = rules or rules_for(year)
    eq = rules.earthquake
    lines = cert_lines(deductions, categories=("earthquake",), year=year, person=person)
    warnings = signature_warning(lines)
    steps: list[Step] = []
    fixed = {"earthquake": 0, "old_long_term": 0}
    dual: dict[str, dict[str, int]] = {}
    by_policy: dict[str, set[str]] = {}
    kinds = []
    for line in lines:
        regime = (line.regime or "").strip().lower()
        if regime in _QUAKE:
            kind = "earthquake"
        elif regime in _OLD_LONG:
            kind = "old_long_term"
        else:
            raise TaxError(
                f"{line.describe()}: unknown 地震保険料 kind {line.regime!r}",
                hint="expected earthquake or old_long_term",
                ja=f"{line.describe()}: 地震保険料か旧長期損害保険料かが分かりません。",
            )
        kinds.append((line, kind))
        key = policy_key(line)
        if key:
            by_policy.setdefault(key, set()).add(kind)
    for line, kind in kinds:
        key = policy_key(line)
        if key and len(by_policy[key]) == 2:
            dual.setdefault(key, {"earthquake": 0, "old_long_term": 0})[kind] += line.amount
        else:
            fixed[kind] += line.amount
            steps.append(
                Step(
                    f"{'地震保険料' if kind == 'earthquake' else '旧長期損害保険料'} {line.describe()}",
                    line.used_ja,
                    line.amount,
                )
            )
    # choose a kind per dual contract (exhaustive for up to 12 contracts, else earthquake)
    keys = sorted(dual)
    best_combo: tuple[str, ...] = tuple("earthquake" for _ in keys)
    if 0 < len(keys) <= 12:
        best_val = None
        for combo in itertools.product(("earthquake", "old_long_term"), repeat=len(keys)):
            q = fixed["earthquake"] + sum(
                dual[k]["earthquake"] for k, c in zip(keys, combo, strict=True) if c == "earthquake"
            )
            o = fixed["old_long_term"] + sum(
                dual[k]["old_long_term"]
                for k, c in zip(keys, combo, strict=True)
                if c == "old_long_term"
            )
            a = _quake_amounts(q, o, rules)
            val = (a[2], a[5])
            if best_val is None or val > best_val:
                best_val, best_combo = val, combo
    quake, old = fixed["earthquake"], fixed["old_long_term"]
    for k, c in zip(keys, best_combo, strict=True):
        amount = dual[k][c]
        if c == "earthquake":
            quake += amount
        else:
            old += amount
        steps.append(
            Step(
                f"契約 No.{k}（地震・旧長期の両方）",
                f"一方のみ: {'地震保険料' if c == 'earthquake' else '旧長期損害保険料'}として計算",
                amount,
            )
        )
    q_it, o_it, t_it, q_rt, o_rt, t_rt = _quake_amounts(quake, old, rules)
    for label, q, o, t, qt, ot, cap in (
        ("所得税", q_it, o_it, t_it, eq.quake_it, eq.old_it, eq.total_cap_it),
        ("住民税", q_rt, o_rt, t_rt, eq.quake_rt, eq.old_rt, eq.total_cap_rt),
    ):
        if quake:
            steps.append(Step("地震保険料", qt.formula(quake), q, label))
        if old:
            steps.append(Step("旧長期損害保険料", ot.formula(old), o, label))
        steps.append(Step("地震保険料控除額", f"min({cap:,}, {q:,} + {o:,})", t, label))
    return DeductionResult(
        key="earthquake",
        label="地震保険料控除",
        year=year,
        person=person,
        income_tax=t_it,
        resident_tax=t_rt,
        steps=steps,
        warnings=warnings,
        estimate=any(line.used == "projected" for line in lines),
        sources=[eq.source],
        details={"earthquake_paid": quake, "old_long_term_paid": old},
    )


class Earthquake(Deduction):
    """地震保険料控除: applies when the person paid earthquake or old long-term premiums."""

    key = "earthquake"
    label = "地震保険料控除"

    def calculate(self, ctx: PersonYear) -> DeductionResult:
        return earthquake_deduction(
            ctx.deductions, year=ctx.year, person=ctx.person, rules=ctx.rules
        )

    def applies(self, ctx: PersonYear, result: DeductionResult) -> bool:
        return bool(result.details["earthquake_paid"] or result.details["old_long_term_paid"])
