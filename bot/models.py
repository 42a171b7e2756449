"""The core's own types: what a channel asks and what the bot replies.

Every value here is immutable. Channels build a `Question`, call `Bot.answer` and render the
`Reply`; nothing platform-specific crosses into these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


@dataclass(frozen=True)
class Where:
    """A place in a knowledge file, for error messages: `path:line`."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Source:
    """A published guidance document a topic is written from, and its address when the reference
    gives one (`None`: cited by title only)."""

    title: str
    url: str | None = None


@dataclass(frozen=True)
class Contact:
    """Someone staff can call or tell: a national line, or a local contact an admin sets."""

    id: str
    name: str
    role: str
    reach: str
    when: str
    local: bool
    example: bool
    phones: tuple[str, ...] = ()
    where: Where | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Topic:
    """One piece of guidance: what staff ask, what the bot answers, who to tell.

    `now` is the one line shown first, under the title: what to do now ("" when not written).
    """

    id: str
    title: str
    examples: tuple[str, ...]
    answer: str
    contacts: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[Source, ...]
    now: str = ""
    where: Where | None = field(default=None, compare=False)


@dataclass(frozen=True)
class UrgentRule:
    """A deterministic rule for a child in immediate danger or a live disclosure.

    The rule fires when, for every group in `all_of`, at least one of its phrases occurs in the
    normalised message, and none of the `unless` phrases does. With `near`, the groups' phrases
    must occur within a stretch of `near` words, and only an `unless` phrase within `near` words
    of that stretch, in a clause it touches, cancels it. `spellings` pairs a word with the other
    ways staff write it ("with": "wiv", "w"); the table is the urgent file's, shared by all its
    rules.
    """

    id: str
    description: str
    all_of: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...]
    say: str
    contacts: tuple[str, ...]
    topic: str | None
    near: int | None = None
    spellings: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), repr=False)
    where: Where | None = field(default=None, compare=False)


@dataclass(frozen=True)
class DatedTimes:
    """Times that date an event ("last year", "years ago") and the words that say the danger is
    here now all the same ("now", "has just", "same as"): an `unless` phrase of `times` compared
    with cancels nothing, and in a clause that also holds one of `renewed_by` it dates only the
    words before it ("the man who groomed her last year is outside now"); a `renewed_by` phrase
    inside one of `unless` ("what do I do now") renews nothing. A phrase of `present` ("is in
    reception", "is holding her") renews like `renewed_by`, but says where or what the danger
    is, so its words still count as a rule's phrases after the time."""

    times: tuple[str, ...]
    renewed_by: tuple[str, ...]
    unless: tuple[str, ...] = ()
    present: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """What a person asked, from any channel.

    `chosen_topic` is set when the person picked a topic the bot offered (a button, a card
    submit, or a number typed in a text channel); it is answered as if that topic was asked.
    `earlier` holds the person's previous messages in the same conversation, oldest first,
    redacted (see `bot.conversation`): a follow-up is read with them for urgency, matched with
    them when it means nothing on its own, and answered from them when it only asks whom to
    contact (`bot.engine.Bot._match`).
    """

    text: str
    channel: str = "local"
    chosen_topic: str | None = None
    earlier: tuple[str, ...] = ()


class Outcome(StrEnum):
    """How sure the bot is of the topic it answers with."""

    ANSWERED = "answered"
    AMBIGUOUS = "ambiguous"
    NOT_SURE = "not_sure"


# What a message that only greets or thanks is: "" when it asks something.
Greeting = Literal["", "hello", "thanks"]


@dataclass(frozen=True)
class Circumstances:
    """What a conversation says about the person asking and whom it is about, beyond its topic:
    it changes who the reply sends them to and what it says first.

    `no_lead`: they have no safeguarding lead of their own (a childminder). `elsewhere`: they
    are outside England. `works_with_children`: the message speaks of someone who works or
    volunteers with children. `asks_to_act`: it asks the bot to contact someone or refer.
    `greeting`: "hello" or "thanks" for a message that only greets or thanks. `adult`: every age
    given is 18 or over and no child is mentioned.
    """

    no_lead: bool = False
    elsewhere: bool = False
    works_with_children: bool = False
    asks_to_act: bool = False
    greeting: Greeting = ""
    adult: bool = False


@dataclass(frozen=True)
class Reply:
    """Everything a channel needs to render an answer.

    Order of what a channel shows: `urgent_lead` (999 first), `privacy_warning` (when the
    message looked identifying), `asked_for` (the contacts the question asked how to reach),
    `contacts` when urgent, `notice` (paragraphs split by a blank line: not sure, read with the
    previous message, no safeguarding lead, outside England), the topic's answer, `choices`,
    `contacts` when not urgent, `related`, `privacy_reminder`. `now` is the topic's "Now:" line,
    "" when the urgent lead already says what to do now for that topic.
    """

    outcome: Outcome
    urgent: bool
    urgent_rules: tuple[str, ...]
    urgent_lead: tuple[str, ...]
    topic: Topic | None
    notice: str
    choices: tuple[Topic, ...]
    related: tuple[Topic, ...]
    contacts: tuple[Contact, ...]
    score: float
    privacy_warning: str
    privacy_reminder: str
    asked_for: tuple[Contact, ...] = ()
    now: str = ""
