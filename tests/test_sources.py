"""A topic may cite a document the reference names without an address: by title, never a link."""

from __future__ import annotations

import pytest

from adapters import slack, teams, web
from bot import Bot, Question, Reply
from bot.compose import plain_text
from bot.knowledge import load
from tests.conftest import KnowledgeDir

TITLE_ONLY = "Harm outside the family home, Northmoor Partnership"


@pytest.fixture
def reply(knowledge_dir: KnowledgeDir) -> Reply:
    """The answer to a topic citing one linked source and one by title only."""
    knowledge_dir.replace(
        "topics/main.yaml",
        "      - title: A guide\n        url: https://example.org/guide\n",
        f"      - title: A guide\n        url: https://example.org/guide\n"
        f"      - title: {TITLE_ONLY}\n",
    )
    answer = Bot(load(knowledge_dir.root)).answer(Question("what are the signs of exploitation"))
    assert answer.topic is not None and answer.topic.id == "signs"
    return answer


def test_a_title_only_source_is_listed_as_text(reply: Reply) -> None:
    """The text channels list it by title, with nothing after it."""
    text = plain_text(reply)
    assert f"- {TITLE_ONLY}\n" in text + "\n"
    assert "- A guide https://example.org/guide" in text


def test_slack_shows_a_title_only_source_without_a_link(reply: Reply) -> None:
    blocks = str(slack.to_blocks(reply))
    assert f"• {TITLE_ONLY}" in blocks and "<None" not in blocks
    assert "<https://example.org/guide|A guide>" in blocks


def test_teams_shows_a_title_only_source_without_a_link(reply: Reply) -> None:
    card = str(teams.to_card(reply))
    assert f"- {TITLE_ONLY}" in card and "(None)" not in card
    assert "[A guide](https://example.org/guide)" in card


def test_the_web_page_shows_a_title_only_source_without_a_link(reply: Reply) -> None:
    html = web.render_reply(reply)
    assert f"<li>{TITLE_ONLY}</li>" in html and 'href="None"' not in html
    assert '<a href="https://example.org/guide"' in html
