"""Exactly-once application of updates (webhook retries, several instances)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.updates import ProcessedUpdate
from bot.services import upserts

KEEP = timedelta(days=2)
"""Telegram gives up redelivering an update long before this."""


_MARK = upserts.build(
    lambda insert: (
        insert(ProcessedUpdate.__table__)
        .values(bot_id=bindparam("bot_id"), update_id=bindparam("update_id"), processed_at=bindparam("at"))
        .on_conflict_do_nothing()
    )
)
"""It runs for every update: one statement, no savepoint, no exception on the common path."""


async def first_time(session: AsyncSession, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was already applied."""
    return await upserts.run(session, _MARK, bot_id=bot_id, update_id=update_id, at=now) == 1


async def forget_old(session: AsyncSession, now: datetime) -> None:
    await session.exec(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - KEEP))
