"""Timeline evaluation.

1. ``shared/data/giveme5w1h/gold_standard`` (96 articles, read in place, never copied): temporal-expression
   normalisation against the human ``when`` annotations (their ``parsed`` dates), anchored on ``date_publish``.
   An annotation counts as detected when one of our expressions overlaps its text, and as exact when that
   expression's value equals the annotated date. Note that annotators often wrote the date of the *event* for
   a phrase ("Wednesday" annotated with a Saturday), so a perfect resolver cannot reach 1.0.
2. Same corpus: who/what/where of each article's main event (the first event mention in the lead's first
   three sentences that names a participant and has a time, else names a participant) against the 5W1H annotations, as token-overlap F1 with the best-matching annotated phrase, plus the
   main event's date against the annotated ``when``.
3. ``tests/data/timeline/merge_gold.json`` (written for this project): event-merge precision/recall over pairs
   of gold mentions (all pairs and cross-outlet pairs), mention recall, and event date accuracy.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from itertools import combinations
from typing import TYPE_CHECKING, Any

from newsprism.evaluation import TEST_DATA, prf, shared_data_dir
from newsprism.timeline import parse_published

if TYPE_CHECKING:
    from newsprism.nlp import ParsedArticle
    from newsprism.records import Event, EventMention

MERGE_DATA = TEST_DATA / "timeline"
_STOP = {"the", "a", "an", "of", "in", "on", "at", "to", "and", "'s", "s", "by", "for", "with"}


def _tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-z0-9]+", (text or "").lower()) if t not in _STOP]


def _overlap_f1(pred: str, gold: str) -> float:
    p, g = Counter(_tokens(pred)), Counter(_tokens(gold))
    common = sum((p & g).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def _load_gold_articles() -> list[dict[str, Any]] | None:
    root = shared_data_dir()
    if root is None or not (root / "giveme5w1h" / "gold_standard").is_dir():
        return None
    out = []
    for path in sorted((root / "giveme5w1h" / "gold_standard").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        parts = [data.get("title") or "", data.get("description") or "", data.get("text") or ""]
        data["_text"] = "\n\n".join(p.strip() for p in parts if p and p.strip())
        published = parse_published(data.get("date_publish"))  # some files say "None"
        data["_published"] = published.isoformat() if published else None
        out.append(data)
    return out


def _article(data: dict[str, Any], doc: Any) -> ParsedArticle:
    from newsprism import nlp

    return nlp.parsed_doc(doc, data["dId"], published=data["_published"])


def evaluate_giveme5w1h(verbose: bool = False) -> dict[str, Any] | None:
    from newsprism import nlp, timeline

    articles = _load_gold_articles()
    if articles is None:
        return None
    docs = list(nlp.parse([a["_text"] for a in articles]))
    counts: Counter[str] = Counter()
    w5: dict[str, list[float]] = {"who": [], "what": [], "where": []}
    main_when: Counter[str] = Counter()
    for data, doc in zip(articles, docs, strict=True):
        pub = data["_published"]
        expressions = timeline.find_temporal_expressions(doc, pub)
        lowered = data["_text"].lower()
        for ann in data["fiveWoneH"]["when"]["annotated"]:
            gold_text, parsed = (ann.get("text") or "").strip(), ann.get("parsed")
            if not gold_text or not parsed or pub is None:
                counts["when_skipped"] += 1
                continue
            counts["when_gold"] += 1
            consistent = _gold_consistent(gold_text, parsed)
            counts["when_consistent"] += consistent
            spans = [
                (m.start(), m.start() + len(gold_text))
                for m in re.finditer(re.escape(gold_text.lower()), lowered)
            ]
            hits = [
                e for e in expressions if any(e["start"] < end and e["end"] > start for start, end in spans)
            ]
            if not hits:
                if verbose:
                    print(f"  missed   {gold_text!r} ({parsed})")
                continue
            counts["when_detected"] += 1
            if any(e["value"] == parsed for e in hits):
                counts["when_exact"] += 1
                counts["when_exact_consistent"] += consistent
            elif verbose:
                print(
                    f"  wrong    {gold_text!r}: gold {parsed}, ours {[e['value'] for e in hits]} (pub {pub})"
                )
            if any(e["range"] and e["range"][0] <= parsed <= e["range"][1] for e in hits):
                counts["when_in_range"] += 1
        lead_end = list(doc.sents)[min(2, len(list(doc.sents)) - 1)].end_char if len(doc) else 0
        mentions = timeline.extract_event_mentions(_article(data, doc))
        main = _main_event([m for m in mentions if m.start < lead_end] or mentions)
        five = data["fiveWoneH"]
        for slot in ("who", "what", "where"):
            golds = [a.get("text") for a in five[slot]["annotated"] if a.get("text")]
            if not golds:
                continue
            pred = _slot_text(main, slot, doc) if main else ""
            w5[slot].append(max(_overlap_f1(pred, g) for g in golds))
        parsed_dates = {a.get("parsed") for a in five["when"]["annotated"] if a.get("parsed")}
        if parsed_dates and pub:
            main_when["gold"] += 1
            # the main event's own time, else the lead's first resolved time (5W1H "when" of the story)
            lead_times = [e for e in expressions if e["start"] < lead_end and e["value"]]
            value = (main.time.value if main is not None and main.time is not None else None) or (
                lead_times[0]["value"] if lead_times else None
            )
            main_when["exact"] += int(bool(value) and value in parsed_dates)
    return {
        "articles": len(articles),
        "when": dict(counts),
        "when_accuracy": counts["when_exact"] / max(1, counts["when_gold"]),
        "when_accuracy_detected": counts["when_exact"] / max(1, counts["when_detected"]),
        "when_detection": counts["when_detected"] / max(1, counts["when_gold"]),
        "when_in_range": counts["when_in_range"] / max(1, counts["when_gold"]),
        "when_accuracy_consistent": counts["when_exact_consistent"] / max(1, counts["when_consistent"]),
        "five_w": {
            slot: {
                "mean_f1": sum(v) / max(1, len(v)),
                "hit": sum(1 for x in v if x > 0) / max(1, len(v)),
                "n": len(v),
            }
            for slot, v in w5.items()
        },
        "main_event_when": main_when["exact"] / max(1, main_when["gold"]),
        "main_event_when_n": main_when["gold"],
    }


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _gold_consistent(text: str, parsed: str) -> bool:
    """False when the annotation contradicts its own text: a weekday that is not the parsed date's weekday,
    or a bare year annotated with a day. Those annotations give the event's date, not the phrase's value."""
    words = text.lower()
    try:
        day = parse_published(parsed)
    except ValueError:
        return False
    if day is None:
        return False
    named = [i for i, w in enumerate(_WEEKDAYS) if w in words]
    if named and day.weekday() not in named:
        return False
    return not re.fullmatch(r"\s*(?:in\s+)?\d{4}\s*", text)


def _main_event(mentions: list[EventMention]) -> EventMention | None:
    """The lead's event: the first mention that names a participant and carries a time, else the first with a
    participant, else the first at all (news puts the main event first)."""
    tests: tuple[Callable[[EventMention], bool], ...] = (
        lambda m: bool(m.participants and m.time),
        lambda m: bool(m.participants),
        lambda m: True,
    )
    for test in tests:
        found = [m for m in mentions if test(m)]
        if found:
            return min(found, key=lambda m: m.trigger.start)
    return None


def _slot_text(mention: EventMention, slot: str, doc: Any) -> str:
    if slot == "who":
        return mention.subject or " ".join(mention.names.values())
    if slot == "what":  # the predicate and what follows it in its clause, up to twelve tokens
        trigger = doc.char_span(mention.trigger.start, mention.trigger.end, alignment_mode="expand")
        if trigger is None:
            return mention.trigger.text
        head = trigger.root
        after = [t for t in head.subtree if t.i >= head.i and t.dep_ not in ("punct",)][:12]
        return " ".join(t.text for t in after)
    if mention.where:
        return " ".join(mention.where)
    sent = doc.char_span(mention.start, mention.end, alignment_mode="expand")
    places = [e.text for e in (sent.ents if sent is not None else []) if e.label_ in ("GPE", "LOC", "FAC")]
    return places[0] if places else ""


def evaluate_merging(verbose: bool = False) -> dict[str, Any]:
    from newsprism import timeline
    from newsprism.api import process_text

    gold = json.loads((MERGE_DATA / "merge_gold.json").read_text(encoding="utf-8"))
    articles, id_of = [], {}
    for spec in gold["articles"]:
        text = (MERGE_DATA / spec["file"]).read_text(encoding="utf-8")
        article = process_text(text, source=spec["file"], published=spec["published"], outlet=spec["outlet"])
        articles.append(article)
        id_of[spec["file"]] = article.id
    by_id = {a.id: a for a in articles}
    events = timeline.build_timeline(articles)
    trigger_to_event = {(m.article, m.trigger[0]): e for e in events for m in e.mentions}

    found: dict[tuple[str, str, int], Event] = {}  # gold mention -> system event
    gold_mentions: list[tuple[str, str, int]] = []
    gold_event_of: dict[tuple[str, str, int], str] = {}
    date_ok = 0
    for event in gold["events"]:
        system_dates = []
        for m in event["mentions"]:
            article_id = id_of[m["file"]]
            text = by_id[article_id].text
            starts = [x.start() for x in re.finditer(re.escape(m["trigger"]), text)]
            start = starts[m.get("occurrence", 1) - 1]
            key = (m["file"], m["trigger"], start)
            gold_mentions.append(key)
            gold_event_of[key] = event["id"]
            hit = next(
                (
                    ev
                    for (aid, s), ev in trigger_to_event.items()
                    if aid == article_id and start <= s < start + len(m["trigger"])
                ),
                None,
            )
            if hit is not None:
                found[key] = hit
                system_dates.append(hit.date)
            elif verbose:
                print(f"  mention not extracted: {m['file']}: {m['trigger']!r}")
        date_ok += int(bool(system_dates) and all(d == event["date"] for d in system_dates))
    scores = {}
    for name, cross_only in (("pairs (all)", False), ("pairs (cross-outlet)", True)):
        tp = fp = fn = 0
        for a, b in combinations(gold_mentions, 2):
            if cross_only and a[0] == b[0]:
                continue
            same_gold = gold_event_of[a] == gold_event_of[b]
            same_system = a in found and b in found and found[a].id == found[b].id
            tp += same_gold and same_system
            fp += (not same_gold) and same_system
            fn += same_gold and not same_system
        scores[name] = prf(tp, fp, fn)
    return {
        "gold_events": len(gold["events"]),
        "gold_mentions": len(gold_mentions),
        "mention_recall": len(found) / max(1, len(gold_mentions)),
        "date_accuracy": date_ok / max(1, len(gold["events"])),
        "scores": scores,
    }


def run(verbose: bool = False) -> dict[str, Any]:
    print("== Timeline: temporal normalisation and main event vs giveme5w1h gold_standard")
    five = evaluate_giveme5w1h(verbose=verbose)
    if five is None:
        print("skipped: ../shared/data/giveme5w1h/gold_standard not found (set NEWSPRISM_SHARED_DATA)")
    else:
        w = five["when"]
        print(
            f"{five['articles']} articles; {w.get('when_gold', 0)} `when` annotations with text and parsed date "
            f"({w.get('when_skipped', 0)} without text, parsed date or publication date skipped)"
        )
        print(
            f"{'when (exact value)':34} accuracy {five['when_accuracy']:.3f}   "
            f"detected {five['when_detection']:.3f}   exact|detected {five['when_accuracy_detected']:.3f}   "
            f"gold date in our range {five['when_in_range']:.3f}"
        )
        print(
            f"{'when, self-consistent gold only':34} accuracy {five['when_accuracy_consistent']:.3f} "
            f"(n={w.get('when_consistent', 0)}; excludes annotations whose date contradicts their own text)"
        )
        print(
            f"{'main event date (exact)':34} accuracy {five['main_event_when']:.3f} "
            f"(n={five['main_event_when_n']})"
        )
        print(f"{'main event slot':34} {'token F1':>9} {'any overlap':>12} {'n':>4}")
        for slot, s in five["five_w"].items():
            print(f"{slot:34} {s['mean_f1']:9.3f} {s['hit']:12.3f} {s['n']:4d}")
    print()
    print("== Timeline: event merging on tests/data/timeline/merge_gold.json")
    merge = evaluate_merging(verbose=verbose)
    print(
        f"{merge['gold_events']} gold events, {merge['gold_mentions']} mentions; mention recall "
        f"{merge['mention_recall']:.3f}; event date accuracy {merge['date_accuracy']:.3f}"
    )
    print(f"{'':34} {'P':>6} {'R':>6} {'F1':>6}")
    for name, (p, r, f) in merge["scores"].items():
        print(f"{name:34} {p:6.3f} {r:6.3f} {f:6.3f}")
    print()
    return {"giveme5w1h": five, "merge": merge}


if __name__ == "__main__":
    run(verbose="-v" in sys.argv)
