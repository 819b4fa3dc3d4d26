"""members who leave, a coalition paused or closing, and the groups' administrators (SPEC §3)

- `membership.left_at`: the member left or was removed from the group (the row stays);
- `coalition.paused_at`: the bot is out of the group, its posts and reminders are held;
- `coalition.erase_at`: `/closecoalition` confirmed, the data is erased then unless cancelled;
- `group_admin`: each group's Telegram administrators as last fetched, so an administrator is
  a manager in private chats too.

Revision ID: 0015
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0015"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_at", bot.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table("coalition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", bot.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("erase_at", bot.models.UTCDateTime(), nullable=True))
    op.create_table(
        "group_admin",
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coalition_id"],
            ["coalition.id"],
            name=op.f("fk_group_admin_coalition_id_coalition"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coalition_id", "tg_user_id", name=op.f("pk_group_admin")),
    )
    with op.batch_alter_table("group_admin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_admin_tg_user_id"), ["tg_user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_admin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_admin_tg_user_id"))
    op.drop_table("group_admin")
    with op.batch_alter_table("coalition", schema=None) as batch_op:
        batch_op.drop_column("erase_at")
        batch_op.drop_column("paused_at")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("left_at")
