"""Greetings, apologies, thanks, the situation before a question and the words that say it is
not an emergency do not lower the matcher's confidence in what is asked."""

from __future__ import annotations

import pytest

from bot import Bot, Question
from bot.models import Outcome
from bot.text import without_denied_danger, without_pleasantries


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("sorry new here - what's a MASH", "what's a MASH"),
        ("hi quick question, what is the lado", "what is the lado"),
        ("sorry to bother you but whats the edt", "whats the edt"),
        ("what is cse? thanks!", "what is cse?"),
        ("hi all, is there a policy on lifts", "is there a policy on lifts"),
        ("good evening - who is the lado? much appreciated", "who is the lado?"),
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


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("no immediate danger, who do i tell", " , who do i tell"),
        ("Not an emergency but I want social care to know", "  but I want social care to know"),
        ("she isn't in immediate danger, what next", "she  , what next"),
        ("it's not an emergency", "it's  "),
    ],
)
def test_words_that_say_it_is_not_an_emergency_are_set_aside(text: str, left: str) -> None:
    assert without_denied_danger(text) == left


@pytest.mark.parametrize(
    "text", ["what counts as immediate danger", "is it an emergency?", "not an emergency"]
)
def test_danger_asked_about_is_kept(text: str) -> None:
    assert without_denied_danger(text) == text


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        (
            "no immediate danger but a child told me her uncle touched her, what do i do",
            "disclosure-response",
        ),
        ("child not in immediate danger, how do i make a referral to mash", "making-a-referral"),
        ("if a child is not in immediate danger do i still ring 999", "immediate-danger-999"),
    ],
)
def test_a_message_that_says_it_is_not_an_emergency_is_matched_on_the_rest(
    shipped_bot: Bot, text: str, topic: str
) -> None:
    """ "No immediate danger" is the emergency topic's own words: matched, they drew "a child
    told me something at 2am, no immediate danger. who do i tell" to when to call 999."""
    reply = shipped_bot.answer(Question(text))
    assert reply.outcome is Outcome.ANSWERED
    assert reply.topic is not None and reply.topic.id == topic
