"""Evaluation of ``newsprism.entities`` on the annotated set in ``tests/data/entities/`` (see its README).

Scores printed and returned by :func:`run`:

* **mentions**: exact character-span match of predicted mentions against gold mentions (P/R/F1), plus the
  share of matched mentions whose entity type is right.
* **B-cubed** (cross-document): over the gold mentions that the system also found (exact span), each
  mention's predicted entity is compared with its gold entity across all articles (Bagga & Baldwin 1998).
  Missed and spurious mentions are scored by the mention line, not here.
* **labels**: each predicted entity maps to the gold entity most of its matched mentions belong to; per article,
  its labels are matched one-to-one to that gold entity's labels (case-insensitive; one text containing the
  other and at least half its length). Labels of entities that map to no gold entity are not scored.

The public corpora under ``shared_data_dir()`` have no entity-coreference annotation; when present, the
Giveme5W1H gold "who" answers give a recall check of person and organisation mentions on real news text.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsprism.evaluation import REPO_ROOT, TEST_DATA, prf, shared_data_dir

if TYPE_CHECKING:
    from newsprism.nlp import ParsedArticle
    from newsprism.records import Entity

GOLD_DIR = TEST_DATA / "entities"


def load_gold(folder: Path = GOLD_DIR) -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]


def gold_articles(gold: list[dict[str, Any]]) -> tuple[list[ParsedArticle], list[str]]:
    """Article dicts for the gold texts: bundled samples go through the real pipeline (so captions and headlines
    the cleaner removed are there too); written passages are parsed as they are."""
    from newsprism import nlp
    from newsprism.api import process_paths

    notes: list[str] = []
    articles: dict[str, ParsedArticle] = {}
    sources = [g for g in gold if g.get("source")]
    if sources:
        processed = process_paths([REPO_ROOT / g["source"] for g in sources])
        for g, article in zip(sources, processed, strict=True):
            if article.article.text != g["text"]:
                notes.append(
                    f"{g['id']}: cleaned text differs from the gold text; parsed the gold text instead"
                )
                continue
            articles[g["id"]] = nlp.ParsedArticle(
                dataclasses.replace(article.article, id=g["id"]), article.doc
            )
    plain = [g for g in gold if g["id"] not in articles]
    for g, doc in zip(plain, nlp.parse(g["text"] for g in plain), strict=True):
        articles[g["id"]] = nlp.parsed_doc(doc, g["id"], outlet=g["outlet"], published=g.get("published"))
    return [articles[g["id"]] for g in gold], notes


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip().lower()


def _label_match(pred: str, gold: str) -> bool:
    p, g = _fold(pred), _fold(gold)
    if p == g:
        return True
    short, long = sorted((p, g), key=len)
    return short in long and len(short) >= 0.5 * len(long)


def b_cubed(gold_of: dict[Any, str], pred_of: dict[Any, str]) -> tuple[float, float, float]:
    """B-cubed P/R/F1 over the mentions present in both maps (mention -> cluster id)."""
    items = sorted(set(gold_of) & set(pred_of))
    if not items:
        return 0.0, 0.0, 0.0
    gold_clusters: dict[str, set[Any]] = defaultdict(set)
    pred_clusters: dict[str, set[Any]] = defaultdict(set)
    for item in items:
        gold_clusters[gold_of[item]].add(item)
        pred_clusters[pred_of[item]].add(item)
    precision = recall = 0.0
    for item in items:
        g, p = gold_clusters[gold_of[item]], pred_clusters[pred_of[item]]
        overlap = len(g & p)
        precision += overlap / len(p)
        recall += overlap / len(g)
    precision /= len(items)
    recall /= len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(gold: list[dict[str, Any]], entities: list[Entity]) -> dict[str, Any]:
    gold_of: dict[tuple[str, int, int], str] = {}
    gold_type: dict[str, str] = {}
    for g in gold:
        for key, info in g["entities"].items():
            gold_type[key] = info["type"]
        for m in g["mentions"]:
            gold_of[(g["id"], m["start"], m["end"])] = m["entity"]
    pred_of: dict[tuple[str, int, int], str] = {}
    pred_type: dict[str, str] = {}
    for entity in entities:
        pred_type[entity.id] = entity.type
        for m in entity.mentions:
            pred_of[(m.article, m.start, m.end)] = entity.id
    matched = set(gold_of) & set(pred_of)
    mention_p, mention_r, mention_f = prf(
        len(matched), len(pred_of) - len(matched), len(gold_of) - len(matched)
    )
    typed = sum(gold_type[gold_of[k]] == pred_type[pred_of[k]] for k in matched)
    bp, br, bf = b_cubed(gold_of, pred_of)
    # labels
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for k in matched:
        votes[pred_of[k]][gold_of[k]] += 1
    gold_for_pred = {pid: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for pid, c in votes.items()}
    gold_labels = {(g["id"], key): list(texts) for g in gold for key, texts in g["labels"].items()}
    pred_labels: dict[tuple[str, str], list[str]] = defaultdict(list)
    for entity in entities:
        target = gold_for_pred.get(entity.id)
        if target is None:
            continue
        for label in entity.labels:
            pred_labels[(label.article, target)].append(label.text)
    tp = fp = 0
    fn = 0
    errors: list[str] = []
    for key in sorted(set(gold_labels) | set(pred_labels)):
        remaining = list(gold_labels.get(key, []))
        for text in sorted(set(pred_labels.get(key, []))):
            hit = next((g for g in remaining if _label_match(text, g)), None)
            if hit is None:
                fp += 1
                errors.append(f"spurious {key}: {text!r}")
            else:
                tp += 1
                remaining.remove(hit)
        fn += len(remaining)
        errors.extend(f"missed   {key}: {g!r}" for g in remaining)
    label_p, label_r, label_f = prf(tp, fp, fn)
    return {
        "articles": len(gold),
        "gold_mentions": len(gold_of),
        "predicted_mentions": len(pred_of),
        "gold_entities": len(set(gold_of.values())),
        "predicted_entities": len(entities),
        "mentions": {"precision": mention_p, "recall": mention_r, "f1": mention_f},
        "type_accuracy": typed / len(matched) if matched else 0.0,
        "b_cubed": {"precision": bp, "recall": br, "f1": bf},
        "labels": {
            "precision": label_p,
            "recall": label_r,
            "f1": label_f,
            "gold": tp + fn,
            "predicted": tp + fp,
        },
        "label_errors": errors,
    }


def print_scores(result: dict[str, Any], b_cubed_name: str) -> None:
    """The P/R/F1 table of a ``score`` result (mentions, B-cubed under ``b_cubed_name``, labels) and type
    accuracy."""
    print(f"{'measure':<28}{'P':>8}{'R':>8}{'F1':>8}")
    for name, key in (("mentions (exact span)", "mentions"), (b_cubed_name, "b_cubed"), ("labels", "labels")):
        r = result[key]
        print(f"{name:<28}{r['precision']:>8.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}")
    print(f"{'type accuracy (matched)':<28}{result['type_accuracy']:>8.3f}")


def _giveme_check() -> dict[str, Any] | None:
    """Recall of gold "who" names (capitalised word sequences) among PERSON/ORG/GPE mentions, on Giveme5W1H."""
    base = shared_data_dir()
    if base is None:
        print("entities: ../shared/data not found; skipping the Giveme5W1H 'who' recall check")
        return None
    folder = base / "giveme5w1h" / "gold_standard"
    files = sorted(folder.rglob("*.json"))[:40] if folder.is_dir() else []
    if not files:
        print(f"entities: no Giveme5W1H gold files under {folder}; skipping the 'who' recall check")
        return None
    from newsprism import nlp
    from newsprism.entities import resolve_entities

    texts: list[tuple[str, str, str]] = []  # (id, outlet, text)
    names: list[set[str]] = []
    for path in files:
        data = json.loads(path.read_text("utf-8"))
        text = "\n\n".join(str(data.get(k) or "") for k in ("title", "description", "text")).strip()
        who = []
        for annotation in ((data.get("fiveWoneH") or {}).get("who") or {}).get("annotated") or []:
            answer = annotation.get("text") if isinstance(annotation, dict) else None
            who += re.findall(r"(?:[A-Z][\w.'-]+)(?:\s+(?:[A-Z][\w.'-]+|al|bin|de|van|von))*", answer or "")
        if not text or not who:
            continue
        texts.append((path.stem, data.get("publisher") or "", text))
        # a capitalised phrase counts as a name only if the text never writes it in lower case ("Several")
        names.append(
            {
                w
                for w in who
                if w in text and len(w) > 2 and not re.search(rf"\b{re.escape(w.lower())}\b", text)
            }
        )
    if not texts:
        return None
    articles = [
        nlp.parsed_doc(doc, aid, outlet=outlet)
        for (aid, outlet, _), doc in zip(texts, nlp.parse(t for _, _, t in texts), strict=True)
    ]
    entities = resolve_entities(articles)
    found = defaultdict(set)
    for entity in entities:
        for m in entity.mentions:
            found[m.article].add(m.text)
    total = hit = 0
    for article, wanted in zip(articles, names, strict=True):
        for name in wanted:
            total += 1
            hit += any(name in f or f in name for f in found[article.id])
    return {"articles": len(articles), "who_names": total, "recall": hit / total if total else 0.0}


def run(show_errors: bool = False) -> dict[str, Any]:
    from newsprism.entities import resolve_entities

    gold = load_gold()
    if not gold:
        print(f"entities: no gold files in {GOLD_DIR}; nothing to evaluate")
        return {}
    articles, notes = gold_articles(gold)
    for note in notes:
        print("entities:", note)
    result = score(gold, resolve_entities(articles))
    print(
        f"\nentities on {result['articles']} annotated articles ({result['gold_mentions']} gold mentions, "
        f"{result['gold_entities']} gold entities; {result['predicted_entities']} predicted entities)"
    )
    print_scores(result, "cross-doc B-cubed")
    if show_errors:
        print("\n".join(result["label_errors"]))
    giveme = _giveme_check()
    if giveme:
        print(
            f"{'Giveme5W1H who-name recall':<28}{'':>8}{giveme['recall']:>8.3f}"
            f"   ({giveme['who_names']} names, {giveme['articles']} articles)"
        )
        result["giveme5w1h_who_recall"] = giveme
    return result


if __name__ == "__main__":
    run(show_errors=True)
