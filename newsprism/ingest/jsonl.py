"""JSON Lines: one article per line with ``text`` or ``html`` and optional metadata fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from newsprism.ingest.common import IngestError, decode, pick_metadata, read_bytes, sha1
from newsprism.model import IngestFailure, RawDocument


def read_jsonl_file(path: Path, max_bytes: int) -> Iterator[RawDocument | IngestFailure]:
    text = decode(read_bytes(path, max_bytes))
    any_line = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        any_line = True
        source = f"{path}#{lineno}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield IngestFailure(source, f"line {lineno}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            yield IngestFailure(source, f"line {lineno}: not a JSON object")
            continue
        body_text = record.get("text") or record.get("body") or record.get("content")
        html = record.get("html")
        if not isinstance(body_text, str) and not isinstance(html, str):
            yield IngestFailure(source, f"line {lineno}: no 'text' or 'html' field")
            continue
        digest = sha1(line.encode("utf-8"))
        meta = pick_metadata(record)
        if isinstance(body_text, str) and body_text.strip():
            yield RawDocument(source=source, text=body_text, meta=meta, raw_hash=digest)
        else:
            yield RawDocument(source=source, html=html, meta=meta, raw_hash=digest)
    if not any_line:
        raise IngestError("no JSON lines in file")
