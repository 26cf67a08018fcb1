"""Evaluation of the cast on real multi-outlet news: the annotated NeuS stories in ``tests/data/cast/``.

Each gold file names one NeuS train story (three outlets' excerpts on one headline) by its line in
``shared/data/neus/train.source`` and annotates every take's text (offsets into the text as
``newsprism.evaluation.neus.split_neus_line`` returns it; the text itself is read from the shared data, never
copied into the repository). Each story's three articles are resolved together, as ``analyze`` resolves a
story's cast, and scored with the measures of ``entities_eval``:

* mentions (exact span) P/R/F1 and type accuracy;
* B-cubed within stories: gold and predicted clusters are keyed per story, so an actor is scored across the
  outlets of its story (cross-story identity is not scored here);
* **conflated entities**: predicted entities whose matched mentions belong to two or more gold persons, as a
  share of predicted entities holding any matched person mention (the target is at most 1%);
* labels P/R/F1 as in ``entities_eval``.

See ``tests/data/cast/README.md`` for how the set was made.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsprism.evaluation import TEST_DATA, shared_data_dir
from newsprism.evaluation.entities_eval import print_scores, score
from newsprism.evaluation.neus import split_neus_line

if TYPE_CHECKING:
    from newsprism.records import Entity

GOLD_DIR = TEST_DATA / "cast"


def load_gold(folder: Path, neus: Path) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """Per story, the gold articles in the shape ``entities_eval.score`` reads (ids and entity keys made
    unique per story), with each take's text from the shared data; notes on files that could not be used."""
    lines: dict[str, list[str]] = {}
    stories: list[list[dict[str, Any]]] = []
    notes: list[str] = []
    for path in sorted(folder.glob("*.json")):
        gold = json.loads(path.read_text("utf-8"))
        source = gold["source"]
        if source["file"] not in lines:
            lines[source["file"]] = (neus / source["file"]).read_text("utf-8").split("\n")
        takes = split_neus_line(lines[source["file"]][source["line"] - 1])
        story = gold["story"]
        articles = []
        for art in gold["articles"]:
            title, text = takes[art["take"]]
            if hashlib.sha1(text.encode()).hexdigest() != art["text_sha1"]:
                notes.append(f"{path.name}: take {art['take']} differs from the annotated text; skipped")
                continue
            articles.append(
                {
                    "id": f"{story}-{art['take']}",
                    "outlet": f"outlet-{art['take']}",
                    "title": title,
                    "text": text,
                    "entities": {f"{story}/{k}": v for k, v in gold["entities"].items()},
                    "mentions": [{**m, "entity": f"{story}/{m['entity']}"} for m in art["mentions"]],
                    "labels": {f"{story}/{k}": v for k, v in art.get("labels", {}).items()},
                }
            )
        if articles:
            stories.append(articles)
    return stories, notes


def conflated(gold: list[dict[str, Any]], entities: list[Entity]) -> tuple[int, int, list[str]]:
    """(predicted entities holding mentions of 2+ gold persons, predicted entities holding any gold person
    mention, a description of each conflation)."""
    person_of: dict[tuple[str, int, int], str] = {}
    for g in gold:
        for m in g["mentions"]:
            if g["entities"][m["entity"]]["type"] == "PERSON":
                person_of[(g["id"], m["start"], m["end"])] = m["entity"]
    bad = holding = 0
    errors: list[str] = []
    for entity in entities:
        people = {p for m in entity.mentions if (p := person_of.get((m.article, m.start, m.end)))}
        if people:
            holding += 1
        if len(people) > 1:
            bad += 1
            errors.append(f"conflated {entity.name!r}: {sorted(people)}")
    return bad, holding, errors


def run(show_errors: bool = False) -> dict[str, Any]:
    from newsprism import nlp
    from newsprism.entities import resolve_entities

    shared = shared_data_dir()
    neus = shared / "neus" if shared else None
    if neus is None or not (neus / "train.source").is_file():
        print("cast: ../shared/data/neus not found (set NEWSPRISM_SHARED_DATA); skipping the NeuS cast set")
        return {}
    stories, notes = load_gold(GOLD_DIR, neus)
    for note in notes:
        print("cast:", note)
    if not stories:
        print(f"cast: no usable gold files in {GOLD_DIR}")
        return {}
    flat = [a for story in stories for a in story]
    docs = iter(nlp.parse(a["text"] for a in flat))
    entities: list[Entity] = []
    for story in stories:
        articles = [nlp.parsed_doc(next(docs), a["id"], outlet=a["outlet"], title=a["title"]) for a in story]
        for entity in resolve_entities(articles):
            entity.id = f"{story[0]['id']}/{entity.id}"  # within-story clusters
            entities.append(entity)
    result = score(flat, entities)
    bad, holding, errors = conflated(flat, entities)
    result["conflated"] = {"entities": bad, "of": holding, "share": bad / holding if holding else 0.0}
    print(
        f"\ncast on {len(stories)} NeuS stories, {result['articles']} articles by three outlets each "
        f"({result['gold_mentions']} gold mentions, {result['gold_entities']} gold entities; "
        f"{result['predicted_entities']} predicted)"
    )
    print_scores(result, "within-story B-cubed")
    print(f"{'conflated person entities':<28}{bad:>8d} of {holding} ({result['conflated']['share']:.1%})")
    if show_errors:
        print("\n".join(errors + result["label_errors"]))
    return result


if __name__ == "__main__":
    run(show_errors=True)
