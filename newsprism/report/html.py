"""Single-file HTML report. Article text is untrusted: Jinja2 autoescaping renders it inert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from newsprism.records import Document, to_builtins

View = dict[str, Any]  # the template's view model: plain values, built from the records just before rendering

_env = Environment(
    loader=PackageLoader("newsprism.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _paragraph_segments(article: View) -> list[View]:
    """The cleaned text as paragraphs (with entity highlights), removed blocks placed where they stood."""
    text = article["text"]
    removed = sorted(article["removed"], key=lambda r: (r.get("at", 0), r["start"]))
    entities = sorted(article["entities"], key=lambda e: e["start"])
    items: list[View] = []
    pos = 0
    r_i = 0
    for para in text.split("\n\n"):
        start = text.index(para, pos) if para else pos
        end = start + len(para)
        while r_i < len(removed) and removed[r_i].get("at", 0) <= start:
            items.append({"kind": "removed", "reason": removed[r_i]["reason"], "text": removed[r_i]["text"]})
            r_i += 1
        pieces: list[View] = []
        cursor = start
        for ent in entities:
            if ent["start"] < cursor or ent["end"] > end:
                continue
            if ent["start"] > cursor:
                pieces.append({"text": text[cursor : ent["start"]]})
            pieces.append({"text": text[ent["start"] : ent["end"]], "label": ent["label"]})
            cursor = ent["end"]
        if cursor < end:
            pieces.append({"text": text[cursor:end]})
        items.append({"kind": "body", "pieces": pieces})
        pos = end
    for rest in removed[r_i:]:
        items.append({"kind": "removed", "reason": rest["reason"], "text": rest["text"]})
    return items


def _labels_by_outlet(entity: View) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for label in entity.get("labels", []):
        texts = grouped.setdefault(label.get("outlet") or "unknown outlet", [])
        if label["text"] not in texts:
            texts.append(label["text"])
    return sorted(grouped.items())


CLAIMS_SHOWN = 40
COVERAGE_SHOWN = 30


def _claims_view(story: View) -> View:
    """The claims a reader looks at first: disputed and corroborated ones, then single-source ones; the
    coverage rows of facts two or more outlets report (where an omission shows)."""
    claims = story.get("claims") or []
    ranked = sorted(
        claims,
        key=lambda g: (g["status"] != "contested", g["status"] != "corroborated", -g.get("sources", 1)),
    )
    text_of = {g["id"]: g["text"] for g in claims}
    coverage = story.get("coverage") or {"outlets": [], "rows": []}
    rows = [
        {**row, "text": text_of.get(row["claim"], row["claim"])}
        for row in coverage["rows"]
        if sum(1 for c in row["cells"].values() if c != "absent") >= 2
    ]
    return {
        "claims_shown": ranked[:CLAIMS_SHOWN],
        "coverage": coverage,
        "coverage_rows": rows[:COVERAGE_SHOWN],
    }


def render_html(record: Document) -> str:
    document: View = to_builtins(record)
    articles = [{**a, "items": _paragraph_segments(a)} for a in document["articles"]]
    by_id = {a["id"]: a for a in document["articles"]}
    stories = []
    for story in document.get("stories", []):
        cast = [
            {**e, "label_groups": _labels_by_outlet(e), "n_mentions": len(e.get("mentions", []))}
            for e in story.get("entities", [])
        ]
        cast.sort(key=lambda e: (-e["n_mentions"], e["name"]))
        stories.append({**story, "cast": cast[:40], **_claims_view(story)})
    return _env.get_template("report.html.j2").render(
        document=document, articles=articles, stories=stories, by_id=by_id
    )


def write_html(document: Document, path: str | Path) -> None:
    Path(path).write_text(render_html(document), encoding="utf-8")
