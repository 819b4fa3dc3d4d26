"""processed updates (exactly-once application of webhook updates)

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-27 10:45:00
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0007"
down_revision = "0003"
branch_labels = ("updates",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_update",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("processed_at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_processed_update")),
    )
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_update_processed_at"), ["processed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processed_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_update_processed_at"))
    op.drop_table("processed_update")
