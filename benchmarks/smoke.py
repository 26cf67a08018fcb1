"""Real-data smoke check (``make smoke``, run by CI after ``make test``).

Writes ``--articles`` real articles from ``../shared/data`` (see ``real_corpus.py``) plus the cleaning fixtures
of ``tests/data/clean`` into a temporary folder, runs ``newsprism analyze`` over it as a user would, and checks
that the run completes: exit status 0, no traceback, a JSON document holding every input article and non-empty
stories, entities, quotes and events, and an HTML report. Prints the counts and the time taken; exits 1 with
the reasons when a check fails, 0 with a "skipped" line when the data is not on this machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from real_corpus import DataMissing, write_real_corpus  # noqa: E402

CLEAN_FIXTURES = REPO / "tests" / "data" / "clean"
EXPECTED_SUFFIX = ".expected.json"
LISTS = ("stories", "entities", "quotes", "events")
MIN_HTML_BYTES_PER_ARTICLE = 200  # a report that lists every article is far larger; an error page is not


@dataclass
class Outcome:
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def copy_clean_fixtures(dest: Path) -> Counter[str]:
    """Copy every fixture that has an ``<stem>.expected.json`` (not the README, helpers or expected files);
    return the number of articles each copied file must yield, per copied path."""
    dest.mkdir(parents=True, exist_ok=True)
    expected: Counter[str] = Counter()
    for gold in sorted(CLEAN_FIXTURES.glob(f"*{EXPECTED_SUFFIX}")):
        stem = gold.name[: -len(EXPECTED_SUFFIX)]
        n = len(json.loads(gold.read_text(encoding="utf-8"))["articles"])
        for src in sorted(CLEAN_FIXTURES.glob(f"{stem}.*")):
            if src == gold or not src.is_file() or src.name.split(".", 1)[0] != stem:
                continue
            shutil.copy2(src, dest / src.name)
            expected[str((dest / src.name).resolve())] += n
    return expected


def real_expected(paths: list[Path]) -> Counter[str]:
    """Articles each written file must yield: one per text file, one per JSONL line."""
    expected: Counter[str] = Counter()
    for path in paths:
        if path.suffix == ".jsonl":
            lines = path.read_text(encoding="utf-8").splitlines()
            expected[str(path.resolve())] += sum(1 for line in lines if line.strip())
        else:
            expected[str(path.resolve())] += 1
    return expected


def source_file(source: str) -> str:
    """The file of a JSON ``source`` ("file" or "file#n")."""
    path = source.rsplit("#", 1)[0] if "#" in Path(source).name else source
    return str(Path(path).resolve())


def run_analyze(
    newsprism: Path, corpus: Path, work: Path, workers: int, timeout: float
) -> tuple[int, str, float]:
    cmd = [
        str(newsprism),
        "analyze",
        str(corpus),
        "--db",
        str(work / "smoke.db"),
        "--json",
        str(work / "smoke.json"),
        "--html",
        str(work / "smoke.html"),
        "--workers",
        str(workers),
    ]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return -1, err + f"\n(timed out after {timeout:.0f} s)", time.perf_counter() - start
    return proc.returncode, proc.stderr, time.perf_counter() - start


def check(work: Path, expected: Counter[str], status: int, stderr: str, seconds: float) -> Outcome:
    outcome = Outcome(seconds=seconds)
    if status != 0:
        outcome.problems.append(f"newsprism analyze exited with status {status}")
    if "Traceback" in stderr:
        outcome.problems.append("a Python traceback was printed on stderr")
    json_path = work / "smoke.json"
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        outcome.problems.append(f"no JSON written ({json_path.name})")
        return outcome
    except ValueError as exc:
        outcome.problems.append(f"the JSON does not parse: {exc}")
        return outcome
    articles = doc.get("articles") or []
    outcome.counts["articles"] = len(articles)
    got = Counter(source_file(a.get("source") or "") for a in articles)
    missing = {f: n - got[f] for f, n in expected.items() if got[f] < n}
    if missing:
        lost = sum(missing.values())
        sample = ", ".join(f"{Path(f).name} ({n})" for f, n in sorted(missing.items())[:5])
        outcome.problems.append(
            f"{lost} of {sum(expected.values())} input articles missing from the JSON: {sample}"
        )
    for name in LISTS:
        items = doc.get(name)
        outcome.counts[name] = len(items) if isinstance(items, list) else 0
        if not items:
            outcome.problems.append(f"the JSON has no {name}")
    # The outlet comparison (issue 11): every story has claim groups and a coverage matrix; stories told by
    # two or more outlets frame their actors; every article has a kind with its evidence.
    stories = doc.get("stories") or []
    groups = [g for s in stories for g in s.get("claims") or []]
    outcome.counts["claims"] = len(groups)
    outcome.counts["corroborated"] = sum(1 for g in groups if g.get("status") == "corroborated")
    outcome.counts["contested"] = sum(1 for g in groups if g.get("status") == "contested")
    multi = [s for s in stories if len(set(s.get("outlets") or [])) >= 2]
    if not groups:
        outcome.problems.append("no story has claim groups")
    if multi and not any(s.get("framing") for s in multi):
        outcome.problems.append("no multi-outlet story has framing")
    if any(s.get("coverage") is None for s in stories if not s.get("failed")):
        outcome.problems.append("a story has no coverage matrix")
    # The brief (issue 12): stories with claims have one; every sentence cites a span inside its article.
    lengths = {a.get("id"): len(a.get("text") or "") for a in articles}
    briefs = [s.get("brief") for s in stories if s.get("claims") and not s.get("failed")]
    sentences = [x for b in briefs if b for x in b.get("sentences") or []]
    outcome.counts["brief_sentences"] = len(sentences)
    # (a story whose every claim is disputed, or too short to stand alone, has no brief sentence)
    briefless = sum(1 for b in briefs if not b or not b.get("sentences"))
    if briefless > 0.1 * len(briefs):
        outcome.problems.append(f"{briefless} of {len(briefs)} stories with claims have no brief")
    uncited = [x for x in sentences if not x.get("citations")]
    stray = [
        c
        for x in sentences
        for c in x.get("citations") or []
        if not 0 <= c["start"] < c["end"] <= lengths.get(c["article"], -1)
    ]
    if uncited or stray:
        outcome.problems.append(
            f"brief sentences without citations ({len(uncited)}) or out of range ({len(stray)})"
        )
    unkinded = [a.get("id") for a in articles if a.get("kind") not in ("news", "analysis", "opinion")]
    if unkinded or any(not a.get("kind_evidence") for a in articles):
        outcome.problems.append(f"articles without a kind or its evidence ({len(unkinded)})")
    # Fault isolation (issue 9) records failed items; a smoke run on clean real data must have none.
    failures = doc.get("failures")
    if failures:
        outcome.problems.append(f"{len(failures)} stage failure(s) recorded in the JSON")
    html = work / "smoke.html"
    if not html.is_file():
        outcome.problems.append("no HTML report written")
    else:
        size = html.stat().st_size
        text = html.read_text(encoding="utf-8", errors="replace")
        floor = MIN_HTML_BYTES_PER_ARTICLE * max(1, sum(expected.values()))
        if size < floor or "</html>" not in text.lower():
            outcome.problems.append(
                f"the HTML report looks empty or truncated ({size:,} bytes, expected >= {floor:,})"
            )
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="real articles to analyse (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="analyze --workers (default 2)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds before the run counts as hung")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (corpus, db, JSON, HTML)")
    parser.add_argument("--newsprism", type=Path, default=REPO / ".venv" / "bin" / "newsprism")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="newsprism-smoke-") as tmp:
        work = args.keep or Path(tmp)
        if args.keep and work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        corpus = work / "corpus"
        try:
            real = write_real_corpus(corpus / "real", args.articles, seed=args.seed)
        except DataMissing as exc:
            print(f"smoke: skipped: {exc}")
            return 0
        expected = real_expected(real) + copy_clean_fixtures(corpus / "clean")
        total = sum(expected.values())
        print(
            f"smoke: analysing {total} articles ({args.articles} real + tests/data/clean), {args.workers} workers"
        )
        status, stderr, seconds = run_analyze(args.newsprism, corpus, work, args.workers, args.timeout)
        outcome = check(work, expected, status, stderr, seconds)

    counts = " ".join(f"{k}={v}" for k, v in outcome.counts.items()) or "no JSON to count"
    print(f"smoke: {counts} seconds={outcome.seconds:.0f}", flush=True)
    if outcome.problems:
        tail = "\n".join(stderr.strip().splitlines()[-40:])
        print("smoke: FAILED\n" + "\n".join(f"  - {p}" for p in outcome.problems), file=sys.stderr)
        if tail:
            print(f"--- last lines of newsprism's stderr ---\n{tail}", file=sys.stderr)
        return 1
    print("smoke: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
