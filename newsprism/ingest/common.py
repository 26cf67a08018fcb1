"""Shared reading helpers: size limits, binary detection, encoding detection, sidecar metadata."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")
METADATA_FIELDS = ("url", "outlet", "published", "author", "title")


class IngestError(Exception):
    """A source that cannot be read as an article; the message is the reason shown to the user."""


def check_size(path: Path, max_bytes: int) -> int:
    """The file's size, or an IngestError when it is unreadable, empty or over the limit."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise IngestError("empty file")
    if size > max_bytes:
        raise IngestError(f"file too large: {size / 1e6:.1f} MB exceeds the {max_bytes / 1e6:.1f} MB limit")
    return size


def read_bytes(path: Path, max_bytes: int) -> bytes:
    check_size(path, max_bytes)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        # UTF-16 text has NULs too; charset-normalizer decides below when a BOM says so.
        return not head.startswith((b"\xff\xfe", b"\xfe\xff"))
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(head) * 0.05


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 when valid, else the encoding charset-normalizer finds."""
    if looks_binary(data):
        raise IngestError("binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        matches = list(from_bytes(data))
        if not matches:
            raise IngestError("undecodable text: no character encoding fits") from None
        best = matches[0]
        # Ties are common on short texts; English-language news that is not UTF-8 is almost always Windows-1252.
        for match in matches:
            if match.encoding in WESTERN_ENCODINGS and match.chaos <= best.chaos:
                best = match
                break
        text = str(best)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise IngestError("empty file (only whitespace)")
    return text


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def sidecar_metadata(path: Path) -> dict[str, Any]:
    """``story.meta.json`` or ``story.txt.meta.json`` beside ``story.txt``."""
    for candidate in (path.with_suffix(".meta.json"), path.with_name(path.name + ".meta.json")):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise IngestError(f"bad sidecar {candidate.name}: {exc}") from exc
            if not isinstance(data, dict):
                raise IngestError(f"bad sidecar {candidate.name}: not a JSON object")
            return {k: data[k] for k in METADATA_FIELDS if data.get(k)}
    return {}


def pick_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """Known metadata fields from a JSON record, accepting common synonyms."""
    synonyms = {
        "url": ("url", "link", "source_url"),
        "outlet": ("outlet", "source", "sitename", "site_name", "publisher", "site"),
        "published": ("published", "date", "date_publish", "published_at", "pubdate", "publish_date"),
        "author": ("author", "authors", "byline"),
        "title": ("title", "headline"),
    }
    meta: dict[str, Any] = {}
    for key, names in synonyms.items():
        for name in names:
            value = record.get(name)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value if v)
            if isinstance(value, dict):
                value = value.get("name") or value.get("title")
            if value:
                meta[key] = str(value).strip()
                break
    return meta
