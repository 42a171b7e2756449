"""A topic's "Now:" line: what to do now, read first, right under the title, in every channel."""

from __future__ import annotations

import html
import re

from adapters import slack, teams, web
from bot import Bot, Question, Reply
from bot.compose import NOW, plain_text


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
