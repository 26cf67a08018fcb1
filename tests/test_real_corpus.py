"""benchmarks/real_corpus.py on a tiny data folder laid out like ../shared/data (same files, fields, lines)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from newsprism.ingest import read_source
from newsprism.model import RawDocument

REPO = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_corpus", REPO / "benchmarks" / "real_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_corpus"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


rc = _load()

METADATA_HEADER = (
    "compartment\tfilename\tlevel\tannotators\tpublisher\tpublication_date\tauthor\ttitle\t"
    "trump_count\tclinton_count\tcredit\twire"
)
PARAGRAPH = (
    "Officials said on Tuesday that the committee would meet again next week to review the proposal, "
    "which has drawn criticism from both parties and several advocacy groups across the state."
)


# metadata.tsv lines as PolNeAR writes them (tab-separated; a missing author is "None" or empty).
POLNEAR_ROWS = [
    "train\tnyt_2016-03-02_senate-panel-delays-vote-on-hig\t12\td473\tnyt\t2016-03-02\tJane Roe\t"
    "Senate Panel Delays Vote on Highway Bill\t3\t1\tNone\tNone",
    "train\tbreitbart_2016-05-09_clinton-aide-says-campaign-w\t3\t5fec\tbreitbart\t2016-05-09\tNone\t"
    "Clinton Aide Says Campaign Will Press On\t0\t4\tNone\tNone",
    "dev\thuff-post_2016-09-27_obama-power-plant-rules-face-key\t15\t5fec\thuff-post\t2016-09-27\t\t"
    "Obama Power Plant Rules Face Key Test\t1\t1\tNone\treuters",
    # A row naming a file outside train/dev, as the annotator-training rows do.
    "annotator-training\tbreitbart_2016-03-11_not-in-any-split\tNone\t4b22|4e07\tbreitbart\t2016-03-11\tAP\t"
    "Not In Any Split\t0\t0\tNone\tAP",
]


def _polnear(root: Path) -> None:
    folder = root / "polnear"
    folder.mkdir(parents=True)
    (folder / "metadata.tsv").write_text("\n".join([METADATA_HEADER, *POLNEAR_ROWS]) + "\n", encoding="utf-8")
    for row in POLNEAR_ROWS[:3]:
        split, name, *_, title = row.split("\t")[:8]
        text_dir = folder / split / "text"
        text_dir.mkdir(parents=True, exist_ok=True)
        # PolNeAR's text files: headline line with an added ".", blank line, paragraphs.
        body = f"{PARAGRAPH}\n\n“We will get this done,” the senator said.\n\n{PARAGRAPH}\n"
        (text_dir / f"{name}.txt").write_text(f"{title}.\n\n{body}", encoding="utf-8")
    (folder / "train" / "attributions").mkdir()


def _giveme(root: Path) -> None:
    folder = root / "giveme5w1h" / "gold_standard"
    folder.mkdir(parents=True)
    docs = [
        (
            "071e141c216547f83e2b50a63a728163fa9527e337032e9eb84882d6",
            "standard",
            "2016-11-09 00:00:00",
            "tram",
        ),
        (
            "08ebc52cada9093774e3ba71312def80ca3621c959d67877a6e3b228",
            "theguardian",
            "2016-11-03 05:43:48",
            "tram",
        ),
        (
            "09d729c0013e096cf6ed1b13e52c9d3afd2538333cd74e1d42ab66fb",
            "bbc",
            "2016-11-06 20:36:37",
            "toblerone",
        ),
    ]
    for did, publisher, date, category in docs:
        doc = {
            "category": category,
            "dId": did,
            "date_publish": date,
            "description": "Several people died.",
            "filename": did,
            "fiveWoneH": {
                "when": {
                    "annotated": [{"coderPhraseCount": 3, "parsed": "2016-11-09", "text": "at 6am"}],
                    "label": "when",
                },
            },
            "mimeType": "text/xml",
            "originalFilename": f"{publisher}-6",
            "parsingError": "true",
            "publisher": publisher,
            "text": f"{PARAGRAPH} {PARAGRAPH}",
            "title": f"{category.title()} story from {publisher}",
            "url": f"http://www.{publisher}.co.uk/news/{did[:8]}.html",
        }
        (folder / f"{did}.json").write_text(json.dumps(doc), encoding="utf-8")


def _neus(root: Path) -> None:
    folder = root / "neus"
    folder.mkdir(parents=True)

    def line(titles: list[str], texts: list[str]) -> str:
        return " [SEP] ".join(f"TITLE=> {t}. ARTICLE=> {x}" for t, x in zip(titles, texts, strict=True))

    train = [
        line(["Sanders surges", "Democrats panic over Sanders", "Is Bernie electable?"], [PARAGRAPH] * 3),
        # One take with an empty excerpt ("ARTICLE=> " ends the line): the story is not usable whole.
        line(["Flynn offers to testify", "Flynn seeks immunity", "Flynn deal"], [PARAGRAPH, PARAGRAPH, ""]),
    ]
    val = [line(["Trump tweets about U.S.", "North Korea threat grows", "Japan braces?"], [PARAGRAPH] * 3)]
    (folder / "train.source").write_text("\n".join(train) + "\n", encoding="utf-8")
    (folder / "val.source").write_text("\n".join(val) + "\n", encoding="utf-8")
    (folder / "train.target").write_text(
        "TITLE=> Roundup. ARTICLE=> Neutral summary.\n" * 2, encoding="utf-8"
    )


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    _polnear(root)
    _giveme(root)
    _neus(root)
    monkeypatch.setenv(rc.DATA_ENV, str(root))
    return root


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_all_records_written_with_their_metadata(data: Path, tmp_path: Path) -> None:
    # 3 PolNeAR + 3 Giveme5W1H + 6 usable NeuS takes (the story with an empty take is left out)
    paths = rc.write_real_corpus(tmp_path / "out", 12)
    out = tmp_path / "out"
    assert sorted(p.relative_to(out).as_posix() for p in paths) == [
        "giveme5w1h.jsonl",
        "neus.jsonl",
        "polnear/breitbart_2016-05-09_clinton-aide-says-campaign-w.txt",
        "polnear/huff-post_2016-09-27_obama-power-plant-rules-face-key.txt",
        "polnear/nyt_2016-03-02_senate-panel-delays-vote-on-hig.txt",
    ]

    nyt = out / "polnear" / "nyt_2016-03-02_senate-panel-delays-vote-on-hig.txt"
    source = data / "polnear" / "train" / "text" / nyt.name
    assert nyt.read_bytes() == source.read_bytes()
    assert json.loads(nyt.with_suffix(".meta.json").read_text(encoding="utf-8")) == {
        "outlet": "The New York Times",
        "published": "2016-03-02",
        "author": "Jane Roe",
        "origin": f"polnear/train/text/{nyt.name}",
    }
    breitbart = json.loads(
        (out / "polnear" / "breitbart_2016-05-09_clinton-aide-says-campaign-w.meta.json").read_text()
    )
    assert "author" not in breitbart  # PolNeAR's "None" is no author
    assert breitbart["outlet"] == "Breitbart"

    giveme = _jsonl(out / "giveme5w1h.jsonl")
    assert [(r["outlet"], r["published"], r["group"]) for r in giveme] == [
        ("Evening Standard", "2016-11-09", "giveme5w1h:tram"),
        ("The Guardian", "2016-11-03", "giveme5w1h:tram"),
        ("BBC", "2016-11-06", "giveme5w1h:toblerone"),
    ]
    assert giveme[0]["title"] == "Tram story from standard"
    assert giveme[0]["url"] == "http://www.standard.co.uk/news/071e141c.html"
    assert giveme[0]["text"] == f"{PARAGRAPH} {PARAGRAPH}"

    neus = _jsonl(out / "neus.jsonl")
    assert sorted(str(r["title"]) for r in neus) == sorted(
        [
            *("Sanders surges", "Democrats panic over Sanders", "Is Bernie electable?"),
            *("Trump tweets about U.S.", "North Korea threat grows", "Japan braces?"),
        ]
    )
    assert all(r["text"] == PARAGRAPH and r["outlet"] is None and r["published"] is None for r in neus)
    assert {r["origin"] for r in neus if r["group"] == "neus:val:1"} == {
        f"neus/val.source:1#{n}" for n in (1, 2, 3)
    }
    assert not any("Flynn" in str(r["title"]) for r in neus)


def test_newsprism_readers_take_the_metadata(data: Path, tmp_path: Path) -> None:
    paths = rc.write_real_corpus(tmp_path / "out", 12)
    docs = [d for p in paths for d in read_source(p)]
    assert all(isinstance(d, RawDocument) for d in docs)
    assert len(docs) == 12
    by_origin = {d.source: d for d in docs if isinstance(d, RawDocument)}
    nyt = next(
        d for s, d in by_origin.items() if s.endswith("nyt_2016-03-02_senate-panel-delays-vote-on-hig.txt")
    )
    assert nyt.meta == {"outlet": "The New York Times", "published": "2016-03-02", "author": "Jane Roe"}
    guardian = by_origin[f"{tmp_path / 'out' / 'giveme5w1h.jsonl'}#2"]
    assert guardian.meta["outlet"] == "The Guardian"
    assert guardian.meta["title"] == "Tram story from theguardian"
    assert guardian.meta["published"] == "2016-11-03"


def test_proportions_and_determinism(data: Path, tmp_path: Path) -> None:
    first = rc.write_real_corpus(tmp_path / "a", 6, seed=3)
    again = rc.write_real_corpus(tmp_path / "b", 6, seed=3)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    polnear = [p for p in first if p.suffix == ".txt"]
    giveme = _jsonl(tmp_path / "a" / "giveme5w1h.jsonl")
    neus = _jsonl(tmp_path / "a" / "neus.jsonl")
    assert (len(polnear), len(giveme), len(neus)) == (2, 2, 2)
    assert len({r["group"] for r in neus}) == 1  # NeuS takes come as a story, not scattered


def test_a_small_source_leaves_its_share_to_the_others(data: Path, tmp_path: Path) -> None:
    rc.write_real_corpus(tmp_path / "out", 11)
    counts = (
        len(list((tmp_path / "out" / "polnear").glob("*.txt"))),
        len(_jsonl(tmp_path / "out" / "giveme5w1h.jsonl")),
        len(_jsonl(tmp_path / "out" / "neus.jsonl")),
    )
    assert counts == (3, 3, 5)


def test_too_many_articles_asked(data: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only 12 real articles available"):
        rc.write_real_corpus(tmp_path / "out", 13)


def test_missing_data_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rc.DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(rc.DataMissing, match=r"real news data not found at .*nowhere"):
        rc.write_real_corpus(tmp_path / "out", 3)
    assert not (tmp_path / "out").exists()


def test_split_neus_line_keeps_inner_punctuation() -> None:
    line = "TITLE=> Is it over?. ARTICLE=> One. Two. [SEP] TITLE=> U.S.. ARTICLE=> Three. [SEP] TITLE=> X. ARTICLE=> "
    assert rc.split_neus_line(line) == [("Is it over?", "One. Two."), ("U.S.", "Three."), ("X", "")]
