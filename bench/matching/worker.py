"""One benchmark job in a fresh process, so its peak RSS is its own; prints a JSON result.

Run by `bench.matching.run`; `python -m bench.matching.worker '{"kind": ...}'`.
"""

from __future__ import annotations

import gc
import json
import random
import resource
import sys
import time
from collections import Counter
from typing import Any, Protocol

from bench.matching import data
from bench.matching.metrics import Scored, at_threshold, auroc, choose_thresholds, percentile
from bot.matching import Candidate, Thresholds, decide, limit_blas_threads

SCALE_GROUP = 20  # synthetic phrases per synthetic label, like a knowledge-base topic


class Ranker(Protocol):
    def rank(self, text: str, limit: int = 5) -> list[Candidate]: ...


def _build(kind: str, phrases: list[tuple[str, str]]) -> tuple[Ranker, float, Thresholds]:
    gc.collect()
    start = time.perf_counter()
    if kind in ("project", "lexical"):
        from bot.embedding import word_piece_vectors
        from bot.matching import Matcher

        # The sentence-vector table is loaded once per process, like the bot does; its load
        # is not part of building an index.
        embedder = word_piece_vectors() if kind == "project" else None
        start = time.perf_counter()
        ranker: Ranker = Matcher(phrases, embedder=embedder)
        thresholds = Thresholds()
    else:
        from bench.matching.baseline import BASELINE_THRESHOLDS, RapidfuzzBaseline

        ranker = RapidfuzzBaseline(phrases)
        thresholds = BASELINE_THRESHOLDS
    return ranker, time.perf_counter() - start, thresholds


def _rank_all(
    ranker: Ranker, queries: list[tuple[str, str | None]]
) -> tuple[list[tuple[str | None, list[Candidate]]], list[float]]:
    out: list[tuple[str | None, list[Candidate]]] = []
    times: list[float] = []
    for text, gold in queries:
        start = time.perf_counter()
        ranking = ranker.rank(text, 5)
        times.append(time.perf_counter() - start)
        out.append((gold, ranking))
    return out, times


def _scored(results: list[tuple[str | None, list[Candidate]]]) -> list[Scored]:
    return [
        Scored(gold, r[0].label if r else None, r[0].score if r else 0.0) for gold, r in results
    ]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_setting(kind: str, name: str) -> dict[str, Any]:
    setting = data.load(name)
    ranker, build_s, thresholds = _build(kind, [(label, text) for text, label in setting.train])
    ranker.rank("warm up the caches", 5)
    val_q: list[tuple[str, str | None]] = [(t, g) for t, g in setting.val]
    val_q += [(t, None) for t in setting.oos_val]
    test_q: list[tuple[str, str | None]] = [(t, g) for t, g in setting.test]
    test_q += [(t, None) for t in setting.oos_test]
    val_res, val_times = _rank_all(ranker, val_q)
    test_res, test_times = _rank_all(ranker, test_q)
    val_rows, test_rows = _scored(val_res), _scored(test_res)

    inside = [r for r in test_rows if r.gold is not None]
    closed = sum(1 for r in inside if r.label == r.gold) / len(inside)
    val_inside = [r for r in val_rows if r.gold is not None]
    val_closed = sum(1 for r in val_inside if r.label == r.gold) / len(val_inside)
    area = auroc([r.score for r in inside], [r.score for r in test_rows if r.gold is None])
    val_area = auroc([r.score for r in val_inside], [r.score for r in val_rows if r.gold is None])
    rules: dict[str, Any] = {}
    for rule, chosen in choose_thresholds(val_rows).items():
        on_test = at_threshold(test_rows, chosen.threshold)
        rules[rule] = {
            "threshold": chosen.threshold,
            "val_in_scope": chosen.in_scope,
            "val_oos_recall": chosen.oos_recall,
            "in_scope": on_test.in_scope,
            "oos_recall": on_test.oos_recall,
            "accuracy_151": on_test.accuracy_151,
        }

    # What the bot would do with its default thresholds (answered / ambiguous / not sure).
    outcomes: dict[str, Counter[str]] = {"in_scope": Counter(), "oos": Counter()}
    for gold, ranking in test_res:
        match = decide(ranking, thresholds)
        key = "in_scope" if gold is not None else "oos"
        outcome = str(match.outcome)
        if outcome == "answered" and gold is not None:
            outcome += "_right" if match.candidates[0].label == gold else "_wrong"
        elif outcome == "ambiguous" and gold is not None:
            outcome += "_with_gold" if gold in {c.label for c in match.candidates} else "_without"
        outcomes[key][outcome] += 1
    defaults = {
        "thresholds": vars(thresholds),
        **{
            key: {k: v / max(1, sum(c.values())) for k, v in sorted(c.items())}
            for key, c in outcomes.items()
        },
    }
    times = val_times + test_times
    return {
        "kind": kind,
        "setting": name,
        "train_phrases": len(setting.train),
        "labels": len({label for _, label in setting.train}),
        "closed_top1": closed,
        "auroc": area,
        "val_closed_top1": val_closed,
        "val_auroc": val_area,
        "rules": rules,
        "default_thresholds": defaults,
        "latency_ms_median": percentile(times, 50) * 1000,
        "latency_ms_p99": percentile(times, 99) * 1000,
        "queries_timed": len(times),
        "build_s": build_s,
        "peak_rss_mb": _rss_mb(),
    }


def _perturb(text: str, rng: random.Random, pool: list[str]) -> str:
    words = text.split()
    op = rng.randrange(4)
    if op == 0 and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif op == 1 and len(words) > 1:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif op == 2:
        donor = rng.choice(pool).split()
        words.insert(rng.randrange(len(words) + 1), rng.choice(donor))
    else:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3:
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        else:
            words.append(rng.choice(rng.choice(pool).split()))
    return " ".join(words)


def synthetic(n: int) -> list[tuple[str, str]]:
    """`n` phrases: CLINC queries reused, later copies perturbed; 20 phrases per label."""
    pool = data.all_phrases()
    rng = random.Random(n)
    out: list[tuple[str, str]] = []
    for i in range(n):
        text = pool[i % len(pool)]
        if i >= len(pool):
            text = _perturb(text, rng, pool)
        out.append((f"synthetic-{i // SCALE_GROUP}", text))
    return out


def run_scale(kind: str, n: int, queries: int) -> dict[str, Any]:
    phrases = synthetic(n)
    ranker, build_s, _ = _build(kind, phrases)
    ranker.rank("warm up the caches", 5)
    setting = data.load("full")
    texts = [t for t, _ in setting.test[::7]] + setting.oos_test[::7]
    random.Random(0).shuffle(texts)
    _, times = _rank_all(ranker, [(t, None) for t in texts[:queries]])
    return {
        "kind": kind,
        "phrases": n,
        "labels": len({label for label, _ in phrases}),
        "latency_ms_median": percentile(times, 50) * 1000,
        "latency_ms_p99": percentile(times, 99) * 1000,
        "queries_timed": len(times),
        "build_s": build_s,
        "peak_rss_mb": _rss_mb(),
    }


def main() -> None:
    job = json.loads(sys.argv[1])
    limit_blas_threads()  # as the bot runs (bot.engine.build)
    if job["kind"] == "setting":
        result = run_setting(job["matcher"], job["setting"])
    else:
        result = run_scale(job["matcher"], int(job["phrases"]), int(job["queries"]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
