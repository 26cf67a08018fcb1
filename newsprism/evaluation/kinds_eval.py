"""News / analysis / opinion on real articles labelled by reading (``tests/data/kinds/``): accuracy,
per-kind precision/recall/F1 and the confusion table, on all rows and on the high-confidence ones.

Each article goes through ingest's cleaning and the extract stage as a user's file would (first line the
headline); the texts are read from ``../shared/data`` and checked against the SHA-1 each row records.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from newsprism.evaluation import TEST_DATA, shared_data_dir
from newsprism.evaluation.neus import split_neus_line

KINDS = ("news", "analysis", "opinion")


def kind_text(data: Path, source: dict[str, Any], cache: dict[Path, list[str]]) -> tuple[str, str]:
    """(title, text) of one labelled article, as the set's README loads it."""
    path = data / source["corpus"] / source["file"]
    if source["corpus"] == "neus":
        if path not in cache:
            cache[path] = path.read_text(encoding="utf-8").split("\n")
        title, text = split_neus_line(cache[path][source["line"]])[source["take"]]  # 0-based in this set
        return title, text
    if source["corpus"] == "polnear":
        text = path.read_text(encoding="utf-8")
        return text.split("\n", 1)[0].strip(), text
    if source["corpus"] == "giveme5w1h":
        data_json = json.loads(path.read_text(encoding="utf-8"))
        return str(data_json.get("title") or ""), str(data_json["text"])
    raise ValueError(f"unknown corpus {source['corpus']!r}")


def predict(rows: list[tuple[str, str, str]]) -> dict[str, tuple[str, list[str]]]:
    """id -> (kind, evidence) for (id, title, text) rows, through cleaning and the extract stage."""
    from newsprism import nlp
    from newsprism.api import process_documents
    from newsprism.model import RawDocument
    from newsprism.records import ArticleExtraction
    from newsprism.stages import extract

    parsed = []
    for rid, title, text in rows:
        body = text if text.startswith(title) else f"{title}\n\n{text}"
        try:
            parsed.extend(process_documents([RawDocument(source=f"{rid}.txt", text=body)]))
        except Exception:  # too short for ingest's article check (NeuS excerpts): parse it as it is
            parsed.append(nlp.parsed_doc(next(nlp.parse([text])), id=f"{rid}.txt", title=title))
    ids = {p.id: rid for p, (rid, _, _) in zip(parsed, rows, strict=True)}
    out: dict[str, tuple[str, list[str]]] = {}
    for n in range(0, len(parsed), 16):
        for result in extract.run(parsed[n : n + 16]):
            if isinstance(result, ArticleExtraction) and result.comparison is not None:
                out[ids[result.article]] = (result.comparison.kind, result.comparison.kind_evidence)
    return out


def _table(pairs: list[tuple[str, str]], name: str) -> dict[str, float]:
    right = sum(1 for g, p in pairs if g == p)
    accuracy = right / len(pairs) if pairs else 0.0
    print(f"{name}: accuracy {accuracy:.3f} ({right}/{len(pairs)})")
    print(f"{'kind':<12}{'P':>8}{'R':>8}{'F1':>8}{'n':>6}")
    f1s = []
    for kind in KINDS:
        tp = sum(1 for g, p in pairs if g == p == kind)
        fp = sum(1 for g, p in pairs if p == kind and g != kind)
        fn = sum(1 for g, p in pairs if g == kind and p != kind)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        f1s.append(f1)
        print(f"{kind:<12}{prec:>8.3f}{rec:>8.3f}{f1:>8.3f}{tp + fn:>6}")
    confusion = Counter(pairs)
    print("gold \\ predicted  " + "  ".join(f"{k:>9}" for k in KINDS))
    for g in KINDS:
        print(f"{g:<17}" + "  ".join(f"{confusion[(g, p)]:>9}" for p in KINDS))
    return {"accuracy": accuracy, "macro_f1": sum(f1s) / len(f1s)}


def run() -> dict[str, Any]:
    print("== kinds: news / analysis / opinion")
    data = shared_data_dir()
    if data is None:
        print("kinds: ../shared/data not found; skipping")
        return {}
    gold_rows = [
        json.loads(line) for line in (TEST_DATA / "kinds" / "kinds.jsonl").read_text("utf-8").splitlines()
    ]
    cache: dict[Path, list[str]] = {}
    rows, skipped = [], 0
    for row in gold_rows:
        title, text = kind_text(data, row["source"], cache)
        if hashlib.sha1(text.encode("utf-8")).hexdigest() != row["text_sha1"]:
            skipped += 1
            continue
        rows.append((row["id"], title, text))
    if skipped:
        print(f"kinds: {skipped} rows skipped: their text in ../shared/data changed")
    predicted = predict(rows)
    gold = {row["id"]: row for row in gold_rows}
    pairs = [(gold[rid]["kind"], predicted[rid][0]) for rid, _, _ in rows if rid in predicted]
    out = {"all": _table(pairs, f"all {len(pairs)} articles")}
    high = [
        (gold[rid]["kind"], predicted[rid][0])
        for rid, _, _ in rows
        if rid in predicted and gold[rid]["confidence"] == "high"
    ]
    out["high"] = _table(high, f"high-confidence {len(high)}")
    misses = [
        (rid, gold[rid]["kind"], predicted[rid][0])
        for rid, _, _ in rows
        if rid in predicted and gold[rid]["kind"] != predicted[rid][0]
    ]
    print(f"misses ({len(misses)}, first 10): " + "; ".join(f"{r} {g}->{p}" for r, g, p in misses[:10]))
    return out


if __name__ == "__main__":
    run()
