"""Near-duplicates and story clustering on the samples, hand-written unrelated news, and synthetic vectors."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from newsprism.model import EntityMention, StoredArticle
from newsprism.records import Story
from newsprism.stories import (
    DuplicateIndex,
    StoryConfig,
    StoryIndex,
    cluster_stories,
    entity_profile,
    find_duplicates,
    render_table,
)

DATA = Path(__file__).resolve().parent / "data" / "stories"

COMMENT_BLOCK = """
47 Comments

Join the conversation. Please keep comments civil and on topic.

patriot1776 · 3 hours ago
Why is the White House only telling us about this days later? Something does not add up here.

Reply · Like 12

desert_fox · 2 hours ago
Haftar has been on the CIA payroll for decades, this is nothing new. Read the history before commenting.

Reply · Like 4

mkelly · 1 hour ago
Europe is split on this and Washington just made it worse. Nobody has a plan for Libya.

Reply · Like 2
"""


def _process(records: list[dict]) -> list[StoredArticle]:
    """The records cleaned and parsed, as the story stage reads them; each record's gold story is kept in
    GOLD under its article id."""
    from newsprism.api import process_documents
    from newsprism.model import RawDocument

    raws = [
        RawDocument(
            source=f"test:{r['id']}",
            text=f"{r['title']}\n\n{r['text']}",
            meta={k: r[k] for k in ("title", "outlet", "published") if r.get(k)},
        )
        for r in records
    ]
    articles = [parsed.article for parsed in process_documents(raws)]
    for record, article in zip(records, articles, strict=True):
        GOLD[article.id] = record["story"]
    return articles


GOLD: dict[str, str] = {}  # article id -> gold story of the unrelated set


@pytest.fixture(scope="module")
def samples(sample_articles) -> list[StoredArticle]:  # the story stage reads stored articles
    return [parsed.article for parsed in sample_articles]


@pytest.fixture(scope="module")
def undated_samples(undated_sample_articles) -> list[StoredArticle]:
    return [parsed.article for parsed in undated_sample_articles]


@pytest.fixture(scope="module")
def unrelated_articles() -> list[StoredArticle]:
    with (DATA / "unrelated.jsonl").open(encoding="utf-8") as handle:
        return _process([json.loads(line) for line in handle])


@pytest.fixture(scope="module")
def reuters_reprint(samples_by_outlet) -> StoredArticle:
    """The Reuters sample re-published by another site: new headline, site furniture and a comment section."""
    from newsprism.api import process_text

    reuters = samples_by_outlet["Reuters"]
    text = (
        "Trump quietly backed Libyan warlord, White House admits\n\n"
        "By Gulf Wire staff\n\n" + reuters.text + "\n" + COMMENT_BLOCK
    )
    return process_text(text, source="test:reprint", outlet="Gulf Wire Daily", published="2019-04-20").article


def _story_of(stories: list[Story], article_id: str) -> Story:
    return next(story for story in stories if article_id in story.articles)


# --- the samples ---------------------------------------------------------------------------------------------


def test_samples_form_one_story(samples):
    stories = cluster_stories(samples)
    assert len(stories) == 1
    story = stories[0]
    assert sorted(story.articles) == sorted(a.id for a in samples)
    assert story.outlets == ["Mother Jones", "Reuters", "The American Conservative"]
    assert (story.first, story.last) == ("2019-04-19", "2020-05-23")
    assert story.duplicates == []
    assert story.title in {a.title for a in samples}
    top_keys = [e.key for e in story.top_entities[:5]]
    assert "haftar" in top_keys
    haftar = next(e for e in story.top_entities if e.key == "haftar")
    assert "Haftar" in haftar.name


def test_samples_without_dates_still_one_story(undated_samples):
    stories = cluster_stories(undated_samples)
    assert [len(s.articles) for s in stories] == [3]
    assert stories[0].first is None and stories[0].last is None


@pytest.mark.parametrize("order", ["by_date", "shuffled"])
def test_samples_hold_together_among_unrelated_news(samples, unrelated_articles, order):
    mixed = list(samples) + list(unrelated_articles)
    if order == "by_date":
        mixed.sort(key=lambda a: (a.published or "", a.id))
    else:
        random.Random(7).shuffle(mixed)
    stories = cluster_stories(mixed)
    sample_ids = {a.id for a in samples}
    haftar = _story_of(stories, next(iter(sample_ids)))
    assert set(haftar.articles) == sample_ids  # all three, and nothing unrelated joined

    # The unrelated reports group by event too: each pair told by two outlets shares a story, others don't.
    gold = {a.id: GOLD[a.id] for a in unrelated_articles}
    predicted = {aid: s.id for s in stories for aid in s.articles}
    for first in gold:
        for second in gold:
            if first < second:
                assert (predicted[first] == predicted[second]) == (gold[first] == gold[second]), (
                    first,
                    second,
                )


def test_clustering_is_deterministic_with_stable_ids(samples, unrelated_articles):
    mixed = list(unrelated_articles[:10]) + list(samples) + list(unrelated_articles[10:])
    first_run = cluster_stories(mixed)
    second_run = cluster_stories(mixed)
    assert first_run == second_run
    # Story ids do not depend on how many other stories exist: the samples' story keeps its id alone.
    alone = cluster_stories(samples)[0]
    assert _story_of(first_run, samples[0].id).id == alone.id


def test_incremental_add_matches_batch(samples, unrelated_articles):
    mixed = list(samples) + list(unrelated_articles[:8])
    index = StoryIndex()
    returned = [index.add(article) for article in mixed]
    batch = cluster_stories(mixed)
    assert returned == [_story_of(batch, a.id).id for a in mixed]
    assert len(index) == len(batch)


# --- near-duplicates -----------------------------------------------------------------------------------------


def test_reprint_with_new_headline_and_comments_is_duplicate(samples, samples_by_outlet, reuters_reprint):
    reuters_id = samples_by_outlet["Reuters"].id
    assert reuters_reprint.title != samples_by_outlet["Reuters"].article.title
    groups = find_duplicates([*samples, reuters_reprint])
    # The earlier Reuters original represents the report; the other samples are distinct reports.
    assert groups == [[reuters_id, reuters_reprint.id]]

    stories = cluster_stories([*samples, reuters_reprint])
    assert len(stories) == 1
    assert stories[0].duplicates == [[reuters_id, reuters_reprint.id]]
    assert "Gulf Wire Daily" in stories[0].outlets


def test_reprint_arriving_first_still_groups_with_original(samples_by_outlet, reuters_reprint):
    original = samples_by_outlet["Reuters"].article
    groups = find_duplicates([reuters_reprint, original])
    assert groups == [[original.id, reuters_reprint.id]]  # earliest published represents, not first seen


def test_wire_copy_on_another_site_is_duplicate_but_same_event_reports_are_not(unrelated_articles):
    from newsprism.api import process_text

    by_id = {f"{GOLD[a.id]}:{a.outlet}": a for a in unrelated_articles}
    fed = by_id["fed-zero-rates:Reuters"]
    paragraphs = fed.text.split("\n\n")
    # A portal runs the wire story under its own headline, drops the last paragraph, adds a tag line.
    copy = process_text(
        "Central bank goes all in: rates cut to zero\n\n"
        + "\n\n".join(paragraphs[:-1])
        + "\n\nReporting by Reuters staff; additional reporting by Finance Today.",
        source="test:fed-copy",
        outlet="Finance Today",
        published="2020-03-15",
    ).article
    groups = find_duplicates([*unrelated_articles, copy])
    assert groups == [[fed.id, copy.id]]


def test_distinct_reports_are_not_duplicates(samples, unrelated_articles):
    assert find_duplicates(list(samples) + list(unrelated_articles)) == []


def test_short_texts_are_never_called_duplicates():
    index = DuplicateIndex()
    brief = "Markets closed higher on Tuesday after a quiet session."
    assert index.add("a", brief) is None
    assert index.add("b", brief) is None
    assert index.groups() == []


# --- signals and mechanics -----------------------------------------------------------------------------------


def test_entity_profile_folds_name_variants():
    article = _bare("p", title="Haftar presses on toward Tripoli", text="x" * 2000)
    article.entities = [
        EntityMention("Khalifa Haftar", "PERSON", 10, 24, 0),
        EntityMention("Haftar", "ORG", 900, 906, 3),
        EntityMention("Haftar's", "PERSON", 1500, 1508, 5),
        EntityMention("the U.S.", "GPE", 1600, 1608, 5),
        EntityMention("Friday", "DATE", 1700, 1706, 6),
    ]
    profile = entity_profile(article)
    assert set(profile) == {"haftar", "us"}
    # with term_weight, the headline's content words too: what happened, which names alone do not tell apart
    worded = entity_profile(article, StoryConfig(term_weight=0.3))
    assert {k for k in worded if not k.startswith("w:")} == {"haftar", "us"}
    assert {"w:presses", "w:toward", "w:tripoli"} <= set(worded)
    # lead mention (x2) + two body mentions + the headline boost (x2)
    assert profile["haftar"] == pytest.approx(2.0 + 1.0 + 1.0 + 2.0)


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def _bare(
    article_id: str, published: str | None = None, title: str | None = None, text: str = ""
) -> StoredArticle:
    return StoredArticle(
        id=article_id,
        source=article_id,
        title=title or article_id,
        text=text,
        raw_text=text,
        published=published,
    )


def test_bridging_article_merges_two_stories():
    config = StoryConfig(
        embed_weight=1.0, entity_weight=0.0, join_threshold=0.6, merge_threshold=0.65, undated_penalty=0.0
    )
    index = StoryIndex(config, dim=8, detect_duplicates=False)
    east, west = np.eye(8, dtype=np.float32)[0], np.eye(8, dtype=np.float32)[1]
    first = index.add(_bare("east-1"), east)
    second = index.add(_bare("west-1"), west)
    assert first != second and len(index) == 2
    merged = index.add(_bare("bridge"), _unit(east + west))
    assert len(index) == 1
    assert index.story_id("east-1") == index.story_id("west-1") == merged == first  # the older story survives
    assert sorted(index.stories()[0].articles) == ["bridge", "east-1", "west-1"]


def test_time_gap_lowers_the_score_but_is_capped():
    config = StoryConfig(embed_weight=1.0, entity_weight=0.0, join_threshold=0.9, time_penalty_max=0.2)
    index = StoryIndex(config, dim=8, detect_duplicates=False)
    topic = np.eye(8, dtype=np.float32)[0]
    story = index.add(_bare("a", "2020-01-01"), topic)
    assert index.add(_bare("b", "2020-01-03"), topic) == story  # inside the window: no penalty
    assert index.add(_bare("c", "2021-06-01"), topic) != story  # 1 - 0.2 < 0.9: a new story
    lenient = StoryIndex(StoryConfig(embed_weight=1.0, entity_weight=0.0, join_threshold=0.7), 8, False)
    kept = lenient.add(_bare("a", "2020-01-01"), topic)
    assert lenient.add(_bare("c", "2023-06-01"), topic) == kept  # capped: years apart still joins


def test_undated_articles_need_more_agreement_to_join():
    config = StoryConfig(embed_weight=1.0, entity_weight=0.0, join_threshold=0.6, undated_penalty=0.15)
    close = _unit(np.eye(8, dtype=np.float32)[0] + np.eye(8, dtype=np.float32)[1])  # cos 0.71
    dated = StoryIndex(config, dim=8, detect_duplicates=False)
    story = dated.add(_bare("a", "2020-01-01"), np.eye(8, dtype=np.float32)[0])
    assert dated.add(_bare("b", "2020-01-02"), close) == story
    undated = StoryIndex(config, dim=8, detect_duplicates=False)
    story = undated.add(_bare("a"), np.eye(8, dtype=np.float32)[0])
    assert undated.add(_bare("b"), close) != story  # 0.71 - 0.15 < 0.6: without dates, not enough
    assert undated.add(_bare("c"), np.eye(8, dtype=np.float32)[0]) == story  # 1.0 - 0.15 still joins


def test_index_grows_past_its_initial_capacity_and_stays_exact_on_repeats():
    rng = np.random.default_rng(3)
    index = StoryIndex(StoryConfig(entity_weight=0.0, embed_weight=1.0), dim=256, detect_duplicates=False)
    vectors = [_unit(v) for v in rng.normal(size=(1500, 256))]
    ids = [index.add(_bare(f"a{i}"), v) for i, v in enumerate(vectors)]
    # Random 256-d directions have cosine ~N(0, 1/16): far below the join threshold, so each starts a story.
    assert len(set(ids)) == len(index) == 1500
    # The same direction again lands in the story of its first occurrence, whichever story that is.
    for i in (0, 700, 1499):
        assert index.add(_bare(f"again{i}"), vectors[i]) == ids[i]


def test_render_table_lists_every_story(samples, unrelated_articles):
    stories = cluster_stories(list(samples) + list(unrelated_articles[:6]))
    table = render_table(stories)
    assert table.row_count == len(stories)
    console = Console(width=250, record=True)
    console.print(table)
    output = console.export_text()
    assert stories[0].title[:30] in output
    assert "Reuters" in output


def test_duplicate_window_forgets_old_signatures_only():
    rng = random.Random(5)
    words = [f"word{i}" for i in range(3000)]
    texts = [" ".join(rng.choice(words) for _ in range(200)) for _ in range(4)]
    index = DuplicateIndex(StoryConfig(dup_window=2))
    for number, text in enumerate(texts):
        assert index.add(f"t{number}", text) is None
    assert index.add("copy-of-t3", texts[3] + " posted by a reader") == "t3"  # recent: found
    assert index.add("copy-of-t0", texts[0]) is None  # pushed out of the window: forgotten


_PICKLE_DUPLICATE_INDEX = """
import hashlib, pickle, random
from newsprism.stories import DuplicateIndex, StoryConfig
rng = random.Random(7)
words = [f"word{i}" for i in range(500)]
index = DuplicateIndex(StoryConfig(dup_window=100))
texts = []
for number in range(40):
    texts.append(" ".join(rng.choice(words) for _ in range(120)))
    index.add(f"a{number:02d}", texts[-1])
    index.add(f"copy{number:02d}", texts[-1] + " shared by a reader")
blob = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
again = pickle.loads(blob)
assert again.add("late-copy", texts[-1]) == "a39"  # the restored index still finds copies
assert again.containment("a39", "copy39") == index.containment("a39", "copy39")
fresh = " ".join(rng.choice(words) + "x" for _ in range(120))  # shingles in buckets never seen
assert again.add("fresh", fresh) is None and again.add("fresh-copy", fresh) == "fresh"
# past the window the oldest signatures leave the restored LSH (buckets read back, then written to)
for number in range(30):
    again.add(f"new{number:02d}", " ".join(rng.choice(words) for _ in range(120)))
assert "a00" in index._hashes and "a00" not in again._hashes
assert again.add("a00-copy", texts[0]) is None
assert again.add("a39-copy", texts[-1]) == "a39"
print(hashlib.sha1(blob).hexdigest())
"""


def test_stored_duplicate_index_is_the_same_bytes_whatever_the_hash_seed():
    # The index is stored in the database; a resumed run (a new process, a new string hash seed) must write
    # the same bytes as an uninterrupted one.
    import os
    import subprocess
    import sys

    digests = {
        subprocess.run(
            [sys.executable, "-c", _PICKLE_DUPLICATE_INDEX],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in (1, 2, 3)
    }
    assert len(digests) == 1


def test_duplicate_index_stored_by_the_previous_release_still_loads():
    """Stores written before the compact state hold the index's attributes as they were (MinHash objects,
    set buckets): they load, and the loaded index goes on finding copies."""
    from datasketch import MinHash

    rng = random.Random(11)
    words = [f"word{i}" for i in range(400)]
    index = DuplicateIndex()
    texts = [" ".join(rng.choice(words) for _ in range(120)) for _ in range(5)]
    for number, text in enumerate(texts):
        index.add(f"a{number}", text)
    state = dict(index.__dict__)
    state["_hashes"] = {
        aid: MinHash(num_perm=128, hashvalues=values, scheme=index._scheme)
        for aid, values in index._hashes.items()
    }
    restored = DuplicateIndex.__new__(DuplicateIndex)
    restored.__setstate__(state)
    assert restored.add("copy", texts[2] + " shared") == "a2"
    assert restored.add("other", " ".join(rng.choice(words) + "y" for _ in range(120))) is None
