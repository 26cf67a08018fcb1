"""Per-document limits, worker supervision, sanitised fields and race-free storing (issue 15)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsprism import nlp
from newsprism.executors import ProcessExecutor
from newsprism.limits import DocumentTimeout, time_budget
from newsprism.model import Annotation, RawDocument
from newsprism.pipeline import IngestOptions, build_article, ingest
from newsprism.store import ArticleRow, SentenceRow, Store

PARAGRAPH = (
    "The city council voted on Tuesday to approve a new budget for the coming year, officials said. "
    "Mayor Ana Ruiz said the plan would fund road repairs and two new libraries. "
)


def _article_text(n_paragraphs: int, title: str = "Council approves budget") -> str:
    return title + "\n\n" + "\n\n".join(PARAGRAPH + f"Paragraph {i}." for i in range(n_paragraphs))


# ------------------------------------------------------------------------------------ long texts


def test_split_pieces_is_lossless_and_bounded() -> None:
    text = _article_text(200)
    pieces = nlp.split_pieces(text, limit=1000)
    assert "".join(pieces) == text
    assert all(len(p) <= 1000 for p in pieces)
    assert all(p.endswith("\n\n") for p in pieces[:-1])  # cut at paragraph boundaries when there are some
    unbroken = "x" * 2500
    assert "".join(nlp.split_pieces(unbroken, limit=1000)) == unbroken


@pytest.mark.slow
def test_long_text_is_parsed_in_pieces_with_offsets_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlp, "PIECE_CHARS", 2000)
    text = _article_text(60)
    assert len(text) > 5 * 2000
    (doc,) = list(nlp.parse([text]))
    assert doc.text == text
    ann = nlp.doc_to_annotation("a", doc)
    assert all(0 <= s < e <= len(text) for s, e in ann.sentences)
    rebuilt = nlp.load_doc(ann.doc_bytes)
    assert rebuilt.text == text
    tuesdays = [m for m in ann.entities if text[m.start : m.end] == "Tuesday" and m.label == "DATE"]
    assert len(tuesdays) == 60  # every piece annotated, each entity at its offset in the whole text


@pytest.mark.slow
def test_text_over_the_limit_is_refused_by_name_and_the_rest_is_stored(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "huge.txt").write_text(_article_text(12_000), "utf-8")  # about 2.1 million characters
    (folder / "good.txt").write_text(_article_text(3), "utf-8")
    store = Store(tmp_path / "t.db")
    report = ingest([folder], store)
    assert [Path(f.source).name for f in report.failures] == ["huge.txt"]
    assert "too long for one article" in report.failures[0].reason
    assert len(report.added) == 1 and store.count(ArticleRow) == 1


# ------------------------------------------------------------------------------------ time budget


def test_time_budget_interrupts_python_work() -> None:
    started = time.monotonic()
    with pytest.raises(DocumentTimeout), time_budget(0.2):
        while True:
            pass
    assert time.monotonic() - started < 5
    with time_budget(5):  # the timer is cleared on exit: nothing fires afterwards
        pass
    time.sleep(0.05)


def test_time_budget_counts_cpu_not_waiting() -> None:
    # On a loaded machine a document waits for a core; waiting must not count against its budget.
    with time_budget(0.1):
        time.sleep(0.4)


@pytest.mark.slow
def test_document_over_budget_is_skipped_and_the_rest_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsprism.pipeline as pipeline

    real = pipeline.build_article

    def slow_on_one(raw: RawDocument, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if raw.source.endswith("slow.txt"):
            while True:  # burns CPU, the way a parser stuck in Python does
                pass
        return real(raw, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "build_article", slow_on_one)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "slow.txt").write_text(_article_text(3, "Slow one"), "utf-8")
    (folder / "good.txt").write_text(_article_text(3), "utf-8")
    report = ingest([folder], Store(tmp_path / "t.db"), IngestOptions(document_seconds=0.5))
    assert [Path(f.source).name for f in report.failures] == ["slow.txt"]
    assert "budget" in report.failures[0].reason
    assert len(report.added) == 1


def _hang_in_c_on(items: list[int], _context: None) -> list[int]:
    # Blocking SIGPROF stands in for a parser stuck in C code, where the per-document timer cannot reach.
    if 13 in items:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
        time.sleep(3600)
    return [i * 2 for i in items]


def test_hung_worker_is_replaced_and_only_its_item_lost() -> None:
    # The grace covers the first task of a fresh worker importing this test module.
    executor = ProcessExecutor(2, seconds_per_item=0.2, grace_seconds=10.0)
    batches = [[1, 2, 3], [11, 12, 13, 14], [21, 22]]
    try:
        results = sorted(
            r for _, out in executor.map(_hang_in_c_on, batches, None, lambda i: -i) for r in out
        )
    finally:
        executor.close()
    assert results == sorted([-13] + [i * 2 for b in batches for i in b if i != 13])


# ---------------------------------------------------------------------------- workers and parent

_PARENT_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from newsprism.executors import ProcessExecutor

    def nap(items, _ctx):
        time.sleep(600)
        return items


    if __name__ == "__main__":  # the spawned workers import this file again
        executor = ProcessExecutor(2)
        pool = executor._start()
        results = executor.map(nap, [[1], [2]], None, lambda i: i)
        print(" ".join(str(p.pid) for p in pool._pool), flush=True)
        next(results)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is dead, only not yet reaped
        return fh.read().split(") ")[1][0] != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="uses /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_workers_stop_when_their_parent_is_killed(tmp_path: Path, how: signal.Signals) -> None:
    script = tmp_path / "parent.py"
    script.write_text(_PARENT_SCRIPT, "utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker_pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(worker_pids) == 2 and all(_alive(p) for p in worker_pids)
    parent.send_signal(how)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in worker_pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in worker_pids)


# ------------------------------------------------------------------------------------ sanitising


def test_lone_surrogates_and_controls_never_reach_the_store(tmp_path: Path) -> None:
    raw = RawDocument(
        "x.jsonl#1",
        text=_article_text(3) + "\x00 bell\x07 \ud800",
        meta={"author": "\udcff Jane\nDoe", "title": "Council\x1b[31m approves", "outlet": "Daily\udcffNews"},
    )
    article = build_article(raw)
    for value in (article.author, article.title, article.outlet, article.text):
        assert value is not None
        value.encode("utf-8")  # would raise on a lone surrogate
        assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in value)
    store = Store(tmp_path / "t.db")
    outcome = store.add_batch([(article, Annotation(article.id, [(0, 10)], [], 3))])
    assert outcome.added == [article.id]
    (row,) = list(store.iter_articles())
    assert row.author == article.author and "\n" not in (row.author or "")


# ------------------------------------------------------------------------------- ids and storing


def _stored(article_text: str, url: str) -> tuple[object, Annotation]:
    article = build_article(RawDocument("page.html", text=article_text, meta={"url": url}))
    return article, Annotation(article.id, [(0, 5), (5, 9)], [], 9)


def test_same_url_keeps_its_id_and_a_changed_copy_replaces_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    first, ann1 = _stored(_article_text(2), "https://example.org/a")
    repaired, ann2 = _stored(_article_text(5), "https://example.org/a")
    assert first.id == repaired.id  # type: ignore[attr-defined]
    assert store.add_batch([(first, ann1)]).added == [first.id]  # type: ignore[list-item,attr-defined]
    outcome = store.add_batch([(repaired, ann2)])  # type: ignore[list-item]
    assert outcome.updated == [repaired.id] and not outcome.added  # type: ignore[attr-defined]
    assert store.count(ArticleRow) == 1 and store.count(SentenceRow) == 2
    (row,) = list(store.iter_articles())
    assert row.text == repaired.text  # type: ignore[attr-defined]
    assert store.add_batch([(repaired, ann2)]).present == [repaired.id]  # type: ignore[list-item,attr-defined]


def _write_many(db: str, start: int, barrier: multiprocessing.synchronize.Barrier, queue) -> None:  # type: ignore[no-untyped-def,name-defined]
    store = Store(db)
    added = 0
    barrier.wait()
    for i in range(start, start + 60, 3):  # overlapping ranges: both processes write most ids
        items = []
        for j in range(i, i + 3):
            article = build_article(
                RawDocument(f"{j}.txt", text=_article_text(1, f"Budget story number {j}"))
            )
            items.append((article, Annotation(article.id, [(0, 4)], [], 4)))
        added += len(store.add_batch(items).added)
    queue.put(added)


def test_concurrent_writers_store_each_row_once_with_exact_counts(tmp_path: Path) -> None:
    db = str(tmp_path / "shared.db")
    Store(db).close()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    queue = context.Queue()
    procs = [context.Process(target=_write_many, args=(db, s, barrier, queue)) for s in (0, 30)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    totals = [queue.get(timeout=5), queue.get(timeout=5)]
    store = Store(db)
    assert store.count(ArticleRow) == 90
    assert sum(totals) == 90  # every stored row counted by exactly one writer
    assert store.count(SentenceRow) == 90


def test_the_store_knows_alembics_head_revision() -> None:
    from newsprism.store import HEAD_REVISION, head_revision

    assert head_revision() == HEAD_REVISION  # bump HEAD_REVISION with every new migration
