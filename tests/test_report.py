"""The admin's report: grouped unanswered questions, topics by volume, helpful rates, counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cli import EXIT_OK, EXIT_PROBLEMS, main
from bot import Bot, Question
from bot.report import build_report, format_report, group_questions
from bot.storage import Activity, AnswerRecord, SQLiteStorage, UnansweredRow


def row(question: str, day: str = "2026-11-20", channel: str = "slack") -> UnansweredRow:
    return UnansweredRow(day, channel, "not_sure", question, ("cse-signs",), 0.3)


def test_near_duplicate_questions_are_grouped() -> None:
    """Questions that differ only in small words and order are counted as one group."""
    groups = group_questions(
        [
            row("where is the holiday rota for the summer"),
            row("where is the summer holiday rota", day="2026-11-21", channel="web"),
            row("how do I reset my password"),
        ]
    )
    assert [(g.count, g.channels) for g in groups] == [(2, ("slack", "web")), (1, ("slack",))]
    assert groups[0].last_day == "2026-11-21"


def test_most_asked_groups_come_first() -> None:
    """The inbox lists the most asked unanswered questions first."""
    groups = group_questions([row("a b c"), row("printer jammed"), row("printer is jammed")])
    assert groups[0].question == "printer jammed"


def test_report_counts_outcomes_channels_urgent_and_helpful_rates() -> None:
    """Counts come from the kept records; helpful rate is votes that said helpful."""
    activity = Activity(
        answers=[
            ("2026-11-20", "slack", "answered", "allegations-lado", False, 3),
            ("2026-11-21", "teams", "answered", "immediate-danger-999", True, 1),
            ("2026-11-21", "web", "not_sure", None, False, 2),
        ],
        feedback=[("allegations-lado", True, 2), ("allegations-lado", False, 1)],
        unanswered=[row("printer")],
    )
    report = build_report(activity, days=7)
    assert report.total == 6
    assert report.urgent == 1
    assert report.by_outcome == {"answered": 4, "not_sure": 2}
    assert report.per_day["2026-11-21"] == {"answered": 1, "not_sure": 2}
    lado = report.topics[0]
    assert (lado.topic, lado.answers, lado.helpful_rate) == ("allegations-lado", 3, 2 / 3)
    text = format_report(report)
    assert "67% helpful (3 votes)" in text
    assert "1 x  printer" in text


def test_report_command_reads_the_configured_database(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shipped_bot: Bot,
) -> None:
    """`safeguarding-bot report` reads the database the settings name and prints the report."""
    path = tmp_path / "bot.sqlite3"
    storage = SQLiteStorage(path)
    for text in ("who is the lado", "the printer is jammed", "the printer's jammed again"):
        question = Question(text, channel="slack")
        storage.record_answer(AnswerRecord.of(question, shipped_bot.answer(question)))
    storage.close()
    monkeypatch.setenv("DATABASE_PATH", str(path))
    assert main(["report", "--days", "7"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Questions asked: 3" in out
    assert "By outcome: answered 1, not sure 2" in out
    assert "allegations-lado" in out
    assert "2 x  the printer" in out


def test_report_command_refuses_a_bad_day_count(capsys: pytest.CaptureFixture[str]) -> None:
    """--days outside 1..3650 is refused with exit 2."""
    assert main(["report", "--days", "0"]) == EXIT_PROBLEMS
    assert "--days" in capsys.readouterr().err
