"""Choose the bot's matching thresholds on its own knowledge base, and store them as data.

`python -m bench.matching.tune [KNOWLEDGE_DIR] [--write]`

In-scope: each topic's example questions, held out by 5-fold cross-validation (the matcher is
built without the fold it is asked). Out of scope, half and half: `out_of_scope.yaml` beside this
file (workplace chat that is not a safeguarding question, a third of it near-misses that share
safeguarding words), and CLINC150 validation queries (banking, travel, small talk and its own
out-of-scope set). Neither is the evaluation set in tests/eval/, which stays held out. The
balanced rule picks the thresholds that maximise the mean of in-scope accuracy (answered with the
right topic) and out-of-scope recall (declined as not sure); ties go to the higher answer
threshold, the safer one. `--write` stores them in KNOWLEDGE_DIR/matching.yaml, which the bot
reads at start.
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
from bot.knowledge import load
from bot.matching import Candidate, Matcher, Thresholds, decide
from bot.models import Outcome

FOLDS = 5
CLINC_SAMPLE = 200  # CLINC in-scope validation queries, plus all 100 of its out-of-scope set
DOMAIN_OUT_OF_SCOPE = Path(__file__).with_name("out_of_scope.yaml")
ANSWER_GRID = [round(0.10 + 0.01 * i, 2) for i in range(41)]  # 0.10 .. 0.50
MARGIN_GRID = [0.02, 0.03, 0.04, 0.05, 0.06, 0.08]
SUGGEST = 0.15


@dataclass(frozen=True)
class Choice:
    thresholds: Thresholds
    in_scope: float
    oos_recall: float
    ambiguous: float

    @property
    def balanced(self) -> float:
        return (self.in_scope + self.oos_recall) / 2


def rankings(
    directory: Path, seed: int = 7
) -> tuple[list[tuple[str, list[Candidate]]], list[list[Candidate]]]:
    """Held-out rankings of every example (with its topic) and of the out-of-scope queries."""
    base = load(directory)
    clinc = load_clinc("full")
    outside = [text for text, _ in clinc.val]
    random.Random(seed).shuffle(outside)
    domain = yaml.safe_load(DOMAIN_OUT_OF_SCOPE.read_text(encoding="utf-8"))["messages"]
    outside = outside[:CLINC_SAMPLE] + clinc.oos_val + [str(m) for m in domain]
    inside: list[tuple[str, list[Candidate]]] = []
    oos: list[list[Candidate]] = []
    for fold in range(FOLDS):
        train, held = [], []
        for topic in base.topics.values():
            for index, example in enumerate(topic.examples):
                (held if index % FOLDS == fold else train).append((topic.id, example))
        matcher = Matcher(train, synonyms=base.synonyms)
        inside += [(label, matcher.rank(text, limit=5)) for label, text in held]
        oos += [matcher.rank(text, limit=5) for text in outside[fold::FOLDS]]
    return inside, oos


def score(
    thresholds: Thresholds, inside: list[tuple[str, list[Candidate]]], oos: list[list[Candidate]]
) -> Choice:
    right = ambiguous = 0
    for label, ranking in inside:
        match = decide(ranking, thresholds)
        right += match.outcome is Outcome.ANSWERED and match.candidates[0].label == label
        ambiguous += match.outcome is Outcome.AMBIGUOUS
    declined = sum(decide(r, thresholds).outcome is Outcome.NOT_SURE for r in oos)
    return Choice(thresholds, right / len(inside), declined / len(oos), ambiguous / len(inside))


def choose(inside: list[tuple[str, list[Candidate]]], oos: list[list[Candidate]]) -> Choice:
    best: Choice | None = None
    for answer in ANSWER_GRID:
        for margin in MARGIN_GRID:
            choice = score(Thresholds(answer, margin, SUGGEST), inside, oos)
            if best is None or (choice.balanced, answer) > (best.balanced, best.thresholds.answer):
                best = choice
    assert best is not None
    return best


def as_yaml(choice: Choice, examples: int, oos: int) -> str:
    t = choice.thresholds
    return (
        "# How sure the matcher must be before it answers. Chosen by `python -m\n"
        "# bench.matching.tune knowledge --write` with the balanced rule: the mean of in-scope\n"
        "# accuracy (topic examples held out by 5-fold cross-validation) and out-of-scope recall\n"
        "# (workplace chat and CLINC150 queries declined). Run it again after large knowledge\n"
        "# edits.\n"
        f"# Measured: in-scope {choice.in_scope:.1%} answered right, {choice.ambiguous:.1%} "
        f"ambiguous ({examples} examples);\n"
        f"# out of scope {choice.oos_recall:.1%} declined ({oos} queries).\n"
        "thresholds:\n"
        f"  answer: {t.answer}     # the best score needed to answer at all\n"
        f"  margin: {t.margin}     # topics this close to the best make the reply ambiguous\n"
        f"  suggest: {t.suggest}    # the least score to offer a topic as a suggestion\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=Path("knowledge"))
    parser.add_argument("--write", action="store_true", help="store them in matching.yaml")
    args = parser.parse_args()
    started = time.perf_counter()
    inside, oos = rankings(args.directory)
    defaults = score(Thresholds(), inside, oos)
    best = choose(inside, oos)
    print(
        f"{len(inside)} held-out examples, {len(oos)} out-of-scope queries, "
        f"{time.perf_counter() - started:.1f} s"
    )
    for name, choice in (("defaults", defaults), ("balanced", best)):
        t = choice.thresholds
        print(
            f"{name:9} answer {t.answer:.2f} margin {t.margin:.2f}: in-scope "
            f"{choice.in_scope:.1%}, ambiguous {choice.ambiguous:.1%}, "
            f"out-of-scope declined {choice.oos_recall:.1%}, balanced {choice.balanced:.1%}"
        )
    if args.write:
        path = args.directory / "matching.yaml"
        path.write_text(as_yaml(best, len(inside), len(oos)), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
