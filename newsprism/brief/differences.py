"""How the outlets differ, from the comparison: facts they dispute (both versions), the labels each gives the
main actors, what only one outlet reports, what one outlet leaves out that the others report, the article
kinds, and whose voices each quotes. Every line cites the spans it rests on where there are spans."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from newsprism.compare.story import SOURCE_KINDS, main_actors
from newsprism.records import (
    ArticleComparison,
    BriefCitation,
    BriefDifference,
    BriefSentence,
    Claim,
    ClaimGroup,
    ConflictValue,
    Entity,
    Quote,
    StoryComparison,
)

MAX_CONTESTED, MAX_SINGLE, MAX_OMITTED, LABEL_ACTORS, MAX_LABELS = 4, 3, 3, 3, 4
QUOTED_WORDS = 18  # a claim shown inside a difference is cut to this many words
SOURCE_NAMES = {
    "officials": "officials",
    "experts": "experts",
    "anonymous": "anonymous sources",
    "citizens": "citizens",
    "other_media": "other media",
    "organisations": "organisations",
    "named_people": "other named people",
}


def differences(
    order: Sequence[str],
    comparisons: dict[str, ArticleComparison],
    comparison: StoryComparison,
    cast: Sequence[Entity],
    quotes: Sequence[Quote],
    outlets: dict[str, str],
    sentences: Sequence[BriefSentence],
) -> list[BriefDifference]:
    outlet_of = {a: outlets.get(a) or a for a in order}
    if len(set(outlet_of.values())) < 2:
        return []
    claims = {(c.article, c.start): c for a in order if a in comparisons for c in comparisons[a].claims}
    names = {e.id: e.name for e in cast}
    return [
        *_contested(comparison.claims, claims, names, outlet_of),
        *_labels(cast, outlet_of),
        *_single_source(sentences, outlet_of),
        *_omitted(sentences, outlet_of),
        *_kinds(comparison, outlet_of),
        *_voices(quotes, outlet_of),
    ]


def _short(text: str, words: int = QUOTED_WORDS) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _outlet_list(names: Sequence[str]) -> str:
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _sentence_of(value: ConflictValue, claims: dict[tuple[str, int], Claim]) -> Claim | None:
    for (article, start), claim in claims.items():
        if article == value.article and start <= value.start < claim.end:
            return claim
    return None


def _shown_value(field: str, value: ConflictValue, claim: Claim | None, names: dict[str, str]) -> str:
    if claim is not None:
        for n in claim.numbers:
            if n.start == value.start:
                return n.text
        for d in claim.dates:
            if d.start == value.start:
                return d.text
    if field == "actor":
        return names.get(value.value, value.value)
    if field == "polarity" and claim is not None:
        return _short(claim.neutral or claim.text, 12)
    return value.value


def _contested(
    groups: Sequence[ClaimGroup],
    claims: dict[tuple[str, int], Claim],
    names: dict[str, str],
    outlet_of: dict[str, str],
) -> list[BriefDifference]:
    out: list[BriefDifference] = []
    for group in [g for g in groups if g.status == "contested" and g.conflict][:MAX_CONTESTED]:
        assert group.conflict is not None
        versions = []
        citations = []
        for value in group.conflict.values:
            claim = _sentence_of(value, claims)
            shown = _shown_value(group.conflict.field, value, claim, names)
            versions.append(f"{outlet_of.get(value.article, value.article)}: “{shown}”")
            if claim is not None:
                citations.append(BriefCitation(article=claim.article, start=claim.start, end=claim.end))
        text = (
            f"The outlets disagree on the {group.conflict.field} in “{_short(group.text)}”: "
            + "; ".join(dict.fromkeys(versions))
            + "."
        )
        out.append(BriefDifference(kind="contested", text=text, citations=citations))
    return out


def _labels(cast: Sequence[Entity], outlet_of: dict[str, str]) -> list[BriefDifference]:
    out: list[BriefDifference] = []
    for entity in main_actors(cast)[:LABEL_ACTORS]:
        by_outlet: dict[str, list[str]] = defaultdict(list)
        citations = []
        for label in entity.labels:
            outlet = outlet_of.get(label.article)
            if outlet is None or label.kind == "affiliation":
                continue
            if label.text.casefold() not in (t.casefold() for t in by_outlet[outlet]):
                by_outlet[outlet].append(label.text)
                if label.in_ == "text":
                    citations.append(BriefCitation(article=label.article, start=label.start, end=label.end))
        distinct = {frozenset(t.casefold() for t in labels) for labels in by_outlet.values()}
        if len(by_outlet) < 2 or len(distinct) < 2:
            continue  # the outlets name the actor alike
        parts = [
            f"{outlet} “" + "”, “".join(labels[:MAX_LABELS]) + "”" for outlet, labels in by_outlet.items()
        ]
        out.append(
            BriefDifference(
                kind="labels",
                text=f"Labels for {entity.name}: " + "; ".join(parts) + ".",
                citations=citations,
            )
        )
    return out


def _single_source(sentences: Sequence[BriefSentence], outlet_of: dict[str, str]) -> list[BriefDifference]:
    """Brief sentences one outlet reports and no other comes close to."""
    everyone = set(outlet_of.values())
    out: list[BriefDifference] = []
    for sentence in sorted(sentences, key=lambda s: s.rank):
        if len(out) >= MAX_SINGLE or len(sentence.outlets) != 1:
            continue
        if set(sentence.absent_from) != everyone - set(sentence.outlets):
            continue
        out.append(
            BriefDifference(
                kind="single_source",
                text=f"Only {sentence.outlets[0]} reports: “{_short(sentence.text)}”",
                citations=sentence.citations,
            )
        )
    return out


def _omitted(sentences: Sequence[BriefSentence], outlet_of: dict[str, str]) -> list[BriefDifference]:
    """Facts every outlet but one reports, when the one has nothing close (stories of three outlets or more)."""
    if len(set(outlet_of.values())) < 3:
        return []
    out: list[BriefDifference] = []
    for sentence in sorted(sentences, key=lambda s: s.rank):
        if len(out) >= MAX_OMITTED or len(sentence.outlets) < 2 or len(sentence.absent_from) != 1:
            continue
        out.append(
            BriefDifference(
                kind="omission",
                text=f"{sentence.absent_from[0]} does not report what {_outlet_list(sentence.outlets)} do: "
                f"“{_short(sentence.text)}”",
                citations=sentence.citations,
            )
        )
    return out


def _kinds(comparison: StoryComparison, outlet_of: dict[str, str]) -> list[BriefDifference]:
    kinds = {k.article: k for k in comparison.kinds}
    if len({k.kind for k in kinds.values()}) < 2 and all(k.kind == "news" for k in kinds.values()):
        return []
    out: list[BriefDifference] = []
    for article, kind in kinds.items():
        if kind.kind == "news":
            continue
        evidence = "; ".join(kind.kind_evidence[:3])
        outlet = outlet_of.get(article, article)
        text = f"{outlet}'s article reads as {kind.kind}" + (f" ({evidence})." if evidence else ".")
        out.append(BriefDifference(kind="kind", text=text, citations=[]))
    return out


def _voices(quotes: Sequence[Quote], outlet_of: dict[str, str]) -> list[BriefDifference]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    cited: dict[str, list[BriefCitation]] = defaultdict(list)
    for quote in quotes:
        outlet = outlet_of.get(quote.article)
        kind = SOURCE_KINDS.get(quote.source_type or "", "unresolved")
        if outlet is None or kind == "unresolved":
            continue
        counts[outlet][kind] += 1
        if len(cited[outlet]) < 3:
            cited[outlet].append(BriefCitation(article=quote.article, start=quote.start, end=quote.end))
    if len(counts) < 2:
        return []
    out: list[BriefDifference] = []
    for outlet, kinds in counts.items():
        parts = [f"{SOURCE_NAMES.get(k, k)} ({n})" for k, n in kinds.most_common()]
        out.append(
            BriefDifference(
                kind="sources", text=f"{outlet} quotes {_outlet_list(parts)}.", citations=cited[outlet]
            )
        )
    return out
