"""The shipped knowledge keeps to its reference, ../shared/domain/safeguarding-reference.md.

The reference gives each topic its contact types and sources, and section B the real national
numbers. These tests read it beside the repository, as CI lays it out; they skip, saying why, on
a machine without it, and fail in CI (CI=true) without it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache

import pytest

from bot.knowledge import KnowledgeBase, phone_key
from tests.conftest import ROOT

REFERENCE = ROOT.parent / "shared" / "domain" / "safeguarding-reference.md"
_TOPIC_HEADING = re.compile(r"^### `([a-z0-9-]+)` — ", re.MULTILINE)
_ID = re.compile(r"`([a-z0-9-]+)`")
_URL = re.compile(r"https?://[^\s;,)`]+")


@dataclass(frozen=True)
class ReferenceTopic:
    """What the reference gives one topic: its contact types and the URLs of its sources."""

    contacts: tuple[str, ...]
    source_urls: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    topics: dict[str, ReferenceTopic]
    contact_rows: dict[str, str]  # a contact id's row in section B's tables
    urls: frozenset[str]  # every URL anywhere in the reference


def _paragraph(body: str, label: str) -> str:
    return " ".join(p for p in re.split(r"\n\s*\n", body) if p.lstrip().startswith(label))


def _url(text: str) -> str:
    return text.rstrip(".")


@cache
def reference() -> Reference:
    if not REFERENCE.is_file():
        why = f"the reference is not at {REFERENCE} (CI puts ../shared beside the repository)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(why)
        pytest.skip(why)
    text = REFERENCE.read_text(encoding="utf-8")
    section_b = text.split("## B.", 1)[1].split("## C.", 1)[0]
    section_c = text.split("## C.", 1)[1].split("## D.", 1)[0]
    rows = {
        match.group(1): line
        for line in section_b.splitlines()
        if (match := re.match(r"\| `([a-z0-9-]+)` \|", line))
    }
    parts = _TOPIC_HEADING.split(section_c)
    topics = {
        topic_id: ReferenceTopic(
            contacts=tuple(_ID.findall(_paragraph(body, "Contacts:"))),
            source_urls=tuple(_url(u) for u in _URL.findall(_paragraph(body, "Sources:"))),
        )
        for topic_id, body in zip(parts[1::2], parts[2::2], strict=True)
    }
    urls = frozenset(_url(u) for u in _URL.findall(text))
    return Reference(topics, rows, urls)


def test_the_reference_is_read_whole() -> None:
    """The parser finds all 46 topics, their contacts and sources, and section B's rows. (A few
    topics name their sources by title only, documents whose URLs are given elsewhere.)"""
    ref = reference()
    assert len(ref.topics) == 46
    assert ref.topics["cse-definition"].contacts == (
        "dsl",
        "cs-front-door",
        "police-999",
        "nspcc-helpline",
    )
    assert len(ref.topics["cse-definition"].source_urls) == 3
    assert sum(bool(topic.source_urls) for topic in ref.topics.values()) >= 36
    assert {"dsl", "police-999", "nspcc-helpline", "crimestoppers"} <= set(ref.contact_rows)


def test_every_source_a_topic_cites_is_in_the_reference(shipped_knowledge: KnowledgeBase) -> None:
    """No reference topic cites a document the reference does not give (no invented or misspelt
    URLs). An admin's own topics may cite other guidance."""
    ref = reference()
    unknown = [
        (topic_id, source.url)
        for topic_id in ref.topics
        for source in shipped_knowledge.topics[topic_id].sources
        if source.url is not None and _url(source.url) not in ref.urls
    ]
    assert unknown == []


def test_every_topic_cites_the_sources_the_reference_gives_it(
    shipped_knowledge: KnowledgeBase,
) -> None:
    """Each reference topic cites every source the reference lists for it."""
    ref = reference()
    uncited = [
        (topic_id, url)
        for topic_id, given in ref.topics.items()
        for url in given.source_urls
        if url not in {_url(s.url) for s in shipped_knowledge.topics[topic_id].sources if s.url}
    ]
    assert uncited == []


# Contacts a topic's own must-say text tells us to leave out, though its contacts line names them.
WITHHELD = {
    # "Give the NSPCC Helpline (0808 800 5000) as the route, and this number only once an admin
    # has checked it is still running" (the FGM line is confirmed only by 2013-2019 sources).
    ("fgm-reporting", "nspcc-fgm"),
}


def test_every_topic_offers_the_contacts_the_reference_names(
    shipped_knowledge: KnowledgeBase,
) -> None:
    """Each reference topic lists every contact type the reference names for it (types the
    reference leaves to local practice, such as a line manager, are not contacts here)."""
    ref = reference()
    named = {contact for given in ref.topics.values() for contact in given.contacts}
    assert sorted(named - set(shipped_knowledge.contacts)) == []  # none deleted or renamed
    missing = [
        (topic_id, contact)
        for topic_id, given in ref.topics.items()
        for contact in given.contacts
        if contact not in shipped_knowledge.topics[topic_id].contacts
        and (topic_id, contact) not in WITHHELD
    ]
    assert missing == []


def test_a_withheld_contact_is_still_named_by_the_reference() -> None:
    """Each exception above is still needed: the reference still names the contact."""
    ref = reference()
    assert [pair for pair in WITHHELD if pair[1] not in ref.topics[pair[0]].contacts] == []


def test_999_comes_before_101_wherever_both_are_offered(shipped_knowledge: KnowledgeBase) -> None:
    """Contacts are shown in the order listed, most urgent first: staff scanning a reply about
    danger meet the emergency line before the non-emergency one."""
    lists = [(t.id, t.contacts) for t in shipped_knowledge.topics.values()]
    lists += [(r.id, r.contacts) for r in shipped_knowledge.urgent_rules]
    wrong = [
        name
        for name, contacts in lists
        if "police-999" in contacts
        and "police-101" in contacts
        and contacts.index("police-101") < contacts.index("police-999")
    ]
    assert wrong == []


def test_every_national_number_is_the_one_the_reference_gives(
    shipped_knowledge: KnowledgeBase,
) -> None:
    """A real (non-local) contact the reference lists has the numbers of its row there."""
    ref = reference()
    wrong = []
    for contact in shipped_knowledge.contacts.values():
        if contact.local or contact.id not in ref.contact_rows:
            continue
        row = ref.contact_rows[contact.id]
        row_digits = {phone_key(n) for n in re.findall(r"\d[\d ]*\d|\d", row)}
        wrong += [(contact.id, p) for p in contact.phones if phone_key(p) not in row_digits]
    assert wrong == []


def test_every_national_contact_a_reference_topic_offers_is_one_the_reference_lists(
    shipped_knowledge: KnowledgeBase,
) -> None:
    """No reference topic offers a real line the reference's section B does not list. (An admin
    may add lines for their own topics.)"""
    ref = reference()
    offered = {c for topic_id in ref.topics for c in shipped_knowledge.topics[topic_id].contacts}
    unlisted = [
        contact.id
        for contact in shipped_knowledge.contacts.values()
        if not contact.local and contact.id in offered and contact.id not in ref.contact_rows
    ]
    assert unlisted == []
