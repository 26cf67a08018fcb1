"""Baseline: the schema of newsprism 0.1 (issue 2), before migrations existed ("schema_version" 1).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta", sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text, nullable=False)
    )
    op.create_table("outlet", sa.Column("name", sa.String(200), primary_key=True))
    op.create_table(
        "article",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("outlet", sa.String(200), sa.ForeignKey("outlet.name"), index=True),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("published", sa.String(32), index=True),
        sa.Column("dateline", sa.String(200)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("raw_hash", sa.String(64), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("raw_text", sa.Text, nullable=False),
        sa.Column("removed", sa.JSON, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("n_tokens", sa.Integer, nullable=False),
        sa.Column("doc", sa.LargeBinary),
    )
    op.create_table(
        "sentence",
        sa.Column(
            "article_id", sa.String(32), sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
    )
    op.create_table(
        "entity",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("aliases", sa.JSON, nullable=False),
    )
    op.create_table(
        "mention",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "article_id",
            sa.String(32),
            sa.ForeignKey("article.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("sentence_idx", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.String(32), sa.ForeignKey("entity.id"), index=True),
        sa.Column("descriptor", sa.Text),
    )
    op.create_index("ix_mention_article_start", "mention", ["article_id", "start"])
    op.create_table(
        "quote",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "article_id",
            sa.String(32),
            sa.ForeignKey("article.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cue", sa.Text),
        sa.Column("speaker_text", sa.Text),
        sa.Column("speaker_entity", sa.String(32), sa.ForeignKey("entity.id")),
        sa.Column("source_type", sa.String(32)),
    )
    op.create_table(
        "story",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "story_article",
        sa.Column("story_id", sa.String(32), sa.ForeignKey("story.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "article_id", sa.String(32), sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("story_id", sa.String(32), sa.ForeignKey("story.id", ondelete="CASCADE"), index=True),
        sa.Column("date", sa.String(32)),
        sa.Column("precision", sa.String(16)),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "article_id",
            sa.String(32),
            sa.ForeignKey("article.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("sentence_idx", sa.Integer, nullable=False),
        sa.Column("group_id", sa.String(32), index=True),
        sa.Column("embedding", sa.LargeBinary),
    )
    op.create_table(
        "brief",
        sa.Column("story_id", sa.String(32), sa.ForeignKey("story.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("data", sa.JSON, nullable=False),
    )
