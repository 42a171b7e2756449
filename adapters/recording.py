"""Keep what admins need, through the storage port, without ever delaying or failing an answer.

Every channel calls `Recorder.answered(question, reply)` after answering: the record (redacted by
`AnswerRecord.of`) is written in the background, so a slow or absent database costs the person
asking nothing. Failures are logged by type only and the bot carries on; when the database
returns, writes succeed again.

Event claims (`claim_delivery`) decide which instance answers a platform's event. Claims waiting
at the same moment share one transaction (one commit for many events under load). While the
database is away this process's memory decides, without asking the database again until a probe
finds it back; the probe then writes the claims made meanwhile back to the database before any
new claim goes there, so the other instances see them. A redelivery (a platform's retry) that
this process has not seen, while the database is away or has just come back, is `Claim.UNSURE`:
another instance may have answered it, and `settle` waits (bounded) for the database to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
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
CLAIM_BATCH = 500
# While the database is away, how often a probe checks whether it is back.
PROBE_SECONDS = 0.5
# After the database returns, how long redeliveries wait before claiming there: every instance's
# probe finds it back and writes its outage claims within about this long.
REJOIN_SECONDS = 2.0
# How long `settle` waits, at most, for the database before answering anyway.
SETTLE_SECONDS = 20.0
MAX_UNSYNCED = 100_000


class Claim(enum.Enum):
    """What a claim on one delivery of an event decided."""

    NEW = "new"  # the first delivery anyone has claimed: answer it
    SEEN = "seen"  # already claimed, here or by another instance: drop it
    # A redelivery this process has not seen, decided while the database could not say: another
    # instance may have answered it. Call `Recorder.settle` before answering.
    UNSURE = "unsure"


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
        self,
        storage: Storage,
        retention_days: int,
        claims: Storage | None = None,
        *,
        probe_seconds: float = PROBE_SECONDS,
        rejoin_seconds: float = REJOIN_SECONDS,
    ) -> None:
        """`claims`: a second connection to the same database for event claims, so that a
        platform's acknowledgement never waits behind record writes (default: `storage`)."""
        self.storage = storage
        self.probe_seconds = probe_seconds
        self.rejoin_seconds = rejoin_seconds
        self.claims = claims or storage
        self.retention_days = retention_days
        self._queue: list[AnswerRecord] = []
        self._writer: asyncio.Task[None] | None = None
        self._memory = ExpiringKeys()
        self._pending: list[tuple[str, asyncio.Future[bool | None]]] = []
        self._claimer: asyncio.Task[None] | None = None
        self._down = False  # the claims database failed and has not answered since
        self._rejoined_at = float("-inf")  # when a probe last found the database back
        self._unsynced: list[str] = []  # claims memory decided alone, for the database later
        self._prober: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._released = False  # shutting down: nothing waits for the database any more

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
        """True the first time an event id is seen by any instance sharing the database (this
        process's memory decides while the database is away)."""
        return await self.claim_delivery(event_id) is not Claim.SEEN

    async def claim_delivery(self, event_id: str, *, redelivery: bool = False) -> Claim:
        """Claim one delivery of an event; `redelivery` when the platform says it is a retry.

        This process's memory is asked first, so an event it claimed while the database was away
        is not claimed again when the database returns. While the database is away, memory alone
        decides a first delivery (answers carry on, and the claim is written back later); a
        redelivery this process has not seen is UNSURE, as it is until every instance has had
        time to write its outage claims back (`rejoin_seconds`)."""
        if not self._memory.add(event_id):
            return Claim.SEEN
        if self._down or (redelivery and self._rejoining()):
            return self._undecided(event_id, redelivery)
        claimed = await self._in_database(event_id)
        if claimed is None:  # the database failed just now
            return self._undecided(event_id, redelivery)
        return Claim.NEW if claimed else Claim.SEEN

    async def settle(self, event_id: str, timeout: float = SETTLE_SECONDS) -> bool:
        """For an UNSURE claim: True when this process should answer the event.

        Waits at most `timeout` seconds for the database (and for the other instances to write
        their outage claims back), then claims there. If the database is still away, memory
        decides: True, so an answer is never lost (another instance may have answered too)."""
        deadline = time.monotonic() + timeout
        while not self._released:
            if not self._down and not self._rejoining():
                claimed = await self._in_database(event_id)
                if claimed is not None:
                    return claimed
                continue  # it failed again: the database is down, wait for the probe
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if not self._down:  # back, but other instances may still be writing theirs
                remaining = min(
                    remaining, self._rejoined_at + self.rejoin_seconds - time.monotonic()
                )
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=max(remaining, 0.0))
        self._remember_unsynced(event_id)
        logs.LOGGER.warning(
            "claim decided without the database",
            extra={"event": "claim_unsettled", "path": "claim_event"},
        )
        return True

    def release(self) -> None:
        """Stop waiting for the database (at shutdown): every UNSURE claim is answered now."""
        self._released = True
        self._notify()

    @property
    def database_away(self) -> bool:
        """Whether event claims are being decided without the database now."""
        return self._down

    def _rejoining(self) -> bool:
        return time.monotonic() < self._rejoined_at + self.rejoin_seconds

    def _undecided(self, event_id: str, redelivery: bool) -> Claim:
        if redelivery:
            return Claim.UNSURE
        self._remember_unsynced(event_id)
        return Claim.NEW

    def _remember_unsynced(self, event_id: str) -> None:
        self._unsynced.append(event_id)
        if len(self._unsynced) > MAX_UNSYNCED:
            del self._unsynced[: len(self._unsynced) - MAX_UNSYNCED]

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _in_database(self, event_id: str) -> bool | None:
        """Claim in the database, batched with the claims waiting at the same moment; None
        when the database failed."""
        future: asyncio.Future[bool | None] = asyncio.get_running_loop().create_future()
        self._pending.append((event_id, future))
        if self._claimer is None or self._claimer.done():
            self._claimer = asyncio.get_running_loop().create_task(
                self._claim_pending(), name="claim-events"
            )
        return await future

    async def _claim_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:CLAIM_BATCH], self._pending[CLAIM_BATCH:]
            if self._down:  # failed meanwhile: decide these without asking again
                claimed: set[str] | None = None
            else:
                ids = [event_id for event_id, _ in batch]
                result = await self._call(
                    "claim_event", functools.partial(self.claims.claim_events, ids)
                )
                claimed = result if isinstance(result, set) else None
                if claimed is None:
                    self._went_down()
            for event_id, future in batch:
                if not future.done():
                    future.set_result(None if claimed is None else event_id in claimed)

    def _went_down(self) -> None:
        if self._down:
            return
        self._down = True
        self._notify()
        if self._prober is None or self._prober.done():
            self._prober = asyncio.get_running_loop().create_task(
                self._probe(), name="claims-probe"
            )

    async def _probe(self) -> None:
        """Every `PROBE_SECONDS` while the database is away, try to write the claims decided
        meanwhile. Once a write succeeds, new claims go to the database again (so no more are
        added here under load) and the few added while it was written follow at once."""
        while self._down:
            await asyncio.sleep(self.probe_seconds)
            if not await self._write_back():
                continue
            self._down = False
            self._rejoined_at = time.monotonic()
            while self._unsynced:
                if not await self._write_back():
                    self._down = True  # away again: the next probe tries once more
                    break
            if not self._down:
                logs.LOGGER.info(
                    "claims database back",
                    extra={"event": "claims_rejoined", "path": "claim_event"},
                )
            self._notify()

    async def _write_back(self) -> bool:
        """Write the claims decided without the database; False when it is still away."""
        unsynced = list(self._unsynced)
        try:
            await asyncio.to_thread(self.claims.claim_events, unsynced)
        except Exception:  # still away; the failure was logged when it went
            return False
        del self._unsynced[: len(unsynced)]
        return True

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
        recorder.release()
        for task in (purger, recorder._prober):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await recorder.flush()
        await asyncio.to_thread(recorder.storage.close)
        if recorder.claims is not recorder.storage:
            await asyncio.to_thread(recorder.claims.close)

    return context
