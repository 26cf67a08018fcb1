"""The analysis layer over the store: bring every stage up to date, and read its stored results.

``update`` runs what is missing or outdated and nothing else: the per-article extraction for articles that have
no result of the current version (normally done already in the ingest workers), then the corpus stages
(stories, then each changed story's cast, quotes and timeline). ``document`` and the read helpers only read
the store: no model is loaded, nothing is recomputed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsprism import records
from newsprism.executors import make_executor
from newsprism.records import StageFailure, StoryAnalysis
from newsprism.stages import stage
from newsprism.store import Store

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
            inputs.append(extract.ExtractInput(article, nlp.article_doc(article)))
        except Exception as exc:
            out.append(
                (
                    article["id"],
                    StageFailure(
                        item=article["id"], stage=EXTRACT.name, error=type(exc).__name__, message=str(exc)
                    ),
                )
            )
    results = extract.run(inputs) if inputs else []
    for item, result in zip(inputs, results, strict=True):
        out.append((item.article["id"], result if isinstance(result, StageFailure) else records.pack(result)))
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


def analyze_articles(articles: list[dict[str, Any]]) -> dict[str, Any]:
    """The same stages in memory, without a store (evaluation, tests, the library API): stories, each with
    its cast, quotes and events, and the same over all articles, as plain JSON-ready values."""
    from newsprism import nlp
    from newsprism.stages import extract
    from newsprism.stages.corpus import analyze_story, canonical_order, merge_entities
    from newsprism.stories import StoryIndex

    if not articles:
        return {"stories": [], "entities": [], "quotes": [], "events": []}
    by_id = {a["id"]: a for a in articles}
    order = canonical_order((a["id"], a.get("published")) for a in articles)
    inputs = [extract.ExtractInput(by_id[aid], nlp.article_doc(by_id[aid])) for aid in order]
    extractions = {}
    for result in extract.run(inputs):
        if isinstance(result, StageFailure):
            log.warning("%s: analysis failed (%s: %s)", result.item, result.error, result.message)
        else:
            extractions[result.article] = result
    index = StoryIndex()
    for aid in order:
        if aid in extractions:
            index.add(by_id[aid], records.unpack_vector(extractions[aid].story_vector))
    outlets = {a["id"]: a.get("outlet") or "" for a in articles}
    taken: set[str] = set()
    stories = []
    all_entities = []
    for story in index.stories():
        story["former_ids"] = []
        analysis = analyze_story(story, extractions, outlets, {}, taken)
        taken.update(e.id for e in analysis.entities)
        all_entities.extend(analysis.entities)
        entry = records.to_builtins(analysis.story)
        entry["entities"] = records.to_builtins(analysis.entities)
        entry["quotes"] = records.to_builtins(analysis.quotes)
        entry["events"] = records.to_builtins(analysis.events)
        stories.append(entry)
    return {
        "stories": stories,
        "entities": records.to_builtins(merge_entities(all_entities)),
        "quotes": [q for s in stories for q in s["quotes"]],
        "events": [e for s in stories for e in s["events"]],
    }


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


def document(
    store: Store, article_ids: Sequence[str] | None = None, story: str | None = None
) -> dict[str, Any]:
    """The JSON document (see README) from stored results only."""
    from newsprism import __version__
    from newsprism.report.json_export import JSON_VERSION, article_json
    from newsprism.stages.corpus import canonical_order, merge_entities

    analyses = story_analyses(store, story, article_ids)
    members = {aid for a in analyses for aid in a.story.articles}
    if article_ids is not None:
        members |= set(article_ids)
    rows = {row["id"]: row for row in store.iter_articles(sorted(members), with_doc=False)}
    order = canonical_order((aid, row["published"]) for aid, row in rows.items())
    failures = [f for f in store.failures() if f.item in members or f.item in {a.story.id for a in analyses}]
    failed_items = {f.item for f in failures}
    stories = []
    for analysis in analyses:
        entry = records.to_builtins(analysis.story)
        entry["entities"] = records.to_builtins(analysis.entities)
        entry["quotes"] = records.to_builtins(analysis.quotes)
        entry["events"] = records.to_builtins(analysis.events)
        entry["failed"] = analysis.story.id in failed_items
        stories.append(entry)
    articles = []
    for aid in order:
        entry = article_json(rows[aid])
        entry["failed"] = aid in failed_items
        articles.append(entry)
    return {
        "version": JSON_VERSION,
        "generator": f"newsprism {__version__}",
        "articles": articles,
        "stories": stories,
        "entities": records.to_builtins(merge_entities(e for a in analyses for e in a.entities)),
        "quotes": [q for s in stories for q in s["quotes"]],
        "events": [e for s in stories for e in s["events"]],
        "failures": records.to_builtins(failures),
    }
