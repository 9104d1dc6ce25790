"""mynalib.analysis stays a pure layer: frames in, frames out, no UI, store, portal or CLI import.

Every import is read from the source (also the ones inside functions), so a lazy import of a
forbidden module fails as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mynalib

from ..importgraph import imports_in

PACKAGE = Path(mynalib.__file__).parent
ANALYSIS = PACKAGE / "analysis"
#: what an analysis module must not import (mynalib packages and third-party UI/CLI libraries)
FORBIDDEN_MYNALIB = ("widgets", "charts", "vault", "portal", "cli", "commands", "card", "demo")
FORBIDDEN_THIRD_PARTY = ("matplotlib", "ipywidgets", "IPython", "click", "voila")


def imported_modules(source: str, package: str) -> list[str]:
    """Absolute names of every module ``source`` (a module of ``package``) imports."""
    return imports_in(ast.parse(source), f"{package}.module")


def violations(source: str, package: str = "mynalib.analysis") -> list[str]:
    bad = []
    for name in imported_modules(source, package):
        parts = name.split(".")
        if parts[0] in FORBIDDEN_THIRD_PARTY:
            bad.append(name)
        elif parts[0] == "mynalib" and len(parts) > 1 and parts[1] in FORBIDDEN_MYNALIB:
            bad.append(name)
    return bad


MODULES = sorted(ANALYSIS.glob("*.py"))


def test_the_analysis_modules_are_there() -> None:
    assert {p.stem for p in MODULES} >= {"pension", "drugs", "checkups", "medical"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_no_ui_store_portal_or_cli_import(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


def test_the_check_sees_imports_inside_functions() -> None:
    source = (
        "from ..tax.rules import rules_for\n"
        "def f():\n"
        "    from ..charts import pension_timeline\n"
        "    import matplotlib.pyplot\n"
        "    from .. import vault\n"
    )
    assert violations(source) == [
        "mynalib.charts",
        "mynalib.charts.pension_timeline",
        "matplotlib.pyplot",
        "mynalib.vault",
    ]
