"""Story clustering scored against cluster labels: pairwise and B-cubed precision/recall/F1.

Sets (each skipped with a message when absent):
- ``giveme5w1h``: ``shared_data_dir()/giveme5w1h/gold_standard`` (96 articles, 13 events in ``category``;
  the one article without a category is left out).
- ``corpus``: ``tests/data/stories/corpus.jsonl`` (cluster-labelled articles: id, story, outlet, title,
  published, text), assembled for the project.
- ``fixtures``: the three samples plus ``tests/data/stories/unrelated.jsonl`` (written for the tests).

Articles are cleaned and annotated by the normal pipeline, fed in publication order (as they would arrive),
and clustered with the default :class:`newsprism.stories.StoryConfig`.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsprism.evaluation import REPO_ROOT, TEST_DATA, prf, shared_data_dir

if TYPE_CHECKING:
    from newsprism.model import StoredArticle

STORY_DATA = TEST_DATA / "stories"


def pairwise_prf(gold: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, float]:
    """Precision/recall/F1 over all article pairs: a pair is positive when both share a cluster."""
    ids = sorted(gold)
    tp = fp = fn = 0
    for a, b in combinations(ids, 2):
        same_gold, same_pred = gold[a] == gold[b], predicted[a] == predicted[b]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    return prf(tp, fp, fn)


def bcubed_prf(gold: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed (Bagga & Baldwin 1998): per-article precision/recall of its cluster, averaged."""
    ids = sorted(gold)
    gold_sizes = Counter(gold[i] for i in ids)
    pred_sizes = Counter(predicted[i] for i in ids)
    joint = Counter((gold[i], predicted[i]) for i in ids)
    precision = sum(joint[(gold[i], predicted[i])] / pred_sizes[predicted[i]] for i in ids) / len(ids)
    recall = sum(joint[(gold[i], predicted[i])] / gold_sizes[gold[i]] for i in ids) / len(ids)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _process(records: Sequence[dict[str, Any]]) -> list[tuple[StoredArticle, str]]:
    """Records with title/text/outlet/published -> (annotated article under the set's own id, gold story)."""
    from newsprism.api import process_documents
    from newsprism.model import RawDocument

    raws = []
    for record in records:
        meta = {k: record.get(k) for k in ("title", "outlet", "published", "url") if record.get(k)}
        text = f"{record.get('title') or ''}\n\n{record['text']}" if record.get("title") else record["text"]
        raws.append(RawDocument(source=f"eval:{record['id']}", text=text, meta=meta))
    articles = []
    for record, raw in zip(records, raws, strict=True):
        try:
            article = process_documents([raw])[0]
        except Exception as error:  # a record the cleaner rejects is reported, not fatal
            print(f"  skipped {record['id']}: {error}")
            continue
        articles.append((dataclasses.replace(article.article, id=str(record["id"])), str(record["story"])))
    return articles


def load_giveme5w1h(folder: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(folder.glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        if not item.get("category") or not item.get("text"):
            continue
        records.append(
            {
                "id": item.get("dId") or path.stem,
                "story": item["category"],
                "outlet": item.get("publisher"),
                "title": item.get("title"),
                "published": (item.get("date_publish") or "")[:10] or None,
                "text": item["text"],
            }
        )
    return records


NEUS_STORIES = 300
NEUS_MIN_WORDS = 30


def load_neus(folder: Path, n_stories: int = NEUS_STORIES, seed: int = 0) -> list[dict[str, Any]]:
    """``n_stories`` lines of NeuS train drawn at random (seeded), every outlet's take of each: one story per
    line. Lines with a take under NEUS_MIN_WORDS words are not drawn (an excerpt too short to place)."""
    import random

    from newsprism.evaluation.neus import split_neus_line

    eligible: list[tuple[int, list[tuple[str, str]]]] = []
    with (folder / "train.source").open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            takes = split_neus_line(line)
            if len(takes) >= 2 and all(len(text.split()) >= NEUS_MIN_WORDS for _, text in takes):
                eligible.append((lineno, takes))
    drawn = random.Random(seed).sample(eligible, min(n_stories, len(eligible)))
    return [
        {"id": f"neus-{lineno}-{n}", "story": f"neus-{lineno}", "title": title, "text": text}
        for lineno, takes in sorted(drawn)
        for n, (title, text) in enumerate(takes, start=1)
    ]


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_fixtures() -> list[dict[str, Any]]:
    records = []
    for path in sorted((REPO_ROOT / "examples").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n", 1)
        meta_path = path.with_name(path.stem + ".meta.json")
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        records.append(
            {
                "id": path.stem,
                "story": "haftar",
                "title": lines[0].strip(),
                "text": lines[1] if len(lines) > 1 else "",
                "published": meta.get("published"),
            }
        )
    unrelated = STORY_DATA / "unrelated.jsonl"
    return records + (load_jsonl(unrelated) if unrelated.exists() else [])


def score_set(records: Sequence[dict[str, Any]], config: Any = None) -> dict[str, Any]:
    from newsprism.stories import cluster_stories

    processed = _process(records)
    # Arrival order: by publication date (undated last), then id, as a feed would deliver them.
    processed.sort(key=lambda pair: (pair[0].published is None, pair[0].published or "", pair[0].id))
    stories = cluster_stories([article for article, _ in processed], config)
    predicted = {article_id: story.id for story in stories for article_id in story.articles}
    gold = {article.id: story for article, story in processed}
    return {
        "articles": len(processed),
        "gold_stories": len(set(gold.values())),
        "predicted_stories": len(stories),
        "pairwise": pairwise_prf(gold, predicted),
        "bcubed": bcubed_prf(gold, predicted),
    }


def run(config: Any = None) -> dict[str, Any]:
    from rich.console import Console
    from rich.table import Table

    sets: dict[str, list[dict[str, Any]]] = {}
    shared = shared_data_dir()
    gold_folder = shared / "giveme5w1h" / "gold_standard" if shared else None
    if gold_folder and gold_folder.is_dir():
        sets["giveme5w1h"] = load_giveme5w1h(gold_folder)
    else:
        print("stories: giveme5w1h skipped (shared data not found; set NEWSPRISM_SHARED_DATA)")
    neus = shared / "neus" if shared else None
    if neus and (neus / "train.source").is_file():
        sets["neus"] = load_neus(neus)
    else:
        print("stories: neus skipped (shared data not found; set NEWSPRISM_SHARED_DATA)")
    corpus = STORY_DATA / "corpus.jsonl"
    if corpus.exists():
        sets["corpus"] = load_jsonl(corpus)
    else:
        print(f"stories: corpus skipped ({corpus} not found)")
    sets["fixtures"] = load_fixtures()

    results = {name: score_set(records, config) for name, records in sets.items()}
    table = Table(title="Story clustering (pairwise and B-cubed P/R/F1)")
    for column in (
        "set",
        "articles",
        "gold",
        "predicted",
        "pair P",
        "pair R",
        "pair F1",
        "B3 P",
        "B3 R",
        "B3 F1",
    ):
        table.add_column(column, justify="left" if column == "set" else "right")
    for name, result in results.items():
        table.add_row(
            name,
            str(result["articles"]),
            str(result["gold_stories"]),
            str(result["predicted_stories"]),
            *(f"{value:.3f}" for value in (*result["pairwise"], *result["bcubed"])),
        )
    Console(width=120).print(table)
    print(
        "pair: over article pairs (same story or not); B3: B-cubed, per article, averaged. Arrival order: by date."
    )
    return results


if __name__ == "__main__":
    run()
