"""Library API: what the CLI, the web app and tests call.

``process_*`` run the per-article stages (read, clean, annotate) without a store and return each article as
``Store.iter_articles`` gives it, with its live parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from newsprism import nlp
from newsprism.ingest import iter_raw_documents
from newsprism.model import IngestFailure, RawDocument, stored_article
from newsprism.nlp import ParsedArticle
from newsprism.pipeline import build_article


def process_documents(
    raws: Iterable[RawDocument], overrides: dict[str, str] | None = None
) -> list[ParsedArticle]:
    """Clean and annotate documents in memory; failures raise IngestError for the first bad one."""
    articles = [build_article(raw, overrides) for raw in raws]
    if not articles:
        return []
    docs = list(nlp.parse([nlp.nlp_view(a.text, bool(a.dateline)) for a in articles]))
    return [
        ParsedArticle(stored_article(article, nlp.doc_to_annotation(article.id, doc)), doc)
        for article, doc in zip(articles, docs, strict=True)
    ]


def process_paths(
    paths: Iterable[str | Path], overrides: dict[str, str] | None = None
) -> list[ParsedArticle]:
    raws = []
    for item in iter_raw_documents(paths):
        if isinstance(item, IngestFailure):
            raise ValueError(f"{item.source}: {item.reason}")
        raws.append(item)
    return process_documents(raws, overrides)


def process_text(text: str, source: str = "<text>", **meta: str) -> ParsedArticle:
    """One plain-text article (first line = headline), with optional metadata (outlet, published, url...)."""
    return process_documents(
        [RawDocument(source=source, text=text, meta={k: v for k, v in meta.items() if v})]
    )[0]
