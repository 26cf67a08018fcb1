"""Loaded and evaluative terms in an article, from three lexicons: newsprism's own (political labels, loaded
said-substitutes, verdict adverbs: ``rules/loaded_terms.toml``), VADER's (strongly valenced words) and
TextBlob's (subjective adjectives). The general lexicons score many words news uses for facts ("killed",
"war"); those are listed as not loaded, and a VADER word TextBlob knows as objective is left out too.
"""

from __future__ import annotations

import re
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from newsprism.records import LoadedTerm

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from newsprism.compare.claims import Spans

VADER_MIN_VALENCE = 2.0  # of VADER's -4..4 scale: "bad" (-2.5) and "brilliant" (2.8), not "agreement" (1.1)
TEXTBLOB_MIN_SUBJECTIVITY = 0.7
TEXTBLOB_MIN_POLARITY = 0.5
TEXTBLOB_OBJECTIVE = 0.35  # a VADER word TextBlob rates this objective or less is a fact word
CONTENT_POS = frozenset({"ADJ", "ADV", "VERB", "NOUN"})


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[str, float]  # newsprism's own terms (lower-cased, may hold spaces) -> prior polarity
    phrase_pattern: re.Pattern[str]
    vader: dict[str, float]  # word -> valence / 4
    textblob: dict[str, float]  # adjective -> polarity
    not_loaded: frozenset[str]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    rules = tomllib.loads(resources.files("newsprism.rules").joinpath("loaded_terms.toml").read_text("utf-8"))
    not_loaded = frozenset(rules.pop("not_loaded")["terms"])
    phrases: dict[str, float] = {}
    for group in rules.values():
        for term in group["terms"]:
            phrases[term.lower()] = float(group["polarity"])
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in ordered) + r")(?![\w-])", re.IGNORECASE
    )
    subjectivity, textblob = _textblob()
    vader = {
        word: valence / 4.0
        for word, valence in _vader().items()
        if abs(valence) >= VADER_MIN_VALENCE
        and word not in not_loaded
        and subjectivity.get(word, 1.0) > TEXTBLOB_OBJECTIVE
    }
    textblob = {w: p for w, p in textblob.items() if w not in not_loaded}
    return Lexicon(phrases, pattern, vader, textblob, not_loaded)


def _vader() -> dict[str, float]:
    raw = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_bytes()
    text = raw.decode("utf-8", errors="replace")
    out: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isalpha() and len(parts[0]) >= 4:
            out[parts[0].lower()] = float(parts[1])
    return out


def _textblob() -> tuple[dict[str, float], dict[str, float]]:
    """(word -> subjectivity of any sense, adjective -> polarity for the subjective, polar ones)."""
    # The lexicon file ships inside the textblob package; reading it does not import textblob (nor nltk).
    root = ET.fromstring(resources.files("textblob").joinpath("en/en-sentiment.xml").read_bytes())
    subjectivity: dict[str, float] = {}
    polar: dict[str, list[float]] = {}
    for word in root.iter("word"):
        form = (word.get("form") or "").lower()
        if not form.isalpha():
            continue
        subj = float(word.get("subjectivity") or 0)
        pol = float(word.get("polarity") or 0)
        subjectivity[form] = max(subjectivity.get(form, 0.0), subj)
        if (
            word.get("pos") == "JJ"
            and subj >= TEXTBLOB_MIN_SUBJECTIVITY
            and abs(pol) >= TEXTBLOB_MIN_POLARITY
        ):
            polar.setdefault(form, []).append(pol)
    return subjectivity, {w: sum(v) / len(v) for w, v in polar.items()}


def loaded_terms(doc: Doc, text: str, quoted: Spans) -> list[LoadedTerm]:
    """Every loaded or evaluative term of the article, in text order, marked as quoted or in its own voice."""
    lexicon = load_lexicon()
    found: dict[tuple[int, int], LoadedTerm] = {}
    for match in lexicon.phrase_pattern.finditer(text):
        key = match.span()
        found[key] = LoadedTerm(
            text=match.group(0),
            start=key[0],
            end=key[1],
            lexicon="newsprism",
            polarity=lexicon.phrases[match.group(0).lower()],
            in_quote=quoted.covers(key[0]),
        )
    taken = sorted(found)
    for token in doc:
        if token.pos_ not in CONTENT_POS or token.ent_type_:
            continue  # names ("Liberty University", "Justice Department") are not judgements
        word = token.lower_
        if word in lexicon.not_loaded:
            continue
        # VADER scores nouns by what they name ("offensive", "war"): only its adjectives, adverbs and verbs
        # describe; loaded nouns ("thug", "regime") are in newsprism's own list.
        polarity = lexicon.vader.get(word) if token.pos_ != "NOUN" else None
        source = "vader"
        if polarity is None and token.pos_ == "ADJ":
            polarity, source = lexicon.textblob.get(word), "textblob"
        if polarity is None:
            continue
        span = (token.idx, token.idx + len(token.text))
        if any(s <= span[0] < e for s, e in taken):
            continue
        found[span] = LoadedTerm(
            text=token.text,
            start=span[0],
            end=span[1],
            lexicon=source,
            polarity=round(polarity, 3),
            in_quote=quoted.covers(span[0]),
        )
    return [found[k] for k in sorted(found)]


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def text_polarity(text: str) -> float | None:
    """The mean prior polarity of the loaded and evaluative terms in a short text (a label such as "known war
    criminal"), None when it holds none: no parse, so words are looked up as they stand."""
    lexicon = load_lexicon()
    found = [lexicon.phrases[m.group(0).lower()] for m in lexicon.phrase_pattern.finditer(text)]
    rest = lexicon.phrase_pattern.sub(" ", text)
    for word in _WORD.findall(rest):
        lowered = word.lower()
        if lowered in lexicon.not_loaded:
            continue
        value = lexicon.vader.get(lowered, lexicon.textblob.get(lowered))
        if value is not None:
            found.append(value)
    return sum(found) / len(found) if found else None
