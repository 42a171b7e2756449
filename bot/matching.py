"""Match a question to the topics whose example questions it is most like.

The matcher ranks labels (topic ids) by how similar a question is to their example phrasings and
then decides, from thresholds, whether it is confident (answered), torn between close labels
(ambiguous) or not sure. It knows nothing of topics beyond their ids and phrasings, so the
benchmark in `bench/matching/` measures exactly the class the bot uses.

How a label is scored (nothing downloaded; no model runs, only look-ups and sums):

- Text is normalised by rapidfuzz's `default_process`; split contractions are joined ("what s"
  -> "whats"); a word the index has never seen is corrected to its nearest indexed word when one
  edit away (two for long words); synonym phrases are rewritten to their group's key.
- Two feature blocks, each TF-IDF weighted (sub-linear term frequency, IDF over labels, so a
  feature that many topics share weighs little) and L2-normalised: character n-grams (2-5, inside
  word boundaries) for word forms and typos; lightly stemmed words and word pairs for meaning.
- Similarity: the mean of the cosine to the label's centroid (all its examples) and the cosine
  to its nearest example; each is the mean over the two blocks.
- Discrimination: a multinomial naive Bayes posterior over all labels on the same features,
  which tells close labels apart by the words that only one of them uses ("add" to a list vs
  "what is on" a list). It is multiplied in, so a label nothing like the question stays near 0
  however few labels there are, and it is the margin signal: low when two labels are close.
- Lexical score: sqrt(cosine * (floor + posterior) / (floor + 1)); the square root only
  spreads the low range, so thresholds read as round numbers.
- Meaning, when an `Embedder` is given (the bot gives `bot.embedding.word_piece_vectors()`):
  the cosine of the question's sentence vector to the label's centroid (the normalised sum of
  its examples' vectors) and, for the few labels leading on that mix, to its nearest example;
  mixed with the lexical score as a weighted geometric mean. (Comparing every example costs
  10 ms a query at 100,000 examples; the leaders are all that can reach the top five.) It
  finds labels whose examples say the same thing in other words ("weather" for "forecast"),
  and a question like nothing in the index scores low on both, which is what tells in-scope
  from out-of-scope.

Scores are in 0..1; hyper-parameters were chosen on CLINC150's validation split only (see
`bench/matching/README.md`).
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import process, utils
from rapidfuzz.distance import OSA
from threadpoolctl import threadpool_limits

from bot.embedding import Embedder
from bot.models import Outcome

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Candidate:
    """A label and how well the question matched it, from 0 (nothing alike) to 1 (the same)."""

    label: str
    score: float


@dataclass(frozen=True)
class Thresholds:
    """When the matcher answers, offers choices, or says it is not sure.

    - `answer`: the best score needed to answer at all.
    - `margin`: labels scoring within this of the best make the match ambiguous.
    - `suggest`: the least score for a label to be offered as a choice or suggestion.

    The defaults suit a knowledge base of a few dozen topics with ~10-50 examples each (chosen on
    CLINC150 validation data; see `bench/matching/README.md`).
    """

    answer: float = 0.28
    margin: float = 0.04
    suggest: float = 0.15


ALL_EXAMPLES = 4096  # up to this many examples, every one is compared with the question's vector


@dataclass(frozen=True)
class Tuning:
    """The matcher's hyper-parameters; the defaults were chosen on CLINC150 validation data."""

    char_ngrams: tuple[int, int] = (2, 5)
    char_weight: float = 0.5  # the char block's share of the cosine; words get the rest
    nb_alpha: float = 0.01  # naive Bayes smoothing, on L2-normalised TF-IDF feature mass
    nb_temperature: float = 4.0  # softens the naive Bayes posterior before mixing it in
    posterior_floor: float = 0.5  # score**2 = cosine * (floor + posterior) / (floor + 1)
    typo_min_length: int = 5  # shorter unknown words are never corrected
    typo_long_length: int = 9  # from this length, two edits are allowed
    count_unknown: bool = True  # unknown query features count in the query's norm
    nearest_share: float = 0.25  # features of more labels than this share skip the
    # nearest-example index (they are in most examples, cost most time and tell little)
    semantic_weight: float = 0.5  # the sentence vectors' share of the score (with an Embedder)
    semantic_nearest: float = 0.3  # the nearest example's share of a leading label's vector
    # cosine (its centroid's gets the rest)
    semantic_leaders: int = 32  # labels, best first by centroid, whose examples are compared
    compare_all_up_to: int = ALL_EXAMPLES  # up to this many examples, compare every one instead
    few_labels_compare_all_up_to: int = 4 * ALL_EXAMPLES  # the same with at most twice
    # `semantic_leaders` labels (the leaders would hold most examples anyway)


@dataclass(frozen=True)
class Match:
    """The matcher's decision: for answered the one label, for ambiguous the close labels,
    for not sure the nearest labels as suggestions (possibly none). `declined`: not sure
    because the message is clearly most like the out-of-scope examples (no topic within the
    ambiguity margin of them)."""

    outcome: Outcome
    candidates: tuple[Candidate, ...]
    score: float
    declined: bool = False


def normalise(text: str) -> str:
    """Lower-case, turn punctuation into spaces and fold runs of white space."""
    return utils.default_process(text)


class SynonymExpander:
    """Rewrites every synonym phrase of a group into the group's key, on normalised text."""

    def __init__(self, synonyms: Mapping[str, Sequence[str]]) -> None:
        pairs: list[tuple[str, str]] = []
        words: set[str] = set()
        for key, phrases in synonyms.items():
            canonical = normalise(key)
            words.update(canonical.split())
            for phrase in phrases:
                variant = normalise(phrase)
                words.update(variant.split())
                if variant and variant != canonical:
                    pairs.append((variant, canonical))
        # Longest phrases first, so "local authority designated officer" wins over "officer".
        pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
        self.words = frozenset(words)
        self._replacements = dict(pairs)
        self._pattern = (
            re.compile(r"\b(" + "|".join(re.escape(p) for p, _ in pairs) + r")\b")
            if pairs
            else None
        )

    def __call__(self, normalised_text: str) -> str:
        if self._pattern is None:
            return normalised_text
        return self._pattern.sub(lambda m: self._replacements[m.group(1)], normalised_text)


_CONTRACTIONS = frozenset({"s", "t", "re", "ll", "ve", "d", "m"})
# (suffix, replacement, least stem length left), tried in order; a light English stemmer.
_SUFFIXES = (
    ("ies", "y", 3),
    ("sses", "ss", 4),
    ("ness", "", 4),
    ("ingly", "", 4),
    ("edly", "", 4),
    ("ing", "", 3),
    ("ed", "", 3),
    ("ly", "", 4),
    ("es", "", 4),
    ("s", "", 3),
)
_ES_PLURAL = re.compile(r"(ch|sh|x|z|ss)es$")
_WORD = "\x01"  # feature prefixes; normalised text never holds control characters
_PAIR = "\x02"


def join_contractions(words: Iterable[str]) -> list[str]:
    """Glue split contractions back: ["what", "s"] -> ["whats"], ["don", "t"] -> ["dont"]."""
    out: list[str] = []
    for word in words:
        if out and word in _CONTRACTIONS:
            out[-1] += word
        else:
            out.append(word)
    return out


def stem(word: str) -> str:
    """A light suffix-stripping stemmer: "referrals" -> "referral", "worried" -> "worri"."""
    if len(word) <= 3:
        return word
    for suffix, replacement, least in _SUFFIXES:
        if not word.endswith(suffix) or len(word) - len(suffix) < least:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            return word
        if suffix == "es" and not _ES_PLURAL.search(word):
            continue
        base = word[: -len(suffix)] + replacement
        doubled = len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz"
        if suffix in ("ing", "ed") and doubled:
            base = base[:-1]
        return base
    return word


def char_features(words: Sequence[str], low: int, high: int) -> list[str]:
    """Character n-grams of each word padded with spaces ("sk" of " ask " but not "k a")."""
    out: list[str] = []
    for word in words:
        padded = f" {word} "
        size = len(padded)
        for n in range(low, min(high, size) + 1):
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


def word_features(words: Sequence[str]) -> list[str]:
    """Stemmed words and adjacent stemmed word pairs."""
    stems = [stem(word) for word in words]
    out = [_WORD + s for s in stems]
    out.extend(_PAIR + a + " " + b for a, b in pairwise(stems))
    return out


def _gather(indptr: IntArray, rows: IntArray, weights: FloatArray) -> tuple[IntArray, FloatArray]:
    """Flatten the posting lists of `rows` (of a CSR-like index) with each row's weight."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    positions = offsets + np.arange(total, dtype=np.int64)
    return positions, np.repeat(weights, lengths)


class _Postings:
    """A sparse feature x target matrix stored by feature, for fast query-time accumulation."""

    def __init__(
        self,
        features: npt.NDArray[np.integer[Any]],
        targets: npt.NDArray[np.integer[Any]],
        values: FloatArray,
        n_features: int,
    ) -> None:
        order = np.argsort(features, kind="stable")  # targets stay in order within a feature
        self.targets = targets[order].astype(np.int32)
        self.values = values[order].astype(np.float32)
        counts = np.bincount(features, minlength=n_features)
        self.indptr: IntArray = np.zeros(n_features + 1, dtype=np.int64)
        np.cumsum(counts, out=self.indptr[1:])

    def dot(self, columns: IntArray, weights: FloatArray, size: int) -> FloatArray:
        """`weights` (over `columns`) times this matrix: one value per target."""
        positions, repeated = _gather(self.indptr, columns, weights)
        if positions.size == 0:
            return np.zeros(size, dtype=np.float64)
        out: FloatArray = np.bincount(
            self.targets[positions],
            weights=repeated * self.values[positions],
            minlength=size,
        ).astype(np.float64, copy=False)
        return out


def _normalise_blocks(
    rows: npt.NDArray[np.integer[Any]],
    values: FloatArray,
    is_char: npt.NDArray[np.bool_],
    n_rows: int,
) -> FloatArray:
    """Scale `values` in place so each row's char block and word block each have unit L2 norm."""
    key = rows * 2 + is_char
    squares = np.bincount(key, weights=np.square(values), minlength=n_rows * 2)
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    values /= norms[key]
    return values


def _mix(lexical: FloatArray, semantic: FloatArray, weight: float) -> FloatArray:
    """The weighted geometric mean of the lexical and the vector scores."""
    out: FloatArray = lexical ** (1.0 - weight) * semantic**weight
    return out


def limit_blas_threads() -> None:
    """Run numpy's BLAS on the calling thread only, for the rest of the process.

    The matcher's products are small (one question against a few thousand vectors), too small
    for BLAS worker threads to help, and between them OpenBLAS's workers spin-wait: with them,
    answering used about 5 ms of CPU a question, without them about 1 ms (bench/load/README.md).
    Every build of a bot calls it (`bot.engine.build`), in whichever process builds.
    """
    threadpool_limits(limits=1, user_api="blas")


class Matcher:
    """Ranks labels by the similarity of a question to their example phrasings."""

    def __init__(
        self,
        phrases: Iterable[tuple[str, str]],
        synonyms: Mapping[str, Sequence[str]] | None = None,
        tuning: Tuning | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        """Build the index from `(label, phrase)` pairs, optional synonym groups and an
        optional embedder of sentence vectors."""
        self.tuning = tuning or Tuning()
        self._expand = SynonymExpander(synonyms or {})
        by_label: dict[str, list[list[str]]] = {}
        texts: dict[str, list[str]] = {}
        for label, phrase in phrases:
            words = self._words(phrase, correct=False)
            if words:
                by_label.setdefault(label, []).append(words)
                texts.setdefault(label, []).append(phrase)
        self._labels = list(by_label)
        self._build([docs for docs in by_label.values()])
        self._embedder = embedder if self.tuning.semantic_weight > 0 else None
        if self._embedder is not None:
            self._build_vectors(
                self._embedder, [text for group in texts.values() for text in group]
            )

    # -- text -----------------------------------------------------------------------------

    def _words(self, text: str, *, correct: bool) -> list[str]:
        words = join_contractions(normalise(text).split())
        if correct:
            words = [self._correct(word) for word in words]
        return join_contractions(self._expand(" ".join(words)).split())

    def _correct(self, word: str) -> str:
        """An unknown word one edit (two if long) from exactly-spelt indexed words -> the
        most frequent of them; other words unchanged."""
        t = self.tuning
        if word in self._vocabulary or len(word) < t.typo_min_length or word.isdigit():
            return word
        limit = 2 if len(word) >= t.typo_long_length else 1
        found = process.extract(
            word, self._vocabulary_list, scorer=OSA.distance, score_cutoff=limit, limit=8
        )
        if not found:
            return word
        best = min(d for _, d, _ in found)
        return max(
            (choice for choice, d, _ in found if d == best),
            key=lambda choice: self._vocabulary[choice],
        )

    def _features(self, words: Sequence[str]) -> list[str]:
        low, high = self.tuning.char_ngrams
        return char_features(words, low, high) + word_features(words)

    # -- index ----------------------------------------------------------------------------

    def _build(self, docs_by_label: list[list[list[str]]]) -> None:
        t = self.tuning
        vocabulary: dict[str, int] = {}
        features: dict[str, int] = {}
        low, high = t.char_ngrams
        word_columns: dict[str, list[int]] = {}  # a word's char n-gram columns, made once
        # Compact arrays, not lists of ints: a big index would otherwise peak at 100s of MB.
        doc_rows, doc_cols, doc_counts, doc_label = (array("i") for _ in range(4))
        for label_index, docs in enumerate(docs_by_label):
            for words in docs:
                counts: dict[int, int] = {}
                for word in words:
                    vocabulary[word] = vocabulary.get(word, 0) + 1
                    columns = word_columns.get(word)
                    if columns is None:
                        columns = [
                            features.setdefault(f, len(features))
                            for f in char_features((word,), low, high)
                        ]
                        word_columns[word] = columns
                    for column in columns:
                        counts[column] = counts.get(column, 0) + 1
                for feature in word_features(words):
                    column = features.setdefault(feature, len(features))
                    counts[column] = counts.get(column, 0) + 1
                row = len(doc_label)
                doc_label.append(label_index)
                doc_rows.extend([row] * len(counts))
                doc_cols.extend(counts)
                doc_counts.extend(counts.values())
        del word_columns
        for word in self._expand.words:
            vocabulary.setdefault(word, 0)
        self._vocabulary = vocabulary
        self._vocabulary_list = list(vocabulary)
        self._features_index = features
        n_labels, n_docs, n_features = len(docs_by_label), len(doc_label), len(features)
        self._n_labels, self._n_docs = n_labels, n_docs
        self._is_char: npt.NDArray[np.bool_] = np.array(
            [not f.startswith((_WORD, _PAIR)) for f in features], dtype=bool
        )
        # Arrays are freed as soon as used: the peak, not the index, dominates memory.
        rows = np.frombuffer(doc_rows, dtype=np.int32).copy()
        cols = np.frombuffer(doc_cols, dtype=np.int32).copy()
        labels_of_docs = np.frombuffer(doc_label, dtype=np.int32).astype(np.int64)
        del doc_rows, doc_cols, doc_label
        width = max(1, n_features)
        # One (label, feature) key per posting; unique keys are the centroids' entries. Keys
        # fit 32 bits unless the index is huge, which halves the sort's memory.
        key_type = np.int32 if n_labels * width < 2**31 else np.int64
        keys = labels_of_docs.astype(key_type)[rows]
        np.multiply(keys, width, out=keys)
        np.add(keys, cols, out=keys)
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        del keys
        c_label = (unique_keys // width).astype(np.int64)
        c_col = (unique_keys % width).astype(np.int64)
        del unique_keys
        values = np.log(np.frombuffer(doc_counts, dtype=np.int32).astype(np.float64))
        del doc_counts
        values += 1.0  # sublinear term frequency

        # IDF over labels: how many labels use a feature at all.
        label_freq = np.bincount(c_col, minlength=n_features)
        self._idf: FloatArray = np.log((1.0 + n_labels) / (1.0 + label_freq)) + 1.0

        is_char = self._is_char[cols]
        values *= self._idf[cols]
        values = _normalise_blocks(rows, values, is_char, n_docs)
        keep = (label_freq <= t.nearest_share * n_labels)[cols]
        block = np.where(is_char[keep], t.char_weight, 1.0 - t.char_weight)
        del is_char
        self._docs = _Postings(cols[keep], rows[keep], values[keep] * block, n_features)
        del keep, block, rows, cols
        # Each label's examples are contiguous: the label of doc i is labels_of_docs[i].
        self._label_starts = np.searchsorted(labels_of_docs, np.arange(n_labels))

        # Centroids: the sum of a label's normalised examples, normalised per block.
        mass: FloatArray = np.bincount(inverse, weights=values).astype(np.float64, copy=False)
        del inverse, values
        c_char = self._is_char[c_col]
        centroid = _normalise_blocks(c_label, mass.copy(), c_char, n_labels)
        c_block = np.where(c_char, t.char_weight, 1.0 - t.char_weight)
        self._centroids = _Postings(c_col, c_label, centroid * c_block, n_features)
        del centroid, c_block

        # Naive Bayes: log P(feature | label) with additive smoothing, stored sparsely as
        # log(1 + mass / alpha) plus a per-label, per-block normaliser.
        alpha = t.nb_alpha
        self._nb = _Postings(c_col, c_label, np.log1p(mass / alpha), n_features)
        totals = np.bincount(c_label * 2 + c_char, weights=mass, minlength=n_labels * 2)
        n_char = int(self._is_char.sum())
        sizes = np.array([n_features - n_char, n_char], dtype=np.float64)
        self._nb_norm: FloatArray = np.log(totals.reshape(n_labels, 2) + alpha * sizes)

    def _build_vectors(self, embedder: Embedder, texts: list[str]) -> None:
        """Example vectors (in document order, so a label's examples are contiguous) and each
        label's centroid: the normalised sum of its examples' vectors."""
        vectors = embedder.embed(texts)
        self._label_indptr: IntArray = np.append(self._label_starts, len(texts)).astype(np.int64)
        sums = np.add.reduceat(vectors, self._label_starts, axis=0) if len(texts) else vectors
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        self._centroid_vectors = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
        # Every example is compared when there are few, or when the leading labels would hold
        # most of them anyway (a knowledge base of a few dozen topics, however many examples):
        # full precision, for one fast product. A big index of many labels keeps its vectors at
        # half precision; only the leaders' rows are read, converted back.
        t = self.tuning
        few_labels = self._n_labels <= 2 * t.semantic_leaders
        self._compare_all = len(texts) <= t.compare_all_up_to or (
            few_labels and len(texts) <= t.few_labels_compare_all_up_to
        )
        self._example_vectors = vectors if self._compare_all else vectors.astype(np.float16)

    def _semantic(self, text: str, lexical: FloatArray) -> FloatArray | None:
        """Each label's vector cosine to the question, in 0..1: to its centroid, and for the
        labels leading on the mix with `lexical`, to its nearest example as well (None without
        an embedder or when the question has no vector)."""
        if self._embedder is None:
            return None
        query = self._embedder.embed([text])[0]
        if not query.any():
            return None
        t = self.tuning
        out: FloatArray = np.clip(self._centroid_vectors @ query, 1e-6, 1.0, dtype=np.float64)
        if t.semantic_nearest <= 0:
            return out
        share = t.semantic_nearest
        if self._compare_all:  # cheaper than choosing leaders
            nearest = np.maximum.reduceat(self._example_vectors @ query, self._label_starts)
            out = share * np.clip(nearest, 1e-6, 1.0) + (1.0 - share) * out
            return out
        mixed = _mix(lexical, out, t.semantic_weight)
        k = min(t.semantic_leaders, out.size)
        leaders = np.argpartition(-mixed, k - 1)[:k]
        rows, _ = _gather(self._label_indptr, leaders, np.zeros(k))
        lengths = self._label_indptr[leaders + 1] - self._label_indptr[leaders]
        offsets = np.cumsum(lengths) - lengths
        leading = self._example_vectors[rows].astype(np.float32)
        nearest = np.maximum.reduceat(leading @ query, offsets)
        blend = share * np.clip(nearest, 1e-6, 1.0) + (1.0 - share) * out[leaders]
        out[leaders] = blend
        return out

    # -- queries --------------------------------------------------------------------------

    def _query(self, text: str) -> tuple[IntArray, FloatArray, npt.NDArray[np.bool_], float]:
        """The query's indexed features with weights (each block of unit norm), and the share
        of the query's weight the index knows: unknown words lower every label's score."""
        counts: dict[int, int] = {}
        unknown: dict[str, int] = {}
        index = self._features_index
        for feature in self._features(self._words(text, correct=True)):
            column = index.get(feature)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
            else:
                unknown[feature] = unknown.get(feature, 0) + 1
        cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        is_char = self._is_char[cols]
        weights = tf * self._idf[cols]
        squares = np.bincount(is_char, weights=weights * weights, minlength=2)
        known = np.sqrt(squares)
        if self.tuning.count_unknown:
            unseen = math.log(1.0 + self._n_labels) + 1.0  # the IDF of a feature of no label
            for feature, count in unknown.items():
                char = not feature.startswith((_WORD, _PAIR))
                squares[int(char)] += ((1.0 + math.log(count)) * unseen) ** 2
        full = np.sqrt(squares)
        ratio = np.divide(known, full, out=np.zeros(2), where=full > 0)
        share = self.tuning.char_weight
        coverage = float((1.0 - share) * ratio[0] + share * ratio[1])
        known[known == 0] = 1.0
        values: FloatArray = weights / known[is_char.astype(np.int64)]
        return cols, values, is_char, coverage

    def scores(self, text: str) -> FloatArray:
        """Every label's score for `text` in 0..1, in label order (empty if nothing matched)."""
        if self._n_labels == 0:
            return np.zeros(0, dtype=np.float64)
        text = text[:10_000]
        cols, values, is_char, coverage = self._query(text)
        if cols.size == 0:
            return np.zeros(self._n_labels, dtype=np.float64)
        t = self.tuning
        block = np.where(is_char, t.char_weight, 1.0 - t.char_weight)
        weighted = values * block
        per_doc = self._docs.dot(cols, weighted, self._n_docs)
        nearest = np.maximum.reduceat(per_doc, self._label_starts)
        centroid = self._centroids.dot(cols, weighted, self._n_labels)
        cosine = np.clip(0.5 * (nearest + centroid) * coverage, 0.0, 1.0)

        mass = np.array([values[~is_char].sum(), values[is_char].sum()])
        log_likelihood = self._nb.dot(cols, values, self._n_labels) - self._nb_norm @ mass
        scaled = log_likelihood / t.nb_temperature
        posterior = np.exp(scaled - scaled.max())
        posterior /= posterior.sum()
        floor = t.posterior_floor
        lexical: FloatArray = np.sqrt(cosine * (floor + posterior) / (floor + 1.0))
        semantic = self._semantic(text, lexical)
        if semantic is None:
            return lexical
        return _mix(lexical, semantic, t.semantic_weight)

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """The best `limit` labels for `text`, best first; each label appears once."""
        if limit <= 0:
            return []
        scores = self.scores(text)
        if scores.size == 0 or not scores.any():
            return []
        k = min(limit, scores.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(k)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            Candidate(self._labels[i], round(float(scores[i]), 4)) for i in top if scores[i] > 0
        ]

    def match(
        self, text: str, thresholds: Thresholds | None = None, outside: str | None = None
    ) -> Match:
        """Rank `text` and decide: answered, ambiguous or not sure (`outside`: see `decide`)."""
        return decide(self.rank(text, limit=5), thresholds or Thresholds(), outside)


def decide(
    ranking: Sequence[Candidate], thresholds: Thresholds, outside: str | None = None
) -> Match:
    """Turn a ranking into a decision; never picks one of several close labels silently.

    `outside` names the label of messages to decline (the knowledge base's out-of-scope
    examples): when it ranks first the match is not sure, with the other labels as suggestions;
    otherwise it is left out.
    """
    declined = bool(ranking) and outside is not None and ranking[0].label == outside
    outside_score = ranking[0].score if declined else 0.0
    if outside is not None:
        ranking = [c for c in ranking if c.label != outside]
    if not ranking:
        return Match(Outcome.NOT_SURE, (), 0.0, declined)
    top = ranking[0]
    if top.score >= thresholds.answer and not declined:
        close = tuple(c for c in ranking[:3] if top.score - c.score <= thresholds.margin)
        if len(close) > 1:
            return Match(Outcome.AMBIGUOUS, close, top.score)
        return Match(Outcome.ANSWERED, (top,), top.score)
    suggestions = tuple(c for c in ranking[:3] if c.score >= thresholds.suggest)
    # Declined clearly only when no topic came within the ambiguity margin of the out-of-scope
    # examples: a near tie is "not sure", with the topic offered.
    clearly = declined and outside_score - top.score > thresholds.margin
    return Match(Outcome.NOT_SURE, suggestions, top.score, clearly)


__all__ = [
    "Candidate",
    "Match",
    "Matcher",
    "SynonymExpander",
    "Thresholds",
    "Tuning",
    "decide",
    "normalise",
]
