"""The one notebook progress bar (mynalib.widgets.progress) and the workbook's use of it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("ipywidgets")

from mynalib.widgets import progress as progress_module


def test_the_bar_appears_at_the_first_call_and_follows_the_callback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[Any] = []
    monkeypatch.setattr(progress_module, "display", shown.append)
    update = progress_module.notebook_progress("取得中", "{done}/{total} {label}")
    assert shown == []  # nothing until the work starts
    update(0, 3, "starting")
    update(2, 3, "年金記録")
    assert len(shown) == 1  # one bar, moved in place
    bar, text = shown[0].children
    assert (bar.value, bar.max, bar.description) == (2, 3, "取得中")
    assert text.value == "2/3 年金記録" and bar.bar_style != "success"
    update(3, 3, "申請状況")
    assert bar.value == 3 and bar.bar_style == "success" and len(shown) == 1


def test_the_workbook_uses_the_same_bar_only_in_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython

    from mynalib import workbook

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert workbook._notebook_progress() is None

    kernel = SimpleNamespace(config={"IPKernelApp": {}})
    shown: list[Any] = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: kernel)
    monkeypatch.setattr(progress_module, "display", shown.append)
    update = workbook._notebook_progress()
    assert update is not None
    update(1, 4, "薬剤情報")
    bar, text = shown[0].children
    assert (bar.value, bar.max, bar.description) == (1, 4, "準備中")
    assert text.value == "サンプル保管庫を作成しています: 薬剤情報"
