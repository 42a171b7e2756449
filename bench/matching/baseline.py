"""The pure-rapidfuzz baseline: a label scores its best `token_sort_ratio` over its examples."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils

from bot.matching import Candidate, Thresholds

# The thresholds the first matcher shipped with, on its own 0..1 scale.
BASELINE_THRESHOLDS = Thresholds(answer=0.62, margin=0.06, suggest=0.35)


class RapidfuzzBaseline:
    """Same `rank` interface as `bot.matching.Matcher`; no synonyms, no index."""

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        self._labels: list[str] = []
        self._choices: list[str] = []
        for label, phrase in phrases:
            self._labels.append(label)
            self._choices.append(utils.default_process(phrase))

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        query = utils.default_process(text)
        if not query or not self._choices:
            return []
        best: dict[str, float] = {}
        for _, score, index in process.extract(
            query, self._choices, scorer=fuzz.token_sort_ratio, processor=None, limit=None
        ):
            label = self._labels[index]
            if score > best.get(label, -1.0):
                best[label] = score
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)[:limit]
        return [Candidate(label, score / 100.0) for label, score in ranked]
