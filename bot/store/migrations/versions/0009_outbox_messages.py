"""durable outgoing messages (SPEC §11: the one way out)

Revision ID: 0009
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0009"
down_revision = "0011"  # re-chained onto the landed head (edits, dialogs and concerns)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("reply_to", sa.Integer(), nullable=True),
        sa.Column("parts", sa.Text(), nullable=False),
        sa.Column("keyboard", sa.Text(), nullable=True),
        sa.Column("next_part", sa.Integer(), nullable=False),
        sa.Column("sent_ids", sa.String(), nullable=False),
        sa.Column("lane", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=False),
        sa.Column("completion", sa.String(), nullable=True),
        sa.Column("ref", sa.Integer(), nullable=True),
        sa.Column("coalition_id", sa.Integer(), nullable=True),
        sa.Column("possible_duplicates", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("lease_until", bot.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", bot.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coalition_id"],
            ["coalition.id"],
            name=op.f("fk_outbox_message_coalition_id_coalition"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_coalition_id"), ["coalition_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_coalition_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_state"))
    op.drop_table("outbox_message")
