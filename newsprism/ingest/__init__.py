"""Readers: one per source kind, each yielding RawDocument records (or failures naming the file and reason)."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from newsprism.ingest.common import DEFAULT_MAX_BYTES, IngestError
from newsprism.ingest.feed import read_feed_file
from newsprism.ingest.html import read_html_file
from newsprism.ingest.jsonl import read_jsonl_file
from newsprism.ingest.text import read_text_file
from newsprism.ingest.warc import read_warc_file
from newsprism.model import IngestFailure, RawDocument

Reader = Callable[[Path, int], Iterator[RawDocument | IngestFailure] | Iterator[RawDocument]]

READERS: dict[str, Reader] = {
    ".txt": read_text_file,
    ".text": read_text_file,
    ".md": read_text_file,
    ".html": read_html_file,
    ".htm": read_html_file,
    ".xhtml": read_html_file,
    ".jsonl": read_jsonl_file,
    ".ndjson": read_jsonl_file,
    ".rss": read_feed_file,
    ".atom": read_feed_file,
    ".xml": read_feed_file,
    ".rdf": read_feed_file,
    ".warc": read_warc_file,
    ".warc.gz": read_warc_file,
    ".arc.gz": read_warc_file,
}


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(READERS, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return None


def _is_sidecar(path: Path) -> bool:
    return path.name.endswith(".meta.json")


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path | IngestFailure]:
    """Files, folders (recursively, known kinds only, sorted) and globs, in a deterministic order."""
    for item in paths:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel_parts = child.relative_to(path).parts
                if any(part.startswith(".") for part in rel_parts) or _is_sidecar(child):
                    continue
                if kind_of(child):
                    yield child
        elif path.is_file():
            yield path
        elif any(ch in text for ch in "*?["):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                yield IngestFailure(text, "no file matches this pattern")
            for match in matches:
                if Path(match).is_file() and not _is_sidecar(Path(match)):
                    yield Path(match)
        else:
            yield IngestFailure(text, "no such file or directory")


def _sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(2048)
    if head.startswith(b"WARC/") or head.startswith(b"\x1f\x8b"):
        return ".warc"
    lower = head.lstrip().lower()
    if lower.startswith(b"<?xml") and (b"<rss" in lower or b"<feed" in lower or b"<rdf" in lower):
        return ".rss"
    if lower.startswith((b"<rss", b"<feed")):
        return ".rss"
    if lower.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in lower:
        return ".html"
    if lower.startswith(b"{"):
        return ".jsonl"
    return ".txt"


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[RawDocument | IngestFailure]:
    """Every document in one file; a failure for the whole file or for single records within it."""
    kind = kind_of(path) or _sniff(path)
    reader = READERS[kind]
    try:
        yield from reader(path, max_bytes)
    except IngestError as exc:
        yield IngestFailure(str(path), str(exc))
    except Exception as exc:  # a reader crashing on one malformed file must not stop the batch
        yield IngestFailure(str(path), f"unreadable {kind.lstrip('.')} file: {type(exc).__name__}: {exc}")


def iter_raw_documents(
    paths: Iterable[str | Path],
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_file_done: Callable[[], None] | None = None,
) -> Iterator[RawDocument | IngestFailure]:
    for item in expand_paths(paths):
        if isinstance(item, IngestFailure):
            yield item
            continue
        yield from read_source(item, max_bytes)
        if on_file_done:
            on_file_done()
