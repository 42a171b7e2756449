"""A question that asks how to reach a contact gets that contact first, not after the guidance."""

from __future__ import annotations

import pytest

from bot import Bot, Question
from bot.asked import (
    asks_who_to_contact,
    names_someone_working_with_children,
    says_no_safeguarding_lead,
    speaks_only_of_adults,
)
from bot.compose import (
    ABOUT_AN_ADULT,
    ASKED_FOR,
    NO_LEAD,
    TALK_TO_DSL,
    THEN_LADO,
    THEN_LADO_NO_LEAD,
    THEN_SOCIAL_CARE,
    leads_with_999,
    plain_text,
)
from bot.models import Reply
from tests.renderings import RENDERINGS


def ask(bot: Bot, text: str) -> Reply:
    return bot.answer(Question(text))


def asked_ids(bot: Bot, text: str) -> list[str]:
    return [contact.id for contact in ask(bot, text).asked_for]


@pytest.mark.parametrize(
    ("question", "contact"),
    [
        ("what's the LADO's number?", "lado"),
        ("whats the number for the lado", "lado"),
        ("email for the local authority designated officer", "lado"),
        ("front door phone number", "cs-front-door"),
        ("how do i get hold of the edt tonight", "edt"),
        ("what's the police non emergency number", "police-101"),
        ("can you give me the DSL's contact details", "dsl"),
        ("childline number for a pupil", "childline"),
        ("what's the out of hours number", "edt"),
        ("family help team phone", "early-help"),
    ],
)
def test_a_question_asking_how_to_reach_a_contact_names_it(
    shipped_bot: Bot, question: str, contact: str
) -> None:
    assert asked_ids(shipped_bot, question) == [contact]


@pytest.mark.parametrize(
    "question",
    [
        "what does the LADO do?",
        "who is our dsl",
        "the girl's phone number was on the note",
        "a man keeps ringing her phone",
        "how do i stop it now, who do i call",
        "doing a staff quiz on when to call 999, what counts as immediate danger?",
        "when should we contact the lado about a coach",
    ],
)
def test_a_question_that_does_not_ask_how_to_reach_a_contact_names_none(
    shipped_bot: Bot, question: str
) -> None:
    assert asked_ids(shipped_bot, question) == []


@pytest.mark.parametrize("channel", RENDERINGS)
def test_every_channel_shows_the_contact_asked_for_before_the_guidance(
    shipped_bot: Bot, channel: str
) -> None:
    reply = ask(shipped_bot, "what's the LADO's number?")
    rendered = RENDERINGS[channel](reply)

    assert reply.topic is not None
    assert rendered.index(ASKED_FOR) < rendered.index(reply.topic.title)
    assert rendered.index("Northmoor LADO") < rendered.index(reply.topic.title)


def test_an_example_contact_asked_for_keeps_its_label(shipped_bot: Bot) -> None:
    section = plain_text(ask(shipped_bot, "number for the lado")).split("\n\n")[0]

    assert "(example, not a real number" in section


def test_999_stays_first_when_an_urgent_message_asks_for_a_number(shipped_bot: Bot) -> None:
    reply = ask(shipped_bot, "a child is in danger right now, what's the DSL's number")

    assert leads_with_999(reply)
    assert [c.id for c in reply.asked_for] == ["dsl"]


def test_a_topic_picked_from_a_button_asks_for_no_contact(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(
        Question("what's the LADO's number?", chosen_topic="allegations-lado")
    )

    assert reply.asked_for == ()


def test_asked_to_choose_between_101_and_999_gives_999_first_and_when_to_use_each(
    shipped_bot: Bot,
) -> None:
    """From a staff walkthrough: "do i ring 101 or 999?" led with 101, the order it was typed."""
    reply = ask(shipped_bot, "do i ring 101 or 999?")
    assert [c.id for c in reply.asked_for] == ["police-999", "police-101"]
    section = plain_text(reply).split("\n\n")[0]
    assert section.count("When: ") == 2
    assert "When: A child in immediate danger" in section


@pytest.mark.parametrize("channel", ["Slack", "Teams", "web chat"])
def test_every_channel_says_when_to_use_each_contact_asked_to_choose_between(
    shipped_bot: Bot, channel: str
) -> None:
    reply = ask(shipped_bot, "do i ring 101 or 999?")
    rendered = RENDERINGS[channel](reply)
    assert reply.topic is not None
    assert rendered.index("Non-urgent crime reports") < rendered.index(reply.topic.title)


def test_one_contact_asked_for_shows_no_when_line(shipped_bot: Bot) -> None:
    section = plain_text(ask(shipped_bot, "what's the police non emergency number")).split("\n\n")[
        0
    ]
    assert "When: " not in section


@pytest.mark.parametrize(
    "text",
    [
        "who shd i ring?",
        "who should I call first",
        "who else do i need to tell",
        "ambulance and police are with her now. who else do i need to tell",
        "who else needs to know?",
        "ok who do i report it to",
        "do i need to tell anyone else?",
        "so who do we speak to now?",
        "last day here tomorrow, who do i tell?",
        "she's home now - who do I contact",
        "who'd I tell first?",
    ],
)
def test_a_question_of_whom_to_contact_about_what_was_said_is_recognised(text: str) -> None:
    assert asks_who_to_contact(text)


@pytest.mark.parametrize(
    "text",
    [
        "who do i speak to about the staff rota?",
        "who is the lado",
        "who should i ring about a teacher hitting a kid",
        "do i need to tell her mum?",
        "what number do i ring",
        "thanks",
    ],
)
def test_a_question_that_brings_its_own_subject_is_not_only_whom_to_contact(text: str) -> None:
    """A subject after the verb ("about the staff rota") is a new question, not a follow-up."""
    assert not asks_who_to_contact(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm a childminder so I don't have a DSL",
        "who do i ring? i dont have a DSL",
        "self-employed music tutor here",
        "we havent got a safeguarding lead at our club",
        "there is no dsl where i work",
        "I don't have a DSL",
        "we haven't got a safeguarding lead",
    ],
)
def test_someone_with_no_safeguarding_lead_of_their_own_is_recognised(text: str) -> None:
    assert says_no_safeguarding_lead(text)


@pytest.mark.parametrize(
    "text", ["who is our dsl", "my dsl is off sick", "tell the dsl", "no further action"]
)
def test_someone_with_a_safeguarding_lead_is_not_taken_to_have_none(text: str) -> None:
    assert not says_no_safeguarding_lead(text)


def test_a_childminder_is_sent_to_childrens_social_care_not_to_a_dsl(shipped_bot: Bot) -> None:
    """From a staff walkthrough: a childminder who said she has no DSL was given the DSL's
    number. The front door takes the DSL's place, and the reply says why."""
    reply = shipped_bot.answer(
        Question("I'm a childminder - how do I make a referral to children's social care?")
    )
    ids = [c.id for c in reply.contacts]
    assert "dsl" not in ids and "senior-leader" not in ids
    assert ids[0] == "cs-front-door"
    assert NO_LEAD in reply.notice


def test_with_no_safeguarding_lead_the_urgent_lead_says_to_tell_childrens_social_care(
    shipped_bot: Bot,
) -> None:
    reply = shipped_bot.answer(
        Question("no dsl at our club, a 14yo has a man waiting for her outside right now in a car")
    )
    assert leads_with_999(reply)
    assert reply.urgent_lead[1] == THEN_SOCIAL_CARE
    assert [c.id for c in reply.contacts][:2] == ["police-999", "cs-front-door"]


def test_a_follow_up_remembers_that_there_is_no_safeguarding_lead(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(
        Question("what are the signs of county lines?", earlier=("im a childminder",))
    )
    assert "dsl" not in [c.id for c in reply.contacts]


def test_a_reply_not_sure_of_the_topic_does_not_send_someone_with_no_lead_to_a_dsl(
    shipped_bot: Bot,
) -> None:
    reply = shipped_bot.answer(Question("im a childminder, something feels off, who do i tell"))
    assert reply.topic is None
    assert TALK_TO_DSL not in reply.notice
    assert NO_LEAD in reply.notice


@pytest.mark.parametrize(
    "text",
    [
        "scout camp: one of the other leaders has taken a 12yo into his tent",
        "a teacher has locked himself in the classroom with a year 8 girl",
        "our coach is in the changing room alone with one of the u12s",
        "the minibus driver wont let her off the bus",
        "the new volunteer drove off with a 13yo",
        "her PE teacher has locked himself in the changing room with her",
        "the assistant scout leader is in his tent with a boy",
        "two members of staff are restraining a boy face down",
        "one of our staff has a 14 year old girl at his flat now",
        "my colleague is slapping a child in the toilets",
        "the SENCo has locked a Y3 boy in the cupboard",
        "a social worker has taken a 14yo girl to his flat",
    ],
)
def test_someone_working_with_children_named_in_a_message_is_recognised(text: str) -> None:
    assert names_someone_working_with_children(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm a teacher and a man is waiting outside for a year 9",
        "youth worker here, a lad has been stabbed outside",
        "as a scout leader i need to know who to call",
        "the kids are on the coach with two men who aren't staff",
        "a 14yo is in a car with older men",
        "I'm one of the leaders on camp, a man has just grabbed a girl",
        "a boy has just told the class teacher that his mum's boyfriend hits him",
        "a man is dragging a girl into a car outside the coach station",
        "the gang leader is holding a 15yo in a trap house",
        "her stepdad has turned up at the tutor base",
        "shes hiding in the staff toilets",
    ],
)
def test_the_writer_or_a_coach_bus_is_not_someone_working_with_children(text: str) -> None:
    assert not names_someone_working_with_children(text)


def test_an_emergency_about_a_leader_or_staff_member_adds_the_senior_manager_and_lado(
    shipped_bot: Bot,
) -> None:
    """From a staff walkthrough: a scout leader's report of another leader alone in a tent with
    a boy got 999 and the DSL but never the LADO, whom allegations against anyone working with
    children must reach (reference `allegations-lado`)."""
    reply = shipped_bot.answer(
        Question(
            "scout camp tonight - one of the other leaders has taken a 12 year old boy into his "
            "tent on his own and wont come out, what do i do"
        )
    )
    assert leads_with_999(reply)
    assert THEN_LADO in reply.urgent_lead
    ids = [c.id for c in reply.contacts]
    assert ids[:2] == ["police-999", "dsl"]
    assert ids.index("senior-leader") < ids.index("lado")


def test_an_emergency_about_a_stranger_does_not_mention_the_lado(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(Question("a man is dragging a year 7 girl into a van right now"))
    assert leads_with_999(reply)
    assert THEN_LADO not in reply.urgent_lead
    assert "lado" not in [c.id for c in reply.contacts]


def test_a_calm_question_about_a_teacher_gets_no_lado_line(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(Question("can a teacher give a pupil a lift home?"))
    assert not reply.urgent
    assert THEN_LADO not in reply.urgent_lead


def test_with_no_safeguarding_lead_the_lado_is_told_directly(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(
        Question(
            "im a childminder - another childminder has locked herself in with a toddler "
            "and is screaming at her right now"
        )
    )
    assert leads_with_999(reply)
    assert THEN_LADO_NO_LEAD in reply.urgent_lead
    assert "senior-leader" not in [c.id for c in reply.contacts]


def test_not_sure_of_a_message_about_someone_working_with_children_gives_the_lado_route(
    shipped_bot: Bot,
) -> None:
    """From a staff walkthrough: a taxi escort's "the driver of our school taxi keeps touching
    a 10 year old's leg" got a generic "not sure" signpost three times, with no LADO."""
    reply = shipped_bot.answer(Question("something about one of our volunteers feels off"))
    assert reply.topic is None and not reply.urgent
    assert THEN_LADO in reply.notice
    assert [c.id for c in reply.contacts][:3] == ["dsl", "senior-leader", "lado"]


def test_not_sure_of_a_message_about_nobody_working_with_children_gives_no_lado_route(
    shipped_bot: Bot,
) -> None:
    reply = shipped_bot.answer(Question("something feels off about a family on my patch"))
    assert reply.topic is None
    assert THEN_LADO not in reply.notice
    assert "lado" not in [c.id for c in reply.contacts]


@pytest.mark.parametrize(
    "messages",
    [
        ["hostel worker, 22 year old resident being pimped out by her boyfriend"],
        ["patient on our ward disclosed she was trafficked", "she's 19"],
        ["a man aged 35 says he was abused by a neighbour"],
        ["29 yr old woman trafficked for 2 years"],
    ],
)
def test_a_conversation_about_adults_only_is_recognised(messages: list[str]) -> None:
    assert speaks_only_of_adults(messages)


@pytest.mark.parametrize(
    "messages",
    [
        ["yr 10 girl has an older boyfriend", "he's 24"],
        ["sixth former (16) is in a relationship with a 30 yr old"],
        ["careleaver just turned 18, who do i contact"],
        ["what are the signs of county lines"],
        ["a 15yo is seeing a 23 year old"],
        ["she's at a party with a 30 yr old man and he's giving her vodka"],
    ],
)
def test_a_conversation_about_a_child_is_not_about_adults_only(messages: list[str]) -> None:
    assert not speaks_only_of_adults(messages)


def test_a_message_about_an_adult_gives_the_adult_route(shipped_bot: Bot) -> None:
    """From a staff walkthrough: a hostel worker's 22-year-old being "pimped out" got "If you
    are worried about a child" and only children's contacts."""
    reply = shipped_bot.answer(
        Question("hostel worker, 22 year old resident being pimped out by her boyfriend")
    )
    assert ABOUT_AN_ADULT in reply.notice
    assert "modern-slavery-helpline" in [c.id for c in reply.contacts]


def test_a_follow_up_giving_an_older_boyfriends_age_is_still_about_a_child(
    shipped_bot: Bot,
) -> None:
    reply = shipped_bot.answer(Question("he's 24", earlier=("yr 10 girl has an older boyfriend",)))
    assert ABOUT_AN_ADULT not in reply.notice
