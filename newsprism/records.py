"""Typed records for everything that passes between analysis stages or is stored.

msgspec Structs: one schema per record, checked on decode (a stored or exchanged record of the wrong shape
fails loudly at the boundary instead of deep inside a later stage), one JSON path both ways (``to_json`` /
``from_json``), and encoding an order of magnitude faster than dataclasses through ``json``. They pickle, so
they cross to worker processes. Field names are those of the JSON contract (``newsprism analyze --json``).
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


class Record(msgspec.Struct, kw_only=True, gc=False):
    """Base of every record: plain fields, no behaviour beyond conversion. Records form trees, never cycles,
    so the garbage collector need not track them (a large story decodes hundreds of thousands)."""


# ------------------------------------------------------------------------------------------- the cast


class Alias(Record):
    text: str
    count: int


class EntityMention(Record):
    article: str
    start: int
    end: int
    text: str
    kind: str  # ner | title | surname | acronym | nominal | role


class Label(Record):
    article: str
    outlet: str
    text: str
    start: int
    end: int
    kind: str  # title | premodifier | appositive | copula | descriptive | nominal
    in_: str = msgspec.field(default="text", name="in")  # "text", or the removed block ("caption", "title")


class Merge(Record, omit_defaults=True):
    """Why two mentions or local clusters were taken for one actor (absent fields are left out)."""

    reason: str
    article: str | None = None
    a: str | None = None
    b: str | None = None
    context_cosine: float | None = None


class Entity(Record):
    id: str
    name: str
    type: str
    aliases: list[Alias]
    mentions: list[EntityMention]
    labels: list[Label]
    label_groups: dict[str, list[str]]
    articles: list[str]
    merges: list[Merge]
    former_ids: list[str] = []  # ids of entities this one absorbed; each still resolves here


class LocalMention(Record):
    """One mention inside one article, as the per-article pass found it (before cross-article linking)."""

    start: int
    end: int
    text: str
    type: str
    kind: str
    sentence: int
    root: int


class LocalLabel(Record):
    outlet: str
    text: str
    start: int
    end: int
    kind: str
    head: str
    source: str = "text"


class LocalEntity(Record):
    """The mentions of one actor inside one article, with its labels and a context vector for linking."""

    type: str
    mentions: list[LocalMention]
    labels: list[LocalLabel]
    merges: list[Merge]
    acronym: str | None = None
    nominal_keys: list[str] = []
    place: str | None = None
    vector: bytes | None = None  # float16 MiniLM context vector (see ``pack_vector``)


class ArticleExtraction(Record):
    """The per-article stage's output. Entity ids in quotes and event mentions are local ("L<n>", an index
    into ``entities``) until the story stage links them to the cast."""

    article: str
    entities: list[LocalEntity]
    quotes: list[Quote]
    event_mentions: list[EventMention]
    story_vector: bytes  # float16 MiniLM vector of headline + lead (story clustering)
    comparison: ArticleComparison | None = None  # None in results of extract versions before 4


# ------------------------------------------------------------------------------------------ the quotes


class Speaker(Record):
    text: str | None = None
    entity: str | None = None
    type: str | None = None
    mention: str | None = None
    start: int | None = None
    end: int | None = None
    resolution: str | None = None
    descriptor: str | None = None
    antecedent: tuple[int, int] | None = None  # span of the name a pronoun or description resolves to


class Quote(Record):
    id: str
    article: str
    start: int
    end: int
    text: str
    kind: str  # direct | indirect | according_to | partial | block
    cue: str | None
    cue_start: int | None
    cue_end: int | None
    segments: list[tuple[int, int]]
    sentence: int
    speaker: Speaker | None
    source_type: str | None
    via: str | None


# ---------------------------------------------------------------------------------------- the timeline


class TemporalExpression(Record):
    text: str
    start: int
    end: int
    value: str | None
    precision: str | None
    anchor: str | None = None
    tense: str | None = None
    kind: str | None = None
    range: tuple[str, str] | None = None


class Trigger(Record):
    start: int
    end: int
    text: str
    lemma: str


class EventMention(Record):
    article: str
    start: int
    end: int
    trigger: Trigger
    type: str
    nominal: bool
    plural: bool
    participants: list[str]
    names: dict[str, str]
    subject: str | None
    object: str | None
    where: list[str]
    time: TemporalExpression | None
    summary: str


class EventMentionRef(Record):
    article: str
    start: int
    end: int
    trigger: tuple[int, int]


class Event(Record):
    id: str
    date: str | None
    precision: str | None
    date_text: str | None
    range: tuple[str, str] | None
    type: str
    summary: str
    participants: list[str]
    where: list[str]
    articles: list[str]
    mentions: list[EventMentionRef]
    story: str | None = None


# ------------------------------------------------------------------------------- the outlet comparison


class ClaimNumber(Record):
    """A number a claim states: ``value`` normalised ("14", "1200000", "52-48"), ``unit`` what it counts
    ("percent", "money:USD", "count:person", "quantity:mile", "score")."""

    text: str
    start: int
    end: int
    value: str
    unit: str


class ClaimDate(Record):
    text: str
    start: int
    end: int
    value: str | None
    precision: str | None
    of_act: bool = False  # the date of what the claim states, not of its telling ("said on Monday")


class Claim(Record):
    """One check-worthy statement of fact in one article (a sentence): entity ids are local ("L<n>") in the
    article's extraction and cast ids once the story stage has linked them."""

    id: str
    article: str
    start: int
    end: int
    text: str
    kind: str  # event | number | statement
    speaker: str | None  # entity id of who the sentence attributes it to
    speaker_text: str | None
    via: str | None  # another outlet the sentence credits ("according to a New York Times account")
    entities: list[str]
    subject: str | None  # entity id of the main clause's subject
    predicate: str  # lemma of the main verb (of the reported clause for statements)
    negated: bool
    numbers: list[ClaimNumber]
    dates: list[ClaimDate]
    object: str | None = None  # entity id of whom the act is done to
    terms: list[str] = []  # content lemmas
    embed_text: str = ""  # the text the vector is of, when not ``text`` (a pronoun subject named)
    keys: list[str] = []  # the story stage's identity keys of the entities (ids and name heads); not stored
    subject_span: tuple[int, int] | None = None
    predicate_span: tuple[int, int] | None = None
    vector: bytes = b""  # float16 MiniLM sentence vector (alignment); not part of the JSON
    neutral: str = (
        ""  # the sentence without the outlet's loaded modifiers, a pronoun subject named ("" = text)
    )
    loaded: int = 0  # the outlet's own loaded terms the neutral wording still holds
    dropped: list[str] = []  # the loaded modifiers the neutral wording leaves out
    in_passing: bool = (
        False  # a relative clause about an actor ("Haftar, who lived in Virginia"), not a sentence
    )


class LoadedTerm(Record):
    """An evaluative or loaded word in an article: which lexicon lists it, its prior polarity, and whether it
    stands inside a quotation (the outlet reports it) or in the outlet's own voice."""

    text: str
    start: int
    end: int
    lexicon: str  # newsprism | vader | textblob
    polarity: float
    in_quote: bool


class ActorSentence(Record):
    """Sentiment toward one local actor in one sentence (the target-dependent model's P(pos) - P(neg))."""

    entity: str
    start: int
    end: int
    mention_start: int
    mention_end: int
    sentiment: float
    in_quote: bool = False  # mostly someone else's words (a quotation or reported speech)


class ArticleComparison(Record):
    """The per-article part of the comparison, computed once in the workers."""

    claims: list[Claim]
    loaded_terms: list[LoadedTerm]
    actor_sentences: list[ActorSentence]
    kind: str  # news | analysis | opinion
    kind_evidence: list[str]


class ClaimMention(Record):
    article: str
    start: int
    end: int


class ConflictValue(Record):
    article: str
    start: int
    end: int
    value: str


class Conflict(Record):
    field: str  # number | date | actor | polarity
    values: list[ConflictValue]


class ClaimGroup(Record):
    """Claims of a story's articles that state one fact; ``status`` counts independent sources (copies of
    one article, and an outlet's several articles, count once)."""

    id: str
    text: str
    status: str  # corroborated | single_source | contested
    outlets: list[str]
    mentions: list[ClaimMention]
    conflict: Conflict | None = None
    kind: str = "event"
    speaker: str | None = None
    entities: list[str] = []
    sources: int = 1


class CoverageRow(Record):
    claim: str
    cells: dict[str, str]  # outlet -> reports | quotes | absent


class Coverage(Record):
    outlets: list[str]
    rows: list[CoverageRow]


class TermSpan(Record):
    text: str
    start: int
    end: int
    in_quote: bool = False


class Framing(Record):
    """How one article frames one of the story's main actors."""

    article: str
    outlet: str
    entity: str
    name: str
    labels: list[str]
    loaded_terms: list[TermSpan]
    sentiment: float | None  # -1..1: the model's and the labels' evidence together (see README)
    sentences: int
    sources_quoted: dict[str, int]
    model_sentiment: float | None = None  # mean target-dependent sentiment over the outlet's own sentences
    label_polarity: float | None = None  # mean lexicon polarity of the labels the outlet gives the actor


class ArticleKind(Record):
    article: str
    kind: str
    kind_evidence: list[str]
    outlet: str = ""


class StoryComparison(Record):
    claims: list[ClaimGroup]
    coverage: Coverage
    framing: list[Framing]
    kinds: list[ArticleKind]


# ----------------------------------------------------------------------------------------- the stories


class TopEntity(Record):
    name: str
    key: str
    weight: float


class Story(Record):
    id: str
    title: str
    articles: list[str]
    outlets: list[str]
    first: str | None
    last: str | None
    duplicates: list[list[str]]  # groups of syndicated / reprinted copies (representative first)
    top_entities: list[TopEntity]
    former_ids: list[str] = []  # ids of stories merged into this one; each still resolves here


# ------------------------------------------------------------------------------------------- the brief


class BriefCitation(Record):
    """An article sentence a brief sentence rests on."""

    article: str
    start: int
    end: int


class BriefSentence(Record):
    text: str
    citations: list[BriefCitation]
    claim: str  # the claim group it states
    status: str  # the group's: corroborated | single_source | contested
    outlets: list[str]
    rank: int  # selection order (importance, then novelty): a brief of N words is the lowest ranks that fit
    date: str | None = None  # the act's date when the claim states one: the reading order is the timeline's
    credited_to: str | None = None  # the outlet whose loaded words the sentence keeps, credited in the text
    absent_from: list[str] = []  # outlets of the story with no sentence close to it: they do not report it


class BriefDifference(Record):
    kind: str  # contested | labels | single_source | omission | kind | sources
    text: str
    citations: list[BriefCitation]


class Brief(Record):
    """Stored: every candidate sentence in rank order (``brief.at_length`` picks and orders N words' worth);
    in the JSON: the sentences of the requested length in reading order."""

    sentences: list[BriefSentence]
    differences: list[BriefDifference]
    words: int = 0  # the words of ``sentences``


class StoryAnalysis(Record):
    """Everything stored per story: its cast, quotes and timeline (recomputed only when its inputs change)."""

    story: Story
    entities: list[Entity]
    quotes: list[Quote]
    events: list[Event]
    comparison: StoryComparison | None = None
    brief: Brief | None = None


class StoryResult(Record):
    """One story's outcome of the corpus stage, as the store saves it: the analysis, or the failure that took
    its place. ``sources`` are the stored stories that held its articles before, ``previous`` their casts as
    read for the analysis: they gave the entity ids it kept, and their contributions to the corpus-wide
    entity records are the ones replaced."""

    position: int
    inputs: str
    story: Story
    sources: list[str]
    previous: list[Entity] = []
    analysis: StoryAnalysis | None = None
    failure: StageFailure | None = None


class StoryHead(Record):
    """The story part of a stored StoryAnalysis: a listing decodes only this (msgspec skips the rest)."""

    story: Story


class _Skipped(Record):
    """Decodes any record as nothing (msgspec skips its fields): for counting without building objects."""


class StoryQuotes(Record):
    quotes: list[Quote]


class StoryEvents(Record):
    events: list[Event]


class StoryQuoteCount(Record):
    quotes: list[_Skipped]


class StoryEventCount(Record):
    events: list[_Skipped]


# ------------------------------------------------------------------------------- the JSON document


class RemovedBlock(Record):
    """A block the cleaner removed: offsets into the raw text, why, and where it stood in the clean text."""

    start: int
    end: int
    reason: str
    text: str
    at: int = 0


class NerMention(Record):
    text: str
    label: str
    start: int
    end: int


class ArticleEntry(Record):
    """One article as ``analyze --json`` writes it."""

    id: str
    source: str
    url: str | None
    outlet: str | None
    title: str | None
    published: str | None
    author: str | None
    dateline: str | None
    kind: str
    text: str
    removed: list[RemovedBlock]
    sentences: list[tuple[int, int]]
    entities: list[NerMention]
    metadata_sources: dict[str, str]
    kind_evidence: list[str] = []
    failed: bool = False


class StoryEntry(Story, kw_only=True):
    """One story as ``analyze --json`` writes it: the story with its cast, quotes and timeline."""

    entities: list[Entity]
    quotes: list[Quote]
    events: list[Event]
    claims: list[ClaimGroup] = []
    coverage: Coverage | None = None
    framing: list[Framing] = []
    brief: Brief | None = None  # at the default length (``newsprism brief --words N`` for another)
    failed: bool = False


class StoryEntities(Record):
    """The cast part of a stored StoryAnalysis (msgspec skips the rest)."""

    entities: list[Entity]


class StoryComparisonPart(Record):
    """The comparison part of a stored StoryAnalysis (msgspec skips the rest)."""

    story: Story
    comparison: StoryComparison | None = None


class StoryBriefPart(Record):
    """The brief part of a stored StoryAnalysis (msgspec skips the rest)."""

    story: Story
    brief: Brief | None = None


class KindPart(Record):
    kind: str
    kind_evidence: list[str]


class ExtractionKind(Record):
    """The article kind inside a stored ArticleExtraction (msgspec skips the rest)."""

    comparison: KindPart | None = None


class Document(Record):
    """The whole JSON document (see ``schema/newsprism.schema.json``); field order is the output's."""

    version: str
    generator: str
    articles: list[ArticleEntry]
    stories: list[StoryEntry]
    entities: list[Entity]
    quotes: list[Quote]
    events: list[Event]
    failures: list[StageFailure]


# --------------------------------------------------------------------------------------------- failures


class StageFailure(Record):
    """One item a stage could not process: recorded, shown in the run summary, never fatal to the run."""

    item: str  # article or story id (or source path for ingest)
    stage: str
    error: str  # exception type
    message: str


# ---------------------------------------------------------------------------------------------- helpers

_encoder = msgspec.json.Encoder()


def to_json(record: Any) -> bytes:
    return _encoder.encode(record)


def from_json(data: bytes | str, kind: type[T]) -> T:
    return msgspec.json.decode(data, type=kind)


_packer = msgspec.msgpack.Encoder()


def pack(record: Any) -> bytes:
    """Compact binary form for the store (bytes stay raw); same schema as the JSON."""
    return _packer.encode(record)


def unpack(data: bytes, kind: type[T]) -> T:
    return msgspec.msgpack.decode(data, type=kind)


def pack_vector(vector: Any) -> bytes:
    """A unit vector as float16 bytes: half the size of float32, and cosines stay within 1e-3."""
    import numpy as np

    return np.asarray(vector, dtype=np.float16).tobytes()


def unpack_vector(data: bytes) -> Any:
    import numpy as np

    return np.frombuffer(data, dtype=np.float16).astype(np.float32)


def to_builtins(record: Any) -> Any:
    """Plain JSON-ready values (dicts, lists) with the contract's field names."""
    return msgspec.to_builtins(record)


def convert(value: Any, kind: type[T]) -> T:
    """A stage's plain output checked into its record type (raises msgspec.ValidationError on a wrong shape)."""
    return msgspec.convert(value, type=kind, strict=False)
