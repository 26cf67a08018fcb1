"""A mixed corpus of real news from ``../shared/data``, written in the formats newsprism reads.

Three public corpora nobody on the project wrote, roughly a third each:

* PolNeAR (political news, 7 US outlets, 2015-16): ``polnear/{train,dev}/text/*.txt`` copied as plain text,
  with outlet, date, author and title from ``polnear/metadata.tsv`` in a ``.meta.json`` sidecar.
* Giveme5W1H gold standard (13 events, 13 outlets, 2016): ``giveme5w1h/gold_standard/*.json`` as JSONL rows.
* NeuS (AllSides stories, 3 outlets' excerpts on one headline, 2017-21): ``neus/{train,val}.source`` lines
  split into their three articles, as JSONL rows. AllSides' outlet names are not in the data (the three takes
  are in random order), so these rows carry no outlet rather than an invented one.

Every record also carries ``origin`` (dataset file and line, for tracing a finding back) and, where the
dataset says which articles cover the same story, ``group`` (Giveme5W1H's event category, NeuS's line). The
data is written only to the output folder, never into the repository.

Usage: ``python benchmarks/real_corpus.py OUT --articles N [--seed S]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from newsprism.evaluation.neus import split_neus_line

DATA_ENV = "NEWSPRISM_DATA"

# Publisher codes of PolNeAR's metadata (its README, "News Publishers") and Giveme5W1H's ``publisher`` field,
# as outlet names; an outlet present in both corpora gets one name so the two read as the same outlet.
POLNEAR_OUTLETS = {
    "huff-post": "Huffington Post",
    "breitbart": "Breitbart",
    "nyt": "The New York Times",
    "politico": "Politico",
    "wash-post": "The Washington Post",
    "west-journal": "Western Journalism",
    "usa-today": "USA Today",
}
GIVEME_OUTLETS = {
    "bbc": "BBC",
    "dailymail": "Daily Mail",
    "express": "Daily Express",
    "independent": "The Independent",
    "mirror": "Daily Mirror",
    "nypost": "New York Post",
    "nytimes": "The New York Times",
    "standard": "Evening Standard",
    "telegraph": "The Telegraph",
    "thesun": "The Sun",
    "theguardian": "The Guardian",
    "usatoday": "USA Today",
    "washingtonpost": "The Washington Post",
}
# PolNeAR writes a missing author as "None".
MISSING = {"", "none", "null", "nan"}
SOURCES = ("polnear", "giveme5w1h", "neus")


class DataMissing(RuntimeError):
    """``../shared/data`` (or one of its corpora) is not on this machine: callers skip, they do not fail."""


@dataclass(frozen=True)
class CorpusRecord:
    title: str
    text: str
    outlet: str | None
    published: str | None  # ISO date
    url: str | None
    author: str | None
    origin: str  # dataset file (and line) the record came from
    group: str | None  # same value = same story according to the dataset; None when it does not say


def data_dir() -> Path:
    """``$NEWSPRISM_DATA`` or ``shared/data`` beside the checkout; DataMissing when neither exists."""
    env = os.environ.get(DATA_ENV)
    path = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not path.is_dir():
        how = f"${DATA_ENV}" if env else "the folder beside the checkout"
        raise DataMissing(f"real news data not found at {path} ({how}); set {DATA_ENV} to its location")
    return path


def _require(path: Path) -> Path:
    if not path.exists():
        raise DataMissing(f"real news data incomplete: {path} not found")
    return path


def _value(text: str | None) -> str | None:
    text = (text or "").strip()
    return None if text.lower() in MISSING else text


def _iso_date(text: str | None) -> str | None:
    """``2016-11-09`` from ``2016-11-09``, ``2016-11-09 05:10:42`` or ``2016-11-09T05:10:42Z``."""
    match = re.match(r"\d{4}-\d{2}-\d{2}", (text or "").strip())
    return match.group(0) if match else None


def _words(text: str) -> int:
    return len(text.split())


def polnear_records(root: Path, min_words: int) -> list[tuple[Path, CorpusRecord]]:
    """Every PolNeAR article (train and dev) with its metadata row, as (text file, record)."""
    folder = _require(root / "polnear")
    with _require(folder / "metadata.tsv").open(encoding="utf-8", newline="") as fh:
        # Keyed by file name (unique; rows of other compartments name files that are not in train/dev).
        rows = {row["filename"]: row for row in csv.DictReader(fh, delimiter="\t")}
    out: list[tuple[Path, CorpusRecord]] = []
    for split in ("train", "dev"):
        for path in sorted(_require(folder / split / "text").glob("*.txt")):
            row = rows.get(path.stem) or {}
            text = path.read_text(encoding="utf-8")
            head, _, body = text.lstrip().partition("\n")
            if _words(body) < min_words:
                continue
            publisher = _value(row.get("publisher")) or path.stem.split("_", 1)[0]
            out.append(
                (
                    path,
                    CorpusRecord(
                        # The file's first line, which newsprism reads as the headline. metadata.tsv has the
                        # same headline without the "." PolNeAR appended to the line (898 of 924 differ so).
                        title=head.strip(),
                        text=text,
                        outlet=POLNEAR_OUTLETS.get(publisher, publisher),
                        published=_iso_date(row.get("publication_date")),
                        url=None,
                        author=_value(row.get("author")),
                        origin=f"polnear/{split}/text/{path.name}",
                        group=None,
                    ),
                )
            )
    return out


def giveme_records(root: Path, min_words: int) -> list[CorpusRecord]:
    out: list[CorpusRecord] = []
    for path in sorted(_require(root / "giveme5w1h" / "gold_standard").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        text = doc.get("text") or ""
        if _words(text) < min_words:
            continue
        publisher = _value(doc.get("publisher"))
        out.append(
            CorpusRecord(
                title=(doc.get("title") or "").strip(),
                text=text,
                outlet=GIVEME_OUTLETS.get(publisher, publisher) if publisher else None,
                published=_iso_date(doc.get("date_publish")),
                url=_value(doc.get("url")),
                author=None,
                origin=f"giveme5w1h/gold_standard/{path.name}",
                group=f"giveme5w1h:{doc['category']}" if doc.get("category") else None,
            )
        )
    return out


def neus_stories(root: Path, min_words: int) -> list[list[CorpusRecord]]:
    """One list per ``*.source`` line whose three takes all have at least ``min_words`` words."""
    stories: list[list[CorpusRecord]] = []
    for split in ("train", "val"):
        path = _require(root / "neus" / f"{split}.source")
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                takes = split_neus_line(line)
                if len(takes) < 2 or any(_words(text) < min_words for _, text in takes):
                    continue
                stories.append(
                    [
                        CorpusRecord(
                            title=title,
                            text=text,
                            outlet=None,
                            published=None,
                            url=None,
                            author=None,
                            origin=f"neus/{split}.source:{lineno}#{n}",
                            group=f"neus:{split}:{lineno}",
                        )
                        for n, (title, text) in enumerate(takes, start=1)
                    ]
                )
    return stories


def _allocate(n_articles: int, capacity: dict[str, int]) -> dict[str, int]:
    """``n_articles`` shared as evenly as the sources allow (one at a time, round robin, skipping full ones)."""
    if n_articles > sum(capacity.values()):
        raise ValueError(f"only {sum(capacity.values())} real articles available, {n_articles} asked for")
    counts = dict.fromkeys(capacity, 0)
    while sum(counts.values()) < n_articles:
        for name in capacity:
            if counts[name] < capacity[name] and sum(counts.values()) < n_articles:
                counts[name] += 1
    return counts


def _record_json(record: CorpusRecord) -> str:
    data = asdict(record)
    if data["group"] is None:
        del data["group"]
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _sidecar(record: CorpusRecord) -> dict[str, str]:
    # The keys newsprism reads from a sidecar (README "Plain text"), plus origin for tracing. No title: the
    # text's first line is the headline, and a sidecar title that is not byte-for-byte that line (after
    # normalisation) makes newsprism keep the headline line as body text.
    data = {k: getattr(record, k) for k in ("url", "outlet", "published", "author", "origin")}
    return {k: v for k, v in data.items() if v}


def write_real_corpus(out_dir: Path | str, n_articles: int, seed: int = 0, min_words: int = 30) -> list[Path]:
    """Write ``n_articles`` real articles under ``out_dir``; return the article files (not the sidecars).

    ``polnear/*.txt`` (+ ``.meta.json``), ``giveme5w1h.jsonl`` and ``neus.jsonl``; the same seed gives the
    same files. NeuS stories are taken whole (all three takes) except possibly the last. Texts shorter than
    ``min_words`` words are left out: AllSides' one-line excerpts are not articles and newsprism refuses them.
    Raises DataMissing when the data is absent, ValueError when fewer articles exist than asked for.
    """
    if n_articles < 0:
        raise ValueError("n_articles must be >= 0")
    root = data_dir()
    polnear = polnear_records(root, min_words)
    giveme = giveme_records(root, min_words)
    stories = neus_stories(root, min_words)
    counts = _allocate(
        n_articles,
        {"polnear": len(polnear), "giveme5w1h": len(giveme), "neus": sum(len(s) for s in stories)},
    )
    rng = random.Random(seed)
    # Sampled sets are written in dataset order, so the files do not depend on the sampling order.
    picked_polnear = sorted(rng.sample(range(len(polnear)), counts["polnear"]))
    picked_giveme = sorted(rng.sample(range(len(giveme)), counts["giveme5w1h"]))
    neus: list[CorpusRecord] = []
    for index in rng.sample(range(len(stories)), len(stories)):
        if len(neus) >= counts["neus"]:
            break
        neus.extend(stories[index][: counts["neus"] - len(neus)])

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if picked_polnear:
        folder = out / "polnear"
        folder.mkdir(exist_ok=True)
        for i in picked_polnear:
            src, record = polnear[i]
            target = folder / src.name
            target.write_text(record.text, encoding="utf-8")
            sidecar = target.with_suffix(".meta.json")
            sidecar.write_text(
                json.dumps(_sidecar(record), ensure_ascii=False, sort_keys=True), encoding="utf-8"
            )
            written.append(target)
    for name, records in (("giveme5w1h", [giveme[i] for i in picked_giveme]), ("neus", neus)):
        if records:
            target = out / f"{name}.jsonl"
            target.write_text("".join(_record_json(r) + "\n" for r in records), encoding="utf-8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write into (created if needed)")
    parser.add_argument("--articles", type=int, default=300, help="number of articles (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        paths = write_real_corpus(args.out, args.articles, seed=args.seed)
    except DataMissing as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return 0
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.articles} real articles in {len(paths)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
