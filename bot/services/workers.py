"""Heartbeats of the processes that claim rows (`Worker`).

A row that may keep no time finer than the day (an anonymous concern's delivery, SPEC §8)
cannot carry a lease that ends at a given second: it is owned by its claimer for as long as
the claimer's heartbeat lasts. Each dispatcher renews its own on every look; a process that
died stops renewing, and once its heartbeat has run out its rows are taken over.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import UTCDateTime, Worker
from bot.services import upserts

FORGET_AFTER = timedelta(days=1)
"""A heartbeat that ran out this long ago names a process nobody will hear from again."""

_BEAT = upserts.build(
    lambda insert: (
        insert(Worker.__table__)
        .values(name=bindparam("name"), alive_until=bindparam("until"))
        .on_conflict_do_update(index_elements=["name"], set_={"alive_until": bindparam("until", type_=UTCDateTime())})
    )
)


async def beat(session: AsyncSession, worker: str, now: datetime, lease: timedelta) -> None:
    """`worker` is alive for `lease` more; heartbeats long run out are forgotten."""
    await upserts.run(session, _BEAT, name=worker, until=now + lease)
    await session.exec(delete(Worker).where(Worker.alive_until < now - FORGET_AFTER))


def alive(now: datetime) -> Select:
    """The names of the processes whose heartbeat has not run out at `now`."""
    return select(Worker.name).where(Worker.alive_until >= now)
