"""One head again: the actions, agenda, progress and updates branches meet.

Each area once added its tables on a branch of its own from 0003, which left four heads and
made `alembic revision --autogenerate` refuse to run. This revision only joins them; every
later revision descends from it, so there is exactly one head (tests/unit/test_migrations.py).

Revision ID: 0008
Revises: 0004, 0005, 0006, 0007
"""

from __future__ import annotations

revision = "0008"
down_revision = ("0004", "0005", "0006", "0007")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
