"""Shared test set-up: hermetic HOME, opt-in hardware tests, artefacts folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hardware",
        action="store_true",
        default=False,
        help="run tests that need a physical reader and a real My Number card",
    )


#: markers of tests that share one resource of the machine; under pytest-xdist (``make test``:
#: ``-n auto --dist loadgroup``) each group runs on one worker, one test after another: the
#: pcscd tests start the system's one pcscd (a test meeting another worker's pcscd would skip)
SERIAL_GROUPS = {"pcsc": "pcscd", "hardware": "pcscd"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        groups = {g for m, g in SERIAL_GROUPS.items() if item.get_closest_marker(m) is not None}
        for group in sorted(groups):
            item.add_marker(pytest.mark.xdist_group(group))
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="hardware test: opt in with --hardware (needs a reader + card)")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _hermetic_env(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep tests away from the user's vault, keyring, Jupyter and matplotlib folders."""
    home = tmp_path_factory.mktemp("home")
    os.environ["MYNA_HOME"] = str(home / "myna")
    os.environ["MYNA_VAULT"] = str(home / "vault")
    os.environ.setdefault("MPLCONFIGDIR", str(home / "mpl"))
    os.environ.setdefault("JUPYTER_DATA_DIR", str(home / "jupyter-data"))
    os.environ.setdefault("JUPYTER_RUNTIME_DIR", str(home / "jupyter-runtime"))
    os.environ.setdefault("MPLBACKEND", "Agg")
    for var in ("MYNA_AUTH_PIN", "MYNA_SIGN_PIN", "MYNA_KENHOJO_PIN"):
        os.environ.pop(var, None)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for test artefacts (screenshots, rendered charts); kept after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright, ONE per test session: Playwright's sync API keeps an
    event loop running while it is open, so a second ``sync_playwright()`` in the same process
    would fail. Every browser test (dashboards, the phone page, …) uses this one."""
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    if exe is None:
        pytest.skip("Debian's chromium is not installed (make setup installs it when run as root)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
