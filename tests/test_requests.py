"""Messages that are not questions: asking the bot to act for you, greetings and thanks."""

from __future__ import annotations

import pytest

from bot import Bot, Question
from bot.asked import asks_bot_to_act, greeting
from bot.compose import CANNOT_ACT, HELLO, NOT_SURE, NOT_UNDERSTOOD, THANKS, leads_with_999


@pytest.mark.parametrize(
    "text",
    [
        "tell the DSL for me pls",
        "can you refer this for me? 14 yr old girl being groomed online",
        "Write the referral form for me - 14yo at risk of CCE",
        "can u ring mash",
        "will you report it",
        "call the police",
        "email social care on my behalf",
        "can you alert the police",
        "dial 999 for me",
    ],
)
def test_asking_the_bot_to_contact_someone_or_refer_is_recognised(text: str) -> None:
    assert asks_bot_to_act(text)


@pytest.mark.parametrize(
    "text",
    [
        "can you tell me what cse is",
        "could you send me the number",
        "how do i make a referral",
        "the dsl told me to refer",
        "who do i tell",
        "can you refer a child without parental consent?",
        "can you report to CEOP anonymously?",
    ],
)
def test_a_question_about_contacting_someone_is_not_asking_the_bot_to_act(text: str) -> None:
    assert not asks_bot_to_act(text)


def test_asked_to_tell_the_dsl_the_bot_says_it_cannot_and_shows_how_to_reach_them(
    shipped_bot: Bot,
) -> None:
    """From a staff walkthrough: "tell the DSL for me pls" got "I'm not sure I have
    understood"; the request was clear, and only the footer said the bot tells no one."""
    reply = shipped_bot.answer(Question("tell the DSL for me pls"))
    assert reply.notice.startswith(CANNOT_ACT)
    assert NOT_UNDERSTOOD not in reply.notice
    assert reply.contacts[0].id == "dsl"


def test_asked_to_refer_the_bot_says_it_cannot_and_still_answers_the_concern(
    shipped_bot: Bot,
) -> None:
    reply = shipped_bot.answer(
        Question("can you refer this for me? 14 yr old girl, I think shes being groomed online")
    )
    assert reply.notice.startswith(CANNOT_ACT)
    assert reply.topic is not None and reply.topic.id == "online-grooming"


def test_asked_to_call_the_police_in_an_emergency_999_still_comes_first(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(
        Question("call the police for me, a man is dragging a girl into a van right now")
    )
    assert leads_with_999(reply)
    assert CANNOT_ACT in reply.notice


def test_a_contact_asked_for_is_not_followed_by_not_understood(shipped_bot: Bot) -> None:
    """From a staff walkthrough: "whats the DSL's mobile number" gave the number, then "I'm not
    sure I have understood your question"."""
    reply = shipped_bot.answer(Question("whats the DSL's mobile number"))
    assert [c.id for c in reply.asked_for] == ["dsl"]
    assert NOT_UNDERSTOOD not in reply.notice


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", "hello"),
        ("Good morning!", "hello"),
        ("hello there", "hello"),
        ("thanks", "thanks"),
        ("thank you so much", "thanks"),
        ("ok", ""),
        ("ta", ""),
        ("cheers", "thanks"),
        ("hi, a girl told me her uncle hurts her", ""),
        ("tall", ""),
    ],
)
def test_a_message_that_only_greets_or_thanks_is_recognised(text: str, kind: str) -> None:
    assert greeting(text) == kind


def test_a_greeting_gets_a_prompt_not_a_question_not_covered(shipped_bot: Bot) -> None:
    """From a staff walkthrough: "hi" got "I don't think that is something I cover"."""
    reply = shipped_bot.answer(Question("hi"))
    assert reply.notice == HELLO
    assert not reply.urgent


def test_thanks_gets_youre_welcome(shipped_bot: Bot) -> None:
    assert shipped_bot.answer(Question("thanks!")).notice == THANKS


def test_a_greeting_before_a_concern_is_read_as_the_concern(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(Question("hi, what are the signs of county lines?"))
    assert reply.topic is not None and reply.topic.id == "cce-county-lines"
    assert HELLO not in reply.notice and NOT_SURE not in reply.notice
