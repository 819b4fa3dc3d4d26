"""Resource mobilisation (SPEC §13): the affected State's needs and the donors' pledges.

Amounts are integer minor units of their ISO 4217 currency (cents for USD, none for JPY),
so sums are exact on every database; a need or pledge without an amount is in kind.
A pledge belongs to its donor organisation (by display name, as `ProgressReport` does),
not to the person who typed it, so `/forgetme` keeps it; every step is dated, and each
step is also a `PledgeStep` row, tranches included.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import utc_column


def _minor(nullable: bool) -> sa.Column:
    """Minor units overflow 32 bits quickly (450 000 000.00 LBP): 64-bit on every database."""
    return sa.Column(sa.BigInteger(), nullable=nullable)


class Need(SQLModel, table=True):
    """A need of the affected State, numbered per coalition (`N1`, `N2`, …)."""

    __table_args__ = (sa.UniqueConstraint("coalition_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    number: int
    title: str
    amount: int | None = Field(default=None, sa_column=_minor(True))  # minor units; None: in kind
    currency: str | None = None  # ISO 4217, with `amount`
    due_month: str | None = None  # YYYY-MM: sorts as text
    priority: str = "medium"  # high | medium | low
    created_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Pledge(SQLModel, table=True):
    """A donor organisation's pledge to a need, numbered per coalition (`PL1`, …).

    `state` moves pledged → committed → disbursed, or to withdrawn; `disbursed` sums the
    tranches. `confirmed_at` is None while a manager's record awaits the donor's confirmation.
    `revision` is bumped when the expected date changes, so its nudges get new keys.
    """

    __table_args__ = (sa.UniqueConstraint("coalition_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    need_id: int = Field(foreign_key="need.id", index=True, ondelete="CASCADE")
    number: int
    organisation: str
    amount: int | None = Field(default=None, sa_column=_minor(True))  # minor units; None: in kind
    currency: str | None = None
    in_kind: str = ""  # what is contributed in kind
    note: str = ""
    by_date: date | None = None  # expected disbursement
    state: str = "pledged"  # pledged | committed | disbursed | withdrawn
    disbursed: int = Field(default=0, sa_column=sa.Column(sa.BigInteger(), nullable=False, server_default="0"))
    reason: str = ""  # why it was withdrawn
    recorded_by: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    pledged_at: datetime = Field(sa_column=utc_column())
    committed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    disbursed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    withdrawn_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    revision: int = 1


class PledgeStep(SQLModel, table=True):
    """One dated step of a pledge: pledged, confirmed, committed, tranche, disbursed, amount, withdrawn."""

    __tablename__ = "pledge_step"

    id: int | None = Field(default=None, primary_key=True)
    pledge_id: int = Field(foreign_key="pledge.id", index=True, ondelete="CASCADE")
    kind: str
    amount: int | None = Field(default=None, sa_column=_minor(True))
    currency: str | None = None
    note: str = ""
    author_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    at: datetime = Field(sa_column=utc_column())
