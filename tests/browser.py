"""A real headless Chromium (Debian's package, driven by Playwright) and a real server, for the
browser tests.

Playwright's own browser downloads are never used: `playwright install` is not run, and the
browser is Debian's `/usr/bin/chromium` (or CHROMIUM_PATH). The launch flags keep Chromium off
the network (no component updates, sync, field trials or QUIC), each run gets a fresh profile
directory, and every request to anywhere but the test server is aborted.

Without Chromium the browser tests are skipped on a developer's machine, but fail in CI
(`CI=true`), where they must run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from aiohttp import web

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Route

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--no-default-browser-check",
)
LAUNCH_TIMEOUT_MS = 60_000
ACTION_TIMEOUT_MS = 15_000


def chromium_path() -> str:
    """Debian's Chromium, or CHROMIUM_PATH; skip (fail in CI) when there is none."""
    wanted = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    in_ci = os.environ.get("CI", "").lower() == "true"
    missing = []
    if not Path(wanted).is_file():
        missing.append(f"Chromium ({wanted}; apt-get install chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if in_ci:
            pytest.fail(message + ", and CI must run them")
        pytest.skip(message)
    return wanted


@asynccontextmanager
async def chromium(profile: Path, server: str) -> AsyncIterator[BrowserContext]:
    """A headless Chromium with a fresh profile in `profile` that may reach `server` only."""
    from playwright.async_api import async_playwright

    executable = chromium_path()
    allowed = urlsplit(server).netloc

    async def only_the_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == allowed:
            await route.continue_()
        else:
            await route.abort()

    profile.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as driver:
        context = await driver.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=list(CHROMIUM_ARGS),
            timeout=LAUNCH_TIMEOUT_MS,
            viewport={"width": 1100, "height": 900},
            locale="en-GB",
        )
        try:
            context.set_default_timeout(ACTION_TIMEOUT_MS)
            context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
            await context.route("**/*", only_the_server)
            yield context
        finally:
            await context.close()


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port in this event loop; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
