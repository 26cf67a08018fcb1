"""End to end: the samples through every stage into the JSON contract and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsprism.cli import app

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory) -> tuple[dict, str]:
    folder = tmp_path_factory.mktemp("e2e")
    out, html = folder / "out.json", folder / "out.html"
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(ROOT / "examples"),
            "--db",
            str(folder / "e.db"),
            "--json",
            str(out),
            "--html",
            str(html),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text("utf-8")), html.read_text("utf-8")


def test_document_has_every_section_with_provenance(analyzed) -> None:
    doc, _ = analyzed
    assert doc["version"] == "1.5"
    texts = {a["id"]: a["text"] for a in doc["articles"]}
    assert len(doc["stories"]) == 1
    story = doc["stories"][0]
    assert sorted(story["articles"]) == sorted(texts)
    assert {
        "id",
        "title",
        "articles",
        "outlets",
        "first",
        "last",
        "duplicates",
        "entities",
        "quotes",
        "events",
    } <= set(story)
    for entity in doc["entities"]:
        assert {"id", "name", "type", "aliases", "mentions", "labels"} <= set(entity)
        for m in entity["mentions"]:
            assert texts[m["article"]][m["start"] : m["end"]] == m["text"]
    for quote in doc["quotes"]:
        assert {"id", "article", "start", "end", "text", "kind", "cue", "speaker"} <= set(quote)
        assert texts[quote["article"]][quote["start"] : quote["end"]] == quote["text"]
    for event in doc["events"]:
        assert {"id", "date", "precision", "date_text", "summary", "participants", "mentions"} <= set(event)
        for m in event["mentions"]:
            assert 0 <= m["start"] < m["end"] <= len(texts[m["article"]])


def test_html_report_shows_story_cast_quotes_timeline(analyzed) -> None:
    _, html = analyzed
    for heading in ("The cast", "Who said what", "Timeline", "Khalifa Haftar", "warlord", "2019-04-15"):
        assert heading in html, heading


def test_cli_views_over_the_store(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "v.db"
    assert runner.invoke(app, ["ingest", str(ROOT / "examples"), "--db", str(db), "-q"]).exit_code == 0
    result = runner.invoke(app, ["entities", "--db", str(db), "--name", "Hifter"])
    assert result.exit_code == 0 and "Haftar" in result.output
    result = runner.invoke(app, ["quotes", "--db", str(db)])
    assert result.exit_code == 0 and "Shanahan" in result.output
    result = runner.invoke(app, ["stories", "--db", str(db)])
    assert result.exit_code == 0 and "Reuters" in result.output
    assert runner.invoke(app, ["timeline", "--db", str(db), "--story", "nope"]).exit_code == 2
    # A table of the whole store is cut at --limit rows, and says how many there are.
    everything = runner.invoke(app, ["quotes", "--db", str(db), "--limit", "0"])
    one = runner.invoke(app, ["quotes", "--db", str(db), "--limit", "1"])
    assert everything.exit_code == one.exit_code == 0
    assert "shown" not in everything.output
    total = int(one.output.split("1 of ")[1].split(" quotes shown")[0])
    assert total > 1 and len(one.output) < len(everything.output)
