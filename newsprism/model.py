"""Plain data records passed between pipeline stages.

Dataclasses (not ORM rows) so that per-article stages stay pure, picklable for worker processes, and
independent of the store.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

_WS = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Unicode NFC, unify quotes/dashes, collapse whitespace: the form used for ids and comparisons."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_PUNCT_FOLD)
    return _WS.sub(" ", text).strip().lower()


_PUNCT_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


# C0/C1 controls except tab and newline, DEL, and lone UTF-16 surrogates: none belongs in stored text, and a
# surrogate cannot even be encoded to UTF-8 (SQLite's insert raises on it).
_UNSAFE_BODY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_FIELD = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def sanitize_body(text: str) -> str:
    """Article text safe to store and show: CR/LF unified, controls and lone surrogates replaced by U+FFFD."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE_BODY.sub("\ufffd", text)


def sanitize_field(value: str) -> str:
    """A one-line metadata value (title, author, outlet, url): line breaks become spaces, controls U+FFFD."""
    value = re.sub(r"[\r\n\t]+", " ", value)
    return _UNSAFE_FIELD.sub("\ufffd", value).strip()


_HEADLINE_END = re.compile(r"[\s.!?:;,\"'“”‘’]+$")


def same_headline(a: str | None, b: str | None) -> bool:
    """One headline in two spellings: case, quotes, spacing and final punctuation do not count (corpora add a
    final "." to the title line, feeds drop it)."""
    if not a or not b:
        return False
    return _HEADLINE_END.sub("", normalise_text(a)) == _HEADLINE_END.sub("", normalise_text(b))


def stable_id(*parts: str, length: int = 16) -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass
class RawDocument:
    """What a reader yields: one article's raw content and whatever metadata the source gave."""

    source: str  # file path, plus "#n" for the n-th record of a multi-article file
    text: str | None = None  # plain text, when the source is text
    html: str | None = None  # HTML, when the source is markup (cleaned by trafilatura first)
    meta: dict[str, Any] = field(default_factory=dict)  # url, outlet, title, author, published, ...
    raw_hash: str = ""


@dataclass
class RemovedSpan:
    start: int  # offsets into the raw (pre-clean) text
    end: int
    reason: str
    text: str
    at: int = 0  # where the block stood in the cleaned text (insertion offset)

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "reason": self.reason, "text": self.text, "at": self.at}


@dataclass
class Article:
    id: str
    source: str
    text: str  # cleaned body
    raw_text: str  # the text the cleaner saw (removed spans index into it)
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD) or datetime
    dateline: str | None = None
    kind: str = "news"  # news | opinion
    removed: list[RemovedSpan] = field(default_factory=list)
    raw_hash: str = ""
    body_hash: str = (
        ""  # of the normalised clean text: tells a changed copy of a stored URL from the same one
    )
    metadata_sources: dict[str, str] = field(default_factory=dict)  # field -> where its value came from


@dataclass
class EntityMention:
    text: str
    label: str
    start: int
    end: int
    sentence: int

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "label": self.label, "start": self.start, "end": self.end}


@dataclass
class StoredArticle(Article):
    """An article as the analysis stages read it: its fields plus what the parse left (sentence spans, NER
    mentions, the serialised Doc). The live parse, when there is one, travels beside it, never inside it."""

    sentences: list[tuple[int, int]] = field(default_factory=list)
    entities: list[EntityMention] = field(default_factory=list)
    doc_bytes: bytes | None = None  # None when read without the parse (``with_doc=False``)
    n_tokens: int = 0


@dataclass
class Annotation:
    """What the NLP stage adds to an article."""

    article_id: str
    sentences: list[tuple[int, int]]
    entities: list[EntityMention]
    n_tokens: int
    doc_bytes: bytes = b""  # serialised spaCy Doc, so later stages need not re-parse


@dataclass
class IngestFailure:
    source: str
    reason: str


def stored_article(article: Article, ann: Annotation | None = None) -> StoredArticle:
    """The article as the store gives it back, from what ingest just built (no store round trip)."""
    fields = {f: getattr(article, f) for f in Article.__dataclass_fields__}
    if ann is None:
        return StoredArticle(**fields)
    return StoredArticle(
        **fields,
        sentences=list(ann.sentences),
        entities=list(ann.entities),
        doc_bytes=ann.doc_bytes or None,
        n_tokens=ann.n_tokens,
    )
