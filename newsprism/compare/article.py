"""The per-article part of the comparison, run once per article in the extract stage: claims, loaded terms,
the sentences that mention each actor (with the sentiment toward it), and the article's kind. The model calls
(claim vectors, actor sentiment) are batched over the stage's whole batch by ``fill_models``."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsprism import records
from newsprism.brief.compress import neutral_wording
from newsprism.compare.claims import MAX_CHARS, extract_claims, quoted_spans, sentence_spans
from newsprism.compare.kind import classify_kind, kind_cues
from newsprism.compare.lexicon import loaded_terms
from newsprism.records import ActorSentence, ArticleComparison, Claim, Entity, LoadedTerm, Quote

if TYPE_CHECKING:
    from newsprism.compare.claims import Spans
    from newsprism.nlp import ParsedArticle
    from newsprism.timeline import TimeExpression

ACTOR_TYPES = frozenset({"PERSON", "ORG", "NORP", "GPE"})
# The sentiment model costs about 7 ms a sentence: only the article's main actors (named twice or more, or
# its three most named) are scored, at most this many sentences an article.
MAX_ACTOR_SENTENCES = 24
MIN_ACTOR_MENTIONS = 2
ALWAYS_ACTORS = 3
MAX_SENTENCE_CHARS = 600


@dataclass
class PendingSentence:
    """An actor sentence waiting for the model: the sentence text and the mention's offsets inside it."""

    sentence: ActorSentence
    text: str
    start: int
    end: int


def compare_article(
    item: ParsedArticle, cast: Sequence[Entity], quotes: Sequence[Quote], times: Sequence[TimeExpression]
) -> tuple[ArticleComparison, list[PendingSentence]]:
    quoted = quoted_spans(item.text, quotes)
    terms = loaded_terms(item.doc, item.text, quoted)
    kind, evidence = classify_kind(kind_cues(item, quoted, quotes, terms))
    claims = extract_claims(item, cast, quotes, times)
    _fill_neutral_wording(item, claims, terms, {e.id: e.name for e in cast})
    comparison = ArticleComparison(
        claims=claims,
        loaded_terms=terms,
        actor_sentences=[],
        kind=kind,
        kind_evidence=evidence,
    )
    return comparison, actor_sentences(item, cast, quoted)


def _fill_neutral_wording(
    item: ParsedArticle, claims: Sequence[Claim], terms: Sequence[LoadedTerm], names: dict[str, str]
) -> None:
    """Each claim's wording for the brief, while the parse is at hand (``brief.compress``)."""
    doc = item.doc
    for claim in claims:
        span = doc.char_span(claim.start, claim.end, alignment_mode="expand")
        if span is None:
            continue
        renames: dict[int, str] = {}
        first = span[0]
        if claim.in_passing:
            after = doc[span.end] if span.end < len(doc) else None
            # a clause the parse cut short ("who died after a white officer | pinned him") is no sentence
            whole = after is None or after.is_punct or after.is_space
            if whole and first.lower_ in ("who", "which", "that") and first.dep_ in ("nsubj", "nsubjpass"):
                actor = claim.text.split(", ", 1)[0]  # the clause's text opens on its actor's name
                renames[first.i] = actor  # "who lived in Virginia" -> "Haftar lived in Virginia"
        elif first.lower_ in ("he", "she") and first.dep_ == "nsubj" and claim.speaker in names:
            renames[first.i] = names[claim.speaker]  # "He said ..." out of its article names the speaker
        elif claim.embed_text and claim.subject_span is not None and claim.subject in names:
            subject = doc.char_span(*claim.subject_span, alignment_mode="expand")
            if subject is not None and len(subject) == 1:
                renames[subject.start] = names[claim.subject]
        claim.neutral, claim.loaded, claim.dropped = neutral_wording(doc, span, terms, renames)


def actor_sentences(item: ParsedArticle, cast: Sequence[Entity], quoted: Spans) -> list[PendingSentence]:
    """One entry per (actor, sentence) for the article's actors, most-mentioned actors first, each at its
    first mention in the sentence."""
    text = item.text
    sentences = sorted((s.start_char, s.end_char) for s in sentence_spans(item.doc))
    starts = [s for s, _ in sentences]
    ranked = sorted(
        (e for e in cast if e.type in ACTOR_TYPES and e.mentions), key=lambda e: (-len(e.mentions), e.id)
    )
    actors = [e for n, e in enumerate(ranked) if n < ALWAYS_ACTORS or len(e.mentions) >= MIN_ACTOR_MENTIONS]
    out: list[PendingSentence] = []
    for entity in actors:
        seen: set[int] = set()
        for mention in sorted(entity.mentions, key=lambda m: m.start):
            k = bisect_right(starts, mention.start) - 1
            if k < 0 or k in seen or mention.end > sentences[k][1]:
                continue
            seen.add(k)
            start, end = sentences[k]
            if end - start > MAX_SENTENCE_CHARS:
                continue
            out.append(
                PendingSentence(
                    ActorSentence(
                        entity=entity.id,
                        start=start,
                        end=end,
                        mention_start=mention.start,
                        mention_end=mention.end,
                        sentiment=0.0,
                        in_quote=quoted.covered_share(start, end) > 0.5,
                    ),
                    text[start:end],
                    mention.start - start,
                    mention.end - start,
                )
            )
            if len(out) >= MAX_ACTOR_SENTENCES:
                return out
    return out


def fill_models(
    comparisons: Sequence[ArticleComparison], pending: Sequence[Sequence[PendingSentence]]
) -> None:
    """Claim vectors and actor sentiments, one model call per article: a model's output for a text depends
    on the batch it is padded with, and an article's stored result must not depend on which articles shared
    its worker batch (a resumed run must store the same bytes as an uninterrupted one)."""
    from newsprism import nlp
    from newsprism.compare.sentiment import ActorSentiment, SentimentTarget

    for comparison, part in zip(comparisons, pending, strict=True):
        if comparison.claims:
            vectors = nlp.embed([(c.embed_text or c.text)[:MAX_CHARS] for c in comparison.claims])
            for claim, vector in zip(comparison.claims, vectors, strict=True):
                claim.vector = records.pack_vector(vector)
        if part:
            scores = ActorSentiment.load().score([SentimentTarget(p.text, p.start, p.end) for p in part])
            for p, score in zip(part, scores, strict=True):
                p.sentence.sentiment = round(float(score), 3)
        comparison.actor_sentences = [p.sentence for p in part]
