"""Golden files: every input under tests/golden/<kind>/ parses (strictly) to the JSON beside it.

Regenerate after an intended change with ``MYNA_UPDATE_GOLDEN=1 pytest tests/sources/test_golden.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mynalib.sources import detect_kind, parse
from mynalib.sources.records import jsonable

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
KINDS = ("iryohi_csv", "kojo_xml", "kenshin_cda", "nenkin_csv")
CASES = sorted(
    p for kind in KINDS for p in (GOLDEN / kind).iterdir() if not p.name.endswith(".json")
)


def _expected_path(path: Path) -> Path:
    return path.with_name(path.name + ".expected.json")


def _render(path: Path) -> dict:
    data = path.read_bytes()
    kind = detect_kind(data, path.name)
    result = parse(kind, data, strict=True)
    return jsonable(
        {"kind": kind, "records": result.records, "warnings": result.warnings, "meta": result.meta}
    )


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(path: Path) -> None:
    assert path.parent.name in KINDS
    got = _render(path)
    assert got["kind"] == path.parent.name, "detect_kind must recognise the golden input"
    expected_file = _expected_path(path)
    if os.environ.get("MYNA_UPDATE_GOLDEN") == "1":
        expected_file.write_text(
            json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    assert expected_file.exists(), f"missing {expected_file.name}: run with MYNA_UPDATE_GOLDEN=1"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(got, ensure_ascii=False)) == expected


def test_every_kind_has_golden_files() -> None:
    for kind in KINDS:
        inputs = [p for p in CASES if p.parent.name == kind]
        assert inputs, f"no golden input for {kind}"
        for p in inputs:
            assert _expected_path(p).exists() or os.environ.get("MYNA_UPDATE_GOLDEN") == "1"
