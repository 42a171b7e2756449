"""`check` reports every problem in a knowledge directory as `path:line: what is wrong`."""

from __future__ import annotations

import pytest

from bot import Bot
from bot.knowledge import KnowledgeError, check, display_path, load
from bot.matching import Thresholds
from tests.conftest import KnowledgeDir


def messages(knowledge_dir: KnowledgeDir) -> list[str]:
    return [str(problem) for problem in check(knowledge_dir.root)]


def at(knowledge_dir: KnowledgeDir, name: str) -> str:
    """A file of the knowledge directory as problems name it."""
    return display_path(knowledge_dir.root / name)


def topics_path(knowledge_dir: KnowledgeDir) -> str:
    return display_path(knowledge_dir.root / "topics" / "main.yaml")


def test_a_valid_directory_has_no_problems(knowledge_dir: KnowledgeDir) -> None:
    """The small fixture knowledge base is clean, so every other test breaks one thing."""
    assert messages(knowledge_dir) == []


def test_yaml_syntax_error_names_file_and_line(knowledge_dir: KnowledgeDir) -> None:
    """A YAML syntax error is reported at the line where the parser stopped."""
    knowledge_dir.replace("topics/main.yaml", "    contacts: [dsl]\n", "    contacts: [dsl\n")
    (problem,) = messages(knowledge_dir)
    assert problem.startswith(f"{topics_path(knowledge_dir)}:")
    assert "YAML syntax error" in problem


def test_a_line_indented_wrongly_is_reported_with_a_hint_about_indentation(
    knowledge_dir: KnowledgeDir,
) -> None:
    """Parser wording ("did not find expected key") never says "indentation", the usual cause."""
    knowledge_dir.replace(
        "topics/main.yaml",
        "      - how do i spot exploitation\n",
        "    - how do i spot exploitation\n",
    )
    (problem,) = messages(knowledge_dir)
    assert "YAML syntax error" in problem
    assert "check the indentation of this line and of the lines just above it" in problem


def test_a_tab_is_reported_without_the_indentation_hint(knowledge_dir: KnowledgeDir) -> None:
    """The parser's own message names the tab already."""
    knowledge_dir.replace("topics/main.yaml", "    contacts: [dsl]\n", "\tcontacts: [dsl]\n")
    (problem,) = messages(knowledge_dir)
    assert "tab" in problem
    assert "check the indentation" not in problem


def test_unknown_key_is_reported_at_its_line(knowledge_dir: KnowledgeDir) -> None:
    """A misspelt key is named, with the keys that are allowed."""
    knowledge_dir.replace("topics/main.yaml", "    answer: |", "    anwser: |")
    line = knowledge_dir.line_of("topics/main.yaml", "anwser")
    found = messages(knowledge_dir)
    assert f"{topics_path(knowledge_dir)}:{line}: topic 'signs': unknown key 'anwser'" in "\n".join(
        found
    )
    assert any("topic 'signs': missing 'answer'" in m for m in found)


def test_missing_field_is_reported_at_the_topic(knowledge_dir: KnowledgeDir) -> None:
    """A topic without a title is reported at the line where the topic starts."""
    knowledge_dir.replace("topics/main.yaml", "    title: Signs of exploitation\n", "")
    line = knowledge_dir.line_of("topics/main.yaml", "- id: signs")
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: topic 'signs': missing 'title'"
    ]


def test_duplicate_topic_id_is_reported_with_the_first_place(knowledge_dir: KnowledgeDir) -> None:
    """Two topics with one id: the second is reported, naming where the first is."""
    knowledge_dir.replace("topics/main.yaml", "- id: referral", "- id: signs")
    second = knowledge_dir.line_of("topics/main.yaml", "title: Making a referral") - 1
    found = messages(knowledge_dir)
    assert any(
        m.startswith(f"{topics_path(knowledge_dir)}:{second}: topic 'signs' is defined twice")
        for m in found
    )


def test_example_used_by_two_topics_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """An example question may belong to one topic only (after lower-casing and punctuation)."""
    knowledge_dir.replace(
        "topics/main.yaml",
        "      - making a referral\n",
        "      - What are the signs of exploitation?\n",
    )
    line = knowledge_dir.line_of("topics/main.yaml", "What are the signs of exploitation?")
    first = knowledge_dir.line_of("topics/main.yaml", "- what are the signs of exploitation")
    (problem,) = messages(knowledge_dir)
    assert problem.startswith(f"{topics_path(knowledge_dir)}:{line}: topic 'referral': example")
    assert f"also by topic 'signs' (at {topics_path(knowledge_dir)}:{first})" in problem


def test_an_example_given_twice_names_the_line_of_its_first_copy(
    knowledge_dir: KnowledgeDir,
) -> None:
    """Both lines are named, so an admin can see which copy is theirs (a new topic in a file
    read first would otherwise send them to the shipped line only)."""
    knowledge_dir.replace(
        "topics/main.yaml", "      - making a referral\n", "      - how do i spot exploitation\n"
    )
    first = knowledge_dir.line_of("topics/main.yaml", "how do i spot exploitation")
    (problem,) = messages(knowledge_dir)
    assert f"(at {topics_path(knowledge_dir)}:{first}); keep it in one topic only" in problem


def test_undefined_contact_is_reported_at_its_line(knowledge_dir: KnowledgeDir) -> None:
    """A topic naming a contact that contacts.yaml does not define is an error."""
    knowledge_dir.replace(
        "topics/main.yaml", "    contacts: [dsl]\n", "    contacts:\n      - lado-north\n"
    )
    line = knowledge_dir.line_of("topics/main.yaml", "lado-north")
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: topic 'signs': contact 'lado-north' is not "
        "defined in contacts.yaml"
    ]


def test_related_topic_that_does_not_exist_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """Related topics must be topics."""
    knowledge_dir.replace("topics/main.yaml", "related: [referral]", "related: [refferal]")
    line = knowledge_dir.line_of("topics/main.yaml", "refferal")
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: topic 'signs': related topic 'refferal' "
        "is not a topic"
    ]


def test_topic_without_sources_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """Every topic cites at least one published source."""
    knowledge_dir.replace(
        "topics/main.yaml",
        "    sources:\n      - title: Working together\n        url: https://example.org/wt\n",
        "    sources: []\n",
    )
    line = knowledge_dir.line_of("topics/main.yaml", "sources: []")
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: topic 'referral': has no sources; cite the "
        "published guidance"
    ]


def test_a_source_may_be_cited_by_title_only_beside_a_linked_one(
    knowledge_dir: KnowledgeDir,
) -> None:
    """A document the reference names without an address is cited by its title."""
    knowledge_dir.replace(
        "topics/main.yaml",
        "        url: https://example.org/wt\n",
        "        url: https://example.org/wt\n      - title: Local procedures, Northmoor\n",
    )
    sources = load(knowledge_dir.root).topics["referral"].sources
    assert [(s.title, s.url) for s in sources] == [
        ("Working together", "https://example.org/wt"),
        ("Local procedures, Northmoor", None),
    ]


def test_a_topic_with_no_linked_source_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """Every topic links at least one published document staff can open."""
    knowledge_dir.replace("topics/main.yaml", "        url: https://example.org/wt\n", "")
    line = knowledge_dir.line_of("topics/main.yaml", "title: Working together") - 1
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: topic 'referral': no source has a 'url:'; link "
        "at least one published document"
    ]


def test_source_url_must_be_a_web_address(knowledge_dir: KnowledgeDir) -> None:
    """A source's url must start with http:// or https://."""
    knowledge_dir.replace("topics/main.yaml", "url: https://example.org/wt", "url: example.org/wt")
    line = knowledge_dir.line_of("topics/main.yaml", "url: example.org/wt")
    assert messages(knowledge_dir)[0].startswith(f"{topics_path(knowledge_dir)}:{line}: ")
    assert "must start with http:// or https://" in messages(knowledge_dir)[0]


def test_template_text_left_in_a_contact_is_reported_at_its_line(
    knowledge_dir: KnowledgeDir,
) -> None:
    """The README's local-contacts example has `reach: "Your council's LADO: <real number>,
    <email>"`: a contact filled in but for the email would show staff "<email>"."""
    knowledge_dir.replace(
        "contacts.yaml", 'reach: "Example DSL: 01632 960001"', 'reach: "DSL: 01632 960001, <email>"'
    )
    line = knowledge_dir.line_of("contacts.yaml", "<email>")
    assert messages(knowledge_dir) == [
        f"{at(knowledge_dir, 'contacts.yaml')}:{line}: contact 'dsl': 'reach' still holds the "
        "template text '<email>'; put in the real details"
    ]


def test_a_placeholder_source_title_is_reported_at_its_line(knowledge_dir: KnowledgeDir) -> None:
    """The README's worked example cites "<the published guidance you wrote it from>": copied
    as it is, that text would reach staff under Sources."""
    knowledge_dir.replace("topics/main.yaml", "title: A guide", "title: <the guidance you used>")
    line = knowledge_dir.line_of("topics/main.yaml", "title: <the guidance you used>")
    assert messages(knowledge_dir)[0] == (
        f"{topics_path(knowledge_dir)}:{line}: topic 'signs': source title '<the guidance you "
        "used>' is a placeholder; give the published guidance's own title"
    )


@pytest.mark.parametrize("url", ["https://www.gov.uk/...", "https://www.gov.uk/…"])
def test_an_unfinished_source_url_is_reported_at_its_line(
    knowledge_dir: KnowledgeDir, url: str
) -> None:
    knowledge_dir.replace("topics/main.yaml", "url: https://example.org/guide", f"url: {url}")
    line = knowledge_dir.line_of("topics/main.yaml", f"url: {url}")
    assert messages(knowledge_dir)[0] == (
        f"{topics_path(knowledge_dir)}:{line}: topic 'signs': source url '{url}' is unfinished; "
        "give the document's full address"
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("      - Tell your DSL.\n", "      - Tell your DSL.\n      - Or ring 0161 496 0000.\n"),
        ("    answer: |\n", "    now: Ring 0161 496 0000 today.\n    answer: |\n"),
    ],
    ids=["answer", "now line"],
)
def test_phone_number_not_in_contacts_is_reported_at_its_line(
    knowledge_dir: KnowledgeDir, old: str, new: str
) -> None:
    """An answer or its "now" line may only give numbers an admin put in contacts.yaml."""
    knowledge_dir.replace("topics/main.yaml", old, new)
    line = knowledge_dir.line_of("topics/main.yaml", "0161 496 0000")
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: topic 'signs': phone number '0161 496 0000' is "
        "not in contacts.yaml; add it to a contact's 'phones' first"
    ]


def test_a_now_line_over_forty_words_is_reported_at_its_line(knowledge_dir: KnowledgeDir) -> None:
    """The line staff read first stays short enough to read on a phone."""
    long_line = " ".join(["tell"] * 41)
    knowledge_dir.replace(
        "topics/main.yaml", "    answer: |\n", f"    now: {long_line}\n    answer: |\n"
    )
    line = knowledge_dir.line_of("topics/main.yaml", "now:")
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: topic 'signs': 'now' has 41 words; keep it to 40 "
        "or fewer (it is read first, often on a phone): put the rest in the answer"
    ]


def test_listed_national_numbers_may_appear_in_answers(knowledge_dir: KnowledgeDir) -> None:
    """A number listed in a contact's phones, in any spacing, is allowed in an answer."""
    knowledge_dir.replace(
        "topics/main.yaml",
        "      - Tell your DSL.\n",
        "      - Tell your DSL, or call 08088005000 or 999.\n",
    )
    assert messages(knowledge_dir) == []


def test_years_and_section_numbers_are_not_phone_numbers(knowledge_dir: KnowledgeDir) -> None:
    """Years, counts and section numbers in an answer are not mistaken for phone numbers."""
    knowledge_dir.replace(
        "topics/main.yaml",
        "      - Tell your DSL.\n",
        "      - Since 2017, 1,400 children; s47 within 72 hours; Year 9.\n",
    )
    assert messages(knowledge_dir) == []


def test_duplicate_yaml_key_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """YAML would silently keep the last of two equal keys; check reports it instead."""
    knowledge_dir.replace(
        "topics/main.yaml",
        "    title: Making a referral\n",
        "    title: Making a referral\n    title: Referrals\n",
    )
    line = knowledge_dir.line_of("topics/main.yaml", "title: Referrals")
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: duplicate key 'title'"
    ]


def test_urgent_rule_must_put_999_first(knowledge_dir: KnowledgeDir) -> None:
    """An urgent rule's first contact is the police on 999."""
    knowledge_dir.replace(
        "urgent.yaml", "contacts: [police-999, dsl]", "contacts: [dsl, police-999]"
    )
    line = knowledge_dir.line_of("urgent.yaml", "contacts:")
    assert messages(knowledge_dir) == [
        f"{at(knowledge_dir, 'urgent.yaml')}:{line}: urgent rule 'danger-now': the first "
        "contact must be police-999"
    ]


def test_contact_reach_number_must_be_listed_in_phones(knowledge_dir: KnowledgeDir) -> None:
    """Every number in a contact's `reach` is listed in its `phones`, so answers can be checked."""
    knowledge_dir.replace(
        "contacts.yaml", 'reach: "0808 800 5000"', 'reach: "0808 800 5000 or 0808 800 5001"'
    )
    line = knowledge_dir.line_of("contacts.yaml", "0808 800 5001")
    assert messages(knowledge_dir) == [
        f"{at(knowledge_dir, 'contacts.yaml')}:{line}: contact 'nspcc-helpline': phone number "
        "'0808 800 5001' in 'reach' is not listed in 'phones'"
    ]


def test_a_drama_number_not_marked_as_an_example_is_a_problem(knowledge_dir: KnowledgeDir) -> None:
    """A number from Ofcom's range for drama (the shipped examples use them) on a contact not
    marked `example: true` would be shown to staff as real, with no label: `check` names it."""
    knowledge_dir.replace("contacts.yaml", "    example: true\n", "")
    line = knowledge_dir.line_of("contacts.yaml", 'phones: ["01632 960001"]')
    assert messages(knowledge_dir) == [
        f"{at(knowledge_dir, 'contacts.yaml')}:{line}: contact 'dsl': '01632 960001' is in "
        "Ofcom's range for drama, which no one answers; mark the contact 'example: true' or "
        "give its real number"
    ]


def test_missing_required_file_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """A knowledge directory without urgent.yaml cannot be used."""
    (knowledge_dir.root / "urgent.yaml").unlink()
    assert messages(knowledge_dir) == [f"{at(knowledge_dir, 'urgent.yaml')}:0: missing urgent.yaml"]


def test_synonym_phrase_in_two_groups_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """A synonym phrase belongs to one group, or expansion would be ambiguous."""
    knowledge_dir.write(
        "synonyms.yaml",
        """\
        synonyms:
          lado: [local authority designated officer]
          dsl: [designated safeguarding lead, local authority designated officer]
        """,
    )
    line = knowledge_dir.line_of("synonyms.yaml", "dsl:")
    (problem,) = messages(knowledge_dir)
    assert problem.startswith(f"{at(knowledge_dir, 'synonyms.yaml')}:{line}: synonyms of 'dsl'")


def test_every_problem_is_reported_at_once(knowledge_dir: KnowledgeDir) -> None:
    """Problems in several files are all listed, not just the first."""
    knowledge_dir.replace("topics/main.yaml", "related: [referral]", "related: [nope]")
    knowledge_dir.replace("urgent.yaml", "topic: signs", "topic: nothing")
    found = messages(knowledge_dir)
    assert len(found) == 2
    assert any("urgent.yaml" in m and "topic 'nothing' is not a topic" in m for m in found)


def test_load_raises_with_every_problem(knowledge_dir: KnowledgeDir) -> None:
    """`load` refuses a broken directory and carries the same problems `check` lists."""
    knowledge_dir.replace("topics/main.yaml", "related: [referral]", "related: [nope]")
    try:
        load(knowledge_dir.root)
    except KnowledgeError as error:
        assert [str(p) for p in error.problems] == messages(knowledge_dir)
    else:
        raise AssertionError("load accepted a broken knowledge base")


def test_matching_thresholds_are_read_from_matching_yaml(knowledge_dir: KnowledgeDir) -> None:
    """matching.yaml sets the thresholds the bot answers with."""
    knowledge_dir.write(
        "matching.yaml", "thresholds:\n  answer: 0.3\n  margin: 0.05\n  suggest: 0.1\n"
    )
    base = load(knowledge_dir.root)
    assert base.thresholds == Thresholds(answer=0.3, margin=0.05, suggest=0.1)
    assert Bot(base).thresholds == base.thresholds


def test_semantic_weight_is_read_from_matching_yaml(knowledge_dir: KnowledgeDir) -> None:
    """matching.yaml's `semantic_weight` sets the sentence vectors' share of a score."""
    knowledge_dir.write(
        "matching.yaml",
        "semantic_weight: 0.25\nthresholds:\n  answer: 0.3\n  margin: 0.05\n  suggest: 0.1\n",
    )
    assert load(knowledge_dir.root).semantic_weight == 0.25


def test_semantic_weight_out_of_range_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """A `semantic_weight` that is not a number from 0 to 1 is reported at its line."""
    knowledge_dir.write(
        "matching.yaml",
        "thresholds:\n  answer: 0.3\n  margin: 0.05\n  suggest: 0.1\nsemantic_weight: high\n",
    )
    assert messages(knowledge_dir) == [
        f"{at(knowledge_dir, 'matching.yaml')}:5: 'semantic_weight' must be a number from 0 to 1"
    ]


def test_unknown_key_in_matching_yaml_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """A misspelt top-level key in matching.yaml is reported, not silently ignored."""
    knowledge_dir.write(
        "matching.yaml",
        "semantic_wieght: 0.3\nthresholds:\n  answer: 0.3\n  margin: 0.05\n  suggest: 0.1\n",
    )
    assert messages(knowledge_dir) == [
        f"{at(knowledge_dir, 'matching.yaml')}:1: matching.yaml: unknown key 'semantic_wieght' "
        "(known keys: semantic_weight, thresholds)"
    ]


def test_matching_threshold_out_of_range_is_reported(knowledge_dir: KnowledgeDir) -> None:
    """A threshold that is not a number from 0 to 1 is reported at its line."""
    knowledge_dir.write(
        "matching.yaml", "thresholds:\n  answer: 3\n  margin: 0.05\n  suggest: 0.1\n"
    )
    assert messages(knowledge_dir) == [
        f"{at(knowledge_dir, 'matching.yaml')}:2: thresholds: 'answer' must be a number from 0 to 1"
    ]


OUT_OF_SCOPE = """\
examples:
  - the printer on the second floor is jammed
  - how do i book the sports hall
"""


def test_out_of_scope_examples_are_read_from_out_of_scope_yaml(
    knowledge_dir: KnowledgeDir,
) -> None:
    """Messages the bot must decline are listed as examples in out_of_scope.yaml."""
    knowledge_dir.write("out_of_scope.yaml", OUT_OF_SCOPE)
    base = load(knowledge_dir.root)
    assert base.out_of_scope == (
        "the printer on the second floor is jammed",
        "how do i book the sports hall",
    )


def test_out_of_scope_example_that_is_also_a_topic_example_is_reported(
    knowledge_dir: KnowledgeDir,
) -> None:
    """A message cannot be both declined and answered: the clash is named at its line."""
    knowledge_dir.write("out_of_scope.yaml", OUT_OF_SCOPE + "  - Making a referral!\n")
    (problem,) = messages(knowledge_dir)
    assert problem.startswith(f"{at(knowledge_dir, 'out_of_scope.yaml')}:4: 'Making a referral!'")
    assert "also an example of topic 'referral'" in problem
    example_line = knowledge_dir.line_of("topics/main.yaml", "- making a referral")
    assert f"(at {topics_path(knowledge_dir)}:{example_line})" in problem


def test_out_of_scope_example_listed_twice_is_reported(knowledge_dir: KnowledgeDir) -> None:
    knowledge_dir.write("out_of_scope.yaml", OUT_OF_SCOPE + "  - How do I book the sports hall?\n")
    (problem,) = messages(knowledge_dir)
    assert problem == (
        f"{at(knowledge_dir, 'out_of_scope.yaml')}:4: 'How do I book the sports hall?' is listed "
        f"twice (first at {at(knowledge_dir, 'out_of_scope.yaml')}:3)"
    )


def test_out_of_scope_yaml_without_an_examples_list_is_reported(
    knowledge_dir: KnowledgeDir,
) -> None:
    knowledge_dir.write("out_of_scope.yaml", "messages:\n  - printer jammed\n")
    assert messages(knowledge_dir) == [
        f"{at(knowledge_dir, 'out_of_scope.yaml')}:1: out_of_scope.yaml must be a mapping with "
        "an 'examples:' list"
    ]


def test_topic_id_out_of_scope_is_reserved(knowledge_dir: KnowledgeDir) -> None:
    knowledge_dir.replace("topics/main.yaml", "- id: referral", "- id: out-of-scope")
    knowledge_dir.replace("topics/main.yaml", "related: [referral]", "related: []")
    line = knowledge_dir.line_of("topics/main.yaml", "- id: out-of-scope")
    assert messages(knowledge_dir) == [
        f"{topics_path(knowledge_dir)}:{line}: topic id 'out-of-scope' is reserved for "
        "out_of_scope.yaml's examples"
    ]
