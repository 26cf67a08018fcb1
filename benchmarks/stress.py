"""Stress (issue 15): pathological inputs, each with its time and peak memory, and SIGKILLs during analyze.

1. Every pathological input (a 2.5 MB text, 10,000 and 20,000 quotation marks, 40,000 and 1,000,000
   attributes, two gzip bombs, a JSONL line nested 100,000 deep, 50,000 lines, ...) is run through
   ``newsprism ingest`` (or ``analyze``, for the per-article text stages) in a fresh process and database:
   wall time and peak RSS of the process and its workers (``os.wait4``), exit status and outcome, against
   the target of at most 60 s and 1 GB each.
2. SIGKILLs: a real-news corpus (``benchmarks/real_corpus.py``, from ``../shared/data``) is analysed once
   uninterrupted; then the same analyze is SIGKILLed at random points of its progress (``--kills``, default
   5; the points are drawn over the reference run's timeline, so a kill can land in the ingest or in the
   analysis phase), re-run after each kill, and finally run to completion. The final database must equal
   the reference (every table's rows, sorted), pass ``PRAGMA integrity_check``, and the JSON document must be
   byte-identical. After each kill, no worker may outlive its parent.

Usage: python benchmarks/stress.py [--articles 2000] [--kills 5] [--workers 2] [--only inputs|kills]
Exit status 1 when any target is missed. The kill part is skipped with a message without ../shared/data.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data" / "bad"))
import make_bad  # noqa: E402  (the corpus generators of tests/data/bad)

TARGET_SECONDS = 60.0
TARGET_MB = 1024.0
POLL = 0.25
ORPHAN_GRACE = 30.0  # seconds a killed parent's workers get to notice and exit


# ------------------------------------------------------------------------------------ running one command


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    returncode: int | None  # None: killed by us (timeout or SIGKILL test)
    stderr: str
    timed_out: bool = False


def newsprism_cmd(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "newsprism.cli", *map(str, args)]


def _read(path: Path) -> str:
    return path.read_text("utf-8", errors="backslashreplace") if path.exists() else ""


def measure(cmd: list[str], cwd: Path, timeout: float) -> Measured:
    """Run ``cmd`` to completion (or ``timeout``): wall time and peak RSS of it and every reaped descendant."""
    err_path = cwd / f"stderr-{time.monotonic_ns()}.txt"
    with err_path.open("wb") as err, open(os.devnull, "wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)  # the session this call started: the run and its workers
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: keep Popen from waiting again
    return Measured(
        seconds,
        usage.ru_maxrss / 1024,  # Linux: KB; includes the workers the run waited for
        None if timed_out else proc.returncode,
        _read(err_path),
        timed_out,
    )


def outcome(m: Measured) -> str:
    """What the run said: the first refusal reason, else its summary line."""
    if m.timed_out:
        return "TIMEOUT (killed)"
    lines = [line for line in m.stderr.splitlines() if line.strip()]
    if any("Traceback" in line for line in lines):
        return "TRACEBACK: " + lines[-1][:80]
    warnings = [line.split(": ", 2)[-1] for line in lines if line.startswith(("WARNING: ", "ERROR: "))]
    summary = next((line for line in lines if " stored" in line and "failed" in line), "")
    head = warnings[0][:70] if warnings else ""
    return f"{summary.split(', in ')[0]}{'; ' + head if head else ''}" or (lines[-1][:90] if lines else "")


# -------------------------------------------------------------------------------- pathological inputs


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]  # writes the input into a folder, returns its path
    command: str = "ingest"  # analyze: the per-article passes (quotes, timeline) run too


def _text(name: str, make: Callable[[], str]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_text(make(), "utf-8")
        return path

    return build


CASES = [
    # Controls: the fixed cost of a run (start-up, model loading) on one ordinary article.
    Case("control: one ordinary article", _text("ordinary.txt", lambda: make_bad.story(80).text)),
    Case("control: one ordinary article", _text("ordinary2.txt", lambda: make_bad.story(81).text), "analyze"),
    Case(
        "text 2.5 MB (over spaCy's 2,000,000 chars)", _text("long.txt", lambda: make_bad.long_text(2_500_000))
    ),
    Case("text 450,000 chars (parsed in pieces)", _text("longest.txt", lambda: make_bad.long_text(450_000))),
    Case("10,000 quotation marks", _text("quotes.txt", lambda: make_bad.quote_marks_text(10_000)), "analyze"),
    Case(
        "20,000 quotation marks", _text("quotes20k.txt", lambda: make_bad.quote_marks_text(20_000)), "analyze"
    ),
    Case("HTML, 40,000 attributes", _text("attrs40k.html", lambda: make_bad.many_attributes_html(40_000))),
    Case(
        "HTML, 1,000,000 attributes", _text("attrs1m.html", lambda: make_bad.many_attributes_html(1_000_000))
    ),
    Case("HTML nested 100,000 deep", _text("deep.html", lambda: make_bad.deep_divs_html(100_000))),
    Case(
        "gzip bomb .warc.gz, 306 KB -> 300 MB",
        lambda d: make_bad.write_gzip_bomb_warc(d / "bomb.warc.gz", 300),
    ),
    Case(
        "gzip bomb in HTTP Content-Encoding, -> 1 GB",
        lambda d: make_bad.write_gzip_bomb_warc(d / "bomb_http.warc", 1024, http_gzip=True),
    ),
    Case("JSONL line nested 100,000 deep", _text("deep.jsonl", lambda: make_bad.deep_nesting_jsonl(100_000))),
    Case("text, 50,000 lines", _text("lines.txt", lambda: make_bad.many_lines_text(50_000)), "analyze"),
]


@dataclass
class InputResult:
    case: Case
    size_mb: float
    m: Measured

    @property
    def ok(self) -> bool:
        traceback = "Traceback" in self.m.stderr
        exit_ok = self.m.returncode in (0, 1)
        return exit_ok and not traceback and self.m.seconds <= TARGET_SECONDS and self.m.peak_mb <= TARGET_MB


def run_inputs(work: Path, timeout: float, only: set[str] | None = None) -> list[InputResult]:
    print(
        f"\nPathological inputs (target: each under {TARGET_SECONDS:.0f} s and {TARGET_MB:.0f} MB peak RSS)"
    )
    print(f"{'input':46} {'command':8} {'MB in':>7} {'seconds':>8} {'peak MB':>8} {'exit':>5}  ok  outcome")
    results = []
    for i, case in enumerate(CASES):
        if only and not any(word.lower() in case.name.lower() for word in only):
            continue
        folder = work / f"input{i:02d}"
        folder.mkdir()
        path = case.build(folder)
        size = path.stat().st_size / 1e6
        args: list[str | Path] = [case.command, path, "--db", folder / "s.db"]
        if case.command == "analyze":
            args += ["--json", folder / "out.json"]
        m = measure(newsprism_cmd(*args), folder, timeout)
        result = InputResult(case, size, m)
        results.append(result)
        print(
            f"{case.name:46} {case.command:8} {size:7.1f} {m.seconds:8.1f} {m.peak_mb:8.0f} "
            f"{'-' if m.returncode is None else m.returncode:>5}  {'yes' if result.ok else 'NO ':3} "
            f"{outcome(m)}",
            flush=True,
        )
        path.unlink()  # the bombs and big texts are not kept
    return results


# ------------------------------------------------------------------------------------------ SIGKILLs


def article_count(db: Path) -> int:
    """Committed articles, read while another process writes (WAL readers never block the writer)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return int(con.execute("SELECT count(*) FROM article").fetchone()[0])
    except sqlite3.Error:
        return 0  # not created yet, or mid-schema


def dump(db: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Every table's rows sorted, without and with rowid-alias ids (their values only record insert order,
    which worker scheduling may change); the second is the strict comparison."""
    loose: dict[str, list[str]] = {}
    strict: dict[str, list[str]] = {}
    with sqlite3.connect(db) as con:
        tables = [
            r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        for table in tables:
            info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
            pks = [c for c in info if c[5]]
            alias = pks[0][1] if len(pks) == 1 and pks[0][2].upper() == "INTEGER" else None
            names = [c[1] for c in info]
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            strict[table] = sorted(repr(r) for r in rows)
            keep = [i for i, n in enumerate(names) if n != alias]
            loose[table] = sorted(repr(tuple(r[i] for i in keep)) for r in rows)
    return loose, strict


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as con:
        result = con.execute("PRAGMA integrity_check").fetchone()[0]
        broken = con.execute("PRAGMA foreign_key_check").fetchall()
    return result if not broken else f"{result}; {len(broken)} foreign-key violations"


def _descendants(pid: int) -> set[int]:
    """Live descendants of ``pid`` (from /proc), to see whether workers outlive a killed parent."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class KillPoint:
    articles: int | None  # kill once this many articles are committed (ingest phase) ...
    after_ingest: float | None  # ... or this many seconds into the analysis phase
    at_seconds: float  # where the point lies on the reference run's timeline


@dataclass
class Kill:
    point: KillPoint
    where: str  # the point as this run met it
    seconds: float  # how long the killed run had run
    stored_at_kill: int
    descendants: int  # the killed parent's child processes (workers, resource tracker) at the kill
    orphans: int  # of those, still alive ORPHAN_GRACE seconds after their parent was killed
    linger: float  # seconds until the last of them had exited
    finished_first: bool = False  # the run ended before the kill point came


@dataclass
class KillReport:
    corpus: int
    reference_seconds: float
    reference_articles: int
    reference_exit: int
    kills: list[Kill] = field(default_factory=list)
    final_seconds: float = 0.0
    final_exit: int | None = None
    rows_equal: bool = False
    ids_equal: bool = False
    json_equal: bool = False
    integrity: str = ""
    differing_tables: list[str] = field(default_factory=list)  # "table (rows only here / only there)"
    differing_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.rows_equal
            and self.json_equal
            and self.integrity == "ok"
            and self.final_exit == self.reference_exit
            and not any(k.orphans for k in self.kills)
        )


def _analyze(corpus: Path, db: Path, out: Path, workers: int) -> list[str]:
    return newsprism_cmd("analyze", corpus, "--db", db, "--json", out, "--workers", str(workers))


def reference_run(corpus: Path, folder: Path, workers: int) -> tuple[float, list[tuple[float, int]], int]:
    """The uninterrupted analyze: its duration, its (time, committed articles) timeline, and its exit."""
    db = folder / "reference.db"
    cmd = _analyze(corpus, db, folder / "reference.json", workers)
    started = time.monotonic()
    with (folder / "reference.err").open("wb") as err:
        proc = subprocess.Popen(
            cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        timeline = [(0.0, 0)]
        while proc.poll() is None:
            time.sleep(POLL)
            timeline.append((time.monotonic() - started, article_count(db)))
    seconds = time.monotonic() - started
    timeline.append((seconds, article_count(db)))
    return seconds, timeline, proc.returncode


def kill_points(
    timeline: list[tuple[float, int]], seconds: float, n: int, rng: random.Random
) -> list[KillPoint]:
    """``n`` points drawn uniformly over the reference run, as progress: a committed-article count while it
    was ingesting, or a delay into the analysis phase once every article was stored."""
    final = timeline[-1][1]
    ingest_done = next(t for t, count in timeline if count >= final)
    points = []
    for at in sorted(rng.uniform(0.05, 0.95) * seconds for _ in range(n)):
        count = max(c for t, c in timeline if t <= at)
        if count < final:
            points.append(KillPoint(count + 1, None, at))  # the next commit after that point
        else:
            points.append(KillPoint(None, at - ingest_done, at))
    return points


def killed_run(
    cmd: list[str],
    folder: Path,
    db: Path,
    point: KillPoint,
    final: int,
    analysis_seconds: float,
    rng: random.Random,
) -> Kill:
    """Start the analyze, SIGKILL its parent process at ``point``, and see whether its workers outlive it.

    The analysis phase is recognised as "all ``final`` articles of the reference are stored"."""
    start_count = article_count(db)
    target, delay = point.articles, point.after_ingest
    if target is not None and target <= start_count:
        target = start_count + 1  # this run resumes past the point: kill at its first commit
    if target is not None and target > final:  # nothing left to ingest: kill inside the analysis instead
        target, delay = None, rng.uniform(0, analysis_seconds)
    where = f"after article {target} is stored" if target is not None else f"{delay:.1f} s into the analysis"
    started = time.monotonic()
    with (folder / "killed.err").open("ab") as err:
        proc = subprocess.Popen(
            cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        ingest_done_at: float | None = None
        while proc.poll() is None:
            count, now = article_count(db), time.monotonic()
            if target is not None and count >= target:
                time.sleep(rng.uniform(0, 1.5))  # somewhere inside the next batch, not just after a commit
                break
            if delay is not None:
                if ingest_done_at is None and count >= final:
                    ingest_done_at = now
                if ingest_done_at is not None and now - ingest_done_at >= delay:
                    break
            time.sleep(0.05)
        workers = _descendants(proc.pid)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must notice and stop
        proc.wait()
    seconds = time.monotonic() - started
    killed_at = time.monotonic()
    # A worker still importing its models notices the death only once its start-up is done: give it time.
    while time.monotonic() - killed_at < ORPHAN_GRACE and any(_alive(p) for p in workers):
        time.sleep(0.1)
    linger = time.monotonic() - killed_at
    orphans = [p for p in workers if _alive(p)]
    for pid in orphans:  # this run's own workers, left behind: stop them so they do not skew what follows
        os.kill(pid, signal.SIGKILL)
    return Kill(point, where, seconds, article_count(db), len(workers), len(orphans), linger, finished)


def run_kills(work: Path, n_articles: int, kills: int, workers: int, seed: int) -> KillReport | None:
    try:
        from real_corpus import DataMissing, write_real_corpus  # benchmarks/real_corpus.py
    except ImportError as exc:
        print(f"\nSIGKILL test skipped: benchmarks/real_corpus.py is not importable ({exc})")
        return None
    corpus = work / "corpus"
    try:
        write_real_corpus(corpus, n_articles, seed=seed)
    except DataMissing as exc:
        print(f"\nSIGKILL test skipped: {exc}")
        return None
    print(
        f"\nSIGKILLs during analyze: {n_articles} real articles, {kills} kills, --workers {workers}",
        flush=True,
    )
    folder = work / "kills"
    folder.mkdir()
    rng = random.Random(seed)
    ref_seconds, timeline, ref_exit = reference_run(corpus, folder, workers)
    report = KillReport(n_articles, ref_seconds, timeline[-1][1], ref_exit)
    print(
        f"  uninterrupted: {ref_seconds:.1f} s, exit {ref_exit}, {report.reference_articles} articles stored",
        flush=True,
    )
    db, out = folder / "killed.db", folder / "killed.json"
    cmd = _analyze(corpus, db, out, workers)
    final = report.reference_articles
    ingest_done = next(t for t, count in timeline if count >= final)
    for i, point in enumerate(kill_points(timeline, ref_seconds, kills, rng), start=1):
        kill = killed_run(cmd, folder, db, point, final, ref_seconds - ingest_done, rng)
        report.kills.append(kill)
        print(
            f"  kill {i} (reference t={point.at_seconds:.0f} s) {kill.where}: the run lasted {kill.seconds:.1f} s, "
            f"{kill.stored_at_kill} articles stored; {kill.descendants} child processes, gone after "
            f"{kill.linger:.1f} s, {kill.orphans} still running after {ORPHAN_GRACE:.0f} s"
            + (" (the run ended before the kill point)" if kill.finished_first else ""),
            flush=True,
        )
    started = time.monotonic()
    with (folder / "final.err").open("wb") as err:
        final_run = subprocess.run(cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=err)
    report.final_seconds = time.monotonic() - started
    report.final_exit = final_run.returncode
    (ref_loose, ref_strict), (got_loose, got_strict) = dump(folder / "reference.db"), dump(db)
    report.rows_equal = ref_loose == got_loose
    report.ids_equal = ref_strict == got_strict
    report.differing_tables = _differences(ref_loose, got_loose)
    report.differing_ids = _differences(ref_strict, got_strict)
    report.json_equal = out.exists() and out.read_bytes() == (folder / "reference.json").read_bytes()
    report.integrity = integrity(db)
    return report


def _differences(reference: dict[str, list[str]], got: dict[str, list[str]]) -> list[str]:
    """Tables whose sorted rows differ, with how many rows only the reference / only this run has."""
    out = []
    for table in sorted(reference.keys() | got.keys()):
        ref_rows, got_rows = set(reference.get(table, [])), set(got.get(table, []))
        if reference.get(table) != got.get(table):
            out.append(
                f"{table} ({len(ref_rows - got_rows)} rows only in the reference, {len(got_rows - ref_rows)} only here)"
            )
    return out


# ---------------------------------------------------------------------------------------------- main


def print_kill_report(r: KillReport) -> None:
    print(f"\n{'SIGKILL test':44} result")
    rows = [
        ("articles (corpus / stored by the reference)", f"{r.corpus} / {r.reference_articles}"),
        ("uninterrupted analyze", f"{r.reference_seconds:.1f} s, exit {r.reference_exit}"),
        ("kills", f"{len(r.kills)} ({sum(k.finished_first for k in r.kills)} came after the run ended)"),
        (
            f"workers still running {ORPHAN_GRACE:.0f} s after a kill",
            f"{sum(k.orphans for k in r.kills)} (slowest exit {max((k.linger for k in r.kills), default=0):.1f} s)",
        ),
        ("final run to completion", f"{r.final_seconds:.1f} s, exit {r.final_exit}"),
        (
            "every table's rows equal the reference",
            "yes" if r.rows_equal else f"NO: {', '.join(r.differing_tables)}",
        ),
        ("... including rowid ids", "yes" if r.ids_equal else f"no: {', '.join(r.differing_ids)}"),
        ("JSON byte-identical to the reference", "yes" if r.json_equal else "NO"),
        ("PRAGMA integrity_check", r.integrity),
    ]
    for name, value in rows:
        print(f"{name:44} {value}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--articles", type=int, default=2000, help="articles in the SIGKILL test (default 2000)"
    )
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="--workers of the killed analyze (default 2)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds before a pathological run is killed"
    )
    parser.add_argument("--only", choices=("inputs", "kills"), help="run one part only")
    parser.add_argument("--inputs", nargs="*", help="only the inputs whose names contain one of these words")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (databases, logs) to inspect"
    )
    args = parser.parse_args(argv)

    ok = True
    prefix = "newsprism-stress-"
    folder = (
        contextlib.nullcontext(tempfile.mkdtemp(prefix=prefix))
        if args.keep
        else tempfile.TemporaryDirectory(prefix=prefix)
    )
    with folder as tmp:
        work = Path(tmp)
        if args.keep:
            print(f"work folder (kept): {work}")
        if args.only != "kills":
            results = run_inputs(work, args.timeout, set(args.inputs) if args.inputs else None)
            missed = [r.case.name for r in results if not r.ok]
            print(f"{len(results) - len(missed)} of {len(results)} inputs within the targets", end="")
            print(f"; missed: {'; '.join(missed)}" if missed else "")
            ok &= not missed
        if args.only != "inputs":
            report = run_kills(work, args.articles, args.kills, args.workers, args.seed)
            if report is not None:
                print_kill_report(report)
                ok &= report.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
