"""agenda proposals, agenda polls and votes, anonymous concerns

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-27 10:45:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision = "0005"
down_revision = "0003"
branch_labels = ("agenda",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("raised_at", bot.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["coalition_id"], ["coalition.id"], name=op.f("fk_concern_coalition_id_coalition"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern")),
        sa.UniqueConstraint("coalition_id", "number", name=op.f("uq_concern_coalition_id")),
    )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_coalition_id"), ["coalition_id"], unique=False)

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

    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("concern_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coalition_id"], ["coalition.id"], name=op.f("fk_proposal_coalition_id_coalition"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concern.id"], name=op.f("fk_proposal_concern_id_concern"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_proposal_meeting_id_meeting"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"], ["person.id"], name=op.f("fk_proposal_proposer_id_person"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
        sa.UniqueConstraint("coalition_id", "number", name=op.f("uq_proposal_coalition_id")),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_coalition_id"), ["coalition_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_proposer_id"), ["proposer_id"], unique=False)

    op.create_table(
        "agenda_poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("tg_poll_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("closed_at", bot.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["coalition_id"], ["coalition.id"], name=op.f("fk_agenda_poll_coalition_id_coalition"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_agenda_poll_meeting_id_meeting"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_poll")),
        sa.UniqueConstraint("tg_poll_id", name=op.f("uq_agenda_poll_tg_poll_id")),
    )
    with op.batch_alter_table("agenda_poll", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_poll_coalition_id"), ["coalition_id"], unique=False)

    op.create_table(
        "agenda_poll_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["agenda_poll.id"], name=op.f("fk_agenda_poll_option_poll_id_agenda_poll"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_agenda_poll_option_proposal_id_proposal"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_poll_option")),
        sa.UniqueConstraint("poll_id", "position", name=op.f("uq_agenda_poll_option_poll_id")),
    )
    with op.batch_alter_table("agenda_poll_option", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_poll_option_poll_id"), ["poll_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agenda_poll_option_proposal_id"), ["proposal_id"], unique=False)

    op.create_table(
        "poll_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_poll_vote_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["agenda_poll.id"], name=op.f("fk_poll_vote_poll_id_agenda_poll"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_vote")),
        sa.UniqueConstraint("poll_id", "person_id", "position", name=op.f("uq_poll_vote_poll_id")),
    )
    with op.batch_alter_table("poll_vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_vote_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_vote_poll_id"), ["poll_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("poll_vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_vote_poll_id"))
        batch_op.drop_index(batch_op.f("ix_poll_vote_person_id"))

    op.drop_table("poll_vote")
    with op.batch_alter_table("agenda_poll_option", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_poll_option_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_agenda_poll_option_poll_id"))

    op.drop_table("agenda_poll_option")
    with op.batch_alter_table("agenda_poll", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_poll_coalition_id"))

    op.drop_table("agenda_poll")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_proposer_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_coalition_id"))

    op.drop_table("proposal")
    with op.batch_alter_table("concern_limit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_limit_token"))
        batch_op.drop_index(batch_op.f("ix_concern_limit_at"))

    op.drop_table("concern_limit")
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_coalition_id"))

    op.drop_table("concern")
