"""The terminal, as a person sees it: `myna table` with Japanese text lines up in a real
monospace CJK font (rendered in Chromium), and a person typed with an ASCII space is found.
The picture goes to the user guide (docs/terminal.png)."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import vault_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TERMINAL_PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>
body {{ margin: 0; background: #1e1e1e; }}
pre {{ margin: 0; padding: 14px 18px; color: #e6e6e6; background: #1e1e1e; display: inline-block;
  font: 14px/1.45 "Noto Sans Mono CJK JP", "Noto Sans Mono CJK SC", monospace; }}
.prompt {{ color: #8ae234; }}
</style></head><body><pre id="term"><span class="prompt">$ {command}</span>
{lines}</pre></body></html>"""


def test_myna_table_lines_up_in_a_terminal_font(
    demo_site: dict[str, Any], page: Any, shots: Path
) -> None:
    args = ["table", "medical_expenses", "--year", "2025", "--person", "見本 太郎"]
    result = subprocess.run(
        [sys.executable, "-m", "mynalib.cli", *args],
        env=vault_env(demo_site),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = result.stdout.splitlines()
    assert len(rows) > 5 and all("見本　太郎" in r for r in rows[1:])  # found with an ASCII space
    shown = rows[:9]
    lines = "\n".join(f'<span class="row">{html.escape(r)}</span>' for r in shown)
    command = html.escape("./myna " + " ".join(a if " " not in a else f'"{a}"' for a in args))
    page.set_content(TERMINAL_PAGE.format(command=command, lines=lines))
    month = page.evaluate(
        "() => Array.from(document.querySelectorAll('.row')).map(r => {"
        " const range = document.createRange(); const t = r.firstChild;"
        " const i = t.textContent.search(/month|20\\d\\d-\\d\\d/);"
        " range.setStart(t, i); range.setEnd(t, i + 1);"
        " return Math.round(range.getBoundingClientRect().left); })"
    )
    assert len(set(month)) == 1, month  # the month column starts at the same pixel on every row
    page.locator("#term").screenshot(path=str(shots / "terminal-table.png"))
    page.locator("#term").screenshot(path=str(ROOT / "docs" / "terminal.png"))
