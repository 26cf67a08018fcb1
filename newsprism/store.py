"""SQLite (default) or PostgreSQL store through SQLAlchemy 2.

One transaction per batch: an interrupted run keeps every committed batch, and a re-run skips articles whose
id is already stored, so nothing is lost or added twice. Every query is parameterised (ORM / Core).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from newsprism.model import Annotation, Article

SCHEMA_VERSION = 1


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


Index("ix_mention_article_start", MentionRow.article_id, MentionRow.start)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
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


class Store:
    """Repository over the database. ``url`` may be a path (SQLite) or an SQLAlchemy URL."""

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
            Base.metadata.create_all(self.engine)
            with Session(self.engine) as session, session.begin():
                if session.get(MetaRow, "schema_version") is None:
                    session.add(MetaRow(key="schema_version", value=str(SCHEMA_VERSION)))

    def _insert(self, table: type[Base]):  # type: ignore[no-untyped-def]
        """INSERT ... ON CONFLICT DO NOTHING for this backend: the database, not a prior SELECT, decides."""
        dialect_insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        return dialect_insert(table).on_conflict_do_nothing()

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

    def add_batch(self, items: Sequence[tuple[Article, Annotation]]) -> BatchOutcome:
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
                session.execute(self._insert(SentenceRow), sentences)
            if mentions:
                session.execute(self._insert(MentionRow), mentions)
        for article_id in by_id:
            if article_id in inserted:
                outcome.added.append(article_id)
            elif article_id in stale:
                outcome.updated.append(article_id)
            else:
                outcome.present.append(article_id)
        return outcome

    # ------------------------------------------------------------------ reads

    def count(self, table: type[Base]) -> int:
        from sqlalchemy import func

        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(table)) or 0)

    def article_ids(self) -> list[str]:
        with Session(self.engine) as session:
            return list(session.scalars(select(ArticleRow.id).order_by(ArticleRow.id)))

    def iter_articles(self, ids: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Articles as plain dicts (with sentences and entity mentions), in the order of ``ids``."""
        if ids is None:
            ids = self.article_ids()
        with Session(self.engine) as session:
            for i in range(0, len(ids), 200):
                chunk = list(ids[i : i + 200])
                rows = {r.id: r for r in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(chunk)))}
                sentences: dict[str, list[tuple[int, int]]] = {aid: [] for aid in chunk}
                for srow in session.scalars(
                    select(SentenceRow)
                    .where(SentenceRow.article_id.in_(chunk))
                    .order_by(SentenceRow.article_id, SentenceRow.idx)
                ):
                    sentences[srow.article_id].append((srow.start, srow.end))
                mentions: dict[str, list[dict[str, Any]]] = {aid: [] for aid in chunk}
                for mrow in session.scalars(
                    select(MentionRow)
                    .where(MentionRow.article_id.in_(chunk))
                    .order_by(MentionRow.article_id, MentionRow.start, MentionRow.end)
                ):
                    mentions[mrow.article_id].append(
                        {
                            "text": mrow.text,
                            "label": mrow.label,
                            "start": mrow.start,
                            "end": mrow.end,
                            "sentence": mrow.sentence_idx,
                        }
                    )
                for aid in chunk:
                    row = rows.get(aid)
                    if row is None:
                        continue
                    yield {
                        "id": row.id,
                        "source": row.source,
                        "url": row.url,
                        "outlet": row.outlet,
                        "title": row.title,
                        "author": row.author,
                        "published": row.published,
                        "dateline": row.dateline,
                        "kind": row.kind,
                        "text": row.text,
                        "raw_text": row.raw_text,
                        "removed": row.removed,
                        "extra": row.extra,
                        "sentences": sentences[aid],
                        "entities": mentions[aid],
                        "doc": row.doc,
                        "n_tokens": row.n_tokens,
                    }


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
