"""Evaluation of the actor-sentiment model (``newsprism.compare.sentiment``) on NewsMTSC.

The model is trained on NewsMTSC ``train.jsonl`` only (``benchmarks/train_sentiment.py``, model selection on
a held-out tenth of it); here it is scored on the two test sets the dataset ships, never used in training:

* ``devtest_rw``: sentences sampled to resemble the real-world distribution (the headline number; published
  reference macro-F1 0.831 with a GPU-fine-tuned RoBERTa);
* ``devtest_mt``: sentences with two or more targets.

Polarity 2.0 / 4.0 / 6.0 is negative / neutral / positive. Reported: macro-F1 over the three classes,
per-class P/R/F1, and the inference time per target at batch 32 (tokenising included, model loading not).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsprism.evaluation import shared_data_dir

SPLITS = ("devtest_rw", "devtest_mt")
BATCH = 32


@dataclass(frozen=True)
class Gold:
    sentence: str
    start: int
    end: int
    label: int  # index into sentiment.LABELS


def load_split(path: Path) -> list[Gold]:
    """One gold item per target (``from``/``to`` are character offsets, ``to`` exclusive)."""
    items = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        for t in row["targets"]:
            items.append(Gold(row["sentence_normalized"], t["from"], t["to"], round(t["polarity"] / 2) - 1))
    return items


def class_scores(gold: np.ndarray, pred: np.ndarray, n_classes: int = 3) -> list[dict[str, float]]:
    """Per class: precision, recall, F1 and support."""
    out = []
    for c in range(n_classes):
        tp = int(((pred == c) & (gold == c)).sum())
        predicted, actual = int((pred == c).sum()), int((gold == c).sum())
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        out.append(
            {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": actual}
        )
    return out


def print_table(name: str, result: dict[str, Any], labels: tuple[str, ...]) -> None:
    print(f"{name + ' (' + str(result['targets']) + ' targets)':<28}{'P':>8}{'R':>8}{'F1':>8}{'n':>8}")
    for label, r in zip(labels, result["classes"], strict=True):
        print(f"{'  ' + label:<28}{r['precision']:>8.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}{r['support']:>8d}")
    print(f"{'  macro-F1':<28}{'':>16}{result['macro_f1']:>8.3f}")


def run(show_errors: bool = False) -> dict[str, Any]:
    shared = shared_data_dir()
    folder = shared / "newsmtsc" if shared else None
    if folder is None or not all((folder / f"{s}.jsonl").is_file() for s in SPLITS):
        print("sentiment: ../shared/data/newsmtsc not found (set NEWSPRISM_SHARED_DATA); skipping NewsMTSC")
        return {}
    from newsprism.compare.sentiment import LABELS, MODEL_VERSION, ActorSentiment, SentimentTarget

    model = ActorSentiment.load()
    results: dict[str, Any] = {"model_version": MODEL_VERSION}
    print(f"\nactor sentiment ({MODEL_VERSION}) on NewsMTSC; published reference macro-F1 0.831 (devtest_rw)")
    for split in SPLITS:
        gold = load_split(folder / f"{split}.jsonl")
        targets = [SentimentTarget(g.sentence, g.start, g.end) for g in gold]
        started = time.perf_counter()
        probs = model.probabilities(targets, batch_size=BATCH)
        elapsed = time.perf_counter() - started
        y = np.array([g.label for g in gold])
        pred = probs.argmax(axis=1)
        classes = class_scores(y, pred)
        result = {
            "targets": len(gold),
            "macro_f1": float(np.mean([c["f1"] for c in classes])),
            "classes": classes,
            "ms_per_target": 1000 * elapsed / max(1, len(gold)),
        }
        results[split] = result
        print_table(split, result, LABELS)
        print(f"{'  ms per target (batch 32)':<28}{'':>16}{result['ms_per_target']:>8.2f}")
        if show_errors:
            for g, p in zip(gold, pred, strict=True):
                if p != g.label:
                    mention = g.sentence[g.start : g.end]
                    sentence = " ".join(g.sentence.split())  # some sentences hold line breaks
                    print(f"  gold {LABELS[g.label]}, predicted {LABELS[p]}: [{mention}] {sentence}")
    return results


if __name__ == "__main__":
    run(show_errors=True)
