"""Choose the urgency net's threshold on the knowledge base, and store it.

`python -m bench.urgent.tune [KNOWLEDGE_DIR] [--write]`

The net (`bot.urgent.UrgencyNet`) is built as the bot builds it: urgent_examples.yaml's urgent
messages against its calm ones and the knowledge base's example questions and out-of-scope
messages (about one in `QUESTION_STEP` of them, by checksum). Each message is held out by 5-fold
cross-validation and scored by a net built without its fold. The threshold is the lowest (in
steps of 0.01) at which no more than 1% of the knowledge base's own questions would get a 999
line they do not need: staff ask those every day, so that is what a false alarm costs. The
held-out recall of the urgent examples at that threshold is printed beside it. `--write` stores the
threshold in urgent_examples.yaml, and the questions that sample chose in
urgent_calm_questions.yaml: the bot's net uses those, so later edits to topics' examples leave
it, and every 999 line it adds, as this measured it until the next `--write`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from bot.embedding import word_piece_vectors
from bot.knowledge import CALM_QUESTIONS_FILE, load
from bot.matching import limit_blas_threads
from bot.urgent import UrgencyNet, in_calm_sample

FOLDS = 5
FALSE_ALARMS = 0.01  # the most of the knowledge base's own questions the net may flag
GRID = [round(0.01 * i, 2) for i in range(51)]  # 0.00 .. 0.50


def held_out_margins(
    urgent: list[str], calm: list[str], questions: list[str]
) -> tuple[list[float], list[float], list[float]]:
    """Each message's margin from a net built without its fold."""
    out: tuple[list[float], list[float], list[float]] = ([], [], [])
    for fold in range(FOLDS):
        sets = [urgent, calm, questions]
        train = [[t for i, t in enumerate(s) if i % FOLDS != fold] for s in sets]
        net = UrgencyNet(train[0], train[1], train[2], 0.0, embedder=word_piece_vectors())
        for held, margins in zip(sets, out, strict=True):
            margins += [net.margin(t) for i, t in enumerate(held) if i % FOLDS == fold]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=Path("knowledge"))
    parser.add_argument("--write", action="store_true", help="store it in urgent_examples.yaml")
    args = parser.parse_args()
    limit_blas_threads()
    base = load(args.directory)
    if base.urgency is None:
        print("no urgent_examples.yaml: nothing to tune")
        return 1
    questions = [text for _, text in base.labelled_examples()]
    urgent, calm, asked = held_out_margins(
        list(base.urgency.urgent), list(base.urgency.calm), questions
    )
    threshold = next(t for t in GRID if sum(m > t for m in asked) <= FALSE_ALARMS * len(asked))
    recall = sum(m > threshold for m in urgent) / len(urgent)
    flagged_calm = sum(m > threshold for m in calm)
    flagged_asked = sum(m > threshold for m in asked)
    print(
        f"threshold {threshold:.2f}: held-out urgent examples caught {recall:.1%}; "
        f"calm examples flagged {flagged_calm} of {len(calm)}; "
        f"the knowledge base's questions flagged {flagged_asked} of {len(asked)}"
    )
    if args.write:
        path = args.directory / "urgent_examples.yaml"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^threshold: .*$", f"threshold: {threshold}", text, count=1)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
        frozen = args.directory / CALM_QUESTIONS_FILE
        frozen.write_text(calm_questions_yaml(questions), encoding="utf-8")
        print(f"wrote {frozen}")
    return 0


def calm_questions_yaml(questions: list[str]) -> str:
    """The file of the questions the net treats as calm: the sample of `questions`."""
    sample = [q for q in questions if in_calm_sample(q)]
    header = (
        "# Written by `python -m bench.urgent.tune knowledge --write`: the knowledge base's\n"
        "# questions the urgency net treats as calm (about one in four, by checksum), frozen with\n"
        "# the net's threshold in urgent_examples.yaml. Editing a topic's examples leaves the net\n"
        "# as it was measured; after large edits, run the tune again and then bench/urgent.\n"
        "# Do not edit by hand.\n"
    )
    body = yaml.safe_dump(
        {"questions": sample}, allow_unicode=True, width=100, default_flow_style=False
    )
    return header + body


if __name__ == "__main__":
    sys.exit(main())
