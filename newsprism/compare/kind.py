"""What kind of article this is: ``news`` (events in the reporter's neutral voice), ``analysis`` (explains and
interprets: why it matters, what could come next) or ``opinion`` (argues the writer's own view), with the
evidence a reader can check.

Every cue is counted outside quotations, since news quotes people who say "I" and "should": first person,
direct address, obligation modals, rhetorical questions and loaded words in the writer's own voice point to
opinion; hedged forecasting and explainer headlines to analysis; datelines, wire tags and dense attribution
to news. Labels ("Opinion:", "News Analysis", "Explainer") decide when they head the article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsprism.records import LoadedTerm, Quote

if TYPE_CHECKING:
    from newsprism.compare.claims import Spans
    from newsprism.nlp import ParsedArticle

OPINION_LABEL = re.compile(
    r"^\s*(?:opinion|op-ed|commentary|editorial|column|letters?(?: to the editor)?|viewpoint|perspective)\b\s*[:|.\-–—]",
    re.IGNORECASE,
)
ANALYSIS_LABEL = re.compile(
    r"^\s*(?:news analysis|analysis|explainer|the upshot|fact check|factbox|q&a)\b\s*[:|.\-–—]|, explained\b|"
    r"^\s*(?:what to know|here['’]s why|what['’]s next|what we know)\b",
    re.IGNORECASE,
)
ANALYSIS_TITLE = re.compile(r"^\s*(?:why|how|what|where|will|can|could|is|are|does)\b", re.IGNORECASE)
OPINION_TITLE = re.compile(
    r"\b(?:the case (?:for|against)|is right|was right|is wrong|was wrong|doesn['’]t get|stop|enough)\b",
    re.IGNORECASE,
)
WIRE_TAG = re.compile(r"^[A-Z][A-Z.,' -]{2,40}(?:\([A-Za-z. ]{2,30}\))?\s*[-–—]{1,2}\s", re.MULTILINE)
FIRST_SINGULAR = frozenset({"i", "me", "my", "mine", "myself"})
FIRST_PLURAL = frozenset({"we", "us", "our", "ours", "ourselves"})
SECOND_PERSON = frozenset({"you", "your", "yours", "yourself"})
OBLIGATION = frozenset({"should", "must", "ought"})
HEDGES = frozenset(
    {"could", "may", "might", "would", "likely", "unlikely", "possibly", "perhaps", "probably"}
)

# Thresholds set on the labelled set (tests/data/kinds, 126 real articles; the cue weights were fixed before):
OPINION_AT = 1.5
ANALYSIS_AT = 0.5
# News reports what people said: an article that attributes less than this per 100 words and quotes little
# interprets rather than reports.
REPORTING_AT = 1.0
QUOTED_AT = 0.15


@dataclass(frozen=True)
class KindCues:
    """Rates per 100 words outside quotations (questions per sentence), and the labels found."""

    words: int
    first_singular: float
    first_plural: float
    second_person: float
    obligation: float
    questions: float
    loaded: float
    hedges: float
    attributions: float
    quoted_share: float
    dateline: bool
    opinion_label: str | None
    analysis_label: str | None
    opinion_title: bool
    analysis_title: bool

    def opinion_score(self) -> float:
        score = (
            1.5 * self.first_singular
            + 0.8 * self.first_plural
            + 1.0 * self.second_person
            + 2.0 * self.obligation
            + 6.0 * self.questions
            + 1.0 * self.loaded
            + (1.0 if self.opinion_title else 0.0)
            - (2.0 if self.dateline else 0.0)
            - 0.8 * self.attributions
            - 2.0 * max(0.0, self.quoted_share - 0.2)
        )
        return score + (10.0 if self.opinion_label else 0.0)

    def analysis_score(self) -> float:
        score = (
            1.0 * self.hedges
            + 0.4 * self.loaded
            + (1.2 if self.analysis_title else 0.0)
            - (1.5 if self.dateline else 0.0)
            - 0.4 * self.attributions
        )
        return score + (10.0 if self.analysis_label else 0.0)


def kind_cues(
    item: ParsedArticle, quoted: Spans, quotes: Sequence[Quote], terms: Sequence[LoadedTerm]
) -> KindCues:
    own = [t for t in item.doc if not quoted.covers(t.idx)]
    own_words = [t for t in own if t.is_alpha]
    per100 = 100.0 / max(1, len(own_words))

    def rate(words: frozenset[str]) -> float:
        return round(sum(1 for t in own_words if t.lower_ in words) * per100, 2)

    def pronouns(words: frozenset[str]) -> float:
        # "US" the country is not "us"; "I" in "World War I" is not the writer
        found = [t for t in own_words if t.lower_ in words and t.tag_ in ("PRP", "PRP$") and t.text != "US"]
        return round(len(found) * per100, 2)

    sentences = list(item.doc.sents)
    questions = sum(
        1 for s in sentences if s.text.rstrip().endswith("?") and not quoted.covers(s.end_char - 1)
    )
    obligation = sum(1 for t in own_words if t.lower_ in OBLIGATION and t.tag_ == "MD")
    obligation += sum(
        1
        for t in own_words
        if t.lemma_ == "need" and t.i + 1 < len(item.doc) and item.doc[t.i + 1].lower_ == "to"
    )
    title = item.article.title or ""
    first_line = item.text.lstrip().split("\n", 1)[0][:200]
    heads = [title, first_line]
    opinion_label = next((m.group(0).strip() for h in heads if (m := OPINION_LABEL.search(h))), None)
    analysis_label = next((m.group(0).strip() for h in heads if (m := ANALYSIS_LABEL.search(h))), None)
    quoted_chars = sum(e - s for s, e in zip(quoted.starts, quoted.ends, strict=True))
    return KindCues(
        words=len([t for t in item.doc if t.is_alpha]),
        first_singular=pronouns(FIRST_SINGULAR),
        first_plural=pronouns(FIRST_PLURAL),
        second_person=pronouns(SECOND_PERSON),
        obligation=round(obligation * per100, 2),
        questions=round(questions / max(1, len(sentences)), 3),
        loaded=round(sum(1 for t in terms if not t.in_quote) * per100, 2),
        hedges=rate(HEDGES),
        attributions=round(len([q for q in quotes if q.speaker is not None]) * per100, 2),
        quoted_share=round(quoted_chars / max(1, len(item.text)), 3),
        dateline=bool(item.article.dateline) or bool(WIRE_TAG.match(item.text.lstrip()[:120])),
        opinion_label=opinion_label,
        analysis_label=analysis_label,
        opinion_title=bool(OPINION_TITLE.search(title)),
        analysis_title=bool(ANALYSIS_TITLE.search(title)),
    )


def classify_kind(cues: KindCues) -> tuple[str, list[str]]:
    """(kind, evidence): the evidence lists the cues that decided, in words a reader can check."""
    opinion, analysis = cues.opinion_score(), cues.analysis_score()
    evidence = _evidence(cues)
    if cues.opinion_label or (opinion >= OPINION_AT and opinion >= analysis):
        kind = "opinion"
    elif cues.analysis_label or analysis >= ANALYSIS_AT:
        kind = "analysis"
    elif cues.attributions < REPORTING_AT and cues.quoted_share < QUOTED_AT and not cues.dateline:
        kind = "analysis"
        evidence.append("little attribution and quotation: interprets rather than reports")
    else:
        kind = "news"
    evidence.append(
        f"scores: opinion {opinion:.1f} (at {OPINION_AT}), analysis {analysis:.1f} (at {ANALYSIS_AT})"
    )
    return kind, evidence


def _evidence(c: KindCues) -> list[str]:
    out = []
    if c.opinion_label:
        out.append(f"label {c.opinion_label!r}")
    if c.analysis_label:
        out.append(f"label {c.analysis_label!r}")
    if c.dateline:
        out.append("dateline or wire tag")
    for name, value in (
        ("first person singular", c.first_singular),
        ("first person plural", c.first_plural),
        ("second person", c.second_person),
        ("obligation modals (should, must, need to)", c.obligation),
        ("loaded terms in the writer's voice", c.loaded),
        ("hedges (could, may, likely)", c.hedges),
        ("attributed statements", c.attributions),
    ):
        if value:
            out.append(f"{name}: {value:g} per 100 words outside quotes")
    if c.questions:
        out.append(f"questions in the writer's voice: {c.questions:.0%} of sentences")
    out.append(f"quotations: {c.quoted_share:.0%} of the text")
    if c.opinion_title:
        out.append("headline argues a position")
    if c.analysis_title:
        out.append("headline asks or explains (why/how/what)")
    return out
