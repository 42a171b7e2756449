"""Deterministic urgent rules: a child in immediate danger or a live disclosure.

A rule fires when every one of its phrase groups has a phrase in the message and none of its
`unless` phrases is there; a rule with `near: N` needs one phrase of every group inside a stretch
of N words, and only an `unless` phrase within N words of that stretch cancels it. No similarity
score is involved.

How a message is read, word by word:
- lower-cased, punctuation removed, and an apostrophe's short ending joined to its word
  ("she's" reads as "shes", "won't" as "wont"), so it matches the way staff type without them;
- a word of the file's `spellings:` also reads as the word it stands for ("wiv" as "with");
- a word of four letters or more that is neither a rule word nor a common English word
  (`bot/words.txt`) also reads as any rule word of five letters or more one typo away (optimal
  string alignment distance 1: a letter wrong, missing, extra, or two swapped), so "hurtign"
  reads as "hurting" but "night" stays "night" and "putting" is never "cutting";
- a number reads as `#` ("14" as "#", "7pm" as "#pm", "14yo" as "#yo").
In a phrase, `#` stands for any number and `*` for any one word.
"""

from __future__ import annotations

import re
import zlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from rapidfuzz.distance import OSA

from bot.embedding import Embedder
from bot.matching import Matcher, Tuning, normalise
from bot.models import DatedTimes, UrgentRule
from bot.words import common_words

FUZZY_MIN_LENGTH = 5
ANY_NUMBER = "#"
ANY_WORD = "*"
SET_MARK = "$"
FRAMING_WITHIN = 4  # a framing phrase counts when it starts within a message's first 4 words
UNLESS = -1  # the slot of a rule's `unless` phrases, beside its groups 0, 1, 2...
NOT_DANGER = (-1, 0)  # the slot of the `not_danger` phrases, shared by every rule
DATED = (-2, 0)  # the slots of `DatedTimes.times`, `.renewed_by`, `.unless` and `.present`
RENEWED = (-2, 1)
NOT_RENEWED = (-2, 2)
PRESENT = (-2, 3)
_NUMBER = re.compile(r"\d+([a-z]*)")
# "she's", "won't", "they're", "we've", "he'll", "he'd", "I'm": the ending joins its word.
_CONTRACTION = re.compile(r"(?<=[^\W_])['\u2019\u2018`\u00b4](s|t|re|ve|ll|d|m)\b", re.IGNORECASE)

# Where one clause of a message ends: . , ; : ! ? before a space or the end, a new line, or just
# before "but" ("I've told the DSL but he's outside now": what was handled does not cancel what
# follows "but") or before "and now", "and has just" ("admitted after an overdose last month and
# has just taken another": a new event, which the past one before it does not cancel).
_CLAUSE_END = re.compile(
    r"[.,;:!?]+(?=\s|$)|\n|(?=\bbut\b)"
    r"|(?=\band (?:now|has just|have just|is now|are now|just|today|tonight|right now|is|are|"
    r"he is|she is|they are|hes|shes|theyre|he['\u2019]s|she['\u2019]s|they['\u2019]re)\b)",
    re.IGNORECASE,
)

Span = tuple[int, int]


def words(text: str) -> list[str]:
    """A message's words as rules read them: normalised, with contractions joined."""
    return normalise(_CONTRACTION.sub(r"\1", text)).split()


def clauses(text: str) -> tuple[list[str], list[int]]:
    """A message's words (as `words` reads them) and the clause number of each word."""
    tokens: list[str] = []
    numbers: list[int] = []
    for number, clause in enumerate(_CLAUSE_END.split(text)):
        clause_words = words(clause)
        tokens.extend(clause_words)
        numbers.extend([number] * len(clause_words))
    return tokens, numbers


def normalise_phrase(phrase: str) -> str:
    """Normalise a rule phrase like a message, keeping the `#` and `*` placeholders."""
    out: list[str] = []
    for word in phrase.split():
        if word == ANY_WORD:
            out.append(word)
        elif word.startswith(ANY_NUMBER):
            out.append(ANY_NUMBER + "".join(words(word[1:])))
        else:
            out.extend(words(word))
    return " ".join(out)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class UrgentRules:
    """The urgent rules of a knowledge base, compiled for fast matching.

    `framing` (urgent.yaml's `framing:`) sets every rule aside for a message that opens as
    teaching material ("for a training session, ...": an `opening` phrase starting within its
    first `FRAMING_WITHIN` words) and has none of its `unless` phrases anywhere.

    `not_danger` (urgent.yaml's `not_danger:`) are phrases whose words no rule reads as a sign of
    danger: "police are with him" is not a child "with him", "came in this morning" is not
    "this morning" still to come. Unlike `unless`, they cancel nothing else in the message:
    "came in this morning with a man and she's still with him now" fires on "with him now".

    `dated` (urgent.yaml's `dated:`): an `unless` phrase that only dates an event ("last year",
    "I've told the DSL") cancels nothing when compared with ("same as last month"), and in a
    clause that also says "now", or says in the present where the danger is ("is in
    reception"), it dates only the words before it ("who groomed her last year is outside now").
    """

    def __init__(
        self,
        rules: Iterable[UrgentRule],
        framing: UrgentRule | None = None,
        not_danger: Iterable[str] = (),
        dated: DatedTimes | None = None,
    ) -> None:
        self.rules = tuple(rules)
        self.framing = framing
        compiled = (*self.rules, framing) if framing is not None else self.rules
        not_danger = tuple(dict.fromkeys(p for p in not_danger if p.strip()))
        marked = [(NOT_DANGER, not_danger)]
        if dated is not None:
            marked += [
                (DATED, dated.times),
                (RENEWED, dated.renewed_by),
                (NOT_RENEWED, dated.unless),
                (PRESENT, dated.present),
            ]
        self._spelled: dict[str, set[str]] = {}
        for rule in compiled:
            for canonical, variants in rule.spellings:
                for variant in variants:
                    self._spelled.setdefault(variant, set()).add(canonical)
        every_phrase = [
            *(p for rule in compiled for group in (*rule.all_of, rule.unless) for p in group),
            *(p for _, phrases in marked for p in phrases),
        ]
        vocabulary = {
            token
            for phrase in every_phrase
            for token in phrase.split()
            if not token.startswith(ANY_NUMBER) and token != ANY_WORD
        }
        self._exact = frozenset(vocabulary)
        # Every long rule word under itself and each of its one-letter deletions: two words one
        # typo apart always share one of these keys (the "symmetric delete" method).
        self._near: dict[str, set[str]] = {}
        for word in vocabulary:
            if len(word) >= FUZZY_MIN_LENGTH:
                for key in {word} | _deletions(word):
                    self._near.setdefault(key, set()).add(word)
        # Each phrase once, under its first word that is not `*`, with the (rule, group) slots
        # it belongs to; `unless` phrases use the slot UNLESS.
        self._slots: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        for index, rule in enumerate(compiled):
            for slot, phrases in (*enumerate(rule.all_of), (UNLESS, rule.unless)):
                for text in dict.fromkeys(phrases):
                    self._slots.setdefault(tuple(text.split()), []).append((index, slot))
        for mark, phrases in marked:
            for text in dict.fromkeys(phrases):
                self._slots.setdefault(tuple(text.split()), []).append(mark)
        # Each phrase is looked for from its longest word, usually its rarest in a message.
        self._anchored: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        self._unanchored: list[tuple[str, ...]] = []
        for phrase in self._slots:
            anchor = _anchor(phrase)
            if anchor is None:
                self._unanchored.append(phrase)
            else:
                self._anchored.setdefault(phrase[anchor], []).append((phrase, anchor))
        self._readings = lru_cache(maxsize=20_000)(self._read_token)

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (a reload builds the rules in another process): without the cache."""
        state = dict(self.__dict__)
        del state["_readings"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._readings = lru_cache(maxsize=20_000)(self._read_token)

    def _read_token(self, token: str) -> frozenset[str]:
        """The rule words a message word can stand for: itself, spellings and near spellings."""
        readings: set[str] = set()
        for form in (token, *self._spelled.get(token, ())):
            if form in self._exact or form == ANY_NUMBER:
                readings.add(form)
            # A word the dictionary has is that word, not a typo of a rule word: "putting" is
            # never "cutting", "flat" never "flag".
            if (
                len(form) >= FUZZY_MIN_LENGTH - 1
                and form not in self._exact
                and form not in common_words()
            ):
                candidates: set[str] = set()
                for key in {form} | _deletions(form):
                    candidates |= self._near.get(key, set())
                for word in candidates:
                    if word not in readings and OSA.distance(form, word, score_cutoff=1) <= 1:
                        readings.add(word)
        number = _NUMBER.fullmatch(token)
        if number:
            # "14" reads as "#", "7pm" as "#pm", "14yo" as "#yo".
            readings.add(ANY_NUMBER + number.group(1))
        return frozenset(readings)

    def fired(self, text: str) -> list[UrgentRule]:
        """The rules that `text` triggers, in the order they are declared."""
        tokens, clause_of = clauses(text)
        if not tokens or not self.rules:
            return []
        readings = [self._readings(token) for token in tokens]
        positions: dict[str, list[int]] = {}
        for position, rule_words in enumerate(readings):
            for word in rule_words:
                positions.setdefault(word, []).append(position)
        # Only phrases anchored on a word the message has can occur in it.
        found: dict[tuple[int, int], list[Span]] = {}
        for word in positions.keys() & self._anchored.keys():
            for phrase, anchor in self._anchored[word]:
                spans = _find(phrase, anchor, readings, positions)
                if spans:
                    for slot in self._slots[phrase]:
                        found.setdefault(slot, []).extend(spans)
        for phrase in self._unanchored:
            spans = [(i, i + len(phrase) - 1) for i in range(len(readings) - len(phrase) + 1)]
            for slot in self._slots[phrase] if spans else ():
                found.setdefault(slot, []).extend(spans)
        dated, renewed = found.pop(DATED, []), found.pop(RENEWED, [])
        masks = found.pop(NOT_DANGER, [])
        not_renewed = [*masks, *found.pop(NOT_RENEWED, [])]
        renewed = [span for span in renewed if not _inside(span, not_renewed)]
        present = [span for span in found.pop(PRESENT, []) if not _inside(span, not_renewed)]
        if masks:
            found = {
                slot: [span for span in spans if not _inside(span, masks)]
                if slot[1] != UNLESS
                else spans
                for slot, spans in found.items()
            }
        if self.framing is not None:
            framing = len(self.rules)
            opens = any(start < FRAMING_WITHIN for start, _ in found.get((framing, 0), []))
            if opens and not found.get((framing, UNLESS)):
                return []
        return [
            rule
            for index, rule in enumerate(self.rules)
            if _fires(
                rule,
                [found.get((index, g), []) for g in range(len(rule.all_of))],
                _blockers(found.get((index, UNLESS), []), dated, renewed, present, clause_of),
                clause_of,
            )
        ]


class _Blockers(NamedTuple):
    """A rule's `unless` spans as they apply: `always` cancel a match near them; `earlier` are
    times that date only what comes before them in their clause, so they cancel a match unless
    one of its phrases comes after them ("the man who groomed her last year is outside now"),
    the words that said "now" (`renewing`) aside."""

    always: list[Span]
    earlier: list[Span]
    renewing: list[Span]


def _blockers(
    unless: list[Span],
    dated: list[Span],
    renewed: list[Span],
    present: list[Span],
    clause_of: Sequence[int],
) -> _Blockers:
    """Sort a rule's `unless` spans (see `_Blockers`). A time of `dated` compared with ("same
    as last month": a `renewed` span overlapping it) cancels nothing; in a clause that says the
    danger is here now (a `renewed` or `present` span clear of every `unless` span: the "now"
    of "is safe now" renews nothing) it dates only what comes before it."""
    if not dated or not (renewed or present):
        return _Blockers(unless, [], [])
    others = [span for span in unless if span not in dated]

    def clear(spans: list[Span], of: list[Span]) -> list[Span]:
        return [span for span in spans if not any(_overlap(span, o) for o in of)]

    renewing = clear(renewed, others)
    clauses_now = {
        clause_of[span[0]] for span in clear([*renewing, *clear(present, others)], dated)
    }
    always: list[Span] = []
    earlier: list[Span] = []
    for span in unless:
        if span not in dated:
            always.append(span)
        elif any(_overlap(span, r) for r in renewing):
            continue
        elif clause_of[span[0]] in clauses_now:
            earlier.append(span)
        else:
            always.append(span)
    return _Blockers(always, earlier, renewing)


def _overlap(one: Span, other: Span) -> bool:
    return one[0] <= other[1] and other[0] <= one[1]


def _inside(span: Span, masks: Sequence[Span]) -> bool:
    """Whether `span` lies within one of `masks`."""
    return any(start <= span[0] and span[1] <= end for start, end in masks)


def _anchor(phrase: tuple[str, ...]) -> int | None:
    """The index of the word to look a phrase up by: its longest word, a number only if it must
    be, never `*`; None for a phrase of `*` only."""
    ranked = [
        (word.startswith(ANY_NUMBER), -len(word), i)
        for i, word in enumerate(phrase)
        if word != ANY_WORD
    ]
    return min(ranked)[2] if ranked else None


def _find(
    phrase: tuple[str, ...],
    anchor: int,
    readings: Sequence[frozenset[str]],
    positions: dict[str, list[int]],
) -> list[Span]:
    """Every (first, last) word position where `phrase` occurs in a message."""
    size = len(phrase)
    found: list[Span] = []
    for position in positions.get(phrase[anchor], ()):
        start = position - anchor
        if start < 0 or start + size > len(readings):
            continue
        if all(
            word == ANY_WORD or word in readings[start + offset]
            for offset, word in enumerate(phrase)
        ):
            found.append((start, start + size - 1))
    return found


def _fires(
    rule: UrgentRule, groups: list[list[Span]], blockers: _Blockers, clause_of: Sequence[int]
) -> bool:
    """Whether a rule fires, given where each of its groups and `unless` phrases occur.

    Without `near`, any `unless` phrase cancels the rule. With `near`, a match is a stretch of
    at most `near` words holding a phrase of every group, and an `unless` phrase cancels it only
    when it is within `near` words of the stretch and in a clause the stretch touches. A time
    that dates only what comes before it (`_Blockers.earlier`) cancels a match (for a rule
    without `near`: the whole message) with no phrase after it in its clause but the words that
    said "now".
    """
    if not groups or not all(groups):
        return False
    matched = [span for group in groups for span in group]

    def after(time: Span, start: int, end: int) -> bool:
        """Whether a phrase of the stretch start..end, not one that said "now", follows `time`
        in its clause."""
        return any(
            time[1] < s_start
            and start <= s_start
            and s_end <= end
            and clause_of[s_start] == clause_of[time[0]]
            for s_start, s_end in matched
            if not _inside((s_start, s_end), blockers.renewing)
        )

    if rule.near is None:
        last = max(end for _, end in matched)
        return not blockers.always and all(after(t, 0, last) for t in blockers.earlier)
    near = rule.near
    return any(
        not any(
            b_start >= start - near
            and b_end <= end + near
            and clause_of[start] <= clause_of[b_end]
            and clause_of[b_start] <= clause_of[end]
            for b_start, b_end in (
                *blockers.always,
                *(t for t in blockers.earlier if not after(t, start, end)),
            )
        )
        for start, end in _windows([_Group(spans) for spans in groups], near)
    )


class _Group:
    """Where one phrase group occurs in a message: spans sorted by start, for window search."""

    def __init__(self, spans: list[Span]) -> None:
        spans = sorted(spans)
        self.starts = [start for start, _ in spans]
        # The earliest end among the spans from index i on.
        self.min_end = [end for _, end in spans]
        for i in range(len(spans) - 2, -1, -1):
            self.min_end[i] = min(self.min_end[i], self.min_end[i + 1])

    def earliest_end_from(self, position: int) -> int | None:
        """The earliest end of a span starting at or after `position`, if any."""
        i = bisect_left(self.starts, position)
        return self.min_end[i] if i < len(self.starts) else None


def _windows(groups: list[_Group], near: int) -> Iterable[Span]:
    """Stretches of at most `near` words holding a phrase of every group."""
    for start in sorted({start for group in groups for start in group.starts}):
        end = start
        for group in groups:
            group_end = group.earliest_end_from(start)
            if group_end is None:
                return
            end = max(end, group_end)
        if end - start < near:
            yield start, end


def expand(
    phrases: Iterable[str], sets: Mapping[str, Sequence[str]]
) -> tuple[list[str], list[str]]:
    """Normalised phrases with every `$name` word replaced by each phrase of the set `name`
    ("in a $vehicle" is "in a car", "in a van"...); and the `$name`s that are not sets."""
    out: list[str] = []
    unknown: list[str] = []
    for phrase in phrases:
        variants = [""]
        for word in phrase.split():
            if word.startswith(SET_MARK):
                name = word[len(SET_MARK) :]
                if name not in sets:
                    unknown.append(word)
                    variants = []
                    break
                variants = [f"{v} {p}" for v in variants for p in sets[name]]
            else:
                variants = [f"{v} {word}" for v in variants]
        out.extend(normalised for v in variants if (normalised := normalise_phrase(v)))
    return list(dict.fromkeys(out)), unknown


URGENT, CALM = "urgent", "calm"
QUESTION_STEP = 4  # about one in this many of the knowledge base's questions joins the calm side


def in_calm_sample(question: str) -> bool:
    """Whether a knowledge-base question joins the net's calm side: chosen by the question's own
    checksum, so adding or removing other examples leaves the rest of the sample as it was."""
    return zlib.crc32(question.encode("utf-8")) % QUESTION_STEP == 0


# What the bot adds when the net, not a rule, hears danger: 999 first, as for any rule.
SOUNDS_URGENT = UrgentRule(
    id="sounds-urgent",
    description="No rule fired, but the message reads like the examples of a child in danger now.",
    all_of=(),
    unless=(),
    say=(
        "This sounds as if a child may be in danger now. If so, tell the call handler where the "
        "child is, what has happened and who is with them, and stay with the child if it is "
        "safe for you. If it is not, get out and call from somewhere safe."
    ),
    contacts=("police-999", "dsl", "cs-front-door", "edt"),
    topic="immediate-danger-999",
)


class UrgencyNet:
    """A second net behind the rules: does a message read more like the examples of a child in
    danger now than like calm ones (the same words with no danger now, and every ordinary
    question of the knowledge base)?

    Phrase rules catch the phrasings they list; on messages written apart from them they missed
    a quarter to a third (bench/urgent/README.md). The net scores the whole message against
    labelled examples with the topic matcher, so it can only add a 999 line, never take one
    away: the rules are asked first and fire whatever the net says.
    """

    def __init__(
        self,
        urgent: Iterable[str],
        calm: Iterable[str],
        questions: Sequence[str],
        threshold: float,
        embedder: Embedder | None = None,
    ) -> None:
        """`questions`: the knowledge base's example questions and out-of-scope messages, of
        which about one in `QUESTION_STEP` joins the calm side (`in_calm_sample`; all of them
        cost memory a reload doubles: bench/urgent/README.md)."""
        calm = [*calm, *filter(in_calm_sample, questions)]
        phrases = [(URGENT, text) for text in urgent] + [(CALM, text) for text in calm]
        self.threshold = threshold
        self._matcher = Matcher(
            phrases,
            # Chosen by cross-validation (bench/urgent/README.md): every example is compared,
            # however many (choosing leaders cost 2 ms a question at this size); character
            # 3-4-grams, not 2-5 (a third of the memory for 1.8 points of recall); no typo
            # correction (0.13 ms a question, and recall 89.2 -> 89.8% without it).
            tuning=Tuning(
                semantic_weight=0.3,
                compare_all_up_to=1_000_000,
                char_ngrams=(3, 4),
                typo_min_length=1_000,
            ),
            embedder=embedder,
        )

    def margin(self, text: str) -> float:
        """How much more the message is like the urgent examples than the calm ones (-1..1)."""
        scores = {c.label: c.score for c in self._matcher.rank(text, 2)}
        return scores.get(URGENT, 0.0) - scores.get(CALM, 0.0)

    def sounds_urgent(self, text: str) -> bool:
        """Whether the margin is above the threshold."""
        return self.margin(text) > self.threshold
