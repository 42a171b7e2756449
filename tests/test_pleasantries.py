"""Greetings, apologies, thanks and the situation before a question do not lower the matcher's
confidence in what is asked."""

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


def test_a_question_after_a_situation_is_answered_from_the_question(shipped_bot: Bot) -> None:
    """ "police have her now, she's safe. what do i write down?": the whole message was "not
    sure"; its last sentence, a question, is what is asked."""
    reply = shipped_bot.answer(Question("police have her now, she's safe. what do i write down?"))
    assert reply.outcome is Outcome.ANSWERED
    assert reply.topic is not None and reply.topic.id == "recording-concerns"


def test_a_message_the_bot_is_sure_of_is_not_read_from_its_last_question(
    shipped_bot: Bot,
) -> None:
    whole = shipped_bot.answer(Question("what are the signs of county lines? who do I tell?"))
    assert whole.topic is not None and whole.topic.id == "cce-county-lines"


def test_a_question_after_a_situation_settles_a_choice_between_close_topics(
    shipped_bot: Bot,
) -> None:
    """The situation reads as signs of exploitation, the question asks about recording: the
    question, matched alone, picks between the two close topics."""
    text = (
        "I run a youth hub. A 14yo has had a new phone, is always tired and older lads wait "
        "outside. It all felt too small to log. Should I be writing these little things up so "
        "someone sees the pattern?"
    )
    reply = shipped_bot.answer(Question(text))
    assert reply.outcome is Outcome.ANSWERED
    assert reply.topic is not None and reply.topic.id == "recording-concerns"
