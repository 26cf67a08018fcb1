"""RSS/Atom feeds: each entry's full content (or summary); a relative link to a file beside the feed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from newsprism.ingest.common import IngestError, read_bytes, sha1
from newsprism.model import IngestFailure, RawDocument


def _entry_published(entry) -> str | None:  # type: ignore[no-untyped-def]
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"
    return None


def _linked_local_file(feed_path: Path, link: str | None) -> Path | None:
    """A relative link naming a file inside the feed's folder; never an absolute path, URL or '..'."""
    if not link or "://" in link or link.startswith(("/", "\\", "file:")) or ".." in Path(link).parts:
        return None
    candidate = (feed_path.parent / link).resolve()
    folder = feed_path.parent.resolve()
    if folder in candidate.parents and candidate.is_file():
        return candidate
    return None


def read_feed_file(path: Path, max_bytes: int) -> Iterator[RawDocument | IngestFailure]:
    import feedparser

    data = read_bytes(path, max_bytes)
    # feedparser only parses the bytes it is given; it is never handed a URL or path.
    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = "no feed entries found"
        if parsed.get("bozo"):
            reason += f" (parse error: {parsed.get('bozo_exception')})"
        raise IngestError(reason)
    outlet = parsed.feed.get("title")
    for i, entry in enumerate(parsed.entries, start=1):
        source = f"{path}#{i}"
        meta = {
            "title": entry.get("title"),
            "url": entry.get("link"),
            "author": entry.get("author"),
            "published": _entry_published(entry),
            "outlet": outlet,
        }
        meta = {k: v for k, v in meta.items() if v}
        content = ""
        if entry.get("content"):
            content = max((c.get("value", "") for c in entry.content), key=len)
        if len(content) < len(entry.get("summary", "")):
            content = entry.get("summary", "")
        digest = sha1(f"{source}\x1f{content}".encode())
        if content.strip():
            if "<" in content:
                yield RawDocument(source=source, html=content, meta=meta, raw_hash=digest)
            else:
                yield RawDocument(source=source, text=content, meta=meta, raw_hash=digest)
            continue
        local = _linked_local_file(path, entry.get("link"))
        if local is None:
            yield IngestFailure(source, f"entry {i}: no content and no local file linked")
            continue
        try:
            page = read_bytes(local, max_bytes)
        except IngestError as exc:
            yield IngestFailure(source, f"entry {i}: linked file {local.name}: {exc}")
            continue
        yield RawDocument(
            source=f"{source}:{local.name}",
            html=page.decode("utf-8", "replace"),
            meta=meta,
            raw_hash=sha1(page),
        )
