"""mynalib.frames: one module per frame, put in one table by explicit imports; the frames sit
above the parsers and below the vault, the analysis and the UI."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from mynalib import frames

from .test_layers_sources import imported_modules

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mynalib" / "frames"
#: the package's modules that are not a frame
NOT_A_FRAME = {"__init__", "schema"}
#: what a frame module may not import: the layers above the frames
ABOVE = (
    "mynalib.vault",
    "mynalib.analysis",
    "mynalib.tax",
    "mynalib.widgets",
    "mynalib.workbook",
    "mynalib.commands",
    "mynalib.cli",
    "mynalib.charts",
    "mynalib.export",
)


def _frame_modules() -> list[str]:
    return sorted(
        p.stem
        for p in PACKAGE.glob("*.py")
        if p.stem not in NOT_A_FRAME and not p.stem.startswith("_")
    )


def test_one_module_per_frame_in_the_table() -> None:
    assert _frame_modules() == sorted(frames.SCHEMAS)
    assert [f.spec.name for f in frames.FRAMES] == list(frames.SCHEMAS)
    for name in frames.SCHEMAS:
        module = importlib.import_module(f"mynalib.frames.{name}")
        assert module.FRAME in frames.FRAMES, name
        assert module.SPEC is frames.SCHEMAS[name] is module.FRAME.spec, name
        kinds = {k for kinds, _ in module.FRAME.builders for k in kinds}
        assert kinds == frames.kinds_for(name), name
        if module.FRAME.extract is not None:
            assert frames.extract_for(name) is module.FRAME.extract
            assert any(fn is module.FRAME.extract.builder for _, fn in module.FRAME.builders)


def test_frames_import_nothing_above_them_and_no_module_by_name() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        module = "mynalib.frames" if path.stem == "__init__" else f"mynalib.frames.{path.stem}"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = imported_modules(tree, module, path.stem == "__init__")
        upward = sorted(m for m in imported if any(m == a or m.startswith(a + ".") for a in ABOVE))
        assert upward == [], f"{module} imports {upward}"
        assert "importlib" not in imported, f"{module}: import frame modules explicitly"
