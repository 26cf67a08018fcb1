"""Claim alignment across outlets: do two sentences stating one fact land in one claim group, and is a
disagreement on a number, date, actor or polarity marked ``contested``?

Two sets (``tests/data/claims/``): ``real_pairs.jsonl``, sentence pairs from real NeuS stories (three outlets
each) labelled same / conflict / different by reading; and ``written_pairs.jsonl``, passages written for the
project (align / contested / separate). Each story's articles go through the real stages (parse, extract,
story analysis); a pair is aligned when the claims holding its two sentences share a group.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsprism.evaluation import TEST_DATA, shared_data_dir
from newsprism.evaluation.neus import split_neus_line
from newsprism.records import ClaimGroup, Story, StoryAnalysis

CLAIMS = TEST_DATA / "claims"


@dataclass(frozen=True)
class Take:
    id: str
    outlet: str
    title: str
    text: str
    published: str | None = None


def analyse_takes(takes: Sequence[Take]) -> StoryAnalysis:
    """One story of these takes through parse, extract and the story stage (no store)."""
    from newsprism import nlp
    from newsprism.records import ArticleExtraction
    from newsprism.stages import extract
    from newsprism.stages.corpus import analyze_story

    docs = list(nlp.parse([t.text for t in takes]))
    parsed = [
        nlp.parsed_doc(doc, id=t.id, outlet=t.outlet, published=t.published, title=t.title)
        for t, doc in zip(takes, docs, strict=True)
    ]
    results = {r.article: r for r in extract.run(parsed) if isinstance(r, ArticleExtraction)}
    story = Story(
        id="eval",
        title=takes[0].title,
        articles=[t.id for t in takes],
        outlets=[t.outlet for t in takes],
        first=None,
        last=None,
        duplicates=[],
        top_entities=[],
    )
    return analyze_story(
        story, results, {t.id: t.outlet for t in takes}, {}, set(), {t.id: t.published for t in takes}
    )


def group_of(groups: Sequence[ClaimGroup], article: str, start: int, end: int) -> ClaimGroup | None:
    """The group holding the claim that covers most of [start, end) in ``article`` (half of it at least)."""
    best, best_overlap = None, 0
    for group in groups:
        for m in group.mentions:
            if m.article != article:
                continue
            overlap = min(m.end, end) - max(m.start, start)
            if overlap > best_overlap:
                best, best_overlap = group, overlap
    return best if best is not None and best_overlap * 2 >= end - start else None


def _relation(
    groups: Sequence[ClaimGroup], a: tuple[str, int, int], b: tuple[str, int, int]
) -> tuple[str, str | None]:
    ga, gb = group_of(groups, *a), group_of(groups, *b)
    if ga is None or gb is None or ga.id != gb.id:
        return "different", None
    if ga.status == "contested" and ga.conflict is not None:
        return "conflict", ga.conflict.field
    return "same", None


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_real(neus: Path) -> dict[str, float] | None:
    path = CLAIMS / "real_pairs.jsonl"
    if not path.exists():
        print(f"claims: {path} missing; skipping the real-pair evaluation")
        return None
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    lines = (neus / "train.source").read_text("utf-8").split("\n")
    by_story: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        by_story.setdefault(int(row["source"]["line"]), []).append(row)
    counts: Counter[str] = Counter()
    misses: list[str] = []
    for line_no, pairs in sorted(by_story.items()):
        texts = [text for _, text in split_neus_line(lines[line_no - 1])]  # 1-based, as the cast set
        titles = [title for title, _ in split_neus_line(lines[line_no - 1])]
        takes = [Take(f"neus{line_no}-{i}", f"outlet {i}", titles[i], t) for i, t in enumerate(texts)]
        for pair in pairs:
            for side in ("a", "b"):
                item = pair[side]
                assert isinstance(item, dict)
                digest = hashlib.sha1(texts[item["take"]].encode("utf-8")).hexdigest()
                if digest != item["text_sha1"]:
                    raise ValueError(f"{path.name}: {pair['id']}: the NeuS text changed (SHA-1 differs)")
        groups = analyse_takes(takes).comparison
        assert groups is not None
        for pair in pairs:
            a, b = pair["a"], pair["b"]
            assert isinstance(a, dict) and isinstance(b, dict)
            got, field = _relation(
                groups.claims,
                (takes[a["take"]].id, a["start"], a["end"]),
                (takes[b["take"]].id, b["start"], b["end"]),
            )
            gold = str(pair["label"])
            counts[f"{gold}->{got}"] += 1
            if (gold != "different") != (got != "different") or (gold == "conflict") != (got == "conflict"):
                misses.append(
                    f"  {pair['id']}: gold {gold}{'/' + str(pair['field']) if pair['field'] else ''}, got {got}{'/' + field if field else ''}"
                )
    same_gold = {"same", "conflict"}
    tp = sum(
        n for k, n in counts.items() if k.split("->")[0] in same_gold and k.split("->")[1] != "different"
    )
    fp = sum(
        n for k, n in counts.items() if k.split("->")[0] == "different" and k.split("->")[1] != "different"
    )
    fn = sum(
        n for k, n in counts.items() if k.split("->")[0] in same_gold and k.split("->")[1] == "different"
    )
    align = _prf(tp, fp, fn)
    ctp = counts["conflict->conflict"]
    cfp = sum(n for k, n in counts.items() if k.endswith("->conflict") and not k.startswith("conflict"))
    cfn = sum(n for k, n in counts.items() if k.startswith("conflict->") and not k.endswith("conflict"))
    conflict = _prf(ctp, cfp, cfn)
    print(f"real pairs: {len(rows)} from {len(by_story)} NeuS stories")
    print(f"{'measure':<34}{'P':>8}{'R':>8}{'F1':>8}")
    print(f"{'alignment (same fact)':<34}{align[0]:>8.3f}{align[1]:>8.3f}{align[2]:>8.3f}")
    print(f"{'conflict (contested)':<34}{conflict[0]:>8.3f}{conflict[1]:>8.3f}{conflict[2]:>8.3f}")
    print("gold -> predicted: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    if misses:
        print(f"misses ({len(misses)}, first 12):")
        print("\n".join(misses[:12]))
    return {
        "align_precision": align[0],
        "align_recall": align[1],
        "align_f1": align[2],
        "conflict_precision": conflict[0],
        "conflict_recall": conflict[1],
    }


def written_outcomes() -> list[tuple[dict[str, object], str, str | None]]:
    """(pair, predicted expect, predicted field) for every written pair, each pair its own two-article story."""
    rows = [
        json.loads(line)
        for line in (CLAIMS / "written_pairs.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    out = []
    for row in rows:
        takes = [
            Take(
                f"{row['id']}-{side}",
                str(row[f"outlet_{side}"]),
                f"{row['id']} {side}",
                str(row[side]),
                str(row["published"]),
            )
            for side in ("a", "b")
        ]
        comparison = analyse_takes(takes).comparison
        assert comparison is not None
        firsts = [_first_claim(comparison.claims, t.id) for t in takes]
        if firsts[0] is None or firsts[1] is None:
            got, field = "different", None  # a side without a claim cannot align
        else:
            got, field = _relation(comparison.claims, firsts[0], firsts[1])
        predicted = {"same": "align", "conflict": "contested", "different": "separate"}[got]
        out.append((row, predicted, field))
    return out


def _first_claim(groups: Sequence[ClaimGroup], article: str) -> tuple[str, int, int] | None:
    """The article's first claim (the passages put the compared claim first)."""
    spans = [(m.start, m.end) for g in groups for m in g.mentions if m.article == article]
    return (article, *min(spans)) if spans else None


def run_written() -> dict[str, float]:
    outcomes = written_outcomes()
    counts: Counter[tuple[str, bool]] = Counter()
    for row, predicted, field in outcomes:
        ok = predicted == row["expect"] and (row["expect"] != "contested" or field == row["field"])
        key = str(row["expect"]) + (f"/{row['field']}" if row["field"] else "")
        counts[(key, ok)] += 1
    print(f"written pairs: {len(outcomes)}")
    print(f"{'expected':<22}{'right':>8}{'of':>6}")
    for key in sorted({k for k, _ in counts}):
        right, total = counts[(key, True)], counts[(key, True)] + counts[(key, False)]
        print(f"{key:<22}{right:>8}{total:>6}")
    return {k[0]: counts[(k[0], True)] / (counts[(k[0], True)] + counts[(k[0], False)]) for k in counts}


def run() -> dict[str, object]:
    print("== claims: alignment across outlets")
    out: dict[str, object] = {"written": run_written()}
    base = shared_data_dir()
    if base is None:
        print("claims: ../shared/data not found; skipping the real-pair evaluation")
        return out
    out["real"] = run_real(base / "neus")
    return out


if __name__ == "__main__":
    run()
