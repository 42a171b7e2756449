"""The knowledge base that ships is complete, cited, valid, and recognises its own examples."""

from __future__ import annotations

import pytest

from bot import Bot, Outcome, Question
from bot.compose import leads_with_999
from bot.knowledge import KnowledgeBase, UrgencyExamples, check, is_drama_number, load
from tests.conftest import SHIPPED

# The topic ids of ../shared/domain/safeguarding-reference.md, section C: other tools key on them.
REFERENCE_TOPICS = (
    "cse-definition",
    "cse-signs",
    "grooming",
    "online-grooming",
    "sharing-nudes",
    "sextortion",
    "cce-county-lines",
    "trafficking-nrm",
    "modern-slavery",
    "missing-children",
    "disclosure-response",
    "what-to-say",
    "confidentiality",
    "recording-concerns",
    "making-a-referral",
    "thresholds-early-help",
    "immediate-danger-999",
    "out-of-hours",
    "dsl-role",
    "allegations-lado",
    "whistleblowing",
    "information-sharing",
    "consent-gdpr",
    "informing-parents",
    "strategy-s47",
    "child-in-need-s17",
    "cp-conferences",
    "cse-risk-tools",
    "contextual-safeguarding",
    "child-on-child-abuse",
    "harmful-sexual-behaviour",
    "fgm-reporting",
    "prevent",
    "disabled-children",
    "looked-after-care-leavers",
    "age-consent-16-17",
    "victim-blaming-language",
    "professional-curiosity",
    "professional-challenge",
    "supervision-wellbeing",
    "training",
    "rotherham-lessons",
    "ofsted-inspections",
    "chat-data-protection",
    "national-helplines",
    "new-laws-2026",
)
SHIPPED_EXAMPLES = [
    pytest.param(topic.id, example, id=f"{topic.id}:{index}")
    for topic in load(SHIPPED).topics.values()
    for index, example in enumerate(topic.examples)
]


def test_shipped_knowledge_has_no_problems() -> None:
    """`safeguarding-bot check knowledge` is clean."""
    assert [str(p) for p in check(SHIPPED)] == []


def test_every_reference_topic_ships(shipped_knowledge: KnowledgeBase) -> None:
    """Every topic of the reference ships under the reference's id (an admin may add more)."""
    assert sorted(set(REFERENCE_TOPICS) - set(shipped_knowledge.topics)) == []


def test_every_topic_has_at_least_15_examples(shipped_knowledge: KnowledgeBase) -> None:
    """Each topic is described by enough real phrasings to be found."""
    short = {
        t.id: len(t.examples) for t in shipped_knowledge.topics.values() if len(t.examples) < 15
    }
    assert short == {}


def test_every_topic_cites_a_source(shipped_knowledge: KnowledgeBase) -> None:
    """Every topic names the published guidance it is written from."""
    assert all(t.sources for t in shipped_knowledge.topics.values())


# The one local contact that is the same everywhere: the police's non-emergency number.
SAME_EVERYWHERE = {"police-101"}


def test_local_contacts_ship_as_labelled_examples(shipped_knowledge: KnowledgeBase) -> None:
    """Every shipped local contact (but the police's 101) is a fictional example, marked so,
    and its numbers are from Ofcom's drama ranges."""
    local = [c for c in shipped_knowledge.contacts.values() if c.local]
    assert {c.id for c in local if not c.example} == SAME_EVERYWHERE
    for contact in local:
        if contact.example:
            assert all(is_drama_number(phone) for phone in contact.phones), contact.id


@pytest.mark.parametrize(("topic_id", "example"), SHIPPED_EXAMPLES)
def test_every_shipped_example_matches_its_own_topic(
    shipped_bot: Bot, topic_id: str, example: str
) -> None:
    """Asking a topic's own example question answers with that topic."""
    reply = shipped_bot.answer(Question(example))
    assert reply.outcome is Outcome.ANSWERED
    assert reply.topic is not None and reply.topic.id == topic_id


_NO_URGENCY = UrgencyExamples((), (), 0.0)
SHIPPED_URGENT = [
    pytest.param(text, id=f"urgent:{index}")
    for index, text in enumerate((load(SHIPPED).urgency or _NO_URGENCY).urgent)
]


def test_the_shipped_urgency_net_has_its_examples(shipped_knowledge: KnowledgeBase) -> None:
    """urgent_examples.yaml ships, with its threshold: without it the net is off, and the
    cases below would quietly become none."""
    urgency = shipped_knowledge.urgency
    assert urgency is not None
    assert len(urgency.urgent) >= 400 and len(urgency.calm) >= 400
    assert 0 < urgency.threshold < 1


@pytest.mark.parametrize("text", SHIPPED_URGENT)
def test_every_shipped_urgent_example_gets_999_first(shipped_bot: Bot, text: str) -> None:
    """Each emergency in urgent_examples.yaml is answered with the 999 instruction first, by a
    rule or by the urgency net. The net holds these very messages, so this guards the data and
    the threshold, not how the net does on new messages (tests/test_urgency_net.py and
    bench/urgent measure that)."""
    assert leads_with_999(shipped_bot.answer(Question(text)))
