"""Who said what: direct quotes, indirect speech, "according to" attributions and block quotations.

Every quote keeps provenance (article id + character span of its content in the cleaned text, plus the span
of the speaker mention and of the cue). The language of attribution (speech and cognition verbs, speaker
nouns, role words, block-quotation signals) lives in ``rules/quotes.toml``; this module only walks the
dependency parse.

Output, one dict per quote (sorted by position)::

    {"id", "article", "start", "end", "text", "kind": "direct|indirect|according_to|partial|block",
     "cue", "cue_start", "cue_end", "segments": [[start, end], ...], "sentence", "source_type", "via",
     "speaker": {"text", "entity", "type", "mention", "start", "end", "resolution", "descriptor"}}

``start``/``end`` cover all segments; a quote split around its cue ("“A,” he said. “B.”") has two segments
and ``text`` joins them with " … ".
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import msgspec

from newsprism.records import Quote, Speaker

if TYPE_CHECKING:
    from rich.table import Table
    from spacy.tokens import Doc, Span, Token

    from newsprism.nlp import ParsedArticle
    from newsprism.records import Entity

KINDS = ("direct", "indirect", "according_to", "partial", "block")
SOURCE_TYPES = (
    "named_official",
    "named_expert",
    "named_citizen",
    "named_person",
    "anonymous",
    "organisation",
    "other_media",
    "unresolved",
)
OPENING_QUOTES = "“\"«„‘`'"
NAME_LABELS = {"PERSON", "ORG", "GPE", "NORP", "FAC"}
# Punctuation allowed between a quotation and its cue clause ("“...,” he said"; "he said: “...”").
# Used with fullmatch(text, pos, endpos), so no slice of the text is copied for the test.
_GLUE_RIGHT = re.compile(r"[\s,;:—–-]*(that\s*)?[\s,:]*")
_GLUE_SPLIT = re.compile(r"[\s,;:.—–-]*")
_EDGE_TRIM = " \t\n,;:—–-"


# --------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class QuoteRules:
    speech_verbs: frozenset[str]
    cognition_verbs: frozenset[str]
    weak_cues: frozenset[str]
    naming_cues: frozenset[str]
    phrasal_cues: frozenset[str]
    document_cues: frozenset[str]
    speaker_nouns: frozenset[str]
    anonymous_nouns: frozenset[str]
    statement_nouns: frozenset[str]
    media_nouns: frozenset[str]
    official_roles: tuple[str, ...]
    expert_roles: tuple[str, ...]
    citizen_roles: tuple[str, ...]
    block_intro: tuple[re.Pattern[str], ...]
    block_end: tuple[re.Pattern[str], ...]
    block_max_paragraphs: int
    person_pronouns: frozenset[str]
    indefinite_speakers: frozenset[str]
    infinitive_verbs: frozenset[str]
    stance_verbs: frozenset[str]
    outlet_names: frozenset[str]
    version: int


@lru_cache(maxsize=1)
def load_rules() -> QuoteRules:
    base = resources.files("newsprism.rules")
    data = tomllib.loads(base.joinpath("quotes.toml").read_text(encoding="utf-8"))
    outlets: set[str] = set()
    for line in base.joinpath("outlets.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            outlets.update(_norm(name) for name in line.split("|"))

    def words(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in data[key])

    return QuoteRules(
        speech_verbs=words("speech_verbs"),
        cognition_verbs=words("cognition_verbs"),
        weak_cues=words("weak_cues"),
        naming_cues=words("naming_cues"),
        phrasal_cues=words("phrasal_cues"),
        document_cues=words("document_cues"),
        speaker_nouns=words("speaker_nouns"),
        anonymous_nouns=words("anonymous_nouns"),
        statement_nouns=words("statement_nouns"),
        media_nouns=words("media_nouns"),
        official_roles=tuple(data["official_roles"]),
        expert_roles=tuple(data["expert_roles"]),
        citizen_roles=tuple(data["citizen_roles"]),
        block_intro=tuple(re.compile(p, re.IGNORECASE) for p in data["block_intro_patterns"]),
        block_end=tuple(re.compile(p) for p in data["block_end_patterns"]),  # case matters: "US" is not "us"
        block_max_paragraphs=int(data["block_max_paragraphs"]),
        person_pronouns=words("person_pronouns"),
        indefinite_speakers=words("indefinite_speakers"),
        infinitive_verbs=words("infinitive_verbs"),
        stance_verbs=words("stance_verbs"),
        outlet_names=frozenset(outlets),
        version=int(data["version"]),
    )


def _norm(name: str) -> str:
    name = re.sub(r"[’']s$", "", name.strip())
    return re.sub(r"^the\s+", "", name, flags=re.IGNORECASE).lower()


def _role_of(description: str, rules: QuoteRules) -> str | None:
    """named_official / named_expert / named_citizen from the words describing a person, or None."""
    low = f" {description.lower()} "
    for role, pattern in _role_patterns(rules.official_roles, rules.expert_roles, rules.citizen_roles):
        if pattern.search(low):
            return role
    return None


@lru_cache(maxsize=4)
def _role_patterns(
    official: tuple[str, ...], expert: tuple[str, ...], citizen: tuple[str, ...]
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One alternation per role (any of its words, as a whole word, plural allowed), compiled once."""
    out = []
    for role, words in (("named_official", official), ("named_expert", expert), ("named_citizen", citizen)):
        if words:
            alternation = "|".join(re.escape(w) for w in words)
            out.append((role, re.compile(rf"(?<![\w-])(?:{alternation})s?(?![\w-])")))
    return tuple(out)


# --------------------------------------------------------------------------------------------- quote marks


_OPEN_MARKS = ("``", "“", "«", "„")
_CLOSE_MARKS = ("”", "»")
_TOGGLE_MARKS = ("''", '"')  # '' is how some archives (the NYT's among them) render double quotes


def _mark_at(text: str, i: int) -> tuple[str, int] | None:
    """The quotation mark starting at ``i``: (open/close/toggle, its length), or None."""
    for kind, marks in (("open", _OPEN_MARKS), ("close", _CLOSE_MARKS), ("toggle", _TOGGLE_MARKS)):
        for mark in marks:
            if text.startswith(mark, i):
                return kind, len(mark)
    return None


def find_quote_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of quoted passages, marks included.

    Curly and straight double marks (and ``''``); a quotation left open at a paragraph end continues when the
    next paragraph opens with a quotation mark (the newspaper convention for multi-paragraph quotes);
    otherwise it is closed at the paragraph end so one stray mark cannot swallow the article. Single marks
    (‘…’, the British house style) count outside double quotes when they close before the paragraph ends.
    """
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    i, n = 0, len(text)
    while i < n:
        # Jump to the next place where something can happen (a mark or a line break): one C-level scan.
        found = _MARK_OR_BREAK.search(text, i)
        if found is None:
            break
        i = found.start()
        ch = text[i]
        if ch == "\n" and open_at is not None:
            j = i
            while j < n and text[j].isspace():
                j += 1
            mark = _mark_at(text, j) if j < n else None
            if mark is not None and mark[0] != "close":
                i = j + mark[1]  # continuation paragraph: stay open
                continue
            end = i
            while end > open_at and text[end - 1].isspace():
                end -= 1
            spans.append((open_at, end))
            open_at = None
            i = j
            continue
        mark = _mark_at(text, i)
        if mark is None:
            i += 1
            continue
        kind, length = mark
        if kind == "open" and open_at is not None and _closes_like_typo(text, i, length):
            kind = "close"  # '“It's unusual,“ said X': an opening mark typed where the closing one belongs
        if open_at is None and kind in ("open", "toggle"):
            open_at = i
        elif open_at is not None and kind in ("close", "toggle"):
            spans.append((open_at, i + length))
            open_at = None
        i += length
    if open_at is not None:
        spans.append((open_at, len(text.rstrip())))
    spans = [(s, e) for s, e in spans if e - s > 3]  # drop inch marks and stray symbols
    return sorted(spans + _single_quote_spans(text, spans))


_MARK_OR_BREAK = re.compile(
    "\n|" + "|".join(re.escape(m) for m in sorted({*_OPEN_MARKS, *_CLOSE_MARKS, *_TOGGLE_MARKS}, key=len))
)


def _closes_like_typo(text: str, i: int, length: int) -> bool:
    """An opening mark glued to the word before it and followed by a space ends a quotation."""
    after = text[i + length : i + length + 1]
    return i > 0 and text[i - 1] in ",.!?;:—–-" and (not after or after.isspace())


_SINGLE = re.compile(r"‘[^‘’\n]{2,600}?’(?![A-Za-z])")


def _single_quote_spans(text: str, double: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # Double spans are disjoint and sorted: only the last one starting at or before a match can hold it.
    double_starts = [s for s, _ in double]
    out = []
    for match in _SINGLE.finditer(text):
        start, end = match.span()
        k = bisect_right(double_starts, start) - 1
        if text[end - 2].isspace() or (k >= 0 and start < double[k][1]):
            continue
        out.append((start, end))
    return out


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


# --------------------------------------------------------------------------------------------- context


@dataclass
class _Attribution:
    kind: str
    segments: list[tuple[int, int]]
    cue: str | None
    cue_span: tuple[int, int] | None
    speaker: Speaker
    source_type: str
    cue_region: tuple[int, int] | None = None
    via: str | None = None


class _Article:
    """One article's parse plus the lookups speaker resolution needs (names, descriptors, quote spans)."""

    def __init__(self, parsed: ParsedArticle, entities: Sequence[Entity] | None, rules: QuoteRules):
        self.id = parsed.id
        self.author = _byline_name(parsed.article.author)
        self.doc = parsed.doc
        self.text = parsed.text
        self.rules = rules
        self.quotes = find_quote_spans(self.text)
        self._quote_starts = [s for s, _ in self.quotes]
        # Quote spans are sorted by start; single-mark spans may enclose double ones, so ends are not sorted:
        # the running maximum of ends bounds every look-back over quotes.
        self._quote_max_end = list(accumulate((e for _, e in self.quotes), max))
        # doc.ents, doc.sents and Token.sent are recomputed by spaCy on every access (a scan of the document
        # or the sentence): computed once here, every lookup is a bisect.
        self.ents: tuple[Span, ...] = tuple(self.doc.ents)
        self._ent_starts = [e.start for e in self.ents]
        self.sents: list[Span] = list(self.doc.sents)
        self._sent_token_starts = [s.start for s in self.sents]
        self.sent_starts = [s.start_char for s in self.sents]
        self._sent_chars: list[int] | None = None
        self.paragraphs = _paragraphs(self.text)
        self._para_starts = [p[0] for p in self.paragraphs]
        self.cast = entities
        self._cast_index: _CastIndex | None = None
        self._person_roles: dict[str, str | None] = {}
        self._described_by: dict[str, tuple[list[int], list[tuple[int, int, str]]]] = {}
        self._index_names()

    def in_quote(self, char: int) -> bool:
        k = bisect_right(self._quote_starts, char) - 1
        return k >= 0 and self.quotes[k][0] <= char < self.quotes[k][1]

    def paragraph_of(self, char: int) -> int:
        return bisect_right(self._para_starts, char) - 1

    def sentence_of(self, char: int) -> int:
        return max(0, bisect_right(self.sent_starts, char) - 1)

    def sent_of(self, tok: Token) -> Span:
        """``tok.sent`` without spaCy's scan to the sentence boundaries."""
        return self.sents[max(0, bisect_right(self._sent_token_starts, tok.i) - 1)]

    def sentence_chars(self, span: Span) -> int:
        """Characters of the sentences a span touches (``sum(len(s.text) for s in span.sents)``)."""
        if self._sent_chars is None:
            self._sent_chars = [s.end_char - s.start_char for s in self.sents]  # len(s.text), no copy
        first = max(0, bisect_right(self._sent_token_starts, span.start) - 1)
        last = max(0, bisect_right(self._sent_token_starts, max(span.start, span.end - 1)) - 1)
        return sum(self._sent_chars[first : last + 1])

    def ent_at(self, token_i: int) -> Span | None:
        k = bisect_right(self._ent_starts, token_i) - 1
        if k >= 0 and self.ents[k].start <= token_i < self.ents[k].end:
            return self.ents[k]
        return None

    def ents_within(self, first: int, last: int) -> Iterator[Span]:
        """Entities lying wholly within tokens first..last (entities are disjoint and sorted)."""
        for k in range(bisect_left(self._ent_starts, first), len(self.ents)):
            ent = self.ents[k]
            if ent.end > last + 1:
                return
            yield ent

    def quotes_from(self, char: int) -> int:
        """Index of the first quote starting at or after ``char``."""
        return bisect_left(self._quote_starts, char)

    def quotes_before(self, char: int) -> int:
        """Number of leading quotes (in start order) that all end at or before ``char``."""
        return bisect_right(self._quote_max_end, char)

    # ------------------------------------------------------------------ names and descriptors

    def _index_names(self) -> None:
        """Full names of people in this article, keyed by each name part, and their descriptions."""
        self.full_name: dict[str, str] = {}
        self.descriptions: dict[str, list[str]] = {}
        self.person_mentions: list[tuple[int, int, str]] = []
        self._subject_mentions: set[int] = set()
        people = [e for e in self.ents if e.label_ == "PERSON"]
        for ent in sorted(people, key=lambda e: -len(e.text)):
            name = _clean_name(ent.text)
            parts = name.split()
            if not parts:
                continue
            self.full_name.setdefault(name.lower(), name)
            if len(parts) > 1:
                self.full_name.setdefault(parts[-1].lower(), name)
        for ent in self.ents:
            canonical = self.canonical(ent.text)
            if canonical is None or (ent.label_ != "PERSON" and ent.label_ not in NAME_LABELS):
                continue
            if self.in_quote(ent.start_char):
                continue
            self.person_mentions.append((ent.start_char, ent.end_char, canonical))
            if ent.root.dep_ in ("nsubj", "nsubjpass"):
                self._subject_mentions.add(ent.start_char)
            self.descriptions.setdefault(canonical, []).extend(self._describe(ent))
        self.person_mentions.sort()
        self._mention_starts = [m[0] for m in self.person_mentions]

    def canonical(self, surface: str) -> str | None:
        name = _clean_name(surface)
        if not name:
            return None
        key = name.lower()
        if key in self.full_name:
            return self.full_name[key]
        last = key.split()[-1]
        return self.full_name.get(last) if last in self.full_name and len(key.split()) == 1 else None

    def _describe(self, ent: Span) -> list[str]:
        """Title words before a name and its apposition ("Acting Defense Secretary X", "X, a protester")."""
        root = ent.root
        out = []
        for child in root.children:
            if (child.i < ent.start or child.i >= ent.end) and child.dep_ in (
                "compound",
                "amod",
                "appos",
                "nmod",
            ):
                out.append(_subtree_text(child))
        if root.dep_ == "appos" and root.head.pos_ in ("NOUN", "PROPN"):
            head = root.head
            out.append(
                " ".join(t.text for t in head.subtree if not (ent.start <= t.i < ent.end) and t.i < ent.start)
            )
        left = self.doc[max(0, ent.start - 4) : ent.start]
        out.append(left.text)
        return [d for d in out if d.strip()]

    def nearest_person_before(self, char: int, max_distance: int = 1500) -> tuple[int, int, str] | None:
        """Antecedent of "he"/"she": the latest person who is a grammatical subject in this or the previous
        sentence (subjects are what pronouns usually continue), else the nearest person mentioned before."""
        sentence = self.sentence_of(char)
        window_start = self.sent_starts[max(0, sentence - 1)]
        k = bisect_right(self._mention_starts, char) - 1
        nearest = None
        while k >= 0:
            mention = self.person_mentions[k]
            k -= 1
            if mention[1] > char:
                continue
            if char - mention[0] > max_distance:
                break
            if nearest is None:
                nearest = mention
            if mention[0] < window_start:
                break
            if mention[0] in self._subject_mentions:
                return mention
        return nearest

    def cast_mention(self, start: int, end: int) -> Entity | None:
        """The cast entity whose mention in this article overlaps the span, if any."""
        if self._cast_index is None:
            self._cast_index = _CastIndex(self.cast or [], self.id)
        return self._cast_index.at(start, end)

    def cast_entity(self, start: int, end: int, name: str | None) -> Entity | None:
        """The cast entity behind a span: overlap with its mention in this article, else a name or alias of
        an entity mentioned in this article (never one that only appears elsewhere)."""
        if self._cast_index is None:
            self._cast_index = _CastIndex(self.cast or [], self.id)
        return self._cast_index.lookup(start, end, name)

    def person_role(self, name: str) -> str | None:
        """The first role word among a person's descriptions in this article, then their cast labels."""
        if name not in self._person_roles:
            role = None
            for text in self.descriptions.get(name, []):
                if (role := _role_of(text, self.rules)) is not None:
                    break
            if role is None and self.cast:
                key = _norm(name)
                for entity in self.cast:
                    if _norm(entity.name) != key:
                        continue
                    for label in entity.labels:
                        if (role := _role_of(label.text, self.rules)) is not None:
                            break
                    if role is not None:
                        break
            self._person_roles[name] = role
        return self._person_roles[name]

    def described_by(self, word: str) -> tuple[list[int], list[tuple[int, int, str]]]:
        """The person mentions whose person some description calls ``word``, with their end offsets (person
        mentions are disjoint entity spans, so sorted by start they are sorted by end too)."""
        if word not in self._described_by:
            matches = {
                name: any(word in d.lower() for d in descriptions)
                for name, descriptions in self.descriptions.items()
            }
            mentions = [m for m in self.person_mentions if matches.get(m[2])]
            self._described_by[word] = ([m[1] for m in mentions], mentions)
        return self._described_by[word]


class _CastIndex:
    """One article's mentions of cast entities, for span-overlap and name lookups in logarithmic time."""

    def __init__(self, cast: Sequence[Entity], article_id: str):
        mentions: list[tuple[int, int, Entity]] = []
        for entity in cast:
            for m in entity.mentions:
                if m.article == article_id:
                    mentions.append((m.start, m.end, entity))
        mentions.sort(key=lambda item: (item[0], item[1], item[2].id))
        self.mentions = mentions
        self.starts = [m[0] for m in mentions]
        self.longest = max((e - s for s, e, _ in mentions), default=0)
        # name or alias (normalised) -> the entity of the earliest mention carrying it, as a scan would find
        self.by_name: dict[str, Entity] = {}
        for _start, _end, entity in mentions:
            names = [entity.name, *(a.text for a in entity.aliases)]
            for n in names:
                if n:
                    self.by_name.setdefault(_norm(n), entity)

    def at(self, start: int, end: int) -> Entity | None:
        """The entity one of whose mentions overlaps the span."""
        # An overlapping mention starts before ``end`` and less than the longest mention before ``start``.
        lo = bisect_right(self.starts, start - self.longest)
        for k in range(lo, bisect_left(self.starts, end)):
            if self.mentions[k][1] > start:
                return self.mentions[k][2]
        return None

    def lookup(self, start: int, end: int, name: str | None) -> Entity | None:
        found = self.at(start, end)
        if found is not None:
            return found
        if name:
            return self.by_name.get(_norm(name))
        return None


_BYLINE_CUT = re.compile(r"\s*(?:[,;|/(@]|\band\b|\bemail\b|\bfor\b|\.\s)", re.IGNORECASE)


def _byline_name(author: str | None) -> str | None:
    """The first writer's name in a byline ("By EDUARDO PORTER. Email: ..." -> "Eduardo Porter"), or None
    when the byline holds no name of two to four words."""
    if not author:
        return None
    text = re.sub(r"^\s*by\s+", "", author, flags=re.IGNORECASE)
    name = _BYLINE_CUT.split(text, maxsplit=1)[0].strip(" .")
    words = name.split()
    if not 2 <= len(words) <= 4 or not all(re.fullmatch(r"[^\W\d_][\w.'’-]*", w) for w in words):
        return None
    return name.title() if name.isupper() else name


def _clean_name(surface: str) -> str:
    name = re.sub(r"[’']s?$", "", surface.strip())
    name = re.sub(r"^(the|The|Mr\.|Mrs\.|Ms\.|Dr\.)\s+", "", name)
    return name.strip()


def _subtree_text(token: Token) -> str:
    return " ".join(t.text for t in token.subtree)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE_TRIM:
        start += 1
    while end > start and text[end - 1] in _EDGE_TRIM:
        end -= 1
    return start, end


# --------------------------------------------------------------------------------------------- speakers


_DROP_FROM_SPEAKER = {"appos", "relcl", "punct", "cc", "conj"}
_NAMING_PREPOSITIONS = frozenset({"of", "for", "from", "at"})


def _speaker_tokens(head: Token, cue: Token) -> list[Token]:
    """The speaker noun phrase: the subject's subtree without appositions, relative clauses and quotes."""
    tokens = [head]
    # "a man in a Michael Jackson fedora": a preposition other than of/for/from/at describes, not names.
    stack = [
        c
        for c in head.children
        if c.dep_ not in _DROP_FROM_SPEAKER
        and not (c.dep_ == "prep" and c.lower_ not in _NAMING_PREPOSITIONS)
    ]
    while stack:
        tok = stack.pop()
        if tok.i == cue.i:
            continue
        tokens.append(tok)
        stack.extend(c for c in tok.children if c.dep_ not in ("appos", "relcl"))
    # Keep the contiguous run around the head (a parse can attach stray tokens far away).
    by_index = {t.i: t for t in tokens}
    lo = hi = head.i
    while lo - 1 in by_index:
        lo -= 1
    while hi + 1 in by_index:
        hi += 1
    run = [by_index[i] for i in range(lo, hi + 1)]
    while run and (run[-1].is_punct or run[-1].is_space or run[-1].dep_ == "case"):
        run.pop()
    first = 0
    while first < len(run) and (run[first].is_punct or run[first].is_space):  # (a blanked dateline)
        first += 1
    return run[first:] or [head]


def _speaker_like(head: Token, ctx: _Article, weak: bool) -> bool:
    low = head.lower_
    if low in ctx.rules.indefinite_speakers:
        return not weak  # '“…,” tweeted another', 'some said': only with a verb of saying
    if head.pos_ == "PRON":
        if low in ctx.rules.person_pronouns:
            return True
        return low == "it" and not weak
    if low in ("this", "that", "which", "what", "who", "there"):
        return False
    if head.pos_ == "PROPN" or head.ent_type_ in NAME_LABELS:
        return True
    lemma = head.lemma_.lower()
    if lemma in ctx.rules.speaker_nouns or low in ctx.rules.speaker_nouns:
        return True
    if not weak and head.pos_ == "NOUN":
        return True  # a strong speech verb ("said", "told") vouches for any noun subject ("delegates said")
    return any(
        c.dep_ == "compound" and (c.pos_ == "PROPN" or c.ent_type_ in NAME_LABELS) for c in head.children
    )


def _name_in(tokens: list[Token], head: Token, ctx: _Article) -> tuple[int, int, str, str] | None:
    """A named entity inside the speaker phrase: (start, end, text, label), preferring the one on the head."""
    if not tokens:
        return None
    first, last = tokens[0].i, tokens[-1].i
    best = None
    if head.ent_type_ in NAME_LABELS:
        # The entity on the head may reach outside a parse-trimmed phrase ("Abdel Fattah El-Sisi").
        on_head = ctx.ent_at(head.i)
        if on_head is not None:
            return on_head.start_char, on_head.end_char, on_head.text, on_head.label_
    for ent in ctx.ents_within(first, last):
        # Off the head only a person or organisation names the source ("U.S." in "U.S. officials" does not).
        if ent.label_ in ("PERSON", "ORG", "FAC"):
            candidate = (ent.start_char, ent.end_char, ent.text, ent.label_)
            if ent.start <= head.i < ent.end:
                return candidate
            if best is None or ent.label_ in ("PERSON", "ORG"):
                best = candidate
    if best is None and head.pos_ == "PROPN":
        run = [t for t in tokens if t.pos_ == "PROPN"]
        if run:
            return (
                run[0].idx,
                run[-1].idx + len(run[-1].text),
                ctx.text[run[0].idx : run[-1].idx + len(run[-1].text)],
                "",
            )
    return best


def _is_media(name: str, ctx: _Article) -> bool:
    key = _norm(name)
    if key in ctx.rules.outlet_names:
        return True
    words = set(re.findall(r"[a-z]+", key))
    return bool(words & ctx.rules.media_nouns) and len(words) <= 5


def _resolve_speaker(head: Token, cue: Token, ctx: _Article) -> tuple[Speaker, str]:
    """The speaker and source type for the subject ``head`` of cue ``cue``."""
    rules = ctx.rules
    tokens = _speaker_tokens(head, cue)
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    mention = ctx.text[start:end]
    descriptor_parts = [_subtree_text(c) for c in head.children if c.dep_ == "appos"]
    descriptor = "; ".join(descriptor_parts) or None
    speaker = Speaker(
        text=mention,
        type="UNKNOWN",
        mention=mention,
        start=start,
        end=end,
        resolution="unresolved",
        descriptor=descriptor,
    )
    anchor = (start, end)
    low = head.lower_

    if head.pos_ == "PRON":
        if low in ("he", "she"):
            found = ctx.nearest_person_before(start)
            if found is not None:
                anchor = (found[0], found[1])
                speaker.text, speaker.type, speaker.resolution = found[2], "PERSON", "pronoun"
                source_type = _person_type(found[2], "", ctx)
                return _attach_entity(speaker, anchor, ctx), source_type
        if low in ("i", "we") and not ctx.in_quote(start):
            # Outside quotation marks the first person is the writer ("I believe", "we know that").
            speaker.text, speaker.type, speaker.resolution = ctx.author or "the author", "PERSON", "author"
            return speaker, "named_person" if ctx.author else "unresolved"
        return speaker, ("organisation" if low == "it" else "unresolved")

    lemma = head.lemma_.lower()
    if lemma in rules.statement_nouns:
        # "a statement from the foreign ministry": the issuer is the speaker.
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in ("from", "by", "of"):
                issuer = next((c for c in prep.children if c.dep_ == "pobj"), None)
                if issuer is not None and _speaker_like(issuer, ctx, weak=True):
                    inner, source_type = _resolve_speaker(issuer, cue, ctx)
                    inner.mention, inner.start, inner.end, inner.descriptor = mention, start, end, descriptor
                    if inner.resolution == "unresolved" or (inner.text or "").islower():
                        phrase = ctx.text[issuer.left_edge.idx : issuer.idx + len(issuer.text)]
                        inner.text = re.sub(r"^(the|a|an)\s+", "", phrase, flags=re.IGNORECASE)
                        source_type = "organisation" if source_type == "unresolved" else source_type
                    return inner, source_type
    named = _name_in(tokens, head, ctx)
    head_is_name = named is not None and named[0] <= head.idx < named[1]
    if named is not None and (
        head_is_name or lemma in rules.statement_nouns or lemma in rules.media_nouns or head.pos_ == "PROPN"
    ):
        n_start, n_end, n_text, label = named
        canonical = ctx.canonical(n_text)
        if canonical is not None:
            label = "PERSON"
            n_text = canonical
        elif label not in ("PERSON",):
            n_text = _clean_name(n_text)
        anchor = (n_start, n_end)
        speaker.text, speaker.resolution = n_text, "name"
        # A name described by a human role ("X, an economist") is a person whatever NER said.
        described_person = head_is_name and descriptor is not None and _role_of(descriptor, rules) is not None
        if (
            label == "PERSON"
            or described_person
            or (not label and head_is_name and len(n_text.split()) >= 2 and not _is_media(n_text, ctx))
        ):
            speaker.type = "PERSON"
            source_type = _person_type(n_text, f"{mention} {descriptor or ''}", ctx)
        else:
            speaker.type = label or "ORG"
            source_type = (
                "other_media" if _is_media(n_text, ctx) or lemma in rules.media_nouns else "organisation"
            )
        return _attach_entity(speaker, anchor, ctx), source_type

    # A nominal: "the spokesman", "three diplomats", "residents", "a White House statement".
    speaker.type = "NOMINAL"
    if lemma in rules.media_nouns and lemma not in rules.statement_nouns:
        return speaker, "other_media"
    if lemma in rules.statement_nouns:
        return speaker, "organisation"
    determiner = next((c.lower_ for c in head.children if c.dep_ in ("det", "poss")), "")
    if determiner in ("the", "this", "that") and head.tag_ in ("NN", "NNP"):
        # A definite role noun naming someone introduced earlier ("the protester").
        found = _descriptor_antecedent(head, start, ctx)
        if found is not None:
            anchor = (found[0], found[1])
            speaker.text, speaker.type, speaker.resolution = found[2], "PERSON", "nominal"
            return _attach_entity(speaker, anchor, ctx), _person_type(found[2], mention, ctx)
    if lemma in rules.anonymous_nouns or head.tag_ == "NNS":
        return speaker, "anonymous"
    return speaker, "organisation" if lemma in rules.speaker_nouns else "unresolved"


def _descriptor_antecedent(head: Token, before: int, ctx: _Article) -> tuple[int, int, str] | None:
    """The latest person mentioned (ending) before ``before`` whom a description calls by the head noun."""
    ends, mentions = ctx.described_by(head.lemma_.lower())
    k = bisect_right(ends, before) - 1
    return mentions[k] if k >= 0 else None


def _person_type(name: str, local_description: str, ctx: _Article) -> str:
    return _role_of(local_description, ctx.rules) or ctx.person_role(name) or "named_person"


def _attach_entity(speaker: Speaker, anchor: tuple[int, int], ctx: _Article) -> Speaker:
    at_mention = ctx.cast_mention(anchor[0], anchor[1])
    entity = at_mention or ctx.cast_entity(anchor[0], anchor[1], speaker.text)
    if entity is not None:
        speaker.entity = entity.id
        speaker.type = entity.type or speaker.type
    if (
        at_mention is not None
        and at_mention.name
        and (speaker.resolution == "name" or at_mention.type == "PERSON")
    ):
        # The cast decided who this mention is (two Obamas and a "Mr. Obama"; "Fox" the network, not
        # Vicente Fox): the speaker's name follows it.
        speaker.text = at_mention.name
    speaker.antecedent = anchor if speaker.resolution in ("pronoun", "nominal") else None
    return speaker


# --------------------------------------------------------------------------------------------- cues


def _subject(cue: Token, ctx: _Article | None = None) -> Token | None:
    def outside(tok: Token) -> bool:
        return ctx is None or not ctx.in_quote(tok.idx)

    def nsubj_of(verb: Token) -> Token | None:
        # The parser can give a verb two subjects ("“Anybody who ...,” said X"): one inside the quotation.
        return next((c for c in verb.children if c.dep_ == "nsubj" and outside(c)), None)

    # "Mike Lee, who declared ...": the speaker is the noun the relative clause describes.
    relative = any(c.dep_ == "nsubj" and c.tag_ in ("WP", "WDT") for c in cue.children)
    if cue.dep_ == "relcl" and relative and cue.head.pos_ in ("PROPN", "NOUN") and outside(cue.head):
        return cue.head
    found = nsubj_of(cue)
    if found is not None:
        return found
    # "She followed that by saying ...", "after hinting that ...": a gerund after a preposition shares the
    # subject of the verb the preposition modifies.
    if cue.dep_ == "pcomp" and cue.tag_ == "VBG" and cue.head.dep_ == "prep" and cue.head.head.pos_ == "VERB":
        found = nsubj_of(cue.head.head)
        if found is not None:
            return found
    # "He paused and added ...", "..., adding: “...”": a coordinated or participle verb shares its subject.
    participle = cue.dep_ in ("advcl", "xcomp") and cue.tag_ == "VBG"
    # "went on to say", "wants to add": an infinitive complement shares the subject (not "asked him to say").
    participle = participle or (
        cue.dep_ == "xcomp" and cue.tag_ == "VB" and not any(c.dep_ == "dobj" for c in cue.head.children)
    )
    if (cue.dep_ == "conj" or participle) and cue.head.pos_ in ("VERB", "AUX"):
        head = cue.head
        # "he looked up, furrowed his brow and said ...": up the chain of coordinated verbs.
        while head.dep_ == "conj" and head.head.pos_ in ("VERB", "AUX") and nsubj_of(head) is None:
            head = head.head
        # '..., telling the crowd, “Some people get ...”': the parse may hang the participle off the quotation.
        while participle and ctx is not None and ctx.in_quote(head.idx) and head.head.i != head.i:
            head = head.head
        found = nsubj_of(head)
        if found is not None:
            return found
    # "she released a statement saying, “...”": the participle hangs off the statement, the speaker is the
    # subject of the verb that issued it.
    if cue.dep_ == "acl" and cue.tag_ == "VBG" and cue.head.pos_ == "NOUN" and cue.head.head.pos_ == "VERB":
        return nsubj_of(cue.head.head)
    return None


def _inverted_subject(cue: Token, ctx: _Article) -> Token | None:
    """'“Where is the money?” asked Priya Raman': the parser may take the speaker for an object."""
    before = ctx.text[max(0, cue.idx - 4) : cue.idx].rstrip()
    if not before or before[-1] not in '”"»':
        return None
    for child in cue.children:
        if (
            child.i > cue.i
            and child.dep_ in ("dobj", "attr", "npadvmod", "dative")
            and (child.pos_ in ("PROPN", "NOUN") or child.lower_ in ctx.rules.indefinite_speakers)
        ):
            return child
    # '..." said retired neurosurgeon Ben Carson, asked about ...': the name may hang off the next verb.
    for tok in cue.doc[cue.i + 1 : min(cue.i + 4, ctx.sent_of(cue).end)]:
        if tok.pos_ in ("PROPN", "NOUN"):
            while tok.dep_ in ("compound", "amod") and tok.head.i > tok.i:
                tok = tok.head
            return tok
        if tok.pos_ not in ("DET", "ADJ", "ADV", "NUM") and tok.dep_ != "amod":
            break
    return None


def _relative_mention(cue: Token, subject: Token, speaker: Speaker) -> Speaker:
    """'Mike Lee, who declared ...': the mention is the relative pronoun, resolved to the noun it describes."""
    if cue.dep_ != "relcl" or subject.i != cue.head.i:
        return speaker
    pronoun = next((c for c in cue.children if c.dep_ == "nsubj" and c.tag_ in ("WP", "WDT")), None)
    if pronoun is None:
        return speaker
    antecedent = speaker.antecedent or (speaker.start, speaker.end)
    return msgspec.structs.replace(
        speaker,
        mention=pronoun.text,
        start=pronoun.idx,
        end=pronoun.idx + len(pronoun.text),
        antecedent=antecedent,
    )


def _name_before(cue: Token, ctx: _Article) -> Token | None:
    """'..., Col. Jane Roe, a military spokeswoman, said': when the parse lost the subject, a person named right
    before the cue (an apposition between commas allowed) is the speaker."""
    sent = ctx.sent_of(cue)
    # People of the sentence ending before the cue, nearest first; only those within 130 characters count.
    for k in range(bisect_right(ctx._ent_starts, cue.i) - 1, -1, -1):
        ent = ctx.ents[k]
        if ent.start < sent.start or cue.idx - ent.end_char > 130:
            break
        if ent.end > cue.i or ent.label_ != "PERSON":
            continue
        between = ctx.text[ent.end_char : cue.idx]
        # (a name inside the apposition, "X, Obama's former chief of staff, said", is skipped over)
        if re.fullmatch(r"\s*(,[^,;:.\"“”]{1,120},)?\s*", between) and not ctx.in_quote(ent.start_char):
            return ent.root
    return None


def _cue_region(cue: Token, subject: Token, ctx: _Article) -> tuple[int, int]:
    """Characters of the attribution clause itself (speaker, verb, auxiliaries, "told reporters")."""
    tokens = [cue, *subject.subtree]
    for child in cue.children:
        if child.dep_ in ("aux", "auxpass", "neg", "advmod", "prt", "dative", "npadvmod", "agent") or (
            child.dep_ in ("dobj", "prep") and len(list(child.subtree)) <= 5
        ):
            tokens.extend(child.subtree)
    # Words of the quotation itself that the parse hung on the cue ('said: "Absolutely. ...').
    tokens = [t for t in tokens if t.i == cue.i or not ctx.in_quote(t.idx)]
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t.text) for t in tokens)
    return start, end


def _content_tokens(tokens: list[Token], ctx: _Article, paragraph: int) -> tuple[int, int] | None:
    # spaCy can run a sentence across a paragraph break; what was said stays in the cue's paragraph.
    tokens = [t for t in tokens if ctx.paragraph_of(t.idx) == paragraph and not t.is_space]
    # A nested "according to X" names a source; it is not part of what was said.
    nested = {
        t.i
        for tok in tokens
        if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to"
        for t in (tok, *tok.doc[tok.i + 1].subtree)
    }
    tokens = [t for t in tokens if t.i not in nested]
    if not tokens:
        return None
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t.text) for t in tokens)
    # Short content counts only when it is a quotation ('called her “weak”').
    if sum(1 for t in tokens if not t.is_punct) < 3 and not _contains_quote((start, end), ctx):
        return None
    # Leading complementizer is part of the clause, not of what was said.
    first = min(tokens, key=lambda t: t.i)
    if first.lower_ == "that" and first.dep_ == "mark":
        start = first.idx + len(first.text)
    start, end = _trim(ctx.text, start, end)
    # A quotation opened inside the content ends with it ("... “are well-aligned on Libya.”").
    for k in range(ctx.quotes_from(start), len(ctx.quotes)):
        q_start, q_end = ctx.quotes[k]
        if q_start >= end:
            break  # starts are sorted: no later quotation opens inside the content
        if end < q_end and ctx.paragraph_of(q_end - 1) == paragraph:
            end = q_end
    if end > start and ctx.text[end - 1] == ".":
        end -= 1
    return (start, end) if end - start >= 3 else None


# Verbs under which a speech verb reports that nothing was said: "declined to say", "refused to comment".
_WITHHOLDING_VERBS = frozenset({"decline", "refuse", "fail"})


def _withheld(cue: Token) -> bool:
    """A speech cue that is negated or refused ("did not say whether", "declined to say"): not an attribution."""
    if any(c.dep_ == "neg" for c in cue.children):
        return True
    return cue.dep_ == "xcomp" and cue.head.lemma_.lower() in _WITHHOLDING_VERBS


def _cue_candidates(doc: Doc) -> Iterator[Token]:
    """The tokens a cue can start from (verbs and "according"), in order, picked from the token arrays: making
    a Token object for every word of a long article costs more than the rest of the stage."""
    if len(doc) == 0:
        return
    strings = doc.vocab.strings  # (hashes of strings; built-in symbols such as "VERB" map to their ids)
    arr = doc.to_array(["LOWER", "POS"])
    for i in ((arr[:, 1] == strings["VERB"]) | (arr[:, 0] == strings["according"])).nonzero()[0]:
        yield doc[int(i)]


def _cue_attributions(ctx: _Article) -> tuple[list[_Attribution], set[int]]:
    """Direct, partial and indirect speech anchored on cue verbs and on "according to"."""
    rules = ctx.rules
    out: list[_Attribution] = []
    cues: list[tuple[Token, Token, tuple[int, int], bool]] = []
    stances: list[tuple[Token, Token]] = []
    quote_only: set[int] = set()
    for tok in _cue_candidates(ctx.doc):
        if ctx.in_quote(tok.idx):
            continue
        if tok.lower_ == "according" and tok.i + 1 < len(ctx.doc) and ctx.doc[tok.i + 1].lower_ == "to":
            att = _according_to(tok, ctx)
            if att is not None:
                out.append(att)
            continue
        lemma = tok.lemma_.lower()
        # Phrasal cues ("went on", "put it", "fired back") introduce quotations only.
        phrasal = tok.pos_ == "VERB" and any(
            f"{lemma} {c.lower_}" in rules.phrasal_cues
            for c in tok.children
            if c.dep_ in ("prt", "dobj", "advmod") and c.i > tok.i
        )
        if phrasal:
            quote_only.add(tok.i)
        speech = lemma in rules.speech_verbs or phrasal
        stance = lemma in rules.stance_verbs
        if tok.pos_ != "VERB" or not (speech or stance or lemma in rules.cognition_verbs):
            continue
        if _withheld(tok):
            continue  # "declined to say whether", "did not say": no one said the content
        subject = _subject(tok, ctx)
        if subject is None and speech:
            subject = _inverted_subject(tok, ctx)
            if subject is None and (subject := _name_before(tok, ctx)) is not None:
                quote_only.add(tok.i)  # a guessed speaker is trusted next to a quotation only
        weak = lemma in rules.weak_cues or not speech
        if subject is None or not (
            _speaker_like(subject, ctx, weak) or (subject.lower_ == "it" and lemma in rules.document_cues)
        ):
            continue
        if stance and not speech:
            stances.append((tok, subject))
            continue
        # A weak cue takes a quotation too ('the sign read “…”', 'she continued: “…”'), except the naming verbs
        # whose quoted words are a label inside the clause ('called it “a disgrace”').
        cues.append((tok, subject, _cue_region(tok, subject, ctx), speech and lemma not in rules.naming_cues))

    # Quotations go to cues in three passes, so a quote is never taken by a neighbour's cue: first the
    # quote just before a cue ("“…,” she said"), then the quote just after one ("she said: “…”"), then the
    # continuation of a split quote in the same paragraph ("“…,” she said in Ohio. “…”").
    used: set[int] = set()
    direct: dict[int, list[int]] = {}
    for tok, _subject_tok, region, can_quote in cues:
        if can_quote:
            k = _quote_before(region, ctx, used)
            if k is not None:
                direct[tok.i] = [k]
                used.add(k)
    embedded: set[int] = set()
    for tok, _subject_tok, region, can_quote in cues:
        if can_quote and tok.i not in direct:
            k = _quote_after(region, ctx, used, embedded)
            if k is not None:
                direct[tok.i] = [k]
                used.add(k)
    for tok, _subject_tok, region, _can_quote in cues:
        if tok.i in direct and ctx.quotes[direct[tok.i][0]][1] <= region[0]:
            k = _split_continuation(region, ctx, used)
            if k is not None:
                direct[tok.i].append(k)
                used.add(k)

    for tok, subject, region, _can_quote in cues:
        channel = None
        content = None
        if tok.i in direct and direct[tok.i][0] in embedded:
            content, channel = _clausal_content(tok, ctx)
            if content is not None and _contains_quote(content, ctx):
                del direct[tok.i]  # the clause around the quotation is what was said (a partial quote)
            else:
                content = channel = None
        if tok.i in direct:
            segments = [ctx.quotes[k] for k in direct[tok.i]]
            if segments[0][1] <= region[0]:
                segments[0] = (_lead_in(ctx, segments[0][0]), segments[0][1])
            kind = "direct"
        elif tok.i in quote_only:
            continue
        else:
            if content is None:
                content, channel = _clausal_content(tok, ctx)
            if content is None:
                continue
            segments = [content]
            kind = "partial" if _contains_quote(content, ctx) else "indirect"
        speaker, source_type = _resolve_speaker(subject, tok, ctx)
        speaker = _relative_mention(tok, subject, speaker)
        att = _Attribution(
            kind,
            segments,
            _cue_text(tok),
            (tok.idx, tok.idx + len(tok.text)),
            speaker,
            source_type,
            cue_region=region,
        )
        if channel is not None and (channel_subject := _subject(channel, ctx)) is not None:
            att.via = _resolve_speaker(channel_subject, channel, ctx)[0].text
        out.append(att)
    for tok, subject in stances:
        content = _stance_content(tok, ctx)
        if content is None:
            continue
        speaker, source_type = _resolve_speaker(subject, tok, ctx)
        kind = "partial" if _contains_quote(content, ctx) else "indirect"
        out.append(
            _Attribution(
                kind,
                [content],
                _cue_text(tok),
                (tok.idx, tok.idx + len(tok.text)),
                speaker,
                source_type,
                cue_region=_cue_region(tok, subject, ctx),
            )
        )
    return out, used


def _stance_content(cue: Token, ctx: _Article) -> tuple[int, int] | None:
    """What a stance verb is about: the rest of its clause after the verb (objects, "as ...", "for ...")."""
    paragraph = ctx.paragraph_of(cue.idx)
    right = [
        t
        for c in cue.children
        if c.i > cue.i and c.dep_ in ("dobj", "prep", "ccomp", "xcomp", "oprd", "advcl")
        for t in c.subtree
    ]
    return _content_tokens(right, ctx, paragraph)


def _quote_before(region: tuple[int, int], ctx: _Article, used: set[int]) -> int | None:
    """The last unused quotation (of those ending before the cue) separated from the cue clause by nothing
    but punctuation and spaces on the same line, unless it closed a sentence of its own."""
    text = ctx.text
    # Only a quotation ending inside the run of glue characters right before the cue qualifies.
    glue_start = region[0]
    while glue_start > 0 and text[glue_start - 1] != "\n" and _is_glue(text[glue_start - 1]):
        glue_start -= 1
    found = None
    for k in range(ctx.quotes_before(region[0]) - 1, -1, -1):
        if ctx._quote_max_end[k] < glue_start:
            break
        e = ctx.quotes[k][1]
        if k in used or e < glue_start:
            continue
        # '“… needs.” He said …': a quote closed by a full stop belongs to the sentence before.
        inner_end = e
        while inner_end > 0 and text[inner_end - 1] in "”\"'’»":
            inner_end -= 1
        # Unless the cue clause is all there is of that sentence ('“… missing.” Trump said.').
        closed_sentence = (
            text[inner_end - 1 : inner_end] == "."
            and text[region[0] : region[0] + 1].isupper()
            and not re.match(r"\.?\s*(\n|$)", text[region[1] : region[1] + 3])
        )
        found = None if closed_sentence else k
        break
    return found


def _is_glue(ch: str) -> bool:
    return ch.isspace() or ch in ",;:—–-"


def _quote_after(region: tuple[int, int], ctx: _Article, used: set[int], embedded: set[int]) -> int | None:
    k = ctx.quotes_from(region[1])
    if k == len(ctx.quotes):
        return None
    s, e = ctx.quotes[k]
    if k not in used and _GLUE_RIGHT.fullmatch(ctx.text, region[1], s):
        # 'saying “on her worst day” she would be ...': the quotation is only part of the clause that was
        # said; the clause (a partial quote) is the content, not the quoted words alone.
        if re.match(r"[ \t]*[a-z]", ctx.text[e : e + 20]):
            embedded.add(k)
        return k
    return None


def _lead_in(ctx: _Article, quote_start: int) -> int:
    """'the prime minister “looked ashen,” X said': a quotation that continues its sentence's own words takes
    them along (from the sentence start); a quotation opening its sentence starts where it is."""
    text = ctx.text
    start = max(
        ctx.sent_starts[ctx.sentence_of(quote_start)], ctx.paragraphs[ctx.paragraph_of(quote_start)][0]
    )
    prefix = text[start:quote_start]
    if not re.search(r"[A-Za-z][ \t]+$", prefix) or ctx.in_quote(quote_start - 1):
        return quote_start
    # Cut at an earlier quotation or sentence end inside the prefix (sentence splitting is unreliable).
    quote_ends = []
    for k in range(ctx.quotes_from(quote_start) - 1, -1, -1):
        if ctx._quote_max_end[k] < start:
            break  # no quotation up to here ends inside the prefix
        if start <= ctx.quotes[k][1] <= quote_start:
            quote_ends.append(ctx.quotes[k][1] - start)
    cut = max([m.end() for m in re.finditer(r"[.?!:;][\"”'’]*\s+", prefix)] + quote_ends + [0])
    if len(prefix[cut:].split()) > 25:
        return quote_start
    lead, _ = _trim(text, start + cut, quote_start)
    return lead


def _split_continuation(region: tuple[int, int], ctx: _Article, used: set[int]) -> int | None:
    """After "“A,” he said ...": the next quotation of the same paragraph, with no other quote between."""
    k = ctx.quotes_from(region[1])
    if k == len(ctx.quotes):
        return None
    s = ctx.quotes[k][0]
    if k in used or s - region[1] > 300:  # (checked before any slice of the gap is taken)
        return None
    gap = ctx.text[region[1] : s]
    # The punctuation before the quotation may close the cue clause itself ("said X, an economist,").
    closing = ctx.text[region[1] - 1 : s]
    if "\n" in gap or not re.search(r"[.,;:—–-]\s*$", closing):
        return None
    return k


def _cue_text(tok: Token) -> str:
    particles = [c.text for c in tok.children if c.dep_ == "prt"]
    return " ".join([tok.text, *particles])


def _contains_quote(span: tuple[int, int], ctx: _Article, slack: int = 1) -> bool:
    """A quotation lies within the span (its end may overrun by ``slack`` characters: the closing mark)."""
    for k in range(ctx.quotes_from(span[0]), len(ctx.quotes)):
        s, e = ctx.quotes[k]
        if s > span[1] + slack:
            return False
        if e <= span[1] + slack:
            return True
    return False


def _is_channel(verb: Token, ctx: _Article) -> bool:
    """A short trailing "..., Sky News Arabia reported" clause: it names the channel, not new content."""
    if verb.lemma_.lower() not in ctx.rules.speech_verbs or not any(c.dep_ == "nsubj" for c in verb.children):
        return False
    own = [
        t
        for t in verb.subtree
        if t.dep_ != "ccomp" and not any(a.dep_ == "ccomp" and a.head == verb for a in t.ancestors)
    ]
    own = [t for t in own if not t.is_punct and not t.is_space]
    return bool(own) and min(t.i for t in own) > min(t.i for t in verb.subtree) and len(own) <= 7


def _clausal_content(cue: Token, ctx: _Article) -> tuple[tuple[int, int] | None, Token | None]:
    """The clause a cue introduces (its ccomp, or the clause it interrupts) and a channel verb, if any."""
    paragraph = ctx.paragraph_of(cue.idx)
    for child in cue.children:
        if child.dep_ != "ccomp" or ctx.paragraph_of(child.idx) != paragraph:
            continue
        if child.i > cue.i and _is_channel(child, ctx):
            inner = [c for c in child.children if c.dep_ == "ccomp" and c.i < child.i]
            if inner:
                return _content_tokens(list(inner[0].subtree), ctx, paragraph), child
            continue
        return _content_tokens(list(child.subtree), ctx, paragraph), None
    for child in cue.children:
        # "vowed to “bring our political revolution” to the convention"
        if (
            child.dep_ == "xcomp"
            and child.i > cue.i
            and ctx.paragraph_of(child.idx) == paragraph
            and cue.lemma_.lower() in ctx.rules.infinitive_verbs
        ):
            content = _content_tokens(list(child.subtree), ctx, paragraph)
            if content is not None:
                return content, None
    # The clause's own complements, not coordinated clauses ("called him “X” and left").
    right = sorted(
        (
            t
            for c in cue.children
            if c.i > cue.i and c.dep_ not in ("nsubj", "nsubjpass", "conj", "cc", "punct")
            for t in c.subtree
        ),
        key=lambda t: t.i,
    )
    if right:
        span = (right[0].idx, right[-1].idx + len(right[-1].text))
        if _contains_quote(span, ctx, slack=2):
            # 'called it a “quiet revolution”': the words echoed are what was said.
            return _content_tokens(right, ctx, paragraph), None
        if _clause_as_object(cue, ctx):
            return _content_tokens(right, ctx, paragraph), None
    if cue.dep_ == "parataxis":
        own = set(cue.subtree)
        # "..., he said." (the clause before), or "In office, Mr. Obama said, most Americans came to ..." (the
        # clause the cue interrupts).
        before = cue.i > cue.head.i
        tokens = [t for t in cue.head.subtree if t not in own and (t.i < cue.i or not before)]
        return _content_tokens(tokens, ctx, paragraph), None
    return None, None


_OBJECT_WORDS = frozenset(
    {"word", "thing", "something", "nothing", "anything", "everything", "that", "this", "it", "so", "goodbye",
     "hello", "yes", "no", "prayer", "grace", "much", "little", "lot", "more", "less", "otherwise", "one"}
)  # fmt: skip


def _clause_as_object(cue: Token, ctx: _Article) -> bool:
    """'said many of the examples were decades old': the parse made the content clause's subject the verb's
    object; the clause shows by a finite verb of its own after it (a real object, "said a few words", has none)."""
    if cue.lemma_.lower() not in ("say", "tell") or any(c.dep_ == "ccomp" for c in cue.children):
        return False
    obj = next((c for c in cue.children if c.dep_ == "dobj" and c.i > cue.i), None)
    if obj is None or obj.lemma_.lower() in _OBJECT_WORDS or obj.pos_ == "PRON":
        return False
    return any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") and t.i > obj.i for t in obj.subtree)


_NOT_SOURCES = frozenset(
    {"plan", "schedule", "tradition", "custom", "law", "rule", "script", "design", "need"}
)


def _according_to(tok: Token, ctx: _Article) -> _Attribution | None:
    to = ctx.doc[tok.i + 1]
    pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
    if pobj is None:
        pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
    # "According to" is a strong cue: any noun is a source ("the county clerk", "court records"), except
    # the idioms where it means "as laid down by" ("according to plan").
    if pobj is None or pobj.lemma_.lower() in _NOT_SOURCES or not _speaker_like(pobj, ctx, weak=False):
        return None
    phrase = {tok, *to.subtree}
    head = tok.head
    # A sentence-final "..., according to X." vouches for the whole sentence, wherever the parse attached it.
    sent = ctx.sent_of(tok)
    final = all(t.is_punct or t.is_space or t in phrase for t in tok.doc[tok.i : sent.end])
    whole = final or head.dep_ == "ROOT" or head.i == tok.i
    scope = list(sent) if whole else list(head.subtree)
    tokens = [t for t in scope if t not in phrase]
    content = _content_tokens(tokens, ctx, ctx.paragraph_of(tok.idx))
    if content is None:
        return None
    speaker, source_type = _resolve_speaker(pobj, tok, ctx)
    region = (min(t.idx for t in phrase), max(t.idx + len(t.text) for t in phrase))
    return _Attribution(
        "according_to",
        [content],
        "according to",
        (tok.idx, to.idx + len(to.text)),
        speaker,
        source_type,
        cue_region=region,
    )


# --------------------------------------------------------------------------------------------- blocks


def _blocks(ctx: _Article) -> list[_Attribution]:
    """Block quotations: a paragraph ending in a colon that names a source, then the quoted paragraphs."""
    rules = ctx.rules
    text = ctx.text
    paragraphs = ctx.paragraphs
    out = []
    for i, (p_start, p_end) in enumerate(paragraphs[:-1]):
        if text[p_end - 1] != ":":
            continue
        nxt_start = paragraphs[i + 1][0]
        if text[nxt_start] in OPENING_QUOTES:
            continue  # "He said:" followed by a quotation is an ordinary direct quote
        colon = ctx.doc.char_span(p_end - 1, p_end, alignment_mode="expand")
        if colon is None:
            continue
        # The introducing sentence, cut at the paragraph (spaCy may run it on into the block).
        last_sentence = ctx.doc.char_span(
            max(ctx.sent_of(colon[0]).start_char, p_start), p_end, alignment_mode="expand"
        )
        if last_sentence is None:
            continue
        if not any(p.search(last_sentence.text) for p in rules.block_intro):
            continue
        found = _block_source(last_sentence, ctx)
        if found is None:
            continue
        speaker, source_type, cue, cue_span = found
        end = paragraphs[i + 1][1]
        for q_start, q_end in paragraphs[i + 2 : i + 1 + rules.block_max_paragraphs]:
            body = _outside_quotes(ctx, q_start, q_end)
            if text[q_end - 1] == ":" or any(p.search(body) for p in rules.block_end):
                break
            end = q_end
        if any(p.search(_outside_quotes(ctx, nxt_start, paragraphs[i + 1][1])) for p in rules.block_end):
            continue
        out.append(_Attribution("block", [(nxt_start, end)], cue, cue_span, speaker, source_type))
    return out


def _outside_quotes(ctx: _Article, start: int, end: int) -> str:
    chars = [c if not ctx.in_quote(start + k) else " " for k, c in enumerate(ctx.text[start:end])]
    return "".join(chars)


def _block_source(sentence: Span, ctx: _Article) -> tuple[Speaker, str, str, tuple[int, int]] | None:
    for tok in sentence:
        if tok.lower_ == "according" and tok.i + 1 < len(ctx.doc) and ctx.doc[tok.i + 1].lower_ == "to":
            to = ctx.doc[tok.i + 1]
            pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                speaker, source_type = _resolve_speaker(pobj, tok, ctx)
                return speaker, source_type, "according to", (tok.idx, to.idx + len(to.text))
    for tok in sentence:
        if tok.pos_ == "VERB" and tok.lemma_.lower() in ctx.rules.speech_verbs:
            subject = _subject(tok, ctx)
            if subject is not None and _speaker_like(subject, ctx, weak=False):
                speaker, source_type = _resolve_speaker(subject, tok, ctx)
                return speaker, source_type, tok.text, (tok.idx, tok.idx + len(tok.text))
    for tok in sentence:
        if tok.lower_ == "reportedly":
            speaker = Speaker(
                text="unnamed report",
                type="UNKNOWN",
                mention=tok.text,
                start=tok.idx,
                end=tok.idx + len(tok.text),
                resolution="unresolved",
            )
            return speaker, "other_media", tok.text, (tok.idx, tok.idx + len(tok.text))
    return None


# ------------------------------------------------------------------------------------------ floating quotes


def _floating_quotes(ctx: _Article, attributions: list[_Attribution], used: set[int]) -> None:
    """Quotations with no cue of their own: a continuation of the previous speaker, or a lone quote."""
    text = ctx.text
    para_starts = ctx._para_starts
    # Segments attributed so far (fixed before the loop), by start, with the running maximum of their ends.
    covered = sorted(seg for att in attributions for seg in att.segments)
    covered_starts = [cs for cs, _ in covered]
    covered_max_end = list(accumulate((ce for _, ce in covered), max))
    # The speaker candidates: (end of last segment, position in ``attributions``), kept sorted as they change.
    ends: list[tuple[int, int]] = []

    def track(index: int) -> None:
        att = attributions[index]
        if att.kind in ("direct", "partial", "indirect") and att.segments:
            insort(ends, (att.segments[-1][1], index))

    for index in range(len(attributions)):
        track(index)
    for k, (s, e) in enumerate(ctx.quotes):
        if k in used:
            continue
        c = bisect_right(covered_starts, s) - 1
        if c >= 0 and e <= covered_max_end[c] + 1:
            continue  # inside a segment some cue already attributed
        labelled = _colon_label(ctx, s) or _dash_credit(ctx, e)
        if labelled is not None:
            attributions.append(_Attribution("direct", [(s, e)], ":", labelled[2], labelled[0], labelled[1]))
            track(len(attributions) - 1)
            used.add(k)
            continue
        inner = text[s + 1 : e - 1]
        sent = ctx.doc.char_span(s, e, alignment_mode="expand")
        sentence_chars = ctx.sentence_chars(sent) if sent is not None else len(inner)
        if len(inner.split()) < 6 or len(inner) < 0.6 * sentence_chars:
            continue  # scare quotes, titles, and quoted words inside the author's sentence
        # The previous speaker: the attribution whose last segment ends latest at or before the quote (the
        # first such in list order on a tie).
        p = bisect_right(ends, (s, len(attributions))) - 1
        if p < 0:
            continue
        last_index = ends[bisect_left(ends, (ends[p][0], -1))][1]
        last = attributions[last_index]
        last_end = last.segments[-1][1]
        anchor_end = max(last_end, last.cue_region[1] if last.cue_region else 0)
        gap_paragraphs = bisect_right(para_starts, s) - bisect_right(para_starts, last_end)
        glued = anchor_end >= s or (
            _GLUE_SPLIT.fullmatch(text, anchor_end, s) is not None and text.find("\n", anchor_end, s) < 0
        )
        if last.kind == "direct" and glued:
            last.segments.append((s, e))  # the quotation continues after the cue
            del ends[bisect_left(ends, (last_end, last_index))]
            track(last_index)
        elif gap_paragraphs <= 1 and last.speaker.resolution != "unresolved":
            speaker = msgspec.structs.replace(last.speaker, resolution="previous_speaker")
            attributions.append(_Attribution("direct", [(s, e)], None, None, speaker, last.source_type))
            track(len(attributions) - 1)
        else:
            continue
        used.add(k)


# 'WALLACE: Let’s start with ...', 'PENCE: Well, Chris, ...': a transcript turn is a paragraph opened by the
# speaker's name in capitals and a colon (a label such as "UPDATE:" or "PHOTO:" is none).
_TURN = re.compile(r"[\"“]?[ \t]*(?P<name>[A-Z][A-Z.'’-]{2,}(?:[ \t][A-Z][A-Z.'’-]+){0,2}):[ \t]+(?=\S)")
_NOT_SPEAKER_LABELS = frozenset(
    {"UPDATE", "UPDATED", "NOTE", "EDITOR'S NOTE", "EDITOR’S NOTE", "PHOTO", "PHOTOS", "VIDEO", "WATCH", "READ",
     "RELATED", "READ MORE", "CORRECTION", "CLARIFICATION", "BREAKING", "SOURCE", "SOURCES", "TRANSCRIPT",
     "WARNING", "FACT CHECK", "ANALYSIS", "OPINION", "EXCLUSIVE", "LIVE", "TOPICS", "TAGS"}
)  # fmt: skip


def _transcript_turns(ctx: _Article, attributions: list[_Attribution]) -> list[_Attribution]:
    """Each turn of a transcript: the paragraph after the label, verbatim (a direct quote of the labelled
    speaker), unless a cue already attributed text in it."""
    covered = [seg for att in attributions for seg in att.segments]
    out = []
    for start, end in ctx.paragraphs:
        match = _TURN.match(ctx.text, start, end)
        if match is None or match.group("name").strip(".") in _NOT_SPEAKER_LABELS:
            continue
        speech_start = match.end()
        speech_end = end - 1 if ctx.text[end - 1] in '"”' and ctx.text[start] in '"“' else end
        if speech_end - speech_start < 20 or any(cs < speech_end and speech_start < ce for cs, ce in covered):
            continue
        n_start, n_end = match.span("name")
        label = match.group("name")
        name = label.title()  # the label is in capitals (_TURN)
        speaker = Speaker(
            text=name, type="PERSON", mention=label, start=n_start, end=n_end, resolution="name"
        )
        speaker = _attach_entity(speaker, (n_start, n_end), ctx)
        source_type = _person_type(speaker.text or name, "", ctx)
        out.append(
            _Attribution(
                "direct", [(speech_start, speech_end)], ":", (n_end, n_end + 1), speaker, source_type
            )
        )
    return out


# '“…” ― Sonya Herridge': a dash after the closing mark, then a name that ends the line or the sentence.
_DASH_CREDIT = re.compile(
    r"[ \t\u00a0]*([―—–]|--)[ \t\u00a0]*(?P<name>[^\W\d_][\w.'’-]*(?:[ \u00a0][^\W\d_][\w.'’-]*){0,3})"
    r"[ \t\u00a0]*(?:[,.;]|$)",
    re.MULTILINE,
)


def _dash_credit(ctx: _Article, quote_end: int) -> tuple[Speaker, str, tuple[int, int]] | None:
    """The person a dash after a quotation credits it to (epigraphs, reader voices, embedded posts)."""
    match = _DASH_CREDIT.match(ctx.text, quote_end)
    if match is None:
        return None
    start, end = match.span("name")
    name = match.group("name")
    if not all(w[:1].isupper() for w in name.split()):
        return None
    span = ctx.doc.char_span(start, end, alignment_mode="expand")
    is_person = span is not None and any(t.ent_type_ == "PERSON" for t in span)
    speaker = Speaker(
        text=name,
        type="PERSON" if is_person else "UNKNOWN",
        mention=name,
        start=start,
        end=end,
        resolution="name",
    )
    source_type = _person_type(name, "", ctx) if is_person else "unresolved"
    return _attach_entity(speaker, (start, end), ctx), source_type, match.span(1)


def _colon_label(ctx: _Article, quote_start: int) -> tuple[Speaker, str, tuple[int, int]] | None:
    """'Philip Bump: “…”', 'From the report: “…”': a name or document right before a colon labels the quote."""
    before = ctx.text[max(0, quote_start - 3) : quote_start]
    if not re.search(r":\s*$", before):
        return None
    colon_at = ctx.text.rfind(":", 0, quote_start)
    colon = ctx.doc.char_span(colon_at, colon_at + 1, alignment_mode="expand")
    if colon is None or colon.start == 0:
        return None
    head = ctx.doc[colon.start - 1]
    named = (
        head.ent_type_ in ("PERSON", "ORG")
        or (head.pos_ == "PROPN" and head.text.istitle())
        or head.lemma_.lower() in ctx.rules.statement_nouns
    )
    if not named or head.pos_ not in ("PROPN", "NOUN"):
        return None
    while head.dep_ == "compound" and head.head.i > head.i:
        head = head.head
    speaker, source_type = _resolve_speaker(head, colon[0], ctx)
    return speaker, source_type, (colon_at, colon_at + 1)


# --------------------------------------------------------------------------------------------- public API


def extract_quotes(parsed: ParsedArticle, entities: Sequence[Entity] | None = None) -> list[Quote]:
    """Quotes and attributed claims of one article, sorted by position (see the module docstring)."""
    ctx = _Article(parsed, entities, load_rules())
    attributions, used = _cue_attributions(ctx)
    attributions.extend(_blocks(ctx))
    attributions.extend(_transcript_turns(ctx, attributions))
    _floating_quotes(ctx, attributions, used)
    return _records(ctx, _deduplicate(attributions))


_KIND_RANK = {"block": 0, "direct": 1, "according_to": 2, "partial": 3, "indirect": 4}


def _deduplicate(attributions: list[_Attribution]) -> list[_Attribution]:
    """One attribution per content span: when two cues claim the same text, the more specific kind wins."""
    best: dict[tuple[tuple[int, int], ...], _Attribution] = {}
    for att in attributions:
        key = tuple(att.segments)
        current = best.get(key)
        # Same text from two cues: the more specific kind wins, then the one that names its channel
        # ("X said ..., Sky News reported" keeps X, via Sky News), then the earlier cue.
        if current is None or (_KIND_RANK[att.kind], att.via is None) < (
            _KIND_RANK[current.kind],
            current.via is None,
        ):
            best[key] = att
    return list(best.values())


def _records(ctx: _Article, attributions: list[_Attribution]) -> list[Quote]:
    out = []
    for n, att in enumerate(
        sorted(attributions, key=lambda a: (a.segments[0][0], a.segments[-1][1], a.kind))
    ):
        segments = sorted(att.segments)
        start, end = segments[0][0], segments[-1][1]
        out.append(
            Quote(
                id=f"{ctx.id}:q{n}",
                article=ctx.id,
                start=start,
                end=end,
                text=" … ".join(ctx.text[s:e] for s, e in segments),
                kind=att.kind,
                cue=att.cue,
                cue_start=att.cue_span[0] if att.cue_span else None,
                cue_end=att.cue_span[1] if att.cue_span else None,
                segments=segments,
                sentence=ctx.sentence_of(start),
                speaker=att.speaker,
                source_type=att.source_type,
                via=att.via,
            )
        )
    return out


def render_table(*args: Any, **kwargs: Any) -> Table:
    """The terminal table of these records (``newsprism.tables``: the read commands import only that)."""
    from newsprism.tables import quote_table

    return quote_table(*args, **kwargs)
