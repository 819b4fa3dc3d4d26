"""Exactly-once application of updates (webhook retries, several instances)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.updates import ProcessedUpdate

KEEP = timedelta(days=2)
"""Telegram gives up redelivering an update long before this."""


async def first_time(session: AsyncSession, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was already applied."""
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(bot_id=bot_id, update_id=update_id, processed_at=now))
    except IntegrityError:
        return False
    return True


async def forget_old(session: AsyncSession, now: datetime) -> None:
    await session.exec(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - KEEP))
