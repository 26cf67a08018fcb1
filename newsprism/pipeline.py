"""Stage orchestration: sources -> readers -> clean -> annotate -> store, batched and streaming.

Per-article work (HTML extraction, cleaning, spaCy) runs in worker processes, each loading the model once;
the parent only reads files lazily and writes batches, so memory stays flat whatever the corpus size.
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from newsprism import clean as clean_stage
from newsprism import nlp, records
from newsprism.executors import ProcessExecutor, batched, make_executor
from newsprism.ingest import iter_raw_documents
from newsprism.ingest.common import DEFAULT_MAX_BYTES, IngestError
from newsprism.ingest.html import extract_html
from newsprism.limits import DEFAULT_DOCUMENT_SECONDS, DocumentTimeout, time_budget
from newsprism.model import (
    Annotation,
    Article,
    IngestFailure,
    RawDocument,
    normalise_text,
    same_headline,
    sanitize_body,
    sanitize_field,
    stable_id,
)
from newsprism.records import StageFailure
from newsprism.store import Store

if TYPE_CHECKING:
    from spacy.tokens import Doc

log = logging.getLogger("newsprism")

MIN_BODY_WORDS = 20
# A body longer than this is a book, a dump or an attack, not a news article: refused with the reason (parsing
# 500,000 characters already takes spaCy about 20 s). Longer than spaCy's piece size is parsed in pieces.
MAX_BODY_CHARS = 500_000


@dataclass
class IngestOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    overrides: dict[str, str] = field(default_factory=dict)  # CLI metadata: outlet, published, url, ...
    workers: int = 1
    batch_size: int = 32
    follow_symlinks: bool = False  # a folder walk stays inside the folders it was given unless asked
    max_chars: int = MAX_BODY_CHARS
    document_seconds: float = DEFAULT_DOCUMENT_SECONDS  # time budget for cleaning one document
    extract: bool = True  # also run the per-article analysis in the workers, right after the parse


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)  # article ids stored by this run
    updated: list[str] = field(default_factory=list)  # ids whose stored text this run replaced (same URL)
    stage_failures: list[StageFailure] = field(default_factory=list)  # analysis failures of stored articles
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


def build_article(
    raw: RawDocument, overrides: dict[str, str] | None = None, max_chars: int = MAX_BODY_CHARS
) -> Article:
    """Raw document -> cleaned Article with merged metadata and a stable id. Raises IngestError."""
    overrides = {k: sanitize_field(str(v)) for k, v in (overrides or {}).items() if v}
    meta = {k: sanitize_field(str(v)) for k, v in raw.meta.items() if v}
    raw = RawDocument(
        source=raw.source,
        text=sanitize_body(raw.text) if raw.text is not None else None,
        html=sanitize_body(raw.html) if raw.html is not None else None,
        meta=meta,
        raw_hash=raw.raw_hash,
    )
    if raw.text is not None and len(raw.text) > 2 * max_chars:  # cleaning cannot bring it under the limit
        raise IngestError(
            f"too long for one article: {len(raw.text):,} characters (limit {max_chars:,} of body text)"
        )
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
        title_first = not has_title or same_headline(first_line, overrides.get("title") or meta.get("title"))
        result = clean_stage.clean(
            text, title_first_line=title_first, known_title=meta.get("title"), outlet_hint=meta.get("outlet")
        )

    if len(result.text) > max_chars:
        raise IngestError(
            f"too long for one article: {len(result.text):,} characters of body text (limit {max_chars:,})"
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

    body_hash = stable_id(normalise_text(result.text), length=40)
    # A URL names one article whatever its text: a corrected or repaired copy keeps the id and replaces the
    # stored text. Without a URL the text is part of the identity (two outlets' wire copies stay two).
    article_id = (
        stable_id("url", url)
        if url
        else stable_id(f"{normalise_text(outlet or '')}|{normalise_text(title or '')}", body_hash)
    )
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
        body_hash=body_hash,
        metadata_sources=sources,
    )
    article.kind = clean_stage.guess_kind(result)
    return article


@dataclass(frozen=True)
class BatchContext:
    """What a worker needs besides its batch; picklable, so it crosses to worker processes."""

    overrides: dict[str, str] = field(default_factory=dict)
    store_url: str | None = None  # read-only look-up of stored ids, so a re-run never re-parses them
    max_chars: int = MAX_BODY_CHARS
    document_seconds: float = DEFAULT_DOCUMENT_SECONDS
    extract: bool = False  # run the per-article analysis right after the parse


@dataclass
class Prepared:
    """One article cleaned and annotated (and extracted, when asked), ready to store."""

    article: Article
    annotation: Annotation
    extraction: bytes | None = None  # packed records.ArticleExtraction, stamped with EXTRACT.version
    extract_failure: StageFailure | None = None


@dataclass
class AlreadyStored:
    id: str
    source: str


BatchResult = Prepared | AlreadyStored | IngestFailure


def prepare_batch(raws: list[RawDocument], context: BatchContext) -> list[Article | IngestFailure]:
    out: list[Article | IngestFailure] = []
    for raw in raws:
        try:
            with time_budget(context.document_seconds):
                out.append(build_article(raw, context.overrides, context.max_chars))
        except IngestError as exc:
            out.append(IngestFailure(raw.source, str(exc)))
        except DocumentTimeout:
            out.append(IngestFailure(raw.source, _timeout_reason(context.document_seconds)))
        except Exception as exc:  # a bug or a pathological input must not stop the batch
            log.debug("prepare failed", exc_info=True)
            out.append(
                IngestFailure(raw.source, f"unexpected error while cleaning: {type(exc).__name__}: {exc}")
            )
    return out


def _timeout_reason(seconds: float) -> str:
    return f"took longer than the {seconds:g} s budget for one document, skipped"


def annotate_articles(articles: list[Article]) -> list[tuple[Annotation, Doc] | IngestFailure]:
    """spaCy over the batch; when the batch fails, each article alone, so only the bad one is lost."""
    try:
        return list(
            nlp.annotate_with_docs([(a.id, nlp.nlp_view(a.text, bool(a.dateline))) for a in articles])
        )
    except Exception:
        if len(articles) == 1:
            article = articles[0]
            log.debug("annotate failed", exc_info=True)
            exc = sys.exc_info()[1]
            return [
                IngestFailure(article.source, f"unexpected error while parsing: {type(exc).__name__}: {exc}")
            ]
    out: list[tuple[Annotation, Doc] | IngestFailure] = []
    for article in articles:
        out.extend(annotate_articles([article]))
    return out


@lru_cache(maxsize=4)
def lookup_store(url: str) -> Store:
    """A read-only handle on the store at ``url``, one per worker process."""
    return Store(url, create=False)


def process_batch(raws: list[RawDocument], context: BatchContext) -> list[BatchResult]:
    """The per-article stages for one batch (in a worker): clean, skip what is stored, annotate."""
    prepared = prepare_batch(raws, context)
    candidates = [p for p in prepared if isinstance(p, Article)]
    stored: dict[str, str] = {}
    if context.store_url and candidates:
        stored = lookup_store(context.store_url).stored_body_hashes(a.id for a in candidates)
    fresh = [a for a in candidates if stored.get(a.id) != a.body_hash]
    annotated = dict(zip((a.id for a in fresh), annotate_articles(fresh), strict=True))
    out: list[BatchResult] = []
    for item in prepared:
        if isinstance(item, IngestFailure):
            out.append(item)
        elif stored.get(item.id) == item.body_hash:
            out.append(AlreadyStored(item.id, item.source))
        else:
            result = annotated[item.id]
            out.append(Prepared(item, result[0]) if not isinstance(result, IngestFailure) else result)
    if context.extract:
        parsed = [(p, annotated[p.article.id]) for p in out if isinstance(p, Prepared)]
        _extract_prepared([(p, pair[1]) for p, pair in parsed if not isinstance(pair, IngestFailure)])
    return out


def _extract_prepared(items: list[tuple[Prepared, Doc]]) -> None:
    """The per-article analysis on the live parses (never a second parse), one batched model call."""
    from newsprism.model import stored_article
    from newsprism.nlp import ParsedArticle
    from newsprism.stages import extract

    if not items:
        return
    inputs = [ParsedArticle(stored_article(p.article, p.annotation), doc) for p, doc in items]
    try:
        results = extract.run(inputs)
    except Exception as exc:  # e.g. the embedding model failing for the whole batch
        log.debug("extract failed for a batch", exc_info=True)
        results = [
            StageFailure(item=p.article.id, stage="extract", error=type(exc).__name__, message=str(exc))
            for p, _ in items
        ]
    for (prepared, _), result in zip(items, results, strict=True):
        if isinstance(result, StageFailure):
            prepared.extract_failure = result
        else:
            prepared.extraction = records.pack(result)


# What one document may cost at worst, parse and analysis included, on a slow and heavily loaded machine:
# spaCy and MiniLM together run at about 10,000 characters/s on one idle core; this allows 20 times less.
WORST_CHARS_PER_SECOND = 500.0


def worst_case_seconds(raw: RawDocument) -> float:
    return 5.0 + len(raw.text if raw.text is not None else raw.html or "") / WORST_CHARS_PER_SECOND


def _warm_worker(extract: bool = False) -> None:
    nlp.load_spacy()
    clean_stage.load_rules()
    if extract:
        nlp.load_embedder()


# ----------------------------------------------------------------------------------------- driver


ProgressHook = Callable[[str, int], None]  # (event, n): "file" done, "articles" stored


class _Stop(KeyboardInterrupt):
    """SIGTERM during a run: unwinds like Ctrl-C so the workers are stopped and nothing half-written stays."""


def _raise_stop(_signum: int, _frame: object) -> None:
    raise _Stop


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    options: IngestOptions | None = None,
    on_progress: ProgressHook | None = None,
) -> IngestReport:
    """Read, clean, annotate and store every article under ``paths``; bad sources become failures."""
    options = options or IngestOptions()
    report = IngestReport()
    seen_in_run: dict[str, str] = {}  # id -> source of its first occurrence in this run

    def notify(event_name: str, n: int = 1) -> None:
        if on_progress:
            on_progress(event_name, n)

    raw_stream = _collect_failures(
        iter_raw_documents(
            paths,
            options.max_bytes,
            on_file_done=lambda: notify("file"),
            follow_symlinks=options.follow_symlinks,
        ),
        report,
    )
    context = BatchContext(
        overrides=dict(options.overrides),
        store_url=store.url,
        max_chars=options.max_chars,
        document_seconds=options.document_seconds,
        extract=options.extract,
    )

    def on_hang(raw: RawDocument) -> BatchResult:
        return IngestFailure(raw.source, _timeout_reason(options.document_seconds) + " (worker replaced)")

    def handle(results: list[BatchResult]) -> None:
        to_store: list[Prepared] = []
        for item in results:
            if isinstance(item, IngestFailure):
                report.record_failure(item)
                continue
            article_id = item.article.id if isinstance(item, Prepared) else item.id
            source = item.article.source if isinstance(item, Prepared) else item.source
            report.article_ids.append(article_id)
            if article_id in seen_in_run:
                report.duplicates.append(article_id)
                log.info("%s: same article as %s, skipped", source, seen_in_run[article_id])
                continue
            seen_in_run[article_id] = source
            if isinstance(item, AlreadyStored):
                report.duplicates.append(article_id)
                log.info("%s: already stored as %s, skipped", source, article_id)
            else:
                to_store.append(item)
        if to_store:
            for p in to_store:
                if p.extract_failure is not None:
                    report.stage_failures.append(p.extract_failure)
                    log.warning(
                        "%s: analysis failed (%s: %s)",
                        p.article.source,
                        p.extract_failure.error,
                        p.extract_failure.message,
                    )
            outcome = store.add_batch(
                [(p.article, p.annotation) for p in to_store],
                extractions={p.article.id: p.extraction for p in to_store if p.extraction is not None},
                failures=[p.extract_failure for p in to_store if p.extract_failure is not None],
            )
            report.added.extend(outcome.added)
            report.updated.extend(outcome.updated)
            report.duplicates.extend(outcome.present)  # stored meanwhile by a concurrent run
            kept = set(outcome.added) | set(outcome.updated)
            report.words += sum(len(p.article.text.split()) for p in to_store if p.article.id in kept)
            notify("articles", len(kept))

    warm = partial(_warm_worker, options.extract)
    executor = make_executor(options.workers, warm, options.document_seconds, cost=worst_case_seconds)
    previous_handler = None
    if threading.current_thread() is threading.main_thread():
        previous_handler = signal.signal(signal.SIGTERM, _raise_stop)
    try:
        batches = batched(raw_stream, options.batch_size)
        for _batch, results in executor.map(process_batch, batches, context, on_hang):
            handle(results)
        executor.close()
    except BaseException:
        if isinstance(executor, ProcessExecutor):
            executor.abort()  # never leave workers running behind a dead or interrupted parent
        raise
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
    return report


def _collect_failures(
    stream: Iterator[RawDocument | IngestFailure], report: IngestReport
) -> Iterator[RawDocument]:
    for item in stream:
        if isinstance(item, IngestFailure):
            report.record_failure(item)
        else:
            yield item
