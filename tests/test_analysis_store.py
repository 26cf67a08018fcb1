"""Issue 9's "Done when" list for the analysis store, on real-shaped text (tests/data/stories/corpus.jsonl).

* the same 60 articles in two file orders give byte-identical JSON;
* ingested in three increments they give the one-run stories (B-cubed F1 >= 0.98), and every story and
  entity id printed along the way still resolves;
* a stage raising on one article or one story costs only that item: recorded, marked, exit status 1;
* read commands load no model and agree with the JSON; a re-run recomputes nothing, one new article only
  its story;
* migrations: old databases are upgraded in place, a newer one is refused, the schema equals the models;
* SIGKILL during ``analyze`` and a re-run leave the database an uninterrupted run leaves.

Extraction costs about a second an article on this machine, so the 60-article runs are shared per module.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsprism.cli import app
from newsprism.nlp import ParsedArticle
from newsprism.records import Story

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "stories" / "corpus.jsonl"
OLD_STORES = ROOT / "tests" / "data" / "analysis"
# Six stories, ten articles each, chosen for their traps: two earthquakes (s01/s02), two strikes (s03/s04),
# and one man at the centre of two events (s07/s08).
STORIES = ("s01", "s02", "s03", "s04", "s07", "s08")
PER_STORY = 10
STORY_ID = re.compile(r"story-[0-9a-f]{12}")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
HEAVY = ("spacy", "torch", "sentence_transformers", "thinc", "transformers")


# ------------------------------------------------------------------------------------------ helpers


@dataclass(frozen=True)
class CorpusArticle:
    key: str  # the corpus id, e.g. "s03-a07" (newsprism mints its own ids)
    story: str  # gold story
    outlet: str
    title: str
    published: str
    text: str


def corpus() -> list[CorpusArticle]:
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]
    return [
        CorpusArticle(r["id"], r["story"], r["outlet"], r["title"], r["published"], r["text"]) for r in rows
    ]


def write_article(folder: Path, article: CorpusArticle) -> Path:
    """A plain-text article as a user has it: headline on the first line, a sidecar with its metadata."""
    path = folder / f"{article.key}.txt"
    path.write_text(f"{article.title}\n\n{article.text}\n", encoding="utf-8")
    meta = {"outlet": article.outlet, "published": article.published, "title": article.title}
    (folder / f"{article.key}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return path


def select(stories: tuple[str, ...], per_story: int, skip: int = 0) -> list[CorpusArticle]:
    out = []
    for story in stories:
        out.extend([a for a in corpus() if a.story == story][skip : skip + per_story])
    return out


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a WAL database (the backup API, not a file copy)."""
    with sqlite3.connect(src) as source, sqlite3.connect(dst) as target:
        source.backup(target)
    return dst


def table_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted (duplicates kept, so a duplicate row shows as a difference)."""
    with sqlite3.connect(db) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def bcubed_f1(a: dict[str, str], b: dict[str, str]) -> float:
    """B-cubed F1 of clustering ``b`` against ``a`` (item -> cluster; the same items in both)."""
    assert set(a) == set(b)
    members_a: dict[str, set[str]] = {}
    members_b: dict[str, set[str]] = {}
    for item in a:
        members_a.setdefault(a[item], set()).add(item)
        members_b.setdefault(b[item], set()).add(item)
    precision = recall = 0.0
    for item in a:
        overlap = len(members_a[a[item]] & members_b[b[item]])
        precision += overlap / len(members_b[b[item]])
        recall += overlap / len(members_a[a[item]])
    precision, recall = precision / len(a), recall / len(a)
    return 2 * precision * recall / (precision + recall)


def membership(doc: dict[str, Any]) -> dict[str, str]:
    """Article id -> story id, from a JSON document."""
    return {aid: story["id"] for story in doc["stories"] for aid in story["articles"]}


def corpus_key(doc: dict[str, Any]) -> dict[str, str]:
    """newsprism article id -> corpus key, through the file each article was read from."""
    return {a["id"]: Path(a["source"]).stem for a in doc["articles"]}


# ----------------------------------------------------------------------------------------- fixtures


@dataclass
class Run:
    db: Path
    json_bytes: bytes
    output: str
    exit_code: int

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads(self.json_bytes)


@pytest.fixture(scope="module")
def sixty(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The 60 articles as .txt + sidecar files, in name order."""
    folder = tmp_path_factory.mktemp("sixty")
    return sorted(write_article(folder, a) for a in select(STORIES, PER_STORY))


def analyze(folder: Path, files: list[Path], *extra: str) -> Run:
    db, out = folder / "store.db", folder / "out.json"
    result = invoke("analyze", *files, "--db", db, "--json", out, *extra)
    return Run(db, out.read_bytes() if out.exists() else b"", result.output, result.exit_code)


@pytest.fixture(scope="module")
def run_sorted(sixty: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = analyze(tmp_path_factory.mktemp("sorted"), sixty)
    assert run.exit_code == 0, run.output
    return run


@pytest.fixture(scope="module")
def run_shuffled(sixty: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Run:
    files = list(reversed(sixty))
    random.Random(9).shuffle(files)
    assert files != sixty
    run = analyze(tmp_path_factory.mktemp("shuffled"), files)
    assert run.exit_code == 0, run.output
    return run


# --------------------------------------------------------------------------------- 1. file order


@pytest.mark.slow
def test_two_file_orders_give_byte_identical_json(run_sorted: Run, run_shuffled: Run) -> None:
    doc = run_sorted.doc
    assert len(doc["articles"]) == len(STORIES) * PER_STORY
    assert len(doc["stories"]) >= len(STORIES) and doc["entities"] and doc["quotes"] and doc["events"]
    assert doc["failures"] == [] and not any(a["failed"] for a in doc["articles"])
    assert run_shuffled.json_bytes == run_sorted.json_bytes


# -------------------------------------------------------------------------------- 2. increments


@dataclass
class Increments:
    db: Path
    printed_stories: dict[str, set[str]] = field(default_factory=dict)  # id -> its articles when printed
    printed_entities: dict[str, set[tuple[str, int, int]]] = field(default_factory=dict)  # id -> mentions
    final: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def increments(sixty: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Increments:
    """The 60 articles in three ``ingest`` calls, in an order that splits every story over the calls (later
    articles of a story often arrive before its first report), with the ids printed after each call."""
    folder = tmp_path_factory.mktemp("increments")
    files = list(sixty)
    random.Random(3).shuffle(files)
    parts = [files[0::3], files[1::3], files[2::3]]
    state = Increments(folder / "store.db")
    for part in parts:
        result = invoke("ingest", *part, "--db", state.db)
        assert result.exit_code == 0, result.output
        listed = invoke("stories", "--db", state.db, "--limit", "0")
        assert listed.exit_code == 0, listed.output
        exported = invoke("export", "--db", state.db, "--json", "-", "-q")
        assert exported.exit_code == 0, exported.output
        doc = json.loads(exported.stdout)
        assert set(STORY_ID.findall(listed.stdout)) == {s["id"] for s in doc["stories"]}
        for story in doc["stories"]:
            state.printed_stories.setdefault(story["id"], set()).update(story["articles"])
            for entity in story["entities"]:
                mentions = {(m["article"], m["start"], m["end"]) for m in entity["mentions"]}
                state.printed_entities.setdefault(entity["id"], set()).update(mentions)
        for entity in doc["entities"]:
            mentions = {(m["article"], m["start"], m["end"]) for m in entity["mentions"]}
            state.printed_entities.setdefault(entity["id"], set()).update(mentions)
        state.final = doc
    return state


@pytest.mark.slow
def test_three_increments_give_the_one_run_stories(increments: Increments, run_sorted: Run) -> None:
    one_run = membership(run_sorted.doc)
    incremental = membership(increments.final)
    assert set(incremental) == set(one_run) and len(one_run) == len(STORIES) * PER_STORY
    f1 = bcubed_f1(one_run, incremental)
    keys = corpus_key(run_sorted.doc)
    groups = sorted(sorted(keys[a] for a in s["articles"]) for s in increments.final["stories"])
    assert f1 >= 0.98, f"B-cubed F1 {f1:.3f}; incremental stories: {groups}"


@pytest.mark.slow
def test_increments_placed_into_the_stored_index_past_the_rebuild_size(
    sixty: list[Path], tmp_path: Path, run_sorted: Run
) -> None:
    """Past REBUILD_BELOW articles new ones go into the stored (unpickled) index instead of a rebuilt one:
    the path a large store takes. It crashed once: the restored LSH buckets could not take a new key."""
    from newsprism.stages import corpus

    files = list(sixty)
    random.Random(3).shuffle(files)
    db = tmp_path / "store.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(corpus, "REBUILD_BELOW", 0)
        for part in (files[0::3], files[1::3], files[2::3]):
            result = invoke("ingest", *part, "--db", db)
            assert result.exit_code == 0, result.output
    exported = invoke("export", "--db", db, "--json", "-", "-q")
    assert exported.exit_code == 0, exported.output
    doc = json.loads(exported.stdout)
    assert not doc["failures"]
    # Arrival order shapes incremental clustering; it still finds the one-run stories closely.
    assert bcubed_f1(membership(run_sorted.doc), membership(doc)) >= 0.9


@pytest.mark.slow
def test_every_id_printed_along_the_increments_still_resolves(increments: Increments) -> None:
    from newsprism.store import Store

    store = Store(increments.db)
    stories = {s.id: set(s.articles) for s in store.stories()}
    entities = {e.id: {(m.article, m.start, m.end) for m in e.mentions} for e in store.entities()}
    assert len(increments.printed_stories) > len(stories)  # stories did merge along the way
    for old, articles in increments.printed_stories.items():
        live = store.resolve_id("story", old)
        assert live in stories, f"story {old} printed earlier resolves to {live}, which does not exist"
        assert articles & stories[live], f"story {old} resolves to {live}, which holds none of its articles"
        result = invoke("entities", "--db", increments.db, "--story", old)
        assert result.exit_code == 0, result.output
    unresolved = []
    elsewhere = []
    for old, mentions in increments.printed_entities.items():
        live = store.resolve_id("entity", old)
        if live not in entities:
            unresolved.append(old)
        elif not mentions & entities[live]:
            elsewhere.append((old, live))
    assert not unresolved, f"{len(unresolved)} of {len(increments.printed_entities)} entity ids: {unresolved}"
    assert not elsewhere, f"entity ids now naming an actor without any of their mentions: {elsewhere}"


@pytest.mark.slow
def test_after_increments_each_mention_is_held_by_one_entity_and_its_story(increments: Increments) -> None:
    """When stories merge, the absorbed story's actors hand their mentions on: no corpus-wide entity keeps a
    stale copy of a mention another entity now holds, and every entity mention lies in the story the
    article belongs to."""
    from newsprism.store import Store

    store = Store(increments.db)
    holders: dict[tuple[str, int, int], list[str]] = {}
    for entity in store.entities():
        for m in entity.mentions:
            holders.setdefault((m.article, m.start, m.end), []).append(entity.id)
    shared = {k: v for k, v in holders.items() if len(v) > 1}
    assert not shared, f"{len(shared)} mentions held by two entities, e.g. {sorted(shared.items())[:3]}"
    in_casts = {
        (m.article, m.start, m.end)
        for analysis in store.story_analyses()
        for e in analysis.entities
        for m in e.mentions
    }
    assert set(holders) == in_casts


# --------------------------------------------------------------------------- 3. fault isolation


SMALL_STORIES = ("s12", "s16")  # four articles each


@pytest.fixture(scope="module")
def eight(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], CorpusArticle]:
    folder = tmp_path_factory.mktemp("eight")
    articles = select(SMALL_STORIES, 4)
    return sorted(write_article(folder, a) for a in articles), articles[1]


def _raise_for_title(real: Callable[..., Any], title: str) -> Any:
    def patched(parsed: ParsedArticle, *args: Any, **kwargs: Any) -> Any:
        if parsed.article.title == title:
            raise RuntimeError(f"injected fault for {title!r}")
        return real(parsed, *args, **kwargs)

    return patched


@pytest.mark.slow
@pytest.mark.parametrize(
    "target",
    ["newsprism.stages.extract.extract_one", "newsprism.entities.extract_local_entities"],
)
def test_a_stage_raising_on_one_article_costs_only_that_article(
    target: str, eight: tuple[list[Path], CorpusArticle], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsprism.stages.extract import STAGE
    from newsprism.store import Store

    files, victim = eight
    module_name, name = target.rsplit(".", 1)
    module = importlib.import_module(module_name)
    real = getattr(module, name)
    # both read the article with its parse first
    monkeypatch.setattr(module, name, _raise_for_title(real, victim.title))
    html = tmp_path / "out.html"
    run = analyze(tmp_path, files, "--html", html)
    assert run.exit_code == 1, run.output
    assert "1 item(s) failed" in run.output
    doc = run.doc
    assert html.stat().st_size > 0
    failed = [a for a in doc["articles"] if a["failed"]]
    assert [a["title"] for a in failed] == [victim.title]
    victim_id = failed[0]["id"]
    expected = {
        "item": victim_id,
        "stage": STAGE,
        "error": "RuntimeError",
        "message": f"injected fault for {victim.title!r}",
    }
    assert doc["failures"] == [expected]
    store = Store(run.db)
    assert [(f.item, f.stage, f.error, f.message) for f in store.failures()] == [tuple(expected.values())]
    others = [a["id"] for a in doc["articles"] if a["id"] != victim_id]
    assert len(others) == len(files) - 1
    assert set(store.extractions(others)) == set(others)  # every other article analysed...
    in_stories = {aid for s in doc["stories"] for aid in s["articles"]}
    assert in_stories == set(others)  # ...and in a story with its cast, the failed one in none
    assert all(s["entities"] and not s["failed"] for s in doc["stories"])

    monkeypatch.setattr(module, name, real)
    again = analyze(tmp_path, files)
    assert again.exit_code == 0, again.output
    assert again.doc["failures"] == [] and Store(run.db).failures() == []
    assert victim_id in {aid for s in again.doc["stories"] for aid in s["articles"]}


@pytest.mark.slow
def test_a_story_analysis_raising_costs_only_that_story(
    eight: tuple[list[Path], CorpusArticle], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsprism.stages import corpus as corpus_stage
    from newsprism.store import Store

    files, _ = eight
    real = corpus_stage.analyze_story
    hit: list[str] = []

    def first_story_fails(story: Story, *args: Any, **kwargs: Any) -> Any:
        if not hit or hit[0] == story.id:
            hit.append(story.id)
            raise ValueError("injected story fault")
        return real(story, *args, **kwargs)

    monkeypatch.setattr(corpus_stage, "analyze_story", first_story_fails)
    run = analyze(tmp_path, files, "--html", tmp_path / "out.html")
    assert run.exit_code == 1, run.output
    assert "1 item(s) failed" in run.output
    victim = hit[0]
    doc = run.doc
    expected = {
        "item": victim,
        "stage": "story_analysis",
        "error": "ValueError",
        "message": "injected story fault",
    }
    assert doc["failures"] == [expected]
    store = Store(run.db)
    assert [(f.item, f.stage, f.error, f.message) for f in store.failures()] == [tuple(expected.values())]
    by_id = {s["id"]: s for s in doc["stories"]}
    assert by_id[victim]["failed"] and not by_id[victim]["entities"]
    assert len(by_id) >= 2
    for story_id, story in by_id.items():
        if story_id != victim:
            assert not story["failed"] and story["entities"], story_id
    assert len(doc["articles"]) == len(files) and not any(a["failed"] for a in doc["articles"])
    assert (tmp_path / "out.html").stat().st_size > 0

    monkeypatch.setattr(corpus_stage, "analyze_story", real)
    again = analyze(tmp_path, files)
    assert again.exit_code == 0, again.output
    fixed = {s["id"]: s for s in again.doc["stories"]}
    assert again.doc["failures"] == [] and not fixed[victim]["failed"] and fixed[victim]["entities"]


# ------------------------------------------------------------------------------ 4. read commands


WRAPPER = """
import json, sys, time
report = sys.argv[1]
sys.argv = ["newsprism", *sys.argv[2:]]
started = time.perf_counter()
from newsprism.cli import app
code = 0
try:
    app()
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
with open(report, "w") as fh:
    json.dump({"code": code, "heavy": heavy, "seconds": time.perf_counter() - started}, fh)
"""


def read_command(tmp: Path, *args: str | Path) -> tuple[str, dict[str, Any]]:
    report = tmp / "report.json"
    proc = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n" + WRAPPER, str(report), *map(str, args)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, json.loads(report.read_text())


@pytest.mark.slow
def test_read_commands_load_no_model_and_agree_with_the_json(run_sorted: Run, tmp_path: Path) -> None:
    doc = run_sorted.doc
    db = copy_db(run_sorted.db, tmp_path / "read.db")
    before = table_rows(db)
    out: dict[str, str] = {}
    seconds: dict[str, float] = {}
    story = doc["stories"][0]["id"]
    every = ["--limit", "0"]  # whole tables, to compare with the JSON row for row
    commands: dict[str, list[str | Path]] = {
        "stories": ["stories", *every],
        "entities": ["entities", *every],
        "quotes": ["quotes", *every],
        "timeline": ["timeline", *every],
        "export": ["export", "--json", tmp_path / "export.json", "-q"],
        "entities --story": ["entities", "--story", story, *every],
    }
    for name, args in commands.items():
        out[name], report = read_command(tmp_path, *args, "--db", db)
        assert report["code"] == 0, (name, out[name])
        assert report["heavy"] == [], f"`newsprism {name}` imported {report['heavy'][:8]}"
        seconds[name] = report["seconds"]
    assert table_rows(db) == before  # nothing recomputed, nothing written
    # the same ids and counts as the JSON of the analyze that filled the store
    assert set(STORY_ID.findall(out["stories"])) == {s["id"] for s in doc["stories"]}
    assert f"Cast ({len(doc['entities'])} entities)" in out["entities"]
    quote_rows = re.findall(r"^│ ([0-9a-f]{16}) +│", out["quotes"], re.M)
    assert sorted(quote_rows) == sorted(q["article"] for q in doc["quotes"])
    reported = re.findall(r"(\d+) art\. / (\d+) ment\.", out["timeline"])
    expected = [
        (str(len({m["article"] for m in e["mentions"]})), str(len(e["mentions"]))) for e in doc["events"]
    ]
    assert sorted(reported) == sorted(expected)
    first = doc["stories"][0]
    assert f"Cast ({len(first['entities'])} entities)" in out["entities --story"]
    # the store holds exactly these articles, so the export is the analyze JSON, byte for byte
    assert (tmp_path / "export.json").read_bytes() == run_sorted.json_bytes
    print("read command seconds (subprocess, incl. interpreter start):", seconds)


# --------------------------------------------------------------------------------- 5. incremental


SUMMARY = re.compile(r"analysis: (\d+) articles extracted, (\d+) of (\d+) stories updated, (\d+) failed")


@pytest.mark.slow
def test_a_second_analyze_of_the_same_inputs_recomputes_nothing(
    run_sorted: Run, sixty: list[Path], tmp_path: Path
) -> None:
    db = copy_db(run_sorted.db, tmp_path / "store.db")
    before = table_rows(db)
    run = analyze(tmp_path, sixty)
    assert run.exit_code == 0, run.output
    summary = SUMMARY.search(run.output)
    assert summary is not None, run.output
    assert summary.group(1, 2, 4) == ("0", "0", "0"), summary.group(0)
    assert int(summary.group(3)) == len(run_sorted.doc["stories"])
    assert f"0 stored, {len(sixty)} already stored" in run.output
    assert table_rows(db) == before
    assert run.json_bytes == run_sorted.json_bytes


@pytest.mark.slow
def test_one_new_article_recomputes_only_its_story(run_sorted: Run, tmp_path: Path) -> None:
    from newsprism import analysis
    from newsprism.pipeline import IngestOptions, ingest
    from newsprism.store import Store

    db = copy_db(run_sorted.db, tmp_path / "store.db")
    # the 11th report of the earthquake story: not among the 60, and it joins the story of its first ten
    (newcomer,) = select(("s01",), 1, skip=PER_STORY)
    store = Store(db)
    before = {a.story.id: a for a in store.story_analyses()}
    inputs_before = store.story_inputs()
    report = ingest([write_article(tmp_path, newcomer)], store, IngestOptions())
    assert len(report.added) == 1 and not report.stage_failures
    run = analysis.update(store)
    assert (run.extracted, run.recomputed, run.failures) == (0, 1, [])  # extracted in the ingest already
    assert run.stories == len(before)
    after = {a.story.id: a for a in store.story_analyses()}
    inputs_after = store.story_inputs()
    changed = sorted(sid for sid in after if inputs_after[sid] != inputs_before.get(sid))
    assert len(changed) == 1 and changed[0] in before, changed
    assert report.added[0] in after[changed[0]].story.articles
    for sid, analysed in after.items():
        if sid not in changed:
            assert analysed == before[sid], f"story {sid} changed though no article of it did"


# ---------------------------------------------------------------------------------- 6. migrations


def _schema_differences(db: Path) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    from newsprism.store import Base

    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))
    finally:
        engine.dispose()


def _revision(db: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchall()


OLD_ARTICLE = {  # the row newsprism 0.1 wrote (revision 0001 has no body_hash)
    "id": "a1b2c3d4e5f60718",
    "source": "examples/004_b74f4881e4db51e1.txt",
    "url": None,
    "outlet": "Reuters",
    "title": "White House says Trump spoke to Libyan commander Haftar on Monday",
    "author": None,
    "published": "2019-04-19",
    "dateline": "West Palm Beach, Fla.",
    "kind": "news",
    "raw_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    "text": "WEST PALM BEACH, Fla. (Reuters) - U.S. President Donald Trump spoke to Khalifa Haftar.",
    "raw_text": "White House says Trump spoke to Libyan commander Haftar on Monday\n\nWEST PALM BEACH, Fla.",
    "removed": json.dumps([{"start": 0, "end": 66, "reason": "title", "text": "White House ...", "at": 0}]),
    "extra": json.dumps({"metadata_sources": {"outlet": "dateline", "published": "metadata"}}),
    "n_tokens": 17,
    "doc": None,
}


def test_a_baseline_database_is_upgraded_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from newsprism.store import Store, _alembic_config, head_revision

    db = tmp_path / "baseline.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
        connection.execute(text("INSERT INTO meta (key, value) VALUES ('schema_version', '1')"))
        connection.execute(text("INSERT INTO outlet (name) VALUES ('Reuters')"))
        columns = ", ".join(OLD_ARTICLE)
        connection.execute(
            text(f"INSERT INTO article ({columns}) VALUES ({', '.join(':' + c for c in OLD_ARTICLE)})"),
            OLD_ARTICLE,
        )
        connection.execute(
            text('INSERT INTO sentence (article_id, idx, start, "end") VALUES (:a, 0, 0, 86)'),
            {"a": OLD_ARTICLE["id"]},
        )
    engine.dispose()
    assert _revision(db) == [("0001",)]

    store = Store(db)
    assert _revision(db) == [(head_revision(),)]
    (article,) = store.iter_articles(with_doc=False)
    for key in ("id", "source", "outlet", "title", "published", "dateline", "kind", "text"):
        assert getattr(article, key) == OLD_ARTICLE[key], key
    assert article.sentences == [(0, 86)]
    assert [r.to_json() for r in article.removed] == json.loads(OLD_ARTICLE["removed"])
    assert store.article_ids_needing("extract", "any") == [OLD_ARTICLE["id"]]  # its analysis is still to do
    store.close()
    assert _schema_differences(db) == []
    Store(db).close()  # opening an up-to-date database again changes nothing
    assert _revision(db) == [(head_revision(),)]


@pytest.mark.parametrize(
    "name",
    [
        "store_984a31d.db",
        "store_484e72e.db",
    ],
)
def test_a_database_written_by_an_earlier_release_is_upgraded_in_place(name: str, tmp_path: Path) -> None:
    from newsprism.store import Store, head_revision

    db = shutil.copy(OLD_STORES / name, tmp_path / name)
    old = table_rows(Path(db))
    assert "alembic_version" not in old and old["meta"] == [("schema_version", "1")]
    store = Store(db)
    assert _revision(Path(db)) == [(head_revision(),)]
    (article,) = store.iter_articles()
    assert (article.id, article.outlet, article.published) == (
        "2b191f194567443b",
        "Reuters",
        "2019-04-19",
    )
    assert len(article.entities) == len(old["mention"]) and article.doc_bytes
    store.close()
    new = table_rows(Path(db))
    for table in ("sentence", "mention", "outlet", "meta"):
        assert new[table] == old[table], table
    assert _schema_differences(Path(db)) == []


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    from newsprism.store import SchemaError, Store, head_revision

    db = tmp_path / "future.db"
    Store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    before = table_rows(db)
    with pytest.raises(SchemaError) as caught:
        Store(db)
    message = str(caught.value)
    assert "0099_from_the_future" in message and head_revision() in message
    assert "newer" in message and "upgrade newsprism" in message
    assert table_rows(db) == before  # refused before touching anything
    result = invoke("stories", "--db", db)
    assert result.exit_code == 2
    assert "0099_from_the_future" in result.output and "Traceback" not in result.output


def test_a_new_database_has_the_schema_of_the_models(tmp_path: Path) -> None:
    from newsprism.store import Store, head_revision

    Store(tmp_path / "new.db").close()
    assert _revision(tmp_path / "new.db") == [(head_revision(),)]
    assert _schema_differences(tmp_path / "new.db") == []


# -------------------------------------------------------------------------------- 7. crash safety


@dataclass
class Process:
    proc: subprocess.Popen[str]
    started: float
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, stderr line)

    def wait_for(self, pattern: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in list(self.lines):
                if re.search(pattern, line):
                    return at
            if self.proc.poll() is not None and not any(re.search(pattern, ln) for _, ln in self.lines):
                return None
            time.sleep(0.02)
        return None


def start_analyze(files: list[Path], db: Path, out: Path) -> Process:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsprism.cli",
            "analyze",
            *map(str, files),
            "--db",
            str(db),
            "--json",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    process = Process(proc, time.monotonic())

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            process.lines.append((time.monotonic() - process.started, line.rstrip("\n")))

    threading.Thread(target=read, daemon=True).start()
    return process


def run_to_completion(files: list[Path], db: Path, out: Path) -> Process:
    process = start_analyze(files, db, out)
    assert process.proc.wait(timeout=900) == 0, "\n".join(line for _, line in process.lines)
    time.sleep(0.1)  # the reader thread drains the last lines
    return process


def check_database(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def assert_same_database(db: Path, reference: dict[str, list[tuple[Any, ...]]], what: str) -> None:
    check_database(db)
    rows = table_rows(db)
    assert sorted(rows) == sorted(reference), what
    for table, expected in reference.items():
        assert len(set(rows[table])) == len(rows[table]), f"{what}: duplicate rows in {table}"
        assert rows[table] == expected, f"{what}: table {table} differs from the uninterrupted run's"


@pytest.fixture(scope="module")
def thirty(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("thirty")
    return sorted(write_article(folder, a) for a in select(("s09", "s10", "s11"), 10))


@pytest.mark.slow
def test_sigkill_during_analyze_then_a_rerun_gives_the_uninterrupted_database(
    thirty: list[Path], tmp_path: Path
) -> None:
    seed = int(os.environ.get("NEWSPRISM_CRASH_SEED", str(time.time_ns() % 100_000)))
    rng = random.Random(seed)
    reference = run_to_completion(thirty, tmp_path / "ref.db", tmp_path / "ref.json")
    check_database(tmp_path / "ref.db")
    expected = table_rows(tmp_path / "ref.db")
    assert len(expected["article"]) == len(thirty) and expected["story"]
    stored_at = next(at for at, line in reference.lines if " stored, " in line)
    summary = next(line for _, line in reference.lines if line.startswith("analysis: "))
    update_seconds = float(re.search(r"in ([\d.]+)s", summary).group(1))  # type: ignore[union-attr]

    # Point 1: somewhere in model loading, cleaning, parsing and extraction (before the batch commits).
    # Point 2: in the corpus update (story index saved, story analyses being written one by one).
    delay_1 = rng.uniform(0.15, 0.9) * stored_at

    def kill_in_ingest(process: Process) -> None:
        time.sleep(max(0.0, delay_1 - (time.monotonic() - process.started)))

    delay_2 = rng.uniform(0.0, 0.6) * update_seconds

    def kill_in_update(process: Process) -> None:
        assert process.wait_for(r" stored, ", timeout=900) is not None, process.lines
        time.sleep(delay_2)

    points: list[tuple[str, Callable[[Process], None]]] = [
        (f"{delay_1:.1f}s into the run", kill_in_ingest),
        (f"{delay_2:.2f}s into the update", kill_in_update),
    ]
    for n, (where, wait) in enumerate(points):
        db, out = tmp_path / f"crash{n}.db", tmp_path / f"crash{n}.json"
        victim = start_analyze(thirty, db, out)
        wait(victim)
        victim.proc.send_signal(signal.SIGKILL)
        code = victim.proc.wait(timeout=60)
        assert code == -signal.SIGKILL, (
            f"seed {seed}: the run ended by itself ({code}) before the kill {where}"
        )
        held = "nothing"
        if db.exists():
            check_database(db)
            crashed = table_rows(db)
            held = ", ".join(f"{len(crashed.get(t, []))} {t}" for t in ("article", "article_result", "story"))
        print(f"seed {seed}: SIGKILL {where} left {held}")
        run_to_completion(thirty, db, out)
        assert_same_database(db, expected, f"seed {seed}, SIGKILL {where}")
        assert out.read_bytes() == (tmp_path / "ref.json").read_bytes(), f"seed {seed}, SIGKILL {where}"


def test_a_story_id_live_again_is_no_longer_an_alias(tmp_path: Path) -> None:
    """An absorbed story whose first article later founds a story anew (a rebuilt index) has its id back:
    resolving it must give that story, not the one that absorbed it before."""
    from newsprism.store import Store

    store = Store(f"sqlite:///{tmp_path / 'alias.db'}")
    store.save_story_order(["story-b"], {"story-a": "story-b"})
    assert store.resolve_id("story", "story-a") == "story-b"
    store.save_story_order(["story-a", "story-b"], {})
    assert store.resolve_id("story", "story-a") == "story-a"
    assert store.resolve_id("story", "story-b") == "story-b"
