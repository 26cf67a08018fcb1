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


def _bare_extraction(html: str, url: str | None, favor_recall: bool):  # type: ignore[no-untyped-def]
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        favor_recall=favor_recall,
        deduplicate=False,
    )


def merge_lines(base: str, extra: str) -> str:
    """Lines of ``base`` in order, with lines only ``extra`` has inserted after their predecessor there."""
    out = base.split("\n") if base else []
    position = {line: i for i, line in enumerate(out)}
    last = -1
    for line in extra.split("\n") if extra else []:
        if line in position:
            last = position[line]
            continue
        out.insert(last + 1, line)
        last += 1
        position = {x: i for i, x in enumerate(out)}
    return "\n".join(out)


def extract_html(html: str, url: str | None = None) -> tuple[str, dict[str, Any]]:
    """Main text (one paragraph per line) and metadata. Never fetches anything: trafilatura only parses.

    trafilatura's precise and recall-oriented modes each miss paragraphs the other finds; their union keeps
    more of the article, and newsprism's cleaner then removes the extra boilerplate recall mode lets in."""
    precise = _bare_extraction(html, url, favor_recall=False)
    recall = _bare_extraction(html, url, favor_recall=True)
    doc = precise or recall
    text = merge_lines((precise.text or "") if precise else "", (recall.text or "") if recall else "")
    if doc is None or not text.strip():
        raise IngestError("no article text found in the HTML")
    meta = {
        "title": doc.title,
        "author": doc.author,
        "published": doc.date,
        "outlet": doc.sitename,
        "url": doc.url or url,
    }
    return text, {k: v for k, v in meta.items() if v}


def html_document(source: str, html: str, meta: dict[str, Any], raw_hash: str) -> RawDocument:
    if "<" not in html:
        raise IngestError("not HTML: no markup found")
    return RawDocument(source=source, html=html, meta=meta, raw_hash=raw_hash)


def read_html_file(path: Path, max_bytes: int) -> Iterator[RawDocument]:
    data = read_bytes(path, max_bytes)
    yield html_document(str(path), decode(data), sidecar_metadata(path), sha1(data))
