"""What every channel adapter calls: the current bot, answering (logged and kept), feedback and
event claims. One object, so a knowledge reload swaps the bot for every channel at once."""

from __future__ import annotations

import time
from dataclasses import dataclass

from adapters import logs
from adapters.recording import Recorder
from bot import Bot, Question, Reply


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

    @property
    def bot(self) -> Bot:
        """The bot answering now (replaced whole on a knowledge reload)."""
        return self._bot

    def use(self, bot: Bot) -> None:
        """Answer with `bot` from now on; a question already being answered finishes as it was."""
        self._bot = bot

    def knows_topic(self, topic_id: str) -> bool:
        """Whether `topic_id` is a topic of the current knowledge base."""
        return topic_id in self._bot.knowledge.topics

    def answer(self, question: Question) -> Answered:
        """Answer, log the outcome (never the text) and keep the redacted record.

        Call it from the event loop: the record is written in the background."""
        started = time.perf_counter()
        reply = self._bot.answer(question)
        elapsed = (time.perf_counter() - started) * 1000
        logs.LOGGER.info("answered", extra=logs.reply_fields(reply, question.channel, elapsed))
        record_id = self.recorder.answered(question, reply) if self.recorder else None
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
