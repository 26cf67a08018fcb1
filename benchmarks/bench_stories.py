"""Story clustering at scale: throughput, peak memory and growth from 10,000 to 100,000 articles.

Usage: ``python benchmarks/bench_stories.py [--sizes 10000 100000] [--no-dedup] [--embed-sample 256]``

How the numbers are kept honest:

- **Vectors are given, not computed.** Embedding 100,000 headlines+leads with MiniLM on two CPU cores takes
  far longer than clustering them, and it is a per-article cost that parallelises across workers (the
  pipeline's job), not something clustering can change. So the clustering runs on synthetic vectors and the
  embedding throughput is measured separately on real text (``--embed-sample`` texts, reported in texts/s with
  the time it would add per 100,000 articles).
- **The stream is synthetic but varied**: stories start and fade over a simulated year (~300 articles a day),
  sizes are heavy-tailed (a new article prefers big recent stories), related stories share a topic direction
  (so centroids are not trivially separable), entities follow a Zipf law over a 50,000-name vocabulary (a few
  names like "us" appear everywhere), 1 in 20 articles is a wire copy of an earlier one (with a new headline
  and text appended), and some articles are undated. The generator is seeded; articles are produced one at a
  time so the input itself takes no memory.
- **Each size runs in a fresh process** so peak RSS (``ru_maxrss``) belongs to that run alone; the baseline
  RSS after imports and model-free setup is reported too, so the growth is what the index holds.
- Everything that clustering does per article is timed: duplicate detection (MinHash + LSH, unless
  ``--no-dedup``), candidate search in hnswlib, scoring, centroid updates and merges. B-cubed F1 against the
  generator's story labels is printed as a sanity check (synthetic, so not an evaluation).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsprism.model import EntityMention, StoredArticle  # noqa: E402  (after the path insert)

DIM = 384
ARTICLES_PER_DAY = 300
VOCABULARY = 50_000
TOPICS = 400
WORDS = np.array([f"w{i}" for i in range(20_000)])


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


class SyntheticStream:
    """A seeded stream of (article dict, vector, gold story) drawn one at a time."""

    def __init__(self, seed: int = 11) -> None:
        self.rng = np.random.default_rng(seed)
        self.topics = self.rng.normal(size=(TOPICS, DIM)).astype(np.float32)
        self.active: list[int] = []  # recent stories (bounded), most recent last
        self.sizes: dict[int, int] = {}
        self.story_params: dict[int, tuple[np.ndarray, list[int]]] = {}
        self.recent_texts: list[tuple[str, int, np.ndarray, list[dict]]] = []
        self.next_story = 0
        # Zipf popularity over entity names: name i is drawn with probability ~ 1 / (i + 1)
        weights = 1.0 / np.arange(1, VOCABULARY + 1)
        self.name_cdf = np.cumsum(weights / weights.sum())

    def _name(self) -> int:
        return int(np.searchsorted(self.name_cdf, self.rng.random()))

    def _new_story(self) -> int:
        story = self.next_story
        self.next_story += 1
        topic = self.topics[int(self.rng.integers(TOPICS))]
        centroid = _unit(topic / np.linalg.norm(topic) + 0.9 * _unit(self.rng.normal(size=DIM)))
        cast = [self._name() for _ in range(int(self.rng.integers(3, 7)))]
        self.story_params[story] = (centroid, cast)
        self.sizes[story] = 0
        self.active.append(story)
        if len(self.active) > 400:  # stories fade: only the recent ones receive articles
            faded = self.active.pop(0)
            del self.story_params[faded]
        return story

    def _pick_story(self) -> int:
        if not self.active or self.rng.random() < 0.25:
            return self._new_story()
        recent = self.active[-200:]
        weights = np.array([1.0 + self.sizes[s] for s in recent]) * np.linspace(0.2, 1.0, len(recent))
        return recent[int(self.rng.choice(len(recent), p=weights / weights.sum()))]

    def articles(self, count: int) -> Iterator[tuple[dict, np.ndarray, int]]:
        for index in range(count):
            day = index // ARTICLES_PER_DAY
            published = None if self.rng.random() < 0.03 else f"{2020 + day // 365}-01-01"
            if published:
                year, day_of_year = 2020 + day // 365, day % 365
                published = time.strftime("%Y-%m-%d", time.strptime(f"{year} {day_of_year + 1}", "%Y %j"))
            article_id = f"a{index:07d}"
            if self.recent_texts and self.rng.random() < 0.05:
                # A wire copy: the same body with a new headline and a comment section appended.
                text, story, vector, entities = self.recent_texts[
                    int(self.rng.integers(len(self.recent_texts)))
                ]
                text = text + " comments " + " ".join(self.rng.choice(WORDS, size=40))
                title = f"copy {index} of story {story}"
            else:
                story = self._pick_story()
                centroid, cast = self.story_params[story]
                vector = _unit(centroid + 0.85 * _unit(self.rng.normal(size=DIM)))
                names = [n for n in cast if self.rng.random() < 0.7] + [self._name() for _ in range(2)]
                entities = [
                    EntityMention(f"Name{n}", "PERSON" if n % 2 else "ORG", 50 * k, 50 * k + 5, 0)
                    for k, n in enumerate(names)
                ]
                text = " ".join(self.rng.choice(WORDS, size=int(self.rng.integers(120, 400))))
                title = f"story {story} report {index}"
                self.recent_texts.append((text, story, vector, entities))
                if len(self.recent_texts) > 500:
                    self.recent_texts.pop(0)
            self.sizes[story] = self.sizes.get(story, 0) + 1
            article = StoredArticle(
                id=article_id,
                source=article_id,
                title=title,
                text=text,
                raw_text=text,
                published=published,
                entities=list(entities),
            )
            yield article, vector, story


def run_size(count: int, dedup: bool) -> dict:
    """Cluster ``count`` synthetic articles in this process; timing covers clustering only."""
    from newsprism.evaluation.stories_eval import bcubed_prf
    from newsprism.stories import StoryIndex

    stream = SyntheticStream()
    index = StoryIndex(detect_duplicates=dedup)
    baseline = _rss_mb()
    gold: dict[str, int] = {}
    clustering_seconds = 0.0
    checkpoints = []
    for n, (article, vector, story) in enumerate(stream.articles(count), start=1):
        gold[article.id] = story
        started = time.perf_counter()
        index.add(article, vector)
        clustering_seconds += time.perf_counter() - started
        if n % (count // 10) == 0:
            checkpoints.append((n, round(clustering_seconds, 2)))
    predicted = {aid: story.id for story in index.stories() for aid in story.articles}
    _, _, b3_f1 = bcubed_prf({k: str(v) for k, v in gold.items()}, predicted)
    return {
        "articles": count,
        "seconds": round(clustering_seconds, 2),
        "articles_per_s": round(count / clustering_seconds, 1),
        "stories": len(index),
        "gold_stories": len(set(gold.values())),
        "b3_f1_synthetic": round(b3_f1, 3),
        "baseline_rss_mb": round(baseline, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
        "checkpoints": checkpoints,
    }


def embedding_throughput(sample: int) -> dict:
    """MiniLM texts/s on real headline+lead texts (the fixtures), measured apart from clustering."""
    from newsprism.nlp import embed, load_embedder
    from newsprism.stories import embedding_text

    records = [
        json.loads(line) for line in (ROOT / "tests/data/stories/unrelated.jsonl").open(encoding="utf-8")
    ]
    articles = [
        StoredArticle(
            id=str(r["id"]), source="bench", title=r.get("title"), text=r["text"], raw_text=r["text"]
        )
        for r in records
    ]
    texts = [embedding_text(articles[i % len(articles)]) + f" ({i})" for i in range(sample)]
    load_embedder()
    embed(texts[:8])  # warm-up
    started = time.perf_counter()
    embed(texts)
    seconds = time.perf_counter() - started
    return {
        "texts": sample,
        "texts_per_s": round(sample / seconds, 1),
        "hours_per_100k": round(1e5 / (sample / seconds) / 3600, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-dedup", action="store_true", help="time story clustering without MinHash")
    parser.add_argument(
        "--embed-sample", type=int, default=256, help="texts for embedding throughput (0: skip)"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_size(args.child, not args.no_dedup)))
        return

    results = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--child", str(size)] + (["--no-dedup"] if args.no_dedup else [])
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{result['articles']:>8,} articles: {result['seconds']:>8.1f} s  {result['articles_per_s']:>8.1f} articles/s"
            f"  stories {result['stories']:,} (generated {result['gold_stories']:,}, B3 F1 {result['b3_f1_synthetic']})"
            f"  peak RSS {result['peak_rss_mb']:.0f} MB (baseline {result['baseline_rss_mb']:.0f} MB)",
            flush=True,
        )
        print(f"          cumulative seconds at each tenth: {result['checkpoints']}", flush=True)
    if len(results) >= 2:
        small, large = results[0], results[-1]
        size_ratio = large["articles"] / small["articles"]
        time_ratio = large["seconds"] / small["seconds"]
        superlinear = time_ratio / size_ratio
        growth_small = small["peak_rss_mb"] - small["baseline_rss_mb"]
        growth_large = large["peak_rss_mb"] - large["baseline_rss_mb"]
        print(
            f"growth {small['articles']:,} -> {large['articles']:,} (x{size_ratio:g}): time x{time_ratio:.2f}, "
            f"{superlinear:.2f}x linear (target <= 1.2); memory above baseline "
            f"{growth_small:.0f} MB -> {growth_large:.0f} MB "
            f"({growth_large / max(large['stories'], 1) * 1024:.1f} KB per story)"
        )
        print("PASS" if superlinear <= 1.2 else "OVER TARGET", "time growth")
    if args.embed_sample:
        emb = embedding_throughput(args.embed_sample)
        print(
            f"embedding (MiniLM, measured apart): {emb['texts_per_s']} texts/s on {emb['texts']} texts; "
            f"~{emb['hours_per_100k']} h of CPU per 100,000 articles, parallel across workers"
        )


if __name__ == "__main__":
    main()
