"""The outlet comparison: claims, their alignment across outlets, coverage, framing and article kinds.

Passages are written for these tests (``tests/data/claims/written_pairs.jsonl`` and the strings below); the
founding samples check the comparison end to end on real text.
"""

from __future__ import annotations

from collections import Counter

import pytest

from newsprism.compare.claims import number_value
from newsprism.records import Claim, ClaimDate, ClaimNumber


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("1,200", 1200),
        ("1.2 billion", 1_200_000_000),
        ("$3m", 3_000_000),
        ("twelve", 12),
        ("twenty-one", 21),
        ("a million", 1_000_000),
        ("3 percent", 3),
        ("about 4,000", 4000),
        ("some 25", 25),
    ],
)
def test_numbers_in_words_and_digits_have_their_value(text: str, value: float) -> None:
    assert number_value(text) == value


def test_vague_counts_have_no_value() -> None:
    assert number_value("several") is None
    assert number_value("the") is None


def _claim(article: str, **fields: object) -> Claim:
    base: dict[str, object] = {
        "id": f"c-{article}",
        "article": article,
        "start": 0,
        "end": 50,
        "text": "x",
        "kind": "event",
        "speaker": None,
        "speaker_text": None,
        "via": None,
        "entities": ["E1"],
        "subject": None,
        "predicate": "kill",
        "negated": False,
        "numbers": [],
        "dates": [],
    }
    base.update(fields)
    return Claim(**base)  # type: ignore[arg-type]


def test_same_actors_and_a_different_count_are_a_number_conflict() -> None:
    from newsprism.compare.align import compare_pair

    a = _claim("a", numbers=[ClaimNumber(text="14", start=5, end=7, value="14", unit="count:person")])
    b = _claim("b", numbers=[ClaimNumber(text="19", start=5, end=7, value="19", unit="count:people")])
    assert compare_pair(a, b, cosine=0.8).relation == "conflict"
    assert compare_pair(a, b, cosine=0.8).field == "number"
    same = _claim(
        "b", numbers=[ClaimNumber(text="fourteen", start=5, end=13, value="14", unit="count:person")]
    )
    assert compare_pair(a, same, cosine=0.8).relation == "same"


def test_the_date_of_the_telling_is_not_the_date_of_the_act() -> None:
    from newsprism.compare.align import compare_pair

    act = ClaimDate(text="Sept. 28", start=30, end=38, value="2025-09-28", precision="day", of_act=True)
    told_monday = ClaimDate(text="Monday", start=10, end=16, value="2025-04-28", precision="day")
    told_tuesday = ClaimDate(text="Tuesday", start=10, end=17, value="2025-04-29", precision="day")
    a = _claim("a", predicate="hold", dates=[act, told_monday])
    b = _claim("b", predicate="hold", dates=[act, told_tuesday])
    assert compare_pair(a, b, cosine=0.8).relation == "same"
    moved = ClaimDate(text="Sept. 21", start=30, end=38, value="2025-09-21", precision="day", of_act=True)
    assert compare_pair(a, _claim("b", predicate="hold", dates=[moved]), cosine=0.8).field == "date"


def test_opposite_predicates_and_negation_are_a_polarity_conflict() -> None:
    from newsprism.compare.align import compare_pair

    passed = _claim("a", predicate="approve")
    assert compare_pair(passed, _claim("b", predicate="reject"), cosine=0.8).field == "polarity"
    assert (
        compare_pair(passed, _claim("b", predicate="approve", negated=True), cosine=0.8).field == "polarity"
    )
    assert compare_pair(passed, _claim("b", predicate="approve"), cosine=0.8).relation == "same"


def test_swapped_parties_conflict_unless_the_act_is_symmetric() -> None:
    from newsprism.compare.align import compare_pair

    buys = _claim("a", predicate="buy", subject="E1", object="E2", entities=["E1", "E2"])
    bought = _claim("b", predicate="acquire", subject="E2", object="E1", entities=["E1", "E2"])
    assert compare_pair(buys, bought, cosine=0.9).field == "actor"
    met = _claim("a", predicate="meet", subject="E1", object="E2", entities=["E1", "E2"])
    met_back = _claim("b", predicate="meet", subject="E2", object="E1", entities=["E1", "E2"])
    assert compare_pair(met, met_back, cosine=0.9).relation == "same"


def test_different_actors_below_the_strong_similarity_are_different_facts() -> None:
    from newsprism.compare.align import compare_pair

    assert compare_pair(_claim("a", entities=["E1"]), _claim("b", entities=["E9"]), cosine=0.7).relation == (
        "different"
    )


def test_copies_and_one_outlets_articles_count_as_one_source() -> None:
    from newsprism.compare.story import independent_sources
    from newsprism.records import Story

    story = Story(
        id="s",
        title="t",
        articles=["a1", "a2", "b1", "c1"],
        outlets=[],
        first=None,
        last=None,
        duplicates=[["a1", "c1"]],
        top_entities=[],
    )
    sources = independent_sources(story, {"a1": "Wire", "a2": "Wire", "b1": "Daily", "c1": "Reprinter"})
    assert sources["a1"] == sources["a2"] == sources["c1"] == "Wire"
    assert sources["b1"] == "Daily"


# ------------------------------------------------------------------------------------ with the models


@pytest.fixture(scope="module")
def written_outcomes() -> list[tuple[dict[str, object], str, str | None]]:
    from newsprism.evaluation.claims_eval import written_outcomes as outcomes

    return outcomes()


@pytest.mark.slow
def test_written_paraphrases_align(written_outcomes) -> None:
    aligned = [(row, got) for row, got, _ in written_outcomes if row["expect"] == "align"]
    assert len(aligned) >= 40
    missed = [row["id"] for row, got in aligned if got != "align"]
    # Paraphrase across outlets is not solved: most, not all, must align; the misses are listed.
    assert len(missed) <= 0.15 * len(aligned), missed


@pytest.mark.slow
def test_written_near_misses_are_contested_not_corroborated(written_outcomes) -> None:
    near = [
        (row, got, field)
        for row, got, field in written_outcomes
        if row["field"] in ("number", "date", "polarity")
    ]
    assert len(near) >= 39
    corroborated = [row["id"] for row, got, _ in near if got == "align"]
    contested = Counter(
        row["field"] for row, got, field in near if got == "contested" and field == row["field"]
    )
    assert len(corroborated) <= 0.15 * len(near), corroborated
    for field in ("number", "date", "polarity"):
        assert contested[field] >= 8, (field, contested)


@pytest.mark.slow
def test_same_actors_different_facts_stay_apart(written_outcomes) -> None:
    separate = [
        row["id"] for row, got, _ in written_outcomes if row["expect"] == "separate" and got != "separate"
    ]
    total = sum(1 for row, _, _ in written_outcomes if row["expect"] == "separate")
    assert total >= 20
    # Two facts about the same actors on the same day are the hardest case (16 of 23 kept apart when this
    # was written): a regression guard, with the misses listed.
    assert len(separate) <= 0.35 * total, separate


def test_the_extract_stage_version_names_the_shipped_sentiment_weights() -> None:
    from newsprism.compare.sentiment import MODEL_VERSION
    from newsprism.stages import SENTIMENT_MODEL, stage

    assert SENTIMENT_MODEL == MODEL_VERSION
    assert MODEL_VERSION in stage("extract").version


# ------------------------------------------------------------------------------- the founding samples


@pytest.fixture(scope="module")
def sample_comparison(sample_articles):
    from newsprism.analysis import analyze_articles

    (story,) = analyze_articles(sample_articles).stories
    assert story.comparison is not None
    outlets = {a.id: a.article.outlet for a in sample_articles}
    return story, story.comparison, outlets


def _groups_with(comparison, *words: str):
    return [g for g in comparison.claims if all(w.lower() in g.text.lower() for w in words)]


@pytest.mark.slow
def test_samples_corroborate_the_phone_call_and_boltons_call(sample_comparison) -> None:
    _, comparison, _ = sample_comparison
    call = [g for g in comparison.claims if "phone call" in g.text.lower() and g.status == "corroborated"]
    assert call and max(g.sources for g in call) >= 2
    bolton = [g for g in _groups_with(comparison, "Bolton") if g.status == "corroborated"]
    assert bolton, [g.text for g in _groups_with(comparison, "Bolton")]


@pytest.mark.slow
def test_samples_single_source_facts_stay_with_their_outlet(sample_comparison) -> None:
    _, comparison, _ = sample_comparison
    children = _groups_with(comparison, "two children")
    assert children and all(g.status == "single_source" and g.outlets == ["Reuters"] for g in children)
    drones = _groups_with(comparison, "drones", "air defense")
    assert drones and drones[0].status == "single_source" and drones[0].outlets == ["Mother Jones"]
    sisi = _groups_with(comparison, "El-Sisi")
    assert sisi and sisi[0].outlets == ["The American Conservative"]


@pytest.mark.slow
def test_samples_kinds_and_their_evidence(sample_comparison) -> None:
    _, comparison, _ = sample_comparison
    kinds = {k.outlet: k for k in comparison.kinds}
    assert kinds["Reuters"].kind == "news"
    assert kinds["The American Conservative"].kind == "opinion"
    assert kinds["Mother Jones"].kind in ("analysis", "opinion")
    assert any("dateline" in e for e in kinds["Reuters"].kind_evidence)
    assert any("per 100 words" in e for e in kinds["The American Conservative"].kind_evidence)


@pytest.mark.slow
def test_samples_frame_haftar_differently_by_outlet(sample_comparison) -> None:
    _, comparison, _ = sample_comparison
    haftar = {f.outlet: f for f in comparison.framing if "Haftar" in f.name}
    assert set(haftar) == {"Reuters", "Mother Jones", "The American Conservative"}
    loaded = {o: {t.text.lower() for t in f.loaded_terms} for o, f in haftar.items()}
    assert "warlord" in loaded["Mother Jones"]
    assert "war criminal" in loaded["The American Conservative"]
    assert not {"warlord", "war criminal"} & loaded["Reuters"]
    assert any("commander" in label for label in haftar["Reuters"].labels)
    # The wire report is the least negative toward him; the analysis and the opinion piece more negative.
    sentiment = {o: f.sentiment for o, f in haftar.items()}
    assert all(v is not None and -1 <= v <= 1 for v in sentiment.values())
    assert sentiment["Reuters"] > sentiment["Mother Jones"]
    assert sentiment["Reuters"] > sentiment["The American Conservative"]


@pytest.mark.slow
def test_samples_coverage_marks_what_an_outlet_leaves_out(sample_comparison) -> None:
    _, comparison, _ = sample_comparison
    outlets = comparison.coverage.outlets
    assert set(outlets) == {"Reuters", "Mother Jones", "The American Conservative"}
    by_claim = {g.id: g for g in comparison.claims}
    for row in comparison.coverage.rows:
        group = by_claim[row.claim]
        reported = {o for o, cell in row.cells.items() if cell != "absent"}
        assert reported == set(group.outlets)
