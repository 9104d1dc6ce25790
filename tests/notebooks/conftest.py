"""Fixtures for the notebook tests: the sample vault and the font cache, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_workbook() -> Path:
    """Build the sample vault and the matplotlib font cache once, before any kernel starts.

    Kernels inherit this process's environment (hermetic MYNA_HOME, MPLCONFIGDIR, MPLBACKEND from
    tests/conftest.py), so every notebook reuses the same cached sample vault and font cache.
    """
    from mynalib import charts, workbook

    charts.setup()
    wb = workbook.open_workbook("sample")
    try:
        return wb.path
    finally:
        wb.close()
