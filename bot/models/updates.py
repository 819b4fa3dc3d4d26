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
