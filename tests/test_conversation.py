"""Follow-ups: a message read with the person's messages just before it, held redacted in
memory for a short while (`bot.conversation.RecentMessages`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from adapters.console import Conversation
from bot import Bot, Outcome, Question
from bot.compose import CALL_999, FOLLOW_UP, plain_text
from bot.conversation import KEEP_SECONDS, RecentMessages
from bot.engine import FOLLOW_UP_MAX_WORDS
from tests.conftest import SHIPPED


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


MISSING = "LAC missing again"
WITH_EXPLOITERS = "she's 14 and we think shes with adults known for exploitation"


def test_follow_up_that_completes_an_emergency_gets_999_first(shipped_bot: Bot) -> None:
    """From a staff walkthrough: each message alone is calm; together they describe a missing
    14-year-old with known exploiters, which the reference says is a 999 call."""
    assert not shipped_bot.answer(Question(WITH_EXPLOITERS)).urgent
    reply = shipped_bot.answer(Question(WITH_EXPLOITERS, earlier=(MISSING,)))
    assert reply.urgent
    assert plain_text(reply).splitlines()[0] == f"! {CALL_999}"


def test_follow_up_that_means_nothing_alone_is_matched_with_the_message_before(
    shipped_bot: Bot,
) -> None:
    before = "midwife here, 15yo at booking is pregnant, says the baby's dad is 19"
    alone = shipped_bot.answer(Question("what if she's 17?"))
    assert alone.outcome is Outcome.NOT_SURE
    reply = shipped_bot.answer(Question("what if she's 17?", earlier=(before,)))
    assert reply.outcome is Outcome.ANSWERED
    assert reply.topic is not None and reply.topic.id == "age-consent-16-17"
    assert reply.notice == FOLLOW_UP


def test_follow_up_that_completes_an_emergency_says_it_was_read_with_the_message_before(
    shipped_bot: Bot,
) -> None:
    reply = shipped_bot.answer(Question(WITH_EXPLOITERS, earlier=(MISSING,)))
    assert reply.urgent and reply.outcome is Outcome.ANSWERED
    assert reply.notice == FOLLOW_UP


def test_follow_up_after_an_emergency_already_answered_with_999_is_read_on_its_own(
    shipped_bot: Bot,
) -> None:
    """The first message had its 999 reply; "police are on their way" is not a new emergency,
    and repeating the lead would bury the answer to what was asked."""
    emergency = (
        "yr 7 girl has just told me her mums boyfriend is picking her up today and he makes her "
        "do sexual stuff. hes due at the gate in 10 mins"
    )
    assert shipped_bot.answer(Question(emergency)).urgent
    reply = shipped_bot.answer(
        Question("ok police are on their way, what do i write down?", earlier=(emergency,))
    )
    assert not reply.urgent
    assert reply.notice != FOLLOW_UP


def test_longer_follow_up_that_matches_nothing_alone_is_not_matched_with_the_one_before(
    shipped_bot: Bot,
) -> None:
    """A message of more than FOLLOW_UP_MAX_WORDS words carries its own meaning: matched with a
    long message before it, it mostly brings that message's topic back."""
    before = (
        "15 yr old just turned up at the centre saying a man she met online hurt her last month"
    )
    follow_up = "police are here now and she is safe. should i tell her mum?"
    assert len(follow_up.split()) > FOLLOW_UP_MAX_WORDS
    reply = shipped_bot.answer(Question(follow_up, earlier=(before,)))
    assert reply.notice != FOLLOW_UP


def test_follow_up_to_a_follow_up_is_matched_with_both_messages_before(shipped_bot: Bot) -> None:
    """The message just before may itself have been a follow-up ("what if they're only 13?"),
    which alone says too little; the first message says what it is about."""
    first = (
        "council tenancy officer, pretty sure a vulnerable mans flat is being used by a gang to "
        "deal drugs, think its cuckooing"
    )
    second = "what if the lads are only 13?"
    follow_up = "should i tell police as well?"
    assert shipped_bot.answer(Question(follow_up, earlier=(second,))).topic is None
    reply = shipped_bot.answer(Question(follow_up, earlier=(first, second)))
    assert reply.topic is not None and reply.topic.id == "cce-county-lines"
    assert reply.notice == FOLLOW_UP


CONCERN = (
    "youth worker, a 14yo at our club keeps turning up with new phones and cash and says he runs "
    "errands for older lads"
)


def test_follow_up_asking_whom_to_contact_lists_the_contacts_for_what_was_said_before(
    shipped_bot: Bot,
) -> None:
    """'Who shd I ring first?' is about the concern just described: its topic's contacts come
    first, in the topic's order, each with when to use it, and are not listed twice."""
    topic = shipped_bot.answer(Question(CONCERN)).topic
    assert topic is not None and topic.id == "cce-county-lines"
    assert shipped_bot.answer(Question("who shd i ring 1st")).topic is None
    reply = shipped_bot.answer(Question("who shd i ring 1st", earlier=(CONCERN,)))
    assert reply.topic == topic
    assert [c.id for c in reply.asked_for] == list(topic.contacts)
    assert not set(reply.contacts) & set(reply.asked_for)
    text = plain_text(reply)
    assert text.index("When: Every concern, first") < text.index(topic.title)


def test_follow_up_asking_whom_to_contact_after_an_emergency_uses_the_guidance_it_was_given(
    shipped_bot: Bot,
) -> None:
    """When an urgent rule chose the first reply's guidance (the matcher was not sure of it),
    'who else do I need to tell' is about that guidance, and the 999 lead is not repeated."""
    disclosure = "girl in my tutor group has just told me her step dad raped her last night"
    first = shipped_bot.answer(Question(disclosure))
    assert first.urgent and first.topic is not None
    reply = shipped_bot.answer(Question("who else do i need to tell", earlier=(disclosure,)))
    assert not reply.urgent
    assert reply.topic == first.topic
    assert reply.asked_for and reply.asked_for[0].id == "police-999"


def test_question_clear_on_its_own_is_answered_on_its_own(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(
        Question("how do I record a disclosure?", earlier=("what is county lines",))
    )
    assert reply.topic is not None and reply.topic.id == "recording-concerns"
    assert reply.notice == ""


def test_clearly_out_of_scope_follow_up_is_still_declined(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(
        Question("the printer on floor 2 is jammed again", earlier=("what is county lines",))
    )
    assert reply.topic is None
    assert reply.notice != FOLLOW_UP


def test_picked_topic_is_answered_without_the_messages_before(shipped_bot: Bot) -> None:
    reply = shipped_bot.answer(
        Question("", chosen_topic="recording-concerns", earlier=(MISSING, WITH_EXPLOITERS))
    )
    assert not reply.urgent
    assert reply.topic is not None and reply.topic.id == "recording-concerns"


def test_recent_messages_are_kept_redacted() -> None:
    recent = RecentMessages()
    recent.add("c1", "Jade Smith on 07700 900123 is missing")
    (kept,) = recent.earlier("c1")
    assert "Jade" not in kept and "07700" not in kept
    assert "missing" in kept


def test_recent_messages_keep_only_the_last_few() -> None:
    recent = RecentMessages(keep=2)
    for text in ("one", "two", "three"):
        recent.add("c1", text)
    assert recent.earlier("c1") == ("two", "three")


def test_recent_messages_are_forgotten_after_their_time() -> None:
    clock = Clock()
    recent = RecentMessages(clock=clock)
    recent.add("c1", "first")
    clock.now += KEEP_SECONDS - 1
    recent.add("c1", "second")
    clock.now += 2
    assert recent.earlier("c1") == ("second",)
    clock.now += KEEP_SECONDS
    assert recent.earlier("c1") == ()
    assert len(recent) == 0


def test_recent_messages_keep_conversations_apart() -> None:
    recent = RecentMessages()
    recent.add("c1", "about county lines")
    assert recent.earlier("c2") == ()


def test_recent_messages_forget_the_least_recently_used_conversation_first() -> None:
    recent = RecentMessages(conversations=2)
    recent.add("c1", "a")
    recent.add("c2", "b")
    recent.earlier("c1")
    recent.add("c1", "c")
    recent.add("c3", "d")
    assert recent.earlier("c2") == ()
    assert recent.earlier("c1") == ("a", "c")
    assert len(recent) == 2


def test_empty_message_is_not_remembered() -> None:
    recent = RecentMessages()
    recent.add("c1", "  ")
    assert recent.earlier("c1") == ()


def test_terminal_chat_reads_a_follow_up_with_the_message_before(shipped_bot: Bot) -> None:
    conversation = Conversation(shipped_bot)
    assert not conversation.ask(MISSING).urgent
    assert conversation.ask(WITH_EXPLOITERS).urgent


def test_terminal_chat_beside_a_server_asks_the_bot_answering_now(
    shipped_bot: Bot, tmp_path: Path
) -> None:
    """`make run`'s terminal chat asks whichever bot the server answers with: after a knowledge
    reload it answered from the knowledge base the server had started with."""
    edited = Path(shutil.copytree(SHIPPED, tmp_path / "knowledge"))
    responding = edited / "topics" / "responding.yaml"
    text = responding.read_text(encoding="utf-8")
    line = "Tell your DSL straight away"
    responding.write_text(text.replace(line, line + " (edited)", 1), encoding="utf-8")
    answering = [shipped_bot]
    conversation = Conversation(lambda: answering[-1])
    question = "what do i do when a child discloses abuse"
    assert "(edited)" not in plain_text(conversation.ask(question))
    answering.append(Bot.from_directory(edited))
    assert "(edited)" in plain_text(conversation.ask(question))
