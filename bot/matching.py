"""Match a question to the topics whose example questions it is most like.

The matcher ranks labels (topic ids) by how similar a question is to their example phrasings and
then decides, from thresholds, whether it is confident (answered), torn between close labels
(ambiguous) or not sure. It knows nothing of topics beyond their ids and phrasings, so the
benchmark in `bench/` measures exactly the class the bot uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.models import Outcome


@dataclass(frozen=True)
class Candidate:
    """A label and how well the question matched it, from 0 (nothing alike) to 1 (the same)."""

    label: str
    score: float


@dataclass(frozen=True)
class Thresholds:
    """When the matcher answers, offers choices, or says it is not sure.

    - `answer`: the best score needed to answer at all.
    - `margin`: labels scoring within this of the best make the match ambiguous.
    - `suggest`: the least score for a label to be offered as a choice or suggestion.
    """

    answer: float = 0.62
    margin: float = 0.06
    suggest: float = 0.35


@dataclass(frozen=True)
class Match:
    """The matcher's decision: for answered the one label, for ambiguous the close labels,
    for not sure the nearest labels as suggestions (possibly none)."""

    outcome: Outcome
    candidates: tuple[Candidate, ...]
    score: float


def normalise(text: str) -> str:
    """Lower-case, turn punctuation into spaces and fold runs of white space."""
    return utils.default_process(text)


class SynonymExpander:
    """Rewrites every synonym phrase of a group into the group's key, on normalised text."""

    def __init__(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        pairs: list[tuple[str, str]] = []
        for key, phrases in synonyms.items():
            canonical = normalise(key)
            for phrase in phrases:
                variant = normalise(phrase)
                if variant and variant != canonical:
                    pairs.append((variant, canonical))
        # Longest phrases first, so "local authority designated officer" wins over "officer".
        pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
        self._replacements = dict(pairs)
        self._pattern = (
            re.compile(r"\b(" + "|".join(re.escape(p) for p, _ in pairs) + r")\b")
            if pairs
            else None
        )

    def __call__(self, normalised_text: str) -> str:
        if self._pattern is None:
            return normalised_text
        return self._pattern.sub(lambda m: self._replacements[m.group(1)], normalised_text)


class Matcher:
    """Ranks labels by the similarity of a question to their example phrasings."""

    def __init__(
        self,
        phrases: Iterable[tuple[str, str]],
        synonyms: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Build the index from `(label, phrase)` pairs and optional synonym groups."""
        self._expand = SynonymExpander(synonyms or {})
        self._labels: list[str] = []
        self._choices: list[str] = []
        for label, phrase in phrases:
            self._labels.append(label)
            self._choices.append(self._prepare(phrase))

    def _prepare(self, text: str) -> str:
        return self._expand(normalise(text))

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The best `limit` labels for `text`, best first; each label appears once."""
        query = self._prepare(text)
        if not query or not self._choices:
            return []
        best: dict[str, float] = {}
        results = process.extract(
            query, self._choices, scorer=fuzz.token_sort_ratio, processor=None, limit=None
        )
        for _, score, index in results:
            label = self._labels[index]
            if score > best.get(label, -1.0):
                best[label] = score
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [Candidate(label, round(score / 100.0, 4)) for label, score in ranked]

    def match(self, text: str, thresholds: Thresholds | None = None) -> Match:
        """Rank `text` and decide: answered, ambiguous or not sure."""
        return decide(self.rank(text, limit=5), thresholds or Thresholds())


def decide(ranking: Sequence[Candidate], thresholds: Thresholds) -> Match:
    """Turn a ranking into a decision; never picks one of several close labels silently."""
    if not ranking:
        return Match(Outcome.NOT_SURE, (), 0.0)
    top = ranking[0]
    if top.score >= thresholds.answer:
        close = tuple(c for c in ranking[:3] if top.score - c.score <= thresholds.margin)
        if len(close) > 1:
            return Match(Outcome.AMBIGUOUS, close, top.score)
        return Match(Outcome.ANSWERED, (top,), top.score)
    suggestions = tuple(c for c in ranking[:3] if c.score >= thresholds.suggest)
    return Match(Outcome.NOT_SURE, suggestions, top.score)
