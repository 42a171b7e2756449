"""Where the contacts go: after the answer, except in an emergency, where they follow the lead."""

from __future__ import annotations

import pytest

from bot import Bot, Question
from bot.compose import CALL_999
from tests.renderings import RENDERINGS

URGENT = "a man is waiting outside the school gates right now to take her, she is scared"


@pytest.mark.parametrize("channel", RENDERINGS)
def test_urgent_reply_gives_the_contacts_right_after_the_lead(
    shipped_bot: Bot, channel: str
) -> None:
    """In an emergency the numbers matter more than the guidance: 999, the lead, who to call."""
    reply = shipped_bot.answer(Question(URGENT))
    assert reply.urgent and reply.topic is not None
    rendered = RENDERINGS[channel](reply)
    assert rendered.index(CALL_999) < rendered.index("Who to contact")
    assert rendered.index("Who to contact") < rendered.index(reply.topic.title)


@pytest.mark.parametrize("channel", RENDERINGS)
def test_calm_reply_gives_the_contacts_after_the_answer(shipped_bot: Bot, channel: str) -> None:
    reply = shipped_bot.answer(Question("what are the signs of child sexual exploitation"))
    assert not reply.urgent and reply.topic is not None
    rendered = RENDERINGS[channel](reply)
    assert rendered.index(reply.topic.title) < rendered.index("Who to contact")
