"""Accuracy, AUROC and threshold choice for in-scope intents against out-of-scope queries."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class Scored:
    """One query's top label and top score; `gold` is None for an out-of-scope query."""

    gold: str | None
    label: str | None
    score: float


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Probability a random positive outscores a random negative (ties count half)."""
    if not positives or not negatives:
        return float("nan")
    tagged = sorted([(s, 1) for s in positives] + [(s, 0) for s in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(tagged):
        j = i
        while j < len(tagged) and tagged[j][0] == tagged[i][0]:
            j += 1
        mid = (i + 1 + j) / 2.0  # average 1-based rank of the tie block
        rank_sum += mid * sum(1 for k in range(i, j) if tagged[k][1] == 1)
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


@dataclass(frozen=True)
class AtThreshold:
    """In-scope accuracy (right label and above threshold) and out-of-scope recall."""

    threshold: float
    in_scope: float
    oos_recall: float
    accuracy_151: float


def at_threshold(rows: Sequence[Scored], threshold: float) -> AtThreshold:
    """Predict the top label when its score is at least `threshold`, else out of scope."""
    inside = [r for r in rows if r.gold is not None]
    outside = [r for r in rows if r.gold is None]
    right_in = sum(1 for r in inside if r.score >= threshold and r.label == r.gold)
    right_out = sum(1 for r in outside if r.score < threshold)
    return AtThreshold(
        threshold=threshold,
        in_scope=right_in / max(1, len(inside)),
        oos_recall=right_out / max(1, len(outside)),
        accuracy_151=(right_in + right_out) / max(1, len(rows)),
    )


def choose_thresholds(rows: Sequence[Scored]) -> dict[str, AtThreshold]:
    """On validation rows: the paper's rule (best 151-class accuracy) and the balanced rule
    (best mean of in-scope accuracy and oos recall). Candidates are midpoints of scores."""
    scores = sorted({r.score for r in rows})
    candidates = [0.0]
    candidates += [(a + b) / 2.0 for a, b in pairwise(scores)]
    candidates.append(scores[-1] + 1e-9 if scores else 1.0)
    inside = sorted(r.score for r in rows if r.gold is not None and r.label == r.gold)
    outside = sorted(r.score for r in rows if r.gold is None)
    n_in = sum(1 for r in rows if r.gold is not None)
    n_out = len(outside)
    best_paper: tuple[float, float] | None = None
    best_balanced: tuple[float, float] | None = None
    for t in candidates:
        right_in = len(inside) - bisect.bisect_left(inside, t)
        right_out = bisect.bisect_left(outside, t)
        acc = (right_in + right_out) / max(1, n_in + n_out)
        bal = (right_in / max(1, n_in) + right_out / max(1, n_out)) / 2.0
        if best_paper is None or acc > best_paper[0]:
            best_paper = (acc, t)
        if best_balanced is None or bal > best_balanced[0]:
            best_balanced = (bal, t)
    assert best_paper is not None and best_balanced is not None
    return {
        "paper": at_threshold(rows, best_paper[1]),
        "balanced": at_threshold(rows, best_balanced[1]),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0..100) by nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100.0 * len(ordered) + 0.5) - 1))
    return ordered[index]
