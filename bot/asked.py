"""Which contacts a question asks how to reach: "what's the LADO's number?", "email for MASH".

Staff often want one number, and the topic's answer gives it only at the end, among the
contacts, after the guidance. When a question names a contact from `contacts.yaml` beside a word
that asks how to reach it, the reply shows that contact first (after any 999 lead).

A contact is named by its name (each alternative of "X or Y"), what its name gives in brackets
("(LADO)", "(101)", "(out of hours)"), its name without a trailing word such as "helpline" or
"team" when two words or more remain and not all of them everyday words ("nspcc fgm"), or its id
when that is one uncommon word ("ceop"); all read through the knowledge base's synonyms, so
"local authority designated officer" is the LADO.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from bot.jurisdiction import outside_england
from bot.matching import SynonymExpander, join_contractions, normalise
from bot.models import Circumstances, Contact, Greeting
from bot.text import HELLO_WORDS, THANKS_WORDS
from bot.words import common_words

# Words that ask how to reach someone.
REQUEST_WORDS = frozenset(
    {
        "number",
        "numbers",
        "phone",
        "telephone",
        "tel",
        "call",
        "ring",
        "contact",
        "email",
        "emails",
        "details",
        "reach",
        "hold",  # "get hold of"
    }
)
NEAR = 4  # the most words between the request word and the contact's name
# "when to call 999", "when should we contact the LADO": asking when, not how to reach.
WHEN_BEFORE = 4
_GENERIC_ENDINGS = frozenset(
    {"helpline", "line", "hotline", "team", "service", "centre", "lead", "officer", "procedure"}
)
_BRACKETS = re.compile(r"^(?P<before>.*?)\s*\((?P<inside>[^)]*)\)\s*(?P<after>.*)$")


class ContactLookup:
    """Finds the contacts a question asks how to reach."""

    def __init__(self, contacts: Iterable[Contact], synonyms: Mapping[str, Sequence[str]]) -> None:
        self._expand = SynonymExpander(synonyms)
        common = common_words()
        self._names: dict[tuple[str, ...], list[Contact]] = {}
        for contact in contacts:
            for phrase in self._phrases(contact, common):
                owners = self._names.setdefault(phrase, [])
                if contact not in owners:
                    owners.append(contact)
        self._longest = max((len(p) for p in self._names), default=0)

    def _read(self, text: str) -> list[str]:
        return self._expand(normalise(text)).split()

    def _phrases(self, contact: Contact, common: frozenset[str]) -> set[tuple[str, ...]]:
        found = _BRACKETS.match(contact.name)
        name = f"{found['before']} {found['after']}" if found else contact.name
        inside = found["inside"] if found else ""
        phrases: set[tuple[str, ...]] = set()
        for part in re.split(r"\bor\b", name):
            words = self._read(part)
            if words:
                phrases.add(tuple(words))
            shorter = words[:-1]
            # Not when every word left is an everyday one: "stop it now" is also just words.
            if (
                len(shorter) >= 2
                and words[-1] in _GENERIC_ENDINGS
                and not all(word in common for word in shorter)
            ):
                phrases.add(tuple(shorter))
        # In brackets, another name: an abbreviation or a number ("(LADO)", "(101)"), or words
        # staff use for it ("(out of hours)", "(family help)"), but not a lone ordinary word.
        for part in re.split(r",|\band\b", inside):
            words = self._read(part)
            if len(words) >= 2 or (words and (part.strip().isupper() or part.strip().isdigit())):
                phrases.add(tuple(words))
        if "-" not in contact.id and contact.id not in common:
            phrases.add(tuple(self._read(contact.id)))
        return {p for p in phrases if p}

    def asked(self, text: str) -> tuple[Contact, ...]:
        """The contacts `text` asks how to reach, in the order it names them."""
        words = self._read(text)
        requests = [
            i
            for i, word in enumerate(words)
            if word in REQUEST_WORDS and "when" not in words[max(0, i - WHEN_BEFORE) : i]
        ]
        if not requests:
            return ()
        out: list[Contact] = []
        position = 0
        while position < len(words):
            size = next(
                (
                    n
                    for n in range(min(self._longest, len(words) - position), 0, -1)
                    if tuple(words[position : position + n]) in self._names
                ),
                0,
            )
            if not size:
                position += 1
                continue
            end = position + size - 1
            if any(position - NEAR - 1 <= r <= end + NEAR + 1 for r in requests):
                for contact in self._names[tuple(words[position : end + 1])]:
                    if contact not in out:
                        out.append(contact)
            position = end + 1
        return tuple(out)


# "Who should I ring?", "who else do I need to tell", "do I need to tell anyone else?": a
# clause that asks whom to contact about what was said before, with nothing new to tell about.
# (The words after the verb may only be a pronoun, "to", "else" or a "when".)
_WHO_VERBS = (
    r"(?:ring|call|phone|tell|contact|inform|report(?: (?:it|this|that))? to|notify|speak to|"
    r"talk to|refer(?: (?:it|this|that|her|him|them))? to|go to|email|alert|escalate(?: it)? to|"
    r"let know|pass (?:it|this|that) on to|get in touch with)"
)
_PRONOUN = r"(?: (?:it|this|that|them|him|her|us))?"
_WHEN = r"(?: (?:first|1st|next|now|too|also|as well|then|asap|straight away|today|tonight))*"
_MODAL = (
    r"(?: (?:do|does|should|shd|shud|shld|would|can|could|must|will|have|has|need|needs|ought))?"
    r"(?: (?:i|we|u|you|staff))?(?: (?:need|have|got|ought|meant|supposed))?(?: to)?"
)
_WHO_TO_CONTACT = re.compile(
    r"^(?:(?:so|and|ok|okay|right|then|but|also|sorry|thanks|ta|cheers|great) )*(?:"
    rf"who(?:m|d)?(?: else)?{_MODAL} {_WHO_VERBS}{_PRONOUN}(?: else)?{_WHEN}"
    rf"|who(?: else)?(?: (?:needs|should|shd|has|must))?(?: to)? (?:know|be told|be informed)"
    rf"{_WHEN}"
    rf"|(?:do|should|shd|shud|must|have) (?:i|we|u|you)(?: (?:need|have|got))?(?: to)? "
    rf"(?:tell|inform|ring|call|contact|let|notify) (?:any|some)(?:one|body)(?: else)?"
    rf"(?: know)?{_WHEN}"
    r")$"
)


def asks_who_to_contact(text: str) -> bool:
    """Whether a clause of a message asks, and only asks, whom to contact about what was said
    before: "who shd i ring?", "last day tomorrow, who do i tell?", "who do i ring? i don't
    have a DSL"."""
    clauses = re.split(r"[.!?,;:\n]+|\s[-\u2013\u2014]\s", text)
    return any(_WHO_TO_CONTACT.match(_plain(clause)) for clause in clauses)


# "I'm a childminder so I don't have a DSL", "no safeguarding lead here": someone with no
# safeguarding lead of their own to tell, who goes to children's social care directly.
_LEAD = r"(?:dsl|ddsl|designated safeguarding lead|safeguarding lead|safeguarding officer)"
_NO_LEAD = re.compile(
    r"\b(?:(?:dont|do not|doesnt|does not|didnt|havent|have not|hasnt|has not|aint) (?:have|got)"
    r"|(?:not|never) (?:got|had)|without|no|theres no|there is no|isnt a|isnt an|no one is)"
    rf"(?: (?:a|an|any|our|my))? {_LEAD}s?\b"
    r"|\b(?:childminder|child minder|childminding|self employed|sole trader|freelance tutor|"
    r"private tutor|freelance music|i work on my own|i work alone)\b"
)


def says_no_safeguarding_lead(text: str) -> bool:
    """Whether the person says they have no safeguarding lead of their own: "I don't have a
    DSL", "I'm a childminder", "self-employed tutor"."""
    return _NO_LEAD.search(_plain(text)) is not None


# Someone who works or volunteers with children, named as someone the message is about ("one of
# the other leaders", "a teacher", "our coach"), not as the person writing ("I'm a teacher",
# "teacher here", "as a youth worker").
_ROLE = (
    r"(?:teacher|teaching assistant|ta|supply teacher|headteacher|head teacher|deputy head|"
    r"head of year|coach|leader|volunteer|member of staff|members of staff|"
    r"staff member|colleague|tutor|mentor|youth worker|caretaker|support worker|"
    r"care worker|residential worker|night staff|key worker|foster carer|foster dad|foster mum|"
    r"foster parent|driver|escort|instructor|sensei|lifeguard|dinner lady|"
    r"lunchtime supervisor|nursery worker|nursery practitioner|practitioner|childminder|senco|lsa|"
    r"learning support assistant|social worker|nanny|"
    r"school nurse|priest|vicar|imam|pastor|youth pastor|chaplain)s?"
)
_NAMED = re.compile(
    r"\b(?:a|an|the|one of the|one of our|one of the other|one of my|our|my|her|his|another|"
    rf"other|their|this|that|two|some)(?: \w+){{0,2}} {_ROLE}\b"
    r"|\b(?:one|two|some|several) of (?:our|the|my) staff\b"
)
# The writer ("I'm one of the leaders", "as one of the volunteers", "me and another teacher"),
# someone being told or helping ("told the class teacher"), and words that only look like a role
# ("the coach station", "a gang leader", "an escort agency", "the tutor base").
_NOT_THE_PERSON = re.compile(
    r"\b(?:im|i am|as|i work as|i m|me and|told|tell|telling|informed|rang|called|asked)"
    rf" (?:a|an|the|my|our|one of the|one of our|another)(?: \w+){{0,2}}? {_ROLE}\b"
    rf"|\b{_ROLE} here\b"
    r"|\b(?:on|of|off|in|into|onto|from|by|for|near|behind) (?:a|the) coach\b"
    r"|\bcoach (?:station|home|trip|park|journey)\b|\bgang leaders?\b|\bleaders? of the gang\b"
    r"|\bescort agenc(?:y|ies)\b|\btutor (?:base|group|time|room)\b|\bcar park\b"
    r"|\bstaff (?:room|toilets?|car park|meeting)\b"
)


def names_someone_working_with_children(text: str) -> bool:
    """Whether the message speaks of someone who works or volunteers with children other than
    the writer: "one of the other leaders has taken a boy into his tent", "a teacher has locked
    himself in with a girl"; not "I'm a teacher" or "youth worker here"."""
    return _NAMED.search(_NOT_THE_PERSON.sub(" ", _plain(text))) is not None


# "tell the DSL for me", "can you refer this?", "email social care on my behalf", "call the
# police": asking the bot to act, which it cannot.
_CONTACT_VERB = r"(?:tell|message|email|ring|call|phone|text|contact|inform|notify|alert)"
_ACT_VERB = (
    r"(?:tell|message|email|e mail|ring|call|phone|text|contact|inform|notify|refer|report|send|"
    r"write|fill in|fill out|complete|make|submit|forward|pass)"
)
_ACTS = re.compile(
    rf"\b{_ACT_VERB}\b(?: \w+){{0,8}} (?:for me|on my behalf|for us|on our behalf)\b"
    # "can you refer this?", "could you tell the DSL": the bot asked to act on this case, not
    # "can you refer a child without consent?" (anyone can).
    r"|\b(?:can|could|will|would) (?:you|u|the bot|this bot) (?:please |pls |just )?"
    r"(?:refer|report|send|forward|pass on) (?:this|it|her|him|them|that|my)\b"
    r"|\b(?:can|could|will|would) (?:you|u|the bot|this bot) (?:please |pls |just )?"
    rf"{_CONTACT_VERB} (?:the|my|our|her|his|their|police|social|mash|lado|dsl|ddsl|999)\b"
    r"|\b(?:dial|ring|call) 999 for (?:me|us)\b"
    rf"|^(?:please |pls )?{_CONTACT_VERB} "
    r"(?:the|my|our) (?:dsl|ddsl|lado|mash|police|social worker|social care|front door|head|"
    r"headteacher|safeguarding lead|manager)\b"
)


def asks_bot_to_act(text: str) -> bool:
    """Whether the message asks the bot to contact someone or make a referral, which it cannot:
    "tell the DSL for me pls", "can you refer this?", "call the police"."""
    return _ACTS.search(_plain(text)) is not None


_HELLO = rf"{HELLO_WORDS}|test|testing"
_THANKS = THANKS_WORDS
_GREETING = re.compile(
    rf"(?:(?:{_HELLO}|{_THANKS})(?: there| all| bot| so much| very much| a lot)? ?)+"
)


def greeting(text: str) -> Greeting:
    """ "thanks" when the message only thanks ("thanks!", "cheers"), "hello" when it only
    greets ("hi", "good morning"), else ""."""
    plain = _plain(text)
    if not plain or _GREETING.fullmatch(plain) is None:
        return ""
    return "thanks" if re.search(rf"\b(?:{_THANKS})\b", plain) else "hello"


# Ages as staff write them: "22 year old", "19yo", "aged 35", "she's 19", "(16)".
_AGE_UNIT = r"yo|y o|yr old|yrs old|year old|years old"
_AGE = re.compile(
    rf"\b(\d{{1,2}}) ?(?:{_AGE_UNIT}|yr|yrs|year|years)\b"
    r"|\b(?:aged|age) (\d{1,2})\b"
    r"|\b(?:shes|hes|theyre|she is|he is|they are|now|turned|turns|just turned) (\d{1,2})\b"
)
_BRACKETED_AGE = re.compile(r"\((\d{1,2})\)")
# Not the age of the one at risk: the other person's ("a 30 yr old man"), or a length of time
# ("for 2 years", "3 years ago").
_OTHER_AGES = re.compile(
    rf"\b\d{{1,2}} ?(?:{_AGE_UNIT}) (?:\w+ )?"
    r"(?:man|men|guy|guys|bloke|blokes|male|males|boyfriend|bf|partner|adult|adults)\b"
    r"|\b(?:for|over|past|last) (?:about |around |nearly |almost )?\d{1,2} (?:years|yrs|year|yr)\b"
    r"|\b\d{1,2} (?:years|yrs|year|yr) ago\b"
)
_CHILD_WORDS = re.compile(
    r"\b(?:child|children|childs|kid|kids|baby|babies|toddler|infant|pupil|pupils|under 18s?|"
    r"minors?|teens?|teenagers?|school|sixth former|year \d+|yr \d+|y\d+|care leavers?|"
    r"careleavers?|leaving care|care experienced|childline|son|daughter|girls?|boys?|lads?|yp|"
    r"young persons?|young people)\b"
)


def speaks_only_of_adults(messages: Sequence[str]) -> bool:
    """Whether a conversation gives ages and all of them are 18 or over, with no word for a
    child anywhere in it: "hostel worker, 22 year old resident being pimped out", or "patient
    on our ward disclosed she was trafficked" then "she's 19". The latest message that gives an
    age decides."""
    if any(_CHILD_WORDS.search(_plain(m)) for m in messages):
        return False
    for message in reversed(messages):
        ages = [int(n) for n in _BRACKETED_AGE.findall(message)]
        plain = _OTHER_AGES.sub(" ", _plain(message))
        ages += [int(next(g for g in m.groups() if g)) for m in _AGE.finditer(plain)]
        if ages:
            return min(ages) >= 18
    return False


def circumstances(text: str, earlier: Sequence[str], *, chosen: bool = False) -> Circumstances:
    """What a message, read with the same person's earlier ones, says about their situation.
    `chosen`: the person picked a topic from a button, so the message asks nothing itself."""
    messages = [*earlier, text]
    return Circumstances(
        no_lead=any(says_no_safeguarding_lead(m) for m in messages),
        elsewhere=any(outside_england(m) for m in messages),
        works_with_children=any(names_someone_working_with_children(m) for m in messages),
        asks_to_act=not chosen and asks_bot_to_act(text),
        greeting="" if chosen else greeting(text),
        adult=not chosen and speaks_only_of_adults(messages),
    )


def _plain(text: str) -> str:
    """Lower case, punctuation gone, contractions joined: "I don't" reads "i dont"."""
    return " ".join(join_contractions(normalise(text).split()))


__all__ = [
    "ContactLookup",
    "asks_bot_to_act",
    "asks_who_to_contact",
    "circumstances",
    "greeting",
    "names_someone_working_with_children",
    "says_no_safeguarding_lead",
    "speaks_only_of_adults",
]
