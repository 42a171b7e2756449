"""Deterministic urgent rules: a child in immediate danger or a live disclosure.

A rule fires when every one of its phrase groups has a phrase in the message and none of its
`unless` phrases is there. Matching is on whole words of the normalised text; words of five
letters or more tolerate one typo (optimal string alignment distance 1), `#` in a phrase stands
for any number and `*` for any one word. No similarity score is involved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import re
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.matching import normalise
from bot.models import UrgentRule

FUZZY_MIN_LENGTH = 5
_NUMBER = re.compile(r"\d+([a-z]*)")
ANY_NUMBER = "#"
ANY_WORD = "*"


class UrgentRules:
    """The urgent rules of a knowledge base, compiled for fast matching."""

    def __init__(self, rules: Iterable[UrgentRule]) -> None:
        self.rules = tuple(rules)
        vocabulary = {
            token
            for rule in self.rules
            for phrase in (*(p for group in rule.all_of for p in group), *rule.unless)
            for token in phrase.split()
            if not token.startswith(ANY_NUMBER) and token != ANY_WORD
        }
        self._exact = frozenset(vocabulary)
        self._fuzzy = tuple(sorted(t for t in vocabulary if len(t) >= FUZZY_MIN_LENGTH))
        self._readings = lru_cache(maxsize=20_000)(self._read_token)

    def _read_token(self, token: str) -> frozenset[str]:
        """The rule words a message word can stand for: itself, and near spellings."""
        readings = {token} if token in self._exact else set()
        if len(token) >= FUZZY_MIN_LENGTH - 1:
            for word in self._fuzzy:
                if abs(len(word) - len(token)) <= 1 and OSA.distance(token, word, score_cutoff=1) <= 1:
                    readings.add(word)
        number = _NUMBER.fullmatch(token)
        if number:
            # "14" reads as "#", "7pm" as "#pm", "14yo" as "#yo".
            readings.add(ANY_NUMBER + number.group(1))
        return frozenset(readings)

    def fired(self, text: str) -> list[UrgentRule]:
        """The rules that `text` triggers, in the order they are declared."""
        tokens = normalise(text).split()
        if not tokens or not self.rules:
            return []
        message = _Message([self._readings(token) for token in tokens])
        return [rule for rule in self.rules if message.fires(rule)]


class _Message:
    """A message's words, each with the rule words it can stand for, indexed by rule word."""

    def __init__(self, readings: Sequence[frozenset[str]]) -> None:
        self.readings = readings
        self.positions: dict[str, list[int]] = {}
        for position, words in enumerate(readings):
            for word in words:
                self.positions.setdefault(word, []).append(position)

    def fires(self, rule: UrgentRule) -> bool:
        if any(self.contains(phrase) for phrase in rule.unless):
            return False
        return all(any(self.contains(phrase) for phrase in group) for group in rule.all_of)

    def contains(self, phrase: str) -> bool:
        words = phrase.split()
        anchor = next((i for i, w in enumerate(words) if w != ANY_WORD), None)
        if anchor is None:
            return len(self.readings) >= len(words)
        for position in self.positions.get(words[anchor], ()):
            start = position - anchor
            if start < 0 or start + len(words) > len(self.readings):
                continue
            if all(
                word == ANY_WORD or word in self.readings[start + offset]
                for offset, word in enumerate(words)
            ):
                return True
        return False


def normalise_phrase(phrase: str) -> str:
    """Normalise a rule phrase like a message, keeping the `#` and `*` placeholders."""
    words = []
    for word in phrase.split():
        if word == ANY_WORD:
            words.append(word)
        elif word.startswith(ANY_NUMBER):
            words.append(ANY_NUMBER + normalise(word[1:]).replace(" ", ""))
        else:
            words.extend(normalise(word).split())
    return " ".join(words)
