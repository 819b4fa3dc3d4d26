"""The dashboard's coalition settings: the public page, its slug, the network view (SPEC §15).

Revision ID: 0014
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coalition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("public_slug", sa.String(80), nullable=True))
        batch_op.add_column(sa.Column("network", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f("uq_coalition_public_slug"), ["public_slug"])


def downgrade() -> None:
    with op.batch_alter_table("coalition", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_coalition_public_slug"), type_="unique")
        batch_op.drop_column("network")
        batch_op.drop_column("public_slug")
        batch_op.drop_column("public")
