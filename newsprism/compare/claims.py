"""Check-worthy claims of one article: the sentences that state a fact (a reported event, a number, an
attributed statement), each with what alignment compares across outlets: its speaker, resolved entities,
numbers, dates, main predicate and polarity.

Kept apart: questions, the writer's own voice (first person, "should", imperatives), captions and credits,
and fragments. A sentence inside a quotation is kept only when the quote is attributed (it is then the
speaker's statement, not the outlet's).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from newsprism.model import stable_id
from newsprism.records import Claim, ClaimDate, ClaimNumber, Entity, Quote

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from newsprism.nlp import ParsedArticle
    from newsprism.timeline import TimeExpression

MIN_WORDS = 6
MAX_WORDS = 90
MAX_CLAIMS = 30  # per article, in text order: news states its main facts first, and each costs an embedding
MAX_CHARS = 400  # of a claim's text sent to the embedder
PRONOUN_REACH = 400  # characters before a sentence where the person a "he"/"she" subject means is looked for
_PERSONAL = frozenset({"he", "she"})

NUMBER_LABELS = frozenset({"CARDINAL", "MONEY", "PERCENT", "QUANTITY"})
_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})
_OBLIGATION = frozenset({"should", "must", "ought"})
_CAPTION = re.compile(
    r"^(?:FILE PHOTO|PHOTO|Photo|Image|Video|WATCH|READ MORE|Related)\b|/(?:AP|Reuters|Getty)"
)
QUOTATION = re.compile(r"“[^”]{1,2000}”|\"[^\"\n]{1,2000}\"")

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "trillion": 10**12,
}
_SCALE_ABBREVIATIONS = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "b": 1_000_000_000}
_CURRENCIES = {
    "$": "USD",
    "us$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "usd": "USD",
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "¥": "JPY",
    "yen": "JPY",
}
# Vague counts are not values two outlets can disagree on.
_VAGUE = frozenset(
    {"dozens", "hundreds", "thousands", "millions", "billions", "several", "few", "many", "scores"}
)
_SCORE = re.compile(r"^(\d{1,3})\s*[-–—]\s*(\d{1,3})$")
_NUMERIC = re.compile(r"\d+(?:[.,]\d+)*")
_NOT_NUMBER = re.compile(
    r"[$€£¥%]|\bus\b|\b(?:percent|per cent|dollars?|euros?|pounds?|yen|about|some|nearly|almost|more than|"
    r"at least|over|roughly|around|up to|only|just)\b"
)


@dataclass(frozen=True)
class Spans:
    """Sorted disjoint character spans with a bisect lookup."""

    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, spans: Sequence[tuple[int, int]]) -> Spans:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls([s for s, _ in merged], [e for _, e in merged])

    def covers(self, pos: int) -> bool:
        k = bisect_right(self.starts, pos) - 1
        return k >= 0 and pos < self.ends[k]

    def covered_share(self, start: int, end: int) -> float:
        if end <= start:
            return 0.0
        inside = 0
        for s, e in zip(self.starts, self.ends, strict=True):
            inside += max(0, min(e, end) - max(s, start))
        return inside / (end - start)


def quoted_spans(text: str, quotes: Sequence[Quote]) -> Spans:
    """Where the article reports someone's words, not its own: every attribution's content (direct and
    indirect: "The CDC said adults should wear masks" is the CDC's "should") and any quotation marks."""
    spans = [seg for q in quotes for seg in q.segments]
    spans.extend(m.span() for m in QUOTATION.finditer(text))
    return Spans.of([(s, e) for s, e in spans if e > s])


class _CastIndex:
    """The article's actor mentions by character span: which actor a token belongs to."""

    def __init__(self, cast: Sequence[Entity], article: str) -> None:
        rows = sorted((m.start, m.end, e.id) for e in cast for m in e.mentions if m.article == article)
        self.rows = rows
        self.types = {e.id: e.type for e in cast}
        self.names = {e.id: e.name for e in cast}
        self.starts = [r[0] for r in rows]

    def within(self, start: int, end: int) -> list[tuple[int, int, str]]:
        k = bisect_right(self.starts, start - 1)
        out = []
        while k < len(self.rows) and self.rows[k][0] < end:
            if self.rows[k][1] <= end:
                out.append(self.rows[k])
            k += 1
        return out

    def last_person_before(self, doc: Doc, pos: int, not_before: int) -> str | None:
        """Whom a "he" or "she" subject most likely means: the last person before ``pos`` (and after
        ``not_before``) who was a sentence's subject, else the last person named ("Haftar was among officers
        who helped Gaddafi rise to power. He lived ..." is Haftar)."""
        k = bisect_right(self.starts, pos - 1) - 1
        fallback = None
        while k >= 0 and self.rows[k][0] >= not_before:
            start, end, entity = self.rows[k]
            if self.types.get(entity) == "PERSON":
                span = doc.char_span(start, end, alignment_mode="expand")
                if span is not None and span.root.dep_ in ("nsubj", "nsubjpass"):
                    return entity
                fallback = fallback or entity
            k -= 1
        return fallback

    def at(self, start: int, end: int) -> str | None:
        """The actor whose mention overlaps [start, end)."""
        k = bisect_right(self.starts, end - 1) - 1
        for row in self.rows[max(0, k - 3) : k + 1][::-1]:  # mentions do not nest deeper than a few
            if row[1] > start:
                return row[2]
        return None


def extract_claims(
    item: ParsedArticle,
    cast: Sequence[Entity],
    quotes: Sequence[Quote],
    times: Sequence[TimeExpression],
) -> list[Claim]:
    """The article's claims in text order (at most MAX_CLAIMS; vectors are filled in by the stage)."""
    text = item.text
    quoted = quoted_spans(text, quotes)
    index = _CastIndex(cast, item.id)
    attributed = _attributions(quotes)
    number_ents = [e for e in item.doc.ents if e.label_ in NUMBER_LABELS]
    out: list[Claim] = []
    for sent in sentence_spans(item.doc):
        if len(out) >= MAX_CLAIMS:
            break
        quote = attributed.at(sent.start_char, sent.end_char)
        if _reason_to_skip(sent, quoted, quote is not None) is not None:
            continue
        found = _numbers(sent, number_ents)
        dates = _dates_in(times, sent.start_char, sent.end_char)
        mentioned = index.within(sent.start_char, sent.end_char)
        speaker = quote.speaker if quote is not None else None
        if not (mentioned or found or dates or speaker):
            continue  # nothing a second outlet could confirm or dispute
        predicate, denied = _predicate(sent)
        subject_token = _subject(predicate) if predicate is not None else None
        subject = _subject_entity(subject_token, index) if subject_token is not None else None
        extra: set[str] = set()
        embed_text = ""
        if subject is None and subject_token is not None and subject_token.lower_ in _PERSONAL:
            subject = index.last_person_before(item.doc, subject_token.idx, sent.start_char - PRONOUN_REACH)
            if subject is not None:
                extra.add(subject)
                # embedded with the name: "He lived in Virginia" must look like "Haftar lived in Virginia"
                at = subject_token.idx - sent.start_char
                raw = text[sent.start_char : sent.end_char]
                embed_text = (raw[:at] + index.names[subject] + raw[at + len(subject_token.text) :]).strip()
        object_token = _object(predicate) if predicate is not None else None
        obj = _subject_entity(object_token, index) if object_token is not None else None
        dates = _of_predicate(dates, predicate, sent) if predicate is not None else dates
        out.append(
            Claim(
                id="c" + stable_id(item.id, str(sent.start_char), str(sent.end_char), length=14),
                article=item.id,
                start=sent.start_char,
                end=sent.end_char,
                text=text[sent.start_char : sent.end_char].strip(),
                kind="statement" if speaker is not None else ("number" if found else "event"),
                speaker=speaker.entity if speaker is not None else None,
                speaker_text=speaker.text if speaker is not None else None,
                via=quote.via if quote is not None else None,
                entities=sorted({eid for _, _, eid in mentioned} | extra),
                subject=subject,
                predicate=predicate_lemma(predicate) if predicate is not None else "",
                negated=predicate is not None and (_negated(predicate) != denied),
                object=obj,
                numbers=found,
                dates=dates,
                subject_span=_span(subject_token)
                if subject is not None and subject_token is not None
                else None,
                predicate_span=_span(predicate) if predicate is not None else None,
                terms=content_terms(sent),
                embed_text=embed_text,
            )
        )
        out.extend(_clause_claims(item, sent, index, found, times, quoted))
    return out[:MAX_CLAIMS]


def _dates_in(times: Sequence[TimeExpression], start: int, end: int, of_act: bool = False) -> list[ClaimDate]:
    """The resolved time expressions that start inside [start, end)."""
    return [
        ClaimDate(
            text=t["text"],
            start=t["start"],
            end=t["end"],
            value=t["value"],
            precision=t["precision"],
            of_act=of_act,
        )
        for t in times
        if start <= t["start"] < end and t["value"]
    ]


def _clause_claims(
    item: ParsedArticle,
    sent: Span,
    index: _CastIndex,
    sentence_numbers: Sequence[ClaimNumber],
    times: Sequence[TimeExpression],
    quoted: Spans,
) -> list[Claim]:
    """Facts stated in passing about a named actor: "Haftar, a US citizen who previously lived in Northern
    Virginia, ..." states that Haftar lived in Virginia, which another outlet may report as its own sentence.
    One claim per relative clause whose noun is (or is in apposition to) an actor mention."""
    out = []
    for token in sent:
        if token.dep_ != "relcl" or token.pos_ not in ("VERB", "AUX") or quoted.covers(token.idx):
            continue
        noun = token.head
        actor = index.at(*_span(noun))
        if actor is None and noun.dep_ == "appos":
            noun = noun.head
            actor = index.at(*_span(noun))
        if actor is None:
            continue
        clause = list(token.subtree)
        start, end = clause[0].idx, clause[-1].idx + len(clause[-1].text)
        if sum(1 for t in clause if t.is_alpha) < 4:
            continue
        name = (
            item.text[noun.left_edge.idx : noun.idx + len(noun.text)] if noun.dep_ != "appos" else noun.text
        )
        dates = _dates_in(times, start, end, of_act=True)
        numbers = [n for n in sentence_numbers if start <= n.start < end]
        mentioned = {eid for _, _, eid in index.within(start, end)} | {actor}
        out.append(
            Claim(
                id="c" + stable_id(item.id, str(start), str(end), length=14),
                article=item.id,
                start=start,
                end=end,
                text=f"{name}, {item.text[start:end]}".strip(),
                kind="number" if numbers else "event",
                speaker=None,
                speaker_text=None,
                via=None,
                entities=sorted(mentioned),
                subject=actor,
                predicate=predicate_lemma(token),
                negated=_negated(token),
                object=_subject_entity(o, index) if (o := _object(token)) is not None else None,
                numbers=numbers,
                dates=dates,
                predicate_span=_span(token),
                terms=content_terms(clause),
                in_passing=True,
            )
        )
    return out


def content_terms(tokens: Iterable[Token]) -> list[str]:
    """The content lemmas of a claim (common nouns, verbs, adjectives): what two wordings of one fact share
    even when a sentence encoder scores them apart. Names and numbers are left out: they are compared as
    resolved actors and values."""
    return sorted(
        {
            t.lemma_.lower()
            for t in tokens
            if t.pos_ in ("NOUN", "VERB", "ADJ") and not t.is_stop and not t.ent_type_ and len(t.text) > 1
        }
    )


def sentence_spans(doc: Doc) -> Iterator[Span]:
    """The parser's sentences, cut at paragraph breaks (it sometimes runs a sentence across one)."""
    for sent in doc.sents:
        start = sent.start
        for token in sent:
            if token.is_space and "\n" in token.text:
                if token.i > start:
                    yield doc[start : token.i]
                start = token.i + 1
        if start < sent.end:
            yield doc[start : sent.end]


@dataclass(frozen=True)
class _Attributed:
    quote: Quote
    start: int
    end: int


class _AttributionIndex:
    def __init__(self, items: list[_Attributed]) -> None:
        self.items = sorted(items, key=lambda a: (a.start, a.end))

    def at(self, start: int, end: int) -> Quote | None:
        """The attributed quote that covers most of [start, end) (at least a third of it)."""
        best, best_share = None, 0.0
        for item in self.items:
            if item.start >= end:
                break
            overlap = min(item.end, end) - max(item.start, start)
            share = overlap / max(1, end - start)
            if overlap > 0 and share > best_share:
                best, best_share = item.quote, share
        return best if best_share >= 0.33 else None


def _attributions(quotes: Sequence[Quote]) -> _AttributionIndex:
    items = []
    for q in quotes:
        if q.speaker is None or not (q.speaker.text or q.speaker.entity):
            continue
        lo = min([q.start, *(s for s, _ in q.segments)] + ([q.cue_start] if q.cue_start is not None else []))
        hi = max([q.end, *(e for _, e in q.segments)] + ([q.cue_end] if q.cue_end is not None else []))
        items.append(_Attributed(q, lo, hi))
    return _AttributionIndex(items)


def _reason_to_skip(sent: Span, quoted: Spans, attributed: bool) -> str | None:
    words = [t for t in sent if t.is_alpha]
    if len(words) < MIN_WORDS:
        return "fragment"
    if len(words) > MAX_WORDS:
        return "too long"
    stripped = sent.text.strip()
    if stripped.endswith("?") or stripped.endswith("?”") or stripped.endswith('?"'):
        return "question"
    if _CAPTION.search(stripped):
        return "caption"
    if not any(t.pos_ in ("VERB", "AUX") for t in sent):
        return "no verb"
    in_quote = quoted.covered_share(sent.start_char, sent.end_char) > 0.6
    if in_quote and not attributed:
        return "unattributed quotation"
    own_voice = [t for t in sent if not quoted.covers(t.idx)]
    if any(t.lower_ in _FIRST_PERSON and t.tag_ in ("PRP", "PRP$") and t.text != "US" for t in own_voice):
        return "first person"
    # "X should Y" in the writer's main clause argues; "the CDC will announce that everyone should ..." reports
    if any(t.lower_ in _OBLIGATION and t.tag_ == "MD" and t.head == sent.root for t in own_voice):
        return "obligation"
    root = sent.root
    if root.tag_ == "VB" and not any(c.dep_ in ("nsubj", "nsubjpass", "aux") for c in root.children):
        return "imperative"
    return None


def _predicate(sent: Span) -> tuple[Token | None, bool]:
    """The main verb and whether the sentence denies it. For "X said (that) Y" the verb of Y, which is what
    the outlets may agree on, denied when the reporting verb is a denial ("denied that it will close");
    for "agreed to buy" the verb of the act ("buy")."""
    root = sent.root
    if root.pos_ not in ("VERB", "AUX"):
        verbs = [t for t in sent if t.pos_ == "VERB"]
        return (verbs[0] if verbs else None), False
    verb, denied = root, False
    for _ in range(3):  # "said it had agreed to buy": at most a few levels
        lemma = verb.lemma_.lower()
        reported = next(
            (c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX")), None
        )
        if reported is None and (lemma in _REPORTING or lemma in _DENIALS):
            # "denied reports that it will close 40 branches": the clause hangs on the reported noun
            reported = next(
                (
                    g
                    for c in verb.children
                    if c.dep_ == "dobj" and c.lemma_.lower() in _REPORTED_NOUNS
                    for g in c.children
                    if g.dep_ in ("acl", "ccomp") and g.pos_ in ("VERB", "AUX")
                ),
                None,
            )
        if reported is None or not (lemma in _REPORTING or lemma in _DENIALS or lemma in _CONTROL):
            break
        if lemma in _DENIALS or lemma in ("refuse", "fail", "decline"):
            denied = not denied
        if _negated(verb):
            denied = not denied
        verb = reported
    return verb, denied


# "denied that two soldiers were captured" states the opposite of "confirmed that two ... were captured".
_DENIALS = frozenset({"deny", "dispute", "refute", "rebut"})
_PARTICLES = frozenset({"down", "out", "up", "off", "back"})
_REPORTED_NOUNS = frozenset({"report", "claim", "allegation", "suggestion", "rumor", "rumour", "speculation"})
# Verbs whose complement is the act itself: "agreed to buy", "plans to cut", "voted to ban".
_CONTROL = frozenset(
    {
        "agree",
        "plan",
        "decide",
        "vote",
        "want",
        "try",
        "seek",
        "aim",
        "move",
        "expect",
        "intend",
        "begin",
        "start",
        "continue",
        "hope",
        "promise",
        "threaten",
        "pledge",
        "vow",
        "offer",
        "refuse",
        "fail",
        "attempt",
        "prepare",
    }
)
_REPORTING = frozenset(
    {
        "say",
        "tell",
        "report",
        "announce",
        "state",
        "claim",
        "add",
        "note",
        "confirm",
        "write",
        "declare",
        "insist",
        "argue",
        "believe",
        "think",
        "suggest",
        "explain",
        "warn",
        "allege",
        "acknowledge",
        "admit",
        "indicate",
        "reveal",
        "disclose",
        "show",
        "find",
        "conclude",
    }
)


def predicate_lemma(verb: Token) -> str:
    """The verb's lemma with its particle: "vote down" is not "vote", "step down" not "step"."""
    particle = next(
        (
            c.lower_
            for c in verb.children
            if c.dep_ == "prt"
            or (c.i == verb.i + 1 and c.lower_ in _PARTICLES and c.dep_ in ("advmod", "prep"))
        ),
        None,
    )
    return f"{verb.lemma_.lower()} {particle}" if particle else verb.lemma_.lower()


def _negated(verb: Token) -> bool:
    if any(c.dep_ == "neg" or (c.lower_ in ("never", "no") and c.dep_ == "advmod") for c in verb.children):
        return True
    # "found no link", "has no plans": the object denies the act
    return any(
        c.dep_ in ("dobj", "attr") and any(d.dep_ == "det" and d.lower_ == "no" for d in c.children)
        for c in verb.children
    )


def _object(verb: Token) -> Token | None:
    """Whom the act is done to: the direct object, or the subject of a passive ("Meyers was arrested")."""
    found = next((c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")), None)
    if found is None:
        prep = next(
            (c for c in verb.children if c.dep_ == "prep" and c.lower_ in ("with", "on", "against")), None
        )
        found = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
    return found


def _of_predicate(dates: list[ClaimDate], predicate: Token, sent: Span) -> list[ClaimDate]:
    """The dates of the act, before the dates of its telling: for "X said on Wednesday that the vote will
    be held Sept. 28", Sept. 28 (a date whose head chain reaches the predicate before the sentence root)."""
    if not dates:
        return dates
    if predicate == sent.root:
        return [msgspec.structs.replace(d, of_act=True) for d in dates]
    doc = sent.doc
    of_act: list[ClaimDate] = []
    for d in dates:
        span = doc.char_span(d.start, d.end, alignment_mode="expand")
        if span is None:
            continue
        token = span.root
        for _ in range(12):
            if token == predicate:
                of_act.append(msgspec.structs.replace(d, of_act=True))
                break
            if token == token.head or token == sent.root:
                break
            token = token.head
    acts = {(d.start, d.end) for d in of_act}
    return of_act + [d for d in dates if (d.start, d.end) not in acts]


def _subject(verb: Token) -> Token | None:
    """Who acts: the active subject, or the agent of a passive ("was announced by the minister")."""
    agent = next((c for c in verb.children if c.dep_ == "agent"), None)
    if agent is not None:
        found = next((c for c in agent.children if c.dep_ == "pobj"), None)
        if found is not None:
            return found
    return next((c for c in verb.children if c.dep_ == "nsubj"), None)


def _span(token: Token) -> tuple[int, int]:
    return token.idx, token.idx + len(token.text)


def _subject_entity(subject: Token, index: _CastIndex) -> str | None:
    return index.at(*_span(subject)) or index.at(subject.left_edge.idx, subject.idx + len(subject.text))


# ------------------------------------------------------------------------------------------- numbers


_SCORE_IN_TEXT = re.compile(
    r"(?<![\d.,/-])(\d{1,3})\s?[-–—]\s?(\d{1,3})(?![\d.,/-]|\s?(?:year|month|week|day|hour|minute)s?\b)"
)
_DURATION = re.compile(
    r"^(?:about |nearly |almost |more than |at least |over |some )?(?P<n>[\w.,-]+) (?P<unit>year|month|week|day|hour)s?(?: old)?$",
    re.IGNORECASE,
)


def _numbers(sent: Span, number_ents: Sequence[Span]) -> list[ClaimNumber]:
    """Scores and tallies ("52-48", "4-2"), durations ("12 years") and the NER's numbers, without overlaps."""
    out: list[ClaimNumber] = []
    taken: list[tuple[int, int]] = []
    for m in _SCORE_IN_TEXT.finditer(sent.text):
        start, end = sent.start_char + m.start(), sent.start_char + m.end()
        out.append(ClaimNumber(text=m.group(0), start=start, end=end, value=f"{m[1]}-{m[2]}", unit="score"))
        taken.append((start, end))
    for ent in sent.ents:
        if ent.label_ != "DATE":
            continue
        match = _DURATION.match(ent.text.strip())
        value = number_value(match["n"].lower()) if match else None
        if match and value is not None:
            unit = f"duration:{match['unit'].lower()}"
            out.append(
                ClaimNumber(
                    text=ent.text, start=ent.start_char, end=ent.end_char, value=_format(value), unit=unit
                )
            )
    for ent in number_ents:
        if not (sent.start_char <= ent.start_char < sent.end_char):
            continue
        if any(s < ent.end_char and ent.start_char < e for s, e in taken):
            continue
        number = _claim_number(ent)
        if number is not None:
            out.append(number)
    return sorted(out, key=lambda n: n.start)


def _claim_number(ent: Span) -> ClaimNumber | None:
    text = ent.text.strip()
    lowered = text.lower()
    if any(word in _VAGUE for word in lowered.split()):
        return None
    score = _SCORE.match(lowered)
    if score:
        return ClaimNumber(
            text=text, start=ent.start_char, end=ent.end_char, value=f"{score[1]}-{score[2]}", unit="score"
        )
    value = number_value(lowered)
    if value is None:
        return None
    if ent.label_ == "PERCENT" or "%" in lowered or "percent" in lowered:
        unit = "percent"
    elif ent.label_ == "MONEY":
        currency = next((c for k, c in _CURRENCIES.items() if k in lowered.replace(" ", "")), "")
        unit = f"money:{currency}" if currency else "money"
    else:
        unit = _counted(ent)
    return ClaimNumber(text=text, start=ent.start_char, end=ent.end_char, value=_format(value), unit=unit)


def _counted(ent: Span) -> str:
    """What a number counts: the noun it modifies ("14 people" -> person), or its own unit word."""
    root = ent.root
    if root.dep_ in ("nummod", "quantmod") and root.head.pos_ in ("NOUN", "PROPN"):
        return f"count:{root.head.lemma_.lower()}"
    last = ent[-1]
    if last.pos_ == "NOUN":
        return f"quantity:{last.lemma_.lower()}"
    if root.head.pos_ == "NOUN" and root.head.i not in range(ent.start, ent.end):
        return f"count:{root.head.lemma_.lower()}"
    return "count"


def number_value(text: str) -> float | None:
    """The value of a written number: "1,200", "1.2 billion", "$3m", "twelve", "twenty-one", "3 percent"."""
    cleaned = _NOT_NUMBER.sub(" ", text)
    numeric = _NUMERIC.search(cleaned)
    total: float | None = None
    if numeric:
        digits = numeric.group(0)
        # "1,200" is a thousands separator; "1,5" in European style is rare in English news: treat as 1.5
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
            digits = digits.replace(",", "")
        else:
            digits = digits.replace(",", ".")
        try:
            total = float(digits)
        except ValueError:
            return None
        rest = cleaned[numeric.end() :].strip()
        scale = rest.split()[0] if rest.split() else ""
        if scale in _SCALES:
            total *= _SCALES[scale]
        elif scale in _SCALE_ABBREVIATIONS or (rest[:2].strip() in _SCALE_ABBREVIATIONS and len(rest) <= 2):
            total *= _SCALE_ABBREVIATIONS.get(scale, _SCALE_ABBREVIATIONS.get(rest[:2].strip(), 1))
        return total
    words = re.split(r"[\s-]+", cleaned.strip())
    current = 0.0
    seen = False
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word in _SCALES and seen:
            current = max(current, 1) * _SCALES[word]
        elif word == "a":
            current, seen = max(current, 1), True  # "a million"
        elif word in ("and", ""):
            continue
        else:
            return None if not seen else current
    return current if seen else None


def _format(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.6g}"
