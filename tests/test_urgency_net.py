"""The urgency net behind the urgent rules: it adds a 999 line the rules missed, never removes
one, and its file is validated like every other knowledge file."""

from __future__ import annotations

import dataclasses

import pytest

from bench.urgent.tune import calm_questions_yaml
from bot import Bot, Question
from bot.compose import leads_with_999
from bot.knowledge import CALM_QUESTIONS_FILE, check, load
from bot.urgent import SOUNDS_URGENT, UrgencyNet, in_calm_sample
from tests.conftest import SHIPPED, URGENT_PHRASINGS, KnowledgeDir

EXAMPLES = """\
threshold: 0.05
urgent:
  - a man is punching a boy in the car park and he is bleeding
  - lad getting kicked on the floor by three older boys outside
  - girl being slapped and dragged down the road by a man
  - a boy is bleeding heavily after being punched by his stepdad
  - three men are kicking a teenager in the street
  - a man is hitting a young girl at the bus stop and she is bleeding
calm:
  - we had a fight in the playground last year, how do i write it up
  - what training is there on physical intervention
  - the boy who was punched last term is doing well now
  - how do i record an old injury on the log
  - football match got heated but nobody was hurt
  - is there a form for accidents in PE
"""


def make_bot(knowledge_dir: KnowledgeDir) -> Bot:
    knowledge_dir.write("urgent_examples.yaml", EXAMPLES)
    return Bot(load(knowledge_dir.root))


def test_a_message_no_rule_lists_but_like_the_urgent_examples_gets_999_first(
    knowledge_dir: KnowledgeDir,
) -> None:
    """The test rules know nothing of punching; the net hears it and 999 comes first."""
    reply = make_bot(knowledge_dir).answer(
        Question("a man is punching a little boy outside the shop and he is bleeding")
    )
    assert reply.urgent_rules == (SOUNDS_URGENT.id,)
    assert leads_with_999(reply)


def test_a_calm_question_gets_no_999_line(knowledge_dir: KnowledgeDir) -> None:
    reply = make_bot(knowledge_dir).answer(Question("what are the signs of exploitation"))
    assert not reply.urgent


def test_a_rule_still_fires_whatever_the_net_says(knowledge_dir: KnowledgeDir) -> None:
    """The rules are asked first; the net only adds to them."""
    reply = make_bot(knowledge_dir).answer(Question("a child is in danger right now"))
    assert reply.urgent_rules == ("danger-now",)


def test_without_the_file_there_is_no_net(knowledge_dir: KnowledgeDir) -> None:
    """A knowledge base without urgent_examples.yaml answers on its rules alone."""
    reply = Bot(load(knowledge_dir.root)).answer(
        Question("a man is punching a little boy outside the shop and he is bleeding")
    )
    assert not reply.urgent


def test_a_threshold_out_of_range_is_reported_at_its_line(knowledge_dir: KnowledgeDir) -> None:
    knowledge_dir.write("urgent_examples.yaml", EXAMPLES.replace("threshold: 0.05", "threshold: 2"))
    [problem] = check(knowledge_dir.root)
    assert problem.where.line == 1
    assert problem.message == "'threshold' must be a number from 0 to 1"


def test_missing_lists_are_reported(knowledge_dir: KnowledgeDir) -> None:
    knowledge_dir.write("urgent_examples.yaml", "threshold: 0.1\nurgent:\n  - a child in danger\n")
    messages = [p.message for p in check(knowledge_dir.root)]
    assert messages == ["urgent_examples.yaml: missing 'calm'"]


def test_an_empty_list_is_reported_at_its_line(knowledge_dir: KnowledgeDir) -> None:
    """An empty list would switch the net off without a word; it is a problem instead."""
    knowledge_dir.write("urgent_examples.yaml", "threshold: 0.1\nurgent: []\ncalm:\n  - fine\n")
    [problem] = check(knowledge_dir.root)
    assert (problem.where.line, problem.message) == (2, "'urgent' needs at least one message")


@pytest.mark.parametrize("message", URGENT_PHRASINGS["not_urgent"])
def test_the_shipped_bot_with_its_net_gives_no_999_line_to_ordinary_questions(
    shipped_bot: Bot, message: str
) -> None:
    """The net adds 999 lines; the questions that merely mention danger still get none."""
    assert not shipped_bot.answer(Question(message)).urgent, message


def _margins(questions: list[str], probes: list[str]) -> list[float]:
    base = load(SHIPPED)
    assert base.urgency is not None
    net = UrgencyNet(base.urgency.urgent, base.urgency.calm, questions, 0.0)
    return [net.margin(text) for text in probes]


def test_an_example_added_outside_the_calm_sample_leaves_the_net_as_it_was() -> None:
    """Which questions join the net's calm side depends on each question alone, so an admin's
    new example never reshuffles the sample (with every fourth by position, one example added
    at the top moved every other question in or out)."""
    questions = [text for _, text in load(SHIPPED).labelled_examples()]
    added = next(
        f"how do i log a concern about a child in year {n}"
        for n in range(100)
        if not in_calm_sample(f"how do i log a concern about a child in year {n}")
    )
    probes = [*questions[:40:4], "a man is hitting a boy in the car park"]

    assert _margins([added, *questions], probes) == _margins(questions, probes)


def test_about_one_in_four_questions_joins_the_calm_sample() -> None:
    questions = [text for _, text in load(SHIPPED).labelled_examples()]
    share = sum(map(in_calm_sample, questions)) / len(questions)

    assert 0.2 < share < 0.3


def test_an_example_added_to_a_topic_leaves_the_shipped_net_as_it_was() -> None:
    """The net's calm questions are frozen with its threshold (urgent_calm_questions.yaml), so
    even an example the checksum sample would take leaves every margin, and so every 999 line
    the net adds, as `bench.urgent.tune` measured it (session 10: six new examples cost a
    held-out emergency through the sample)."""
    base = load(SHIPPED)
    assert base.urgency is not None and base.urgency.questions
    added = next(
        f"how do i log a concern about a child in year {n}"
        for n in range(100)
        if in_calm_sample(f"how do i log a concern about a child in year {n}")
    )
    topic = base.topics["recording-concerns"]
    edited = dataclasses.replace(
        base,
        topics={
            **base.topics,
            topic.id: dataclasses.replace(topic, examples=(*topic.examples, added)),
        },
    )
    probes = [added, "a man is hitting a boy in the car park", *URGENT_PHRASINGS["urgent"][:10]]
    before, after = Bot(base), Bot(edited)
    assert before._net is not None and after._net is not None  # the net is private to the bot
    assert [after._net.margin(p) for p in probes] == [before._net.margin(p) for p in probes]


def test_without_frozen_questions_the_net_samples_todays_examples(
    knowledge_dir: KnowledgeDir,
) -> None:
    knowledge_dir.write("urgent_examples.yaml", EXAMPLES)
    base = load(knowledge_dir.root)
    assert base.urgency is not None and base.urgency.questions is None


def test_tunes_file_of_calm_questions_loads_back_as_the_sample(knowledge_dir: KnowledgeDir) -> None:
    questions = [f"how do i log a concern about a child in year {n}" for n in range(40)]
    knowledge_dir.write("urgent_examples.yaml", EXAMPLES)
    knowledge_dir.write(CALM_QUESTIONS_FILE, calm_questions_yaml(questions))
    base = load(knowledge_dir.root)
    assert base.urgency is not None
    assert base.urgency.questions == tuple(q for q in questions if in_calm_sample(q))


def test_malformed_calm_questions_file_is_reported_with_its_line(
    knowledge_dir: KnowledgeDir,
) -> None:
    knowledge_dir.write("urgent_examples.yaml", EXAMPLES)
    knowledge_dir.write(CALM_QUESTIONS_FILE, "questions:\n  - fine\n  - ''\n")
    problems = check(knowledge_dir.root)
    assert any(f"{CALM_QUESTIONS_FILE}:3" in str(p) for p in problems), problems


def test_guidance_chosen_by_the_danger_still_offers_what_the_message_may_be_about(
    shipped_bot: Bot,
) -> None:
    """From a staff walkthrough: the net heard danger in a find behind the bike shed, and the
    matcher was not sure of the topic. The 999 guidance (which says when it is not an emergency)
    is shown, and county lines is offered rather than dropped."""
    reply = shipped_bot.answer(
        Question(
            "caretaker. found a stash of small plastic bags and a cheap burner phone hidden "
            "behind the bike shed. some yr 9s hang round there. who do i tell"
        )
    )
    assert leads_with_999(reply)
    assert reply.topic is not None and reply.topic.id == "immediate-danger-999"
    assert "cce-county-lines" in [t.id for t in reply.choices]


RED_TEAM_CAUGHT = (SHIPPED.parent / "bench" / "urgent" / "redteam" / "misses_caught.txt").read_text(
    encoding="utf-8"
)


@pytest.mark.parametrize("text", [line for line in RED_TEAM_CAUGHT.splitlines() if line.strip()])
def test_every_emergency_a_red_team_wrote_against_the_rules_gets_999_first(
    shipped_bot: Bot, text: str
) -> None:
    """bench/urgent/redteam/: emergencies written to slip past the rules, caught by the rules
    or the net in session 11; a rule edit must not lose one."""
    assert leads_with_999(shipped_bot.answer(Question(text))), text
