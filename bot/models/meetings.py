"""Meetings, RSVPs and the reminder engine's rows (SPEC §4, §6)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import big_id, utc_column


class Meeting(SQLModel, table=True):
    """A coalition meeting (SPEC §4), numbered per coalition (`M1`, `M2`, …)."""

    __table_args__ = (sa.UniqueConstraint("coalition_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    number: int
    starts_at: datetime = Field(sa_column=utc_column(index=True))
    title: str = ""
    location: str = ""
    cancelled: bool = False
    revision: int = 1  # bumped by each reschedule, so reminders of the new date are new rows
    announcement_chat_id: int | None = Field(default=None, sa_column=big_id(nullable=True))
    announcement_message_id: int | None = None
    created_at: datetime = Field(sa_column=utc_column())


class Rsvp(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    answer: str  # yes | online | no
    answered_at: datetime = Field(sa_column=utc_column())


class Reminder(SQLModel, table=True):
    """One scheduled message (SPEC §6), the source of truth for everything the bot sends later.

    `key` is unique, so planning the same reminder twice (two processes, a replayed command)
    cannot create two rows. `state` moves pending → sending → done (or dropped); a dispatcher
    owns a `sending` row until `lease_until`, after which another may resume it. A row that
    may keep no time finer than the day (an anonymous concern's delivery) has no
    `lease_until`: it is owned while its claimer's heartbeat (`Worker`) lasts, and it is
    deleted with its deliveries once sent.
    """

    __table_args__ = (sa.Index("ix_reminder_state_due_at", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    kind: str  # meeting | post_meeting | cadence
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", ondelete="CASCADE")
    subject_id: int | None = None  # the row a non-meeting reminder is about (a deadline, …)
    label: str = ""  # the offset of a meeting reminder (`7d`)
    due_at: datetime = Field(sa_column=utc_column())
    state: str = "pending"
    claimed_by: str | None = None
    lease_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    note: str = ""  # why it was dropped, or how late it left


class Delivery(SQLModel, table=True):
    """One recipient of one reminder: written *before* sending, so nothing is sent twice."""

    __table_args__ = (sa.UniqueConstraint("reminder_id", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    reminder_id: int = Field(foreign_key="reminder.id", index=True, ondelete="CASCADE")
    recipient: str  # "group" or "person:<id>"
    state: str = "sending"  # queued | sending | sent | unreachable | failed
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    reported_in: int | None = None  # the managers' notice (a reminder) that named this failure
