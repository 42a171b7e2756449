"""Greetings, apologies and thanks around a question do not lower the matcher's confidence."""

from __future__ import annotations

import pytest

from bot import Bot, Question
from bot.models import Outcome
from bot.text import without_pleasantries


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("sorry new here - what's a MASH", "what's a MASH"),
        ("hi quick question, what is the lado", "what is the lado"),
        ("sorry to bother you but whats the edt", "whats the edt"),
        ("what is cse? thanks!", "what is cse?"),
        ("hi all, is there a policy on lifts", "is there a policy on lifts"),
    ],
)
def test_the_pleasantries_around_a_question_are_set_aside(text: str, question: str) -> None:
    assert without_pleasantries(text) == question


@pytest.mark.parametrize(
    "text",
    ["hi", "all staff need training?", "she said sorry to me", "thanks"],
)
def test_words_that_are_the_question_itself_are_kept(text: str) -> None:
    assert without_pleasantries(text) == text


def test_a_question_behind_an_apology_is_answered_as_without_it(shipped_bot: Bot) -> None:
    """ "sorry new here - what's a MASH" was "not sure": the greeting's words, unknown to the
    matcher, lowered every topic's score below the answer threshold."""
    reply = shipped_bot.answer(Question("sorry new here - what's a MASH"))
    plain = shipped_bot.answer(Question("what's a MASH"))
    assert reply.outcome is Outcome.ANSWERED
    assert reply.topic == plain.topic
