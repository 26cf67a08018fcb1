"""Command line: a thin layer over the library (pipeline, store, report)."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsprism import __version__
from newsprism.terminal import EscapingFormatter, safe_text

if TYPE_CHECKING:
    from newsprism.analysis import AnalysisRun, DocumentReader
    from newsprism.pipeline import IngestOptions, IngestReport
    from newsprism.records import StoryAnalysis
    from newsprism.store import Store

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="newsprism: one story through every outlet."
)
err = Console(stderr=True)


def _out() -> Console:
    """Tables on stdout; wide when piped, so a table written to a file is not wrapped to 80 columns."""
    return Console() if sys.stdout.isatty() else Console(width=200)


def _say(message: str) -> None:
    """A status line on stderr: paths and ids in it are data, so escaped and never read as markup."""
    err.print(safe_text(message), soft_wrap=True)  # soft: a long path is not cut into lines


DbOption = Annotated[Path, typer.Option("--db", help="SQLite file (or SQLAlchemy URL) of the store.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Explain every skipped or stored article.")
]


def _setup_logging(quiet: bool, verbose: bool) -> None:
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    if err.is_terminal:
        handler: logging.Handler = RichHandler(console=err, show_time=False, show_path=False, markup=False)
        fmt = "%(message)s"
    else:  # piped or logged: one plain line per message, never wrapped
        handler = logging.StreamHandler(sys.stderr)
        fmt = "%(levelname)s: %(message)s"
    # Messages carry file names and reasons from hostile input: escaped, so each stays one line.
    handler.setFormatter(EscapingFormatter(fmt))
    logging.basicConfig(level=level, force=True, handlers=[handler])
    for noisy in ("trafilatura", "htmldate", "sentence_transformers", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _run_ingest(
    paths: list[str], db: Path, options: IngestOptions, quiet: bool
) -> tuple[Store, IngestReport]:
    from newsprism.ingest import expand_paths
    from newsprism.pipeline import ingest
    from newsprism.store import Store

    store = Store(db)
    n_files = sum(
        1 for p in expand_paths(paths, follow_symlinks=options.follow_symlinks) if isinstance(p, Path)
    )
    started = time.perf_counter()
    show = not quiet and err.is_terminal
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
        transient=True,
    ) as progress:
        task = progress.add_task("ingesting files", total=n_files, rate="")
        stored = 0

        def on_progress(event_name: str, n: int) -> None:
            nonlocal stored
            if event_name == "file":
                progress.advance(task, n)
            else:
                stored += n
            rate = stored / max(1e-6, time.perf_counter() - started)
            progress.update(task, rate=f"{stored} articles · {rate:.1f} articles/s")

        report = ingest(paths, store, options, on_progress=on_progress)
    elapsed = time.perf_counter() - started
    if not quiet:
        _say(
            f"{len(report.added)} stored, {len(report.duplicates)} already stored (skipped), "
            f"{len(report.failures)} failed, in {elapsed:.1f}s"
        )
    return store, report


def _options(max_mb: float, workers: int, follow_symlinks: bool, **overrides: str | None) -> IngestOptions:
    from newsprism.pipeline import IngestOptions

    if max_mb <= 0:
        raise typer.BadParameter("--max-mb must be positive")
    return IngestOptions(
        max_bytes=int(max_mb * 1024 * 1024),
        workers=workers,
        overrides={k: v for k, v in overrides.items() if v},
        follow_symlinks=follow_symlinks,
    )


PathsArg = Annotated[
    list[str], typer.Argument(help="Files, folders or globs: .txt .html .jsonl .rss/.atom/.xml .warc(.gz)")
]
MaxMb = Annotated[float, typer.Option("--max-mb", help="Skip files larger than this (MB).")]
Workers = Annotated[
    int, typer.Option("--workers", "-j", min=1, help="Worker processes for cleaning and NLP.")
]
Outlet = Annotated[str | None, typer.Option(help="Outlet for every article (overrides the text).")]
Published = Annotated[str | None, typer.Option(help="Publication date (ISO) for every article.")]
Url = Annotated[str | None, typer.Option(help="URL (for a single article).")]
Author = Annotated[str | None, typer.Option(help="Author for every article.")]
Title = Annotated[str | None, typer.Option(help="Title (for a single article).")]
FollowSymlinks = Annotated[
    bool,
    typer.Option(
        "--follow-symlinks", help="Follow symbolic links that point outside the given folders (off: skipped)."
    ),
]


@app.command("ingest")
def ingest_cmd(
    paths: PathsArg,
    db: DbOption = Path("newsprism.db"),
    max_mb: MaxMb = 20.0,
    workers: Workers = 1,
    outlet: Outlet = None,
    published: Published = None,
    url: Url = None,
    author: Author = None,
    title: Title = None,
    follow_symlinks: FollowSymlinks = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Read, clean, parse, analyse and store articles (stories, cast, quotes and timeline are brought up to
    date). Exit 0 if all stored or already stored, 1 if any source or stage failed."""
    _setup_logging(quiet, verbose)
    options = _options(
        max_mb,
        workers,
        follow_symlinks,
        outlet=outlet,
        published=published,
        url=url,
        author=author,
        title=title,
    )
    store, report = _run_ingest(paths, db, options, quiet)
    run = _run_update(store, workers, quiet)
    raise typer.Exit(0 if report.ok and not report.stage_failures and not run.failures else 1)


@app.command("analyze")
def analyze_cmd(
    paths: PathsArg,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON document here ('-' = stdout).")
    ] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    db: DbOption = Path("newsprism.db"),
    max_mb: MaxMb = 20.0,
    workers: Workers = 1,
    outlet: Outlet = None,
    published: Published = None,
    url: Url = None,
    author: Author = None,
    title: Title = None,
    follow_symlinks: FollowSymlinks = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Ingest PATHS, bring the analysis up to date, and write the stories holding those articles.

    Exit 0 when everything was stored and analysed, 1 when any source or any stage failed (the rest of the
    run still completes and the JSON/HTML mark the failed items)."""
    from newsprism import analysis

    _setup_logging(quiet, verbose)
    options = _options(
        max_mb,
        workers,
        follow_symlinks,
        outlet=outlet,
        published=published,
        url=url,
        author=author,
        title=title,
    )
    store, report = _run_ingest(paths, db, options, quiet)
    run = _run_update(store, workers, quiet)
    _write_outputs(analysis.DocumentReader(store, report.article_ids), json_out, html_out, quiet)
    failed = len(report.failures) + len({(f.item, f.stage) for f in [*report.stage_failures, *run.failures]})
    if failed and not quiet:
        _say(f'{failed} item(s) failed; see the messages above and "failures" in the JSON')
    raise typer.Exit(0 if failed == 0 else 1)


def _run_update(store: Store, workers: int, quiet: bool) -> AnalysisRun:
    from newsprism import analysis

    started = time.perf_counter()
    run = analysis.update(store, workers)
    for failure in run.failures:
        logging.getLogger("newsprism").warning(
            "%s: %s failed (%s: %s)", failure.item, failure.stage, failure.error, failure.message
        )
    if not quiet:
        _say(
            f"analysis: {run.extracted} articles extracted, {run.recomputed} of {run.stories} stories "
            f"updated, {len(run.failures)} failed, in {time.perf_counter() - started:.1f}s"
        )
    return run


def _write_outputs(reader: DocumentReader, json_out: Path | None, html_out: Path | None, quiet: bool) -> None:
    """The JSON streamed from the store (memory does not grow with the corpus); the HTML report from the
    whole document."""
    from newsprism.report.html import write_html
    from newsprism.report.json_export import write_document, write_json

    if json_out is not None:
        if str(json_out) == "-":
            sys.stdout.flush()
            write_document(reader, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            write_json(reader, json_out)
            if not quiet:
                _say(f"JSON written to {json_out}")
    if html_out is not None:
        write_html(reader.document(), html_out)
        if not quiet:
            _say(f"HTML report written to {html_out.resolve()}")


StoryOption = Annotated[str | None, typer.Option("--story", help="Only this story id (an old id works too).")]


def _open_store(db: Path) -> Store:
    """The store for a read command: it must exist; reads never load a model or recompute."""
    from newsprism.store import SchemaError, Store

    if "://" not in str(db) and not db.exists():
        _say(f"no database at {db}: run `newsprism ingest` or `newsprism analyze` first")
        raise typer.Exit(2)
    try:
        return Store(db)
    except SchemaError as exc:
        _say(f"{db}: {exc}")
        raise typer.Exit(2) from None


def _analyses(db: Path, story: str | None) -> tuple[Store, list[StoryAnalysis]]:
    from newsprism import analysis

    store = _open_store(db)
    found = analysis.story_analyses(store, story)
    if story is not None and not found:
        known = ", ".join(s.id for s in store.stories()[:20])
        _say(f"no story {story!r}; known: {known}")
        raise typer.Exit(2)
    return store, found


LimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=0, help="Show at most this many rows (0 = all).")
]
T = TypeVar("T")


def _shown(rows: Sequence[T], limit: int) -> Sequence[T]:
    """The first ``limit`` rows (all when 0): a terminal table of the whole store is unreadable and slow."""
    return rows if not limit else rows[:limit]


def _story_rows(
    db: Path,
    story: str | None,
    limit: int,
    page: Callable[[Store, int | None], tuple[list[T], int]],
    rows_of: Callable[[StoryAnalysis], list[T]],
) -> tuple[list[T], int]:
    """The rows a table shows and how many there are: one story's, else the store's first ``limit``."""
    if story is None:
        return page(_open_store(db), limit or None)
    _, found = _analyses(db, story)
    rows = [row for a in found for row in rows_of(a)]
    return list(_shown(rows, limit)), len(rows)


def _more(total: int, limit: int, what: str) -> None:
    if limit and total > limit:
        _out().print(f"{limit:,} of {total:,} {what} shown; --limit 0 shows all, --story one story's.")


@app.command("stories")
def stories_cmd(
    db: DbOption = Path("newsprism.db"), limit: LimitOption = 50, quiet: QuietOption = False
) -> None:
    """List the stored stories (largest first)."""
    from newsprism.tables import story_table as render_table

    _setup_logging(quiet, False)
    heads, total = _open_store(db).story_heads(limit or None)
    _out().print(render_table(heads))
    _more(total, limit, "stories")


@app.command("entities")
def entities_cmd(
    db: DbOption = Path("newsprism.db"),
    story: StoryOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Only entities matching this name.")] = None,
    limit: LimitOption = 50,
    quiet: QuietOption = False,
) -> None:
    """The cast: people, organisations and places across spellings, with each outlet's labels."""
    from newsprism.tables import entity_table as render_table

    _setup_logging(quiet, False)
    if story is None and not name:
        page, total = _open_store(db).entity_page(limit or None)
        _out().print(render_table(page, total=total))
        _more(total, limit, "entities")
        return
    if story is None:
        entities = _open_store(db).entities()
    else:
        _, found = _analyses(db, story)
        entities = [e for a in found for e in a.entities]
    if name:
        from newsprism.entities import find_entities  # the name matcher (spelling variants): only with --name

        matching = find_entities(entities, name)
        total, rows = len(matching), list(_shown(matching, limit))
    else:
        total, rows = len(entities), list(_shown(entities, limit))
    _out().print(render_table(rows, total=total, name=name))
    _more(total, limit, "entities")


@app.command("quotes")
def quotes_cmd(
    db: DbOption = Path("newsprism.db"),
    story: StoryOption = None,
    limit: LimitOption = 50,
    quiet: QuietOption = False,
) -> None:
    """Who said what: quotes and attributed claims with speaker and source type."""
    from newsprism.tables import quote_table as render_table

    _setup_logging(quiet, False)
    page, total = _story_rows(db, story, limit, lambda store, n: store.quote_page(n), lambda a: a.quotes)
    _out().print(render_table(page))
    _more(total, limit, "quotes")


@app.command("timeline")
def timeline_cmd(
    db: DbOption = Path("newsprism.db"),
    story: StoryOption = None,
    limit: LimitOption = 50,
    quiet: QuietOption = False,
) -> None:
    """Events with resolved dates, merged across outlets."""
    from newsprism.tables import event_table as render_table

    _setup_logging(quiet, False)
    page, total = _story_rows(db, story, limit, lambda store, n: store.event_page(n), lambda a: a.events)
    _out().print(render_table(page))
    _more(total, limit, "events")


def _chosen_stories(store: Store, story: str | None, stories: int) -> list[str]:
    """The story asked for, or the ``stories`` largest told by two or more outlets (the largest of any, when
    none is)."""
    if story is not None:
        return [store.resolve_id("story", story)]
    heads, _ = store.story_heads(None)
    return [h.id for h in heads if len(set(h.outlets)) >= 2][:stories] or [h.id for h in heads[:stories]]


@app.command("compare")
def compare_cmd(
    db: DbOption = Path("newsprism.db"),
    story: StoryOption = None,
    limit: LimitOption = 20,
    stories: Annotated[int, typer.Option("--stories", min=1, help="Without --story: how many stories.")] = 3,
    quiet: QuietOption = False,
) -> None:
    """Compare the outlets of a story: claims they corroborate, leave out or dispute, and how each frames
    the main actors (without --story: the largest stories told by two or more outlets)."""
    from newsprism.records import StoryComparisonPart
    from newsprism.tables import comparison_tables

    _setup_logging(quiet, False)
    store = _open_store(db)
    ids = _chosen_stories(store, story, stories)
    shown = 0
    for part in store.story_parts(StoryComparisonPart, ids):
        if part.comparison is None:
            _out().print(
                f"story {part.story.id}: no comparison stored yet (run `newsprism analyze` or `reprocess`)"
            )
            continue
        for table in comparison_tables(part.story, part.comparison, limit or 10_000):
            _out().print(table)
        shown += 1
    if story is not None and not shown:
        _say(f"no story {story!r} with a stored comparison")
        raise typer.Exit(2)


@app.command("brief")
def brief_cmd(
    db: DbOption = Path("newsprism.db"),
    story: StoryOption = None,
    words: Annotated[int, typer.Option("--words", min=10, help="Length of the brief, in words.")] = 120,
    fmt: Annotated[str, typer.Option("--format", help="text, md or json.")] = "text",
    outline: Annotated[
        bool, typer.Option("--outline", help="One line per fact, with its date and sources.")
    ] = False,
    stories: Annotated[int, typer.Option("--stories", min=1, help="Without --story: how many stories.")] = 3,
    quiet: QuietOption = False,
) -> None:
    """The neutral brief of a story, every sentence citing the article sentences it rests on, and how the
    outlets differ (without --story: the largest stories told by two or more outlets)."""
    from newsprism.brief import at_length
    from newsprism.brief.render import CitedArticle, render
    from newsprism.records import StoryBriefPart, to_builtins

    if fmt not in ("text", "md", "json"):
        _say(f"--format must be text, md or json, not {fmt!r}")
        raise typer.Exit(2)
    _setup_logging(quiet, False)
    store = _open_store(db)
    ids = _chosen_stories(store, story, stories)
    shown = 0
    as_json: list[dict[str, object]] = []
    for part in store.story_parts(StoryBriefPart, ids):
        if part.brief is None:
            _say(f"story {part.story.id}: no brief stored yet (run `newsprism analyze` or `reprocess`)")
            continue
        brief = at_length(part.brief, words)
        shown += 1
        if fmt == "json":
            as_json.append({"story": part.story.id, "title": part.story.title, "brief": to_builtins(brief)})
            continue
        cited = sorted(
            {c.article for s in brief.sentences for c in s.citations}
            | {c.article for d in brief.differences for c in d.citations}
        )
        articles = {
            a.id: CitedArticle(a.outlet or "", a.title or "", a.text)
            for a in store.iter_articles(cited, with_doc=False)
        }
        typer.echo(render(part.story, brief, articles, fmt, outline))
    if fmt == "json":
        typer.echo(json.dumps(as_json, ensure_ascii=False, indent=2))
    if story is not None and not shown:
        _say(f"no story {story!r} with a stored brief")
        raise typer.Exit(2)


@app.command("export")
def export_cmd(
    db: DbOption = Path("newsprism.db"),
    story: StoryOption = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON document here ('-' = stdout).")
    ] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    quiet: QuietOption = False,
) -> None:
    """Write the stored analysis (every story, or one) as JSON and/or HTML, without recomputing anything."""
    from newsprism import analysis

    _setup_logging(quiet, False)
    if json_out is None and html_out is None:
        raise typer.BadParameter("give --json and/or --html")
    if story is None:
        reader = analysis.DocumentReader(_open_store(db))
    else:
        store, found = _analyses(db, story)
        reader = analysis.DocumentReader(store, story=found[0].story.id)
    _write_outputs(reader, json_out, html_out, quiet)


@app.command("reprocess")
def reprocess_cmd(
    db: DbOption = Path("newsprism.db"),
    stage_name: Annotated[
        str | None, typer.Option("--stage", help="Only this stage (extract, stories, story_analysis).")
    ] = None,
    workers: Workers = 1,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Rerun the stages whose version changed (new code or rules), and only those, for what they cover."""
    from newsprism import analysis
    from newsprism.stages import STAGES

    _setup_logging(quiet, verbose)
    if stage_name is not None and stage_name not in STAGES:
        raise typer.BadParameter(f"no stage {stage_name!r}; stages: {', '.join(STAGES)}")
    store = _open_store(db)
    if stage_name in (None, "extract"):
        done, failures = analysis.extract_missing(store, workers)
        if not quiet:
            _say(f"extract: {done} articles recomputed, {len(failures)} failed")
        if stage_name == "extract":
            raise typer.Exit(0 if not failures else 1)
    run = _run_update(store, workers, quiet)
    raise typer.Exit(0 if not run.failures else 1)


@app.command("version")
def version_cmd() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
