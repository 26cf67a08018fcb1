"""The story part of the comparison, from the members' stored per-article comparisons (no model run): claim
groups across outlets, the coverage matrix, each article's framing of the main actors, and the kinds."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from statistics import fmean

import msgspec

from newsprism.compare.align import AlignConfig, align_claims
from newsprism.compare.lexicon import text_polarity
from newsprism.records import (
    ArticleComparison,
    ArticleKind,
    Claim,
    ClaimGroup,
    Coverage,
    CoverageRow,
    Entity,
    Framing,
    Quote,
    Story,
    StoryComparison,
    TermSpan,
)

MAIN_ACTORS = 6  # actors framed per story
MAX_COVERAGE_ROWS = (
    400  # a 1,000-article story has thousands of single-source claims; the matrix keeps the most-sourced
)
SOURCE_KINDS = {
    "named_official": "officials",
    "named_expert": "experts",
    "anonymous": "anonymous",
    "named_citizen": "citizens",
    "other_media": "other_media",
    "organisation": "organisations",
    "named_person": "named_people",
    "unresolved": "unresolved",
}


def independent_sources(story: Story, outlets: dict[str, str]) -> dict[str, str]:
    """Article -> the source it counts as: copies of one article are one source, and so are one outlet's
    articles (an outlet confirming itself is not corroboration)."""
    representative = {a: a for a in story.articles}
    for group in story.duplicates:
        for member in group:
            representative[member] = group[0]
    return {a: outlets.get(representative[a]) or outlets.get(a) or representative[a] for a in story.articles}


def compare_story(
    story: Story,
    order: Sequence[str],
    comparisons: dict[str, ArticleComparison],
    cast: Sequence[Entity],
    quotes: Sequence[Quote],
    outlets: dict[str, str],
    config: AlignConfig | None = None,
) -> StoryComparison:
    """``order``: the story's articles in canonical order; ``comparisons`` with cast ids already in place."""
    members = [a for a in order if a in comparisons]
    same_name = _one_id_per_name(cast)
    heads = _name_heads(cast)
    claims: list[Claim] = [_renamed(c, same_name, heads) for a in members for c in comparisons[a].claims]
    sources = independent_sources(story, outlets)
    outlet_of = {a: outlets.get(a) or a for a in members}
    groups = align_claims(claims, sources, outlet_of, config)
    return StoryComparison(
        claims=groups,
        coverage=coverage(groups, claims, outlet_of, [outlet_of[a] for a in members]),
        framing=framing(members, comparisons, cast, quotes, outlet_of),
        kinds=[
            ArticleKind(
                article=a,
                kind=comparisons[a].kind,
                kind_evidence=comparisons[a].kind_evidence,
                outlet=outlet_of[a],
            )
            for a in members
        ],
    )


def _one_id_per_name(cast: Sequence[Entity]) -> dict[str, str]:
    """Cast ids -> one id per name: the cast may keep "Keldoria" the place and "Keldoria" the government
    apart, but a claim about either is about the same actor for alignment."""
    first: dict[str, str] = {}
    out: dict[str, str] = {}
    for entity in sorted(cast, key=lambda e: (-len(e.mentions), e.id)):
        out[entity.id] = first.setdefault(entity.name.casefold(), entity.id)
    return out


def _name_heads(cast: Sequence[Entity]) -> dict[str, str]:
    """Entity id -> the last word of its name ("Northern Virginia" -> "virginia"): two outlets naming a
    place or body at different precision still speak of the same thing."""
    out = {}
    for entity in cast:
        words = entity.name.split()
        if words and entity.type in ("GPE", "LOC", "FAC", "ORG", "NORP") and len(words[-1]) >= 4:
            out[entity.id] = "name:" + words[-1].casefold()
    return out


def _renamed(claim: Claim, ids: dict[str, str], heads: dict[str, str]) -> Claim:
    def one(x: str | None) -> str | None:
        return ids.get(x, x) if x else x

    entities = sorted({ids.get(e, e) for e in claim.entities})
    return msgspec.structs.replace(
        claim,
        entities=entities,
        keys=sorted(set(entities) | {heads[e] for e in claim.entities if e in heads}),
        subject=one(claim.subject),
        object=one(claim.object),
        speaker=one(claim.speaker),
    )


def coverage(
    groups: Sequence[ClaimGroup],
    claims: Sequence[Claim],
    outlet_of: dict[str, str],
    outlets_in_order: Sequence[str],
) -> Coverage:
    """Claim groups x outlets: ``reports`` (in its own voice or a speaker's), ``quotes`` (credits another
    outlet for it), ``absent``."""
    outlets = list(dict.fromkeys(outlets_in_order))
    via = {(c.article, c.start): c.via for c in claims}
    rows = []
    for group in list(groups)[:MAX_COVERAGE_ROWS]:
        cells = dict.fromkeys(outlets, "absent")
        for mention in group.mentions:
            outlet = outlet_of.get(mention.article, mention.article)
            if cells.get(outlet) != "reports":
                cells[outlet] = "quotes" if via.get((mention.article, mention.start)) else "reports"
        rows.append(CoverageRow(claim=group.id, cells=cells))
    return Coverage(outlets=outlets, rows=rows)


def framing(
    members: Sequence[str],
    comparisons: dict[str, ArticleComparison],
    cast: Sequence[Entity],
    quotes: Sequence[Quote],
    outlet_of: dict[str, str],
) -> list[Framing]:
    """For each main actor and each article that mentions it: the outlet's labels for it, the loaded terms in
    the sentences that mention it, the mean sentiment toward it, and whom the article quotes."""
    actors = main_actors(cast)
    by_article_quotes: dict[str, Counter[str]] = defaultdict(Counter)
    for quote in quotes:
        by_article_quotes[quote.article][SOURCE_KINDS.get(quote.source_type or "", "unresolved")] += 1
    out: list[Framing] = []
    for entity in actors:
        in_articles = {m.article for m in entity.mentions}
        for article in members:
            if article not in in_articles:
                continue
            comparison = comparisons[article]
            sentences = [s for s in comparison.actor_sentences if s.entity == entity.id]
            spans = [(s.start, s.end) for s in sentences]
            # The outlet's own sentiment: its own sentences, when it has any about the actor, not those it quotes.
            own = [s for s in sentences if not s.in_quote] or sentences
            terms = [t for t in comparison.loaded_terms if any(s <= t.start < e for s, e in spans)]
            labels = list(dict.fromkeys(lab.text for lab in entity.labels if lab.article == article))
            model = round(fmean(s.sentiment for s in own), 3) if own else None
            polarities = [p for p in (text_polarity(label) for label in labels) if p is not None]
            label_polarity = round(fmean(polarities), 3) if polarities else None
            out.append(
                Framing(
                    article=article,
                    outlet=outlet_of.get(article, article),
                    entity=entity.id,
                    name=entity.name,
                    labels=labels,
                    loaded_terms=[
                        TermSpan(text=t.text, start=t.start, end=t.end, in_quote=t.in_quote) for t in terms
                    ],
                    sentiment=combined_sentiment(model, label_polarity),
                    sentences=len(sentences),
                    sources_quoted=dict(sorted(by_article_quotes[article].items())),
                    model_sentiment=model,
                    label_polarity=label_polarity,
                )
            )
    return out


LABEL_WEIGHT = 0.5


def combined_sentiment(model: float | None, label_polarity: float | None) -> float | None:
    """An outlet's sentiment toward an actor: the model's reading of its sentences, and the words it chooses
    to name him ("warlord", "war criminal" vs "commander"), which are its own judgement and which a sentence
    model reading one sentence at a time underweights. Either alone when the other is missing."""
    if model is None:
        return label_polarity
    if label_polarity is None:
        return model
    return round((1 - LABEL_WEIGHT) * model + LABEL_WEIGHT * label_polarity, 3)


def main_actors(cast: Sequence[Entity]) -> list[Entity]:
    """The story's main actors: people and organisations most mentioned, across the most articles."""
    ranked = sorted(
        (e for e in cast if e.type in ("PERSON", "ORG", "NORP", "GPE") and e.mentions),
        key=lambda e: (-len(set(e.articles)), -len(e.mentions), e.name),
    )
    people_first = [e for e in ranked if e.type in ("PERSON", "ORG")] + [
        e for e in ranked if e.type not in ("PERSON", "ORG")
    ]
    return people_first[:MAIN_ACTORS]
