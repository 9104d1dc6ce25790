"""What a notebook shows a person is Japanese: no English column names of the frames in its
tables, no True/False/None/NaN in what it prints, yen with 円 (run on the sample vault)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mynalib import frames

from .nbrun import NOTEBOOKS, execute

NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
#: English words a table or a printed line must not show a person
LEAKS = re.compile(r"(?<![\w.])(True|False|None|NaN|NaT|<NA>|nan)(?![\w.])")
ENGLISH_COLUMNS = {c for spec in frames.SCHEMAS.values() for c in spec.columns} | {
    "label",
    "counted",
    "claims",
    "persons",
    "cumulative",
    "amount",
    "overlap_days",
    "dispensings",
}


def _shown(name: str) -> tuple[list[str], list[str]]:
    """(table headers, printed text) of the notebook run on the sample vault."""
    run = execute(NOTEBOOKS / f"{name}.ipynb")
    assert not run.problems, run.problems
    headers, texts = [], []
    for cell in run.notebook.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            html = out.get("data", {}).get("text/html", "")
            if "<table" in html:
                headers += [
                    re.sub(r"<[^>]+>", "", h).strip()
                    for h in re.findall(r"<th[^>]*>.*?</th>", html, re.S)
                ]
                cells = re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)
                texts.append(" ".join(cells))
    return headers, texts


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_what_a_notebook_shows_is_japanese(name: str, sample_workbook: Path) -> None:
    headers, texts = _shown(name)
    english = sorted(h for h in set(headers) if h in ENGLISH_COLUMNS)
    assert english == [], f"English column names in {name}: {english}"
    for text in texts:
        assert not LEAKS.search(text), f"{name}: {LEAKS.search(text)!r} in {text[:300]!r}"


def test_the_check_finds_english() -> None:
    assert LEAKS.search("超えた月: None") and LEAKS.search("推計 True")
    assert not LEAKS.search("Nonegram NaNa")
    assert {"person", "patient_share", "month"} <= ENGLISH_COLUMNS
