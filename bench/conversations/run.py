"""Measure follow-ups on held-out conversations: urgency and meaning of each message but the first.

    python -m bench.conversations.run [SET ...] [--json FILE]

Each conversation is asked message by message through the terminal chat's `Conversation` (the
same reading with the earlier messages as every channel). For each follow-up (the second message
on): urgency is right when the reply starts with 999 exactly when the set says it must; meaning
is right when the reply answers one of the set's `topics`, or asks "Which did you mean?" with
only such topics. "Not sure" is wrong. First messages are reported apart, for information.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from adapters.console import Conversation
from bot import Bot, Outcome, Reply
from bot.compose import leads_with_999

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CATEGORIES = {
    "A": "emergency clear only in a follow-up",
    "B": "short follow-up that depends on the first",
    "C": "new, unrelated question",
    "D": "calm question after an emergency in hand",
}


def meaning_right(reply: Reply, topics: list[str]) -> bool:
    """The reply answers one of `topics`, or offers a choice among them only."""
    if reply.outcome is Outcome.ANSWERED:
        return reply.topic is not None and reply.topic.id in topics
    if reply.outcome is Outcome.AMBIGUOUS:
        return bool(reply.choices) and all(t.id in topics for t in reply.choices)
    return False


def measure(bot: Bot, path: Path) -> dict[str, dict[str, int]]:
    """Per category: follow-ups, urgency right, meaning right, 999 first on urgent follow-ups,
    needless 999 on calm follow-ups; and the same two counts for first messages ("first")."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    figures: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for conversation in data["conversations"]:
        chat = Conversation(bot, channel="bench")
        for number, turn in enumerate(conversation["turns"]):
            reply = chat.ask(str(turn["says"]))
            urgent, expected = leads_with_999(reply), bool(turn["urgent"])
            row = figures[conversation["category"] if number else "first"]
            row["turns"] += 1
            row["urgency right"] += urgent == expected
            row["meaning right"] += meaning_right(reply, list(turn["topics"]))
            row["urgent"] += expected
            row["999 first"] += expected and urgent
            row["calm"] += not expected
            row["needless 999"] += urgent and not expected
    return {name: dict(row) for name, row in figures.items()}


def table(figures: dict[str, dict[str, int]]) -> str:
    """The figures as a Markdown table, follow-ups by category, then all, then first messages."""
    lines = [
        "| messages | n | urgency right | meaning right | 999 first (urgent) "
        "| needless 999 (calm) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    total: dict[str, int] = defaultdict(int)
    for key in sorted(k for k in figures if k != "first"):
        row = figures[key]
        for name, value in row.items():
            total[name] += value
        lines.append(_line(f"{key}: {CATEGORIES.get(key, key)}", row))
    lines.append(_line("**all follow-ups**", total))
    if "first" in figures:
        lines.append(_line("first messages (not scored)", figures["first"]))
    return "\n".join(lines)


def _line(name: str, row: dict[str, int]) -> str:
    n = row.get("turns", 0)
    return (
        f"| {name} | {n} | {row.get('urgency right', 0)}/{n} | {row.get('meaning right', 0)}/{n} "
        f"| {row.get('999 first', 0)}/{row.get('urgent', 0)} "
        f"| {row.get('needless 999', 0)}/{row.get('calm', 0)} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "sets",
        nargs="*",
        type=Path,
        default=[HERE / "held_out.yaml", HERE / "development.yaml"],
        help="conversation files (default: the held-out set, then the development set)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    bot = Bot.from_directory(ROOT / "knowledge")
    payload: dict[str, Any] = {}
    for path in args.sets:
        figures = measure(bot, path)
        payload[path.name] = figures
        print(f"{path.name}\n{table(figures)}\n")
    if args.json:
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
