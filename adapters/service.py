"""What every channel adapter calls: the current bot, answering (logged and kept), feedback and
event claims. One object, so a knowledge reload swaps the bot for every channel at once."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from adapters import logs
from adapters.recording import SETTLE_SECONDS, Claim, Recorder
from bot import Bot, Question, Reply
from bot.conversation import RecentMessages

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


class InFlight:
    """Handlers answering someone right now, so a shutdown lets them finish (bounded).

    Slack's listeners run as background tasks after the 3-second acknowledgement; without this a
    SIGTERM could cancel an answer that Slack was already told to expect."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def track(self, handler: Handler) -> Handler:
        """Wrap an async handler so its task counts as in flight while it runs."""

        @functools.wraps(handler)
        async def tracked(*args: Any, **kwargs: Any) -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
            try:
                return await handler(*args, **kwargs)
            finally:
                if task is not None:
                    self._tasks.discard(task)

        return cast(Handler, tracked)

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float) -> None:
        """Wait, at most `timeout` seconds, for the handlers in flight to finish."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


@dataclass(frozen=True)
class Answered:
    """A reply and the id of its kept record (None when nothing is kept, e.g. on the CLI)."""

    reply: Reply
    record_id: str | None


class ChatService:
    """The channels' port to the core and to storage."""

    def __init__(self, bot: Bot, recorder: Recorder | None = None) -> None:
        self._bot = bot
        self.recorder = recorder
        self.in_flight = InFlight()
        self.recent = RecentMessages()

    @property
    def bot(self) -> Bot:
        """The bot answering now (replaced whole on a knowledge reload)."""
        return self._bot

    def use(self, bot: Bot) -> None:
        """Answer with `bot` from now on; a question already being answered finishes as it was."""
        self._bot = bot

    def in_conversation(self, question: Question, conversation: str) -> Question:
        """The question with the conversation's recent messages (redacted) to read it with.
        `conversation` names one person's conversation in one place, e.g. a Slack thread."""
        return dataclasses.replace(question, earlier=self.recent.earlier(conversation))

    def answer(self, question: Question, conversation: str | None = None) -> Answered:
        """Answer, log the outcome (never the text) and keep the redacted record; with
        `conversation`, remember the message (redacted, in memory) for the follow-ups.

        Call it from the event loop: the record is written in the background."""
        started = time.perf_counter()
        reply = self._bot.answer(question)
        elapsed = (time.perf_counter() - started) * 1000
        logs.LOGGER.info("answered", extra=logs.reply_fields(reply, question.channel, elapsed))
        record_id = self.recorder.answered(question, reply) if self.recorder else None
        if conversation is not None:
            self.recent.add(conversation, question.text)
        return Answered(reply, record_id)

    async def feedback(self, record_id: str, helpful: bool) -> bool:
        """Keep a helpful / not helpful vote for a kept reply; False if it was not kept."""
        if self.recorder is None:
            return False
        return await self.recorder.feedback(record_id, helpful)

    async def claim(self, key: str) -> bool:
        """True the first time `key` (a platform's event id) is seen by any instance."""
        if self.recorder is None:
            return True
        return await self.recorder.claim(key)

    async def claim_delivery(self, key: str, *, redelivery: bool = False) -> Claim:
        """Claim one delivery of a platform's event (`redelivery`: the platform's retry)."""
        if self.recorder is None:
            return Claim.NEW
        return await self.recorder.claim_delivery(key, redelivery=redelivery)

    async def settle(self, key: str, *, urgent: bool) -> bool:
        """For an UNSURE claim: whether to answer. An urgent reply is answered at once, even if
        another instance may have answered it already: a second 999 instruction does no harm, a
        late one could. Anything else waits (bounded) for the database to say."""
        if self.recorder is None:
            return True
        return await self.recorder.settle(key, timeout=0.0 if urgent else SETTLE_SECONDS)
