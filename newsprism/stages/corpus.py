"""Corpus stages over the store: story clustering (incremental), then the analysis of each changed story.

* ``stories``: the story index (MinHash near-duplicates, MiniLM centroids in hnswlib, entity overlap, time) is
  kept in the store; new articles are added to it in canonical order (publication date, then id), with their
  stored headline+lead vectors, so no model runs and old articles are never revisited.
* ``story_analysis``: for each story whose members or stage versions changed, its articles' local actors are
  linked into the story's cast (stored context vectors, no model), quotes and event mentions get cast ids,
  and event mentions merge into the timeline. Unchanged stories are not touched.
* Ids are minted once. A story keeps the id of its first article's story; when stories merge, the absorbed
  id becomes an alias. An actor keeps the id it had when first seen: a recomputed cast takes each entity's
  id from the stored entity that held most of its mentions, so a later, longer name does not change it.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import logging
import pickle
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from newsprism import records
from newsprism.records import (
    ArticleExtraction,
    Entity,
    EventMention,
    Quote,
    StageFailure,
    Story,
    StoryAnalysis,
)
from newsprism.stages import stage
from newsprism.stages.extract import local_id

if TYPE_CHECKING:
    from newsprism import entities as entities_mod
    from newsprism.store import Store

log = logging.getLogger("newsprism")

STORIES = stage("stories")
ANALYSIS = stage("story_analysis")
EXTRACT = stage("extract")


@dataclass
class CorpusReport:
    stories: list[Story] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)  # story ids analysed in this run
    failures: list[StageFailure] = field(default_factory=list)


def canonical_order(rows: Iterable[tuple[str, str | None]]) -> list[str]:
    """Article ids by publication date (undated last), then id: the order every corpus stage adds them in,
    so that the same articles give the same stories whatever order the files were given in."""
    return [aid for aid, _ in sorted(rows, key=lambda r: (r[1] is None, r[1] or "", r[0]))]


# -------------------------------------------------------------------------------------------- stories


# Up to this many articles the story index is rebuilt from the stored vectors whenever articles arrive (no
# model runs; about 3 s per 1,000 articles): the stories then depend only on which articles are stored, never
# on the order or the increments they came in. Past it, new articles are placed incrementally into the stored
# index, whose cost does not grow with the corpus.
REBUILD_BELOW = 5_000


def update_story_index(store: Store) -> list[Story]:
    """Place every article the index does not hold yet; return the story records (largest first)."""
    from newsprism.stories import StoryIndex

    blob = store.load_state(STORIES.name, STORIES.version)
    with _collector_paused():
        index: StoryIndex = pickle.loads(blob) if blob is not None else StoryIndex()  # state this store wrote
    stored = store.article_dates(with_result=EXTRACT.name)
    pending = [(aid, published) for aid, published in stored if not index.contains(aid)]
    if pending and len(stored) <= REBUILD_BELOW:
        index, pending = StoryIndex(), stored
    order = canonical_order(pending)
    for start in range(0, len(order), 200):
        chunk = order[start : start + 200]
        vectors = store.story_vectors(chunk)
        for article in store.iter_articles(chunk, with_doc=False):
            index.add(article, records.unpack_vector(vectors[article.id]))
    if order or blob is None:
        with _collector_paused():
            state = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
        store.save_state(STORIES.name, STORIES.version, state)
    return index.stories()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: (un)pickling a large index allocates millions of objects, and the
    collections that triggers midway only walk them (1.4 s of a 10,000-article index's 1.7 s load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """Objects alive when the corpus stage starts (the models ``analyze`` loaded, the modules) outlive it:
    frozen, the collections that the stage's many short-lived objects trigger do not walk them each time."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# ------------------------------------------------------------------------------------- story analysis


def story_inputs(story: Story, body_hashes: dict[str, str]) -> str:
    """What a story's analysis depends on: its members (and their texts) and the stage versions."""
    digest = hashlib.sha1(f"{ANALYSIS.version}|{EXTRACT.version}".encode())
    for article_id in sorted(story.articles):
        digest.update(f"|{article_id}:{body_hashes.get(article_id, '')}".encode())
    for group in story.duplicates:
        digest.update(("|dup:" + ",".join(group)).encode())
    return digest.hexdigest()[:32]


def _local_entities(extraction: ArticleExtraction, outlet: str) -> list[entities_mod.LocalEntity]:
    from newsprism.entities import Label, LocalEntity, Mention

    out = []
    aid = extraction.article
    for index, rec in enumerate(extraction.entities):
        out.append(
            LocalEntity(
                article=aid,
                outlet=outlet,
                type=rec.type,
                mentions=[
                    Mention(aid, m.start, m.end, m.text, m.type, m.kind, m.sentence, m.root, index)
                    for m in rec.mentions
                ],
                labels=[
                    Label(aid, lab.outlet, lab.text, lab.start, lab.end, lab.kind, lab.head, lab.source)
                    for lab in rec.labels
                ],
                merges=list(rec.merges),
                acronym=rec.acronym,
                nominal_keys=frozenset(rec.nominal_keys),
                place=rec.place,
                vec=None if rec.vector is None else records.unpack_vector(rec.vector),
            )
        )
    return out


MentionKey = tuple[str, int, int]


def _assign_ids(entities: list[Entity], previous: dict[MentionKey, str], taken: set[str]) -> dict[str, str]:
    """Give each new entity the id of the stored entity holding most of its mentions (older ids survive);
    mint an id only for an actor never seen. Returns {minted id -> final id}."""
    final: dict[str, str] = {}
    claimed: set[str] = set()
    ranked = sorted(entities, key=lambda e: (-len(e.mentions), e.id))
    for entity in ranked:
        votes = Counter(
            previous[key] for m in entity.mentions if (key := (m.article, m.start, m.end)) in previous
        )
        chosen = next(
            (old for old, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0])) if old not in claimed),
            None,
        )
        if chosen is None:
            base = entity.id.split("-")[0]
            chosen, n = base, 1
            shared = _one_actor_across_stories(entity)
            while chosen in claimed or (chosen in taken and chosen not in votes and not (shared and n == 1)):
                n += 1
                chosen = f"{base}-{n}"
        claimed.add(chosen)
        final[entity.id] = chosen
    return final


def _one_actor_across_stories(entity: Entity) -> bool:
    """Whether another story's entity of the same canonical name and type is this one: a person's full name,
    a place, a group, an organisation named in two words or more or by an acronym ("CNN", "GOP"). A bare
    surname or a one-word organisation ("Smith", "Senate": whose?) may be anyone, so it keeps an id of its own."""
    words = entity.name.split()
    if entity.type == "PERSON":
        return len(words) >= 2
    if entity.type in ("GPE", "LOC", "NORP"):
        return True
    acronym = len(words) == 1 and len(words[0]) >= 3 and words[0].isupper() and words[0].isalpha()
    return entity.type in ("ORG", "FAC") and (len(words) >= 2 or acronym)


def analyze_story(
    story: Story,
    extractions: dict[str, ArticleExtraction],
    outlets: dict[str, str],
    previous_ids: dict[MentionKey, str],
    taken_ids: set[str],
    published: dict[str, str | None] | None = None,
) -> StoryAnalysis:
    """Cast, quotes, timeline and outlet comparison of one story from its members' stored extractions (no
    model run). ``published`` orders the articles canonically (by id when absent)."""
    from newsprism.brief import write_brief
    from newsprism.compare.story import compare_story
    from newsprism.entities import build_entities, link_local_entities
    from newsprism.timeline import timeline_from_mentions

    members = sorted(a for a in story.articles if a in extractions)
    locals_: list[entities_mod.LocalEntity] = []
    local_keys: list[tuple[str, str]] = []  # (article, local id) of each entry of locals_
    for aid in members:
        found = _local_entities(extractions[aid], outlets.get(aid) or "")
        locals_.extend(found)
        local_keys.extend((aid, local_id(i)) for i in range(len(found)))
    clusters = link_local_entities(locals_)
    cast = build_entities(locals_, clusters)
    rename = _assign_ids(cast, previous_ids, taken_ids)
    global_of: dict[tuple[str, str], str] = {}  # (article, local id) -> cast id
    for cluster, minted in zip(clusters, _cluster_entities(cast, clusters, locals_), strict=True):
        for local_index, _ in cluster:
            global_of[local_keys[local_index]] = rename[minted]
    for entity in cast:
        entity.id = rename[entity.id]
    story_id = story.id

    def remap(article: str, local: str | None) -> str | None:
        return global_of.get((article, local)) if local else None

    quotes: list[Quote] = []
    mentions: list[EventMention] = []
    for aid in members:
        extraction = extractions[aid]
        for quote in extraction.quotes:
            if quote.speaker is not None and quote.speaker.entity:
                quote.speaker.entity = remap(aid, quote.speaker.entity)
            quotes.append(quote)
        for mention in extraction.event_mentions:
            participants = [remap(aid, p) or p for p in mention.participants]
            names = {remap(aid, k) or k: v for k, v in mention.names.items()}
            mentions.append(msgspec.structs.replace(mention, participants=participants, names=names))
    events = timeline_from_mentions(mentions)
    for event in events:
        event.story = story_id
    comparisons = {
        aid: _with_cast_ids(comparison, functools.partial(remap, aid))
        for aid in members
        if (comparison := extractions[aid].comparison) is not None
    }
    order = canonical_order((aid, published.get(aid)) for aid in members) if published else members
    compared = compare_story(story, order, comparisons, cast, quotes, outlets)
    return StoryAnalysis(
        story=story,
        entities=cast,
        quotes=quotes,
        events=events,
        comparison=compared,
        brief=write_brief(
            story,
            order,
            comparisons,
            compared,
            cast,
            quotes,
            outlets,
            [extractions[a].story_vector for a in members],
        ),
    )


def _with_cast_ids(
    comparison: records.ArticleComparison, remap: Callable[[str | None], str | None]
) -> records.ArticleComparison:
    """The article's comparison with its local actor ids ("L<n>") rewritten to the story's cast ids."""
    claims = [
        msgspec.structs.replace(
            c,
            speaker=remap(c.speaker) if c.speaker else None,
            subject=remap(c.subject) if c.subject else None,
            object=remap(c.object) if c.object else None,
            entities=sorted({e for e in (remap(x) for x in c.entities) if e}),
        )
        for c in comparison.claims
    ]
    sentences = [
        msgspec.structs.replace(s, entity=found)
        for s in comparison.actor_sentences
        if (found := remap(s.entity)) is not None
    ]
    return msgspec.structs.replace(comparison, claims=claims, actor_sentences=sentences)


def _cluster_entities(
    cast: list[Entity],
    clusters: Sequence[Sequence[tuple[int, Any]]],
    locals_: list[entities_mod.LocalEntity],
) -> list[str]:
    """The (minted) cast id of each cluster, found through its first mention (build_entities reorders)."""
    by_mention = {(m.article, m.start, m.end): e.id for e in cast for m in e.mentions}
    out = []
    for cluster in clusters:
        local = locals_[cluster[0][0]]
        first = local.mentions[0]
        out.append(by_mention[(first.article, first.start, first.end)])
    return out


# Story results are saved in transactions of about this many member articles: one commit, and one rewrite of
# each cross-story actor's record, for many stories; a killed run redoes at most one such batch.
SAVE_EVERY_ARTICLES = 5_000


def update_corpus(store: Store, on_story: Callable[[int, int], None] | None = None) -> CorpusReport:
    """Bring stories and their analyses up to date with the stored articles; failures are recorded."""
    with _long_lived_frozen():
        stories = update_story_index(store)
        return _update_analyses(store, stories, CorpusReport(), on_story)


def _update_analyses(
    store: Store, stories: list[Story], report: CorpusReport, on_story: Callable[[int, int], None] | None
) -> CorpusReport:
    previous_members = store.story_members()
    previous_inputs = store.story_inputs()
    body_hashes = store.body_hashes()
    new_ids = {s.id for s in stories}
    aliases = _absorbed(previous_members, stories, new_ids)
    for story in stories:
        story.former_ids = sorted(old for old, new in aliases.items() if new == story.id)
    changed = [
        (position, s, inputs)
        for position, s in enumerate(stories)
        if previous_inputs.get(s.id) != (inputs := story_inputs(s, body_hashes))
    ]
    store.save_story_order([s.id for s in stories], aliases)
    held_by = {aid: sid for sid, members in previous_members.items() for aid in members}
    taken = store.entity_ids()
    pending: list[records.StoryResult] = []
    weight = 0
    for n, (position, story, inputs) in enumerate(changed, start=1):
        # Every stored story that held one of its articles: their casts carry the ids its actors keep.
        sources = sorted({story.id} | {held_by[a] for a in story.articles if a in held_by})
        try:
            previous = store.previous_entities(sources)
            analysis = _analyze_stored(store, story, previous, taken)
            pending.append(
                records.StoryResult(
                    position=position,
                    inputs=inputs,
                    story=story,
                    sources=sources,
                    previous=previous,
                    analysis=analysis,
                )
            )
            taken.update(e.id for e in analysis.entities)
            report.recomputed.append(story.id)
        except Exception as exc:
            log.debug("story analysis failed for %s", story.id, exc_info=True)
            failure = StageFailure(
                item=story.id, stage=ANALYSIS.name, error=type(exc).__name__, message=str(exc)
            )
            report.failures.append(failure)
            pending.append(
                records.StoryResult(
                    position=position, inputs="", story=story, sources=sources, failure=failure
                )
            )
        weight += len(story.articles)
        if weight >= SAVE_EVERY_ARTICLES:
            store.save_story_results(pending)
            pending, weight = [], 0
        if on_story:
            on_story(n, len(changed))
    if pending:
        store.save_story_results(pending)
    store.drop_stories()
    report.stories = stories
    return report


def _absorbed(previous: dict[str, list[str]], stories: list[Story], live: set[str]) -> dict[str, str]:
    """Stored story ids that no longer exist -> the story that now holds most of their articles."""
    story_of = {aid: s.id for s in stories for aid in s.articles}
    out: dict[str, str] = {}
    for old, members in previous.items():
        if old in live:
            continue
        votes = Counter(story_of[a] for a in members if a in story_of)
        if votes:
            out[old] = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return out


def _analyze_stored(store: Store, story: Story, previous: list[Entity], taken: set[str]) -> StoryAnalysis:
    members = list(story.articles)
    extractions = store.extractions(members)
    missing = [a for a in members if a not in extractions]
    if missing:
        log.info("story %s: %d articles have no extraction yet", story.id, len(missing))
    previous_ids = {(m.article, m.start, m.end): e.id for e in previous for m in e.mentions}
    published = dict(store.article_dates_of(members))
    return analyze_story(story, extractions, store.outlets_of(members), previous_ids, taken, published)


def merge_entities(entities: Iterable[Entity]) -> list[Entity]:
    """One record per entity id across stories (an actor's mentions and labels from every story)."""
    by_id: dict[str, list[Entity]] = defaultdict(list)
    for entity in entities:
        by_id[entity.id].append(entity)
    out = []
    for parts in by_id.values():
        if len(parts) == 1:
            out.append(parts[0])
            continue
        # The name most of the actor's mentions carry across its parts, whatever order they were folded in.
        by_name: Counter[str] = Counter()
        for part in parts:
            by_name[part.name] += len(part.mentions)
        main = max(parts, key=lambda e: (by_name[e.name], len(e.mentions), e.name))
        mentions = sorted(
            {(m.article, m.start, m.end): m for p in parts for m in p.mentions}.values(),
            key=lambda m: (m.article, m.start, m.end),
        )
        labels = sorted(
            {(lab.article, lab.start, lab.end): lab for p in parts for lab in p.labels}.values(),
            key=lambda lab: (lab.article, lab.start, lab.end),
        )
        merges = {(m.reason, m.article, m.a, m.b, m.context_cosine): m for p in parts for m in p.merges}
        out.append(
            _entity_from(
                main,
                mentions,
                labels,
                list(merges.values()),
                sorted({f for p in parts for f in p.former_ids}),
            )
        )
    out.sort(key=lambda e: (-len(e.mentions), e.name, e.mentions[0].article if e.mentions else "", e.id))
    return out


def _entity_from(
    base: Entity,
    mentions: list[records.EntityMention],
    labels: list[records.Label],
    merges: list[records.Merge],
    former_ids: list[str],
) -> Entity:
    """An entity record with ``base``'s identity and these mentions and labels (aliases and the per-outlet
    label lists derived from them)."""
    counts = Counter(m.text for m in mentions)
    groups: dict[str, list[str]] = defaultdict(list)
    for lab in labels:
        if lab.text not in groups[lab.outlet]:
            groups[lab.outlet].append(lab.text)
    return Entity(
        id=base.id,
        name=base.name,
        type=base.type,
        aliases=[
            records.Alias(text=t, count=c) for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        mentions=mentions,
        labels=labels,
        label_groups=dict(sorted(groups.items())),
        articles=sorted({m.article for m in mentions}),
        merges=merges,
        former_ids=former_ids,
    )


def without_articles(entity: Entity, articles: set[str]) -> Entity:
    """The entity with the mentions and labels of ``articles`` taken out (their story is being redone)."""
    return _entity_from(
        entity,
        [m for m in entity.mentions if m.article not in articles],
        [lab for lab in entity.labels if lab.article not in articles],
        [m for m in entity.merges if m.article is None or m.article not in articles],
        entity.former_ids,
    )
