"""The command line: `ask`, `ask --json`, `check`, and its exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from adapters.cli import EXIT_OK, EXIT_PROBLEMS, main
from bot.compose import CALL_999
from tests.conftest import KnowledgeDir

JSON_KEYS = {"outcome", "urgent", "topic", "choices", "score", "contacts", "text"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_the_answer_as_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    """`ask` prints the topic's answer and its contacts."""
    code, out, _ = run(capsys, "ask", "who is the lado and when do I call them")
    assert code == EXIT_OK
    assert "Who to contact:" in out
    assert "LADO" in out


@pytest.mark.parametrize("argv", [["ask"], ["ask", "-"]], ids=["no-argument", "dash"])
def test_ask_reads_the_question_from_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    """`ask` with no question, or `-`, reads it from standard input, so a question about a
    child need not sit in the shell's history or the process list."""
    monkeypatch.setattr("sys.stdin", io.StringIO("who is the lado and when do I call them\n"))
    code, out, _ = run(capsys, *argv)
    assert code == EXIT_OK
    assert "LADO" in out


def test_ask_json_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    """`ask --json` prints exactly the documented keys with their types."""
    code, out, _ = run(capsys, "ask", "--json", "what is child sexual exploitation")
    reply = json.loads(out)
    assert code == EXIT_OK
    assert set(reply) == JSON_KEYS
    assert reply["outcome"] == "answered"
    assert reply["urgent"] is False
    assert reply["topic"] == "cse-definition"
    assert reply["choices"] == []
    assert isinstance(reply["score"], float) and 0 <= reply["score"] <= 1
    assert "dsl" in reply["contacts"] and "police-999" in reply["contacts"]
    assert isinstance(reply["text"], str)


def test_ask_json_marks_urgent_with_999_first(capsys: pytest.CaptureFixture[str]) -> None:
    """Urgent JSON: urgent is true, police-999 is the first contact, the text starts with 999."""
    _, out, _ = run(capsys, "ask", "--json", "a 14 year old is in a car with men right now")
    reply = json.loads(out)
    assert reply["urgent"] is True
    assert reply["contacts"][0] == "police-999"
    assert reply["text"].startswith(f"! {CALL_999}")


def test_ask_json_not_sure_has_no_topic(capsys: pytest.CaptureFixture[str]) -> None:
    """A question the bot cannot place is `not_sure` with a null topic."""
    _, out, _ = run(capsys, "ask", "--json", "what's for lunch in the canteen on friday")
    reply = json.loads(out)
    assert reply["outcome"] == "not_sure"
    assert reply["topic"] is None


def test_check_clean_directory_exits_0(
    capsys: pytest.CaptureFixture[str], knowledge_dir: KnowledgeDir
) -> None:
    """`check` on a clean directory says so and exits 0."""
    code, out, _ = run(capsys, "check", str(knowledge_dir.root))
    assert code == EXIT_OK
    assert "no problems" in out


def test_check_prints_every_problem_and_exits_2(
    capsys: pytest.CaptureFixture[str], knowledge_dir: KnowledgeDir
) -> None:
    """`check` prints each problem as path:line and exits 2."""
    knowledge_dir.replace("topics/main.yaml", "related: [referral]", "related: [nope]")
    knowledge_dir.replace("urgent.yaml", "topic: signs", "topic: nothing")
    code, out, err = run(capsys, "check", str(knowledge_dir.root))
    assert code == EXIT_PROBLEMS
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert all(":" in line.split(" ")[0] for line in lines)
    assert "2 problem(s)" in err


def test_ask_refuses_a_broken_knowledge_base(
    capsys: pytest.CaptureFixture[str], knowledge_dir: KnowledgeDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a broken KNOWLEDGE_DIR the bot does not start: it lists the problems and exits 2."""
    knowledge_dir.replace("topics/main.yaml", "related: [referral]", "related: [nope]")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge_dir.root))
    code, _, err = run(capsys, "ask", "what are the signs")
    assert code == EXIT_PROBLEMS
    assert "related topic 'nope' is not a topic" in err


def test_check_in_production_mode_refuses_example_contacts_like_the_bot_at_start(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Procfile's release phase runs `check`: in production it must fail there, with the
    contact's file:line, not pass and leave the web process to refuse to start."""
    monkeypatch.setenv("SAFEGUARDING_MODE", "production")
    code, out, err = run(capsys, "check")
    assert code == EXIT_PROBLEMS
    assert "contact 'dsl' is still marked 'example: true'" in out
    assert str(Path("knowledge") / "contacts.yaml") + ":" in out
    assert "(production mode)" in err


def test_check_production_flag_asks_the_same_without_the_setting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "check", "--production")
    assert code == EXIT_PROBLEMS
    assert "contact 'lado' is still marked 'example: true'" in out


def test_check_outside_production_accepts_example_contacts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAFEGUARDING_MODE", raising=False)
    code, out, _ = run(capsys, "check")
    assert code == EXIT_OK
    assert "no problems" in out


def test_bad_setting_names_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A malformed setting stops the command with the variable's name."""
    monkeypatch.setenv("PORT", "eighty")
    code, _, err = run(capsys, "ask", "what is cse")
    assert code == EXIT_PROBLEMS
    assert "PORT" in err


def test_production_mode_refuses_example_contacts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In production the bot will not start while a local contact is a fictional example."""
    monkeypatch.setenv("SAFEGUARDING_MODE", "production")
    code, _, err = run(capsys, "ask", "what is cse")
    assert code == EXIT_PROBLEMS
    assert "contact 'dsl' is still marked 'example: true'" in err
    assert str(Path("knowledge") / "contacts.yaml") + ":" in err
