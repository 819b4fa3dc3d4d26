"""the one way out, completed (SPEC §8, §11): durable polls, heartbeats, undelivered messages

- `outbox_message.request`: a durable request that is not text (a poll's method and parameters);
- `agenda_poll.tg_poll_id` and `message_id` may wait for Telegram: the poll is stored with `/poll`;
- `worker`: each process's heartbeat, the lease of rows that keep no time (concern deliveries);
- `delivery.reported_in`, `outbox_message.reported_in`: the managers' notice that named a failure;
- finished concern deliveries are deleted (they now go as soon as they are sent).

Revision ID: 0016
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0016"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reported_in", sa.Integer(), nullable=True))
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reported_in", sa.Integer(), nullable=True))
    with op.batch_alter_table("agenda_poll", schema=None) as batch_op:
        batch_op.alter_column("tg_poll_id", existing_type=sa.String(), nullable=True)
        batch_op.alter_column("message_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "worker",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("alive_until", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker")),
    )
    reminder = sa.table("reminder", sa.column("id", sa.Integer()), sa.column("kind"), sa.column("state"))
    delivery = sa.table("delivery", sa.column("reminder_id", sa.Integer()))
    finished = sa.select(reminder.c.id).where(reminder.c.kind == "concern", reminder.c.state.in_(["done", "dropped"]))
    op.execute(sa.delete(delivery).where(delivery.c.reminder_id.in_(finished)))
    op.execute(sa.delete(reminder).where(reminder.c.kind == "concern", reminder.c.state.in_(["done", "dropped"])))


def downgrade() -> None:
    op.drop_table("worker")
    poll = sa.table("agenda_poll", sa.column("id", sa.Integer()), sa.column("message_id", sa.Integer()))
    unposted = sa.select(poll.c.id).where(poll.c.message_id.is_(None))  # never posted: nothing to keep
    for table in ("agenda_poll_option", "poll_vote"):
        child = sa.table(table, sa.column("poll_id", sa.Integer()))
        op.execute(sa.delete(child).where(child.c.poll_id.in_(unposted)))
    op.execute(sa.delete(poll).where(poll.c.message_id.is_(None)))
    with op.batch_alter_table("agenda_poll", schema=None) as batch_op:
        batch_op.alter_column("message_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("tg_poll_id", existing_type=sa.String(), nullable=False)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("reported_in")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("reported_in")
        batch_op.drop_column("request")
