"""Body extraction on plain text: keep every body paragraph, remove boilerplate with a reason.

The text is split into blocks (paragraphs; lines where a paragraph is really a list of short lines). Each
block is scored against the rules in ``rules/boilerplate.toml``; strong evidence removes a block outright,
weak evidence only when the block sits inside a run of promotional blocks (a donation appeal is several
paragraphs, only some of which say "donate"). Comment sections remove everything after their first marker.
Removed blocks keep their offsets and reason, so nothing is silently lost.
"""

from __future__ import annotations

import heapq
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from newsprism.model import RemovedSpan, normalise_text, same_headline

PROMO_REASONS = frozenset({"donation", "newsletter", "subscribe", "comments"})
TERMINAL_PUNCT = '.!?"”’)…:;'
# Site furniture is short; a paragraph this long is body whatever words it uses (and scoring it is costly).
MAX_SCORED_WORDS = 160
LONG_BLOCK_TRIGGERS = (
    "©",
    "copyright",
    "subscri",
    "donat",
    "newsletter",
    "cookie",
    "sign up",
    "rights reserved",
    "advert",
    "licen",
    "privacy",
    "republish",
    "fundrais",
)


@dataclass
class Block:
    start: int
    end: int
    text: str
    reason: str | None = None  # None = body
    weak: bool = False
    heading: bool = False


@dataclass
class CleanResult:
    text: str  # the cleaned body, paragraphs separated by a blank line
    raw_text: str  # the normalised input the offsets refer to
    removed: list[RemovedSpan]
    blocks: list[Block]
    title: str | None = None
    outlet: str | None = None
    outlet_evidence: str | None = None  # how the outlet was recognised
    author: str | None = None
    published_text: str | None = None
    dateline: str | None = None
    agency: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rules:
    threshold: float
    categories: tuple[tuple[str, tuple[tuple[re.Pattern[str], float], ...]], ...]
    comment_start: tuple[re.Pattern[str], ...]
    caption_prefix: re.Pattern[str]
    credit_end: re.Pattern[str]
    credit_only: re.Pattern[str]
    credit_anywhere: re.Pattern[str]
    credits: tuple[re.Pattern[str], ...]
    source_line: tuple[re.Pattern[str], ...]
    byline: tuple[re.Pattern[str], ...]
    date_line: re.Pattern[str]
    datelines: tuple[re.Pattern[str], ...]
    version: int


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    data = tomllib.loads(resources.files("newsprism.rules").joinpath("boilerplate.toml").read_text("utf-8"))
    ci = re.IGNORECASE
    categories = tuple(
        (cat["reason"], tuple((re.compile(p["re"], ci), float(p["w"])) for p in cat["patterns"]))
        for cat in data["category"]
    )
    return Rules(
        threshold=float(data["threshold"]),
        categories=categories,
        comment_start=tuple(re.compile(p, ci) for p in data["comments"]["start"]),
        caption_prefix=re.compile(data["captions"]["prefix"], ci),
        credit_end=re.compile(data["captions"]["credit_end"]),
        credit_only=re.compile(data["captions"]["credit_only"]),
        credit_anywhere=re.compile(data["captions"]["credit_anywhere"], ci),
        credits=tuple(re.compile(p, ci) for p in data["credits"]["patterns"]),
        source_line=tuple(re.compile(p, ci) for p in data["source_line"]["patterns"]),
        byline=tuple(re.compile(p) for p in data["byline"]["patterns"]),
        date_line=re.compile(data["byline"]["date"], ci),
        datelines=tuple(re.compile(p) for p in data["dateline"]["patterns"]),
        version=int(data["version"]),
    )


@lru_cache(maxsize=1)
def known_outlets() -> dict[str, str]:
    """Alias (lower case) -> canonical outlet name."""
    table: dict[str, str] = {}
    text = resources.files("newsprism.rules").joinpath("outlets.txt").read_text("utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names = [n.strip() for n in line.split("|")]
        for name in names:
            table[name.lower()] = names[0]
    return table


# Outlet names that are also ordinary words: recognised only from explicit patterns, never from a bare mention.
_AMBIGUOUS_OUTLETS = frozenset(
    [
        "time",
        "reason",
        "vice",
        "insider",
        "independent",
        "guardian",
        "economist",
        "observer",
        "slate",
        "salon",
        "telegraph",
        "times",
        "hill",
        "nation",
        "atlantic",
        "conversation",
        "federalist",
        "spiegel",
        "ap",
        "fox",
        "pa",
        "ft",
        "dw",
        "rt",
    ]
)


@lru_cache(maxsize=1)
def _outlet_mention_re() -> re.Pattern[str]:
    names = sorted(
        (n for n, canon in known_outlets().items() if n not in _AMBIGUOUS_OUTLETS and len(n) > 2),
        key=len,
        reverse=True,
    )
    # Case-insensitive but only for multi-word names: "CNN" and "Mother Jones" yes, "time" no.
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])", re.IGNORECASE)


def canonical_outlet(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" .,:;-—\"'“”")
    return known_outlets().get(name.lower(), name)


# ------------------------------------------------------------------------------------------- blocks

_BLANK_SPLIT = re.compile(r"\n[ \t\u00a0]*\n")
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•·▪►»])\s+")


def split_blocks(text: str, *, line_blocks: bool = False) -> list[Block]:
    """Paragraph blocks with offsets. A multi-line paragraph stays whole when its lines are wrapped prose,
    and is split into lines when they look like separate items (menus, lists, comment headers)."""
    blocks: list[Block] = []
    pos = 0
    chunks: list[tuple[int, int]] = []
    for m in _BLANK_SPLIT.finditer(text):
        chunks.append((pos, m.start()))
        pos = m.end()
    chunks.append((pos, len(text)))
    for cstart, cend in chunks:
        lines = _line_spans(text, cstart, cend)
        if not lines:
            continue
        if line_blocks or not _is_wrapped_prose([text[s:e] for s, e in lines]):
            for s, e in lines:
                blocks.append(Block(s, e, text[s:e]))
        else:
            s, e = lines[0][0], lines[-1][1]
            blocks.append(Block(s, e, text[s:e]))
    return blocks


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for m in re.finditer(r"[^\n]+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        raw = text[s:e]
        lead = len(raw) - len(raw.lstrip())
        trail = len(raw) - len(raw.rstrip())
        if e - trail > s + lead:
            spans.append((s + lead, e - trail))
    return spans


def _is_wrapped_prose(lines: list[str]) -> bool:
    if len(lines) == 1:
        return True
    if any(_LIST_MARKER.match(line) for line in lines):
        return False
    # Hard-wrapped prose: every line but the last is long and most do not end a sentence.
    return all(len(line) >= 40 for line in lines[:-1])


# ----------------------------------------------------------------------------------- classification

_READER_ADDRESS = re.compile(
    r"\b(?:[Ww]e|[Ww]e['’](?:re|ve|ll)|[Oo]urs?|us|[Yy]ou|[Yy]our|[Yy]ou['’](?:re|ve|ll))\b"
)
_QUOTE_MARK = re.compile(r"[“\"]")


def _strip_quoted(text: str) -> str:
    """Quoted passages (“…” or "…") replaced by a space: ``re.sub(r'“[^”]*”|"[^"]*"', " ", text)`` in linear
    time. That regex rescans to the end for every “ that is never closed (quadratic on one long paragraph of
    stray marks); here, once a closing mark is known to be absent from the rest of the text, later openings of
    that kind are not searched again."""
    out: list[str] = []
    kept_from = search_from = 0
    exhausted: set[str] = set()
    while len(exhausted) < 2 and (m := _QUOTE_MARK.search(text, search_from)) is not None:
        i = m.start()
        close = "”" if text[i] == "“" else '"'
        j = -1 if close in exhausted else text.find(close, i + 1)
        if j < 0:
            exhausted.add(close)
            search_from = i + 1
            continue
        out.append(text[kept_from:i])
        out.append(" ")
        kept_from = search_from = j + 1
    out.append(text[kept_from:])
    return "".join(out)


def _words(text: str) -> int:
    return len(text.split())


def _is_heading(text: str) -> bool:
    stripped = text.strip()
    return _words(stripped) <= 7 and stripped[-1:] not in TERMINAL_PUNCT


_LIST_ITEM = re.compile(r"^\s*(?:[-*•·▪►]|\d{1,3}[.)])\s")
_DATEISH = re.compile(
    r"\b(?:\d{1,2}:\d{2}|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|\d{4}-\d{2}-\d{2}|"
    r"\d+ (?:min|minute|hour|day)s? (?:read|ago)|updated|published)\b",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(
    r"\b(?:\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{4}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|\d{4}-\d{2}-\d{2})\b",
    re.IGNORECASE,
)


def _is_headline_like(text: str) -> bool:
    """A teaser headline: a capitalised line of a few words that does not end like a sentence."""
    stripped = text.strip()
    n = _words(stripped)
    return (
        3 <= n <= 22
        and stripped[:1].isupper()
        and stripped[-1:] not in TERMINAL_PUNCT + "?"
        and not _LIST_ITEM.match(stripped)
    )


def _category_scores(text: str, rules: Rules) -> dict[str, float]:
    scores: dict[str, float] = {}
    n_words = _words(text)
    if n_words > MAX_SCORED_WORDS:
        return scores
    if n_words > 60 and not _READER_ADDRESS.search(text):
        # A long paragraph that never addresses the reader is body unless it names a site feature.
        low = text.lower()
        if not any(k in low for k in LONG_BLOCK_TRIGGERS):
            return scores
    for reason, patterns in rules.categories:
        total = sum(w for pat, w in patterns if pat.search(text))
        if total:
            scores[reason] = total
    return scores


_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+(?=[A-Z“\"])")


def _is_caption(text: str, rules: Rules) -> bool:
    if _words(text) > 90:
        return False
    if (
        rules.caption_prefix.search(text)
        or rules.credit_only.match(text)
        or rules.credit_anywhere.search(text)
    ):
        return True
    m = rules.credit_end.search(text)
    if not m:
        return False
    ends_sentence = text.rstrip()[-1:] in '.!?"”'
    before = text[: m.start()].split()
    if ends_sentence and before and before[-1][:1].islower():
        return False  # "... confirmed the arrests to Reuters.": an agency closing a sentence of prose
    if len(_SENTENCE_END.findall(text)) >= 3:
        return False  # three sentences are a paragraph, whatever its last word
    credit = m.group(0)
    # A sentence ending in "AC/DC." is body; a credit has no full stop or names a photo agency.
    return text.rstrip()[-1:] not in '.!?"”' or bool(
        re.search(r"Getty|Images|Photo|AP\b|AFP|Reuters|REUTERS|EPA|Shutterstock|Alamy|Xinhua", credit)
    )


def _classify(block: Block, rules: Rules, outlet_names: set[str], total: int) -> None:
    text = re.sub(r"\s+", " ", block.text).strip()
    block.heading = _is_heading(text)
    if not any(ch.isalnum() for ch in text):
        block.reason = "separator"
        return
    if any(p.search(text) for p in rules.credits):
        block.reason = "credit"
        return
    if any(p.match(text) for p in rules.source_line) and _words(text) <= 14:
        block.reason = "source_line"
        return
    if _is_caption(text, rules):
        block.reason = "caption"
        return
    scores = _category_scores(text, rules)
    if scores:
        reason, best = max(scores.items(), key=lambda kv: (kv[1], kv[0]))
        # A bio mid-article is more likely a source's introduction; bios close an article.
        if best >= rules.threshold and (reason != "bio" or block.start >= 0.6 * total):
            block.reason = reason
            return
    unquoted = _strip_quoted(text)
    low = text.lower()
    self_reference = any(name.lower() in low for name in outlet_names)
    block.weak = bool(scores) or bool(_READER_ADDRESS.search(unquoted)) or self_reference or block.heading


def _find_comment_start(blocks: list[Block], rules: Rules, total: int) -> int | None:
    body_seen = 0
    for i, block in enumerate(blocks):
        text = block.text.strip()
        if any(p.search(text) for p in rules.comment_start) and _words(text) <= 20:
            # An early "12 comments" link in a header is navigation, not the start of the thread.
            if body_seen >= 2 and block.start >= 0.3 * total:
                return i
            block.reason = block.reason or "navigation"
        elif block.reason is None and not block.heading:
            body_seen += 1
    return None


def _smooth(blocks: list[Block], max_run: int = 3) -> None:
    """Weak or heading-like blocks inside a run of promotional blocks join it: an appeal is several
    paragraphs, only some of which say "donate".

    The rules are applied in passes until nothing changes (a heading before an appeal joins it, which can
    make the heading before it join too). A pass only revisits the blocks whose neighbourhood changed since
    they were last looked at, so the result is that of full passes over every block, in linear time."""
    n = len(blocks)
    reach = max_run + 1  # a block's decision reads blocks[i - 1] .. blocks[i + reach]
    last_none = max((i for i, b in enumerate(blocks) if b.reason is None), default=-1)
    todo = [i for i, b in enumerate(blocks) if b.reason is None]
    while todo:
        heap = sorted(set(todo))
        queued = set(heap)
        todo = []
        while heap:
            i = heapq.heappop(heap)
            queued.discard(i)
            if blocks[i].reason is not None:
                continue
            changed = _smooth_step(blocks, i, max_run, last_none)
            if changed is None:
                continue
            lo, hi = changed
            if lo <= last_none < hi:
                last_none = lo - 1
                while last_none >= 0 and blocks[last_none].reason is not None:
                    last_none -= 1
                if last_none >= 0:
                    todo.append(last_none)  # it is the last body block now: its rest-removed test changed
            for k in range(max(0, lo - reach), min(n, hi + 1)):
                if blocks[k].reason is not None:
                    continue
                if k > i:
                    if k not in queued:  # still ahead in this pass
                        heapq.heappush(heap, k)
                        queued.add(k)
                else:
                    todo.append(k)  # already passed in this pass: look again in the next one


def _smooth_step(blocks: list[Block], i: int, max_run: int, last_none: int) -> tuple[int, int] | None:
    """One block of a smoothing pass; the range of blocks it relabelled, or None."""
    n = len(blocks)
    j = i
    # The run only matters up to max_run blocks: a longer one never joins the appeal around it.
    while j < min(n, i + max_run + 1) and blocks[j].reason is None and blocks[j].weak:
        j += 1
    prev = blocks[i - 1].reason if i > 0 else None
    nxt = blocks[j].reason if j < n else None
    if j > i and j - i <= max_run and prev in PROMO_REASONS and nxt in PROMO_REASONS:
        for block in blocks[i:j]:
            block.reason = prev
        return i, j
    block = blocks[i]
    nxt = blocks[i + 1].reason if i + 1 < n else None
    rest_removed = last_none == i  # every block after this one is removed
    if block.heading and nxt in PROMO_REASONS | {"navigation"}:
        block.reason = nxt  # a heading introducing an appeal or a teaser list
        return i, i + 1
    if block.heading and prev is not None and rest_removed and i > 0:
        block.reason = prev if prev in PROMO_REASONS | {"navigation"} else "navigation"
        return i, i + 1
    return None


# --------------------------------------------------------------------------------------- metadata


def _detect_outlet(blocks: list[Block], rules: Rules) -> tuple[str | None, str | None]:
    for block in blocks:
        if block.reason == "source_line":
            for pat in rules.source_line:
                m = pat.match(re.sub(r"\s+", " ", block.text).strip())
                if m:
                    return canonical_outlet(m.group("outlet")), "source line"
    counts: Counter[str] = Counter()
    for block in blocks:
        if block.reason in {"donation", "newsletter", "subscribe", "navigation", "comments", "bio", "credit"}:
            for m in _outlet_mention_re().finditer(block.text):
                counts[canonical_outlet(m.group(1))] += 1
            for m in _SELF_REFERENCE.finditer(block.text):
                name = re.sub(r"^(?:the|The)\s+(?=[A-Z])", "The ", (m.group("o") or m.group("o2")).strip())
                if name.lower() not in {"us", "our", "we", "i", "our newsroom"} and len(name) > 2:
                    counts[canonical_outlet(name)] += 2 if m.group("strong") else 1
    if counts:
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return best, "self-reference in site furniture"
    return None, None


_NAME = r"(?P<o>(?:[Tt]he\s+)?[A-Z][\w&-]*(?:\s+(?:of\s+|the\s+|&\s+)?[A-Z][\w&-]*){0,4}?)"
_NAME_END = (
    r"(?=['’]s?\b|\s+(?:Daily|and|newsletter|today|reporters|journalism|is|under|with)\b|\s*[·|•,;.:)]|\s*$)"
)
_SELF_REFERENCE = re.compile(
    r"(?:(?P<strong>©\s*(?:\d{4}\s*)?|\(c\)\s*\d{4}\s+|[Cc]opyright\s+(?:©\s*)?(?:\d{4}\s+)?|appeared first on\s+|"
    r"[Cc]ontinue reading on\s+|(?:covers|reports on|writes about)\s[^.]{3,100}?\sfor\s+|"
    r"(?:reporter|editor|correspondent|columnist|writer)\s(?:at|for|with)\s+)|"
    r"(?:[Ss]upport|[Dd]onate to|[Ss]ubscribe to|[Hh]elp)\s+)"
    + _NAME
    + _NAME_END
    + r"|"
    + _NAME.replace("?P<o>", "?P<o2>")
    + r"\s+is\s+an?\s+(?:[\w-]+,?\s+){0,4}(?:newsroom|news (?:organi[sz]ation|site|outlet)|"
    r"publication|magazine|newspaper)\b"
)


def _mark_teasers(blocks: list[Block]) -> None:
    """Runs of headline-like lines are teaser lists, as is any headline-like line after a teaser header."""
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and blocks[j].reason is None and _is_headline_like(blocks[j].text):
            j += 1
        if j > i:
            after_nav = i > 0 and blocks[i - 1].reason == "navigation"
            if after_nav or j - i >= 2:
                for block in blocks[i:j]:
                    block.reason = "navigation"
            i = j
        else:
            i += 1


def _strip_metadata_blocks(blocks: list[Block], rules: Rules, result: CleanResult) -> None:
    """Bylines and publication-date lines near the top are metadata, not body."""
    seen_body = 0
    for block in blocks[:10]:
        if block.reason is not None:
            continue
        text = re.sub(r"\s+", " ", block.text).strip()
        if _words(text) > 16:
            seen_body += 1
            if seen_body >= 2:
                break
            continue
        # "Sophie Harland Health Reporter 08:12, 8 Jan 2024 Updated 10:47" / "18 September 2023 · 9 min read"
        if _DATEISH.search(text) and text[-1:] not in '.!?"”' and _words(text) <= 25:
            block.reason = "byline"
            full = _FULL_DATE.search(text)
            if full:
                result.published_text = result.published_text or full.group(0)
            continue
        for pat in rules.byline:
            m = pat.match(text)
            if m:
                result.author = result.author or m.group("author").strip()
                block.reason = "byline"
                rest = m.groupdict().get("rest")
                if rest and re.search(r"\d{4}", rest):
                    result.published_text = result.published_text or rest
                break
        if block.reason is None:
            m = rules.date_line.match(text)
            if m and re.search(r"\d", m.group("date")):
                block.reason = "byline"
                if re.search(r"\b(19|20)\d{2}\b", m.group("date")) and not text.lower().startswith(
                    ("updated", "last")
                ):
                    result.published_text = result.published_text or m.group("date")
                elif re.search(r"\b(19|20)\d{2}\b", m.group("date")):
                    result.extra.setdefault("updated_text", m.group("date"))


def dateline_end(text: str) -> int:
    """Where a wire dateline opening ``text`` ends ("WASHINGTON (Reuters) - ", "NAIROBI, Kenya — "), else 0.

    The dateline stays in the stored text; the NLP view blanks it, since a parser reads "RICHMOND, Va. —
    Michelle Obama urged ..." with the place as the subject (a speaker, an event's actor)."""
    m = _dateline_match(text)
    return m.end() if m else 0


def dateline_places(text: str) -> list[tuple[int, int]]:
    """Character spans of the place (and region) of the dateline opening ``text``: mentions of places."""
    m = _dateline_match(text)
    if not m:
        return []
    return [m.span(group) for group in ("place", "region") if m.group(group)]


def _dateline_match(text: str) -> re.Match[str] | None:
    return next((m for p in load_rules().datelines if (m := p.match(text))), None)


def _detect_dateline(blocks: list[Block], rules: Rules) -> tuple[str | None, str | None]:
    for block in blocks:
        if block.reason is None:
            m = next((m for p in rules.datelines if (m := p.match(block.text))), None)
            if not m:
                return None, None
            place = m.group("place").strip()
            place = place.title() if place.isupper() else place
            region = m.group("region")
            dateline = f"{place}, {region}" if region else place
            agency = m.group("agency")
            return dateline, canonical_outlet(agency) if agency else None
    return None, None


# ------------------------------------------------------------------------------------------- clean

_SECTION_LABEL = re.compile(r"^[\w&' -]{2,30}(?:\s*[|›»>/•·]\s*[\w&' -]{2,30}){1,4}$")


_MAX_HEADLINE_WORDS = 40


def _is_paragraph(text: str) -> bool:
    """Too long, or too many sentences, to be a headline."""
    words = _words(text)
    if words > _MAX_HEADLINE_WORDS:
        return True
    return words > 20 and (_SENTENCE_END.search(text) is not None or (words > 25 and text.endswith(".")))


def _take_title(blocks: list[Block], raw: str, result: CleanResult) -> None:
    """The headline is the first line that is not site furniture (cookie banner, section label)."""
    for i, block in enumerate(blocks[:5]):
        text = re.sub(r"\s+", " ", block.text).strip()
        if block.reason is not None and block.reason not in {"duplicate"}:
            continue
        if _SECTION_LABEL.match(text) or (text.isupper() and _words(text) <= 4 and text[-1:] not in "-—–"):
            block.reason = "navigation"
            continue
        if "\n" not in block.text and _is_paragraph(text):
            # A paragraph, not a headline: the first line was the headline though a rule took it for
            # furniture ("WATCH: ...", "... Badly Divides Democrats"); else there is no headline.
            first = blocks[0]
            if i > 0 and _words(first.text) <= _MAX_HEADLINE_WORDS and "\n" not in first.text.strip():
                first.reason = "title"
                first.weak = False
                result.title = re.sub(r"\s+", " ", first.text).strip()
            return
        if "\n" in block.text:  # title line glued to the first paragraph
            cut = block.text.index("\n")
            rest = _line_spans(raw, block.start + cut, block.end)
            # The title's span is its stripped text: offsets and text of a removed block must agree.
            line = block.text[:cut]
            lead, trail = len(line) - len(line.lstrip()), len(line) - len(line.rstrip())
            title_block = Block(block.start + lead, block.start + cut - trail, line.strip())
            body = Block(rest[0][0], rest[-1][1], raw[rest[0][0] : rest[-1][1]])
            body.weak = block.weak
            blocks[i : i + 1] = [title_block, body]
            block = title_block
        block.reason = "title"
        block.weak = False
        result.title = re.sub(r"\s+", " ", block.text).strip()
        return


# Reasons a prose block may have been given by a rule that misfired; never the headline, comments or a
# duplicate, which are certain.
_SOFT_REASONS = frozenset(
    {"caption", "source_line", "credit", "donation", "newsletter", "subscribe", "navigation", "bio", "teaser"}
)
_MIN_PROSE_WORDS = 25


def _keep_some_body(blocks: list[Block]) -> None:
    """When every block was removed, the prose ones were not boilerplate: an article is never emptied by the
    rules ("VIDEO: Ballot harvesting helped ...", a one-paragraph wire story ending "... to Reuters.")."""
    if any(block.reason is None for block in blocks):
        return
    for block in blocks:
        if block.reason in _SOFT_REASONS and _words(block.text) >= _MIN_PROSE_WORDS:
            block.reason = None


def clean(
    text: str,
    *,
    title_first_line: bool = True,
    line_blocks: bool = False,
    known_title: str | None = None,
    outlet_hint: str | None = None,
) -> CleanResult:
    """Clean one article's text. ``title_first_line``: the first line is the headline (plain-text files).
    ``line_blocks``: every line is its own block (text extracted from HTML)."""
    rules = load_rules()
    raw = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    blocks = split_blocks(raw, line_blocks=line_blocks)
    result = CleanResult(text="", raw_text=raw, removed=[], blocks=blocks)

    outlet_names = {outlet_hint} if outlet_hint else set()
    raw_lower = raw.lower()
    outlet_names |= {n for n in known_outlets() if len(n) > 3 and n in raw_lower}
    for block in blocks:
        _classify(block, rules, outlet_names, len(raw))

    if blocks and (title_first_line or same_headline(blocks[0].text, known_title)):
        _take_title(blocks, raw, result)

    comment_start = _find_comment_start(blocks, rules, len(raw))
    if comment_start is not None:
        for block in blocks[comment_start:]:
            block.reason = "comments"

    for block in blocks[:6]:
        text = block.text.strip()
        if block.reason is None and (
            _SECTION_LABEL.match(text) or (text.isupper() and _words(text) <= 4 and text[-1:] not in "-—–")
        ):
            block.reason = "navigation"  # section labels and kickers above or below the headline
    _strip_metadata_blocks(blocks, rules, result)
    if not line_blocks:
        # In text extracted from HTML, short lines are list items and table cells, not teasers.
        _mark_teasers(blocks)

    _smooth(blocks)
    _keep_some_body(blocks)

    seen: set[str] = set()
    for block in blocks:
        key = normalise_text(block.text)
        if key in seen and block.reason is None:
            block.reason = "duplicate"
        seen.add(key)

    result.dateline, result.agency = _detect_dateline(blocks, rules)
    result.outlet, result.outlet_evidence = _detect_outlet(blocks, rules)
    if result.outlet is None and result.agency:
        result.outlet, result.outlet_evidence = result.agency, "dateline"

    kept: list[str] = []
    offset = 0
    for block in blocks:
        if block.reason is None:
            # Wrapped lines become spaces: same length, so sentence offsets map back one-to-one.
            para = block.text.replace("\n", " ")
            if kept:
                offset += 2
            kept.append(para)
            offset += len(para)
        else:
            at = offset + 2 if kept else 0
            result.removed.append(RemovedSpan(block.start, block.end, block.reason, block.text, at))
    result.text = "\n\n".join(kept)
    return result


# -------------------------------------------------------------------------------------------- kind

_FIRST_PERSON = re.compile(r"\b(?:I|I['’](?:m|ve|d|ll)|me|my|mine|we|we['’](?:re|ve)|us|our)\b")
_OPINION_MARKERS = re.compile(
    r"\b(opinion|op-ed|commentary|column|editorial|the views expressed|analysis:)\b", re.IGNORECASE
)
_EVALUATIVE = re.compile(
    r"\b(should(?:n['’]t)?|must|ought|shameful|disgraceful|reckless|absurd|outrageous|of course|clearly|obviously|"
    r"apparently|bullshit|terrible|disastrous|foolish|despotic|appalling)\b",
    re.IGNORECASE,
)


def guess_kind(result: CleanResult) -> str:
    """news | opinion, from first-person and evaluative language outside quotes and from labels."""
    body = _strip_quoted(result.text)
    words = max(1, _words(body))
    if any(
        _OPINION_MARKERS.search(r.text)
        for r in result.removed
        if r.reason in {"navigation", "byline", "title"}
    ):
        return "opinion"
    first_person = len(_FIRST_PERSON.findall(body)) / words
    evaluative = len(_EVALUATIVE.findall(body)) / words
    score = first_person * 100 + evaluative * 150
    if result.dateline:
        score -= 1.0
    return "opinion" if score >= 1.5 else "news"
