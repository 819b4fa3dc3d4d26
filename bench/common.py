"""Shared pieces of the benchmarks: a migrated temporary database and bulk coalition setup."""

from __future__ import annotations

import statistics
from datetime import datetime

from bot.emulator import Emulator
from bot.services import coalitions, members, organisations
from bot.services.coalitions import SetupRequest
from bot.services.members import PersonInfo
from bot.store.database import Database
from bot.store.migrate import upgrade


async def migrated(url: str) -> Database:
    db = Database(url)
    await upgrade(db.engine)
    return db


async def coalition_with_members(
    db: Database, emu: Emulator | None, chat_id: int, size: int, first_user: int, now: datetime, *, offsets: str = "1d"
) -> int:
    """A coalition whose `size` members all started the bot; returns its id.

    Each person is stored as the emulator describes the user (English), as the bot would
    have stored them on an earlier update: the load then measures the steady state."""
    async with db.transaction() as s:
        coalition, _ = await coalitions.setup(s, chat_id, "bench", SetupRequest(f"Country {chat_id}"), now)
        coalition.reminder_offsets = offsets
        for user in range(first_user, first_user + size):
            if emu is not None:
                emu.add_user(user, f"Member {user}")
                emu.started.add(user)
            person = await members.upsert_person(s, PersonInfo(user, f"Member {user}", language_code="en"))
            person.can_message = True
            record, _ = await members.join(s, coalition, person, "operator", f"Org {user % 7}", now)
            organisations.confirm(record, None, now)  # a coalition at work: its managers confirmed them
        if emu is not None:
            emu.add_group(chat_id, f"Coalition {chat_id}")
        return coalition.id


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
