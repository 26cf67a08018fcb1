"""Readers: one per source kind, each yielding RawDocument records (or failures naming the file and reason)."""

from __future__ import annotations

import errno
import glob
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from newsprism.ingest.common import DEFAULT_MAX_BYTES, IngestError, check_size, sanitized
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


def _resolve(path: Path) -> Path | str:
    """The real path a symlink leads to, or the reason it leads nowhere."""
    try:
        return path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a symlink loop this way
        return "symlink loop, skipped"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop, skipped"
        return "broken symlink, skipped"


def _sorted_entries(folder: Path) -> list[os.DirEntry[str]] | str:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        return f"cannot read folder: {exc.strerror or exc}"


def _walk(root: Path, follow_symlinks: bool) -> Iterator[Path | IngestFailure]:
    """Known-kind files under ``root`` in sorted order, never leaving it through a symlink unless asked.

    A depth-first walk in name order yields the same order as sorting the paths. Folders are entered once
    (by real path), so a symlink back up the tree cannot loop, and a file reached twice is read once."""
    real_root = root.resolve()
    seen_dirs = {real_root}
    seen_files: set[Path] = set()
    first = _sorted_entries(root)
    if isinstance(first, str):
        yield IngestFailure(str(root), first)
        return
    stack: list[tuple[Path, Iterator[os.DirEntry[str]]]] = [(real_root, iter(first))]
    while stack:
        real_folder, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            link = entry.is_symlink()
            if link:
                target = _resolve(path)
                if isinstance(target, str):
                    yield IngestFailure(str(path), target)
                    continue
                if not follow_symlinks and not target.is_relative_to(real_root):
                    yield IngestFailure(
                        str(path), f"symlink points outside {root}, skipped (use --follow-symlinks)"
                    )
                    continue
                is_dir, is_file = target.is_dir(), target.is_file()
            else:
                target = real_folder / entry.name
                is_dir, is_file = entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False)
        except OSError as exc:
            yield IngestFailure(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        if is_dir:
            if target in seen_dirs:
                if link and (target == real_folder or target in real_folder.parents):
                    yield IngestFailure(str(path), "symlink loop, skipped")
                continue
            seen_dirs.add(target)
            children = _sorted_entries(path)
            if isinstance(children, str):
                yield IngestFailure(str(path), children)
                continue
            stack.append((target, iter(children)))
        elif is_file and not _is_sidecar(path) and kind_of(path) and target not in seen_files:
            seen_files.add(target)
            yield path


def _literal_base(pattern: str) -> Path:
    """The folder a glob pattern searches under: its leading parts without wildcards."""
    parts: list[str] = []
    for part in Path(pattern).parts:
        if any(ch in part for ch in "*?["):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def _glob(pattern: str, follow_symlinks: bool) -> Iterator[Path | IngestFailure]:
    matches = sorted(glob.glob(pattern, recursive=True))
    if not matches:
        yield IngestFailure(pattern, "no file matches this pattern")
        return
    base = _literal_base(pattern)
    real_base = base.resolve()
    seen: set[Path] = set()
    for match in matches:
        path = Path(match)
        if not path.is_file() or _is_sidecar(path):
            continue
        real = path.resolve()
        if not follow_symlinks and not real.is_relative_to(real_base):
            yield IngestFailure(str(path), f"symlink points outside {base}, skipped (use --follow-symlinks)")
            continue
        if real not in seen:  # '**' through a symlinked folder finds the same file again
            seen.add(real)
            yield path


def expand_paths(
    paths: Iterable[str | Path], *, follow_symlinks: bool = False
) -> Iterator[Path | IngestFailure]:
    """Files, folders (recursively, known kinds only, sorted) and globs, in a deterministic order.

    Files named explicitly are read wherever they are; a folder walk or a glob does not leave the folder it
    started from through a symlink unless ``follow_symlinks``."""
    for item in paths:
        text = str(item)
        path = Path(text)
        try:
            if path.is_dir():
                yield from _walk(path, follow_symlinks)
            elif path.is_file():
                yield path
            elif any(ch in text for ch in "*?["):
                yield from _glob(text, follow_symlinks)
            elif path.exists():
                yield IngestFailure(text, "not a regular file")
            elif path.is_symlink():
                yield IngestFailure(text, "broken symlink")
            else:
                yield IngestFailure(text, "no such file or directory")
        except (OSError, ValueError) as exc:  # e.g. a name with a NUL byte, or no permission to look
            yield IngestFailure(text, f"cannot read: {getattr(exc, 'strerror', None) or exc}")


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
    """Every document in one file; a failure for the whole file or for single records within it.

    Nothing a file holds escapes as an exception, and every text and metadata value is sanitised."""
    try:
        check_size(path, max_bytes)
        kind = kind_of(path) or _sniff(path)
    except IngestError as exc:
        yield IngestFailure(str(path), str(exc))
        return
    except OSError as exc:
        yield IngestFailure(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    reader = READERS[kind]
    try:
        for item in reader(path, max_bytes):
            yield sanitized(item)
    except IngestError as exc:
        yield sanitized(IngestFailure(str(path), str(exc)))
    except Exception as exc:  # a reader crashing on one malformed file must not stop the batch
        yield sanitized(
            IngestFailure(str(path), f"unreadable {kind.lstrip('.')} file: {type(exc).__name__}: {exc}")
        )


def iter_raw_documents(
    paths: Iterable[str | Path],
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_file_done: Callable[[], None] | None = None,
    *,
    follow_symlinks: bool = False,
) -> Iterator[RawDocument | IngestFailure]:
    for item in expand_paths(paths, follow_symlinks=follow_symlinks):
        if isinstance(item, IngestFailure):
            yield item
            continue
        yield from read_source(item, max_bytes)
        if on_file_done:
            on_file_done()
