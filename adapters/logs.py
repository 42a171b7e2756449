"""Logs as data: one JSON object per line, and never what anyone typed.

Log records carry event names, topic ids, outcomes, scores and timings. Message text, and
exception messages that might quote it, are never passed to a logger.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from bot import Reply

LOGGER = logging.getLogger("safeguarding_bot")
INSTANCE = os.environ.get("DYNO") or socket.gethostname()

# Keys a log record may carry besides the standard ones. Anything else is dropped, so a
# careless `extra={"text": ...}` can never reach the output.
ALLOWED_FIELDS = frozenset(
    {
        "event",
        "channel",
        "outcome",
        "topic",
        "choices",
        "score",
        "urgent",
        "urgent_rules",
        "latency_ms",
        "status",
        "path",
        "problems",
        "port",
        "host",
        "url",
        "mode",
        "topics",
        "event_loop",
        "contacts",
        "error_type",
        "instance",
        "helpful",
        "attempts",
        "activity_type",
        # Slack adapter: the Web API method, Slack's error code, retry count and wait.
        "method",
        "slack_error",
        "retry_num",
        "retry_after",
    }
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, message and allowed fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "instance": INSTANCE,
        }
        for key, value in record.__dict__.items():
            if key in ALLOWED_FIELDS:
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: an exception's message or traceback may quote a question.
            entry["error_type"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "INFO", path: Path | None = None) -> None:
    """Send the bot's logs as JSON lines to stdout, or to the file `path` (appended)."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    handler: logging.Handler = (
        logging.FileHandler(path, encoding="utf-8") if path else logging.StreamHandler(sys.stdout)
    )
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # A record that fails to format (say, a library's message with the wrong arguments) would
    # otherwise be dumped to stderr by logging itself, arguments and all, past the formatter.
    logging.raiseExceptions = False


def reply_fields(reply: Reply, channel: str, latency_ms: float) -> dict[str, Any]:
    """The loggable facts of a reply: ids, outcome, scores, timing; never text."""
    return {
        "event": "answered",
        "channel": channel,
        "outcome": reply.outcome.value,
        "topic": reply.topic.id if reply.topic else None,
        "choices": [t.id for t in reply.choices],
        "score": reply.score,
        "urgent": reply.urgent,
        "urgent_rules": list(reply.urgent_rules),
        "latency_ms": round(latency_ms, 2),
    }
