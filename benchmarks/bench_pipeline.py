"""Throughput and memory of ingest + clean + annotate + store, against the bare spaCy pipeline.

Builds a varied corpus from the bundled samples and the cleaning fixtures (paragraphs shuffled and sampled,
names and numbers swapped, boilerplate kept so the cleaner has work), then, each in a fresh process:
  * the bare spaCy pipeline (``nlp.pipe``) on the same cleaned texts: the floor;
  * newsprism's full per-article path with 1 and 2 worker processes;
  * a half-size corpus, to show that peak memory does not grow with corpus size.
Usage: python benchmarks/bench_pipeline.py [--articles 2000]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "examples").glob("*.txt")) + sorted(
    (ROOT / "tests" / "data" / "clean").glob("*.txt")
)
NAMES = [
    "Amara Okonkwo",
    "Lars Petersen",
    "Mei Lin",
    "Rafael Ortiz",
    "Sofia Novak",
    "Kwame Mensah",
    "Ingrid Holm",
    "Tariq Aziz",
    "Elena Rossi",
    "Hiroshi Tanaka",
    "Priya Nair",
    "Jonas Weber",
]
PLACES = [
    "Valmora",
    "Tarvik",
    "Olsund",
    "Bramley",
    "Kestrel Bay",
    "Port Arlen",
    "Nyeri",
    "Salto",
    "Kaunas",
    "Ilorin",
]


def build_corpus(folder: Path, n: int, seed: int = 7) -> int:
    """Write n varied plain-text articles; returns the total number of words."""
    rng = random.Random(seed)
    templates = [p.read_text("utf-8") for p in SOURCES]
    words = 0
    for i in range(n):
        blocks = [b for b in re.split(r"\n\s*\n", rng.choice(templates)) if b.strip()]
        title, rest = blocks[0], blocks[1:]
        body = rest[: max(3, len(rest) // 2)] if rng.random() < 0.5 else rest
        body = body[:]
        rng.shuffle(body)
        text = "\n\n".join([f"{title} ({i})", *body])
        text = re.sub(r"\b\d+\b", lambda m: str(int(m.group()) + rng.randint(1, 9)), text)
        for name in rng.sample(NAMES, 2):
            text = re.sub(r"\b(Haftar|Trump|Shanahan|Ruth|Priya Raman)\b", name.split()[-1], text, count=3)
        text = text.replace("Tripoli", rng.choice(PLACES))
        (folder / f"a{i:06d}.txt").write_text(text, "utf-8")
        words += len(text.split())
    return words


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run_newsprism(folder: str, workers: int) -> dict:
    from newsprism.pipeline import IngestOptions, ingest
    from newsprism.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        from newsprism import nlp

        if workers == 1:
            nlp.load_spacy()  # model load is a one-off cost, outside the timing
        started = time.perf_counter()
        report = ingest([folder], store, IngestOptions(workers=workers, batch_size=32))
        elapsed = time.perf_counter() - started
        return {
            "articles": len(report.added),
            "words": report.words,
            "seconds": elapsed,
            "failures": len(report.failures),
            "peak_rss_mb": _peak_rss_mb(),
        }


def run_bare_spacy(folder: str) -> dict:
    from newsprism import nlp
    from newsprism.api import process_paths  # noqa: F401  (same import cost as the real path)
    from newsprism.clean import clean

    texts = [clean(p.read_text("utf-8")).text for p in sorted(Path(folder).glob("*.txt"))]
    model = nlp.load_spacy()
    started = time.perf_counter()
    n_tokens = sum(len(doc) for doc in model.pipe(texts, batch_size=32))
    elapsed = time.perf_counter() - started
    words = sum(len(t.split()) for t in texts)
    return {
        "articles": len(texts),
        "words": words,
        "tokens": n_tokens,
        "seconds": elapsed,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _in_subprocess(kind: str, folder: str, workers: int = 1) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, folder, str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "FOLDER", "WORKERS"))
    args = parser.parse_args()
    if args.child:
        kind, folder, workers = args.child
        result = run_bare_spacy(folder) if kind == "spacy" else run_newsprism(folder, int(workers))
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as tmp:
        full, half = Path(tmp) / "full", Path(tmp) / "half"
        full.mkdir()
        half.mkdir()
        words = build_corpus(full, args.articles)
        build_corpus(half, args.articles // 2)
        print(f"corpus: {args.articles} articles, {words} raw words (from {len(SOURCES)} templates)")
        rows = [
            ("bare spaCy nlp.pipe (1 process)", _in_subprocess("spacy", str(full))),
            ("newsprism, 1 worker", _in_subprocess("newsprism", str(full), 1)),
            ("newsprism, 2 workers", _in_subprocess("newsprism", str(full), 2)),
            (
                f"newsprism, 1 worker, {args.articles // 2} articles",
                _in_subprocess("newsprism", str(half), 1),
            ),
        ]
    print(f"{'run':42} {'articles':>8} {'art/s':>7} {'words/s':>8} {'peak RSS MB':>11}")
    for name, r in rows:
        print(
            f"{name:42} {r['articles']:8d} {r['articles'] / r['seconds']:7.1f} {r['words'] / r['seconds']:8.0f} "
            f"{r['peak_rss_mb']:11.0f}"
        )
    base = rows[0][1]["words"] / rows[0][1]["seconds"]
    one = rows[1][1]["words"] / rows[1][1]["seconds"]
    print(f"newsprism (1 worker) is {base / one:.2f}x the bare spaCy time per word (target <= 1.3x)")
    print(
        f"peak RSS, {args.articles // 2} vs {args.articles} articles: {rows[3][1]['peak_rss_mb']:.0f} MB vs "
        f"{rows[1][1]['peak_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
