"""What the running app keeps: redacted before any write, and never at the cost of an answer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient

from adapters.app import create_app
from adapters.recording import Claim, Recorder
from adapters.service import ChatService
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


@pytest.mark.parametrize(
    "question",
    [
        "ring \uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff14\uff15\uff16, "
        "postcode \uff2e\uff25\uff11 \uff14\uff38\uff39, about the printer rota",
        "ring 0770\u200b0 900456 about the printer rota",
        "ring 07700\u00ad900456 about the printer rota",
        "ring 0770\u20600 900456, postcode NE1\u200d 4XY, about the printer rota",
    ],
    ids=["full-width", "zero-width-space", "soft-hyphen", "word-joiner"],
)
def test_identifier_typed_in_unusual_characters_is_kept_redacted(
    storage: SqlStorage, shipped_bot: Bot, question: str
) -> None:
    """A phone number or postcode in full-width digits or with an invisible character inside
    (text pasted from a PDF or a web page) is redacted before it is kept, as the bot reads it."""

    async def use(client: TestClient[Any, Any]) -> str:
        response = await client.post("/api/ask", json={"question": question})
        return str((await response.json())["outcome"])

    assert with_app(shipped_bot, storage, use) == "not_sure"  # so the question is kept
    stored = everything_stored(storage)
    assert "[PHONE]" in stored
    assert "900456" not in stored
    assert "\uff10" not in stored and "4XY" not in stored and "\uff38" not in stored


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
    """SQLite storage whose event claims fail while `down` is set; counts claim transactions."""

    down = False
    transactions = 0

    def claim_event(self, event_id: str, today: date | None = None) -> bool:
        return event_id in self.claim_events([event_id], today)

    def claim_events(self, event_ids: Sequence[str], today: date | None = None) -> set[str]:
        if self.down:
            raise StorageError("database error: OperationalError")
        self.transactions += 1
        return super().claim_events(event_ids, today)


def two_instances(path: Path) -> tuple[FlakyClaims, Recorder, Recorder]:
    """Two recorders (two bot processes) sharing one database, which `down` takes away."""
    storage = FlakyClaims(path)
    fast = {"probe_seconds": 0.02, "rejoin_seconds": 0.2}
    return storage, Recorder(storage, 30, **fast), Recorder(storage, 30, **fast)


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait (bounded) for `condition`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


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


def test_claims_made_during_an_outage_are_written_back_when_the_database_returns(
    tmp_path: Path,
) -> None:
    """An event one instance answered while the database was away is in the database once it
    returns, so a retry that reaches another instance then is dropped."""
    storage, first, second = two_instances(tmp_path / "bot.sqlite3")

    async def run() -> Claim:
        await first.claim_delivery("Ev-warm")
        storage.down = True
        assert await first.claim_delivery("Ev-outage") is Claim.NEW  # memory decides
        storage.down = False
        await until(lambda: not first.database_away)
        return await second.claim_delivery("Ev-outage", redelivery=True)

    assert asyncio.run(run()) is Claim.SEEN


class BusyClaims(FlakyClaims):
    """Claims whose every write lasts long enough for another first delivery to arrive: a
    steady stream of events while the database comes back."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.recorder: Recorder | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.arrived: list[str] = []

    def claim_events(self, event_ids: Sequence[str], today: date | None = None) -> set[str]:
        claimed = super().claim_events(event_ids, today)
        recorder, loop = self.recorder, self.loop
        if recorder is not None and loop is not None and len(self.arrived) < 10_000:
            event_id = f"Ev-arrived-{len(self.arrived)}"
            self.arrived.append(event_id)
            loop.call_soon_threadsafe(
                lambda: asyncio.ensure_future(recorder.claim_delivery(event_id))
            )
        return claimed


def test_claims_rejoin_the_database_while_outage_claims_keep_arriving(tmp_path: Path) -> None:
    """Under steady load the write-back does not wait for a moment with nothing left to write:
    after one successful write new claims go to the database, and the rest follow at once."""
    storage = BusyClaims(tmp_path / "bot.sqlite3")
    recorder = Recorder(storage, 30, probe_seconds=0.02, rejoin_seconds=0.2)

    async def run() -> list[Claim]:
        await recorder.claim_delivery("Ev-warm")
        storage.down = True
        await recorder.claim_delivery("Ev-outage")
        storage.recorder, storage.loop = recorder, asyncio.get_running_loop()
        storage.down = False
        await until(lambda: not recorder.database_away, seconds=1.0)
        storage.recorder = None
        await asyncio.sleep(0.05)  # the claims that arrived meanwhile are written
        other = Recorder(storage, 30)
        return [await other.claim_delivery(e, redelivery=True) for e in storage.arrived[:3]]

    assert asyncio.run(run()) == [Claim.SEEN] * 3


def test_a_retry_unknown_here_during_an_outage_is_unsure_until_the_database_says(
    tmp_path: Path,
) -> None:
    """While the database is away, a retry this instance has not seen is UNSURE; settling it
    after the database returns drops it when another instance answered the event."""
    storage, first, second = two_instances(tmp_path / "bot.sqlite3")

    async def run() -> tuple[Claim, bool, Claim]:
        await first.claim_delivery("Ev-warm")
        await second.claim_delivery("Ev-warm-2")
        storage.down = True
        await first.claim_delivery("Ev-outage")
        await second.claim_delivery("Ev-other")  # the second instance notices the outage too
        claim = await second.claim_delivery("Ev-outage", redelivery=True)
        settling = asyncio.ensure_future(second.settle("Ev-outage", timeout=5))
        await asyncio.sleep(0.1)
        storage.down = False
        answer = await settling
        return claim, answer, await second.claim_delivery("Ev-outage", redelivery=True)

    assert asyncio.run(run()) == (Claim.UNSURE, False, Claim.SEEN)


def test_a_first_delivery_during_an_outage_is_answered_at_once(tmp_path: Path) -> None:
    """A first delivery never waits for the database: memory claims it while it is away."""
    storage, first, _ = two_instances(tmp_path / "bot.sqlite3")

    async def run() -> tuple[Claim, float]:
        storage.down = True
        await first.claim_delivery("Ev-notice")
        started = time.monotonic()
        claim = await first.claim_delivery("Ev-first")
        return claim, time.monotonic() - started

    claim, seconds = asyncio.run(run())
    assert claim is Claim.NEW
    assert seconds < 0.1


def test_an_urgent_unsure_retry_is_answered_at_once(shipped_bot: Bot, tmp_path: Path) -> None:
    """An urgent reply never waits for the database: a second 999 instruction does no harm, a
    late one could."""
    storage, first, _ = two_instances(tmp_path / "bot.sqlite3")
    service = ChatService(shipped_bot, first)

    async def run() -> tuple[Claim, bool, float]:
        storage.down = True
        await service.claim_delivery("Ev-notice")
        claim = await service.claim_delivery("Ev-urgent", redelivery=True)
        started = time.monotonic()
        answer = await service.settle("Ev-urgent", urgent=True)
        return claim, answer, time.monotonic() - started

    claim, answer, seconds = asyncio.run(run())
    assert (claim, answer) == (Claim.UNSURE, True)
    assert seconds < 0.1


def test_an_unsure_retry_is_answered_when_the_database_stays_away(tmp_path: Path) -> None:
    """Settling waits a bounded time: if the database is still away, the retry is answered, so
    no answer is ever lost."""
    storage, first, _ = two_instances(tmp_path / "bot.sqlite3")

    async def run() -> tuple[Claim, bool]:
        storage.down = True
        await first.claim_delivery("Ev-notice")
        claim = await first.claim_delivery("Ev-retry", redelivery=True)
        return claim, await first.settle("Ev-retry", timeout=0.2)

    assert asyncio.run(run()) == (Claim.UNSURE, True)


def test_a_shutdown_releases_unsure_retries_at_once(tmp_path: Path) -> None:
    """At shutdown nothing waits for the database: a retry being settled is answered now."""
    storage, first, _ = two_instances(tmp_path / "bot.sqlite3")

    async def run() -> bool:
        storage.down = True
        await first.claim_delivery("Ev-notice")
        await first.claim_delivery("Ev-retry", redelivery=True)
        settling = asyncio.ensure_future(first.settle("Ev-retry", timeout=30))
        await asyncio.sleep(0.05)
        first.release()
        return await asyncio.wait_for(settling, timeout=5)

    assert asyncio.run(run()) is True


def test_claims_arriving_together_share_one_transaction(tmp_path: Path) -> None:
    """Under load, claims waiting at the same moment are committed together, each still
    decided on its own (a repeated event id is claimed once)."""
    storage = FlakyClaims(tmp_path / "bot.sqlite3")
    recorder = Recorder(storage, 30)

    async def run() -> list[bool]:
        await recorder.claim("Ev-warm")
        storage.transactions = 0
        return list(await asyncio.gather(*(recorder.claim(f"Ev{i % 40}") for i in range(50))))

    claimed = asyncio.run(run())
    assert claimed.count(True) == 40
    assert storage.transactions <= 2
