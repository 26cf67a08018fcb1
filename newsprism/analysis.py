"""Per-story stages over stored articles: stories, the cast, who said what, the timeline.

Articles come from the store with their serialised parse, so no model is re-run for the parse; the stages
add MiniLM embeddings where they need them. Output is the ``stories`` part of the JSON document plus the
top-level cast, quotes and events over every analysed article.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsprism import nlp


def attach_docs(articles: Sequence[dict[str, Any]]) -> None:
    """Give each article its spaCy Doc back from the stored bytes (no model run)."""
    for article in articles:
        if article.get("spacy_doc") is None and article.get("doc"):
            article["spacy_doc"] = nlp.load_doc(article["doc"])


def _subset_entities(entities: list[dict[str, Any]], article_ids: set[str]) -> list[dict[str, Any]]:
    out = []
    for entity in entities:
        mentions = [m for m in entity["mentions"] if m["article"] in article_ids]
        if not mentions:
            continue
        labels = [lab for lab in entity.get("labels", []) if lab["article"] in article_ids]
        out.append({**entity, "mentions": mentions, "labels": labels})
    return out


def analyze_articles(articles: list[dict[str, Any]]) -> dict[str, Any]:
    """stories (each with its entities, quotes and events), and the same data over all articles."""
    from newsprism.entities import resolve_entities
    from newsprism.quotes import extract_quotes
    from newsprism.stories import cluster_stories
    from newsprism.timeline import build_timeline

    if not articles:
        return {"stories": [], "entities": [], "quotes": [], "events": []}
    attach_docs(articles)
    by_id = {a["id"]: a for a in articles}
    entities = resolve_entities(list(articles))
    quotes: list[dict[str, Any]] = []
    for article in sorted(articles, key=lambda a: a["id"]):
        quotes.extend(extract_quotes(article, entities))
    stories = cluster_stories(articles)
    all_events: list[dict[str, Any]] = []
    for story in stories:
        members = [by_id[aid] for aid in story["articles"] if aid in by_id]
        ids = {a["id"] for a in members}
        story_entities = _subset_entities(entities, ids)
        story["entities"] = story_entities
        story["quotes"] = [q for q in quotes if q["article"] in ids]
        story["events"] = build_timeline(members, story_entities)
        for event in story["events"]:
            event.setdefault("story", story["id"])
        all_events.extend(story["events"])
    return {"stories": stories, "entities": entities, "quotes": quotes, "events": all_events}
