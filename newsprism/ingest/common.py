"""Shared reading helpers: size limits, binary detection, encoding detection, sidecar metadata, sanitising."""

from __future__ import annotations

import hashlib
import json
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from newsprism.model import IngestFailure, RawDocument, sanitize_body, sanitize_field

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")
METADATA_FIELDS = ("url", "outlet", "published", "author", "title")
# A metadata value longer than this is not a title or a byline; keeping it whole would only carry junk along.
MAX_FIELD_CHARS = 4096
MAX_REASON_CHARS = 300

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


class IngestError(Exception):
    """A source that cannot be read as an article; the message is the reason shown to the user."""


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def check_size(path: Path, max_bytes: int) -> int:
    """The file's size, or an IngestError when it is unreadable, not a regular file, empty or over the limit."""
    try:
        info = path.stat()
    except (OSError, ValueError) as exc:
        raise IngestError(f"cannot read file: {getattr(exc, 'strerror', None) or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device would block or never end; only regular files are articles.
        raise IngestError("not a regular file")
    size = info.st_size
    if size == 0:
        raise IngestError("empty file")
    if size > max_bytes:
        raise IngestError(f"file too large: {megabytes(size)} exceeds the {megabytes(max_bytes)} limit")
    return size


def read_bytes(path: Path, max_bytes: int) -> bytes:
    check_size(path, max_bytes)
    try:
        with path.open("rb") as fh:
            # Read one byte past the limit: a file that grew after the size check is still refused.
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise IngestError(f"file too large: more than the {megabytes(max_bytes)} limit")
    return data


def _control_share(text: str) -> float:
    head = text[:4096]
    if not head:
        return 0.0
    bad = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\n\x0c\r\x1b") or ch == "\ufffd")
    return bad / len(head)


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NUL bytes sit on one parity only, as in UTF-16 of mostly-ASCII text."""
    head = data[:8192]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even_nul = head[0 : pairs * 2 : 2].count(0) / pairs
    odd_nul = head[1 : pairs * 2 : 2].count(0) / pairs
    if odd_nul >= 0.3 and even_nul <= 0.02:
        return "utf-16-le"
    if even_nul >= 0.3 and odd_nul <= 0.02:
        return "utf-16-be"
    return None


def control_heavy(data: bytes) -> bool:
    """More than 5% of the first 8 KB are control bytes (NUL included): binary, whatever else it holds."""
    head = data[:8192]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(head) * 0.05


def looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192] or control_heavy(data)


def unicode_codec(data: bytes) -> str | None:
    """The codec for a BOM or for BOM-less UTF-16, else None (an 8-bit encoding or UTF-8)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return utf16_without_bom(data)


_HIGH = re.compile(rb"[\x80-\xff]")
_LONE_HIGH = re.compile(rb"(?<![\x80-\xff])[\x80-\xff](?![\x80-\xff])")


def _isolated_high_bytes(lines: list[bytes]) -> bool:
    """True when most non-ASCII bytes stand alone between ASCII ones, as é does in Latin-1 or Windows-1252
    text; multi-byte legacy encodings (Shift-JIS, GBK, ...) put them in runs."""
    sample = b"\n".join(lines)[: 1 << 20]
    total = len(_HIGH.findall(sample))
    return total > 0 and len(_LONE_HIGH.findall(sample)) * 2 >= total


def _cp1252(line: bytes) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: Latin-1 maps every byte
        return line.decode("latin_1")


def _decode_8bit(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    good = bad = 0
    bad_lines: list[bytes] = []
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
            bad_lines.append(line)
    if good and _isolated_high_bytes(bad_lines):
        # Mixed: mostly UTF-8 with some Latin-1/Windows-1252 lines (pasted or concatenated sources). One
        # encoding for the whole file would garble one part or the other, so each line gets its own.
        out: list[str] = []
        for line in lines:
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(_cp1252(line))
        return "\n".join(out)
    matches = list(from_bytes(data))
    if not matches:
        if _isolated_high_bytes(bad_lines):
            return _cp1252(data)
        raise IngestError("undecodable text: no character encoding fits")
    best = matches[0]
    # Ties are common on short texts; English-language news that is not UTF-8 is almost always Windows-1252.
    for match in matches:
        if match.encoding in WESTERN_ENCODINGS and match.chaos <= best.chaos:
            best = match
            break
    return str(best)


def decode(data: bytes) -> str:
    """Bytes to text: a BOM or BOM-less UTF-16 first, then UTF-8, UTF-8 per line with a Windows-1252 fallback
    for mixed files, else the encoding charset-normalizer finds (Windows-1252 on ties)."""
    codec = unicode_codec(data)
    if codec == "utf-8":  # a UTF-8 BOM: the rest may still mix in Windows-1252 lines
        data, codec = data[3:], None
    if codec:
        text = data.decode(codec, "replace")
        if "\x00" in text or _control_share(text) > 0.05:
            raise IngestError("binary file, not text")
    elif looks_binary(data):
        raise IngestError("binary file, not text")
    else:
        text = _decode_8bit(data)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise IngestError("empty file (only whitespace)")
    return text


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def field_text(value: object) -> str | None:
    """A metadata value as one clean line of text (lists joined, {"name": ...} objects unwrapped), or None."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("title")
    if isinstance(value, list | tuple):
        value = ", ".join(t for t in (field_text(v) for v in value[:50]) if t)
    if value is None or isinstance(value, bool | dict | list | tuple):
        return None
    text = sanitize_field(str(value)[:MAX_FIELD_CHARS])
    return text or None


def clean_meta(meta: Mapping[str, object]) -> dict[str, str]:
    """Every metadata value sanitised to a string (no lone surrogates or controls); empty values dropped."""
    out: dict[str, str] = {}
    for key, value in meta.items():
        text = field_text(value)
        if text:
            out[sanitize_field(str(key))] = text
    return out


# In markup, control characters and lone surrogates carry nothing: the parser and trafilatura drop them, so
# they are removed (a U+FFFD would show up inside the extracted text). A form feed is whitespace there.
_MARKUP_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff]+")


def sanitize_html(html: str) -> str:
    return sanitize_body(_MARKUP_CONTROLS.sub("", html.replace("\x0c", " ")))


def sanitized(item: RawDocument | IngestFailure) -> RawDocument | IngestFailure:
    """What a reader yields, made safe for the store and the terminal."""
    if isinstance(item, IngestFailure):
        reason = sanitize_field(str(item.reason))
        if len(reason) > MAX_REASON_CHARS:  # exception texts can quote whole paths or lines of input
            reason = reason[: MAX_REASON_CHARS - 1] + "…"
        return IngestFailure(item.source, reason)
    return RawDocument(
        source=item.source,
        text=sanitize_body(item.text) if item.text is not None else None,
        html=sanitize_html(item.html) if item.html is not None else None,
        meta=clean_meta(item.meta),
        raw_hash=item.raw_hash,
    )


def sidecar_metadata(path: Path) -> dict[str, Any]:
    """``story.meta.json`` or ``story.txt.meta.json`` beside ``story.txt``."""
    for candidate in (path.with_suffix(".meta.json"), path.with_name(path.name + ".meta.json")):
        if candidate.is_file():
            try:
                raw = read_bytes(candidate, 1024 * 1024)
                data = json.loads(raw.decode("utf-8-sig"))
            except IngestError as exc:
                raise IngestError(f"bad sidecar {candidate.name}: {exc}") from exc
            except (ValueError, RecursionError) as exc:
                raise IngestError(f"bad sidecar {candidate.name}: {type(exc).__name__}: {exc}") from exc
            if not isinstance(data, dict):
                raise IngestError(f"bad sidecar {candidate.name}: not a JSON object")
            return clean_meta({k: data[k] for k in METADATA_FIELDS if data.get(k)})
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
            value = field_text(record.get(name))
            if value:
                meta[key] = value
                break
    return meta
