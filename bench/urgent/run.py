"""Measure the urgent rules on messages written apart from them: recall and false alarms.

    python -m bench.urgent.run [SET ...] [--failures] [--json FILE]

Each SET is a YAML file with `urgent:` (messages that describe a child in danger now: the reply
must start with the 999 instruction) and `calm:` (the same words with no child in danger now:
the reply must not be urgent). By default the knowledge base's own
urgent_examples.yaml (what the urgency net learns from, so its figures are in-sample) and the
four held-out sets and the development set in this folder are measured; see README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot import Bot, Question
from bot.compose import leads_with_999

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SETS = (
    ROOT / "knowledge" / "urgent_examples.yaml",
    HERE / "held_out.yaml",
    HERE / "held_out_2.yaml",
    HERE / "held_out_3.yaml",
    HERE / "held_out_4.yaml",
    HERE / "development_5.yaml",
)


@dataclass
class Result:
    """How one set fared: urgent messages answered 999 first, calm ones flagged urgent."""

    name: str
    urgent: int = 0
    urgent_first: int = 0
    calm: int = 0
    flagged: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def figures(self) -> dict[str, object]:
        return {
            "urgent": self.urgent,
            "urgent_recall_999_first": self.urgent_first / max(1, self.urgent),
            "not_urgent": self.calm,
            "false_urgent": self.flagged,
            "false_urgent_rate": self.flagged / max(1, self.calm),
        }


def measure(bot: Bot, path: Path) -> Result:
    """Ask the bot every message of the set at `path`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = Result(path.stem)
    for text in data.get("urgent") or []:
        reply = bot.answer(Question(str(text), channel="bench"))
        result.urgent += 1
        if leads_with_999(reply):
            result.urgent_first += 1
        else:
            result.misses.append(str(text))
    for text in data.get("calm") or []:
        reply = bot.answer(Question(str(text), channel="bench"))
        result.calm += 1
        if reply.urgent:
            result.flagged += 1
            result.false_alarms.append((str(text), reply.urgent_rules))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=list(SETS))
    parser.add_argument("--failures", action="store_true", help="list every miss and false alarm")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    bot = Bot.from_directory(ROOT / "knowledge")
    results = [measure(bot, path) for path in args.sets]
    print(f"{'set':14} {'urgent':>6} {'999 first':>10} {'calm':>5} {'false urgent':>13}")
    for r in results:
        f = r.figures()
        print(
            f"{r.name:14} {r.urgent:6} {f['urgent_recall_999_first']:10.1%} {r.calm:5} "
            f"{r.flagged:6} ({f['false_urgent_rate']:.1%})"
        )
        if args.failures:
            for text in r.misses:
                print(f"  missed: {text}")
            for text, rules in r.false_alarms:
                print(f"  false urgent ({', '.join(rules)}): {text}")
    if args.json:
        args.json.write_text(json.dumps({r.name: r.figures() for r in results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
