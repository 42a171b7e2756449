"""A topic's "Now:" line: what to do now, read first, right under the title, in every channel."""

from __future__ import annotations

import html
import json
import re

import pytest

from adapters import slack, teams, web
from bot import Bot, Outcome, Question, Reply
from bot.compose import NOW, plain_text
from tests.renderings import RENDERINGS


def signs(bot: Bot) -> Reply:
    reply = bot.answer(Question("", chosen_topic="cse-signs"))
    assert reply.topic is not None and reply.topic.now
    return reply


def test_text_reply_puts_the_now_line_right_after_the_title(shipped_bot: Bot) -> None:
    reply = signs(shipped_bot)
    assert reply.topic is not None
    lines = plain_text(reply).splitlines()
    title = lines.index(reply.topic.title)
    assert lines[title + 1] == f"{NOW} {reply.topic.now}"


def test_slack_puts_the_now_line_in_bold_right_after_the_header(shipped_bot: Bot) -> None:
    reply = signs(shipped_bot)
    assert reply.topic is not None
    blocks = slack.to_blocks(reply)
    header = next(i for i, b in enumerate(blocks) if b["type"] == "header")
    assert blocks[header + 1]["text"]["text"] == f"*{slack.escape(NOW + ' ' + reply.topic.now)}*"


def test_teams_puts_the_now_line_in_bold_right_after_the_title(shipped_bot: Bot) -> None:
    reply = signs(shipped_bot)
    assert reply.topic is not None
    body = teams.to_card(reply)["body"]
    title = next(i for i, b in enumerate(body) if b.get("text") == reply.topic.title)
    assert body[title + 1]["text"] == f"{NOW} {reply.topic.now}"
    assert body[title + 1]["weight"] == "Bolder"


def test_web_chat_puts_the_now_line_right_after_the_title(shipped_bot: Bot) -> None:
    reply = signs(shipped_bot)
    assert reply.topic is not None
    fragment = web.render_reply(reply)
    after_title = fragment.split(f"<h2>{html.escape(reply.topic.title)}</h2>", 1)[1]
    assert re.match(r'<p class="now">Now: ', after_title)


def test_urgent_reply_leaves_out_the_now_line_its_lead_already_says(shipped_bot: Bot) -> None:
    """The sextortion rule's lead says not to pay and to keep the messages; the topic's Now line
    would say it again, between the contacts and the guidance."""
    reply = shipped_bot.answer(
        Question("they say they'll send his nudes to everyone unless he pays £200 by 9pm tonight")
    )
    assert reply.urgent and reply.topic is not None and reply.topic.id == "sextortion"
    assert reply.topic.now and not reply.now
    assert NOW not in plain_text(reply)


def test_urgent_reply_keeps_the_now_line_of_a_topic_its_lead_does_not_speak_for(
    shipped_bot: Bot,
) -> None:
    """A lead about a car says nothing of what the matched topic adds."""
    reply = shipped_bot.answer(
        Question("a 14 year old is in a car with men right now", chosen_topic="cse-signs")
    )
    assert reply.urgent and reply.topic is not None and reply.topic.id == "cse-signs"
    assert reply.now == reply.topic.now != ""


AMBIGUOUS_QUESTION = (
    "how does online grooming usually start and what signs should i look out for in the young "
    "people at our club"
)


def ambiguous(bot: Bot) -> Reply:
    reply = bot.answer(Question(AMBIGUOUS_QUESTION))
    assert reply.outcome is Outcome.AMBIGUOUS and len(reply.choices) >= 2
    return reply


# How each rendering writes a piece of text (Slack and Teams renderings are JSON).
WRITTEN = {
    "text": lambda text: text,
    "web chat": html.escape,
    "Slack": lambda text: json.dumps(slack.escape(text))[1:-1],
    "Teams": lambda text: json.dumps(text)[1:-1],
}


@pytest.mark.parametrize("channel", sorted(RENDERINGS))
def test_asking_which_topic_was_meant_shows_each_choices_now_line(
    shipped_bot: Bot, channel: str
) -> None:
    """Staff can act while they choose: every close topic offered shows its Now line, before the
    contacts."""
    reply = ambiguous(shipped_bot)
    rendered = RENDERINGS[channel](reply)
    for topic in reply.choices:
        written = WRITTEN[channel](topic.now)
        assert written in rendered
        assert rendered.index(written) < rendered.index("Who to contact")


def test_suggestions_when_not_sure_show_no_now_lines(shipped_bot: Bot) -> None:
    """A topic only suggested may not fit, so its Now line waits until it is picked."""
    reply = shipped_bot.answer(Question("i have a concern"))
    assert reply.outcome is Outcome.NOT_SURE and reply.choices
    assert NOW not in plain_text(reply)
