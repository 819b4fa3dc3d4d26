"""Durable outgoing messages (SPEC §11): written in the transaction of the change they report."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import big_id, utc_column


class OutboxMessage(SQLModel, table=True):
    """One message still to deliver (or that Telegram refused for good: state failed/unreachable).

    The text is rendered and split when the row is written, so a retry after a restart sends
    exactly the parts not yet accepted (`next_part`); a request that is not text (a poll) is
    stored as its method and parameters (`request`). Delivered rows are deleted; a refused
    one stays until the managers' notice of undelivered messages has named it (`reported_in`)."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=big_id())
    thread_id: int | None = None
    reply_to: int | None = None
    parts: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))  # JSON list of HTML texts
    keyboard: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))  # JSON markup
    request: str | None = Field(default=None, sa_column=sa.Column(sa.Text(), nullable=True))  # JSON method, params
    next_part: int = 0
    sent_ids: str = "[]"  # JSON list of the message ids of the parts accepted so far
    lane: int = 0
    state: str = Field(default="pending", index=True)  # pending | failed | unreachable
    error: str = ""
    completion: str | None = None  # what to record once sent (e.g. "announcement")
    ref: int | None = None  # the row that completion is about
    coalition_id: int | None = Field(default=None, foreign_key="coalition.id", index=True, ondelete="CASCADE")
    possible_duplicates: int = 0
    claimed_by: str | None = None
    lease_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(sa_column=utc_column())
    reported_in: int | None = None  # the managers' notice (a reminder) that named this failure


class Worker(SQLModel, table=True):
    """A running process that claims rows, and until when it is known to be alive.

    Rows that may keep no time (concern deliveries, SPEC §8) hold no lease of their own: they
    are leased through their claimer's heartbeat, renewed on every dispatcher look; once it
    has stopped, another process takes them over."""

    __tablename__ = "worker"

    name: str = Field(primary_key=True)
    alive_until: datetime = Field(sa_column=utc_column())
