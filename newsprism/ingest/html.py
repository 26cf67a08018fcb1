"""HTML pages: trafilatura finds the main content and metadata; newsprism's cleaner runs on its output."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsprism.ingest.common import IngestError, decode, read_bytes, sha1, sidecar_metadata
from newsprism.model import RawDocument

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def extract_html(html: str, url: str | None = None) -> tuple[str, dict[str, Any]]:
    """Main text (one paragraph per line) and metadata. Never fetches anything: trafilatura only parses."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        favor_recall=True,
        deduplicate=False,
    )
    if doc is None or not (doc.text or "").strip():
        raise IngestError("no article text found in the HTML")
    meta = {
        "title": doc.title,
        "author": doc.author,
        "published": doc.date,
        "outlet": doc.sitename,
        "url": doc.url or url,
    }
    return doc.text, {k: v for k, v in meta.items() if v}


def html_document(source: str, html: str, meta: dict[str, Any], raw_hash: str) -> RawDocument:
    if "<" not in html:
        raise IngestError("not HTML: no markup found")
    return RawDocument(source=source, html=html, meta=meta, raw_hash=raw_hash)


def read_html_file(path: Path, max_bytes: int) -> Iterator[RawDocument]:
    data = read_bytes(path, max_bytes)
    yield html_document(str(path), decode(data), sidecar_metadata(path), sha1(data))
