"""Medical expense summaries for the notebooks (pure: ``medical_expenses`` frame in, tables out).

The tax arithmetic (医療費控除, セルフメディケーション) lives in :mod:`mynalib.tax`; this module only
reshapes the frame: monthly totals by person or 診療区分, top providers, the cumulative curve.
Amounts are the 窓口相当負担額 (``patient_share``) unless another column is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MONEY_COLUMNS = ("total_cost", "insurer_paid", "public_paid", "patient_share")


def monthly(
    expenses: pd.DataFrame, *, by: str = "person", value: str = "patient_share"
) -> pd.DataFrame:
    """Month × ``by`` table of ``value`` sums (Int64 yen); every month between the first and last."""
    import pandas as pd

    if value not in MONEY_COLUMNS:
        raise ValueError(f"value must be one of {', '.join(MONEY_COLUMNS)}")
    if by not in {"person", "category", "provider", "insurer"}:
        raise ValueError(f"by must be person, category, provider or insurer, not {by!r}")
    if expenses.empty:
        return pd.DataFrame(dtype="Int64")
    table = expenses.pivot_table(
        index="month", columns=by, values=value, aggfunc="sum", fill_value=0, observed=True
    )
    months = pd.period_range(table.index.min(), table.index.max(), freq="M")
    table = table.reindex(months, fill_value=0).astype("Int64")
    table.index.name = "month"
    table.columns = [str(c) for c in table.columns]
    return table


def by_person_category(expenses: pd.DataFrame, *, value: str = "patient_share") -> pd.DataFrame:
    """Person × 診療区分 totals with a 合計 row and column."""
    import pandas as pd

    if expenses.empty:
        return pd.DataFrame(dtype="Int64")
    t = expenses.pivot_table(
        index="person", columns="category", values=value, aggfunc="sum", fill_value=0, observed=True
    ).astype("Int64")
    t["合計"] = t.sum(axis=1)
    t.loc["合計"] = t.sum(axis=0)
    t.index.name = "person"
    t.columns.name = None
    return t


def top_providers(expenses: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """The ``n`` providers with the highest 窓口相当負担額: provider, claims, days, patient_share,
    total_cost, persons."""
    import pandas as pd

    cols = ["provider", "claims", "days", "patient_share", "total_cost", "persons"]
    if expenses.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    g = expenses.groupby(expenses["provider"].astype("string").fillna("（不明）"), sort=False)
    out = pd.DataFrame(
        {
            "claims": g.size().astype("Int64"),
            "days": g["days"].sum().astype("Int64"),
            "patient_share": g["patient_share"].sum().astype("Int64"),
            "total_cost": g["total_cost"].sum().astype("Int64"),
            "persons": g["person"].nunique().astype("Int64"),
        }
    )
    out.index.name = "provider"
    out = out.reset_index().sort_values(["patient_share", "provider"], ascending=[False, True])
    return out.head(n).reset_index(drop=True)[cols]


def cumulative(
    expenses: pd.DataFrame, *, year: int | None = None, value: str = "patient_share"
) -> pd.DataFrame:
    """Per month of ``year`` (default: all months present): month, amount, cumulative (Int64)."""
    import pandas as pd

    if expenses.empty:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype="period[M]"),
                "amount": pd.Series(dtype="Int64"),
                "cumulative": pd.Series(dtype="Int64"),
            }
        )
    df = expenses
    if year is not None:
        df = df[df["month"].dt.year == year]
        months = pd.period_range(f"{year}-01", f"{year}-12", freq="M")
    else:
        months = pd.period_range(df["month"].min(), df["month"].max(), freq="M")
    sums = df.groupby("month")[value].sum().reindex(months, fill_value=0).astype("Int64")
    out = pd.DataFrame(
        {"month": months, "amount": sums.to_numpy(), "cumulative": sums.cumsum().to_numpy()}
    )
    out["amount"] = out["amount"].astype("Int64")
    out["cumulative"] = out["cumulative"].astype("Int64")
    return out


def crossing_month(
    expenses: pd.DataFrame, threshold: int, *, year: int | None = None
) -> pd.Period | None:
    """The first month in which the cumulative spending exceeds ``threshold`` (None if never)."""
    c = cumulative(expenses, year=year)
    over = c[c["cumulative"] > threshold]
    return None if over.empty else over["month"].iloc[0]


def deduction_threshold(year: int, total_income: int | None) -> int:
    """The 医療費控除 足切り額: min(100,000, 5% of 総所得金額等) from the year's rule table
    (:func:`mynalib.tax.rules_for`); without an income the 100,000円 line (a safe upper bound)."""
    from fractions import Fraction

    from ..tax.rules import rules_for

    med = rules_for(year).medical
    if total_income is None:
        return int(med.threshold)
    five = Fraction(total_income) * med.threshold_rate
    return int(min(med.threshold, five.numerator // five.denominator))
