"""Measure bot.redact over the redaction corpus: recall and precision per kind, and speed.

    python -m bench.redaction.run [--corpus FILE] [--json FILE] [--failures] [--repeat N]

Scoring (see README.md):
- recall: a gold span (text, kind) of a message is found when, in `redact(text).text`, its text
  no longer appears (at word boundaries, case-sensitive) and a placeholder of its kind does;
- precision: each finding of `bot.redact.find` (the offsets `redact` replaces) is correct when it
  overlaps an occurrence of a gold span of the same kind; overall, when it overlaps any gold span;
- hidden: the share of gold spans whose text no longer appears at all, whatever the placeholder;
- false alarms: messages with nothing to redact for which `found` is not empty (the bot would ask
  the person not to share details they did not share);
- staff phrasing: the shipped knowledge base's example questions and out-of-scope messages, and
  the development questions, written without personal details (a few name public figures of
  the guidance, such as Casey and Jay): how many are flagged, and the words taken for details.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.evaluation import load_questions
from bot.knowledge import load as load_knowledge
from bot.redact import Finding, Kind, find, redact

CORPUS = Path(__file__).with_name("corpus.yaml")
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Message:
    text: str
    spans: tuple[tuple[str, Kind], ...]
    tags: tuple[str, ...]


@dataclass
class Tally:
    gold: int = 0
    found: int = 0
    hidden: int = 0
    predicted: int = 0
    correct: int = 0

    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


@dataclass
class Report:
    kinds: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    messages: int = 0
    clean_messages: int = 0
    false_alarms: int = 0
    failures: list[str] = field(default_factory=list)
    median_us: float = 0.0
    p99_us: float = 0.0
    chars_300_us: float = 0.0
    long_ms: float = 0.0


def load(path: Path) -> list[Message]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    messages: list[Message] = []
    for n, entry in enumerate(raw, 1):
        text = entry["text"]
        spans = tuple((str(s), Kind(k)) for s, k in entry["spans"])
        for span, _ in spans:
            if not occurrences(text, span):
                raise SystemExit(f"{path}: message {n}: span {span!r} is not in {text!r}")
        messages.append(Message(text, spans, tuple(entry.get("tags", ()))))
    return messages


def occurrences(text: str, span: str) -> list[tuple[int, int]]:
    """Where `span` occurs in `text`, not as part of a longer word."""
    left = r"(?<!\w)" if span[:1].isalnum() or span[:1] == "_" else ""
    right = r"(?!\w)" if span[-1:].isalnum() or span[-1:] == "_" else ""
    return [(m.start(), m.end()) for m in re.finditer(left + re.escape(span) + right, text)]


def score(messages: list[Message]) -> Report:
    report = Report()
    for kind in Kind:
        report.kinds[kind.value] = Tally()
    for message in messages:
        report.messages += 1
        result = redact(message.text)
        findings = find(message.text)
        gold: list[tuple[int, int, Kind]] = []
        for span, kind in message.spans:
            tally = report.kinds[kind.value]
            tally.gold += 1
            report.overall.gold += 1
            gold.extend((s, e, kind) for s, e in occurrences(message.text, span))
            gone = not occurrences(result.text, span)
            found = gone and kind.placeholder in result.text
            tally.hidden += gone
            report.overall.hidden += gone
            tally.found += found
            report.overall.found += found
            if not found:
                why = "still there" if not gone else f"no {kind.placeholder}"
                report.failures.append(
                    f"MISSED {kind.value:<10} {span!r} ({why})\n    in:  {message.text}\n"
                    f"    out: {result.text}"
                )
        for finding in findings:
            tally = report.kinds[finding.kind.value]
            tally.predicted += 1
            report.overall.predicted += 1
            same = any(overlaps(finding, s, e) and k == finding.kind for s, e, k in gold)
            tally.correct += same
            report.overall.correct += any(overlaps(finding, s, e) for s, e, _ in gold)
            if not same:
                piece = message.text[finding.start : finding.end]
                report.failures.append(
                    f"EXTRA  {finding.kind.value:<10} {piece!r}\n    in:  {message.text}\n"
                    f"    out: {result.text}"
                )
        if not message.spans:
            report.clean_messages += 1
            report.false_alarms += bool(result.found)
    return report


def overlaps(finding: Finding, start: int, end: int) -> bool:
    return finding.start < end and start < finding.end


def time_it(messages: list[Message], repeat: int) -> tuple[float, float, float, float]:
    """Median and p99 microseconds per message, the median microseconds for 300-character
    pieces of the corpus, and milliseconds for a 10,000-character text."""
    times: list[float] = []
    for _ in range(repeat):
        for message in messages:
            began = time.perf_counter()
            redact(message.text)
            times.append((time.perf_counter() - began) * 1e6)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    joined = " ".join(m.text for m in messages)
    pieces = [joined[i : i + 300] for i in range(0, len(joined) - 300, 300)]
    piece_times: list[float] = []
    for piece in pieces * max(1, repeat // 5):
        began = time.perf_counter()
        redact(piece)
        piece_times.append((time.perf_counter() - began) * 1e6)
    long_text = (joined * (1 + 10_000 // max(len(joined), 1)))[:10_000]
    began = time.perf_counter()
    for _ in range(5):
        redact(long_text)
    long_ms = (time.perf_counter() - began) / 5 * 1e3
    return statistics.median(times), p99, statistics.median(piece_times), long_ms


def table(report: Report) -> str:
    rows = [f"{'kind':<12} {'gold':>5} {'recall':>8} {'hidden':>8} {'found':>6} {'precision':>10}"]
    for kind, t in report.kinds.items():
        rows.append(
            f"{kind:<12} {t.gold:>5} {t.recall():>8.1%} {t.hidden / max(t.gold, 1):>8.1%} "
            f"{t.predicted:>6} {t.precision():>10.1%}"
        )
    t = report.overall
    rows.append(
        f"{'overall':<12} {t.gold:>5} {t.recall():>8.1%} {t.hidden / max(t.gold, 1):>8.1%} "
        f"{t.predicted:>6} {t.precision():>10.1%}"
    )
    rows.append("")
    rows.append(
        f"messages: {report.messages}; with nothing to redact: {report.clean_messages}, "
        f"of which wrongly flagged: {report.false_alarms}"
    )
    rows.append(
        f"time per message: median {report.median_us:.0f} us, p99 {report.p99_us:.0f} us; "
        f"300 characters: median {report.chars_300_us:.0f} us; "
        f"10,000 characters: {report.long_ms:.1f} ms"
    )
    return "\n".join(rows)


def as_json(report: Report) -> dict[str, Any]:
    def figures(t: Tally) -> dict[str, Any]:
        return {
            "gold": t.gold,
            "recall": round(t.recall(), 4),
            "hidden": round(t.hidden / max(t.gold, 1), 4),
            "predicted": t.predicted,
            "precision": round(t.precision(), 4),
        }

    return {
        "kinds": {k: figures(t) for k, t in report.kinds.items()},
        "overall": figures(report.overall),
        "messages": report.messages,
        "clean_messages": report.clean_messages,
        "false_alarms": report.false_alarms,
        "median_us": round(report.median_us, 1),
        "p99_us": round(report.p99_us, 1),
        "chars_300_us": round(report.chars_300_us, 1),
        "long_text_ms": round(report.long_ms, 2),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def staff_phrasing() -> tuple[int, int, Counter[str]]:
    """Of the shipped questions and the development questions: how many, how many flagged, and
    the flagged words (lower case)."""
    texts = [text for _, text in load_knowledge(ROOT / "knowledge").labelled_examples()]
    texts += [q.text for q in load_questions(ROOT / "bench/knowledge/dev_questions.yaml")]
    flagged, words = 0, Counter[str]()
    for text in texts:
        findings = find(text)
        flagged += bool(findings)
        words.update(text[f.start : f.end].lower() for f in findings)
    return len(texts), flagged, words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure bot.redact over the corpus.")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--failures", action="store_true", help="list every miss and extra")
    parser.add_argument("--repeat", type=int, default=20, help="timing passes over the corpus")
    args = parser.parse_args(argv)

    messages = load(args.corpus)
    report = score(messages)
    report.median_us, report.p99_us, report.chars_300_us, report.long_ms = time_it(
        messages, args.repeat
    )
    if args.failures:
        print("\n".join(report.failures))
        print()
    print(table(report))
    total, flagged, words = staff_phrasing()
    common = ", ".join(f"{word} {n}" for word, n in words.most_common(12))
    print(f"staff phrasing with no personal details: {total}; flagged: {flagged} ({common})")
    if args.json:
        figures = as_json(report) | {"staff_phrasing": {"texts": total, "flagged": flagged}}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    counts = Counter(tag for m in messages for tag in m.tags)
    if args.failures:
        print("tags: " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
