"""The access log leaves out the platforms' successful webhook deliveries (each has its own
`answered` or `slack_duplicate_dropped` record) and keeps everything else."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from adapters.app import create_app
from adapters.server import AccessLogger
from adapters.settings import Settings
from bot import Bot


def logged(path: str, status: int) -> bool:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("test.access")
    logger.addHandler(handler := Keep())
    logger.setLevel(logging.INFO)
    try:
        request = make_mocked_request("POST", path)
        AccessLogger(logger, web.AccessLogger.LOG_FORMAT).log(
            request, web.Response(status=status), 0.001
        )
    finally:
        logger.removeHandler(handler)
    return bool(records)


@pytest.mark.parametrize("path", ["/slack/events", "/api/messages"])
def test_successful_webhook_deliveries_are_not_access_logged(path: str) -> None:
    """A 200 on a platform webhook leaves no access-log line."""
    assert not logged(path, 200)


@pytest.mark.parametrize(
    ("path", "status"), [("/slack/events", 401), ("/api/messages", 503), ("/api/ask", 200)]
)
def test_refused_deliveries_and_other_requests_are_access_logged(path: str, status: int) -> None:
    """A refused or failed delivery, and any other request, is still logged."""
    assert logged(path, status)


def access_lines(bot: Bot, paths: list[str]) -> list[str]:
    """Serve the real app with the production access logger on a loopback port, ask for each
    path, and return the access log's lines."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    async def run() -> None:
        runner = web.AppRunner(create_app(Settings(), bot), access_log_class=AccessLogger)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            timeout = aiohttp.ClientTimeout(total=10)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for path in paths:
                    async with session.get(f"http://127.0.0.1:{port}{path}") as response:
                        await response.read()
        finally:
            await runner.cleanup()

    logger = logging.getLogger("aiohttp.access")
    logger.addHandler(handler := Keep())
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        asyncio.run(asyncio.wait_for(run(), timeout=30))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return lines


def test_text_in_a_link_never_reaches_the_access_log(shipped_bot: Bot) -> None:
    """A question put in a link's query string, or in its path, is not written to the access
    log: each line names the matched route (or none), never the path as sent."""
    lines = access_lines(
        shipped_bot,
        ["/?question=Jayden+Smith+07700+900456", "/Jayden%20Smith%2007700%20900456", "/healthz"],
    )
    assert len(lines) == 3
    assert not [line for line in lines if "Jayden" in line or "900456" in line], lines
    assert lines[0].startswith("GET / 200 ")
    assert lines[1].startswith("GET (no route) 404 ")
    assert lines[2].startswith("GET /healthz 200 ")
