"""Actor sentiment: the target-marked input, and the shipped model on sentences written for these tests."""

from __future__ import annotations

import numpy as np
import pytest

from newsprism.compare.sentiment import (
    CLOSE,
    MODEL_VERSION,
    OPEN,
    WEIGHTS,
    WINDOW_CHARS,
    ActorSentiment,
    SentimentTarget,
    marked,
)


def target(sentence: str, mention: str, occurrence: int = 0) -> SentimentTarget:
    start = -1
    for _ in range(occurrence + 1):
        start = sentence.index(mention, start + 1)
    return SentimentTarget(sentence, start, start + len(mention))


POSITIVE = [
    (
        "Residents cheered Mayor Okafor, whose brave and generous leadership saved the flooded town.",
        "Mayor Okafor",
    ),
    (
        "Colleagues praised Dr. Lindqvist as a brilliant, honest scientist who deserves the award.",
        "Dr. Lindqvist",
    ),
    (
        "Senator Marlowe won wide acclaim for her tireless, compassionate work for veterans.",
        "Senator Marlowe",
    ),
]
NEGATIVE = [
    (
        "Prosecutors say Governor Pritt lied to investigators and stole millions from the pension fund.",
        "Governor Pritt",
    ),
    (
        "Critics slammed Minister Vance as a corrupt, incompetent liar who betrayed his own voters.",
        "Minister Vance",
    ),
    (
        "The disgraced executive Harlan Moss was convicted of fraud and jailed for abusing employees.",
        "Harlan Moss",
    ),
]
NEUTRAL = [
    (
        "Councillor Ibarra will travel to Denver on Tuesday for a meeting, her office said.",
        "Councillor Ibarra",
    ),
    ("Tom Reyes, 54, was born in Ohio and now lives in Chicago with his family.", "Tom Reyes"),
    ("The committee chaired by Senator Holt is scheduled to meet again next month.", "Senator Holt"),
]


# --------------------------------------------------------------------------------- input, no model


def test_marked_wraps_the_mention_and_keeps_its_span() -> None:
    t = target("Yesterday Senator Holt met the governor.", "Senator Holt")
    text, start, end = marked(t)
    assert text[start:end] == "Senator Holt"
    assert text[:start] == "Yesterday " + OPEN
    assert text[end:].startswith(CLOSE)


def test_marked_windows_long_sentences_around_the_mention() -> None:
    filler = "word " * 400
    sentence = filler + "Senator Holt resigned. " + filler
    t = target(sentence, "Senator Holt")
    text, start, end = marked(t)
    assert text[start:end] == "Senator Holt"
    assert len(text) <= 2 * WINDOW_CHARS + len("Senator Holt") + len(OPEN) + len(CLOSE)
    short = target("Senator Holt resigned.", "Senator Holt")
    assert marked(short)[0] == OPEN + "Senator Holt" + CLOSE + " resigned."


@pytest.mark.parametrize("span", [(5, 5), (-1, 3), (3, 99), (4, 2)])
def test_target_rejects_spans_outside_the_sentence(span: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="not a non-empty span"):
        SentimentTarget("A short sentence.", *span)


def test_weights_ship_with_the_package() -> None:
    assert WEIGHTS.is_file() and WEIGHTS.stat().st_size < 25_000_000
    assert MODEL_VERSION


# --------------------------------------------------------------------------------- the model


@pytest.fixture(scope="module")
def model() -> ActorSentiment:
    return ActorSentiment.load()


@pytest.mark.slow
def test_load_is_cached(model: ActorSentiment) -> None:
    assert ActorSentiment.load() is model


@pytest.mark.slow
def test_shapes_ranges_and_empty_input(model: ActorSentiment) -> None:
    targets = [target(s, m) for s, m in POSITIVE + NEGATIVE + NEUTRAL]
    probs = model.probabilities(targets)
    assert probs.shape == (len(targets), 3)
    assert np.all(probs >= 0) and np.allclose(probs.sum(axis=1), 1.0)
    scores = model.score(targets)
    assert len(scores) == len(targets) and all(-1.0 <= s <= 1.0 for s in scores)
    assert np.allclose(scores, probs[:, 2] - probs[:, 0])
    assert model.probabilities([]).shape == (0, 3) and model.score([]) == []


@pytest.mark.slow
def test_clear_cases_get_their_class(model: ActorSentiment) -> None:
    cases = [(POSITIVE, 2), (NEGATIVE, 0), (NEUTRAL, 1)]
    for examples, label in cases:
        probs = model.probabilities([target(s, m) for s, m in examples])
        predicted = probs.argmax(axis=1).tolist()
        assert predicted == [label] * len(examples), (examples, probs.round(3).tolist())


# (sentence, the target spoken of well, the target spoken of badly)
MIXED = [
    (
        "Senator Alvarez bravely rescued the children, while Councilman Briggs fled like a coward.",
        "Senator Alvarez",
        "Councilman Briggs",
    ),
    (
        "Critics praised Judge Ortiz for her fair ruling but condemned Senator Pike for his racist attacks on her.",
        "Judge Ortiz",
        "Senator Pike",
    ),
    (
        "Unlike the reckless and dishonest Governor Hale, Mayor Quinn has earned praise for her steady, competent "
        "leadership.",
        "Mayor Quinn",
        "Governor Hale",
    ),
    (
        "Ms. Tran, a respected diplomat, negotiated the ceasefire that the warlord Kasim repeatedly violated by "
        "shelling hospitals.",
        "Ms. Tran",
        "Kasim",
    ),
    (
        "Voters blamed the corrupt Mayor Stone for the scandal and thanked the honest auditor Ruth Kaye for exposing "
        "it.",
        "Ruth Kaye",
        "Mayor Stone",
    ),
    (
        "The honest auditor Ruth Kaye exposed the fraud committed by the corrupt Mayor Stone.",
        "Ruth Kaye",
        "Mayor Stone",
    ),
]


@pytest.mark.slow
def test_two_targets_in_one_sentence_are_told_apart(model: ActorSentiment) -> None:
    """One sentence, two actors, opposite sentiment: the scores must differ in the right direction. The model
    is not perfect at this (NewsMTSC devtest_mt macro-F1 0.74: both Ruth Kaye sentences come out negative for
    both actors, and "the reckless and dishonest Governor Hale" comes out positive, though below Mayor Quinn),
    so most pairs, not all, must be ordered by a clear margin, and the plainest one must get opposite signs."""
    ordered = []
    for sentence, good, bad in MIXED:
        good_score, bad_score = model.score([target(sentence, good), target(sentence, bad)])
        ordered.append(good_score - bad_score > 0.3)
    assert sum(ordered) >= 4, list(zip([m[0] for m in MIXED], ordered, strict=True))
    sentence, good, bad = MIXED[0]
    good_score, bad_score = model.score([target(sentence, good), target(sentence, bad)])
    assert good_score > 0 > bad_score


@pytest.mark.slow
def test_deterministic_and_independent_of_batching(model: ActorSentiment) -> None:
    targets = [target(s, m) for s, m in NEGATIVE + POSITIVE + NEUTRAL]
    first = model.probabilities(targets, batch_size=32)
    assert np.array_equal(first, model.probabilities(targets, batch_size=32))
    # Padding to another batch's length changes float rounding only
    assert np.allclose(first, model.probabilities(targets, batch_size=1), atol=1e-4)
    reordered = model.probabilities(targets[::-1], batch_size=4)[::-1]
    assert np.allclose(first, reordered, atol=1e-4)
