"""Quote and attribution extraction scored on PolNeAR (brat attributions) and on the bundled samples.

PolNeAR (``shared_data_dir()/polnear/<split>``): every attribution has a Content span (possibly
discontinuous), a Cue and usually a Source. We report precision/recall/F1 of content spans at three
strictness levels (exact after trimming punctuation and a leading "that"; predicted span covering at least
0.3 and at least 0.8 of the gold span's characters) and speaker accuracy (share of matched quotes whose
speaker mention, or the antecedent it was resolved to, overlaps the gold Source span), separately for direct
quotes (gold content mostly inside quotation marks, predicted kind ``direct``) and for all attributions.
Matching is one-to-one, greedy by overlap. Tune on ``train``; ``dev`` is the reported split.

The samples are scored against ``tests/data/quotes/samples_gold.json`` (our own annotation).

Parses are cached under ``/tmp/newsprism_polnear_parses`` (keyed by file names and text) because parsing
the 84 dev articles takes about a minute.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsprism.evaluation import TEST_DATA, prf, shared_data_dir

if TYPE_CHECKING:
    from newsprism.nlp import ParsedArticle
    from newsprism.records import Quote

CACHE_DIR = Path("/tmp/newsprism_polnear_parses")
THRESHOLDS = (("exact", None), ("overlap>=0.3", 0.3), ("overlap>=0.8", 0.8))
SAMPLES_GOLD = TEST_DATA / "quotes" / "samples_gold.json"


# --------------------------------------------------------------------------------------------- gold


def read_brat(path: Path) -> list[dict[str, Any]]:
    """Attributions of one .ann file: content/source/cue character sets and spans."""
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if line.startswith("T") and len(fields) >= 2:
            label, _, offsets = fields[1].partition(" ")
            parts = [tuple(int(x) for x in part.split()) for part in offsets.split(";")]
            spans[fields[0]] = (label, [(a, b) for a, b in parts])
        elif line.startswith("E") and len(fields) >= 2:
            events.append(dict(arg.split(":", 1) for arg in fields[1].split()[1:]))
    out = []
    for args in events:
        content = spans.get(args.get("Content", ""), ("", []))[1]
        if not content:
            continue
        source = spans.get(args.get("Source", ""), ("", []))[1]
        cue = spans.get(args.get("Cue", ""), ("", []))[1]
        out.append({"content": content, "source": source, "cue": cue})
    return out


def _chars(text: str, spans: Iterable[tuple[int, int]]) -> frozenset[int]:
    """Alphanumeric character positions of spans, without a leading complementizer "that"."""
    positions: list[int] = []
    for start, end in spans:
        positions.extend(i for i in range(start, end) if text[i].isalnum())
    if positions:
        first = positions[0]
        if text[first : first + 5].lower() == "that " and (first == 0 or not text[first - 1].isalnum()):
            positions = [p for p in positions if p >= first + 4]
    return frozenset(positions)


def is_direct(text: str, spans: list[tuple[int, int]], quote_chars: frozenset[int]) -> bool:
    """Gold content counts as a direct quote when most of its characters sit inside quotation marks."""
    chars = _chars(text, spans)
    return bool(chars) and len(chars & quote_chars) >= 0.5 * len(chars)


# --------------------------------------------------------------------------------------------- parsing


@dataclass
class AnnotatedArticle:
    parsed: ParsedArticle
    gold: list[dict[str, Any]]  # read_brat's attributions


def _load_split(split_dir: Path, limit: int | None = None) -> list[AnnotatedArticle]:
    """PolNeAR articles of a split with their (cached) spaCy parses and gold attributions."""
    from spacy.tokens import DocBin

    from newsprism import nlp

    files = sorted((split_dir / "text").glob("*.txt"))[: limit or None]
    texts = [f.read_text(encoding="utf-8") for f in files]
    key = hashlib.sha1("".join(f.name for f in files).encode() + "".join(texts).encode()).hexdigest()[:12]
    cache = CACHE_DIR / f"{split_dir.name}_{key}.spacy"
    if cache.exists():
        docs = list(DocBin().from_bytes(cache.read_bytes()).get_docs(nlp.load_spacy().vocab))
    else:
        docs = list(nlp.parse(texts, batch_size=8))
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        db = DocBin(store_user_data=False)
        for doc in docs:
            db.add(doc)
        cache.write_bytes(db.to_bytes())
    annotations = sorted((split_dir / "attributions").glob("*.ann"))
    out = []
    for path, doc in zip(files, docs, strict=True):
        # Articles annotated by several annotators: the first annotation file stands for all.
        ann = next((a for a in annotations if a.name.rsplit("_", 1)[0] == path.stem), None)
        if ann is None:
            continue
        out.append(AnnotatedArticle(nlp.parsed_doc(doc, path.stem), read_brat(ann)))
    return out


# --------------------------------------------------------------------------------------------- scoring


def _match(
    gold: list[frozenset[int]], pred: list[frozenset[int]], threshold: float | None
) -> list[tuple[int, int]]:
    candidates = []
    for g, gset in enumerate(gold):
        for p, pset in enumerate(pred):
            if not gset or not pset:
                continue
            if threshold is None:
                if gset == pset:
                    candidates.append((1.0, g, p))
                continue
            cover = len(gset & pset) / len(gset)
            # The prediction must also be mostly about this gold span, not a whole paragraph around it.
            if cover >= threshold and len(gset & pset) / len(pset) >= 0.3:
                candidates.append((cover, g, p))
    pairs, used_g, used_p = [], set(), set()
    for _, g, p in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if g not in used_g and p not in used_p:
            used_g.add(g)
            used_p.add(p)
            pairs.append((g, p))
    return pairs


def _speaker_ok(text: str, gold: dict[str, Any], quote: Quote) -> bool:
    speaker = quote.speaker
    if speaker is None or speaker.start is None or speaker.end is None:
        return False
    spans = [(speaker.start, speaker.end)]
    if speaker.antecedent:
        spans.append(speaker.antecedent)
    return bool(_chars(text, gold["source"]) & _chars(text, spans))


def score_articles(articles: list[AnnotatedArticle]) -> dict[str, Any]:
    """P/R/F1 per strictness and speaker accuracy, for direct quotes and for all attributions."""
    from newsprism.quotes import extract_quotes, find_quote_spans

    counts: dict[str, dict[str, list[float]]] = {
        subset: {name: [0, 0, 0] for name, _ in THRESHOLDS} for subset in ("direct", "all")
    }
    speaker = {subset: [0, 0] for subset in ("direct", "all")}
    misses: dict[str, list[str]] = {"direct": [], "all": []}
    for art in articles:
        text = art.parsed.text
        quote_chars = frozenset(i for s, e in find_quote_spans(text) for i in range(s, e))
        predicted = extract_quotes(art.parsed)
        for subset in ("direct", "all"):
            gold = [g for g in art.gold if subset == "all" or is_direct(text, g["content"], quote_chars)]
            # The direct subset is defined the same way on both sides: content mostly inside quotation marks
            # (a "partial" quote like 'he has “always run a lean campaign”' counts when mostly quoted).
            pred = [q for q in predicted if subset == "all" or is_direct(text, q.segments, quote_chars)]
            gsets = [_chars(text, g["content"]) for g in gold]
            psets = [_chars(text, q.segments) for q in pred]
            for name, threshold in THRESHOLDS:
                pairs = _match(gsets, psets, threshold)
                row = counts[subset][name]
                row[0] += len(pairs)
                row[1] += len(pred) - len(pairs)
                row[2] += len(gold) - len(pairs)
                if threshold == 0.3:
                    matched = {g for g, _ in pairs}
                    for g, p in pairs:
                        if gold[g]["source"]:
                            speaker[subset][1] += 1
                            speaker[subset][0] += _speaker_ok(text, gold[g], pred[p])
                    for g, item in enumerate(gold):
                        if g not in matched and len(misses[subset]) < 15:
                            s, e = item["content"][0][0], item["content"][-1][1]
                            misses[subset].append(f"{art.parsed.id}: {text[s:e][:110]!r}")
    result: dict[str, Any] = {}
    for subset in ("direct", "all"):
        result[subset] = {}
        for name, _ in THRESHOLDS:
            tp, fp, fn = counts[subset][name]
            precision, recall, f1 = prf(tp, fp, fn)
            result[subset][name] = {
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "tp": tp,
                "fp": fp,
                "fn": fn,
            }
        ok, total = speaker[subset]
        result[subset]["speaker_accuracy"] = ok / total if total else 0.0
        result[subset]["speaker_n"] = total
    result["misses"] = misses
    return result


def score_samples() -> dict[str, Any]:
    """Recall/precision on the samples against our own gold (content overlap and speaker name)."""
    from newsprism.api import process_paths
    from newsprism.evaluation import REPO_ROOT
    from newsprism.quotes import extract_quotes

    gold = json.loads(SAMPLES_GOLD.read_text(encoding="utf-8"))
    paths = sorted((REPO_ROOT / "examples").glob("*.txt"))
    articles = {Path(a.article.source).name: a for a in process_paths(paths)}
    tp = fp = fn = speaker_ok = kind_ok = 0
    for name, items in sorted(gold.items()):
        article = articles[name]
        quotes = extract_quotes(article)
        used: set[int] = set()
        for item in items:
            # Prefer a quote of the expected kind (one passage can be both a block and an "according to").
            options = [k for k, q in enumerate(quotes) if k not in used and item["contains"] in q.text]
            same_kind = [k for k in options if quotes[k].kind == item["kind"]]
            hit = next(iter(same_kind or options), None)
            if hit is None:
                fn += 1
                continue
            used.add(hit)
            tp += 1
            speaker = quotes[hit].speaker
            speaker_ok += bool(speaker and speaker.text and item["speaker"].lower() in speaker.text.lower())
            kind_ok += quotes[hit].kind == item["kind"]
        fp += len(quotes) - len(used)
    p, r, f = prf(tp, fp, fn)
    return {
        "precision": p,
        "recall": r,
        "f1": f,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "speaker_accuracy": speaker_ok / tp if tp else 0.0,
        "kind_accuracy": kind_ok / tp if tp else 0.0,
    }


# --------------------------------------------------------------------------------------------- report


def _print_table(title: str, result: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"  {'subset':<8} {'match':<14} {'P':>6} {'R':>6} {'F1':>6}   {'tp':>5} {'fp':>5} {'fn':>5}")
    for subset in ("direct", "all"):
        for name, _ in THRESHOLDS:
            row = result[subset][name]
            print(
                f"  {subset:<8} {name:<14} {100 * row['precision']:6.1f} {100 * row['recall']:6.1f} "
                f"{100 * row['f1']:6.1f}   {row['tp']:5.0f} {row['fp']:5.0f} {row['fn']:5.0f}"
            )
        print(
            f"  {subset:<8} speaker accuracy {100 * result[subset]['speaker_accuracy']:.1f}% "
            f"(of {result[subset]['speaker_n']} matched quotes with a gold source)"
        )


def run(split: str = "dev", limit: int | None = None, show_misses: bool = False) -> dict[str, Any]:
    results: dict[str, Any] = {}
    data = shared_data_dir()
    polnear = data / "polnear" / split if data else None
    if polnear is None or not polnear.is_dir():
        print("quotes: PolNeAR not found (../shared/data/polnear); skipping the PolNeAR evaluation.")
    else:
        articles = _load_split(polnear, limit)
        result = score_articles(articles)
        results[f"polnear_{split}"] = result
        _print_table(f"quotes: PolNeAR {split} ({len(articles)} articles)", result)
        print("  reference (Gender Gap Tracker, direct quotes): F1 83.7 (0.3), 76.1 (0.8), speaker 86.5%")
        if show_misses:
            for subset in ("direct", "all"):
                print(f"  missed {subset} (first 15):")
                for miss in result["misses"][subset]:
                    print("   ", miss)
    if SAMPLES_GOLD.exists():
        samples = score_samples()
        results["samples"] = samples
        print(f"\nquotes: samples (own gold, {samples['tp'] + samples['fn']:.0f} quotes)")
        print(
            f"  P {100 * samples['precision']:.1f}  R {100 * samples['recall']:.1f}  "
            f"F1 {100 * samples['f1']:.1f}  "
            f"speaker {100 * samples['speaker_accuracy']:.1f}%  kind {100 * samples['kind_accuracy']:.1f}%"
        )
    return results


if __name__ == "__main__":
    import sys

    run(sys.argv[1] if len(sys.argv) > 1 else "dev", show_misses="--misses" in sys.argv)
