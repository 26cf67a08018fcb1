"""Plain-text articles: the first line is the headline; the cleaner recognises the rest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from newsprism.ingest.common import decode, read_bytes, sha1, sidecar_metadata
from newsprism.model import RawDocument


def read_text_file(path: Path, max_bytes: int) -> Iterator[RawDocument]:
    data = read_bytes(path, max_bytes)
    text = decode(data)
    yield RawDocument(source=str(path), text=text, meta=sidecar_metadata(path), raw_hash=sha1(data))
