"""Readers, bad input, idempotent and resumable storage, the CLI contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsprism.cli import app
from newsprism.ingest import expand_paths, read_source
from newsprism.ingest.common import IngestError
from newsprism.model import IngestFailure, RawDocument
from newsprism.pipeline import IngestOptions, build_article, ingest, normalise_date
from newsprism.store import ArticleRow, MentionRow, SentenceRow, Store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "data" / "clean"

ARTICLE = """Regional airline cancels winter routes

The regional carrier Skyhop said on Wednesday it would cancel six winter routes from the northern city of Tarvik, blaming a shortage of pilots and rising fuel costs.

The company said passengers booked on the affected flights would be offered refunds or seats on partner airlines, and that the routes could return in the spring.

Local officials called the decision a blow to tourism. “We were promised year-round service,” said deputy mayor Ilse Brandt.
"""


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good1.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "good2.txt").write_text(
        ARTICLE.replace("Skyhop", "Nordwing").replace("Tarvik", "Olsund"), "utf-8"
    )
    return folder


def _failures(path: Path, max_bytes: int = 20 * 1024 * 1024) -> list[IngestFailure]:
    return [d for d in read_source(path, max_bytes) if isinstance(d, IngestFailure)]


# ------------------------------------------------------------------------------------------- bad input


def test_binary_file_is_rejected_with_reason(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(256)) * 20)
    (failure,) = _failures(path)
    assert "binary" in failure.reason and failure.source == str(path)


def test_empty_and_whitespace_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("   \n\n  ", "utf-8")
    assert "empty" in _failures(tmp_path / "empty.txt")[0].reason
    assert "empty" in _failures(tmp_path / "blank.txt")[0].reason


def test_latin1_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    text = ARTICLE.replace("Ilse Brandt", "José Peña Müller")
    path.write_bytes(text.encode("latin-1", errors="replace"))
    (doc,) = list(read_source(path))
    assert isinstance(doc, RawDocument)
    article = build_article(doc)
    assert "José Peña Müller" in article.text


def test_oversized_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("w", encoding="utf-8") as fh:
        para = "The council met again to discuss the budget and the new bridge. " * 20 + "\n\n"
        while fh.tell() < 30 * 1024 * 1024:
            fh.write(para)
    (failure,) = _failures(path)
    assert "too large" in failure.reason and "MB" in failure.reason


def test_broken_html_still_extracts_or_fails_cleanly(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    body = "".join(
        f"<p>Paragraph {i} says the harbour authority approved a new ferry terminal for the island."
        for i in range(6)
    )
    broken.write_text(f"<html><body><div><h1>Ferry terminal approved<div>{body}<td></table></span>", "utf-8")
    docs = list(read_source(broken))
    assert docs and isinstance(docs[0], RawDocument)
    article = build_article(docs[0])
    assert "ferry terminal" in article.text
    junk = tmp_path / "junk.html"
    junk.write_text("<html><body><nav>Home | News</nav></body></html>", "utf-8")
    with pytest.raises(IngestError, match=r"no article text|not an article"):
        build_article(next(iter(read_source(junk))))  # type: ignore[arg-type]


def test_not_an_article(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_text("Hello\n\nSubscribe now for $1 a week.\n", "utf-8")
    (doc,) = list(read_source(path))
    with pytest.raises(IngestError, match="not an article"):
        build_article(doc)  # type: ignore[arg-type]


def test_missing_paths_and_globs_fail_clearly(tmp_path: Path) -> None:
    items = list(expand_paths([tmp_path / "nope.txt", str(tmp_path / "*.zzz")]))
    assert all(isinstance(i, IngestFailure) for i in items)
    assert "no such file" in items[0].reason and "no file matches" in items[1].reason


def test_sidecar_metadata_overrides_text(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(ARTICLE, "utf-8")
    (tmp_path / "story.txt.meta.json").write_text(
        json.dumps({"outlet": "Tarvik Post", "published": "2024-11-06", "url": "https://example.org/a"}),
        "utf-8",
    )
    article = build_article(next(iter(read_source(path))))  # type: ignore[arg-type]
    assert (article.outlet, article.published, article.url) == (
        "Tarvik Post",
        "2024-11-06",
        "https://example.org/a",
    )
    assert article.metadata_sources["outlet"] == "metadata"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-04-19", "2019-04-19"),
        ("April 19, 2019", "2019-04-19"),
        ("19 April 2019 10:02", "2019-04-19"),
        ("Fri, 19 Apr 2019 08:00:00 GMT", "2019-04-19"),
        ("April 2019", None),
        ("yesterday-ish", None),
        (None, None),
    ],
)
def test_normalise_date(value: str | None, expected: str | None) -> None:
    assert normalise_date(value) == expected


# --------------------------------------------------------------------------------------- ids and readers


def test_same_wire_text_from_two_outlets_stays_two_articles() -> None:
    one = build_article(RawDocument("a.txt", text=ARTICLE, meta={"outlet": "Daily A"}))
    two = build_article(RawDocument("b.txt", text=ARTICLE, meta={"outlet": "Daily B"}))
    again = build_article(RawDocument("elsewhere/a.txt", text=ARTICLE, meta={"outlet": "Daily A"}))
    assert one.id != two.id
    assert one.id == again.id


def test_feed_and_warc_and_jsonl_readers_yield_each_article() -> None:
    counts = {}
    for name in (
        "rss_health_feed.xml",
        "atom_science_feed.atom",
        "warc_two_articles.warc.gz",
        "jsonl_mixed_articles.jsonl",
    ):
        docs = list(read_source(FIXTURES / name))
        assert all(isinstance(d, RawDocument) for d in docs), docs
        counts[name] = len(docs)
        for doc in docs:
            assert build_article(doc).text  # type: ignore[arg-type]
    assert counts == {
        "rss_health_feed.xml": 3,
        "atom_science_feed.atom": 2,
        "warc_two_articles.warc.gz": 2,
        "jsonl_mixed_articles.jsonl": 3,
    }


def test_feed_never_follows_absolute_or_parent_links(tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("<p>" + "private text " * 50 + "</p>", "utf-8")
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    feed = feeds / "f.rss"
    feed.write_text(
        f"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>{secret}</link></item>
<item><title>Two</title><link>../secret.html</link></item>
<item><title>Three</title><link>file://{secret}</link></item></channel></rss>""",
        "utf-8",
    )
    items = list(read_source(feed))
    assert len(items) == 3 and all(isinstance(i, IngestFailure) for i in items)


def test_jsonl_bad_line_does_not_stop_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    rows = [json.dumps({"title": "Airline", "text": ARTICLE}), "{not json", json.dumps({"title": "x"})]
    path.write_text("\n".join(rows), "utf-8")
    items = list(read_source(path))
    assert isinstance(items[0], RawDocument)
    assert "invalid JSON" in items[1].reason  # type: ignore[union-attr]
    assert "no 'text' or 'html'" in items[2].reason  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------ store + run


def test_batch_with_bad_files_stores_good_ones_and_is_idempotent(tmp_path: Path, good_dir: Path) -> None:
    (good_dir / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    (good_dir / "empty.html").write_bytes(b"")
    store = Store(tmp_path / "t.db")
    report = ingest([good_dir], store)
    assert len(report.added) == 2 and len(report.failures) == 2
    assert {Path(f.source).name for f in report.failures} == {"bad.txt", "empty.html"}
    counts = (store.count(ArticleRow), store.count(SentenceRow), store.count(MentionRow))
    again = ingest([good_dir], store)
    assert again.added == [] and len(again.duplicates) == 2
    assert (store.count(ArticleRow), store.count(SentenceRow), store.count(MentionRow)) == counts


def test_interrupted_run_resumes_without_duplicates(tmp_path: Path, good_dir: Path) -> None:
    for i in range(3, 7):
        (good_dir / f"good{i}.txt").write_text(ARTICLE.replace("Skyhop", f"Carrier{i}"), "utf-8")
    store = Store(tmp_path / "t.db")
    calls = {"n": 0}

    def crash_after_first_batch(event: str, n: int) -> None:
        if event == "articles":
            calls["n"] += 1
            if calls["n"] == 1:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest([good_dir], store, IngestOptions(batch_size=2), on_progress=crash_after_first_batch)
    assert store.count(ArticleRow) == 2  # the committed batch survived
    report = ingest([good_dir], store, IngestOptions(batch_size=2))
    assert len(report.added) == 4 and len(report.duplicates) == 2
    assert store.count(ArticleRow) == 6


def test_two_workers_store_the_same_as_one(tmp_path: Path, good_dir: Path) -> None:
    one = Store(tmp_path / "one.db")
    two = Store(tmp_path / "two.db")
    ingest([good_dir, FIXTURES / "ap_flood_quotes.txt"], one)
    ingest([good_dir, FIXTURES / "ap_flood_quotes.txt"], two, IngestOptions(workers=2, batch_size=1))
    assert one.article_ids() == two.article_ids()
    assert one.count(SentenceRow) == two.count(SentenceRow)
    assert one.count(MentionRow) == two.count(MentionRow)


# ------------------------------------------------------------------------------------------------- CLI


def test_cli_analyze_samples_is_deterministic_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "n.db"
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    html = tmp_path / "r.html"
    result = runner.invoke(
        app, ["analyze", str(EXAMPLES), "--db", str(db), "--json", str(out1), "--html", str(html), "-q"]
    )
    assert result.exit_code == 0, result.output
    store = Store(db)
    rows = store.count(ArticleRow), store.count(SentenceRow), store.count(MentionRow)
    result = runner.invoke(app, ["analyze", str(EXAMPLES), "--db", str(db), "--json", str(out2), "-q"])
    assert result.exit_code == 0
    assert out1.read_bytes() == out2.read_bytes()
    assert (store.count(ArticleRow), store.count(SentenceRow), store.count(MentionRow)) == rows
    doc = json.loads(out1.read_text("utf-8"))
    assert (doc["version"] and doc["stories"] == []) or isinstance(doc["stories"], list)
    outlets = [a["outlet"] for a in doc["articles"]]
    assert sorted(outlets) == ["Mother Jones", "Reuters", "The American Conservative"]
    reuters = next(a for a in doc["articles"] if a["outlet"] == "Reuters")
    assert reuters["dateline"] == "West Palm Beach, Fla."
    for article in doc["articles"]:
        assert {
            "id",
            "source",
            "outlet",
            "title",
            "published",
            "author",
            "kind",
            "text",
            "removed",
            "sentences",
            "entities",
        } <= set(article)
        for start, end in article["sentences"]:
            assert 0 <= start < end <= len(article["text"])
        for ent in article["entities"]:
            assert article["text"][ent["start"] : ent["end"]] == ent["text"]
    assert "Khalifa Haftar" in html.read_text("utf-8")

    bad = tmp_path / "bad"
    shutil.copytree(EXAMPLES, bad)
    (bad / "zz.txt").write_bytes(b"\x00" * 10)
    result = runner.invoke(app, ["ingest", str(bad), "--db", str(tmp_path / "m.db")])
    assert result.exit_code == 1
    assert "zz.txt" in result.output and "binary" in result.output
    result = runner.invoke(app, ["ingest", str(EXAMPLES), "--db", str(tmp_path / "m.db"), "--max-mb", "-1"])
    assert result.exit_code == 2


def test_html_report_escapes_untrusted_text(tmp_path: Path) -> None:
    from newsprism.report.html import render_html

    doc = {
        "version": "1",
        "generator": "t",
        "articles": [
            {
                "id": "x",
                "source": "s",
                "url": None,
                "outlet": "<b>Evil</b>",
                "title": "<script>alert(1)</script>",
                "published": None,
                "author": None,
                "dateline": None,
                "kind": "news",
                "metadata_sources": {},
                "text": "Body with <img src=x onerror=alert(1)> inside.",
                "sentences": [],
                "entities": [],
                "removed": [
                    {"start": 0, "end": 5, "reason": "caption", "text": "<iframe src=evil>", "at": 0}
                ],
            }
        ],
    }
    html = render_html(doc)
    assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Paraguay Herald Online :: Thousands march in Asuncion",
            ("Thousands march in Asuncion", "Paraguay Herald Online"),
        ),
        ("Storm hits the coast | BBC News", ("Storm hits the coast", "BBC News")),
        (
            "Israel - Hamas war: ceasefire talks resume in Cairo",
            ("Israel - Hamas war: ceasefire talks resume in Cairo", None),
        ),
        ("Council approves budget", ("Council approves budget", None)),
    ],
)
def test_site_name_split_from_html_title(title: str, expected: tuple[str, str | None]) -> None:
    from newsprism.pipeline import split_site_from_title

    assert split_site_from_title(title) == expected
