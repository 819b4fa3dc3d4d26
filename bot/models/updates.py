"""Updates already applied, so a webhook retry (or a second instance) never applies one twice."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import utc_column


class ProcessedUpdate(SQLModel, table=True):
    __tablename__ = "processed_update"

    bot_id: int = Field(sa_column=sa.Column(sa.BigInteger(), primary_key=True))
    update_id: int = Field(sa_column=sa.Column(sa.BigInteger(), primary_key=True))
    processed_at: datetime = Field(sa_column=utc_column(index=True))


class EditNotice(SQLModel, table=True):
    """A group message whose edit the bot has answered (SPEC §3 "Edits"): once per message and
    at most once per person per 10 minutes, across instances. Only group messages are kept;
    edits in private chats are remembered in process memory, so no row names a private chat."""

    __tablename__ = "edit_notice"

    chat_id: int = Field(sa_column=sa.Column(sa.BigInteger(), primary_key=True))
    message_id: int = Field(sa_column=sa.Column(sa.BigInteger(), primary_key=True))
    tg_user_id: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))
    noticed_at: datetime = Field(sa_column=utc_column(index=True))


class DialogState(SQLModel, table=True):
    """One step-by-step dialog or pending confirmation of one person in one chat (SPEC §3
    "Dialog state"): read and written in the transaction of each step, so it survives restarts
    and any instance can take the next step; it expires `expires_at` (15 minutes after the
    last step). `data` holds the answers so far and the ids of the messages that gave them.
    The `/concern` dialog never has a row (SPEC §8)."""

    __tablename__ = "dialog_state"

    chat_id: int = Field(sa_column=sa.Column(sa.BigInteger(), primary_key=True))
    tg_user_id: int = Field(sa_column=sa.Column(sa.BigInteger(), primary_key=True))
    name: str = Field(primary_key=True)
    step: str
    data: dict = Field(default_factory=dict, sa_column=sa.Column(sa.JSON(), nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(index=True))
