"""Periodic checks that *plan* reminders (cadence watchdog, …); the dispatcher sends them.

A planner looks at one coalition and adds `Reminder` rows with unique keys, so running it
twice, or in two processes, plans nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Coalition
from bot.runtime import BotContext
from bot.services import updates
from bot.services.action_planning import plan_midterm, plan_overdue_digest
from bot.services.needs import plan_agenda_needs
from bot.services.treaty import plan_article7
from bot.services.watchdogs import plan_cadence_nudges

log = logging.getLogger(__name__)

WATCHDOG_INTERVAL = 600.0
Planner = Callable[[AsyncSession, Coalition, datetime], Awaitable[bool]]
PLANNERS: tuple[Planner, ...] = (
    plan_cadence_nudges,
    plan_midterm,
    plan_overdue_digest,
    plan_agenda_needs,
    plan_article7,
)


async def run_watchdogs(context: BotContext) -> int:
    """Run every planner for every coalition, one transaction each; returns rows planned.

    A paused coalition (the bot is out of its group) plans nothing: what would have been
    planned meanwhile is planned on the first look after it resumes, once, not day by day."""
    runtime = context.runtime
    async with runtime.db.transaction() as session:
        ids = list((await session.exec(select(Coalition.id).where(Coalition.paused_at.is_(None)))).all())
    planned = 0
    for coalition_id in ids:
        for planner in PLANNERS:
            async with runtime.db.transaction() as session:
                coalition = await session.get(Coalition, coalition_id)
                if coalition is not None and await planner(session, coalition, runtime.clock.now()):
                    planned += 1
    async with runtime.db.transaction() as session:
        await updates.forget_old(session, runtime.clock.now())
    if planned:
        log.info("planned %d reminder(s)", planned)
    return planned
