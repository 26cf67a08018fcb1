"""JSON Lines: one article per line with ``text`` or ``html`` and optional metadata fields.

Each line stands alone: a line that is not valid UTF-8, not JSON, nested too deeply, not an object or without
an article body is reported with its number, and the lines after it are still read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

from newsprism.ingest.common import (
    IngestError,
    control_heavy,
    decode,
    pick_metadata,
    read_bytes,
    sha1,
    unicode_codec,
)
from newsprism.model import IngestFailure, RawDocument

# Article records nest a few levels; json.loads recurses once per level and would hit the interpreter's
# recursion limit (RecursionError) near 1,000.
MAX_JSON_DEPTH = 100
BODY_FIELDS = ("text", "body", "content")
# A JSON string, even one left open at the end of the line: the pattern matches wherever a '"' starts, so
# stripping strings is one linear pass.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(line: str) -> int:
    """How deep arrays and objects nest in one JSON text (brackets inside strings do not count)."""
    if line.count("[") + line.count("{") <= MAX_JSON_DEPTH:
        return 0  # cannot be deeper than its number of opening brackets
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", line))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _lines(data: bytes) -> Iterator[tuple[int, str | None, bytes]]:
    """(line number, text or None when the line is not valid UTF-8, raw bytes) for each line."""
    if unicode_codec(data):  # a BOM or BOM-less UTF-16: decode the whole file
        for lineno, line in enumerate(decode(data).split("\n"), start=1):
            yield lineno, line, line.encode("utf-8", "surrogatepass")
        return
    if control_heavy(data):  # a stray NUL on one line is that line's problem; a file full of them is binary
        raise IngestError("binary file, not text")
    # JSON Lines is UTF-8: a line that is not is reported, never guessed at, so one corrupt line cannot
    # change how the others are read.
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        yield lineno, raw.decode("utf-8") if _is_utf8(raw) else None, raw


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _utf8_error(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
    return "not valid UTF-8"


def _type_name(value: object) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _record(line: str, lineno: int, source: str, digest: str) -> RawDocument | IngestFailure:
    if json_depth(line) > MAX_JSON_DEPTH:
        return IngestFailure(source, f"line {lineno}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        record = json.loads(line)
    except RecursionError:
        return IngestFailure(source, f"line {lineno}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    except ValueError as exc:  # JSONDecodeError, or an integer with too many digits
        return IngestFailure(source, f"line {lineno}: invalid JSON ({getattr(exc, 'msg', None) or exc})")
    if not isinstance(record, dict):
        return IngestFailure(source, f"line {lineno}: not a JSON object")
    meta = pick_metadata(record)
    for name in BODY_FIELDS:
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            return RawDocument(source=source, text=value, meta=meta, raw_hash=digest)
    html = record.get("html")
    if isinstance(html, str) and html.strip():
        return RawDocument(source=source, html=html, meta=meta, raw_hash=digest)
    for name in (*BODY_FIELDS, "html"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            return IngestFailure(
                source, f"line {lineno}: no 'text' or 'html' string ('{name}' is {_type_name(value)})"
            )
    for name in (*BODY_FIELDS, "html"):
        if name in record:
            return IngestFailure(source, f"line {lineno}: no 'text' or 'html' content ('{name}' is empty)")
    return IngestFailure(source, f"line {lineno}: no 'text' or 'html' field")


def read_jsonl_file(path: Path, max_bytes: int) -> Iterator[RawDocument | IngestFailure]:
    data = read_bytes(path, max_bytes)
    any_line = False
    for lineno, line, raw in _lines(data):
        if not (line.strip() if line is not None else raw.strip()):
            continue
        any_line = True
        source = f"{path}#{lineno}"
        if line is None:
            yield IngestFailure(source, f"line {lineno}: {_utf8_error(raw)}")
            continue
        try:
            yield _record(line.rstrip("\r"), lineno, source, sha1(raw.rstrip(b"\r")))
        except Exception as exc:  # one odd record must not cost the rest of the file
            yield IngestFailure(source, f"line {lineno}: unreadable record ({type(exc).__name__}: {exc})")
    if not any_line:
        raise IngestError("no JSON lines in file")
