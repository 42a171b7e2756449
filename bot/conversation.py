"""A conversation's last few messages, redacted and held in memory for a short while, so a
follow-up ("she's 14 and with men we know exploit children") is read with what came before.

Nothing here is written anywhere: a restart forgets it, and so does the clock.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from bot.redact import redact

KEEP_MESSAGES = 2  # a follow-up is read with at most this many messages before it
KEEP_SECONDS = 15 * 60  # older messages are forgotten: a new concern, not a follow-up
KEEP_CHARS = 1_000  # of each message, its start (what the matcher reads of a question)
KEEP_CONVERSATIONS = 5_000  # then the least recently used is forgotten (all full: about 12 MB)


class RecentMessages:
    """The last `keep` messages of each conversation, redacted, for `seconds` after each was
    sent; at most `conversations` conversations, the least recently used forgotten first."""

    def __init__(
        self,
        *,
        keep: int = KEEP_MESSAGES,
        seconds: float = KEEP_SECONDS,
        conversations: int = KEEP_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keep = keep
        self._seconds = seconds
        self._conversations = conversations
        self._clock = clock
        self._messages: OrderedDict[str, list[tuple[float, str]]] = OrderedDict()

    def earlier(self, conversation: str) -> tuple[str, ...]:
        """The conversation's messages still remembered, oldest first (redacted)."""
        now = self._clock()
        kept = [
            text
            for sent, text in self._messages.get(conversation, ())
            if now - sent <= self._seconds
        ]
        if not kept:
            self._messages.pop(conversation, None)
        return tuple(kept)

    def add(self, conversation: str, text: str) -> None:
        """Remember one message of the conversation, redacted; an empty one is not kept."""
        if not text.strip():
            return
        now = self._clock()
        messages = [
            (sent, kept)
            for sent, kept in self._messages.pop(conversation, [])
            if now - sent <= self._seconds
        ]
        messages.append((now, redact(text).text[:KEEP_CHARS]))
        self._messages[conversation] = messages[-self._keep :]
        while len(self._messages) > self._conversations:
            self._messages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._messages)
