"""mynalib.sources is the bottom layer: bytes -> records. No module under it imports pandas,
numpy, mynalib.frames or mynalib.vault, anywhere in its code (inside functions and
``TYPE_CHECKING`` blocks too): the frames read the parsers' records, never the reverse."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .importgraph import imports_in

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "mynalib" / "sources"

#: what no module of mynalib.sources may import (these or anything below them)
FORBIDDEN = ("pandas", "numpy", "mynalib.frames", "mynalib.vault")


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module an import anywhere in ``tree`` names (``from x import y`` counts as both
    ``x`` and ``x.y``: y may be a module)."""
    return set(imports_in(tree, module, is_package))


def forbidden(imported: set[str]) -> list[str]:
    return sorted(m for m in imported if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SOURCES.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def test_every_sources_module_is_checked() -> None:
    names = {name for name, _ in _modules()}
    assert {
        "mynalib.sources",
        "mynalib.sources.iryohi_csv",
        "mynalib.sources.kojo_xml",
        "mynalib.sources.kenshin_cda",
        "mynalib.sources.nenkin_csv",
        "mynalib.sources.portal_json",
        "mynalib.sources.memo",
    } <= names


@pytest.mark.parametrize("module,path", _modules(), ids=lambda v: str(v))
def test_sources_import_no_pandas_numpy_frames_or_vault(module: str, path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = forbidden(imported_modules(tree, module, path.name == "__init__.py"))
    assert bad == [], f"{module} imports {bad}: mynalib.sources must stay bytes -> records"


@pytest.mark.parametrize(
    "code",
    [
        "import pandas as pd",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy.typing\n",
        "def f():\n    from ..frames import empty\n    return empty",
        "def f():\n    from .. import frames\n    return frames",
        "class C:\n    def m(self):\n        from mynalib.vault import store\n",
        "def f():\n    from ..vault.codec import decode_extract\n",
    ],
)
def test_the_check_sees_a_forbidden_import_at_any_depth(code: str) -> None:
    tree = ast.parse(code)
    assert forbidden(imported_modules(tree, "mynalib.sources.example", False)), code


def test_the_check_allows_what_parsers_use() -> None:
    code = "import csv\nfrom ..errors import MalformedDocument\nfrom .records import ParseResult\n"
    tree = ast.parse(code)
    assert forbidden(imported_modules(tree, "mynalib.sources.example", False)) == []


def test_importing_every_parser_loads_no_frame_or_pandas() -> None:
    """At run time too: the parsers, their detection and a parse leave pandas, numpy and the
    frames unloaded."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from mynalib import sources\n"
        "from mynalib.sources import iryohi_csv, kenshin_cda, kojo_xml, nenkin_csv, portal_json\n"
        "sources.load_all()\n"
        "for path in sorted(Path('sample_data').rglob('*'))[:40]:\n"
        "    if path.suffix in ('.csv', '.xml'):\n"
        "        data = path.read_bytes()\n"
        "        sources.parse(sources.detect_kind(data), data)\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'mynalib.frames', 'mynalib.vault')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
