"""Measure the bot on an evaluation set: questions with the topic a correct answer has.

The set (tests/eval/questions.yaml) is written separately from the topics' example questions,
so these figures say how the bot does on questions it has not seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.compose import leads_with_999, plain_text
from bot.engine import Bot
from bot.knowledge import OUT_OF_SCOPE
from bot.models import Outcome, Question, Reply
from bot.yaml_lines import LineDict, LineList, YamlProblem, load_yaml


@dataclass(frozen=True)
class EvalQuestion:
    """One evaluation question and what a correct reply has."""

    text: str
    topic: str
    must_contain: tuple[str, ...]
    urgent: bool
    line: int

    @property
    def kind(self) -> str:
        """urgent, in-scope or out-of-scope."""
        if self.urgent:
            return "urgent"
        return OUT_OF_SCOPE if self.topic == OUT_OF_SCOPE else "in-scope"


@dataclass(frozen=True)
class Failure:
    """A question the bot got wrong, and how."""

    question: EvalQuestion
    what: str


@dataclass
class Figures:
    """Counts for one kind of question."""

    total: int = 0
    correct_topic: int = 0
    offered_topic: int = 0
    must_contain: int = 0
    must_contain_total: int = 0
    urgent_first: int = 0
    flagged_urgent: int = 0
    declined: int = 0
    ambiguous: int = 0

    def rate(self, count: int, total: int | None = None) -> float:
        whole = self.total if total is None else total
        return count / whole if whole else 0.0


@dataclass(frozen=True)
class Target:
    """A figure the knowledge base aims for on its evaluation set: at least `bound`, or at most
    `bound` when `at_most`. A rate is a fraction (0.9); a count (`rate=False`) a whole number."""

    kind: str
    figure: str  # a key of the kind's entry in `Report.as_dict()`
    label: str
    bound: float
    at_most: bool = False
    rate: bool = True

    def met_by(self, value: float) -> bool:
        """Whether `value` meets the target."""
        return value <= self.bound if self.at_most else value >= self.bound

    def shown(self, value: float) -> str:
        """`value` as the figure is printed: a rate as a percentage, a count as it is."""
        return f"{value * 100:.1f}%" if self.rate else f"{value:g}"


# The targets of the knowledge-base issue (#4): a benchmark to print, not a test gate.
TARGETS = (
    Target("in-scope", "correct_topic_rate", "in-scope: correct topic", 0.90),
    Target("urgent", "urgent_recall", "urgent: recall (999 first)", 1.0),
    Target(
        "urgent",
        "answered_without_999_first",
        "urgent: answered without 999 first",
        0,
        at_most=True,
        rate=False,
    ),
    Target(OUT_OF_SCOPE, "declined_rate", "out-of-scope: declined", 0.90),
)


@dataclass
class Report:
    """Figures per kind of question, and every failure."""

    figures: dict[str, Figures] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    def targets(self) -> list[tuple[Target, float | None]]:
        """Each of `TARGETS` with this report's figure for it (None: no question of its kind)."""
        rows = self.as_dict()
        return [(t, rows[t.kind][t.figure] if t.kind in rows else None) for t in TARGETS]

    def targets_as_list(self) -> list[dict[str, Any]]:
        """`targets()` for JSON: each figure, its bound, its value and whether it is met."""
        return [
            {
                "kind": t.kind,
                "figure": t.figure,
                "at_most" if t.at_most else "at_least": t.bound,
                "value": value,
                "met": value is not None and t.met_by(value),
            }
            for t, value in self.targets()
        ]

    def as_dict(self) -> dict[str, Any]:
        """The figures as rates, for JSON (one entry per kind of question)."""
        out: dict[str, Any] = {}
        for kind, f in self.figures.items():
            entry: dict[str, Any] = {"questions": f.total, "ambiguous_rate": f.rate(f.ambiguous)}
            if kind == "in-scope":
                entry["correct_topic_rate"] = f.rate(f.correct_topic)
                entry["topic_offered_rate"] = f.rate(f.offered_topic)
                entry["must_contain_rate"] = f.rate(f.must_contain, f.must_contain_total)
                entry["flagged_urgent"] = f.flagged_urgent
            elif kind == "urgent":
                entry["urgent_recall"] = f.rate(f.urgent_first)
                entry["correct_topic_rate"] = f.rate(f.correct_topic)
                entry["must_contain_rate"] = f.rate(f.must_contain, f.must_contain_total)
                entry["answered_without_999_first"] = f.total - f.urgent_first
            else:
                entry["declined_rate"] = f.rate(f.declined)
                entry["flagged_urgent"] = f.flagged_urgent
            out[kind] = entry
        return out


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read an evaluation file; raise ValueError naming `path:line` for a malformed entry."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except YamlProblem as problem:
        raise ValueError(f"{path}:{problem.line}: {problem.message}") from None
    items = data.get("questions") if isinstance(data, LineDict) else None
    if not isinstance(items, LineList):
        raise ValueError(f"{path}:1: expected a 'questions:' list")
    questions = []
    for index, item in enumerate(items):
        line = items.item_lines[index]
        if not isinstance(item, LineDict) or not isinstance(item.get("q"), str):
            raise ValueError(f"{path}:{line}: each question needs 'q:' text")
        must = item.get("must_contain") or []
        questions.append(
            EvalQuestion(
                text=item["q"],
                topic=str(item.get("topic", OUT_OF_SCOPE)),
                must_contain=tuple(str(m) for m in must),
                urgent=bool(item.get("urgent", False)),
                line=line,
            )
        )
    return questions


def evaluate(bot: Bot, questions: Iterable[EvalQuestion]) -> Report:
    """Ask every question and count what the bot got right."""
    report = Report()
    for question in questions:
        reply = bot.answer(Question(question.text, channel="evaluate"))
        figures = report.figures.setdefault(question.kind, Figures())
        figures.total += 1
        for what in _judge(question, reply, figures):
            report.failures.append(Failure(question, what))
    return report


def _judge(question: EvalQuestion, reply: Reply, figures: Figures) -> list[str]:
    failures: list[str] = []
    text = plain_text(reply)
    got = reply.topic.id if reply.topic else None
    offered = [t.id for t in reply.choices]
    figures.ambiguous += reply.outcome is Outcome.AMBIGUOUS
    if question.urgent:
        if leads_with_999(reply):
            figures.urgent_first += 1
        else:
            failures.append("urgent, but the reply does not start with the 999 instruction")
        figures.correct_topic += got == question.topic
        return failures + _lacking(question, text, figures, report_missing=True)
    figures.flagged_urgent += reply.urgent
    if reply.urgent:
        failures.append(f"flagged urgent by {', '.join(reply.urgent_rules)}")
    if question.topic == OUT_OF_SCOPE:
        if reply.outcome is Outcome.NOT_SURE and got is None:
            figures.declined += 1
        else:
            failures.append(f"out of scope, but answered {got or offered}")
        return failures
    if got == question.topic:
        figures.correct_topic += 1
    elif question.topic in offered:
        figures.offered_topic += 1
        failures.append(f"{reply.outcome.value}: offered {offered}, did not answer")
    else:
        failures.append(f"{reply.outcome.value}: got {got or offered}")
    return failures + _lacking(question, text, figures, report_missing=got == question.topic)


def _lacking(
    question: EvalQuestion, text: str, figures: Figures, *, report_missing: bool
) -> list[str]:
    """Count the question's must-contain phrases in the reply `text`; a failure for each one
    missing when `report_missing` (a reply with the wrong topic is already one failure)."""
    lowered = text.lower()
    missing = []
    for phrase in question.must_contain:
        figures.must_contain_total += 1
        if phrase.lower() in lowered:
            figures.must_contain += 1
        elif report_missing:
            missing.append(f"answer lacks {phrase!r}")
    return missing


def format_report(report: Report, source: str, *, failures: bool = True) -> str:
    """The figures as a table, then (unless `failures` is False) every failure with its line in
    the evaluation file."""
    rows = report.as_dict()
    lines = [f"Evaluation of {sum(f.total for f in report.figures.values())} questions ({source})"]
    labels = {
        "correct_topic_rate": "correct topic",
        "topic_offered_rate": "right topic offered, not answered",
        "must_contain_rate": "must-contain phrases present",
        "urgent_recall": "urgent recall (999 first)",
        "answered_without_999_first": "urgent answered without 999 first",
        "declined_rate": "declined (not sure)",
        "flagged_urgent": "wrongly flagged urgent",
        "ambiguous_rate": "ambiguous",
    }
    for kind in ("in-scope", "urgent", OUT_OF_SCOPE):
        if kind not in rows:
            continue
        lines.append(f"\n{kind} ({rows[kind]['questions']} questions)")
        for key, value in rows[kind].items():
            if key == "questions":
                continue
            shown = f"{value * 100:5.1f}%" if isinstance(value, float) else f"{value:6d}"
            lines.append(f"  {labels[key]:<38}{shown}")
    lines.append("\nTargets")
    for target, value in report.targets():
        bound = target.shown(target.bound)
        wanted = f"{'<=' if target.at_most else '>='} {bound}"
        if value is None:
            lines.append(f"  {target.label:<38}{wanted:>9}  (no questions of this kind)")
        else:
            verdict = "met" if target.met_by(value) else "NOT MET"
            lines.append(f"  {target.label:<38}{wanted:>9}  {target.shown(value):>7}  {verdict}")
    if report.failures and not failures:
        lines.append(f"\nFailures: {len(report.failures)} (not shown)")
    elif report.failures:
        lines.append(f"\nFailures ({len(report.failures)}):")
        lines.extend(
            f"  {source}:{f.question.line}: [{f.question.topic}] {f.what}: {f.question.text!r}"
            for f in report.failures
        )
    return "\n".join(lines)
