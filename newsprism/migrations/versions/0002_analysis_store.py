"""The analysis store (issue 9): per-article stage results, corpus state, id aliases, stage failures.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Idempotent: a database written between the two revisions' releases may already have some of this.
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())

    def add_columns(table: str, *columns: sa.Column) -> None:
        present = {c["name"] for c in inspector.get_columns(table)}
        missing = [c for c in columns if c.name not in present]
        if missing:
            with op.batch_alter_table(table) as batch:
                for column in missing:
                    batch.add_column(column)

    add_columns("article", sa.Column("body_hash", sa.String(64), nullable=False, server_default=""))
    add_columns(
        "entity",
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("record", sa.LargeBinary),
    )
    add_columns(
        "story",
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("inputs", sa.String(64), nullable=False, server_default=""),
        sa.Column("analysis", sa.LargeBinary),
    )
    if "article_result" not in tables:
        op.create_table(
            "article_result",
            sa.Column(
                "article_id", sa.String(32), sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
            ),
            sa.Column("stage", sa.String(32), primary_key=True),
            sa.Column("version", sa.String(64), nullable=False),
            sa.Column("data", sa.LargeBinary, nullable=False),
        )
    if "corpus_state" not in tables:
        op.create_table(
            "corpus_state",
            sa.Column("stage", sa.String(32), primary_key=True),
            sa.Column("version", sa.String(64), nullable=False),
            sa.Column("data", sa.LargeBinary, nullable=False),
        )
    if "id_alias" not in tables:
        op.create_table(
            "id_alias",
            sa.Column("alias", sa.String(40), primary_key=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("target", sa.String(40), nullable=False, index=True),
        )
    if "stage_failure" not in tables:
        op.create_table(
            "stage_failure",
            sa.Column("item", sa.String(300), primary_key=True),
            sa.Column("stage", sa.String(32), primary_key=True),
            sa.Column("error", sa.String(100), nullable=False),
            sa.Column("message", sa.Text, nullable=False),
        )
