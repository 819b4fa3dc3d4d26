"""treaty reporting: newly identified area, baseline month, declared figures, Article 7 submissions

Existing reports get `found = 0` (the server default), as SPEC §14 requires of old reports.

Revision ID: 0013
Revises: 0012 (written on 0008; re-chained after the dashboard, then needs and pledges, landed)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision = "0013"
down_revision = "0012"  # re-chained onto the landed head (needs and pledges)
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("found", sa.BigInteger(), server_default="0", nullable=False))
    with op.batch_alter_table("coalition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("baseline_period", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("eif_m2", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("eif_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("released_before_m2", sa.BigInteger(), nullable=True))
    op.create_table(
        "article7_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coalition_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", bot.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coalition_id"],
            ["coalition.id"],
            name=op.f("fk_article7_submission_coalition_id_coalition"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["person.id"],
            name=op.f("fk_article7_submission_submitted_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article7_submission")),
        sa.UniqueConstraint("coalition_id", "year", name=op.f("uq_article7_submission_coalition_id")),
    )
    with op.batch_alter_table("article7_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article7_submission_coalition_id"), ["coalition_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("article7_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article7_submission_coalition_id"))
    op.drop_table("article7_submission")
    with op.batch_alter_table("coalition", schema=None) as batch_op:
        for column in ("released_before_m2", "eif_on", "eif_m2", "baseline_period"):
            batch_op.drop_column(column)
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.drop_column("found")
