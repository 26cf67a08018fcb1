"""Stage orchestration: sources -> readers -> clean -> annotate -> store, batched and streaming.

Per-article work (HTML extraction, cleaning, spaCy) runs in worker processes, each loading the model once;
the parent only reads files lazily and writes batches, so memory stays flat whatever the corpus size.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from newsprism import clean as clean_stage
from newsprism import nlp
from newsprism.ingest import iter_raw_documents
from newsprism.ingest.common import DEFAULT_MAX_BYTES, IngestError
from newsprism.ingest.html import extract_html
from newsprism.model import Annotation, Article, IngestFailure, RawDocument, normalise_text, stable_id
from newsprism.store import Store

log = logging.getLogger("newsprism")

MIN_BODY_WORDS = 20


@dataclass
class IngestOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    overrides: dict[str, str] = field(default_factory=dict)  # CLI metadata: outlet, published, url, ...
    workers: int = 1
    batch_size: int = 32


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)  # article ids stored by this run
    duplicates: list[str] = field(default_factory=list)  # ids already stored (or repeated in this run)
    failures: list[IngestFailure] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)  # every article of the input, in input order
    words: int = 0

    def record_failure(self, failure: IngestFailure) -> None:
        self.failures.append(failure)
        log.warning("%s: %s", failure.source, failure.reason)

    @property
    def ok(self) -> bool:
        return not self.failures


# ------------------------------------------------------------------------------ per-article stages


def normalise_date(value: str | None) -> str | None:
    """ISO date (YYYY-MM-DD) from metadata or text; None when there is no full date (never guessed)."""
    if not value:
        return None
    value = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    import dateparser

    parsed = dateparser.parse(
        value,
        languages=["en"],
        settings={"REQUIRE_PARTS": ["day", "month", "year"], "RETURN_AS_TIMEZONE_AWARE": False},
    )
    return parsed.date().isoformat() if isinstance(parsed, datetime) else None


_SITE_SEPARATOR = re.compile(r"\s+(?:[|–—»]|::|-)\s+")


def split_site_from_title(title: str) -> tuple[str, str | None]:
    """ "Paraguay Herald Online :: Thousands march ..." -> (headline, site name): the short side of a separator."""
    match = _SITE_SEPARATOR.search(title)
    if not match or _SITE_SEPARATOR.search(title, match.end()):
        return title, None
    first, second = title[: match.start()].strip(), title[match.end() :].strip()
    site_first = len(first.split()) < len(second.split())
    short, long_ = (first, second) if site_first else (second, first)
    if site_first and match.group().strip() == "-":
        return (
            title,
            None,
        )  # "Israel - Hamas talks resume": a hyphen leads a headline, it rarely follows a site
    if len(short.split()) <= 4 and len(long_.split()) >= 3 and short[:1].isupper():
        return long_, short
    return title, None


def build_article(raw: RawDocument, overrides: dict[str, str] | None = None) -> Article:
    """Raw document -> cleaned Article with merged metadata and a stable id. Raises IngestError."""
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    meta = dict(raw.meta)
    if raw.html is not None:
        text, html_meta = extract_html(raw.html, url=meta.get("url"))
        meta = {**html_meta, **meta}
        result = clean_stage.clean(
            text,
            title_first_line=False,
            line_blocks=True,
            known_title=meta.get("title"),
            outlet_hint=meta.get("outlet"),
        )
    else:
        text = raw.text or ""
        has_title = bool(overrides.get("title") or meta.get("title"))
        first_line = text.lstrip().split("\n", 1)[0].strip()
        # A JSONL/feed text without its headline starts straight with the body.
        title_first = not has_title or normalise_text(first_line) == normalise_text(
            overrides.get("title") or meta.get("title") or ""
        )
        result = clean_stage.clean(
            text, title_first_line=title_first, known_title=meta.get("title"), outlet_hint=meta.get("outlet")
        )

    body_words = len(result.text.split())
    if body_words < MIN_BODY_WORDS:
        raise IngestError(f"not an article: only {body_words} words of body text after cleaning")

    sources: dict[str, str] = {}

    def pick(name: str, from_text: str | None, text_how: str) -> str | None:
        for origin, value in (
            ("option", overrides.get(name)),
            ("metadata", meta.get(name)),
            (text_how, from_text),
        ):
            if value:
                sources[name] = origin
                return str(value).strip()
        return None

    title = pick("title", result.title, "first line")
    site_from_title = None
    if title and sources.get("title") == "metadata":  # an HTML <title> often carries the site name
        title, site_from_title = split_site_from_title(title)
    if meta.get("outlet") and title and normalise_text(meta["outlet"]) == normalise_text(title):
        meta.pop("outlet")  # some pages give their headline as the site name
    if meta.get("outlet"):
        meta["outlet"] = _SITE_SEPARATOR.split(meta["outlet"])[0].strip() or meta["outlet"]
    outlet = pick("outlet", result.outlet or site_from_title, result.outlet_evidence or "title")
    if outlet:
        outlet = clean_stage.canonical_outlet(outlet)
    author = pick("author", result.author, "byline")
    url = pick("url", None, "")
    published = normalise_date(pick("published", result.published_text, "date line"))
    if published is None:
        sources.pop("published", None)

    origin = url or f"{normalise_text(outlet or '')}|{normalise_text(title or '')}"
    body_key = normalise_text(result.text)
    article_id = stable_id(origin, stable_id(body_key, length=40))
    article = Article(
        id=article_id,
        source=raw.source,
        text=result.text,
        raw_text=result.raw_text,
        title=title,
        outlet=outlet,
        url=url,
        author=author,
        published=published,
        dateline=result.dateline,
        removed=result.removed,
        raw_hash=raw.raw_hash,
        metadata_sources=sources,
    )
    article.kind = clean_stage.guess_kind(result)
    return article


def prepare_batch(raws: list[RawDocument], overrides: dict[str, str]) -> list[Article | IngestFailure]:
    out: list[Article | IngestFailure] = []
    for raw in raws:
        try:
            out.append(build_article(raw, overrides))
        except IngestError as exc:
            out.append(IngestFailure(raw.source, str(exc)))
        except Exception as exc:  # a bug or a pathological input must not stop the batch
            log.debug("prepare failed", exc_info=True)
            out.append(
                IngestFailure(raw.source, f"unexpected error while cleaning: {type(exc).__name__}: {exc}")
            )
    return out


def annotate_batch(articles: list[Article]) -> list[Annotation]:
    return nlp.annotate([(a.id, a.text) for a in articles])


def _warm_worker() -> None:
    nlp.load_spacy()
    clean_stage.load_rules()


# ----------------------------------------------------------------------------------------- driver


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


ProgressHook = Callable[[str, int], None]  # (event, n): "file" done, "articles" stored


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    options: IngestOptions | None = None,
    on_progress: ProgressHook | None = None,
) -> IngestReport:
    """Read, clean, annotate and store every article under ``paths``; bad sources become failures."""
    options = options or IngestOptions()
    report = IngestReport()
    seen_in_run: set[str] = set()

    def notify(event_name: str, n: int = 1) -> None:
        if on_progress:
            on_progress(event_name, n)

    raw_stream = _collect_failures(
        iter_raw_documents(paths, options.max_bytes, on_file_done=lambda: notify("file")), report
    )
    batches = _batched(raw_stream, options.batch_size)

    def handle_prepared(prepared: list[Article | IngestFailure]) -> list[Article]:
        fresh: list[Article] = []
        candidates = [p for p in prepared if isinstance(p, Article)]
        stored = store.existing_ids(a.id for a in candidates)
        for item in prepared:
            if isinstance(item, IngestFailure):
                report.record_failure(item)
                continue
            report.article_ids.append(item.id)
            if item.id in stored or item.id in seen_in_run:
                report.duplicates.append(item.id)
                log.info("%s: already stored as %s, skipped", item.source, item.id)
                continue
            seen_in_run.add(item.id)
            fresh.append(item)
        return fresh

    def store_annotated(fresh: list[Article], annotations: list[Annotation]) -> None:
        store.add_batch(list(zip(fresh, annotations, strict=True)))
        report.added.extend(a.id for a in fresh)
        report.words += sum(len(a.text.split()) for a in fresh)
        notify("articles", len(fresh))

    if options.workers <= 1:
        for raws in batches:
            fresh = handle_prepared(prepare_batch(raws, options.overrides))
            if fresh:
                store_annotated(fresh, annotate_batch(fresh))
        return report

    with ProcessPoolExecutor(max_workers=options.workers, initializer=_warm_worker) as pool:
        pending: list[tuple[list[Article], Future[list[Annotation]]]] = []
        max_pending = options.workers * 2  # bounded in-flight work keeps memory flat
        for raws in batches:
            fresh = handle_prepared(pool.submit(prepare_batch, raws, options.overrides).result())
            if fresh:
                pending.append((fresh, pool.submit(annotate_batch, fresh)))
            while len(pending) >= max_pending or (pending and pending[0][1].done()):
                done_fresh, future = pending.pop(0)
                store_annotated(done_fresh, future.result())
        for done_fresh, future in pending:
            store_annotated(done_fresh, future.result())
    return report


def _collect_failures(
    stream: Iterator[RawDocument | IngestFailure], report: IngestReport
) -> Iterator[RawDocument]:
    for item in stream:
        if isinstance(item, IngestFailure):
            report.record_failure(item)
        else:
            yield item
