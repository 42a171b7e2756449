"""The matcher: ranking, synonyms, typo tolerance and its answered / ambiguous / not-sure decision.

One behaviour per test. No timings here: speed is checked by `python -m bench.matching` only.
"""

from __future__ import annotations

import numpy as np
import pytest

from bot.embedding import word_piece_vectors
from bot.matching import Candidate, Matcher, Thresholds, Tuning, decide, normalise
from bot.models import Outcome

PHRASES = [
    ("lado", "what does the local authority designated officer do"),
    ("lado", "when do i contact the local authority designated officer"),
    ("lado", "allegation against a member of staff who do i tell"),
    ("lado", "a colleague has hurt a child who do i report it to"),
    ("referral", "how do i make a referral to childrens social care"),
    ("referral", "how to refer a child to social services"),
    ("referral", "what happens after i make a referral"),
    ("referral", "can i refer a family without their consent"),
    ("neglect", "what are the signs of neglect"),
    ("neglect", "child always hungry and dirty is it neglect"),
    ("neglect", "how do i spot neglect in a toddler"),
    ("neglect", "signs a baby is being neglected"),
    ("fgm", "what is female genital mutilation"),
    ("fgm", "mandatory reporting duty for fgm"),
    ("fgm", "a girl told me she was cut abroad what do i do"),
    ("fgm", "is fgm illegal in the uk"),
]
SYNONYMS = {"lado": ["local authority designated officer"], "fgm": ["female genital mutilation"]}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(PHRASES, SYNONYMS)


def test_an_exact_example_matches_its_label(matcher: Matcher) -> None:
    """Asking one of a label's own examples answers with that label."""
    match = matcher.match("what are the signs of neglect")
    assert match.outcome is Outcome.ANSWERED
    assert match.candidates[0].label == "neglect"


def test_a_typod_abbreviation_still_matches(matcher: Matcher) -> None:
    """ "whats a ladoo" finds the LADO topic: the unknown word is one edit from "lado", the
    synonym key that the examples' "local authority designated officer" was rewritten to."""
    match = matcher.match("whats a ladoo")
    assert match.outcome is Outcome.ANSWERED
    assert match.candidates[0].label == "lado"


def test_an_abbreviation_matches_examples_that_spell_it_out(matcher: Matcher) -> None:
    """ "whats a lado" ranks the LADO topic first, though its examples only spell it out."""
    assert matcher.rank("whats a lado", limit=1)[0].label == "lado"


def test_synonyms_expand_both_ways() -> None:
    """A synonym phrase in the question matches an example that uses the key, and back."""
    matcher = Matcher(
        [("lado", "when to call the lado"), ("other", "when to call the police")], SYNONYMS
    )
    spelt_out = matcher.rank("when to call the local authority designated officer", limit=2)
    assert spelt_out[0].label == "lado"
    assert spelt_out[0].score > spelt_out[1].score


def test_two_close_labels_are_ambiguous() -> None:
    """When two labels' examples fit the question equally well, the matcher offers both."""
    matcher = Matcher(
        [
            ("first", "how do i record a safeguarding concern"),
            ("second", "how do i record a safeguarding concern"),
            ("third", "what is female genital mutilation"),
        ]
    )
    match = matcher.match("how do i record a safeguarding concern")
    assert match.outcome is Outcome.AMBIGUOUS
    assert {c.label for c in match.candidates} == {"first", "second"}


def test_unrelated_text_is_not_sure(matcher: Matcher) -> None:
    """A question about nothing in the knowledge base is not answered."""
    match = matcher.match("what time does the football kick off tonight")
    assert match.outcome is Outcome.NOT_SURE


@pytest.mark.parametrize(
    "text",
    ["", "   \t\n ", "🙂🙂🙂", "?!...", "x" * 10_000, "neglect " * 2_000, "\x00\u200b"],
    ids=["empty", "whitespace", "emoji", "punctuation", "long-word", "long-text", "control"],
)
def test_odd_input_never_raises(matcher: Matcher, text: str) -> None:
    """Empty, white space, emoji, punctuation and 10,000-character input give a decision."""
    match = matcher.match(text)
    assert match.outcome in set(Outcome)
    assert all(0.0 <= c.score <= 1.0 for c in match.candidates)


def test_text_without_letters_or_digits_is_not_sure(matcher: Matcher) -> None:
    """Emoji alone has nothing to match: not sure, with no suggestions."""
    assert matcher.match("🙂") == decide([], Thresholds())
    assert matcher.rank("🙂") == []


def test_ranking_has_each_label_once(matcher: Matcher) -> None:
    """Every label appears at most once in a ranking, however many examples it has."""
    labels = [c.label for c in matcher.rank("who do i tell about a referral for neglect", 10)]
    assert len(labels) == len(set(labels))
    assert len(labels) == 4


def test_ranking_is_best_first_and_respects_the_limit(matcher: Matcher) -> None:
    """A ranking is sorted by score, highest first, and has at most `limit` candidates."""
    ranking = matcher.rank("signs of neglect", limit=2)
    assert len(ranking) == 2
    assert ranking[0].score >= ranking[1].score


def test_scores_are_between_0_and_1(matcher: Matcher) -> None:
    """Every candidate's score is in 0..1, for close and for distant questions."""
    for text in ("what are the signs of neglect", "lado", "weather tomorrow", "a"):
        for candidate in matcher.rank(text, limit=10):
            assert 0.0 <= candidate.score <= 1.0


def test_an_empty_knowledge_base_is_never_sure() -> None:
    """A matcher with no phrases ranks nothing and says it is not sure."""
    matcher = Matcher([])
    assert matcher.rank("what is neglect") == []
    assert matcher.match("what is neglect").outcome is Outcome.NOT_SURE


def test_a_score_below_the_answer_threshold_is_not_sure_with_suggestions() -> None:
    """Below `answer`, the labels above `suggest` are offered as suggestions."""
    ranking = [Candidate("a", 0.2), Candidate("b", 0.15), Candidate("c", 0.05)]
    match = decide(ranking, Thresholds(answer=0.5, margin=0.04, suggest=0.1))
    assert match.outcome is Outcome.NOT_SURE
    assert [c.label for c in match.candidates] == ["a", "b"]


def test_the_out_of_scope_label_ranked_first_declines_with_the_others_as_suggestions() -> None:
    """When the label of messages to decline leads, the match is not sure, however high it
    scores, and only real labels are offered."""
    ranking = [Candidate("outside", 0.9), Candidate("a", 0.6), Candidate("b", 0.1)]
    match = decide(ranking, Thresholds(answer=0.3, margin=0.04, suggest=0.15), "outside")
    assert match.outcome is Outcome.NOT_SURE
    assert [c.label for c in match.candidates] == ["a"]


def test_a_clear_out_of_scope_lead_is_declined() -> None:
    """Declined (the reply says what the bot covers) when no label comes within the margin."""
    ranking = [Candidate("outside", 0.4), Candidate("a", 0.3)]
    assert decide(ranking, Thresholds(answer=0.3, margin=0.04, suggest=0.15), "outside").declined


def test_a_label_within_the_margin_of_the_out_of_scope_lead_is_not_declined() -> None:
    """A near tie with the out-of-scope examples is only "not sure": the label is offered."""
    ranking = [Candidate("outside", 0.246), Candidate("a", 0.245)]
    match = decide(ranking, Thresholds(answer=0.22, margin=0.02, suggest=0.15), "outside")
    assert match.outcome is Outcome.NOT_SURE
    assert not match.declined
    assert [c.label for c in match.candidates] == ["a"]


def test_the_out_of_scope_label_below_the_first_is_never_a_choice() -> None:
    """An out-of-scope label close behind the best label neither blocks the answer nor makes
    the match ambiguous."""
    ranking = [Candidate("a", 0.6), Candidate("outside", 0.59), Candidate("b", 0.3)]
    match = decide(ranking, Thresholds(answer=0.3, margin=0.04, suggest=0.15), "outside")
    assert match.outcome is Outcome.ANSWERED
    assert [c.label for c in match.candidates] == ["a"]


def test_normalise_uses_rapidfuzz_default_process() -> None:
    """`normalise` lower-cases and turns punctuation into spaces, as rapidfuzz does."""
    assert normalise("  What's a LADO?! ") == "what s a lado"


WEATHER = [
    ("weather", "what's the forecast for tomorrow"),
    ("weather", "will it rain today"),
    ("weather", "is it going to be hot this afternoon"),
    ("tyres", "what's the air pressure in my tyres"),
    ("tyres", "are my tyres inflated enough to drive"),
    ("tyres", "check the tyre pressure"),
]


def test_sentence_vectors_find_a_label_whose_examples_say_it_in_other_words() -> None:
    """ "any snow expected" shares no word with the forecast examples: by words alone the tyre
    examples rank first; with sentence vectors the weather examples do."""
    assert Matcher(WEATHER).rank("any snow expected", limit=1)[0].label == "tyres"
    matcher = Matcher(WEATHER, embedder=word_piece_vectors())
    assert matcher.rank("any snow expected", limit=1)[0].label == "weather"


def test_a_semantic_weight_of_zero_scores_by_words_alone() -> None:
    """With `semantic_weight` 0 the embedder is not used: scores equal the lexical matcher's."""
    lexical = Matcher(PHRASES, SYNONYMS)
    weightless = Matcher(PHRASES, SYNONYMS, Tuning(semantic_weight=0.0), word_piece_vectors())
    question = "how do i refer a neglected child"
    assert weightless.rank(question) == lexical.rank(question)


def test_a_few_labels_compare_every_example_however_many_examples_there_are() -> None:
    """Leading labels are chosen to skip most examples of a big index of many labels; with a
    few labels they would hold most examples anyway. Past the example count, a matcher of few
    labels scores exactly as one that compares every example."""
    every = Matcher(PHRASES, SYNONYMS, Tuning(), word_piece_vectors())
    past_the_count = Matcher(PHRASES, SYNONYMS, Tuning(compare_all_up_to=1), word_piece_vectors())
    question = "how do i refer a neglected child"
    assert past_the_count.scores(question).tolist() == every.scores(question).tolist()


def test_sentence_vectors_are_unit_length_and_zero_for_empty_text() -> None:
    """Each text's vector has length 1; a text with no word pieces gets the zero vector."""
    vectors = word_piece_vectors().embed(["signs of neglect", "", "   "])
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert not vectors[1].any()
    assert not vectors[2].any()
