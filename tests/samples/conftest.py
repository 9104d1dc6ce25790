"""Shared helpers for the sample-household tests."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DATA = ROOT / "sample_data"

_AMOUNT_KEYS = (
    "医療費の総額（円）",
    "保険者の負担額（円）",
    "その他の公費の負担額（円）",
    "窓口相当負担額（円）",
)


def amount(text: str) -> int:
    """An amount cell: ``"5,950"`` (the csv module removed the quotes) or ``519``."""
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", text), text
    return int(text.replace(",", ""))


def read_iryohi(data: bytes) -> dict:
    """An independent reader of a 医療費通知 CSV (not the importer): sections and blocks."""
    text = data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out: dict = {"sections": {}, "blocks": [], "order": []}
    section = None
    block: list[tuple[str, str]] = []
    for row in rows[4:]:
        if len(row) == 1:
            section = row[0]
            out["order"].append(section)
            out["sections"].setdefault(section, {})
            continue
        key, value = row
        if section == "医療費情報明細":
            block.append((key, value))
            if len(block) == 8:
                out["blocks"].append(dict(block))
                block = []
        elif section is None:
            out[key] = value
        else:
            out["sections"][section][key] = value
    assert not block, "a detail block is cut short"
    out["head"] = rows[:4]
    return out


@pytest.fixture(scope="session")
def iryohi_files() -> list[Path]:
    files = sorted(SAMPLE_DATA.glob("iryohi/*/*.csv"))
    assert files, "sample_data/iryohi is empty: run `myna samples generate`"
    return files
