"""The brief's sentences, from the story's claim groups (no model run: the claim vectors are stored).

Selection: a group's importance is how many independent outlets report it, how early the articles state it
(news puts the main facts first) and how central it is to the story; then MMR over the claim vectors keeps the
brief from saying one thing twice. One outlet's own-voice claim in an opinion piece is never stated as fact.
Wording: of the group's sentences, the one with the fewest loaded words once its loaded modifiers are dropped
(``compress``); when each keeps some, the outlet is credited ("According to Mother Jones, ...").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsprism.clean import dateline_end
from newsprism.records import (
    ArticleComparison,
    BriefCitation,
    BriefSentence,
    Claim,
    ClaimGroup,
    StoryComparison,
    unpack_vector,
)

MAX_WORDS = 800  # stored candidates: any brief up to this length is a prefix of the ranking
MMR_LAMBDA = 0.7  # importance vs novelty
REDUNDANT_AT = 0.8  # cosine to a chosen sentence at which a candidate says nothing new
CITE_AT = 0.62  # a group member is cited when this close to the chosen wording (the group may be loose)
ABSENT_BELOW = 0.5  # an outlet with no sentence this close to a brief sentence does not report it
MIN_WORDS, MAX_SENTENCE_WORDS = 6, 60
# Importance weights (tuned on NeuS train, ``make eval`` scores val)
W_SOURCES, W_LEAD, W_CENTRAL, W_LOADED, W_OPINION = 1.0, 0.8, 2.4, 0.15, 1.0

LEAD_DECAY = 2.0  # claims: the lead weight halves every this many claims into the article

# Discourse openers that tie a sentence to the one before it in its article, not to the brief's.
_OPENER = re.compile(
    r"^(?:(?:but|and|yet)\s+|(?:however|meanwhile|moreover|still|also|instead|further|furthermore|"
    r"in addition|in fact|indeed|separately|additionally|thus),\s+)",
    re.IGNORECASE,
)
_PRONOUN_OPENING = re.compile(
    r"^[\"“‘']?(?:he|she|they|his|her|their|him|them|it|its|this|these|those)\b", re.I
)
# Credit lines opening a wire story: "(CNN)", "MINNEAPOLIS —", "WASHINGTON (Reuters) -".
_CREDIT_OPENING = re.compile(
    r"^(?:[A-Z][A-Z.'-]+(?:[ ,]+[A-Z][A-Za-z.'-]*){0,3}\s*(?:\([^)]{1,30}\))?\s*[-—–]+\s*|\([A-Z][\w .]{1,30}\)\s*[-—–]*\s*)"
)
# The writer's own reading of events: hedges and interpretive verbs in an unattributed sentence.
_READING = re.compile(
    r"\b(?:seems?|seemed|appears?|appeared|suggests?|suggested|apparently|arguably|likely|presumably|"
    r"perhaps|signals?|signaled|signalled)\b",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|say|told|tells|according to|reported|reports|announced|stated|wrote|writes|testified|"
    r"confirmed|denied|added|insisted)\b",
    re.IGNORECASE,
)


@dataclass
class Candidate:
    group: ClaimGroup
    wording: Claim
    text: str
    credited_to: str | None
    vector: np.ndarray
    importance: float
    words: int
    date: str | None
    members: list[Claim]


@dataclass
class StoryClaims:
    """The vectors of every claim of the story, and the source (independent outlet) of each."""

    vectors: np.ndarray
    sources: list[str]

    def absent_sources(self, vector: np.ndarray) -> list[str]:
        """Sources none of whose claims comes close to ``vector``: they do not report it."""
        similarity = self.vectors @ vector
        near = {
            s for s, value in zip(self.sources, similarity.tolist(), strict=True) if value >= ABSENT_BELOW
        }
        return sorted(set(self.sources) - near)


def brief_sentences(
    order: Sequence[str],
    comparisons: dict[str, ArticleComparison],
    comparison: StoryComparison,
    outlets: dict[str, str],
    sources: dict[str, str],
    headline_vectors: Sequence[bytes] = (),
) -> list[BriefSentence]:
    """The story's candidate brief sentences in rank order, up to MAX_WORDS. A claim is central when close to
    what the story is about: the mean of its articles' headline + lead vectors (else of all its claims)."""
    members_of = [a for a in order if a in comparisons]
    everything = [c for a in members_of for c in comparisons[a].claims if c.vector]
    if not everything:
        return []
    story_claims = StoryClaims(
        np.stack([unpack_vector(c.vector) for c in everything]),
        [sources.get(c.article, c.article) for c in everything],
    )
    by_key = {(c.article, c.start): c for c in everything}
    rank_in_article = {
        (c.article, c.start): n
        for a in members_of
        for n, c in enumerate(sorted(comparisons[a].claims, key=lambda c: c.start))
    }
    kinds = {a: comparisons[a].kind for a in comparisons}
    total_sources = max(1, len(set(sources.values())))
    candidates: list[Candidate] = []
    for group in comparison.claims:
        if group.status == "contested":
            continue  # stated in "how they differ", with both versions
        members = [m for mention in group.mentions if (m := by_key.get((mention.article, mention.start)))]
        statable = [m for m in members if _usable(m)]
        if not statable:
            continue
        wording = _wording(statable, kinds)
        opinion = _opinion_voice(wording, kinds)
        text, credited = _sentence_text(wording, outlets, opinion)
        words = len(text.split())
        if not MIN_WORDS <= words <= MAX_SENTENCE_WORDS:
            continue
        vector = unpack_vector(wording.vector)
        supporting = _supporting(wording, vector, members)
        candidates.append(
            Candidate(
                group=group,
                wording=wording,
                text=text,
                credited_to=credited,
                vector=vector,
                importance=_importance(
                    len({sources.get(m.article, m.article) for m in supporting}) / total_sources,
                    min(rank_in_article.get((m.article, m.start), 99) for m in supporting),
                    wording.loaded,
                )
                - (W_OPINION if opinion and kinds.get(wording.article) == "opinion" else 0.0),
                words=words,
                date=_act_date(supporting),
                members=supporting,
            )
        )
    if not candidates:
        return []
    about = [unpack_vector(v) for v in headline_vectors if v]
    centroid = _unit(np.mean(np.stack(about) if about else story_claims.vectors, axis=0))
    for c in candidates:
        c.importance += W_CENTRAL * float(c.vector @ centroid)
    return [
        BriefSentence(
            text=c.text,
            citations=[BriefCitation(article=m.article, start=m.start, end=m.end) for m in c.members],
            claim=c.group.id,
            status=c.group.status,
            outlets=list(dict.fromkeys(outlets.get(m.article) or m.article for m in c.members)),
            rank=rank,
            date=c.date,
            credited_to=c.credited_to,
            absent_from=story_claims.absent_sources(c.vector),
        )
        for rank, c in enumerate(_mmr(candidates))
    ]


def _importance(source_share: float, first_rank: int, loaded: int) -> float:
    return W_SOURCES * source_share + W_LEAD * math.pow(0.5, first_rank / LEAD_DECAY) - W_LOADED * loaded


def _usable(claim: Claim) -> bool:
    """Whether the claim reads as a sentence out of its article: a clause stated in passing only when it can
    say its actor ("who lived ..." -> "Haftar lived ..."; a "where" clause cannot), and a sentence opening on
    a pronoun only when the pronoun was named."""
    if claim.in_passing:
        return bool(claim.neutral)
    return claim.neutral[:1].isupper() or _PRONOUN_OPENING.match(claim.text) is None


def _opinion_voice(claim: Claim, kinds: dict[str, str]) -> bool:
    """The outlet's own view, not a fact it reports: an opinion piece speaking for itself (not crediting
    what it says to someone in so many words), or any outlet's own reading of events ("Trump seems to favor
    Haftar", "suggests his concern does not apply equally")."""
    if claim.speaker is None and claim.speaker_text is None and _READING.search(claim.text):
        return True
    if kinds.get(claim.article, "news") != "opinion":
        return False
    return (claim.speaker is None and claim.speaker_text is None) or _ATTRIBUTION.search(claim.text) is None


def _supporting(wording: Claim, vector: np.ndarray, members: Sequence[Claim]) -> list[Claim]:
    """The wording and the group members that say the same (close in meaning and sharing a content word,
    not only the actors): what the sentence cites. A claim group may be looser than a citation may be."""
    shared = set(wording.terms)
    out = [wording]
    seen = {(wording.article, wording.start)}
    for m in members:
        key = (m.article, m.start)
        if key in seen:
            continue
        close = float(unpack_vector(m.vector) @ vector) >= CITE_AT
        if close and shared & set(m.terms) and not _values_differ(wording, m):
            out.append(m)
            seen.add(key)
    return out


def _wording(members: Sequence[Claim], kinds: dict[str, str]) -> Claim:
    """The member to state the group in: fewest loaded words left, from news before analysis and opinion,
    attributed when it is a statement, then of a brief sentence's length, then the earliest."""
    kind_rank = {"news": 0, "analysis": 1, "opinion": 2}

    def cost(claim: Claim) -> tuple[int, int, int, int, str]:
        words = len((claim.neutral or claim.text).split())
        return (
            claim.loaded,
            kind_rank.get(kinds.get(claim.article, "news"), 1),
            abs(words - 25) // 8,
            claim.start,
            claim.article,
        )

    return min(members, key=cost)


def _sentence_text(claim: Claim, outlets: dict[str, str], opinion: bool) -> tuple[str, str | None]:
    """The brief's wording of ``claim``; an opinion piece's own claim, and a claim whose every wording is
    loaded, are credited to the outlet (the brief never states one outlet's view as fact)."""
    text = (claim.neutral or claim.text).strip()
    text = text[dateline_end(text) :]
    text = _OPENER.sub("", _CREDIT_OPENING.sub("", text, count=1)).replace(", however,", "")
    text = text[:1].upper() + text[1:].rstrip(":;,—–- ")
    if text and text[-1] not in ".!?\"'”’":
        text += "."
    speaker = claim.speaker_text
    unnamed = not speaker or speaker.startswith("unnamed") or _ATTRIBUTION.search(text) is not None
    if speaker and not unnamed and not any(w in text for w in speaker.split() if len(w) > 2):
        # the words are the speaker's (a quotation's later sentence): said so, as the article did nearby
        return f"According to {speaker}, {_lowered(text)}", None
    if opinion or (claim.loaded and claim.speaker is None):
        outlet = outlets.get(claim.article)
        if outlet:
            return f"According to {outlet}, {_lowered(text)}", outlet
    return text, None


def _lowered(text: str) -> str:
    """``text`` after "According to X, ": its first word lower-cased unless it is a name (or "I")."""
    first = text.split(" ", 1)[0]
    if first in ("The", "A", "An", "This", "That", "These", "Those", "It", "They", "There", "In", "On", "At"):
        return text[:1].lower() + text[1:]
    return text


def _act_date(members: Sequence[Claim]) -> str | None:
    dated = sorted(d.value for m in members for d in m.dates if d.of_act and d.value)
    return dated[0] if dated else None


def _mmr(candidates: list[Candidate]) -> list[Candidate]:
    """Greedy maximal marginal relevance up to MAX_WORDS; a near-repeat of a chosen sentence is never taken."""
    chosen: list[Candidate] = []
    left = sorted(candidates, key=lambda c: (-c.importance, c.group.id))
    words = 0
    while left and words < MAX_WORDS:
        chosen_vectors = np.stack([c.vector for c in chosen]) if chosen else None
        best, best_score = None, -math.inf
        for c in left:
            similarity = float(np.max(chosen_vectors @ c.vector)) if chosen_vectors is not None else 0.0
            if similarity >= REDUNDANT_AT or any(_overlaps(c, other) for other in chosen):
                continue
            score = MMR_LAMBDA * c.importance - (1 - MMR_LAMBDA) * similarity
            if score > best_score:
                best, best_score = c, score
        if best is None:
            break
        chosen.append(best)
        left.remove(best)
        words += best.words
    return chosen


def _values_differ(first: Claim, second: Claim) -> bool:
    """Two sentences stating different numbers, or different dates for the act, do not support each other
    ("4.4 million claims last week" is not "nearly 17 million in four weeks")."""
    numbers = {n.value for n in first.numbers}, {n.value for n in second.numbers}
    if all(numbers) and not numbers[0] & numbers[1]:
        return True
    dates = {d.value for d in first.dates if d.of_act}, {d.value for d in second.dates if d.of_act}
    return all(dates) and not dates[0] & dates[1]


def _overlaps(candidate: Candidate, chosen: Candidate) -> bool:
    """Whether a candidate restates a chosen sentence's own words (a relative clause inside it)."""
    spans = [(m.article, m.start, m.end) for m in chosen.members]
    return any(a == m.article and m.start < e and s < m.end for m in candidate.members for a, s, e in spans)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
