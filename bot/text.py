"""Text as the core reads it: one cleaning step shared by answering and by what is kept."""

from __future__ import annotations

import re
import unicodedata

# Control characters, line and paragraph separators and the zero-width space (a place to break a
# line): white space in effect, read as a space.
_SPACES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029]")


def clean(text: str) -> str:
    """Normalise Unicode (NFKC: full-width digits read as digits), read control
    characters and zero-width spaces as spaces, drop the other invisible format characters
    (soft hyphens, joiners, direction marks: they can sit inside a phone number without
    showing) and collapse white space."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text))
    if not text.isascii():
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


# The words staff greet and thank with (regular-expression alternatives, lower case): set
# aside around a question here, and answered as such alone (`bot.asked.greeting`).
HELLO_WORDS = (
    r"hi|hello|hey|hiya|morning|good morning|good afternoon|good evening|afternoon|evening"
)
THANKS_WORDS = r"thanks|thank you|thank u|thankyou|thx|cheers|much appreciated"

# Greetings, apologies and thanks around a question ("sorry new here - what's a MASH",
# "hi quick question, ...", "... thanks!"): they carry no meaning the matcher can use, and the
# words it has not seen lower every topic's score.
_OPENING = re.compile(
    r"^(?:(?:sorry if this is a silly question|sorry to bother you|sorry to ask|sorry|"
    rf"(?:hi|hello) (?:all|there|everyone)|{HELLO_WORDS}|quick question|quick q|new here|"
    r"im new|i'm new|i am new|just wondering|please|pls|um|erm|ok|so)"
    r"\b[\s,.!:;?\-\u2013\u2014]*(?:but\b\s*)?)+",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    rf"(?:[\s,.!;\-]*\b(?:{THANKS_WORDS}|ta|please|pls|in advance)\b)+[\s.!]*$",
    re.IGNORECASE,
)


def without_pleasantries(text: str) -> str:
    """The question without the greetings, apologies and thanks around it; the text unchanged
    if nothing else would be left."""
    core = _CLOSING.sub("", _OPENING.sub("", text.strip()))
    return core if core.strip() else text


# "No immediate danger", "not an emergency": the writer says what the message is not about; to
# the matcher those words are the emergency topic's own ("resi worker, a child told me something
# at 2am, no immediate danger. who do i tell" was answered with when to call 999).
_DENIED_DANGER = re.compile(
    r"\b(?:no|not|not in|not in any|isn'?t|is not|isn'?t in|is not in)\s+(?:an?\s+)?"
    r"(?:immediate\s+|imminent\s+)?(?:danger|emergency)\b",
    re.IGNORECASE,
)


def without_denied_danger(text: str) -> str:
    """The message without the words that say it is not an emergency ("no immediate danger",
    "not an emergency"); the text unchanged if nothing else would be left."""
    core = _DENIED_DANGER.sub(" ", text)
    return core if core.strip(" ,.;:-!?") else text


__all__ = ["clean", "without_denied_danger", "without_pleasantries"]
