"""Action points, their updates, the messages that refer to them, and meeting notes (SPEC §5).

An owner is stored as a *reference* (`owner_kind` + a person or a name), not as a list of
people: an organisation or a role owns an action point through whoever holds it when the
bot looks (`/actions mine`, digests), so joining or leaving an organisation needs no update.
People are referenced with `ON DELETE SET NULL`: erasing a person leaves their action points
and updates in place, shown as written by a former member.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import big_id, utc_column


class ActionPoint(SQLModel, table=True):
    """An action point, numbered per coalition (`AP1`, `AP2`, …)."""

    __tablename__ = "action_point"
    __table_args__ = (sa.UniqueConstraint("coalition_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    number: int
    text: str
    owner_kind: str  # member | organisation | role
    owner_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    owner_name: str = ""  # the organisation's name or the role key
    due_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date(), nullable=True))
    status: str = "open"  # open | progress | blocked | done
    percent: int | None = None
    created_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class ActionUpdate(SQLModel, table=True):
    """One update or comment on an action point, kept with its author and time.

    `status`/`percent` are what the update set (None: unchanged); a `comment` came from
    someone who may not change the status, so it changed nothing.
    """

    __tablename__ = "action_update"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action_point.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    at: datetime = Field(sa_column=utc_column())
    status: str | None = None
    percent: int | None = None
    text: str = ""
    comment: bool = False


class ActionMessage(SQLModel, table=True):
    """A Telegram message about one action point: a reply to it is an update of that point."""

    __tablename__ = "action_message"
    __table_args__ = (sa.Index("ix_action_message_chat_id_message_id", "chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action_point.id", index=True, ondelete="CASCADE")
    chat_id: int = Field(sa_column=big_id())
    message_id: int


class Note(SQLModel, table=True):
    """A decision or note recorded with `/note` during (or after) a meeting."""

    id: int | None = Field(default=None, primary_key=True)
    coalition_id: int = Field(foreign_key="coalition.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    text: str
    created_at: datetime = Field(sa_column=utc_column())
