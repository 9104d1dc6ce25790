"""mynalib.charts: labels and data of every chart, rendered to PNG with no missing glyph."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd
import pytest

from mynalib import charts, frames
from mynalib.analysis import checkups, drugs, pension

from .handmade import AS_OF, TARO, TARO_BIRTH, dispensings, medical_expenses, pension_periods
from .handmade import checkups as checkup_frame


def _render(fig, path: Path) -> None:
    """Draw the figure to PNG; any warning (a missing glyph above all) fails the test."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.save_png(fig, path)
    problems = [str(w.message) for w in caught]
    assert not problems, problems
    assert path.stat().st_size > 5_000


def _texts(fig) -> str:
    parts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
    return "\n".join(p for p in parts if p)


def _all_charts() -> dict[str, object]:
    ov = drugs.overlaps(dispensings())
    return {
        "pension_timeline": charts.pension_timeline(
            pension_periods(), birth=TARO_BIRTH, as_of=AS_OF
        ),
        "pension_months": charts.pension_months(
            pension.months_toward_full(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
        ),
        "medical_monthly": charts.medical_monthly(medical_expenses(), by="category"),
        "medical_top_providers": charts.medical_top_providers(medical_expenses()),
        "medical_cumulative": charts.medical_cumulative(
            medical_expenses(), threshold=100_000, year=2025
        ),
        "drug_timeline": charts.drug_timeline(dispensings(), overlaps=ov),
        "drug_counts": charts.drug_counts(dispensings(), by="pharmacy"),
        "checkup_trends": charts.checkup_trends(checkup_frame()),
        "deduction_bars": charts.deduction_bars(
            pd.DataFrame(
                {
                    "label": ["医療費控除", "生命保険料控除"],
                    "所得税": [95_120, 40_000],
                    "住民税": [95_120, 28_000],
                }
            )
        ),
        "furusato_gauge": charts.furusato_gauge(61_000, 45_000, year=2025),
        "income_by_year": charts.income_by_year(income_frame(), order=["見本　太郎"]),
    }


def income_frame() -> pd.DataFrame:
    """税・所得 of two people over two 年分 (one with two kinds of income)."""
    rows = [
        {
            "person": "見本　太郎",
            "year": 2024,
            "salary_income": 5_102_000,
            "municipal_levy": 189_300,
            "prefectural_levy": 126_200,
        },
        {
            "person": "見本　太郎",
            "year": 2025,
            "salary_income": 5_260_000,
            "municipal_levy": 198_600,
            "prefectural_levy": 132_400,
        },
        {
            "person": "見本　花子",
            "year": 2025,
            "business_income": 1_380_000,
            "misc_income": 40_000,
            "resident_levy": 52_500,
        },
    ]
    return frames.conform("income", pd.DataFrame(rows))


def test_income_by_year_stacks_the_kinds_and_marks_the_levy() -> None:
    fig = charts.income_by_year(income_frame(), order=["見本　花子", "見本　太郎"])
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["見本　花子", "見本　太郎"]  # the order given
    text = _texts(fig)
    assert "5,260,000円" in text and "1,420,000円" in text  # 事業 + 雑, stacked
    assert "給与所得" in text and "事業所得" in text and "住民税所得割額" in text
    levy = fig.axes[1].lines[0].get_ydata()
    assert list(levy) == [189_300 + 126_200, 198_600 + 132_400]
    assert list(fig.axes[0].lines[0].get_ydata())[-1] == 52_500  # the whole 所得割額 as given
    empty = charts.income_by_year(frames.empty("income"))
    assert "税・所得の記録がありません" in _texts(empty)


def test_every_chart_renders_without_missing_glyphs(artifacts: Path) -> None:
    made = _all_charts()
    assert set(made) == set(charts.CHARTS)
    for name, fig in made.items():
        _render(fig, artifacts / "charts" / f"{name}.png")


def test_japanese_font_is_set_up_once() -> None:
    families = charts.setup()
    assert families[0] in {"IPAexGothic", "Noto Sans CJK JP"}
    assert charts.setup() == families


def test_a_glyph_no_font_has_is_caught(tmp_path: Path) -> None:
    """The render check is real: a character outside every configured font warns."""
    fig = charts._figure(2, 1)
    fig.text(0.1, 0.5, "\U0001f9ec\U000e0100")  # an emoji and a variation selector
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.save_png(fig, tmp_path / "x.png")
    assert any("Glyph" in str(w.message) and "missing" in str(w.message) for w in caught)


def test_formatting_helpers() -> None:
    assert charts.yen(1234567) == "1,234,567円"
    assert charts.yen(0) == "0円"
    assert charts.era_label(dt.date(2025, 4, 1)) == "令和7年"
    assert charts.era_label(dt.date(2019, 5, 1)) == "令和元年"
    assert charts.era_label(dt.date(2019, 4, 30)) == "平成31年"
    assert charts.era_label(dt.date(1989, 1, 7)) == "昭和64年"
    assert charts.era_label(dt.date(1970, 4, 12), short=True) == "S45"
    assert charts.year_tick_label(dt.date(2000, 1, 1)) == "2000\n(平成12年)"
    with pytest.raises(ValueError):
        charts.era_name(dt.date(1800, 1, 1))


def test_pension_timeline_bars_and_era_ticks() -> None:
    fig = charts.pension_timeline(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "国民年金（第1号）",
        "厚生年金（架空商事株式会社）",
        "厚生年金（見本工業株式会社）",
    ]
    assert len(ax.patches) == len(pension_periods())
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert any("平成" in t for t in ticks) and any("令和" in t for t in ticks)
    assert "20歳" in _texts(fig) and "60歳" in _texts(fig)


def test_pension_months_sums_to_counted() -> None:
    table = pension.months_toward_full(pension_periods(), birth=TARO_BIRTH, as_of=AS_OF)
    fig = charts.pension_months(table)
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert sum(widths) == pytest.approx(378)
    assert "満額 480か月" in _texts(fig)


def test_medical_monthly_stacks_and_formats_yen() -> None:
    fig = charts.medical_monthly(medical_expenses(), by="person")
    ax = fig.axes[0]
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == pytest.approx(float(medical_expenses()["patient_share"].sum()))
    fmt = ax.yaxis.get_major_formatter()
    assert fmt(123456, 0) == "123,456円"
    assert "人別" in ax.get_title()


def test_medical_cumulative_threshold_line() -> None:
    fig = charts.medical_cumulative(medical_expenses(), threshold=100_000, year=2025)
    ax = fig.axes[0]
    line = ax.lines[0]
    assert line.get_ydata()[-1] == float(medical_expenses()["patient_share"].sum())
    assert ax.lines[1].get_ydata()[0] == 100_000
    assert "足切り額 100,000円" in _texts(fig)


def test_top_providers_order() -> None:
    fig = charts.medical_top_providers(medical_expenses(), n=3)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "架空総合病院"


def test_drug_timeline_marks_overlaps() -> None:
    ov = drugs.overlaps(dispensings())
    fig = charts.drug_timeline(dispensings(), overlaps=ov)
    ax = fig.axes[0]
    red = [p for p in ax.patches if not p.get_fill()]
    assert len(red) == 1
    assert red[0].get_width() == pytest.approx(5)  # 2025-05-10 .. 05-14
    assert "重なり（薬剤師に確認）" in _texts(fig)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert f"{TARO}：ロキソニン錠６０ｍｇ など" in labels


def test_drug_counts() -> None:
    fig = charts.drug_counts(dispensings(), by="prescriber")
    assert next(p.get_width() for p in fig.axes[0].patches) == 3


def test_checkup_trends_has_reference_lines() -> None:
    fig = charts.checkup_trends(checkup_frame(), items=["収縮期血圧", "HbA1c"])
    ax = fig.axes[0]
    assert ax.get_title() == "収縮期血圧（mmHg）"
    assert list(ax.lines[0].get_ydata()) == [128, 135, 142]
    refs = sorted(line.get_ydata()[0] for line in ax.lines[1:])
    assert refs == [130, 140]
    assert fig.axes[1].get_title() == "HbA1c（%）"
    assert checkups.REFERENCES["HbA1c"].guidance == 5.6


def test_deduction_bars_and_gauge() -> None:
    fig = charts.deduction_bars(pd.DataFrame({"label": ["医療費控除"], "所得税": [95_120]}))
    assert "95,120円" in _texts(fig)
    gauge = charts.furusato_gauge(61_000, 70_000)
    widths = sorted(p.get_width() for p in gauge.axes[0].patches)
    assert widths == [61_000, 70_000]
    assert "上限の目安 61,000円" in _texts(gauge)


def test_furusato_gauge_without_a_limit(tmp_path: Path) -> None:
    fig = charts.furusato_gauge(None, 30_000, year=2025)
    assert "計算できません" in fig.axes[0].get_title()
    assert [p.get_width() for p in fig.axes[0].patches] == [30_000]
    _render(fig, tmp_path / "gauge.png")


def test_year_end_names_the_tax_year() -> None:
    assert charts.era_label(charts.year_end(2025)) == "令和7年"
    assert charts.era_label(charts.year_end(2019)) == "令和元年"


@pytest.mark.parametrize("name", ["medical_expenses", "dispensings", "checkups", "pension_periods"])
def test_empty_frames_give_a_message_not_an_error(name: str, tmp_path: Path) -> None:
    empty = frames.empty(name)
    fig = {
        "medical_expenses": lambda: charts.medical_monthly(empty),
        "dispensings": lambda: charts.drug_timeline(empty),
        "checkups": lambda: charts.checkup_trends(empty),
        "pension_periods": lambda: charts.pension_timeline(empty),
    }[name]()
    assert "ありません" in _texts(fig)
    _render(fig, tmp_path / f"{name}.png")


def _overlapping_panels(fig) -> list[tuple[int, int]]:
    """Pairs of panels whose drawn extents (ticks, tick labels and titles included) overlap."""
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]


def test_checkup_trends_is_one_panel_per_item_on_a_fixed_grid() -> None:
    """A dozen panels without a layout engine (which measured every label on an extra draw):
    no empty panels, nothing overlapping, everything inside the figure."""
    fig = charts.checkup_trends(checkup_frame())
    shown = [ax.get_title() for ax in fig.axes]
    assert len(shown) == 10
    assert fig.get_layout_engine() is None
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    assert _overlapping_panels(fig) == []
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    for ax in fig.axes:
        box = ax.get_tightbbox(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1, ax.get_title()
        assert page.y0 <= box.y0 and box.y1 <= page.y1, ax.get_title()
    title = fig.get_suptitle()
    assert "特定健診" in title


def test_drug_timeline_draws_every_dispensing_as_one_collection() -> None:
    """One bar per dispensing, in one collection (one Rectangle each cost most of the time)."""
    frame = dispensings()
    fig = charts.drug_timeline(frame)
    ax = fig.axes[0]
    bars = [c for c in ax.collections if len(c.get_paths())]
    assert len(bars) == 1
    assert len(bars[0].get_paths()) == len(drugs.coverage(frame))
    assert [p for p in ax.patches if p.get_fill()] == []
