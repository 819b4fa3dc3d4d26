"""Periodic checks that plan reminders (the cadence watchdog); the dispatcher sends them."""

from __future__ import annotations

import logging

from sqlmodel import select

from bot.models import Coalition
from bot.runtime import BotContext
from bot.services.watchdogs import plan_cadence_nudges

log = logging.getLogger(__name__)

WATCHDOG_INTERVAL = 3600.0


async def run_watchdogs(context: BotContext) -> int:
    """Plan due cadence nudges, one transaction per coalition; returns how many were planned."""
    runtime = context.runtime
    async with runtime.db.transaction() as session:
        ids = list((await session.exec(select(Coalition.id))).all())
    planned = 0
    for coalition_id in ids:
        async with runtime.db.transaction() as session:
            coalition = await session.get(Coalition, coalition_id)
            if coalition is not None and await plan_cadence_nudges(session, coalition, runtime.clock.now()):
                planned += 1
    if planned:
        log.info("planned %d cadence nudge(s)", planned)
    return planned
