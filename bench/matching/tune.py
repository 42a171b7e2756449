"""Choose the bot's matching thresholds on its own knowledge base, and store them as data.

`python -m bench.matching.tune [KNOWLEDGE_DIR] [--write]`

In-scope, two halves of equal weight: each topic's example questions, held out by 5-fold
cross-validation (the matcher is built without the fold it is asked), and the development
questions in bench/knowledge/dev_questions.yaml (staff phrasings written apart from the examples;
asked of the full index). Out of scope: the knowledge base's own out_of_scope.yaml messages, held
out by the same folds; `out_of_scope.yaml` beside this file (workplace chat that is not a
safeguarding question, a third of it near-misses that share safeguarding words; the other half
of the messages first written for it now ship in knowledge/out_of_scope.yaml); the development
set's out-of-scope questions; and CLINC150 validation queries (banking, travel, small talk and
its own out-of-scope set). None of it is the evaluation set in tests/eval/, which stays held
out. For each weight of the sentence vectors (0: words only), the balanced rule picks the
thresholds that maximise the mean of in-scope accuracy (answered with the right topic) and
out-of-scope recall (declined as not sure); the best weight wins, and ties (within 0.1 point)
go to the smaller weight; within a weight, ties go to the higher answer threshold, the safer
one. `--write` stores them in KNOWLEDGE_DIR/matching.yaml, which the bot reads at start.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.matching.data import load as load_clinc
from bot.embedding import word_piece_vectors
from bot.evaluation import EvalQuestion, load_questions
from bot.knowledge import OUT_OF_SCOPE, KnowledgeBase, load
from bot.matching import Candidate, Matcher, Thresholds, Tuning, decide, limit_blas_threads
from bot.models import Outcome

FOLDS = 5
CLINC_SAMPLE = 200  # CLINC in-scope validation queries, plus all 100 of its out-of-scope set
DOMAIN_OUT_OF_SCOPE = Path(__file__).with_name("out_of_scope.yaml")
DEV_QUESTIONS = Path(__file__).resolve().parents[1] / "knowledge" / "dev_questions.yaml"
WEIGHT_GRID = [0.0, 0.15, 0.3, 0.5]
ANSWER_GRID = [round(0.10 + 0.01 * i, 2) for i in range(41)]  # 0.10 .. 0.50
MARGIN_GRID = [0.02, 0.03, 0.04, 0.05, 0.06, 0.08]
SUGGEST = 0.15
# Balanced figures closer than this are a tie (one out-of-scope query moves the figure by about
# 0.08 points); a tie goes to the smaller weight, the one that leans less on the vectors.
TIE = 0.001


Ranked = list[tuple[str, list[Candidate]]]


@dataclass(frozen=True)
class Rankings:
    """Held-out rankings: examples (with their topic), development questions (with theirs) and
    out-of-scope queries."""

    examples: Ranked
    dev: Ranked
    oos: list[list[Candidate]]
    outside: str | None = None  # the label of the knowledge base's out-of-scope examples


@dataclass(frozen=True)
class Choice:
    thresholds: Thresholds
    in_scope: float
    oos_recall: float
    ambiguous: float
    semantic_weight: float = 0.0

    @property
    def balanced(self) -> float:
        return (self.in_scope + self.oos_recall) / 2


def out_of_scope(dev: list[EvalQuestion], seed: int = 7) -> list[str]:
    """Workplace chat, the development set's out-of-scope questions and CLINC150 queries."""
    clinc = load_clinc("full")
    outside = [text for text, _ in clinc.val]
    random.Random(seed).shuffle(outside)
    domain = yaml.safe_load(DOMAIN_OUT_OF_SCOPE.read_text(encoding="utf-8"))["messages"]
    outside = outside[:CLINC_SAMPLE] + clinc.oos_val + [str(m) for m in domain]
    return outside + [q.text for q in dev if q.topic == OUT_OF_SCOPE]


def rankings(
    base: KnowledgeBase, dev: list[EvalQuestion], outside: list[str], semantic_weight: float
) -> Rankings:
    """Held-out rankings with the sentence vectors at `semantic_weight`. The knowledge base's own
    out-of-scope examples are held out by the same folds and asked as out-of-scope queries."""
    tuning = Tuning(semantic_weight=semantic_weight)
    examples: Ranked = []
    oos: list[list[Candidate]] = []
    labelled = base.labelled_examples()
    position: dict[str, int] = {}
    folds: list[int] = []
    for label, _ in labelled:
        folds.append(position.get(label, 0) % FOLDS)
        position[label] = position.get(label, 0) + 1
    for fold in range(FOLDS):
        train = [pair for pair, f in zip(labelled, folds, strict=True) if f != fold]
        held = [pair for pair, f in zip(labelled, folds, strict=True) if f == fold]
        matcher = Matcher(train, base.synonyms, tuning, word_piece_vectors())
        examples += [(label, matcher.rank(text)) for label, text in held if label != OUT_OF_SCOPE]
        asked = [text for label, text in held if label == OUT_OF_SCOPE] + outside[fold::FOLDS]
        oos += [matcher.rank(text) for text in asked]
    whole = Matcher(labelled, base.synonyms, tuning, word_piece_vectors())
    questions = [(q.topic, whole.rank(q.text)) for q in dev if q.topic != OUT_OF_SCOPE]
    return Rankings(examples, questions, oos, base.decline_label)


def _right(thresholds: Thresholds, ranked: Ranked, outside: str | None) -> tuple[float, float]:
    """The share answered with the right topic, and the share ambiguous."""
    right = ambiguous = 0
    for label, ranking in ranked:
        match = decide(ranking, thresholds, outside)
        right += match.outcome is Outcome.ANSWERED and match.candidates[0].label == label
        ambiguous += match.outcome is Outcome.AMBIGUOUS
    return right / max(1, len(ranked)), ambiguous / max(1, len(ranked))


def score(thresholds: Thresholds, ranked: Rankings, semantic_weight: float = 0.0) -> Choice:
    examples, ambiguous = _right(thresholds, ranked.examples, ranked.outside)
    dev, _ = _right(thresholds, ranked.dev, ranked.outside)
    in_scope = (examples + dev) / 2 if ranked.dev else examples
    declined = sum(
        decide(r, thresholds, ranked.outside).outcome is Outcome.NOT_SURE for r in ranked.oos
    )
    return Choice(thresholds, in_scope, declined / len(ranked.oos), ambiguous, semantic_weight)


def choose(ranked: Rankings, semantic_weight: float = 0.0) -> Choice:
    best: Choice | None = None
    for answer in ANSWER_GRID:
        for margin in MARGIN_GRID:
            choice = score(Thresholds(answer, margin, SUGGEST), ranked, semantic_weight)
            if best is None or (choice.balanced, answer) > (best.balanced, best.thresholds.answer):
                best = choice
    assert best is not None
    return best


def as_yaml(choice: Choice, ranked: Rankings) -> str:
    t = choice.thresholds
    return (
        "# How the matcher scores and how sure it must be before it answers. Chosen by\n"
        "# `python -m bench.matching.tune knowledge --write` with the balanced rule: the mean of\n"
        "# in-scope accuracy (topic examples held out by 5-fold cross-validation, and the\n"
        "# development questions in bench/knowledge/) and out-of-scope recall (workplace chat\n"
        "# and CLINC150 queries declined). Run it again after large knowledge edits.\n"
        f"# Measured: in-scope {choice.in_scope:.1%} answered right ({len(ranked.examples)} "
        f"examples, {len(ranked.dev)} development questions);\n"
        f"# out of scope {choice.oos_recall:.1%} declined ({len(ranked.oos)} queries).\n"
        f"semantic_weight: {choice.semantic_weight}  # the sentence vectors' share of a score "
        "(0: words only)\n"
        "thresholds:\n"
        f"  answer: {t.answer}     # the best score needed to answer at all\n"
        f"  margin: {t.margin}     # topics this close to the best make the reply ambiguous\n"
        f"  suggest: {t.suggest}    # the least score to offer a topic as a suggestion\n"
    )


def _line(name: str, choice: Choice) -> str:
    t = choice.thresholds
    return (
        f"{name:12} weight {choice.semantic_weight:.2f} answer {t.answer:.2f} margin "
        f"{t.margin:.2f}: in-scope {choice.in_scope:.1%}, ambiguous {choice.ambiguous:.1%}, "
        f"out-of-scope declined {choice.oos_recall:.1%}, balanced {choice.balanced:.1%}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=Path("knowledge"))
    parser.add_argument("--write", action="store_true", help="store them in matching.yaml")
    args = parser.parse_args()
    limit_blas_threads()  # as the bot runs (bot.engine.build)
    started = time.perf_counter()
    base, dev = load(args.directory), load_questions(DEV_QUESTIONS)
    outside = out_of_scope(dev)
    best: tuple[Choice, Rankings] | None = None
    for weight in WEIGHT_GRID:
        ranked = rankings(base, dev, outside, weight)
        choice = choose(ranked, weight)
        print(_line("balanced", choice))
        if best is None or choice.balanced > best[0].balanced + TIE:
            best = (choice, ranked)
    assert best is not None
    choice, ranked = best
    print(
        f"{len(ranked.examples)} held-out examples, {len(ranked.dev)} development questions, "
        f"{len(ranked.oos)} out-of-scope queries, {time.perf_counter() - started:.1f} s"
    )
    print(_line("chosen", choice))
    if args.write:
        path = args.directory / "matching.yaml"
        path.write_text(as_yaml(choice, ranked), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
