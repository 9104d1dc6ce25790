"""Fixtures for the dashboard browser tests: the demo vault, the servers, headless Chromium.

Playwright for Python drives Debian's ``chromium`` (never a downloaded browser). Every request
that is not to the loopback is aborted (the pages must not ask another machine for anything; a test checks that they do not). Voila runs as a
child process with its Jupyter folders under the test's temporary folder; readiness is a TCP
connect; it is stopped by PID.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import CHROMIUM_ARGS, chromium_path  # noqa: F401 (re-exported for the tests)

RENDER_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The sample vault + card (built like `myna demo` does) and running sandbox + Voila."""
    pytest.importorskip("voila")
    from mynalib import demo

    workdir = tmp_path_factory.mktemp("demo")
    with demo.demo_environment(workdir) as env:
        servers = demo.start_servers(workdir, env_extra=env, show_tracebacks=True, timeout=90)
        try:
            yield {"servers": servers, "env": env, "workdir": workdir}
        finally:
            servers.stop()


def _route(route: Any) -> None:
    url = route.request.url
    if url.startswith(("http://127.0.0.1", "http://localhost", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    context.route("**/*", _route)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def open_dashboard(page: Any, servers: Any, name: str) -> None:
    """Go to a dashboard and wait until its widgets are on the page."""
    page.goto(servers.url(name), wait_until="commit")
    page.locator(".myna-app").wait_for(timeout=RENDER_TIMEOUT_MS)


def vault_env(site: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(site["env"])
    return env


@pytest.fixture(scope="session")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "dashboards"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
