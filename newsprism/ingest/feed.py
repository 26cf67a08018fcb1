"""RSS/Atom feeds: each entry's full content (or summary); a relative link to a file beside the feed."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsprism.ingest.common import IngestError, decode, read_bytes, sha1
from newsprism.model import IngestFailure, RawDocument

# feedparser's strict (SAX) parser looks every attribute up by a linear search, so one element with many
# attributes is quadratic; its speed is otherwise ~40 µs per element. Real feeds stay far below both limits.
MAX_FEED_ATTRS_PER_ELEMENT = 256
MAX_FEED_ELEMENTS = 50_000
_XML_ATTRS_OVER_LIMIT = re.compile(
    rb"<[A-Za-z_:][^\s/>]*+(?>\s++[^\s=/>]++\s*+=\s*+(?>\"[^\"]*+\"|'[^']*+'))"
    + b"{%d}" % (MAX_FEED_ATTRS_PER_ELEMENT + 1)
)
_LETTERS_TO_A = bytes.maketrans(string.ascii_letters.encode(), b"a" * len(string.ascii_letters))
MAX_LINK_CHARS = 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE\s", re.I)
_DOCTYPE_WITH_SUBSET = re.compile(
    rb"(<!DOCTYPE\s[^\[>]*+)\[(?:[^\]\"']++|\"[^\"]*+\"|'[^']*+')*+\]\s*+>", re.I
)
_ROOT = re.compile(rb"<[A-Za-z]")


def without_internal_dtd(data: bytes) -> bytes:
    """The feed with its DOCTYPE's internal subset removed: no entity is declared, so none can expand (a
    billion laughs) or fetch (XXE). News feeds declare none; a reference to one is then kept as text."""
    root = _ROOT.search(data)
    doctype = _DOCTYPE.search(data, 0, root.start() if root else len(data))
    if doctype is None:
        return data
    subset = _DOCTYPE_WITH_SUBSET.match(data, doctype.start())
    if subset is None:
        return data
    return data[: subset.start()] + subset.group(1).rstrip() + b">" + data[subset.end() :]


def _entry_published(entry: Any) -> str | None:  # a feedparser entry
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"
    return None


def _linked_local_file(feed_path: Path, link: str | None) -> Path | None:
    """A relative link naming a file inside the feed's folder; never an absolute path, URL or '..'."""
    if not link or len(link) > MAX_LINK_CHARS or "\x00" in link:
        return None
    if "://" in link or link.startswith(("/", "\\", "file:")) or ".." in Path(link).parts:
        return None
    try:
        candidate = (feed_path.parent / link).resolve()
        folder = feed_path.parent.resolve()
        if folder in candidate.parents and candidate.is_file():
            return candidate
    except (OSError, RuntimeError, ValueError):  # too long, a symlink loop, an odd name: not a local file
        return None
    return None


def check_feed_markup(data: bytes) -> None:
    """Refuse, in linear time, a feed that would make feedparser quadratic or very slow."""
    if data.count(b"<") + data.count(b"&lt;") > MAX_FEED_ELEMENTS:
        letters = data.translate(_LETTERS_TO_A)
        if letters.count(b"<a") + letters.count(b"&lt;a") > MAX_FEED_ELEMENTS:
            raise IngestError(f"feed too complex: more than {MAX_FEED_ELEMENTS:,} elements")
    if _XML_ATTRS_OVER_LIMIT.search(data):
        raise IngestError(
            f"feed too complex: an element with more than {MAX_FEED_ATTRS_PER_ELEMENT} attributes"
        )


def _entry_document(
    path: Path, i: int, entry: Any, outlet: str | None, max_bytes: int
) -> RawDocument | IngestFailure:
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
        content = max((c.get("value", "") or "" for c in entry.content), key=len)
    summary = entry.get("summary", "") or ""
    if len(content) < len(summary):
        content = summary
    digest = sha1(f"{source}\x1f{content}".encode("utf-8", "surrogatepass"))
    if content.strip():
        if "<" in content:
            return RawDocument(source=source, html=content, meta=meta, raw_hash=digest)
        return RawDocument(source=source, text=content, meta=meta, raw_hash=digest)
    local = _linked_local_file(path, entry.get("link"))
    if local is None:
        return IngestFailure(source, f"entry {i}: no content and no local file linked")
    try:
        page = read_bytes(local, max_bytes)
        html = decode(page)
    except IngestError as exc:
        return IngestFailure(source, f"entry {i}: linked file {local.name}: {exc}")
    return RawDocument(source=f"{source}:{local.name}", html=html, meta=meta, raw_hash=sha1(page))


def read_feed_file(path: Path, max_bytes: int) -> Iterator[RawDocument | IngestFailure]:
    import feedparser

    data = without_internal_dtd(read_bytes(path, max_bytes))
    check_feed_markup(data)
    # feedparser only parses the bytes it is given; it is never handed a URL or path. Its HTML sanitiser is
    # off: trafilatura drops scripts and attributes anyway, and sanitising costs ~15 µs per tag or attribute.
    try:
        parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    except (UnicodeError, LookupError) as exc:  # feedparser decodes a bad encoding declaration and raises
        raise IngestError(f"feed has an unusable XML encoding declaration ({type(exc).__name__})") from exc
    if not parsed.entries:
        reason = "no feed entries found"
        if parsed.get("bozo"):
            reason += f" (parse error: {parsed.get('bozo_exception')})"
        raise IngestError(reason)
    outlet = parsed.feed.get("title")
    for i, entry in enumerate(parsed.entries, start=1):
        try:
            yield _entry_document(path, i, entry, outlet, max_bytes)
        except Exception as exc:  # one odd entry must not cost the others
            yield IngestFailure(f"{path}#{i}", f"entry {i}: unreadable entry ({type(exc).__name__}: {exc})")
