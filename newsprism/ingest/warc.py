"""WARC archives: HTML response records become articles; everything else is skipped.

A record is only yielded when its payload is complete: a truncated archive, a corrupt gzip member or a
Content-Length larger than what follows is reported for the record it hits, and the records before the damage
still go through. Decompressed sizes are bounded by the same limit as files, so a gzip bomb is refused after
reading at most that much."""

from __future__ import annotations

import contextlib
import io
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO, TypeVar

from newsprism.ingest.common import IngestError, check_size, megabytes, sha1
from newsprism.model import IngestFailure, RawDocument

_BLOCK = 64 * 1024
_MISSING_BLANK_LINE = "Record not followed by newline"  # warcio's warning when Content-Length is wrong
T = TypeVar("T")


class ArchiveDamage(Exception):
    """The archive's bytes end or break here; the message is the reason."""


class BoundedGunzip(io.RawIOBase):
    """Multi-member gzip decompression that never produces more than ``limit`` bytes in all.

    Each read decompresses at most the requested size (zlib's max_length), so one highly compressible block
    never turns into hundreds of megabytes, and passing ``limit`` refuses the file (IngestError). A stream that
    ends inside a member or holds corrupt data raises ArchiveDamage instead of ending quietly."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        super().__init__()
        self.raw = raw
        self.limit = limit
        self.total = 0
        self._unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""
        self._in_member = False

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.total

    def read(self, size: int | None = -1) -> bytes:
        want = _BLOCK if size is None or size < 0 else max(size, 1)
        while True:
            if self._unzip.eof:
                # The member is complete; another may follow (WARC writes one per record).
                self._pending = self._unzip.unused_data + self._pending
                self._unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._in_member = False
            at_end = False
            if not self._pending:
                self._pending = self.raw.read(_BLOCK)
                at_end = not self._pending
            if not self._in_member:
                self._pending = self._pending.lstrip(b"\x00")  # gzip allows zero padding after a member
                if not self._pending:
                    if at_end:
                        return b""
                    continue
                self._in_member = True
            data, self._pending = self._pending, b""
            try:
                out = self._unzip.decompress(data, want)
            except zlib.error as exc:
                raise ArchiveDamage(f"corrupt gzip data ({exc})") from None
            self._pending = self._unzip.unconsumed_tail
            if out:
                self.total += len(out)
                if self.total > self.limit:  # a property of the whole file, like its size
                    raise IngestError(f"decompressed archive exceeds the {megabytes(self.limit)} limit")
                return out
            if at_end and not self._unzip.eof:
                raise ArchiveDamage("the compressed data ends in the middle of a record (truncated file)")


class WarcioNotes:
    """Stands in for stderr while warcio runs: warcio reports some damage only by writing there. Its
    messages are kept as reasons; anything else written meanwhile (another thread's output) passes on."""

    def __init__(self, real: TextIO) -> None:
        self.real = real
        self.notes: list[str] = []

    def write(self, text: str) -> int:
        if _MISSING_BLANK_LINE in text or "decompress" in text.lower():
            self.notes.append(text.strip())
        else:
            self.real.write(text)
        return len(text)

    def flush(self) -> None:
        self.real.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, fileno, ... of the real one
        return getattr(self.real, name)

    def text(self) -> str:
        return "\n".join(self.notes)

    def clear(self) -> None:
        self.notes.clear()

    def quiet(self, call: Callable[[], T]) -> T:
        with contextlib.redirect_stderr(self):
            return call()


def _declared_length(record: Any) -> int | None:  # a warcio ArcWarcRecord
    """The record's length from its headers (WARC Content-Length, ARC length), or None when missing or bad."""
    if record.format == "warc":
        try:
            if int(str(record.rec_headers.get_header("Content-Length")).strip()) < 0:
                return None
        except ValueError:
            return None
    length = record.length
    return length if isinstance(length, int) and length >= 0 else None


def _read_payload(record: Any, max_bytes: int, notes: WarcioNotes) -> tuple[bytes, str | None]:
    """The record's HTTP payload, or the reason it is incomplete or too large."""
    stream = record.content_stream()
    payload = notes.quiet(lambda: stream.read(max_bytes + 1))
    if len(payload) > max_bytes:
        return b"", f"decompressed payload exceeds the {megabytes(max_bytes)} limit"
    raw = record.raw_stream
    # Whatever the payload's own encoding left unread still belongs to the record; reading it shows whether
    # the archive holds all the bytes its Content-Length promised.
    while notes.quiet(lambda: raw.read(_BLOCK)):
        pass
    missing = getattr(raw, "limit", 0)
    declared = _declared_length(record)
    if missing and declared is not None:
        return (
            b"",
            f"truncated: Content-Length says {declared:,} bytes, the archive holds {declared - missing:,}",
        )
    if notes.notes:
        return b"", f"corrupt payload ({notes.notes[-1]})"
    unzip = getattr(stream, "decompressor", None)  # set by warcio for a Content-Encoding it decodes
    if unzip is not None and getattr(unzip, "eof", True) is False:
        # zlib does not always fail on damaged data: it can return garbage and simply never reach the end.
        return b"", "corrupt payload (its compressed Content-Encoding never reaches its end)"
    return payload, None


def _records(path: Path, fh: BinaryIO, max_bytes: int) -> Iterator[RawDocument | IngestFailure | None]:
    """Every HTML response record as a document or a failure; None for each record that is skipped."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    stream: BinaryIO = fh
    head = fh.read(_BLOCK)
    fh.seek(0)
    if head.startswith(b"\x1f\x8b"):
        stream = BoundedGunzip(fh, max_bytes)  # type: ignore[assignment]
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error as exc:
            raise IngestError(f"not a valid WARC archive: corrupt gzip data ({exc})") from None
    if not head.lstrip().startswith((b"WARC/", b"filedesc://")):
        # warcio reads almost any text as ARC records; an archive starts with a WARC or an ARC file header.
        raise IngestError("not a valid WARC archive: it does not start with a WARC or ARC header")
    notes = WarcioNotes(sys.stderr)
    # Large blocks: warcio joins a long line block by block, which is quadratic in the number of blocks.
    records = iter(ArchiveIterator(stream, block_size=1 << 20))
    # A record is held back until the next one is found where it should start: only then is its
    # Content-Length known to be right (a wrong one leaves no blank line after the record).
    held: RawDocument | None = None
    held_n = 0
    n = 0
    while True:
        n += 1
        notes.clear()
        source, label = f"{path}#{n}", f"record {n}"
        fatal: IngestError | None = None  # the whole file's limit, raised once the held record is settled
        try:
            record = notes.quiet(lambda: next(records, None))
        except IngestError as exc:
            record, damage, fatal = None, None, exc
        except ArchiveDamage as exc:
            record, damage = None, f"{exc}"
        except ArchiveLoadFailed as exc:
            record, damage = None, str(exc).strip() or "not a valid WARC record"
        except Exception as exc:  # warcio's parsers raise several kinds; each ends the readable part
            record, damage = None, f"unreadable record headers ({type(exc).__name__}: {exc})"
        else:
            damage = None
        if held is not None:
            if _MISSING_BLANK_LINE in notes.text():
                yield IngestFailure(
                    held.source,
                    f"record {held_n}: no blank line after the record where its Content-Length says it ends",
                )
            else:
                yield held
            held = None
        notes.clear()
        if fatal:
            raise fatal
        if damage:
            if n == 1:
                raise IngestError(f"not a valid WARC archive: {damage}")
            yield IngestFailure(source, f"{label}: {damage}; the rest of the archive is unreadable")
            return
        if record is None:
            return
        try:
            if record.rec_type != "response" or record.http_headers is None:
                yield None
                continue
            ctype = (record.http_headers.get_header("Content-Type") or "").lower()
            status = record.http_headers.get_statuscode()
            if "html" not in ctype or (status and not status.startswith("2")):
                yield None
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            label = f"record {n} ({url})" if url else label
            if _declared_length(record) is None:
                yield IngestFailure(source, f"{label}: missing or invalid Content-Length")
                continue
            payload, problem = _read_payload(record, max_bytes, notes)
        except IngestError:
            raise
        except ArchiveDamage as exc:
            yield IngestFailure(source, f"{label}: {exc}; the rest of the archive is unreadable")
            return
        except Exception as exc:  # one malformed record: reported, and the stream cannot be trusted after it
            yield IngestFailure(
                source,
                f"{label}: unreadable record ({type(exc).__name__}: {exc}); the rest of the archive is unreadable",
            )
            return
        if problem:
            yield IngestFailure(source, f"{label}: {problem}")
            continue
        charset = "utf-8"
        if "charset=" in ctype:
            charset = ctype.split("charset=")[-1].split(";")[0].strip().strip("\"'") or "utf-8"
        try:
            html = payload.decode(charset, "replace")
        except LookupError:
            html = payload.decode("utf-8", "replace")
        if not html.strip():
            yield IngestFailure(source, f"{label}: empty HTML payload")
            continue
        held = RawDocument(source=source, html=html, meta={"url": url} if url else {}, raw_hash=sha1(payload))
        held_n = n


def read_warc_file(path: Path, max_bytes: int) -> Iterator[RawDocument | IngestFailure]:
    check_size(path, max_bytes)
    found = 0
    with path.open("rb") as fh:
        for item in _records(path, fh, max_bytes):
            if item is not None:
                found += 1
                yield item
    if not found:
        raise IngestError("no HTML response records in the WARC archive")
