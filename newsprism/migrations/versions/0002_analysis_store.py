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
    with op.batch_alter_table("article") as batch:
        batch.add_column(sa.Column("body_hash", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("entity") as batch:
        batch.add_column(sa.Column("position", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("record", sa.LargeBinary))
    with op.batch_alter_table("story") as batch:
        batch.add_column(sa.Column("position", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("inputs", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("analysis", sa.LargeBinary))
    op.create_table(
        "article_result",
        sa.Column(
            "article_id", sa.String(32), sa.ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "corpus_state",
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "id_alias",
        sa.Column("alias", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(40), nullable=False, index=True),
    )
    op.create_table(
        "stage_failure",
        sa.Column("item", sa.String(300), primary_key=True),
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("error", sa.String(100), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
