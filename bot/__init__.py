"""safeguarding-bot's core: knowledge, urgent rules, matching and replies.

Imports only the standard library, rapidfuzz and pyyaml: never a chat platform's SDK or a web
framework. Channels call `Bot.answer(Question) -> Reply`.
"""

from bot.engine import Bot
from bot.knowledge import KnowledgeBase, KnowledgeError, Problem
from bot.models import Contact, Outcome, Question, Reply, Topic

__all__ = [
    "Bot",
    "Contact",
    "KnowledgeBase",
    "KnowledgeError",
    "Outcome",
    "Problem",
    "Question",
    "Reply",
    "Topic",
]
