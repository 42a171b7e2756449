"""`safeguarding-bot evaluate`: figures per kind of question, and every failure with its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.cli import EXIT_OK, EXIT_PROBLEMS, main

QUESTIONS = """\
questions:
  - q: who is the local authority designated officer and when do i call them
    topic: allegations-lado
    must_contain: [LADO]
    urgent: false
  - q: the photocopier on floor two is jammed again
    topic: out-of-scope
    must_contain: []
    urgent: false
  - q: a 14 year old is in a car with men right now
    topic: immediate-danger-999
    must_contain: ["999"]
    urgent: true
"""


def test_evaluate_prints_figures_per_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The JSON figures count in-scope, urgent and out-of-scope questions separately."""
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS)
    assert main(["evaluate", str(path), "--json"]) == EXIT_OK
    figures = json.loads(capsys.readouterr().out)
    assert figures["urgent"]["urgent_recall"] == 1.0
    assert figures["urgent"]["answered_without_999_first"] == 0
    assert figures["out-of-scope"]["declined_rate"] == 1.0
    assert figures["in-scope"]["questions"] == 1


def test_evaluate_lists_failures_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A question answered with the wrong topic is listed as a failure at its file:line."""
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS.replace("topic: allegations-lado", "topic: fgm-reporting"))
    assert main(["evaluate", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "questions.yaml:2: [fgm-reporting]" in out


def test_figures_only_counts_failures_without_showing_their_questions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--figures-only` prints the figures and how many failed, but not one failing question:
    a held-out set can be measured without anyone reading it."""
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS.replace("topic: allegations-lado", "topic: fgm-reporting"))
    assert main(["evaluate", str(path), "--figures-only"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "correct topic" in out
    assert "Failures: 1 (not shown)" in out
    assert "local authority designated officer" not in out


def test_evaluate_says_whether_each_target_is_met(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed figures end with the targets (in-scope correct topic at least 90%, urgent
    recall 100%, none answered without 999 first, out-of-scope declined at least 90%), each
    marked met or NOT MET."""
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS.replace("topic: allegations-lado", "topic: fgm-reporting"))
    assert main(["evaluate", str(path)]) == EXIT_OK
    targets = capsys.readouterr().out.split("\nTargets\n")[1].split("\n\n")[0]
    assert "in-scope: correct topic" in targets and "0.0%  NOT MET" in targets
    assert "urgent: recall (999 first)" in targets and "100.0%  met" in targets
    assert "out-of-scope: declined" in targets


def test_evaluate_json_lists_each_target_with_its_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--json` gives every target's figure, bound, value and whether it is met."""
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS)
    assert main(["evaluate", str(path), "--json"]) == EXIT_OK
    targets = json.loads(capsys.readouterr().out)["targets"]
    assert {(t["kind"], t["figure"], t["met"]) for t in targets} == {
        ("in-scope", "correct_topic_rate", True),
        ("urgent", "urgent_recall", True),
        ("urgent", "answered_without_999_first", True),
        ("out-of-scope", "declined_rate", True),
    }


def test_an_urgent_reply_lacking_a_must_contain_phrase_is_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Urgent questions' must-contain phrases are checked too, not only their 999 line."""
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS.replace('must_contain: ["999"]', 'must_contain: ["999", "zebra"]'))
    assert main(["evaluate", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "questions.yaml:10: [immediate-danger-999] answer lacks 'zebra'" in out


def test_evaluate_names_a_malformed_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken evaluation file is refused with its path and line, exit 2."""
    path = tmp_path / "questions.yaml"
    path.write_text("questions:\n  - topic: x\n")
    assert main(["evaluate", str(path)]) == EXIT_PROBLEMS
    assert "questions.yaml:2:" in capsys.readouterr().err
