"""Library API: what the CLI, the web app and tests call.

``process_*`` run the per-article stages (read, clean, annotate) without a store and return article dicts of
the same shape as ``Store.iter_articles`` (plus ``spacy_doc``, the live parse).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from newsprism import nlp
from newsprism.ingest import iter_raw_documents
from newsprism.model import Annotation, Article, IngestFailure, RawDocument
from newsprism.pipeline import build_article


def article_dict(article: Article, ann: Annotation | None = None) -> dict[str, Any]:
    return {
        "id": article.id,
        "source": article.source,
        "url": article.url,
        "outlet": article.outlet,
        "title": article.title,
        "author": article.author,
        "published": article.published,
        "dateline": article.dateline,
        "kind": article.kind,
        "text": article.text,
        "raw_text": article.raw_text,
        "removed": [r.to_json() for r in article.removed],
        "extra": {"metadata_sources": article.metadata_sources},
        "sentences": list(ann.sentences) if ann else [],
        "entities": [
            {"text": m.text, "label": m.label, "start": m.start, "end": m.end, "sentence": m.sentence}
            for m in (ann.entities if ann else [])
        ],
        "doc": ann.doc_bytes if ann else None,
        "n_tokens": ann.n_tokens if ann else 0,
    }


def process_documents(
    raws: Iterable[RawDocument], overrides: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Clean and annotate documents in memory; failures raise IngestError for the first bad one."""
    articles = [build_article(raw, overrides) for raw in raws]
    if not articles:
        return []
    docs = list(nlp.parse([nlp.nlp_view(a.text, bool(a.dateline)) for a in articles]))
    out = []
    for article, doc in zip(articles, docs, strict=True):
        item = article_dict(article, nlp.doc_to_annotation(article.id, doc))
        item["spacy_doc"] = doc
        out.append(item)
    return out


def process_paths(
    paths: Iterable[str | Path], overrides: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    raws = []
    for item in iter_raw_documents(paths):
        if isinstance(item, IngestFailure):
            raise ValueError(f"{item.source}: {item.reason}")
        raws.append(item)
    return process_documents(raws, overrides)


def process_text(text: str, source: str = "<text>", **meta: str) -> dict[str, Any]:
    """One plain-text article (first line = headline), with optional metadata (outlet, published, url...)."""
    return process_documents(
        [RawDocument(source=source, text=text, meta={k: v for k, v in meta.items() if v})]
    )[0]
