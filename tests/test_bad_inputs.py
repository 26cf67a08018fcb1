"""End to end: the bad-input corpus (tests/data/bad) ingested together with the good fixtures (issue 15).

One ``newsprism ingest <bad> tests/data/clean`` run, in a subprocess as a user would run it, must store every
good article, name every bad file or record on stderr with its reason (EXPECTED.tsv), print no traceback,
store nothing twice and exit 1; a second run adds nothing. The slow part does the same through ``analyze``
and then prints the hostile store through the terminal commands.
"""

from __future__ import annotations

import codecs
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
CLEAN = ROOT / "tests" / "data" / "clean"
sys.path.insert(0, str(BAD))
import make_bad  # noqa: E402  (the corpus generator lives beside the corpus, not in the package)

# A hung reader must fail the test, not stall the suite; a run that meets the targets takes well under this.
RUN_TIMEOUT = 240
LEVEL_PREFIX = re.compile(r"^(?:WARNING|ERROR|INFO|DEBUG|CRITICAL): ")
STATUS_LINE = re.compile(r"^\d+ stored\b|^analysis: |^JSON written to |^HTML report written to ")
# Characters that must never be stored: C0 controls but tab and newline, DEL, C1 controls, lone surrogates.
UNSAFE_STORED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
LEAKS = ("root:x:0:0", "SECRET canary", "lollollol")  # /etc/passwd, the out-of-tree page, an expanded bomb
COMMITTED_TOP = ("README.md", "refused", "stored", "mixed")


# ------------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class Row:
    name: str  # path under the corpus root, "#n" for a record
    outcome: str  # stored | refused
    expect: tuple[str, ...]

    @property
    def file(self) -> str:
        return self.name.split("#", 1)[0]

    @property
    def record(self) -> str | None:
        return self.name.split("#", 1)[1] if "#" in self.name else None

    @property
    def committed(self) -> bool:
        return self.file.split("/", 1)[0] in COMMITTED_TOP


def load_manifest(path: Path = BAD / "EXPECTED.tsv") -> list[Row]:
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("name\t"):
            continue
        name, outcome, expect = line.split("\t")
        if "\\" in name:  # escapes for characters a TSV line cannot hold
            name = codecs.decode(name, "unicode_escape")
        assert outcome in ("stored", "refused"), line
        rows.append(Row(name, outcome, tuple(e for e in expect.split("|") if e)))
    return rows


ROWS = load_manifest()


def _row_id(row: Row) -> str:
    return row.name.encode("unicode_escape").decode("ascii")


# ----------------------------------------------------------------------------------------- running


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_cli(*args: str | Path, timeout: float = RUN_TIMEOUT) -> Run:
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "newsprism.cli", *map(str, args)],
            capture_output=True,
            text=True,
            errors="backslashreplace",  # the output is checked, not trusted to be valid UTF-8
            timeout=timeout,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-2000:]
        pytest.fail(f"newsprism {args[0]} did not finish within {timeout} s; stderr tail: {tail!r}")
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


@dataclass
class Corpus:
    root: Path  # the bad corpus (committed + generated + special)
    listener: socket.socket  # a loopback port the special feed links to: nothing may connect


def build_corpus(folder: Path, generated: bool = True) -> Corpus:
    root = folder / "bad"
    root.mkdir(parents=True)
    for top in COMMITTED_TOP:
        source = BAD / top
        if source.is_dir():
            shutil.copytree(source, root / top, symlinks=True)
        else:
            shutil.copy2(source, root / top)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    if generated:
        make_bad.write_generated(root)
        make_bad.write_special(root, folder / "outside", loopback_port=listener.getsockname()[1])
    return Corpus(root, listener)


def stored_rows(db: Path) -> list[dict[str, str | None]]:
    with sqlite3.connect(db) as con:
        con.row_factory = sqlite3.Row
        return [
            dict(r) for r in con.execute("SELECT id, source, url, title, author, outlet, text FROM article")
        ]


def dump_tables(db: Path) -> dict[str, list[str]]:
    """Every table's rows, sorted (as reprs, so None, bytes and numbers compare without a common order)."""
    with sqlite3.connect(db) as con:
        tables = [
            r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        return {t: sorted(repr(row) for row in con.execute(f'SELECT * FROM "{t}"')) for t in tables}


def _pieces(path: str) -> list[str]:
    """The printable runs of a path: however the CLI escapes a newline or ESC, these appear in order."""
    return [p for p in re.split(r"[\x00-\x1f\x7f-\x9f]", path) if p]


def failure_lines(stderr: str, path: str, record: str | None) -> list[str]:
    """The reasons given for ``path`` (a record ``path#n``, or the whole file) in the warning lines."""
    pattern = ".{0,16}?".join(re.escape(p) for p in _pieces(path))
    tail = rf"(?:#{record})?: " if record else r"(?:#\d+[^:]*)?: "
    found = []
    for line in stderr.splitlines():
        match = re.search(pattern + tail, line)
        if match:
            found.append(line[match.end() :])
    return found


def stored_for(
    rows: list[dict[str, str | None]], path: str, record: str | None
) -> list[dict[str, str | None]]:
    if record:
        key = f"{path}#{record}"
        return [r for r in rows if r["source"] == key or str(r["source"]).startswith(key + ":")]
    return [r for r in rows if r["source"] == path or str(r["source"]).startswith((path + "#", path + "/"))]


# ---------------------------------------------------------------------------------------- fixtures


@dataclass
class Result:
    corpus: Corpus
    db: Path
    run: Run
    rows: list[dict[str, str | None]]


@pytest.fixture(scope="module")
def clean_ids(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The ids tests/data/clean gets when ingested alone: the articles a bad neighbour must not cost."""
    db = tmp_path_factory.mktemp("clean_alone") / "clean.db"
    run = run_cli("ingest", CLEAN, "--db", db)
    assert run.returncode == 0, run.stderr
    return {str(r["id"]) for r in stored_rows(db)}


@pytest.fixture(scope="module")
def combined(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Result]:
    folder = tmp_path_factory.mktemp("bad_and_clean")
    corpus = build_corpus(folder)
    db = folder / "all.db"
    run = run_cli("ingest", corpus.root, CLEAN, "--db", db)
    yield Result(corpus, db, run, stored_rows(db))
    corpus.listener.close()


# ------------------------------------------------------------------------------------ the corpus


def test_corpus_is_complete_and_reproducible(tmp_path: Path) -> None:
    """At least 40 committed files, every one in the manifest, byte-identical to its generator's output."""
    committed = {
        p.relative_to(BAD).as_posix()
        for top in COMMITTED_TOP
        for p in ([BAD / top] if (BAD / top).is_file() else (BAD / top).rglob("*"))
        if p.is_file()
    }
    assert len(committed) >= 40
    listed = {row.file for row in ROWS}
    sidecars = {name for name in committed if name.endswith(".meta.json")}
    assert committed - sidecars - listed == set(), "committed files missing from EXPECTED.tsv"
    assert {row.file for row in ROWS if row.committed} <= committed, "manifest rows without a committed file"
    expected = make_bad.committed_files()
    assert set(expected) == committed - {"README.md"}
    drift = [name for name, data in expected.items() if (BAD / name).read_bytes() != data]
    assert drift == [], "run python tests/data/bad/make_bad.py"
    too_big = [name for name in committed if (BAD / name).stat().st_size > 200_000]
    assert too_big == []


def test_generated_files_have_the_advertised_shape(tmp_path: Path) -> None:
    written = {p.name: p for p in make_bad.write_generated(tmp_path)}
    assert len(written["long_text.txt"].read_text("utf-8")) > 2_000_000
    assert written["quote_marks.txt"].read_text("utf-8").count('"') >= 10_000
    assert len(re.findall(r" a[0-9a-f]+=1", written["attributes_40k.html"].read_text("utf-8"))) == 40_000
    deep = written["deep_nesting.jsonl"].read_text("utf-8").splitlines()[1]
    assert deep.count("[") == 100_000
    bomb = written["gzip_bomb.warc.gz"]
    assert bomb.stat().st_size < 400_000
    import zlib

    inflater, inflated = zlib.decompressobj(31), 0
    with bomb.open("rb") as fh:
        while chunk := fh.read(65536):
            inflated += len(inflater.decompress(chunk))
    assert inflated > 300 * 1024 * 1024
    assert written["oversize.txt"].stat().st_size > 20 * 1024 * 1024


# ---------------------------------------------------------------------------------- one ingest run


def test_ingest_exits_1_without_traceback(combined: Result) -> None:
    run = combined.run
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr
    assert run.seconds < RUN_TIMEOUT


def test_every_message_is_one_line(combined: Result) -> None:
    """A newline in a file name or in a library's error message must not forge or split log lines."""
    odd = [
        line
        for line in combined.run.stderr.splitlines()
        if line.strip() and not LEVEL_PREFIX.match(line) and not STATUS_LINE.match(line)
    ]
    assert odd == []
    assert "\x1b" not in combined.run.stderr + combined.run.stdout


def test_every_good_article_is_stored(combined: Result, clean_ids: set[str]) -> None:
    assert clean_ids and clean_ids <= {r["id"] for r in combined.rows}


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_manifest_row(combined: Result, row: Row) -> None:
    path = str(combined.corpus.root / row.file)
    stored = stored_for(combined.rows, path, row.record)
    reasons = failure_lines(combined.run.stderr, path, row.record)
    if row.outcome == "stored":
        assert len(stored) == 1, f"not stored; reasons given: {reasons}"
        fields = " ".join(str(stored[0][k] or "") for k in ("title", "text", "author", "outlet", "url"))
        missing = [e for e in row.expect if e not in fields]
        assert missing == [], f"stored, but without {missing}"
    else:
        assert stored == [], "refused input was stored"
        assert reasons, "not named on stderr"
        assert any(e.lower() in r.lower() for r in reasons for e in row.expect), reasons


def test_nothing_stored_twice(combined: Result) -> None:
    sources = [r["source"] for r in combined.rows]
    assert len(sources) == len(set(sources))
    urls = [r["url"] for r in combined.rows if r["url"]]
    assert len(urls) == len(set(urls))
    root = str(combined.corpus.root)
    bodies = [r["text"] for r in combined.rows if str(r["source"]).startswith(root)]
    assert len(bodies) == len(set(bodies))


def test_stored_fields_are_sanitised(combined: Result) -> None:
    dirty = [
        (r["source"], k)
        for r in combined.rows
        for k in ("title", "author", "outlet", "url", "text")
        if r[k] and UNSAFE_STORED.search(str(r[k]))
    ]
    assert dirty == []
    one_line = [
        (r["source"], k) for r in combined.rows for k in ("title", "author", "outlet") if "\n" in (r[k] or "")
    ]
    assert one_line == []


def test_nothing_outside_the_input_is_read(combined: Result) -> None:
    leaked = [
        (r["source"], s) for r in combined.rows for s in LEAKS if s in (r["text"] or "") + (r["title"] or "")
    ]
    assert leaked == []
    with pytest.raises(BlockingIOError):  # nobody connected to the loopback port the feed links to
        combined.corpus.listener.accept()


def test_second_run_adds_and_changes_nothing(combined: Result) -> None:
    before = dump_tables(combined.db)
    again = run_cli("ingest", combined.corpus.root, CLEAN, "--db", combined.db)
    assert again.returncode == 1
    assert "Traceback" not in again.stdout + again.stderr
    assert re.search(r"^0 stored\b", again.stderr, re.M), again.stderr[-500:]
    assert dump_tables(combined.db) == before
    with sqlite3.connect(combined.db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_repaired_warc_replaces_the_truncated_record(tmp_path: Path) -> None:
    """Issue 15 item 4: the cut record is reported, not stored as complete; the repaired file adds no row."""
    archive = tmp_path / "crawl.warc.gz"
    archive.write_bytes(make_bad.truncated_warc())
    db = tmp_path / "w.db"
    first = run_cli("ingest", archive, "--db", db)
    assert first.returncode == 1 and "Traceback" not in first.stderr
    assert failure_lines(first.stderr, str(archive), "3"), first.stderr
    archive.write_bytes(make_bad.truncated_warc(complete=True))
    second = run_cli("ingest", archive, "--db", db)
    assert second.returncode == 0, second.stderr
    rows = stored_rows(db)
    assert sorted(str(r["url"]) for r in rows) == sorted(make_bad.warc_article_url(n) for n in (30, 31))
    (repaired,) = (r for r in rows if r["url"] == make_bad.warc_article_url(31))
    assert make_bad.story(31).paragraphs[-1] in str(repaired["text"])


# ------------------------------------------------------------------------------ analyze (slow)


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Result]:
    folder = tmp_path_factory.mktemp("analyze")
    corpus = build_corpus(folder, generated=False)  # committed files only: spaCy and MiniLM are loaded
    db = folder / "a.db"
    run = run_cli(
        "analyze",
        corpus.root,
        CLEAN,
        "--db",
        db,
        "--json",
        folder / "out.json",
        "--html",
        folder / "out.html",
    )
    yield Result(corpus, db, run, stored_rows(db))
    corpus.listener.close()


@pytest.mark.slow
def test_analyze_stores_good_names_bad_and_writes_inert_reports(
    analyzed: Result, clean_ids: set[str]
) -> None:
    run = analyzed.run
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr
    folder = analyzed.db.parent
    document = json.loads((folder / "out.json").read_text("utf-8"))
    ids = {a["id"] for a in document["articles"]}
    assert clean_ids <= ids
    assert {r["id"] for r in analyzed.rows} == ids
    for row in (r for r in ROWS if r.committed):
        path = str(analyzed.corpus.root / row.file)
        stored = stored_for(analyzed.rows, path, row.record)
        if row.outcome == "stored":
            assert len(stored) == 1, row.name
        else:
            assert stored == [] and failure_lines(run.stderr, path, row.record), row.name
    html = (folder / "out.html").read_text("utf-8")
    assert "Content-Security-Policy" in html
    for payload in ('<script>alert("xss")</script>', "<img src=x onerror=alert(1)>", 'href="javascript:'):
        assert payload not in html
    assert "{{7*7}}" in html  # shown as text, never evaluated


@pytest.mark.slow
def test_terminal_commands_print_hostile_text_literally(analyzed: Result) -> None:
    document = json.loads((analyzed.db.parent / "out.json").read_text("utf-8"))
    (sic,) = (a["id"] for a in document["articles"] if a["source"].endswith("sic_brackets.txt"))
    (story,) = (s["id"] for s in document["stories"] if sic in s["articles"])
    stories = run_cli("stories", "--db", analyzed.db)
    # One story's quotes: over the whole store, one long speaker name squeezes the text column to "A…".
    quotes = run_cli("quotes", "--db", analyzed.db, "--story", story, "--limit", "0")
    for run in (stories, quotes):
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Traceback" not in run.stdout + run.stderr
        assert "\x1b" not in run.stdout and "\x07" not in run.stdout

    def flat(text: str) -> str:  # a table cell may wrap its text over lines
        return re.sub(r"\s+", " ", re.sub(r"[│┃║|]", " ", text))

    assert "Budget vote [/b] passes" in flat(stories.stdout)
    assert "[sic]" in flat(quotes.stdout) and "[the council]" in flat(quotes.stdout)
