"""Exactly-once application of updates (webhook retries, several instances)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.updates import ProcessedUpdate

KEEP = timedelta(days=2)
"""Telegram gives up redelivering an update long before this."""


async def first_time(session: AsyncSession, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was already applied.

    One `INSERT … ON CONFLICT DO NOTHING` (SQLite and PostgreSQL both have it): this runs
    for every update, so no savepoint and no exception on the common path.
    """
    dialect = session.bind.dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ProcessedUpdate).values(bot_id=bot_id, update_id=update_id, processed_at=now)
    result = await session.exec(statement.on_conflict_do_nothing())
    return result.rowcount == 1


async def forget_old(session: AsyncSession, now: datetime) -> None:
    await session.exec(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - KEEP))
