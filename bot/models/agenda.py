"""Agenda proposals, agenda polls with their votes, and anonymous concerns (SPEC §7, §8).

A concern row deliberately has no column that could name its sender: no person, user,
chat or message id, and no time finer than its day. The abuse limiter keeps only a keyed
hash under a key held in process memory and an expiry hour (`ConcernLimit`), plus a
per-coalition count (`ConcernQuota`); housekeeping deletes both when their hour passes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import big_id, utc_column


class Concern(SQLModel, table=True):
    """An anonymous concern (SPEC §8), numbered per coalition (`C1`, `C2`, …).

    `created_at` is the start of the UTC day it was sent: no finer time is ever stored."""

    __table_args__ = (sa.UniqueConstraint("coalition_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    number: int
    text: str
    created_at: datetime = Field(sa_column=utc_column())
    raised_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ConcernLimit(SQLModel, table=True):
    """One accepted concern in a sender's abuse window: HMAC(epoch key, coalition, user, slot)
    and the hour it expires, nothing else (SPEC §8).

    The epoch keys live only in process memory (`bot.services.concerns.LimiterKeys`), so a
    token names nobody even with the configuration; housekeeping deletes a row when its hour
    has passed. The token is the primary key: no row number gives an order away.
    """

    __tablename__ = "concern_limit"

    token: str = Field(primary_key=True)
    expires_at: datetime = Field(sa_column=utc_column(index=True))


class ConcernQuota(SQLModel, table=True):
    """The per-coalition cap shared by every instance (at most `COALITION_LIMIT` concerns in
    24 hours): a slot number and the hour it frees, nothing about any sender."""

    __tablename__ = "concern_quota"

    coalition_id: int = Field(foreign_key="coalition.id", primary_key=True, ondelete="CASCADE")
    slot: int = Field(primary_key=True)
    expires_at: datetime = Field(sa_column=utc_column(index=True))


class Proposal(SQLModel, table=True):
    """An agenda item proposed for a meeting (SPEC §7), numbered per coalition (`P1`, …).

    `meeting_id` is the next upcoming meeting when it was proposed (None when none was
    scheduled); a proposal raised from a concern has no proposer and names the concern.
    """

    __table_args__ = (sa.UniqueConstraint("coalition_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    number: int
    text: str
    proposer_id: int | None = Field(default=None, foreign_key="person.id", index=True, ondelete="SET NULL")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", ondelete="SET NULL")
    concern_id: int | None = Field(default=None, foreign_key="concern.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=utc_column())


class AgendaPoll(SQLModel, table=True):
    """A native Telegram poll the bot posts; `tg_poll_id` matches `poll`/`poll_answer` updates.

    Stored with `/poll` (its options mark their proposals as polled at once); its posting is a
    durable message, and `tg_poll_id` and `message_id` are filled in once Telegram accepted it."""

    __tablename__ = "agenda_poll"

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", ondelete="SET NULL")
    tg_poll_id: str | None = Field(default=None, unique=True)
    chat_id: int = Field(sa_column=big_id())
    message_id: int | None = None
    question: str
    anonymous: bool = True
    closed: bool = False
    voters: int = 0
    created_at: datetime = Field(sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class PollOption(SQLModel, table=True):
    """One answer of a poll, with Telegram's latest count; `proposal_id` when it polls a proposal."""

    __tablename__ = "agenda_poll_option"
    __table_args__ = (sa.UniqueConstraint("poll_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="agenda_poll.id", index=True, ondelete="CASCADE")
    position: int
    text: str
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True, ondelete="SET NULL")
    votes: int = 0


class PollVote(SQLModel, table=True):
    """A member's choice in a named (non-anonymous) poll: one row per chosen option."""

    __tablename__ = "poll_vote"
    __table_args__ = (sa.UniqueConstraint("poll_id", "person_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(foreign_key="agenda_poll.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    position: int
