"""The brief: what happened in neutral words, every sentence citing the article sentences it rests on, and how
the outlets differ. Built per story from its stored comparison (no model run), stored with the story's
analysis, recomputed only when the story changes.

- ``compress``: a claim sentence's neutral wording (the extract stage runs it, where the parse is);
- ``writer``: selection and wording of the brief's sentences;
- ``differences``: the "how the outlets differ" section;
- ``render``: text, Markdown and outline views of a stored brief at any length.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsprism.records import (
    ArticleComparison,
    Brief,
    BriefSentence,
    Entity,
    Quote,
    Story,
    StoryComparison,
)

DEFAULT_WORDS = 120


def write_brief(
    story: Story,
    order: Sequence[str],
    comparisons: dict[str, ArticleComparison],
    comparison: StoryComparison,
    cast: Sequence[Entity],
    quotes: Sequence[Quote],
    outlets: dict[str, str],
    headline_vectors: Sequence[bytes] = (),
) -> Brief:
    """``headline_vectors``: the members' stored headline + lead vectors, what the story is about."""
    from newsprism.brief.differences import differences
    from newsprism.brief.writer import brief_sentences
    from newsprism.compare.story import independent_sources

    sources = independent_sources(story, outlets)
    sentences = brief_sentences(order, comparisons, comparison, outlets, sources, headline_vectors)
    return Brief(
        sentences=sentences,
        differences=differences(order, comparisons, comparison, cast, quotes, outlets, sentences),
        words=sum(len(s.text.split()) for s in sentences),
    )


def at_length(brief: Brief, words: int = DEFAULT_WORDS, at_least: bool = False) -> Brief:
    """The brief of about ``words`` words: the lowest-ranked sentences that fit (the first always; with
    ``at_least``, until ``words`` is reached), in reading order: the lead first, then the rest by the
    timeline (the act's date; undated ones in rank order)."""
    chosen: list[BriefSentence] = []
    total = 0
    for sentence in sorted(brief.sentences, key=lambda s: s.rank):
        n = len(sentence.text.split())
        if chosen and total + n > words and not at_least:
            continue
        chosen.append(sentence)
        total += n
        if total >= words:
            break
    return Brief(sentences=reading_order(chosen), differences=brief.differences, words=total)


def reading_order(sentences: Sequence[BriefSentence]) -> list[BriefSentence]:
    if not sentences:
        return []
    lead = min(sentences, key=lambda s: s.rank)
    rest = [s for s in sentences if s is not lead]
    dated = sorted((s for s in rest if s.date), key=lambda s: (s.date or "", s.rank))
    undated = sorted((s for s in rest if not s.date), key=lambda s: s.rank)
    return [lead, *_merge_by_rank(dated, undated)]


def _merge_by_rank(dated: list[BriefSentence], undated: list[BriefSentence]) -> list[BriefSentence]:
    """Dated sentences keep their timeline order; an undated one goes where its rank puts it among them."""
    out: list[BriefSentence] = []
    u = 0
    for sentence in dated:
        while u < len(undated) and undated[u].rank < sentence.rank:
            out.append(undated[u])
            u += 1
        out.append(sentence)
    out.extend(undated[u:])
    return out
