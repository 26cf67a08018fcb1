"""The cast: cross-document entity resolution and the labels each outlet attaches to each actor.

Pipeline (one pass per article, then one linking pass over all articles):

1. **Mentions** (per article): spaCy's PERSON/ORG/GPE/LOC/FAC entities, cleaned (determiners, possessives and
   titles stripped; a title is kept as a label), plus what NER misses: titled names ("Mr. Hifter"), bare
   surnames of people already named in the article, acronyms defined in parentheses and reused ("the LNA"),
   descriptive government references ("the internationally recognized government") and definite role nouns
   that repeat a label the article already gave someone ("the Libyan strongman").
2. **Local clusters** (per article): surname-only and title+surname mentions join the full name introduced in
   the article; acronyms join their expansion; every merge records its reason.
3. **Linking** (across articles): local clusters with the same name form are grouped, then split when their
   MiniLM context vectors disagree (two people sharing a name); different forms are compared only inside
   phonetic blocks (jellyfish metaphone of surname tokens), so cost stays near-linear in mentions; rapidfuzz
   and metaphone decide transliteration variants, the context vectors confirm them.

Rules (titles, role nouns, government descriptors, non-derivable aliases) live in ``newsprism/rules/``.
Output is deterministic: entities, mentions and labels are sorted; ids hash canonical name + type.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right, insort
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jellyfish
import numpy as np
from rapidfuzz import fuzz, process

from newsprism import records
from newsprism.records import Alias, Entity, EntityMention, Merge

if TYPE_CHECKING:
    from rich.table import Table
    from spacy.tokens import Span, Token

    from newsprism.model import StoredArticle
    from newsprism.nlp import ParsedArticle

NAMED_TYPES = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"}  # NORP is kept only when it turns out a person
SPEECH_LEMMAS = {
    "say",
    "tell",
    "add",
    "argue",
    "claim",
    "insist",
    "warn",
    "note",
    "write",
    "announce",
    "deny",
}
# Name particles: dropped for matching unless they open the name ("Al Gore" keeps "Al").
PARTICLES = {
    "al",
    "el",
    "bin",
    "ibn",
    "bint",
    "abu",
    "de",
    "del",
    "della",
    "da",
    "di",
    "van",
    "von",
    "der",
    "den",
    "la",
    "le",
    "du",
    "dos",
    "das",
    "ul",
    "ould",
}
LOCATIVE_PREPOSITIONS = {
    "in",
    "to",
    "from",
    "across",
    "near",
    "into",
    "throughout",
    "outside",
    "inside",
    "around",
}
LEADING_PARTICLES = {"abu", "ibn", "bin", "umm"}
ACRONYM_RE = re.compile(r"^(?:[A-Z]\.?){2,7}$|^[A-Z][A-Z&]{1,7}$")
SKIP_IN_INITIALS = {"of", "the", "and", "for", "on", "in", "de", "&", "to", "a"}
POSSESSIVES = {"'s", "’s", "'", "’"}
SIDE_BLOCKS = {"caption", "title"}  # removed blocks that still describe the actors
QUOTE_CHARS = {'"', "“", "”", "‘", "’", "«", "»"}
DETERMINERS = {"the", "a", "an"}
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
MAX_LABEL_TOKENS = 28

# Similarity thresholds on MiniLM cosine of mention contexts (mean of the sentences that mention the actor).
SAME_FORM_MIN_COS = 0.12  # same written name: split only when contexts clearly disagree
VARIANT_MIN_COS = 0.2  # different spelling: contexts must agree somewhat
SHORT_MIN_COS = 0.15  # surname-only mention choosing between several full names
NOMINAL_MIN_COS = 0.3
CONTEXT_SENTENCES = 3  # sentences averaged into an actor's context vector
MAX_CONTEXT_CHARS = 600  # descriptive references ("the U.N.-backed government") need a matching story


# ------------------------------------------------------------------------------------------------ rules


@dataclass(frozen=True)
class EntityRules:
    titles: dict[tuple[str, ...], bool]  # folded title tokens -> is a role (kept as label) vs honorific
    max_title_len: int
    roles: frozenset[str]
    gov_heads: frozenset[str]
    gov_descriptor_re: re.Pattern[str]
    gov_normalise: tuple[tuple[str, str], ...]
    aliases: dict[str, str]  # folded alias -> canonical
    member_groups: frozenset[str]  # folded plural nouns for an organisation's members ("democrats")
    label_stopwords: frozenset[str]
    title_words: frozenset[str]  # every word of every role title, folded
    surname_first: frozenset[str]
    given_gender: dict[str, str]  # folded given name -> "f" | "m" (only names near-certain in news)
    title_gender: dict[tuple[str, ...], str]  # folded honorific or title tokens -> "f" | "m"


def _rule_text(name: str) -> str:
    return resources.files("newsprism.rules").joinpath(name).read_text("utf-8")


def _data_lines(text: str) -> Iterable[str]:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


@lru_cache(maxsize=1)
def load_rules() -> EntityRules:
    titles: dict[tuple[str, ...], bool] = {}
    section = "role"
    for line in _data_lines(_rule_text("entity_titles.txt")):
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        tokens = _title_tokens(line)
        titles[tuple(tokens)] = section == "role"
        # spaCy splits a hyphenated title into word, hyphen, word ("President-elect"): match that form too
        split = [part for t in tokens for part in re.split(r"(-)", t) if part]
        titles[tuple(split)] = section == "role"
    roles = frozenset(_data_lines(_rule_text("entity_roles.txt")))
    nominals = tomllib.loads(_rule_text("entity_nominals.toml"))["government"]
    descriptor_re = re.compile("|".join(f"(?:{d})" for d in nominals["descriptors"]), re.IGNORECASE)
    aliases: dict[str, str] = {}
    for line in _data_lines(_rule_text("entity_aliases.txt")):
        names = [n.strip() for n in line.split("|") if n.strip()]
        for alias in names:
            aliases[fold(alias)] = names[0]
    member_groups: set[str] = set()
    for line in _data_lines(_rule_text("entity_member_groups.txt")):
        names = [n.strip() for n in line.split("|") if n.strip()]
        for alias in names:
            aliases.setdefault(fold(alias), names[0])
        member_groups.update(fold(n) for n in names[1:])
    given = tomllib.loads(_rule_text("given_names.toml"))
    given_gender = {**{n: "f" for n in given["female"]}, **{n: "m" for n in given["male"]}}
    title_gender = {
        **{tuple(_title_tokens(t)): "f" for t in given["female_titles"]},
        **{tuple(_title_tokens(t)): "m" for t in given["male_titles"]},
    }
    return EntityRules(
        titles=titles,
        max_title_len=max(len(t) for t in titles),
        roles=roles,
        gov_heads=frozenset(nominals["heads"]),
        gov_descriptor_re=descriptor_re,
        gov_normalise=tuple(nominals.get("normalise", {}).items()),
        aliases=aliases,
        member_groups=frozenset(member_groups),
        label_stopwords=frozenset(_data_lines(_rule_text("entity_label_stopwords.txt"))),
        title_words=frozenset(w for t, is_role in titles.items() if is_role for w in t),
        surname_first=frozenset(_data_lines(_rule_text("entity_surname_first.txt"))),
        given_gender=given_gender,
        title_gender=title_gender,
    )


# ------------------------------------------------------------------------------------------- name keys


@lru_cache(maxsize=1 << 18)  # names repeat across articles; folding them again is the linker's main cost
def fold(text: str) -> str:
    """Lower case, accents and curly quotes removed, spaces squeezed: the form names are compared in."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().lower()


def _title_tokens(text: str) -> list[str]:
    return [t for t in re.split(r"\s+", fold(text)) if t]


def name_tokens(name: str) -> list[str]:
    """Folded tokens of a name, split on spaces and hyphens, punctuation dropped."""
    return [t for t in (re.sub(r"[^\w]", "", p) for p in re.split(r"[\s\-]+", fold(name))) if t]


@lru_cache(maxsize=1 << 18)
def key_tokens(name: str) -> tuple[str, ...]:
    tokens = name_tokens(name)
    while len(tokens) > 2 and tokens[0] in LEADING_PARTICLES:  # "Abu Mohammed al-Jolani": "Abu" is a kunya
        tokens = tokens[1:]
    return tuple(t for i, t in enumerate(tokens) if i == 0 or t not in PARTICLES)


@lru_cache(maxsize=1 << 18)
def phonetic(token: str) -> str:
    # "dh" is a transliteration of one Arabic consonant (Gadhafi/Gaddafi); metaphone would read it as two.
    return jellyfish.metaphone(token.replace("dh", "d")) or token


@lru_cache(maxsize=1 << 18)
def tokens_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:  # an initial matches the name it abbreviates
        return a[0] == b[0]
    if phonetic(a) == phonetic(b) and fuzz.ratio(a, b) >= 55:
        return True
    return min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= 85


@lru_cache(maxsize=1 << 18)  # a pure function of two name keys, asked for the same pairs again and again
def person_names_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Could two person names (key tokens) be the same person? The shorter must fit in order into the longer,
    and two multi-token names must start alike ("Recep Erdogan" fits "Recep Tayyip Erdogan")."""
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    if len(short) == 1:
        if len(long) == 1 or long[0] in load_rules().surname_first:  # "Xi" -> "Xi Jinping"
            return short[0] == long[0] if len(long) > 1 else tokens_match(short[0], long[0])
        # A surname (or part of a compound one): never a middle initial ("Democrats" is not Paul D. Ryan) or
        # a generational suffix ("Jr.").
        return len(short[0]) > 1 and any(
            tokens_match(short[0], t) for t in long[1:] if len(t) > 1 and t not in NAME_SUFFIXES
        )
    if not tokens_match(short[0], long[0]):
        # a compound surname alone ("López Obrador" of "Andrés Manuel López Obrador")
        tail = long[len(long) - len(short) :]
        return all(tokens_match(x, y) for x, y in zip(short, tail, strict=True))
    if _distinct_relatives(short, long):
        return False
    pos = 1
    for token in short[1:]:
        while pos < len(long) and not tokens_match(token, long[pos]):
            pos += 1
        if pos == len(long):
            return False
        pos += 1
    return True


def _distinct_relatives(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two full names that say they are different people of one family: different generational suffixes
    ("Jesse Jackson Jr." / "Jesse Jackson Sr.") or different middle initials ("George W. Bush" / "George H. W.
    Bush"). A name without them fits either."""
    suffix_a = [t for t in a if t in NAME_SUFFIXES]
    suffix_b = [t for t in b if t in NAME_SUFFIXES]
    if suffix_a and suffix_b and suffix_a != suffix_b:
        return True
    middle_a = [t for t in a[1:-1] if len(t) == 1]
    middle_b = [t for t in b[1:-1] if len(t) == 1]
    return bool(middle_a and middle_b and middle_a != middle_b)


@lru_cache(maxsize=1 << 18)
def initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if w and fold(w) not in SKIP_IN_INITIALS]
    return "".join(w[0] for w in words if w[0].isalpha()).upper()


def acronym_letters(text: str) -> str | None:
    stripped = text.replace(" ", "")
    return stripped.replace(".", "").upper() if ACRONYM_RE.match(stripped) else None


# fuzz.ratio(a, b) >= 85 means an indel distance d <= 0.15 * (len a + len b), hence len a <= 1.353 * len b and
# d <= 0.353 * len b: deleting at most that share of each token's letters reaches a string common to both (their
# longest common subsequence). Tokens up to this length are indexed by those deletion variants; longer ones
# (rare in names, and their variants many) are compared one by one.
_VARIANT_SHARE = 0.36  # (a little over 0.353, so the index finds a superset whatever the float rounding)
_MAX_VARIANT_LEN = 10


@lru_cache(maxsize=1 << 16)
def _deletion_variants(token: str) -> frozenset[str]:
    variants = {token}
    frontier = {token}
    for _ in range(int(_VARIANT_SHARE * len(token))):
        frontier = {v[:i] + v[i + 1 :] for v in frontier for i in range(len(v))}
        variants |= frontier
    return frozenset(variants)


def _screen(token: str, candidates: set[str] | list[str], cutoff: float) -> set[str]:
    """The candidates with fuzz.ratio >= cutoff (minus a rounding margin), compared in one C++ call: a large
    metaphone bucket costs microseconds, not one Python call per pair."""
    if len(candidates) < 16:
        return set(candidates)
    found = process.extract(
        token, candidates, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff - 1, limit=None
    )
    return {match for match, _score, _i in found}


class _TokenIndex:
    """The tokens added so far that ``tokens_match`` a given token, without comparing it with each of them.

    tokens_match holds for equal tokens, an initial and a token with its letter, equal metaphone codes (with a
    loose ratio), or fuzz.ratio >= 85 between tokens of 4+ letters; each has an index here (first letter,
    metaphone, deletion variants), so a lookup costs the few candidates, then tokens_match decides."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.by_first: defaultdict[str, set[str]] = defaultdict(set)
        self.single_by_first: defaultdict[str, set[str]] = defaultdict(set)
        self.by_phonetic: defaultdict[str, list[str]] = defaultdict(list)  # (a list: screened as it is)
        self.by_variant: defaultdict[str, set[str]] = defaultdict(set)
        self.long: set[str] = set()  # 4+ letters but over _MAX_VARIANT_LEN: scanned
        self.fuzzy: set[str] = set()  # every token of 4+ letters, for a long query

    def add(self, token: str) -> None:
        if token in self.known:
            return
        self.known.add(token)
        self.by_first[token[0]].add(token)
        if len(token) == 1:
            self.single_by_first[token].add(token)
            return
        self.by_phonetic[phonetic(token)].append(token)  # (tokens are added once: no repeats)
        if len(token) >= 4:
            self.fuzzy.add(token)
            if len(token) > _MAX_VARIANT_LEN:
                self.long.add(token)
            else:
                for variant in _deletion_variants(token):
                    self.by_variant[variant].add(token)

    def matching(self, token: str) -> set[str]:
        if len(token) == 1:
            return set(self.by_first.get(token, ()))  # tokens_match: an initial matches its letter
        found = set(self.single_by_first.get(token[0], ()))
        if token in self.known:
            found.add(token)
        # equal metaphone codes count when fuzz.ratio >= 55, the other fuzzy rule needs fuzz.ratio >= 85
        candidates = _screen(token, self.by_phonetic.get(phonetic(token), []), 55)
        if len(token) >= 4:
            close: set[str] = set()
            if len(token) > _MAX_VARIANT_LEN:
                close = set(self.fuzzy)
            else:
                for variant in _deletion_variants(token):
                    close |= self.by_variant.get(variant, set())
                if 1.36 * len(token) > _MAX_VARIANT_LEN:  # a long partner is possible
                    close |= self.long
            candidates |= _screen(token, close, 85)
        return found | {t for t in candidates if tokens_match(token, t)}


class _NameIndex:
    """Owners (locals, keys) of the name keys added so far that could be ``person_names_compatible`` with a
    key, from where matching tokens stand. By that function's rules a compatible pair always has: the shorter
    name's last token matching a non-first token of the longer (two multi-word names); a lone name matching a
    non-first token, or the surname-first family name exactly, or another lone name. So a common first name
    ("John") brings no candidates: these are a superset the caller then decides on exactly."""

    SMALL = 48  # up to this many names the index is not worth building: every owner is a candidate

    def __init__(self, tokens: _TokenIndex | None = None) -> None:
        self.tokens = tokens or _TokenIndex()  # (may be shared: it only has to know every token added here)
        self.non_first: defaultdict[str, set[Any]] = defaultdict(set)
        self.last: defaultdict[str, set[Any]] = defaultdict(set)
        self.single: defaultdict[str, set[Any]] = defaultdict(set)
        self.first: defaultdict[str, set[Any]] = defaultdict(set)
        self.pending: list[tuple[tuple[str, ...], Any]] | None = []  # None once indexed
        self.owners: set[Any] = set()

    def add(self, key: tuple[str, ...], owner: Any) -> None:
        self.owners.add(owner)
        if self.pending is not None:
            self.pending.append((key, owner))
            if len(self.pending) <= self.SMALL:
                return
            pending, self.pending = self.pending, None
            for k, o in pending:
                self._index(k, o)
            return
        self._index(key, owner)

    def _index(self, key: tuple[str, ...], owner: Any) -> None:
        for token in key:
            self.tokens.add(token)
        if len(key) == 1:
            self.single[key[0]].add(owner)
        elif key:
            for token in key[1:]:
                self.non_first[token].add(owner)
            self.last[key[-1]].add(owner)
            self.first[key[0]].add(owner)

    def _owners(self, matches: set[str], *indexes: dict[str, set[Any]]) -> set[Any]:
        out: set[Any] = set()
        for match in matches:
            for index in indexes:
                out |= index.get(match, set())
        return out

    def candidates(self, key: tuple[str, ...]) -> set[Any]:
        if not key:
            return set()
        if self.pending is not None:
            return set(self.owners)
        surname_first = load_rules().surname_first
        matching = self.tokens.matching
        if len(key) == 1:
            (token,) = key
            out = self._owners(matching(token), self.non_first, self.single)
            if token in surname_first:  # "Xi" -> "Xi Jinping": the family name first, exactly
                out |= self.first.get(token, set())
            return out
        # Either name may be the shorter one: both directions are looked up.
        out = self._owners(matching(key[-1]), self.non_first)
        for token in set(key[1:]):
            out |= self._owners(matching(token), self.last, self.single)
        if key[0] in surname_first:
            out |= self.single.get(key[0], set())
        return out


def stable_id(name: str, entity_type: str) -> str:
    return "E" + hashlib.sha1(f"{entity_type}|{fold(name)}".encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------------------- records


@dataclass
class Mention:
    article: str
    start: int
    end: int
    text: str
    type: str
    kind: str  # ner | title | surname | acronym | nominal | role
    sentence: int
    root: int  # token index of the syntactic head (for labels); -1 when unknown
    local: int = -1  # local cluster index


@dataclass
class Label:
    article: str
    outlet: str
    text: str
    start: int
    end: int
    kind: str  # title | premodifier | appositive | copula | descriptive | nominal
    head: str  # lemma of the label's head noun, used to resolve "the <role>" references
    source: str = "text"  # "text" (offsets index the cleaned text) or the removed block: "caption", "title"

    def to_record(self) -> records.Label:
        return records.Label(
            article=self.article,
            outlet=self.outlet,
            text=self.text,
            start=self.start,
            end=self.end,
            kind=self.kind,
            in_=self.source,
        )


@dataclass
class LocalEntity:
    """Mentions of one actor inside one article."""

    article: str
    outlet: str
    type: str
    mentions: list[Mention] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    acronym: str | None = None
    nominal_keys: frozenset[str] = frozenset()  # descriptors/places of a descriptive government reference
    place: str | None = None
    vec: np.ndarray | None = None
    _best: tuple[int, str] | None = field(default=None, repr=False, compare=False)
    _distinct: tuple[int, frozenset[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def forms(self) -> Counter[str]:
        return Counter(m.text for m in self.mentions)

    def distinct_forms(self) -> frozenset[str]:
        """The set of surface forms (``set(forms)``). Mentions are only appended (or sorted in place), so the
        set grows by the mentions added since it was last asked for; a shorter list is counted afresh."""
        n = len(self.mentions)
        if self._distinct is None or self._distinct[0] > n:
            self._distinct = (n, frozenset(m.text for m in self.mentions))
        elif self._distinct[0] < n:
            added = {m.text for m in self.mentions[self._distinct[0] :]}
            self._distinct = (
                n,
                self._distinct[1] | added if not added <= self._distinct[1] else self._distinct[1],
            )
        return self._distinct[1]

    def best_form(self) -> str:
        # cached per mention count: mentions are only ever appended, and the linker asks many times
        if self._best is None or self._best[0] != len(self.mentions):
            self._best = (len(self.mentions), best_name(self.forms, self.type))
        return self._best[1]

    @property
    def key(self) -> tuple[str, ...]:
        return key_tokens(self.best_form())


def best_name(forms: Counter[str], entity_type: str) -> str:
    """The longest well-formed name (most key tokens), then the most frequent, then alphabetical."""

    def well_formed(name: str) -> bool:
        return bool(name) and name[0].isupper() and not name.endswith(("'", "’"))

    candidates = [f for f in forms if well_formed(f) and not acronym_letters(f)] or list(forms)
    return sorted(candidates, key=lambda f: (-len(key_tokens(f)), -forms[f], -len(f), f))[0]


# ------------------------------------------------------------------------------------ per-article pass


def _name_form(text: str) -> str:
    """The form the outlet and not-a-person lists are looked up in: folded name tokens, space-joined."""
    return " ".join(name_tokens(text))


@lru_cache(maxsize=1)
def _not_persons() -> dict[str, str]:
    """Name form -> type, for names NER tags PERSON that are organisations, products, laws or events."""
    table: dict[str, str] = {}
    for line in _data_lines(_rule_text("entity_not_persons.txt")):
        name, _, etype = line.partition("|")
        table[_name_form(name)] = etype.strip() or "ORG"
    return table


def _never_a_person(form: str) -> bool:
    """An outlet ("Fox"), platform or product ("Twitter"), a party's members ("Democrats"): never a person's
    surname, whatever NER typed."""
    return form in _outlet_names() or form in _not_persons() or form in load_rules().member_groups


@lru_cache(maxsize=1)
def _outlet_names() -> frozenset[str]:
    from newsprism.clean import known_outlets

    return frozenset(_name_form(name) for name in known_outlets())


def _acronym_like(tok: Token) -> bool:
    """Capital initials in a sentence written in lower case (a line in capitals, "BUSH WINS", says nothing)."""
    if not (2 <= len(tok.text) <= 5 and tok.text.isalpha() and tok.text.isupper()):
        return False
    return any(t.is_alpha and not t.is_upper for t in tok.sent if t.i != tok.i)


def _names_a_day(ent: Span) -> bool:
    """NER's "Super" of "Super Tuesday", "Easter" of "Easter Sunday": a name that modifies a date outside it
    is part of the day's name, not an actor or a place."""
    last = ent[-1]
    head = last.head
    return (
        ent.label_ not in ("DATE", "TIME", "EVENT")
        and last.dep_ == "compound"
        and not ent.start <= head.i < ent.end
        and head.ent_type_ in ("DATE", "TIME", "EVENT")
    )


def _match_title(tokens: list[str], rules: EntityRules) -> int:
    """Length of the longest title at the start of ``tokens`` (folded), 0 if none."""
    for n in range(min(rules.max_title_len, len(tokens)), 0, -1):
        if tuple(tokens[:n]) in rules.titles:
            return n
    return 0


def _is_name_token(tok: Token) -> bool:
    return tok.text[:1].isupper() or fold(tok.text) in PARTICLES


# A US legislator's party and state in brackets right after the name: "(D., N.Y.)", "(R-Texas)", "(I-Vt.)".
_AFFILIATION = re.compile(
    r"[ \t\u00a0]*\(((?:[DRI]|Dem|Rep|Ind)\.?(?:(?:-|–|,[ \u00a0]?|[ \u00a0])[A-Z][A-Za-z.]*(?:[ \u00a0][A-Z][A-Za-z.]*)?)?)\)"
)


class _ArticleResolver:
    """Extracts mentions, local clusters and labels for one article."""

    def __init__(self, parsed: ParsedArticle, rules: EntityRules) -> None:
        self.article = parsed.article
        self.article_id = parsed.article.id
        self.outlet = parsed.article.outlet or ""
        self.rules = rules
        self.doc = parsed.doc
        self.text = parsed.text
        self.sent_starts = [s.start for s in self.doc.sents]
        self.folded = [fold(t.text) for t in self.doc]
        self.mentions: list[Mention] = []
        self.title_labels: list[tuple[Mention, Label]] = []
        self.covered: set[int] = set()
        self.acronyms: dict[str, Mention] = {}  # acronym letters -> the mention it expands
        self.acronym_of: dict[int, Mention] = {}  # id(acronym mention) -> its expansion
        self.nominal_info: dict[int, tuple[frozenset[str], str | None]] = {}  # id(mention) -> (keys, place)
        self._by_token: dict[int, list[Mention]] = {}  # token index -> mentions added over it
        self._removed: set[int] = set()  # id() of mentions dropped while the entities are read
        self._votes: defaultdict[str, Counter[str]] | None = None  # person/place votes while retyping
        self._tokens = _TokenIndex()  # the name tokens of this article, shared by its name indexes
        self._genders: dict[int, str | None] = {}  # id(mention) -> what the mention says of its gender

    # -------------------------------------------------------------- mentions

    def _sentence_of(self, token_i: int) -> int:
        return bisect_right(self.sent_starts, token_i) - 1

    def _add(self, start_tok: int, end_tok: int, etype: str, kind: str) -> Mention | None:
        if start_tok >= end_tok:
            return None
        span = self.doc[start_tok:end_tok]
        if any(t.i in self.covered for t in span):
            return None
        if not any(t.text[:1].isupper() or t.text[:1].isdigit() for t in span) and kind != "nominal":
            return None
        self.covered.update(range(start_tok, end_tok))
        mention = Mention(
            self.article_id,
            span.start_char,
            span.end_char,
            span.text,
            etype,
            kind,
            self._sentence_of(start_tok),
            span.root.i,
        )
        self.mentions.append(mention)
        for i in range(start_tok, end_tok):
            self._by_token.setdefault(i, []).append(mention)
        return mention

    def _title_before(self, start_tok: int) -> tuple[int, bool] | None:
        """A title ending right before ``start_tok``: (its first token, is a role)."""
        for n in range(min(self.rules.max_title_len, start_tok), 0, -1):
            key = tuple(self.folded[start_tok - n : start_tok])
            if key in self.rules.titles:
                return start_tok - n, self.rules.titles[key]
        return None

    def _record_title(self, mention: Mention | None, start_tok: int, end_tok: int, is_role: bool) -> None:
        if mention is None or not is_role:
            return
        span = self.doc[start_tok:end_tok]
        self.title_labels.append((mention, self._label(span.start_char, span.end_char, "title", span[-1])))

    def _dateline_places(self) -> None:
        """The dateline's place is a place mention, though the parse read the dateline blanked."""
        if not self.article.dateline or self.text == self.doc.text:
            return
        from newsprism.clean import dateline_places

        for start, end in dateline_places(self.text):
            text = self.text[start:end]
            if text and any(c.isalpha() for c in text):
                self.mentions.append(
                    Mention(self.article_id, start, start + len(text), text, "GPE", "ner", 0, -1)
                )

    def _entity_pieces(self, ent: Span) -> list[Span]:
        """An NER span cut where it runs over a line break ("Photo: John Locher/AP" + "Clinton said") or
        over two people's full names ("Hillary Clinton Donald Trump", a caption or a list without commas)."""
        doc = self.doc
        runs: list[tuple[int, int]] = []
        start = ent.start
        for i in range(ent.start, ent.end):
            if doc[i].is_space:
                if i > start:
                    runs.append((start, i))
                start = i + 1
            elif "\n" in doc[i].whitespace_:
                runs.append((start, i + 1))
                start = i + 1
        if start < ent.end:
            runs.append((start, ent.end))
        if len(runs) > 1:
            outlets = _outlet_names()
            # A photo credit ending the line before ("/AP", "Reuters") is no part of a name.
            runs = [(a, b) for a, b in runs if _name_form(doc[a:b].text) not in outlets]
        pieces: list[tuple[int, int]] = []
        for a, b in runs:
            pieces.extend(self._two_names(a, b) if ent.label_ == "PERSON" else [(a, b)])
        if pieces == [(ent.start, ent.end)]:
            return [ent]
        from spacy.tokens import Span  # (only for the few entities that are cut)

        return [Span(doc, a, b, label=ent.label_) for a, b in pieces]

    def _two_names(self, a: int, b: int) -> list[tuple[int, int]]:
        """Where a run of name tokens is two full names: each part of 2+ tokens starts with a given name."""
        if b - a < 4 or not all(self.doc[i].text[:1].isupper() and self.doc[i].is_alpha for i in range(a, b)):
            return [(a, b)]
        given = self.rules.given_gender
        if self.folded[a] not in given:
            return [(a, b)]
        for cut in range(a + 2, b - 1):
            if self.folded[cut] in given:
                return [(a, cut), *self._two_names(cut, b)]
        return [(a, b)]

    def _from_entity(self, ent: Span) -> None:
        start, end = ent.start, ent.end
        etype = ent.label_
        while start < end and self.folded[start] in DETERMINERS:
            tok = self.doc[start]
            if etype in {"GPE", "LOC"} and tok.text[0].isupper() and not tok.is_sent_start:
                break  # "The Hague", "The Gambia": a capital "The" mid-sentence is part of the name
            start += 1
        for i in range(start, end):  # "Congress (NPC": the bracket starts another mention
            if self.doc[i].text == "(" and ")" not in self.doc[i:end].text:
                end = i
                break
        while end > start and (self.doc[end - 1].text in POSSESSIVES or self.doc[end - 1].is_punct):
            end -= 1
        if all(self.folded[i] in self.rules.title_words for i in range(start, end)):
            return  # "the King said", "Supreme" (Leader): a title alone is not a name
        if end - start == 1 and etype == "PERSON" and _acronym_like(self.doc[start]):
            etype = "ORG"  # "FBN", "CNN" typed PERSON: a person is not written in capital initials
        n = _match_title(self.folded[start : start + self.rules.max_title_len], self.rules)
        if n and start + n > end:
            return  # "Commerce" of "Commerce Secretary Gina Raimondo"
        # A title that begins inside the entity and runs past it ("White House National Security" + "Adviser
        # John Bolton") marks where the organisation stops.
        for i in range(start + 1, end):
            n = _match_title(self.folded[i : i + self.rules.max_title_len], self.rules)
            if n and i + n > end and self.rules.titles[tuple(self.folded[i : i + n])]:
                end = i
                break
        # An internal possessive splits owner and owned ("Haftar’s Libyan National Army"), but not a plural
        # apostrophe ("Kurdistan Workers' Party") or a one-word remainder ("McDonald's Corp").
        for i in range(start, end):
            if (
                self.doc[i].text in {"'s", "’s"}
                and i > start
                and end - i > 2
                and self._fits_ner_person(key_tokens(self.doc[start:i].text))
            ):
                self._add(start, i, "PERSON?", "ner")
                start = i + 1
                break
        # Titles inside the entity ("Field Marshal Haftar", "Abu Dhabi Crown Prince Mohammed bin Zayed",
        # "Ayatollah Seyyed Ali Khamenei"): the name starts after the last of a run of titles.
        name_start = start
        for i in range(start, end):
            n = _match_title(self.folded[i:end], self.rules)
            if n and i + n < end and self.doc[i + n].text[:1].isupper():
                name_start = i + n
                while n := _match_title(self.folded[name_start:end], self.rules):
                    if name_start + n >= end:
                        break
                    name_start += n
                etype = "PERSON"
                break
        if name_start >= end:
            return
        if etype == "NORP" and end - name_start > 1:
            return  # a single NORP word survives only if it turns out to be a person's surname (see _retype)
        mention = self._add(name_start, end, etype, "ner")
        if mention is None:
            return
        titled = self._titles_before(mention, name_start)
        if titled and etype != "PERSON" and end - name_start <= 3:
            mention.type = "PERSON"  # "Shanahan"-style misfires: a title marks a person
        self._acronym_after(mention, end)

    def _fits_ner_person(self, key: tuple[str, ...]) -> bool:
        """Could the name be one NER gave as a person anywhere in the article?"""
        return any(person_names_compatible(key, k) for k in self._ner_person_index.candidates(key))

    def _gender_of(self, m: Mention) -> str | None:
        """ "f"/"m" when the mention itself says it: an honorific before it ("Mrs. Obama") or its given name."""
        if id(m) not in self._genders:
            self._genders[id(m)] = self._read_gender(m)
        return self._genders[id(m)]

    def _read_gender(self, m: Mention) -> str | None:
        key = key_tokens(m.text)
        if len(key) > 1 and (gender := self.rules.given_gender.get(key[0])):
            return gender
        span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            return None
        pos = span.start
        while pos > 0 and (before := self._title_before(pos)) is not None:
            title = tuple(t.rstrip(".") for t in self.folded[before[0] : pos])
            if gender := self.rules.title_gender.get(title):
                return gender
            pos = before[0]
        return None

    def _titles_before(self, mention: Mention, name_start: int) -> bool:
        """Record each title in the run right before a name as its own label ("Supreme Leader", "Ayatollah")."""
        found = False
        pos = name_start
        while pos > 0:
            before = self._title_before(pos)
            if before is None:
                break
            self._record_title(mention, before[0], pos, before[1])
            found = True
            pos = before[0]
        return found

    def _acronym_after(self, mention: Mention, end: int) -> None:
        """ "Libyan National Army (LNA)": the acronym becomes a mention joined to its expansion."""
        doc = self.doc
        if end + 2 < len(doc) and doc[end].text == "(" and doc[end + 2].text == ")":
            letters = acronym_letters(doc[end + 1].text)
            if letters:
                self.covered.discard(end + 1)
                self._remove_mention_at(end + 1)
                acronym = self._add(end + 1, end + 2, mention.type, "acronym")
                self.acronyms[letters] = mention
                if acronym is not None:
                    self.acronym_of[id(acronym)] = mention

    def _remove_mention_at(self, token_i: int) -> None:
        """Drop the mentions over a token. While the entities are read (the only time this is called) nothing
        reads the mention list, so they are marked here and filtered out once, not by a rebuild per call."""
        char = self.doc[token_i].idx
        for m in self._by_token.get(token_i, ()):
            if m.start <= char < m.end:
                self._removed.add(id(m))

    def extract_mentions(self) -> None:
        # people NER names in full anywhere in the article: an owner in "Haftar’s Libyan National Army" must be one
        ents = [piece for ent in self.doc.ents if not _names_a_day(ent) for piece in self._entity_pieces(ent)]
        # Distinct keys only: they are tested with any(), and a name repeated a thousand times is one key.
        self._ner_person_keys = list(
            dict.fromkeys(
                [key_tokens(e.text) for e in ents if e.label_ == "PERSON" and len(key_tokens(e.text)) > 1]
                + [key_tokens(e.text) for e in ents if e.label_ == "PERSON"]
            )
        )
        self._ner_person_index = _NameIndex(self._tokens)
        for k in self._ner_person_keys:
            self._ner_person_index.add(k, k)
        for ent in ents:
            if ent.label_ in NAMED_TYPES:
                self._from_entity(ent)
        self._dateline_places()
        if self._removed:  # acronyms that replaced the mention NER had on them (see _remove_mention_at)
            self.mentions = [m for m in self.mentions if id(m) not in self._removed]
            self._removed = set()
        self._titled_names()
        self._surnames_and_acronyms()
        self._retype()
        self._government_references()

    def _titled_names(self) -> None:
        """Title + capitalised words that NER left untagged ("Mr. Hifter" when only "Hifter" was missed)."""
        doc = self.doc
        i = 0
        while i < len(doc):
            n = _match_title(self.folded[i : i + self.rules.max_title_len], self.rules)
            if not n or not doc[i].text[:1].isupper():
                i += 1
                continue
            j = i + n
            while (more := _match_title(self.folded[j : j + self.rules.max_title_len], self.rules)) and doc[
                j
            ].text[:1].isupper():
                j += more  # "General Secretary Xi Jinping", "Ayatollah Seyyed Ali Khamenei"
            k = j
            while (
                k < len(doc)
                and k - j < 5
                and k not in self.covered
                and _is_name_token(doc[k])
                and doc[k].pos_ in {"PROPN", "NOUN", "ADP", "X"}
            ):
                k += 1
            while k > j and fold(doc[k - 1].text) in PARTICLES:
                k -= 1
            if k > j and doc[k - 1].pos_ == "PROPN":
                mention = self._add(j, k, "PERSON", "title")
                if mention is not None:
                    self._titles_before(mention, j)
            i = max(k, i + 1)

    def _person_keys(self) -> list[tuple[str, ...]]:
        return [
            key_tokens(m.text) for m in self.mentions if m.type == "PERSON" and len(key_tokens(m.text)) > 1
        ]

    def _surnames_and_acronyms(self) -> None:
        """Bare surnames of people named in this article, and defined acronyms, that NER missed."""
        full_names = self._person_keys()
        surnames = {k[-1] for k in full_names}
        # words that come right before a surname in a full name ("López" Obrador): kept with the surname
        before_surname = {(k[-2], k[-1]) for k in full_names if len(k) > 2}
        expansions = {initials(m.text): m for m in self.mentions if len(name_tokens(m.text)) > 1}
        for tok in self.doc:
            if tok.i in self.covered or not tok.text[:1].isupper():
                continue
            if self.folded[tok.i] in surnames and tok.pos_ in {"PROPN", "NOUN"}:
                first = tok.i
                if first > 0 and (self.folded[first - 1], self.folded[tok.i]) in before_surname:
                    first -= 1
                self._add(first, tok.i + 1, "PERSON", "surname")
            elif (letters := acronym_letters(tok.text)) and letters in self.acronyms:
                self._add(tok.i, tok.i + 1, self.acronyms[letters].type, "acronym")
            elif letters and len(letters) >= 3 and letters in expansions:
                # "widely known as AMLO": initials of a name in the article
                self._add(tok.i, tok.i + 1, expansions[letters].type, "acronym")
            elif (
                tok.pos_ == "PROPN"
                and tok.dep_ == "nsubj"
                and tok.head.lemma_ in SPEECH_LEMMAS
                and not acronym_letters(tok.text)
                and self.folded[tok.i] not in self.rules.title_words
            ):
                # "Merkel said ...": a named speaker the NER model missed
                first = min(
                    (c.i for c in tok.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"), default=tok.i
                )
                self._add(first, tok.i + 1, "PERSON", "speaker")

    def _retype(self) -> None:
        """Single names NER typed ORG/NORP/GPE that are the surname of a person named in the article."""
        # A multi-word ORG/GPE whose last word is used alone as a person ("Denzel Washington" ... "Washington
        # said") is a person name the small NER model mistyped.
        actors = {
            key_tokens(m.text)[-1]
            for m in self.mentions
            if len(key_tokens(m.text)) == 1 and m.type != "PERSON" and self._acts_like_person(m)
        }
        for m in self.mentions:
            keys = key_tokens(m.text)
            if (
                m.type in {"ORG", "GPE"}
                and len(keys) in {2, 3}
                and keys[-1] in actors
                and m.kind == "ner"
                and (span := self.doc.char_span(m.start, m.end, alignment_mode="expand")) is not None
                and all(t.pos_ == "PROPN" for t in span)
            ):
                m.type = "PERSON"
        # Distinct keys, and one answer per name key: a surname repeated a thousand times is asked once.
        person_keys = list(dict.fromkeys(self._person_keys()))
        people = _NameIndex(self._tokens)
        for k in person_keys:
            people.add(k, k)
        fits: dict[tuple[str, ...], bool] = {}

        def fits_a_person(keys: tuple[str, ...]) -> bool:
            if keys not in fits:
                fits[keys] = any(person_names_compatible(keys, k) for k in people.candidates(keys))
            return fits[keys]

        # Person/place votes per surface form, kept up to date as types change below (see _mostly_person).
        self._votes = defaultdict(Counter)
        for m in self.mentions:
            self._count_vote(m, 1)
        for m in self.mentions:
            keys = key_tokens(m.text)
            if m.type == "PERSON" or len(keys) != 1 or not person_keys:
                if m.type == "PERSON?":
                    self._set_type(m, "PERSON" if fits_a_person(keys) or len(keys) > 1 else "ORG")
                continue
            if not fits_a_person(keys):
                continue
            if m.type in {"GPE", "LOC"} and (
                self._after_locative(m) or (not self._acts_like_person(m) and not self._mostly_person(m.text))
            ):
                continue  # "Jordan" the country next to "Michael Jordan"
            self._set_type(m, "PERSON")
        self._votes = None
        for m in self.mentions:
            if m.type == "NORP" and fold(m.text) in self.rules.member_groups:
                m.type = "ORG"  # "Senate Democrats voted": the party acts through its members
        self.mentions = [m for m in self.mentions if m.type != "NORP"]

    def _count_vote(self, m: Mention, sign: int) -> None:
        if self._votes is not None and m.type in {"PERSON", "GPE", "LOC"}:
            vote = "person" if m.type == "PERSON" or self._acts_like_person(m) else "place"
            self._votes[m.text][vote] += sign

    def _set_type(self, m: Mention, entity_type: str) -> None:
        self._count_vote(m, -1)
        m.type = entity_type
        self._count_vote(m, 1)

    def _after_locative(self, m: Mention) -> bool:
        tok = self.doc[m.root]
        return tok.dep_ == "pobj" and tok.head.lower_ in LOCATIVE_PREPOSITIONS

    def _mostly_person(self, surface: str) -> bool:
        """Is this lone name used as a person at least as often as a place in the article (NER votes)?"""
        if self._votes is not None:
            votes = self._votes[surface]
        else:
            votes = Counter(
                "person" if m.type == "PERSON" or self._acts_like_person(m) else "place"
                for m in self.mentions
                if m.text == surface and m.type in {"PERSON", "GPE", "LOC"}
            )
        return votes["person"] >= votes["place"]

    def _acts_like_person(self, m: Mention) -> bool:
        """Speaks ("Jordan said"), or is described by a role noun ("Jordan, a six-time NBA champion")."""
        tok = self.doc[m.root]
        if tok.dep_ in {"nsubj", "nsubjpass"} and tok.head.lemma_ in SPEECH_LEMMAS:
            return True
        return any(
            c.dep_ == "appos" and (c.lemma_.lower() in self.rules.roles or c.pos_ == "NOUN")
            for c in tok.children
        )

    def _government_references(self) -> None:
        """Descriptive references to a government: "the internationally recognized government in Tripoli"."""
        places = {m.start: m for m in self.mentions if m.type in {"GPE", "LOC"}}
        for ent in self.doc.ents:  # "the Ukrainian government": a demonym names the country
            if ent.label_ == "NORP" and len(ent) == 1 and ent.start_char not in places:
                places[ent.start_char] = Mention(
                    self.article_id, ent.start_char, ent.end_char, ent.text, "NORP", "ner", -1, ent.root.i
                )
        for sent in self.doc.sents:
            for tok in sent:
                if (
                    tok.lemma_.lower() not in self.rules.gov_heads
                    or tok.pos_ != "NOUN"
                    or tok.i in self.covered
                ):
                    continue
                left = [t for t in tok.lefts if t.dep_ in {"amod", "compound", "npadvmod", "nmod", "advmod"}]
                start = min((t.left_edge.i for t in left), default=tok.i)
                while start < tok.i and self.doc[start].dep_ in {"det", "poss", "punct"}:
                    start += 1
                span = self.doc[start : tok.i + 1]
                descriptors = self._descriptors(span.text)
                place = next((places[t.idx].text for t in span if t.idx in places), None)
                after = self.doc[tok.i + 1 : tok.i + 3]
                if place is None and len(after) == 2 and after[0].lower_ == "in" and after[1].idx in places:
                    place = places[after[1].idx].text
                if self._leaders_government(span):
                    continue
                if not descriptors and not (place and span.start < tok.i):
                    continue
                if any(i in self.covered for i in range(span.start, span.end)):
                    # a place inside the phrase was a mention; the phrase as a whole is the government
                    for i in range(span.start, span.end):
                        self.covered.discard(i)
                mention = self._add(span.start, span.end, "ORG", "nominal")
                if mention is not None:
                    keys = set(descriptors) | ({f"place:{fold(place)}"} if place else set())
                    self.nominal_info[id(mention)] = (frozenset(keys), place)

    def _leaders_government(self, span: Span) -> bool:
        """ "the Biden administration", "the Trump White House"-style names: a government named after its
        leader is an organisation named so, not a mention of the person. Returns whether it was one."""
        head = span[-1]
        modifiers = [t for t in span[:-1] if t.dep_ not in {"det", "punct"}]
        if not modifiers or any(t.pos_ != "PROPN" or t.dep_ != "compound" for t in modifiers):
            return False
        # NER often types the leader's name ORG here ("the Trump administration"); an administration is
        # always named after its leader, a government or regime only after a person NER saw as one
        kinds = {"PERSON", "ORG"} if head.lemma_.lower() == "administration" else {"PERSON"}
        people = {id(m): m for t in modifiers for m in self._by_token.get(t.i, ()) if m.type in kinds}
        if not people or any(m.kind == "title" for m in people.values()):
            return False
        first, last = modifiers[0].i, head.i
        for m in people.values():  # the name now belongs to the organisation's mention
            self.mentions.remove(m)
            span_m = self.doc.char_span(m.start, m.end, alignment_mode="expand")
            if span_m is not None:
                self.covered.difference_update(range(span_m.start, span_m.end))
        self._add(first, last + 1, "ORG", "ner")
        return True

    def _descriptors(self, text: str) -> list[str]:
        found = []
        for match in self.rules.gov_descriptor_re.finditer(text):
            value = fold(match.group(0)).replace(" ", "-")
            for old, new in self.rules.gov_normalise:
                value = value.replace(old, new)
            found.append(value.replace(".", ""))
        return found

    # -------------------------------------------------------------- local clusters

    def cluster(self) -> list[LocalEntity]:
        self.mentions.sort(key=lambda m: (m.start, m.end))
        locals_: list[LocalEntity] = []

        # Indexes kept up to date as mentions join: the starts of each local's mentions (sorted), the locals
        # having a multi-word form with given initials or first name key token, and the name index that
        # narrows "which locals could this name fit" to the few that share a matching token.
        starts: list[list[int]] = []
        by_initials: dict[str, set[int]] = defaultdict(set)
        by_first_token: dict[str, set[int]] = defaultdict(set)
        names = _NameIndex(self._tokens)

        def indexed(m: Mention, local_i: int) -> None:
            insort(starts[local_i], m.start)
            if len(name_tokens(m.text)) > 1:
                by_initials[initials(m.text)].add(local_i)
            key = key_tokens(m.text)
            names.add(key, local_i)
            if len(key) > 1:
                by_first_token[key[0]].add(local_i)

        gender: dict[int, str] = {}  # local -> "f"/"m" once a mention of it says so

        def new_local(m: Mention, reason: str | None = None) -> int:
            locals_.append(LocalEntity(self.article_id, self.outlet, m.type))
            starts.append([])
            m.local = len(locals_) - 1
            locals_[-1].mentions.append(m)
            indexed(m, m.local)
            if m.type == "PERSON" and (g := self._gender_of(m)):
                gender[m.local] = g
            return m.local

        def join(m: Mention, local_i: int, reason: str) -> None:
            if m.type == "PERSON" and local_i not in gender and (g := self._gender_of(m)):
                gender[local_i] = g
            local = locals_[local_i]
            if m.text not in local.distinct_forms():
                local.merges.append(
                    Merge(reason=reason, article=self.article_id, a=local.best_form(), b=m.text)
                )
            m.local = local_i
            local.mentions.append(m)
            indexed(m, local_i)

        def fits_all(key: tuple[str, ...], loc: LocalEntity) -> bool:
            return loc.type == "PERSON" and all(
                person_names_compatible(key, key_tokens(f)) for f in loc.distinct_forms()
            )

        by_position = sorted(range(len(self.mentions)), key=lambda i: self.mentions[i].start)
        # Full person names first, so a surname can join the name introduced later in the text, too.
        persons = [i for i in by_position if self.mentions[i].type == "PERSON"]
        full = [i for i in persons if len(key_tokens(self.mentions[i].text)) > 1]
        short = [i for i in persons if len(key_tokens(self.mentions[i].text)) == 1]
        # The first local every form of which fits the name. A local that does not fit a name never comes to
        # fit it (forms are only added), so the search for a name resumes where it last stopped.
        resume: dict[tuple[str, ...], int] = {}
        for i in full:
            m = self.mentions[i]
            key = key_tokens(m.text)
            start_at = resume.get(key, 0)
            # Only locals sharing a matching token can fit (names.candidates is a superset), in order.
            target = next(
                (li for li in sorted(names.candidates(key)) if li >= start_at and fits_all(key, locals_[li])),
                None,
            )
            resume[key] = len(locals_) if target is None else target
            if target is None:
                new_local(m)
            else:
                join(
                    m,
                    target,
                    "same name within article (token subsequence)"
                    if key != locals_[target].key
                    else "same name",
                )
        outlets = _outlet_names()
        not_persons = _not_persons()
        for i in short:
            m = self.mentions[i]
            key = key_tokens(m.text)
            form = _name_form(m.text)
            said = self._gender_of(m)
            if form in not_persons or (form in outlets and m.kind != "title" and not said):
                # "Twitter", "Fox and other outlets": never a person, never a person's surname ("Vicente
                # Fox"); clustered with the organisations below.
                m.type = not_persons.get(form, "ORG")
                continue
            expansion = self.acronym_of.get(id(m))
            if expansion is not None and expansion.local >= 0:
                join(m, expansion.local, "acronym defined in parentheses")
                continue
            if (
                acronym_letters(m.text)
                and (target := self._initials_match(m, locals_, by_initials)) is not None
            ):
                join(m, target, "acronym matches initials of a name in the article")
                continue
            candidates = [
                li
                for li in sorted(names.candidates(key))
                if locals_[li].type == "PERSON"
                and any(person_names_compatible(key, key_tokens(f)) for f in locals_[li].distinct_forms())
            ]
            if said and candidates:
                # "Mrs. Obama" never goes to Barack Obama; a person of unknown gender stays possible.
                same = [li for li in candidates if gender.get(li) == said]
                candidates = same or [li for li in candidates if li not in gender]
                if not candidates:
                    new_local(m)
                    continue
            if not candidates:
                # a given name alone ("Stanley" after "Stanley Johnson"), only inside the article
                candidates = [
                    li for li in sorted(by_first_token.get(key[0], ())) if locals_[li].type == "PERSON"
                ]
                if len(candidates) != 1:
                    new_local(m)
                    continue

            # Two people sharing a surname: the one named most recently before this mention wins.
            def recency(li: int, m: Mention = m) -> tuple[int, int]:
                k = bisect_left(starts[li], m.start)  # starts[li] is sorted: the latest one before m
                return (1, starts[li][k - 1]) if k > 0 else (0, -starts[li][0])

            target = max(candidates, key=recency)
            reason = (
                "surname of a full name in the article"
                if len(key_tokens(locals_[target].best_form())) > 1
                else "same name"
            )
            if m.kind == "title":
                reason = "title + surname of a full name in the article"
            join(m, target, reason)
        by_name: dict[str, int] = {}
        for i in by_position:
            m = self.mentions[i]
            if m.local >= 0:
                continue
            if m.kind == "acronym" and id(m) in self.acronym_of:
                expansion = self.acronym_of[id(m)]
                if expansion.local >= 0:
                    join(m, expansion.local, "acronym defined in parentheses")
                    continue
            if m.kind == "nominal":
                continue
            letters = acronym_letters(m.text)
            org_key = self._org_key(m.text)
            if org_key in by_name:
                join(m, by_name[org_key], "same name")
            elif letters and letters in self.acronyms and self.acronyms[letters].local >= 0:
                join(m, self.acronyms[letters].local, "acronym defined in the article")
            else:
                target = self._initials_match(m, locals_, by_initials) if letters else None
                if target is not None:
                    join(m, target, "acronym matches initials of a name in the article")
                else:
                    by_name[org_key] = new_local(m)
            if m.local >= 0 and letters:
                locals_[m.local].acronym = letters
        self._cluster_nominals(locals_, new_local, join)
        for local in locals_:
            if local.type != "PERSON":
                votes = Counter(m.type for m in local.mentions if m.kind != "acronym") or Counter(
                    m.type for m in local.mentions
                )
                local.type = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return locals_

    def _org_key(self, text: str) -> str:
        folded = re.sub(r"^the ", "", fold(text))
        canonical = self.rules.aliases.get(folded) or self.rules.aliases.get("the " + folded)
        if canonical:
            return fold(canonical)
        letters = acronym_letters(text)
        return letters.lower() if letters else folded.replace(".", "")

    def _initials_match(
        self, m: Mention, locals_: list[LocalEntity], by_initials: dict[str, set[int]] | None = None
    ) -> int | None:
        """The first local with a multi-word form whose initials are the mention's letters ("AMLO")."""
        letters = acronym_letters(m.text)
        if not letters:
            return None
        if by_initials is not None:  # the locals with such a form, indexed as mentions joined them
            indices: Iterable[int] = sorted(by_initials.get(letters, ()))
        else:
            indices = range(len(locals_))
        for li in indices:
            local = locals_[li]
            if (local.type != "PERSON" or len(letters or "") >= 3) and any(
                len(name_tokens(f)) > 1 and initials(f) == letters for f in local.distinct_forms()
            ):
                return li
        return None

    def _cluster_nominals(
        self, locals_: list[LocalEntity], new_local: Callable[..., int], join: Callable[..., None]
    ) -> None:
        target: int | None = None
        for m in self.mentions:
            if m.kind != "nominal":
                continue
            keys, place = self.nominal_info.get(id(m), (frozenset(), None))
            if target is None or (
                place and locals_[target].place and fold(place) != fold(locals_[target].place)
            ):
                target = new_local(m)
            else:
                join(m, target, "descriptive reference to the same government")
            local = locals_[target]
            local.nominal_keys = local.nominal_keys | keys
            local.place = local.place or place

    # -------------------------------------------------------------- labels

    def _label(self, start: int, end: int, kind: str, head: Token) -> Label:
        text = self.text[start:end]
        # non-breaking spaces and stray blanks at the edges are not part of the label
        start += len(text) - len(text.lstrip())
        end -= len(text) - len(text.rstrip())
        return Label(
            self.article_id, self.outlet, self.text[start:end], start, end, kind, head.lemma_.lower()
        )

    def _np_label(self, tokens: list[Token], kind: str, head: Token) -> Label | None:
        tokens = sorted(tokens, key=lambda t: t.i)
        while tokens and (
            tokens[0].dep_ in {"det", "predet", "punct", "cc"}
            or (tokens[0].dep_ == "poss" and tokens[0].pos_ == "PRON")
            or tokens[0].is_space
        ):
            tokens = tokens[1:]
        while tokens and (tokens[-1].is_punct or tokens[-1].is_space):
            tokens = tokens[:-1]
        if not tokens or len(tokens) > MAX_LABEL_TOKENS:
            return None
        if any(t.text in QUOTE_CHARS for t in tokens):
            return None  # a label never straddles a quotation boundary; such spans are misparses
        if all(fold(t.text).strip("-") in self.rules.label_stopwords or t.is_punct for t in tokens):
            return None
        if not any(
            t.is_lower
            or fold(t.text) in self.rules.roles
            or fold(t.text) in self.rules.title_words
            or t.pos_ in {"NOUN", "ADJ"}
            for t in tokens
        ) and not (kind == "premodifier" and fold(tokens[-1].text).rstrip("s") in PARTY_NOUNS):
            return None  # "Florida Gov.", "California Democrat" are descriptions; "Ron" is not
        first, last = tokens[0].i, tokens[-1].i
        end_char = self.doc[last].idx + len(self.doc[last].text)
        opened = self.text[self.doc[first].idx : end_char]
        if (
            opened.count("(") > opened.count(")")
            and last + 1 < len(self.doc)
            and self.doc[last + 1].text == ")"
        ):
            end_char += 1  # "spokesman for the Libyan National Army (LNA)": keep the bracket pair whole
        return self._label(self.doc[first].idx, end_char, kind, head)

    def _premodifier_token(self, tok: Token) -> bool:
        if tok.text == "-" or tok.pos_ in {"ADJ", "NOUN", "NUM"}:
            return not tok.ent_type_ or tok.ent_type_ in {"NORP", "GPE"}
        if tok.pos_ == "PROPN":
            return tok.ent_type_ in {"NORP", "GPE"} or self._role_word(tok)
        if fold(tok.text) in self.rules.title_words:  # "Acting" in "Acting U.S. Defense Secretary"
            return True
        if tok.tag_ in {"VBG", "VBN"}:  # "aspiring strongman", but not "recognized Field Marshal"
            nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
            return nxt is not None and nxt.is_lower
        return False

    def _names_the_role(self, tok: Token, name_start: int) -> bool:
        """A proper noun compounded onto the role before a name says whose role it is: "ICE Director",
        "Amazon boss", "Senate Majority Leader", "Mulvaney aide", "White House press secretary"."""
        head = tok.head
        while head.dep_ == "compound" and head.i < name_start and not self._role_noun(head):
            head = head.head
        return (
            tok.pos_ == "PROPN"
            and tok.dep_ == "compound"
            and head.tag_ != "NNS"  # "PBS Moderators", a headline's plural, is not one person's role
            and tok.ent_type_ not in {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT"}
            and head.i < name_start
            and self._role_noun(head)
        )

    def _role_noun(self, tok: Token) -> bool:
        return tok.pos_ == "NOUN" or self._role_word(tok)

    def _role_word(self, tok: Token) -> bool:
        folded = fold(tok.text)
        return folded in self.rules.roles or folded in self.rules.title_words

    def labels_for(self, m: Mention) -> list[Label]:
        if fold(m.text) in self.rules.member_groups:
            return []  # "establishment Republicans" describes some members, not the party
        doc = self.doc
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            return []
        root = span.root
        out: list[Label] = []
        # pre-modifiers: "Libyan strongman Khalifa Haftar", "the aspiring strongman Khalifa Hifter"
        i = span.start - 1
        while (
            i >= 0
            and i < doc[i].head.i < span.end
            and (self._premodifier_token(doc[i]) or self._names_the_role(doc[i], span.start))
        ):
            i -= 1
        pre = list(doc[i + 1 : span.start])
        if pre and not all(
            fold(t.text) in self.rules.title_words for t in pre
        ):  # pure titles: see _titles_before
            label = self._np_label(pre, "premodifier", pre[-1])
            if label:
                out.append(label)
        # party and state: "Chuck Schumer (D., N.Y.)", "Ted Cruz (R-Texas)"
        if m.type == "PERSON" and (tag := _AFFILIATION.match(self.text, m.end)):
            out.append(self._label(tag.start(1), tag.end(1), "affiliation", doc[span.end - 1]))
        # appositive after the name: "Khalifa Haftar, a warlord and alleged war criminal who ..."
        after_comma = span.end < len(doc) and doc[span.end].text == ","
        for child in root.children:
            if (
                child.dep_ == "appos"
                and after_comma
                and child.i > span.end
                and (child.pos_ == "NOUN" or fold(child.text) in self.rules.title_words)
                and child.ent_type_ not in {"DATE", "TIME"}
            ):
                out.extend(self._appositive(child))
        # the name is the appositive: "Turkey’s president, Recep Erdogan"; or the parse made it one of the
        # noun right before it ("the Amazon billionaire Jeff Bezos"), which the pre-modifier pass cannot see
        # (a singular noun: "trails rivals Donald Trump and Ted Cruz" describes them only together)
        adjacent = root.head.i == span.start - 1 and m.type == "PERSON" and root.head.tag_ == "NN"
        if (
            root.dep_ == "appos"
            and root.head.i < span.start
            and root.head.pos_ == "NOUN"
            and (doc[span.start - 1].text in {",", "—", "–", ":"} or adjacent)
        ):
            head = root.head
            cut = span.start if adjacent else span.start - 1
            tokens = [t for t in head.subtree if t.i < cut and t.i >= head.left_edge.i]
            label = self._np_label(tokens, "appositive", head)
            if label:
                out.append(label)
        # copula: "Haftar is a known war criminal", "Haftar, who is a ..."
        verb = None
        if root.dep_ == "nsubj" and root.head.lemma_ == "be":
            verb = root.head
        else:
            for child in root.children:
                if (
                    child.dep_ == "relcl"
                    and child.lemma_ == "be"
                    and any(c.dep_ == "nsubj" and c.lower_ in {"who", "that"} for c in child.children)
                ):
                    verb = child
        if verb is not None:
            for attr in verb.children:
                if attr.dep_ == "attr" and attr.pos_ in {"NOUN", "PROPN"} and attr.i > root.i:
                    label = self._np_label(list(attr.subtree), "copula", attr)
                    if label:
                        out.append(label)
        return out

    def _appositive(self, head: Token) -> list[Label]:
        conjuncts = [head] + [c for c in head.conjuncts if c.i > head.i]
        out = []
        for k, conj in enumerate(conjuncts):
            if k + 1 < len(conjuncts):
                nxt = conjuncts[k + 1]
                tokens = [t for t in conj.subtree if t.i < nxt.left_edge.i and t.dep_ != "cc"]
            else:
                tokens = [t for t in conj.subtree if not (t.i > conj.i and t.dep_ == "conj")]
            if k == 0 and len(conjuncts) > 1:
                tokens = [t for t in tokens if t.i < conjuncts[1].left_edge.i]
            label = self._np_label(tokens, "appositive", conj)
            if label:
                out.append(label)
        return out

    def descriptive_labels(self, locals_: list[LocalEntity]) -> None:
        """Indefinite role phrases about the one person in the sentence who is neither its subject nor a possessor
        ("Trump’s support for Haftar aligns the U.S. with a known war criminal"), and definite role phrases that
        repeat a label the article already gave someone ("the Libyan strongman")."""
        doc = self.doc
        covered_labels = {(lab.start, lab.end) for loc in locals_ for lab in loc.labels}
        by_sentence: dict[int, list[Mention]] = defaultdict(list)
        for m in self.mentions:
            if m.local >= 0 and locals_[m.local].type == "PERSON":
                by_sentence[m.sentence].append(m)
        # For each label head, every person's earliest label with it, as sorted (start, local) pairs: "which
        # people were given this label before here" is then a bisect, however many people the article names.
        earliest: dict[str, dict[int, int]] = defaultdict(dict)
        by_head: dict[str, list[tuple[int, int]]] = defaultdict(list)

        def add_label(loc_i: int, label: Label) -> None:
            locals_[loc_i].labels.append(label)
            if locals_[loc_i].type != "PERSON":
                return
            old = earliest[label.head].get(loc_i)
            if old is None or label.start < old:
                if old is not None:
                    del by_head[label.head][bisect_left(by_head[label.head], (old, loc_i))]
                insort(by_head[label.head], (label.start, loc_i))
                earliest[label.head][loc_i] = label.start

        for loc_i, loc in enumerate(locals_):
            labels, loc.labels = loc.labels, []
            for lab in labels:
                add_label(loc_i, lab)
        for chunk in doc.noun_chunks:
            root = chunk.root
            if root.lemma_.lower() not in self.rules.roles or root.pos_ != "NOUN" or root.i in self.covered:
                continue
            det = chunk[0].lower_
            sent_i = self._sentence_of(root.i)
            if det in {"a", "an"} and root.dep_ in {"pobj", "dobj"}:
                phrase = (root.left_edge.idx, root.right_edge.idx + len(root.right_edge.text))
                candidates = {
                    m.local
                    for m in by_sentence.get(sent_i, [])
                    if doc[m.root].dep_ not in {"nsubj", "nsubjpass", "poss"}
                    and not phrase[0] <= m.start < phrase[1]
                }
                if len(candidates) != 1:
                    continue
                tokens = [t for t in root.subtree if t.i >= chunk.start]
                label = self._np_label(tokens, "descriptive", root)
                if label and (label.start, label.end) not in covered_labels:
                    add_label(candidates.pop(), label)
            elif det == "the" and len(chunk) >= 2 and not any(t.ent_type_ == "PERSON" for t in chunk):
                if any(t.dep_ == "poss" for t in chunk) or (
                    root.i + 1 < len(doc) and doc[root.i + 1].ent_type_
                ):
                    continue  # "the commander Khalifa Haftar" is a pre-modifier, handled with the name
                lemma = root.lemma_.lower()
                given = by_head.get(lemma, [])
                # exactly one person was given a label with this head before the chunk
                if bisect_left(given, (chunk.start_char, -1)) != 1:
                    continue
                target = given[0][1]
                mention = self._role_mention(chunk, "PERSON", target, locals_)
                locals_[target].merges.append(
                    Merge(
                        reason="definite role noun repeats an earlier label",
                        article=self.article_id,
                        a=locals_[target].best_form(),
                        b=mention.text,
                    )
                )
                label = self._np_label(list(chunk), "nominal", root)
                if label:
                    add_label(target, label)

    def _role_mention(self, chunk: Span, etype: str, target: int, locals_: list[LocalEntity]) -> Mention:
        """ "the <noun>" (without its "the") as a mention of the local entity ``target``."""
        root = chunk.root
        mention = Mention(
            self.article_id,
            chunk[1].idx,
            chunk.end_char,
            chunk[1:].text,
            etype,
            "role",
            self._sentence_of(root.i),
            root.i,
            target,
        )
        self.mentions.append(mention)
        locals_[target].mentions.append(mention)
        return mention

    def definite_organisations(self, locals_: list[LocalEntity]) -> None:
        """ "the court" after "the Supreme Court", "the party" after "Democrats", "the administration" after "the
        Biden administration", "the chamber" after "the Senate", "the network" after "CNN": a definite noun
        phrase headed by the head word of an organisation the article named before it is a mention of the most
        recent such organisation (strict head match, as in rule-based coreference)."""
        doc = self.doc
        outlets = _outlet_names()
        # (start, head words, local) of each organisation mention
        heads: list[tuple[int, frozenset[str], int]] = []
        for m in sorted(self.mentions, key=lambda m: m.start):
            if m.local < 0 or locals_[m.local].type != "ORG" or m.kind == "role":
                continue
            words = {
                w for form in (m.text, self.rules.aliases.get(fold(m.text), "")) if (w := _head_word(form))
            }
            if _name_form(m.text) in outlets:
                words.add("network")
            words |= {"chamber" for w in list(words) if w in LEGISLATURES}
            if words:
                heads.append((m.start, frozenset(words), m.local))
        if not heads:
            return
        for chunk in doc.noun_chunks:
            root = chunk.root
            if (
                chunk[0].lower_ != "the"
                or len(chunk) > 3
                or root.pos_ != "NOUN"
                or any(t.pos_ not in {"DET", "ADJ", "NOUN"} or t.i in self.covered for t in chunk)
                or (root.i + 1 < len(doc) and doc[root.i + 1].pos_ == "PROPN")  # "the court Justice Kagan"
            ):
                continue
            lemma = root.lemma_.lower()
            if lemma not in INSTITUTION_HEADS:
                continue  # "the news" is not Fox News, "the statement" not a named one
            before = [h for h in heads if h[0] < chunk.start_char and lemma in h[1]]
            if not before:
                continue
            self._role_mention(chunk, "ORG", before[-1][2], locals_)
            self.covered.update(range(chunk.start, chunk.end))

    def removed_block_labels(self, locals_: list[LocalEntity]) -> None:
        """Labels from captions and headlines the cleaner removed ("FILE PHOTO: Khalifa Haftar, the military
        commander who dominates eastern Libya, ..."). Their offsets index ``raw_text``; ``in`` names the block."""
        blocks = [r for r in self.article.removed if r.reason in SIDE_BLOCKS and r.text]
        if not blocks:
            return
        from newsprism import nlp

        docs = nlp.load_spacy().pipe([b.text for b in blocks])
        for block, doc in zip(blocks, docs, strict=True):
            side = _ArticleResolver(nlp.parsed_doc(doc, self.article_id, outlet=self.outlet), self.rules)
            side.extract_mentions()
            for m in side.mentions:
                target = self._local_named(locals_, m)
                if target is None:
                    continue
                found = side.labels_for(m) + [lab for owner, lab in side.title_labels if owner is m]
                for lab in found:
                    lab.start += block.start
                    lab.end += block.start
                    lab.source = block.reason
                    locals_[target].labels.append(lab)

    def _local_named(self, locals_: list[LocalEntity], m: Mention) -> int | None:
        """The article's local entity a mention from a side block names (persons by name fit, others exactly)."""
        key = key_tokens(m.text)
        fits = [
            li
            for li, loc in enumerate(locals_)
            if (
                loc.type == "PERSON"
                and m.type in {"PERSON", "ORG", "NORP"}
                and any(person_names_compatible(key, key_tokens(f)) for f in loc.distinct_forms())
            )
            or (loc.type != "PERSON" and fold(m.text) in {fold(f) for f in loc.distinct_forms()})
        ]
        return fits[0] if len(fits) == 1 else None

    def run(self) -> list[LocalEntity]:
        self.extract_mentions()
        locals_ = self.cluster()
        for m in self.mentions:
            if m.local >= 0 and m.kind != "nominal":
                locals_[m.local].labels.extend(self.labels_for(m))
        for mention, label in self.title_labels:
            if mention.local >= 0:
                locals_[mention.local].labels.append(label)
        self.descriptive_labels(locals_)
        self.definite_organisations(locals_)
        self.removed_block_labels(locals_)
        for local in locals_:
            local.labels = _dedupe_labels(local.labels)
            local.mentions.sort(key=lambda m: (m.start, m.end))
        return [loc for loc in locals_ if loc.mentions]


# A party member's noun ("California Democrat Alex Padilla") describes the person it precedes.
PARTY_NOUNS = frozenset(
    {"democrat", "republican", "independent", "conservative", "liberal", "libertarian", "socialist", "tory"}
)
LEGISLATURES = frozenset({"senate", "house", "parliament", "assembly", "congress", "knesset", "duma"})
# Head nouns that, after "the", stand for one institution named before: "the court", "the agency".
INSTITUTION_HEADS = frozenset(
    {
        "court",
        "party",
        "administration",
        "chamber",
        "network",
        "agency",
        "department",
        "committee",
        "commission",
        "council",
        "ministry",
        "company",
        "university",
        "school",
        "campaign",
        "board",
        "bank",
        "union",
        "army",
        "federation",
        "association",
        "foundation",
        "institute",
        "church",
        "hospital",
        "corporation",
        "firm",
        "alliance",
        "coalition",
        "organization",
        "organisation",
        "bureau",
        "office",
    }
)


def _head_word(name: str) -> str | None:
    """The last word of an organisation's name, folded: "Supreme Court" -> "court"; an acronym has none."""
    tokens = name_tokens(name)
    if not tokens or acronym_letters(name):
        return None
    return tokens[-1]


def _dedupe_labels(labels: list[Label]) -> list[Label]:
    """Drop repeats and labels inside another label of the same entity (title inside a pre-modifier)."""
    labels = sorted(
        {(lab.start, lab.end): lab for lab in labels}.values(), key=lambda lab: (lab.start, -lab.end)
    )
    out: list[Label] = []
    # Every label kept so far starts at or before the current one (sorted), so it lies inside one of them
    # iff the furthest end kept for its article reaches its end.
    furthest: dict[str, int] = {}
    for lab in labels:
        if furthest.get(lab.article, -1) >= lab.end and lab.article in furthest:
            continue
        out.append(lab)
        furthest[lab.article] = max(furthest.get(lab.article, lab.end), lab.end)
    return out


# ------------------------------------------------------------------------------------------- linking


Embedder = Callable[[list[str]], np.ndarray]


def extract_local_entities(parsed: ParsedArticle) -> list[LocalEntity]:
    """Mentions, within-article clusters and labels of one article (no vectors yet)."""
    return _ArticleResolver(parsed, load_rules()).run()


def _context_vectors(
    articles: Sequence[StoredArticle], locals_: list[LocalEntity], embedder: Embedder
) -> None:
    """Each local entity gets the mean embedding of up to CONTEXT_SENTENCES sentences that mention it, with its
    own name cut out: two people called "Michael Jordan" must not look alike because their sentences share the
    name. Identical contexts are embedded once."""
    texts = {a.id: a.text for a in articles}
    spans = {a.id: _SentenceTable(a.sentences) for a in articles}  # once per article
    wanted: dict[str, int] = {}
    members: list[list[int]] = []
    for local in locals_:
        text = texts[local.article]
        rows = []
        for start, end in _context_windows(text, spans[local.article], local.mentions):
            pieces, cursor = [], start
            for m in local.mentions:
                if start <= m.start and m.end <= end and m.start >= cursor:
                    pieces.append(text[cursor : m.start])
                    cursor = m.end
            pieces.append(text[cursor:end])
            context = re.sub(r"\s+", " ", "".join(pieces)).strip()[:MAX_CONTEXT_CHARS]
            rows.append(wanted.setdefault(context, len(wanted)))
        members.append(rows)
    if not wanted:
        return
    matrix = np.asarray(embedder(list(wanted)), dtype=np.float32)
    for local, rows in zip(locals_, members, strict=True):
        vec = matrix[rows].mean(axis=0)
        local.vec = vec / (np.linalg.norm(vec) or 1.0)


class _SentenceTable:
    """An article's sentence spans, to find the one holding a character offset. The table comes from
    doc.sents (sorted, disjoint), so that is a bisect; any other table is scanned in its order."""

    def __init__(self, sentences: list[Any]):
        self.pairs = [(s, e) for s, e in sentences]
        self.starts = [s for s, _ in self.pairs]
        self.sorted = all(s <= e for s, e in self.pairs) and all(
            e <= s2 for (_, e), (s2, _) in itertools.pairwise(self.pairs)
        )

    def holding(self, pos: int) -> tuple[int, int] | None:
        if self.sorted:
            k = bisect_right(self.starts, pos) - 1
            return self.pairs[k] if k >= 0 and self.pairs[k][0] <= pos < self.pairs[k][1] else None
        return next(((s, e) for s, e in self.pairs if s <= pos < e), None)


def _context_windows(
    text: str, sentences: list[Any] | _SentenceTable, mentions: list[Mention]
) -> list[tuple[int, int]]:
    """Up to CONTEXT_SENTENCES distinct sentences around mentions (windows when there is no sentence table)."""
    table = sentences if isinstance(sentences, _SentenceTable) else _SentenceTable(sentences)
    windows: list[tuple[int, int]] = []
    for m in mentions:
        window = table.holding(m.start)
        window = window or (max(0, m.start - 200), min(len(text), m.end + 200))
        if window not in windows:
            windows.append(window)
        if len(windows) == CONTEXT_SENTENCES:
            break
    return windows


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
        return min(ra, rb)


@dataclass
class _Group:
    """Local entities believed to be one actor while linking."""

    members: list[int]
    kind: str  # person | short | name | nominal
    forms: set[tuple[str, ...]]
    vec_sum: np.ndarray
    merges: list[Merge] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # full written forms, for initials
    _centroid: np.ndarray | None = field(default=None, repr=False)

    def add_vec(self, vec: np.ndarray) -> None:
        self.vec_sum += vec
        self._centroid = None

    @property
    def centroid(self) -> np.ndarray:
        if self._centroid is None:
            norm = np.linalg.norm(self.vec_sum)
            self._centroid = self.vec_sum / norm if norm else self.vec_sum
        return self._centroid


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def _person_blocks(forms: Iterable[tuple[str, ...]]) -> set[str]:
    """Phonetic keys of every non-first token: a name meets only names that share the sound of a surname."""
    keys = set()
    surname_first = load_rules().surname_first
    for form in forms:
        for token in form[1:] or form:
            if len(token) > 1:
                keys.add(phonetic(token))
        if len(form) > 1 and form[0] in surname_first:  # "Xi Jinping" meets a lone "Xi"
            keys.add(phonetic(form[0]))
    return keys


Cluster = list[tuple[int, list[Merge]]]  # (local entity index, the merge reasons it brings)


def link_local_entities(locals_: list[LocalEntity]) -> list[Cluster]:
    """Cluster local entities across articles. Returns clusters as lists of (local index, merge reasons)."""
    rules = load_rules()
    dim = next((loc.vec.shape[0] for loc in locals_ if loc.vec is not None), 1)
    zero = np.zeros(dim, dtype=np.float32)
    order = sorted(range(len(locals_)), key=lambda i: (locals_[i].article, locals_[i].mentions[0].start))

    def vec(i: int) -> np.ndarray:
        v = locals_[i].vec
        return v if v is not None else zero

    # 1. same form: group by exact key, split by context (online clustering against group centroids)
    groups: list[_Group] = []
    by_form: dict[tuple[str, str], list[int]] = defaultdict(list)
    shorts: list[int] = []
    for i in order:
        local = locals_[i]
        if local.nominal_keys:
            groups.append(_Group([i], "nominal", set(), vec(i).copy()))
            continue
        if local.type == "PERSON" or (
            local.type in {"ORG", "NORP"}
            and len(local.key) == 1
            and not local.acronym
            and len(local.mentions) <= 2
            and not _never_a_person(local.key[0])
        ):
            if len(local.key) == 1:
                # a lone ORG-typed name may be a person's surname NER mistyped ("the Khashoggi report")
                shorts.append(i)
                continue
            form_key = ("PERSON", " ".join(local.key))
        else:
            form_key = ("NAME", _name_key(local, rules))
        candidates = by_form[form_key]
        cos_by = {g: _cos(vec(i), groups[g].centroid) for g in candidates}
        best = max(candidates, key=lambda g: cos_by[g], default=None)
        if best is not None and (locals_[i].vec is None or cos_by[best] >= SAME_FORM_MIN_COS):
            groups[best].members.append(i)
            groups[best].add_vec(vec(i))
        else:
            kind = "person" if form_key[0] == "PERSON" else "name"
            groups.append(_Group([i], kind, {local.key}, vec(i).copy(), names={local.best_form()}))
            candidates.append(len(groups) - 1)
    # 2. person spelling variants, compared only inside phonetic blocks
    uf = UnionFind(len(groups))
    blocks: dict[str, list[int]] = defaultdict(list)
    for g, group in enumerate(groups):
        if group.kind == "person":
            for block in _person_blocks(group.forms):
                blocks[block].append(g)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    scored = []
    for a, b in sorted(pairs):
        (fa,), (fb,) = groups[a].forms, groups[b].forms
        if not person_names_compatible(fa, fb):
            continue
        cos = _cos(groups[a].centroid, groups[b].centroid)
        if cos >= VARIANT_MIN_COS or (locals_[groups[a].members[0]].vec is None):
            scored.append((-cos, a, b, fa, fb))
    for neg_cos, a, b, fa, fb in sorted(scored):
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        if not all(person_names_compatible(x, y) for x in groups[ra].forms for y in groups[rb].forms):
            continue  # joining would make one cluster hold two incompatible full names
        root = uf.union(ra, rb)
        other = rb if root == ra else ra
        groups[root].members += groups[other].members
        groups[root].forms |= groups[other].forms
        groups[root].add_vec(groups[other].vec_sum)
        groups[root].merges += groups[other].merges
        groups[root].names |= groups[other].names
        groups[root].merges.append(
            Merge(
                reason=_variant_reason(fa, fb),
                a=" ".join(fa),
                b=" ".join(fb),
                context_cosine=round(-neg_cos, 3),
            )
        )
    roots = sorted({uf.find(g) for g in range(len(groups))})
    live = {r: groups[r] for r in roots}
    # 3. acronym-only names join the name whose initials they spell
    by_initials: dict[str, list[int]] = defaultdict(list)
    for r, group in live.items():
        for name in group.names if group.kind in {"name", "person"} else ():
            letters = initials(name)
            # No letters (a name of numbers, "46 35") spells no acronym: it must not index under "".
            if (
                len(letters) >= 2
                and len(name_tokens(name)) > 1
                and (group.kind == "name" or len(letters) >= 3)
            ):
                by_initials[letters].append(r)
    for r, group in list(live.items()):
        if group.kind != "name" or r not in live:
            continue
        acronym = next(
            (
                locals_[i].acronym
                for i in group.members
                if locals_[i].acronym and all(len(f) == 1 for f in group.forms)
            ),
            None,
        )
        if not acronym:
            continue
        targets = [t for t in by_initials.get(acronym, []) if t != r and t in live]
        if not targets:
            continue
        target = max(targets, key=lambda t: _cos(group.centroid, live[t].centroid))
        cos = _cos(group.centroid, live[target].centroid)
        if cos >= VARIANT_MIN_COS or locals_[group.members[0]].vec is None:
            _absorb(
                live,
                target,
                r,
                Merge(
                    reason="acronym matches initials",
                    a=acronym,
                    b=" ".join(sorted(live[target].forms)[0]),
                    context_cosine=round(cos, 3),
                ),
            )
    # 4. descriptive government references join when they share a descriptor or place and contexts agree
    nominal_blocks: dict[str, list[int]] = defaultdict(list)
    for r, group in live.items():
        if group.kind == "nominal":
            for descriptor in sorted(locals_[group.members[0]].nominal_keys):
                nominal_blocks[descriptor].append(r)
    for descriptor, members in sorted(nominal_blocks.items()):
        for x in members:
            for y in members:
                if x < y and x in live and y in live:
                    cos = _cos(live[x].centroid, live[y].centroid)
                    if cos >= NOMINAL_MIN_COS or locals_[live[x].members[0]].vec is None:
                        _absorb(
                            live,
                            x,
                            y,
                            Merge(
                                reason=f"descriptive references share '{descriptor}'",
                                context_cosine=round(cos, 3),
                            ),
                        )
    # 5. surname-only people join the full name that fits, the closest in context when several do
    person_blocks: dict[str, list[int]] = defaultdict(list)
    for r, group in live.items():
        if group.kind == "person":
            for block in _person_blocks(group.forms):
                person_blocks[block].append(r)
    short_groups: dict[tuple[bool, str], int] = {}
    # full-name groups no longer change their vectors here: their centroids and each surname's candidate
    # list are computed once, so this stage costs O(shorts x candidates per surname)
    centroids: dict[int, np.ndarray] = {}
    candidates_of: dict[tuple[str, ...], list[int]] = {}
    for i in shorts:
        key = locals_[i].key
        if key not in candidates_of:
            candidates_of[key] = sorted(
                {
                    r
                    for r in person_blocks.get(phonetic(key[0]), [])
                    if r in live and any(person_names_compatible(key, f) for f in live[r].forms)
                }
            )
        candidates = candidates_of[key]
        for r in candidates:
            if r not in centroids:
                centroids[r] = live[r].centroid
        cos_by = {r: _cos(vec(i), centroids[r]) for r in candidates}
        best = max(candidates, key=lambda r: (cos_by[r], -r), default=None)
        typed_person = locals_[i].type == "PERSON"
        if best is not None and (
            (len(candidates) == 1 and typed_person) or cos_by[best] >= SHORT_MIN_COS or locals_[i].vec is None
        ):
            longest = max(live[best].forms, key=len)
            live[best].members.append(i)
            live[best].merges.append(
                Merge(
                    reason="surname-only mention joins the full name"
                    + (" closest in context" if len(candidates) > 1 else ""),
                    a=key[0],
                    b=" ".join(longest),
                    context_cosine=round(cos_by[best], 3),
                )
            )
            continue
        short_key = (typed_person, key[0])
        existing = short_groups.get(short_key)
        if existing is not None and _cos(vec(i), live[existing].centroid) >= SAME_FORM_MIN_COS:
            live[existing].members.append(i)
            live[existing].add_vec(vec(i))
            continue
        r = len(groups)
        groups.append(_Group([i], "short", {key}, vec(i).copy()))
        live[r] = groups[r]
        short_groups[short_key] = r
    return [
        [(i, live[r].merges if k == 0 else []) for k, i in enumerate(sorted(live[r].members))]
        for r in sorted(live)
    ]


def _name_key(local: LocalEntity, rules: EntityRules) -> str:
    if local.acronym and all(acronym_letters(f) for f in local.forms):
        canonical = rules.aliases.get(local.acronym.lower())  # "GOP": the Republican Party
        return fold(canonical).replace(".", "") if canonical else local.acronym.lower()
    folded = re.sub(r"^the ", "", fold(local.best_form())).replace(".", "")
    canonical = rules.aliases.get(folded) or rules.aliases.get(fold(local.best_form()))
    return fold(canonical).replace(".", "") if canonical else folded


def _absorb(live: dict[int, _Group], keep: int, gone: int, merge: Merge) -> None:
    target, other = live[keep], live.pop(gone)
    target.members += other.members
    target.forms |= other.forms
    target.add_vec(other.vec_sum)
    target.merges += other.merges
    target.names |= other.names
    target.merges.append(merge)


def _variant_reason(a: tuple[str, ...], b: tuple[str, ...]) -> str:
    if len(a) != len(b):
        return "name contained in a longer form of the name (rapidfuzz/metaphone token match)"
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if all(phonetic(x) == phonetic(y) for x, y in differing):
        return (
            "transliteration variant (same metaphone key: "
            + ", ".join(f"{x}/{y}" for x, y in differing)
            + ")"
        )
    return (
        "spelling variant (rapidfuzz ratio: "
        + ", ".join(f"{x}/{y} {fuzz.ratio(x, y):.0f}" for x, y in differing)
        + ")"
    )


# ------------------------------------------------------------------------------------------- public API


def resolve_entities(articles: Sequence[ParsedArticle], embedder: Embedder | None = None) -> list[Entity]:
    """The cast of a set of articles: one record per actor with aliases, mentions, labels and merge reasons.

    ``embedder`` maps sentences to L2-normalised vectors (default: MiniLM via ``newsprism.nlp.embed``).
    """
    if embedder is None:
        from newsprism import nlp

        embedder = nlp.embed
    articles = sorted(articles, key=lambda a: a.id)
    locals_: list[LocalEntity] = []
    for article in articles:
        locals_.extend(extract_local_entities(article))
    _context_vectors([a.article for a in articles], locals_, embedder)
    return build_entities(locals_, link_local_entities(locals_))


def build_entities(locals_: list[LocalEntity], clusters: Sequence[Cluster]) -> list[Entity]:
    """One cast record per cluster, largest first; ids from the canonical name and type (suffixed when two
    actors share both)."""
    entities: list[Entity] = []
    for cluster in clusters:
        members = [locals_[i] for i, _ in cluster]
        mentions = sorted(
            {(m.article, m.start, m.end): m for loc in members for m in loc.mentions}.values(),
            key=lambda m: (m.article, m.start, m.end),
        )
        types = Counter(loc.type for loc in members for _ in loc.mentions)
        entity_type = (
            "PERSON"
            if "PERSON" in types and any(len(loc.key) > 1 for loc in members if loc.type == "PERSON")
            else sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        )
        name_forms = Counter(m.text for m in mentions if m.kind not in {"role", "nominal", "acronym"})
        if not name_forms:
            name_forms = Counter(m.text for m in mentions)
        name = _canonical_name(members, name_forms, entity_type)
        labels = sorted(
            {(lab.article, lab.start, lab.end): lab for loc in members for lab in loc.labels}.values(),
            key=lambda lab: (lab.article, lab.start, lab.end),
        )
        groups: dict[str, list[str]] = defaultdict(list)
        for lab in labels:
            if lab.text not in groups[lab.outlet]:
                groups[lab.outlet].append(lab.text)
        merges = [merge for loc in members for merge in loc.merges] + [
            merge for _, ms in cluster for merge in ms
        ]
        aliases = Counter(m.text for m in mentions)
        entities.append(
            Entity(
                id=stable_id(name, entity_type),
                name=name,
                type=entity_type,
                aliases=[
                    Alias(text=t, count=c) for t, c in sorted(aliases.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
                mentions=[
                    EntityMention(article=m.article, start=m.start, end=m.end, text=m.text, kind=m.kind)
                    for m in mentions
                ],
                labels=[lab.to_record() for lab in labels],
                label_groups={outlet: texts for outlet, texts in sorted(groups.items())},
                articles=sorted({m.article for m in mentions}),
                merges=merges,
            )
        )
    entities.sort(key=lambda e: (-len(e.mentions), e.name, e.mentions[0].article, e.mentions[0].start))
    seen: Counter[str] = Counter()
    for entity in entities:  # same canonical name, different actors: keep ids distinct and stable
        seen[entity.id] += 1
        if seen[entity.id] > 1:
            entity.id += f"-{seen[entity.id]}"
    return entities


def _canonical_name(members: list[LocalEntity], forms: Counter[str], entity_type: str) -> str:
    places = Counter(loc.place for loc in members if loc.place)
    if any(loc.nominal_keys for loc in members):
        if places:
            return f"{sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]} government"
        return best_name(forms, entity_type)
    rules = load_rules()
    folded = re.sub(r"^the ", "", fold(best_name(forms, entity_type)))
    if entity_type != "PERSON" and folded in rules.aliases:
        return rules.aliases[folded]
    name = best_name(forms, entity_type)
    return re.sub(r"^(the|The) ", "", name)


def entity_at(entities: Sequence[Entity], article_id: str, start: int, end: int) -> str | None:
    """Id of the entity whose mention overlaps [start, end) in an article (largest overlap wins)."""
    best: tuple[int, str] | None = None
    for entity in entities:
        for m in entity.mentions:
            if m.article != article_id:
                continue
            overlap = min(end, m.end) - max(start, m.start)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, entity.id)
    return best[1] if best else None


def find_entities(entities: Sequence[Entity], name: str) -> list[Entity]:
    """Entities whose name or an alias matches ``name`` (case/accents ignored; spelling variants allowed)."""
    query = fold(name)
    query_key = key_tokens(name)
    out = []
    for entity in entities:
        texts = [entity.name] + [a.text for a in entity.aliases]
        if any(query in fold(t) for t in texts) or (
            entity.type == "PERSON" and any(person_names_compatible(query_key, key_tokens(t)) for t in texts)
        ):
            out.append(entity)
    return out


def render_table(*args: Any, **kwargs: Any) -> Table:
    """The terminal table of these records (``newsprism.tables``: the read commands import only that)."""
    from newsprism.tables import entity_table

    return entity_table(*args, **kwargs)
