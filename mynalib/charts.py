"""Charts for the notebooks: each function takes frames and returns a matplotlib ``Figure``.

This is the only module that imports matplotlib. A Japanese font is set up once (the IPAexGothic
shipped by matplotlib-fontja, with Noto Sans CJK JP from the system as a fallback) so Japanese
labels render without missing glyphs. Money axes are in 円 with thousands separators; date axes
carry the Japanese era (和暦) under the Western year.

Figures are built without pyplot (no global figure list to leak); inside IPython/Jupyter a PNG
formatter for ``Figure`` is registered, so a figure returned by the last line of a cell shows.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .jp import fmt
from .jp.age import age_reached_on
from .jp.eras import to_era
from .jp.fmt import jp_date as jp_date  # charts.jp_date and charts.yen: the notebooks' names
from .jp.fmt import yen

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: families tried in order; the first that has a glyph draws it (matplotlib font fallback)
FONT_PREFERENCE = ("IPAexGothic", "Noto Sans CJK JP", "DejaVu Sans")

#: colours per category, stable across charts (colour-blind friendly Okabe–Ito palette)
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)

_READY = False


# ----------------------------------------------------------------------------------- set-up
def setup() -> list[str]:
    """Set up the Japanese font (once) and the IPython figure formatter; return the families used."""
    global _READY
    import matplotlib
    from matplotlib import font_manager

    if not _READY:
        try:  # adds IPAexGothic to the font manager (and makes it the default family)
            import matplotlib_fontja  # noqa: F401
        except ImportError:  # pragma: no cover - dependency missing: rely on system fonts
            pass
        available = {f.name for f in font_manager.fontManager.ttflist}
        families = [f for f in FONT_PREFERENCE if f in available]
        if not any(f != "DejaVu Sans" for f in families):
            raise RuntimeError(
                "no Japanese font found for charts: install matplotlib-fontja "
                "(pip install matplotlib-fontja) or a Noto CJK font (apt-get install fonts-noto-cjk)"
            )
        matplotlib.rcParams["font.family"] = families
        matplotlib.rcParams["axes.unicode_minus"] = True
        matplotlib.rcParams["figure.dpi"] = 100
        matplotlib.rcParams["savefig.dpi"] = 100
        # what every chart needs, imported here once (a third of a second: matplotlib builds
        # its artists' docstrings at import) rather than inside the first chart
        import matplotlib.backends.backend_agg
        import matplotlib.figure

        _register_ipython_formatter()
        _READY = True
    return list(matplotlib.rcParams["font.family"])


def _register_ipython_formatter() -> None:
    """Show ``Figure`` objects as PNG in Jupyter without pyplot's inline backend."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is always there with Jupyter
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type(Figure, lambda fig: to_png_bytes(fig))


def _figure(width: float = 9.0, height: float = 4.5) -> Figure:
    setup()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _grid_figure(
    width: float,
    height: float,
    rows: int,
    cols: int,
    *,
    left: float = 0.6,
    right: float = 0.2,
    top: float = 0.75,
    bottom: float = 0.55,
    row_gap: float = 0.95,
    col_gap: float = 0.6,
) -> Figure:
    """A figure for a ``rows`` × ``cols`` grid of panels with fixed margins and gaps (inches,
    sized for a panel title above and two-line year ticks below), without a layout engine."""
    setup()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    panel_h = max((height - top - bottom - (rows - 1) * row_gap) / rows, 0.1)
    panel_w = max((width - left - right - (cols - 1) * col_gap) / cols, 0.1)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        hspace=row_gap / panel_h,
        wspace=col_gap / panel_w,
    )
    return fig


def to_png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def save_png(fig: Figure, path: str | Path) -> Path:
    """Write the figure as a PNG file and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


# ---------------------------------------------------------------------------- formatting
def era_name(day: _dt.date) -> tuple[str, int]:
    """The Japanese era and the year in it for a date: ``date(2025, 4, 1)`` → ``("令和", 7)``."""
    era, year = to_era(day)
    return era.name, year


def era_label(day: _dt.date, *, short: bool = False) -> str:
    """``令和7年`` (``R7`` when short); the first year of an era reads ``元年``."""
    return fmt.era_year_label(day, short=short)


def year_end(year: int) -> _dt.date:
    """31 December of ``year`` (the era a tax year is named by: 令和7年分 = 2025)."""
    return _dt.date(int(year), 12, 31)


def year_tick_label(day: _dt.date) -> str:
    """Two-line axis label: ``2025`` over ``(令和7年)``."""
    return f"{day.year}\n({era_label(day)})"


def yen_axis(ax: Axes, axis: str = "y") -> None:
    """Format an axis as yen with thousands separators."""
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: yen(v))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def era_date_axis(ax: Axes, *, span_years: float | None = None, axis: str = "x") -> None:
    """Year ticks on a date axis, labelled with the Western year and the era."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    step = 1
    if span_years is not None:
        step = next(s for s in (1, 2, 5, 10, 20) if span_years / s <= 8)
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(mdates.YearLocator(step))
    target.set_major_formatter(
        FuncFormatter(lambda v, _pos: year_tick_label(mdates.num2date(v).date()))
    )


def _colors(keys: Iterable[Any]) -> dict[Any, str]:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def _empty(fig: Figure, ax: Axes, message: str) -> Figure:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


# ----------------------------------------------------------------------------------- pension
def pension_timeline(
    periods: pd.DataFrame, *, birth: _dt.date | None = None, as_of: _dt.date | None = None
) -> Figure:
    """A Gantt of enrolment periods (``pension_periods`` frame): one bar per employer/scheme.

    Ongoing periods (no ``end``) run to ``as_of`` (default today). With ``birth``, the ages 20
    and 60 are marked.
    """
    import matplotlib.dates as mdates
    import pandas as pd

    from .analysis import pension

    fig = _figure(10, 4.8)
    ax = fig.add_subplot()
    ax.set_title("年金の加入記録（制度・勤務先ごとの期間）")
    if periods.empty:
        return _empty(fig, ax, "年金の加入記録がありません")
    as_of = as_of or _dt.date.today()
    rows = periods.copy()
    rows["scheme_n"] = [pension.normalize_scheme(s) for s in rows["scheme"]]
    rows["label"] = [
        f"{s}（{e}）" if isinstance(e, str) and e else s
        for s, e in zip(
            rows["scheme_n"],
            rows["employer"].astype(object).where(rows["employer"].notna(), ""),
            strict=True,
        )
    ]
    rows["end_"] = pd.to_datetime(rows["end"]).fillna(pd.Timestamp(as_of))
    order = list(dict.fromkeys(rows.sort_values("start")["label"]))
    colors = _colors(dict.fromkeys(rows["scheme_n"]))
    for _, r in rows.iterrows():
        y = order.index(r["label"])
        start = mdates.date2num(pd.Timestamp(r["start"]).to_pydatetime())
        end = mdates.date2num(pd.Timestamp(r["end_"]).to_pydatetime())
        hatch = "//" if pension.normalize_status(r.get("status")) != "paid" else None
        ax.barh(y, end - start, left=start, color=colors[r["scheme_n"]], hatch=hatch, height=0.6)
    ax.set_yticks(range(len(order)), order)
    ax.invert_yaxis()
    lo = pd.Timestamp(rows["start"].min())
    hi = pd.Timestamp(rows["end_"].max())
    if birth is not None:
        for age in (20, 60):
            mark = pd.Timestamp(age_reached_on(birth, age))  # the day the law says
            ax.axvline(mdates.date2num(mark.to_pydatetime()), color="grey", linestyle="--")
            ax.text(
                mdates.date2num(mark.to_pydatetime()),
                0.99,
                f" {age}歳" if age == 20 else f"{age}歳 ",
                transform=ax.get_xaxis_transform(),
                ha="left" if age == 20 else "right",
                va="top",
                color="grey",
            )
            lo, hi = min(lo, mark), max(hi, mark)
    ax.set_xlim(
        mdates.date2num((lo - pd.DateOffset(years=1)).to_pydatetime()),
        mdates.date2num((hi + pd.DateOffset(years=1)).to_pydatetime()),
    )
    era_date_axis(ax, span_years=(hi - lo).days / 365.25 + 2)
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=s) for s, c in colors.items()]
    if any(pension.normalize_status(s) != "paid" for s in rows["status"]):
        handles.append(
            Patch(
                facecolor="white", edgecolor="black", hatch="//", label="未納・未加入・免除・猶予"
            )
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.set_xlabel("年（和暦）")
    return fig


def _months_label(row: Any, counted: float) -> str:
    months = int(row["months"])
    text = f"{row['label']} {months}か月"
    return text if abs(counted - months) < 1e-9 else text + f"（{counted:g}か月分）"


def pension_months(months: pd.DataFrame, *, full: int = 480) -> Figure:
    """Months counting toward the full 老齢基礎年金 (``pension.months_toward_full`` output).

    One horizontal stacked bar: the counted months of each status, against ``full`` (480).
    """
    fig = _figure(9, 2.8)
    ax = fig.add_subplot()
    ax.set_title(f"満額（{full}か月）に対して年金額に反映される月数")
    if months.empty:
        return _empty(fig, ax, "対象の月がありません")
    left = 0.0
    colors = _colors(months["label"])
    for _, r in months.iterrows():
        counted = float(r["counted"])
        if counted <= 0:
            continue
        ax.barh(0, counted, left=left, color=colors[r["label"]], label=_months_label(r, counted))
        left += counted
    ax.axvline(full, color="black", linestyle="--")
    ax.text(
        full,
        0.9,
        f"満額 {full}か月 ",
        transform=ax.get_xaxis_transform(),
        ha="right",
        va="top",
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
    )
    ax.set_xlim(0, max(full, left) * 1.05)
    ax.set_yticks([])
    ax.set_xlabel("月数（免除期間は国庫負担分の割合で換算）")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=3, fontsize="small")
    return fig


# ------------------------------------------------------------------------------ medical
def medical_monthly(
    expenses: pd.DataFrame, *, by: str = "person", value: str = "patient_share"
) -> Figure:
    """Monthly spending (``medical_expenses``), stacked by ``person`` or ``category``."""
    from .analysis import medical

    table = medical.monthly(expenses, by=by, value=value)
    label = {"person": "人", "category": "診療区分"}.get(by, by)
    fig = _figure(10, 4.5)
    ax = fig.add_subplot()
    ax.set_title(f"月別の医療費（窓口相当負担額、{label}別）")
    if table.empty:
        return _empty(fig, ax, "医療費の記録がありません")
    x = list(range(len(table.index)))
    bottom = [0.0] * len(x)
    colors = _colors(table.columns)
    for col in table.columns:
        values = [float(v) for v in table[col].fillna(0)]
        ax.bar(x, values, bottom=bottom, color=colors[col], label=str(col))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(
        x,
        [
            fmt.jp_month(p.year, p.month) if p.month in (1, 7) or i == 0 else f"{p.month}月"
            for i, p in enumerate(table.index)
        ],
        rotation=90,
        fontsize="small",
    )
    yen_axis(ax)
    ax.legend(fontsize="small")
    return fig


def medical_top_providers(expenses: pd.DataFrame, *, n: int = 10) -> Figure:
    """The ``n`` providers with the highest 窓口相当負担額."""
    from .analysis import medical

    table = medical.top_providers(expenses, n=n)
    fig = _figure(9, 0.45 * max(len(table), 3) + 1.2)
    ax = fig.add_subplot()
    ax.set_title(f"医療機関・薬局別の窓口相当負担額（上位{n}）")
    if table.empty:
        return _empty(fig, ax, "医療費の記録がありません")
    values = [float(v) for v in table["patient_share"]]
    ax.barh(range(len(table)), values, color=PALETTE[0])
    ax.set_yticks(range(len(table)), list(table["provider"]))
    ax.invert_yaxis()
    for i, v in enumerate(values):
        ax.text(v, i, " " + yen(v), va="center", fontsize="small")
    ax.set_xlim(0, max(values) * 1.25 if values else 1)
    yen_axis(ax, "x")
    return fig


def medical_cumulative(
    expenses: pd.DataFrame, *, threshold: int | None = None, year: int | None = None
) -> Figure:
    """Cumulative spending in the year against the 医療費控除 threshold (足切り額)."""
    from .analysis import medical

    table = medical.cumulative(expenses, year=year)
    fig = _figure(9, 4.2)
    ax = fig.add_subplot()
    title = "医療費の累計と医療費控除の足切り額"
    ax.set_title(f"{year}年 {title}" if year else title)
    if table.empty:
        return _empty(fig, ax, "医療費の記録がありません")
    x = list(range(len(table)))
    values = [float(v) for v in table["cumulative"]]
    ax.plot(x, values, marker="o", color=PALETTE[0], label="累計（窓口相当負担額）")
    if threshold is not None:
        ax.axhline(threshold, color=PALETTE[5], linestyle="--", label=f"足切り額 {yen(threshold)}")
    ax.set_xticks(x, [f"{p.month}月" for p in table["month"]])
    ax.set_ylim(0, max([*values, threshold or 0]) * 1.15 or 1)
    yen_axis(ax)
    ax.legend(loc="upper left")
    return fig


# -------------------------------------------------------------------------------- drugs
def drug_timeline(dispensings: pd.DataFrame, *, overlaps: pd.DataFrame | None = None) -> Figure:
    """One row per person and medicine; a bar per dispensing from its date for its days.

    Overlaps from ``drugs.overlaps`` are outlined in red.
    """
    import matplotlib.dates as mdates
    import pandas as pd

    from .analysis import drugs

    cov = drugs.coverage(dispensings).sort_values(["person", "start"], kind="stable")
    # one row per person and medicine (strengths and makers of one product share a row)
    keys = list(dict.fromkeys(zip(cov["person"], cov["key"], strict=True)))
    names: dict[tuple[str, str], list[str]] = {}
    for p, k, d in zip(cov["person"], cov["key"], cov["drug"], strict=True):
        names.setdefault((p, k), [])
        if d not in names[(p, k)]:
            names[(p, k)].append(d)
    fig = _figure(10, 0.35 * max(len(keys), 4) + 1.5)
    ax = fig.add_subplot()
    ax.set_title("お薬の服用期間（調剤日から処方日数分）")
    if cov.empty:
        return _empty(fig, ax, "薬剤情報がありません")
    colors = _colors(dict.fromkeys(cov["prescriber"]))
    # one collection for every dispensing (hundreds of bars: one Rectangle each was most of the
    # chart's time)
    from matplotlib.collections import PolyCollection

    row = {k: i for i, k in enumerate(keys)}
    ys = [row[k] for k in zip(cov["person"], cov["key"], strict=True)]
    starts = mdates.date2num(pd.to_datetime(cov["start"]).dt.to_pydatetime())
    ends = mdates.date2num((pd.to_datetime(cov["end"]) + pd.Timedelta(days=1)).dt.to_pydatetime())
    bars = PolyCollection(
        [
            [(a, y - 0.3), (b, y - 0.3), (b, y + 0.3), (a, y + 0.3)]
            for a, b, y in zip(starts, ends, ys, strict=True)
        ],
        facecolors=[colors[p] for p in cov["prescriber"]],
        edgecolors="none",
    )
    ax.add_collection(bars)
    ax.update_datalim([(min(starts), min(ys) - 0.3), (max(ends), max(ys) + 0.3)])
    ax.autoscale_view()
    if overlaps is not None:
        for _, o in overlaps.iterrows():
            if (o["person"], o["drug"]) not in row:
                continue
            y = row[(o["person"], o["drug"])]
            start = mdates.date2num(pd.Timestamp(o["overlap_start"]).to_pydatetime())
            end = mdates.date2num(
                (pd.Timestamp(o["overlap_end"]) + pd.Timedelta(days=1)).to_pydatetime()
            )
            ax.barh(
                y, end - start, left=start, fill=False, edgecolor="red", linewidth=2, height=0.8
            )
    persons = {p for p, _ in keys}
    labels = []
    for p, k in keys:
        shown = names[(p, k)][0] + (" など" if len(names[(p, k)]) > 1 else "")
        labels.append(f"{p}：{shown}" if len(persons) > 1 else shown)
    ax.set_yticks(range(len(keys)), labels, fontsize="small")
    ax.invert_yaxis()
    locator = mdates.AutoDateLocator(maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(
        _FuncFormatter(lambda v, _p: _month_label(mdates.num2date(v).date()))
    )
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=str(s)) for s, c in colors.items()]
    if overlaps is not None and not overlaps.empty:
        handles.append(Patch(facecolor="white", edgecolor="red", label="重なり（薬剤師に確認）"))
    ax.legend(handles=handles, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def _FuncFormatter(fn: Any) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(fn)


def _month_label(day: _dt.date) -> str:
    return f"{fmt.jp_month(day.year, day.month)}\n({era_label(day, short=True)})"


def drug_counts(dispensings: pd.DataFrame, *, by: str = "prescriber") -> Figure:
    """Number of dispensings by ``prescriber`` or ``pharmacy``."""
    from .analysis import drugs

    table = drugs.counts(dispensings, by=by)
    label = {"prescriber": "処方した医療機関", "pharmacy": "薬局"}.get(by, by)
    fig = _figure(8, 0.45 * max(len(table), 3) + 1.2)
    ax = fig.add_subplot()
    ax.set_title(f"{label}ごとの調剤回数")
    if table.empty:
        return _empty(fig, ax, "薬剤情報がありません")
    values = [int(v) for v in table["dispensings"]]
    ax.barh(range(len(table)), values, color=PALETTE[2])
    ax.set_yticks(range(len(table)), list(table[by]))
    ax.invert_yaxis()
    ax.set_xlabel("調剤回数（回）")
    return fig


# ----------------------------------------------------------------------------- checkups
def checkup_trends(
    checkups: pd.DataFrame,
    *,
    items: Sequence[str] | None = None,
    sex: Mapping[str, str] | None = None,
) -> Figure:
    """One panel per item: values over the years per person, with the 特定健診 reference lines.

    ``items`` are canonical item names of :mod:`mynalib.analysis.checkups` (default: the core
    items present).
    ``sex`` maps person → "1"/"2" for sex-specific references (腹囲).
    """
    import pandas as pd
    from matplotlib.ticker import MaxNLocator

    from .analysis import checkups as ck

    table = ck.trends(checkups)
    wanted = [i for i in (items or ck.CORE_ITEMS) if i in set(table["item"])]
    cols = 3
    rows_n = max(1, -(-len(wanted) // cols))
    title = "特定健診の結果の推移（破線：保健指導判定値、点線：受診勧奨判定値）"
    if not wanted:
        fig = _figure(11, 2.8 + 0.6)
        fig.suptitle(title)
        return _empty(fig, fig.add_subplot(), "健診結果がありません")
    # a fixed grid instead of constrained layout: with a dozen panels the layout engine measured
    # every tick label of every panel on an extra draw (most of this chart's time)
    fig = _grid_figure(11, 2.8 * rows_n + 0.6, rows_n, cols)
    fig.suptitle(title, y=1 - 0.12 / fig.get_figheight(), va="top")
    persons = list(dict.fromkeys(table["person"]))
    colors = _colors(persons)
    by_item = dict(tuple(table.groupby("item", sort=False)))
    for i, item in enumerate(wanted):
        ax = fig.add_subplot(rows_n, cols, i + 1)
        part = by_item[item]
        ref = ck.REFERENCES.get(item)
        unit = (
            ref.unit
            if ref
            else str(part["unit"].dropna().iloc[0])
            if part["unit"].notna().any()
            else ""
        )
        ax.set_title(f"{item}（{unit}）" if unit else item, fontsize="medium")
        dates = pd.DatetimeIndex(part["date"])
        part = part.assign(_x=dates.year + (dates.day_of_year - 1) / 366)
        for p in persons:
            pp = part[part["person"] == p].sort_values("date")
            if pp.empty:
                continue
            ax.plot(
                pp["_x"].to_numpy(dtype=float),
                pp["value"].to_numpy(dtype=float),
                marker="o",
                color=colors[p],
                label=p,
            )
        if ref is not None:
            for level, style in ((ref.guidance, "--"), (ref.referral, ":")):
                value = level.get(None) if isinstance(level, Mapping) else level
                if isinstance(level, Mapping) and sex and len({sex.get(p) for p in persons}) == 1:
                    value = level.get(sex.get(persons[0]), value)
                if isinstance(value, (int, float)):
                    ax.axhline(value, color="grey", linestyle=style, linewidth=1)
        years = sorted({int(y) for y in dates.year})
        ax.set_xticks(
            [y + 0.5 for y in years],
            [f"{y}\n({era_label(_dt.date(y, 12, 31), short=True)})" for y in years],
        )
        ax.set_xlim(years[0], years[-1] + 1)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 5, 10]))  # few, round
        ax.tick_params(labelsize="small")
    fig.axes[0].legend(fontsize="small")
    return fig


# ------------------------------------------------------------------------------- deductions
def deduction_bars(amounts: pd.DataFrame, *, title: str = "控除額") -> Figure:
    """Horizontal bars of deductions: a frame with ``label`` and one or more money columns.

    Typical columns are ``所得税`` and ``住民税`` (the deduction for each tax).
    """
    fig = _figure(9, 0.5 * max(len(amounts), 3) + 1.4)
    ax = fig.add_subplot()
    ax.set_title(title)
    value_cols = [c for c in amounts.columns if c != "label"]
    if amounts.empty or not value_cols:
        return _empty(fig, ax, "控除の対象がありません")
    height = 0.8 / len(value_cols)
    colors = _colors(value_cols)
    top = 0.0
    for k, col in enumerate(value_cols):
        values = [
            float(v) if v == v and v is not None else 0.0 for v in amounts[col].astype(object)
        ]
        ys = [i + k * height for i in range(len(amounts))]
        ax.barh(ys, values, height=height, color=colors[col], label=str(col))
        for y, v in zip(ys, values, strict=True):
            ax.text(v, y, " " + yen(v), va="center", fontsize="small")
        top = max([top, *values])
    ax.set_yticks(
        [i + height * (len(value_cols) - 1) / 2 for i in range(len(amounts))],
        list(amounts["label"]),
    )
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.3 or 1)
    yen_axis(ax, "x")
    ax.legend(
        fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(value_cols)
    )
    return fig


def furusato_gauge(limit: int | None, donated: int, *, year: int | None = None) -> Figure:
    """This year's ふるさと納税 donations against the estimated limit (自己負担2,000円の上限).

    ``limit`` None (income inputs missing): only the donations are drawn, and the chart says why.
    """
    fig = _figure(9, 2.2)
    ax = fig.add_subplot()
    if limit is None:
        ax.set_title("ふるさと納税の寄附額（上限の目安は所得の入力がないため計算できません）")
        ax.barh(0, donated, height=0.5, color=PALETTE[2], label=f"寄附済み {yen(donated)}")
        ax.set_yticks([])
        ax.set_xlim(0, donated * 1.15 or 1)
        yen_axis(ax, "x")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), fontsize="small")
        return fig
    ax.set_title(
        f"{year}年 ふるさと納税の寄附額と上限の目安" if year else "ふるさと納税の寄附額と上限の目安"
    )
    ax.barh(0, limit, color="#dddddd", label=f"上限の目安 {yen(limit)}")
    over = donated > limit
    ax.barh(
        0,
        donated,
        height=0.5,
        color=PALETTE[5] if over else PALETTE[2],
        label=f"寄附済み {yen(donated)}" + ("（上限の目安を超えています）" if over else ""),
    )
    ax.axvline(limit, color="black", linestyle="--", linewidth=1)
    ax.set_yticks([])
    ax.set_xlim(0, max(limit, donated) * 1.15 or 1)
    yen_axis(ax, "x")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, fontsize="small")
    return fig


#: every chart function, for the render-all test
CHARTS = (
    "pension_timeline",
    "pension_months",
    "medical_monthly",
    "medical_top_providers",
    "medical_cumulative",
    "drug_timeline",
    "drug_counts",
    "checkup_trends",
    "deduction_bars",
    "furusato_gauge",
    "income_by_year",
)


# --------------------------------------------------------------------------- わたしの情報
#: the ``income`` frame's 所得 columns, in stacking order, and their labels
INCOME_SERIES = (
    ("salary_income", "給与所得"),
    ("business_income", "事業所得"),
    ("pension_income", "公的年金等の所得"),
    ("misc_income", "雑所得（その他）"),
    ("other_income", "その他の所得"),
)


def _amount(rows: pd.DataFrame, index: Any, column: str) -> float | None:
    """``rows.at[index, column]`` as a float (None when missing)."""
    if column not in rows.columns or index not in rows.index:
        return None
    value = rows.at[index, column]
    try:
        return None if value is None or value != value else float(value)
    except TypeError:  # pd.NA
        return None


def income_by_year(income: pd.DataFrame, *, order: Sequence[str] = ()) -> Figure:
    """税・所得 over the years: per person (one panel each, ``order`` first) the 所得金額 of each
    年分 stacked by kind, the 住民税所得割額 (市区町村民税 + 道府県民税) as a marked line."""
    import numpy as np

    people = list(dict.fromkeys(str(p) for p in income["person"].dropna())) if len(income) else []
    rank = {p: i for i, p in enumerate(order)}
    people.sort(key=lambda p: (rank.get(p, len(rank)), p))
    fig = _figure(4.0 * max(len(people), 1) + 1.5, 4.8)
    if not people:
        return _empty(fig, fig.add_subplot(), "税・所得の記録がありません")
    axes = fig.subplots(1, len(people), sharey=True, squeeze=False)[0]
    colors = _colors(label for _, label in INCOME_SERIES)
    years = sorted({int(y) for y in income["year"].dropna()})
    for ax, person in zip(axes, people, strict=True):
        mine = income[income["person"] == person].set_index("year")
        xs = np.arange(len(years))
        bottom = np.zeros(len(years))
        for column, label in INCOME_SERIES:
            if column not in mine.columns or not mine[column].notna().any():
                continue
            values = np.array([_amount(mine, y, column) or 0.0 for y in years])
            ax.bar(xs, values, bottom=bottom, color=colors[label], label=label, width=0.6)
            bottom += values
        for x, total in zip(xs, bottom, strict=True):
            if total > 0:
                ax.text(x, total, yen(total), ha="center", va="bottom", fontsize="x-small")
        levy = []
        for y in years:
            parts = [_amount(mine, y, c) for c in ("municipal_levy", "prefectural_levy")]
            known = [v for v in parts if v is not None] or [
                v for v in [_amount(mine, y, "resident_levy")] if v is not None
            ]
            levy.append(sum(known) if known else np.nan)
        ax.plot(xs, levy, color="black", marker="o", label="住民税所得割額")
        ax.set_xticks(xs, [f"{y}年分" for y in years])
        ax.set_title(person)
        yen_axis(ax)
    axes[0].set_ylabel("所得金額")
    handles, labels = axes[0].get_legend_handles_labels()
    for ax in axes[1:]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(
        handles, labels, loc="outside lower center", ncol=min(len(labels), 6), fontsize="small"
    )
    fig.suptitle("所得金額（種類別）と住民税所得割額の推移")
    return fig
