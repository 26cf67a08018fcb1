"""The JSON document written by ``newsprism analyze --json``; see ``schema/newsprism.schema.json``.

Deterministic: same input and versions give byte-identical output (sorted keys, input order, no timestamps).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from newsprism.store import Store

JSON_VERSION = "1.2"  # 1.1: stories, entities, quotes, events; 1.2: former_ids, failed, failures


def article_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "source": row["source"],
        "url": row["url"],
        "outlet": row["outlet"],
        "title": row["title"],
        "published": row["published"],
        "author": row["author"],
        "dateline": row["dateline"],
        "kind": row["kind"],
        "text": row["text"],
        "removed": row["removed"],
        "sentences": [list(span) for span in row["sentences"]],
        "entities": [{k: e[k] for k in ("text", "label", "start", "end")} for e in row["entities"]],
        "metadata_sources": (row.get("extra") or {}).get("metadata_sources", {}),
    }


def build_document(store: Store, article_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON document for these articles' stories, from the store's results (nothing recomputed)."""
    from newsprism.analysis import document

    return document(store, article_ids)


def dumps_document(document: dict[str, Any]) -> str:
    """The document as indented UTF-8 JSON: the bytes ``json.dumps(indent=2, ensure_ascii=False)`` writes, but
    encoded by msgspec (the stdlib's indenting encoder is pure Python: 25 s for 900 articles, against 1 s)."""
    return msgspec.json.format(msgspec.json.encode(document), indent=2).decode("utf-8") + "\n"


def write_json(document: dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(dumps_document(document), encoding="utf-8")
