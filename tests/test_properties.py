"""Properties of the per-article text stages (issue 15, items 9 and 10).

For any input: no exception escapes, every reported span lies inside the text and points at what is
reported, and the output is the same on a second run. The linear-time rewrites (issue 15, item 9) are also
checked against the straightforward versions they replaced, on random inputs small enough for those.

The last section is issue 9's crash: quotes and the timeline must read the cast in the shape entities.py
writes it (aliases and labels are ``{"text", ...}`` records), checked end to end on real articles.
"""

from __future__ import annotations

import copy
import re
from bisect import insort
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsprism import clean as clean_mod
from newsprism.clean import PROMO_REASONS, Block, clean, guess_kind
from newsprism.entities import Label, LocalEntity, Mention, _dedupe_labels, build_entities
from newsprism.nlp import ParsedArticle
from newsprism.quotes import _CastIndex, _norm, _single_quote_spans, find_quote_spans
from newsprism.records import Alias, Entity, EntityMention, Quote
from newsprism.timeline import PRECISIONS, _overlaps_any, publication_date

DATA = Path(__file__).parent / "data"

# --------------------------------------------------------------------------------------------- inputs

# What hostile or merely odd text carries: every quotation mark the finder knows, controls, CR, other line
# separators, a lone surrogate, NUL, non-breaking and zero-width spaces, a BOM.
ODD_CHARS = "“”‘’«»„\"'`\n\n\n\r\t \u00a0\u200b\u2028\u0085\x00\x1b\x7f\ud800\ufeff:;,.—-()"
odd_text = st.text(alphabet=st.sampled_from(ODD_CHARS) | st.characters(), max_size=400)

# Pieces of news prose: names, cues, dates, marks and paragraph breaks, so that the rules actually fire.
FRAGMENTS = [
    "Maria Lopez",
    "John Smith",
    "the spokesman",
    "Dr. Aisha Khan",
    "Mr. Haddad",
    "the Ministry of Roads (MOR)",
    "MOR",
    "said",
    "told reporters",
    "added",
    "according to",
    "she said",
    "he said:",
    "called it",
    "warned that",
    "“",
    "”",
    '"',
    "‘",
    "’",
    "''",
    "``",
    "«",
    "»",
    ",",
    ".",
    ":",
    "\n\n",
    "\n",
    "on Monday",
    "last week",
    "March 3, 2019",
    "2019-04-15",
    "two days later",
    "in 2018",
    "the 1990s",
    "yesterday",
    "next month",
    "at 4:17 a.m.",
    "a day after",
    "the bridge will reopen",
    "prices keep rising",
    "nobody listens to us",
    "The council met",
    "Tripoli",
    "Libya",
]
prose = st.lists(
    st.sampled_from(FRAGMENTS) | st.text(alphabet='abc XYZ,.“”"\n', max_size=8), max_size=60
).map(" ".join)
published = st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()), st.sampled_from(["", "garbage"]))


def _valid_span(text: str, start: Any, end: Any) -> None:
    assert isinstance(start, int) and isinstance(end, int)
    assert 0 <= start <= end <= len(text), (start, end, len(text))


# --------------------------------------------------------------------------------------------- cleaner


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_text | prose, st.booleans(), st.booleans())
def test_clean_spans_valid_and_deterministic(text: str, title_first_line: bool, line_blocks: bool) -> None:
    result = clean(text, title_first_line=title_first_line, line_blocks=line_blocks)
    raw = result.raw_text
    for block in result.blocks:
        _valid_span(raw, block.start, block.end)
        assert raw[block.start : block.end] == block.text
    for span in result.removed:
        _valid_span(raw, span.start, span.end)
        assert raw[span.start : span.end] == span.text and span.reason
        assert 0 <= span.at <= len(result.text) + 2  # (a removed tail block stands after the last kept one)
    # The body is exactly the kept blocks, wrapped lines joined (offsets map one to one).
    kept = [b.text.replace("\n", " ") for b in result.blocks if b.reason is None]
    assert result.text == "\n\n".join(kept)
    assert guess_kind(result) in ("news", "opinion")
    again = clean(text, title_first_line=title_first_line, line_blocks=line_blocks)
    assert repr(again) == repr(result)


_QUOTED_REFERENCE = re.compile(r"“[^”]*”|\"[^\"]*\"")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='ab “”"\n', max_size=60))
def test_strip_quoted_is_the_regex(text: str) -> None:
    """The linear scan that replaced the quadratic regex substitution gives the same text."""
    assert clean_mod._strip_quoted(text) == _QUOTED_REFERENCE.sub(" ", text)


def _smooth_reference(blocks: list[Block], max_run: int = 3) -> None:
    """The smoothing as it was: full passes over every block until nothing changes (quadratic)."""
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(blocks):
            if blocks[i].reason is not None:
                i += 1
                continue
            j = i
            while j < len(blocks) and blocks[j].reason is None and blocks[j].weak:
                j += 1
            prev = blocks[i - 1].reason if i > 0 else None
            nxt = blocks[j].reason if j < len(blocks) else None
            if j > i and j - i <= max_run and prev in PROMO_REASONS and nxt in PROMO_REASONS:
                for block in blocks[i:j]:
                    block.reason = prev
                changed = True
                i = j
                continue
            block = blocks[i]
            nxt = blocks[i + 1].reason if i + 1 < len(blocks) else None
            rest_removed = all(b.reason is not None for b in blocks[i + 1 :])
            if block.heading and nxt in PROMO_REASONS | {"navigation"}:
                block.reason = nxt
                changed = True
            elif block.heading and prev is not None and rest_removed and i > 0:
                block.reason = prev if prev in PROMO_REASONS | {"navigation"} else "navigation"
                changed = True
            i += 1


REASONS = [None, None, None, None, "donation", "newsletter", "navigation", "comments", "caption", "subscribe"]
block_seq = st.lists(
    st.tuples(st.sampled_from(REASONS), st.booleans(), st.booleans()).map(
        lambda t: Block(0, 0, "", reason=t[0], weak=t[1], heading=t[2])
    ),
    max_size=40,
)


@settings(max_examples=1000, deadline=None)
@given(block_seq)
def test_smooth_matches_full_passes(blocks: list[Block]) -> None:
    expected = copy.deepcopy(blocks)
    _smooth_reference(expected)
    clean_mod._smooth(blocks)
    assert [b.reason for b in blocks] == [b.reason for b in expected]


def test_smooth_work_is_linear_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of headings before an appeal joins it one heading per pass; the old loop rescanned every block
    on every pass (n passes of n blocks). Now each block is looked at a bounded number of times."""
    calls = 0
    step = clean_mod._smooth_step

    def counting(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return step(*args)

    monkeypatch.setattr(clean_mod, "_smooth_step", counting)
    n = 3000
    blocks = [Block(0, 0, "", weak=True, heading=True) for _ in range(n)] + [
        Block(0, 0, "", reason="donation")
    ]
    clean_mod._smooth(blocks)
    assert all(b.reason == "donation" for b in blocks)
    assert calls <= 10 * n


# --------------------------------------------------------------------------------------------- quote finder


@settings(max_examples=500, deadline=None)
@given(odd_text | prose)
def test_quote_spans_valid_and_deterministic(text: str) -> None:
    spans = find_quote_spans(text)
    assert spans == sorted(spans) == find_quote_spans(text)
    for start, end in spans:
        _valid_span(text, start, end)
        assert end - start > 3
        assert text[start] in "“«„`\"'‘"  # every span opens on a quotation mark


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="‘’ ab\n“”", max_size=80), st.data())
def test_single_quote_filter_is_the_scan(text: str, data: st.DataObject) -> None:
    """Single-mark spans inside a double quotation are dropped by bisect; the scan it replaced agrees."""
    double = [(s, e) for s, e in find_quote_spans(text) if text[s] not in "‘"]
    got = _single_quote_spans(text, double)
    expected = [
        m.span()
        for m in re.finditer(r"‘[^‘’\n]{2,600}?’(?![A-Za-z])", text)
        if not (text[m.end() - 2].isspace() or any(s <= m.start() < e for s, e in double))
    ]
    assert got == expected


def _check_quotes(text: str, quotes: list[Quote], cast_ids: set[str]) -> None:
    for q in quotes:
        _valid_span(text, q.start, q.end)
        segments = q.segments
        assert segments == sorted(segments) and segments[0][0] == q.start and segments[-1][1] == q.end
        for s, e in segments:
            _valid_span(text, s, e)
        assert q.text == " … ".join(text[s:e] for s, e in segments)
        if q.cue_start is not None:
            _valid_span(text, q.cue_start, q.cue_end)
            words = text[q.cue_start : q.cue_end].split()
            assert q.cue.split()[: len(words)] == words  # the span is the cue's head ("went" of "went on")
        speaker = q.speaker
        assert speaker is not None and speaker.start is not None and speaker.end is not None
        _valid_span(text, speaker.start, speaker.end)
        assert text[speaker.start : speaker.end] == speaker.mention
        if speaker.antecedent:
            _valid_span(text, *speaker.antecedent)
        assert speaker.entity is None or speaker.entity in cast_ids


def _local_cast(article: ParsedArticle) -> list[Entity]:
    """The cast of one article as the per-article stage builds it: entities.py's own records, no linking."""
    from newsprism.entities import extract_local_entities

    locals_ = extract_local_entities(article)
    return build_entities(locals_, [[(i, [])] for i in range(len(locals_))]) if locals_ else []


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prose | odd_text)
def test_quotes_and_entities_on_parsed_text(text: str) -> None:
    from newsprism import nlp
    from newsprism.quotes import extract_quotes

    doc = nlp.load_spacy()(text)
    article = nlp.parsed_doc(doc, "p", outlet="Test")
    cast = _local_cast(article)
    for entity in cast:
        for m in entity.mentions:
            _valid_span(doc.text, m.start, m.end)
            assert doc.text[m.start : m.end] == m.text
        for label in entity.labels:
            if label.in_ == "text":
                assert doc.text[label.start : label.end] == label.text
    assert _local_cast(article) == cast
    for entities in (None, cast):
        quotes = extract_quotes(article, entities)
        _check_quotes(doc.text, quotes, {e.id for e in entities or []})
        assert extract_quotes(article, entities) == quotes


# --------------------------------------------------------------------------------------------- dates


@settings(max_examples=300, deadline=None)
@given(prose | odd_text, published)
def test_publication_date_never_raises(text: str, pub: str | None) -> None:
    found = publication_date(pub, text)
    assert found.reason and (found.date is None or found.source is not None)
    assert found == publication_date(pub, text)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prose | odd_text, published)
def test_temporal_expressions_and_events_on_parsed_text(text: str, pub: str | None) -> None:
    from newsprism import nlp
    from newsprism.timeline import extract_event_mentions, find_temporal_expressions

    doc = nlp.load_spacy()(text)
    found = find_temporal_expressions(doc, pub)
    assert [e["start"] for e in found] == sorted(e["start"] for e in found)
    for expr in found:
        _valid_span(doc.text, expr["start"], expr["end"])
        assert doc.text[expr["start"] : expr["end"]] == expr["text"]
        assert (expr["value"] is None) == (expr["range"] is None)
        if expr["range"]:
            assert expr["range"][0] <= expr["range"][1]
        assert expr["precision"] in PRECISIONS
    assert find_temporal_expressions(doc, pub) == found
    article = nlp.parsed_doc(doc, "t", published=pub)
    cast = _local_cast(article)
    for entities in (None, cast):
        mentions = extract_event_mentions(article, entities)
        for m in mentions:
            _valid_span(doc.text, m.start, m.end)
            trig = m.trigger
            assert doc.text[trig.start : trig.end] == trig.text
            assert m.start <= trig.start < m.end
        assert extract_event_mentions(article, entities) == mentions


spans_strategy = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 12)), max_size=30)


@settings(max_examples=500, deadline=None)
@given(spans_strategy)
def test_overlap_check_is_the_scan(candidates: list[tuple[int, int]]) -> None:
    """Longest-first selection of non-overlapping matches, by bisect and by the scan it replaced."""
    chosen: list[tuple[int, int]] = []
    reference: list[tuple[int, int]] = []
    for start, length in candidates:
        end = start + length
        if not _overlaps_any(chosen, start, end):
            insort(chosen, (start, end))
        if all(end <= s or start >= e for s, e in reference):
            reference.append((start, end))
    assert chosen == sorted(reference)


# --------------------------------------------------------------------------------------------- the cast


def _local(
    article: str, names: list[tuple[int, str]], labels: tuple[tuple[int, str], ...] = ()
) -> LocalEntity:
    local = LocalEntity(article, "Outlet", "PERSON")
    for start, text in names:
        local.mentions.append(Mention(article, start, start + len(text), text, "PERSON", "ner", 0, -1))
    for start, text in labels:
        local.labels.append(
            Label(article, "Outlet", text, start, start + len(text), "title", text.split()[-1])
        )
    return local


def test_cast_records_are_read_in_the_shape_entities_writes() -> None:
    """issue 9: `cast_entity` read aliases as strings; build_entities writes {"text", "count"} records."""
    local = _local("a1", [(0, "Patrick Shanahan"), (60, "Shanahan")], [(100, "acting defense secretary")])
    (entity,) = build_entities([local], [[(0, [])]])
    assert [(a.text, a.count) for a in entity.aliases] == [("Patrick Shanahan", 1), ("Shanahan", 1)]
    index = _CastIndex([entity], "a1")
    assert index.lookup(5, 10, None) is entity  # overlaps a mention
    assert index.lookup(200, 208, "Shanahan") is entity  # no overlap: found by its alias
    assert index.lookup(200, 208, "Nobody Else") is None
    assert _CastIndex([entity], "other-article").lookup(200, 208, "Shanahan") is None


cast_mentions = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 15), st.integers(0, 4)), max_size=25)


@settings(max_examples=300, deadline=None)
@given(cast_mentions, st.integers(0, 70), st.integers(0, 20), st.sampled_from(["A", "B", "C", "Zed", None]))
def test_cast_lookup_is_the_scan(
    mentions: list[tuple[int, int, int]], start: int, length: int, name: Any
) -> None:
    entities = [
        Entity(
            id=f"E{k}",
            name="ABCDE"[k],
            type="PERSON",
            aliases=[Alias(text="Zed" if k == 3 else f"al{k}", count=1)],
            mentions=[],
            labels=[],
            label_groups={},
            articles=["x"],
            merges=[],
        )
        for k in range(5)
    ]
    for s, n, k in mentions:
        entities[k].mentions.append(EntityMention(article="x", start=s, end=s + n, text="", kind="ner"))
    end = start + length
    ordered = sorted(
        ((m.start, m.end, e) for e in entities for m in e.mentions), key=lambda t: (t[0], t[1], t[2].id)
    )
    expected = next((e for s, t, e in ordered if s < end and start < t), None)
    if expected is None and name:
        expected = next(
            (
                e
                for _, _, e in ordered
                if any(_norm(n) == _norm(name) for n in [e.name, *(a.text for a in e.aliases)])
            ),
            None,
        )
    assert _CastIndex(entities, "x").lookup(start, end, name) is expected


LETTERS = "abdehkmnor"


def _edited(word: str, edits: list[tuple[str, int, str]]) -> str:
    chars = list(word)
    for op, at, ch in edits:
        at = at % (len(chars) + 1)
        if op == "delete" and at < len(chars) and len(chars) > 1:
            del chars[at]
        elif op == "insert":
            chars.insert(at, ch)
        elif at < len(chars):
            chars[at] = ch
    return "".join(chars)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_name_index_finds_every_compatible_name(data: st.DataObject) -> None:
    """The index that narrows within-article name matching must never lose a compatible name: everything
    person_names_compatible accepts (in either argument order) is among its candidates, and the token index
    returns exactly the tokens tokens_match accepts. Tokens are near-spellings of a few stems (so the fuzzy
    rules fire), initials, surname-first family names and random strings."""
    from newsprism.entities import _NameIndex, _TokenIndex, person_names_compatible, tokens_match

    stems = data.draw(st.lists(st.text(alphabet=LETTERS, min_size=3, max_size=14), min_size=1, max_size=4))
    edit = st.tuples(
        st.sampled_from(["delete", "insert", "replace"]), st.integers(0, 20), st.sampled_from(LETTERS)
    )
    token = (
        st.tuples(st.sampled_from(stems), st.lists(edit, max_size=3)).map(lambda t: _edited(*t))
        | st.sampled_from(["li", "kim", "wang", "a", "k"])
        | st.text(alphabet=LETTERS, min_size=1, max_size=12)
    )
    key = st.lists(token, min_size=1, max_size=4).map(tuple)
    keys = data.draw(st.lists(key, max_size=25))
    query = data.draw(key)
    index, tokens = _NameIndex(), _TokenIndex()
    index.SMALL = data.draw(st.sampled_from([0, 3]))  # (small articles skip the index: test the index itself)
    for n, k in enumerate(keys):
        index.add(k, n)
        for t in k:
            tokens.add(t)
    found = index.candidates(query)
    for n, k in enumerate(keys):
        if person_names_compatible(query, k) or person_names_compatible(k, query):
            assert n in found, (query, k)
    every = {t for k in keys for t in k}
    for t in set(query):
        assert tokens.matching(t) == {u for u in every if tokens_match(t, u)}


labels_strategy = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 30), st.integers(0, 10)), max_size=30
)


@settings(max_examples=300, deadline=None)
@given(labels_strategy)
def test_label_dedupe_is_the_scan(raw: list[tuple[str, int, int]]) -> None:
    labels = [Label(a, "O", "x", s, s + n, "title", "x") for a, s, n in raw]
    unique = sorted(
        {(lab.start, lab.end): lab for lab in labels}.values(), key=lambda lab: (lab.start, -lab.end)
    )
    expected: list[Label] = []
    for lab in unique:
        if not any(o.start <= lab.start and lab.end <= o.end and o.article == lab.article for o in expected):
            expected.append(lab)
    assert _dedupe_labels(labels) == expected


@pytest.mark.slow
def test_quotes_and_timeline_with_the_resolved_cast_on_real_articles() -> None:
    """The pipeline's order on real text: resolve the cast, then quotes and the timeline read it. Before the
    fix one of these articles raised AttributeError ('dict' object has no attribute 'strip')."""
    from newsprism.api import process_paths
    from newsprism.entities import resolve_entities
    from newsprism.quotes import extract_quotes
    from newsprism.timeline import build_timeline

    articles = process_paths([DATA / "stories" / "corpus.jsonl"])[:20]
    cast = resolve_entities(articles)
    ids = {e.id for e in cast}
    quotes = [q for article in articles for q in extract_quotes(article, cast)]
    for article in articles:
        _check_quotes(article.text, [q for q in quotes if q.article == article.id], ids)
    named = [q for q in quotes if q.speaker and q.speaker.resolution in ("name", "pronoun")]
    cast_speakers = [q for q in named if q.speaker and q.speaker.entity]
    # Speakers named in the text are actors of the cast; most of them are found there.
    assert named and len(cast_speakers) >= 0.9 * len(named), (len(cast_speakers), len(named))
    by_id = {e.id: e for e in cast}
    for q in cast_speakers:  # the speaker's entity is mentioned in the quote's own article
        assert q.speaker and q.speaker.entity
        assert any(m.article == q.article for m in by_id[q.speaker.entity].mentions)
    events = build_timeline(articles, cast)
    assert events and any(set(e.participants) & ids for e in events)
