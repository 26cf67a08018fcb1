"""Claims that state the same fact across a story's outlets: claim groups with a status.

Candidates come from MiniLM similarity between claims of different articles; a candidate is confirmed by
what the claims say, not how: shared resolved actors, and then the values are compared. The same actors with
a different number, date, acting party or polarity make the pair a conflict (the group is ``contested``, with
both spans); agreeing values make it one fact. Each claim keeps at most its best match per other article, so
groups do not chain through loosely similar sentences. Copies of one article and one outlet's several
articles count as one source: ``corroborated`` needs two independent ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from newsprism.entities import UnionFind
from newsprism.model import stable_id
from newsprism.records import (
    Claim,
    ClaimDate,
    ClaimGroup,
    ClaimMention,
    Conflict,
    ConflictValue,
    unpack_vector,
)

MIN_TERMS = 3
DEICTIC = frozenset(
    {"today", "now", "tonight", "this morning", "this afternoon", "this evening", "currently"}
)
LIGHT_VERBS = frozenset({"be", "have", "do", "make", "get", "go", "say", "take", "come", "see", "become"})
_CALENDAR = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")  # year, month or day values (weeks, ranges aside)


@dataclass(frozen=True)
class AlignConfig:
    candidate_cosine: float = 0.45  # below this two sentences are not compared at all
    term_overlap: float = (
        0.4  # shared content lemmas (of the shorter claim's) that make a close pair one fact
    )
    same_cosine: float = 0.72  # one fact in other words, when actors and values agree
    strong_cosine: float = 0.84  # one fact even when neither names a resolved actor
    conflict_cosine: float = 0.62  # a value disagreement counts only between sentences this close
    max_dense: int = 6000  # claims compared as one matrix; larger stories compare by nearest neighbours
    neighbours: int = 12


@dataclass(frozen=True)
class PairDecision:
    relation: str  # same | conflict | different
    field: str | None = None
    score: float = 0.0


@lru_cache(maxsize=1)
def antonyms() -> dict[str, frozenset[str]]:
    """Predicate lemmas that state the opposite of each other ("approve" / "reject"), from the rules file."""
    text = resources.files("newsprism.rules").joinpath("claim_antonyms.txt").read_text("utf-8")
    out: dict[str, set[str]] = defaultdict(set)
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "|" not in line:
            continue
        left, right = (
            frozenset(w.strip() for w in side.split(",") if w.strip()) for side in line.split("|", 1)
        )
        for word in left:
            out[word] |= right
        for word in right:
            out[word] |= left
    return {k: frozenset(v) for k, v in out.items()}


def compare_pair(a: Claim, b: Claim, cosine: float, config: AlignConfig | None = None) -> PairDecision:
    """Whether two claims of different articles state one fact, conflict on one, or are different facts.

    Similarity finds the candidates; what the claims share confirms them: a resolved actor, or a value (a
    number both state). Without either, only a near-identical sentence is the same fact."""
    config = config or AlignConfig()
    if cosine < config.candidate_cosine:
        return PairDecision("different", score=cosine)
    shared = set(a.keys or a.entities) & set(b.keys or b.entities)
    values = _same_values(a, b)
    if a.entities and b.entities and not shared and cosine < config.strong_cosine:
        return PairDecision("different", score=cosine)
    if not (shared or values) and cosine < config.strong_cosine:
        return PairDecision("different", score=cosine)
    overlap = term_overlap(a, b)
    agree = values or bool(a.predicate and a.predicate == b.predicate)
    one_fact = (
        cosine >= config.same_cosine
        or (cosine >= config.conflict_cosine and (agree or overlap >= config.term_overlap))
        or (overlap >= config.term_overlap + 0.1 and (agree or len(shared) >= 2))
        # the same actor doing the same thing to or at the same other party or place, in other words
        or (
            a.subject is not None
            and a.subject == b.subject
            and a.predicate == b.predicate
            and len(shared) >= 2
        )
    )
    if not one_fact:
        return PairDecision("different", score=cosine)
    # One fact: do they disagree on a value of it? (Between claims about the same actors, or near-identical
    # sentences whose actors the cast could not tie: "Tessaly's ministry" / "the Tessalian ministry".)
    # A dispute needs more evidence than agreement: the two sentences close, and a polarity flip on a
    # predicate with content (not "be", "have") between near-paraphrases. Values that disagree never
    # corroborate each other: when the evidence is too thin to call it a dispute, the two stay apart.
    field = _conflict(a, b)
    if field is None:
        return PairDecision("same", score=cosine)
    disputed = bool(shared or cosine >= config.same_cosine) and cosine >= config.conflict_cosine
    if field == "polarity" and (cosine < config.same_cosine or a.predicate in LIGHT_VERBS):
        disputed = False
    return PairDecision("conflict", field, cosine) if disputed else PairDecision("different", score=cosine)


def term_overlap(a: Claim, b: Claim) -> float:
    """Shared content lemmas over the shorter claim's: one fact in two wordings shares its nouns and names."""
    if len(a.terms) < MIN_TERMS or len(b.terms) < MIN_TERMS:
        return 0.0  # a short sentence shares its few words by chance
    return len(set(a.terms) & set(b.terms)) / min(len(a.terms), len(b.terms))


def _same_values(a: Claim, b: Claim) -> bool:
    values_a = {(_unit_class(n.unit), n.value) for n in a.numbers}
    return bool(values_a & {(_unit_class(n.unit), n.value) for n in b.numbers})


def _conflict(a: Claim, b: Claim) -> str | None:
    if _numbers_conflict(a, b):
        return "number"
    if _dates_conflict(a, b):
        return "date"
    if _polarity_conflict(a, b):
        return "polarity"
    if _actor_conflict(a, b):
        return "actor"
    return None


def _unit_class(unit: str) -> str:
    """Numbers comparable with each other: counts of one thing (or of synonyms: "1,200 jobs", "2,100
    positions"), money of one currency, percentages, scores, durations of one unit."""
    if unit.startswith("count:"):
        head = unit.split(":", 1)[1]
        return "count:" + count_synonyms().get(head, head)
    if unit.startswith("money"):
        return unit if ":" in unit else "money:USD"
    return unit


@lru_cache(maxsize=1)
def count_synonyms() -> dict[str, str]:
    """Counted nouns that count the same thing ("jobs" / "positions"), each mapped to its line's first word."""
    text = resources.files("newsprism.rules").joinpath("claim_count_synonyms.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        words = [w.strip() for w in line.split("#", 1)[0].split(",") if w.strip()]
        for word in words:
            out[word] = words[0]
    return out


def _numbers_conflict(a: Claim, b: Claim) -> bool:
    """Both state numbers of a kind, and none of one side's values of that kind is one of the other's."""
    by_unit_a: dict[str, set[str]] = defaultdict(set)
    for n in a.numbers:
        by_unit_a[_unit_class(n.unit)].add(n.value)
    by_unit_b: dict[str, set[str]] = defaultdict(set)
    for n in b.numbers:
        by_unit_b[_unit_class(n.unit)].add(n.value)
    # A bare count says what it counts only through its verb: compared only when the claims state one act.
    same_act = bool(a.predicate) and (
        a.predicate == b.predicate or b.predicate in antonyms().get(a.predicate, ())
    )
    common = [u for u in by_unit_a if u in by_unit_b and (same_act or u != "count")]
    return any(not (by_unit_a[u] & by_unit_b[u]) for u in common)


def _act_dates(claim: Claim) -> list[ClaimDate]:
    """The dates of the act the claim states ("2025-03-03", "2027"), not of its telling ("the office said
    Wednesday"), nor the deictic "today" or "now" (the day of publication, imprecise)."""
    return [
        d
        for d in claim.dates
        if d.of_act and d.value and _CALENDAR.fullmatch(d.value) and d.text.lower().strip() not in DEICTIC
    ]


def _dates_conflict(a: Claim, b: Claim) -> bool:
    """Both date the act and no two dates agree at the coarser one's precision: "March 3" vs "March 5",
    "in 2027" vs "in 2029"; "March 3" and "in March" agree. The same words ("in October") resolved to two
    years are the resolver's guess, not the outlets disagreeing."""
    dates_a, dates_b = _act_dates(a), _act_dates(b)
    if not dates_a or not dates_b:
        return False
    if {d.text.lower() for d in dates_a} & {d.text.lower() for d in dates_b}:
        return False
    values_a = [d.value or "" for d in dates_a]
    values_b = [d.value or "" for d in dates_b]
    return not any(x.startswith(y) or y.startswith(x) for x in values_a for y in values_b)


def _polarity_conflict(a: Claim, b: Claim) -> bool:
    if a.predicate and a.predicate == b.predicate and a.negated != b.negated:
        return True
    opposite = antonyms().get(a.predicate, frozenset())
    return b.predicate in opposite and a.negated == b.negated


def _actor_conflict(a: Claim, b: Claim) -> bool:
    """The same act by different actors: each sentence's actor is absent from the other sentence, or the
    two swap who does what to whom ("A agreed to buy B" / "B agreed to buy A")."""
    if not (a.subject and b.subject) or a.subject == b.subject:
        return False
    if a.predicate in symmetric_predicates() or b.predicate in symmetric_predicates():
        return False
    if a.object and b.object and a.subject == b.object and b.subject == a.object:
        return True
    if not a.predicate or a.predicate != b.predicate:
        return False
    return a.subject not in b.entities and b.subject not in a.entities


@lru_cache(maxsize=1)
def symmetric_predicates() -> frozenset[str]:
    """Acts that read the same both ways ("A met B" is "B met A"): swapping their parties is no conflict."""
    text = resources.files("newsprism.rules").joinpath("claim_symmetric.txt").read_text("utf-8")
    return frozenset(
        w.strip() for line in text.splitlines() for w in line.split("#", 1)[0].split(",") if w.strip()
    )


# ------------------------------------------------------------------------------------------ grouping


def _vectors(claims: Sequence[Claim]) -> np.ndarray:
    rows = [unpack_vector(c.vector) if c.vector else np.zeros(384, dtype=np.float32) for c in claims]
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 384), dtype=np.float32)


def candidate_pairs(claims: Sequence[Claim], config: AlignConfig) -> list[tuple[int, int, float]]:
    """(i, j, cosine) for claims of different articles at or above the candidate threshold, i < j."""
    vectors = _vectors(claims)
    n = len(claims)
    articles = np.array([c.article for c in claims])
    out: list[tuple[int, int, float]] = []
    if n < 2:
        return out
    if n <= config.max_dense:
        for lo in range(0, n, 1024):
            block = vectors[lo : lo + 1024] @ vectors.T
            rows, cols = np.nonzero(block >= config.candidate_cosine)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                i = lo + r
                if i < c and articles[i] != articles[c]:
                    out.append((i, c, float(block[r, c])))
        return out
    import hnswlib

    index = hnswlib.Index(space="ip", dim=vectors.shape[1])
    index.init_index(max_elements=n, ef_construction=100, M=16, random_seed=7)
    index.add_items(vectors, np.arange(n))
    index.set_ef(max(50, config.neighbours * 2))
    labels, distances = index.knn_query(vectors, k=min(n, config.neighbours + 1))
    seen: set[tuple[int, int]] = set()
    for i in range(n):
        for j, distance in zip(labels[i].tolist(), distances[i].tolist(), strict=True):
            cosine = 1.0 - distance
            a, b = (i, j) if i < j else (j, i)
            if (
                a != b
                and cosine >= config.candidate_cosine
                and articles[a] != articles[b]
                and (a, b) not in seen
            ):
                seen.add((a, b))
                out.append((a, b, float(cosine)))
    return out


def align_claims(
    claims: Sequence[Claim],
    source_of: dict[str, str],
    outlet_of: dict[str, str],
    config: AlignConfig | None = None,
) -> list[ClaimGroup]:
    """Claim groups of one story, most-sourced first. ``claims`` in canonical article order; ``source_of``
    maps an article to its independent source (its outlet, or its copy group's representative)."""
    config = config or AlignConfig()
    decisions: dict[tuple[int, int], PairDecision] = {}
    best: dict[tuple[int, str], tuple[float, int]] = {}  # (claim, other article) -> its best match there
    for i, j, cosine in candidate_pairs(claims, config):
        decision = compare_pair(claims[i], claims[j], cosine, config)
        if decision.relation == "different":
            continue
        if decision.relation == "conflict" and source_of.get(claims[i].article) == source_of.get(
            claims[j].article
        ):
            # one source updating itself (a later count, a copy) is not outlets disagreeing
            decision = PairDecision("same", score=cosine)
        decisions[(i, j)] = decision
        for x, y in ((i, j), (j, i)):
            key = (x, claims[y].article)
            if key not in best or cosine > best[key][0]:
                best[key] = (cosine, y)
    groups = UnionFind(len(claims))
    kept: list[tuple[int, int, PairDecision]] = []
    for (i, j), decision in decisions.items():
        # Both ends must prefer each other over the rest of the other's article (mutual best match).
        if (
            best.get((i, claims[j].article), (0, -1))[1] == j
            and best.get((j, claims[i].article), (0, -1))[1] == i
        ):
            groups.union(i, j)
            kept.append((i, j, decision))
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(claims)):
        members[groups.find(i)].append(i)
    conflicts: dict[int, list[tuple[int, int, PairDecision]]] = defaultdict(list)
    for i, j, decision in kept:
        if decision.relation == "conflict":
            conflicts[groups.find(i)].append((i, j, decision))
    out = [
        _group(claims, rows, conflicts.get(root, []), source_of, outlet_of) for root, rows in members.items()
    ]
    out.sort(key=lambda g: (-g.sources, -len(g.mentions), g.status != "contested", g.id))
    return out


def _group(
    claims: Sequence[Claim],
    rows: list[int],
    conflicts: list[tuple[int, int, PairDecision]],
    source_of: dict[str, str],
    outlet_of: dict[str, str],
) -> ClaimGroup:
    first = claims[rows[0]]
    sources = {source_of.get(claims[r].article, claims[r].article) for r in rows}
    conflict = _conflict_record(claims, conflicts[0]) if conflicts else None
    status = "contested" if conflict else ("corroborated" if len(sources) >= 2 else "single_source")
    return ClaimGroup(
        id="g" + stable_id(first.id, length=14),
        text=first.text,
        status=status,
        outlets=sorted({outlet_of.get(claims[r].article) or claims[r].article for r in rows}),
        mentions=[
            ClaimMention(article=claims[r].article, start=claims[r].start, end=claims[r].end) for r in rows
        ],
        conflict=conflict,
        kind=first.kind,
        speaker=first.speaker,
        entities=sorted({e for r in rows for e in claims[r].entities}),
        sources=len(sources),
    )


def _conflict_record(claims: Sequence[Claim], found: tuple[int, int, PairDecision]) -> Conflict:
    i, j, decision = found
    field = decision.field or "number"
    values = [_value_span(claims[i], claims[j], field), _value_span(claims[j], claims[i], field)]
    return Conflict(field=field, values=values)


def _value_span(claim: Claim, other: Claim, field: str) -> ConflictValue:
    """The span of ``claim`` that carries the disputed value (the whole sentence when none is finer)."""
    if field == "number":
        other_units = {n.unit for n in other.numbers}
        for n in claim.numbers:
            if n.unit in other_units:
                return ConflictValue(article=claim.article, start=n.start, end=n.end, value=n.value)
    if field == "date":
        acts = {(d.start, d.end) for d in _act_dates(claim)}
        for d in claim.dates:
            if (d.start, d.end) in acts:
                return ConflictValue(article=claim.article, start=d.start, end=d.end, value=d.value or d.text)
    if field == "actor" and claim.subject and claim.subject_span:
        start, end = claim.subject_span
        return ConflictValue(article=claim.article, start=start, end=end, value=claim.subject)
    if field == "polarity" and claim.predicate_span:
        start, end = claim.predicate_span
        value = ("not " if claim.negated else "") + claim.predicate
        return ConflictValue(article=claim.article, start=start, end=end, value=value)
    return ConflictValue(article=claim.article, start=claim.start, end=claim.end, value=claim.text)
