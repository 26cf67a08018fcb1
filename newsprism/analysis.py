"""The analysis layer over the store: bring every stage up to date, and read its stored results.

``update`` runs what is missing or outdated and nothing else: the per-article extraction for articles that have
no result of the current version (normally done already in the ingest workers), then the corpus stages
(stories, then each changed story's cast, quotes and timeline). ``document`` and the read helpers only read
the store: no model is loaded, nothing is recomputed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsprism import records
from newsprism.executors import make_executor
from newsprism.records import (
    ArticleEntry,
    Document,
    Entity,
    Event,
    Quote,
    StageFailure,
    StoryAnalysis,
    StoryEntry,
)
from newsprism.stages import stage
from newsprism.store import Store

if TYPE_CHECKING:
    from newsprism.nlp import ParsedArticle

log = logging.getLogger("newsprism")

EXTRACT = stage("extract")


@dataclass
class AnalysisRun:
    extracted: int = 0
    stories: int = 0
    recomputed: int = 0
    failures: list[StageFailure] = field(default_factory=list)


def _extract_stored(batch: list[str], store_url: str) -> list[tuple[str, bytes | StageFailure]]:
    """The extract stage over stored articles (their stored parse: no second spaCy run)."""
    from newsprism import nlp
    from newsprism.pipeline import lookup_store
    from newsprism.stages import extract

    store = lookup_store(store_url)
    inputs = []
    out: list[tuple[str, bytes | StageFailure]] = []
    for article in store.iter_articles(batch):
        try:
            inputs.append(nlp.parsed(article))
        except Exception as exc:
            failure = StageFailure(
                item=article.id, stage=EXTRACT.name, error=type(exc).__name__, message=str(exc)
            )
            out.append((article.id, failure))
    results = extract.run(inputs) if inputs else []
    for item, result in zip(inputs, results, strict=True):
        out.append((item.id, result if isinstance(result, StageFailure) else records.pack(result)))
    return out


def _warm() -> None:
    from newsprism import nlp

    nlp.load_spacy()
    nlp.load_embedder()


def extract_missing(
    store: Store, workers: int = 1, ids: Sequence[str] | None = None
) -> tuple[int, list[StageFailure]]:
    """Run the extract stage for stored articles without a current result; returns (done, failures)."""
    todo = list(ids) if ids is not None else store.article_ids_needing(EXTRACT.name, EXTRACT.version)
    if not todo:
        return 0, []
    failures: list[StageFailure] = []
    done = 0
    executor = make_executor(workers, _warm, cost=lambda _article_id: 60.0)  # stored texts: <= 500k chars
    batches = [todo[i : i + 16] for i in range(0, len(todo), 16)]

    def on_hang(article_id: str) -> tuple[str, bytes | StageFailure]:
        failure = StageFailure(
            item=article_id,
            stage=EXTRACT.name,
            error="Timeout",
            message="the worker exceeded its time budget",
        )
        return article_id, failure

    try:
        for _batch, results in executor.map(_extract_stored, batches, store.url, on_hang):
            saved = [(aid, r) for aid, r in results if isinstance(r, bytes)]
            failed = [r for _, r in results if isinstance(r, StageFailure)]
            store.save_article_results(EXTRACT.name, EXTRACT.version, saved)
            store.record_failures(failed)
            done += len(saved)
            failures.extend(failed)
        executor.close()
    except BaseException:
        abort = getattr(executor, "abort", None)
        if abort is not None:
            abort()
        raise
    return done, failures


def update(store: Store, workers: int = 1, on_story: Callable[[int, int], None] | None = None) -> AnalysisRun:
    """Every stage up to date with the stored articles (only what is missing or outdated is computed)."""
    from newsprism.stages.corpus import update_corpus

    run = AnalysisRun()
    run.extracted, failures = extract_missing(store, workers)
    run.failures.extend(failures)
    report = update_corpus(store, on_story=on_story)
    run.stories = len(report.stories)
    run.recomputed = len(report.recomputed)
    run.failures.extend(report.failures)
    return run


@dataclass
class CorpusAnalysis:
    """What ``analyze_articles`` finds: each story's analysis, and the cast over all of them."""

    stories: list[StoryAnalysis]
    entities: list[Entity]

    @property
    def quotes(self) -> list[Quote]:
        return [q for s in self.stories for q in s.quotes]

    @property
    def events(self) -> list[Event]:
        return [e for s in self.stories for e in s.events]


def analyze_articles(articles: Sequence[ParsedArticle]) -> CorpusAnalysis:
    """The same stages in memory, without a store (evaluation, tests, the library API): stories, each with
    its cast, quotes and events."""
    from newsprism.stages import extract
    from newsprism.stages.corpus import analyze_story, canonical_order, merge_entities
    from newsprism.stories import StoryIndex

    by_id = {a.id: a for a in articles}
    order = canonical_order((a.id, a.article.published) for a in articles)
    extractions = {}
    for result in extract.run([by_id[aid] for aid in order]) if order else []:
        if isinstance(result, StageFailure):
            log.warning("%s: analysis failed (%s: %s)", result.item, result.error, result.message)
        else:
            extractions[result.article] = result
    index = StoryIndex()
    for aid in order:
        if aid in extractions:
            index.add(by_id[aid].article, records.unpack_vector(extractions[aid].story_vector))
    outlets = {a.id: a.article.outlet or "" for a in articles}
    published = {a.id: a.article.published for a in articles}
    taken: set[str] = set()
    analyses = []
    for story in index.stories():
        analysis = analyze_story(story, extractions, outlets, {}, taken, published)
        taken.update(e.id for e in analysis.entities)
        analyses.append(analysis)
    return CorpusAnalysis(analyses, merge_entities(e for a in analyses for e in a.entities))


# -------------------------------------------------------------------------------------------- reads


def story_analyses(
    store: Store, story: str | None = None, article_ids: Sequence[str] | None = None
) -> list[StoryAnalysis]:
    """Stored analyses: one story (an absorbed id resolves), the stories holding ``article_ids``, or all."""
    if story is not None:
        return store.story_analyses([store.resolve_id("story", story)])
    if article_ids is not None:
        return store.story_analyses(store.story_ids_of_articles(list(article_ids)))
    return store.story_analyses()


class DocumentReader:
    """The JSON document of some stories, read from the store list by list: each list is decoded when it is
    consumed, so a writer can stream the document with memory bounded by one story (and the merged cast)."""

    def __init__(
        self, store: Store, article_ids: Sequence[str] | None = None, story: str | None = None
    ) -> None:
        from newsprism import __version__
        from newsprism.report.json_export import JSON_VERSION
        from newsprism.stages.corpus import canonical_order

        self.store = store
        self.version = JSON_VERSION
        self.generator = f"newsprism {__version__}"
        if story is not None:
            self.story_ids: list[str] | None = [store.resolve_id("story", story)]
        elif article_ids is not None:
            self.story_ids = store.story_ids_of_articles(list(article_ids))
        else:
            self.story_ids = None  # every story
        heads = [head.story for head in store.story_parts(records.StoryHead, self.story_ids)]
        members = {aid for head in heads for aid in head.articles}
        if article_ids is not None:
            members |= set(article_ids)
        self.order = canonical_order(store.article_dates_of(sorted(members)))
        live = {head.id for head in heads}
        self.failures = [f for f in store.failures() if f.item in members or f.item in live]
        self._failed = {f.item for f in self.failures}

    def articles(self) -> Iterator[ArticleEntry]:
        from newsprism.report.json_export import article_entry

        kinds = self.store.extraction_parts(self.order, records.ExtractionKind)
        for article in self.store.iter_articles(self.order, with_doc=False):
            entry = article_entry(article, failed=article.id in self._failed)
            found = kinds.get(article.id)
            if found is not None and found.comparison is not None:
                entry.kind = found.comparison.kind
                entry.kind_evidence = found.comparison.kind_evidence
            yield entry

    def stories(self) -> Iterator[StoryEntry]:
        from newsprism.brief import at_length

        for analysis in self.store.story_parts(StoryAnalysis, self.story_ids):
            fields = {f: getattr(analysis.story, f) for f in analysis.story.__struct_fields__}
            comparison = analysis.comparison
            yield StoryEntry(
                **fields,
                entities=analysis.entities,
                quotes=analysis.quotes,
                events=analysis.events,
                claims=comparison.claims if comparison else [],
                coverage=comparison.coverage if comparison else None,
                framing=comparison.framing if comparison else [],
                brief=at_length(analysis.brief) if analysis.brief else None,
                failed=analysis.story.id in self._failed,
            )

    def entities(self) -> list[Entity]:
        """The cast merged across the stories (an actor of several stories once): held whole to merge."""
        from newsprism.stages.corpus import merge_entities

        return merge_entities(
            e for part in self.store.story_parts(records.StoryEntities, self.story_ids) for e in part.entities
        )

    def quotes(self) -> Iterator[Quote]:
        for part in self.quote_lists():
            yield from part

    def events(self) -> Iterator[Event]:
        for part in self.event_lists():
            yield from part

    def quote_lists(self) -> Iterator[list[Quote]]:
        """The quotes story by story (a writer encodes each list at once)."""
        for part in self.store.story_parts(records.StoryQuotes, self.story_ids):
            yield part.quotes

    def event_lists(self) -> Iterator[list[Event]]:
        for part in self.store.story_parts(records.StoryEvents, self.story_ids):
            yield part.events

    def document(self) -> Document:
        return Document(
            version=self.version,
            generator=self.generator,
            articles=list(self.articles()),
            stories=list(self.stories()),
            entities=self.entities(),
            quotes=list(self.quotes()),
            events=list(self.events()),
            failures=self.failures,
        )


def document(store: Store, article_ids: Sequence[str] | None = None, story: str | None = None) -> Document:
    """The JSON document (see README) from stored results only, in memory (the HTML report reads it whole;
    ``report.json_export.write_json`` streams the same bytes)."""
    return DocumentReader(store, article_ids, story).document()
