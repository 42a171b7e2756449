"""Urgent rules: which messages get the 999 instruction first, and how the matcher reads them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.knowledge import check, display_path, load
from bot.models import DatedTimes, UrgentRule
from bot.urgent import UrgentRules
from tests.conftest import URGENT_PHRASINGS, KnowledgeDir

ROOT = Path(__file__).resolve().parent.parent
PHRASINGS = URGENT_PHRASINGS


@pytest.fixture(scope="module")
def shipped_rules() -> UrgentRules:
    base = load(ROOT / "knowledge")
    return UrgentRules(
        base.urgent_rules, base.urgent_framing, base.urgent_not_danger, base.urgent_dated
    )


def rule(
    *groups: list[str],
    unless: tuple[str, ...] = (),
    near: int | None = None,
    rule_id: str = "r",
    spellings: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> UrgentRule:
    """A rule built in code, with phrases already normalised as the loader would."""
    return UrgentRule(
        id=rule_id,
        description="test rule",
        all_of=tuple(tuple(group) for group in groups),
        unless=unless,
        say="Stay with the child.",
        contacts=("police-999", "dsl"),
        topic=None,
        near=near,
        spellings=spellings,
    )


def fires(rules: UrgentRule | list[UrgentRule], text: str) -> list[str]:
    listed = rules if isinstance(rules, list) else [rules]
    return [r.id for r in UrgentRules(listed).fired(text)]


@pytest.mark.parametrize("message", PHRASINGS["urgent"])
def test_urgent_phrasing_gets_999_first(shipped_rules: UrgentRules, message: str) -> None:
    """Every message describing a child in immediate danger fires at least one urgent rule."""
    assert shipped_rules.fired(message), message


@pytest.mark.parametrize("message", PHRASINGS["not_urgent"])
def test_not_urgent_phrasing_gets_no_999_banner(shipped_rules: UrgentRules, message: str) -> None:
    """Policy, training, hypothetical and past-event questions fire no urgent rule."""
    assert [r.id for r in shipped_rules.fired(message)] == [], message


def test_danger_inside_a_long_unrelated_question_still_fires(shipped_rules: UrgentRules) -> None:
    """Training and policy words in other clauses of a long message do not hide the danger."""
    message = (
        "quick question about our safeguarding training and the policy review for next term, "
        "he's outside the school now waiting for her, anyway what does the procedure say "
        "about recording"
    )
    assert shipped_rules.fired(message)


@pytest.mark.parametrize(
    "message",
    ["he dragged her out of the house and into his car", "someone dragged him into a car"],
)
def test_a_child_dragged_away_gets_the_being_taken_rule_not_a_drugs_one(
    shipped_rules: UrgentRules, message: str
) -> None:
    """ "dragged" is a rule word of its own, so it is never read as a typo of "drugged": the
    reply says what to tell the police about a child being taken, not about what they took."""
    fired = [r.id for r in shipped_rules.fired(message)]
    assert "being-taken-now" in fired
    assert "medical-emergency" not in fired


@pytest.mark.parametrize(
    ("message", "taken"),
    [
        ("he forced her into a car outside the chippy", True),
        ("two men forced him into the van", True),
        (
            "a lad in her class forced her into sexual stuff at a party at the weekend. "
            "she's at home with her mum now. what happens about lessons tomorrow?",
            False,
        ),
    ],
)
def test_forced_into_is_being_taken_only_into_a_vehicle_or_a_room(
    shipped_rules: UrgentRules, message: str, taken: bool
) -> None:
    """ "Forced her into" a car is a child being taken now; forced into sexual activity at the
    weekend is abuse to report, not a child being driven away."""
    assert ("being-taken-now" in [r.id for r in shipped_rules.fired(message)]) is taken


def test_long_word_tolerates_one_typo() -> None:
    """A word of five letters or more matches with a letter swapped, missing, extra or wrong."""
    hurting = rule(["hurting"])
    for typed in ("hurtign", "hurtng", "hurrting", "hurtinf"):
        assert fires(hurting, f"he is {typed} her") == ["r"], typed


def test_long_word_does_not_tolerate_two_typos() -> None:
    """Two typos in one word are too far: "hrtign" is not "hurting"."""
    assert fires(rule(["hurting"]), "he is hrtign her") == []


def test_short_word_must_be_spelled_as_written() -> None:
    """Words under five letters get no typo tolerance: "jsut" is not "just"."""
    assert fires(rule(["just told"]), "she jsut told me") == []
    assert fires(rule(["just told"]), "she just told me") == ["r"]


def test_correctly_spelled_rule_word_is_not_read_as_a_typo_of_another() -> None:
    """A message word that is itself a rule word stays that word: "catfishes" (a rule word
    here, and not in the common-word list) is not a typo of "catfished"."""
    rules = [
        rule(["catfished now"], rule_id="catfished"),
        rule(["catfishes"], ["never"], rule_id="other"),
    ]
    assert fires(rules, "catfishes now") == []
    assert fires(rules, "catfishd now") == ["catfished"]  # a real typo still reads as the word


def test_common_english_word_is_not_read_as_a_typo_of_a_rule_word() -> None:
    """A correctly spelt everyday word is that word: "putting" is not a typo of "cutting", so
    "what should school be putting in place now?" is no FGM emergency."""
    cutting = rule(["cutting"], ["now"], rule_id="cutting-now")
    assert fires(cutting, "what should school be putting in place now?") == []
    assert fires(cutting, "they are cuttign her now") == ["cutting-now"]


def test_shipped_rules_do_not_read_putting_as_cutting(shipped_rules: UrgentRules) -> None:
    """A question about what school does after a sextortion case fires no urgent rule."""
    message = "hes doing ok now. what should school be putting in place now?"
    assert [r.id for r in shipped_rules.fired(message)] == []


def test_hash_stands_for_any_number() -> None:
    """`#` matches a number, and `#pm` or `#yo` a number with those letters after it."""
    assert fires(rule(["in # minutes"]), "picking her up in 10 minutes") == ["r"]
    assert fires(rule(["at #pm"]), "meeting at 7pm") == ["r"]
    assert fires(rule(["#yo"]), "a 14yo girl") == ["r"]
    assert fires(rule(["in # minutes"]), "in a few minutes") == []


def test_star_stands_for_any_one_word() -> None:
    """`*` matches exactly one word, whatever it is."""
    assert fires(rule(["with * men"]), "she is with two men") == ["r"]
    assert fires(rule(["with * men"]), "she is with men") == []


def test_contraction_reads_with_or_without_apostrophe() -> None:
    """An apostrophe makes no difference: "she's" is "shes" and "won't" is "wont"."""
    shes = rule(["shes with him"])
    assert fires(shes, "she's with him") == ["r"]
    assert fires(shes, "SHES WITH HIM") == ["r"]
    assert fires(rule(["wont let her leave"]), "he won\u2019t let her leave") == ["r"]


def test_spelling_reads_as_the_word_it_stands_for() -> None:
    """A word of the spellings table is read as its word: "wiv" as "with", "2nite" as tonight."""
    spellings = (("with", ("wiv",)), ("tonight", ("2nite",)))
    assert fires(rule(["with him"], ["tonight"], spellings=spellings), "wiv him 2nite") == ["r"]


def test_every_group_must_match() -> None:
    """A rule needs a phrase from each of its groups, not just one."""
    danger = rule(["being hurt"], ["now", "right now"])
    assert fires(danger, "a child is being hurt") == []
    assert fires(danger, "a child is being hurt right now") == ["r"]


def test_unless_phrase_cancels_the_rule() -> None:
    """An `unless` phrase in the message stops the rule firing."""
    danger = rule(["being hurt"], ["now"], unless=("what should i do if",))
    assert fires(danger, "what should i do if a child is being hurt now") == []


def test_near_needs_the_groups_within_that_many_words() -> None:
    """With `near`, the groups' phrases must fall inside one stretch of that many words."""
    danger = rule(["being hurt"], ["now"], near=5)
    assert fires(danger, "being hurt now") == ["r"]
    assert fires(danger, "being hurt and then a b c d e f g h now") == []


def test_unless_far_from_the_match_does_not_cancel_it() -> None:
    """With `near`, an `unless` phrase more than `near` words away leaves the match standing."""
    danger = rule(["being hurt"], ["now"], unless=("training",), near=4)
    assert fires(danger, "training dates a b c d e f g h i j a girl is being hurt now") == ["r"]
    assert fires(danger, "training a girl is being hurt now") == []


def test_unless_in_another_clause_does_not_cancel_the_match() -> None:
    """With `near`, an `unless` phrase in a different clause of the message does not cancel."""
    danger = rule(["being hurt"], ["now"], unless=("policy",), near=10)
    assert fires(danger, "about the policy, a girl is being hurt now") == ["r"]
    assert fires(danger, "about the policy a girl is being hurt now") == []


def test_rules_fire_in_declared_order() -> None:
    """Fired rules come back in the order the file declares them, not the order they match."""
    first = rule(["knife"], rule_id="first")
    second = rule(["now"], rule_id="second")
    assert fires([first, second], "now he has a knife") == ["first", "second"]
    assert fires([second, first], "now he has a knife") == ["second", "first"]


def framing(*opening: str, unless: tuple[str, ...] = ("now", "just")) -> UrgentRule:
    return dataclasses.replace(rule(list(opening), unless=unless, rule_id="framing"), say="")


def test_a_message_that_opens_as_teaching_material_fires_no_rule() -> None:
    """'For a training session, ...' describes no child in danger, whatever words follow."""
    knife = rule(["knife"])
    rules = UrgentRules([knife], framing("for a training session"))
    assert rules.fired("for a training session: how are kids groomed into carrying a knife") == []
    assert fires(knife, "for a training session: how are kids groomed into carrying a knife")


def test_a_framing_phrase_counts_only_at_the_start_of_the_message() -> None:
    """Past the first four words it is just a mention, and the rules read the message."""
    rules = UrgentRules([rule(["knife"])], framing("for training"))
    assert rules.fired("he has a knife and says it is for training") != []
    assert rules.fired("hi quick q, for training - why do kids carry a knife") == []


def test_something_happening_now_keeps_a_framed_message_urgent() -> None:
    """An `unless` phrase anywhere in the message undoes the framing."""
    rules = UrgentRules([rule(["knife"])], framing("for training"))
    text = "for training next week, but a boy has just shown me a knife"
    assert [r.id for r in rules.fired(text)] == ["r"]


def test_framing_without_unless_phrases_is_a_problem(knowledge_dir: KnowledgeDir) -> None:
    knowledge_dir.replace(
        "urgent.yaml", "rules:\n", "framing:\n  opening: [for training]\nrules:\n"
    )
    line = knowledge_dir.line_of("urgent.yaml", "opening:")
    path = display_path(knowledge_dir.root / "urgent.yaml")
    assert [str(p) for p in check(knowledge_dir.root)] == [
        f"{path}:{line}: framing: missing 'unless'"
    ]


def test_a_not_danger_phrase_hides_its_own_words_from_every_rule() -> None:
    """'Police are with him now' is help that has come, not a child with an abuser."""
    with_him = rule(["with him"], ["now"], near=16)
    rules = UrgentRules([with_him], not_danger=("police are with *",))
    assert rules.fired("police are with him now, what do i write down") == []
    assert fires(with_him, "police are with him now, what do i write down") == ["r"]


def test_a_not_danger_phrase_cancels_nothing_else_in_the_message() -> None:
    """Unlike `unless`, it leaves the rest of the message to the rules: the same words
    elsewhere still count."""
    with_him = rule(["with him"], ["now"], near=16)
    rules = UrgentRules([with_him], not_danger=("police are with *",))
    text = "police are with him and his sister is with him now at the flat"
    assert [r.id for r in rules.fired(text)] == ["r"]
    blocked = UrgentRules([rule(["with him"], ["now"], near=16, unless=("police are with",))])
    assert blocked.fired(text) == []


def test_not_danger_phrases_load_with_their_sets(knowledge_dir: KnowledgeDir) -> None:
    knowledge_dir.replace(
        "urgent.yaml",
        "rules:\n",
        "sets:\n  help: [police, paramedics]\nnot_danger: [$help are with *]\nrules:\n",
    )
    assert load(knowledge_dir.root).urgent_not_danger == (
        "police are with *",
        "paramedics are with *",
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("police are with", "not_danger: 'not_danger' must be a list"),
        ("[$helpers are with]", "not_danger: '$helpers' is not a set (see 'sets:')"),
    ],
)
def test_a_broken_not_danger_list_is_a_problem_at_its_line(
    knowledge_dir: KnowledgeDir, value: str, problem: str
) -> None:
    knowledge_dir.replace("urgent.yaml", "rules:\n", f"not_danger: {value}\nrules:\n")
    line = knowledge_dir.line_of("urgent.yaml", "not_danger:")
    path = display_path(knowledge_dir.root / "urgent.yaml")
    assert [str(p) for p in check(knowledge_dir.root)] == [f"{path}:{line}: {problem}"]


WAITING = rule(["outside"], ["waiting"], near=12, unless=("last year", "is safe now"))
DATED = DatedTimes(("last year",), ("now", "as last"), unless=("do now",))


def test_a_time_that_dates_another_event_cancels_nothing_when_the_clause_says_now() -> None:
    """'The man who groomed her last year is outside now': the year dates the grooming."""
    rules = UrgentRules([WAITING], dated=DATED)
    text = "the man who groomed her last year is outside now waiting"
    assert [r.id for r in rules.fired(text)] == ["r"]
    assert UrgentRules([WAITING]).fired(text) == []


def test_a_renewed_time_still_dates_what_comes_before_it() -> None:
    """'The man who was waiting outside last year is now in the choir': the danger words all
    come before the time, which dates them; 'now' says only how things are today."""
    rules = UrgentRules([WAITING], dated=DATED)
    assert rules.fired("the man who was waiting outside last year is now in the choir") == []


def test_words_after_a_time_count_only_in_its_own_clause() -> None:
    """A danger word in the next clause is not the event the time's clause renews."""
    rules = UrgentRules([WAITING], dated=DATED)
    assert rules.fired("he was outside last year and is now fine, waiting for results") == []


def test_a_time_compared_with_is_no_time_past() -> None:
    """'Same as last year' says it is happening again, not that it happened then."""
    rules = UrgentRules([WAITING], dated=DATED)
    assert [r.id for r in rules.fired("same men as last year waiting outside")] == ["r"]


def test_a_dated_time_still_cancels_without_now_in_its_clause() -> None:
    """'Now' in another clause, or in none, leaves the time to date the danger itself."""
    rules = UrgentRules([WAITING], dated=DATED)
    assert rules.fired("he was waiting outside last year") == []
    assert rules.fired("he was waiting outside last year. it is quiet now") == []


def test_now_inside_another_unless_phrase_renews_nothing() -> None:
    """The 'now' of 'is safe now' is part of what sets the rule aside."""
    rules = UrgentRules([WAITING], dated=DATED)
    assert rules.fired("he was waiting outside last year and she is safe now") == []


def test_now_inside_a_dated_unless_phrase_renews_nothing() -> None:
    """'What do I do now' asks what to do; it does not place the danger now."""
    rules = UrgentRules([WAITING], dated=DATED)
    assert rules.fired("he was waiting outside last year what do i do now") == []


def test_only_dated_times_are_renewed() -> None:
    """Other `unless` phrases still cancel, whatever the clause says."""
    blocked = rule(["outside"], ["waiting"], near=12, unless=("training",))
    rules = UrgentRules([blocked], dated=DATED)
    assert rules.fired("he is outside now waiting for training") == []


HANDLED = rule(["outside"], ["waiting"], near=12, unless=("last year", "told the dsl"))
PRESENT = DatedTimes(("last year", "told the dsl"), ("now",), present=("is outside",))


def test_a_present_phrase_renews_like_now_and_still_counts_as_a_rule_phrase() -> None:
    """'He was waiting so I told the DSL and the man is outside': 'is outside' says the danger
    is here now, and 'outside' is itself the rule's phrase after what was done. As a
    `renewed_by` phrase its words would only have said 'now' and counted for nothing."""
    text = "he was waiting so i told the dsl and the man is outside"
    assert [r.id for r in UrgentRules([HANDLED], dated=PRESENT).fired(text)] == ["r"]
    assert UrgentRules([HANDLED]).fired(text) == []
    as_now = DatedTimes(("last year", "told the dsl"), ("now", "is outside"))
    assert UrgentRules([HANDLED], dated=as_now).fired(text) == []


def test_a_present_phrase_in_another_clause_renews_nothing() -> None:
    """'He was outside waiting last year. The bin is outside': the present phrase is in another
    clause, so the time still dates the danger words."""
    rules = UrgentRules([HANDLED], dated=PRESENT)
    assert rules.fired("he was outside waiting last year. the bin is outside") == []


def test_dated_times_load_with_their_sets(knowledge_dir: KnowledgeDir) -> None:
    knowledge_dir.replace(
        "urgent.yaml",
        "rules:\n",
        "sets:\n  earlier: [last year, years ago]\n"
        "dated:\n  times: [$earlier]\n  renewed_by: [now]\n  unless: [do now]\n"
        "  present: [is outside]\nrules:\n",
    )
    assert load(knowledge_dir.root).urgent_dated == DatedTimes(
        ("last year", "years ago"), ("now",), ("do now",), ("is outside",)
    )


@pytest.mark.parametrize(
    ("value", "at", "problem"),
    [
        (
            "[last year]",
            "dated:",
            "'dated:' must map 'times', 'renewed_by' and optionally 'unless' and 'present' to "
            "lists",
        ),
        ("\n  times: [last year]", "times:", "dated: missing 'renewed_by'"),
    ],
)
def test_a_broken_dated_section_is_a_problem_at_its_line(
    knowledge_dir: KnowledgeDir, value: str, at: str, problem: str
) -> None:
    knowledge_dir.replace("urgent.yaml", "rules:\n", f"dated: {value}\nrules:\n")
    line = knowledge_dir.line_of("urgent.yaml", at)
    path = display_path(knowledge_dir.root / "urgent.yaml")
    assert [str(p) for p in check(knowledge_dir.root)] == [f"{path}:{line}: {problem}"]


@pytest.mark.parametrize("text", ["", "   ", "?!...", "\n\t"])
def test_empty_or_punctuation_only_text_fires_nothing(
    shipped_rules: UrgentRules, text: str
) -> None:
    """A message with no words fires no rule, and does not fail."""
    assert shipped_rules.fired(text) == []


def test_ten_thousand_characters_are_matched_whole(shipped_rules: UrgentRules) -> None:
    """Danger in the middle of a 10,000-character message is found; filler alone is not."""
    filler = "we are planning the staff rota and the timetable for next week and the trip "
    padding = filler * (5_000 // len(filler))
    assert shipped_rules.fired(padding + "shes with him now. " + padding)
    assert shipped_rules.fired((padding * 2)[:10_000]) == []


def test_set_names_expand_in_groups_and_inside_phrases(knowledge_dir: KnowledgeDir) -> None:
    """`$name` stands for every phrase of a set, alone or inside a longer phrase."""
    knowledge_dir.write(
        "urgent.yaml",
        """\
        sets:
          vehicle: [car, van]
          now: [now, right now]
        rules:
          - id: danger-now
            description: A child in a vehicle now.
            all_of:
              - [in a $vehicle]
              - [$now]
            say: Stay with the child.
            contacts: [police-999, dsl]
        """,
    )
    (loaded,) = load(knowledge_dir.root).urgent_rules
    assert loaded.all_of == (("in a car", "in a van"), ("now", "right now"))


def test_unknown_set_name_is_a_problem(knowledge_dir: KnowledgeDir) -> None:
    """A `$name` that no set defines is reported at its line."""
    knowledge_dir.replace("urgent.yaml", "[in danger, being hurt]", "[in danger, $hurt]")
    problems = [str(p) for p in check(knowledge_dir.root)]
    assert any("'$hurt' is not a set" in p for p in problems), problems


def test_phrase_relying_on_a_symbol_is_a_problem_at_its_line(knowledge_dir: KnowledgeDir) -> None:
    """Rules read words, not symbols: "demanding £" would read as "demanding" and fire on any
    demand, so `check` names the phrase and its line instead of loading it loosened."""
    knowledge_dir.replace("urgent.yaml", "[now, right now]", "[now, right now, want £]")
    line = knowledge_dir.line_of("urgent.yaml", "want £")
    problems = [str(p) for p in check(knowledge_dir.root)]
    assert any(
        p.endswith(
            f"urgent.yaml:{line}: urgent rule 'danger-now': 'want £' reads as 'want': "
            "rules do not read '£', so it would match more than it says; write the words staff "
            "type ('#' stands for a number)"
        )
        for p in problems
    ), problems


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("    say:", "    unless: [joking 😂]\n    say:"),
        ("rules:", "sets:\n  money: [cash, owes £]\nrules:"),
    ],
    ids=["unless", "set"],
)
def test_symbol_in_an_unless_phrase_or_a_set_is_a_problem(
    knowledge_dir: KnowledgeDir, before: str, after: str
) -> None:
    """The same holds for `unless` phrases and the phrases of a set."""
    knowledge_dir.replace("urgent.yaml", before, after)
    problems = [str(p) for p in check(knowledge_dir.root)]
    assert any("rules do not read" in p for p in problems), problems


@pytest.mark.parametrize("value", ["0", "-1", "soon", "2.5", "true"])
def test_near_must_be_a_positive_whole_number(knowledge_dir: KnowledgeDir, value: str) -> None:
    """`near: 0`, a negative, a word, a fraction or yes/no is reported; the rule is neither
    silently loosened nor switched off, and answering never trips over it."""
    knowledge_dir.replace("urgent.yaml", "    say:", f"    near: {value}\n    say:")
    problems = [str(p) for p in check(knowledge_dir.root)]
    assert any("'near' must be a whole number" in p for p in problems), problems


def test_spellings_must_be_single_words(knowledge_dir: KnowledgeDir) -> None:
    """A spelling that is more than one word is reported."""
    text = (knowledge_dir.root / "urgent.yaml").read_text()
    knowledge_dir.write("urgent.yaml", "spellings:\n  with: [wiv, w it]\n" + text)
    problems = [str(p) for p in check(knowledge_dir.root)]
    assert any("spellings of 'with'" in p for p in problems), problems
