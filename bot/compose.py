"""Build a `Reply` from what the urgent rules and the matcher found, and render it as text.

The order is a safety rule: when a message is urgent the 999 instruction is the first line of
every rendering, before any privacy warning or topic, and the contacts follow the lead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from bot.models import Circumstances, Contact, Outcome, Reply, Topic, UrgentRule

CALL_999 = (
    "Call 999 now if a child is in immediate danger. On a mobile, if you cannot speak, "
    "press 55 when asked."
)
THEN_DSL = (
    "Then tell your designated safeguarding lead (DSL), or your organisation's safeguarding "
    "lead, straight away, so that children's social care are told the same day (the emergency "
    "duty team out of hours). If they cannot be reached, contact children's social care "
    "yourself. Write down what happened."
)
# For someone with no safeguarding lead of their own (a childminder, a self-employed tutor).
THEN_SOCIAL_CARE = (
    "Then tell children's social care straight away (the front door, or the emergency duty "
    "team out of hours). Write down what happened."
)
# After 999 when the person who may be harming the child may work or volunteer with children
# (reference `allegations-lado`: the case manager consults the LADO, usually within one
# working day); for someone with no manager of their own, the LADO directly.
THEN_LADO = (
    "If the person who may be harming the child works or volunteers with children (staff, a "
    "volunteer, a coach or a leader), also tell your headteacher or senior manager straight "
    "away (the chair of governors if it is about the head); they involve the LADO, usually "
    "within one working day. Don't investigate or tell the person."
)
THEN_LADO_NO_LEAD = (
    "If the person who may be harming the child works or volunteers with children, also tell "
    "the LADO, usually within one working day. Don't investigate or tell the person."
)
NO_LEAD = (
    "With no safeguarding lead of your own (a childminder, a self-employed tutor), go to "
    "children's social care yourself: the front door, or the emergency duty team out of hours. "
    "Anyone can refer a child."
)
ABOUT_AN_ADULT = (
    "If the person you are worried about is 18 or over, my guidance is for children: for an "
    "adult at risk of abuse or exploitation, contact your council's adult safeguarding team, or "
    "the police (999 if they are in danger now). The Modern Slavery & Exploitation Helpline also "
    "takes reports about adults. If a child may be at risk too, follow your child safeguarding "
    "procedures as well."
)
ELSEWHERE = (
    "My guidance is England's. Child protection law, procedures and contacts differ in "
    "Scotland, Wales, Northern Ireland and elsewhere: follow your own area's procedures and "
    "contacts. In an emergency anywhere in the UK, call 999."
)
PRIVACY_WARNING = (
    "Please don't share names or other identifying details in chat. Describe the situation "
    'instead (for example "a Year 9 girl") and record details in your safeguarding system.'
)
PRIVACY_REMINDER = (
    "Don't type names or identifying details here. This bot gives guidance only: it does not "
    "make a referral or tell anyone."
)
# How every notice that is not sure ends; left out for someone with no safeguarding lead, whose
# notice says where to go instead (NO_LEAD).
TALK_TO_DSL = "If you are worried about a child, talk to your DSL or safeguarding lead today"
NOT_UNDERSTOOD = "I'm not sure I have understood your question, so I won't guess."
NOT_SURE = (
    f"{NOT_UNDERSTOOD} {TALK_TO_DSL}; anyone can also refer a child to children's social care "
    "directly."
)
NOT_COVERED = (
    "I don't think that is something I cover, so I won't guess: I answer questions about "
    "keeping children safe (exploitation, abuse, going missing, who to tell). For IT, HR, rotas "
    "or pay, ask your manager or service desk. For an adult at risk, contact your council's "
    "adult safeguarding team."
)
OUTSIDE = f"{NOT_COVERED} {TALK_TO_DSL}."
NOT_SURE_URGENT = "I couldn't match the rest of your message to one topic."
AMBIGUOUS = "Your question could be about more than one thing."
EMPTY = (
    'Please type a question about a safeguarding concern, for example "what are the signs of '
    'child sexual exploitation?"'
)
HELLO = f"Hello. {EMPTY}"
THANKS = (
    "You're welcome. If you are worried about a child, ask me again any time; in an emergency, "
    "call 999."
)
CANNOT_ACT = (
    "I can't contact anyone or make a referral for you: I give guidance only, and nothing you "
    "type here is passed on. Please contact them yourself, using the contacts in this reply."
)
ASKED_FOR = "You asked how to reach:"
FOLLOW_UP = "I read this together with your previous message."
NOW = "Now:"
EXAMPLE_LABEL = "example, not a real number; not set up yet"
EXAMPLE_LABEL_NO_NUMBER = "example; not set up yet"

MAX_SITUATION_LINES = 2

ALWAYS = ("dsl", "police-999")
SIGNPOST = ("dsl", "cs-front-door", "edt", "nspcc-helpline", "police-999")
# A message that says nothing about the asker's situation.
NOTHING_SPECIAL = Circumstances()
# Whom an allegation about someone who works with children goes to: the case manager, the LADO.
LADO_ROUTE = ("senior-leader", "lado")


def compose(
    *,
    contacts: Mapping[str, Contact],
    topics: Mapping[str, Topic],
    outcome: Outcome,
    topic: Topic | None,
    choices: Sequence[Topic],
    score: float,
    urgent_rules: Sequence[UrgentRule],
    identifying: bool,
    empty: bool = False,
    asked_for: Sequence[Contact] = (),
    declined: bool = False,
    follow_up: bool = False,
    circumstances: Circumstances = NOTHING_SPECIAL,
) -> Reply:
    """Assemble a reply: urgent lead, the contacts asked for, answer or notice, choices,
    contacts, privacy notes. `declined`: the message is most like the out-of-scope examples,
    so the notice says what the bot covers and only the DSL and 999 are signposted.
    `follow_up`: the topic was matched with the person's previous message, and the notice says
    so. `circumstances` (see `Circumstances`): with no safeguarding lead, children's social care
    takes the DSL's place among the contacts and in the urgent lead; outside England, the
    notice says the guidance is England's; about someone who works with children, an urgent or
    not-sure reply gives the route to the LADO; asked to act, the notice says first that the
    bot cannot; a greeting or thanks is answered as such; about adults only, the notice gives
    the adult route."""
    urgent = bool(urgent_rules)
    no_lead, greeting, adult = circumstances.no_lead, circumstances.greeting, circumstances.adult
    works_with_children, asks_to_act = circumstances.works_with_children, circumstances.asks_to_act
    lado_line = THEN_LADO_NO_LEAD if no_lead else THEN_LADO
    lead: list[str] = []
    situation = _situation(urgent_rules)
    if urgent:
        lead = [CALL_999, THEN_SOCIAL_CARE if no_lead else THEN_DSL]
        lead.extend(line for _, line in situation)
        if works_with_children:
            lead.append(lado_line)
    # A rule's `say` is its topic's "what to do now" in an emergency, so the topic's own Now
    # line would only repeat the lead.
    said_for = {rule.topic for rule, _ in situation}
    now = topic.now if topic is not None and topic.id not in said_for else ""

    if empty and not urgent:
        notice = EMPTY
    elif greeting and not urgent and topic is None:
        notice = THANKS if greeting == "thanks" else HELLO
    elif outcome is Outcome.NOT_SURE and not urgent and (asks_to_act or asked_for):
        # The request was understood: to act (which the bot cannot), or for a contact's number.
        notice = ""
    elif outcome is Outcome.AMBIGUOUS:
        notice = AMBIGUOUS
    elif outcome is Outcome.NOT_SURE and urgent:
        notice = NOT_SURE_URGENT
    elif outcome is Outcome.NOT_SURE and declined:
        notice = NOT_COVERED if no_lead else OUTSIDE
    elif outcome is Outcome.NOT_SURE:
        notice = NOT_UNDERSTOOD if no_lead else NOT_SURE
    else:
        notice = FOLLOW_UP if follow_up else ""
    # Not sure what is asked, but it is about someone who works with children: the LADO route
    # is the one a generic signpost would leave out (an urgent reply has it in its lead).
    lado_route = works_with_children and outcome is Outcome.NOT_SURE and not declined and not urgent
    lado_note = lado_line if lado_route else ""
    # Each note its own paragraph: what the bot understood, then who to go to, then whose
    # guidance it is.
    notes = (
        CANNOT_ACT if asks_to_act else "",
        notice,
        lado_note,
        NO_LEAD if no_lead else "",
        ABOUT_AN_ADULT if adult and not declined else "",
        ELSEWHERE if circumstances.elsewhere else "",
    )
    notice = "\n\n".join(note for note in notes if note)

    wanted: list[str] = []
    if urgent:
        wanted.extend(("police-999", "dsl"))
        for rule in urgent_rules:
            wanted.extend(rule.contacts)
        if works_with_children:
            wanted.extend(LADO_ROUTE)
    if topic is not None:
        wanted.extend(topic.contacts)
        wanted.extend(ALWAYS)
    else:
        wanted.extend(ALWAYS if declined else SIGNPOST)
        if lado_route:
            wanted[1:1] = LADO_ROUTE
    if adult and not declined:
        wanted.append("modern-slavery-helpline")
    if no_lead:
        # Children's social care in the place of the lead the person does not have.
        instead = {"dsl": "cs-front-door", "senior-leader": "cs-front-door"}
        wanted = [instead.get(i, i) for i in wanted]
        asked_for = list(dict.fromkeys(contacts.get(instead.get(c.id, c.id), c) for c in asked_for))
    # A contact the message asked for is shown at the top, and not again among the others.
    shown = {contact.id for contact in asked_for}
    ordered = [contacts[i] for i in dict.fromkeys(wanted) if i in contacts and i not in shown]

    related: tuple[Topic, ...] = ()
    if topic is not None:
        related = tuple(topics[r] for r in topic.related if r in topics)

    return Reply(
        outcome=outcome,
        urgent=urgent,
        urgent_rules=tuple(rule.id for rule in urgent_rules),
        urgent_lead=tuple(lead),
        topic=topic,
        notice=notice,
        choices=tuple(choices),
        related=related,
        contacts=tuple(ordered),
        score=round(score, 4),
        privacy_warning=PRIVACY_WARNING if identifying else "",
        privacy_reminder=PRIVACY_REMINDER,
        asked_for=tuple(asked_for),
        now=now,
    )


def situation_lines(urgent_rules: Sequence[UrgentRule]) -> list[str]:
    """What to do in this emergency beyond 999 and the DSL: the `say` lines of the first
    `MAX_SITUATION_LINES` rules that add something, in the rules' order, each sentence once."""
    return [line for _, line in _situation(urgent_rules)]


def _situation(urgent_rules: Sequence[UrgentRule]) -> list[tuple[UrgentRule, str]]:
    said: set[str] = set()
    shown: list[tuple[UrgentRule, str]] = []
    for rule in urgent_rules:
        new = [s for s in _sentences(rule.say) if _sentence_key(s) not in said]
        if not new:
            continue
        said.update(_sentence_key(s) for s in new)
        shown.append((rule, " ".join(new)))
        if len(shown) == MAX_SITUATION_LINES:
            break
    return shown


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _sentence_key(sentence: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", sentence.lower()))


def example_label(contact: Contact) -> str:
    """How a fictional example contact is labelled in every reply ("" for a real one)."""
    if not contact.example:
        return ""
    return EXAMPLE_LABEL if contact.phones else EXAMPLE_LABEL_NO_NUMBER


def reach_line(contact: Contact) -> str:
    """How to reach a contact, with the example label when it is fictional."""
    return f"{contact.reach} ({example_label(contact)})" if contact.example else contact.reach


def contact_line(contact: Contact) -> str:
    """One contact as text: name, how to reach, the example label when it is fictional."""
    return f"{contact.name}: {reach_line(contact)}"


def asked_to_choose(reply: Reply) -> bool:
    """Whether the message asked for more than one contact ("101 or 999?"): then each one
    asked for shows when to use it."""
    return len(reply.asked_for) > 1


def asked_line(reply: Reply, contact: Contact) -> str:
    """A contact asked for, as text: with when to use it if the message asked to choose."""
    line = contact_line(contact)
    when = " ".join(contact.when.split())
    if not (asked_to_choose(reply) and when):
        return line
    return f"{line}{'' if line.endswith(('.', '?', '!')) else '.'} When: {when}"


def offered(reply: Reply) -> list[Topic]:
    """The topics a text channel numbers for the person to pick: choices, then related."""
    return list(dict.fromkeys((*reply.choices, *reply.related)))


def now_lines(reply: Reply) -> list[str]:
    """The topic's "Now:" line, first under its title, as a list of zero or one lines."""
    return [f"{NOW} {reply.now}"] if reply.now else []


def choice_now(reply: Reply, topic: Topic) -> str:
    """When the reply asks which of some close topics was meant, the topic's "Now:" line, so
    staff can act while they choose ("" otherwise, or when the topic has none)."""
    return f"{NOW} {topic.now}" if reply.outcome is Outcome.AMBIGUOUS and topic.now else ""


def contacts_first(reply: Reply) -> bool:
    """Whether the contacts come straight after the urgent lead (in an emergency the numbers
    matter more than the guidance) rather than after the answer."""
    return reply.urgent


def choices_heading(reply: Reply) -> str:
    """The heading over the topics offered: a question when they are close, else suggestions."""
    return (
        "Which did you mean?"
        if reply.outcome is Outcome.AMBIGUOUS
        else "Did you mean one of these?"
    )


def leads_with_999(reply: Reply) -> bool:
    """Whether the reply is urgent and its first line is the 999 instruction (the safety rule)."""
    lines = plain_text(reply).splitlines()
    return reply.urgent and bool(lines) and CALL_999 in lines[0]


def plain_text(reply: Reply) -> str:
    """The whole reply as plain text, as the terminal chat and `ask` print it."""
    return "\n\n".join(_sections(reply))


def _sections(reply: Reply) -> Iterable[str]:
    if reply.urgent_lead:
        yield "\n".join(f"! {line}" for line in reply.urgent_lead)
    if reply.privacy_warning:
        yield reply.privacy_warning
    if reply.asked_for:
        yield ASKED_FOR + "\n" + "\n".join(f"- {asked_line(reply, c)}" for c in reply.asked_for)
    contacts = "Who to contact:\n" + "\n".join(f"- {contact_line(c)}" for c in reply.contacts)
    if reply.contacts and contacts_first(reply):
        yield contacts
    if reply.notice:
        yield reply.notice
    if reply.topic is not None:
        yield "\n".join((reply.topic.title, *now_lines(reply), reply.topic.answer))
    numbered = offered(reply)
    if reply.choices:
        yield (
            choices_heading(reply)
            + "\n"
            + "\n".join(
                f"{numbered.index(t) + 1}. {t.title}"
                + (f"\n   {choice_now(reply, t)}" if choice_now(reply, t) else "")
                for t in reply.choices
            )
        )
    if reply.contacts and not contacts_first(reply):
        yield contacts
    related = [t for t in reply.related if t not in reply.choices]
    if related:
        yield "More on this:\n" + "\n".join(f"{numbered.index(t) + 1}. {t.title}" for t in related)
    if reply.topic is not None and reply.topic.sources:
        yield "Sources:\n" + "\n".join(
            f"- {s.title} {s.url}" if s.url else f"- {s.title}" for s in reply.topic.sources
        )
    yield reply.privacy_reminder
