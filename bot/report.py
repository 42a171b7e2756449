"""The admin's report: what staff could not find, what helped, what is asked most.

Made from `Storage.activity`; holds no identifying details because storage holds none (the only
text is redacted questions).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process, utils

from bot.storage import Activity, UnansweredRow

# Redacted questions at least this alike (token_sort_ratio, 0-100) are shown as one group.
GROUP_SIMILARITY = 80.0
GROUP_CHARS = 300  # questions are grouped by their start


@dataclass(frozen=True)
class QuestionGroup:
    """Near-duplicate unanswered questions, shown once with how often they were asked."""

    question: str
    count: int
    channels: tuple[str, ...]
    offered: tuple[str, ...]
    last_day: str


@dataclass(frozen=True)
class TopicFigures:
    """How often a topic was answered and how helpful staff found it."""

    topic: str
    answers: int
    helpful: int
    not_helpful: int

    @property
    def helpful_rate(self) -> float | None:
        """Share of votes that said helpful; None with no votes."""
        votes = self.helpful + self.not_helpful
        return self.helpful / votes if votes else None


@dataclass(frozen=True)
class Report:
    """Everything the report command and the admin page show."""

    days: int
    total: int
    urgent: int
    by_outcome: dict[str, int]
    by_channel: dict[str, int]
    per_day: dict[str, dict[str, int]]
    topics: list[TopicFigures]
    unanswered: list[QuestionGroup] = field(default_factory=list)


def build_report(activity: Activity, days: int, top: int = 20) -> Report:
    """Summarise `activity` over `days` days; the `top` most asked unanswered question groups."""
    by_outcome: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    answered: Counter[str] = Counter()
    urgent = 0
    for day, channel, outcome, topic, is_urgent, count in activity.answers:
        by_outcome[outcome] += count
        by_channel[channel] += count
        per_day[day][outcome] += count
        urgent += count if is_urgent else 0
        if topic is not None:
            answered[topic] += count
    votes: dict[str, Counter[bool]] = defaultdict(Counter)
    for topic, helpful, count in activity.feedback:
        if topic is not None:
            votes[topic][helpful] += count
    topics = [
        TopicFigures(topic, answered[topic], votes[topic][True], votes[topic][False])
        for topic in sorted(set(answered) | set(votes), key=lambda t: (-answered[t], t))
    ]
    return Report(
        days=days,
        total=sum(by_outcome.values()),
        urgent=urgent,
        by_outcome=dict(by_outcome),
        by_channel=dict(by_channel.most_common()),
        per_day={day: dict(counts) for day, counts in sorted(per_day.items())},
        topics=topics,
        unanswered=group_questions(activity.unanswered)[:top],
    )


def group_questions(rows: Sequence[UnansweredRow]) -> list[QuestionGroup]:
    """Group near-duplicate questions; most asked first, then most recent."""
    keys: list[str] = []
    groups: list[tuple[str, list[UnansweredRow]]] = []
    for row in rows:
        # Words sorted once here, so a plain ratio is token_sort_ratio without re-sorting.
        key = " ".join(sorted(utils.default_process(row.question[:GROUP_CHARS]).split()))
        found = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=GROUP_SIMILARITY)
        if found is not None:
            groups[found[2]][1].append(row)
        else:
            keys.append(key)
            groups.append((key, [row]))
    result = [
        QuestionGroup(
            question=members[0].question,
            count=len(members),
            channels=tuple(sorted({m.channel for m in members})),
            offered=tuple(dict.fromkeys(t for m in members for t in m.offered)),
            last_day=max(m.day for m in members),
        )
        for _, members in groups
    ]
    return sorted(result, key=lambda g: (g.count, g.last_day), reverse=True)


def format_report(report: Report) -> str:
    """The report as plain text, for `safeguarding-bot report`."""
    lines = [f"Safeguarding bot: the last {report.days} day(s)", ""]
    lines.append(f"Questions asked: {report.total}  (urgent: {report.urgent})")
    if report.by_outcome:
        lines.append(
            "By outcome: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(report.by_outcome.items()))
        )
    if report.by_channel:
        lines.append("By channel: " + ", ".join(f"{k} {v}" for k, v in report.by_channel.items()))
    lines += ["", "Topics by volume (answers, helpful rate from votes):"]
    if not report.topics:
        lines.append("  none yet")
    for t in report.topics:
        rate = "no votes" if t.helpful_rate is None else f"{t.helpful_rate * 100:.0f}% helpful"
        lines.append(f"  {t.topic:<28}{t.answers:>6}   {rate} ({t.helpful + t.not_helpful} votes)")
    lines += ["", "Questions the bot could not answer (redacted; near-duplicates grouped):"]
    if not report.unanswered:
        lines.append("  none")
    for g in report.unanswered:
        offered = f"; offered {', '.join(g.offered)}" if g.offered else ""
        lines.append(
            f"  {g.count:>3} x  {g.question}  [{', '.join(g.channels)}, last {g.last_day}{offered}]"
        )
    return "\n".join(lines)
