"""The timeline: temporal expressions resolved against the publication date, events, cross-outlet merging.

Three layers, each usable alone:

* ``find_temporal_expressions`` finds absolute and relative time expressions with rules from
  ``rules/temporal.toml`` and resolves each to a date range with a precision (day, week, month, year, decade)
  and the anchor it was resolved from. Relative expressions need the publication date; without it they stay
  unresolved (value None) instead of being guessed. dateparser handles spaCy DATE entities no rule covers.
* ``extract_event_mentions`` finds predicate-centred event mentions (lexicon in ``rules/event_predicates.toml``)
  in the dependency parse: who did what to whom, where and when, each tied to its sentence span.
* ``build_timeline`` merges mentions of the same event within and across outlets (same class, shared
  participants, compatible dates) and narrows the merged date to the intersection of the members' ranges.

Ranges are inclusive ISO dates; a value is ``YYYY-MM-DD`` (day), ``YYYY-Www`` (ISO week), ``YYYY-MM``,
``YYYY``, ``YYYX`` (decade, TIMEX3 style) or an ISO interval ``lo/hi`` for windows that are not one calendar unit.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

from newsprism import records
from newsprism.model import normalise_text, stable_id
from newsprism.records import Event, EventMention, EventMentionRef, TemporalExpression

if TYPE_CHECKING:
    from rich.table import Table
    from spacy.tokens import Doc, Span, Token

    from newsprism.nlp import ParsedArticle
    from newsprism.records import Entity

RULES_DIR = Path(__file__).resolve().parent / "rules"
PRECISIONS = ("day", "week", "month", "year", "decade")
# Entity labels that can be event participants; places in locative slots become the event's "where".
PARTICIPANT_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
# Prepositions whose object is a participant of the predicate (to/with Haftar, against Tripoli, from Bolton).
PARTICIPANT_PREPS = {"with", "to", "against", "on", "from", "between", "by", "into"}
NOMINAL_ONLY_PREPS = {"of"}  # "the overthrow of Qaddafi", not "spoke of peace"
# A nominal predicate inside one of these takes the clause subject: "In a phone call to X, Trump warned".
CARRIER_PREPS = {"in", "during", "at", "over", "through"}
LOCATIVE_PREPS = {"in", "at", "near", "outside", "inside", "across", "around"}
# Dependency relations that stay inside a participant's name phrase ("Turkey's president, Recep Erdogan").
NAME_DEPS = {"compound", "flat", "amod", "poss", "appos", "conj", "cc", "nmod", "nummod", "case", "det"}
MAX_ATTACH_DISTANCE = 4
LINEAR_ATTACH_WINDOW = 6  # tokens between a predicate and a time the parse did not connect to it  # a time expression further than this in the tree from every predicate stays unattached


# ------------------------------------------------------------------------------------------------ rules


@dataclass(frozen=True)
class TemporalRules:
    patterns: list[tuple[str, re.Pattern[str]]]
    months: dict[str, int]
    weekdays: dict[str, int]
    numbers: dict[str, int]
    future_cues: frozenset[str]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def load_temporal_rules() -> TemporalRules:
    data = tomllib.loads((RULES_DIR / "temporal.toml").read_text(encoding="utf-8"))
    lex = data["lexicon"]
    months = {name: i + 1 for i, names in enumerate(lex["months"]) for name in names}
    weekdays = {name: i for i, names in enumerate(lex["weekdays"]) for name in names}
    full_weekdays = [names[0] for names in lex["weekdays"]]
    numbers = {k: int(v) for k, v in lex["numbers"].items()}
    slots = {
        "{MONTH}": rf"\b(?P<month>{_alternation(list(months))})\b",
        "{WEEKDAY_ANY}": rf"\b(?P<weekday>{_alternation(list(weekdays))})\b",
        # Standalone weekdays must be spelt out: "Sun" and "Sat" are also a newspaper and a verb.
        "{WEEKDAY}": rf"\b(?P<weekday>{_alternation(full_weekdays)})\b",
        "{DAYPART}": rf"(?P<daypart>{_alternation(lex['dayparts'])})",
        "{NUM}": _alternation(list(numbers)),
        "{UNIT}": _alternation(lex["units"]),
        "{DAY}": r"(?P<day>[0-3]?\d)",
        "{YEAR}": r"(?P<year>1[5-9]\d\d|20\d\d)",
    }
    patterns = []
    for item in data["pattern"]:
        regex = item["regex"]
        if item["kind"] in ("full_date", "month_day"):
            regex = regex.replace("{WEEKDAY}", "{WEEKDAY_ANY}")  # "Tue, March 22, 2016" is unambiguous
        for slot, alt in slots.items():
            regex = regex.replace(slot, alt)
        patterns.append((item["kind"], re.compile(regex, re.IGNORECASE)))
    return TemporalRules(patterns, months, weekdays, numbers, frozenset(lex.get("future_cues", [])))


@dataclass(frozen=True)
class EventLexicon:
    verb_class: dict[str, str]
    noun_class: dict[str, str]
    noun_modifiers: dict[str, list[str]]  # head lemma of a multi-word noun -> required modifier ("press")
    verb_particles: dict[
        str, list[str]
    ]  # head lemma of a phrasal verb -> required particle ("walk" -> "out")
    needs_time: frozenset[str]
    cross_doc_needs_date: frozenset[str]
    light_verbs: frozenset[str]


@lru_cache(maxsize=1)
def load_event_lexicon() -> EventLexicon:
    data = tomllib.loads((RULES_DIR / "event_predicates.toml").read_text(encoding="utf-8"))
    verb_class: dict[str, str] = {}
    noun_class: dict[str, str] = {}
    modifiers: dict[str, list[str]] = {}
    particles: dict[str, list[str]] = {}
    for name, spec in data["class"].items():
        for phrase in spec.get("verbs", []):
            head, *particle = phrase.split()  # "walk out", "step down": the particle is required
            verb_class.setdefault(head, name)
            if particle:
                particles.setdefault(head, []).append(" ".join(particle))
        for phrase in spec.get("nouns", []):
            *mods, head = phrase.split()
            noun_class.setdefault(head, name)
            if mods:
                modifiers.setdefault(head, []).append(" ".join(mods))
    singles = {p for spec in data["class"].values() for p in spec.get("nouns", []) if " " not in p}
    # A multi-word noun needs its modifier only when its head is not an event noun by itself ("press conference").
    modifiers = {head: mods for head, mods in modifiers.items() if head not in singles}
    single_verbs = {p for spec in data["class"].values() for p in spec.get("verbs", []) if " " not in p}
    particles = {head: parts for head, parts in particles.items() if head not in single_verbs}
    return EventLexicon(
        verb_class,
        noun_class,
        modifiers,
        particles,
        frozenset(n for n, s in data["class"].items() if s.get("needs_time")),
        frozenset(n for n, s in data["class"].items() if s.get("cross_doc_needs_date")),
        frozenset(data.get("light_verbs", [])),
    )


# ------------------------------------------------------------------------------------------------ dates


def parse_published(value: str | None) -> date | None:
    """The date part of an ISO date or datetime string; None when absent or malformed."""
    if not value:
        return None
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", str(value).strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _week_bounds(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def format_range(lo: date, hi: date, precision: str) -> str:
    """The ISO value of a range: the calendar unit when the range is exactly one, else an interval."""
    if lo == hi:
        return lo.isoformat()
    if precision == "week" and _week_bounds(lo) == (lo, hi):
        iso = lo.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    if lo.day == 1 and _month_bounds(lo.year, lo.month) == (lo, hi):
        return f"{lo.year:04d}-{lo.month:02d}"
    if (lo.month, lo.day, hi.month, hi.day) == (1, 1, 12, 31) and lo.year == hi.year:
        return f"{lo.year:04d}"
    if (
        (lo.month, lo.day, hi.month, hi.day) == (1, 1, 12, 31)
        and lo.year % 10 == 0
        and hi.year == lo.year + 9
    ):
        return f"{lo.year // 10}X"
    return f"{lo.isoformat()}/{hi.isoformat()}"


def precision_of(lo: date, hi: date) -> str:
    span = (hi - lo).days + 1
    for name, limit in (("day", 1), ("week", 7), ("month", 31), ("year", 366)):
        if span <= limit:
            return name
    return "decade"


# ------------------------------------------------------------------------------------- temporal expressions


@dataclass
class _Match:
    start: int
    end: int
    kind: str
    order: int
    groups: dict[str, str | None]

    def group(self, name: str) -> str:
        """A group every pattern of this kind captures (``rules/temporal.toml`` guarantees it)."""
        value = self.groups[name]
        if value is None:
            raise ValueError(f"temporal rule of kind {self.kind!r} matched without its {name!r} group")
        return value


class TimeExpression(TypedDict):
    """A time expression found in a text (``find_temporal_expressions``)."""

    text: str
    start: int
    end: int
    value: str | None
    precision: str
    anchor: str | None
    tense: str
    kind: str
    range: list[str] | None
    refers_back: NotRequired[int]  # offsets like "a day after ...": days from the restated time to the event


class _Scanned(TimeExpression):
    """A time expression while the text is scanned; the keys starting with "_" are dropped from the output."""

    _range: tuple[date, date] | None
    _anchor_id: str


def _candidate_matches(text: str, rules: TemporalRules) -> list[_Match]:
    found = []
    for order, (kind, pattern) in enumerate(rules.patterns):
        for m in pattern.finditer(text):
            groups = m.groupdict()
            # News capitalises month and day names; lower-case "may"/"march"/"sun" are other words.
            if any(groups.get(g) and not groups[g][0].isupper() for g in ("month", "weekday")):
                continue
            if groups.get("day") and not 1 <= int(groups["day"]) <= 31:
                continue
            found.append(_Match(m.start(), m.end(), kind, order, groups))
    # Longest first, then rule order; a candidate overlapping one already chosen loses. Chosen spans are
    # disjoint, so kept sorted (ends then rise with starts) only the neighbours of a candidate can overlap it.
    chosen: list[_Match] = []
    spans: list[tuple[int, int]] = []
    for cand in sorted(found, key=lambda c: (-(c.end - c.start), c.order, c.start)):
        if not _overlaps_any(spans, cand.start, cand.end):
            insort(spans, (cand.start, cand.end))
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.start)


def _overlaps_any(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a span of ``spans`` (sorted, pairwise non-overlapping)."""
    p = bisect_left(spans, (start, end))
    k = p - 1
    while k >= 0 and spans[k][1] > start:
        if end > spans[k][0]:
            return True
        k -= 1
    k = p
    while k < len(spans) and spans[k][0] < end:
        if spans[k][1] > start:
            return True
        k += 1
    return False


def _governing_verb(doc: Doc, start: int, end: int) -> Token | None:
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    token = span.root
    while token.head.i != token.i and token.pos_ not in ("VERB", "AUX"):
        token = token.head
    return token


def _tense(verb: Token | None, rules: TemporalRules) -> str:
    """past | present | future, from the verb governing the expression and its auxiliaries."""
    if verb is None:
        return "unknown"
    chain = [verb, *[c for c in verb.children if c.dep_ in ("aux", "auxpass")]]
    # "is expected to meet", "plans to vote": the matrix verb carries the future cue.
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in rules.future_cues:
        return "future"
    if any(
        t.lower_ in rules.future_cues or t.lemma_.lower() in ("will", "shall") for t in chain if t.i != verb.i
    ):
        return "future"
    # (spaCy's stub makes `default` required; at run time it defaults to None, meaning [])
    if any(t.tag_ in ("VBD", "VBN") or "Past" in t.morph.get("Tense", None) for t in chain):
        return "past"
    return "present"


def _weekday_date(target: int, pub: date, mod: str | None, tense: str) -> date:
    back = (pub.weekday() - target) % 7
    ahead = (target - pub.weekday()) % 7
    if mod in ("last", "past"):
        return pub - timedelta(days=back or 7)
    if mod in ("next", "coming"):
        return pub + timedelta(days=ahead or 7)
    if mod == "this":
        return _week_bounds(pub)[0] + timedelta(days=target)
    # Bare day names: the most recent such day on or before publication, unless the clause is in the future.
    return pub + timedelta(days=ahead) if tense == "future" else pub - timedelta(days=back)


def _year_for_month_day(month: int, day: int, pub: date, tense: str) -> date | None:
    def make(year: int) -> date | None:
        try:
            return date(year, month, day)
        except ValueError:
            return None

    cand = make(pub.year)
    if cand is None:
        return make(pub.year - 1) if tense != "future" else make(pub.year + 1)
    if tense == "past" and cand > pub:
        return make(pub.year - 1)
    if tense == "future" and cand < pub:
        return make(pub.year + 1)
    if tense not in ("past", "future"):
        options = [d for d in (make(pub.year - 1), cand, make(pub.year + 1)) if d]
        return min(options, key=lambda d: (abs((d - pub).days), d))
    return cand


def _unit_bounds(unit: str, day: date) -> tuple[date, date]:
    if unit in ("week", "weekend"):
        return _week_bounds(day)
    if unit == "month":
        return _month_bounds(day.year, day.month)
    if unit == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    decade = day.year - day.year % 10
    return date(decade, 1, 1), date(decade + 9, 12, 31)


def _shift_unit(unit: str, day: date, n: int) -> date:
    if unit in ("day", "days"):
        return day + timedelta(days=n)
    if unit in ("week", "weeks", "weekend"):
        return day + timedelta(weeks=n)
    if unit in ("month", "months"):
        y, m = _shift_month(day.year, day.month, n)
        return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))
    years = n * (10 if unit.startswith("decade") else 1)
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _singular(unit: str) -> str:
    return unit[:-1] if unit.endswith("s") else unit


ROLLING_DAYS = {"week": 7, "weekend": 7, "month": 30, "year": 365, "decade": 3652}


def _resolve_relative_unit(
    mod: str, unit: str, pub: date, anchor_day: date | None
) -> tuple[date, date] | None:
    mod = " ".join(mod.lower().split())
    base = pub
    if mod.endswith("that"):  # "earlier that week": a narrative time, not the publication date
        if anchor_day is None:
            return None
        base = anchor_day
    if unit == "weekend":
        saturday = base - timedelta(days=(base.weekday() - 5) % 7)
        if mod.endswith(("next", "coming", "following")):
            saturday = base + timedelta(days=(5 - base.weekday()) % 7 or 7)
        elif mod.endswith("this") and base.weekday() < 5:
            saturday = base + timedelta(days=5 - base.weekday())
        return saturday, saturday + timedelta(days=1)
    lo, hi = _unit_bounds(unit, base)
    if mod in ("the last", "the past", "in the last", "in the past"):
        return base - timedelta(days=ROLLING_DAYS[unit]), base
    if mod in ("last", "previous", "the previous", "past"):
        return _unit_bounds(unit, lo - timedelta(days=1))
    if mod in ("next", "coming", "the next", "the coming", "the following", "in the next", "in the coming"):
        return _unit_bounds(unit, hi + timedelta(days=1))
    if mod in ("this", "in the this"):
        return lo, hi
    if mod.startswith("earlier"):
        return lo, max(lo, base - timedelta(days=1))
    if mod.startswith("later"):
        return min(hi, base + timedelta(days=1)), hi
    m = re.match(r"(?:the )?(end|start|beginning|middle) of (last|this|next|the)$", mod)
    if not m:
        return None
    if m[2] == "last":
        lo, hi = _unit_bounds(unit, lo - timedelta(days=1))
    elif m[2] == "next":
        lo, hi = _unit_bounds(unit, hi + timedelta(days=1))
    length = (hi - lo).days + 1
    part = max(1, (length + 2) // 3)
    if m[1] == "end":
        return hi - timedelta(days=part - 1), hi
    if m[1] == "middle":
        return lo + timedelta(days=part), hi - timedelta(days=part)
    return lo, lo + timedelta(days=part - 1)


def _resolve(
    match: _Match,
    text: str,
    pub: date | None,
    tense: str,
    previous: _Scanned | None,
    rules: TemporalRules,
) -> tuple[tuple[date, date] | None, str, str | None]:
    """(range, precision, anchor) of one match; range None when it cannot be resolved without guessing."""
    g = match.groups
    kind = match.kind
    month = rules.months.get((g.get("month") or "").lower().rstrip("."))
    if kind in ("full_date", "iso_date"):
        try:
            day = (
                date(int(match.group("year")), month or int(match.group("m")), int(match.group("day")))
                if kind == "full_date"
                else date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            )
        except ValueError:  # no such day (30 February), or a part missing
            return None, "day", None
        return (day, day), "day", "absolute"
    if kind == "month_year":
        return _month_bounds(int(match.group("year")), month or 1), "month", "absolute"
    if kind == "year":
        year = int(match.group("year"))
        return (date(year, 1, 1), date(year, 12, 31)), "year", "absolute"
    if kind == "decade":
        decade = g.get("decade")
        start = int(decade) if decade else None
        if start is None:  # "the '80s": the most recent such decade before publication, else the 1900s
            short = int(match.group("short"))
            if pub is None:
                return None, "decade", None
            century = (pub.year // 100) * 100
            start = century + short if century + short <= pub.year else century - 100 + short
            return (date(start, 1, 1), date(start + 9, 12, 31)), "decade", "publication"
        return (date(start, 1, 1), date(start + 9, 12, 31)), "decade", "absolute"
    anchor_day = previous["_range"][0] if previous is not None and previous["_range"] is not None else None
    if kind == "offset":
        return _resolve_offset(match, text, previous, rules)
    if pub is None:
        precision = {"month_day": "day", "weekday": "day", "relative_day": "day", "month": "month"}.get(kind)
        if kind in ("relative_unit", "ago"):
            precision = _singular(match.group("unit").lower()).replace("weekend", "week")
        return None, precision or "day", None
    if kind == "month_day":
        named = _year_for_month_day(month or 1, int(match.group("day")), pub, tense)
        return ((named, named) if named else None), "day", "publication"
    if kind == "weekday":
        day = _weekday_date(
            rules.weekdays[match.group("weekday").lower()], pub, (g.get("mod") or "").lower() or None, tense
        )
        return (day, day), "day", "publication"
    if kind == "clock":  # a bare clock time belongs to the day last named, else to the publication day
        if previous is not None and previous["_range"] is not None and previous["precision"] == "day":
            return previous["_range"], "day", previous["_anchor_id"]
        return (pub, pub), "day", "publication"
    if kind == "relative_day":
        rel = " ".join(match.group("rel").lower().split())
        offset = {
            "yesterday": -1,
            "last night": -1,
            "tomorrow": 1,
            "the day before yesterday": -2,
            "the day after tomorrow": 2,
        }.get(rel, 0)
        day = pub + timedelta(days=offset)
        return (day, day), "day", "publication"
    if kind == "month":
        if month is None:  # the pattern always captures a month name from the lexicon
            raise ValueError(f"temporal rule of kind 'month' matched no known month: {g.get('month')!r}")
        mod = " ".join((g.get("mod") or "").lower().split())
        if mod in ("last",):
            year = pub.year if month < pub.month else pub.year - 1
        elif mod in ("next",):
            year = pub.year if month > pub.month else pub.year + 1
        elif mod == "this":
            year = pub.year
        elif tense == "future":
            year = pub.year if month >= pub.month else pub.year + 1
        else:
            year = pub.year if month <= pub.month else pub.year - 1
        return _month_bounds(year, month), "month", "publication"
    if kind == "relative_unit":
        unit = match.group("unit").lower()
        mod = match.group("mod")
        rng = _resolve_relative_unit(mod, unit, pub, anchor_day)
        anchor = (
            "publication"
            if not mod.lower().endswith("that")
            else (previous["_anchor_id"] if previous is not None else None)
        )
        precision = "week" if unit == "weekend" else unit
        return rng, precision, anchor if rng else None
    if kind == "ago":
        n = _number(match.group("n"), rules)
        unit = _singular(match.group("unit").lower())
        day = _shift_unit(unit, pub, -n)
        rng = (day, day) if unit == "day" else _unit_bounds(unit, day)
        return rng, unit, "publication"
    return None, "day", None


def _number(word: str, rules: TemporalRules) -> int:
    return int(word) if word.isdigit() else rules.numbers.get(word.lower(), 1)


def _resolve_offset(
    match: _Match, text: str, previous: _Scanned | None, rules: TemporalRules
) -> tuple[tuple[date, date] | None, str, str | None]:
    g = match.groups
    unit = _singular(match.group("unit").lower()).replace("morning", "day")
    n = _number(g.get("n") or "1", rules)
    direction = match.group("dir").lower()
    if previous is None or previous["_range"] is None:
        return None, unit, None
    base = previous["_range"][0]
    if direction in ("after", "before"):
        # "as of Tuesday, a day after the call": the phrase restates the time just before it; the event it
        # names lies n units away (kept as `refers_back` for the event layer). Elsewhere its anchor is an
        # event we cannot date here, so it stays unresolved.
        between = text[previous["end"] : min(match.start, previous["end"] + 4)]  # (only a short gap counts)
        if len(between) <= 3 and between.strip() in ("", ",", "—", "-", "–"):
            return previous["_range"], previous["precision"], previous["_anchor_id"]
        return None, unit, None
    sign = 1 if direction in ("later", "after", "next", "following") else -1
    day = _shift_unit(unit, base, sign * n)
    rng = (day, day) if unit == "day" else _unit_bounds(unit, day)
    return rng, unit, previous["_anchor_id"]


def _as_doc(doc_or_text: Doc | str) -> Doc:
    if isinstance(doc_or_text, str):
        from newsprism import nlp

        return nlp.load_spacy()(doc_or_text)
    return doc_or_text


def find_temporal_expressions(doc_or_text: Doc | str, published: str | None) -> list[TimeExpression]:
    """Time expressions in a text, resolved against its publication date.

    Returns ``[{"text", "start", "end", "value", "precision", "anchor", "tense", "kind", "range"}]`` in text
    order: ``value`` is the ISO value (None when unresolved), ``range`` the inclusive ``[lo, hi]`` ISO dates
    (or None), ``anchor`` "absolute", "publication", "expression:<start>-<end>" (the time it was counted from)
    or None, ``tense`` the tense of the governing clause (past/present/future/unknown).
    """
    doc = _as_doc(doc_or_text)
    text = doc.text
    rules = load_temporal_rules()
    pub = parse_published(published)
    out: list[_Scanned] = []
    matches = _candidate_matches(text, rules)
    covered = [(m.start, m.end) for m in matches]
    previous: _Scanned | None = None
    for match in matches:
        tense = _tense(_governing_verb(doc, match.start, match.end), rules)
        rng, precision, anchor = _resolve(match, text, pub, tense, previous, rules)
        item = _expression(text, match.start, match.end, rng, precision, anchor, tense, match.kind)
        if match.kind == "offset" and match.group("dir").lower() in ("after", "before") and rng is not None:
            n = _number(match.groups.get("n") or "1", rules)
            unit = _singular(match.group("unit").lower())
            if unit == "day":  # the event named after "a day after ..." is that many days away
                item["refers_back"] = -n if match.group("dir").lower() == "after" else n
        out.append(item)
        if rng is not None:
            previous = item
    out.extend(_dateparser_fallback(doc, pub, covered))
    out.sort(key=lambda e: e["start"])
    return [cast(TimeExpression, {k: v for k, v in e.items() if not k.startswith("_")}) for e in out]


def _expression(
    text: str,
    start: int,
    end: int,
    rng: tuple[date, date] | None,
    precision: str,
    anchor: str | None,
    tense: str,
    kind: str,
) -> _Scanned:
    return {
        "text": text[start:end],
        "start": start,
        "end": end,
        "value": format_range(rng[0], rng[1], precision) if rng else None,
        "precision": precision,
        "anchor": anchor,
        "tense": tense,
        "kind": kind,
        "range": [rng[0].isoformat(), rng[1].isoformat()] if rng else None,
        "_range": rng,
        "_anchor_id": f"expression:{start}-{end}",
    }


# Only entities that name a month, a four-digit year or a numeric date go to dateparser.
_DATEPARSER_WORTHY = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|\b1[5-9]\d\d\b|\b20\d\d\b|\b\d{1,2}/\d{1,2}\b"
)


def _dateparser_fallback(doc: Doc, pub: date | None, covered: list[tuple[int, int]]) -> list[_Scanned]:
    """spaCy DATE entities no rule matched, read by dateparser (only those naming a month or a number)."""
    # covered is sorted by start: a span overlaps the entity iff it starts before the entity ends and the
    # latest end among those spans lies after the entity's start.
    covered_starts = [s for s, _ in covered]
    covered_max_end = list(accumulate((e for _, e in covered), max))
    out: list[_Scanned] = []
    text = doc.text  # (spaCy rebuilds it from every token on each access)
    for ent in doc.ents:
        if ent.label_ != "DATE":
            continue
        p = bisect_left(covered_starts, ent.end_char)
        if p > 0 and covered_max_end[p - 1] > ent.start_char:
            continue
        if not _DATEPARSER_WORTHY.search(ent.text) or re.search(
            r"\b(?:years?|days?|weeks?|months?)\b", ent.text
        ):
            continue  # durations ("around 20 years") and counts ("lap 48") are not points in time
        parsed = _dateparser(ent.text, pub)
        if parsed is None:
            continue
        day, period = parsed
        precision = {"day": "day", "week": "week", "month": "month", "year": "year"}.get(period, "day")
        rng = (day, day) if precision == "day" else _unit_bounds(precision, day)
        absolute = bool(re.search(r"\b1[5-9]\d\d\b|\b20\d\d\b", ent.text))
        if not absolute and pub is None:
            continue
        out.append(
            _expression(
                text,
                ent.start_char,
                ent.end_char,
                rng,
                precision,
                "absolute" if absolute else "publication",
                "unknown",
                "dateparser",
            )
        )
    return out


def _dateparser(text: str, pub: date | None) -> tuple[date, str] | None:
    data = _date_data_parser(pub).get_date_data(text)
    if data.date_obj is None:
        return None
    return data.date_obj.date(), data.period or "day"


@lru_cache(maxsize=32)
def _date_data_parser(pub: date | None) -> Any:
    """One dateparser parser per publication date: building one costs twice what parsing an entity does."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if pub is not None:
        settings["RELATIVE_BASE"] = datetime(pub.year, pub.month, pub.day)
    return DateDataParser(languages=["en"], settings=settings)


# ------------------------------------------------------------------------------------- publication date

_STAMP = re.compile(
    r"^\s*(?:updated|published|posted|first published)\b[^\n]{0,40}?$", re.IGNORECASE | re.MULTILINE
)


@dataclass(frozen=True)
class PublicationDate:
    """When an article appeared, and how that is known."""

    date: str | None  # ISO date
    source: str | None  # where the date came from: a metadata field, or "text"
    window: tuple[str, str | None] | None  # no date, but not before this one
    reason: str


def publication_date(published: str | None, text: str, metadata_source: str | None = None) -> PublicationDate:
    """Metadata first (``published``, which ``metadata_source`` names), then an "Updated/Published" stamp in
    the text, else no date but a window (earliest possible, None) from the latest full date the text mentions."""
    meta = parse_published(published)
    if meta:
        return PublicationDate(meta.isoformat(), metadata_source or "metadata", None, "publication metadata")
    head = text[:600]
    rules = load_temporal_rules()
    full_dates = [m for m in _candidate_matches(text, rules) if m.kind in ("full_date", "iso_date")]
    for m in full_dates:
        if m.start >= len(head):
            continue  # (tested first: the backward search for the line start is long on a one-line text)
        line_start = text.rfind("\n", 0, m.start) + 1
        if _STAMP.match(text[line_start : m.start]):
            rng, _, _ = _resolve(m, text, None, "unknown", None, rules)
            if rng:
                return PublicationDate(
                    rng[0].isoformat(), "text", None, f"stamp in text: {text[line_start : m.end].strip()!r}"
                )
    latest = None
    for m in full_dates:
        rng, _, _ = _resolve(m, text, None, "unknown", None, rules)
        if rng and (latest is None or rng[0] > latest[0]):
            latest = (rng[0], text[m.start : m.end])
    if latest:
        return PublicationDate(
            None,
            None,
            (latest[0].isoformat(), None),
            f"no date given; the text mentions {latest[1]!r}, so it appeared on or after that day",
        )
    return PublicationDate(None, None, None, "no date given and none inferable")


# ------------------------------------------------------------------------------------------------ events


def _head_distance(a: Token, b: Token) -> float:
    """Edges between two tokens of one sentence through their lowest common head (inf: no common head)."""
    depth: dict[int, int] = {}
    token, steps = a, 0
    while True:
        depth[token.i] = steps
        if token.head.i == token.i:
            break
        token, steps = token.head, steps + 1
    token, steps = b, 0
    while token.i not in depth:
        if token.head.i == token.i:
            return float("inf")
        token, steps = token.head, steps + 1
    return depth[token.i] + steps


def _name_tokens(token: Token, deps: frozenset[str] | set[str] = NAME_DEPS) -> list[Token]:
    """The token and the modifiers that stay inside its name phrase (no clauses, no prepositions)."""
    out, stack = [], [token]
    while stack:
        tok = stack.pop()
        out.append(tok)
        stack.extend(c for c in tok.children if c.dep_ in deps)
    return out


def _participant_heads(token: Token) -> list[Token]:
    """The argument head plus its conjuncts and appositions ("Trump and his adviser, John Bolton"); a common
    noun head also brings its possessor ("Turkey's president") and, unless it is an apposition, a proper-noun
    modifier ("the FNV union")."""
    out, stack, seen = [], [(token, True)], set()
    while stack:
        tok, direct = stack.pop()
        if tok.i in seen:
            continue
        seen.add(tok.i)
        out.append(tok)
        stack.extend((c, c.dep_ == "conj") for c in tok.children if c.dep_ in ("conj", "appos"))
        if tok.pos_ == "NOUN":
            stack.extend((c, False) for c in tok.children if c.dep_ == "poss")
            if direct:  # "the FNV union", but not "Mohammed bin Zayed, a Haftar supporter"
                stack.extend((c, False) for c in tok.children if c.dep_ == "compound" and c.pos_ == "PROPN")
    return out


def _phrase(tokens: list[Token], drop_appos: bool = True) -> str:
    if not tokens:
        return ""
    doc = tokens[0].doc
    keep = set()
    for tok in tokens:
        keep.add(tok.i)
    if drop_appos:  # summaries read better without the appositive ("Turkey's president, Recep Erdogan")
        for tok in tokens[1:]:
            if tok.dep_ == "appos":
                keep -= {t.i for t in tok.subtree}
    keep = keep or {tokens[0].i}
    lo, hi = min(keep), max(keep)
    return doc[lo : hi + 1].text.strip(" ,")


def _participant_key(ent: Span) -> str:
    words = [w for w in re.split(r"[\s]+", normalise_text(ent.text)) if w not in ("the", "'s", "’s")]
    words = [re.sub(r"['’]s$", "", w).replace(".", "") for w in words]
    name = words[-1] if ent.label_ == "PERSON" and words else " ".join(words)
    return f"{ent.label_}:{name}"


@dataclass
class _Arguments:
    participants: list[Token] = field(default_factory=list)  # argument head tokens
    places: list[Token] = field(default_factory=list)
    subject: Token | None = None
    obj: Token | None = None


def _subjects(verb: Token) -> list[Token]:
    subs = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "csubj")]
    subs += [g.children.__next__() for g in verb.children if g.dep_ == "agent" and list(g.children)]
    if not subs and verb.dep_ in ("conj", "xcomp", "advcl") and verb.head.i != verb.i:
        return _subjects(verb.head)
    if subs and subs[0].lower_ in ("that", "which", "who") and verb.dep_ == "relcl":
        return [verb.head]  # "the uprising that ousted Gaddafi": the relative pronoun stands for its noun
    return subs


def _arguments(pred: Token, nominal: bool, lexicon: EventLexicon) -> _Arguments:
    args = _Arguments()
    preps = PARTICIPANT_PREPS | (NOMINAL_ONLY_PREPS if nominal else set())
    if nominal:
        owners = [c for c in pred.children if c.dep_ in ("poss", "compound", "nmod")]
        args.participants.extend(owners)
        args.subject = owners[0] if owners else None
        head = pred.head
        # "In a phone call to X, Trump warned": the clause subject made the call; so does "Trump made a call".
        if (
            pred.dep_ == "pobj"
            and head.dep_ == "prep"
            and head.lower_ in CARRIER_PREPS
            and head.head.pos_ in ("VERB", "AUX")
        ) or (pred.dep_ == "dobj" and head.lemma_.lower() in lexicon.light_verbs):
            verb = head.head if pred.dep_ == "pobj" else head
            subs = _subjects(verb)
            args.participants.extend(subs)
            args.subject = args.subject or (subs[0] if subs else None)
        if (
            pred.dep_ == "pobj"
        ):  # the parser often hangs "with Haftar" on the preposition: "In calls ... with Haftar"
            for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ in PARTICIPANT_PREPS):
                args.participants.extend(c for c in prep.children if c.dep_ == "pobj")
    else:
        subs = _subjects(pred)
        args.participants.extend(subs)
        args.subject = subs[0] if subs else None
        objs = [c for c in pred.children if c.dep_ in ("dobj", "dative", "obj", "oprd")]
        args.participants.extend(objs)
        args.obj = objs[0] if objs else None
        for obj in objs:  # "discussed efforts with Haftar": the parser hangs the partner on the object
            for prep in (c for c in obj.children if c.dep_ == "prep" and c.lower_ in ("with", "between")):
                args.participants.extend(c for c in prep.children if c.dep_ == "pobj")
    for prep in (c for c in pred.children if c.dep_ == "prep"):
        objs = [c for c in prep.children if c.dep_ == "pobj"]
        if prep.lower_ in preps:
            args.participants.extend(objs)
            args.obj = args.obj or (objs[0] if objs else None)
        elif prep.lower_ in LOCATIVE_PREPS:
            args.places.extend(objs)
    return args


def _predicate_class(token: Token, lexicon: EventLexicon) -> tuple[str, bool] | None:
    """(class, nominal) when the token is an event predicate."""
    lemma = token.lemma_.lower()
    if token.pos_ == "VERB" and token.dep_ not in ("amod", "compound"):
        cls = lexicon.verb_class.get(lemma)
        needed = lexicon.verb_particles.get(lemma)
        if needed and not any(c.dep_ in ("prt", "advmod") and c.lower_ in needed for c in token.children):
            return None
        return (cls, False) if cls else None
    if token.pos_ in ("NOUN", "PROPN") and token.dep_ != "compound":
        cls = lexicon.noun_class.get(lemma)
        if cls is None:
            return None
        needed = lexicon.noun_modifiers.get(lemma)
        if needed:
            mods = " ".join(c.lower_ for c in token.children if c.dep_ in ("compound", "amod"))
            if not any(m in mods for m in needed):
                return None
        return cls, True
    return None


def _cast_index(entities: Sequence[Entity] | None) -> dict[str, list[tuple[int, int, str]]]:
    index: dict[str, list[tuple[int, int, str]]] = {}
    for ent in entities or []:
        for m in ent.mentions:
            index.setdefault(m.article, []).append((m.start, m.end, ent.id))
    for spans in index.values():
        spans.sort()
    return index


class _CastSpans:
    """One article's cast mentions, sorted, for overlap lookups by bisect instead of a scan."""

    def __init__(self, spans: list[tuple[int, int, str]]):
        self.spans = spans  # sorted (start, end, id)
        self.starts = [s for s, _, _ in spans]
        self.longest = max((e - s for s, e, _ in spans), default=0)

    def key(self, span_start: int, span_end: int) -> str | None:
        """The cast entity whose mention overlaps the span most (the first such in sorted order)."""
        best = None
        # An overlapping mention starts before span_end and less than the longest mention before span_start.
        for k in range(
            bisect_right(self.starts, span_start - self.longest), bisect_left(self.starts, span_end)
        ):
            start, end, eid = self.spans[k]
            overlap = min(end, span_end) - max(start, span_start)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, eid)
        return best[1] if best else None


def article_times(parsed: ParsedArticle) -> list[TimeExpression]:
    """The article's time expressions, resolved against its publication date."""
    article = parsed.article
    pub = publication_date(
        article.published, article.text, article.metadata_sources.get("published", "metadata")
    ).date
    return find_temporal_expressions(parsed.doc, pub)


def extract_event_mentions(
    parsed: ParsedArticle,
    entities: Sequence[Entity] | None = None,
    times: list[TimeExpression] | None = None,
) -> list[EventMention]:
    """Event mentions of one article, in text order.

    Each: ``{"article", "start", "end"`` (sentence span), ``"trigger": {"start", "end", "text", "lemma"},
    "type", "nominal", "plural", "participants": [keys], "names": {key: text}, "subject", "object", "where",
    "time"`` (the attached temporal expression or None), ``"summary"}``. Participant keys are cast entity ids
    when ``entities`` is given (by span overlap with that article's mentions), else "LABEL:normalised name".
    """
    cast = _cast_index(entities).get(parsed.id, []) if entities is not None else None
    return _event_mentions(parsed, cast, article_times(parsed) if times is None else times)


def _event_mentions(
    parsed: ParsedArticle, cast_spans: list[tuple[int, int, str]] | None, expressions: list[TimeExpression]
) -> list[EventMention]:
    article, doc = parsed.article, parsed.doc
    lexicon = load_event_lexicon()
    cast = _CastSpans(cast_spans) if cast_spans is not None else None
    # Token.sent scans to the sentence boundaries on every call: sentences are looked up by bisect instead.
    sents = list(doc.sents)
    sent_token_starts = [sent.start for sent in sents]

    def sentence_no(token_i: int) -> int:
        return max(0, bisect_right(sent_token_starts, token_i) - 1)

    ent_by_token: dict[int, Span] = {}
    for doc_ent in doc.ents:
        if doc_ent.label_ in PARTICIPANT_LABELS:
            for tok in doc_ent:
                ent_by_token[tok.i] = doc_ent
    time_tokens: set[int] = set()
    for expr in expressions:
        span = doc.char_span(expr["start"], expr["end"], alignment_mode="expand")
        time_tokens.update(t.i for t in span or [])

    predicates: list[tuple[Token, str, bool]] = []
    for token in doc:
        if token.i in time_tokens:
            continue
        found = _predicate_class(token, lexicon)
        if found:
            predicates.append((token, *found))
    predicate_at = [p.i for p, _, _ in predicates]  # token order
    by_sentence: dict[int, list[Token]] = {}
    for p, _, _ in predicates:
        by_sentence.setdefault(sentence_no(p.i), []).append(p)

    attached: dict[int, list[TimeExpression]] = {}
    for expr in expressions:
        span = doc.char_span(expr["start"], expr["end"], alignment_mode="expand")
        if span is None:
            continue
        root = span.root
        root_sentence = sentence_no(root.i)
        # The tree distance is infinite across sentences: only this sentence's predicates can be attached.
        best = min(
            ((_head_distance(root, p), abs(p.i - root.i), p.i) for p in by_sentence.get(root_sentence, [])),
            default=None,
        )
        if best and best[0] <= MAX_ATTACH_DISTANCE:
            attached.setdefault(best[2], []).append(expr)
            continue
        # The parser often hangs a trailing time on the main verb ("trapped when a tunnel collapsed at El
        # Teniente on Saturday, families kept vigil"): fall back to a predicate just before it, no verb between.
        window = range(
            bisect_left(predicate_at, span.start - LINEAR_ATTACH_WINDOW),
            bisect_left(predicate_at, span.start),
        )
        near = [
            p
            for p, _, _ in (predicates[k] for k in window)
            if sentence_no(p.i) == root_sentence
            and not any(t.pos_ in ("VERB", "AUX") for t in doc[p.i + 1 : span.start])
        ]
        if near:
            attached.setdefault(max(near, key=lambda p: p.i).i, []).append(expr)

    mentions = []
    by_token: dict[int, dict[str, Any]] = {}
    for token, cls, nominal in predicates:
        args = _arguments(token, nominal, lexicon)
        participants: dict[str, str] = {}
        for head in args.participants:
            for tok in _participant_heads(head):
                ent = ent_by_token.get(tok.i)
                if ent is not None and ent.start <= token.i < ent.end:
                    continue
                if cast is not None:  # the cast also knows names spaCy missed ("Mr. Hifter", "the LNA")
                    chars = (
                        (ent.start_char, ent.end_char) if ent is not None else (tok.idx, tok.idx + len(tok))
                    )
                    key = cast.key(*chars)
                    if key:
                        participants.setdefault(key, ent.text if ent is not None else tok.text)
                        continue
                if ent is not None:
                    participants.setdefault(_participant_key(ent), ent.text)
        places = sorted(
            {
                ent_by_token[t.i].text
                for h in args.places
                for t in _name_tokens(h)
                if t.i in ent_by_token and ent_by_token[t.i].label_ in PLACE_LABELS
            }
        )
        times = attached.get(token.i, [])
        time = _finest(times)
        sent = sents[sentence_no(token.i)]
        mention: dict[str, Any] = {
            "article": article.id,
            "start": sent.start_char,
            "end": sent.end_char,
            "trigger": {
                "start": token.idx,
                "end": token.idx + len(token.text),
                "text": token.text,
                "lemma": token.lemma_.lower(),
            },
            "type": cls,
            "nominal": nominal,
            "plural": nominal and "Plur" in token.morph.get("Number", None),
            "participants": sorted(participants),
            "names": participants,
            "subject": _phrase(_name_tokens(args.subject)) if args.subject is not None else None,
            "object": _phrase(_name_tokens(args.obj)) if args.obj is not None else None,
            "where": places,
            "time": time,
            "_token": token,
        }
        mention["summary"] = _summary(token, nominal, args)
        by_token[token.i] = mention
        mentions.append(mention)

    for mention in mentions:  # "spoke by phone earlier in the week and discussed ...": conjuncts share a time
        token = mention["_token"]
        if mention["time"] is None and token.dep_ == "conj" and token.head.i in by_token:
            mention["time"] = by_token[token.head.i]["time"]
    trigger_starts = [m["trigger"]["start"] for m in mentions]  # token order
    for expr in expressions:  # "as of Tuesday, a day after Trump's call": the call is a day before Tuesday
        if expr.get("refers_back") is None or not expr["range"]:
            continue
        for k in range(
            bisect_right(trigger_starts, expr["end"]), bisect_right(trigger_starts, expr["end"] + 40)
        ):
            mention = mentions[k]
            if mention["time"] is None and mention["nominal"]:
                day = date.fromisoformat(expr["range"][0]) + timedelta(days=expr["refers_back"])
                mention["time"] = {
                    **expr,
                    "value": day.isoformat(),
                    "range": [day.isoformat()] * 2,
                    "precision": "day",
                    "anchor": f"expression:{expr['start']}-{expr['end']}",
                }
                break

    kept: list[EventMention] = []
    for mention in mentions:
        if mention["type"] in lexicon.needs_time and mention["time"] is None:
            continue
        if not mention["participants"] and mention["time"] is None and not mention["nominal"]:
            continue
        mention.pop("_token")
        kept.append(records.convert(mention, EventMention))
    return kept


def _finest(times: list[TimeExpression]) -> TimeExpression | None:
    resolved = [(t, t["range"]) for t in times if t["range"]]
    if resolved:
        return min(
            resolved,
            key=lambda pair: (
                date.fromisoformat(pair[1][1]) - date.fromisoformat(pair[1][0]),
                pair[0]["start"],
            ),
        )[0]
    return times[0] if times else None


def _summary(token: Token, nominal: bool, args: _Arguments) -> str:
    if nominal:
        core = _phrase(_name_tokens(token, NAME_DEPS - {"appos", "conj", "cc"}))
        preps = [
            c
            for c in token.children
            if c.dep_ == "prep" and c.lower_ in PARTICIPANT_PREPS | NOMINAL_ONLY_PREPS
        ]
        tail = " ".join(
            f"{p.text} {_phrase(_name_tokens(o))}" for p in preps[:1] for o in p.children if o.dep_ == "pobj"
        )
        subject = _phrase(_name_tokens(args.subject)) if args.subject is not None else ""
        text = f"{core} {tail}".strip()
        if token.dep_ in ("nsubj", "nsubjpass") and token.head.pos_ == "VERB":
            text = f"{text} {_verb_phrase(token.head)}"  # "The polls closed", not "The polls"
        if subject and subject not in text:
            text = f"{subject}: {text}"
        return _clip(text)
    verb = _verb_phrase(token)
    subject = _phrase(_name_tokens(args.subject)) if args.subject is not None else ""
    obj = ""
    if args.obj is not None and args.obj.ent_type_ not in ("DATE", "TIME"):  # "on Tuesday" is the date
        prep = args.obj.head if args.obj.dep_ == "pobj" else None
        obj = (f"{prep.text} " if prep is not None else "") + _phrase(_name_tokens(args.obj))
    return _clip(" ".join(p for p in (subject, verb, obj) if p))


# Adverbs that are part of a phrasal verb when they follow it ("shot back", "set up", "called off"): a
# summary without them says something else ("Ryan shot").
PHRASAL_PARTICLES = frozenset({"back", "up", "down", "out", "off", "over", "away", "in", "on"})


def _verb_phrase(verb: Token) -> str:
    """The verb with its auxiliaries, negation and particles, in text order."""
    tokens = [
        t
        for t in verb.children
        if t.dep_ in ("aux", "auxpass", "neg", "prt")
        or (t.dep_ == "advmod" and t.i == verb.i + 1 and t.lower_ in PHRASAL_PARTICLES)
    ]
    return " ".join(t.text for t in sorted([*tokens, verb], key=lambda t: t.i))


def _clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ------------------------------------------------------------------------------------------------ merging

NAME_MATCH = 0.9  # Jaro-Winkler between normalised names: "gaddafi"/"qaddafi" match, "haftar"/"hifter" do not


def _same_participant(a: str, b: str, fuzzy: bool) -> bool:
    if a == b:
        return True
    if not fuzzy:
        return False
    import jellyfish

    name_a, name_b = a.split(":", 1)[-1], b.split(":", 1)[-1]
    if name_a == name_b:  # spaCy may label the same name PERSON in one sentence and ORG in another
        return True
    return (
        min(len(name_a), len(name_b)) >= 4 and jellyfish.jaro_winkler_similarity(name_a, name_b) >= NAME_MATCH
    )


def _shared(a: list[str], b: list[str], fuzzy: bool) -> int:
    return sum(1 for x in a if any(_same_participant(x, y, fuzzy) for y in b))


def _range(mention: EventMention) -> tuple[date, date] | None:
    time = mention.time
    if time is None or not time.range:
        return None
    return date.fromisoformat(time.range[0]), date.fromisoformat(time.range[1])


@dataclass
class _Cluster:
    type: str
    plural: bool
    members: list[EventMention] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    range: tuple[date, date] | None = None
    articles: set[str] = field(default_factory=set)  # of the members, kept as they join


def _overlaps(a: tuple[date, date] | None, b: tuple[date, date] | None) -> bool:
    return a is None or b is None or not (a[0] > b[1] or a[1] < b[0])


def _narrow(a: tuple[date, date] | None, b: tuple[date, date] | None) -> tuple[date, date] | None:
    """Compatible dates narrow each other: "last week" and "Monday" -> the Monday."""
    if a is None or b is None:
        return a or b
    return max(a[0], b[0]), min(a[1], b[1])


def _participant_fit(a: list[str], b: list[str], fuzzy: bool) -> tuple[int, bool]:
    """(shared participants, whether one side's participants are all among the other's)."""
    shared = _shared(a, b, fuzzy)
    subsumed = shared >= 1 and (shared == len(a) or _shared(b, a, fuzzy) == len(b))
    return shared, subsumed


def _in_article_score(mention: EventMention, cluster: _Cluster, fuzzy: bool, is_latest: bool) -> int:
    """> 0 when a mention can join a cluster of the same article (higher = better)."""
    if mention.type != cluster.type or mention.plural != cluster.plural:
        return 0
    if not _overlaps(_range(mention), cluster.range):
        return 0  # incompatible dates: different events
    shared, subsumed = _participant_fit(mention.participants, cluster.participants, fuzzy)
    if shared >= 2 or subsumed:
        return 10 + shared
    # "The call has no meaning": a bare nominal refers back to the latest event of its class in the article.
    if not mention.participants and mention.nominal and is_latest:
        return 1
    return 0


def _absorb(
    cluster: _Cluster,
    members: list[EventMention],
    participants: list[str],
    rng: tuple[date, date] | None,
    fuzzy: bool,
) -> None:
    cluster.members.extend(members)
    cluster.articles.update(m.article for m in members)
    for key in participants:
        if not any(_same_participant(key, k, fuzzy) for k in cluster.participants):
            cluster.participants.append(key)
    cluster.range = _narrow(cluster.range, rng)


def _cluster_article(mentions: list[EventMention], fuzzy: bool) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    # A mention scores 0 against a cluster of another class or number, so only its own bucket is scored.
    buckets: dict[tuple[str, bool], list[int]] = {}
    latest_of_type: dict[str, int] = {}
    for mention in sorted(mentions, key=lambda m: m.trigger.start):
        bucket = buckets.setdefault((mention.type, mention.plural), [])
        scored = [
            (
                _in_article_score(mention, clusters[i], fuzzy, latest_of_type.get(mention.type) == i),
                len(clusters[i].members),
                -i,
            )
            for i in bucket
        ]
        score, _, neg_best = max(scored, default=(0, 0, 1))
        if score <= 0:
            clusters.append(_Cluster(mention.type, mention.plural))
            neg_best = -(len(clusters) - 1)
            bucket.append(len(clusters) - 1)
        _absorb(clusters[-neg_best], [mention], mention.participants, _range(mention), fuzzy)
        latest_of_type[mention.type] = -neg_best
    # a later mention may link two earlier clusters ("calling Haftar" ... "Trump's call to Haftar")
    return _merge_pass(clusters, fuzzy, cross_article=False)


def _can_merge(a: _Cluster, b: _Cluster, fuzzy: bool, cross_article: bool, lexicon: EventLexicon) -> int:
    if a.type != b.type or a.plural != b.plural or not _overlaps(a.range, b.range):
        return 0
    shared, subsumed = _participant_fit(a.participants, b.participants, fuzzy)
    if not cross_article:
        return shared if shared >= 2 or subsumed else 0
    if a.type in lexicon.cross_doc_needs_date and not (a.range and b.range):
        return 0
    # Across outlets one shared name is weak evidence ("Trump's call" is many calls): it counts only when
    # both sides are dated and one side names nobody else.
    if shared >= 2 or (subsumed and a.range is not None and b.range is not None):
        return shared
    # Nobody named on either side ("dockworkers walked out on Monday"): the same predicate on the same day.
    if (
        not a.participants
        and not b.participants
        and a.range
        and a.range == b.range
        and a.range[0] == a.range[1]
    ):
        lemmas_a = {m.trigger.lemma for m in a.members}
        return 1 if lemmas_a & {m.trigger.lemma for m in b.members} else 0
    return 0


class _Candidates:
    """The merged clusters a cluster can merge with (_can_merge > 0), without scanning them all: with exact
    participant names a merge needs a shared participant, or, for two clusters naming nobody, the same day.
    Entries are only added (a cluster's participants grow and its dates narrow), so none is ever missed; a
    stale one is filtered by _can_merge itself."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, bool, str], list[int]] = {}
        self.by_day: dict[tuple[str, bool, date], list[int]] = {}

    def index(self, i: int, cluster: _Cluster) -> None:
        for key in cluster.participants:
            slot = self.by_key.setdefault((cluster.type, cluster.plural, key), [])
            if i not in slot:
                slot.append(i)
        if not cluster.participants and cluster.range and cluster.range[0] == cluster.range[1]:
            slot = self.by_day.setdefault((cluster.type, cluster.plural, cluster.range[0]), [])
            if i not in slot:
                slot.append(i)

    def of(self, cluster: _Cluster) -> list[int]:
        found = {
            i
            for key in cluster.participants
            for i in self.by_key.get((cluster.type, cluster.plural, key), ())
        }
        if not cluster.participants and cluster.range and cluster.range[0] == cluster.range[1]:
            found.update(self.by_day.get((cluster.type, cluster.plural, cluster.range[0]), ()))
        return sorted(found)


def _merge_pass(clusters: list[_Cluster], fuzzy: bool, cross_article: bool) -> list[_Cluster]:
    lexicon = load_event_lexicon()
    merged: list[_Cluster] = []
    # _can_merge is 0 across classes or numbers: each cluster is only compared within its bucket (and, with
    # exact names, only with the clusters that share a participant or a day: see _Candidates).
    buckets: dict[tuple[str, bool], list[int]] = {}
    candidates = None if fuzzy else _Candidates()
    for cluster in clusters:
        bucket = buckets.setdefault((cluster.type, cluster.plural), [])
        options = [
            (_can_merge(merged[i], cluster, fuzzy, cross_article, lexicon), len(merged[i].members), -i)
            for i in (bucket if candidates is None else candidates.of(cluster))
            if not cross_article or not (merged[i].articles & cluster.articles)
        ]
        score, _, neg_best = max(options, default=(0, 0, 1))
        if score > 0:
            _absorb(merged[-neg_best], cluster.members, cluster.participants, cluster.range, fuzzy)
            if candidates is not None:
                candidates.index(-neg_best, merged[-neg_best])
        else:
            merged.append(cluster)
            bucket.append(len(merged) - 1)
            if candidates is not None:
                candidates.index(len(merged) - 1, cluster)
    return merged if len(merged) == len(clusters) else _merge_pass(merged, fuzzy, cross_article)


def merge_event_mentions(
    mentions: Sequence[EventMention], fuzzy_names: bool = True
) -> list[list[EventMention]]:
    """Event mentions grouped into events: first within each article (coreference: same class, compatible
    participants and dates, bare nominals to the latest event of their class), then across articles (same
    class, compatible dates, two shared participants, or one when both sides are dated)."""
    by_article: dict[str, list[EventMention]] = {}
    for mention in mentions:
        by_article.setdefault(mention.article, []).append(mention)
    clusters = [
        c for article in sorted(by_article) for c in _cluster_article(by_article[article], fuzzy_names)
    ]
    return [c.members for c in _merge_pass(clusters, fuzzy_names, cross_article=True)]


def _event_record(members: list[EventMention], fuzzy: bool) -> Event:
    ranges = [(r, m) for m in members if (r := _range(m))]
    rng = None
    if ranges:
        rng = (max(r[0] for r, _ in ranges), min(r[1] for r, _ in ranges))
    date_text = None
    precision = None
    if rng:
        exact = [m for r, m in ranges if r == rng]
        precision = _time(exact[0]).precision if exact else precision_of(*rng)
        # the expression that pinned the date down (the narrowest), in the order the texts appear
        narrowest = min(ranges, key=lambda x: ((x[0][1] - x[0][0]).days, x[1].article, _time(x[1]).start))
        date_text = _time(narrowest[1]).text
        value = format_range(rng[0], rng[1], precision or precision_of(*rng))
    else:
        value = None
        dated = [m.time for m in members if m.time is not None]
        if dated:
            date_text = dated[0].text
            precision = dated[0].precision
    counts: Counter[str] = Counter(k for m in members for k in m.participants)
    participants: list[str] = []
    for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if not any(_same_participant(key, k, fuzzy) for k in participants):
            participants.append(key)
    # The summary comes from the mention naming most participants with the event's commonest predicate.
    lemma_counts = Counter(m.trigger.lemma for m in members)
    richest = min(
        members,
        key=lambda m: (-len(m.participants), -lemma_counts[m.trigger.lemma], m.nominal, m.article, m.start),
    )
    first = min(members, key=lambda m: (m.article, m.trigger.start))
    return Event(
        id="ev-" + stable_id(first.article, str(first.trigger.start), length=12),
        date=value,
        precision=precision,
        date_text=date_text,
        range=(rng[0].isoformat(), rng[1].isoformat()) if rng else None,
        type=richest.type,
        summary=richest.summary,
        participants=sorted(participants),
        where=sorted({w for m in members for w in m.where}),
        articles=sorted({m.article for m in members}),
        mentions=sorted(
            (
                EventMentionRef(
                    article=m.article, start=m.start, end=m.end, trigger=(m.trigger.start, m.trigger.end)
                )
                for m in members
            ),
            key=lambda x: (x.article, x.start, x.trigger),
        ),
    )


def _time(mention: EventMention) -> TemporalExpression:
    """The time of a mention known to be dated."""
    assert mention.time is not None
    return mention.time


def build_timeline(
    articles: Sequence[ParsedArticle], entities: Sequence[Entity] | None = None
) -> list[Event]:
    """The story's events, merged across outlets and sorted by date.

    Returns ``[{"id", "date", "precision", "date_text", "summary", "participants", "mentions": [{"article",
    "start", "end", "trigger"}], "range", "type", "where", "articles"}]``. Dated events come first in date order
    (range start, then end); undated ones follow, ordered by evidence (reporting articles, then mentions).
    ``participants`` are cast entity ids when ``entities`` is given, else "LABEL:normalised name" keys.
    """
    index = _cast_index(entities) if entities is not None else None  # once, not once per article
    mentions = [
        m
        for article in sorted(articles, key=lambda a: a.id)
        for m in _event_mentions(
            article, index.get(article.id, []) if index is not None else None, article_times(article)
        )
    ]
    return timeline_from_mentions(mentions, fuzzy=entities is None)  # with a cast, identity is resolved


def timeline_from_mentions(mentions: Sequence[EventMention], fuzzy: bool = False) -> list[Event]:
    """Events from already extracted event mentions (the stored per-article results), sorted as above."""
    events = [_event_record(members, fuzzy) for members in merge_event_mentions(mentions, fuzzy)]
    dated = sorted(
        (e for e in events if e.range), key=lambda e: (e.range[0], e.range[1], e.id) if e.range else ()
    )
    undated = sorted(
        (e for e in events if not e.range),
        key=lambda e: (-len(e.articles), -len(e.mentions), e.mentions[0].article, e.mentions[0].start),
    )
    return dated + undated


def render_table(*args: Any, **kwargs: Any) -> Table:
    """The terminal table of these records (``newsprism.tables``: the read commands import only that)."""
    from newsprism.tables import event_table

    return event_table(*args, **kwargs)
