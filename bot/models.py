"""Database tables (SQLModel).

Every datetime is stored as naive UTC and read back as aware UTC (`UTCDateTime`), so
SQLite and PostgreSQL behave the same and nothing is ever shown without a timezone.
Telegram ids are 64-bit (`BigInteger`): group ids like -100xxxxxxxxxx overflow INTEGER.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as naive UTC; returns aware UTC datetimes."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


def big_id(*, nullable: bool = False, unique: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(sa.BigInteger(), nullable=nullable, unique=unique, index=index)


class Coalition(SQLModel, table=True):
    """One Telegram group = one Country Coalition (SPEC §3)."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=big_id(unique=True))
    title: str = ""
    country: str
    timezone: str = "UTC"
    languages: str = "en"  # comma-separated; the first is the primary language
    cadence_months: int = 6
    reminder_offsets: str = "14d,7d,1d"
    baseline_m2: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger(), nullable=True))
    topic_id: int | None = None
    created_at: datetime = Field(sa_column=utc_column())

    @property
    def language_list(self) -> list[str]:
        return self.languages.split(",")


class Person(SQLModel, table=True):
    """A Telegram user known to the bot, shared by every coalition they belong to."""

    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int | None = Field(default=None, sa_column=big_id(nullable=True, unique=True))
    username: str | None = Field(default=None, index=True)
    full_name: str = ""
    telegram_language: str | None = None
    language: str | None = None
    timezone: str | None = None
    can_message: bool = False  # sent /start in private: the bot may write to them
    unreachable: bool = False  # Telegram answered 403 to a private message


class Membership(SQLModel, table=True):
    """A person's place in one coalition.

    `role` is the effective role (None while a first request is pending);
    `pending_role` is a privileged role awaiting a manager's approval.
    """

    __table_args__ = (sa.UniqueConstraint("coalition_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    role: str | None = None
    pending_role: str | None = None
    organisation: str | None = None
    joined_at: datetime = Field(sa_column=utc_column())


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
    owns a `sending` row until `lease_until`, after which another may resume it.
    """

    __table_args__ = (sa.Index("ix_reminder_state_due_at", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    kind: str  # meeting | post_meeting | cadence
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", ondelete="CASCADE")
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
    state: str = "sending"  # sending | sent | unreachable | failed
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
