"""edit notices, dialog state, and anonymous concerns as SPEC §8 now promises

- `edit_notice`: group messages whose edit the bot answered (SPEC §3 "Edits");
- `dialog_state`: the step-by-step dialogs and pending confirmations (SPEC §3 "Dialog state");
- `concern_limit` rebuilt: token (HMAC under an in-memory epoch key) and expiry hour only;
  every old row is deleted (they were keyed by `CONCERN_SECRET`, which is now ignored);
- `concern_quota`: the per-coalition cap shared by all instances;
- concerns keep only their day; finished concern deliveries are deleted;
- `membership.facilitator_since` / `concerns_after`: who became facilitator when.

Revision ID: 0011
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision = "0011"
down_revision = "0013"  # written on 0008; re-chained onto the landed head (treaty reporting)
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edit_notice",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("noticed_at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "message_id", name=op.f("pk_edit_notice")),
    )
    with op.batch_alter_table("edit_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_edit_notice_noticed_at"), ["noticed_at"], unique=False)

    op.create_table(
        "dialog_state",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("expires_at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "tg_user_id", "name", name=op.f("pk_dialog_state")),
    )
    with op.batch_alter_table("dialog_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dialog_state_expires_at"), ["expires_at"], unique=False)

    op.drop_table("concern_limit")
    op.create_table(
        "concern_limit",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_concern_limit")),
    )
    with op.batch_alter_table("concern_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_limit_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "concern_quota",
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("expires_at", bot.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coalition_id"], ["coalition.id"], name=op.f("fk_concern_quota_coalition_id_coalition"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("coalition_id", "slot", name=op.f("pk_concern_quota")),
    )
    with op.batch_alter_table("concern_quota", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_quota_expires_at"), ["expires_at"], unique=False)

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facilitator_since", bot.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("concerns_after", sa.Integer(), nullable=True))

    connection = op.get_bind()
    concern = sa.table("concern", sa.column("id", sa.Integer()), sa.column("created_at", sa.DateTime()))
    for concern_id, created_at in connection.execute(sa.select(concern.c.id, concern.c.created_at)).all():
        day = created_at.replace(hour=0, minute=0, second=0, microsecond=0)
        connection.execute(sa.update(concern).where(concern.c.id == concern_id).values(created_at=day))
    reminder = sa.table(
        "reminder",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("state", sa.String()),
        sa.column("due_at", sa.DateTime()),
    )
    delivery = sa.table("delivery", sa.column("reminder_id", sa.Integer()))
    finished = sa.select(reminder.c.id).where(reminder.c.kind == "concern", reminder.c.state.in_(["done", "dropped"]))
    connection.execute(sa.delete(delivery).where(delivery.c.reminder_id.in_(finished)))
    connection.execute(
        sa.delete(reminder).where(reminder.c.kind == "concern", reminder.c.state.in_(["done", "dropped"]))
    )
    for reminder_id, due_at in connection.execute(
        sa.select(reminder.c.id, reminder.c.due_at).where(reminder.c.kind == "concern")
    ).all():
        day = due_at.replace(hour=0, minute=0, second=0, microsecond=0)
        connection.execute(sa.update(reminder).where(reminder.c.id == reminder_id).values(due_at=day))
    membership = sa.table(
        "membership",
        sa.column("role", sa.String()),
        sa.column("joined_at", sa.DateTime()),
        sa.column("facilitator_since", sa.DateTime()),
    )
    connection.execute(
        sa.update(membership).where(membership.c.role == "facilitator").values(facilitator_since=membership.c.joined_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("concerns_after")
        batch_op.drop_column("facilitator_since")
    op.drop_table("concern_quota")
    op.drop_table("concern_limit")
    op.create_table(
        "concern_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_limit")),
    )
    with op.batch_alter_table("concern_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_limit_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_concern_limit_token"), ["token"], unique=False)
    op.drop_table("dialog_state")
    op.drop_table("edit_notice")
