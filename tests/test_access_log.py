"""The access log leaves out the platforms' successful webhook deliveries (each has its own
`answered` or `slack_duplicate_dropped` record) and keeps everything else."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from adapters.server import AccessLogger


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
