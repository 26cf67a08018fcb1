"""SQLite (default) or PostgreSQL store through SQLAlchemy 2.

One transaction per batch: an interrupted run keeps every committed batch, and a re-run skips articles whose
id is already stored, so nothing is lost or added twice. Every query is parameterised (ORM / Core).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from newsprism import records
from newsprism.model import Annotation, Article, EntityMention, RemovedSpan, StoredArticle

SCHEMA_VERSION = 1  # the pre-Alembic marker of the baseline schema (revision 0001), kept for old readers


R = TypeVar("R")


def _table_of(row_class: type[Base]) -> Table:
    """The Table of a declarative class, for Core statements (plain rows, executemany)."""
    return row_class.__table__  # type: ignore[return-value]


GONE = -1  # the listing position of a story absorbed into others, until the corpus stage drops it


class SchemaError(Exception):
    """The database was written by a newer newsprism (or is not a newsprism database)."""


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OutletRow(Base):
    __tablename__ = "outlet"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)


class ArticleRow(Base):
    __tablename__ = "article"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(200), ForeignKey("outlet.name"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(32), index=True)
    dateline: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="news")
    raw_hash: Mapped[str] = mapped_column(String(64), index=True)
    body_hash: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text)
    raw_text: Mapped[str] = mapped_column(Text)
    removed: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON)
    n_tokens: Mapped[int] = mapped_column(Integer, default=0)
    doc: Mapped[bytes | None] = mapped_column(LargeBinary)  # serialised spaCy parse


class SentenceRow(Base):
    __tablename__ = "sentence"
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)


class EntityRow(Base):
    __tablename__ = "entity"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))
    aliases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the cast (most mentioned first)
    record: Mapped[bytes | None] = mapped_column(LargeBinary)  # records.Entity as JSON


class MentionRow(Base):
    __tablename__ = "mention"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    sentence_idx: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str | None] = mapped_column(ForeignKey("entity.id"), index=True)
    descriptor: Mapped[str | None] = mapped_column(Text)


class QuoteRow(Base):
    __tablename__ = "quote"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    cue: Mapped[str | None] = mapped_column(Text)
    speaker_text: Mapped[str | None] = mapped_column(Text)
    speaker_entity: Mapped[str | None] = mapped_column(ForeignKey("entity.id"))
    source_type: Mapped[str | None] = mapped_column(String(32))


class StoryRow(Base):
    __tablename__ = "story"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in listings (largest first)
    inputs: Mapped[str] = mapped_column(String(64), default="")  # hash of members + stage versions
    analysis: Mapped[bytes | None] = mapped_column(LargeBinary)  # records.StoryAnalysis as JSON


class StoryArticleRow(Base):
    __tablename__ = "story_article"
    story_id: Mapped[str] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)


class EventRow(Base):
    __tablename__ = "event"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    story_id: Mapped[str | None] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), index=True)
    date: Mapped[str | None] = mapped_column(String(32))
    precision: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ClaimRow(Base):
    __tablename__ = "claim"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    sentence_idx: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[str | None] = mapped_column(String(32), index=True)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)


class BriefRow(Base):
    __tablename__ = "brief"
    story_id: Mapped[str] = mapped_column(ForeignKey("story.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ArticleResultRow(Base):
    """A per-article stage's output, stamped with the stage version that produced it."""

    __tablename__ = "article_result"
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CorpusStateRow(Base):
    """A corpus stage's incremental state (e.g. the story index), so new articles extend it."""

    __tablename__ = "corpus_state"
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class IdAliasRow(Base):
    """An id that was absorbed by a merge: it keeps resolving to the record that absorbed it."""

    __tablename__ = "id_alias"
    alias: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # story | entity
    target: Mapped[str] = mapped_column(String(40), index=True)


class StageFailureRow(Base):
    __tablename__ = "stage_failure"
    item: Mapped[str] = mapped_column(String(300), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    error: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)


Index("ix_mention_article_start", MentionRow.article_id, MentionRow.start)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@dataclass
class BatchOutcome:
    """What one ``add_batch`` did, counted from the rows the database actually wrote."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # same id (URL), new text: the stored copy was replaced
    present: list[str] = field(default_factory=list)  # stored already, by an earlier or a concurrent run


# Concurrent runs queue for SQLite's write lock instead of failing with "database is locked".
SQLITE_BUSY_SECONDS = 120


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "newsprism:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    assert head is not None
    return head


@contextlib.contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """Two processes opening one new SQLite file must not both create its tables."""
    if not url.startswith("sqlite:///"):
        yield  # PostgreSQL: Alembic's transactional DDL serialises concurrent upgrades
        return
    with open(url.removeprefix("sqlite:///") + ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# The newest migration; a test checks it is Alembic's head. An up-to-date database is recognised with one
# query, without loading Alembic (read commands start faster).
HEAD_REVISION = "0002"


def _current_revision(engine: Engine) -> str | None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def migrate(engine: Engine, url: str) -> None:
    """Bring the database to this version's schema in place; refuse one written by a newer version."""
    if _current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with _migration_lock(url), engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        config = _alembic_config(connection)
        script = ScriptDirectory.from_config(config)
        if current is not None and not _known(script, current):
            raise SchemaError(
                f"this database has schema revision {current}, newer than this newsprism knows "
                f"(up to {script.get_current_head()}): upgrade newsprism to read it"
            )
        tables = set(sa_inspect(connection).get_table_names())
        if current is None and "article" in tables:
            command.stamp(config, "0001")  # made before migrations existed: the baseline schema
        command.upgrade(config, "head")


def _known(script: Any, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:
        return False


class ArticleStore:
    """Articles and their parses. ``url`` may be a path (SQLite) or an SQLAlchemy URL."""

    def __init__(self, url: str | Path = "newsprism.db", create: bool = True) -> None:
        url = str(url)
        if "://" not in url:
            if create:
                Path(url).parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{Path(url).resolve()}"
        self.url = url
        connect_args = {"timeout": SQLITE_BUSY_SECONDS} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, future=True, connect_args=connect_args)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if create:
            migrate(self.engine, url)

    def _insert(self, table: type[Base] | Table) -> Any:
        """INSERT ... ON CONFLICT DO NOTHING for this backend: the database, not a prior SELECT, decides.
        On a mapped class, the ORM form (for RETURNING); on its Table, plain rows (``_insert_rows``)."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).on_conflict_do_nothing()
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing()

    def _insert_rows(self, session: Session, table: type[Base], rows: Sequence[dict[str, Any]]) -> None:
        """Insert many plain rows (ON CONFLICT DO NOTHING) as one executemany on the table: through the ORM's
        bulk path each row was a statement of its own, the largest cost of saving a big story."""
        if rows:
            session.connection().execute(self._insert(_table_of(table)), list(rows))

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ writes

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        return set(self.stored_body_hashes(ids))

    def stored_body_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """id -> hash of the stored clean text, for those of ``ids`` that are stored."""
        ids = list(ids)
        found: dict[str, str] = {}
        with Session(self.engine) as session:
            for i in range(0, len(ids), 500):
                rows = session.execute(
                    select(ArticleRow.id, ArticleRow.body_hash).where(ArticleRow.id.in_(ids[i : i + 500]))
                )
                found.update({row.id: row.body_hash for row in rows})
        return found

    def add_batch(
        self,
        items: Sequence[tuple[Article, Annotation]],
        extractions: dict[str, bytes] | None = None,
        failures: Sequence[records.StageFailure] = (),
    ) -> BatchOutcome:
        """Store articles with their annotations in one transaction.

        Race-free with concurrent writers: rows go in with ON CONFLICT DO NOTHING and the ids the database
        reports back as inserted are the ones counted. A stored id whose text changed (same URL, repaired or
        corrected copy) is replaced, with everything derived from it."""
        outcome = BatchOutcome()
        if not items:
            return outcome
        unique = list({article.id: (article, ann) for article, ann in items}.values())
        by_id = {article.id: (article, ann) for article, ann in unique}
        with Session(self.engine) as session, session.begin():
            outlets = sorted({a.outlet for a, _ in unique if a.outlet})
            if outlets:
                session.execute(self._insert(OutletRow), [{"name": name} for name in outlets])
            inserted = set(
                session.scalars(
                    self._insert(ArticleRow).returning(ArticleRow.id),
                    [_article_values(a, ann) for a, ann in unique],
                )
            )
            stale = [
                row.id
                for row in session.execute(
                    select(ArticleRow.id, ArticleRow.body_hash).where(
                        ArticleRow.id.in_([i for i in by_id if i not in inserted])
                    )
                )
                if row.body_hash != by_id[row.id][0].body_hash
            ]
            if stale:
                session.execute(delete(ArticleRow).where(ArticleRow.id.in_(stale)))
                session.execute(
                    self._insert(ArticleRow), [_article_values(*by_id[article_id]) for article_id in stale]
                )
            written = [by_id[i] for i in by_id if i in inserted or i in stale]
            sentences = [
                {"article_id": a.id, "idx": i, "start": s, "end": e}
                for a, ann in written
                for i, (s, e) in enumerate(ann.sentences)
            ]
            mentions = [
                {
                    "article_id": a.id,
                    "sentence_idx": m.sentence,
                    "start": m.start,
                    "end": m.end,
                    "text": m.text,
                    "label": m.label,
                    "entity_id": None,
                    "descriptor": None,
                }
                for a, ann in written
                for m in ann.entities
            ]
            if sentences:
                self._insert_rows(session, SentenceRow, sentences)
            if mentions:
                self._insert_rows(session, MentionRow, mentions)
            written_ids = [a.id for a, _ in written]
            if extractions and written_ids:
                from newsprism.stages import stage

                version = stage("extract").version
                self._insert_rows(
                    session,
                    ArticleResultRow,
                    [
                        {"article_id": aid, "stage": "extract", "version": version, "data": extractions[aid]}
                        for aid in written_ids
                        if aid in extractions
                    ],
                )
            for failure in failures:
                if failure.item in written_ids:
                    self._record_failure(session, failure)
        for article_id in by_id:
            if article_id in inserted:
                outcome.added.append(article_id)
            elif article_id in stale:
                outcome.updated.append(article_id)
            else:
                outcome.present.append(article_id)
        return outcome

    def _record_failure(self, session: Session, failure: records.StageFailure) -> None:
        session.execute(
            delete(StageFailureRow).where(
                StageFailureRow.item == failure.item, StageFailureRow.stage == failure.stage
            )
        )
        session.add(
            StageFailureRow(
                item=failure.item, stage=failure.stage, error=failure.error, message=failure.message[:2000]
            )
        )

    # ------------------------------------------------------------------ reads

    def count(self, table: type[Base]) -> int:
        from sqlalchemy import func

        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)

    def article_ids(self) -> list[str]:
        with Session(self.engine) as session:
            return list(session.scalars(select(ArticleRow.id).order_by(ArticleRow.id)))

    def iter_articles(
        self, ids: Sequence[str] | None = None, with_doc: bool = True
    ) -> Iterator[StoredArticle]:
        """Articles with their sentences and entity mentions (and parse, ``with_doc``), in the order of ``ids``."""
        if ids is None:
            ids = self.article_ids()
        # Plain rows, not ORM objects: nothing is written back, and identity-mapped objects cost more than
        # the query (a third of exporting a large story).
        table = _table_of(ArticleRow)
        skipped = set() if with_doc else {"doc", "raw_text"}
        query = select(*(c for c in table.columns if c.name not in skipped))
        with Session(self.engine) as session:
            for i in range(0, len(ids), 200):
                chunk = list(ids[i : i + 200])
                rows = {r.id: r for r in session.execute(query.where(table.c.id.in_(chunk)))}
                # Sentences and mentions are read as plain tuples: ORM objects for them cost more than the query.
                sentences: dict[str, list[tuple[int, int]]] = {aid: [] for aid in chunk}
                for article_id, start, end in session.execute(
                    select(SentenceRow.article_id, SentenceRow.start, SentenceRow.end)
                    .where(SentenceRow.article_id.in_(chunk))
                    .order_by(SentenceRow.article_id, SentenceRow.idx)
                ):
                    sentences[article_id].append((start, end))
                mentions: dict[str, list[EntityMention]] = {aid: [] for aid in chunk}
                for article_id, text, label, start, end, sentence_idx in session.execute(
                    select(
                        MentionRow.article_id,
                        MentionRow.text,
                        MentionRow.label,
                        MentionRow.start,
                        MentionRow.end,
                        MentionRow.sentence_idx,
                    )
                    .where(MentionRow.article_id.in_(chunk))
                    .order_by(MentionRow.article_id, MentionRow.start, MentionRow.end)
                ):
                    mentions[article_id].append(EntityMention(text, label, start, end, sentence_idx))
                for aid in chunk:
                    row = rows.get(aid)
                    if row is None:
                        continue
                    yield StoredArticle(
                        id=row.id,
                        source=row.source,
                        url=row.url,
                        outlet=row.outlet,
                        title=row.title,
                        author=row.author,
                        published=row.published,
                        dateline=row.dateline,
                        kind=row.kind,
                        raw_hash=row.raw_hash,
                        body_hash=row.body_hash,
                        text=row.text,
                        raw_text=row.raw_text if with_doc else "",
                        removed=[RemovedSpan(**r) for r in row.removed],
                        metadata_sources=(row.extra or {}).get("metadata_sources", {}),
                        sentences=sentences[aid],
                        entities=mentions[aid],
                        doc_bytes=row.doc if with_doc else None,
                        n_tokens=row.n_tokens,
                    )


def _article_values(article: Article, ann: Annotation) -> dict[str, Any]:
    extra: dict[str, Any] = {"metadata_sources": article.metadata_sources}
    return dict(
        id=article.id,
        source=article.source,
        url=article.url,
        outlet=article.outlet,
        title=article.title,
        author=article.author,
        published=article.published,
        dateline=article.dateline,
        kind=article.kind,
        raw_hash=article.raw_hash,
        body_hash=article.body_hash,
        text=article.text,
        raw_text=article.raw_text,
        removed=[r.to_json() for r in article.removed],
        extra=json.loads(json.dumps(extra)),
        n_tokens=ann.n_tokens,
        doc=ann.doc_bytes or None,
    )


# ------------------------------------------------------------------------------- the analysis store


class Store(ArticleStore):
    """The whole store: articles, and every stage's results (per-article extractions, corpus state, stories
    with their analyses, entities, id aliases, failures)."""

    # -- per-article results

    def save_article_results(self, stage: str, version: str, results: Sequence[tuple[str, bytes]]) -> None:
        if not results:
            return
        with Session(self.engine) as session, session.begin():
            ids = [aid for aid, _ in results]
            session.execute(
                delete(ArticleResultRow).where(
                    ArticleResultRow.stage == stage, ArticleResultRow.article_id.in_(ids)
                )
            )
            self._insert_rows(
                session,
                ArticleResultRow,
                [
                    {"article_id": aid, "stage": stage, "version": version, "data": data}
                    for aid, data in results
                ],
            )
            session.execute(
                delete(StageFailureRow).where(StageFailureRow.stage == stage, StageFailureRow.item.in_(ids))
            )

    def article_ids_needing(self, stage: str, version: str) -> list[str]:
        """Stored articles with no result of this stage version (new, failed before, or outdated)."""
        done = select(ArticleResultRow.article_id).where(
            ArticleResultRow.stage == stage, ArticleResultRow.version == version
        )
        with Session(self.engine) as session:
            return list(
                session.scalars(
                    select(ArticleRow.id).where(ArticleRow.id.not_in(done)).order_by(ArticleRow.id)
                )
            )

    def stage_versions(self, stage: str) -> Counter[str]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(ArticleResultRow.version, func.count())
                .where(ArticleResultRow.stage == stage)
                .group_by(ArticleResultRow.version)
            )
            return Counter({version: n for version, n in rows})

    def extractions(self, ids: Sequence[str]) -> dict[str, records.ArticleExtraction]:
        return self.extraction_parts(ids, records.ArticleExtraction)

    def extraction_parts(self, ids: Sequence[str], kind: type[R]) -> dict[str, R]:
        """Each stored extraction of ``ids``, decoded as ``kind``: the whole ArticleExtraction or a record of
        some of its fields (msgspec skips the others)."""
        out: dict[str, R] = {}
        with Session(self.engine) as session:
            for i in range(0, len(ids), 500):
                rows = session.execute(
                    select(ArticleResultRow.article_id, ArticleResultRow.data).where(
                        ArticleResultRow.stage == "extract", ArticleResultRow.article_id.in_(ids[i : i + 500])
                    )
                )
                for aid, data in rows:
                    out[aid] = records.unpack(data, kind)
        return out

    def story_vectors(self, ids: Sequence[str]) -> dict[str, bytes]:
        return {aid: extraction.story_vector for aid, extraction in self.extractions(ids).items()}

    def article_dates(self, with_result: str) -> list[tuple[str, str | None]]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(ArticleRow.id, ArticleRow.published)
                .join(ArticleResultRow, ArticleResultRow.article_id == ArticleRow.id)
                .where(ArticleResultRow.stage == with_result)
            )
            return [(aid, published) for aid, published in rows]

    def article_dates_of(self, ids: Sequence[str]) -> list[tuple[str, str | None]]:
        """(id, published) of those of ``ids`` that are stored."""
        out: list[tuple[str, str | None]] = []
        with Session(self.engine) as session:
            for i in range(0, len(ids), 500):
                chunk = list(ids[i : i + 500])
                out.extend(
                    session.execute(
                        select(ArticleRow.id, ArticleRow.published).where(ArticleRow.id.in_(chunk))
                    )
                )
        return [(aid, published) for aid, published in out]

    def body_hashes(self) -> dict[str, str]:
        with Session(self.engine) as session:
            return {aid: h for aid, h in session.execute(select(ArticleRow.id, ArticleRow.body_hash))}

    def outlets_of(self, ids: Sequence[str]) -> dict[str, str]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(ArticleRow.id, ArticleRow.outlet).where(ArticleRow.id.in_(list(ids)))
            )
            return {aid: outlet or "" for aid, outlet in rows}

    # -- corpus state

    def load_state(self, stage: str, version: str) -> bytes | None:
        with Session(self.engine) as session:
            row = session.get(CorpusStateRow, stage)
            return row.data if row is not None and row.version == version else None

    def save_state(self, stage: str, version: str, data: bytes) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(CorpusStateRow).where(CorpusStateRow.stage == stage))
            session.add(CorpusStateRow(stage=stage, version=version, data=data))

    # -- stories

    def story_members(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        with Session(self.engine) as session:
            for story_id, article_id in session.execute(
                select(StoryArticleRow.story_id, StoryArticleRow.article_id)
            ):
                out[story_id].append(article_id)
        return dict(out)

    def story_inputs(self) -> dict[str, str]:
        with Session(self.engine) as session:
            return {sid: inputs for sid, inputs in session.execute(select(StoryRow.id, StoryRow.inputs))}

    def save_story_order(self, story_ids: Sequence[str], aliases: dict[str, str]) -> None:
        """Positions of the live stories, and aliases of the stories that no longer exist. Those keep their
        rows, out of every listing (position -1), until ``drop_stories``: their casts hold the entity ids
        that the stories now holding their articles must keep."""
        with Session(self.engine) as session, session.begin():
            live = set(story_ids)
            stored = {sid: at for sid, at in session.execute(select(StoryRow.id, StoryRow.position))}
            gone = [sid for sid in stored if sid not in live]
            if gone:
                session.execute(update(StoryRow).where(StoryRow.id.in_(gone)).values(position=GONE))
            # a story id that is live again (its first article founded a story anew) is no alias any more
            session.execute(
                delete(IdAliasRow).where(IdAliasRow.kind == "story", IdAliasRow.alias.in_(list(live)))
            )
            for alias, target in aliases.items():
                session.execute(delete(IdAliasRow).where(IdAliasRow.alias == alias))
                session.add(IdAliasRow(alias=alias, kind="story", target=target))
            # an alias that pointed at an absorbed story now points at its absorber
            for row in session.scalars(select(IdAliasRow).where(IdAliasRow.target.in_(list(aliases)))):
                row.target = aliases[row.target]
            # Only the positions that moved are written, as one executemany (a story that grows moves every
            # smaller one down a place: hundreds of rows in a large store).
            moved = [
                {"sid": sid, "position": position}
                for position, sid in enumerate(story_ids)
                if stored.get(sid) != position
            ]
            if moved:
                table = _table_of(StoryRow)
                session.connection().execute(
                    update(table)
                    .where(table.c.id == bindparam("sid"))
                    .values(position=bindparam("position")),
                    moved,
                )

    def drop_stories(self) -> None:
        """Delete the stories ``save_story_order`` set aside, once the stories holding their articles are saved."""
        with Session(self.engine) as session, session.begin():
            gone = list(session.scalars(select(StoryRow.id).where(StoryRow.position == GONE)))
            if gone:
                session.execute(delete(EventRow).where(EventRow.story_id.in_(gone)))
                session.execute(delete(StoryArticleRow).where(StoryArticleRow.story_id.in_(gone)))
                session.execute(delete(StoryRow).where(StoryRow.id.in_(gone)))

    def save_story_results(self, results: Sequence[records.StoryResult]) -> None:
        """Replace these stories' analyses (or record their failures) in one transaction, and fold their casts
        into the corpus-wide entity records, each touched entity rewritten once however many of these stories
        name it (a cross-story actor's record is the largest thing written)."""
        analysed = [r.analysis for r in results if r.analysis is not None]
        with Session(self.engine) as session, session.begin():
            previous = [e for r in results if r.analysis is not None for e in r.previous]
            if analysed:
                from newsprism.stages.corpus import merge_entities

                # Entities first: the quote rows name their speakers' entity rows.
                articles = {aid for analysis in analysed for aid in analysis.story.articles}
                fresh = merge_entities(e for analysis in analysed for e in analysis.entities)
                self._update_entities(session, fresh, merge_entities(previous), articles)
            for result in results:
                if result.analysis is not None:
                    self._write_analysis(session, result.position, result.inputs, result.analysis)
                elif result.failure is not None:
                    self._write_failure(session, result.position, result.story, result.failure)

    def _write_analysis(
        self, session: Session, position: int, inputs: str, analysis: records.StoryAnalysis
    ) -> None:
        story = analysis.story
        self._replace_story(session, position, inputs, story, records.pack(analysis))
        session.execute(delete(QuoteRow).where(QuoteRow.article_id.in_(story.articles)))
        if analysis.quotes:
            self._insert_rows(
                session,
                QuoteRow,
                [
                    {
                        "id": q.id,
                        "article_id": q.article,
                        "start": q.start,
                        "end": q.end,
                        "kind": q.kind,
                        "cue": q.cue,
                        "speaker_text": q.speaker.text if q.speaker else None,
                        "speaker_entity": q.speaker.entity if q.speaker else None,
                        "source_type": q.source_type,
                    }
                    for q in analysis.quotes
                ],
            )
        if analysis.events:
            self._insert_rows(
                session,
                EventRow,
                [
                    {
                        "id": event.id,
                        "story_id": story.id,
                        "date": event.date,
                        "precision": event.precision,
                        "data": records.to_builtins(event),
                    }
                    for event in analysis.events
                ],
            )
        session.execute(delete(StageFailureRow).where(StageFailureRow.item == story.id))

    def _write_failure(
        self, session: Session, position: int, story: records.Story, failure: records.StageFailure
    ) -> None:
        empty = records.StoryAnalysis(story=story, entities=[], quotes=[], events=[])
        self._replace_story(session, position, "", story, records.pack(empty))
        # The failed story shows no quotes: the quote table must not keep the previous analysis's.
        session.execute(delete(QuoteRow).where(QuoteRow.article_id.in_(story.articles)))
        self._record_failure(session, failure)

    def _previous_entities(self, session: Session, story_ids: Sequence[str]) -> list[records.Entity]:
        blobs = session.scalars(select(StoryRow.analysis).where(StoryRow.id.in_(list(story_ids))))
        # Only the cast part of each analysis is decoded (msgspec skips the quotes and events).
        return [e for blob in blobs if blob for e in records.unpack(blob, records.StoryEntities).entities]

    def _update_entities(
        self,
        session: Session,
        entities: Sequence[records.Entity],
        previous: Sequence[records.Entity],
        articles: set[str],
    ) -> None:
        """Corpus-wide entity records: this story's articles' contribution is replaced by the new cast's.
        An id the story no longer uses, whose record loses every mention, becomes an alias of the entity that
        now holds most of its mentions."""
        from newsprism.stages.corpus import merge_entities, without_articles

        fresh_of = {e.id: e for e in entities}
        previous_of = {e.id: e for e in previous}
        holder = {(m.article, m.start, m.end): e.id for e in entities for m in e.mentions}
        touched = set(fresh_of) | set(previous_of)
        rows = {r.id: r for r in session.scalars(select(EntityRow).where(EntityRow.id.in_(list(touched))))}
        for entity_id in sorted(touched):
            row = rows.get(entity_id)
            kept = None
            if row is not None and row.record:
                kept = without_articles(records.unpack(row.record, records.Entity), articles)
            fresh = fresh_of.get(entity_id)
            parts = [p for p in (kept, fresh) if p is not None and p.mentions]
            if not parts:
                old = previous_of.get(entity_id)
                votes = Counter(
                    holder[k]
                    for m in (old.mentions if old else [])
                    if (k := (m.article, m.start, m.end)) in holder
                )
                if row is not None:
                    row.record = None
                if votes:
                    target = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                    session.execute(delete(IdAliasRow).where(IdAliasRow.alias == entity_id))
                    session.add(IdAliasRow(alias=entity_id, kind="entity", target=target))
                continue
            (merged,) = merge_entities(parts)
            values = {
                "name": merged.name,
                "type": merged.type,
                "aliases": [records.to_builtins(a) for a in merged.aliases[:50]],
                "position": len(merged.mentions),
                "record": records.pack(merged),
            }
            if row is None:
                session.add(EntityRow(id=entity_id, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
        session.flush()

    def _replace_story(
        self, session: Session, position: int, inputs: str, story: records.Story, blob: bytes
    ) -> None:
        session.execute(delete(EventRow).where(EventRow.story_id == story.id))
        session.execute(delete(StoryArticleRow).where(StoryArticleRow.story_id == story.id))
        session.execute(delete(StoryRow).where(StoryRow.id == story.id))
        session.add(
            StoryRow(id=story.id, title=story.title, data={}, position=position, inputs=inputs, analysis=blob)
        )
        session.flush()
        self._insert_rows(
            session,
            StoryArticleRow,
            [{"story_id": story.id, "article_id": aid} for aid in story.articles],
        )

    def record_failures(self, failures: Sequence[records.StageFailure]) -> None:
        if failures:
            with Session(self.engine) as session, session.begin():
                for failure in failures:
                    self._record_failure(session, failure)

    def failures(self) -> list[records.StageFailure]:
        with Session(self.engine) as session:
            return [
                records.StageFailure(item=r.item, stage=r.stage, error=r.error, message=r.message)
                for r in session.scalars(
                    select(StageFailureRow).order_by(StageFailureRow.stage, StageFailureRow.item)
                )
            ]

    def stories(self) -> list[records.Story]:
        return self.story_heads()[0]

    def story_analyses(self, ids: Sequence[str] | None = None) -> list[records.StoryAnalysis]:
        return list(self.story_parts(records.StoryAnalysis, ids))

    def story_parts(self, kind: type[R], ids: Sequence[str] | None = None) -> Iterator[R]:
        """The stored analyses of ``ids`` (all when None) in listing order, one at a time, each decoded as
        ``kind``: a StoryAnalysis, or a record of some of its fields (msgspec skips the others)."""
        for blob in self._story_blobs(ids):
            yield records.unpack(blob, kind)

    def story_heads(self, limit: int | None = None) -> tuple[list[records.Story], int]:
        """The first ``limit`` stories in listing order (all when None), decoding only their Story part,
        and how many stories there are."""
        heads = [records.unpack(blob, records.StoryHead).story for blob in self._story_blobs(limit=limit)]
        with Session(self.engine) as session:
            total = session.scalar(
                select(func.count())
                .select_from(StoryRow)
                .where(StoryRow.analysis.is_not(None), StoryRow.position != GONE)
            )
        return heads, int(total or 0)

    def quote_page(self, limit: int | None = None) -> tuple[list[records.Quote], int]:
        """The first ``limit`` quotes of the stored stories in listing order (all when None) and the total:
        only the stories holding the quotes shown are decoded, and the quote table counts them all."""
        return self._story_part_page(limit, records.StoryQuotes, records.StoryQuoteCount, "quotes", QuoteRow)

    def event_page(self, limit: int | None = None) -> tuple[list[records.Event], int]:
        """As ``quote_page``, for the stories' timeline events."""
        return self._story_part_page(limit, records.StoryEvents, records.StoryEventCount, "events", EventRow)

    def _story_part_page(
        self,
        limit: int | None,
        built: type[records.Record],
        counted: type[records.Record],
        field: str,
        table: type[Base],
    ) -> tuple[list[Any], int]:
        shown: list[Any] = []
        for blob in self._story_blobs():
            if limit and len(shown) >= limit:
                break
            if getattr(records.unpack(blob, counted), field):
                shown.extend(getattr(records.unpack(blob, built), field))
        if not limit:
            return shown, len(shown)
        with Session(self.engine) as session:
            total = session.scalar(select(func.count()).select_from(table))
        return shown[:limit], int(total or 0)

    def _story_blobs(self, ids: Sequence[str] | None = None, limit: int | None = None) -> Iterator[bytes]:
        """Stored story analyses (packed), in listing order: those of ``ids``, or the first ``limit``."""
        query = (
            select(StoryRow.analysis)
            .where(StoryRow.analysis.is_not(None), StoryRow.position != GONE)
            .order_by(StoryRow.position, StoryRow.id)
        )
        if ids is not None:
            query = query.where(StoryRow.id.in_(list(ids)))
        if limit:
            query = query.limit(limit)
        with Session(self.engine) as session:
            for blob in session.scalars(query):
                if blob:
                    yield blob

    def resolve_id(self, kind: str, some_id: str) -> str:
        """The live id for an id ever printed (an absorbed id resolves to its absorber)."""
        with Session(self.engine) as session:
            row = session.get(IdAliasRow, some_id)
            return row.target if row is not None and row.kind == kind else some_id

    def story_ids_of_articles(self, article_ids: Sequence[str]) -> list[str]:
        found: set[str] = set()
        with Session(self.engine) as session:
            for i in range(0, len(article_ids), 500):
                found.update(
                    session.scalars(
                        select(StoryArticleRow.story_id)
                        .join(StoryRow, StoryRow.id == StoryArticleRow.story_id)
                        .where(
                            StoryArticleRow.article_id.in_(article_ids[i : i + 500]),
                            StoryRow.position != GONE,
                        )
                    )
                )
        return sorted(found)

    # -- entities

    def entity_ids(self) -> set[str]:
        """Every entity id ever minted (live or aliased): a new actor never gets one of them."""
        with Session(self.engine) as session:
            ids = set(session.scalars(select(EntityRow.id)))
            ids.update(session.scalars(select(IdAliasRow.alias).where(IdAliasRow.kind == "entity")))
        return ids

    def previous_entities(self, story_ids: Sequence[str]) -> list[records.Entity]:
        """The casts of these stored stories as they stand (before their analyses are replaced)."""
        with Session(self.engine) as session:
            return self._previous_entities(session, story_ids)

    def entity_page(self, limit: int | None = None) -> tuple[list[records.Entity], int]:
        """The first ``limit`` corpus-wide entities, most mentioned first (the order of ``entities``), and how
        many there are: ``position`` holds the mention count, so SQL sorts and cuts."""
        live = EntityRow.record.is_not(None)
        # Ids first, then the records of those only: sorting the rows with their records would copy every
        # record through SQLite's sorter.
        query = (
            select(EntityRow.id).where(live).order_by(EntityRow.position.desc(), EntityRow.name, EntityRow.id)
        )
        if limit:
            query = query.limit(limit)
        with Session(self.engine) as session:
            total = session.scalar(select(func.count()).select_from(EntityRow).where(live))
            ids = list(session.scalars(query))
            blobs: dict[str, bytes | None] = {}
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                query_chunk = select(EntityRow.id, EntityRow.record).where(EntityRow.id.in_(chunk))
                blobs.update((eid, blob) for eid, blob in session.execute(query_chunk))
        found = [records.unpack(blob, records.Entity) for eid in ids if (blob := blobs.get(eid))]
        return found, int(total or 0)

    def entities(self, ids: Sequence[str] | None = None) -> list[records.Entity]:
        """Corpus-wide entity records, most mentioned first."""
        query = select(EntityRow.record).where(EntityRow.record.is_not(None))
        if ids is not None:
            query = query.where(EntityRow.id.in_(list(ids)))
        with Session(self.engine) as session:
            found = [records.unpack(blob, records.Entity) for blob in session.scalars(query) if blob]
        found.sort(key=lambda e: (-len(e.mentions), e.name, e.id))
        return found
