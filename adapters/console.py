"""The terminal chat and the JSON form of a reply, for `safeguarding-bot chat` and `ask`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from bot import Bot, Question, Reply
from bot.compose import offered, plain_text
from bot.conversation import RecentMessages

CHANNEL = "terminal"
GREETING = (
    "safeguarding-bot: ask a question about a concern for a child.\n"
    "If a child is in immediate danger, call 999 now.\n"
    "Don't type names or identifying details. Type a number to pick a topic I offer, "
    "or 'quit' to stop."
)
QUIT_WORDS = frozenset({"quit", "exit", "bye", ":q"})


def reply_json(reply: Reply) -> dict[str, Any]:
    """The stable, documented JSON form of a reply (see the README)."""
    return {
        "outcome": reply.outcome.value,
        "urgent": reply.urgent,
        "topic": reply.topic.id if reply.topic else None,
        "choices": [topic.id for topic in reply.choices],
        "score": reply.score,
        "contacts": [contact.id for contact in reply.contacts],
        "text": plain_text(reply),
    }


class Conversation:
    """One person's text conversation: remembers the topics last offered, so "2" picks one,
    and the last messages (redacted, in memory), so a follow-up is read with them."""

    def __init__(self, bot: Bot | Callable[[], Bot], channel: str = CHANNEL) -> None:
        """`bot`: the bot, or a function returning the one answering now (a server's, which a
        knowledge reload replaces)."""
        self._current = bot if callable(bot) else lambda: bot
        self.channel = channel
        self._offered: list[str] = []
        self._recent = RecentMessages()

    def ask(self, text: str) -> Reply:
        """Answer one line: a number picks an offered topic, anything else is a question."""
        stripped = text.strip().rstrip(".")
        chosen = None
        if stripped.isdigit() and 1 <= int(stripped) <= len(self._offered):
            chosen = self._offered[int(stripped) - 1]
        question = Question(
            text="" if chosen else text,
            channel=self.channel,
            chosen_topic=chosen,
            earlier=self._recent.earlier(self.channel),
        )
        reply = self._current().answer(question)
        self._recent.add(self.channel, question.text)
        self._offered = [topic.id for topic in offered(reply)]
        return reply


def chat(
    bot: Bot | Callable[[], Bot],
    read: Callable[[str], str],
    out: TextIO,
    max_turns: int = 10_000,
) -> None:
    """Run a terminal chat until 'quit', end of input, or `max_turns` questions (`bot`: as for
    `Conversation`)."""
    conversation = Conversation(bot)
    print(GREETING, file=out, flush=True)
    for _ in range(max_turns):
        try:
            line = read("\n> ")
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return
        if line.strip().lower() in QUIT_WORDS:
            return
        if not line.strip():
            continue
        print("\n" + plain_text(conversation.ask(line)), file=out, flush=True)
