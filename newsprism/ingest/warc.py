"""WARC archives: HTML response records become articles; everything else is skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from newsprism.ingest.common import IngestError, check_size, sha1
from newsprism.model import IngestFailure, RawDocument


def read_warc_file(path: Path, max_bytes: int) -> Iterator[RawDocument | IngestFailure]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    check_size(path, max_bytes)
    found = 0
    try:
        with path.open("rb") as stream:
            for n, record in enumerate(ArchiveIterator(stream), start=1):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                ctype = (record.http_headers.get_header("Content-Type") or "").lower()
                status = record.http_headers.get_statuscode()
                if "html" not in ctype or (status and not status.startswith("2")):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                payload = record.content_stream().read()
                source = f"{path}#{n}"
                charset = "utf-8"
                if "charset=" in ctype:
                    charset = ctype.split("charset=")[-1].split(";")[0].strip() or "utf-8"
                try:
                    html = payload.decode(charset, "replace")
                except LookupError:
                    html = payload.decode("utf-8", "replace")
                found += 1
                if not html.strip():
                    yield IngestFailure(source, f"record {n} ({url}): empty HTML payload")
                    continue
                yield RawDocument(
                    source=source, html=html, meta={"url": url} if url else {}, raw_hash=sha1(payload)
                )
    except ArchiveLoadFailed as exc:
        raise IngestError(f"not a valid WARC archive: {exc}") from exc
    if not found:
        raise IngestError("no HTML response records in the WARC archive")
