"""The neutral brief against AllSides' human roundups (NeuS ``val``; develop on ``train``).

All the split's stories go through newsprism in one run, as a user would run it: ingest, analyze, and the
brief of the story newsprism found for each roundup (the one holding most of its takes): newsprism is not
handed the story boundaries. The baselines get each roundup's own takes, split into the same sentences:
Lead (the first sentences, in the takes' order), LexRank and TextRank. Every system is cut to the same length,
WORDS words (the mean length of the train roundups), before ROUGE (rouge-score, Porter stemmer).

Also printed: loaded terms per 100 words (the brief, its inputs, the roundups; newsprism's lexicon), and
citation precision by an automatic check: a citation supports its sentence when the cited sentence holds at
least SUPPORT_AT of the brief sentence's content words (stemmed, stop words out): entailment-style overlap.
``tests/data/brief/citations_judged.jsonl`` holds citations judged by reading; their precision is printed too.

``NEWSPRISM_BRIEF_SPLIT=train`` (and ``NEWSPRISM_BRIEF_STORIES=N``) for development.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from newsprism.evaluation import TEST_DATA, shared_data_dir
from newsprism.evaluation.neus import split_neus_line

if TYPE_CHECKING:
    from newsprism.model import StoredArticle
    from newsprism.records import StoryAnalysis
    from newsprism.store import Store

WORDS = 67  # mean words of the NeuS train roundups (their ARTICLE part)
SUPPORT_AT = 0.5
JUDGED = TEST_DATA / "brief" / "citations_judged.jsonl"
_WORD = re.compile(r"[A-Za-z0-9]+")
_STOP = frozenset(
    "a an the of to in on at for and or but is are was were be been being by with from as that this it its "
    "he she they his her their them him we our you i said says say will would has have had not no do did "
    "does than then so if into about after before over also who which what when where while there".split()
)


@dataclass
class StoryInput:
    line: int
    takes: list[tuple[str, str]]  # (title, text)
    roundup: str
    urls: list[str] = field(default_factory=list)


def load(split: str, limit: int | None = None) -> list[StoryInput]:
    folder = shared_data_dir()
    if folder is None:
        return []
    source, target = folder / "neus" / f"{split}.source", folder / "neus" / f"{split}.target"
    if not source.is_file():
        return []
    out = []
    with source.open(encoding="utf-8") as sources, target.open(encoding="utf-8") as targets:
        for line, (src, tgt) in enumerate(zip(sources, targets, strict=True), start=1):
            takes = [(title, text) for title, text in split_neus_line(src) if text]
            roundup = tgt.split("ARTICLE=> ", 1)[-1].strip()
            if takes and roundup:
                urls = [f"https://neus.invalid/{split}/{line}/{k}" for k in range(1, len(takes) + 1)]
                out.append(StoryInput(line, takes, roundup, urls))
            if limit is not None and len(out) >= limit:
                break
    return out


def cut(text: str, words: int = WORDS) -> str:
    return " ".join(text.split()[:words])


# ------------------------------------------------------------------------------------------ baselines


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def lead(sentences: Sequence[str]) -> list[str]:
    return list(sentences)


def _pagerank(weights: list[list[float]], damping: float = 0.85, rounds: int = 100) -> list[float]:
    n = len(weights)
    if n == 0:
        return []
    out_sum = [sum(row) for row in weights]
    score = [1.0 / n] * n
    for _ in range(rounds):
        score = [
            (1 - damping) / n
            + damping * sum(score[j] * weights[j][i] / out_sum[j] for j in range(n) if out_sum[j] > 0)
            for i in range(n)
        ]
    return score


def lexrank(sentences: Sequence[str], idf: dict[str, float], threshold: float = 0.1) -> list[str]:
    """LexRank (Erkan & Radev 2004): TF-IDF cosine graph above ``threshold``, unweighted, PageRank."""
    vectors = []
    for s in sentences:
        tf = Counter(_tokens(s))
        vectors.append({w: c * idf.get(w, 1.0) for w, c in tf.items()})
    norms = [math.sqrt(sum(v * v for v in vec.values())) or 1.0 for vec in vectors]
    n = len(sentences)
    weights = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                dot = sum(v * vectors[j].get(w, 0.0) for w, v in vectors[i].items())
                weights[i][j] = 1.0 if dot / (norms[i] * norms[j]) > threshold else 0.0
    score = _pagerank(weights)
    return [sentences[i] for i in sorted(range(n), key=lambda i: (-score[i], i))]


def textrank(sentences: Sequence[str]) -> list[str]:
    """TextRank (Mihalcea & Tarau 2004): word-overlap similarity normalised by log lengths, weighted PageRank."""
    words = [set(_tokens(s)) for s in sentences]
    n = len(sentences)
    weights = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j and len(words[i]) > 1 and len(words[j]) > 1:
                weights[i][j] = len(words[i] & words[j]) / (math.log(len(words[i])) + math.log(len(words[j])))
    score = _pagerank(weights)
    return [sentences[i] for i in sorted(range(n), key=lambda i: (-score[i], i))]


# ------------------------------------------------------------------------------------------ checks


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer().stem


def content_words(text: str) -> set[str]:
    stem = _stemmer()
    return {stem(w) for w in _tokens(text) if w not in _STOP and len(w) > 1}


def supports(brief_sentence: str, cited: str) -> bool:
    wanted = content_words(brief_sentence)
    return not wanted or len(wanted & content_words(cited)) / len(wanted) >= SUPPORT_AT


def loaded_per_100(texts: Sequence[str]) -> float:
    from newsprism import nlp
    from newsprism.compare.claims import Spans
    from newsprism.compare.lexicon import loaded_terms

    total_words = sum(len(t.split()) for t in texts)
    found = 0
    for text, doc in zip(texts, nlp.parse(list(texts)), strict=True):
        found += len(loaded_terms(doc, text, Spans.of([])))
    return 100.0 * found / max(1, total_words)


# ------------------------------------------------------------------------------------------ the run


@dataclass
class SystemOutput:
    name: str
    texts: list[str]


def _analyse(stories: Sequence[StoryInput], folder: Path, workers: int) -> Path:
    from newsprism.analysis import update
    from newsprism.pipeline import IngestOptions, ingest
    from newsprism.store import Store

    corpus = folder / "neus.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for story in stories:
            for k, ((title, text), url) in enumerate(zip(story.takes, story.urls, strict=True), start=1):
                record = {"url": url, "title": title, "text": text, "outlet": f"Outlet {story.line}.{k}"}
                out.write(json.dumps(record) + "\n")
    db = folder / "neus.db"
    store = Store(f"sqlite:///{db}")
    logging.getLogger("newsprism").setLevel(logging.ERROR)  # takes under 20 words are skipped, as they should
    ingest([corpus], store, IngestOptions(workers=workers))
    update(store, workers=workers)
    return db


def run() -> dict[str, object]:
    from newsprism.store import Store

    split = os.environ.get("NEWSPRISM_BRIEF_SPLIT", "val")
    limit = int(os.environ["NEWSPRISM_BRIEF_STORIES"]) if os.environ.get("NEWSPRISM_BRIEF_STORIES") else None
    stories = load(split, limit)
    if not stories:
        print("brief: skipped (NeuS not found; set NEWSPRISM_SHARED_DATA)")
        return {}
    with tempfile.TemporaryDirectory(prefix="newsprism-brief-") as tmp:
        db = _analyse(stories, Path(tmp), workers=min(2, os.cpu_count() or 1))
        store = Store(f"sqlite:///{db}")
        articles = {a.url or "": a for a in store.iter_articles(with_doc=False)}
        analyses = store.story_analyses()
        given = _given_stories(store, stories, articles)
    print("newsprism's briefs of the stories newsprism found (one run over every take):")
    result = score(split, stories, articles, analyses)
    print(
        "for reference, newsprism's briefs when handed each roundup's takes as the story (the brief alone):"
    )
    score(split, stories, articles, given, quick=True)
    return result


def _given_stories(
    store: Store, stories: Sequence[StoryInput], articles: dict[str, StoredArticle]
) -> list[StoryAnalysis]:
    """Each roundup's takes analysed as one story, from the stored extractions (no model run)."""
    from newsprism.records import Story
    from newsprism.stages.corpus import _analyze_stored

    out = []
    for story in stories:
        members = [articles[u] for u in story.urls if u in articles]
        if members:
            given = Story(
                id=f"given-{story.line}",
                title=members[0].title or "",
                articles=[a.id for a in members],
                outlets=[a.outlet or "" for a in members],
                first=None,
                last=None,
                duplicates=[],
                top_entities=[],
            )
            out.append(_analyze_stored(store, given, [], set()))
    return out


def score(
    split: str,
    stories: Sequence[StoryInput],
    articles: dict[str, StoredArticle],
    analyses: Sequence[StoryAnalysis],
    quick: bool = False,
) -> dict[str, object]:
    """ROUGE, loaded terms and citation precision of every system on ``stories`` (``articles`` by URL);
    ``quick`` (or NEWSPRISM_BRIEF_QUICK): ROUGE only."""
    from rich.console import Console
    from rich.table import Table
    from rouge_score import rouge_scorer

    from newsprism.brief import at_length

    story_of = {aid: sa for sa in analyses for aid in sa.story.articles}
    text_of = {a.id: a.text for a in articles.values()}
    idf = _idf([text for s in stories for _, text in s.takes])
    systems = {name: SystemOutput(name, []) for name in ("newsprism", "Lead", "LexRank", "TextRank")}
    citations = supported = 0
    pairs: list[dict[str, object]] = []  # (brief sentence, cited sentence): NEWSPRISM_BRIEF_DUMP writes them
    brief_texts: list[str] = []
    for story in stories:
        members = [articles[u] for u in story.urls if u in articles]
        sentences = [" ".join(a.text[s:e].split()) for a in members for s, e in a.sentences]
        sentences = [s for s in sentences if s]
        systems["Lead"].texts.append(cut(" ".join(lead(sentences))))
        systems["LexRank"].texts.append(cut(" ".join(lexrank(sentences, idf))))
        systems["TextRank"].texts.append(cut(" ".join(textrank(sentences))))
        held = Counter(story_of[a.id].story.id for a in members if a.id in story_of)
        brief_text = ""
        if held:
            chosen = next(sa for sa in analyses if sa.story.id == held.most_common(1)[0][0])
            if chosen.brief is not None:
                brief = at_length(chosen.brief, WORDS, at_least=True)
                # cut where the brief would end: after its best-ranked sentences, not mid-timeline
                brief_text = " ".join(s.text for s in sorted(brief.sentences, key=lambda s: s.rank))
                for sentence in brief.sentences:
                    for c in sentence.citations:
                        cited = text_of.get(c.article, "")[c.start : c.end]
                        citations += 1
                        supported += supports(sentence.text, cited)
                        pairs.append({"line": story.line, "sentence": sentence.text, "cited": cited})
        brief_texts.append(brief_text)
        systems["newsprism"].texts.append(cut(brief_text))
    if dump := os.environ.get("NEWSPRISM_BRIEF_DUMP"):
        with open(dump, "w", encoding="utf-8") as out:
            for pair in pairs:
                out.write(json.dumps(pair | {"split": split}, ensure_ascii=False) + "\n")
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    table = Table(title=f"brief vs NeuS {split} roundups ({len(stories)} stories, {WORDS} words each)")
    for column in ("system", "ROUGE-1 F1", "ROUGE-2 F1", "ROUGE-L F1"):
        table.add_column(column)
    scores: dict[str, dict[str, float]] = {}
    for system in systems.values():
        totals = Counter[str]()
        for text, story in zip(system.texts, stories, strict=True):
            for key, value in scorer.score(story.roundup, text).items():
                totals[key] += value.fmeasure
        scores[system.name] = {k: totals[k] / len(stories) for k in ("rouge1", "rouge2", "rougeL")}
        table.add_row(system.name, *(f"{scores[system.name][k]:.4f}" for k in ("rouge1", "rouge2", "rougeL")))
    console = Console()
    console.print(table)
    if quick or os.environ.get("NEWSPRISM_BRIEF_QUICK"):
        return {"rouge": scores, "texts": systems}
    loaded = {
        "brief": loaded_per_100([t for t in brief_texts if t]),
        "inputs": loaded_per_100([text for s in stories for _, text in s.takes]),
        "roundups": loaded_per_100([s.roundup for s in stories]),
    }
    print("loaded terms per 100 words: " + ", ".join(f"{k} {v:.2f}" for k, v in loaded.items()))
    precision = supported / citations if citations else 0.0
    print(
        f"citation precision (automatic, content-word support >= {SUPPORT_AT}): {precision:.3f} of {citations}"
    )
    judged = _judged_precision()
    if judged is not None:
        print(f"citation precision (judged by reading): {judged[0]:.3f} of {judged[1]}")
    return {"rouge": scores, "loaded": loaded, "citation_precision": precision, "texts": systems}


def _idf(texts: Sequence[str]) -> dict[str, float]:
    df = Counter(w for t in texts for w in set(_tokens(t)))
    n = len(texts)
    return {w: math.log(n / c) for w, c in df.items()}


def _judged_precision() -> tuple[float, int] | None:
    if not JUDGED.is_file():
        return None
    rows = [json.loads(line) for line in JUDGED.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        return None
    return sum(1 for r in rows if r["supports"]) / len(rows), len(rows)
