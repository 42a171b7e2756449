"""The bot: the one port every channel calls."""

from __future__ import annotations

import os
import re
from enum import Enum
from pathlib import Path

from bot import knowledge
from bot.asked import ContactLookup, asks_who_to_contact, circumstances
from bot.compose import compose
from bot.conversation import KEEP_MESSAGES
from bot.embedding import word_piece_vectors
from bot.knowledge import KnowledgeBase
from bot.matching import Candidate, Match, Matcher, Thresholds, Tuning, limit_blas_threads
from bot.models import Outcome, Question, Reply, Topic, UrgentRule
from bot.redact import redact
from bot.text import clean, without_denied_danger, without_pleasantries
from bot.urgent import SOUNDS_URGENT, UrgencyNet, UrgentRules

# Urgent rules read the whole message up to this length; the matcher reads its start only, since
# a question is short and a pasted page only blurs the match.
MAX_URGENT_CHARS = 20_000
MAX_MATCH_CHARS = 1_000
# A follow-up this short that matches nothing alone is matched with the message before it.
FOLLOW_UP_MAX_WORDS = 8


class Read(Enum):
    """How a message was matched: alone, together with the messages before it, or as a
    question of whom to contact about what they said."""

    ALONE = "alone"
    TOGETHER = "together"
    WHO_TO_CONTACT = "who to contact"


class Bot:
    """Answers a `Question` with a `Reply`: pure, synchronous, the same for every channel."""

    def __init__(self, base: KnowledgeBase, thresholds: Thresholds | None = None) -> None:
        self.knowledge = base
        self.thresholds = thresholds or base.thresholds or Thresholds()
        self._urgent = UrgentRules(
            base.urgent_rules, base.urgent_framing, base.urgent_not_danger, base.urgent_dated
        )
        self._contacts_asked = ContactLookup(base.contacts.values(), base.synonyms)
        examples = base.labelled_examples()
        self._matcher = Matcher(
            examples,
            synonyms=base.synonyms,
            tuning=Tuning(semantic_weight=base.semantic_weight)
            if base.semantic_weight is not None
            else None,
            embedder=word_piece_vectors(),
        )
        # The net behind the rules: its calm side is the knowledge base's own calm examples
        # and (a sample of) the ordinary questions it answers or declines.
        # When the questions were frozen with the threshold (urgent_calm_questions.yaml), an
        # edit to a topic's examples leaves the net, and so every 999 line it adds, as it was.
        self._net = (
            UrgencyNet(
                base.urgency.urgent,
                [*base.urgency.calm, *(base.urgency.questions or ())],
                [text for _, text in examples] if base.urgency.questions is None else [],
                base.urgency.threshold,
                embedder=word_piece_vectors(),
            )
            if base.urgency is not None
            else None
        )

    @classmethod
    def from_directory(cls, directory: str | os.PathLike[str]) -> Bot:
        """Load, validate and index a knowledge directory; raises `KnowledgeError`."""
        return build(Path(directory))

    def answer(self, question: Question) -> Reply:
        """The reply to one question: urgent rules first, then the matcher, then contacts; a
        follow-up is read with the person's earlier messages (`Question.earlier`)."""
        text = clean(question.text[: MAX_URGENT_CHARS * 2])[:MAX_URGENT_CHARS]
        topics = self.knowledge.topics
        earlier = (
            [clean(e[: MAX_MATCH_CHARS * 2]) for e in question.earlier[-KEEP_MESSAGES:]]
            if text and not question.chosen_topic
            else []
        )
        fired, urgent_from_earlier = self._fired(text, earlier)
        fired = fired or self._net_heard(text)
        identifying = bool(text) and bool(redact(text).found)

        chosen = topics.get(question.chosen_topic) if question.chosen_topic else None
        topic: Topic | None = chosen
        choices: list[Topic] = []
        outcome, score = Outcome.ANSWERED, 1.0
        declined = False
        follow_up = urgent_from_earlier
        asked_for = self._contacts_asked.asked(text[:MAX_MATCH_CHARS]) if chosen is None else ()
        # Asked to choose ("101 or 999?"), the emergency number comes first.
        asked_for = tuple(sorted(asked_for, key=lambda contact: contact.id != "police-999"))
        if chosen is None:
            match, read = self._match(text, earlier)
            follow_up = follow_up or read is not Read.ALONE
            offered = [topics[c.label] for c in match.candidates if c.label in topics]
            outcome, score = match.outcome, match.score
            topic = offered[0] if outcome is Outcome.ANSWERED else None
            if read is Read.WHO_TO_CONTACT and topic is not None and not asked_for:
                # "Who do I ring?" about what was said before: that topic's contacts first, in
                # the topic's order (its most urgent first).
                found = self.knowledge.contacts
                asked_for = tuple(found[c] for c in topic.contacts if c in found)
            declined = match.declined
            choices = [] if outcome is Outcome.ANSWERED or declined else offered
            if topic is None and outcome is Outcome.NOT_SURE:
                # An urgent rule may name the guidance to show when nothing else matched; what
                # the message may otherwise be about is still offered, since the rule read only
                # its danger ("found bags and a burner phone behind the bike shed").
                fallback = self._guidance(fired)
                if fallback is not None:
                    outcome, topic = Outcome.ANSWERED, topics[fallback]
                    choices = [t for t in choices if t.id != fallback]

        return compose(
            contacts=self.knowledge.contacts,
            topics=topics,
            outcome=outcome,
            topic=topic,
            choices=choices,
            score=score,
            urgent_rules=fired,
            identifying=identifying,
            empty=not text and chosen is None,
            declined=declined,
            follow_up=follow_up,
            asked_for=asked_for,
            circumstances=circumstances(text, earlier, chosen=chosen is not None),
        )

    def _fired(self, text: str, earlier: list[str]) -> tuple[list[UrgentRule], bool]:
        """The urgent rules the message sets off, and whether only with the earlier messages.

        A follow-up can complete an emergency the messages before it began ("LAC missing
        again" ... "she's 14 and with men we know exploit girls"). An emergency the earlier
        messages described alone already had its 999 reply, so then the follow-up ("police are
        on their way, what do I write down?") is read on its own."""
        fired = self._urgent.fired(text)
        if fired or not earlier or self._urgent.fired(". ".join(earlier)):
            return fired, False
        fired = self._urgent.fired(". ".join((*earlier, text)))
        return fired, bool(fired)

    def _match(self, text: str, earlier: list[str]) -> tuple[Match, Read]:
        """The matcher's decision, and how the messages before this one were read into it.

        A short follow-up that means nothing alone ("what if she's 17?") is matched with the
        message before it, or, if that is not enough, with both before it (the one before may
        itself have been a follow-up: "and if they're 14?"). A longer one carries its own
        meaning: mixed with the messages before, it mostly brings their topic back. A follow-up
        that only asks whom to contact ("who shd i ring?") is about what was said before, so
        the messages before are matched without it."""
        alone = self._read(text)
        if alone.outcome is not Outcome.NOT_SURE or not earlier:
            return alone, Read.ALONE
        contexts = [earlier[-1][:MAX_MATCH_CHARS]]
        if len(earlier) > 1:
            contexts.append(" ".join(e[:MAX_MATCH_CHARS] for e in earlier))
        if asks_who_to_contact(text):
            for context in contexts:
                before = self._shown(context)
                if before.outcome is Outcome.ANSWERED:
                    return before, Read.WHO_TO_CONTACT
            # Not sure of the earlier messages either: their suggestions, not this one's.
            return before, Read.ALONE
        if alone.declined or len(text.split()) > FOLLOW_UP_MAX_WORDS:
            return alone, Read.ALONE
        for context in contexts:
            together = self._decide(f"{context} {text}")
            if together.outcome is Outcome.ANSWERED:
                return together, Read.TOGETHER
        return alone, Read.ALONE

    def _shown(self, text: str) -> Match:
        """The topic a message was answered with: the matcher's, or when it was not sure, the
        guidance its urgent rules name (as `answer` does)."""
        match = self._read(text)
        if match.outcome is not Outcome.NOT_SURE:
            return match
        topic = self._guidance(self._urgent.fired(text) or self._net_heard(text))
        if topic is None:
            return match
        return Match(Outcome.ANSWERED, (Candidate(topic, match.score),), match.score)

    def _net_heard(self, text: str) -> list[UrgentRule]:
        """`SOUNDS_URGENT` when the urgency net hears a child in danger in `text` (asked only
        when no rule fired: it can add a 999 line, never take one away)."""
        if self._net is not None and self._net.sounds_urgent(text[:MAX_MATCH_CHARS]):
            return [SOUNDS_URGENT]
        return []

    def _guidance(self, fired: list[UrgentRule]) -> str | None:
        """The topic the first of the fired rules names, shown when the matcher was not sure."""
        return next((r.topic for r in fired if r.topic in self.knowledge.topics), None)

    def _read(self, text: str) -> Match:
        """The decision on one message read alone. When the matcher is not sure of a message of
        several sentences, or torn between close topics, and the last sentence is a question,
        that question alone decides if it is sure: among the close topics when torn ("...older
        lads wait outside. Should I be writing these little things up?"). A follow-up matched
        with the messages before it is not read so: its own question was already tried."""
        whole = self._decide(text)
        if whole.outcome is Outcome.ANSWERED or whole.declined:
            return whole
        question = _last_question(text[:MAX_MATCH_CHARS])
        if question is None:
            return whole
        asked = self._decide(question)
        if whole.outcome is Outcome.AMBIGUOUS and asked.outcome is Outcome.ANSWERED:
            close = {c.label for c in whole.candidates}
            return asked if asked.candidates[0].label in close else whole
        return asked if asked.outcome is Outcome.ANSWERED else whole

    def _decide(self, text: str) -> Match:
        """The matcher's decision on a text, the greetings and thanks around it and the words
        that say it is not an emergency set aside (the urgent rules still read them)."""
        return self._matcher.match(
            without_denied_danger(without_pleasantries(text[:MAX_MATCH_CHARS])),
            self.thresholds,
            self.knowledge.decline_label,
        )


def build(directory: Path, *, refuse_examples: bool = False) -> Bot:
    """Load, validate and index a knowledge directory, with numpy's BLAS on one thread (see
    `limit_blas_threads`). With `refuse_examples` (production), a local contact still marked as
    a shipped example is a problem too. Raises `KnowledgeError`. Picklable by reference, so a
    reload can run it in another process."""
    limit_blas_threads()
    base = knowledge.load(directory)
    if refuse_examples:
        problems = knowledge.example_contact_problems(base)
        if problems:
            raise knowledge.KnowledgeError(problems)
    return Bot(base)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _last_question(text: str) -> str | None:
    """The last sentence of a message of several, when it is a question ("police have her
    now, she's safe. what do i write down?"); None otherwise."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) < 2 or not sentences[-1].rstrip().endswith("?"):
        return None
    return sentences[-1]
