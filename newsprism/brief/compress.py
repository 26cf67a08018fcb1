"""Neutral wording of one claim sentence, from its parse (run per article in the extract stage, where the
parse is): the outlet's own loaded modifiers dropped ("the brutal offensive" -> "the offensive", "Haftar, a
ruthless warlord, said" -> "Haftar said"), a "he"/"she" subject named, and the loaded words it has to keep
counted, so the brief can prefer another outlet's wording or credit the words to the outlet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from newsprism.compare.claims import QUOTATION
from newsprism.records import LoadedTerm

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

# A loaded word in one of these relations only qualifies its head: the sentence says the same without it.
MODIFIER_DEPS = frozenset({"amod", "advmod", "compound", "nmod", "npadvmod", "poss"})
STRONG_POLARITY = 0.7
MODIFIER_POS = frozenset({"ADJ", "ADV", "NOUN"})  # a verb carries its clause ("excoriated" is no modifier)
# Tokens of one modifier phrase ("very ruthless and corrupt"); a longer one is a clause, not a modifier.
MAX_DROPPED = 6
VOWEL_SOUND = tuple("aeiouAEIOU")


def neutral_wording(
    doc: Doc, sentence: Span, terms: Sequence[LoadedTerm], renames: dict[int, str] | None = None
) -> tuple[str, int, list[str]]:
    """(the sentence's neutral text, the own-voice loaded terms it keeps, the words dropped). ``renames``:
    token index -> the text to put in its place (a pronoun subject's name)."""
    inside = [t for t in terms if sentence.start_char <= t.start < sentence.end_char]
    quotations = [m.span() for m in QUOTATION.finditer(doc.text, sentence.start_char, sentence.end_char)]
    dropped: set[int] = set()
    kept = 0
    for term in inside:
        if any(s <= term.start < e for s, e in quotations):
            continue  # someone's own words, in quotation marks: never edited
        span = doc.char_span(term.start, term.end, alignment_mode="expand")
        found = _removable(span, sentence) if span is not None and droppable(term) else None
        if found is not None:
            dropped |= found  # a reported clause's loaded modifier goes too: the outlet chose to pass it on
        elif not term.in_quote:
            kept += 1
    if not dropped and not renames:
        return "", kept, []
    _drop_orphan_determiners(sentence, dropped)
    words: list[list[str]] = []
    for token in sentence:
        if token.i in dropped:
            continue
        if words and not words[-1][1] and token.i - 1 in dropped and not token.is_punct:
            words[-1][1] = " "  # "Haftar, a warlord, said" -> "Haftar said", not "Haftarsaid"
        words.append([(renames or {}).get(token.i, token.text), token.whitespace_])
    _fix_articles(words)
    out = "".join(w + s for w, s in words).strip()
    out = out.replace(" ,", ",").replace(",,", ",").replace("  ", " ")
    removed = [t.text for t in inside if any(i in dropped for i in _token_range(doc, t))]
    return (out[:1].upper() + out[1:]), kept, removed


def droppable(term: LoadedTerm) -> bool:
    """Whether the term is a judgement the sentence can do without: newsprism's own list and VADER's strongly
    valenced words are; of TextBlob's subjective adjectives only the strong ones ("ruthless", not "sexual" in
    "sexual misconduct" or "primary" in "primary ballot": dropping those changes the fact)."""
    return term.lexicon in ("newsprism", "vader") or abs(term.polarity) >= STRONG_POLARITY


def _token_range(doc: Doc, term: LoadedTerm) -> range:
    span = doc.char_span(term.start, term.end, alignment_mode="expand")
    return range(span.start, span.end) if span is not None else range(0)


def _removable(span: Span, sentence: Span) -> set[int] | None:
    """The tokens to drop with this loaded term, or None when it carries the sentence (a verb, a subject)."""
    root = span.root
    if (
        root.dep_ in MODIFIER_DEPS
        and root.pos_ in MODIFIER_POS
        and root.head.i not in range(span.start, span.end)
    ):
        phrase = _contiguous(root)
        if phrase is not None and len(phrase) <= MAX_DROPPED and not _holds_name(root, phrase):
            return phrase
    appositive = _appositive_above(root, sentence)
    if appositive is not None:
        return appositive
    return None


def _contiguous(token: Token) -> set[int] | None:
    indices = sorted(t.i for t in token.subtree)
    if indices and indices[-1] - indices[0] + 1 == len(indices):
        return set(indices)
    return None


def _holds_name(root: Token, phrase: set[int]) -> bool:
    doc = root.doc
    return any(doc[i].pos_ in ("PROPN", "NUM") and i != root.i for i in phrase)


def _appositive_above(token: Token, sentence: Span) -> set[int] | None:
    """An appositive holding the term, with its commas or dashes ("Haftar, a renegade general, said")."""
    node = token
    while node.dep_ != "appos":
        if node.head.i == node.i or node.pos_ in ("VERB", "AUX"):
            return None
        node = node.head
    phrase = _contiguous(node)
    if phrase is None or len(phrase) > 12:
        return None
    doc = token.doc
    first, last = min(phrase), max(phrase)
    before = doc[first - 1] if first - 1 >= sentence.start else None
    after = doc[last + 1] if last + 1 < sentence.end else None
    if before is None or before.text not in (",", "—", "–", "("):
        return None
    phrase.add(before.i)
    if after is not None and after.text in (",", "—", "–", ")"):
        phrase.add(after.i)
    return phrase


def _drop_orphan_determiners(sentence: Span, dropped: set[int]) -> None:
    """ "the warlord Khalifa Haftar" without "warlord" is "Khalifa Haftar": a determiner left right before a
    person's name goes too."""
    for token in sentence:
        if token.i in dropped or token.dep_ != "det" or token.head.ent_type_ != "PERSON":
            continue
        between = range(token.i + 1, token.head.i)
        names_only = all(i in dropped or token.doc[i].ent_type_ == "PERSON" for i in between)
        if between and names_only and any(i in dropped for i in between):
            dropped.add(token.i)


def _fix_articles(words: list[list[str]]) -> None:
    """ "a"/"an" agreeing with the word now after it ("an outrageous decision" -> "a decision")."""
    for k in range(len(words) - 1):
        word, after = words[k][0], words[k + 1][0]
        if word.lower() in ("a", "an") and after[:1].isalpha():
            wanted = "an" if after.startswith(VOWEL_SOUND) else "a"
            if word.lower() != wanted:
                words[k][0] = wanted if word.islower() else wanted.capitalize()
