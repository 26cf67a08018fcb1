"""Per-article extraction, run once per article right after its parse (in the ingest workers).

It computes everything about an article that does not depend on other articles: its actors with their
mentions, labels and context vectors; its quotes with their local speakers; its event mentions with resolved
dates; and its headline+lead vector for story clustering. The story stage later links the local actors across
the story's articles and rewrites the local ids ("L<n>") to cast ids, with no model run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from newsprism import records
from newsprism.records import ArticleExtraction, StageFailure

if TYPE_CHECKING:
    from newsprism import entities as entities_mod
    from newsprism.compare.article import PendingSentence
    from newsprism.nlp import ParsedArticle

log = logging.getLogger("newsprism")

STAGE = "extract"


def local_id(index: int) -> str:
    return f"L{index}"


def _local_cast(local: entities_mod.LocalEntity, index: int) -> records.Entity:
    """One local actor in the shape the quote and event passes read a cast entity in."""
    from newsprism.entities import build_entities

    (entity,) = build_entities([local], [[(0, [])]])
    entity.id = local_id(index)
    return entity


def _to_record(local: entities_mod.LocalEntity) -> records.LocalEntity:
    return records.LocalEntity(
        type=local.type,
        mentions=[
            records.LocalMention(
                start=m.start,
                end=m.end,
                text=m.text,
                type=m.type,
                kind=m.kind,
                sentence=m.sentence,
                root=m.root,
            )
            for m in local.mentions
        ],
        labels=[
            records.LocalLabel(
                outlet=lab.outlet,
                text=lab.text,
                start=lab.start,
                end=lab.end,
                kind=lab.kind,
                head=lab.head,
                source=lab.source,
            )
            for lab in local.labels
        ],
        merges=[records.convert(m, records.Merge) for m in local.merges],
        acronym=local.acronym,
        nominal_keys=sorted(local.nominal_keys),
        place=local.place,
        vector=None if local.vec is None else records.pack_vector(local.vec),
    )


def extract_one(
    item: ParsedArticle, locals_: list[entities_mod.LocalEntity], story_vector: Any
) -> tuple[ArticleExtraction, list[PendingSentence]]:
    """The article's extraction, and its actor sentences waiting for the sentiment model (claim vectors and
    sentiments are filled in for the whole batch at once)."""
    from newsprism.compare.article import compare_article
    from newsprism.quotes import extract_quotes
    from newsprism.timeline import article_times, extract_event_mentions

    cast = [_local_cast(local, i) for i, local in enumerate(locals_)]
    quotes = extract_quotes(item, cast)
    times = article_times(item)
    events = extract_event_mentions(item, cast, times)
    comparison, pending = compare_article(item, cast, quotes, times)
    extraction = ArticleExtraction(
        article=item.id,
        entities=[_to_record(local) for local in locals_],
        quotes=quotes,
        event_mentions=events,
        story_vector=records.pack_vector(story_vector),
        comparison=comparison,
    )
    return extraction, pending


def run(batch: Sequence[ParsedArticle], context: object = None) -> list[ArticleExtraction | StageFailure]:
    """The stage: one result per input, in order; an article that fails is a StageFailure, not an abort.

    The model calls are batched over the whole batch: one MiniLM call for every actor context, one for every
    headline+lead."""
    from newsprism import nlp
    from newsprism.entities import _context_vectors, extract_local_entities
    from newsprism.stories import article_vectors

    out: list[ArticleExtraction | StageFailure | None] = [None] * len(batch)
    locals_by_item: dict[int, list[entities_mod.LocalEntity]] = {}
    for n, item in enumerate(batch):
        try:
            locals_by_item[n] = extract_local_entities(item)
        except Exception as exc:
            out[n] = _failure(item, exc)
    ok = [n for n in range(len(batch)) if out[n] is None]
    all_locals = [local for n in ok for local in locals_by_item[n]]
    _context_vectors([batch[n].article for n in ok], all_locals, nlp.embed)
    vectors = article_vectors([batch[n].article for n in ok])
    pending: list[tuple[int, list[PendingSentence]]] = []
    for row, n in enumerate(ok):
        try:
            extraction, sentences = extract_one(batch[n], locals_by_item[n], vectors[row])
            out[n] = extraction
            pending.append((n, sentences))
        except Exception as exc:
            out[n] = _failure(batch[n], exc)
    _fill_models(batch, out, pending)
    return [r for r in out if r is not None]


def _fill_models(
    batch: Sequence[ParsedArticle],
    out: list[ArticleExtraction | StageFailure | None],
    pending: list[tuple[int, list[PendingSentence]]],
) -> None:
    """Claim vectors and actor sentiments, article by article (see ``compare.article.fill_models``): one bad
    text costs only its article."""
    from newsprism.compare.article import fill_models

    for n, sentences in pending:
        result = out[n]
        if not isinstance(result, ArticleExtraction) or result.comparison is None:
            continue
        try:
            fill_models([result.comparison], [sentences])
        except Exception as exc:
            out[n] = _failure(batch[n], exc)


def _failure(item: ParsedArticle, exc: BaseException) -> StageFailure:
    log.debug("extract failed on %s", item.id, exc_info=True)
    return StageFailure(item=item.id, stage=STAGE, error=type(exc).__name__, message=str(exc))
