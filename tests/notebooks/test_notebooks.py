"""Every notebook runs top to bottom on the sample vault with no error and no warning output.

Also: committed notebooks carry no outputs, start with a papermill ``parameters`` cell, and keep
logic out of cells (it belongs in mynalib, where it is tested).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from mynalib.card.virtual import DEFAULT_PINS

from .nbrun import NOTEBOOKS, execute

NAMES = [
    "00_start_here",
    "01_pension",
    "02_medical_expenses",
    "03_drugs",
    "04_checkups",
    "05_tax_deductions",
    "06_my_information",
]


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_every_notebook_is_listed() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_no_outputs(name: str) -> None:
    nb = _read(name)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: strip them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("name", NAMES)
def test_first_cell_is_the_parameters_cell(name: str) -> None:
    cell = _read(name).cells[0]
    assert cell.cell_type == "code"
    assert "parameters" in cell.metadata.get("tags", [])
    assigned = {
        t.id
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    assert {"VAULT", "YEAR", "PERSON"} <= assigned


_LOGIC = (
    ast.For,
    ast.While,
    ast.If,
    ast.FunctionDef,
    ast.ClassDef,
    ast.Lambda,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.Try,
    ast.With,
    ast.BinOp,
    ast.Compare,
)


@pytest.mark.parametrize("name", NAMES)
def test_cells_hold_no_logic(name: str) -> None:
    """Cells call mynalib and show results: no loops, branches, functions or arithmetic."""
    nb = _read(name)
    for i, cell in enumerate(nb.cells[1:], start=1):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        bad = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, _LOGIC)]
        assert not bad, f"cell {i} has logic ({', '.join(sorted(set(bad)))}): move it into mynalib"


@pytest.mark.parametrize("name", NAMES)
def test_markdown_is_japanese(name: str) -> None:
    text = "".join(c.source for c in _read(name).cells if c.cell_type == "markdown")
    japanese = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")
    assert japanese > 100


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_the_sample_vault(
    name: str, sample_workbook: Path, artifacts: Path
) -> None:
    run = execute(NOTEBOOKS / f"{name}.ipynb")
    out = artifacts / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(run.notebook, out / f"{name}.ipynb")
    for k, png in enumerate(run.images, start=1):
        (out / f"{name}-{k}.png").write_bytes(png)
    assert not run.problems, "\n".join(run.problems)
    if name != "00_start_here":
        assert run.images, "the notebook showed no chart"
    shown = json.dumps([c.get("outputs", []) for c in run.notebook.cells], ensure_ascii=False)
    for pin in DEFAULT_PINS.values():  # the software cards' PINs are used, never shown
        assert f"'{pin}'" not in shown and f'"{pin}"' not in shown


def test_the_harness_catches_a_missing_glyph_and_an_error(tmp_path: Path) -> None:
    """A notebook that draws a glyph no font has, then fails, is reported twice."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from mynalib import charts\n"
            "fig = charts.furusato_gauge(1000, 500)\n"
            "fig.text(0.5, 0.5, '\\U0001f9ec')\n"
            "fig"
        ),
        nbformat.v4.new_code_cell("1 / 0"),
    ]
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    run = execute(path)
    assert any("Glyph" in p for p in run.problems), run.problems
    assert any("ZeroDivisionError" in p for p in run.problems), run.problems


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "parameters"),
    [
        ("01_pension", {"PERSON": "hanako"}),
        ("04_checkups", {"PERSON": "見本　うめ"}),
        ("05_tax_deductions", {"YEAR": 2024, "INCOME": 1_500_000}),
        ("06_my_information", {"PERSON": "sora", "YEAR": 2025}),
    ],
)
def test_changing_one_parameter_is_enough(
    name: str, parameters: dict[str, object], sample_workbook: Path
) -> None:
    run = execute(NOTEBOOKS / f"{name}.ipynb", parameters=parameters)
    assert not run.problems, "\n".join(run.problems)
    assert run.images
