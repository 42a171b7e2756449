"""Keep what admins need, through the storage port, without ever delaying or failing an answer.

Every channel calls `Recorder.answered(question, reply)` after answering: the record (redacted by
`AnswerRecord.of`) is written in the background, so a slow or absent database costs the person
asking nothing. Failures are logged by type only and the bot carries on; when the database
returns, writes succeed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from datetime import date

from aiohttp import web

from adapters import logs
from bot import Question, Reply
from bot.storage import AnswerRecord, Storage

PURGE_EVERY_SECONDS = 3600.0
SHUTDOWN_WRITES_SECONDS = 5.0
WRITE_BATCH = 500


class ExpiringKeys:
    """Keys this process has seen recently, each forgotten `ttl_seconds` after it was added, at
    most `max_keys` of them (the oldest go first). Used for event claims while the database is
    away, and by the Slack adapter for threads the bot was mentioned in."""

    def __init__(
        self,
        ttl_seconds: float = 2 * 86400,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_keys
        self._clock = clock
        self._expires: OrderedDict[str, float] = OrderedDict()

    def _expire(self, now: float) -> None:
        while self._expires:
            key, expires = next(iter(self._expires.items()))
            if expires > now and len(self._expires) < self._max:
                break
            del self._expires[key]

    def add(self, key: str) -> bool:
        """Remember `key`; True if it was not already remembered (the caller claimed it)."""
        now = self._clock()
        self._expire(now)
        if key in self._expires:
            return False
        self._expires[key] = now + self._ttl
        return True

    def has(self, key: str) -> bool:
        """True if `key` is remembered and not expired."""
        self._expire(self._clock())
        return key in self._expires


class Recorder:
    """The adapters' one door to storage."""

    def __init__(
        self, storage: Storage, retention_days: int, claims: Storage | None = None
    ) -> None:
        """`claims`: a second connection to the same database for event claims, so that a
        platform's acknowledgement never waits behind record writes (default: `storage`)."""
        self.storage = storage
        self.claims = claims or storage
        self.retention_days = retention_days
        self._queue: list[AnswerRecord] = []
        self._writer: asyncio.Task[None] | None = None
        self._memory = ExpiringKeys()

    async def _call(self, what: str, call: Callable[[], object]) -> object | None:
        try:
            return await asyncio.to_thread(call)
        except Exception as error:  # a storage failure must never stop an answer
            logs.LOGGER.warning(
                "storage failed",
                extra={"event": "storage_failed", "path": what, "error_type": type(error).__name__},
            )
            return None

    def answered(self, question: Question, reply: Reply) -> str:
        """Keep `reply` in the background; return its record id (for feedback buttons).

        Records queue for one writer task, which keeps whatever has queued in one transaction:
        under load, one commit serves many answers."""
        record = AnswerRecord.of(question, reply)
        self._queue.append(record)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(
                self._write_queued(), name="record-answers"
            )
        return record.id

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:WRITE_BATCH], self._queue[WRITE_BATCH:]
            await self._call(
                "record_answers", functools.partial(self.storage.record_answers, batch)
            )

    async def feedback(self, answer_id: str, helpful: bool) -> bool:
        """Keep a helpful / not helpful vote; False when it could not be kept."""
        await self.flush()
        kept = await self._call(
            "record_feedback", lambda: self.storage.record_feedback(answer_id, helpful)
        )
        logs.LOGGER.info("feedback", extra={"event": "feedback", "status": bool(kept)})
        return bool(kept)

    async def claim(self, event_id: str) -> bool:
        """True the first time an event id is seen by any instance sharing the database.

        This process's memory is asked first, so an event it claimed while the database was away
        is not claimed again when the database returns; while the database is away, memory alone
        decides and answers carry on. (A retry that reaches another instance during an outage
        can still be answered twice.)"""
        if not self._memory.add(event_id):
            return False
        claimed = await self._call("claim_event", lambda: self.claims.claim_event(event_id))
        return True if claimed is None else bool(claimed)

    async def purge(self) -> None:
        """Delete what is past retention (never raises)."""
        await self._call("purge", lambda: self.storage.purge(self.retention_days, date.today()))

    async def flush(self, timeout: float = SHUTDOWN_WRITES_SECONDS) -> None:
        """Wait (bounded) for queued records to be written."""
        if self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer}, timeout=timeout)

    async def ready(self) -> bool:
        """Whether the database answers now."""
        try:
            await asyncio.to_thread(self.storage.ping)
        except Exception:
            return False
        return True


RECORDER_KEY = web.AppKey("recorder", Recorder)


def recorder_context(recorder: Recorder) -> Callable[[web.Application], AsyncIterator[None]]:
    """A cleanup context: migrate and purge at start, purge hourly, flush and close at the end."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        # Creates or upgrades the schema; if the database is away, the first write retries it.
        await recorder._call("migrate", recorder.storage.migrate)
        await recorder.purge()

        async def purge_hourly() -> None:
            while True:
                await asyncio.sleep(PURGE_EVERY_SECONDS)
                await recorder.purge()

        purger = asyncio.get_running_loop().create_task(purge_hourly(), name="purge")
        yield
        purger.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purger
        await recorder.flush()
        await asyncio.to_thread(recorder.storage.close)
        if recorder.claims is not recorder.storage:
            await asyncio.to_thread(recorder.claims.close)

    return context
