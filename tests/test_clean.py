"""Cleaning: the samples sentence by sentence, the annotated fixtures, and rules on unseen text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsprism.clean import clean, guess_kind, split_blocks
from newsprism.evaluation.clean_eval import evaluate_fixtures, norm
from newsprism.ingest import read_source
from newsprism.model import IngestFailure
from newsprism.pipeline import build_article

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "data" / "samples_gold"
FIXTURES = ROOT / "tests" / "data" / "clean"
SAMPLES = sorted((ROOT / "examples").glob("*.txt"))


def _sentences(paragraph: str) -> list[str]:
    # A plain splitter is enough here: each piece must appear verbatim in the cleaned text.
    return [s for s in re.split(r"(?<=[.!?”])\s+(?=[A-Z“\"])", paragraph) if s.strip()]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_keeps_every_body_sentence(path: Path) -> None:
    gold = json.loads((GOLD / f"{path.stem}.expected.json").read_text("utf-8"))["articles"][0]
    result = clean(path.read_text("utf-8"))
    cleaned = norm(result.text)
    for paragraph in gold["body"]:
        for sentence in _sentences(paragraph):
            assert norm(sentence) in cleaned, f"lost: {sentence!r}"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_removes_every_boilerplate_block(path: Path) -> None:
    gold = json.loads((GOLD / f"{path.stem}.expected.json").read_text("utf-8"))["articles"][0]
    result = clean(path.read_text("utf-8"))
    kept = [norm(p) for p in result.text.split("\n\n")]
    removed = {norm(r.text): r.reason for r in result.removed}
    for item in gold["boilerplate"]:
        text = norm(item["text"])
        assert text not in kept, f"kept boilerplate: {text!r}"
        assert removed.get(text) == item["reason"], f"{text[:60]!r}: {removed.get(text)} != {item['reason']}"


def test_every_sample_line_is_either_kept_or_removed_with_reason() -> None:
    """Nothing of the article is lost silently: each non-empty source line is in the body or in a removed span."""
    for path in SAMPLES:
        raw = path.read_text("utf-8")
        result = clean(raw)
        removed_text = " ".join(norm(r.text) for r in result.removed)
        cleaned = norm(result.text)
        for line in raw.splitlines():
            line = norm(line)
            if line:
                assert line in cleaned or line in removed_text, f"{path.name}: {line[:60]!r}"
        for span in result.removed:
            assert result.raw_text[span.start : span.end] == span.text
            assert span.reason


def test_sample_metadata() -> None:
    by_name = {p.name[:3]: clean(p.read_text("utf-8")) for p in SAMPLES}
    assert by_name["000"].outlet == "Mother Jones"
    assert by_name["002"].outlet == "The American Conservative"
    assert by_name["004"].outlet == "Reuters"
    assert by_name["004"].dateline == "West Palm Beach, Fla."
    assert by_name["000"].title == "Is Donald Trump Siding With an Alleged War Criminal in Libya?"
    assert guess_kind(by_name["002"]) == "opinion"
    assert guess_kind(by_name["004"]) == "news"


def test_fixture_scores_meet_the_bar() -> None:
    """All annotated fixtures (six+ outlet styles, feeds, WARC, JSONL): no body paragraph lost."""
    report = evaluate_fixtures()
    assert report["articles"] >= 15
    assert not report["errors"], report["errors"]
    body_p, body_r, _ = report["scores"]["body retention (blocks)"]
    _boiler_p, boiler_r, _ = report["scores"]["boilerplate removal (blocks)"]
    assert body_r == 1.0
    assert boiler_r >= 0.95
    assert body_p >= 0.9


@pytest.mark.parametrize(
    "expected_path", sorted(FIXTURES.glob("*.expected.json")), ids=lambda p: p.name.split(".")[0]
)
def test_fixture_body_kept(expected_path: Path) -> None:
    stem = expected_path.name[: -len(".expected.json")]
    source = next(
        p
        for p in sorted(FIXTURES.glob(stem + ".*"))
        if not p.name.endswith(".json") and p.suffix not in {".py", ".md"}
    )
    expected = json.loads(expected_path.read_text("utf-8"))["articles"]
    docs = [d for d in read_source(source) if not isinstance(d, IngestFailure)]
    assert len(docs) == len(expected)
    for raw, gold in zip(docs, expected, strict=True):
        article = build_article(raw)
        cleaned = norm(article.text)
        for paragraph in gold["body"]:
            assert norm(paragraph) in cleaned, f"{raw.source}: lost {paragraph[:70]!r}"


# ----------------------------------------------------------------------- rules on text they were not written from


def test_donation_appeal_without_keywords_is_removed_as_a_run() -> None:
    text = """Harbor cranes idle as dockworkers walk out

Dockworkers at the port of Valmora walked off the job on Tuesday, halting cargo operations at the country's busiest terminal.

The union said the strike would continue until the operator restored overtime rates cut in January.

Shipping agents said at least 14 vessels were waiting at anchor by Wednesday morning.

A message from our editor

Independent reporting like this story takes time and money. Please give what you can today.

For twelve years we have covered the waterfront when nobody else would. That work matters more than ever.

We can't do it without you, and we never put our journalism behind a paywall.

Make a one-time donation of any size, or become a monthly supporter.

Donate now
"""
    result = clean(text)
    assert "busiest terminal" in result.text and "14 vessels" in result.text
    for phrase in ("twelve years", "we never put", "Donate now", "monthly supporter", "Please give"):
        assert phrase not in result.text, phrase
    assert {r.reason for r in result.removed} >= {"donation"}


def test_opinion_first_person_body_survives_next_to_appeal() -> None:
    text = """We should not look away from the drought

By Ana Ferreira

I grew up on a farm where we measured the year by rain. Our wells have never been this low, and we should say so plainly.

We owe the next generation a water plan, not another commission. Lawmakers must act before the summer.

Support our journalism. Make a tax-deductible donation today.
"""
    result = clean(text)
    assert "I grew up on a farm" in result.text
    assert "We owe the next generation" in result.text
    assert "tax-deductible" not in result.text
    assert result.author == "Ana Ferreira"
    assert guess_kind(result) == "opinion"


def test_caption_credit_variants() -> None:
    text = """Storm floods river towns

Firefighters carry a resident through floodwater in Bramley on Sunday.Jane Okafor/Getty Images

(Photo by Tom Reyes/AFP via Getty Images)

Photograph: Lena Marsh/The Record

The river rose two metres overnight, officials said. Water reached the town hall steps by noon.

Hundreds of homes were evacuated as a precaution, the mayor said in a statement.
"""
    result = clean(text)
    reasons = [r.reason for r in result.removed]
    assert reasons.count("caption") == 3
    assert "river rose two metres" in result.text
    assert "Getty" not in result.text


def test_sentence_ending_with_slash_word_is_not_a_credit() -> None:
    text = """Band plays farewell show

The band closed its final tour in Sydney, where fans had queued since dawn to see AC/DC.

Promoters said the show sold out within minutes and raised money for local charities.

The singer thanked the crowd and said the band would not record again.
"""
    result = clean(text)
    assert "to see AC/DC." in result.text


def test_comment_section_removed_but_early_comment_link_is_not_a_thread() -> None:
    text = """Council approves bike lanes

12 comments

The city council voted 7-2 on Monday to build protected bike lanes on Main Street.

Construction will begin in the spring and last about four months, the transport department said.

Business owners had asked for a delay until after the holiday season.

3 Comments

Mark T. says
The lanes will kill the shops.

Reply

Leave a Reply
"""
    result = clean(text)
    assert "voted 7-2" in result.text and "holiday season" in result.text
    assert "kill the shops" not in result.text
    assert "comments" in {r.reason for r in result.removed}


def test_wrapped_lines_stay_one_paragraph_with_offsets_preserved() -> None:
    text = "Title here\n\nThe ministry said the new rules would apply from July and\ncover every importer of grain and fertiliser in the country.\n"
    blocks = split_blocks(text)
    assert len(blocks) == 2
    result = clean(text)
    assert "\n" not in result.text
    assert len(result.text) == blocks[1].end - blocks[1].start


def test_repeated_block_is_removed_once() -> None:
    quote = "“We will not close a single school this year,” the minister said."
    text = f"Schools stay open\n\nThe education minister spoke on Friday.\n\n{quote}\n\nParents welcomed the decision.\n\n{quote}\n\nThe budget vote is next week.\n"
    result = clean(text)
    assert result.text.count("single school") == 1
    assert "duplicate" in {r.reason for r in result.removed}


# ---------------------------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORDS = st.sampled_from(
    "the council said on Monday that we you our donate subscribe newsletter Reuters photo / Getty Images "
    "comments reply 2024 . , “ ” — Mr. Haftar".split()
)
_PARAGRAPH = st.lists(_WORDS, min_size=1, max_size=30).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_PARAGRAPH, min_size=1, max_size=12), st.booleans())
def test_nothing_is_lost_silently(paragraphs: list[str], line_blocks: bool) -> None:
    """Every block of any input ends up either in the body or in a removed span with a reason."""
    text = "\n\n".join(paragraphs)
    result = clean(text, line_blocks=line_blocks)
    kept = result.text
    for span in result.removed:
        assert span.reason
        assert result.raw_text[span.start : span.end] == span.text
    covered = sorted([(r.start, r.end) for r in result.removed])
    for block in split_blocks(result.raw_text, line_blocks=line_blocks):
        in_removed = any(s <= block.start and block.end <= e for s, e in covered)
        assert in_removed or block.text.replace("\n", " ") in kept


def test_merge_lines_keeps_both_orders() -> None:
    from newsprism.ingest.html import merge_lines

    assert merge_lines("a\nc\nd", "a\nb\nc\ne") == "a\nb\nc\ne\nd"
    assert merge_lines("", "x\ny") == "x\ny"
    assert merge_lines("x", "") == "x"


# ------------------------------------------------------- issue 10: a rule never empties an article (real news)


@pytest.mark.parametrize(
    "headline",
    [
        "VIDEO: Harbour pilots explain the new tide rules",  # a caption marker on the headline
        "WATCH: Ferry stalls in the channel for two hours",
        "Viaduct closure sends traffic through the old town",  # starts with "Via": not a source line
    ],
)
def test_the_body_survives_a_headline_that_looks_like_furniture(headline: str) -> None:
    body = (
        "The port authority said on Monday that the harbour pilots would follow new tide rules from June, after "
        "two ferries ran aground in the channel last winter. A spokesman for the authority confirmed the change "
        "to Reuters."
    )
    result = clean(f"{headline}\n\n{body}")
    assert result.text == body
    assert result.title == headline


def test_one_paragraph_wire_story_ending_with_the_agency_is_body() -> None:
    body = (
        "Two ferry operators will appear in court in Valmora on Thursday on safety charges. According to court "
        "filings, the operators ignored three inspection orders. A spokesman for the prosecutor confirmed the "
        "charges to Reuters."
    )
    assert clean(body, title_first_line=False).text == body
