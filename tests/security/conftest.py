"""The portal tests' sandbox fixtures, for the attacks on the sandbox."""

from ..portal.conftest import make_sandbox, sandbox  # noqa: F401 (fixtures, used by name)


def run_async(make_coro):  # type: ignore[no-untyped-def]
    """Run ``make_coro()`` to completion on a fresh event loop in its own thread (a test in this
    process may already have a loop running in the main thread, e.g. Playwright's)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coro())).result()
