"""action points, updates, their messages and meeting notes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision = "0004"
down_revision = "0003"
branch_labels = ("actions",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("owner_kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("owner_person_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coalition_id"], ["coalition.id"], name=op.f("fk_action_point_coalition_id_coalition"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["person.id"], name=op.f("fk_action_point_created_by_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["owner_person_id"], ["person.id"], name=op.f("fk_action_point_owner_person_id_person"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_point")),
        sa.UniqueConstraint("coalition_id", "number", name=op.f("uq_action_point_coalition_id")),
    )
    with op.batch_alter_table("action_point", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_point_coalition_id"), ["coalition_id"], unique=False)

    op.create_table(
        "action_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("comment", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action_point.id"], name=op.f("fk_action_update_action_id_action_point"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_action_update_author_id_person"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_update")),
    )
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_update_action_id"), ["action_id"], unique=False)

    op.create_table(
        "action_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action_point.id"],
            name=op.f("fk_action_message_action_id_action_point"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_message")),
    )
    with op.batch_alter_table("action_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_message_action_id"), ["action_id"], unique=False)
        batch_op.create_index("ix_action_message_chat_id_message_id", ["chat_id", "message_id"], unique=False)

    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", bot.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_note_author_id_person"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["coalition_id"], ["coalition.id"], name=op.f("fk_note_coalition_id_coalition"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_note_meeting_id_meeting"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_note_meeting_id"), ["meeting_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_note_coalition_id"))

    op.drop_table("note")
    with op.batch_alter_table("action_message", schema=None) as batch_op:
        batch_op.drop_index("ix_action_message_chat_id_message_id")
        batch_op.drop_index(batch_op.f("ix_action_message_action_id"))

    op.drop_table("action_message")
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_update_action_id"))

    op.drop_table("action_update")
    with op.batch_alter_table("action_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_point_coalition_id"))

    op.drop_table("action_point")
