"""`Bot.answer`: what every channel's reply is made of."""

from __future__ import annotations

import pytest

from bot import Bot, Outcome, Question
from bot.compose import (
    CALL_999,
    ELSEWHERE,
    EXAMPLE_LABEL_NO_NUMBER,
    NOT_SURE,
    OUTSIDE,
    PRIVACY_REMINDER,
    PRIVACY_WARNING,
    contact_line,
    plain_text,
    situation_lines,
)
from bot.knowledge import load
from bot.models import UrgentRule
from tests.conftest import KnowledgeDir


def ask(bot: Bot, text: str) -> object:
    return bot.answer(Question(text))


def test_urgent_message_puts_999_first_in_the_text(shipped_bot: Bot) -> None:
    """The 999 instruction is the first line of the rendered reply to an urgent message."""
    reply = shipped_bot.answer(Question("a 14 year old is in a car with men right now"))
    assert reply.urgent
    assert reply.urgent_lead[0] == CALL_999
    assert plain_text(reply).splitlines()[0] == f"! {CALL_999}"


def test_urgent_reply_lists_police_then_dsl_first(shipped_bot: Bot) -> None:
    """When urgent, the contacts start with the police on 999 and then the DSL."""
    reply = shipped_bot.answer(Question("she's just told me her uncle is hurting her"))
    assert [c.id for c in reply.contacts[:2]] == ["police-999", "dsl"]


def test_urgent_message_still_answers_the_topic_it_matches(shipped_bot: Bot) -> None:
    """Urgency adds the 999 lead; it does not replace the guidance the question asked for."""
    reply = shipped_bot.answer(Question("she's just told me her uncle is hurting her"))
    assert reply.topic is not None
    assert reply.topic.id == "disclosure-response"


def said(rule_id: str, say: str) -> UrgentRule:
    return UrgentRule(
        id=rule_id,
        description="test rule",
        all_of=(("now",),),
        unless=(),
        say=say,
        contacts=("police-999",),
        topic=None,
    )


def test_urgent_lead_shows_the_first_two_rules_lines_in_order() -> None:
    """Three rules fired: 999, the DSL, then the first two rules' lines, so the lead stays short
    enough to act on."""
    rules = [said("a", "Stay with the child."), said("b", "Keep the messages."), said("c", "Hide.")]
    assert situation_lines(rules) == ["Stay with the child.", "Keep the messages."]


def test_urgent_lead_says_a_shared_sentence_once() -> None:
    """Overlapping rules share sentences; the second line keeps only what the first did not say,
    and a rule with nothing new gives way to the next."""
    rules = [
        said("a", "Do not confront them. Stay with the child."),
        said("b", "Stay with the child! Do not confront them."),
        said("c", "do not confront them; tell the call handler where you are."),
    ]
    assert situation_lines(rules) == [
        "Do not confront them. Stay with the child.",
        "do not confront them; tell the call handler where you are.",
    ]
    rules[2] = said("c", "Stay with the child. Tell the call handler where you are.")
    assert situation_lines(rules)[1] == "Tell the call handler where you are."


def test_shipped_disclosure_with_the_abuser_collecting_today_has_no_repeated_line(
    shipped_bot: Bot,
) -> None:
    """From a staff walkthrough: two rules both said to keep the child from leaving with him."""
    reply = shipped_bot.answer(
        Question("child just told me her stepdad hurt her and he's picking her up at 3.15 today")
    )
    lead = " ".join(reply.urgent_lead)
    assert reply.urgent_lead[0] == CALL_999
    assert len(reply.urgent_lead) <= 4
    assert lead.count("do not let them leave with the person") == 1
    assert "weapon" not in lead


def test_shipped_lead_calls_a_child_forced_to_carry_a_knife_a_victim(shipped_bot: Bot) -> None:
    """From a staff walkthrough: the weapon line spoke only of keeping away from the person with
    the weapon, when the boy with the knife was himself being threatened into a crime."""
    reply = shipped_bot.answer(
        Question(
            "kid at club just showed me a knife, says he has to go do a job tonight for the older "
            "boys or they'll hurt his mum. hes about to walk out the door"
        )
    )
    assert reply.urgent_lead[0] == CALL_999
    assert "victim of exploitation, not an offender" in " ".join(reply.urgent_lead)


@pytest.mark.parametrize(
    "message",
    [
        "on a home visit now, 13yo boy answered the door, says the men in the flat make him sell "
        "stuff, hes got bruises and looks terrified, men are inside",
        "home visit, I'm on my own, her mum's boyfriend is hitting her in the kitchen right now",
    ],
)
def test_shipped_lead_tells_a_lone_visitor_to_get_out_if_it_is_not_safe(
    shipped_bot: Bot, message: str
) -> None:
    """From a staff walkthrough: a housing officer alone in a flat with the men was told only to
    stay with the child; the lead also says to leave and call from somewhere safe."""
    reply = shipped_bot.answer(Question(message))
    assert reply.urgent_lead[0] == CALL_999
    assert "call from somewhere safe" in " ".join(reply.urgent_lead)


def test_urgent_rules_are_not_gated_by_the_matcher(knowledge_dir: KnowledgeDir) -> None:
    """An urgent message that matches no topic at all still gets the 999 lead."""
    bot = Bot(load(knowledge_dir.root))
    reply = bot.answer(Question("zzz qqq being hurt right now xxyz"))
    assert reply.urgent
    assert reply.urgent_lead[0] == CALL_999


def test_not_sure_reply_says_so_and_gives_contacts(shipped_bot: Bot) -> None:
    """An unrelated question is not answered with a guess: it says so and signposts."""
    reply = shipped_bot.answer(Question("the printer on the second floor is jammed again"))
    assert reply.outcome is Outcome.NOT_SURE
    assert reply.topic is None
    assert reply.notice in (NOT_SURE, OUTSIDE)
    assert "won't guess" in reply.notice
    assert {"dsl", "police-999"} <= {c.id for c in reply.contacts}


def test_a_message_like_an_out_of_scope_example_is_declined(knowledge_dir: KnowledgeDir) -> None:
    """A message near out_of_scope.yaml's examples gets the not-sure reply, not a topic, even
    when it shares a word with a topic."""
    knowledge_dir.write(
        "out_of_scope.yaml",
        """\
        examples:
          - how do i make a referral code for the staff discount scheme
          - where do i find my referral code for the gym
          - the printer is jammed
        """,
    )
    bot = Bot(load(knowledge_dir.root))
    reply = bot.answer(Question("whats my referral code for the staff gym discount"))
    assert reply.outcome is Outcome.NOT_SURE
    assert reply.topic is None
    assert bot.answer(Question("how do i make a referral to mash")).topic is not None


def test_a_declined_message_says_what_the_bot_covers_and_offers_no_topics(
    knowledge_dir: KnowledgeDir,
) -> None:
    """From a staff walkthrough: a jammed printer was offered safeguarding topics and five
    contacts. Declined, it is told what the bot covers, and still signposted to the DSL and 999."""
    knowledge_dir.write(
        "out_of_scope.yaml",
        "examples:\n  - the printer is jammed\n  - printer jammed again\n  - printer not working\n",
    )
    reply = Bot(load(knowledge_dir.root)).answer(Question("the printer is jammed again"))
    assert reply.outcome is Outcome.NOT_SURE
    assert reply.notice == OUTSIDE
    assert reply.choices == ()
    assert [c.id for c in reply.contacts] == ["dsl", "police-999"]


def test_an_urgent_message_like_an_out_of_scope_example_still_gets_999_first(
    knowledge_dir: KnowledgeDir,
) -> None:
    """Declining is the matcher's business; the urgent rules are read first, always."""
    knowledge_dir.write("out_of_scope.yaml", "examples:\n  - a child is being hurt right now\n")
    reply = Bot(load(knowledge_dir.root)).answer(Question("a child is being hurt right now"))
    assert reply.urgent
    assert plain_text(reply).splitlines()[0] == f"! {CALL_999}"


def twin_topics(first: str, second: str) -> str:
    """Two topics whose examples differ only by one word each, so a question naming both
    words matches both equally."""
    phrasings = [
        "report {} concern form",
        "{} concern reporting",
        "where do i log a {} concern",
        "{} concern who to tell",
        "logging {} concerns",
    ]
    blocks = []
    for topic_id in (first, second):
        examples = "".join(f"      - {p.format(topic_id)}\n" for p in phrasings)
        blocks.append(
            f"  - id: {topic_id}\n    title: {topic_id.title()}\n    examples:\n{examples}"
            "    answer: Tell your DSL.\n    contacts: [dsl]\n    related: []\n"
            "    sources:\n      - title: A guide\n        url: https://example.org/guide\n"
        )
    return "topics:\n" + "".join(blocks)


def test_ambiguous_reply_offers_choices_and_picks_none(knowledge_dir: KnowledgeDir) -> None:
    """When two topics match equally well, both are offered and neither is answered."""
    knowledge_dir.write("topics/main.yaml", twin_topics("alpha", "beta"))
    knowledge_dir.replace("urgent.yaml", "topic: signs\n", "")
    bot = Bot(load(knowledge_dir.root))
    reply = bot.answer(Question("where do i log an alpha or beta concern"))
    assert reply.outcome is Outcome.AMBIGUOUS
    assert reply.topic is None
    assert {t.id for t in reply.choices} == {"alpha", "beta"}


def test_ambiguous_reply_asks_which_one_once(knowledge_dir: KnowledgeDir) -> None:
    """The notice says the question is unclear; only the heading over the choices asks."""
    knowledge_dir.write("topics/main.yaml", twin_topics("alpha", "beta"))
    knowledge_dir.replace("urgent.yaml", "topic: signs\n", "")
    reply = Bot(load(knowledge_dir.root)).answer(
        Question("where do i log an alpha or beta concern")
    )
    assert plain_text(reply).count("Which did you mean?") == 1


def test_now_line_comes_first_under_the_title(knowledge_dir: KnowledgeDir) -> None:
    """What to do now is read before the why: title, then "Now: ...", then the answer."""
    knowledge_dir.replace(
        "topics/main.yaml", "    answer: |\n", "    now: Tell your DSL today.\n    answer: |\n"
    )
    reply = Bot(load(knowledge_dir.root)).answer(Question("", chosen_topic="signs"))
    text = plain_text(reply)
    assert "Signs of exploitation\nNow: Tell your DSL today.\nLook for changes" in text


def test_every_shipped_topic_has_a_short_now_line(shipped_bot: Bot) -> None:
    """Every shipped topic opens with what to do now, in 30 words or fewer."""
    topics = shipped_bot.knowledge.topics.values()
    assert [t.id for t in topics if not 0 < len(t.now.split()) <= 30] == []


def test_chosen_topic_is_answered_as_if_asked(shipped_bot: Bot) -> None:
    """A topic picked from the offered choices is answered directly."""
    reply = shipped_bot.answer(Question("", chosen_topic="allegations-lado"))
    assert reply.outcome is Outcome.ANSWERED
    assert reply.topic is not None and reply.topic.id == "allegations-lado"


def test_every_reply_names_the_dsl_and_999(shipped_bot: Bot) -> None:
    """Whatever the topic lists, the DSL and the 999 rule are among the contacts."""
    for topic_id in shipped_bot.knowledge.topics:
        reply = shipped_bot.answer(Question("", chosen_topic=topic_id))
        assert {"dsl", "police-999"} <= {c.id for c in reply.contacts}, topic_id


def test_every_reply_reminds_staff_not_to_type_identifying_details(shipped_bot: Bot) -> None:
    """The privacy reminder ends every reply."""
    reply = shipped_bot.answer(Question("what is cse"))
    assert reply.privacy_reminder == PRIVACY_REMINDER
    assert plain_text(reply).endswith(PRIVACY_REMINDER)


def test_example_contacts_are_labelled_in_text(shipped_bot: Bot) -> None:
    """A fictional example number is never shown as if it were real."""
    text = plain_text(shipped_bot.answer(Question("what is cse")))
    dsl_line = next(line for line in text.splitlines() if "01632 960001" in line)
    assert "example, not a real number" in dsl_line


def test_related_topics_are_offered(shipped_bot: Bot) -> None:
    """An answer offers the topic's related topics as follow-ups."""
    reply = shipped_bot.answer(Question("", chosen_topic="cse-definition"))
    assert [t.id for t in reply.related] == list(reply.topic.related if reply.topic else [])
    assert reply.related


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "\x00\x01\x02",
        "🙂🙂🙂",
        "<script>alert(1)</script>",
        "Что такое эксплуатация детей?",
        "a" * 10_000,
        "help " * 2_000,
        "\u202e\u200b",
    ],
    ids=[
        "empty",
        "spaces",
        "whitespace",
        "control",
        "emoji",
        "markup",
        "cyrillic",
        "10000-chars",
        "10000-words",
        "bidi",
    ],
)
def test_bad_input_gets_a_short_clear_reply(shipped_bot: Bot, text: str) -> None:
    """Empty, huge, emoji, markup, other scripts, control characters: a reply, never an error;
    a short one (nothing typed is echoed back), with contacts."""
    reply = shipped_bot.answer(Question(text))
    assert reply.outcome is not Outcome.ANSWERED or reply.topic is not None
    assert reply.contacts
    assert len(plain_text(reply)) < 6_000


def test_empty_message_asks_for_a_question(shipped_bot: Bot) -> None:
    """A blank message is asked to type a question, with the contacts still shown."""
    reply = shipped_bot.answer(Question("   "))
    assert reply.outcome is Outcome.NOT_SURE
    assert "Please type a question" in reply.notice


def test_identifying_details_get_a_privacy_warning_first(shipped_bot: Bot) -> None:
    """A message that looks like it names someone starts by asking not to share such details."""
    reply = shipped_bot.answer(Question("Jayden Smith in year 9 has a much older boyfriend"))
    assert reply.privacy_warning
    assert plain_text(reply).startswith(reply.privacy_warning)


def test_privacy_warning_comes_after_the_999_lead(shipped_bot: Bot) -> None:
    """Even with identifying details, an urgent reply's first line is the 999 instruction; the
    warning about the details is still there, after it."""
    reply = shipped_bot.answer(Question("Kayleigh Jones is in a car with men right now"))
    text = plain_text(reply)
    assert text.splitlines()[0] == f"! {CALL_999}"
    assert reply.privacy_warning == PRIVACY_WARNING
    assert text.index(CALL_999) < text.index(PRIVACY_WARNING)


def test_general_questions_get_no_privacy_warning(shipped_bot: Bot) -> None:
    """A question with no identifying details is not scolded."""
    assert shipped_bot.answer(Question("what are the signs of cse")).privacy_warning == ""


def test_example_contact_without_a_number_is_labelled_as_unset(shipped_bot: Bot) -> None:
    """A fictional contact with no phone number is labelled an example, not "not a real number"."""
    social_worker = shipped_bot.knowledge.contacts["social-worker"]
    assert social_worker.example and not social_worker.phones
    assert contact_line(social_worker).endswith(f"({EXAMPLE_LABEL_NO_NUMBER})")


@pytest.mark.parametrize(
    "text",
    [
        "I work in Glasgow. whats the age of consent here",
        "youth worker in cardiff, what are the signs of county lines",
        "we're a school in Northern Ireland, who do I refer to",
    ],
)
def test_a_message_from_outside_england_is_told_the_guidance_is_englands(
    shipped_bot: Bot, text: str
) -> None:
    """From a staff walkthrough: a worker in Glasgow was given England's law and contacts with
    no word that they may not apply."""
    assert ELSEWHERE in shipped_bot.answer(Question(text)).notice


@pytest.mark.parametrize(
    "text", ["what is the age of consent", "can I put his NI number in the referral"]
)
def test_a_message_that_names_no_other_nation_gets_no_such_notice(
    shipped_bot: Bot, text: str
) -> None:
    assert ELSEWHERE not in shipped_bot.answer(Question(text)).notice
