"""What the running app keeps: redacted before any write, and never at the cost of an answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient

from adapters.app import create_app
from adapters.recording import Recorder
from adapters.settings import Settings
from bot import Bot
from bot.storage import SQLiteStorage, SqlStorage, StorageError
from tests.conftest import run_app
from tests.storage_backends import TABLES

T = TypeVar("T")

IDENTIFYING_QUESTIONS = [
    "Jayden Smith in year 9 gave me his number 07700 900456, can I ring him about the rota",
    "email kerry.jones@example.com about the pupil at 14 Acacia Avenue, NE1 4XY re the printer",
    "dob 12/03/2011, NHS number 943 476 5919, NI AB123456C: where is the holiday rota",
    "Mr Okafor's son Tyler (14) keeps asking about the school trip budget",
]
IDENTIFIERS = [
    "Jayden",
    "Smith",
    "07700 900456",
    "kerry.jones@example.com",
    "Acacia",
    "NE1 4XY",
    "12/03/2011",
    "943 476 5919",
    "AB123456C",
    "Okafor",
    "Tyler",
]


def with_app(
    bot: Bot, storage: SqlStorage, use: Callable[[TestClient[Any, Any]], Awaitable[T]]
) -> T:
    """Serve the app on `storage`; stopping it flushes the queued records."""
    return run_app(lambda: create_app(Settings(), bot, storage=storage), use)


def everything_stored(storage: SqlStorage) -> str:
    """Every value of every table, as one text to search."""
    values: list[str] = []
    with storage._transaction() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table}")
            values.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(values)


def test_database_holds_no_identifier_after_identifying_questions(
    storage: SqlStorage, shipped_bot: Bot
) -> None:
    """Questions full of names, numbers, emails, addresses and dates are kept redacted only."""

    async def use(client: TestClient[Any, Any]) -> list[str]:
        outcomes = []
        for question in IDENTIFYING_QUESTIONS:
            response = await client.post("/api/ask", json={"question": question})
            outcomes.append((await response.json())["outcome"])
        return outcomes

    outcomes = with_app(shipped_bot, storage, use)
    assert "not_sure" in outcomes  # so some questions were kept for the admin, redacted
    stored = everything_stored(storage)
    assert "[" in stored  # placeholders such as [NAME] and [PHONE] stand where details were
    for identifier in IDENTIFIERS:
        assert identifier not in stored


def test_answer_is_sent_when_the_database_is_down(
    shipped_bot: Bot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A storage failure never stops an answer: the reply is sent and the failure logged."""
    (tmp_path / "not-a-directory").write_text("")
    broken = SQLiteStorage(tmp_path / "not-a-directory" / "bot.sqlite3")

    async def use(client: TestClient[Any, Any]) -> tuple[int, Any]:
        response = await client.post("/api/ask", json={"question": "who is the lado"})
        return response.status, await response.json()

    with caplog.at_level(logging.WARNING):
        status, reply = with_app(shipped_bot, broken, use)
    assert status == 200
    assert reply["topic"] == "allegations-lado"
    assert any(getattr(r, "event", "") == "storage_failed" for r in caplog.records)


class FlakyClaims(SQLiteStorage):
    """SQLite storage whose event claims fail while `down` is set."""

    down = False

    def claim_event(self, event_id: str, today: date | None = None) -> bool:
        if self.down:
            raise StorageError("database error: OperationalError")
        return super().claim_event(event_id, today)


def test_an_event_claimed_during_an_outage_is_not_claimed_again_after(tmp_path: Path) -> None:
    """While the database is away this process remembers its claims; a retry of the same event
    after the database returns is still dropped."""
    storage = FlakyClaims(tmp_path / "bot.sqlite3")
    recorder = Recorder(storage, retention_days=30)

    async def run() -> list[bool]:
        storage.down = True
        during = await recorder.claim("Ev-outage")
        storage.down = False
        return [during, await recorder.claim("Ev-outage"), await recorder.claim("Ev-new")]

    assert asyncio.run(run()) == [True, False, True]
